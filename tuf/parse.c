/* SPDX-License-Identifier: Apache-2.0 */
/* Metadata reader: strict JSON (json/) to the tuf/ model, with Notary's structure checks. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "tuf_impl.h"

struct pctx {
	const char		*role;
	struct tuf_error	*err;
};

static const char *
type_name(enum json_type t)
{
	switch (t) {
	case JSON_NULL:		return "null";
	case JSON_FALSE:
	case JSON_TRUE:		return "boolean";
	case JSON_INT:		return "integer";
	case JSON_STRING:	return "string";
	case JSON_ARRAY:	return "array";
	case JSON_OBJECT:	return "object";
	}
	return "?";
}

/* Refuses members outside allowed: Notary would drop them on rewrite. */
static int
only(struct pctx *p, const struct json_value *obj, const char *where,
    const char *const *allowed, size_t nallowed)
{
	size_t		 i, j, n = json_value_count(obj), kl;
	const char	*key;

	for (i = 0; i < n; i++) {
		(void)json_object_at(obj, i, &key, &kl);
		for (j = 0; j < nallowed; j++)
			if (strlen(allowed[j]) == kl &&
			    memcmp(allowed[j], key, kl) == 0)
				break;
		if (j == nallowed)
			return tuf_err(p->err, TUF_ERR_UNKNOWN_FIELD, p->role,
			    "%s: unknown member \"%.40s\"", where, key);
	}
	return 0;
}

static int
member(struct pctx *p, const struct json_value *obj, const char *where,
    const char *name, enum json_type want, const struct json_value **out)
{
	const struct json_value	*v = json_object_get(obj, name);
	enum json_type		 t;

	*out = NULL;
	if (v == NULL)
		return tuf_err(p->err, TUF_ERR_MISSING, p->role,
		    "%s: member \"%s\" missing", where, name);
	t = json_value_type(v);
	if (t != want && !(want == JSON_TRUE && t == JSON_FALSE))
		return tuf_err(p->err, TUF_ERR_FIELD_TYPE, p->role,
		    "%s.%s: expected %s, found %s", where, name,
		    type_name(want), type_name(t));
	*out = v;
	return 0;
}

static int
want_type(struct pctx *p, const struct json_value *v, const char *where,
    enum json_type want)
{
	if (json_value_type(v) != want)
		return tuf_err(p->err, TUF_ERR_FIELD_TYPE, p->role,
		    "%s: expected %s, found %s", where, type_name(want),
		    type_name(json_value_type(v)));
	return 0;
}

static int
strlist(struct pctx *p, const struct json_value *arr, const char *where,
    char ***out, size_t *nout)
{
	size_t	 i, n = json_value_count(arr), sl;
	char	**v;
	const char *s;
	int	 r;

	*out = NULL;
	*nout = 0;
	if ((v = calloc(n ? n : 1, sizeof(*v))) == NULL)
		return tuf_err(p->err, TUF_ERR_NOMEM, p->role, "out of memory");
	for (i = 0; i < n; i++) {
		const struct json_value *e = json_array_at(arr, i);

		if ((r = want_type(p, e, where, JSON_STRING)) != 0)
			goto fail;
		s = json_value_str(e, &sl);
		if (memchr(s, '\0', sl) != NULL) {
			r = tuf_err(p->err, TUF_ERR_FIELD_TYPE, p->role,
			    "%s: string holds a NUL byte", where);
			goto fail;
		}
		if ((v[i] = tuf_strndup(s, sl)) == NULL) {
			r = tuf_err(p->err, TUF_ERR_NOMEM, p->role,
			    "out of memory");
			goto fail;
		}
	}
	*out = v;
	*nout = n;
	return 0;
fail:
	for (i = 0; i < n; i++)
		free(v[i]);	/* calloc'd: unset entries are NULL */
	free(v);
	return r;
}

static int
parse_keys(struct pctx *p, const struct json_value *obj, const char *where,
    struct tuf_keyset *ks)
{
	static const char *const kf[] = { "keytype", "keyval" };
	static const char *const vf[] = { "private", "public" };
	size_t		 i, n = json_value_count(obj), kl, tl, bl;
	const char	*id, *type, *pub;
	const struct json_value *k, *t, *kv, *priv, *pb;
	struct tuf_key	 key;
	uint8_t		*raw;
	size_t		 rawlen;
	int		 r;

