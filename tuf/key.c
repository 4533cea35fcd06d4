/* SPDX-License-Identifier: Apache-2.0 */
/* TUF public keys: IDs, construction from SPKI or certificates, signature checks. */
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "tuf_impl.h"

int
tuf_key_id(const char *type, const uint8_t *pub, size_t pub_len,
    char id[TUF_KEYID_LEN + 1])
{
	struct json_buf	 b;
	uint8_t		 md[32];
	int		 r = TUF_ERR_NOMEM;

	json_buf_init(&b);
	/* Notary hashes the sign form of the key with its private half null. */
	json_put_raw(&b, "{\"keytype\":", 11);
	tuf_put_sstr(&b, type, strlen(type));
	json_put_raw(&b, ",\"keyval\":{\"private\":null,\"public\":\"", 36);
	tuf_put_b64(&b, pub, pub_len);
	json_put_raw(&b, "\"}}", 3);
	if (b.err) {
		/* json/ refuses a keytype that is not UTF-8. */
		r = b.err == JSON_ERR_NOMEM ? TUF_ERR_NOMEM : TUF_ERR_KEY;
		goto out;
	}
	if (EVP_Digest(b.data, b.len, md, NULL, EVP_sha256(), NULL) != 1) {
		r = TUF_ERR_CRYPTO;
		goto out;
	}
	tuf_hex(md, sizeof(md), id);
	r = 0;
out:
	json_buf_cleanup(&b);
	return r;
}

int
tuf_key_init(struct tuf_key *k, const char *type, const uint8_t *pub,
    size_t pub_len)
{
	int r;

	memset(k, 0, sizeof(*k));
	if (type == NULL || (pub == NULL && pub_len > 0))
		return TUF_ERR_INVAL;
	if ((k->type = strdup(type)) == NULL ||
	    (k->pub = malloc(pub_len ? pub_len : 1)) == NULL) {
		tuf_key_cleanup(k);
		return TUF_ERR_NOMEM;
	}
	if (pub_len)
		memcpy(k->pub, pub, pub_len);
	k->pub_len = pub_len;
	if ((r = tuf_key_id(type, pub, pub_len, k->id)) != 0)
		tuf_key_cleanup(k);
	return r;
}

int
tuf_key_copy(struct tuf_key *dst, const struct tuf_key *src)
{
	return tuf_key_init(dst, src->type, src->pub, src->pub_len);
}

void
tuf_key_cleanup(struct tuf_key *k)
{
	if (k == NULL)
		return;
	free(k->type);
	free(k->pub);
	memset(k, 0, sizeof(*k));
}

const char *
tuf_key_method(const struct tuf_key *k)
{
	if (strcmp(k->type, "ecdsa") == 0 || strcmp(k->type, "ecdsa-x509") == 0)
		return "ecdsa";
	if (strcmp(k->type, "ed25519") == 0)
		return "eddsa";
	if (strcmp(k->type, "rsa") == 0 || strcmp(k->type, "rsa-x509") == 0)
		return "rsapss";
	return NULL;
}

int
tuf_key_from_spki(struct tuf_key *k, const uint8_t *der, size_t len)
{
	const unsigned char	*p = der;
	EVP_PKEY		*pk;
	uint8_t			 raw[32];
	size_t			 rawlen = sizeof(raw);
	int			 r;

	memset(k, 0, sizeof(*k));
	if (der == NULL || len == 0 || len > 16384)
		return TUF_ERR_INVAL;
	if ((pk = d2i_PUBKEY(NULL, &p, (long)len)) == NULL || p != der + len) {
		EVP_PKEY_free(pk);
		return TUF_ERR_KEY;
	}
	switch (EVP_PKEY_get_base_id(pk)) {
	case EVP_PKEY_EC:
		r = tuf_key_init(k, "ecdsa", der, len);
		break;
	case EVP_PKEY_RSA:
		r = tuf_key_init(k, "rsa", der, len);
		break;
	case EVP_PKEY_ED25519:
		if (EVP_PKEY_get_raw_public_key(pk, raw, &rawlen) != 1 ||
		    rawlen != 32) {
			r = TUF_ERR_KEY;
			break;
		}
		r = tuf_key_init(k, "ed25519", raw, rawlen);
		break;
	default:
		r = TUF_ERR_UNSUPPORTED;
	}
	EVP_PKEY_free(pk);
	return r;
}

