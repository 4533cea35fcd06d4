/* SPDX-License-Identifier: Apache-2.0 */
/* Backup primitives: a key-encryption key on the token, wrapping a backup key, unwrapping it elsewhere. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include "hsm_int.h"

/* Blob: magic, type, id, label, SPKI, wrapped PKCS#8; lengths big-endian. */
static const unsigned char magic[8] = { 'S', 'G', 'N', 'D', 'B', 'K', '1', '\n' };

static const unsigned char oid_p256[] = {
	0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07 };
static const unsigned char oid_ed25519[] = { 0x06, 0x03, 0x2b, 0x65, 0x70 };

static int
kek_id(const char *name, char *label, size_t labelsize, unsigned char id[32])
{
	size_t n;

	if (name == NULL || name[0] == '\0' ||
	    strlen(HSM_KEK_PREFIX) + strlen(name) >= labelsize)
		return hsm_err(HSM_ERR_INVALID_ARG, "bad KEK name");
	n = strlen(HSM_KEK_PREFIX);
	memcpy(label, HSM_KEK_PREFIX, n);
	memcpy(label + n, name, strlen(name) + 1);
	SHA256((const unsigned char *)label, strlen(label), id);
	return 0;
}

int
hsm_kek_import(struct hsm_token *tok, const char *name, unsigned char *kek,
    size_t keklen, struct hsm_key **out)
{
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE kt = CKK_AES;
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	char label[HSM_LABEL_MAX + 1];
	unsigned char id[32];
	CK_ATTRIBUTE t[13];
	CK_OBJECT_HANDLE h;
	CK_SESSION_HANDLE s;
	CK_RV rv;
	int r;

	if (out != NULL)
		*out = NULL;
	if (tok == NULL || kek == NULL || keklen != 32 || out == NULL) {
		if (kek != NULL)
			explicit_bzero(kek, keklen);
		return hsm_err(HSM_ERR_INVALID_ARG, "KEK must be 32 bytes");
	}
	if ((r = kek_id(name, label, sizeof(label), id)) != 0) {
		explicit_bzero(kek, keklen);
		return r;
	}
	t[0] = (CK_ATTRIBUTE){ CKA_CLASS, &cls, sizeof(cls) };
	t[1] = (CK_ATTRIBUTE){ CKA_KEY_TYPE, &kt, sizeof(kt) };
	t[2] = (CK_ATTRIBUTE){ CKA_VALUE, kek, keklen };
	t[3] = (CK_ATTRIBUTE){ CKA_TOKEN, &yes, sizeof(yes) };
	t[4] = (CK_ATTRIBUTE){ CKA_PRIVATE, &yes, sizeof(yes) };
	t[5] = (CK_ATTRIBUTE){ CKA_SENSITIVE, &yes, sizeof(yes) };
	t[6] = (CK_ATTRIBUTE){ CKA_EXTRACTABLE, &no, sizeof(no) };
	t[7] = (CK_ATTRIBUTE){ CKA_WRAP, &yes, sizeof(yes) };
	t[8] = (CK_ATTRIBUTE){ CKA_UNWRAP, &yes, sizeof(yes) };
	t[9] = (CK_ATTRIBUTE){ CKA_ENCRYPT, &no, sizeof(no) };
	t[10] = (CK_ATTRIBUTE){ CKA_DECRYPT, &no, sizeof(no) };
	t[11] = (CK_ATTRIBUTE){ CKA_ID, id, sizeof(id) };
	t[12] = (CK_ATTRIBUTE){ CKA_LABEL, label, strlen(label) };
	if ((r = hsm_token_enter(tok, 1)) != 0) {
		explicit_bzero(kek, keklen);
		return r;
	}
	if ((r = hsm_session_get(tok, &s)) != 0)
		goto leave;
	rv = tok->mod->f->C_CreateObject(s, t, 13, &h);
	explicit_bzero(kek, keklen);
	if (rv != CKR_OK)
		r = hsm_token_rv_err(tok, rv, "importing a KEK");
	else
		r = hsm_key_load(tok, s, CKO_SECRET_KEY, id, sizeof(id), out);
	hsm_session_put(tok, s, r == HSM_ERR_TOKEN_GONE);
leave:
	hsm_token_leave(tok);
	explicit_bzero(kek, keklen);
	return r;
}