	if ((r = want_type(p, obj, where, JSON_OBJECT)) != 0)
		return r;
	for (i = 0; i < n; i++) {
		k = json_object_at(obj, i, &id, &kl);
		if ((r = want_type(p, k, where, JSON_OBJECT)) != 0 ||
		    (r = only(p, k, where, kf, 2)) != 0 ||
		    (r = member(p, k, where, "keytype", JSON_STRING, &t)) != 0 ||
		    (r = member(p, k, where, "keyval", JSON_OBJECT, &kv)) != 0 ||
		    (r = only(p, kv, where, vf, 2)) != 0 ||
		    (r = member(p, kv, where, "private", JSON_NULL, &priv)) != 0 ||
		    (r = member(p, kv, where, "public", JSON_STRING, &pb)) != 0)
			return r;
		type = json_value_str(t, &tl);
		pub = json_value_str(pb, &bl);
		if (tl == 0 || tl > 32 || memchr(type, '\0', tl) != NULL)
			return tuf_err(p->err, TUF_ERR_KEY, p->role,
			    "%s: key %.64s has an invalid keytype", where, id);
		if (tuf_b64_decode(pub, bl, &raw, &rawlen) != 0)
			return tuf_err(p->err, TUF_ERR_BASE64, p->role,
			    "%s: key %.64s: public is not standard base64",
			    where, id);
		r = tuf_key_init(&key, type, raw, rawlen);
		free(raw);
		if (r != 0)
			return tuf_err(p->err, r, p->role, "%s: key %.64s: %s",
			    where, id, tuf_strerror(r));
		if (kl != TUF_KEYID_LEN || memcmp(key.id, id, kl) != 0) {
			tuf_key_cleanup(&key);
			return tuf_err(p->err, TUF_ERR_KEYID, p->role,
			    "%s: key filed as \"%.64s\" has ID %s", where, id,
			    key.id);
		}
		r = tuf_keyset_add(ks, &key);
		tuf_key_cleanup(&key);
		if (r != 0)
			return tuf_err(p->err, r, p->role, "%s: %s", where,
			    tuf_strerror(r));
	}
	return 0;
}

/* keyids, threshold and, for delegations, name and paths. */
static int
parse_role(struct pctx *p, const struct json_value *o, const char *where,
    int delegation, struct tuf_role *role)
{
	static const char *const rf[] = { "keyids", "threshold" };
	static const char *const df[] = { "keyids", "name", "paths",
	    "threshold" };
	const struct json_value	*ids, *th, *nm, *paths;
	const char		*s;
	size_t			 sl;
	int			 r;

	if ((r = want_type(p, o, where, JSON_OBJECT)) != 0 ||
	    (r = only(p, o, where, delegation ? df : rf,
	    delegation ? 4 : 2)) != 0 ||
	    (r = member(p, o, where, "keyids", JSON_ARRAY, &ids)) != 0 ||
	    (r = member(p, o, where, "threshold", JSON_INT, &th)) != 0)
		return r;
	if ((r = strlist(p, ids, where, &role->keyids, &role->nkeyids)) != 0)
		return r;
	(void)json_value_int(th, &role->threshold);
	if (!delegation)
		return 0;
	if ((r = member(p, o, where, "name", JSON_STRING, &nm)) != 0)
		return r;
	s = json_value_str(nm, &sl);
	if ((role->name = tuf_strndup(s, sl)) == NULL)
		return tuf_err(p->err, TUF_ERR_NOMEM, p->role, "out of memory");
	if (strlen(role->name) != sl)
		return tuf_err(p->err, TUF_ERR_DELEGATION, p->role,
		    "%s: name holds a NUL byte", where);
	if ((paths = json_object_get(o, "paths")) != NULL) {
		if ((r = want_type(p, paths, where, JSON_ARRAY)) != 0)
			return r;
		/* Go's omitempty drops an empty list: it could not come back. */
		if (json_value_count(paths) == 0)
			return tuf_err(p->err, TUF_ERR_FIELD_TYPE, p->role,
			    "%s: empty \"paths\" (Notary omits it)", where);
		if ((r = strlist(p, paths, where, &role->paths,
		    &role->npaths)) != 0)
			return r;
		role->has_paths = 1;
	}
	return 0;
}

