/* SPDX-License-Identifier: Apache-2.0 */
/* Validators for the names ops take: GUNs, tags, roles, signers, digests. */
#include <string.h>

#include "proto.h"

static int
is_lower_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static int
is_alnum(unsigned char c)
{
	return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

int
proto_utf8_valid(const void *p, size_t len)
{
	const uint8_t *s = p;
	size_t i = 0, k, n;
	uint32_t cp, min;

	while (i < len) {
		uint8_t c = s[i];

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1; cp = c & 0x1f; min = 0x80;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2; cp = c & 0x0f; min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3; cp = c & 0x07; min = 0x10000;
		} else
			return 0;
		if (len - i - 1 < n)
			return 0;
		for (k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += n + 1;
	}
	return 1;
}

static int
bad(struct proto_error *err, const char *field, const char *s, size_t len,
    const char *why, size_t at)
{
	char q[64];

	proto_quote(s, len, q, sizeof(q));
	proto_error_field(err, PROTO_CODE_BAD_REQUEST, field,
	    "\"%s\": %s at byte %zu", q, why, at);
	return PROTO_ERR_REQUEST;
}

/* host label: [a-z0-9] with inner '-', 1..63 bytes. */
static int
gun_host_check(const char *field, const char *gun, size_t gunlen,
    size_t start, size_t end, struct proto_error *err)
{
	size_t i, label = start;

	for (i = start; i <= end; i++) {
		if (i < end && gun[i] != '.') {
			unsigned char c = (unsigned char)gun[i];

			if (!is_lower_alnum(c) && c != '-')
				return bad(err, field, gun, gunlen,
				    "character not allowed in a host name", i);
			continue;
		}
		if (i == label)
			return bad(err, field, gun, gunlen,
			    "empty host label", i);
		if (i - label > 63)
			return bad(err, field, gun, gunlen,
			    "host label longer than 63 bytes", label);
		if (gun[label] == '-' || gun[i - 1] == '-')
			return bad(err, field, gun, gunlen,
			    "host label starts or ends with '-'",
			    gun[label] == '-' ? label : i - 1);
		label = i + 1;
	}
	return 0;
}

/* path component: [a-z0-9]+ joined by '.', '_', '__' or '-'+. */
static int
gun_path_check(const char *field, const char *gun, size_t gunlen,
    size_t start, size_t end, struct proto_error *err)
{
	size_t i = start, sep;

	for (;;) {
		if (i >= end || !is_lower_alnum((unsigned char)gun[i]))
			return bad(err, field, gun, gunlen,
			    "path component must start and end with [a-z0-9]",
			    i);
		while (i < end && is_lower_alnum((unsigned char)gun[i]))
			i++;
		if (i == end)
			return 0;
		sep = i;
		if (gun[i] == '.')
			i++;
		else if (gun[i] == '_')
			i += (i + 1 < end && gun[i + 1] == '_') ? 2 : 1;
		else if (gun[i] == '-')
			while (i < end && gun[i] == '-')
				i++;
		else
			return bad(err, field, gun, gunlen,
			    "character not allowed in a path component", i);
		if (i < end && !is_lower_alnum((unsigned char)gun[i]))
			return bad(err, field, gun, gunlen,
			    "separator run not allowed (only '.', '_', '__', "
			    "'-'+)", sep);
	}
}

int
proto_gun_check(const char *field, const char *s, size_t len,
    struct proto_error *err)
{
	size_t i, slash, colon, comp, port;
	int rc;

	if (len == 0) {
		proto_error_field(err, PROTO_CODE_BAD_REQUEST, field,
		    "empty GUN");
		return PROTO_ERR_REQUEST;
	}
	if (len > PROTO_GUN_MAX) {
		proto_error_field(err, PROTO_CODE_BAD_REQUEST, field,
		    "GUN is %zu bytes long, at most %d allowed", len,
		    PROTO_GUN_MAX);
		return PROTO_ERR_REQUEST;
	}
	/* The plain catalogue first, so the message names the real problem. */
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f)
			return bad(err, field, s, len, "control character", i);
		if (c >= 0x80)
			return bad(err, field, s, len, "non-ASCII byte", i);
		if (c >= 'A' && c <= 'Z')
			return bad(err, field, s, len,
			    "uppercase letter (GUNs are lowercase)", i);
		if (c == '.' && i + 1 < len && s[i + 1] == '.')
			return bad(err, field, s, len, "\"..\"", i);
		if (c == '/' && (i == 0 || i + 1 == len || s[i + 1] == '/'))
			return bad(err, field, s, len,
			    "empty path component", i == 0 ? 0 : i + 1);
	}
	for (slash = 0; slash < len && s[slash] != '/'; slash++)
		;
	if (slash == len) {
		proto_error_field(err, PROTO_CODE_BAD_REQUEST, field,
		    "a GUN is host[:port]/path, this one has no '/'");
		return PROTO_ERR_REQUEST;
	}
	colon = slash;
	for (i = 0; i < slash; i++)
		if (s[i] == ':') {
			colon = i;
			break;
		}
	if ((rc = gun_host_check(field, s, len, 0, colon, err)) != 0)
		return rc;
	if (colon < slash) {
		port = 0;
		if (colon + 1 == slash || slash - colon - 1 > 5)
			return bad(err, field, s, len,
			    "port must be 1 to 65535", colon + 1);
		for (i = colon + 1; i < slash; i++) {
			if (s[i] < '0' || s[i] > '9')
				return bad(err, field, s, len,
				    "port must be decimal digits", i);
			port = port * 10 + (size_t)(s[i] - '0');
		}
		if (port == 0 || port > 65535)
			return bad(err, field, s, len,
			    "port must be 1 to 65535", colon + 1);
	}
	for (comp = slash + 1; comp < len; comp = i + 1) {
		for (i = comp; i < len && s[i] != '/'; i++)
			;
		if ((rc = gun_path_check(field, s, len, comp, i, err)) != 0)
			return rc;
	}
	return 0;
}

