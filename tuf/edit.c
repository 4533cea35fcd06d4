/* SPDX-License-Identifier: Apache-2.0 */
/* Model lifetime and editing: targets, delegations, root roles, file meta. */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "tuf_impl.h"

int
tuf_meta_new(const char *role, struct tuf_meta **out)
{
	struct tuf_meta	*m;
	enum tuf_role_type t;

	if (out == NULL)
		return TUF_ERR_INVAL;
	*out = NULL;
	if (role == NULL || strlen(role) > TUF_NAME_MAX ||
	    (t = tuf_role_type_of(role)) == 0)
		return TUF_ERR_INVAL;
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return TUF_ERR_NOMEM;
	if ((m->role = strdup(role)) == NULL) {
		free(m);
		return TUF_ERR_NOMEM;
	}
	m->type = t;
	m->version = 1;
	*out = m;
	return 0;
}

void
tuf_role_cleanup(struct tuf_role *r)
{
	size_t i;

	if (r == NULL)
		return;
	free(r->name);
	for (i = 0; i < r->nkeyids; i++)
		free(r->keyids[i]);
	free(r->keyids);
	for (i = 0; i < r->npaths; i++)
		free(r->paths[i]);
	free(r->paths);
	memset(r, 0, sizeof(*r));
}

static int
strv_copy(char ***dst, char *const *src, size_t n)
{
	size_t i;

	*dst = calloc(n ? n : 1, sizeof(char *));
	if (*dst == NULL)
		return TUF_ERR_NOMEM;
	for (i = 0; i < n; i++)
		if (((*dst)[i] = strdup(src[i])) == NULL)
			return TUF_ERR_NOMEM;
	return 0;
}

int
tuf_role_copy(struct tuf_role *dst, const struct tuf_role *src)
{
	memset(dst, 0, sizeof(*dst));
	dst->threshold = src->threshold;
	dst->has_paths = src->has_paths;
	if ((src->name && (dst->name = strdup(src->name)) == NULL) ||
	    strv_copy(&dst->keyids, src->keyids, src->nkeyids) != 0)
		goto fail;
	dst->nkeyids = src->nkeyids;
	if (strv_copy(&dst->paths, src->paths, src->npaths) != 0)
		goto fail;
	dst->npaths = src->npaths;
	return 0;
fail:
	/* strv_copy leaves NULLs after a failure; count them in for free(). */
	dst->nkeyids = dst->keyids ? src->nkeyids : 0;
	dst->npaths = dst->paths ? src->npaths : 0;
	tuf_role_cleanup(dst);
	return TUF_ERR_NOMEM;
}

void
tuf_filemeta_cleanup(struct tuf_filemeta *fm)
{
	free(fm->custom);
	memset(fm, 0, sizeof(*fm));
}

void
tuf_targets_cleanup(struct tuf_targets *t)
{
	size_t i;

	free(t->t);
	free(t->pool);
	tuf_keyset_cleanup(&t->dkeys);
	for (i = 0; i < t->ndroles; i++)
		tuf_role_cleanup(&t->droles[i]);
	free(t->droles);
	memset(t, 0, sizeof(*t));
}

void
tuf_meta_free(struct tuf_meta *m)
{
	size_t i;

	if (m == NULL)
		return;
	free(m->role);
	tuf_keyset_cleanup(&m->root.keys);
	for (i = 0; i < m->root.nroles; i++)
		tuf_role_cleanup(&m->root.roles[i]);
	free(m->root.roles);
	tuf_targets_cleanup(&m->targets);
	for (i = 0; i < m->nmeta; i++) {
		free(m->meta[i].name);
		tuf_filemeta_cleanup(&m->meta[i].fm);
	}
	free(m->meta);
	for (i = 0; i < m->nsigs; i++) {
		free(m->sigs[i].method);
		free(m->sigs[i].sig);
	}
	free(m->sigs);
	free(m->signed_msg);
	free(m);
}

/* ---- targets ---- */

static int
name_cmp(const char *a, size_t al, const char *b, size_t bl)
{
	size_t	 n = al < bl ? al : bl;
	int	 c = n ? memcmp(a, b, n) : 0;

	if (c != 0)
		return c;
	return (al > bl) - (al < bl);
}

