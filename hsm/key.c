/* SPDX-License-Identifier: Apache-2.0 */
/* Key objects on the token: key IDs, generation, lookup, listing, public keys and deletion. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <p11-kit/uri.h>

#include "hsm_int.h"

static const unsigned char oid_p256[] = {
	0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07 };
static const unsigned char oid_ed25519[] = { 0x06, 0x03, 0x2b, 0x65, 0x70 };
/* SubjectPublicKeyInfo prefixes; the key bytes follow. */
static const unsigned char spki_p256[] = {
	0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02,
	0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03,
	0x42, 0x00 };
static const unsigned char spki_ed25519[] = {
	0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00 };

const char *
hsm_key_type_name(enum hsm_key_type type)
{
	switch (type) {
	case HSM_KEY_ECDSA_P256: return "ecdsa";
	case HSM_KEY_ED25519: return "ed25519";
	case HSM_KEY_RSA3072: return "rsa";
	}
	return "unknown";
}

void
hsm_hex(const unsigned char *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

/*
 * The TUF/Notary key ID: SHA-256 of the canonical JSON
 * {"keytype":T,"keyval":{"private":null,"public":P}}. The object has a fixed
 * shape and base64 needs no escaping, so it is written here directly rather
 * than borrowing tuf/'s canonical writer (hsm/ stays independent of tuf/).
 */
int
hsm_key_id_compute(enum hsm_key_type type, const unsigned char *spki,
    size_t spkilen, unsigned char id[32])
{
	const unsigned char *pub = spki;
	size_t publen = spkilen;
	unsigned char b64[1024];
	char json[1200];
	int n;

	if (type == HSM_KEY_ED25519) {
		if (spkilen != sizeof(spki_ed25519) + 32)
			return hsm_err(HSM_ERR_INTERNAL, "bad Ed25519 SPKI");
		pub = spki + sizeof(spki_ed25519);
		publen = 32;
	}
	if (publen > 700)
		return hsm_err(HSM_ERR_UNSUPPORTED, "public key too large");
	EVP_EncodeBlock(b64, pub, (int)publen);
	n = snprintf(json, sizeof(json), "{\"keytype\":\"%s\",\"keyval\":"
	    "{\"private\":null,\"public\":\"%s\"}}", hsm_key_type_name(type),
	    (const char *)b64);
	if (n < 0 || (size_t)n >= sizeof(json))
		return hsm_err(HSM_ERR_INTERNAL, "key ID text truncated");
	SHA256((const unsigned char *)json, (size_t)n, id);
	return 0;
}

int
hsm_attr_read(struct hsm_token *tok, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o,
    CK_ATTRIBUTE_TYPE type, unsigned char **val, size_t *len)
{
	CK_ATTRIBUTE a = { type, NULL, 0 };
	CK_RV rv;

	*val = NULL;
	*len = 0;
	rv = tok->mod->f->C_GetAttributeValue(s, o, &a, 1);
	if (rv != CKR_OK || a.ulValueLen == CK_UNAVAILABLE_INFORMATION)
		return hsm_err_rv(hsm_rv_is_gone(rv) ? HSM_ERR_TOKEN_GONE :
		    HSM_ERR_PKCS11, rv, "reading attribute 0x%lx",
		    (unsigned long)type);
	/* One spare byte so a zero-length value still gets a buffer. */
	if ((a.pValue = malloc(a.ulValueLen + 1)) == NULL)
		return hsm_err(HSM_ERR_NO_MEMORY, "out of memory");
	if ((rv = tok->mod->f->C_GetAttributeValue(s, o, &a, 1)) != CKR_OK) {
		free(a.pValue);
		return hsm_err_rv(HSM_ERR_PKCS11, rv, "reading attribute 0x%lx",
		    (unsigned long)type);
	}
	*val = a.pValue;
	*len = a.ulValueLen;
	return 0;
}

static int
attr_bool(struct hsm_token *tok, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o,
    CK_ATTRIBUTE_TYPE type)
{
	CK_BBOOL b = CK_FALSE;
	CK_ATTRIBUTE a = { type, &b, sizeof(b) };

	if (tok->mod->f->C_GetAttributeValue(s, o, &a, 1) != CKR_OK)
		return 0;
	return b == CK_TRUE;
}

int
hsm_find_objects(struct hsm_token *tok, CK_SESSION_HANDLE s,
    CK_ATTRIBUTE *tmpl, CK_ULONG n, CK_OBJECT_HANDLE *objs, CK_ULONG max,
    CK_ULONG *found)
{
	CK_FUNCTION_LIST_PTR f = tok->mod->f;
	CK_RV rv;

	*found = 0;
	if ((rv = f->C_FindObjectsInit(s, tmpl, n)) != CKR_OK)
		return hsm_rv_is_gone(rv) ? hsm_token_gone_err(tok, rv,
		    "searching objects") : hsm_err_rv(HSM_ERR_PKCS11, rv,
		    "searching objects");
	rv = f->C_FindObjects(s, objs, max, found);
	(void)f->C_FindObjectsFinal(s);
	if (rv != CKR_OK)
		return hsm_rv_is_gone(rv) ? hsm_token_gone_err(tok, rv,
		    "searching objects") : hsm_err_rv(HSM_ERR_PKCS11, rv,
		    "searching objects");
	return 0;
}

/* An EC point as DER OCTET STRING (PKCS#11 2.40) or bare (some tokens). */
static int
ec_point(const unsigned char *v, size_t n, size_t want,
    const unsigned char **pt)
{
	if (n == want + 2 && v[0] == 0x04 && v[1] == want) {
		*pt = v + 2;
		return 0;
	}
	if (n == want) {
		*pt = v;
		return 0;
	}
	return -1;
}

static int
spki_rsa(const unsigned char *mod, size_t modlen, const unsigned char *exp,
    size_t explen, unsigned char **spki, size_t *spkilen)
{
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;
	BIGNUM *n = NULL, *e = NULL;
	unsigned char *der = NULL;
	int len, r = HSM_ERR_CRYPTO;

	if ((n = BN_bin2bn(mod, (int)modlen, NULL)) == NULL ||
	    (e = BN_bin2bn(exp, (int)explen, NULL)) == NULL ||
	    (bld = OSSL_PARAM_BLD_new()) == NULL ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) ||
	    (params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1 ||
	    (len = i2d_PUBKEY(pkey, &der)) <= 0) {
		r = hsm_err(HSM_ERR_CRYPTO, "building the RSA public key");
		goto out;
	}
	*spki = der;
	*spkilen = (size_t)len;
	r = 0;
out:
	ERR_clear_error();
	EVP_PKEY_free(pkey);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(n);
	BN_free(e);
	return r;
}

static int
spki_join(const unsigned char *pre, size_t prelen, const unsigned char *key,
    size_t keylen, unsigned char **spki, size_t *spkilen)
{
	const unsigned char *p;
	unsigned char *d;
	EVP_PKEY *pk;

	if ((d = malloc(prelen + keylen)) == NULL)
		return hsm_err(HSM_ERR_NO_MEMORY, "out of memory");
	memcpy(d, pre, prelen);
	memcpy(d + prelen, key, keylen);
	/* Let OpenSSL check the point is on the curve. */
	p = d;
	if ((pk = d2i_PUBKEY(NULL, &p, (long)(prelen + keylen))) == NULL) {
		ERR_clear_error();
		free(d);
		return hsm_err(HSM_ERR_CRYPTO, "the token's public key is "
		    "not a valid point");
	}
	EVP_PKEY_free(pk);
	*spki = d;
	*spkilen = prelen + keylen;
	return 0;
}

int
hsm_spki_from_object(struct hsm_token *tok, CK_SESSION_HANDLE s,
    CK_OBJECT_HANDLE pub, enum hsm_key_type type, unsigned char **spki,
    size_t *spkilen)
{
	unsigned char *a = NULL, *b = NULL;
	const unsigned char *pt;
	size_t alen, blen;
	int r;

	*spki = NULL;
	*spkilen = 0;
	if (type == HSM_KEY_RSA3072) {
		if ((r = hsm_attr_read(tok, s, pub, CKA_MODULUS, &a, &alen))
		    != 0 || (r = hsm_attr_read(tok, s, pub,
		    CKA_PUBLIC_EXPONENT, &b, &blen)) != 0)
			goto out;
		r = spki_rsa(a, alen, b, blen, spki, spkilen);
		goto out;
	}
	if ((r = hsm_attr_read(tok, s, pub, CKA_EC_POINT, &a, &alen)) != 0)
		goto out;
	if (type == HSM_KEY_ECDSA_P256) {
		if (ec_point(a, alen, 65, &pt) != 0 || pt[0] != 0x04) {
			r = hsm_err(HSM_ERR_UNSUPPORTED, "EC point is not an "
			    "uncompressed P-256 point");
			goto out;
		}
		r = spki_join(spki_p256, sizeof(spki_p256), pt, 65, spki,
		    spkilen);
	} else {
		if (ec_point(a, alen, 32, &pt) != 0) {
			r = hsm_err(HSM_ERR_UNSUPPORTED, "bad Ed25519 point");
			goto out;
		}
		r = spki_join(spki_ed25519, sizeof(spki_ed25519), pt, 32,
		    spki, spkilen);
	}
out:
	free(a);
	free(b);
	return r;
}

/* Key type from CKA_KEY_TYPE (and the curve for EC keys). */
static int
key_type_of(struct hsm_token *tok, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o,
    enum hsm_key_type *type, size_t *siglen)
{
	CK_KEY_TYPE kt = 0;
	CK_ATTRIBUTE a = { CKA_KEY_TYPE, &kt, sizeof(kt) };
	unsigned char *v = NULL;
	size_t n;
	CK_RV rv;
	int r;

	if ((rv = tok->mod->f->C_GetAttributeValue(s, o, &a, 1)) != CKR_OK)
		return hsm_err_rv(HSM_ERR_PKCS11, rv, "reading key type");
	switch (kt) {
	case CKK_EC:
		if ((r = hsm_attr_read(tok, s, o, CKA_EC_PARAMS, &v, &n)) != 0)
			return r;
		r = n == sizeof(oid_p256) && memcmp(v, oid_p256, n) == 0 ? 0 :
		    hsm_err(HSM_ERR_UNSUPPORTED, "EC key on a curve other "
		    "than P-256");
		free(v);
		*type = HSM_KEY_ECDSA_P256;
		*siglen = 64;
		return r;
	case CKK_EC_EDWARDS:
		*type = HSM_KEY_ED25519;
		*siglen = 64;
		return 0;
	case CKK_RSA:
		if ((r = hsm_attr_read(tok, s, o, CKA_MODULUS, &v, &n)) != 0)
			return r;
		free(v);
		if (n < 256 || n > HSM_SIG_MAX)
			return hsm_err(HSM_ERR_UNSUPPORTED, "RSA key of %zu "
			    "bits", n * 8);
		*type = HSM_KEY_RSA3072;
		*siglen = n;
		return 0;
	}
	return hsm_err(HSM_ERR_UNSUPPORTED, "key type 0x%lx not supported",
	    (unsigned long)kt);
}

static void
label_read(struct hsm_token *tok, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o,
    char *out, size_t outsize)
{
	unsigned char *v;
	size_t n;

	out[0] = '\0';
	if (hsm_attr_read(tok, s, o, CKA_LABEL, &v, &n) != 0)
		return;
	if (n >= outsize)
		n = outsize - 1;
	memcpy(out, v, n);
	out[n] = '\0';
	free(v);
}

/* Fill key from the object o; module lock held. */
static int
key_fill(struct hsm_key *key, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o)
{
	struct hsm_token *tok = key->tok;
	int sens, extr, r;

	atomic_store(&key->obj, o);
	label_read(tok, s, o, key->label, sizeof(key->label));
	if (key->cls == CKO_SECRET_KEY)
		return 0;
	if ((r = key_type_of(tok, s, o, &key->type, &key->siglen)) != 0)
		return r;
	sens = attr_bool(tok, s, o, CKA_SENSITIVE);
	extr = attr_bool(tok, s, o, CKA_EXTRACTABLE);
	key->backup = strncmp(key->label, HSM_BACKUP_PREFIX,
	    strlen(HSM_BACKUP_PREFIX)) == 0;
	key->sign_ok = sens && (!extr || key->backup);
	return 0;
}

int
hsm_key_load(struct hsm_token *tok, CK_SESSION_HANDLE s, CK_OBJECT_CLASS cls,
    const unsigned char *id, size_t idlen, struct hsm_key **out)
{
	CK_ATTRIBUTE t[2] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_ID, (void *)id, idlen } };
	CK_OBJECT_HANDLE o[2];
	CK_ULONG n;
	struct hsm_key *key;
	int r;

	*out = NULL;
	if (idlen == 0 || idlen > sizeof(key->id))
		return hsm_err(HSM_ERR_KEY_NOT_FOUND, "bad key ID length");
	if ((r = hsm_find_objects(tok, s, t, 2, o, 2, &n)) != 0)
		return r;
	if (n == 0 && (r = hsm_token_check_login(tok)) != 0)
		return r;
	if (n == 0)
		return hsm_err(HSM_ERR_KEY_NOT_FOUND, "no key with that ID on "
		    "token '%s'", tok->label);
	if (n > 1)
		return hsm_err(HSM_ERR_KEY_NOT_FOUND, "more than one key with "
		    "that ID on token '%s'", tok->label);
	if ((key = calloc(1, sizeof(*key))) == NULL)
		return hsm_err(HSM_ERR_NO_MEMORY, "out of memory");
	pthread_mutex_init(&key->mu, NULL);
	key->tok = tok;
	key->cls = cls;
	memcpy(key->id, id, idlen);
	key->idlen = idlen;
	hsm_hex(id, idlen, key->idhex);
	atomic_store(&key->gen, atomic_load(&tok->gen));
	if ((r = key_fill(key, s, o[0])) != 0) {
		hsm_key_free(key);
		return r;
	}
	*out = key;
	return 0;
}

