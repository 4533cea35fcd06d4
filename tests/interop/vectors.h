/* SPDX-License-Identifier: Apache-2.0 */
/* The vector directory make-vectors.sh writes, loaded for the checkers. */
#ifndef SIGNERD_TEST_VECTORS_H
#define SIGNERD_TEST_VECTORS_H

#include <stddef.h>
#include <stdint.h>

struct json_doc;

struct vfile {
	char		 role[128];
	int64_t		 version;	/* 0: the current <role>.json */
	char		 name[256];	/* file name in the repository folder */
	uint8_t		*buf;
	size_t		 len;
	struct json_doc	*doc;		/* set by the checker */
	size_t		 signed_off, signed_len;
	uint8_t		*sform;		/* the bytes notary signed */
	size_t		 sformlen;
};

struct vrepo {
	char		 gun[256];
	char		 dir[4096];
	struct vfile	*files;
	size_t		 nfiles;
};

/* Reads DIR/repos.txt and each DIR/<gun>/files.tsv with every file's bytes. */
int vrepos_load(const char *dir, struct vrepo **out, size_t *n);
void vrepos_free(struct vrepo *r, size_t n);
struct vfile *vrepo_file(struct vrepo *r, const char *role, int64_t version);

/* Whole file into a NUL-terminated buffer (the NUL is not counted). */
int vec_read_file(const char *path, uint8_t **out, size_t *len);
/* Records one failure, printed as "FAIL gun/file: ...". */
void vec_fail(const char *gun, const char *file, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

struct vtarget {
	char		*name;
	char		 hex[65];
	int64_t		 len;
	char		 role[128];
};

struct vlist {
	struct vtarget	*t;
	size_t		 n;
};

void vec_list_add(struct vlist *l, const char *name, const char *hex,
    int64_t len, const char *role);
void vec_list_free(struct vlist *l);
/* Reads `notary list` output (NAME DIGEST SIZE ROLE after two header lines). */
int vec_list_read(const char *path, struct vlist *l);
/* Every target notary listed must be in got with the same digest, size, role. */
void vec_lists_compare(const char *gun, const char *file,
    const struct vlist *want, const struct vlist *got);

#ifdef TUF_VECTORS_WITH_TUF
void vec_tuf_check(struct vrepo *r);
#endif

#endif