static size_t
targets_pos(const struct tuf_targets *t, const char *name, size_t nl,
    int *found)
{
	size_t	 lo = 0, hi = t->n, mid;
	int	 c;

	*found = 0;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = name_cmp(t->pool + t->t[mid].name_off, t->t[mid].name_len,
		    name, nl);
		if (c == 0) {
			*found = 1;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct tuf_target *
tuf_targets_find(const struct tuf_targets *t, const char *name,
    size_t name_len)
{
	size_t	 i;
	int	 found;

	if (t == NULL || name == NULL)
		return NULL;
	i = targets_pos(t, name, name_len, &found);
	return found ? &t->t[i] : NULL;
}

void
tuf_target_get(const struct tuf_targets *t, size_t i, const char **name,
    size_t *name_len, struct tuf_filemeta *fm)
{
	const struct tuf_target *e = &t->t[i];

	*name = t->pool + e->name_off;
	*name_len = e->name_len;
	fm->length = e->length;
	fm->has_sha256 = e->has_sha256;
	if (e->has_sha256)
		memcpy(fm->sha256, e->sha256, 32);
	fm->has_sha512 = e->sha512_off != UINT32_MAX;
	if (fm->has_sha512)
		memcpy(fm->sha512, t->pool + e->sha512_off, 64);
	fm->custom = e->has_custom ? (uint8_t *)t->pool + e->custom_off : NULL;
	fm->custom_len = e->has_custom ? e->custom_len : 0;
}

int
tuf_pool_put(struct tuf_targets *t, const void *p, size_t n,
    uint32_t *off)
{
	if (t->pool_len + n > UINT32_MAX - 1)
		return TUF_ERR_TOO_BIG;
	if (t->pool_len + n > t->pool_cap) {
		size_t	 ncap = t->pool_cap ? t->pool_cap : 256;
		char	*q;

		while (ncap < t->pool_len + n)
			ncap *= 2;
		if ((q = realloc(t->pool, ncap)) == NULL)
			return TUF_ERR_NOMEM;
		t->pool = q;
		t->pool_cap = ncap;
	}
	memcpy(t->pool + t->pool_len, p, n);
	*off = (uint32_t)t->pool_len;
	t->pool_len += n;
	return 0;
}

/* Well-formed UTF-8 without control characters. */
static int
name_ok(const char *s, size_t n)
{
	const uint8_t	*p = (const uint8_t *)s;
	size_t		 i = 0, k, len;
	uint32_t	 cp;

	if (n == 0 || n > 4096)
		return 0;
	while (i < n) {
		if (p[i] < 0x20)
			return 0;
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		if (p[i] >= 0xc2 && p[i] <= 0xdf) {
			len = 2;
			cp = p[i] & 0x1f;
		} else if (p[i] >= 0xe0 && p[i] <= 0xef) {
			len = 3;
			cp = p[i] & 0x0f;
		} else if (p[i] >= 0xf0 && p[i] <= 0xf4) {
			len = 4;
			cp = p[i] & 0x07;
		} else
			return 0;
		if (i + len > n)
			return 0;
		for (k = 1; k < len; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (p[i + k] & 0x3f);
		}
		if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
		    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
			return 0;
		i += len;
	}
	return 1;
}

int
tuf_target_make(struct tuf_targets *t, const char *name, size_t name_len,
    const uint32_t *name_off, const struct tuf_filemeta *fm,
    struct tuf_target *e)
{
	int	 r;

	memset(e, 0, sizeof(*e));
	if (name_len > UINT32_MAX / 2 ||
	    (fm->custom != NULL && fm->custom_len > UINT32_MAX / 2))
		return TUF_ERR_TOO_BIG;
	e->sha512_off = UINT32_MAX;
	e->length = fm->length;
	e->has_sha256 = (uint8_t)fm->has_sha256;
	if (fm->has_sha256)
		memcpy(e->sha256, fm->sha256, 32);
	if (name_off != NULL)
		e->name_off = *name_off;
	else if ((r = tuf_pool_put(t, name, name_len, &e->name_off)) != 0)
		return r;
	e->name_len = (uint32_t)name_len;
	if (fm->has_sha512 &&
	    (r = tuf_pool_put(t, fm->sha512, 64, &e->sha512_off)) != 0)
		return r;
	if (fm->custom != NULL) {
		if ((r = tuf_pool_put(t, fm->custom, fm->custom_len,
		    &e->custom_off)) != 0)
			return r;
		e->custom_len = (uint32_t)fm->custom_len;
		e->has_custom = 1;
	}
	return 0;
}

int
tuf_targets_room(struct tuf_targets *t)
{
	size_t	 ncap;
	void	*q;

	if (t->n < t->cap)
		return 0;
	ncap = t->cap ? t->cap + t->cap / 2 + 16 : 16;
	if ((q = realloc(t->t, ncap * sizeof(*t->t))) == NULL)
		return TUF_ERR_NOMEM;
	t->t = q;
	t->cap = ncap;
	return 0;
}

int
tuf_targets_set(struct tuf_targets *t, const char *name, size_t name_len,
    const struct tuf_filemeta *fm)
{
	struct tuf_target	 e;
	size_t			 i;
	int			 found, r;

	if (t == NULL || name == NULL || fm == NULL || fm->length < 0 ||
	    (!fm->has_sha256 && !fm->has_sha512))
		return TUF_ERR_INVAL;
	if (!name_ok(name, name_len))
		return TUF_ERR_TARGET_NAME;
	i = targets_pos(t, name, name_len, &found);
	/* A replaced entry's old bytes stay in the pool until the model is freed. */
	if ((r = tuf_target_make(t, name, name_len,
	    found ? &t->t[i].name_off : NULL, fm, &e)) != 0)
		return r;
	if (found) {
		t->t[i] = e;
		return 0;
	}
	if ((r = tuf_targets_room(t)) != 0)
		return r;
	memmove(&t->t[i + 1], &t->t[i], (t->n - i) * sizeof(*t->t));
	t->t[i] = e;
	t->n++;
	return 0;
}

int
tuf_targets_remove(struct tuf_targets *t, const char *name, size_t name_len)
{
	size_t	 i;
	int	 found;

	if (t == NULL || name == NULL)
		return TUF_ERR_INVAL;
	i = targets_pos(t, name, name_len, &found);
	if (!found)
		return TUF_ERR_NOT_FOUND;
	memmove(&t->t[i], &t->t[i + 1], (t->n - i - 1) * sizeof(*t->t));
	t->n--;
	return 0;
}

/* ---- delegations ---- */

/* Roles are few: a linear search by name (delegations keep file order). */
static const struct tuf_role *
role_find(const struct tuf_role *v, size_t n, const char *name)
{
	size_t i;

	if (name == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		if (v[i].name != NULL && strcmp(v[i].name, name) == 0)
			return &v[i];
	return NULL;
}

const struct tuf_role *
tuf_delegation_find(const struct tuf_targets *t, const char *name)
{
	return t == NULL ? NULL : role_find(t->droles, t->ndroles, name);
}

int
tuf_delegation_add(struct tuf_targets *t, const char *parent,
    const char *name, const char *const *keyids, size_t nkeyids,
    int64_t threshold, const char *const *paths, size_t npaths)
{
	struct tuf_role	 role, *q;
	char		 p[TUF_NAME_MAX + 1];
	size_t		 i;
	int		 r;

	if (t == NULL || parent == NULL || name == NULL ||
	    (nkeyids && keyids == NULL) || (npaths && paths == NULL))
		return TUF_ERR_INVAL;
	tuf_role_parent(name, p, sizeof(p));
	if (!tuf_is_delegation(name) || strcmp(p, parent) != 0)
		return TUF_ERR_DELEGATION;
	if (threshold < 1 || threshold > INT32_MAX)
		return TUF_ERR_ROLE;
	if (tuf_delegation_find(t, name) != NULL)
		return TUF_ERR_EXISTS;
	for (i = 0; i < nkeyids; i++)
		if (tuf_keyset_find(&t->dkeys, keyids[i]) == NULL)
			return TUF_ERR_ROLE;
	memset(&role, 0, sizeof(role));
	role.name = (char *)name;
	role.keyids = (char **)keyids;
	role.nkeyids = nkeyids;
	role.threshold = threshold;
	role.paths = (char **)paths;
	role.npaths = npaths;
	role.has_paths = npaths > 0;
	if ((q = realloc(t->droles, (t->ndroles + 1) * sizeof(*q))) == NULL)
		return TUF_ERR_NOMEM;
	t->droles = q;
	if ((r = tuf_role_copy(&t->droles[t->ndroles], &role)) != 0)
		return r;
	t->ndroles++;
	return 0;
}

int
tuf_delegation_remove(struct tuf_targets *t, const char *name)
{
	const struct tuf_role	*d = tuf_delegation_find(t, name);
	size_t			 i;

	if (d == NULL)
		return TUF_ERR_NOT_FOUND;
	i = (size_t)(d - t->droles);
	tuf_role_cleanup(&t->droles[i]);
	memmove(&t->droles[i], &t->droles[i + 1],
	    (t->ndroles - i - 1) * sizeof(*t->droles));
	t->ndroles--;
	return 0;
}

int
tuf_delegation_allows(const struct tuf_role *d, const char *name,
    size_t name_len)
{
	size_t i, pl;

	if (d == NULL || name == NULL)
		return TUF_ERR_INVAL;
	for (i = 0; i < d->npaths; i++) {
		pl = strlen(d->paths[i]);
		if (pl <= name_len && memcmp(name, d->paths[i], pl) == 0)
			return 0;
	}
	return TUF_ERR_PATHS;
}

/* ---- root roles ---- */

const struct tuf_role *
tuf_root_role(const struct tuf_root *r, const char *name)
{
	return r == NULL ? NULL : role_find(r->roles, r->nroles, name);
}

int
tuf_root_set_role(struct tuf_root *r, const char *name,
    const char *const *keyids, size_t nkeyids, int64_t threshold)
{
	struct tuf_role	 role, nr, *q;
	size_t		 i, pos;
	int		 rc;

	if (r == NULL || name == NULL || (nkeyids && keyids == NULL))
		return TUF_ERR_INVAL;
	if (threshold < 1 || threshold > INT32_MAX)
		return TUF_ERR_ROLE;
	for (i = 0; i < nkeyids; i++)
		if (tuf_keyset_find(&r->keys, keyids[i]) == NULL)
			return TUF_ERR_ROLE;
	memset(&role, 0, sizeof(role));
	role.name = (char *)name;
	role.keyids = (char **)keyids;
	role.nkeyids = nkeyids;
	role.threshold = threshold;
	if ((rc = tuf_role_copy(&nr, &role)) != 0)
		return rc;
	for (pos = 0; pos < r->nroles; pos++) {
		int c = strcmp(r->roles[pos].name, name);
		if (c == 0) {
			tuf_role_cleanup(&r->roles[pos]);
			r->roles[pos] = nr;
			return 0;
		}
		if (c > 0)
			break;
	}
	if ((q = realloc(r->roles, (r->nroles + 1) * sizeof(*q))) == NULL) {
		tuf_role_cleanup(&nr);
		return TUF_ERR_NOMEM;
	}
	r->roles = q;
	memmove(&r->roles[pos + 1], &r->roles[pos],
	    (r->nroles - pos) * sizeof(*q));
	r->roles[pos] = nr;
	r->nroles++;
	return 0;
}

/* ---- file meta ---- */

void
tuf_filemeta_of(const uint8_t *buf, size_t len, int want_sha512,
    struct tuf_filemeta *out)
{
	memset(out, 0, sizeof(*out));
	out->length = (int64_t)len;
	out->has_sha256 = EVP_Digest(buf, len, out->sha256, NULL,
	    EVP_sha256(), NULL) == 1;
	if (want_sha512)
		out->has_sha512 = EVP_Digest(buf, len, out->sha512, NULL,
		    EVP_sha512(), NULL) == 1;
}

const struct tuf_filemeta *
tuf_meta_get_filemeta(const struct tuf_meta *m, const char *name)
{
	size_t	 lo = 0, hi, mid;
	int	 c;

	if (m == NULL || name == NULL)
		return NULL;
	hi = m->nmeta;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strcmp(m->meta[mid].name, name);
		if (c == 0)
			return &m->meta[mid].fm;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

int
tuf_meta_set_filemeta(struct tuf_meta *m, const char *name,
    const struct tuf_filemeta *fm)
{
	struct tuf_metaent	 e, *q;
	size_t			 pos;
	int			 c;

	if (m == NULL || name == NULL || fm == NULL ||
	    (m->type != TUF_SNAPSHOT && m->type != TUF_TIMESTAMP))
		return TUF_ERR_INVAL;
	memset(&e, 0, sizeof(e));
	e.fm = *fm;
	e.fm.custom = NULL;
	if ((e.name = strdup(name)) == NULL)
		return TUF_ERR_NOMEM;
	if (fm->custom != NULL) {
		if ((e.fm.custom = malloc(fm->custom_len)) == NULL) {
			free(e.name);
			return TUF_ERR_NOMEM;
		}
		memcpy(e.fm.custom, fm->custom, fm->custom_len);
	}
	for (pos = 0; pos < m->nmeta; pos++) {
		c = strcmp(m->meta[pos].name, name);
		if (c == 0) {
			free(m->meta[pos].name);
			tuf_filemeta_cleanup(&m->meta[pos].fm);
			m->meta[pos] = e;
			return 0;
		}
		if (c > 0)
			break;
	}
	if ((q = realloc(m->meta, (m->nmeta + 1) * sizeof(*q))) == NULL) {
		free(e.name);
		tuf_filemeta_cleanup(&e.fm);
		return TUF_ERR_NOMEM;
	}
	m->meta = q;
	memmove(&m->meta[pos + 1], &m->meta[pos], (m->nmeta - pos) * sizeof(*q));
	m->meta[pos] = e;
	m->nmeta++;
	return 0;
}

int
tuf_meta_remove_filemeta(struct tuf_meta *m, const char *name)
{
	size_t i;

	if (m == NULL || name == NULL)
		return TUF_ERR_INVAL;
	for (i = 0; i < m->nmeta; i++) {
		if (strcmp(m->meta[i].name, name) != 0)
			continue;
		free(m->meta[i].name);
		tuf_filemeta_cleanup(&m->meta[i].fm);
		memmove(&m->meta[i], &m->meta[i + 1],
		    (m->nmeta - i - 1) * sizeof(*m->meta));
		m->nmeta--;
		return 0;
	}
	return TUF_ERR_NOT_FOUND;
}

int
tuf_root_build(const char *root_cert_pem, size_t pem_len,
    const struct tuf_key *targets, const struct tuf_key *snapshot,
    const struct tuf_key *timestamp, int64_t version,
    const struct tuf_time *expires, struct tuf_meta **out)
{
	const struct tuf_key	*k[3] = { targets, snapshot, timestamp };
	static const char *const names[3] = { "targets", "snapshot",
	    "timestamp" };
	struct tuf_key		 rk;
	struct tuf_meta		*m = NULL;
	const char		*id;
	size_t			 i;
	int			 r;

	if (out == NULL)
		return TUF_ERR_INVAL;
	*out = NULL;
	if (root_cert_pem == NULL || targets == NULL || snapshot == NULL ||
	    timestamp == NULL || expires == NULL || version < 1 ||
	    version > INT32_MAX)
		return TUF_ERR_INVAL;
	if ((r = tuf_key_from_cert_pem(&rk, root_cert_pem, pem_len)) != 0)
		return r;
	if ((r = tuf_meta_new("root", &m)) != 0)
		goto out;
	m->version = version;
	m->expires = *expires;
	if ((r = tuf_keyset_add(&m->root.keys, &rk)) != 0)
		goto out;
	id = rk.id;
	if ((r = tuf_root_set_role(&m->root, "root", &id, 1, 1)) != 0)
		goto out;
	for (i = 0; i < 3; i++) {
		r = tuf_keyset_add(&m->root.keys, k[i]);
		if (r != 0 && r != TUF_ERR_EXISTS)
			goto out;
		id = k[i]->id;
		if ((r = tuf_root_set_role(&m->root, names[i], &id, 1, 1)) != 0)
			goto out;
	}
	*out = m;
	m = NULL;	/* transferred */
	r = 0;
out:
	tuf_key_cleanup(&rk);
	tuf_meta_free(m);
	return r;
}