int
hsm_kek_find(struct hsm_token *tok, const char *name, struct hsm_key **out)
{
	char label[HSM_LABEL_MAX + 1];
	unsigned char id[32];
	CK_SESSION_HANDLE s;
	int r;

	if (out != NULL)
		*out = NULL;
	if (tok == NULL || out == NULL)
		return hsm_err(HSM_ERR_INVALID_ARG, "missing argument");
	if ((r = kek_id(name, label, sizeof(label), id)) != 0)
		return r;
	if ((r = hsm_token_enter(tok, 1)) != 0)
		return r;
	if ((r = hsm_session_get(tok, &s)) == 0) {
		r = hsm_key_load(tok, s, CKO_SECRET_KEY, id, sizeof(id), out);
		hsm_session_put(tok, s, r == HSM_ERR_TOKEN_GONE);
	}
	hsm_token_leave(tok);
	return r;
}

static unsigned char *
put(unsigned char *p, const void *v, size_t n)
{
	if (n > 0)
		memcpy(p, v, n);
	return p + n;
}

static unsigned char *
put_be(unsigned char *p, size_t v, int bytes)
{
	while (bytes-- > 0)
		*p++ = (unsigned char)(v >> (8 * bytes));
	return p;
}

int
hsm_backup_blob_encode(const struct hsm_backup_blob *bb, unsigned char **out,
    size_t *outlen)
{
	unsigned char *b, *p;
	size_t n;

	if (out != NULL)
		*out = NULL;
	if (outlen != NULL)
		*outlen = 0;
	if (bb == NULL || out == NULL || outlen == NULL || bb->idlen > 0xff ||
	    bb->labellen > 0xffff || bb->spkilen > 0xffff ||
	    bb->wrappedlen > 0xffffffffUL)
		return hsm_err(HSM_ERR_INVALID_ARG, "backup blob field too long");
	n = sizeof(magic) + 1 + 1 + bb->idlen + 2 + bb->labellen + 2 +
	    bb->spkilen + 4 + bb->wrappedlen;
	if ((b = malloc(n)) == NULL)
		return hsm_err(HSM_ERR_NO_MEMORY, "out of memory");
	p = put(b, magic, sizeof(magic));
	*p++ = (unsigned char)bb->type;
	*p++ = (unsigned char)bb->idlen;
	p = put(p, bb->id, bb->idlen);
	p = put(put_be(p, bb->labellen, 2), bb->label, bb->labellen);
	p = put(put_be(p, bb->spkilen, 2), bb->spki, bb->spkilen);
	(void)put(put_be(p, bb->wrappedlen, 4), bb->wrapped, bb->wrappedlen);
	*out = b;
	*outlen = n;
	return 0;
}

