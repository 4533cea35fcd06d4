/* SPDX-License-Identifier: Apache-2.0 */
/* Tamper tests: a repository made here with software keys, each attack refused with its own code. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "json.h"
#include "tuf.h"

#define GUN	"example.com/app"

struct softkey {
	EVP_PKEY	*pk;
	struct tuf_key	 k;
};

struct file {
	uint8_t	*p;
	size_t	 n;
};

struct repo {
	int64_t		 now;
	struct softkey	 root, root2, tgt, snap, ts, rel;
	char		*root_pem, *root2_pem;
	struct file	 root1, root2_both, root2_new_only, timestamp, snapshot,
			 targets, releases, snapshot_old, timestamp_old,
			 timestamp_v1;
};

static struct repo R;

static int64_t
test_clock(void *ctx)
{
	return *(int64_t *)ctx;
}

/* The callback a token would implement: raw signature bytes out. */
static int
soft_sign(void *ctx, const struct tuf_key *key, const uint8_t *msg,
    size_t msg_len, uint8_t *sig, size_t cap, size_t *sig_len)
{
	struct softkey	*sk = ctx;
	EVP_MD_CTX	*mc = EVP_MD_CTX_new();
	uint8_t		 der[160];
	size_t		 dl = sizeof(der);
	int		 ec = EVP_PKEY_get_base_id(sk->pk) == EVP_PKEY_EC, r = -1;

	(void)key;
	if (mc == NULL || EVP_DigestSignInit(mc, NULL, ec ? EVP_sha256() : NULL,
	    NULL, sk->pk) != 1 || EVP_DigestSign(mc, der, &dl, msg,
	    msg_len) != 1)
		goto out;
	if (ec) {
		const unsigned char	*p = der;
		ECDSA_SIG		*es = d2i_ECDSA_SIG(NULL, &p, (long)dl);
		const BIGNUM		*br, *bs;

		if (es == NULL || cap < 64)
			goto out;
		ECDSA_SIG_get0(es, &br, &bs);
		BN_bn2binpad(br, sig, 32);
		BN_bn2binpad(bs, sig + 32, 32);
		ECDSA_SIG_free(es);
		*sig_len = 64;
	} else {
		if (dl > cap)
			goto out;
		memcpy(sig, der, dl);
		*sig_len = dl;
	}
	r = 0;
out:
	EVP_MD_CTX_free(mc);
	return r;
}

static void
softkey_new(struct softkey *sk, int ed)
{
	unsigned char	*der = NULL;
	int		 n;

	sk->pk = ed ? EVP_PKEY_Q_keygen(NULL, NULL, "ED25519") :
	    EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	assert_non_null(sk->pk);
	n = i2d_PUBKEY(sk->pk, &der);
	assert_true(n > 0);
	assert_int_equal(tuf_key_from_spki(&sk->k, der, (size_t)n), 0);
	OPENSSL_free(der);
}

/* A Notary-style root certificate: self-signed, CN = cn. */
static char *
make_cert(struct softkey *sk, const char *cn, int64_t from, int64_t to)
{
	X509		*x = X509_new();
	X509_NAME	*nm = X509_NAME_new();
	BIO		*bio = BIO_new(BIO_s_mem());
	BUF_MEM		*bm;
	char		*pem;

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), (long)(from & 0xffffff));
	X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_UTF8,
	    (const unsigned char *)cn, -1, -1, 0);
	X509_set_subject_name(x, nm);
	X509_set_issuer_name(x, nm);
	ASN1_TIME_set(X509_getm_notBefore(x), (time_t)from);
	ASN1_TIME_set(X509_getm_notAfter(x), (time_t)to);
	X509_set_pubkey(x, sk->pk);
	assert_true(X509_sign(x, sk->pk, EVP_sha256()) > 0);
	PEM_write_bio_X509(bio, x);
	BIO_get_mem_ptr(bio, &bm);
	pem = calloc(1, bm->length + 1);
	memcpy(pem, bm->data, bm->length);
	tuf_key_cleanup(&sk->k);
	assert_int_equal(tuf_key_from_cert_pem(&sk->k, pem, bm->length), 0);
	BIO_free(bio);
	X509_NAME_free(nm);
	X509_free(x);
	return pem;
}

