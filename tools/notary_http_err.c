/* SPDX-License-Identifier: Apache-2.0 */
/* Decoding the server's error bodies and checking names bound for URLs. */
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "notary_http_impl.h"

void
notary_http_printable(char *dst, size_t dstlen, const char *s, size_t n)
{
	size_t i, o = 0;

	if (dstlen == 0)
		return;
	for (i = 0; i < n && s[i] != '\0' && o + 1 < dstlen; i++) {
		unsigned char ch = (unsigned char)s[i];

		dst[o++] = (ch < 0x20 || ch == 0x7f) ? '?' : (char)ch;
	}
	dst[o] = '\0';
}

static const char *
str_item(const struct json_value *o, const char *key)
{
	const struct json_value *v = json_object_get(o, key);

	return json_value_type(v) == JSON_STRING && v != NULL ?
	    json_value_str(v, NULL) : NULL;
}

/* "… role targets/releases. …" names a delegation; take the name. */
static void
role_from_text(const char *msg, char *role, size_t rolelen)
{
	const char *p = strstr(msg, "targets/");
	size_t n = 0;

	if (p == NULL)
		return;
	while (p[n] != '\0' && (strchr("abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-/", p[n]) != NULL ||
	    (p[n] == '.' && p[n + 1] != '\0' && p[n + 1] != ' ')))
		n++;
	notary_http_printable(role, rolelen, p, n);
}

void
notary_http_error_decode(long status, const uint8_t *body, size_t len,
    struct notary_http_error *e)
{
	struct json_limits lim;
	struct json_doc *doc = NULL;
	const struct json_value *err0 = NULL, *detail, *inner;
	const char *code = NULL, *msg = NULL, *name = NULL, *why = NULL;
	const char *missing = NULL;
	char text[400];

	memset(e, 0, sizeof(*e));
	e->status = status;
	memset(&lim, 0, sizeof(lim));
	lim.max_bytes = NH_MAX_ERROR_BODY;
	lim.max_depth = 16;
	if (body != NULL && len > 0 && len <= NH_MAX_ERROR_BODY &&
	    json_doc_parse(body, len, &lim, &doc, NULL) == 0)
		err0 = json_array_at(json_object_get(json_doc_root(doc),
		    "errors"), 0);
	if (json_value_type(err0) == JSON_OBJECT && err0 != NULL) {
		code = str_item(err0, "code");
		msg = str_item(err0, "message");
		detail = json_object_get(err0, "detail");
		name = str_item(detail, "Name");
		inner = json_object_get(detail, "Error");
		why = str_item(inner, "Msg");
		missing = str_item(inner, "Missing");
		if (why == NULL && json_value_type(inner) == JSON_STRING &&
		    inner != NULL)
			why = json_value_str(inner, NULL);
	}
	if (code != NULL)
		notary_http_printable(e->code, sizeof(e->code), code,
		    strlen(code));
	if (name != NULL)
		notary_http_printable(e->reason, sizeof(e->reason), name,
		    strlen(name));
	/* The role: named outright, implied by the reason, or in the text. */
	if (missing != NULL)
		notary_http_printable(e->role, sizeof(e->role), missing,
		    strlen(missing));
	else if (why != NULL && strstr(why, "targets/") != NULL)
		role_from_text(why, e->role, sizeof(e->role));
	else if (name != NULL && strcmp(name, "ErrBadRoot") == 0)
		snprintf(e->role, sizeof(e->role), "root");
	else if (name != NULL && strcmp(name, "ErrBadTargets") == 0)
		snprintf(e->role, sizeof(e->role), "targets");
	else if (name != NULL && strcmp(name, "ErrBadSnapshot") == 0)
		snprintf(e->role, sizeof(e->role), "snapshot");

	notary_http_printable(text, sizeof(text),
	    why ? why : msg ? msg : "", strlen(why ? why : msg ? msg : ""));
	if (code == NULL)
		snprintf(e->message, sizeof(e->message), "HTTP %ld", status);
	else
		snprintf(e->message, sizeof(e->message), "HTTP %ld %s%s%s%s%s%s",
		    status, e->code, e->reason[0] ? " " : "", e->reason,
		    e->role[0] ? " (" : "", e->role, e->role[0] ? ")" : "");
	if (text[0] != '\0') {
		size_t n = strlen(e->message);

		snprintf(e->message + n, sizeof(e->message) - n, ": %s", text);
	}
	json_doc_free(doc);
}

static int
name_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-';
}

/* Segments of [A-Za-z0-9._-] (plus ':' for a port) between single '/'. */
static int
path_check(const char *s, int colon_ok)
{
	size_t i, seg = 0, n;

	if (s == NULL || (n = strlen(s)) == 0 || n > NH_MAX_NAME)
		return NOTARY_HTTP_ERR_INVAL;
	for (i = 0; i <= n; i++) {
		if (s[i] == '/' || s[i] == '\0') {
			if (seg == 0)
				return NOTARY_HTTP_ERR_INVAL;
			if ((seg == 1 && s[i - 1] == '.') ||
			    (seg == 2 && s[i - 1] == '.' && s[i - 2] == '.'))
				return NOTARY_HTTP_ERR_INVAL;
			seg = 0;
			continue;
		}
		if (!name_char(s[i]) && !(colon_ok && s[i] == ':'))
			return NOTARY_HTTP_ERR_INVAL;
		seg++;
	}
	return 0;
}

int
notary_http_gun_check(const char *gun)
{
	return path_check(gun, 1);
}

int
notary_http_role_check(const char *role)
{
	if (role == NULL)
		return NOTARY_HTTP_ERR_INVAL;
	if (strcmp(role, "root") == 0 || strcmp(role, "targets") == 0 ||
	    strcmp(role, "snapshot") == 0 || strcmp(role, "timestamp") == 0)
		return 0;
	if (strncmp(role, "targets/", 8) != 0)
		return NOTARY_HTTP_ERR_INVAL;
	return path_check(role, 0);
}
