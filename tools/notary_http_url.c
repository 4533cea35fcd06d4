/* SPDX-License-Identifier: Apache-2.0 */
/* URLs and proxies: where a request goes and through what. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "notary_http_impl.h"

static int
host_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') || ch == '.' || ch == '-' || ch == '_';
}

/* "host[:port]" of s[0..n) into u; default port given. */
static int
authority_parse(const char *s, size_t n, unsigned defport, struct nh_url *u)
{
	struct in6_addr a6;
	struct in_addr a4;
	const char *hs, *he, *p;
	unsigned long port = 0;
	size_t hl, i;

	if (n == 0)
		return NOTARY_HTTP_ERR_INVAL;
	if (s[0] == '[') {
		if ((he = memchr(s, ']', n)) == NULL)
			return NOTARY_HTTP_ERR_INVAL;
		hs = s + 1;
		p = he + 1;
	} else {
		hs = s;
		he = memchr(s, ':', n);
		if (he == NULL)
			he = s + n;
		p = he;
	}
	hl = (size_t)(he - hs);
	if (hl == 0 || hl > NH_MAX_HOST)
		return NOTARY_HTTP_ERR_INVAL;
	memcpy(u->host, hs, hl);
	u->host[hl] = '\0';
	if (s[0] == '[') {
		if (inet_pton(AF_INET6, u->host, &a6) != 1)
			return NOTARY_HTTP_ERR_INVAL;
		u->ip = 1;
	} else {
		for (i = 0; i < hl; i++)
			if (!host_char(hs[i]))
				return NOTARY_HTTP_ERR_INVAL;
		u->ip = inet_pton(AF_INET, u->host, &a4) == 1;
	}
	u->port = defport;
	if (p == s + n)
		return 0;
	if (*p != ':' || p + 1 == s + n)
		return NOTARY_HTTP_ERR_INVAL;
	for (p++; p < s + n; p++) {
		if (*p < '0' || *p > '9')
			return NOTARY_HTTP_ERR_INVAL;
		port = port * 10 + (unsigned long)(*p - '0');
		if (port > 65535)
			return NOTARY_HTTP_ERR_INVAL;
	}
	if (port == 0)
		return NOTARY_HTTP_ERR_INVAL;
	u->port = (unsigned)port;
	return 0;
}

int
notary_http_url_parse(const char *url, struct nh_url *u)
{
	const char *a, *e;
	size_t i;

	memset(u, 0, sizeof(*u));
	if (url == NULL)
		return NOTARY_HTTP_ERR_INVAL;
	/* Every byte goes into a request line or a Host header. */
	for (i = 0; url[i] != '\0'; i++)
		if ((unsigned char)url[i] <= 0x20 ||
		    (unsigned char)url[i] >= 0x7f || url[i] == '#')
			return NOTARY_HTTP_ERR_INVAL;
	if (strncasecmp(url, "https://", 8) == 0) {
		u->tls = 1;
		a = url + 8;
	} else if (strncasecmp(url, "http://", 7) == 0)
		a = url + 7;
	else
		return NOTARY_HTTP_ERR_INVAL;
	e = a + strcspn(a, "/?");
	if (memchr(a, '@', (size_t)(e - a)) != NULL)
		return NOTARY_HTTP_ERR_INVAL;
	if (authority_parse(a, (size_t)(e - a), u->tls ? 443 : 80, u) != 0)
		return NOTARY_HTTP_ERR_INVAL;
	u->path = e;
	return 0;
}

static int
hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* %XX decoding of proxy user info into a new string. */
static char *
pct_decode(const char *s, size_t n)
{
	char *d;
	size_t i, o = 0;

	if ((d = malloc(n + 1)) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 &&
		    hexval(s[i + 2]) >= 0) {
			d[o++] = (char)(hexval(s[i + 1]) * 16 +
			    hexval(s[i + 2]));
			i += 2;
		} else
			d[o++] = s[i];
	}
	d[o] = '\0';
	return d;
}

/* Is the address literal host inside the CIDR block net/bits? */
static int
cidr_match(const char *host, const char *net, const char *bits)
{
	unsigned char h[16], nb[16];
	int fam, len, b, i;
	char *end;
	long v;

	fam = strchr(net, ':') != NULL ? AF_INET6 : AF_INET;
	len = fam == AF_INET6 ? 16 : 4;
	if (inet_pton(fam, host, h) != 1 || inet_pton(fam, net, nb) != 1)
		return 0;
	v = strtol(bits, &end, 10);
	if (*end != '\0' || v < 0 || v > len * 8)
		return 0;
	b = (int)v;
	for (i = 0; i < len && b > 0; i++, b -= 8) {
		unsigned mask = b >= 8 ? 0xff : (0xff << (8 - b)) & 0xff;

		if ((h[i] & mask) != (nb[i] & mask))
			return 0;
	}
	return 1;
}