int
hsm_key_wrap(struct hsm_key *kek, struct hsm_key *key, unsigned char **blob,
    size_t *bloblen)
{
	CK_MECHANISM mech = { CKM_AES_KEY_WRAP_PAD, NULL, 0 };
	struct hsm_backup_blob bb;
	const unsigned char *spki;
	unsigned char *w = NULL, *b = NULL;
	size_t spkilen, n;
	struct hsm_token *tok;
	CK_OBJECT_HANDLE hkek, hkey;
	CK_SESSION_HANDLE s;
	CK_ULONG wlen = 0;
	CK_RV rv;
	int r;

	if (blob != NULL)
		*blob = NULL;
	if (bloblen != NULL)
		*bloblen = 0;
	if (kek == NULL || key == NULL || blob == NULL || bloblen == NULL ||
	    kek->cls != CKO_SECRET_KEY || key->cls != CKO_PRIVATE_KEY ||
	    kek->tok != key->tok)
		return hsm_err(HSM_ERR_INVALID_ARG, "wrap needs a KEK and a key "
		    "on the same token");
	if (!key->backup)
		return hsm_err(HSM_ERR_KEY_POLICY, "key %s was not made for "
		    "backup", key->idhex);
	if ((r = hsm_key_public(key, &spki, &spkilen)) != 0)
		return r;
	tok = key->tok;
	if ((r = hsm_token_enter(tok, 1)) != 0)
		return r;
	if ((r = hsm_key_refresh(kek)) != 0 || (r = hsm_key_refresh(key)) != 0
	    || (r = hsm_session_get(tok, &s)) != 0)
		goto leave;
	hkek = atomic_load(&kek->obj);
	hkey = atomic_load(&key->obj);
	rv = tok->mod->f->C_WrapKey(s, &mech, hkek, hkey, NULL, &wlen);
	if (rv == CKR_OK && (w = malloc(wlen)) == NULL)
		rv = CKR_HOST_MEMORY;
	if (rv == CKR_OK)
		rv = tok->mod->f->C_WrapKey(s, &mech, hkek, hkey, w, &wlen);
	hsm_session_put(tok, s, rv != CKR_OK && hsm_rv_is_gone(rv));
	if (rv != CKR_OK) {
		r = hsm_token_rv_err(tok, rv, "wrapping a key");
		goto leave;
	}
	memset(&bb, 0, sizeof(bb));
	bb.type = key->type;
	bb.id = key->id;
	bb.idlen = key->idlen;
	bb.label = (const unsigned char *)key->label;
	bb.labellen = strlen(key->label);
	bb.spki = spki;
	bb.spkilen = spkilen;
	bb.wrapped = w;
	bb.wrappedlen = wlen;
	if ((r = hsm_backup_blob_encode(&bb, &b, &n)) != 0)
		goto leave;
	*blob = b;
	*bloblen = n;
	r = 0;
leave:
	hsm_token_leave(tok);
	free(w);
	return r;
}

/* Bounded reader over the blob. */
struct rd {
	const unsigned char *p;
	size_t left;
};

static int
get(struct rd *rd, const unsigned char **v, size_t n)
{
	if (rd->left < n)
		return -1;
	*v = rd->p;
	rd->p += n;
	rd->left -= n;
	return 0;
}

static int
get_be(struct rd *rd, int bytes, size_t *v)
{
	const unsigned char *b;
	int i;

	if (get(rd, &b, (size_t)bytes) != 0)
		return -1;
	*v = 0;
	for (i = 0; i < bytes; i++)
		*v = *v << 8 | b[i];
	return 0;
}

/*
 * The key an SPKI holds when it is exactly one DER SubjectPublicKeyInfo of
 * the stated type (nothing after it), else NULL.
 */
static EVP_PKEY *
spki_key(enum hsm_key_type type, const unsigned char *spki, size_t spkilen)
{
	const unsigned char *p = spki;
	EVP_PKEY *pk;
	char group[32];
	int ok = 0;

	if (spkilen == 0 || spkilen > LONG_MAX ||
	    (pk = d2i_PUBKEY(NULL, &p, (long)spkilen)) == NULL) {
		ERR_clear_error();
		return NULL;
	}
	if (p != spki + spkilen)
		goto out;
	switch (type) {
	case HSM_KEY_ECDSA_P256:
		ok = EVP_PKEY_get_base_id(pk) == EVP_PKEY_EC &&
		    EVP_PKEY_get_group_name(pk, group, sizeof(group), NULL) &&
		    strcmp(group, "prime256v1") == 0 && spkilen == 91;
		break;
	case HSM_KEY_ED25519:
		ok = EVP_PKEY_get_base_id(pk) == EVP_PKEY_ED25519 &&
		    spkilen == 44;
		break;
	case HSM_KEY_RSA3072:
		ok = EVP_PKEY_get_base_id(pk) == EVP_PKEY_RSA &&
		    EVP_PKEY_get_bits(pk) <= 8 * HSM_SIG_MAX;
		break;
	}
out:
	ERR_clear_error();
	if (!ok) {
		EVP_PKEY_free(pk);
		pk = NULL;
	}
	return pk;
}

