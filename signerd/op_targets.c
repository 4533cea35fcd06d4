/* SPDX-License-Identifier: Apache-2.0 */
/*
 * op_targets: targets.update, tags added to and removed from "targets" or a
 * delegation, on base metadata checked against the ledger; the new role
 * file, and the snapshot when signerd holds the snapshot key.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keys.h"
#include "ledger.h"
#include "ops.h"

struct add {
	const char	*name;
	size_t		 len;
	struct tuf_filemeta fm;
};

static int
hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c - 'a' + 10;
}

static int
read_adds(const struct op_call *c, struct add **out, size_t *nout,
    struct proto_error *err)
{
	static const char *const fields[] = { "name", "sha256", "length",
	    NULL };
	const struct json_value *arr, *e;
	struct add *v = NULL;
	char where[32], f[48];
	const char *hex;
	size_t n = 0, i, j, hl;

	*out = NULL;
	*nout = 0;
	if (!proto_req_has(c->req, "add"))
		return 0;
	if (proto_req_get_array(c->req, "add", OPS_MAX_ADD, &arr, &n,
	    err) != 0)
		return -1;
	if ((v = calloc(n ? n : 1, sizeof(*v))) == NULL) {
		proto_error_set(err, PROTO_CODE_INTERNAL, "out of memory");
		return -1;
	}
	for (i = 0; i < n; i++) {
		e = json_array_at(arr, i);
		snprintf(where, sizeof(where), "add[%zu]", i);
		if (json_value_type(e) != JSON_OBJECT) {
			proto_error_field(err, PROTO_CODE_BAD_REQUEST, where,
			    "must be an object {name, sha256, length}");
			goto fail;
		}
		if (proto_obj_check_members(e, where, fields, err) != 0 ||
		    proto_obj_get_str(e, where, "name", PROTO_TAG_DOCKER_MAX + 1,
		    &v[i].name, &v[i].len, err) != 0)
			goto fail;
		snprintf(f, sizeof(f), "%s.name", where);
		if (proto_tag_check(f, v[i].name, v[i].len, PROTO_TAG_DOCKER,
		    err) != 0 || proto_obj_get_str(e, where, "sha256", 65, &hex,
		    &hl, err) != 0)
			goto fail;
		snprintf(f, sizeof(f), "%s.sha256", where);
		if (proto_sha256_hex_check(f, hex, hl, err) != 0 ||
		    proto_obj_get_int(e, where, "length", 1, INT64_MAX,
		    &v[i].fm.length, err) != 0)
			goto fail;
		for (j = 0; j < 32; j++)
			v[i].fm.sha256[j] = (uint8_t)(hexval(hex[2 * j]) << 4 |
			    hexval(hex[2 * j + 1]));
		v[i].fm.has_sha256 = 1;
	}
	*out = v;
	*nout = n;
	return 0;
fail:
	free(v);
	return -1;
}

static int
read_removes(const struct op_call *c, const char ***out, size_t **lens,
    size_t *nout, const struct add *adds, size_t nadd,
    struct proto_error *err)
{
	const struct json_value *arr, *e;
	const char **v = NULL;
	size_t *l = NULL, n = 0, i, j;
	char where[32];

	*out = NULL;
	*lens = NULL;
	*nout = 0;
	if (!proto_req_has(c->req, "remove"))
		return 0;
	if (proto_req_get_array(c->req, "remove", OPS_MAX_REMOVE, &arr, &n,
	    err) != 0)
		return -1;
	v = calloc(n ? n : 1, sizeof(*v));
	l = calloc(n ? n : 1, sizeof(*l));
	if (v == NULL || l == NULL) {
		proto_error_set(err, PROTO_CODE_INTERNAL, "out of memory");
		goto fail;
	}
	for (i = 0; i < n; i++) {
		e = json_array_at(arr, i);
		snprintf(where, sizeof(where), "remove[%zu]", i);
		if (json_value_type(e) != JSON_STRING ||
		    (v[i] = json_value_str(e, &l[i])) == NULL) {
			proto_error_field(err, PROTO_CODE_BAD_REQUEST, where,
			    "must be a string (a target name)");
			goto fail;
		}
		if (proto_tag_check(where, v[i], l[i], PROTO_TAG_NOTARY,
		    err) != 0)
			goto fail;
		for (j = 0; j < nadd; j++)
			if (adds[j].len == l[i] &&
			    memcmp(adds[j].name, v[i], l[i]) == 0) {
				proto_error_field(err, PROTO_CODE_BAD_REQUEST,
				    where, "the name is also in add");
				goto fail;
			}
	}
	*out = v;
	*lens = l;
	*nout = n;
	return 0;
fail:
	free(v);
	free(l);
	return -1;
}


/* The request's intent applied to m (removes, then adds). */
static int
apply_intent(struct tuf_meta *m, const char *role, const char *const *rm,
    const size_t *rml, size_t nrm, const struct add *adds, size_t nadd,
    struct proto_error *err)
{
	size_t i;
	int lr;

