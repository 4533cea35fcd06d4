/* SPDX-License-Identifier: Apache-2.0 */
/* Loads the vector directory written by make-vectors.sh. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "vectors.h"

static int
repo_load(struct vrepo *r)
{
	char path[4600];
	uint8_t *tsv;
	size_t len;
	char *line, *next;

	if (snprintf(path, sizeof(path), "%s/files.tsv", r->dir) >=
	    (int)sizeof(path) || vec_read_file(path, &tsv, &len) != 0)
		return -1;
	for (line = (char *)tsv; line != NULL && *line != '\0'; line = next) {
		char *ver, *file, *e;
		struct vfile *f;

		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if ((ver = strchr(line, '\t')) == NULL ||
		    (file = strchr(ver + 1, '\t')) == NULL)
			goto bad;
		*ver++ = '\0';
		*file++ = '\0';
		if ((f = realloc(r->files, (r->nfiles + 1) *
		    sizeof(*r->files))) == NULL)
			goto bad;
		r->files = f;
		f = &r->files[r->nfiles];
		memset(f, 0, sizeof(*f));
		if (strcmp(ver, "current") == 0) {
			f->version = 0;
		} else {
			errno = 0;
			f->version = strtoll(ver, &e, 10);
			if (errno != 0 || *e != '\0' || f->version < 1)
				goto bad;
		}
		if (snprintf(f->role, sizeof(f->role), "%s", line) >=
		    (int)sizeof(f->role) ||
		    snprintf(f->name, sizeof(f->name), "%s", file) >=
		    (int)sizeof(f->name) ||
		    snprintf(path, sizeof(path), "%s/%s", r->dir, file) >=
		    (int)sizeof(path) ||
		    vec_read_file(path, &f->buf, &f->len) != 0)
			goto bad;
		r->nfiles++;
	}
	free(tsv);
	return 0;
bad:
	free(tsv);
	return -1;
}

int
vrepos_load(const char *dir, struct vrepo **out, size_t *n)
{
	char path[4096];
	uint8_t *list;
	size_t len;
	char *line, *next;
	struct vrepo *repos = NULL, *nr;
	size_t nrepos = 0;

	*out = NULL;
	*n = 0;
	if (snprintf(path, sizeof(path), "%s/repos.txt", dir) >=
	    (int)sizeof(path) || vec_read_file(path, &list, &len) != 0)
		return -1;
	for (line = (char *)list; line != NULL && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (*line == '\0')
			continue;
		if ((nr = realloc(repos, (nrepos + 1) * sizeof(*repos))) ==
		    NULL)
			goto bad;
		repos = nr;
		nr = &repos[nrepos++];
		memset(nr, 0, sizeof(*nr));
		if (snprintf(nr->gun, sizeof(nr->gun), "%s", line) >=
		    (int)sizeof(nr->gun) ||
		    snprintf(nr->dir, sizeof(nr->dir), "%s/%s", dir, line) >=
		    (int)sizeof(nr->dir) || repo_load(nr) != 0)
			goto bad;
	}
	free(list);
	*out = repos;
	*n = nrepos;
	return 0;
bad:
	free(list);
	vrepos_free(repos, nrepos);
	return -1;
}

void
vrepos_free(struct vrepo *r, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		for (j = 0; j < r[i].nfiles; j++) {
			free(r[i].files[j].buf);
			free(r[i].files[j].sform);
			json_doc_free(r[i].files[j].doc);
		}
		free(r[i].files);
	}
	free(r);
}

struct vfile *
vrepo_file(struct vrepo *r, const char *role, int64_t version)
{
	size_t i;

	for (i = 0; i < r->nfiles; i++)
		if (r->files[i].version == version &&
		    strcmp(r->files[i].role, role) == 0)
			return &r->files[i];
	return NULL;
}
