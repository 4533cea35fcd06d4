/* SPDX-License-Identifier: Apache-2.0 */
/*
 * notary_http's parsers, with no network: WWW-Authenticate challenges, the
 * server's error bodies (texts as notary-server 0.7 sends them), the
 * names allowed into a URL path, the HTTP response parser, URLs and
 * no_proxy lists.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "notary_http_impl.h"

static int
parse(const char *s, struct notary_http_challenge *c)
{
	return notary_http_challenge_parse(s, strlen(s), c);
}

static void
test_challenge_docker(void **state)
{
	struct notary_http_challenge c;

	(void)state;
	assert_int_equal(parse("Bearer realm=\"https://auth.docker.io/token\","
	    "service=\"registry.docker.io\","
	    "scope=\"repository:samalba/my-app:pull,push\"", &c), 0);
	assert_string_equal(c.realm, "https://auth.docker.io/token");
	assert_string_equal(c.service, "registry.docker.io");
	assert_string_equal(c.scope, "repository:samalba/my-app:pull,push");
}

static void
test_challenge_forms(void **state)
{
	struct notary_http_challenge c;

	(void)state;
	/* Scheme and parameter names are case-insensitive; spaces allowed. */
	assert_int_equal(parse("bearer Realm=\"https://a/t\" , SERVICE=svc",
	    &c), 0);
	assert_string_equal(c.realm, "https://a/t");
	assert_string_equal(c.service, "svc");
	assert_string_equal(c.scope, "");
	/* Unknown parameters are skipped; quoted-pair unescaped. */
	assert_int_equal(parse("Bearer error=\"insufficient_scope\","
	    "realm=\"https://a/\\\"q\\\"\"", &c), 0);
	assert_string_equal(c.realm, "https://a/\"q\"");
}

static void
test_challenge_refused(void **state)
{
	struct notary_http_challenge c;
	char big[1200];

	(void)state;
	assert_int_equal(parse("Basic realm=\"x\"", &c), NOTARY_HTTP_ERR_INVAL);
	assert_int_equal(parse("Bearer service=\"x\"", &c),
	    NOTARY_HTTP_ERR_INVAL);
	assert_int_equal(parse("Bearer realm=\"https://a", &c),
	    NOTARY_HTTP_ERR_INVAL);
	assert_int_equal(parse("Bearerrealm=\"x\"", &c), NOTARY_HTTP_ERR_INVAL);
	assert_int_equal(parse("Bearer realm", &c), NOTARY_HTTP_ERR_INVAL);
	assert_int_equal(parse("Bearer realm=\"a\x01\"", &c),
	    NOTARY_HTTP_ERR_INVAL);
	assert_int_equal(parse("", &c), NOTARY_HTTP_ERR_INVAL);
	memset(big, 'a', sizeof(big));
	memcpy(big, "Bearer realm=", 13);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(parse(big, &c), NOTARY_HTTP_ERR_INVAL);
}

static void
decode(long status, const char *body, struct notary_http_error *e)
{
	notary_http_error_decode(status, (const uint8_t *)body,
	    body ? strlen(body) : 0, e);
}

static void
test_error_hierarchy(void **state)
{
	struct notary_http_error e;

	(void)state;
	decode(400, "{\"errors\":[{\"code\":\"INVALID_UPDATE\",\"message\":"
	    "\"Update sent by the client is invalid.\",\"detail\":{\"Name\":"
	    "\"ErrBadHierarchy\",\"Error\":{\"Missing\":\"snapshot\",\"Msg\":"
	    "\"no snapshot was included in update and server does not hold "
	    "current snapshot key for repository\"}}}]}", &e);
	assert_int_equal(e.status, 400);
	assert_string_equal(e.code, "INVALID_UPDATE");
	assert_string_equal(e.reason, "ErrBadHierarchy");
	assert_string_equal(e.role, "snapshot");
	assert_string_equal(e.message, "HTTP 400 INVALID_UPDATE ErrBadHierarchy "
	    "(snapshot): no snapshot was included in update and server does "
	    "not hold current snapshot key for repository");
}