static void
finish(struct tuf_meta *m, struct softkey **keys, size_t n, struct file *f)
{
	struct tuf_signer	 s[4];
	struct json_buf		 b;
	size_t			 i;

	for (i = 0; i < n; i++) {
		s[i].key = &keys[i]->k;
		s[i].sign = soft_sign;
		s[i].ctx = keys[i];
	}
	assert_int_equal(tuf_meta_sign(m, s, n, NULL), 0);
	json_buf_init(&b);
	assert_int_equal(tuf_meta_write(m, &b), 0);
	assert_int_equal(json_buf_detach(&b, &f->p, &f->n), 0);
	json_buf_cleanup(&b);
}

static struct tuf_meta *
new_role(const char *role, int64_t version, int64_t life)
{
	struct tuf_meta *m;

	assert_int_equal(tuf_meta_new(role, &m), 0);
	m->version = version;
	m->expires = tuf_time_from_sec(R.now + life);
	return m;
}

static void
make_snapshot_timestamp(int64_t sv, int64_t tv, struct file *snap,
    struct file *ts, const struct file *targets)
{
	struct tuf_meta		*m;
	struct tuf_filemeta	 fm;
	struct softkey		*k;

	m = new_role("snapshot", sv, TUF_EXPIRY_SNAPSHOT);
	tuf_filemeta_of(R.root1.p, R.root1.n, 1, &fm);
	assert_int_equal(tuf_meta_set_filemeta(m, "root", &fm), 0);
	tuf_filemeta_of(targets->p, targets->n, 1, &fm);
	assert_int_equal(tuf_meta_set_filemeta(m, "targets", &fm), 0);
	tuf_filemeta_of(R.releases.p, R.releases.n, 1, &fm);
	assert_int_equal(tuf_meta_set_filemeta(m, "targets/releases", &fm), 0);
	k = &R.snap;
	finish(m, &k, 1, snap);
	tuf_meta_free(m);

	m = new_role("timestamp", tv, TUF_EXPIRY_TIMESTAMP);
	tuf_filemeta_of(snap->p, snap->n, 1, &fm);
	assert_int_equal(tuf_meta_set_filemeta(m, "snapshot", &fm), 0);
	k = &R.ts;
	finish(m, &k, 1, ts);
	tuf_meta_free(m);
}

static struct tuf_meta *
targets_model(int64_t version, const char *tag)
{
	struct tuf_meta		*m = new_role("targets", version,
	    TUF_EXPIRY_TARGETS);
	struct tuf_filemeta	 fm;
	const char		*kid = R.rel.k.id, *path = "";

	tuf_filemeta_of((const uint8_t *)tag, strlen(tag), 0, &fm);
	fm.length = 1234;
	assert_int_equal(tuf_targets_set(&m->targets, tag, strlen(tag), &fm), 0);
	assert_int_equal(tuf_keyset_add(&m->targets.dkeys, &R.rel.k), 0);
	assert_int_equal(tuf_delegation_add(&m->targets, "targets",
	    "targets/releases", &kid, 1, 1, &path, 1), 0);
	return m;
}

