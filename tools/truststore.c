/* SPDX-License-Identifier: Apache-2.0 */
/* trustctl's trust store: one atomically replaced file per GUN. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "json.h"
#include "truststore.h"

#define STORE_MAX	((size_t)1 << 31)

const char *
truststore_strerror(int code)
{
	switch (code) {
	case TRUSTSTORE_OK:		return "success";
	case TRUSTSTORE_ERR_NOMEM:	return "out of memory";
	case TRUSTSTORE_ERR_INVAL:	return "bad GUN or role name";
	case TRUSTSTORE_ERR_IO:		return "trust store I/O failed";
	case TRUSTSTORE_ERR_CORRUPT:	return "trust store file is damaged";
	}
	return "unknown trust store error";
}

/* A GUN is a relative path of safe components; refuse anything else. */
static int
gun_ok(const char *gun)
{
	size_t	i, n = strlen(gun);

	if (n == 0 || n > 255 || gun[0] == '/' || gun[n - 1] == '/')
		return 0;
	for (i = 0; i < n; i++) {
		char c = gun[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '.' || c == '-' || c == '_' || c == ':' || c == '/'))
			return 0;
		if (c == '.' && (i == 0 || gun[i - 1] == '/'))
			return 0;	/* no "..", no hidden components */
		if (c == '/' && gun[i - 1] == '/')
			return 0;
	}
	return 1;
}

static int
path_of(const char *dir, const char *gun, const char *leaf, char *buf,
    size_t len)
{
	int	n;

	n = snprintf(buf, len, "%s/tuf/%s%s%s", dir, gun, leaf ? "/" : "",
	    leaf ? leaf : "");
	return (n < 0 || (size_t)n >= len) ? TRUSTSTORE_ERR_INVAL : 0;
}

static int
mkdirs(char *path)
{
	char	*p;

	for (p = path + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0700) != 0 && errno != EEXIST) {
			*p = '/';
			return TRUSTSTORE_ERR_IO;
		}
		*p = '/';
	}
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		return TRUSTSTORE_ERR_IO;
	return 0;
}

const struct truststore_file *
truststore_get(const struct truststore *s, const char *role)
{
	size_t	i;

	for (i = 0; s != NULL && i < s->n; i++)
		if (strcmp(s->f[i].role, role) == 0)
			return &s->f[i];
	return NULL;
}

int
truststore_set(struct truststore *s, const char *role, const uint8_t *data,
    size_t len)
{
	struct truststore_file	*f = NULL, *nf;
	uint8_t			*copy;
	size_t			 i;

	if (role == NULL || *role == '\0' || (data == NULL && len > 0))
		return TRUSTSTORE_ERR_INVAL;
	if ((copy = malloc(len ? len : 1)) == NULL)
		return TRUSTSTORE_ERR_NOMEM;
	if (len > 0)
		memcpy(copy, data, len);
	for (i = 0; i < s->n; i++)
		if (strcmp(s->f[i].role, role) == 0)
			f = &s->f[i];
	if (f == NULL) {
		if (s->n == s->cap) {
			size_t nc = s->cap ? s->cap * 2 : 8;
			if ((nf = reallocarray(s->f, nc, sizeof(*nf))) == NULL) {
				free(copy);
				return TRUSTSTORE_ERR_NOMEM;
			}
			s->f = nf;
			s->cap = nc;
		}
		f = &s->f[s->n];
		if ((f->role = strdup(role)) == NULL) {
			free(copy);
			return TRUSTSTORE_ERR_NOMEM;
		}
		f->data = NULL;
		s->n++;
	}
	free(f->data);
	f->data = copy;
	f->len = len;
	return 0;
}

void
truststore_free(struct truststore *s)
{
	size_t	i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++) {
		free(s->f[i].role);
		free(s->f[i].data);
	}
	free(s->f);
	memset(s, 0, sizeof(*s));
}