static void
test_error_roles(void **state)
{
	struct notary_http_error e;

	(void)state;
	decode(400, "{\"errors\":[{\"code\":\"INVALID_UPDATE\",\"detail\":"
	    "{\"Name\":\"ErrBadTargets\",\"Error\":{\"Msg\":\"tuf: invalid "
	    "role targets/releases. delegation does not exist\"}}}]}", &e);
	assert_string_equal(e.role, "targets/releases");
	decode(400, "{\"errors\":[{\"code\":\"INVALID_UPDATE\",\"detail\":"
	    "{\"Name\":\"ErrBadTargets\",\"Error\":{\"Msg\":\"valid signatures "
	    "did not meet threshold for targets\"}}}]}", &e);
	assert_string_equal(e.role, "targets");
	decode(400, "{\"errors\":[{\"code\":\"INVALID_UPDATE\",\"detail\":"
	    "{\"Name\":\"ErrBadRoot\",\"Error\":{\"Msg\":\"x\"}}}]}", &e);
	assert_string_equal(e.role, "root");
	decode(400, "{\"errors\":[{\"code\":\"MALFORMED_JSON\",\"message\":"
	    "\"JSON sent by the client could not be parsed by the server\"}]}",
	    &e);
	assert_string_equal(e.code, "MALFORMED_JSON");
	assert_string_equal(e.reason, "");
	assert_string_equal(e.role, "");
	assert_string_equal(e.message, "HTTP 400 MALFORMED_JSON: JSON sent by "
	    "the client could not be parsed by the server");
}

static void
test_error_garbage(void **state)
{
	struct notary_http_error e;

	(void)state;
	decode(502, "<html>bad gateway</html>", &e);
	assert_int_equal(e.status, 502);
	assert_string_equal(e.code, "");
	assert_string_equal(e.message, "HTTP 502");
	decode(500, NULL, &e);
	assert_string_equal(e.message, "HTTP 500");
	decode(400, "{\"errors\":[]}", &e);
	assert_string_equal(e.message, "HTTP 400");
	decode(400, "{\"errors\":[{\"code\":7}]}", &e);
	assert_string_equal(e.code, "");
	/* Text from the server never carries control characters out. */
	decode(400, "{\"errors\":[{\"code\":\"X\\u001b[31m\",\"message\":"
	    "\"a\\nb\"}]}", &e);
	assert_string_equal(e.code, "X?[31m");
	assert_string_equal(e.message, "HTTP 400 X?[31m: a?b");
}

static void
test_names(void **state)
{
	static const char *const good_guns[] = {
		"example.com/app", "docker.io/library/alpine",
		"127.0.0.1:5000/x_y-z", "a",
	};
	static const char *const bad_guns[] = {
		"", "/a", "a/", "a//b", "a/../b", "..", "a/.", "a b", "a?b",
		"a#b", "a%2f", "a\\b", "a\nb",
	};
	char long_gun[300];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good_guns) / sizeof(good_guns[0]); i++)
		assert_int_equal(notary_http_gun_check(good_guns[i]), 0);
	for (i = 0; i < sizeof(bad_guns) / sizeof(bad_guns[0]); i++)
		assert_int_equal(notary_http_gun_check(bad_guns[i]),
		    NOTARY_HTTP_ERR_INVAL);
	memset(long_gun, 'a', sizeof(long_gun));
	long_gun[sizeof(long_gun) - 1] = '\0';
	assert_int_equal(notary_http_gun_check(long_gun),
	    NOTARY_HTTP_ERR_INVAL);

	assert_int_equal(notary_http_role_check("root"), 0);
	assert_int_equal(notary_http_role_check("timestamp"), 0);
	assert_int_equal(notary_http_role_check("targets/releases"), 0);
	assert_int_equal(notary_http_role_check("targets/a/b"), 0);
	assert_int_equal(notary_http_role_check("targets/"),
	    NOTARY_HTTP_ERR_INVAL);
	assert_int_equal(notary_http_role_check("targets/../root"),
	    NOTARY_HTTP_ERR_INVAL);
	assert_int_equal(notary_http_role_check("targets/a:b"),
	    NOTARY_HTTP_ERR_INVAL);
	assert_int_equal(notary_http_role_check("Root"), NOTARY_HTTP_ERR_INVAL);
	assert_int_equal(notary_http_role_check(NULL), NOTARY_HTTP_ERR_INVAL);
}