/* Find the object again after the token came back; module lock held. */
int
hsm_key_refresh(struct hsm_key *key)
{
	struct hsm_token *tok = key->tok;
	CK_ATTRIBUTE t[2] = {
		{ CKA_CLASS, &key->cls, sizeof(key->cls) },
		{ CKA_ID, key->id, key->idlen } };
	CK_OBJECT_HANDLE o;
	CK_SESSION_HANDLE s;
	CK_ULONG n;
	unsigned int g = atomic_load(&tok->gen);
	int r;

	if (atomic_load(&key->gen) == g)
		return 0;
	pthread_mutex_lock(&key->mu);
	if (atomic_load(&key->gen) == g) {
		pthread_mutex_unlock(&key->mu);
		return 0;
	}
	if ((r = hsm_session_get(tok, &s)) != 0)
		goto out;
	r = hsm_find_objects(tok, s, t, 2, &o, 1, &n);
	/*
	 * Private objects are invisible without a login. After a recovery
	 * another thread may log in again between our search and the check:
	 * search once more before calling the key gone.
	 */
	if (r == 0 && n == 0 && (r = hsm_token_check_login(tok)) == 0)
		r = hsm_find_objects(tok, s, t, 2, &o, 1, &n);
	if (r == 0 && n == 0)
		r = hsm_err(HSM_ERR_KEY_NOT_FOUND, "key %s is no longer on "
		    "token '%s'", key->idhex, tok->label);
	if (r == 0 && (r = key_fill(key, s, o)) == 0)
		atomic_store(&key->gen, g);
	hsm_session_put(tok, s, r == HSM_ERR_TOKEN_GONE);
out:
	pthread_mutex_unlock(&key->mu);
	return r;
}