/* Every key ID a role names must be in keys; threshold >= 1. */
static int
check_role(struct pctx *p, const struct tuf_role *role,
    const struct tuf_keyset *keys)
{
	size_t i;

	if (role->threshold < 1)
		return tuf_err(p->err, TUF_ERR_ROLE, p->role,
		    "invalid threshold %lld for %s",
		    (long long)role->threshold, role->name);
	for (i = 0; i < role->nkeyids; i++)
		if (tuf_keyset_find(keys, role->keyids[i]) == NULL)
			return tuf_err(p->err, TUF_ERR_ROLE, p->role,
			    "key ID %.64s specified in %s without "
			    "corresponding key", role->keyids[i], role->name);
	return 0;
}

static int
parse_root(struct pctx *p, const struct json_value *s, struct tuf_meta *m)
{
	static const char *const base[] = { "root", "snapshot", "targets",
	    "timestamp" };
	const struct json_value	*cs, *keys, *roles, *o;
	const char		*name;
	size_t			 i, n, nl;
	int			 r, b;

	if ((r = member(p, s, "signed", "consistent_snapshot", JSON_TRUE,
	    &cs)) != 0 ||
	    (r = member(p, s, "signed", "keys", JSON_OBJECT, &keys)) != 0 ||
	    (r = member(p, s, "signed", "roles", JSON_OBJECT, &roles)) != 0)
		return r;
	(void)json_value_bool(cs, &m->root.consistent_snapshot);
	if ((r = parse_keys(p, keys, "signed.keys", &m->root.keys)) != 0)
		return r;
	n = json_value_count(roles);
	if ((m->root.roles = calloc(n ? n : 1, sizeof(*m->root.roles))) == NULL)
		return tuf_err(p->err, TUF_ERR_NOMEM, p->role, "out of memory");
	for (i = 0; i < n; i++) {
		struct tuf_role *role = &m->root.roles[i];

		o = json_object_at(roles, i, &name, &nl);
		m->root.nroles++;
		if ((role->name = tuf_strndup(name, nl)) == NULL)
			return tuf_err(p->err, TUF_ERR_NOMEM, p->role,
			    "out of memory");
		if ((r = parse_role(p, o, "signed.roles", 0, role)) != 0)
			return r;
	}
	for (b = 0; b < 4; b++) {
		const struct tuf_role *role = tuf_root_role(&m->root, base[b]);

		if (role == NULL)
			return tuf_err(p->err, TUF_ERR_ROLE, p->role,
			    "missing %s role specification", base[b]);
		if ((r = check_role(p, role, &m->root.keys)) != 0)
			return r;
	}
	return 0;
}

static int
parse_filemeta(struct pctx *p, const struct json_value *o, const char *where,
    const char *name, struct tuf_filemeta *fm, struct json_buf *custom)
{
	static const char *const ff[] = { "custom", "hashes", "length" };
	const struct json_value	*h, *len, *c, *hv;
	const char		*alg, *s;
	size_t			 i, n, al, sl;
	int			 r;

	memset(fm, 0, sizeof(*fm));
	if ((r = want_type(p, o, where, JSON_OBJECT)) != 0 ||
	    (r = only(p, o, where, ff, 3)) != 0 ||
	    (r = member(p, o, where, "hashes", JSON_OBJECT, &h)) != 0 ||
	    (r = member(p, o, where, "length", JSON_INT, &len)) != 0)
		return r;
	(void)json_value_int(len, &fm->length);
	if (fm->length < 0)
		return tuf_err(p->err, TUF_ERR_FIELD_TYPE, p->role,
		    "%s[\"%.60s\"]: negative length", where, name);
	n = json_value_count(h);
	for (i = 0; i < n; i++) {
		hv = json_object_at(h, i, &alg, &al);
		if ((r = want_type(p, hv, where, JSON_STRING)) != 0)
			return r;
		s = json_value_str(hv, &sl);
		if (al == 6 && memcmp(alg, "sha256", 6) == 0) {
			if (tuf_b64_decode_fixed(s, sl, fm->sha256, 32) != 0)
				return tuf_err(p->err, TUF_ERR_HASH, p->role,
				    "%s[\"%.60s\"]: sha256 is not 32 bytes of "
				    "base64", where, name);
			fm->has_sha256 = 1;
		} else if (al == 6 && memcmp(alg, "sha512", 6) == 0) {
			if (tuf_b64_decode_fixed(s, sl, fm->sha512, 64) != 0)
				return tuf_err(p->err, TUF_ERR_HASH, p->role,
				    "%s[\"%.60s\"]: sha512 is not 64 bytes of "
				    "base64", where, name);
			fm->has_sha512 = 1;
		} else
			return tuf_err(p->err, TUF_ERR_HASH, p->role,
			    "%s[\"%.60s\"]: unsupported hash algorithm "
			    "\"%.20s\"", where, name, alg);
	}
	if ((c = json_object_get(o, "custom")) != NULL) {
		/* Go keeps a RawMessage; null would be dropped by omitempty. */
		if (json_value_type(c) == JSON_NULL)
			return tuf_err(p->err, TUF_ERR_FIELD_TYPE, p->role,
			    "%s[\"%.60s\"]: custom is null", where, name);
		custom->len = 0;
		json_write_canonical_form(custom, c, JSON_FORM_SIGN);
		if (custom->err)
			return tuf_err(p->err, TUF_ERR_NOMEM, p->role,
			    "out of memory");
	}
	return 0;
}