static void
test_new_refuses(void **state)
{
	struct notary_http_opts o;
	struct notary_http *h = (struct notary_http *)&o;

	(void)state;
	memset(&o, 0, sizeof(o));
	assert_int_equal(notary_http_new(&o, &h), NOTARY_HTTP_ERR_INVAL);
	assert_null(h);
	o.server = "ftp://example.com";
	assert_int_equal(notary_http_new(&o, &h), NOTARY_HTTP_ERR_INVAL);
	o.server = "https://a b";
	assert_int_equal(notary_http_new(&o, &h), NOTARY_HTTP_ERR_INVAL);
	o.server = "https://u:p@example.com";
	assert_int_equal(notary_http_new(&o, &h), NOTARY_HTTP_ERR_INVAL);
	o.server = "https://example.com/?x";
	assert_int_equal(notary_http_new(&o, &h), NOTARY_HTTP_ERR_INVAL);
	/* No credentials in clear to another machine; loopback is fine. */
	o.server = "http://notary.example.com";
	o.username = "u";
	o.password = "p";
	assert_int_equal(notary_http_new(&o, &h), NOTARY_HTTP_ERR_INVAL);
	o.server = "http://127.0.0.1:4443/";
	assert_int_equal(notary_http_new(&o, &h), 0);
	assert_non_null(h);
	notary_http_free(h);
	notary_http_free(NULL);
	assert_string_equal(notary_http_strerror(NOTARY_HTTP_ERR_REJECTED),
	    "refused by the server");
}


/*
 * Feeds s to a fresh parser in two reads split at cut (0: one read), then
 * EOF if eof. Returns the first error; *r keeps the parser's state.
 */
static int
resp_feed2(const char *s, size_t len, size_t cut, int eof, size_t max,
    struct notary_http_resp *r, struct nh_body *b)
{
	size_t used, off = 0, part;
	int rc;

	memset(b, 0, sizeof(*b));
	b->max = max;
	notary_http_resp_init(r, b, 0);
	while (off < len) {
		part = cut > off ? cut - off : len - off;
		if ((rc = notary_http_resp_feed(r, (const uint8_t *)s + off,
		    part, &used)) != 0)
			return rc;
		off += used;
		if (used < part)
			break;	/* done: the rest is past the answer */
	}
	if (eof)
		return notary_http_resp_eof(r);
	return 0;
}

static int
resp_feed(const char *s, size_t max, struct notary_http_resp *r,
    struct nh_body *b)
{
	return resp_feed2(s, strlen(s), 0, 0, max, r, b);
}

static int
resp_feed_eof(const char *s, size_t max, struct notary_http_resp *r,
    struct nh_body *b)
{
	return resp_feed2(s, strlen(s), 0, 1, max, r, b);
}

static void
test_resp_length(void **state)
{
	static const char ok[] = "HTTP/1.1 200 OK\r\n"
	    "content-LENGTH: 5\r\nContent-Length:5 \r\n"
	    "Server: x\r\n\r\nhelloEXTRA";
	struct notary_http_resp r;
	struct nh_body b;
	size_t cut, used;

	(void)state;
	/* Every way of splitting the answer into two reads. */
	for (cut = 0; cut < sizeof(ok) - 1; cut++) {
		assert_int_equal(resp_feed2(ok, sizeof(ok) - 1, cut, 0, 100,
		    &r, &b), 0);
		assert_int_equal(r.state, NH_RESP_DONE);
		assert_int_equal(r.status, 200);
		assert_int_equal(r.keep_alive, 1);
		assert_int_equal(b.len, 5);
		assert_memory_equal(b.data, "hello", 5);
		notary_http_body_free(&b);
	}
	/* The parser stops at the end of the answer. */
	memset(&b, 0, sizeof(b));
	b.max = 100;
	notary_http_resp_init(&r, &b, 0);
	assert_int_equal(notary_http_resp_feed(&r, (const uint8_t *)ok,
	    sizeof(ok) - 1, &used), 0);
	assert_int_equal(used, sizeof(ok) - 1 - 5);
	notary_http_body_free(&b);
	/* Too big by Content-Length: refused before a byte is read. */
	assert_int_equal(resp_feed("HTTP/1.1 200 OK\r\nContent-Length: 101\r\n"
	    "\r\n", 100, &r, &b), NOTARY_HTTP_ERR_TOO_BIG);
	notary_http_body_free(&b);
	assert_int_equal(resp_feed("HTTP/1.1 200 OK\r\nContent-Length: "
	    "99999999999999999999999\r\n\r\n", 100, &r, &b),
	    NOTARY_HTTP_ERR_TRANSPORT);
	notary_http_body_free(&b);
	assert_int_equal(resp_feed("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n"
	    "Content-Length: 2\r\n\r\n", 100, &r, &b),
	    NOTARY_HTTP_ERR_TRANSPORT);
	notary_http_body_free(&b);
	assert_int_equal(resp_feed("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n"
	    "\r\n", 100, &r, &b), NOTARY_HTTP_ERR_TRANSPORT);
	notary_http_body_free(&b);
	assert_int_equal(resp_feed("HTTP/1.1 200 OK\r\nContent-Length: 1,1\r\n"
	    "\r\n", 100, &r, &b), NOTARY_HTTP_ERR_TRANSPORT);
	notary_http_body_free(&b);
	/* Cut short: EOF in the middle of the body is an error. */
	assert_int_equal(resp_feed_eof("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n"
	    "\r\nabc", 100, &r, &b), NOTARY_HTTP_ERR_TRANSPORT);
	notary_http_body_free(&b);
}