int
hsm_backup_blob_parse(const unsigned char *blob, size_t len,
    struct hsm_backup_blob *out)
{
	const unsigned char *m, *tp;
	unsigned char calc[32];
	struct rd rd = { blob, len };
	EVP_PKEY *pk;
	size_t pl, ll, n;

	if (out == NULL)
		return hsm_err(HSM_ERR_INVALID_ARG, "missing argument");
	memset(out, 0, sizeof(*out));
	if (blob == NULL ||
	    get(&rd, &m, sizeof(magic)) != 0 ||
	    memcmp(m, magic, sizeof(magic)) != 0 || get(&rd, &tp, 1) != 0 ||
	    get_be(&rd, 1, &out->idlen) != 0 || out->idlen != 32 ||
	    get(&rd, &out->id, out->idlen) != 0 ||
	    get_be(&rd, 2, &out->labellen) != 0 ||
	    out->labellen > HSM_LABEL_MAX ||
	    get(&rd, &out->label, out->labellen) != 0 ||
	    get_be(&rd, 2, &out->spkilen) != 0 ||
	    get(&rd, &out->spki, out->spkilen) != 0 ||
	    get_be(&rd, 4, &out->wrappedlen) != 0 ||
	    get(&rd, &out->wrapped, out->wrappedlen) != 0 || rd.left != 0)
		goto bad;
	if (tp[0] > HSM_KEY_RSA3072) {
		memset(out, 0, sizeof(*out));
		return hsm_err(HSM_ERR_BAD_BACKUP, "backup blob has unknown "
		    "key type %u", (unsigned)tp[0]);
	}
	out->type = (enum hsm_key_type)tp[0];
	/* RFC 5649 output: whole 64-bit blocks, at least two. */
	if (out->wrappedlen < 16 || out->wrappedlen % 8 != 0) {
		memset(out, 0, sizeof(*out));
		return hsm_err(HSM_ERR_BAD_BACKUP, "backup blob's wrapped key "
		    "has an impossible length");
	}
	if (memchr(out->label, '\0', out->labellen) != NULL) {
		memset(out, 0, sizeof(*out));
		return hsm_err(HSM_ERR_BAD_BACKUP, "backup blob's label holds "
		    "a NUL byte");
	}
	if ((pk = spki_key(out->type, out->spki, out->spkilen)) == NULL) {
		memset(out, 0, sizeof(*out));
		return hsm_err(HSM_ERR_BAD_BACKUP, "backup blob holds a bad "
		    "public key");
	}
	EVP_PKEY_free(pk);
	/* The ID must be the public key's: the blob cannot lie about it. */
	if (hsm_key_id_compute(out->type, out->spki, out->spkilen, calc) != 0 ||
	    memcmp(calc, out->id, 32) != 0) {
		memset(out, 0, sizeof(*out));
		return hsm_err(HSM_ERR_BAD_BACKUP, "backup blob's key ID does "
		    "not match its public key");
	}
	/* The restored key is an ordinary one: drop the backup mark. */
	pl = strlen(HSM_BACKUP_PREFIX);
	ll = strlen(HSM_LABEL_PREFIX);
	if (out->labellen >= pl &&
	    memcmp(out->label, HSM_BACKUP_PREFIX, pl) == 0) {
		n = out->labellen - pl;
		if (ll + n > HSM_LABEL_MAX) {
			memset(out, 0, sizeof(*out));
			return hsm_err(HSM_ERR_BAD_BACKUP, "label too long");
		}
		memcpy(out->restored_label, HSM_LABEL_PREFIX, ll);
		memcpy(out->restored_label + ll, out->label + pl, n);
		out->restored_label[ll + n] = '\0';
	} else {
		memcpy(out->restored_label, out->label, out->labellen);
		out->restored_label[out->labellen] = '\0';
	}
	return 0;
bad:
	memset(out, 0, sizeof(*out));
	return hsm_err(HSM_ERR_BAD_BACKUP, "backup blob is truncated or "
	    "malformed");
}