/* Appends in the order given; the caller guarantees name order. */
static int
targets_append(struct tuf_targets *t, const char *name, size_t nl,
    const struct tuf_filemeta *fm)
{
	int	 r;

	if ((r = tuf_targets_room(t)) != 0 ||
	    (r = tuf_target_make(t, name, nl, NULL, fm, &t->t[t->n])) != 0)
		return r;
	t->n++;
	return 0;
}

static int
parse_targets(struct pctx *p, const struct json_value *s, struct tuf_meta *m)
{
	static const char *const dl[] = { "keys", "roles" };
	struct tuf_targets	*t = &m->targets;
	const struct json_value	*dg, *tg, *dk, *dr, *o;
	struct tuf_filemeta	 fm;
	struct json_buf		 custom;
	const char		*name;
	char			 parent[TUF_NAME_MAX + 1];
	size_t			 i, n, nl;
	int			 r;

	if ((r = member(p, s, "signed", "delegations", JSON_OBJECT, &dg)) != 0 ||
	    (r = member(p, s, "signed", "targets", JSON_OBJECT, &tg)) != 0 ||
	    (r = only(p, dg, "signed.delegations", dl, 2)) != 0 ||
	    (r = member(p, dg, "signed.delegations", "keys", JSON_OBJECT,
	    &dk)) != 0 ||
	    (r = member(p, dg, "signed.delegations", "roles", JSON_ARRAY,
	    &dr)) != 0)
		return r;
	if ((r = parse_keys(p, dk, "signed.delegations.keys", &t->dkeys)) != 0)
		return r;
	n = json_value_count(dr);
	if ((t->droles = calloc(n ? n : 1, sizeof(*t->droles))) == NULL)
		return tuf_err(p->err, TUF_ERR_NOMEM, p->role, "out of memory");
	for (i = 0; i < n; i++) {
		struct tuf_role *d = &t->droles[i];

		t->ndroles++;
		if ((r = parse_role(p, json_array_at(dr, i),
		    "signed.delegations.roles", 1, d)) != 0)
			return r;
		tuf_role_parent(d->name, parent, sizeof(parent));
		if (!tuf_is_delegation(d->name) ||
		    strcmp(parent, m->role) != 0)
			return tuf_err(p->err, TUF_ERR_DELEGATION, p->role,
			    "delegation role %.80s invalid", d->name);
		if (tuf_delegation_find(t, d->name) != d)
			return tuf_err(p->err, TUF_ERR_DELEGATION, p->role,
			    "delegation role %.80s listed twice", d->name);
		if ((r = check_role(p, d, &t->dkeys)) != 0)
			return r;
	}
	n = json_value_count(tg);
	/* Headroom so that the usual edit (a tag or two) does not move the array. */
	t->cap = n + n / 16 + 16;
	if ((t->t = malloc(t->cap * sizeof(*t->t))) == NULL)
		return tuf_err(p->err, TUF_ERR_NOMEM, p->role, "out of memory");
	json_buf_init(&custom);
	r = 0;
	for (i = 0; i < n; i++) {
		o = json_object_at(tg, i, &name, &nl);
		if ((r = parse_filemeta(p, o, "signed.targets", name, &fm,
		    &custom)) != 0)
			break;
		if (json_object_get(o, "custom") != NULL) {
			fm.custom = custom.data;
			fm.custom_len = custom.len;
		}
		/* json/ hands object members in byte order: no sorting here. */
		if ((r = targets_append(t, name, nl, &fm)) != 0) {
			r = tuf_err(p->err, r, p->role, "signed.targets: %s",
			    tuf_strerror(r));
			break;
		}
	}
	json_buf_cleanup(&custom);
	return r;
}

