/* SPDX-License-Identifier: Apache-2.0 */
/* Listing the token's private keys with the attributes that matter, and deleting a key. */
#include <stdlib.h>
#include <string.h>

#include "hsm_int.h"

#define LIST_MAX 1024

static int
flag(struct hsm_token *tok, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o,
    CK_ATTRIBUTE_TYPE type)
{
	CK_BBOOL b = CK_FALSE;
	CK_ATTRIBUTE a = { type, &b, sizeof(b) };

	return tok->mod->f->C_GetAttributeValue(s, o, &a, 1) == CKR_OK &&
	    b == CK_TRUE;
}

static int
count_by_id(struct hsm_token *tok, CK_SESSION_HANDLE s, CK_OBJECT_CLASS cls,
    const unsigned char *id, size_t idlen, CK_OBJECT_HANDLE *o)
{
	CK_ATTRIBUTE t[2] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_ID, (void *)id, idlen } };
	CK_ULONG n = 0;

	if (hsm_find_objects(tok, s, t, 2, o, 1, &n) != 0)
		return 0;
	return (int)n;
}

static void
info_fill(struct hsm_token *tok, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o,
    struct hsm_key_info *ki)
{
	struct hsm_key *key = NULL;
	unsigned char *id = NULL, *spki = NULL, kid[32];
	size_t idlen, spkilen;
	CK_OBJECT_HANDLE pub;

	memset(ki, 0, sizeof(*ki));
	ki->sensitive = flag(tok, s, o, CKA_SENSITIVE);
	ki->extractable = flag(tok, s, o, CKA_EXTRACTABLE);
	ki->always_sensitive = flag(tok, s, o, CKA_ALWAYS_SENSITIVE);
	ki->never_extractable = flag(tok, s, o, CKA_NEVER_EXTRACTABLE);
	ki->local = flag(tok, s, o, CKA_LOCAL);
	if (hsm_attr_read(tok, s, o, CKA_ID, &id, &idlen) != 0)
		return;
	hsm_hex(id, idlen > 32 ? 32 : idlen, ki->id);
	if (hsm_key_load(tok, s, CKO_PRIVATE_KEY, id, idlen, &key) == 0) {
		ki->type = key->type;
		ki->type_known = 1;
		ki->backup = key->backup;
		memcpy(ki->label, key->label, sizeof(ki->label));
		if (count_by_id(tok, s, CKO_PUBLIC_KEY, id, idlen, &pub) > 0 &&
		    hsm_spki_from_object(tok, s, pub, key->type, &spki,
		    &spkilen) == 0 &&
		    hsm_key_id_compute(key->type, spki, spkilen, kid) == 0)
			ki->id_matches = idlen == 32 &&
			    memcmp(kid, id, 32) == 0;
	}
	ki->has_cert = count_by_id(tok, s, CKO_CERTIFICATE, id, idlen, &pub) >
	    0;
	hsm_key_free(key);
	free(spki);
	free(id);
}

int
hsm_key_list(struct hsm_token *tok, struct hsm_key_info **out, size_t *n)
{
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE t = { CKA_CLASS, &cls, sizeof(cls) };
	CK_OBJECT_HANDLE *objs = NULL;
	struct hsm_key_info *ki = NULL;
	CK_SESSION_HANDLE s;
	CK_ULONG found = 0, i;
	int r;

	if (out != NULL)
		*out = NULL;
	if (n != NULL)
		*n = 0;
	if (tok == NULL || out == NULL || n == NULL)
		return hsm_err(HSM_ERR_INVALID_ARG, "missing argument");
	if ((objs = calloc(LIST_MAX, sizeof(*objs))) == NULL)
		return hsm_err(HSM_ERR_NO_MEMORY, "out of memory");
	if ((r = hsm_token_enter(tok, 1)) != 0) {
		free(objs);
		return r;
	}
	if ((r = hsm_session_get(tok, &s)) != 0)
		goto leave;
	if ((r = hsm_find_objects(tok, s, &t, 1, objs, LIST_MAX, &found)) != 0)
		goto put;
	if ((ki = calloc(found + 1, sizeof(*ki))) == NULL) {
		r = hsm_err(HSM_ERR_NO_MEMORY, "out of memory");
		goto put;
	}
	for (i = 0; i < found; i++)
		info_fill(tok, s, objs[i], &ki[i]);
	*out = ki;
	*n = found;
	r = 0;
put:
	hsm_session_put(tok, s, r == HSM_ERR_TOKEN_GONE);
leave:
	hsm_token_leave(tok);
	free(objs);
	return r;
}

int
hsm_key_delete(struct hsm_key *key)
{
	CK_ATTRIBUTE t;
	CK_OBJECT_HANDLE o[16];
	CK_SESSION_HANDLE s;
	struct hsm_token *tok;
	CK_ULONG n, i;
	CK_RV rv;
	int r;

	if (key == NULL)
		return hsm_err(HSM_ERR_INVALID_ARG, "no key");
	tok = key->tok;
	t = (CK_ATTRIBUTE){ CKA_ID, key->id, key->idlen };
	if ((r = hsm_token_enter(tok, 1)) != 0)
		return r;
	if ((r = hsm_session_get(tok, &s)) != 0)
		goto leave;
	/* Private and public key, certificate: everything under this ID. */
	if ((r = hsm_find_objects(tok, s, &t, 1, o, 16, &n)) != 0)
		goto put;
	if (n == 0) {
		r = hsm_err(HSM_ERR_KEY_NOT_FOUND, "key %s is not on token '%s'",
		    key->idhex, tok->label);
		goto put;
	}
	for (i = 0; i < n; i++)
		if ((rv = tok->mod->f->C_DestroyObject(s, o[i])) != CKR_OK) {
			r = hsm_err_rv(HSM_ERR_PKCS11, rv, "deleting an object "
			    "of key %s", key->idhex);
			goto put;
		}
	atomic_fetch_add(&tok->gen, 1);
	r = 0;
put:
	hsm_session_put(tok, s, r == HSM_ERR_TOKEN_GONE);
leave:
	hsm_token_leave(tok);
	return r;
}