static int
setup(void **state)
{
	struct tuf_meta		*m;
	struct softkey		*ks[2];
	struct tuf_time		 exp;
	struct tuf_filemeta	 fm;
	struct file		 targets2;

	(void)state;
	memset(&R, 0, sizeof(R));
	R.now = (int64_t)time(NULL);
	softkey_new(&R.root, 0);
	softkey_new(&R.root2, 0);
	softkey_new(&R.tgt, 0);
	softkey_new(&R.snap, 0);
	softkey_new(&R.ts, 1);
	softkey_new(&R.rel, 0);
	R.root_pem = make_cert(&R.root, GUN, R.now - 3600,
	    R.now + TUF_EXPIRY_ROOT);
	R.root2_pem = make_cert(&R.root2, GUN, R.now - 3600,
	    R.now + TUF_EXPIRY_ROOT);

	exp = tuf_time_from_sec(R.now + TUF_EXPIRY_ROOT);
	assert_int_equal(tuf_root_build(R.root_pem, strlen(R.root_pem),
	    &R.tgt.k, &R.snap.k, &R.ts.k, 1, &exp, &m), 0);
	ks[0] = &R.root;
	finish(m, ks, 1, &R.root1);

	/* Root v2 rotated to root2: kept old cert, signed by both or new only. */
	m->version = 2;
	assert_int_equal(tuf_keyset_add(&m->root.keys, &R.root2.k), 0);
	{
		const char *id = R.root2.k.id;
		assert_int_equal(tuf_root_set_role(&m->root, "root", &id, 1,
		    1), 0);
	}
	ks[0] = &R.root2;
	ks[1] = &R.root;
	finish(m, ks, 2, &R.root2_both);
	finish(m, ks, 1, &R.root2_new_only);
	tuf_meta_free(m);

	m = new_role("targets/releases", 1, TUF_EXPIRY_TARGETS);
	tuf_filemeta_of((const uint8_t *)"rel", 3, 0, &fm);
	assert_int_equal(tuf_targets_set(&m->targets, "v3", 2, &fm), 0);
	ks[0] = &R.rel;
	finish(m, ks, 1, &R.releases);
	tuf_meta_free(m);

	/* targets v2 and v3 (same length), snapshot v2 and v3, timestamp v2 and v3. */
	m = targets_model(2, "v1");
	ks[0] = &R.tgt;
	finish(m, ks, 1, &targets2);
	tuf_meta_free(m);
	m = targets_model(3, "v2");
	finish(m, ks, 1, &R.targets);
	tuf_meta_free(m);
	make_snapshot_timestamp(2, 2, &R.snapshot_old, &R.timestamp_old,
	    &targets2);
	make_snapshot_timestamp(3, 3, &R.snapshot, &R.timestamp, &R.targets);
	free(targets2.p);
	/* An older timestamp (v1) over the current snapshot, for rollback. */
	m = new_role("timestamp", 1, TUF_EXPIRY_TIMESTAMP);
	tuf_filemeta_of(R.snapshot.p, R.snapshot.n, 1, &fm);
	assert_int_equal(tuf_meta_set_filemeta(m, "snapshot", &fm), 0);
	ks[0] = &R.ts;
	finish(m, ks, 1, &R.timestamp_v1);
	tuf_meta_free(m);
	return 0;
}

static void
softkey_free(struct softkey *sk)
{
	EVP_PKEY_free(sk->pk);
	tuf_key_cleanup(&sk->k);
}

static int
teardown(void **state)
{
	(void)state;
	softkey_free(&R.root);
	softkey_free(&R.root2);
	softkey_free(&R.tgt);
	softkey_free(&R.snap);
	softkey_free(&R.ts);
	softkey_free(&R.rel);
	free(R.root_pem);
	free(R.root2_pem);
	free(R.root1.p);
	free(R.root2_both.p);
	free(R.root2_new_only.p);
	free(R.timestamp.p);
	free(R.snapshot.p);
	free(R.targets.p);
	free(R.releases.p);
	free(R.snapshot_old.p);
	free(R.timestamp_old.p);
	free(R.timestamp_v1.p);
	return 0;
}

static struct tuf_verifier *
verifier(void)
{
	struct tuf_verifier *v;

	assert_int_equal(tuf_verifier_new(GUN, &v), 0);
	tuf_verifier_set_clock(v, test_clock, &R.now);
	return v;
}

/* Loads the whole repository; returns the first failure. */
static int
load_all(struct tuf_verifier *v, const struct file *root,
    const struct file *ts, const struct file *snap, const struct file *tg,
    const struct file *rel, struct tuf_error *e)
{
	int r;

	if ((r = tuf_verifier_load_root(v, root->p, root->n, 1, e)) != 0 ||
	    (r = tuf_verifier_load_timestamp(v, ts->p, ts->n, e)) != 0 ||
	    (r = tuf_verifier_load_snapshot(v, snap->p, snap->n, e)) != 0 ||
	    (r = tuf_verifier_load_targets(v, "targets", tg->p, tg->n, e)) != 0)
		return r;
	return tuf_verifier_load_targets(v, "targets/releases", rel->p, rel->n,
	    e);
}