static int
parse_metas(struct pctx *p, const struct json_value *s, struct tuf_meta *m)
{
	const struct json_value	*meta, *o;
	struct json_buf		 custom;
	const char		*name;
	size_t			 i, n, nl;
	int			 r = 0;

	if ((r = member(p, s, "signed", "meta", JSON_OBJECT, &meta)) != 0)
		return r;
	n = json_value_count(meta);
	if ((m->meta = calloc(n ? n : 1, sizeof(*m->meta))) == NULL)
		return tuf_err(p->err, TUF_ERR_NOMEM, p->role, "out of memory");
	json_buf_init(&custom);
	for (i = 0; i < n; i++) {
		struct tuf_metaent *e = &m->meta[i];

		o = json_object_at(meta, i, &name, &nl);
		m->nmeta++;
		if ((e->name = tuf_strndup(name, nl)) == NULL) {
			r = tuf_err(p->err, TUF_ERR_NOMEM, p->role,
			    "out of memory");
			break;
		}
		if ((r = parse_filemeta(p, o, "signed.meta", e->name, &e->fm,
		    &custom)) != 0)
			break;
		if (json_object_get(o, "custom") != NULL) {
			if ((e->fm.custom = malloc(custom.len)) == NULL) {
				r = tuf_err(p->err, TUF_ERR_NOMEM, p->role,
				    "out of memory");
				break;
			}
			memcpy(e->fm.custom, custom.data, custom.len);
			e->fm.custom_len = custom.len;
		}
	}
	json_buf_cleanup(&custom);
	if (r != 0)
		return r;
	/* Notary's Is*ValidStructure: these entries need a sound sha256. */
	if (m->type == TUF_SNAPSHOT) {
		static const char *const need[] = { "root", "targets" };
		for (i = 0; i < 2; i++) {
			const struct tuf_filemeta *fm =
			    tuf_meta_get_filemeta(m, need[i]);
			if (fm == NULL || !fm->has_sha256)
				return tuf_err(p->err, TUF_ERR_HASH, p->role,
				    "missing %s sha256 checksum information",
				    need[i]);
		}
	} else {
		const struct tuf_filemeta *fm =
		    tuf_meta_get_filemeta(m, "snapshot");
		if (fm == NULL || !fm->has_sha256)
			return tuf_err(p->err, TUF_ERR_HASH, p->role,
			    "missing snapshot sha256 checksum information");
	}
	return 0;
}

