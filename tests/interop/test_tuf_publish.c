/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The other direction: a repository built and signed by tuf/ (software keys
 * through the signing callback, as a token would sign), published through
 * notary_http with a server-managed snapshot and timestamp, as trustctl
 * will. Prints what it published, one "NAME HEX SIZE ROLE" line per target,
 * for tuf-publish.sh to compare with the real notary client and docker CLI.
 *
 *   test_tuf_publish URL CA GUN OUTFILE
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "json.h"
#include "notary_http.h"
#include "tuf.h"

#define FAIL(...) do {							\
	fprintf(stderr, "test_tuf_publish: " __VA_ARGS__);		\
	fputc('\n', stderr);						\
	exit(1);							\
} while (0)

struct softkey {
	EVP_PKEY	*pk;
	struct tuf_key	 k;
};

struct file {
	uint8_t	*p;
	size_t	 n;
};

static int
soft_sign(void *ctx, const struct tuf_key *key, const uint8_t *msg,
    size_t msg_len, uint8_t *sig, size_t cap, size_t *sig_len)
{
	struct softkey *sk = ctx;
	EVP_MD_CTX *mc = EVP_MD_CTX_new();
	uint8_t der[160];
	size_t dl = sizeof(der);
	ECDSA_SIG *es = NULL;
	const unsigned char *p = der;
	const BIGNUM *br, *bs;
	int r = -1;

	(void)key;
	if (mc == NULL || cap < 64 ||
	    EVP_DigestSignInit(mc, NULL, EVP_sha256(), NULL, sk->pk) != 1 ||
	    EVP_DigestSign(mc, der, &dl, msg, msg_len) != 1 ||
	    (es = d2i_ECDSA_SIG(NULL, &p, (long)dl)) == NULL)
		goto out;
	/* Notary's ECDSA signatures are raw r||s, not DER. */
	ECDSA_SIG_get0(es, &br, &bs);
	if (BN_bn2binpad(br, sig, 32) != 32 || BN_bn2binpad(bs, sig + 32, 32) != 32)
		goto out;
	*sig_len = 64;
	r = 0;
out:
	ECDSA_SIG_free(es);
	EVP_MD_CTX_free(mc);
	return r;
}

static void
softkey_new(struct softkey *sk)
{
	unsigned char *der = NULL;
	int n;

	if ((sk->pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")) == NULL ||
	    (n = i2d_PUBKEY(sk->pk, &der)) <= 0 ||
	    tuf_key_from_spki(&sk->k, der, (size_t)n) != 0)
		FAIL("key generation failed");
	OPENSSL_free(der);
}

static int
ext_add(X509 *x, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *e;
	int ok;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	if ((e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value)) == NULL)
		return 0;
	ok = X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
	return ok;
}

/* A root certificate as notary makes it (notary-facts.md). */
static char *
root_cert(struct softkey *sk, const char *gun, int64_t now)
{
	X509 *x = X509_new();
	X509_NAME *nm = X509_NAME_new();
	BIO *bio = BIO_new(BIO_s_mem());
	BIGNUM *serial = BN_new();
	BUF_MEM *bm;
	char *pem;

	if (x == NULL || nm == NULL || bio == NULL || serial == NULL ||
	    X509_set_version(x, 2) != 1 ||
	    BN_rand(serial, 128, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
	    BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(x)) == NULL ||
	    X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_UTF8,
	    (const unsigned char *)gun, -1, -1, 0) != 1 ||
	    X509_set_subject_name(x, nm) != 1 ||
	    X509_set_issuer_name(x, nm) != 1 ||
	    ASN1_TIME_set(X509_getm_notBefore(x), (time_t)now) == NULL ||
	    ASN1_TIME_set(X509_getm_notAfter(x),
	    (time_t)(now + TUF_EXPIRY_ROOT)) == NULL ||
	    X509_set_pubkey(x, sk->pk) != 1 ||
	    !ext_add(x, NID_key_usage, "critical,digitalSignature,keyEncipherment") ||
	    !ext_add(x, NID_ext_key_usage, "codeSigning") ||
	    !ext_add(x, NID_basic_constraints, "critical,CA:FALSE") ||
	    X509_sign(x, sk->pk, EVP_sha256()) <= 0 ||
	    PEM_write_bio_X509(bio, x) != 1)
		FAIL("root certificate failed");
	BIO_get_mem_ptr(bio, &bm);
	if ((pem = calloc(1, bm->length + 1)) == NULL)
		FAIL("out of memory");
	memcpy(pem, bm->data, bm->length);
	tuf_key_cleanup(&sk->k);
	if (tuf_key_from_cert_pem(&sk->k, pem, bm->length) != 0)
		FAIL("tuf_key_from_cert_pem failed");
	BN_free(serial);
	BIO_free(bio);
	X509_NAME_free(nm);
	X509_free(x);
	return pem;
}