static void
test_resp_chunked(void **state)
{
	static const char ok[] = "HTTP/1.1 200 OK\r\n"
	    "Transfer-Encoding: Chunked\r\n\r\n"
	    "5;name=value;x=\"q\"\r\nhello\r\n"
	    "000000000000000000000000000006 \r\n world\r\n"
	    "0\r\nX-Trailer: 1\r\n\r\n";
	struct notary_http_resp r;
	struct nh_body b;
	size_t cut;

	(void)state;
	for (cut = 0; cut < sizeof(ok) - 1; cut++) {
		assert_int_equal(resp_feed2(ok, sizeof(ok) - 1, cut, 0, 100,
		    &r, &b), 0);
		assert_int_equal(r.state, NH_RESP_DONE);
		assert_int_equal(b.len, 11);
		assert_memory_equal(b.data, "hello world", 11);
		notary_http_body_free(&b);
	}
	/* Bad sizes: empty, not hex, overflowing, junk after. */
	assert_int_equal(resp_feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: "
	    "chunked\r\n\r\n\r\n", 100, &r, &b), NOTARY_HTTP_ERR_TRANSPORT);
	notary_http_body_free(&b);
	assert_int_equal(resp_feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: "
	    "chunked\r\n\r\n-5\r\n", 100, &r, &b), NOTARY_HTTP_ERR_TRANSPORT);
	notary_http_body_free(&b);
	assert_int_equal(resp_feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: "
	    "chunked\r\n\r\n10000000000000000\r\n", 1 << 20, &r, &b),
	    NOTARY_HTTP_ERR_TRANSPORT);
	assert_string_equal(r.error, "chunk size overflows");
	notary_http_body_free(&b);
	assert_int_equal(resp_feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: "
	    "chunked\r\n\r\n5x\r\n", 100, &r, &b), NOTARY_HTTP_ERR_TRANSPORT);
	notary_http_body_free(&b);
	/* A chunk past the cap is refused before its data. */
	assert_int_equal(resp_feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: "
	    "chunked\r\n\r\nffffffffffffffff\r\n", 100, &r, &b),
	    NOTARY_HTTP_ERR_TOO_BIG);
	notary_http_body_free(&b);
	assert_int_equal(resp_feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: "
	    "chunked\r\n\r\n40\r\n0123456789012345678901234567890123456789"
	    "012345678901234567890123\r\n41\r\n", 100, &r, &b),
	    NOTARY_HTTP_ERR_TOO_BIG);
	notary_http_body_free(&b);
	/* Data longer than its size: no CRLF where one must be. */
	assert_int_equal(resp_feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: "
	    "chunked\r\n\r\n2\r\nabc\r\n", 100, &r, &b),
	    NOTARY_HTTP_ERR_TRANSPORT);
	notary_http_body_free(&b);
	/* Other codings are refused; chunked beats Content-Length. */
	assert_int_equal(resp_feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: "
	    "gzip, chunked\r\n\r\n", 100, &r, &b), NOTARY_HTTP_ERR_TRANSPORT);
	notary_http_body_free(&b);
	assert_int_equal(resp_feed("HTTP/1.1 200 OK\r\nContent-Length: 99\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\n", 100, &r,
	    &b), 0);
	assert_int_equal(r.state, NH_RESP_DONE);
	assert_int_equal(r.keep_alive, 0);
	assert_int_equal(b.len, 1);
	notary_http_body_free(&b);
	/* EOF before the last chunk. */
	assert_int_equal(resp_feed_eof("HTTP/1.1 200 OK\r\nTransfer-Encoding: "
	    "chunked\r\n\r\n1\r\na\r\n", 100, &r, &b),
	    NOTARY_HTTP_ERR_TRANSPORT);
	notary_http_body_free(&b);
}

