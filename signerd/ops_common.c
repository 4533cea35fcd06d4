/* SPDX-License-Identifier: Apache-2.0 */
/* ops_common: what every signing op shares: fingerprint, trust checks, signing, commit. */
#include <openssl/evp.h>
#include <openssl/sha.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "audit.h"
#include "keys.h"
#include "ledger.h"
#include "ops.h"
#include "policy.h"

/* Where a file's signatures start: the envelope's last member. */
static const char sigs_key[] = ",\"signatures\":[";

void
op_log(const struct signerd *sd, int prio, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	if (sd->log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	sd->log(sd->log_ctx, prio, buf);
}

int
op_audit_event(const struct op_call *c, const char *gun, const char *role,
    const char *key_id, const char *outcome, const char *detail)
{
	struct audit_record rec;

	if (c->sd->audit == NULL)
		return 0;
	memset(&rec, 0, sizeof(rec));
	rec.uid = c->speer->uid;
	rec.gid = c->speer->gid;
	rec.pid = c->speer->pid;
	rec.op = c->req->op;
	rec.gun = gun;
	rec.role = role;
	rec.key_id = key_id;
	rec.outcome = outcome;
	rec.detail = detail;
	return audit_append(c->sd->audit, &rec);
}

int
op_allow(const struct op_call *c, const char *gun, const char *role,
    struct proto_error *err)
{
	char why[PROTO_MESSAGE_MAX];

	if (c->sd->policy == NULL)
		return 0;
	if (policy_store_check(c->sd->policy, c->peer, c->req->op, gun, role,
	    why, sizeof(why)) == 0)
		return 0;
	proto_error_set(err, PROTO_CODE_DENIED, "%s", why);
	(void)op_audit_event(c, gun, role, NULL, "denied", why);
	return -1;
}

int
op_fingerprint(const struct proto_req *req, const struct op_base *base,
    uint8_t fp[32])
{
	EVP_MD_CTX *md;
	struct json_buf b;
	const struct json_value *v, *bv;
	const char *key, *bkey, *s;
	size_t i, j, klen, bklen, slen, n;
	uint8_t h[32];
	int r = -1;

	json_buf_init(&b);
	if ((md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1)
		goto out;
	EVP_DigestUpdate(md, req->op, strlen(req->op) + 1);
	n = json_value_count(req->root);
	for (i = 0; i < n; i++) {
		v = json_object_at(req->root, i, &key, &klen);
		/* Envelope: a retry may change its id or how files travel. */
		if ((klen == 1 && key[0] == 'v') || (klen == 2 &&
		    memcmp(key, "id", 2) == 0) || (klen == 3 &&
		    memcmp(key, "att", 3) == 0))
			continue;
		EVP_DigestUpdate(md, key, klen);
		EVP_DigestUpdate(md, "", 1);
		if (klen == 4 && memcmp(key, "base", 4) == 0 &&
		    json_value_type(v) == JSON_OBJECT) {
			/* Hash the files, not a re-encoding of megabytes. */
			for (j = 0; j < json_value_count(v); j++) {
				bv = json_object_at(v, j, &bkey, &bklen);
				EVP_DigestUpdate(md, bkey, bklen);
				EVP_DigestUpdate(md, "", 1);
				s = json_value_str(bv, &slen);
				if (s == NULL)
					s = "", slen = 0;
				/* op_get_base read the same members in order. */
				if (base != NULL && j < base->n &&
				    (const uint8_t *)s == base->bytes[j])
					memcpy(h, base->hash[j], sizeof(h));
				else
					SHA256((const uint8_t *)s, slen, h);
				EVP_DigestUpdate(md, h, sizeof(h));
			}
			continue;
		}
		b.len = 0;
		json_write_canonical(&b, v);
		if (b.err != 0)
			goto out;
		EVP_DigestUpdate(md, b.data, b.len);
		EVP_DigestUpdate(md, "", 1);
	}
	if (EVP_DigestFinal_ex(md, fp, NULL) != 1)
		goto out;
	r = 0;
out:
	EVP_MD_CTX_free(md);
	json_buf_cleanup(&b);
	return r;
}

int
op_get_gun(const struct op_call *c, const char **gun, struct proto_error *err)
{
	size_t len;

	if (proto_req_get_strn(c->req, "gun", PROTO_GUN_MAX + 1, gun, &len,
	    err) != 0)
		return -1;
	return proto_gun_check("gun", *gun, len, err) == 0 ? 0 : -1;
}

int
op_get_base(const struct op_call *c, struct op_base *b,
    struct proto_error *err)
{
	const struct json_value *obj, *v;
	char path[PROTO_FIELD_MAX];
	const char *key, *s;
	size_t i, n, klen, slen;

	memset(b, 0, sizeof(*b));
	if (proto_req_get_object(c->req, "base", &obj, err) != 0)
		return -1;
	n = json_value_count(obj);
	if (n > OPS_MAX_BASE) {
		proto_error_field(err, PROTO_CODE_BAD_REQUEST, "base",
		    "at most %d files", OPS_MAX_BASE);
		return -1;
	}
	for (i = 0; i < n; i++) {
		v = json_object_at(obj, i, &key, &klen);
		snprintf(path, sizeof(path), "base.%.*s", (int)(klen > 72 ?
		    72 : klen), key);
		if (strcmp(key, "root") != 0 && strcmp(key, "snapshot") != 0 &&
		    proto_role_check(path, key, klen, PROTO_ROLE_TARGETS |
		    PROTO_ROLE_DELEGATION, err) != 0)
			return -1;
		if (json_value_type(v) != JSON_STRING ||
		    (s = json_value_str(v, &slen)) == NULL) {
			proto_error_field(err, PROTO_CODE_BAD_REQUEST, path,
			    "must be a string holding the file's bytes");
			return -1;
		}
		if (slen == 0 || memchr(s, '\0', slen) != NULL) {
			proto_error_field(err, PROTO_CODE_BAD_REQUEST, path,
			    "an empty file or one holding NUL bytes");
			return -1;
		}
		b->role[b->n] = key;
		b->bytes[b->n] = (const uint8_t *)s;
		b->len[b->n] = slen;
		SHA256((const uint8_t *)s, slen, b->hash[b->n]);
		b->n++;
	}
	return 0;
}

const uint8_t *
op_base_get(const struct op_base *b, const char *role, size_t *len)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		if (strcmp(b->role[i], role) == 0) {
			*len = b->len[i];
			return b->bytes[i];
		}
	*len = 0;
	return NULL;
}

const uint8_t *
op_base_hash(const struct op_base *b, const char *role)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		if (strcmp(b->role[i], role) == 0)
			return b->hash[i];
	return NULL;
}