	for (i = 0; i < nrm; i++) {
		if (tuf_targets_remove(&m->targets, rm[i], rml[i]) != 0) {
			char q[64];

			proto_quote(rm[i], rml[i], q, sizeof(q));
			proto_error_field(err, PROTO_CODE_NOT_FOUND, "remove",
			    "%s has no target \"%s\"", role, q);
			return -1;
		}
	}
	for (i = 0; i < nadd; i++) {
		if ((lr = tuf_targets_set(&m->targets, adds[i].name,
		    adds[i].len, &adds[i].fm)) != 0) {
			op_tuf_error(err, "add", lr, NULL);
			return -1;
		}
	}
	return 0;
}

/* What a retry needs to rebuild the role file from its recipe. */
struct rebuild_ctx {
	const struct op_base	*base;
	const char		*role;
	const char *const	*rm;
	const size_t		*rml;
	size_t			 nrm;
	const struct add	*adds;
	size_t			 nadd;
};

static int
rebuild_role(const struct op_call *c, void *ctx, const char *role,
    struct tuf_meta **out, struct proto_error *err)
{
	const struct rebuild_ctx *x = ctx;
	struct tuf_parse_opts po = { .no_sign_form = 1 };	/* written, never verified */
	struct tuf_error te;
	struct tuf_meta *m = NULL;
	const uint8_t *b;
	size_t len;
	int r;

	(void)c;
	*out = NULL;
	if (strcmp(role, x->role) != 0) {
		proto_error_set(err, PROTO_CODE_INTERNAL, "no recipe for %s",
		    role);
		return -1;
	}
	/* The base was trusted when the original request was signed. */
	if ((b = op_base_get(x->base, role, &len)) != NULL)
		r = tuf_meta_parse(b, len, role, &po, &m, &te);
	else
		r = tuf_meta_new(role, &m);
	if (r != 0) {
		op_tuf_error(err, "rebuilding the stored result", r, NULL);
		return -1;
	}
	if (apply_intent(m, role, x->rm, x->rml, x->nrm, x->adds, x->nadd,
	    err) != 0) {
		tuf_meta_free(m);
		return -1;
	}
	*out = m;
	return 0;
}

int
op_load_base(const struct op_call *c, const char *gun,
    const struct op_base *base, struct tuf_meta **root, struct tuf_meta **tg,
    struct tuf_meta **snap, struct keys_key *snapkey, const char **snapid,
    struct proto_error *err)
{
	const uint8_t *b;
	size_t len;