void
hsm_key_free(struct hsm_key *key)
{
	if (key == NULL)
		return;
	free(key->spki);
	pthread_mutex_destroy(&key->mu);
	explicit_bzero(key, sizeof(*key));
	free(key);
}

const char *
hsm_key_id(const struct hsm_key *key)
{
	return key->idhex;
}

enum hsm_key_type
hsm_key_type(const struct hsm_key *key)
{
	return key->type;
}

const char *
hsm_key_label(const struct hsm_key *key)
{
	return key->label;
}

int
hsm_key_public(struct hsm_key *key, const unsigned char **spki,
    size_t *spkilen)
{
	struct hsm_token *tok;
	CK_OBJECT_CLASS cls = CKO_PUBLIC_KEY;
	CK_ATTRIBUTE t[2];
	CK_OBJECT_HANDLE o;
	CK_SESSION_HANDLE s;
	CK_ULONG n;
	int r;

	if (spki != NULL)
		*spki = NULL;
	if (spkilen != NULL)
		*spkilen = 0;
	if (key == NULL || spki == NULL || spkilen == NULL ||
	    key->cls != CKO_PRIVATE_KEY)
		return hsm_err(HSM_ERR_INVALID_ARG, "not a signing key");
	tok = key->tok;
	pthread_mutex_lock(&key->mu);
	if (key->spki != NULL)
		goto done;
	pthread_mutex_unlock(&key->mu);
	if ((r = hsm_token_enter(tok, 0)) != 0)
		return r;
	if ((r = hsm_session_get(tok, &s)) != 0) {
		hsm_token_leave(tok);
		return r;
	}
	t[0] = (CK_ATTRIBUTE){ CKA_CLASS, &cls, sizeof(cls) };
	t[1] = (CK_ATTRIBUTE){ CKA_ID, key->id, key->idlen };
	pthread_mutex_lock(&key->mu);
	if (key->spki == NULL) {
		r = hsm_find_objects(tok, s, t, 2, &o, 1, &n);
		if (r == 0 && n == 0)
			r = hsm_err(HSM_ERR_KEY_NOT_FOUND, "public key of %s "
			    "missing on token '%s'", key->idhex, tok->label);
		if (r == 0)
			r = hsm_spki_from_object(tok, s, o, key->type,
			    &key->spki, &key->spkilen);
	}
	hsm_session_put(tok, s, r == HSM_ERR_TOKEN_GONE);
	hsm_token_leave(tok);
	if (r != 0) {
		pthread_mutex_unlock(&key->mu);
		return r;
	}
done:
	*spki = key->spki;
	*spkilen = key->spkilen;
	pthread_mutex_unlock(&key->mu);
	return 0;
}