void
op_tuf_error(struct proto_error *err, const char *what, int r,
    const struct tuf_error *te)
{
	enum proto_code code;

	switch (r) {
	case TUF_ERR_NOMEM:
	case TUF_ERR_CRYPTO:
	case TUF_ERR_INVAL:
		code = PROTO_CODE_INTERNAL;
		break;
	case TUF_ERR_SIGN:
		code = PROTO_CODE_TOKEN_ERROR;
		break;
	case TUF_ERR_NO_SIGNATURES:
	case TUF_ERR_THRESHOLD:
	case TUF_ERR_BAD_SIGNATURE:
	case TUF_ERR_ROOT_CERT:
	case TUF_ERR_EXPIRED:
		code = PROTO_CODE_UNTRUSTED;
		break;
	case TUF_ERR_ROLLBACK:
		code = PROTO_CODE_ROLLBACK;
		break;
	default:
		code = PROTO_CODE_BAD_METADATA;
	}
	proto_error_set(err, code, "%s: %s", what,
	    te != NULL && te->message[0] ? te->message : tuf_strerror(r));
}

struct last_ent {
	struct last_ent	*next;
	int64_t		 version;
	uint8_t		 hash[32];
	/* The model signerd wrote this document from (op_model_keep), or NULL. */
	struct tuf_meta	*model;
	size_t		 klen;
	char		 key[];		/* gun NUL role */
};

static void
model_drop(struct signerd *sd, struct last_ent *e)
{
	if (e->model == NULL)
		return;
	sd->model_targets -= e->model->targets.n;
	sd->model_count--;
	tuf_meta_free(e->model);
	e->model = NULL;
}

static size_t
last_key(const char *gun, const char *role, char *buf, size_t cap,
    uint32_t *h)
{
	size_t g = strlen(gun), r = strlen(role), i;
	uint32_t x = 2166136261u;

	if (g + 1 + r > cap)
		return 0;
	memcpy(buf, gun, g + 1);
	memcpy(buf + g + 1, role, r);
	for (i = 0; i < g + 1 + r; i++)
		x = (x ^ (uint8_t)buf[i]) * 16777619u;
	*h = x % OPS_LAST_BUCKETS;
	return g + 1 + r;
}

static struct last_ent *
last_find(struct signerd *sd, const char *k, size_t klen, uint32_t h)
{
	struct last_ent *e;

	for (e = sd->last_tab[h]; e != NULL; e = e->next)
		if (e->klen == klen && memcmp(e->key, k, klen) == 0)
			return e;
	return NULL;
}

static void
op_last_set(struct signerd *sd, const char *gun, const char *role,
    int64_t version, const uint8_t hash[32])
{
	struct last_ent *e;
	char k[PROTO_GUN_MAX + PROTO_ROLE_MAX + 8];
	size_t klen;
	uint32_t h;

	if ((klen = last_key(gun, role, k, sizeof(k), &h)) == 0)
		return;
	pthread_mutex_lock(&sd->last_mu);
	if ((e = last_find(sd, k, klen, h)) == NULL &&
	    (e = malloc(sizeof(*e) + klen)) != NULL) {
		e->klen = klen;
		e->model = NULL;
		memcpy(e->key, k, klen);
		e->next = sd->last_tab[h];
		sd->last_tab[h] = e;
	}
	if (e != NULL) {
		if (e->model != NULL && memcmp(e->hash, hash, 32) != 0)
			model_drop(sd, e);
		e->version = version;
		memcpy(e->hash, hash, 32);
	}
	pthread_mutex_unlock(&sd->last_mu);
}