int
proto_tag_check(const char *field, const char *s, size_t len, int mode,
    struct proto_error *err)
{
	const uint8_t *u = (const uint8_t *)s;
	size_t i, max;

	max = mode == PROTO_TAG_DOCKER ? PROTO_TAG_DOCKER_MAX :
	    PROTO_TARGET_NAME_MAX;
	if (len == 0) {
		proto_error_field(err, PROTO_CODE_BAD_REQUEST, field,
		    "empty tag");
		return PROTO_ERR_REQUEST;
	}
	if (len > max) {
		proto_error_field(err, PROTO_CODE_BAD_REQUEST, field,
		    "tag is %zu bytes long, at most %zu allowed", len, max);
		return PROTO_ERR_REQUEST;
	}
	if (mode == PROTO_TAG_DOCKER) {
		for (i = 0; i < len; i++) {
			if (is_alnum(u[i]) || u[i] == '_' ||
			    (i > 0 && (u[i] == '.' || u[i] == '-')))
				continue;
			return bad(err, field, s, len, i == 0 ?
			    "a Docker tag starts with [A-Za-z0-9_]" :
			    "a Docker tag holds only [A-Za-z0-9_.-]", i);
		}
		return 0;
	}
	if (!proto_utf8_valid(s, len)) {
		proto_error_field(err, PROTO_CODE_BAD_REQUEST, field,
		    "tag is not valid UTF-8");
		return PROTO_ERR_REQUEST;
	}
	for (i = 0; i < len; i++) {
		if (u[i] < 0x20 || u[i] == 0x7f)
			return bad(err, field, s, len, "control character", i);
		/* C1 controls U+0080..U+009F are encoded C2 80..C2 9F. */
		if (u[i] == 0xc2 && i + 1 < len && u[i + 1] >= 0x80 &&
		    u[i + 1] <= 0x9f)
			return bad(err, field, s, len, "control character", i);
	}
	return 0;
}