static struct file
tampered(const struct file *f, const char *needle, char with)
{
	struct file	 t;
	size_t		 i, nl = strlen(needle);

	t.n = f->n;
	t.p = malloc(f->n);
	memcpy(t.p, f->p, f->n);
	for (i = 0; i + nl <= t.n; i++)
		if (memcmp(t.p + i, needle, nl) == 0)
			break;
	assert_true(i + nl <= t.n);
	t.p[i + nl - 1] = (uint8_t)with;
	return t;
}

static void
test_good_repository(void **state)
{
	struct tuf_verifier	*v = verifier();
	struct tuf_error	 e;
	struct tuf_found	 f;
	const char		*docker[] = { "targets/releases", "targets" };

	(void)state;
	assert_int_equal(load_all(v, &R.root1, &R.timestamp, &R.snapshot,
	    &R.targets, &R.releases, &e), 0);
	assert_null(tuf_verifier_next_delegation(v));
	assert_int_equal(tuf_verifier_lookup(v, "v2", NULL, 0, &f), 0);
	assert_string_equal(f.role, "targets");
	assert_int_equal(f.fm.length, 1234);
	assert_int_equal(tuf_verifier_lookup(v, "v3", docker, 2, &f), 0);
	assert_string_equal(f.role, "targets/releases");
	assert_int_equal(tuf_verifier_lookup(v, "nope", NULL, 0, &f),
	    TUF_ERR_NOT_FOUND);
	tuf_verifier_free(v);
}

/* A changed byte inside each role's signed part breaks its signature. */
static void
test_changed_byte_each_role(void **state)
{
	struct tuf_verifier	*v;
	struct tuf_error	 e;
	struct file		 t;
	int			 i;

	(void)state;
	for (i = 0; i < 5; i++) {
		v = verifier();
		switch (i) {
		case 0:
			t = tampered(&R.root1, "\"version\":1", '7');
			assert_int_equal(load_all(v, &t, &R.timestamp,
			    &R.snapshot, &R.targets, &R.releases, &e),
			    TUF_ERR_THRESHOLD);
			assert_string_equal(e.role, "root");
			break;
		case 1:
			t = tampered(&R.timestamp, "\"version\":3", '8');
			assert_int_equal(load_all(v, &R.root1, &t, &R.snapshot,
			    &R.targets, &R.releases, &e), TUF_ERR_THRESHOLD);
			assert_string_equal(e.role, "timestamp");
			break;
		case 2:
			t = tampered(&R.snapshot, "\"version\":3", '8');
			assert_int_equal(load_all(v, &R.root1, &R.timestamp, &t,
			    &R.targets, &R.releases, &e), TUF_ERR_THRESHOLD);
			assert_string_equal(e.role, "snapshot");
			break;
		case 3:
			t = tampered(&R.targets, "\"v2", '9');
			assert_int_equal(load_all(v, &R.root1, &R.timestamp,
			    &R.snapshot, &t, &R.releases, &e),
			    TUF_ERR_THRESHOLD);
			assert_string_equal(e.role, "targets");
			break;
		default:
			t = tampered(&R.releases, "\"v3", '4');
			assert_int_equal(load_all(v, &R.root1, &R.timestamp,
			    &R.snapshot, &R.targets, &t, &e),
			    TUF_ERR_THRESHOLD);
			assert_string_equal(e.role, "targets/releases");
			break;
		}
		assert_non_null(strstr(e.message, ".json: "));
		free(t.p);
		tuf_verifier_free(v);
	}
}

static void
test_removed_signature(void **state)
{
	struct tuf_verifier	*v = verifier();
	struct tuf_meta		*m;
	struct tuf_error	 e;
	struct json_buf		 b;
	struct file		 t;

	(void)state;
	assert_int_equal(tuf_meta_parse(R.timestamp.p, R.timestamp.n,
	    "timestamp", NULL, &m, &e), 0);
	free(m->sigs[0].method);
	free(m->sigs[0].sig);
	m->nsigs = 0;
	json_buf_init(&b);
	assert_int_equal(tuf_meta_write(m, &b), 0);
	assert_int_equal(json_buf_detach(&b, &t.p, &t.n), 0);
	assert_int_equal(load_all(v, &R.root1, &t, &R.snapshot, &R.targets,
	    &R.releases, &e), TUF_ERR_NO_SIGNATURES);
	assert_string_equal(e.role, "timestamp");
	free(t.p);
	tuf_meta_free(m);
	tuf_verifier_free(v);
}

