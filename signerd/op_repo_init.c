/* SPDX-License-Identifier: Apache-2.0 */
/*
 * op_repo_init: a new repository: root v1 (new root key on the root token,
 * self-signed certificate CN = GUN), targets v1 (new targets key), and
 * snapshot v1 when signerd holds the snapshot key; with the server's
 * snapshot key the snapshot is server-managed, as docker makes it.
 */
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <stdlib.h>
#include <string.h>

#include "keys.h"
#include "ledger.h"
#include "ops.h"

/* PEM text of a DER certificate, as Go's pem.Encode writes it. */
static int
cert_pem(const uint8_t *der, size_t len, char **pem, size_t *pemlen)
{
	const unsigned char *p = der;
	X509 *x = NULL;
	BIO *bio = NULL;
	char *data;
	long n;
	int r = -1;

	*pem = NULL;
	if ((x = d2i_X509(NULL, &p, (long)len)) == NULL ||
	    (bio = BIO_new(BIO_s_mem())) == NULL ||
	    PEM_write_bio_X509(bio, x) != 1)
		goto out;
	if ((n = BIO_get_mem_data(bio, &data)) <= 0 ||
	    (*pem = malloc((size_t)n + 1)) == NULL)
		goto out;
	memcpy(*pem, data, (size_t)n);
	(*pem)[n] = '\0';
	*pemlen = (size_t)n;
	r = 0;
out:
	BIO_free(bio);
	X509_free(x);
	return r;
}

/* ,"keys":{"root":…,"snapshot":…,"targets":…} from a root file. */
static void
put_keys(struct json_buf *out, const uint8_t *root, size_t len)
{
	static const char *const names[] = { "root", "snapshot", "targets",
	    "timestamp" };
	struct tuf_meta *m = NULL;
	const struct tuf_role *r;
	size_t i;

	if (tuf_meta_parse(root, len, "root", NULL, &m, NULL) != 0)
		return;
	OP_PUTS(out, ",\"keys\":{");
	for (i = 0; i < 4; i++) {
		r = tuf_root_role(&m->root, names[i]);
		if (i > 0)
			json_put_char(out, ',');
		json_put_str(out, names[i], strlen(names[i]));
		json_put_char(out, ':');
		if (r != NULL && r->nkeyids > 0)
			json_put_str(out, r->keyids[0], strlen(r->keyids[0]));
		else
			OP_PUTS(out, "null");
	}
	json_put_char(out, '}');
	tuf_meta_free(m);
}

static int
spki_key(const struct keys_key *k, struct tuf_key *tk,
    struct proto_error *err)
{
	if (tuf_key_from_spki(tk, k->spki, k->spki_len) != 0) {
		proto_error_set(err, PROTO_CODE_TOKEN_ERROR, "the token "
		    "returned a public key tuf/ cannot read");
		return -1;
	}
	return 0;
}

int
op_repo_init(const struct op_call *c, struct json_buf *out,
    struct proto_error *err)
{
	static const char *const fields[] = { "gun", "timestamp_key",
	    "snapshot_key", NULL };
	struct signerd *sd = c->sd;
	struct ledger_result kept;
	struct keys_key rk, tkk, sk;
	struct tuf_key ts_key, sn_key, tg_key, root_key;
	struct tuf_meta *root = NULL, *tg = NULL, *snap = NULL;
	struct tuf_filemeta fm;
	struct op_file files[3];
	struct tuf_time dummy = { 0, 0, 0 };
	const char *gun, *s;
	char *pem = NULL, msg[256];
	uint8_t fp[32], *der = NULL, lh[32];
	size_t len, derlen = 0, pemlen = 0, nfiles = 0, i;
	int64_t ver;
	int r = -1, locked = 0, rootlock = 0, ours_snap, lr;

	memset(&ts_key, 0, sizeof(ts_key));
	memset(&sn_key, 0, sizeof(sn_key));
	memset(&tg_key, 0, sizeof(tg_key));
	memset(&root_key, 0, sizeof(root_key));
	memset(files, 0, sizeof(files));
	if (proto_req_check_members(c->req, fields, err) != 0 ||
	    op_get_gun(c, &gun, err) != 0)
		return -1;
	if (op_allow(c, gun, "root", err) != 0)
		return -1;
	if (proto_req_get_strn(c->req, "timestamp_key", 65536, &s, &len,
	    err) != 0 || op_parse_server_key("timestamp_key", s, len, &ts_key,
	    err) != 0)
		goto out;
	ours_snap = !proto_req_has(c->req, "snapshot_key");
	if (!ours_snap && (proto_req_get_strn(c->req, "snapshot_key", 65536,
	    &s, &len, err) != 0 || op_parse_server_key("snapshot_key", s, len,
	    &sn_key, err) != 0))
		goto out;
	if (op_fingerprint(c->req, NULL, fp) != 0) {
		proto_error_set(err, PROTO_CODE_INTERNAL, "out of memory");
		goto out;
	}
	if (ledger_gun_lock(sd->ledger, gun) != 0) {
		proto_error_set(err, PROTO_CODE_INTERNAL, "out of memory");
		goto out;
	}
	locked = 1;
	lr = op_last(sd, gun, "root", &ver, lh);
	if (lr == 0) {
		/* A root on record: this request again, or a conflict. */
		memset(&kept, 0, sizeof(kept));
		if ((lr = op_retry(c, gun, fp, NULL, out, &kept, err)) != 0) {
			if (lr > 0) {
				for (i = 0; i < kept.nfiles; i++)
					if (strcmp(kept.files[i].role,
					    "root") == 0)
						put_keys(out,
						    kept.files[i].bytes,
						    kept.files[i].len);
				json_put_char(out, '}');
				ledger_result_cleanup(&kept);
				r = 0;
			}
			goto out;
		}
		proto_error_set(err, PROTO_CODE_CONFLICT, "signerd already "
		    "holds a root for this GUN (version %lld)", (long long)ver);
		goto out;
	}
	if (lr != LEDGER_ERR_NOTFOUND) {
		proto_error_set(err, PROTO_CODE_INTERNAL, "ledger: %s",
		    ledger_strerror(lr));
		goto out;
	}
	if (op_root_usable(c, err) != 0)
		goto out;
	pthread_rwlock_rdlock(&sd->root_rw);
	rootlock = 1;
	if (op_root_usable(c, err) != 0)	/* not locked meanwhile */
		goto out;

