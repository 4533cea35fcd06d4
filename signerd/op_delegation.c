/* SPDX-License-Identifier: Apache-2.0 */
/*
 * op_delegation: delegation.update, a signer added to or removed from a
 * repository the way `docker trust signer add/remove` does it: the key in
 * both targets/NAME and targets/releases (paths [""], threshold 1), listed
 * in targets.json. As docker, no delegation file is created: those roles
 * get their first file (version 1) from their first targets.update.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keys.h"
#include "ledger.h"
#include "ops.h"

#define PEM_MAX 16384

/* A "PUBLIC KEY" PEM (headers such as "role: NAME" allowed) or a certificate. */
static int
parse_key(const char *pem, size_t len, struct tuf_key *k,
    struct proto_error *err)
{
	static const char begin[] = "-----BEGIN PUBLIC KEY-----";
	static const char end[] = "-----END PUBLIC KEY-----";
	const char *p = pem, *e = pem + len, *nl, *body = NULL;
	char *b64 = NULL;
	uint8_t *der = NULL;
	size_t n = 0, derlen = 0, ll;
	int r = -1, in_headers = 0, done = 0;

	memset(k, 0, sizeof(*k));
	if (len > 27 && memcmp(pem, "-----BEGIN CERTIFICATE-----", 27) == 0) {
		if (tuf_key_from_cert_pem(k, pem, len) == 0)
			return 0;
		goto bad;
	}
	if ((b64 = malloc(len + 1)) == NULL)
		goto bad;
	while (p < e && !done) {
		nl = memchr(p, '\n', (size_t)(e - p));
		ll = (size_t)((nl ? nl : e) - p);
		if (ll > 0 && p[ll - 1] == '\r')
			ll--;
		if (body == NULL) {
			if (ll == sizeof(begin) - 1 && memcmp(p, begin, ll) == 0) {
				body = p;
				in_headers = 1;
			} else if (ll != 0)
				goto bad;
		} else if (ll == sizeof(end) - 1 && memcmp(p, end, ll) == 0) {
			done = 1;
		} else if (in_headers && memchr(p, ':', ll) != NULL) {
			;	/* "role: NAME" */
		} else if (ll == 0) {
			in_headers = 0;
		} else {
			in_headers = 0;
			memcpy(b64 + n, p, ll);
			n += ll;
		}
		p = nl ? nl + 1 : e;
	}
	if (!done || n == 0 || tuf_b64_decode(b64, n, &der, &derlen) != 0 ||
	    tuf_key_from_spki(k, der, derlen) != 0)
		goto bad;
	r = 0;
	goto out;
bad:
	proto_error_field(err, PROTO_CODE_BAD_REQUEST, "public_key", "not a "
	    "PEM public key (as docker trust key generate writes) or "
	    "certificate");
out:
	free(b64);
	free(der);
	return r;
}

/* Index of a delegation role in t, or -1. */
static long
role_index(const struct tuf_targets *t, const char *name)
{
	const struct tuf_role *d = tuf_delegation_find(t, name);

	return d == NULL ? -1 : (long)(d - t->droles);
}

static int
role_has_key(const struct tuf_role *r, const char *id)
{
	size_t i;

	for (i = 0; i < r->nkeyids; i++)
		if (strcmp(r->keyids[i], id) == 0)
			return 1;
	return 0;
}

/* Adds id to the role's keys, or makes the role (paths [""], threshold 1). */
static int
grant(struct tuf_targets *t, const char *name, const char *id)
{
	static const char *const paths[] = { "" };
	const char *ids[1] = { id };
	struct tuf_role *r;
	char **nk, *dup;
	long i;

	if ((i = role_index(t, name)) < 0)
		return tuf_delegation_add(t, "targets", name, ids, 1, 1, paths,
		    1);
	r = &t->droles[i];
	if (role_has_key(r, id))
		return 0;
	if ((dup = strdup(id)) == NULL)
		return TUF_ERR_NOMEM;
	if ((nk = realloc(r->keyids, (r->nkeyids + 1) * sizeof(*nk))) == NULL) {
		free(dup);
		return TUF_ERR_NOMEM;
	}
	r->keyids = nk;
	r->keyids[r->nkeyids++] = dup;
	return 0;
}

/* Takes ids out of role name; removes the role if no key is left. */
static void
revoke(struct tuf_targets *t, const char *name, char *const *ids, size_t n)
{
	struct tuf_role *r;
	size_t i, j, k;
	long x;

	if ((x = role_index(t, name)) < 0)
		return;
	r = &t->droles[x];
	for (i = 0; i < n; i++) {
		for (j = k = 0; j < r->nkeyids; j++) {
			if (strcmp(r->keyids[j], ids[i]) == 0)
				free(r->keyids[j]);
			else
				r->keyids[k++] = r->keyids[j];
		}
		r->nkeyids = k;
	}
	if (r->nkeyids == 0)
		(void)tuf_delegation_remove(t, name);
	else if (r->threshold > (int64_t)r->nkeyids)
		r->threshold = (int64_t)r->nkeyids;
}

/* Drops delegation keys no role uses any more. */
static void
prune_keys(struct tuf_targets *t)
{
	size_t i, j;
	int used;

	for (i = t->dkeys.n; i-- > 0;) {
		used = 0;
		for (j = 0; j < t->ndroles && !used; j++)
			used = role_has_key(&t->droles[j], t->dkeys.keys[i].id);
		if (!used)
			(void)tuf_keyset_remove(&t->dkeys, t->dkeys.keys[i].id);
	}
}