static void
test_resp_headers(void **state)
{
	struct notary_http_resp r;
	struct nh_body b;
	char *big;
	size_t i, n;

	(void)state;
	/* Interim answers are skipped; the final one's challenge is kept. */
	assert_int_equal(resp_feed("HTTP/1.1 100 Continue\r\n"
	    "WWW-Authenticate: Basic realm=x\r\n\r\n"
	    "HTTP/1.1 401 Unauthorized\r\nwww-authenticate:  Bearer "
	    "realm=\"https://a/t\"  \r\nWWW-Authenticate: Basic\r\n"
	    "Connection: close\r\nContent-Length: 0\r\n\r\n", 100, &r, &b), 0);
	assert_int_equal(r.state, NH_RESP_DONE);
	assert_int_equal(r.status, 401);
	assert_int_equal(r.keep_alive, 0);
	assert_string_equal(r.challenge, "Bearer realm=\"https://a/t\"");
	notary_http_body_free(&b);
	/* HTTP/1.0 without length: body to EOF; no keep-alive; LF only. */
	assert_int_equal(resp_feed_eof("HTTP/1.0 404 Not Found\nX: y\n\nbody",
	    100, &r, &b), 0);
	assert_int_equal(r.status, 404);
	assert_int_equal(r.keep_alive, 0);
	assert_int_equal(b.len, 4);
	notary_http_body_free(&b);
	/* 204 has no body even without a length. */
	assert_int_equal(resp_feed("HTTP/1.1 204 No Content\r\n\r\n", 100,
	    &r, &b), 0);
	assert_int_equal(r.state, NH_RESP_DONE);
	assert_int_equal(r.keep_alive, 1);
	notary_http_body_free(&b);
	/* Refusals: status line, folding, bad names, control bytes. */
	static const char *const bad[] = {
		"HTTP/2 200 OK\r\n\r\n",
		"HTTP/1.1 20 OK\r\n\r\n",
		"HTTP/1.1 2000 OK\r\n\r\n",
		"HTTP/1.1 099 x\r\n\r\n",
		"ICY 200 OK\r\n\r\n",
		"HTTP/1.1 200 OK\r\nX: a\r\n folded\r\n\r\n",
		"HTTP/1.1 200 OK\r\nBad Name: a\r\n\r\n",
		"HTTP/1.1 200 OK\r\n: a\r\n\r\n",
		"HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n",
		"HTTP/1.1 200 OK\r\nX: a\001b\r\n\r\n",
		"HTTP/1.1 200 OK\r\nNoColon\r\n\r\n",
		"HTTP/1.1 101 Switching\r\n\r\n",
	};
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(resp_feed(bad[i], 100, &r, &b),
		    NOTARY_HTTP_ERR_TRANSPORT);
		assert_non_null(r.error);
		notary_http_body_free(&b);
	}
	/* Limits: one line, the number of lines, the total. */
	n = 2 * NH_MAX_HEADER_BYTES;
	big = malloc(n + 1);
	assert_non_null(big);
	memset(big, 'a', n);
	memcpy(big, "HTTP/1.1 200 OK\r\nX: ", 20);
	big[n] = '\0';
	assert_int_equal(resp_feed(big, 100, &r, &b),
	    NOTARY_HTTP_ERR_TRANSPORT);
	assert_string_equal(r.error, "line too long");
	notary_http_body_free(&b);
	memcpy(big, "HTTP/1.1 200 OK\r\n", 17);
	for (i = 17; i + 6 < n; i += 6)
		memcpy(big + i, "X: 1\r\n", 6);
	big[i] = '\0';
	assert_int_equal(resp_feed(big, 100, &r, &b),
	    NOTARY_HTTP_ERR_TRANSPORT);
	assert_string_equal(r.error, "too many header lines");
	notary_http_body_free(&b);
	for (i = 17; i + 4000 < n; i += 4000) {
		memset(big + i, 'a', 4000);
		memcpy(big + i, "X: ", 3);
		memcpy(big + i + 3998, "\r\n", 2);
	}
	big[i] = '\0';
	assert_int_equal(resp_feed(big, 100, &r, &b),
	    NOTARY_HTTP_ERR_TRANSPORT);
	assert_string_equal(r.error, "headers too large");
	notary_http_body_free(&b);
	free(big);
	/* EOF before any byte. */
	assert_int_equal(resp_feed_eof("", 100, &r, &b),
	    NOTARY_HTTP_ERR_TRANSPORT);
	notary_http_body_free(&b);
}