void
op_model_keep(struct signerd *sd, const char *gun, const char *role,
    const uint8_t hash[32], struct tuf_meta *m)
{
	struct last_ent *e;
	char k[PROTO_GUN_MAX + PROTO_ROLE_MAX + 8];
	size_t klen;
	uint32_t h;

	if (m == NULL)
		return;
	/* The sign form is megabytes for a big file and is made anew on signing. */
	free(m->signed_msg);
	m->signed_msg = NULL;
	m->signed_msg_len = 0;
	if (sd->last_tab == NULL ||
	    (klen = last_key(gun, role, k, sizeof(k), &h)) == 0) {
		tuf_meta_free(m);
		return;
	}
	pthread_mutex_lock(&sd->last_mu);
	if ((e = last_find(sd, k, klen, h)) != NULL &&
	    memcmp(e->hash, hash, 32) == 0) {
		model_drop(sd, e);
		if (sd->model_targets + m->targets.n <= OPS_MODEL_MAX_TARGETS &&
		    sd->model_count < OPS_MODEL_MAX) {
			sd->model_targets += m->targets.n;
			sd->model_count++;
			e->model = m;
			m = NULL;	/* transferred */
		}
	}
	pthread_mutex_unlock(&sd->last_mu);
	tuf_meta_free(m);
}

struct tuf_meta *
op_model_take(struct signerd *sd, const char *gun, const char *role,
    const uint8_t hash[32])
{
	struct last_ent *e;
	struct tuf_meta *m = NULL;
	char k[PROTO_GUN_MAX + PROTO_ROLE_MAX + 8];
	size_t klen;
	uint32_t h;

	if (sd->last_tab == NULL ||
	    (klen = last_key(gun, role, k, sizeof(k), &h)) == 0)
		return NULL;
	pthread_mutex_lock(&sd->last_mu);
	if ((e = last_find(sd, k, klen, h)) != NULL && e->model != NULL &&
	    memcmp(e->hash, hash, 32) == 0) {
		m = e->model;
		sd->model_targets -= m->targets.n;
		sd->model_count--;
		e->model = NULL;	/* transferred */
	}
	pthread_mutex_unlock(&sd->last_mu);
	return m;
}

void
op_last_free(struct signerd *sd)
{
	struct last_ent *e, *n;
	size_t i;

	if (sd->last_tab == NULL)
		return;
	for (i = 0; i < OPS_LAST_BUCKETS; i++)
		for (e = sd->last_tab[i]; e != NULL; e = n) {
			n = e->next;
			model_drop(sd, e);
			free(e);
		}
	free(sd->last_tab);
	sd->last_tab = NULL;
}

int
op_last(struct signerd *sd, const char *gun, const char *role,
    int64_t *version, uint8_t hash[32])
{
	struct last_ent *e;
	char k[PROTO_GUN_MAX + PROTO_ROLE_MAX + 8];
	size_t klen;
	uint32_t h;
	int r;

	if (sd->last_tab != NULL &&
	    (klen = last_key(gun, role, k, sizeof(k), &h)) != 0) {
		pthread_mutex_lock(&sd->last_mu);
		if ((e = last_find(sd, k, klen, h)) != NULL) {
			*version = e->version;
			memcpy(hash, e->hash, 32);
			pthread_mutex_unlock(&sd->last_mu);
			return 0;
		}
		pthread_mutex_unlock(&sd->last_mu);
	}
	r = ledger_last(sd->ledger, gun, role, version, hash);
	if (r == 0 && sd->last_tab != NULL)
		op_last_set(sd, gun, role, *version, hash);
	return r;
}

static int64_t
now_sec(const struct signerd *sd)
{
	return sd->now != NULL ? sd->now() : (int64_t)time(NULL);
}

int
op_trust_root(const struct op_call *c, const char *gun, const uint8_t *buf,
    size_t len, const uint8_t *hash, struct tuf_meta **root,
    struct proto_error *err)
{
	struct tuf_parse_opts po = { .no_sign_form = 1 };
	uint8_t h[32], lh[LEDGER_HASH_LEN];
	struct tuf_error te;
	int64_t ver;
	int r;

	*root = NULL;
	r = op_last(c->sd, gun, "root", &ver, lh);
	if (r == LEDGER_ERR_NOTFOUND) {
		proto_error_set(err, PROTO_CODE_NOT_FOUND, "signerd holds no "
		    "root for this GUN; initialise it with repo.init");
		return -1;
	}
	if (r != 0) {
		proto_error_set(err, PROTO_CODE_INTERNAL, "ledger: %s",
		    ledger_strerror(r));
		return -1;
	}
	if (buf == NULL) {
		proto_error_field(err, PROTO_CODE_BAD_REQUEST, "base.root",
		    "the current root is required");
		return -1;
	}
	if (hash != NULL)
		memcpy(h, hash, sizeof(h));
	else
		SHA256(buf, len, h);
	if (memcmp(h, lh, sizeof(h)) != 0) {
		proto_error_set(err, PROTO_CODE_UNTRUSTED, "base.root is not "
		    "the root signerd signed for this GUN (version %lld on "
		    "record)", (long long)ver);
		return -1;
	}
	/* Known by its hash: no signature to check, so no sign form, and no
	 * parse at all while the model of this very root is kept. */
	if ((*root = op_model_take(c->sd, gun, "root", h)) != NULL)
		return 0;
	if ((r = tuf_meta_parse(buf, len, "root", &po, root, &te)) != 0) {
		op_tuf_error(err, "base.root", r, &te);
		return -1;
	}
	return 0;
}