int
notary_http_no_proxy_match(const char *list, const char *host)
{
	char ent[NH_MAX_HOST + 1], *slash;
	const char *p = list, *e;
	size_t n, hl = strlen(host);

	while (p != NULL && *p != '\0') {
		while (*p == ',' || *p == ' ' || *p == '\t')
			p++;
		e = p + strcspn(p, ", \t");
		n = (size_t)(e - p);
		if (n == 0 || n > NH_MAX_HOST) {
			p = e;
			continue;
		}
		memcpy(ent, p, n);
		ent[n] = '\0';
		p = e;
		if (strcmp(ent, "*") == 0)
			return 1;
		if ((slash = strchr(ent, '/')) != NULL) {
			*slash = '\0';
			if (cidr_match(host, ent, slash + 1))
				return 1;
			continue;
		}
		/* "[::1]" and "host:port": compare the host only. */
		if (ent[0] == '[') {
			memmove(ent, ent + 1, n);
			ent[strcspn(ent, "]")] = '\0';
		} else if (strchr(ent, ':') == strrchr(ent, ':') &&
		    strchr(ent, ':') != NULL)
			*strchr(ent, ':') = '\0';
		n = strlen(ent);
		if (n > 0 && ent[0] == '.') {
			memmove(ent, ent + 1, n);
			n--;
		}
		if (n == 0)
			continue;
		if (hl == n && strcasecmp(host, ent) == 0)
			return 1;
		if (hl > n && host[hl - n - 1] == '.' &&
		    strcasecmp(host + hl - n, ent) == 0)
			return 1;
	}
	return 0;
}

static const char *
env_first(const char *a, const char *b)
{
	const char *v;

	if (a != NULL && (v = getenv(a)) != NULL && *v != '\0')
		return v;
	if (b != NULL && (v = getenv(b)) != NULL && *v != '\0')
		return v;
	return NULL;
}

/*
 * As libcurl reads them: https_proxy or HTTPS_PROXY for https, http_proxy
 * (lower case only: HTTP_PROXY can be set by a CGI request's Proxy header)
 * for http, then all_proxy/ALL_PROXY; no_proxy/NO_PROXY exempts hosts.
 * Only http:// proxies (plain, CONNECT tunnel) are supported.
 */
int
notary_http_proxy_find(const struct nh_url *u, struct nh_url *proxy,
    int *proxy_set, char **auth_basic, char *msg, size_t msglen)
{
	const char *v, *a, *e, *at, *colon;
	char *user = NULL, *pass = NULL;
	int r = NOTARY_HTTP_ERR_INVAL;

	*proxy_set = 0;
	*auth_basic = NULL;
	memset(proxy, 0, sizeof(*proxy));
	v = u->tls ? env_first("https_proxy", "HTTPS_PROXY") :
	    env_first("http_proxy", NULL);
	if (v == NULL)
		v = env_first("all_proxy", "ALL_PROXY");
	if (v == NULL)
		return 0;
	if (notary_http_no_proxy_match(env_first("no_proxy", "NO_PROXY"),
	    u->host))
		return 0;
	if (strncasecmp(v, "http://", 7) == 0)
		a = v + 7;
	else if (strstr(v, "://") != NULL) {
		snprintf(msg, msglen, "proxy %.*s: only http:// proxies are "
		    "supported", (int)strcspn(v, ":"), v);
		return NOTARY_HTTP_ERR_INVAL;
	} else
		a = v;
	e = a + strcspn(a, "/");
	at = NULL;
	for (colon = a; colon < e; colon++)
		if (*colon == '@')
			at = colon;
	if (at != NULL) {
		colon = memchr(a, ':', (size_t)(at - a));
		if (colon == NULL)
			colon = at;
		if ((user = pct_decode(a, (size_t)(colon - a))) == NULL ||
		    (pass = pct_decode(colon < at ? colon + 1 : at,
		    colon < at ? (size_t)(at - colon - 1) : 0)) == NULL) {
			r = NOTARY_HTTP_ERR_NOMEM;
			goto out;
		}
		a = at + 1;
	}
	/* libcurl's default proxy port. */
	if (authority_parse(a, (size_t)(e - a), 1080, proxy) != 0) {
		snprintf(msg, msglen, "bad proxy address in the environment "
		    "(want http://host:port)");
		goto out;
	}
	if (user != NULL &&
	    (*auth_basic = notary_http_basic_value(user, pass)) == NULL) {
		r = NOTARY_HTTP_ERR_NOMEM;
		goto out;
	}
	*proxy_set = 1;
	r = 0;
out:
	notary_http_secret_free(user);
	notary_http_secret_free(pass);
	return r;
}