static void
test_resp_connect(void **state)
{
	struct notary_http_resp r;
	size_t used;
	static const char s[] = "HTTP/1.1 200 Connection established\r\n"
	    "Content-Length: 10\r\n\r\n\x16\x03";

	(void)state;
	/* A CONNECT answer ends at its headers, whatever they say. */
	notary_http_resp_init(&r, NULL, 1);
	assert_int_equal(notary_http_resp_feed(&r, (const uint8_t *)s,
	    sizeof(s) - 1, &used), 0);
	assert_int_equal(r.state, NH_RESP_DONE);
	assert_int_equal(used, sizeof(s) - 3);
}

static void
test_url(void **state)
{
	struct nh_url u;

	(void)state;
	assert_int_equal(notary_http_url_parse("https://notary.example.com",
	    &u), 0);
	assert_int_equal(u.tls, 1);
	assert_int_equal(u.port, 443);
	assert_int_equal(u.ip, 0);
	assert_string_equal(u.host, "notary.example.com");
	assert_string_equal(u.path, "");
	assert_int_equal(notary_http_url_parse("http://127.0.0.1:4443/a/b?c=d",
	    &u), 0);
	assert_int_equal(u.tls, 0);
	assert_int_equal(u.port, 4443);
	assert_int_equal(u.ip, 1);
	assert_string_equal(u.path, "/a/b?c=d");
	assert_int_equal(notary_http_url_parse("HTTPS://[::1]:8443?x", &u), 0);
	assert_string_equal(u.host, "::1");
	assert_int_equal(u.ip, 1);
	assert_string_equal(u.path, "?x");
	static const char *const bad[] = {
		"ftp://a", "https://", "https://:443", "https://a:0",
		"https://a:65536", "https://a:", "https://a:8x",
		"https://user:pw@a/", "https://a/b c", "https://a/#f",
		"https://[::1", "https://[zz]/", "https://a_b!c/",
		"https://a\n/",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(notary_http_url_parse(bad[i], &u),
		    NOTARY_HTTP_ERR_INVAL);
}

static void
test_no_proxy(void **state)
{
	(void)state;
	assert_int_equal(notary_http_no_proxy_match(NULL, "a.com"), 0);
	assert_int_equal(notary_http_no_proxy_match("", "a.com"), 0);
	assert_int_equal(notary_http_no_proxy_match("*", "a.com"), 1);
	assert_int_equal(notary_http_no_proxy_match("b.com, a.com", "a.com"), 1);
	assert_int_equal(notary_http_no_proxy_match(".example.com",
	    "notary.example.com"), 1);
	assert_int_equal(notary_http_no_proxy_match("example.com",
	    "notary.EXAMPLE.com"), 1);
	assert_int_equal(notary_http_no_proxy_match("example.com",
	    "badexample.com"), 0);
	assert_int_equal(notary_http_no_proxy_match("example.com:4443",
	    "example.com"), 1);
	assert_int_equal(notary_http_no_proxy_match("10.0.0.0/8,[::1]",
	    "10.2.3.4"), 1);
	assert_int_equal(notary_http_no_proxy_match("10.0.0.0/8", "11.0.0.1"),
	    0);
	assert_int_equal(notary_http_no_proxy_match("[::1]", "::1"), 1);
	assert_int_equal(notary_http_no_proxy_match("fd00::/8", "fd12::1"), 1);
	assert_int_equal(notary_http_no_proxy_match("127.0.0.1", "127.0.0.10"),
	    0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_challenge_docker),
		cmocka_unit_test(test_challenge_forms),
		cmocka_unit_test(test_challenge_refused),
		cmocka_unit_test(test_error_hierarchy),
		cmocka_unit_test(test_error_roles),
		cmocka_unit_test(test_error_garbage),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_new_refuses),
		cmocka_unit_test(test_resp_length),
		cmocka_unit_test(test_resp_chunked),
		cmocka_unit_test(test_resp_headers),
		cmocka_unit_test(test_resp_connect),
		cmocka_unit_test(test_url),
		cmocka_unit_test(test_no_proxy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