/* Distinct keys of spec with a valid signature over m's sign form. */
static int64_t
count_valid(const struct tuf_meta *m, const struct tuf_keyset *keys,
    const struct tuf_role *spec)
{
	size_t i, j, k;
	int64_t n = 0;

	for (i = 0; i < spec->nkeyids; i++) {
		const struct tuf_key *key = tuf_keyset_find(keys,
		    spec->keyids[i]);

		if (key == NULL)
			continue;
		for (k = 0; k < i; k++)
			if (strcmp(spec->keyids[k], spec->keyids[i]) == 0)
				break;
		if (k < i)
			continue;
		for (j = 0; j < m->nsigs; j++) {
			if (strcmp(m->sigs[j].keyid, key->id) != 0)
				continue;
			if (tuf_sig_verify(key, m->sigs[j].method,
			    m->sigs[j].sig, m->sigs[j].sig_len, m->signed_msg,
			    m->signed_msg_len) == 0) {
				n++;
				break;
			}
		}
	}
	return n;
}

int
op_trust_role(const struct op_call *c, const char *gun, const char *role,
    const uint8_t *buf, size_t len, const uint8_t *hash,
    const struct tuf_keyset *keys,
    const struct tuf_role *spec, struct tuf_meta **out,
    struct proto_error *err)
{
	uint8_t h[32], lh[LEDGER_HASH_LEN];
	struct tuf_parse_opts po = { .no_sign_form = 0 };
	struct tuf_error te;
	struct tuf_meta *m = NULL;
	char what[96];
	int64_t ver = 0;
	int r, known;

	*out = NULL;
	snprintf(what, sizeof(what), "base.%s", role);
	r = op_last(c->sd, gun, role, &ver, lh);
	if (r != 0 && r != LEDGER_ERR_NOTFOUND) {
		proto_error_set(err, PROTO_CODE_INTERNAL, "ledger: %s",
		    ledger_strerror(r));
		return -1;
	}
	known = r == 0;
	if (hash != NULL)
		memcpy(h, hash, sizeof(h));
	else
		SHA256(buf, len, h);
	/* The file signerd signed last needs no signature check: no sign form. */
	po.no_sign_form = known && memcmp(h, lh, sizeof(h)) == 0;
	/* ... nor even a parse when its model is still at hand. */
	if (po.no_sign_form &&
	    (m = op_model_take(c->sd, gun, role, h)) != NULL) {
		*out = m;
		return 0;
	}
	if ((r = tuf_meta_parse(buf, len, role, &po, &m, &te)) != 0) {
		op_tuf_error(err, what, r, &te);
		return -1;
	}
	if (known && m->version < ver) {
		proto_error_set(err, PROTO_CODE_ROLLBACK, "%s: version %lld is "
		    "below version %lld signerd already signed", what,
		    (long long)m->version, (long long)ver);
		goto fail;
	}
	if (known && memcmp(h, lh, sizeof(h)) == 0) {
		*out = m;
		return 0;
	}
	if (known && m->version == ver) {
		proto_error_set(err, PROTO_CODE_CONFLICT, "%s: version %lld "
		    "differs from the one signerd signed", what,
		    (long long)ver);
		goto fail;
	}
	if (spec == NULL || count_valid(m, keys, spec) < spec->threshold) {
		proto_error_set(err, PROTO_CODE_UNTRUSTED, "%s: valid "
		    "signatures from its role's keys do not meet the "
		    "threshold", what);
		goto fail;
	}
	if (m->expires.sec < now_sec(c->sd)) {
		proto_error_set(err, PROTO_CODE_UNTRUSTED, "%s: expired", what);
		goto fail;
	}
	*out = m;
	return 0;
fail:
	tuf_meta_free(m);
	return -1;
}

int
op_held_key(const struct op_call *c, const struct tuf_keyset *keys,
    const struct tuf_role *spec, struct keys_key *out, const char **tufid)
{
	size_t i;

	*tufid = NULL;
	if (spec == NULL)
		return KEYS_ERR_NOT_FOUND;
	for (i = 0; i < spec->nkeyids; i++) {
		if (tuf_keyset_find(keys, spec->keyids[i]) == NULL)
			continue;
		if (keys_find_id(c->sd->keys, spec->keyids[i], out) == 0) {
			*tufid = spec->keyids[i];
			return 0;
		}
	}
	return KEYS_ERR_NOT_FOUND;
}

void
op_set_expiry(const struct op_call *c, struct tuf_meta *m)
{
	const struct config_expiry *e = &c->sd->expiry;
	int days;

	if (strcmp(m->role, "root") == 0)
		days = e->root;
	else if (strcmp(m->role, "targets") == 0)
		days = e->targets;
	else if (strcmp(m->role, "snapshot") == 0)
		days = e->snapshot;
	else if (strcmp(m->role, "timestamp") == 0)
		days = e->timestamp;
	else
		days = e->delegation;
	m->expires = tuf_time_from_sec(now_sec(c->sd) + (int64_t)days * 86400);
}

static int
sign_cb(void *ctx, const struct tuf_key *key, const uint8_t *msg,
    size_t msg_len, uint8_t *sig, size_t cap, size_t *sig_len)
{
	(void)key;
	return keys_sign(ctx, msg, msg_len, sig, cap, sig_len);
}

