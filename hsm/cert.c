/* SPDX-License-Identifier: Apache-2.0 */
/* The self-signed root certificate in Notary's profile, signed by the token and stored beside its key. */
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "hsm_int.h"

/* Go's encoder (Notary) writes a CN as PrintableString when it can. */
static int
printable(const char *s)
{
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || strchr(" '()+,-./:=?", *s)))
			return 0;
	return 1;
}

static int
cert_fields(X509 *x, const char *gun, unsigned int days, EVP_PKEY *pub)
{
	static const struct { int nid; const char *val; } ext[] = {
		{ NID_key_usage, "critical,digitalSignature,keyEncipherment" },
		{ NID_ext_key_usage, "codeSigning" },
		{ NID_basic_constraints, "critical,CA:FALSE" } };
	unsigned char rnd[16];
	X509_NAME *name = NULL;
	X509_EXTENSION *e;
	X509V3_CTX ctx;
	BIGNUM *bn = NULL;
	size_t i;
	int ok = 0;

	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		goto out;
	rnd[0] |= rnd[0] == 0 ? 1 : 0;	/* never a zero serial */
	if ((bn = BN_bin2bn(rnd, sizeof(rnd), NULL)) == NULL ||
	    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) == NULL ||
	    !X509_set_version(x, X509_VERSION_3) ||
	    (name = X509_NAME_new()) == NULL)
		goto out;
	if (!X509_NAME_add_entry_by_NID(name, NID_commonName, printable(gun) ?
	    V_ASN1_PRINTABLESTRING : MBSTRING_UTF8,
	    (const unsigned char *)gun, -1, -1, 0) ||
	    !X509_set_subject_name(x, name) || !X509_set_issuer_name(x, name) ||
	    X509_gmtime_adj(X509_getm_notBefore(x), 0) == NULL ||
	    X509_time_adj_ex(X509_getm_notAfter(x), (int)days, 0, NULL) ==
	    NULL || !X509_set_pubkey(x, pub))
		goto out;
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	for (i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
		if ((e = X509V3_EXT_nconf_nid(NULL, &ctx, ext[i].nid,
		    ext[i].val)) == NULL)
			goto out;
		ok = X509_add_ext(x, e, -1);
		X509_EXTENSION_free(e);
		if (!ok)
			goto out;
		ok = 0;
	}
	ok = 1;
out:
	BN_free(bn);
	X509_NAME_free(name);
	return ok;
}

static size_t
der_len(size_t n, unsigned char *p)
{
	if (n < 0x80) {
		p[0] = (unsigned char)n;
		return 1;
	}
	if (n < 0x100) {
		p[0] = 0x81;
		p[1] = (unsigned char)n;
		return 2;
	}
	p[0] = 0x82;
	p[1] = (unsigned char)(n >> 8);
	p[2] = (unsigned char)n;
	return 3;
}

/*
 * Certificate ::= SEQUENCE { tbs, algorithm, BIT STRING signature }. The TBS
 * and algorithm come from OpenSSL; only the signature is the token's.
 */
static int
cert_assemble(const unsigned char *tbs, size_t tbslen,
    const unsigned char *alg, size_t alglen, const unsigned char *sig,
    size_t siglen, unsigned char **der, size_t *derlen)
{
	unsigned char hdr[4], bhdr[4], *d, *p;
	size_t blen, bh, inner, h;

	if (tbslen > 60000 || siglen > 200)
		return -1;
	blen = siglen + 1;
	bh = 1 + der_len(blen, bhdr + 1);
	bhdr[0] = 0x03;
	inner = tbslen + alglen + bh + blen;
	h = 1 + der_len(inner, hdr + 1);
	hdr[0] = 0x30;
	if ((d = malloc(h + inner)) == NULL)
		return -1;
	p = d;
	memcpy(p, hdr, h), p += h;
	memcpy(p, tbs, tbslen), p += tbslen;
	memcpy(p, alg, alglen), p += alglen;
	memcpy(p, bhdr, bh), p += bh;
	*p++ = 0x00;		/* no unused bits */
	memcpy(p, sig, siglen);
	*der = d;
	*derlen = h + inner;
	return 0;
}

