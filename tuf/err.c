/* SPDX-License-Identifier: Apache-2.0 */
/* Error texts and the error-filling helper of tuf/. */
#include <stdio.h>
#include <string.h>

#include "tuf_impl.h"

const char *
tuf_strerror(int code)
{
	switch (code) {
	case TUF_OK:			return "success";
	case TUF_ERR_NOMEM:		return "out of memory";
	case TUF_ERR_INVAL:		return "invalid argument";
	case TUF_ERR_JSON:		return "not valid strict JSON";
	case TUF_ERR_TOO_BIG:		return "file too large";
	case TUF_ERR_MISSING:		return "required member missing";
	case TUF_ERR_FIELD_TYPE:	return "member has the wrong type";
	case TUF_ERR_UNKNOWN_FIELD:	return "unknown member";
	case TUF_ERR_WRONG_TYPE:	return "wrong _type for this role";
	case TUF_ERR_BAD_VERSION:	return "invalid version";
	case TUF_ERR_TIME:		return "invalid RFC 3339 time";
	case TUF_ERR_BASE64:		return "invalid base64";
	case TUF_ERR_HASH:		return "invalid hashes";
	case TUF_ERR_KEY:		return "invalid public key";
	case TUF_ERR_KEYID:		return "key ID does not match the key";
	case TUF_ERR_ROLE:		return "invalid role specification";
	case TUF_ERR_DELEGATION:	return "invalid delegation";
	case TUF_ERR_NO_SIGNATURES:	return "no signatures";
	case TUF_ERR_THRESHOLD:		return "valid signatures did not meet threshold";
	case TUF_ERR_ROOT_ROTATION:	return "root not signed by the trusted root keys";
	case TUF_ERR_ROOT_CERT:		return "no valid root certificate for this GUN";
	case TUF_ERR_ROLLBACK:		return "version lower than the trusted version";
	case TUF_ERR_EXPIRED:		return "metadata expired";
	case TUF_ERR_LENGTH:		return "length does not match the expected length";
	case TUF_ERR_HASH_MISMATCH:	return "checksum does not match";
	case TUF_ERR_NO_META:		return "no checksum information for this role";
	case TUF_ERR_ORDER:		return "prerequisite role not loaded";
	case TUF_ERR_NOT_FOUND:		return "not found";
	case TUF_ERR_EXISTS:		return "already exists";
	case TUF_ERR_SIGN:		return "signing failed";
	case TUF_ERR_CRYPTO:		return "cryptographic library failure";
	case TUF_ERR_UNSUPPORTED:	return "unsupported key type or method";
	case TUF_ERR_BAD_SIGNATURE:	return "signature does not verify";
	case TUF_ERR_TARGET_NAME:	return "invalid target name";
	case TUF_ERR_PATHS:		return "name outside the delegation's paths";
	}
	return "unknown error";
}

int
tuf_err(struct tuf_error *err, int code, const char *role, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;
	size_t	 off = 0;

	if (err == NULL)
		return code;
	memset(err, 0, sizeof(*err));
	err->code = code;
	if (role != NULL) {
		n = snprintf(err->role, sizeof(err->role), "%s", role);
		if (n < 0 || (size_t)n >= sizeof(err->role))
			err->role[sizeof(err->role) - 1] = '\0';
		n = snprintf(err->message, sizeof(err->message), "%s.json: ",
		    role);
		if (n > 0 && (size_t)n < sizeof(err->message))
			off = (size_t)n;
	}
	va_start(ap, fmt);
	n = vsnprintf(err->message + off, sizeof(err->message) - off, fmt, ap);
	va_end(ap);
	/* A truncated message is still a useful message: keep it. */
	(void)n;
	return code;
}