static void
test_rolled_back_version(void **state)
{
	struct tuf_verifier	*v = verifier();
	struct tuf_error	 e;

	(void)state;
	/* The client's trusted state has seen timestamp v3. */
	assert_int_equal(tuf_verifier_set_min_version(v, "timestamp", 3), 0);
	assert_int_equal(load_all(v, &R.root1, &R.timestamp_v1, &R.snapshot,
	    &R.targets, &R.releases, &e), TUF_ERR_ROLLBACK);
	assert_string_equal(e.role, "timestamp");
	tuf_verifier_free(v);
}

static void
test_expired_role(void **state)
{
	struct tuf_verifier	*v = verifier();
	struct tuf_error	 e;
	int64_t			 later = R.now + TUF_EXPIRY_TIMESTAMP + 60;

	(void)state;
	tuf_verifier_set_clock(v, test_clock, &later);
	assert_int_equal(load_all(v, &R.root1, &R.timestamp, &R.snapshot,
	    &R.targets, &R.releases, &e), TUF_ERR_EXPIRED);
	assert_string_equal(e.role, "timestamp");
	tuf_verifier_free(v);
}

static void
test_mix_and_match(void **state)
{
	struct tuf_verifier	*v = verifier();
	struct tuf_error	 e;

	(void)state;
	/* A validly signed but older snapshot under the newest timestamp. */
	assert_int_equal(load_all(v, &R.root1, &R.timestamp, &R.snapshot_old,
	    &R.targets, &R.releases, &e), TUF_ERR_HASH_MISMATCH);
	assert_string_equal(e.role, "snapshot");
	tuf_verifier_free(v);
}

static void
test_oversized_file(void **state)
{
	struct tuf_verifier	*v = verifier();
	struct tuf_error	 e;
	struct file		 t;

	(void)state;
	t.n = R.targets.n + 1;
	t.p = malloc(t.n);
	memcpy(t.p, R.targets.p, R.targets.n);
	t.p[R.targets.n] = ' ';
	assert_int_equal(load_all(v, &R.root1, &R.timestamp, &R.snapshot, &t,
	    &R.releases, &e), TUF_ERR_TOO_BIG);
	assert_string_equal(e.role, "targets");
	free(t.p);
	tuf_verifier_free(v);
}

static void
test_root_rotation_new_key_only(void **state)
{
	struct tuf_verifier	*v = verifier();
	struct tuf_error	 e;

	(void)state;
	assert_int_equal(tuf_verifier_load_root(v, R.root1.p, R.root1.n, 0,
	    &e), 0);
	assert_int_equal(tuf_verifier_load_root(v, R.root2_new_only.p,
	    R.root2_new_only.n, 1, &e), TUF_ERR_ROOT_ROTATION);
	assert_string_equal(e.role, "root");
	/* The same rotation cross-signed by the old key is accepted. */
	assert_int_equal(tuf_verifier_load_root(v, R.root2_both.p,
	    R.root2_both.n, 1, &e), 0);
	assert_int_equal(tuf_verifier_get(v, "root")->version, 2);
	/* And the client will not go back to v1. */
	assert_int_equal(tuf_verifier_load_root(v, R.root1.p, R.root1.n, 1,
	    &e), TUF_ERR_ROOT_ROTATION);
	tuf_verifier_free(v);
}

static void
test_root_cert_wrong_gun(void **state)
{
	struct tuf_verifier	*v;
	struct tuf_error	 e;

	(void)state;
	assert_int_equal(tuf_verifier_new("example.com/other", &v), 0);
	tuf_verifier_set_clock(v, test_clock, &R.now);
	assert_int_equal(tuf_verifier_load_root(v, R.root1.p, R.root1.n, 1,
	    &e), TUF_ERR_ROOT_CERT);
	assert_non_null(strstr(e.message, "CN"));
	tuf_verifier_free(v);
}