static int
cert_store(struct hsm_key *key, X509 *cert, const unsigned char *der,
    size_t derlen)
{
	struct hsm_token *tok = key->tok;
	CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
	CK_CERTIFICATE_TYPE ct = CKC_X_509;
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	unsigned char *subj = NULL, *ser = NULL;
	int subjlen, serlen, r;
	CK_ATTRIBUTE find[2] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_ID, key->id, key->idlen } };
	CK_ATTRIBUTE t[10];
	CK_OBJECT_HANDLE old[8], h;
	CK_SESSION_HANDLE s;
	CK_ULONG nold = 0, i;
	CK_RV rv;

	subjlen = i2d_X509_NAME(X509_get_subject_name(cert), &subj);
	serlen = i2d_ASN1_INTEGER(X509_get_serialNumber(cert), &ser);
	if (subjlen <= 0 || serlen <= 0) {
		r = hsm_err(HSM_ERR_CRYPTO, "encoding certificate fields");
		goto out;
	}
	t[0] = (CK_ATTRIBUTE){ CKA_CLASS, &cls, sizeof(cls) };
	t[1] = (CK_ATTRIBUTE){ CKA_CERTIFICATE_TYPE, &ct, sizeof(ct) };
	t[2] = (CK_ATTRIBUTE){ CKA_TOKEN, &yes, sizeof(yes) };
	t[3] = (CK_ATTRIBUTE){ CKA_PRIVATE, &no, sizeof(no) };
	t[4] = (CK_ATTRIBUTE){ CKA_ID, key->id, key->idlen };
	t[5] = (CK_ATTRIBUTE){ CKA_LABEL, key->label, strlen(key->label) };
	t[6] = (CK_ATTRIBUTE){ CKA_SUBJECT, subj, (CK_ULONG)subjlen };
	t[7] = (CK_ATTRIBUTE){ CKA_ISSUER, subj, (CK_ULONG)subjlen };
	t[8] = (CK_ATTRIBUTE){ CKA_SERIAL_NUMBER, ser, (CK_ULONG)serlen };
	t[9] = (CK_ATTRIBUTE){ CKA_VALUE, (void *)der, derlen };
	if ((r = hsm_token_enter(tok, 1)) != 0)
		goto out;
	if ((r = hsm_session_get(tok, &s)) != 0) {
		hsm_token_leave(tok);
		goto out;
	}
	if ((r = hsm_find_objects(tok, s, find, 2, old, 8, &nold)) == 0) {
		/* New first, then the old ones: a failure keeps the old. */
		rv = tok->mod->f->C_CreateObject(s, t, 10, &h);
		if (rv != CKR_OK)
			r = hsm_err_rv(HSM_ERR_PKCS11, rv, "storing the "
			    "certificate on token '%s'", tok->label);
		else
			for (i = 0; i < nold; i++)
				(void)tok->mod->f->C_DestroyObject(s, old[i]);
	}
	hsm_session_put(tok, s, r == HSM_ERR_TOKEN_GONE);
	hsm_token_leave(tok);
out:
	OPENSSL_free(subj);
	OPENSSL_free(ser);
	return r;
}