int
op_sign_write(struct tuf_meta *m, const struct tuf_key *tk,
    const struct keys_key *k, struct json_buf *file, struct proto_error *err)
{
	struct tuf_signer s = { tk, sign_cb, (void *)k };
	struct tuf_error te;
	struct json_buf tail;
	size_t i;
	int r;

	if ((r = tuf_meta_sign(m, &s, 1, &te)) != 0) {
		proto_error_set(err, r == TUF_ERR_SIGN ?
		    PROTO_CODE_TOKEN_ERROR : PROTO_CODE_INTERNAL,
		    "signing %s failed: %s", m->role, te.message[0] ?
		    te.message : tuf_strerror(r));
		return -1;
	}
	/*
	 * The file is {"signed":<sign form escaped>,"signatures":[...]}, as
	 * tuf_meta_write writes it; the sign form was just made by signing,
	 * so escape that instead of encoding megabytes a second time.
	 */
	json_buf_init(&tail);
	tail.flags |= JSON_BUF_SIGNING_FORM;
	json_put_raw(&tail, sigs_key, sizeof(sigs_key) - 1);
	for (i = 0; i < m->nsigs; i++) {
		if (i > 0)
			json_put_char(&tail, ',');
		OP_PUTS(&tail, "{\"keyid\":");
		json_put_str(&tail, m->sigs[i].keyid, strlen(m->sigs[i].keyid));
		OP_PUTS(&tail, ",\"method\":");
		json_put_str(&tail, m->sigs[i].method,
		    strlen(m->sigs[i].method));
		OP_PUTS(&tail, ",\"sig\":\"");
		(void)tuf_b64_encode(m->sigs[i].sig, m->sigs[i].sig_len, &tail);
		OP_PUTS(&tail, "\"}");
	}
	OP_PUTS(&tail, "]}");
	json_buf_reserve(file, m->signed_msg_len + m->signed_msg_len / 16 +
	    tail.len + 16);
	OP_PUTS(file, "{\"signed\":");
	r = m->signed_msg == NULL || tail.err != 0 ? TUF_ERR_NOMEM :
	    tuf_escape_file_form(m->signed_msg, m->signed_msg_len, file);
	if (r == 0)
		r = tuf_escape_file_form(tail.data, tail.len, file);
	json_buf_cleanup(&tail);
	if (r != 0 || file->err != 0) {
		proto_error_set(err, PROTO_CODE_INTERNAL, "writing %s: %s",
		    m->role, tuf_strerror(r != 0 ? r : TUF_ERR_NOMEM));
		return -1;
	}
	return 0;
}

static int
role_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void
op_put_files(const struct op_call *c, struct json_buf *out,
    const char *const *roles,
    const uint8_t *const *bytes, const size_t *lens, size_t n)
{
	const char *sorted[LEDGER_MAX_FILES];
	size_t i, j;

	if (n > LEDGER_MAX_FILES)
		n = LEDGER_MAX_FILES;
	memcpy(sorted, roles, n * sizeof(*roles));
	qsort(sorted, n, sizeof(*sorted), role_cmp);
	OP_PUTS(out, "\"files\":{");
	for (i = 0; i < n; i++) {
		for (j = 0; j < n && roles[j] != sorted[i]; j++)
			;
		if (i > 0)
			json_put_char(out, ',');
		json_put_str(out, roles[j], strlen(roles[j]));
		json_put_char(out, ':');
		/* Unescaped after the text: megabytes not escaped twice over. */
		if (c->req->att && c->att != NULL)
			(void)proto_att_copy(out, c->att, bytes[j], lens[j]);
		else
			json_put_str(out, (const char *)bytes[j], lens[j]);
	}
	json_put_char(out, '}');
}

/*
 * A recipe (docs/ledger-and-audit.md): RECIPE_MAGIC, version and expiry
 * (sec, nsec, offset; big-endian), then the file's tail from its last
 * ",\"signatures\":[" on, as written. The signatures hold no '"' of their
 * own, so the last occurrence is the envelope's.
 */
#define RECIPE_MAGIC	"\0SDR1"
#define RECIPE_MAGIC_LEN 5
#define RECIPE_HEAD	(RECIPE_MAGIC_LEN + 8 + 8 + 4 + 4)

static size_t
tail_off(const uint8_t *b, size_t n)
{
	size_t k = sizeof(sigs_key) - 1, i;

	for (i = n >= k ? n - k + 1 : 0; i-- > 0;)
		if (b[i] == ',' && memcmp(b + i, sigs_key, k) == 0)
			return i;
	return n;
}

static void
put_be(uint8_t *p, uint64_t v, int bytes)
{
	while (bytes-- > 0) {
		p[bytes] = (uint8_t)v;
		v >>= 8;
	}
}

static uint64_t
get_be(const uint8_t *p, int bytes)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < bytes; i++)
		v = v << 8 | p[i];
	return v;
}

/* The recipe of f into r; -1 when its bytes have no signatures tail. */
static int
recipe_make(const struct op_file *f, struct json_buf *r)
{
	uint8_t h[RECIPE_HEAD];
	size_t off = tail_off((const uint8_t *)f->buf.data, f->buf.len);

	if (off == f->buf.len)
		return -1;
	memcpy(h, RECIPE_MAGIC, RECIPE_MAGIC_LEN);
	put_be(h + RECIPE_MAGIC_LEN, (uint64_t)f->version, 8);
	put_be(h + RECIPE_MAGIC_LEN + 8, (uint64_t)f->expires.sec, 8);
	put_be(h + RECIPE_MAGIC_LEN + 16, (uint32_t)f->expires.nsec, 4);
	put_be(h + RECIPE_MAGIC_LEN + 20, (uint32_t)f->expires.offset, 4);
	r->len = 0;
	json_put_raw(r, (const char *)h, sizeof(h));
	json_put_raw(r, f->buf.data + off, f->buf.len - off);
	return r->err != 0 ? -1 : 0;
}