static void
test_out_of_order(void **state)
{
	struct tuf_verifier	*v = verifier();
	struct tuf_error	 e;

	(void)state;
	assert_int_equal(tuf_verifier_load_snapshot(v, R.snapshot.p,
	    R.snapshot.n, &e), TUF_ERR_ORDER);
	tuf_verifier_free(v);
}

/* Signs a targets-type file with the releases key, listing names. */
static void
deleg_file(const char *role, const char *const *names, size_t n,
    struct file *out, const char *child, const char *const *paths,
    size_t npaths)
{
	struct tuf_meta		*m = new_role(role, 1, TUF_EXPIRY_TARGETS);
	struct tuf_filemeta	 fm;
	struct softkey		*k = &R.rel;
	const char		*kid = R.rel.k.id;
	size_t			 i;

	for (i = 0; i < n; i++) {
		tuf_filemeta_of((const uint8_t *)role, strlen(role), 0, &fm);
		assert_int_equal(tuf_targets_set(&m->targets, names[i],
		    strlen(names[i]), &fm), 0);
	}
	if (child != NULL) {
		assert_int_equal(tuf_keyset_add(&m->targets.dkeys, &R.rel.k), 0);
		assert_int_equal(tuf_delegation_add(&m->targets, role, child,
		    &kid, 1, 1, paths, npaths), 0);
	}
	finish(m, &k, 1, out);
	tuf_meta_free(m);
}

static int
collect(void *ctx, const char *name, size_t nl, const struct tuf_filemeta *fm,
    const char *role)
{
	char	*out = ctx;
	size_t	 n = strlen(out);

	(void)fm;
	snprintf(out + n, 256 - n, "%.*s@%s;", (int)nl, name, role);
	return 0;
}

/*
 * Notary's GetTargetByName: breadth first from targets, delegations in file
 * order, each role's paths restricted by its parents'.
 *   targets      -> targets/a (paths "foo"), targets/releases (paths "")
 *   targets/a    -> targets/a/b (paths "foo/bar", "baz": "baz" not allowed)
 */