static int
label_make(const struct hsm_keygen *spec, char *out, size_t outsize)
{
	int n;

	if (spec->role == NULL || spec->gun == NULL || spec->role[0] == '\0' ||
	    spec->gun[0] == '\0' || strchr(spec->role, ':') != NULL)
		return hsm_err(HSM_ERR_INVALID_ARG, "key needs a role (without "
		    "':') and a GUN");
	n = snprintf(out, outsize, "%s%s:%s", spec->backup ?
	    HSM_BACKUP_PREFIX : HSM_LABEL_PREFIX, spec->role, spec->gun);
	if (n < 0 || (size_t)n >= outsize)
		return hsm_err(HSM_ERR_INVALID_ARG, "role and GUN too long for "
		    "a label");
	return 0;
}

int
hsm_key_generate(struct hsm_token *tok, const struct hsm_keygen *spec,
    struct hsm_key **out)
{
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_BBOOL extractable = spec != NULL && spec->backup ? CK_TRUE : CK_FALSE;
	CK_ULONG bits = 3072;
	unsigned char e65537[] = { 0x01, 0x00, 0x01 };
	unsigned char tmpid[32], id[32];
	char label[HSM_LABEL_MAX + 1];
	CK_MECHANISM mech = { 0, NULL, 0 };
	CK_ATTRIBUTE pub[7], priv[9], setid = { CKA_ID, id, sizeof(id) };
	CK_ULONG npub = 0, npriv = 0;
	CK_OBJECT_HANDLE hpub = CK_INVALID_HANDLE, hpriv = CK_INVALID_HANDLE;
	CK_SESSION_HANDLE s;
	CK_FUNCTION_LIST_PTR f;
	unsigned char *spki = NULL;
	size_t spkilen;
	CK_RV rv;
	int r, have_s = 0;