static int
parse_sigs(struct pctx *p, const struct json_value *arr, struct tuf_meta *m)
{
	static const char *const sf[] = { "keyid", "method", "sig" };
	const struct json_value	*o, *kid, *meth, *sig;
	const char		*s;
	size_t			 i, n = json_value_count(arr), sl, j;
	int			 r;

	if ((m->sigs = calloc(n ? n : 1, sizeof(*m->sigs))) == NULL)
		return tuf_err(p->err, TUF_ERR_NOMEM, p->role, "out of memory");
	for (i = 0; i < n; i++) {
		struct tuf_sig *g = &m->sigs[i];

		o = json_array_at(arr, i);
		m->nsigs++;
		if ((r = want_type(p, o, "signatures", JSON_OBJECT)) != 0 ||
		    (r = only(p, o, "signatures", sf, 3)) != 0 ||
		    (r = member(p, o, "signatures", "keyid", JSON_STRING,
		    &kid)) != 0 ||
		    (r = member(p, o, "signatures", "method", JSON_STRING,
		    &meth)) != 0 ||
		    (r = member(p, o, "signatures", "sig", JSON_STRING,
		    &sig)) != 0)
			return r;
		s = json_value_str(kid, &sl);
		if (sl > TUF_KEYID_LEN || memchr(s, '\0', sl) != NULL)
			return tuf_err(p->err, TUF_ERR_FIELD_TYPE, p->role,
			    "signatures[%zu]: keyid longer than %d", i,
			    TUF_KEYID_LEN);
		memcpy(g->keyid, s, sl);
		s = json_value_str(meth, &sl);
		if ((g->method = tuf_strndup(s, sl)) == NULL)
			return tuf_err(p->err, TUF_ERR_NOMEM, p->role,
			    "out of memory");
		/* Notary lower-cases the method when it reads a signature. */
		for (j = 0; j < sl; j++)
			g->method[j] = (char)tolower((unsigned char)g->method[j]);
		s = json_value_str(sig, &sl);
		if ((r = tuf_b64_decode(s, sl, &g->sig, &g->sig_len)) != 0)
			return tuf_err(p->err, r, p->role,
			    "signatures[%zu].sig: %s", i, tuf_strerror(r));
	}
	return 0;
}

/*
 * m->signed_msg: what Notary verifies, MarshalCanonical of the parsed
 * `signed` value. When the file's `signed` bytes (buf[off..off+len)) are
 * exactly the file form of the model's own sign form, that sign form is it:
 * parsing both gives the same values, and the model writes them
 * canonically. Notary writes every file so; that check needs no JSON tree.
 * Otherwise (a file not canonical, a time like "+00:00" the model writes as
 * "Z") the tree is parsed again and re-encoded, so the peak never holds the
 * tree and the message at once on the usual path.
 */
static int
signed_msg(struct tuf_meta *m, const uint8_t *buf, size_t off, size_t len,
    const struct json_limits *lim, struct tuf_error *err)
{
	struct json_buf		 msg;
	struct json_doc		*doc = NULL;
	struct json_error	 je;
	const struct json_value	*sg;
	int			 r;

	json_buf_init(&msg);
	json_buf_reserve(&msg, len);
	if (tuf_meta_write_signed(m, &msg) != 0 || msg.err != 0 ||
	    !tuf_file_form_equal(msg.data, msg.len, buf + off, len)) {
		json_buf_cleanup(&msg);
		if ((r = json_doc_parse(buf + off, len, lim, &doc, &je)) != 0) {
			r = tuf_err(err, r == JSON_ERR_NOMEM ? TUF_ERR_NOMEM :
			    TUF_ERR_JSON, m->role, "at byte %zu: %s",
			    off + je.offset, je.message);
			goto out;
		}
		sg = json_doc_root(doc);
		json_buf_reserve(&msg, len);
		json_write_canonical_form(&msg, sg, JSON_FORM_SIGN);
	}
	if (msg.err != 0 ||
	    json_buf_detach(&msg, &m->signed_msg, &m->signed_msg_len) != 0 ||
	    m->signed_msg == NULL) {
		r = tuf_err(err, TUF_ERR_NOMEM, m->role, "out of memory");
		goto out;
	}
	r = 0;
out:
	json_buf_cleanup(&msg);
	json_doc_free(doc);
	return r;
}

int
tuf_meta_parse(const uint8_t *buf, size_t len, const char *role,
    const struct tuf_parse_opts *opts, struct tuf_meta **out,
    struct tuf_error *err)
{
	static const char *const env[] = { "signatures", "signed" };
	static const char *const common_root[] = { "_type",
	    "consistent_snapshot", "expires", "keys", "roles", "version" };
	static const char *const common_targets[] = { "_type", "delegations",
	    "expires", "targets", "version" };
	static const char *const common_meta[] = { "_type", "expires", "meta",
	    "version" };
	static const char *const tnames[] = { "", "Root", "Targets",
	    "Snapshot", "Timestamp" };
	struct pctx		 p = { role, err };
	struct json_limits	 lim;
	struct json_error	 je;
	struct json_doc		*doc = NULL;
	const struct json_value	*top, *sg, *sigs, *ty, *ver, *exp;
	struct tuf_meta		*m = NULL;
	const char		*s;
	size_t			 sl, max, soff, slen;
	int			 r;