static void
test_lookup_order(void **state)
{
	static const char *const a_paths[] = { "foo" };
	static const char *const b_paths[] = { "foo/bar", "baz" };
	static const char *const all[] = { "" };
	static const char *const in_a[] = { "foo/x" };
	static const char *const in_b[] = { "baz/y", "foo/bar/z", "foo/x" };
	static const char *const in_rel[] = { "foo/bar/z", "rel" };
	const char		*docker[] = { "targets/releases", "targets" };
	const char		*kid = R.rel.k.id;
	struct file		 tg, fa, fb, frel, snap, ts;
	struct tuf_meta		*m;
	struct tuf_filemeta	 fm;
	struct tuf_verifier	*v = verifier();
	struct tuf_error	 e;
	struct tuf_found	 f;
	struct softkey		*k;
	const char		*next;

	(void)state;
	deleg_file("targets/a/b", in_b, 3, &fb, NULL, NULL, 0);
	deleg_file("targets/a", in_a, 1, &fa, "targets/a/b", b_paths, 2);
	deleg_file("targets/releases", in_rel, 2, &frel, NULL, NULL, 0);
	m = new_role("targets", 5, TUF_EXPIRY_TARGETS);
	assert_int_equal(tuf_keyset_add(&m->targets.dkeys, &R.rel.k), 0);
	assert_int_equal(tuf_delegation_add(&m->targets, "targets",
	    "targets/a", &kid, 1, 1, a_paths, 1), 0);
	assert_int_equal(tuf_delegation_add(&m->targets, "targets",
	    "targets/releases", &kid, 1, 1, all, 1), 0);
	assert_int_equal(tuf_delegation_allows(tuf_delegation_find(
	    &m->targets, "targets/a"), "bar", 3), TUF_ERR_PATHS);
	assert_int_equal(tuf_delegation_allows(tuf_delegation_find(
	    &m->targets, "targets/a"), "foo/1", 5), 0);
	k = &R.tgt;
	finish(m, &k, 1, &tg);
	tuf_meta_free(m);

	m = new_role("snapshot", 9, TUF_EXPIRY_SNAPSHOT);
	tuf_filemeta_of(R.root1.p, R.root1.n, 0, &fm);
	assert_int_equal(tuf_meta_set_filemeta(m, "root", &fm), 0);
	tuf_filemeta_of(tg.p, tg.n, 0, &fm);
	assert_int_equal(tuf_meta_set_filemeta(m, "targets", &fm), 0);
	tuf_filemeta_of(fa.p, fa.n, 0, &fm);
	assert_int_equal(tuf_meta_set_filemeta(m, "targets/a", &fm), 0);
	tuf_filemeta_of(fb.p, fb.n, 0, &fm);
	assert_int_equal(tuf_meta_set_filemeta(m, "targets/a/b", &fm), 0);
	tuf_filemeta_of(frel.p, frel.n, 0, &fm);
	assert_int_equal(tuf_meta_set_filemeta(m, "targets/releases", &fm), 0);
	k = &R.snap;
	finish(m, &k, 1, &snap);
	tuf_meta_free(m);
	m = new_role("timestamp", 9, TUF_EXPIRY_TIMESTAMP);
	tuf_filemeta_of(snap.p, snap.n, 1, &fm);
	assert_int_equal(tuf_meta_set_filemeta(m, "snapshot", &fm), 0);
	k = &R.ts;
	finish(m, &k, 1, &ts);
	tuf_meta_free(m);

	assert_int_equal(tuf_verifier_load_root(v, R.root1.p, R.root1.n, 1,
	    &e), 0);
	assert_int_equal(tuf_verifier_load_timestamp(v, ts.p, ts.n, &e), 0);
	assert_int_equal(tuf_verifier_load_snapshot(v, snap.p, snap.n, &e), 0);
	/* A delegation before its parent: refused. */
	assert_int_equal(tuf_verifier_load_targets(v, "targets/a", fa.p, fa.n,
	    &e), TUF_ERR_ORDER);
	assert_int_equal(tuf_verifier_load_targets(v, "targets", tg.p, tg.n,
	    &e), 0);
	/* Download order: depth first, children in file order. */
	next = tuf_verifier_next_delegation(v);
	assert_string_equal(next, "targets/a");
	assert_int_equal(tuf_verifier_load_targets(v, next, fa.p, fa.n, &e), 0);
	next = tuf_verifier_next_delegation(v);
	assert_string_equal(next, "targets/a/b");
	assert_int_equal(tuf_verifier_load_targets(v, next, fb.p, fb.n, &e), 0);
	next = tuf_verifier_next_delegation(v);
	assert_string_equal(next, "targets/releases");
	assert_int_equal(tuf_verifier_load_targets(v, next, frel.p, frel.n,
	    &e), 0);
	assert_null(tuf_verifier_next_delegation(v));

	/* Breadth first: targets/a (foo/x) before targets/a/b. */
	assert_int_equal(tuf_verifier_lookup(v, "foo/x", NULL, 0, &f), 0);
	assert_string_equal(f.role, "targets/a");
	/* targets/releases is visited before targets/a/b (one level deeper). */
	assert_int_equal(tuf_verifier_lookup(v, "foo/bar/z", NULL, 0, &f), 0);
	assert_string_equal(f.role, "targets/releases");
	/* "baz" is not within targets/a's "foo": targets/a/b may not sign it. */
	assert_int_equal(tuf_verifier_lookup(v, "baz/y", NULL, 0, &f),
	    TUF_ERR_NOT_FOUND);
	/* docker: targets/releases first, then the rest without it. */
	assert_int_equal(tuf_verifier_lookup(v, "rel", docker, 2, &f), 0);
	assert_string_equal(f.role, "targets/releases");
	assert_int_equal(tuf_verifier_lookup(v, "foo/x", docker, 2, &f), 0);
	assert_string_equal(f.role, "targets/a");
	/* Asking for the subtree of targets/a only. */
	{
		const char *sub[] = { "targets/a/b" };

		/* targets/a/b lists foo/x, but its paths ("foo/bar") do not. */
		assert_int_equal(tuf_verifier_lookup(v, "foo/x", sub, 1, &f),
		    TUF_ERR_NOT_FOUND);
		/* Only the subtree is walked: targets/releases is not asked. */
		assert_int_equal(tuf_verifier_lookup(v, "foo/bar/z", sub, 1,
		    &f), 0);
		assert_string_equal(f.role, "targets/a/b");
	}
	/* ListTargets: first role breadth first wins, paths applied. */
	{
		char listed[256] = "";

		assert_int_equal(tuf_verifier_list(v, collect, listed), 0);
		assert_string_equal(listed, "foo/x@targets/a;"
		    "foo/bar/z@targets/releases;rel@targets/releases;");
	}
	free(tg.p);
	free(fa.p);
	free(fb.p);
	free(frel.p);
	free(snap.p);
	free(ts.p);
	tuf_verifier_free(v);
}