/* The first certificate in PEM text, or NULL. */
static X509 *
cert_from_pem(const uint8_t *pem, size_t len)
{
	BIO	*bio;
	X509	*x;

	if (len == 0 || len > 65536)
		return NULL;
	if ((bio = BIO_new_mem_buf(pem, (int)len)) == NULL)
		return NULL;
	x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	BIO_free(bio);
	return x;
}

int
tuf_key_from_cert_pem(struct tuf_key *k, const char *pem, size_t len)
{
	X509		*x;
	EVP_PKEY	*pk;
	int		 r;

	memset(k, 0, sizeof(*k));
	if (pem == NULL)
		return TUF_ERR_INVAL;
	if ((x = cert_from_pem((const uint8_t *)pem, len)) == NULL)
		return TUF_ERR_KEY;
	pk = X509_get0_pubkey(x);
	if (pk != NULL && EVP_PKEY_get_base_id(pk) == EVP_PKEY_EC)
		r = tuf_key_init(k, "ecdsa-x509", (const uint8_t *)pem, len);
	else if (pk != NULL && EVP_PKEY_get_base_id(pk) == EVP_PKEY_RSA)
		r = tuf_key_init(k, "rsa-x509", (const uint8_t *)pem, len);
	else
		r = TUF_ERR_UNSUPPORTED;
	X509_free(x);
	return r;
}

/*
 * P-256 keys, nearly all of Notary's, skip OpenSSL 3.0's decoder: building a
 * decoder context costs about 1.3 M instructions (callgrind), a third of
 * trustctl's work outside TLS. The DER of a P-256 SubjectPublicKeyInfo with an
 * uncompressed point is always this prefix and the point's 64 coordinate
 * bytes; anything else takes the general path.
 */
static const uint8_t p256_spki[] = {
	0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02,
	0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03,
	0x42, 0x00, 0x04 };
#define P256_SPKI_LEN	(sizeof(p256_spki) + 64)

/* The key of a P-256 SPKI (exactly P256_SPKI_LEN bytes), or NULL. */
static EVP_PKEY *
p256_pkey(const uint8_t *spki, size_t len)
{
	EVP_PKEY_CTX	*ctx;
	EVP_PKEY	*pk = NULL;
	OSSL_PARAM	 prm[3];

	if (len != P256_SPKI_LEN || memcmp(spki, p256_spki,
	    sizeof(p256_spki)) != 0)
		return NULL;
	prm[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
	    (char *)"prime256v1", 0);
	prm[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY,
	    (void *)(spki + sizeof(p256_spki) - 1), 65);
	prm[2] = OSSL_PARAM_construct_end();
	/* fromdata refuses a point that is not on the curve. */
	if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_PUBLIC_KEY, prm) != 1)
		pk = NULL;
	EVP_PKEY_CTX_free(ctx);
	return pk;
}

/* One DER element in [*p, end): definite length, at most 4 length bytes. */
static int
der_next(const uint8_t **p, const uint8_t *end, uint8_t tag,
    const uint8_t **body, const uint8_t **bend)
{
	const uint8_t	*q = *p;
	size_t		 len, n;

	if (end - q < 2 || q[0] != tag)
		return -1;
	len = q[1];
	q += 2;
	if (len & 0x80) {
		n = len & 0x7f;
		if (n == 0 || n > 4 || (size_t)(end - q) < n)
			return -1;
		for (len = 0; n > 0; n--)
			len = (len << 8) | *q++;
	}
	if ((size_t)(end - q) < len)
		return -1;
	*body = q;
	*bend = q + len;
	*p = q + len;
	return 0;
}

