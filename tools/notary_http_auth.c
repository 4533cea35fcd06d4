/* SPDX-License-Identifier: Apache-2.0 */
/* Registry-style token auth: parse a Bearer challenge, fetch the token. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "notary_http_impl.h"

static int
is_tchar(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') || strchr("!#$%&'*+-.^_`|~", ch) != NULL;
}

/* One auth-param value, quoted-string or token, into dst. */
static int
param_value(const char *s, size_t n, size_t *i, char *dst, size_t dstlen)
{
	size_t o = 0;

	if (*i < n && s[*i] == '"') {
		for ((*i)++; *i < n && s[*i] != '"'; (*i)++) {
			if (s[*i] == '\\' && *i + 1 < n)
				(*i)++;
			if ((unsigned char)s[*i] < 0x20 || o + 1 >= dstlen)
				return -1;
			dst[o++] = s[*i];
		}
		if (*i >= n)
			return -1;
		(*i)++;
	} else {
		while (*i < n && is_tchar(s[*i])) {
			if (o + 1 >= dstlen)
				return -1;
			dst[o++] = s[(*i)++];
		}
	}
	if (dstlen > 0)
		dst[o] = '\0';
	return 0;
}

int
notary_http_challenge_parse(const char *s, size_t n,
    struct notary_http_challenge *c)
{
	size_t i = 6, ks;
	char junk[1024];

	memset(c, 0, sizeof(*c));
	if (n < 7 || strncasecmp(s, "Bearer", 6) != 0 ||
	    (s[6] != ' ' && s[6] != '\t'))
		return NOTARY_HTTP_ERR_INVAL;
	for (;;) {
		char *dst;
		size_t dstlen, klen;

		while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == ','))
			i++;
		if (i >= n)
			break;
		ks = i;
		while (i < n && is_tchar(s[i]))
			i++;
		klen = i - ks;
		if (klen == 0 || i >= n || s[i] != '=')
			return NOTARY_HTTP_ERR_INVAL;
		i++;
		if (klen == 5 && strncasecmp(s + ks, "realm", 5) == 0) {
			dst = c->realm;
			dstlen = sizeof(c->realm);
		} else if (klen == 7 && strncasecmp(s + ks, "service", 7) == 0) {
			dst = c->service;
			dstlen = sizeof(c->service);
		} else if (klen == 5 && strncasecmp(s + ks, "scope", 5) == 0) {
			dst = c->scope;
			dstlen = sizeof(c->scope);
		} else {
			dst = junk;
			dstlen = sizeof(junk);
		}
		if (param_value(s, n, &i, dst, dstlen) != 0)
			return NOTARY_HTTP_ERR_INVAL;
	}
	return c->realm[0] != '\0' ? 0 : NOTARY_HTTP_ERR_INVAL;
}

/* Appends "&key=escaped(value)" (or "?key=" first) to url. */
static int
query_add(CURL *curl, char **url, const char *key, const char *value)
{
	char *esc, *nu;
	size_t n;

	if (value[0] == '\0')
		return 0;
	if ((esc = curl_easy_escape(curl, value, 0)) == NULL)
		return NOTARY_HTTP_ERR_NOMEM;
	n = strlen(*url) + strlen(key) + strlen(esc) + 3;
	if ((nu = malloc(n)) == NULL) {
		curl_free(esc);
		return NOTARY_HTTP_ERR_NOMEM;
	}
	snprintf(nu, n, "%s%c%s=%s", *url, strchr(*url, '?') ? '&' : '?',
	    key, esc);
	curl_free(esc);
	free(*url);
	*url = nu;
	return 0;
}

static int
realm_allowed(const char *realm)
{
	if (strncmp(realm, "https://", 8) == 0)
		return 1;
	/* Plain http only on this machine, as for the server itself. */
	return strncmp(realm, "http://127.0.0.1", 16) == 0 ||
	    strncmp(realm, "http://localhost", 16) == 0;
}

/* The token must be safe to put in a header line. */
static int
token_ok(const char *t)
{
	size_t i;

	for (i = 0; t[i] != '\0'; i++)
		if ((unsigned char)t[i] <= 0x20 || (unsigned char)t[i] >= 0x7f)
			return 0;
	return i > 0;
}

int
notary_http_token_fetch(struct notary_http *h,
    const struct notary_http_challenge *c)
{
	struct nh_body b;
	struct curl_slist *hdrs = NULL;
	cJSON *doc = NULL;
	const cJSON *t;
	char *url = NULL;
	long status = 0;
	int r;

	memset(&b, 0, sizeof(b));
	b.max = NH_MAX_TOKEN_BODY;
	if (!realm_allowed(c->realm)) {
		snprintf(h->err.message, sizeof(h->err.message),
		    "auth realm is not https: refusing to use it");
		return NOTARY_HTTP_ERR_TOKEN;
	}
	r = NOTARY_HTTP_ERR_NOMEM;
	if ((url = strdup(c->realm)) == NULL ||
	    query_add(h->curl, &url, "service", c->service) != 0 ||
	    query_add(h->curl, &url, "scope", c->scope) != 0 ||
	    (hdrs = curl_slist_append(NULL, "Expect:")) == NULL)
		goto out;
	curl_easy_setopt(h->curl, CURLOPT_HTTPGET, 1L);
	curl_easy_setopt(h->curl, CURLOPT_CUSTOMREQUEST, NULL);
	if (h->username != NULL) {
		curl_easy_setopt(h->curl, CURLOPT_USERNAME, h->username);
		curl_easy_setopt(h->curl, CURLOPT_PASSWORD,
		    h->password ? h->password : "");
	}
	r = notary_http_perform(h, url, hdrs, &b, &status);
	curl_easy_setopt(h->curl, CURLOPT_USERNAME, NULL);
	curl_easy_setopt(h->curl, CURLOPT_PASSWORD, NULL);
	if (r != 0)
		goto out;
	r = NOTARY_HTTP_ERR_TOKEN;
	if (status != 200) {
		snprintf(h->err.message, sizeof(h->err.message),
		    "auth realm answered HTTP %ld%s", status,
		    status == 401 ? " (wrong or missing credentials)" : "");
		goto out;
	}
	if ((doc = cJSON_ParseWithLength((const char *)b.data, b.len)) ==
	    NULL) {
		snprintf(h->err.message, sizeof(h->err.message),
		    "auth realm answered with invalid JSON");
		goto out;
	}
	t = cJSON_GetObjectItemCaseSensitive(doc, "token");
	if (!cJSON_IsString(t))
		t = cJSON_GetObjectItemCaseSensitive(doc, "access_token");
	if (!cJSON_IsString(t) || !token_ok(t->valuestring)) {
		snprintf(h->err.message, sizeof(h->err.message),
		    "auth realm sent no usable token");
		goto out;
	}
	if ((h->token = strdup(t->valuestring)) == NULL) {
		r = NOTARY_HTTP_ERR_NOMEM;
		goto out;
	}
	h->stats.tokens++;
	r = 0;
out:
	if (doc != NULL) {
		t = cJSON_GetObjectItemCaseSensitive(doc, "token");
		if (cJSON_IsString(t))
			explicit_bzero(t->valuestring, strlen(t->valuestring));
		t = cJSON_GetObjectItemCaseSensitive(doc, "access_token");
		if (cJSON_IsString(t))
			explicit_bzero(t->valuestring, strlen(t->valuestring));
		cJSON_Delete(doc);
	}
	if (b.data != NULL)
		explicit_bzero(b.data, b.len);
	notary_http_body_free(&b);
	curl_slist_free_all(hdrs);
	free(url);
	return r;
}