/* RSA keys verify as Notary's rsapss and rsapkcs1v15 verifiers; small keys refused. */
static void
rsa_sig(EVP_PKEY *pk, int pss, const uint8_t *msg, size_t n, uint8_t *sig,
    size_t *sl)
{
	EVP_MD_CTX	*mc = EVP_MD_CTX_new();
	EVP_PKEY_CTX	*pc = NULL;

	assert_int_equal(EVP_DigestSignInit(mc, &pc, EVP_sha256(), NULL, pk), 1);
	if (pss) {
		EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PSS_PADDING);
		EVP_PKEY_CTX_set_rsa_pss_saltlen(pc, 32);
	}
	assert_int_equal(EVP_DigestSign(mc, sig, sl, msg, n), 1);
	EVP_MD_CTX_free(mc);
}

static void
test_rsa_methods(void **state)
{
	static const uint8_t	 msg[] = "{\"_type\":\"Targets\"}";
	EVP_PKEY		*pk, *small;
	struct tuf_key		 k, ks;
	unsigned char		*der = NULL;
	uint8_t			 sig[512];
	size_t			 sl = sizeof(sig);
	int			 n;

	(void)state;
	pk = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	assert_non_null(pk);
	n = i2d_PUBKEY(pk, &der);
	assert_int_equal(tuf_key_from_spki(&k, der, (size_t)n), 0);
	OPENSSL_free(der);
	der = NULL;
	assert_string_equal(k.type, "rsa");
	assert_string_equal(tuf_key_method(&k), "rsapss");
	rsa_sig(pk, 1, msg, sizeof(msg) - 1, sig, &sl);
	assert_int_equal(tuf_sig_verify(&k, "rsapss", sig, sl, msg,
	    sizeof(msg) - 1), 0);
	assert_int_equal(tuf_sig_verify(&k, "rsapkcs1v15", sig, sl, msg,
	    sizeof(msg) - 1), TUF_ERR_BAD_SIGNATURE);
	assert_int_equal(tuf_sig_verify(&k, "ecdsa", sig, sl, msg,
	    sizeof(msg) - 1), TUF_ERR_BAD_SIGNATURE);
	sl = sizeof(sig);
	rsa_sig(pk, 0, msg, sizeof(msg) - 1, sig, &sl);
	assert_int_equal(tuf_sig_verify(&k, "rsapkcs1v15", sig, sl, msg,
	    sizeof(msg) - 1), 0);
	tuf_key_cleanup(&k);

	small = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	n = i2d_PUBKEY(small, &der);
	assert_int_equal(tuf_key_from_spki(&ks, der, (size_t)n), 0);
	OPENSSL_free(der);
	sl = sizeof(sig);
	rsa_sig(small, 1, msg, sizeof(msg) - 1, sig, &sl);
	assert_int_equal(tuf_sig_verify(&ks, "rsapss", sig, sl, msg,
	    sizeof(msg) - 1), TUF_ERR_BAD_SIGNATURE);
	tuf_key_cleanup(&ks);
	EVP_PKEY_free(small);
	EVP_PKEY_free(pk);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_repository),
		cmocka_unit_test(test_changed_byte_each_role),
		cmocka_unit_test(test_removed_signature),
		cmocka_unit_test(test_rolled_back_version),
		cmocka_unit_test(test_expired_role),
		cmocka_unit_test(test_mix_and_match),
		cmocka_unit_test(test_oversized_file),
		cmocka_unit_test(test_root_rotation_new_key_only),
		cmocka_unit_test(test_root_cert_wrong_gun),
		cmocka_unit_test(test_out_of_order),
		cmocka_unit_test(test_rsa_methods),
		cmocka_unit_test(test_lookup_order),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
