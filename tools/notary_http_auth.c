/* SPDX-License-Identifier: Apache-2.0 */
/* Registry-style token auth: parse a Bearer challenge, fetch the token. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "json.h"
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
query_add(char **url, const char *key, const char *value)
{
	static const char hex[] = "0123456789ABCDEF";
	char *nu;
	size_t n, o, i;
	unsigned char ch;

	if (value[0] == '\0')
		return 0;
	n = strlen(*url) + strlen(key) + strlen(value) * 3 + 3;
	if ((nu = malloc(n)) == NULL)
		return NOTARY_HTTP_ERR_NOMEM;
	o = (size_t)snprintf(nu, n, "%s%c%s=", *url,
	    strchr(*url, '?') ? '&' : '?', key);
	/* RFC 3986 unreserved bytes stay; everything else is %XX. */
	for (i = 0; value[i] != '\0'; i++) {
		ch = (unsigned char)value[i];
		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' ||
		    ch == '_' || ch == '~')
			nu[o++] = (char)ch;
		else {
			nu[o++] = '%';
			nu[o++] = hex[ch >> 4];
			nu[o++] = hex[ch & 15];
		}
	}
	nu[o] = '\0';
	free(*url);
	*url = nu;
	return 0;
}

char *
notary_http_basic_value(const char *user, const char *pass)
{
	size_t ul = strlen(user), pl = strlen(pass), n = ul + pl + 1, en;
	unsigned char *raw;
	char *v;

	if ((raw = malloc(n + 1)) == NULL)
		return NULL;
	memcpy(raw, user, ul);
	raw[ul] = ':';
	memcpy(raw + ul + 1, pass, pl);
	en = 4 * ((n + 2) / 3) + 1;
	if ((v = malloc(en + 6)) != NULL) {
		memcpy(v, "Basic ", 6);
		EVP_EncodeBlock((unsigned char *)v + 6, raw, (int)n);
	}
	explicit_bzero(raw, n + 1);
	free(raw);
	return v;
}

static int
realm_allowed(const char *realm)
{
	struct nh_url u;

	if (notary_http_url_parse(realm, &u) != 0)
		return 0;
	if (u.tls)
		return 1;
	/*
	 * Plain http only on this machine, as for the server itself: the
	 * host exactly, so "http://127.0.0.1.example.net" is not loopback.
	 */
	return strcmp(u.host, "127.0.0.1") == 0 ||
	    strcmp(u.host, "localhost") == 0 || strcmp(u.host, "::1") == 0;
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

/* The token (or access_token) of the realm's answer, copied into h->token. */
static int
token_take(struct notary_http *h, const struct nh_body *b)
{
	struct json_limits lim;
	struct json_doc *doc = NULL;
	const struct json_value *root, *t;
	const char *v = NULL;
	size_t vl = 0;
	int r = NOTARY_HTTP_ERR_TOKEN;

	memset(&lim, 0, sizeof(lim));
	lim.max_bytes = NH_MAX_TOKEN_BODY;
	lim.flags = JSON_LIMIT_WIPE;
	if (json_doc_parse(b->data, b->len, &lim, &doc, NULL) != 0) {
		snprintf(h->err.message, sizeof(h->err.message),
		    "auth realm answered with invalid JSON");
		goto out;
	}
	root = json_doc_root(doc);
	if ((t = json_object_get(root, "token")) == NULL ||
	    json_value_type(t) != JSON_STRING)
		t = json_object_get(root, "access_token");
	if (json_value_type(t) == JSON_STRING)
		v = json_value_str(t, &vl);
	if (v == NULL || strlen(v) != vl || !token_ok(v)) {
		snprintf(h->err.message, sizeof(h->err.message),
		    "auth realm sent no usable token");
		goto out;
	}
	if ((h->token = strdup(v)) == NULL) {
		r = NOTARY_HTTP_ERR_NOMEM;
		goto out;
	}
	r = 0;
out:
	json_doc_free(doc);	/* wipes: JSON_LIMIT_WIPE */
	return r;
}

int
notary_http_token_fetch(struct notary_http *h,
    const struct notary_http_challenge *c)
{
	struct nh_request rq;
	struct nh_body b;
	char *url = NULL, *auth = NULL;
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
	    query_add(&url, "service", c->service) != 0 ||
	    query_add(&url, "scope", c->scope) != 0)
		goto out;
	if (h->username != NULL && (auth = notary_http_basic_value(
	    h->username, h->password ? h->password : "")) == NULL)
		goto out;
	memset(&rq, 0, sizeof(rq));
	rq.method = "GET";
	rq.url = url;
	rq.auth = auth;
	if ((r = notary_http_perform(h, &rq, &b, &status)) != 0) {
		if (r == NOTARY_HTTP_ERR_INVAL)
			snprintf(h->err.message, sizeof(h->err.message),
			    "auth realm is not a usable URL");
		goto out;
	}
	r = NOTARY_HTTP_ERR_TOKEN;
	if (status != 200) {
		snprintf(h->err.message, sizeof(h->err.message),
		    "auth realm answered HTTP %ld%s", status,
		    status == 401 ? " (wrong or missing credentials)" : "");
		goto out;
	}
	if ((r = token_take(h, &b)) != 0)
		goto out;
	h->stats.tokens++;
	r = 0;
out:
	if (b.data != NULL)
		explicit_bzero(b.data, b.len);
	notary_http_body_free(&b);
	notary_http_secret_free(auth);
	free(url);
	return r;
}