static void
finish(struct tuf_meta *m, struct softkey *sk, struct file *f)
{
	struct tuf_signer s = { &sk->k, soft_sign, sk };
	struct tuf_error err;
	struct json_buf b;

	memset(&err, 0, sizeof(err));
	if (tuf_meta_sign(m, &s, 1, &err) != 0)
		FAIL("tuf_meta_sign %s: %s", m->role, err.message);
	json_buf_init(&b);
	if (tuf_meta_write(m, &b) != 0 || json_buf_detach(&b, &f->p, &f->n) != 0)
		FAIL("tuf_meta_write %s failed", m->role);
	json_buf_cleanup(&b);
}

/* The server's ed25519 key for role, from GET <role>.key. */
static void
server_key(struct notary_http *h, const char *gun, const char *role,
    struct tuf_key *k)
{
	struct json_doc *doc = NULL;
	const struct json_value *kv;
	const char *type, *pub64;
	uint8_t *body = NULL, *pub = NULL;
	size_t len, publen;
	int r;

	if ((r = notary_http_get_key(h, gun, role, &body, &len)) != 0)
		FAIL("GET %s.key: %s", role,
		    notary_http_last_error(h)->message);
	if (json_doc_parse(body, len, NULL, &doc, NULL) != 0 ||
	    (type = json_value_str(json_object_get(json_doc_root(doc),
	    "keytype"), NULL)) == NULL ||
	    (kv = json_object_get(json_doc_root(doc), "keyval")) == NULL ||
	    (pub64 = json_value_str(json_object_get(kv, "public"), NULL)) ==
	    NULL ||
	    tuf_b64_decode(pub64, strlen(pub64), &pub, &publen) != 0 ||
	    tuf_key_init(k, type, pub, publen) != 0)
		FAIL("%s.key: unexpected answer", role);
	free(pub);
	free(body);
	json_doc_free(doc);
}

struct tag {
	const char	*name;
	const char	*content;
};

static void
add_tags(struct tuf_meta *m, const struct tag *t, size_t n, FILE *out)
{
	struct tuf_filemeta fm;
	size_t i, j;

	for (i = 0; i < n; i++) {
		tuf_filemeta_of((const uint8_t *)t[i].content,
		    strlen(t[i].content), 0, &fm);
		if (tuf_targets_set(&m->targets, t[i].name, strlen(t[i].name),
		    &fm) != 0)
			FAIL("tuf_targets_set %s failed", t[i].name);
		fprintf(out, "%s ", t[i].name);
		for (j = 0; j < 32; j++)
			fprintf(out, "%02x", fm.sha256[j]);
		fprintf(out, " %lld %s\n", (long long)fm.length, m->role);
	}
}