int
op_delegation_update(const struct op_call *c, struct json_buf *out,
    struct proto_error *err)
{
	static const char *const fields[] = { "gun", "action", "signer",
	    "public_key", "base", NULL };
	struct signerd *sd = c->sd;
	const char *gun, *action, *signer, *pem, *kid = NULL, *skid = NULL;
	const char *removed[2];
	char role[PROTO_ROLE_MAX + 1], **ids = NULL;
	size_t len, i, nfiles = 0, nremoved = 0, nids = 0;
	struct op_base base;
	struct tuf_meta *root = NULL, *tg = NULL, *snap = NULL;
	struct tuf_key key;
	struct keys_key k, sk;
	struct op_file files[2];
	const struct tuf_role *spec, *d;
	uint8_t fp[32];
	int r = -1, locked = 0, add, tr;

	memset(&key, 0, sizeof(key));
	memset(files, 0, sizeof(files));
	if (proto_req_check_members(c->req, fields, err) != 0 ||
	    op_get_gun(c, &gun, err) != 0)
		return -1;
	if (op_allow(c, gun, "targets", err) != 0)
		return -1;
	if (proto_req_get_strn(c->req, "action", 16, &action, &len, err) != 0)
		return -1;
	if (strcmp(action, "add") != 0 && strcmp(action, "remove") != 0) {
		proto_error_field(err, PROTO_CODE_BAD_REQUEST, "action",
		    "must be \"add\" or \"remove\"");
		return -1;
	}
	add = action[0] == 'a';
	if (proto_req_get_strn(c->req, "signer", PROTO_SIGNER_MAX + 1, &signer,
	    &len, err) != 0 || proto_signer_check("signer", signer, len,
	    err) != 0)
		return -1;
	snprintf(role, sizeof(role), "targets/%s", signer);
	if (add) {
		if (proto_req_get_strn(c->req, "public_key", PEM_MAX, &pem,
		    &len, err) != 0 || parse_key(pem, len, &key, err) != 0)
			goto out;
	} else if (proto_req_has(c->req, "public_key")) {
		proto_error_field(err, PROTO_CODE_BAD_REQUEST, "public_key",
		    "not used by action \"remove\"");
		return -1;
	}
	if (op_get_base(c, &base, err) != 0)
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
	d = tuf_delegation_find(&tg->targets, role);
	if (add) {
		if (d != NULL && role_has_key(d, key.id)) {
			proto_error_field(err, PROTO_CODE_CONFLICT, "signer",
			    "%s already has this key", role);
			goto out;
		}
		tr = tuf_keyset_add(&tg->targets.dkeys, &key);
		if (tr == 0 || tr == TUF_ERR_EXISTS)
			tr = grant(&tg->targets, role, key.id);
		if (tr == 0)
			tr = grant(&tg->targets, "targets/releases", key.id);
		if (tr != 0) {
			op_tuf_error(err, "targets", tr, NULL);
			goto out;
		}
	} else {
		if (d == NULL) {
			proto_error_field(err, PROTO_CODE_NOT_FOUND, "signer",
			    "targets delegates no role %s", role);
			goto out;
		}
		if ((ids = calloc(d->nkeyids ? d->nkeyids : 1,
		    sizeof(*ids))) == NULL) {
			proto_error_set(err, PROTO_CODE_INTERNAL,
			    "out of memory");
			goto out;
		}
		for (nids = 0; nids < d->nkeyids; nids++)
			if ((ids[nids] = strdup(d->keyids[nids])) == NULL) {
				proto_error_set(err, PROTO_CODE_INTERNAL,
				    "out of memory");
				goto out;
			}
		(void)tuf_delegation_remove(&tg->targets, role);
		removed[nremoved++] = role;
		revoke(&tg->targets, "targets/releases", ids, nids);
		if (tuf_delegation_find(&tg->targets, "targets/releases") ==
		    NULL)
			removed[nremoved++] = "targets/releases";
		prune_keys(&tg->targets);
	}
	spec = tuf_root_role(&root->root, "targets");
	if (op_held_key(c, &root->root.keys, spec, &k, &kid) != 0) {
		proto_error_set(err, PROTO_CODE_NOT_FOUND, "signerd holds no "
		    "targets key for this GUN");
		goto out;
	}
	tg->version++;
	op_set_expiry(c, tg);
	files[0].role = "targets";
	files[0].version = tg->version;
	files[0].key_id = kid;
	if (op_sign_write(tg, tuf_keyset_find(&root->root.keys, kid), &k,
	    &files[0].buf, err) != 0)
		goto out;
	nfiles = 1;
	if (snap != NULL) {
		if (op_next_snapshot(c, snap, files, 1, removed, nremoved, &sk,
		    skid, root, &files[1], err) != 0)
			goto out;
		nfiles = 2;
	}
	r = op_commit(c, gun, fp, files, nfiles, NULL, 0, out, err);
out:
	/* A retry meets rollback or conflict: its stored result, if kept. */
	if (r != 0 && locked && op_retry_after(c, gun, fp, NULL, out, err))
		r = 0;
	if (locked)
		ledger_gun_unlock(sd->ledger, gun);
	for (i = 0; i < 2; i++)
		json_buf_cleanup(&files[i].buf);
	for (i = 0; i < nids; i++)
		free(ids[i]);
	free(ids);
	tuf_meta_free(root);
	tuf_meta_free(tg);
	tuf_meta_free(snap);
	tuf_key_cleanup(&key);
	return r;
}