/*
 * The document a recipe stands for: the op's model, the recorded version,
 * expiry and signatures; its sha256 must be the recorded one.
 */
static int
recipe_rebuild(const struct op_call *c, const struct op_rebuild *rb,
    const struct ledger_file *f, struct json_buf *out,
    struct proto_error *err)
{
	struct tuf_meta *m = NULL;
	uint8_t h[32];
	size_t off;
	int r = -1;

	out->len = 0;
	if (f->len < RECIPE_HEAD || memcmp(f->bytes, RECIPE_MAGIC,
	    RECIPE_MAGIC_LEN) != 0 || rb == NULL || rb->fn == NULL) {
		proto_error_set(err, PROTO_CODE_INTERNAL, "the stored result "
		    "of %s cannot be rebuilt", f->role);
		return -1;
	}
	if (rb->fn(c, rb->ctx, f->role, &m, err) != 0)
		goto out;
	m->version = (int64_t)get_be(f->bytes + RECIPE_MAGIC_LEN, 8);
	m->expires.sec = (int64_t)get_be(f->bytes + RECIPE_MAGIC_LEN + 8, 8);
	m->expires.nsec = (int32_t)(uint32_t)get_be(f->bytes +
	    RECIPE_MAGIC_LEN + 16, 4);
	m->expires.offset = (int32_t)(uint32_t)get_be(f->bytes +
	    RECIPE_MAGIC_LEN + 20, 4);
	if (tuf_meta_write(m, out) != 0 || out->err != 0 ||
	    (off = tail_off((const uint8_t *)out->data, out->len)) ==
	    out->len) {
		proto_error_set(err, PROTO_CODE_INTERNAL, "rebuilding the "
		    "stored %s failed", f->role);
		goto out;
	}
	out->len = off;
	json_put_raw(out, (const char *)f->bytes + RECIPE_HEAD,
	    f->len - RECIPE_HEAD);
	if (out->err == 0)
		SHA256((const uint8_t *)out->data, out->len, h);
	if (out->err != 0 || m->version != f->version ||
	    memcmp(h, f->hash, sizeof(h)) != 0) {
		/* Never answer with anything but what was signed. */
		proto_error_set(err, PROTO_CODE_INTERNAL, "the stored result "
		    "of %s does not rebuild to the document signed",
		    f->role);
		goto out;
	}
	r = 0;
out:
	tuf_meta_free(m);
	return r;
}

static void
ledger_err(struct proto_error *err, int r, const char *msg)
{
	enum proto_code code = PROTO_CODE_INTERNAL;

	if (r == LEDGER_ERR_ROLLBACK)
		code = PROTO_CODE_ROLLBACK;
	else if (r == LEDGER_ERR_EQUIVOCATION)
		code = PROTO_CODE_EQUIVOCATION;
	else if (r == LEDGER_ERR_CONFLICT)
		code = PROTO_CODE_CONFLICT;
	proto_error_set(err, code, "ledger: %s", msg[0] ? msg :
	    ledger_strerror(r));
}

/*
 * The ledger refused or failed a commit whose audit lines are written:
 * one more line per file says so, so that the log never claims a
 * signature that was not committed (and reconcile need not).
 */
static void
audit_withdraw(const struct op_call *c, struct audit_record *rec, size_t n,
    const char *why)
{
	char detail[512];
	size_t i;

	snprintf(detail, sizeof(detail), "the ledger did not commit the "
	    "line before; nothing was returned: %s", why);
	for (i = 0; i < n; i++) {
		rec[i].outcome = "withdrawn";
		rec[i].detail = detail;
	}
	if (audit_append_many(c->sd->audit, rec, n) != 0)
		op_log(c->sd, LOG_ERR, "audit log write failed while "
		    "withdrawing %s v%lld", rec[0].role,
		    (long long)rec[0].version);
}

int
op_commit(const struct op_call *c, const char *gun, const uint8_t fp[32],
    struct op_file *files, size_t n, const char *extra, size_t extra_len,
    struct json_buf *out, struct proto_error *err)
{
	struct ledger_file lf[LEDGER_MAX_FILES];
	const char *roles[LEDGER_MAX_FILES];
	const uint8_t *bytes[LEDGER_MAX_FILES];
	size_t lens[LEDGER_MAX_FILES], i, total;
	struct audit_record rec[LEDGER_MAX_FILES];
	struct json_buf rcp[LEDGER_MAX_FILES];
	char msg[256];
	int audit_failed = 0;
	int64_t aend = 0;
	uint8_t lh[32];
	int64_t lv;
	int r;