/*
 * The subjectPublicKeyInfo of a certificate's DER, walked to, not parsed:
 * Certificate = SEQUENCE { tbs, algorithm, signature } with nothing after
 * it; tbs = SEQUENCE { [0] version OPTIONAL, serial, signature, issuer,
 * validity, subject, subjectPublicKeyInfo, ... }.
 */
static int
cert_spki(const uint8_t *der, size_t len, const uint8_t **spki, size_t *slen)
{
	static const uint8_t	 tags[] = { 0x02, 0x30, 0x30, 0x30, 0x30 };
	const uint8_t		*p = der, *end = der + len, *c, *ce, *t, *te;
	const uint8_t		*s, *b, *be;
	size_t			 i;

	if (der_next(&p, end, 0x30, &c, &ce) != 0 || p != end)
		return -1;
	p = c;
	if (der_next(&p, ce, 0x30, &t, &te) != 0 ||
	    der_next(&p, ce, 0x30, &b, &be) != 0 ||
	    der_next(&p, ce, 0x03, &b, &be) != 0 || p != ce)
		return -1;
	p = t;
	if (p < te && *p == 0xa0 && der_next(&p, te, 0xa0, &b, &be) != 0)
		return -1;
	for (i = 0; i < sizeof(tags); i++)
		if (der_next(&p, te, tags[i], &b, &be) != 0)
			return -1;
	s = p;
	if (der_next(&p, te, 0x30, &b, &be) != 0)
		return -1;
	*spki = s;
	*slen = (size_t)(p - s);
	return 0;
}

/* A P-256 key from a PEM certificate without the decoder, or NULL. */
static EVP_PKEY *
cert_p256_pkey(const uint8_t *pem, size_t len)
{
	BIO		*bio;
	char		*name = NULL, *header = NULL;
	unsigned char	*der = NULL;
	const uint8_t	*spki;
	long		 dlen = 0;
	size_t		 slen;
	EVP_PKEY	*pk = NULL;

	if (len == 0 || len > 65536 ||
	    (bio = BIO_new_mem_buf(pem, (int)len)) == NULL)
		return NULL;
	if (PEM_read_bio(bio, &name, &header, &der, &dlen) == 1 &&
	    strcmp(name, PEM_STRING_X509) == 0 && dlen > 0 &&
	    cert_spki(der, (size_t)dlen, &spki, &slen) == 0)
		pk = p256_pkey(spki, slen);
	BIO_free(bio);
	OPENSSL_free(name);
	OPENSSL_free(header);
	OPENSSL_free(der);
	return pk;
}

/* The verifying key of k, following Notary's getRSAPubKey/ECDSAVerifier. */
static EVP_PKEY *
key_pkey(const struct tuf_key *k, int *is_x509)
{
	const unsigned char	*p = k->pub;
	EVP_PKEY		*pk = NULL;
	X509			*x;

	*is_x509 = 0;
	if (strcmp(k->type, "ecdsa") == 0 || strcmp(k->type, "rsa") == 0) {
		if (k->pub_len == 0 || k->pub_len > 65536)
			return NULL;
		if ((pk = p256_pkey(k->pub, k->pub_len)) != NULL)
			return pk;
		pk = d2i_PUBKEY(NULL, &p, (long)k->pub_len);
		if (pk != NULL && p != k->pub + k->pub_len) {
			EVP_PKEY_free(pk);
			pk = NULL;
		}
	} else if (strcmp(k->type, "ecdsa-x509") == 0 ||
	    strcmp(k->type, "rsa-x509") == 0) {
		*is_x509 = 1;
		if ((pk = cert_p256_pkey(k->pub, k->pub_len)) != NULL)
			return pk;
		if ((x = cert_from_pem(k->pub, k->pub_len)) == NULL)
			return NULL;
		pk = X509_get_pubkey(x);
		X509_free(x);
	} else if (strcmp(k->type, "ed25519") == 0 && k->pub_len == 32) {
		pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL,
		    k->pub, k->pub_len);
	}
	return pk;
}