	if (out != NULL)
		*out = NULL;
	if (err != NULL)
		memset(err, 0, sizeof(*err));
	if (buf == NULL || role == NULL || out == NULL)
		return tuf_err(err, TUF_ERR_INVAL, NULL, "bad argument");
	if (strlen(role) > TUF_NAME_MAX || tuf_role_type_of(role) == 0)
		return tuf_err(err, TUF_ERR_INVAL, NULL,
		    "\"%.80s\" is not a valid role name", role);
	max = opts != NULL && opts->max_bytes ? opts->max_bytes :
	    TUF_MAX_DOWNLOAD_SIZE;
	if (len > max)
		return tuf_err(err, TUF_ERR_TOO_BIG, role,
		    "%zu bytes, more than the %zu allowed", len, max);
	memset(&lim, 0, sizeof(lim));
	lim.max_bytes = max;
	lim.max_depth = 16;	/* metadata nests 6 deep; custom gets the rest */
	if ((r = json_doc_parse(buf, len, &lim, &doc, &je)) != 0)
		return tuf_err(err, r == JSON_ERR_NOMEM ? TUF_ERR_NOMEM :
		    TUF_ERR_JSON, role, "at byte %zu: %s", je.offset,
		    je.message);
	if ((r = tuf_meta_new(role, &m)) != 0) {
		r = tuf_err(err, r, role, "out of memory");
		goto out;
	}
	top = json_doc_root(doc);
	if ((r = want_type(&p, top, "file", JSON_OBJECT)) != 0 ||
	    (r = only(&p, top, "file", env, 2)) != 0 ||
	    (r = member(&p, top, "file", "signed", JSON_OBJECT, &sg)) != 0 ||
	    (r = member(&p, top, "file", "signatures", JSON_ARRAY,
	    &sigs)) != 0)
		goto out;
	switch (m->type) {
	case TUF_ROOT:
		r = only(&p, sg, "signed", common_root, 6);
		break;
	case TUF_TARGETS:
		r = only(&p, sg, "signed", common_targets, 5);
		break;
	default:
		r = only(&p, sg, "signed", common_meta, 4);
	}
	if (r != 0 ||
	    (r = member(&p, sg, "signed", "_type", JSON_STRING, &ty)) != 0 ||
	    (r = member(&p, sg, "signed", "version", JSON_INT, &ver)) != 0 ||
	    (r = member(&p, sg, "signed", "expires", JSON_STRING, &exp)) != 0)
		goto out;
	s = json_value_str(ty, &sl);
	if (sl != strlen(tnames[m->type]) || memcmp(s, tnames[m->type], sl)) {
		r = tuf_err(err, TUF_ERR_WRONG_TYPE, role,
		    "expected type %s, not %.20s", tnames[m->type], s);
		goto out;
	}
	(void)json_value_int(ver, &m->version);
	if (m->version < 1 || m->version > INT32_MAX) {
		r = tuf_err(err, TUF_ERR_BAD_VERSION, role,
		    "version %lld out of range (1..2^31-1)",
		    (long long)m->version);
		goto out;
	}
	s = json_value_str(exp, &sl);
	if (tuf_time_parse(s, sl, &m->expires) != 0) {
		r = tuf_err(err, TUF_ERR_TIME, role,
		    "expires \"%.40s\" is not an RFC 3339 time", s);
		goto out;
	}
	switch (m->type) {
	case TUF_ROOT:
		r = parse_root(&p, sg, m);
		break;
	case TUF_TARGETS:
		r = parse_targets(&p, sg, m);
		break;
	default:
		r = parse_metas(&p, sg, m);
	}
	if (r != 0 || (r = parse_sigs(&p, sigs, m)) != 0)
		goto out;
	if (opts != NULL && opts->no_sign_form)
		goto done;
	json_value_span(sg, &soff, &slen);
	/* The model holds everything now: the tree goes before msg is made. */
	json_doc_free(doc);
	doc = NULL;
	if ((r = signed_msg(m, buf, soff, slen, &lim, err)) != 0)
		goto out;
done:
	*out = m;
	m = NULL;	/* transferred */
	r = 0;
out:
	tuf_meta_free(m);
	json_doc_free(doc);
	return r;
}