	if (out != NULL)
		*out = NULL;
	if (tok == NULL || spec == NULL || out == NULL)
		return hsm_err(HSM_ERR_INVALID_ARG, "missing argument");
	if ((r = label_make(spec, label, sizeof(label))) != 0)
		return r;
	if (RAND_bytes(tmpid, sizeof(tmpid)) != 1) {
		ERR_clear_error();
		return hsm_err(HSM_ERR_CRYPTO, "no randomness");
	}
	f = tok->mod->f;
#define A(arr, n, t, p, l) (arr[n++] = (CK_ATTRIBUTE){ t, (void *)(p), l })
	A(pub, npub, CKA_TOKEN, &yes, sizeof(yes));
	A(pub, npub, CKA_PRIVATE, &no, sizeof(no));
	A(pub, npub, CKA_VERIFY, &yes, sizeof(yes));
	A(pub, npub, CKA_ID, tmpid, sizeof(tmpid));
	A(pub, npub, CKA_LABEL, label, strlen(label));
	A(priv, npriv, CKA_TOKEN, &yes, sizeof(yes));
	A(priv, npriv, CKA_PRIVATE, &yes, sizeof(yes));
	A(priv, npriv, CKA_SIGN, &yes, sizeof(yes));
	A(priv, npriv, CKA_SENSITIVE, &yes, sizeof(yes));
	A(priv, npriv, CKA_EXTRACTABLE, &extractable, sizeof(extractable));
	A(priv, npriv, CKA_ID, tmpid, sizeof(tmpid));
	A(priv, npriv, CKA_LABEL, label, strlen(label));
	switch (spec->type) {
	case HSM_KEY_ECDSA_P256:
		mech.mechanism = CKM_EC_KEY_PAIR_GEN;
		A(pub, npub, CKA_EC_PARAMS, oid_p256, sizeof(oid_p256));
		A(priv, npriv, CKA_DERIVE, &no, sizeof(no));
		break;
	case HSM_KEY_ED25519:
		mech.mechanism = CKM_EC_EDWARDS_KEY_PAIR_GEN;
		A(pub, npub, CKA_EC_PARAMS, oid_ed25519, sizeof(oid_ed25519));
		A(priv, npriv, CKA_DERIVE, &no, sizeof(no));
		break;
	case HSM_KEY_RSA3072:
		mech.mechanism = CKM_RSA_PKCS_KEY_PAIR_GEN;
		A(pub, npub, CKA_MODULUS_BITS, &bits, sizeof(bits));
		A(pub, npub, CKA_PUBLIC_EXPONENT, e65537, sizeof(e65537));
		A(priv, npriv, CKA_DECRYPT, &no, sizeof(no));
		break;
	default:
		return hsm_err(HSM_ERR_UNSUPPORTED, "unknown key type %d",
		    (int)spec->type);
	}
#undef A
	if ((r = hsm_token_enter(tok, 1)) != 0)
		return r;
	if ((r = hsm_session_get(tok, &s)) != 0)
		goto out;
	have_s = 1;
	rv = f->C_GenerateKeyPair(s, &mech, pub, npub, priv, npriv, &hpub,
	    &hpriv);
	if (rv != CKR_OK) {
		hpub = hpriv = CK_INVALID_HANDLE;
		r = hsm_token_rv_err(tok, rv, "generating a key");
		goto out;
	}
	/* The ID depends on the public key, known only now. */
	if ((r = hsm_spki_from_object(tok, s, hpub, spec->type, &spki,
	    &spkilen)) != 0 ||
	    (r = hsm_key_id_compute(spec->type, spki, spkilen, id)) != 0)
		goto out;
	if ((rv = f->C_SetAttributeValue(s, hpriv, &setid, 1)) != CKR_OK ||
	    (rv = f->C_SetAttributeValue(s, hpub, &setid, 1)) != CKR_OK) {
		r = hsm_err_rv(HSM_ERR_PKCS11, rv, "setting the key ID");
		goto out;
	}
	if ((r = hsm_key_load(tok, s, CKO_PRIVATE_KEY, id, sizeof(id), out))
	    != 0)
		goto out;
	(*out)->spki = spki;
	(*out)->spkilen = spkilen;
	spki = NULL;	/* transferred */
	hpub = hpriv = CK_INVALID_HANDLE;
	r = 0;
out:
	/* A half-made key would confuse every later lookup. */
	if (hpriv != CK_INVALID_HANDLE)
		(void)f->C_DestroyObject(s, hpriv);
	if (hpub != CK_INVALID_HANDLE)
		(void)f->C_DestroyObject(s, hpub);
	if (have_s)
		hsm_session_put(tok, s, r == HSM_ERR_TOKEN_GONE);
	hsm_token_leave(tok);
	free(spki);
	return r;
}

