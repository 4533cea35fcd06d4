/* SPDX-License-Identifier: Apache-2.0 */
/* Initialising a fresh token (label, SO PIN, user PIN) with the PINs read from files or a prompt, never from argv. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "hsm_int.h"

/* The slot of the first token not yet initialised; none with our label. */
static int
free_slot(struct hsm_module *mod, const char *label, CK_SLOT_ID *slot,
    CK_TOKEN_INFO *info)
{
	CK_FUNCTION_LIST_PTR f = mod->f;
	CK_SLOT_ID *slots = NULL;
	CK_TOKEN_INFO ti;
	CK_ULONG n = 0, i;
	char have[33];
	int r, found = 0;

	if ((r = hsm_slots_list(mod, HSM_ERR_PKCS11, &slots, &n)) != 0)
		return r;
	for (i = 0; i < n; i++) {
		if (f->C_GetTokenInfo(slots[i], &ti) != CKR_OK)
			continue;
		if (ti.flags & CKF_TOKEN_INITIALIZED) {
			hsm_blank_trim(ti.label, sizeof(ti.label), have);
			if (strcmp(have, label) == 0) {
				r = hsm_err(HSM_ERR_TOKEN_EXISTS, "a token "
				    "labelled '%s' already exists in '%s': "
				    "nothing was changed", label, mod->path);
				goto out;
			}
		} else if (!found) {
			*slot = slots[i];
			*info = ti;
			found = 1;
		}
	}
	r = found ? 0 : hsm_err(HSM_ERR_TOKEN_NOT_FOUND, "module '%s' offers "
	    "no uninitialised token (for SoftHSM2: check SOFTHSM2_CONF and "
	    "its tokendir)", mod->path);
out:
	free(slots);
	return r;
}

/* A new PIN: read once, or twice and compared when typed at a prompt. */
static int
new_pin(const struct hsm_config *src, const char *who, char *pin,
    size_t size, size_t *len)
{
	struct hsm_config again = *src;
	char text[96], copy[HSM_PIN_MAX];
	size_t clen = 0;
	int r;

	if (src->pin_source == HSM_PIN_PROMPT && src->prompt == NULL) {
		(void)snprintf(text, sizeof(text), "New %s: ", who);
		again.prompt = text;
	}
	if ((r = hsm_pin_read(&again, pin, size, len)) != 0 ||
	    src->pin_source != HSM_PIN_PROMPT)
		return r;
	(void)snprintf(text, sizeof(text), "Repeat the %s: ", who);
	again.prompt = text;
	if ((r = hsm_pin_read(&again, copy, sizeof(copy), &clen)) == 0 &&
	    (clen != *len || CRYPTO_memcmp(copy, pin, clen) != 0))
		r = hsm_err(HSM_ERR_PIN_SOURCE, "the two %ss differ", who);
	explicit_bzero(copy, sizeof(copy));
	if (r != 0)
		explicit_bzero(pin, size);
	return r;
}

static int
pin_fits(const CK_TOKEN_INFO *ti, const char *who, size_t len)
{
	if (len < ti->ulMinPinLen || len > ti->ulMaxPinLen)
		return hsm_err(HSM_ERR_PIN_SOURCE, "the %s must have %lu to %lu "
		    "characters", who, (unsigned long)ti->ulMinPinLen,
		    (unsigned long)ti->ulMaxPinLen);
	return 0;
}

int
hsm_token_init(const char *module, const char *label,
    const struct hsm_config *so, const struct hsm_config *user)
{
	struct hsm_module *mod = NULL;
	CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
	CK_FUNCTION_LIST_PTR f;
	CK_TOKEN_INFO ti;
	CK_SLOT_ID slot = 0;
	CK_UTF8CHAR lab[32];
	char sopin[HSM_PIN_MAX], pin[HSM_PIN_MAX];
	size_t solen = 0, pinlen = 0;
	CK_RV rv;
	int r, locked = 0, logged = 0;

	if (module == NULL || label == NULL || so == NULL || user == NULL ||
	    label[0] == '\0' || strlen(label) > sizeof(lab) ||
	    so->pin_source == HSM_PIN_NONE || user->pin_source == HSM_PIN_NONE)
		return hsm_err(HSM_ERR_INVALID_ARG, "a module, a label of 1 to "
		    "32 bytes and both PIN sources are required");
	memset(&ti, 0, sizeof(ti));
	if ((r = hsm_module_get(module, &mod)) != 0)
		return r;
	f = mod->f;
	pthread_rwlock_rdlock(&mod->lock);
	locked = 1;
	if ((r = free_slot(mod, label, &slot, &ti)) != 0)
		goto out;
	if ((r = new_pin(so, "SO PIN", sopin, sizeof(sopin), &solen)) != 0 ||
	    (r = pin_fits(&ti, "SO PIN", solen)) != 0 ||
	    (r = new_pin(user, "user PIN", pin, sizeof(pin), &pinlen)) != 0 ||
	    (r = pin_fits(&ti, "user PIN", pinlen)) != 0)
		goto out;
	/* Cryptoki labels are 32 bytes padded with blanks, not terminated. */
	memset(lab, ' ', sizeof(lab));
	memcpy(lab, label, strlen(label));
	if ((rv = f->C_InitToken(slot, (CK_UTF8CHAR_PTR)sopin, solen,
	    lab)) != CKR_OK) {
		r = hsm_err_rv(HSM_ERR_PKCS11, rv, "initialising token '%s' "
		    "failed", label);
		goto out;
	}
	if ((rv = f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION,
	    NULL, NULL, &s)) != CKR_OK ||
	    (rv = f->C_Login(s, CKU_SO, (CK_UTF8CHAR_PTR)sopin, solen)) !=
	    CKR_OK) {
		r = hsm_err_rv(HSM_ERR_PKCS11, rv, "token '%s' is initialised "
		    "but the SO could not log in to set the user PIN", label);
		goto out;
	}
	logged = 1;
	if ((rv = f->C_InitPIN(s, (CK_UTF8CHAR_PTR)pin, pinlen)) != CKR_OK) {
		r = hsm_err_rv(HSM_ERR_PKCS11, rv, "token '%s' is initialised "
		    "but setting its user PIN failed", label);
		goto out;
	}
	r = 0;
out:
	if (logged)
		(void)f->C_Logout(s);
	if (s != CK_INVALID_HANDLE)
		(void)f->C_CloseSession(s);
	explicit_bzero(sopin, sizeof(sopin));
	explicit_bzero(pin, sizeof(pin));
	if (locked)
		pthread_rwlock_unlock(&mod->lock);
	hsm_module_put(mod);
	return r;
}
