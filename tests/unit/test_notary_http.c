/* SPDX-License-Identifier: Apache-2.0 */
/*
 * notary_http's parsers, with no network: WWW-Authenticate challenges, the
 * server's error bodies (texts as notary-server 0.7 sends them), and the
 * names allowed into a URL path.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
