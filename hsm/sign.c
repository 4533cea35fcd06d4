/* SPDX-License-Identifier: Apache-2.0 */
/* The signing hot path: one pooled session per concurrent call, C_SignInit + C_Sign. */
#include <string.h>

#include <openssl/sha.h>

#include "hsm_int.h"

int
hsm_key_sign(struct hsm_key *key, const unsigned char *msg, size_t msglen,
    unsigned char *sig, size_t sigsize, size_t *siglen)
{
	CK_RSA_PKCS_PSS_PARAMS pss = { CKM_SHA256, CKG_MGF1_SHA256, 32 };
	CK_MECHANISM mech = { CKM_ECDSA, NULL, 0 };
	unsigned char digest[SHA256_DIGEST_LENGTH];
	const unsigned char *data = digest;
	CK_ULONG datalen = sizeof(digest), sl;
	CK_FUNCTION_LIST_PTR f;
	struct hsm_token *tok;
	CK_SESSION_HANDLE s;
	CK_RV rv;
	int r, attempt;

	if (siglen != NULL)
		*siglen = 0;
	if (key == NULL || sig == NULL || siglen == NULL ||
	    (msg == NULL && msglen > 0) || key->cls != CKO_PRIVATE_KEY)
		return hsm_err(HSM_ERR_INVALID_ARG, "bad signing arguments");
	if (!key->sign_ok)
		return hsm_err(HSM_ERR_KEY_POLICY, "key %s is extractable or "
		    "not sensitive and not a backup key: refusing to sign",
		    key->idhex);
	if (sigsize < key->siglen)
		return hsm_err(HSM_ERR_BUFFER_TOO_SMALL, "signature needs %zu "
		    "bytes", key->siglen);
	tok = key->tok;
	f = tok->mod->f;
	switch (key->type) {
	case HSM_KEY_ECDSA_P256:
		SHA256(msg, msglen, digest);
		break;
	case HSM_KEY_ED25519:
		mech.mechanism = CKM_EDDSA;
		data = msg;
		datalen = msglen;
		break;
	case HSM_KEY_RSA3072:
		SHA256(msg, msglen, digest);
		mech.mechanism = CKM_RSA_PKCS_PSS;
		mech.pParameter = &pss;
		mech.ulParameterLen = sizeof(pss);
		break;
	}
	/* A vanished token is noticed on the first try; the second runs
	 * after recovery (or fails closed if the token is still away). */
	for (attempt = 0; attempt < 2; attempt++) {
		if ((r = hsm_token_enter(tok, 1)) != 0)
			return r;
		if ((r = hsm_key_refresh(key)) != 0 ||
		    (r = hsm_session_get(tok, &s)) != 0) {
			hsm_token_leave(tok);
			/* A lost login may come back from a PIN file. */
			if (r == HSM_ERR_LOGIN_REQUIRED && attempt == 0)
				continue;
			return r;
		}
		sl = sigsize;
		rv = f->C_SignInit(s, &mech, atomic_load(&key->obj));
		if (rv == CKR_OK)
			rv = f->C_Sign(s, (CK_BYTE_PTR)data, datalen, sig, &sl);
		hsm_session_put(tok, s, rv != CKR_OK && hsm_rv_is_gone(rv));
		hsm_token_leave(tok);
		if (rv == CKR_OK) {
			*siglen = sl;
			return 0;
		}
		if (rv == CKR_USER_NOT_LOGGED_IN) {
			/* Retried after a re-login from a PIN file, if any. */
			atomic_store(&tok->state, HSM_TOK_LOGIN);
			r = hsm_err_rv(HSM_ERR_LOGIN_REQUIRED, rv, "token '%s' "
			    "is no longer logged in: log in again", tok->label);
			continue;
		}
		if (!hsm_rv_is_gone(rv))
			return hsm_err_rv(HSM_ERR_PKCS11, rv, "signing with key "
			    "%s on token '%s'", key->idhex, tok->label);
		r = hsm_token_gone_err(tok, rv, "signing");
	}
	return r;
}