/* Public key template from the SPKI for C_CreateObject. */
static int
pub_create(struct hsm_token *tok, CK_SESSION_HANDLE s, enum hsm_key_type type,
    const unsigned char *spki, size_t spkilen, const unsigned char *id,
    size_t idlen, const char *label, CK_OBJECT_HANDLE *h)
{
	CK_OBJECT_CLASS cls = CKO_PUBLIC_KEY;
	CK_KEY_TYPE kt;
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	unsigned char pt[2 + 65], nbuf[HSM_SIG_MAX], ebuf[8];
	CK_ATTRIBUTE t[9];
	CK_ULONG nt = 0;
	BIGNUM *n = NULL, *e = NULL;
	EVP_PKEY *pk;
	size_t raw;
	int r = HSM_ERR_BAD_BACKUP, nl, el;
	CK_RV rv;

	/* The blob is untrusted: the SPKI must be exactly the key it claims. */
	if ((pk = spki_key(type, spki, spkilen)) == NULL)
		goto out;
	t[nt++] = (CK_ATTRIBUTE){ CKA_CLASS, &cls, sizeof(cls) };
	t[nt++] = (CK_ATTRIBUTE){ CKA_KEY_TYPE, &kt, sizeof(kt) };
	t[nt++] = (CK_ATTRIBUTE){ CKA_TOKEN, &yes, sizeof(yes) };
	t[nt++] = (CK_ATTRIBUTE){ CKA_PRIVATE, &no, sizeof(no) };
	t[nt++] = (CK_ATTRIBUTE){ CKA_VERIFY, &yes, sizeof(yes) };
	t[nt++] = (CK_ATTRIBUTE){ CKA_ID, (void *)id, idlen };
	t[nt++] = (CK_ATTRIBUTE){ CKA_LABEL, (void *)label, strlen(label) };
	switch (type) {
	case HSM_KEY_ECDSA_P256:
	case HSM_KEY_ED25519:
		raw = type == HSM_KEY_ED25519 ? 32 : 65;
		if (spkilen < raw)
			goto out;
		kt = type == HSM_KEY_ED25519 ? CKK_EC_EDWARDS : CKK_EC;
		pt[0] = 0x04;
		pt[1] = (unsigned char)raw;
		memcpy(pt + 2, spki + spkilen - raw, raw);
		if (type == HSM_KEY_ED25519)
			t[nt++] = (CK_ATTRIBUTE){ CKA_EC_PARAMS,
			    (void *)oid_ed25519, sizeof(oid_ed25519) };
		else
			t[nt++] = (CK_ATTRIBUTE){ CKA_EC_PARAMS,
			    (void *)oid_p256, sizeof(oid_p256) };
		t[nt++] = (CK_ATTRIBUTE){ CKA_EC_POINT, pt, raw + 2 };
		break;
	case HSM_KEY_RSA3072:
		kt = CKK_RSA;
		if (!EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_N, &n) ||
		    !EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_E, &e) ||
		    BN_num_bytes(n) > (int)sizeof(nbuf) ||
		    (nl = BN_bn2binpad(n, nbuf, BN_num_bytes(n))) <= 0 ||
		    BN_num_bytes(e) > (int)sizeof(ebuf) ||
		    (el = BN_bn2bin(e, ebuf)) <= 0)
			goto out;
		t[nt++] = (CK_ATTRIBUTE){ CKA_MODULUS, nbuf, (CK_ULONG)nl };
		t[nt++] = (CK_ATTRIBUTE){ CKA_PUBLIC_EXPONENT, ebuf,
		    (CK_ULONG)el };
		break;
	}
	if ((rv = tok->mod->f->C_CreateObject(s, t, nt, h)) != CKR_OK) {
		r = hsm_err_rv(HSM_ERR_PKCS11, rv, "creating the public key");
		goto out;
	}
	r = 0;
out:
	if (r == HSM_ERR_BAD_BACKUP)
		hsm_err(r, "backup blob holds a bad public key");
	ERR_clear_error();
	EVP_PKEY_free(pk);
	BN_free(n);
	BN_free(e);
	return r;
}