	*root = *tg = *snap = NULL;
	*snapid = NULL;
	b = op_base_get(base, "root", &len);
	if (op_trust_root(c, gun, b, len, op_base_hash(base, "root"), root,
	    err) != 0)
		return -1;
	if ((b = op_base_get(base, "targets", &len)) == NULL) {
		proto_error_field(err, PROTO_CODE_BAD_REQUEST, "base.targets",
		    "the current targets file is required");
		return -1;
	}
	if (op_trust_role(c, gun, "targets", b, len, op_base_hash(base,
	    "targets"), &(*root)->root.keys,
	    tuf_root_role(&(*root)->root, "targets"), tg, err) != 0)
		return -1;
	if (op_held_key(c, &(*root)->root.keys, tuf_root_role(&(*root)->root,
	    "snapshot"), snapkey, snapid) != 0)
		return 0;	/* the server's snapshot */
	if ((b = op_base_get(base, "snapshot", &len)) == NULL) {
		proto_error_field(err, PROTO_CODE_BAD_REQUEST, "base.snapshot",
		    "signerd holds this GUN's snapshot key: the current "
		    "snapshot is required");
		return -1;
	}
	return op_trust_role(c, gun, "snapshot", b, len, op_base_hash(base,
	    "snapshot"), &(*root)->root.keys,
	    tuf_root_role(&(*root)->root, "snapshot"), snap, err);
}


int
op_next_snapshot(const struct op_call *c, struct tuf_meta *snap,
    const struct op_file *files, size_t n, const char *const *removed,
    size_t nremoved, struct keys_key *sk, const char *skid,
    const struct tuf_meta *root, struct op_file *out,
    struct proto_error *err)
{
	struct tuf_filemeta fm;
	const struct tuf_key *tk;
	size_t i;

	for (i = 0; i < n; i++) {
		tuf_filemeta_of(files[i].buf.data, files[i].buf.len, 1, &fm);
		if (tuf_meta_set_filemeta(snap, files[i].role, &fm) != 0) {
			proto_error_set(err, PROTO_CODE_INTERNAL,
			    "out of memory");
			return -1;
		}
	}
	for (i = 0; i < nremoved; i++)
		(void)tuf_meta_remove_filemeta(snap, removed[i]);
	snap->version++;
	op_set_expiry(c, snap);
	tk = tuf_keyset_find(&root->root.keys, skid);
	out->role = "snapshot";
	out->version = snap->version;
	out->key_id = skid;
	return op_sign_write(snap, tk, sk, &out->buf, err);
}

int
op_targets_update(const struct op_call *c, struct json_buf *out,
    struct proto_error *err)
{
	static const char *const fields[] = { "gun", "role", "add", "remove",
	    "base", NULL };
	struct signerd *sd = c->sd;
	struct add *adds = NULL;
	const char **rm = NULL, *gun, *role, *kid = NULL, *skid = NULL;
	size_t *rml = NULL, nadd = 0, nrm = 0, i, len, rlen, nfiles = 0;
	struct op_base base;
	struct tuf_meta *root = NULL, *tg = NULL, *snap = NULL, *m = NULL;
	struct keys_key k, sk;
	struct op_file files[2];
	struct rebuild_ctx rbc;
	struct op_rebuild rb;
	const struct tuf_role *spec;
	const struct tuf_keyset *ks;
	uint8_t fp[32], lh[32];
	const uint8_t *b;
	int64_t ver;
	int r = -1, locked = 0, lr;

