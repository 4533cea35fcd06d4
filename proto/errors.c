/* SPDX-License-Identifier: Apache-2.0 */
/* The wire error codes, library error texts and error-message helpers. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "proto.h"

/* Indexed by enum proto_code; the strings are the protocol: never change. */
static const char *const code_names[PROTO_CODE_COUNT] = {
	[PROTO_CODE_NONE] = NULL,
	[PROTO_CODE_BAD_FRAME] = "bad_frame",
	[PROTO_CODE_FRAME_TOO_LARGE] = "frame_too_large",
	[PROTO_CODE_BAD_JSON] = "bad_json",
	[PROTO_CODE_BAD_REQUEST] = "bad_request",
	[PROTO_CODE_UNKNOWN_OP] = "unknown_op",
	[PROTO_CODE_UNSUPPORTED_VERSION] = "unsupported_version",
	[PROTO_CODE_DENIED] = "denied",
	[PROTO_CODE_NOT_FOUND] = "not_found",
	[PROTO_CODE_CONFLICT] = "conflict",
	[PROTO_CODE_ROLLBACK] = "rollback",
	[PROTO_CODE_EQUIVOCATION] = "equivocation",
	[PROTO_CODE_LOCKED] = "locked",
	[PROTO_CODE_TOKEN_ERROR] = "token_error",
	[PROTO_CODE_INTERNAL] = "internal",
	[PROTO_CODE_TIMEOUT] = "timeout",
	[PROTO_CODE_BUSY] = "busy",
	[PROTO_CODE_BAD_METADATA] = "bad_metadata",
	[PROTO_CODE_UNTRUSTED] = "untrusted",
	[PROTO_CODE_UNAVAILABLE] = "unavailable",
};

const char *
proto_code_name(enum proto_code c)
{
	if ((int)c < 0 || c >= PROTO_CODE_COUNT)
		return NULL;
	return code_names[c];
}

enum proto_code
proto_code_from_name(const char *s, size_t len)
{
	int i;

	if (s == NULL)
		return PROTO_CODE_NONE;
	for (i = 1; i < PROTO_CODE_COUNT; i++) {
		if (strlen(code_names[i]) == len &&
		    memcmp(code_names[i], s, len) == 0)
			return (enum proto_code)i;
	}
	return PROTO_CODE_NONE;
}

enum proto_code
proto_code_from_err(int r)
{
	switch (r) {
	case PROTO_ERR_TRUNCATED:
	case PROTO_ERR_EMPTY_FRAME:
		return PROTO_CODE_BAD_FRAME;
	case PROTO_ERR_TOO_LARGE:
		return PROTO_CODE_FRAME_TOO_LARGE;
	case PROTO_ERR_TIMEOUT:
		return PROTO_CODE_TIMEOUT;
	case PROTO_ERR_JSON:
		return PROTO_CODE_BAD_JSON;
	case PROTO_ERR_REQUEST:
	case PROTO_ERR_MISSING:
		return PROTO_CODE_BAD_REQUEST;
	case PROTO_ERR_VERSION:
		return PROTO_CODE_UNSUPPORTED_VERSION;
	default:
		return PROTO_CODE_INTERNAL;
	}
}

const char *
proto_strerror(int r)
{
	switch (r) {
	case PROTO_OK:			return "success";
	case PROTO_ERR_NOMEM:		return "out of memory";
	case PROTO_ERR_INVAL:		return "invalid argument";
	case PROTO_ERR_AGAIN:		return "frame incomplete";
	case PROTO_ERR_EOF:		return "connection closed";
	case PROTO_ERR_TRUNCATED:
		return "connection closed inside a frame";
	case PROTO_ERR_TOO_LARGE:	return "frame longer than the maximum";
	case PROTO_ERR_TIMEOUT:		return "deadline passed";
	case PROTO_ERR_IO:		return "read or write failed";
	case PROTO_ERR_EMPTY_FRAME:	return "empty frame";
	case PROTO_ERR_JSON:		return "payload is not acceptable JSON";
	case PROTO_ERR_REQUEST:		return "malformed request";
	case PROTO_ERR_VERSION:		return "unsupported protocol version";
	case PROTO_ERR_MISSING:		return "required field missing";
	case PROTO_ERR_RESPONSE:	return "malformed response";
	default:			return "unknown proto error";
	}
}

void
proto_error_clear(struct proto_error *e)
{
	if (e == NULL)
		return;
	e->code = PROTO_CODE_NONE;
	e->field[0] = '\0';
	e->message[0] = '\0';
}

/*
 * A message cut by vsnprintf may end inside a UTF-8 sequence, and a format
 * argument may not be UTF-8 at all; the writer would then refuse the whole
 * reply. Replace whatever does not decode so the reply always goes out.
 */
static void
error_fix_utf8(char *s)
{
	size_t i = 0, n = strlen(s), k;

	while (i < n) {
		for (k = 1; k <= 4 && i + k <= n; k++)
			if (proto_utf8_valid(s + i, k))
				break;
		if (k <= 4 && i + k <= n) {
			i += k;
			continue;
		}
		s[i++] = '?';
	}
}

static void __attribute__((format(printf, 4, 0)))
error_vset(struct proto_error *e, enum proto_code code, const char *field,
    const char *fmt, va_list ap)
{
	size_t off = 0;
	int w;

	e->code = code;
	e->field[0] = '\0';
	e->message[0] = '\0';
	if (field != NULL && field[0] != '\0') {
		w = snprintf(e->field, sizeof(e->field), "%s", field);
		if (w < 0 || (size_t)w >= sizeof(e->field))
			e->field[sizeof(e->field) - 1] = '\0';
		w = snprintf(e->message, sizeof(e->message), "field \"%s\": ",
		    e->field);
		if (w > 0 && (size_t)w < sizeof(e->message))
			off = (size_t)w;
	}
	/* Truncation is accepted: a message is for people and capped. */
	w = vsnprintf(e->message + off, sizeof(e->message) - off, fmt, ap);
	if (w < 0)
		e->message[off] = '\0';
	error_fix_utf8(e->field);
	error_fix_utf8(e->message);
}

void
proto_error_set(struct proto_error *e, enum proto_code code,
    const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return;
	va_start(ap, fmt);
	error_vset(e, code, NULL, fmt, ap);
	va_end(ap);
}

void
proto_error_field(struct proto_error *e, enum proto_code code,
    const char *field, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return;
	va_start(ap, fmt);
	error_vset(e, code, field, fmt, ap);
	va_end(ap);
}

void
proto_quote(const void *s, size_t len, char *out, size_t outlen)
{
	static const char hex[] = "0123456789abcdef";
	const uint8_t *p = s;
	size_t i, o = 0;

	if (outlen == 0)
		return;
	for (i = 0; i < len && p != NULL; i++) {
		/* Room for "\xNN", "..." and the NUL. */
		if (o + 4 + 3 + 1 > outlen || i >= 48) {
			if (o + 3 + 1 <= outlen) {
				memcpy(out + o, "...", 3);
				o += 3;
			}
			break;
		}
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\' &&
		    p[i] != '"') {
			out[o++] = (char)p[i];
		} else {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[p[i] >> 4];
			out[o++] = hex[p[i] & 0xf];
		}
	}
	out[o] = '\0';
}