int
hsm_key_unwrap(struct hsm_key *kek, const unsigned char *blob,
    size_t bloblen, struct hsm_key **out)
{
	CK_MECHANISM mech = { CKM_AES_KEY_WRAP_PAD, NULL, 0 };
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_KEY_TYPE kt;
	CK_ATTRIBUTE t[9];
	CK_OBJECT_HANDLE hpriv = CK_INVALID_HANDLE, hpub = CK_INVALID_HANDLE;
	struct hsm_backup_blob bb;
	const unsigned char *id, *spki, *w;
	const char *label;
	size_t idlen, spkilen, wlen;
	enum hsm_key_type type;
	struct hsm_token *tok;
	CK_SESSION_HANDLE s;
	CK_RV rv;
	int r;

	if (out != NULL)
		*out = NULL;
	if (kek == NULL || blob == NULL || out == NULL ||
	    kek->cls != CKO_SECRET_KEY)
		return hsm_err(HSM_ERR_INVALID_ARG, "unwrap needs a KEK");
	/* Everything about the blob is checked before the token is touched. */
	if ((r = hsm_backup_blob_parse(blob, bloblen, &bb)) != 0)
		return r;
	type = bb.type;
	id = bb.id;
	idlen = bb.idlen;
	spki = bb.spki;
	spkilen = bb.spkilen;
	w = bb.wrapped;
	wlen = bb.wrappedlen;
	label = bb.restored_label;
	kt = type == HSM_KEY_ECDSA_P256 ? CKK_EC : type == HSM_KEY_ED25519 ?
	    CKK_EC_EDWARDS : CKK_RSA;
	t[0] = (CK_ATTRIBUTE){ CKA_CLASS, &cls, sizeof(cls) };
	t[1] = (CK_ATTRIBUTE){ CKA_KEY_TYPE, &kt, sizeof(kt) };
	t[2] = (CK_ATTRIBUTE){ CKA_TOKEN, &yes, sizeof(yes) };
	t[3] = (CK_ATTRIBUTE){ CKA_PRIVATE, &yes, sizeof(yes) };
	t[4] = (CK_ATTRIBUTE){ CKA_SIGN, &yes, sizeof(yes) };
	t[5] = (CK_ATTRIBUTE){ CKA_SENSITIVE, &yes, sizeof(yes) };
	t[6] = (CK_ATTRIBUTE){ CKA_EXTRACTABLE, &no, sizeof(no) };
	t[7] = (CK_ATTRIBUTE){ CKA_ID, (void *)id, idlen };
	t[8] = (CK_ATTRIBUTE){ CKA_LABEL, (void *)label, strlen(label) };
	tok = kek->tok;
	if ((r = hsm_token_enter(tok, 1)) != 0)
		return r;
	if ((r = hsm_key_refresh(kek)) != 0 ||
	    (r = hsm_session_get(tok, &s)) != 0)
		goto leave;
	rv = tok->mod->f->C_UnwrapKey(s, &mech, atomic_load(&kek->obj),
	    (CK_BYTE_PTR)w, wlen, t, 9, &hpriv);
	if (rv != CKR_OK) {
		r = hsm_err_rv(HSM_ERR_PKCS11, rv, "unwrapping onto token "
		    "'%s': is it the KEK the blob was wrapped under?",
		    tok->label);
		hpriv = CK_INVALID_HANDLE;
		goto put;
	}
	if ((r = pub_create(tok, s, type, spki, spkilen, id, idlen, label,
	    &hpub)) != 0)
		goto put;
	if ((r = hsm_key_load(tok, s, CKO_PRIVATE_KEY, id, idlen, out)) != 0)
		goto put;
	hpriv = hpub = CK_INVALID_HANDLE;
put:
	if (hpriv != CK_INVALID_HANDLE)
		(void)tok->mod->f->C_DestroyObject(s, hpriv);
	if (hpub != CK_INVALID_HANDLE)
		(void)tok->mod->f->C_DestroyObject(s, hpub);
	hsm_session_put(tok, s, r == HSM_ERR_TOKEN_GONE);
leave:
	hsm_token_leave(tok);
	return r;
}