static int
verify_digest(EVP_PKEY *pk, const EVP_MD *md, int pss, const uint8_t *sig,
    size_t sig_len, const uint8_t *msg, size_t msg_len)
{
	EVP_MD_CTX	*ctx;
	EVP_PKEY_CTX	*pctx = NULL;
	int		 ok = 0;

	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return TUF_ERR_NOMEM;
	if (EVP_DigestVerifyInit(ctx, &pctx, md, NULL, pk) != 1)
		goto out;
	if (pss && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32) != 1 ||
	    EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) != 1))
		goto out;
	ok = EVP_DigestVerify(ctx, sig, sig_len, msg, msg_len) == 1;
out:
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : TUF_ERR_BAD_SIGNATURE;
}

static int
verify_ecdsa(EVP_PKEY *pk, const uint8_t *sig, size_t sig_len,
    const uint8_t *msg, size_t msg_len)
{
	ECDSA_SIG	*es = NULL;
	BIGNUM		*r = NULL, *s = NULL;
	unsigned char	*der = NULL;
	int		 derlen, bits, rc = TUF_ERR_BAD_SIGNATURE;
	size_t		 half;

	if (EVP_PKEY_get_base_id(pk) != EVP_PKEY_EC)
		return TUF_ERR_BAD_SIGNATURE;
	bits = EVP_PKEY_get_bits(pk);
	half = (size_t)(bits + 7) / 8;
	/* Notary: raw r||s, exactly twice the field size. */
	if (bits <= 0 || sig_len != 2 * half)
		return TUF_ERR_BAD_SIGNATURE;
	if ((es = ECDSA_SIG_new()) == NULL ||
	    (r = BN_bin2bn(sig, (int)half, NULL)) == NULL ||
	    (s = BN_bin2bn(sig + half, (int)half, NULL)) == NULL) {
		rc = TUF_ERR_NOMEM;
		goto out;
	}
	if (ECDSA_SIG_set0(es, r, s) != 1) {
		rc = TUF_ERR_CRYPTO;
		goto out;
	}
	r = s = NULL;	/* transferred */
	if ((derlen = i2d_ECDSA_SIG(es, &der)) <= 0) {
		rc = TUF_ERR_CRYPTO;
		goto out;
	}
	rc = verify_digest(pk, EVP_sha256(), 0, der, (size_t)derlen, msg,
	    msg_len);
out:
	BN_free(r);
	BN_free(s);
	ECDSA_SIG_free(es);
	OPENSSL_free(der);
	return rc;
}

static int
verify_rsa(EVP_PKEY *pk, int pss, const uint8_t *sig, size_t sig_len,
    const uint8_t *msg, size_t msg_len)
{
	if (EVP_PKEY_get_base_id(pk) != EVP_PKEY_RSA ||
	    EVP_PKEY_get_bits(pk) < 2048 || sig_len < 256)
		return TUF_ERR_BAD_SIGNATURE;
	return verify_digest(pk, EVP_sha256(), pss, sig, sig_len, msg,
	    msg_len);
}