int
truststore_load(const char *dir, const char *gun, struct truststore *s)
{
	char			 path[4096];
	struct json_limits	 lim = { .max_bytes = STORE_MAX, .max_depth = 8 };
	struct json_doc		*doc = NULL;
	const struct json_value	*files, *f;
	const char		*key, *str;
	size_t			 i, klen, slen, got = 0;
	uint8_t			*buf = NULL;
	struct stat		 st;
	int			 fd = -1, r;
	ssize_t			 n;

	memset(s, 0, sizeof(*s));
	if (!gun_ok(gun))
		return TRUSTSTORE_ERR_INVAL;
	if ((r = path_of(dir, gun, "trust.json", path, sizeof(path))) != 0)
		return r;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return errno == ENOENT ? 0 : TRUSTSTORE_ERR_IO;
	if (fstat(fd, &st) != 0 || st.st_size < 0 ||
	    (uint64_t)st.st_size > STORE_MAX) {
		r = TRUSTSTORE_ERR_IO;
		goto out;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		r = TRUSTSTORE_ERR_NOMEM;
		goto out;
	}
	while (got < (size_t)st.st_size) {
		n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = TRUSTSTORE_ERR_IO;
			goto out;
		}
		got += (size_t)n;
	}
	if (json_doc_parse(buf, got, &lim, &doc, NULL) != 0) {
		r = TRUSTSTORE_ERR_CORRUPT;
		goto out;
	}
	files = json_object_get(json_doc_root(doc), "files");
	if (json_value_type(files) != JSON_OBJECT) {
		r = TRUSTSTORE_ERR_CORRUPT;
		goto out;
	}
	for (i = 0; i < json_value_count(files); i++) {
		f = json_object_at(files, i, &key, &klen);
		if ((str = json_value_str(f, &slen)) == NULL ||
		    strlen(key) != klen) {
			r = TRUSTSTORE_ERR_CORRUPT;
			goto out;
		}
		if ((r = truststore_set(s, key, (const uint8_t *)str,
		    slen)) != 0)
			goto out;
	}
	r = 0;
out:
	if (r != 0)
		truststore_free(s);
	json_doc_free(doc);
	free(buf);
	if (fd >= 0)
		close(fd);
	return r;
}

static int
write_all(int fd, const uint8_t *p, size_t n)
{
	ssize_t	w;

	while (n > 0) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
role_cmp(const void *a, const void *b)
{
	const struct truststore_file *x = *(const struct truststore_file *const *)a;
	const struct truststore_file *y = *(const struct truststore_file *const *)b;

	return strcmp(x->role, y->role);
}

int
truststore_save(const char *dir, const char *gun, const struct truststore *s)
{
	char				 gdir[4096], path[4200], tmp[4200];
	const struct truststore_file	**order = NULL;
	struct json_buf			 b;
	size_t				 i;
	int				 fd = -1, r, n;

	json_buf_init(&b);
	if (!gun_ok(gun))
		return TRUSTSTORE_ERR_INVAL;
	if ((r = path_of(dir, gun, NULL, gdir, sizeof(gdir))) != 0)
		return r;
	n = snprintf(path, sizeof(path), "%s/trust.json", gdir);
	if (n < 0 || (size_t)n >= sizeof(path))
		return TRUSTSTORE_ERR_INVAL;
	n = snprintf(tmp, sizeof(tmp), "%s/.trust.json.XXXXXX", gdir);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return TRUSTSTORE_ERR_INVAL;
	if ((r = mkdirs(gdir)) != 0)
		return r;
	if (s->n > 0 && (order = calloc(s->n, sizeof(*order))) == NULL)
		return TRUSTSTORE_ERR_NOMEM;
	for (i = 0; i < s->n; i++)
		order[i] = &s->f[i];
	if (s->n > 1)
		qsort(order, s->n, sizeof(*order), role_cmp);
	json_put_raw(&b, "{\"files\":{", 10);
	for (i = 0; i < s->n; i++) {
		if (i > 0)
			json_put_char(&b, ',');
		json_put_str(&b, order[i]->role, strlen(order[i]->role));
		json_put_char(&b, ':');
		json_put_str(&b, (const char *)order[i]->data, order[i]->len);
	}
	json_put_raw(&b, "},\"format\":1}\n", 14);
	if (b.err != 0) {
		r = b.err == JSON_ERR_NOMEM ? TRUSTSTORE_ERR_NOMEM :
		    TRUSTSTORE_ERR_INVAL;
		goto out;
	}
	if ((fd = mkstemp(tmp)) < 0) {
		r = TRUSTSTORE_ERR_IO;
		goto out;
	}
	if (write_all(fd, b.data, b.len) != 0 || fsync(fd) != 0) {
		r = TRUSTSTORE_ERR_IO;
		goto out;
	}
	if (close(fd) != 0) {
		fd = -1;
		r = TRUSTSTORE_ERR_IO;
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		r = TRUSTSTORE_ERR_IO;
		goto out;
	}
	tmp[0] = '\0';
	/* The rename is durable only once the directory is synced. */
	if ((fd = open(gdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		(void)fsync(fd);
		close(fd);
		fd = -1;
	}
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	if (r != 0 && tmp[0] != '\0')
		(void)unlink(tmp);
	free(order);
	json_buf_cleanup(&b);
	return r;
}

int
truststore_forget(const char *dir, const char *gun)
{
	char	path[4096];
	int	r;

	if (!gun_ok(gun))
		return TRUSTSTORE_ERR_INVAL;
	if ((r = path_of(dir, gun, "trust.json", path, sizeof(path))) != 0)
		return r;
	if (unlink(path) != 0 && errno != ENOENT)
		return TRUSTSTORE_ERR_IO;
	return 0;
}
