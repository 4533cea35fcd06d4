/* SPDX-License-Identifier: Apache-2.0 */
/* hsm/ error codes, their texts, and the per-thread detail message for logs. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "hsm_int.h"

static _Thread_local char detail[512];

const char *
hsm_strerror(int code)
{
	switch (code) {
	case 0: return "success";
	case HSM_ERR_INTERNAL: return "internal error";
	case HSM_ERR_INVALID_ARG: return "invalid argument";
	case HSM_ERR_NO_MEMORY: return "out of memory";
	case HSM_ERR_MODULE_NOT_FOUND: return "PKCS#11 module not found";
	case HSM_ERR_MODULE_INVALID: return "not a PKCS#11 module";
	case HSM_ERR_MODULE_INIT: return "PKCS#11 module failed to initialise";
	case HSM_ERR_TOKEN_NOT_FOUND: return "token not found";
	case HSM_ERR_TOKEN_AMBIGUOUS: return "more than one token matches";
	case HSM_ERR_PIN_SOURCE: return "PIN source unusable";
	case HSM_ERR_PIN_INCORRECT: return "wrong PIN";
	case HSM_ERR_LOGIN_LOCKED: return "too many failed logins";
	case HSM_ERR_LOGIN_REQUIRED: return "token not logged in";
	case HSM_ERR_KEY_NOT_FOUND: return "key not found";
	case HSM_ERR_KEY_POLICY: return "key attributes forbid this use";
	case HSM_ERR_UNSUPPORTED: return "unsupported key type or operation";
	case HSM_ERR_TOKEN_GONE: return "token unavailable";
	case HSM_ERR_BUFFER_TOO_SMALL: return "buffer too small";
	case HSM_ERR_PKCS11: return "PKCS#11 error";
	case HSM_ERR_CRYPTO: return "cryptographic library error";
	case HSM_ERR_URI: return "bad PKCS#11 URI";
	case HSM_ERR_BAD_BACKUP: return "malformed key backup";
	case HSM_ERR_TOKEN_EXISTS: return "a token with that label exists";
	}
	return "unknown hsm error";
}

const char *
hsm_error_detail(void)
{
	return detail;
}

int
hsm_err(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	/* Truncation of a log detail is harmless. */
	(void)vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	return code;
}

int
hsm_err_rv(int code, CK_RV rv, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	(void)vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	n = strlen(detail);
	if (n < sizeof(detail))
		(void)snprintf(detail + n, sizeof(detail) - n, " (%s)",
		    hsm_rv_name(rv));
	return code;
}

/* Return values that mean the token or its login state went away under us. */
int
hsm_rv_is_gone(CK_RV rv)
{
	switch (rv) {
	case CKR_GENERAL_ERROR:
	case CKR_DEVICE_ERROR:
	case CKR_DEVICE_REMOVED:
	case CKR_TOKEN_NOT_PRESENT:
	case CKR_TOKEN_NOT_RECOGNIZED:
	case CKR_SESSION_HANDLE_INVALID:
	case CKR_SESSION_CLOSED:
	case CKR_OBJECT_HANDLE_INVALID:
	case CKR_KEY_HANDLE_INVALID:
	case CKR_CRYPTOKI_NOT_INITIALIZED:
		return 1;
	}
	return 0;
}

const char *
hsm_rv_name(CK_RV rv)
{
	static _Thread_local char buf[32];

	switch (rv) {
#define N(x) case x: return #x
	N(CKR_OK); N(CKR_CANCEL); N(CKR_HOST_MEMORY); N(CKR_SLOT_ID_INVALID);
	N(CKR_GENERAL_ERROR); N(CKR_FUNCTION_FAILED); N(CKR_ARGUMENTS_BAD);
	N(CKR_CANT_LOCK); N(CKR_ATTRIBUTE_READ_ONLY);
	N(CKR_ATTRIBUTE_SENSITIVE); N(CKR_ATTRIBUTE_TYPE_INVALID);
	N(CKR_ATTRIBUTE_VALUE_INVALID); N(CKR_ACTION_PROHIBITED);
	N(CKR_DATA_INVALID); N(CKR_DATA_LEN_RANGE); N(CKR_DEVICE_ERROR);
	N(CKR_DEVICE_MEMORY); N(CKR_DEVICE_REMOVED);
	N(CKR_FUNCTION_NOT_SUPPORTED); N(CKR_KEY_HANDLE_INVALID);
	N(CKR_KEY_SIZE_RANGE); N(CKR_KEY_TYPE_INCONSISTENT);
	N(CKR_KEY_FUNCTION_NOT_PERMITTED); N(CKR_KEY_NOT_WRAPPABLE);
	N(CKR_KEY_UNEXTRACTABLE); N(CKR_MECHANISM_INVALID);
	N(CKR_MECHANISM_PARAM_INVALID); N(CKR_OBJECT_HANDLE_INVALID);
	N(CKR_OPERATION_ACTIVE); N(CKR_OPERATION_NOT_INITIALIZED);
	N(CKR_PIN_INCORRECT); N(CKR_PIN_INVALID); N(CKR_PIN_LEN_RANGE);
	N(CKR_PIN_EXPIRED); N(CKR_PIN_LOCKED); N(CKR_SESSION_CLOSED);
	N(CKR_SESSION_COUNT); N(CKR_SESSION_HANDLE_INVALID);
	N(CKR_SESSION_READ_ONLY); N(CKR_SIGNATURE_INVALID);
	N(CKR_SIGNATURE_LEN_RANGE); N(CKR_TEMPLATE_INCOMPLETE);
	N(CKR_TEMPLATE_INCONSISTENT); N(CKR_TOKEN_NOT_PRESENT);
	N(CKR_TOKEN_NOT_RECOGNIZED); N(CKR_TOKEN_WRITE_PROTECTED);
	N(CKR_UNWRAPPING_KEY_HANDLE_INVALID);
	N(CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT);
	N(CKR_USER_ALREADY_LOGGED_IN); N(CKR_USER_NOT_LOGGED_IN);
	N(CKR_USER_PIN_NOT_INITIALIZED); N(CKR_USER_TYPE_INVALID);
	N(CKR_WRAPPED_KEY_INVALID); N(CKR_WRAPPED_KEY_LEN_RANGE);
	N(CKR_WRAPPING_KEY_HANDLE_INVALID); N(CKR_WRAPPING_KEY_SIZE_RANGE);
	N(CKR_WRAPPING_KEY_TYPE_INCONSISTENT); N(CKR_DOMAIN_PARAMS_INVALID);
	N(CKR_CURVE_NOT_SUPPORTED); N(CKR_BUFFER_TOO_SMALL);
	N(CKR_CRYPTOKI_NOT_INITIALIZED); N(CKR_CRYPTOKI_ALREADY_INITIALIZED);
	N(CKR_FUNCTION_REJECTED);
#undef N
	}
	(void)snprintf(buf, sizeof(buf), "CKR 0x%lx", (unsigned long)rv);
	return buf;
}
