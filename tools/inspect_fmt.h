/* SPDX-License-Identifier: Apache-2.0 */
/*
 * inspect_fmt: `docker trust inspect` output, byte for byte: the JSON array
 * (4-space indentation, Go's HTML-safe string escaping) and the --pretty
 * tables. Pure: the caller fills the structures, sorted as described.
 */
#ifndef SIGNERD_INSPECT_FMT_H
#define SIGNERD_INSPECT_FMT_H

#include <stddef.h>

struct json_buf;

/* A signed tag: name, sha256 hex, signer names sorted ("Repo Admin" alone for admin-only). */
struct insp_tag {
	const char	 *name;
	size_t		  name_len;
	char		  digest[65];
	const char	**signers;
	size_t		  nsigners;
};

/* A signer (delegation name without "targets/") and its key IDs, sorted. */
struct insp_signer {
	const char	 *name;
	const char	**keys;
	size_t		  nkeys;
};

/* What one argument of inspect shows. Tags and signers sorted by name. */
struct insp_repo {
	const char		 *name;		/* "gun" or "gun:tag" as given */
	const char		 *gun;
	struct insp_tag		 *tags;
	size_t			  ntags;
	struct insp_signer	 *signers;
	size_t			  nsigners;
	const char		**root_keys;
	size_t			  nroot_keys;
	const char		**repo_keys;	/* the targets role's keys */
	size_t			  nrepo_keys;
};

/* The JSON array of docker trust inspect for n repositories, ending in "\n". */
void insp_write_json(struct json_buf *b, const struct insp_repo *r, size_t n);
/* The --pretty text for one repository (no separator). */
void insp_write_pretty(struct json_buf *b, const struct insp_repo *r);
/* What --pretty puts between two repositories. */
#define INSP_PRETTY_SEP	"\n\n"

#endif /* SIGNERD_INSPECT_FMT_H */