	/* Keys: root on the root token, targets (and snapshot) online. */
	msg[0] = '\0';
	if ((r = keys_generate(sd->keys, KEYS_ROOT, "root", gun, &rk, msg,
	    sizeof(msg))) != 0) {
		proto_error_set(err, r == KEYS_ERR_LOCKED ? PROTO_CODE_LOCKED :
		    PROTO_CODE_TOKEN_ERROR, "root token: %s", msg[0] ? msg :
		    keys_strerror(r));
		r = -1;
		goto out;
	}
	if ((r = keys_cert(sd->keys, &rk, gun, (unsigned)sd->expiry.root,
	    &der, &derlen)) != 0 || cert_pem(der, derlen, &pem, &pemlen) != 0 ||
	    tuf_key_from_cert_pem(&root_key, pem, pemlen) != 0) {
		proto_error_set(err, PROTO_CODE_TOKEN_ERROR, "root token: the "
		    "root certificate could not be made");
		r = -1;
		goto out;
	}
	r = -1;
	if (keys_generate(sd->keys, KEYS_ONLINE, "targets", gun, &tkk, msg,
	    sizeof(msg)) != 0) {
		proto_error_set(err, PROTO_CODE_TOKEN_ERROR, "online token: %s",
		    msg);
		goto out;
	}
	if (spki_key(&tkk, &tg_key, err) != 0)
		goto out;
	if (ours_snap) {
		if (keys_generate(sd->keys, KEYS_ONLINE, "snapshot", gun, &sk,
		    msg, sizeof(msg)) != 0) {
			proto_error_set(err, PROTO_CODE_TOKEN_ERROR,
			    "online token: %s", msg);
			goto out;
		}
		if (spki_key(&sk, &sn_key, err) != 0)
			goto out;
	}

	/* root v1 */
	if (tuf_root_build(pem, pemlen, &tg_key, &sn_key, &ts_key, 1, &dummy,
	    &root) != 0) {
		proto_error_set(err, PROTO_CODE_INTERNAL, "building root");
		goto out;
	}
	op_set_expiry(c, root);
	files[0].role = "root";
	files[0].version = 1;
	files[0].key_id = root_key.id;
	if (op_sign_write(root, &root_key, &rk, &files[0].buf, err) != 0)
		goto out;
	/* targets v1 */
	if (tuf_meta_new("targets", &tg) != 0) {
		proto_error_set(err, PROTO_CODE_INTERNAL, "out of memory");
		goto out;
	}
	op_set_expiry(c, tg);
	files[1].role = "targets";
	files[1].version = 1;
	files[1].key_id = tg_key.id;
	if (op_sign_write(tg, &tg_key, &tkk, &files[1].buf, err) != 0)
		goto out;
	nfiles = 2;
	if (ours_snap) {
		if (tuf_meta_new("snapshot", &snap) != 0) {
			proto_error_set(err, PROTO_CODE_INTERNAL, "out of memory");
			goto out;
		}
		op_set_expiry(c, snap);
		tuf_filemeta_of(files[0].buf.data, files[0].buf.len, 1, &fm);
		if (tuf_meta_set_filemeta(snap, "root", &fm) != 0)
			goto out;
		tuf_filemeta_of(files[1].buf.data, files[1].buf.len, 1, &fm);
		if (tuf_meta_set_filemeta(snap, "targets", &fm) != 0)
			goto out;
		files[2].role = "snapshot";
		files[2].version = 1;
		files[2].key_id = sn_key.id;
		if (op_sign_write(snap, &sn_key, &sk, &files[2].buf, err) != 0)
			goto out;
		nfiles = 3;
	}
	{
		struct json_buf extra;

		json_buf_init(&extra);
		put_keys(&extra, files[0].buf.data, files[0].buf.len);
		r = op_commit(c, gun, fp, files, nfiles,
		    (const char *)extra.data, extra.len, out, err);
		json_buf_cleanup(&extra);
	}
out:
	if (rootlock)
		pthread_rwlock_unlock(&sd->root_rw);
	if (locked)
		ledger_gun_unlock(sd->ledger, gun);
	for (i = 0; i < 3; i++)
		json_buf_cleanup(&files[i].buf);
	tuf_meta_free(root);
	tuf_meta_free(tg);
	tuf_meta_free(snap);
	tuf_key_cleanup(&ts_key);
	tuf_key_cleanup(&sn_key);
	tuf_key_cleanup(&tg_key);
	tuf_key_cleanup(&root_key);
	free(der);
	free(pem);
	return r;
}