/* [a-z0-9][a-z0-9_-]* up to PROTO_SIGNER_MAX; what docker calls a signer. */
static int
signer_syntax(const char *field, const char *full, size_t fulllen,
    const char *s, size_t len, size_t base, struct proto_error *err)
{
	size_t i;

	if (len == 0)
		return bad(err, field, full, fulllen, "empty signer name",
		    base);
	if (len > PROTO_SIGNER_MAX) {
		proto_error_field(err, PROTO_CODE_BAD_REQUEST, field,
		    "signer name is %zu bytes long, at most %d allowed", len,
		    PROTO_SIGNER_MAX);
		return PROTO_ERR_REQUEST;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (is_lower_alnum(c) || (i > 0 && (c == '_' || c == '-')))
			continue;
		return bad(err, field, full, fulllen, i == 0 ?
		    "a signer name starts with [a-z0-9]" :
		    "a signer name holds only [a-z0-9_-]", base + i);
	}
	return 0;
}

int
proto_signer_check(const char *field, const char *s, size_t len,
    struct proto_error *err)
{
	int rc;

	if ((rc = signer_syntax(field, s, len, s, len, 0, err)) != 0)
		return rc;
	if (len == 8 && memcmp(s, "releases", 8) == 0) {
		proto_error_field(err, PROTO_CODE_BAD_REQUEST, field,
		    "\"releases\" is reserved (Docker keeps it for "
		    "targets/releases)");
		return PROTO_ERR_REQUEST;
	}
	return 0;
}

static int
name_is(const char *s, size_t len, const char *want)
{
	return strlen(want) == len && memcmp(s, want, len) == 0;
}

int
proto_role_check(const char *field, const char *s, size_t len, int flags,
    struct proto_error *err)
{
	char q[64];

	if ((flags & PROTO_ROLE_TARGETS) && name_is(s, len, "targets"))
		return 0;
	if ((flags & PROTO_ROLE_BASE) && (name_is(s, len, "root") ||
	    name_is(s, len, "snapshot") || name_is(s, len, "timestamp")))
		return 0;
	if ((flags & PROTO_ROLE_DELEGATION) && len > 8 &&
	    memcmp(s, "targets/", 8) == 0)
		return signer_syntax(field, s, len, s + 8, len - 8, 8, err);
	proto_quote(s, len, q, sizeof(q));
	proto_error_field(err, PROTO_CODE_BAD_REQUEST, field,
	    "\"%s\" is not a role allowed here (%s%s%s)", q,
	    (flags & PROTO_ROLE_TARGETS) ? "targets" : "",
	    (flags & PROTO_ROLE_DELEGATION) ? ", targets/<signer>" : "",
	    (flags & PROTO_ROLE_BASE) ? ", root, snapshot, timestamp" : "");
	return PROTO_ERR_REQUEST;
}

int
proto_sha256_hex_check(const char *field, const char *s, size_t len,
    struct proto_error *err)
{
	size_t i;

	if (len != 64) {
		proto_error_field(err, PROTO_CODE_BAD_REQUEST, field,
		    "a sha256 digest is 64 hex digits, got %zu bytes", len);
		return PROTO_ERR_REQUEST;
	}
	for (i = 0; i < len; i++) {
		if ((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f'))
			continue;
		return bad(err, field, s, len,
		    "not a lowercase hex digit", i);
	}
	return 0;
}

int
proto_size_check(const char *field, int64_t v, int64_t min, int64_t max,
    struct proto_error *err)
{
	if (v >= min && v <= max)
		return 0;
	proto_error_field(err, PROTO_CODE_BAD_REQUEST, field,
	    "%lld is out of range [%lld, %lld]", (long long)v,
	    (long long)min, (long long)max);
	return PROTO_ERR_REQUEST;
}