int
hsm_cert_create(struct hsm_key *key, const char *gun, unsigned int days,
    unsigned char **der, size_t *derlen)
{
	const unsigned char *spki, *p;
	const X509_ALGOR *alg;
	unsigned char *tbs = NULL, *algder = NULL, *sigder = NULL, rs[64];
	unsigned char *out = NULL;
	size_t spkilen, rslen, outlen = 0;
	int tbslen, alglen, sigderlen, r;
	EVP_PKEY *pub = NULL, *tmp = NULL;
	ECDSA_SIG *es = NULL;
	BIGNUM *br = NULL, *bs = NULL;
	X509 *x = NULL, *cert = NULL;

	if (der != NULL)
		*der = NULL;
	if (derlen != NULL)
		*derlen = 0;
	if (key == NULL || gun == NULL || gun[0] == '\0' || der == NULL ||
	    derlen == NULL || strlen(gun) > 255)
		return hsm_err(HSM_ERR_INVALID_ARG, "certificate needs a key "
		    "and a GUN");
	if (key->type != HSM_KEY_ECDSA_P256)
		return hsm_err(HSM_ERR_UNSUPPORTED, "root certificates are "
		    "made for ECDSA P-256 keys only (Notary's ecdsa-x509)");
	if (days == 0)
		days = HSM_CERT_DEFAULT_DAYS;
	if ((r = hsm_key_public(key, &spki, &spkilen)) != 0)
		return r;
	r = HSM_ERR_CRYPTO;
	p = spki;
	if ((pub = d2i_PUBKEY(NULL, &p, (long)spkilen)) == NULL ||
	    (x = X509_new()) == NULL || !cert_fields(x, gun, days, pub)) {
		hsm_err(r, "building the certificate");
		goto out;
	}
	/*
	 * X509_sign with a throwaway key of the same type fills both
	 * signature algorithm fields exactly as for the token key; the
	 * signature itself is then replaced by the token's over the TBS.
	 */
	if ((tmp = EVP_EC_gen("P-256")) == NULL ||
	    X509_sign(x, tmp, EVP_sha256()) <= 0 ||
	    (tbslen = i2d_re_X509_tbs(x, &tbs)) <= 0) {
		hsm_err(r, "encoding the certificate body");
		goto out;
	}
	X509_get0_signature(NULL, &alg, x);
	if ((alglen = i2d_X509_ALGOR(alg, &algder)) <= 0) {
		hsm_err(r, "encoding the signature algorithm");
		goto out;
	}
	if ((r = hsm_key_sign(key, tbs, (size_t)tbslen, rs, sizeof(rs),
	    &rslen)) != 0)
		goto out;
	r = HSM_ERR_CRYPTO;
	if (rslen != 64 || (es = ECDSA_SIG_new()) == NULL ||
	    (br = BN_bin2bn(rs, 32, NULL)) == NULL ||
	    (bs = BN_bin2bn(rs + 32, 32, NULL)) == NULL ||
	    !ECDSA_SIG_set0(es, br, bs)) {
		hsm_err(r, "converting the token's signature");
		goto out;
	}
	br = bs = NULL;	/* transferred */
	if ((sigderlen = i2d_ECDSA_SIG(es, &sigder)) <= 0 ||
	    cert_assemble(tbs, (size_t)tbslen, algder, (size_t)alglen, sigder,
	    (size_t)sigderlen, &out, &outlen) != 0) {
		hsm_err(r, "assembling the certificate");
		goto out;
	}
	p = out;
	if ((cert = d2i_X509(NULL, &p, (long)outlen)) == NULL ||
	    p != out + outlen || X509_verify(cert, pub) != 1) {
		hsm_err(r, "the token-signed certificate does not verify");
		goto out;
	}
	if ((r = cert_store(key, cert, out, outlen)) != 0)
		goto out;
	*der = out;
	*derlen = outlen;
	out = NULL;	/* transferred */
	r = 0;
out:
	ERR_clear_error();
	free(out);
	OPENSSL_free(tbs);
	OPENSSL_free(algder);
	OPENSSL_free(sigder);
	ECDSA_SIG_free(es);
	BN_free(br);
	BN_free(bs);
	EVP_PKEY_free(pub);
	EVP_PKEY_free(tmp);
	X509_free(x);
	X509_free(cert);
	return r;
}

int
hsm_cert_get(struct hsm_key *key, unsigned char **der, size_t *derlen)
{
	struct hsm_token *tok;
	CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
	CK_ATTRIBUTE t[2];
	CK_OBJECT_HANDLE o;
	CK_SESSION_HANDLE s;
	CK_ULONG n;
	int r;

	if (der != NULL)
		*der = NULL;
	if (derlen != NULL)
		*derlen = 0;
	if (key == NULL || der == NULL || derlen == NULL)
		return hsm_err(HSM_ERR_INVALID_ARG, "missing argument");
	tok = key->tok;
	t[0] = (CK_ATTRIBUTE){ CKA_CLASS, &cls, sizeof(cls) };
	t[1] = (CK_ATTRIBUTE){ CKA_ID, key->id, key->idlen };
	if ((r = hsm_token_enter(tok, 0)) != 0)
		return r;
	if ((r = hsm_session_get(tok, &s)) != 0)
		goto leave;
	r = hsm_find_objects(tok, s, t, 2, &o, 1, &n);
	if (r == 0 && n == 0)
		r = hsm_err(HSM_ERR_KEY_NOT_FOUND, "no certificate for key %s "
		    "on token '%s'", key->idhex, tok->label);
	if (r == 0)
		r = hsm_attr_read(tok, s, o, CKA_VALUE, der, derlen);
	hsm_session_put(tok, s, r == HSM_ERR_TOKEN_GONE);
leave:
	hsm_token_leave(tok);
	return r;
}