int
main(int argc, char **argv)
{
	static const struct tag top[] = {
		{ "v1", "one" },
		{ "a<b>&c", "escaped" },
		{ "line\xe2\x80\xa8sep", "separator" },
		{ "caf\xc3\xa9", "unicode" },
	};
	static const struct tag rel[] = {
		{ "r1", "release one" },
		{ "r<&>2", "release two" },
	};
	struct notary_http_opts o;
	struct notary_http *h = NULL;
	struct softkey root, tgt, relk;
	struct tuf_key snap, ts;
	struct tuf_meta *m;
	struct tuf_time exp;
	struct file froot, ftargets, frel;
	struct notary_http_file files[3];
	const char *kid, *path = "";
	char *pem;
	int64_t now = (int64_t)time(NULL);
	FILE *out;
	int r;

	if (argc != 5) {
		fprintf(stderr, "usage: %s URL CA GUN OUTFILE\n", argv[0]);
		return 2;
	}
	if ((out = fopen(argv[4], "w")) == NULL)
		FAIL("cannot write %s", argv[4]);
	memset(&o, 0, sizeof(o));
	o.server = argv[1];
	o.ca_file = argv[2];
	if ((r = notary_http_new(&o, &h)) != 0)
		FAIL("notary_http_new: %s", notary_http_strerror(r));

	memset(&snap, 0, sizeof(snap));
	memset(&ts, 0, sizeof(ts));
	server_key(h, argv[3], "timestamp", &ts);
	server_key(h, argv[3], "snapshot", &snap);
	softkey_new(&root);
	softkey_new(&tgt);
	softkey_new(&relk);
	pem = root_cert(&root, argv[3], now);

	exp = tuf_time_from_sec(now + TUF_EXPIRY_ROOT);
	if (tuf_root_build(pem, strlen(pem), &tgt.k, &snap, &ts, 1, &exp,
	    &m) != 0)
		FAIL("tuf_root_build failed");
	finish(m, &root, &froot);
	tuf_meta_free(m);

	if (tuf_meta_new("targets", &m) != 0)
		FAIL("tuf_meta_new failed");
	m->version = 1;
	m->expires = tuf_time_from_sec(now + TUF_EXPIRY_TARGETS);
	add_tags(m, top, sizeof(top) / sizeof(top[0]), out);
	kid = relk.k.id;
	if (tuf_keyset_add(&m->targets.dkeys, &relk.k) != 0 ||
	    tuf_delegation_add(&m->targets, "targets", "targets/releases",
	    &kid, 1, 1, &path, 1) != 0)
		FAIL("delegation failed");
	finish(m, &tgt, &ftargets);
	tuf_meta_free(m);

	if (tuf_meta_new("targets/releases", &m) != 0)
		FAIL("tuf_meta_new failed");
	m->version = 1;
	m->expires = tuf_time_from_sec(now + TUF_EXPIRY_TARGETS);
	add_tags(m, rel, sizeof(rel) / sizeof(rel[0]), out);
	finish(m, &relk, &frel);
	tuf_meta_free(m);

	/* The server makes snapshot and timestamp. */
	files[0] = (struct notary_http_file){ "root", froot.p, froot.n };
	files[1] = (struct notary_http_file){ "targets", ftargets.p, ftargets.n };
	files[2] = (struct notary_http_file){ "targets/releases", frel.p, frel.n };
	if ((r = notary_http_publish(h, argv[3], files, 3)) != 0)
		FAIL("publish: %s", notary_http_last_error(h)->message);
	printf("published %s: root %zu, targets %zu, targets/releases %zu bytes\n",
	    argv[3], froot.n, ftargets.n, frel.n);

	if (fclose(out) != 0)
		FAIL("cannot write %s", argv[4]);
	notary_http_free(h);
	free(froot.p);
	free(ftargets.p);
	free(frel.p);
	free(pem);
	EVP_PKEY_free(root.pk);
	EVP_PKEY_free(tgt.pk);
	EVP_PKEY_free(relk.pk);
	tuf_key_cleanup(&root.k);
	tuf_key_cleanup(&tgt.k);
	tuf_key_cleanup(&relk.k);
	tuf_key_cleanup(&snap);
	tuf_key_cleanup(&ts);
	return 0;
}