	memset(files, 0, sizeof(files));
	if (proto_req_check_members(c->req, fields, err) != 0 ||
	    op_get_gun(c, &gun, err) != 0 ||
	    proto_req_get_strn(c->req, "role", PROTO_ROLE_MAX + 1, &role,
	    &rlen, err) != 0 || proto_role_check("role", role, rlen,
	    PROTO_ROLE_TARGETS | PROTO_ROLE_DELEGATION, err) != 0)
		return -1;
	if (op_allow(c, gun, role, err) != 0)
		return -1;
	if (read_adds(c, &adds, &nadd, err) != 0 ||
	    read_removes(c, &rm, &rml, &nrm, adds, nadd, err) != 0 ||
	    op_get_base(c, &base, err) != 0)
		goto out;
	if (op_fingerprint(c->req, &base, fp) != 0 ||
	    ledger_gun_lock(sd->ledger, gun) != 0) {
		proto_error_set(err, PROTO_CODE_INTERNAL, "out of memory");
		goto out;
	}
	locked = 1;
	if (op_load_base(c, gun, &base, &root, &tg, &snap, &sk, &skid,
	    err) != 0)
		goto out;
	if (strcmp(role, "targets") == 0) {
		m = tg;
		tg = NULL;
		ks = &root->root.keys;
		spec = tuf_root_role(&root->root, "targets");
	} else {
		ks = &tg->targets.dkeys;
		if ((spec = tuf_delegation_find(&tg->targets, role)) == NULL) {
			proto_error_field(err, PROTO_CODE_NOT_FOUND, "role",
			    "targets delegates no role \"%s\"", role);
			goto out;
		}
		if ((b = op_base_get(&base, role, &len)) != NULL) {
			if (op_trust_role(c, gun, role, b, len,
			    op_base_hash(&base, role), ks, spec, &m,
			    err) != 0)
				goto out;
		} else {
			lr = op_last(sd, gun, role, &ver, lh);
			if (lr == 0) {
				proto_error_set(err, PROTO_CODE_CONFLICT,
				    "base lacks %s, of which signerd signed "
				    "version %lld", role, (long long)ver);
				goto out;
			}
			if (tuf_meta_new(role, &m) != 0) {
				proto_error_set(err, PROTO_CODE_INTERNAL,
				    "out of memory");
				goto out;
			}
			m->version = 0;
		}
	}
	if (op_held_key(c, ks, spec, &k, &kid) != 0) {
		proto_error_field(err, PROTO_CODE_NOT_FOUND, "role", "signerd "
		    "holds no key of role %s for this GUN", role);
		goto out;
	}
	if (apply_intent(m, role, rm, rml, nrm, adds, nadd, err) != 0)
		goto out;
	m->version++;
	op_set_expiry(c, m);
	files[0].role = role;
	files[0].version = m->version;
	files[0].key_id = kid;
	files[0].recipe = 1;
	files[0].expires = m->expires;
	if (op_sign_write(m, tuf_keyset_find(ks, kid), &k, &files[0].buf,
	    err) != 0)
		goto out;
	nfiles = 1;
	if (snap != NULL) {
		if (op_next_snapshot(c, snap, files, 1, NULL, 0, &sk, skid, root,
		    &files[1], err) != 0)
			goto out;
		nfiles = 2;
	}
	r = op_commit(c, gun, fp, files, nfiles, NULL, 0, out, err);
	if (r == 0) {
		/* The next request on these files starts from the models. */
		op_model_keep(sd, gun, role, files[0].sha256, m);
		m = NULL;	/* transferred */
		if (snap != NULL) {
			op_model_keep(sd, gun, "snapshot", files[1].sha256, snap);
			snap = NULL;	/* transferred */
		}
		/* Unchanged and read only: kept under the base's hash. */
		op_model_keep(sd, gun, "root", op_base_hash(&base, "root"),
		    root);
		root = NULL;	/* transferred */
	}
out:
	/* A retry meets rollback or conflict: its stored result, if kept. */
	rbc.base = &base;
	rbc.role = role;
	rbc.rm = rm;
	rbc.rml = rml;
	rbc.nrm = nrm;
	rbc.adds = adds;
	rbc.nadd = nadd;
	rb.fn = rebuild_role;
	rb.ctx = &rbc;
	if (r != 0 && locked && op_retry_after(c, gun, fp, &rb, out, err))
		r = 0;
	if (locked)
		ledger_gun_unlock(sd->ledger, gun);
	for (i = 0; i < 2; i++)
		json_buf_cleanup(&files[i].buf);
	tuf_meta_free(root);
	tuf_meta_free(tg);
	tuf_meta_free(snap);
	tuf_meta_free(m);
	free(adds);
	free(rm);
	free(rml);
	return r;
}