int
tuf_sig_verify(const struct tuf_key *k, const char *method,
    const uint8_t *sig, size_t sig_len, const uint8_t *msg, size_t msg_len)
{
	EVP_PKEY	*pk = NULL;
	int		 x509, r;

	if (k == NULL || method == NULL || sig == NULL || msg == NULL)
		return TUF_ERR_INVAL;
	if (strcmp(method, "pycrypto-pkcs#1 pss") == 0) {
		/* Notary's PyCrypto verifier: "rsa" key whose public is PEM. */
		BIO *bio;

		if (strcmp(k->type, "rsa") != 0 || k->pub_len > 65536)
			return TUF_ERR_BAD_SIGNATURE;
		if ((bio = BIO_new_mem_buf(k->pub, (int)k->pub_len)) == NULL)
			return TUF_ERR_NOMEM;
		pk = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
		BIO_free(bio);
		if (pk == NULL)
			return TUF_ERR_BAD_SIGNATURE;
		r = verify_rsa(pk, 1, sig, sig_len, msg, msg_len);
		EVP_PKEY_free(pk);
		return r;
	}
	if (strcmp(method, "ecdsa") != 0 && strcmp(method, "eddsa") != 0 &&
	    strcmp(method, "rsapss") != 0 && strcmp(method, "rsapkcs1v15") != 0)
		return TUF_ERR_UNSUPPORTED;
	if (strcmp(method, "eddsa") == 0 && strcmp(k->type, "ed25519") != 0)
		return TUF_ERR_BAD_SIGNATURE;
	if ((pk = key_pkey(k, &x509)) == NULL)
		return TUF_ERR_BAD_SIGNATURE;
	if (strcmp(method, "ecdsa") == 0) {
		r = strcmp(k->type, "ecdsa") == 0 ||
		    strcmp(k->type, "ecdsa-x509") == 0 ?
		    verify_ecdsa(pk, sig, sig_len, msg, msg_len) :
		    TUF_ERR_BAD_SIGNATURE;
	} else if (strcmp(method, "eddsa") == 0) {
		r = sig_len == 64 ? verify_digest(pk, NULL, 0, sig, sig_len,
		    msg, msg_len) : TUF_ERR_BAD_SIGNATURE;
	} else {
		r = strcmp(k->type, "rsa") == 0 ||
		    strcmp(k->type, "rsa-x509") == 0 ?
		    verify_rsa(pk, strcmp(method, "rsapss") == 0, sig, sig_len,
		    msg, msg_len) : TUF_ERR_BAD_SIGNATURE;
	}
	EVP_PKEY_free(pk);
	return r;
}

/* ---- key sets, kept sorted by ID ---- */

static size_t
keyset_pos(const struct tuf_keyset *ks, const char *id, int *found)
{
	size_t	 lo = 0, hi = ks->n, mid;
	int	 c;

	*found = 0;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strcmp(ks->keys[mid].id, id);
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

const struct tuf_key *
tuf_keyset_find(const struct tuf_keyset *ks, const char *id)
{
	int	 found;
	size_t	 i;

	if (ks == NULL || id == NULL)
		return NULL;
	i = keyset_pos(ks, id, &found);
	return found ? &ks->keys[i] : NULL;
}

int
tuf_keyset_add(struct tuf_keyset *ks, const struct tuf_key *k)
{
	struct tuf_key	 copy;
	size_t		 i;
	int		 found, r;

	if (ks == NULL || k == NULL)
		return TUF_ERR_INVAL;
	i = keyset_pos(ks, k->id, &found);
	if (found)
		return TUF_ERR_EXISTS;
	if (ks->n == ks->cap) {
		size_t	 ncap = ks->cap ? ks->cap * 2 : 4;
		void	*p = realloc(ks->keys, ncap * sizeof(*ks->keys));
		if (p == NULL)
			return TUF_ERR_NOMEM;
		ks->keys = p;
		ks->cap = ncap;
	}
	if ((r = tuf_key_copy(&copy, k)) != 0)
		return r;
	/* A parsed key keeps the ID it was filed under (checked by the parser). */
	memcpy(copy.id, k->id, sizeof(copy.id));
	memmove(&ks->keys[i + 1], &ks->keys[i], (ks->n - i) * sizeof(*ks->keys));
	ks->keys[i] = copy;
	ks->n++;
	return 0;
}

int
tuf_keyset_remove(struct tuf_keyset *ks, const char *id)
{
	size_t	 i;
	int	 found;

	if (ks == NULL || id == NULL)
		return TUF_ERR_INVAL;
	i = keyset_pos(ks, id, &found);
	if (!found)
		return TUF_ERR_NOT_FOUND;
	tuf_key_cleanup(&ks->keys[i]);
	memmove(&ks->keys[i], &ks->keys[i + 1],
	    (ks->n - i - 1) * sizeof(*ks->keys));
	ks->n--;
	return 0;
}

void
tuf_keyset_cleanup(struct tuf_keyset *ks)
{
	size_t i;

	for (i = 0; i < ks->n; i++)
		tuf_key_cleanup(&ks->keys[i]);
	free(ks->keys);
	memset(ks, 0, sizeof(*ks));
}