	if (n > LEDGER_MAX_FILES)
		return -1;
	memset(lf, 0, sizeof(lf));
	memset(rec, 0, sizeof(rec));
	for (i = 0; i < LEDGER_MAX_FILES; i++)
		json_buf_init(&rcp[i]);
	msg[0] = '\0';
	r = -1;
	for (i = 0; i < n; i++) {
		lf[i].role = files[i].role;
		lf[i].version = files[i].version;
		lf[i].bytes = (const uint8_t *)files[i].buf.data;
		lf[i].len = files[i].buf.len;
		/* A retry rebuilds it: the ledger keeps kilobytes, not megabytes. */
		if (files[i].recipe && recipe_make(&files[i], &rcp[i]) == 0) {
			lf[i].bytes = (const uint8_t *)rcp[i].data;
			lf[i].len = rcp[i].len;
		}
		SHA256((const uint8_t *)files[i].buf.data, files[i].buf.len,
		    lf[i].hash);
		memcpy(files[i].sha256, lf[i].hash, sizeof(files[i].sha256));
		/* The ledger checks again inside its transaction. */
		r = op_last(c->sd, gun, lf[i].role, &lv, lh);
		if (r == 0 && (lf[i].version < lv || (lf[i].version == lv &&
		    memcmp(lh, lf[i].hash, 32) != 0))) {
			snprintf(msg, sizeof(msg), "%s %s: version %lld %s "
			    "version %lld already signed", gun, lf[i].role,
			    (long long)lf[i].version, lf[i].version < lv ?
			    "is below" : "would be a second document for",
			    (long long)lv);
			ledger_err(err, lf[i].version < lv ?
			    LEDGER_ERR_ROLLBACK : LEDGER_ERR_EQUIVOCATION, msg);
			r = -1;
			goto out;
		}
		if (r != 0 && r != LEDGER_ERR_NOTFOUND) {
			ledger_err(err, r, "");
			r = -1;
			goto out;
		}
		rec[i].uid = c->speer->uid;
		rec[i].gid = c->speer->gid;
		rec[i].pid = c->speer->pid;
		rec[i].op = c->req->op;
		rec[i].gun = gun;
		rec[i].role = files[i].role;
		rec[i].version = files[i].version;
		rec[i].key_id = files[i].key_id;
		rec[i].sha256 = lf[i].hash;
		rec[i].outcome = "ok";
	}
	/*
	 * The audit lines are written first and synced by the log's sync
	 * thread while the ledger commits, so the two syncs overlap instead
	 * of following each other; nothing is released before both are done.
	 * A crash in between leaves a line without its commit (reconcile
	 * notes it "not-committed") or a commit without its line (reconcile
	 * adds it): docs/ledger-and-audit.md. ledger_commit and the audit log
	 * group concurrent callers into one transaction / one sync each.
	 */
	if (c->sd->audit != NULL && n > 0 &&
	    audit_write_many(c->sd->audit, rec, n, &aend) != 0) {
		op_log(c->sd, LOG_ERR, "audit log write failed; nothing "
		    "committed for %s v%lld", files[0].role,
		    (long long)files[0].version);
		proto_error_set(err, PROTO_CODE_INTERNAL, "the audit log cannot "
		    "be written; nothing was signed");
		r = -1;
		goto out;
	}
	if ((r = ledger_commit(c->sd->ledger, gun, fp, lf, n, msg,
	    sizeof(msg))) != 0) {
		ledger_err(err, r, msg);
		if (aend > 0)
			audit_withdraw(c, rec, n, err->message);
		r = -1;
		goto out;
	}
	if (aend > 0 && audit_sync_wait(c->sd->audit, aend) != 0) {
		/* Committed but not released; a retry returns it. */
		op_log(c->sd, LOG_ERR, "audit log write failed; "
		    "signatures of %s v%lld%s withheld", files[0].role,
		    (long long)files[0].version, n > 1 ? " and the rest" : "");
		audit_failed = 1;
	}
	for (i = 0; i < n; i++)
		op_last_set(c->sd, gun, lf[i].role, lf[i].version, lf[i].hash);
	if (audit_failed) {
		proto_error_set(err, PROTO_CODE_INTERNAL, "the audit log cannot "
		    "be written; nothing is returned");
		r = -1;
		goto out;
	}
	total = 64 + extra_len;
	for (i = 0; i < n; i++) {
		roles[i] = files[i].role;
		bytes[i] = files[i].buf.data;
		lens[i] = files[i].buf.len;
		total += lens[i] + lens[i] / 8 + 64;	/* quotes escaped */
	}
	if (!c->req->att)	/* megabytes: grow once, not by doubling */
		json_buf_reserve(out, total);
	json_put_char(out, '{');
	op_put_files(c, out, roles, bytes, lens, n);
	if (extra != NULL)
		json_put_raw(out, extra, extra_len);
	json_put_char(out, '}');
	r = 0;
out:
	for (i = 0; i < LEDGER_MAX_FILES; i++)
		json_buf_cleanup(&rcp[i]);
	return r;
}

int
op_retry(const struct op_call *c, const char *gun, const uint8_t fp[32],
    const struct op_rebuild *rb, struct json_buf *out,
    struct ledger_result *keep, struct proto_error *err)
{
	struct ledger_result res;
	struct json_buf rebuilt[LEDGER_MAX_FILES];
	const char *roles[LEDGER_MAX_FILES];
	const uint8_t *bytes[LEDGER_MAX_FILES];
	size_t lens[LEDGER_MAX_FILES], i;
	int r;