static int
hex_decode(const char *hex, unsigned char *out, size_t outsize, size_t *n)
{
	size_t i, len = strlen(hex);
	int hi, lo;

	if (len == 0 || len % 2 != 0 || len / 2 > outsize)
		return -1;
	for (i = 0; i < len; i += 2) {
		hi = OPENSSL_hexchar2int((unsigned char)hex[i]);
		lo = OPENSSL_hexchar2int((unsigned char)hex[i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i / 2] = (unsigned char)(hi << 4 | lo);
	}
	*n = len / 2;
	return 0;
}

/* A key URI: id= and/or object= on our token. */
static int
key_find_uri(struct hsm_token *tok, CK_SESSION_HANDLE s, const char *name,
    CK_OBJECT_CLASS cls, unsigned char **idp, size_t *idlen)
{
	CK_ATTRIBUTE t[3], *a;
	CK_TOKEN_INFO ti;
	CK_OBJECT_HANDLE o[2];
	CK_ULONG nt = 0, n;
	P11KitUri *uri;
	CK_RV rv;
	int pr, r;

	if ((uri = p11_kit_uri_new()) == NULL)
		return hsm_err(HSM_ERR_NO_MEMORY, "out of memory");
	if ((pr = p11_kit_uri_parse(name, P11_KIT_URI_FOR_OBJECT_ON_TOKEN,
	    uri)) != P11_KIT_URI_OK) {
		r = hsm_err(HSM_ERR_URI, "key URI '%s': %s", name,
		    p11_kit_uri_message(pr));
		goto out;
	}
	if (p11_kit_uri_get_pin_value(uri) != NULL) {
		r = hsm_err(HSM_ERR_URI, "key URI carries a PIN: refused");
		goto out;
	}
	if ((rv = tok->mod->f->C_GetTokenInfo(tok->slot, &ti)) != CKR_OK) {
		r = hsm_token_gone_err(tok, rv, "reading token information");
		goto out;
	}
	if (!p11_kit_uri_match_token_info(uri, &ti)) {
		r = hsm_err(HSM_ERR_KEY_NOT_FOUND, "key URI '%s' names another "
		    "token than '%s'", name, tok->label);
		goto out;
	}
	t[nt++] = (CK_ATTRIBUTE){ CKA_CLASS, &cls, sizeof(cls) };
	if ((a = p11_kit_uri_get_attribute(uri, CKA_ID)) != NULL)
		t[nt++] = *a;
	if ((a = p11_kit_uri_get_attribute(uri, CKA_LABEL)) != NULL)
		t[nt++] = *a;
	if (nt == 1) {
		r = hsm_err(HSM_ERR_URI, "key URI '%s' has neither id= nor "
		    "object=", name);
		goto out;
	}
	if ((r = hsm_find_objects(tok, s, t, nt, o, 2, &n)) != 0)
		goto out;
	if (n != 1) {
		r = hsm_err(HSM_ERR_KEY_NOT_FOUND, "%s key matches '%s' on "
		    "token '%s'", n == 0 ? "no" : "more than one", name,
		    tok->label);
		goto out;
	}
	r = hsm_attr_read(tok, s, o[0], CKA_ID, idp, idlen);
out:
	p11_kit_uri_free(uri);
	return r;
}

int
hsm_key_find(struct hsm_token *tok, const char *name, struct hsm_key **out)
{
	unsigned char id[32], *uid = NULL;
	size_t idlen = 0;
	CK_SESSION_HANDLE s;
	int r;

	if (out != NULL)
		*out = NULL;
	if (tok == NULL || name == NULL || out == NULL)
		return hsm_err(HSM_ERR_INVALID_ARG, "missing argument");
	if (strncmp(name, "pkcs11:", 7) != 0 &&
	    (strlen(name) != HSM_KEY_ID_HEX_LEN ||
	    hex_decode(name, id, sizeof(id), &idlen) != 0))
		return hsm_err(HSM_ERR_INVALID_ARG, "'%s' is neither a key ID "
		    "(64 hex digits) nor a pkcs11: URI", name);
	if ((r = hsm_token_enter(tok, 1)) != 0)
		return r;
	if ((r = hsm_session_get(tok, &s)) != 0)
		goto leave;
	if (idlen == 0) {
		r = key_find_uri(tok, s, name, CKO_PRIVATE_KEY, &uid, &idlen);
		if (r == 0 && idlen <= sizeof(id))
			memcpy(id, uid, idlen);
		else if (r == 0)
			r = hsm_err(HSM_ERR_KEY_NOT_FOUND, "CKA_ID too long");
		free(uid);
	}
	if (r == 0)
		r = hsm_key_load(tok, s, CKO_PRIVATE_KEY, id, idlen, out);
	hsm_session_put(tok, s, r == HSM_ERR_TOKEN_GONE);
leave:
	hsm_token_leave(tok);
	return r;
}