	memset(&res, 0, sizeof(res));
	for (i = 0; i < LEDGER_MAX_FILES; i++)
		json_buf_init(&rebuilt[i]);
	r = ledger_lookup(c->sd->ledger, gun, fp, &res);
	if (r == LEDGER_ERR_NOTFOUND)
		return 0;
	if (r != 0) {
		proto_error_set(err, PROTO_CODE_INTERNAL, "ledger: %s",
		    ledger_strerror(r));
		return -1;
	}
	r = -1;
	for (i = 0; i < res.nfiles; i++) {
		roles[i] = res.files[i].role;
		bytes[i] = res.files[i].bytes;
		lens[i] = res.files[i].len;
		if (!LEDGER_IS_RECIPE(bytes[i], lens[i]))
			continue;
		if (keep != NULL || recipe_rebuild(c, rb, &res.files[i],
		    &rebuilt[i], err) != 0) {
			if (keep != NULL)
				proto_error_set(err, PROTO_CODE_INTERNAL, "the "
				    "stored result cannot be rebuilt");
			goto out;
		}
		bytes[i] = rebuilt[i].data;
		lens[i] = rebuilt[i].len;
	}
	if (op_audit_event(c, gun, res.nfiles ? res.files[0].role : NULL,
	    NULL, "retry", "the stored result of the same request") != 0) {
		proto_error_set(err, PROTO_CODE_INTERNAL, "the audit log "
		    "cannot be written; nothing is returned");
		goto out;
	}
	json_put_char(out, '{');
	op_put_files(c, out, roles, bytes, lens, res.nfiles);
	if (keep != NULL) {
		*keep = res;	/* the caller adds its members and the '}' */
		return 1;
	}
	json_put_char(out, '}');
	r = 1;
out:
	for (i = 0; i < LEDGER_MAX_FILES; i++)
		json_buf_cleanup(&rebuilt[i]);
	ledger_result_cleanup(&res);
	return r;
}

int
op_retry_after(const struct op_call *c, const char *gun, const uint8_t fp[32],
    const struct op_rebuild *rb, struct json_buf *out,
    struct proto_error *err)
{
	struct proto_error e2;
	int r;

	if (err->code != PROTO_CODE_ROLLBACK && err->code != PROTO_CODE_CONFLICT)
		return 0;
	proto_error_clear(&e2);
	r = op_retry(c, gun, fp, rb, out, NULL, &e2);
	if (r > 0)
		proto_error_clear(err);
	else if (r < 0)
		*err = e2;	/* the stored result exists but cannot be given */
	return r > 0;
}

int
op_root_usable(const struct op_call *c, struct proto_error *err)
{
	struct timespec ts;
	int present, unlocked, perm;

	keys_state(c->sd->keys, KEYS_ROOT, &present, &unlocked, &perm);
	if (!present) {
		proto_error_set(err, PROTO_CODE_UNAVAILABLE, "no root token "
		    "is configured");
		return -1;
	}
	if (unlocked && perm)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	pthread_mutex_lock(&c->sd->cer_mu);
	if (unlocked && c->sd->root_until > ts.tv_sec) {
		pthread_mutex_unlock(&c->sd->cer_mu);
		return 0;
	}
	pthread_mutex_unlock(&c->sd->cer_mu);
	proto_error_set(err, PROTO_CODE_LOCKED, "the root token is locked; "
	    "unlock it with ceremony.unlock");
	return -1;
}

int
op_parse_server_key(const char *field, const char *s, size_t len,
    struct tuf_key *k, struct proto_error *err)
{
	struct json_limits lim = { .max_bytes = 65536, .max_depth = 4,
	    .max_values = 64 };
	struct json_doc *doc = NULL;
	const struct json_value *root, *kv, *t, *pub, *priv;
	const char *ts, *ps;
	size_t tl, pl, publen = 0;
	uint8_t *raw = NULL;
	int r = -1;

	memset(k, 0, sizeof(*k));
	if (json_doc_parse((const uint8_t *)s, len, &lim, &doc, NULL) != 0 ||
	    json_value_type(root = json_doc_root(doc)) != JSON_OBJECT ||
	    json_value_count(root) != 2 ||
	    (t = json_object_get(root, "keytype")) == NULL ||
	    (kv = json_object_get(root, "keyval")) == NULL ||
	    json_value_type(kv) != JSON_OBJECT ||
	    (pub = json_object_get(kv, "public")) == NULL ||
	    (ts = json_value_str(t, &tl)) == NULL ||
	    (ps = json_value_str(pub, &pl)) == NULL) {
		proto_error_field(err, PROTO_CODE_BAD_REQUEST, field, "not a "
		    "Notary public key ({\"keytype\":…,\"keyval\":{\"public\":"
		    "…,\"private\":null}})");
		goto out;
	}
	priv = json_object_get(kv, "private");
	if (json_value_count(kv) > 2 || (priv != NULL &&
	    json_value_type(priv) != JSON_NULL) ||
	    (json_value_count(kv) == 2 && priv == NULL)) {
		proto_error_field(err, PROTO_CODE_BAD_REQUEST, field,
		    "keyval must hold only \"public\" and \"private\":null");
		goto out;
	}
	if (strcmp(ts, "ed25519") != 0 && strcmp(ts, "ecdsa") != 0 &&
	    strcmp(ts, "rsa") != 0) {
		proto_error_field(err, PROTO_CODE_BAD_REQUEST, field,
		    "unsupported key type");
		goto out;
	}
	if (tuf_b64_decode(ps, pl, &raw, &publen) != 0 ||
	    tuf_key_init(k, ts, raw, publen) != 0) {
		proto_error_field(err, PROTO_CODE_BAD_REQUEST, field,
		    "the public key does not decode");
		goto out;
	}
	r = 0;
out:
	free(raw);
	json_doc_free(doc);
	return r;
}
