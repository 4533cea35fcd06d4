/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for proto/: framing, request decoding, responses, validators. */
#include <sys/socket.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "proto.h"

/* --- bounded buffer ---------------------------------------------------- */

static void
test_buf(void **state)
{
	static const uint8_t d[] = { 0x01, 0x02, 0x03, 0x04, 0x05 };
	struct proto_buf b;
	const uint8_t *p;
	uint32_t v;
	uint8_t u;

	(void)state;
	proto_buf_init(&b, d, sizeof(d));
	assert_int_equal(proto_buf_get_u32be(&b, &v), 0);
	assert_int_equal(v, 0x01020304);
	assert_int_equal(proto_buf_left(&b), 1);
	assert_int_equal(proto_buf_get_u32be(&b, &v), PROTO_ERR_TRUNCATED);
	assert_int_equal(v, 0);
	assert_int_equal(proto_buf_left(&b), 1);	/* nothing consumed */
	assert_int_equal(proto_buf_get_bytes(&b, 2, &p), PROTO_ERR_TRUNCATED);
	assert_null(p);
	assert_int_equal(proto_buf_skip(&b, 2), PROTO_ERR_TRUNCATED);
	assert_int_equal(proto_buf_get_u8(&b, &u), 0);
	assert_int_equal(u, 5);
	assert_int_equal(proto_buf_get_u8(&b, &u), PROTO_ERR_TRUNCATED);
}

/* --- frames ------------------------------------------------------------ */

static int
feed(struct proto_frame_reader *r, const void *p, size_t n, size_t *used)
{
	struct proto_buf b;
	int rc;

	proto_buf_init(&b, p, n);
	rc = proto_frame_reader_feed(r, &b);
	if (used != NULL)
		*used = b.off;
	return rc;
}

static void
test_frame_feed(void **state)
{
	struct proto_frame_reader r;
	const uint8_t two[] = { 0, 0, 0, 2, '{', '}', 0, 0, 0, 1, 'x' };
	uint8_t *data;
	size_t len, used, i;

	(void)state;
	proto_frame_reader_init(&r, 16);
	/* Two frames in one buffer: the first is taken, the second left. */
	assert_int_equal(feed(&r, two, sizeof(two), &used), 0);
	assert_int_equal(used, 6);
	assert_int_equal(proto_frame_reader_take(&r, &data, &len), 0);
	assert_int_equal(len, 2);
	assert_memory_equal(data, "{}", 3);
	free(data);
	assert_int_equal(feed(&r, two + 6, 5, &used), 0);
	assert_int_equal(proto_frame_reader_take(&r, &data, &len), 0);
	assert_int_equal(len, 1);
	free(data);

	/* Byte by byte: AGAIN until the last byte. */
	for (i = 0; i < 5; i++) {
		assert_int_equal(proto_frame_reader_started(&r), i > 0);
		assert_int_equal(feed(&r, two + i, 1, NULL),
		    i < 5 ? PROTO_ERR_AGAIN : 0);
	}
	assert_int_equal(feed(&r, two + 5, 1, NULL), 0);
	assert_int_equal(proto_frame_reader_take(&r, &data, &len), 0);
	free(data);

	/* Truncated: header alone, header and part of the payload. */
	assert_int_equal(feed(&r, two, 3, NULL), PROTO_ERR_AGAIN);
	assert_int_equal(feed(&r, two + 3, 2, NULL), PROTO_ERR_AGAIN);
	assert_int_equal(proto_frame_reader_take(&r, &data, &len),
	    PROTO_ERR_AGAIN);
	assert_null(data);
	proto_frame_reader_cleanup(&r);

	/* Zero length: a complete, empty frame. */
	proto_frame_reader_init(&r, 16);
	assert_int_equal(feed(&r, "\0\0\0\0", 4, NULL), 0);
	assert_int_equal(proto_frame_reader_take(&r, &data, &len), 0);
	assert_int_equal(len, 0);
	assert_non_null(data);
	free(data);
	proto_frame_reader_cleanup(&r);
}

static void
test_frame_limits(void **state)
{
	struct proto_frame_reader r;
	uint8_t buf[4 + 16];
	uint8_t *data;
	size_t len;

	(void)state;
	/* Exactly max_frame is accepted. */
	proto_frame_reader_init(&r, 16);
	memset(buf, 'a', sizeof(buf));
	buf[0] = buf[1] = buf[2] = 0;
	buf[3] = 16;
	assert_int_equal(feed(&r, buf, sizeof(buf), NULL), 0);
	assert_int_equal(proto_frame_reader_take(&r, &data, &len), 0);
	assert_int_equal(len, 16);
	free(data);
	/* One more is refused from the header alone, before any payload. */
	buf[3] = 17;
	assert_int_equal(feed(&r, buf, 4, NULL), PROTO_ERR_TOO_LARGE);
	assert_int_equal(proto_frame_reader_announced(&r), 17);
	assert_null(r.data);
	proto_frame_reader_cleanup(&r);
	/* The largest length is refused under the default cap. */
	proto_frame_reader_init(&r, 0);
	assert_int_equal(feed(&r, "\xff\xff\xff\xff", 4, NULL),
	    PROTO_ERR_TOO_LARGE);
	proto_frame_reader_cleanup(&r);
	/* 64 MiB announced, 10 bytes sent: memory follows what arrived. */
	proto_frame_reader_init(&r, 0);
	assert_int_equal(feed(&r, "\x04\0\0\0" "0123456789", 14, NULL),
	    PROTO_ERR_AGAIN);
	assert_true(r.cap <= 64 * 1024 + 1);
	proto_frame_reader_cleanup(&r);
}

static void
test_frame_fd(void **state)
{
	int sv[2];
	uint8_t *data;
	size_t len;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(proto_frame_write(sv[0], "{\"a\":1}", 7, 1000), 0);
	assert_int_equal(proto_frame_read(sv[1], 0, 1000, &data, &len), 0);
	assert_int_equal(len, 7);
	assert_memory_equal(data, "{\"a\":1}", 7);
	free(data);
	/* Half-sent: the deadline ends the wait. */
	assert_int_equal(write(sv[0], "\0\0\0\x05{\"", 6), 6);
	assert_int_equal(proto_frame_read(sv[1], 0, 100, &data, &len),
	    PROTO_ERR_TIMEOUT);
	assert_null(data);
	close(sv[0]);
	close(sv[1]);

	/* Closed inside a frame vs. between frames. */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(write(sv[0], "\0\0\0\x05{\"", 6), 6);
	close(sv[0]);
	assert_int_equal(proto_frame_read(sv[1], 0, 1000, &data, &len),
	    PROTO_ERR_TRUNCATED);
	close(sv[1]);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	close(sv[0]);
	assert_int_equal(proto_frame_read(sv[1], 0, 1000, &data, &len),
	    PROTO_ERR_EOF);
	close(sv[1]);
	/* Oversize from the header. */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(write(sv[0], "\0\x01\0\0", 4), 4);
	assert_int_equal(proto_frame_read(sv[1], 1024, 1000, &data, &len),
	    PROTO_ERR_TOO_LARGE);
	close(sv[0]);
	close(sv[1]);
}

static void
test_frame_seal(void **state)
{
	struct json_buf b;
	size_t at;

	(void)state;
	json_buf_init(&b);
	at = proto_frame_begin(&b);
	json_put_raw(&b, "{}", 2);
	assert_int_equal(proto_frame_seal(&b, at), 0);
	assert_int_equal(b.len, 6);
	assert_memory_equal(b.data, "\0\0\0\x02{}", 6);
	assert_int_equal(proto_frame_seal(&b, 5), PROTO_ERR_INVAL);
	json_buf_cleanup(&b);
}

/* --- requests ---------------------------------------------------------- */

static int
decode(const char *s, struct proto_req *req, struct proto_error *err)
{
	return proto_req_decode((const uint8_t *)s, strlen(s), NULL, req, err);
}

struct bad_case {
	const char	*in;
	int		 rc;
	enum proto_code	 code;
	const char	*field;
};

static void
test_req_envelope(void **state)
{
	static const struct bad_case cases[] = {
		{ "", PROTO_ERR_EMPTY_FRAME, PROTO_CODE_BAD_FRAME, "" },
		{ "{", PROTO_ERR_JSON, PROTO_CODE_BAD_JSON, "" },
		{ "{} {}", PROTO_ERR_JSON, PROTO_CODE_BAD_JSON, "" },
		{ "{\"v\":1,\"v\":1,\"op\":\"s\"}", PROTO_ERR_JSON,
		    PROTO_CODE_BAD_JSON, "" },
		{ "{\"v\":1.0,\"op\":\"s\"}", PROTO_ERR_JSON,
		    PROTO_CODE_BAD_JSON, "" },
		{ "{\"v\":1,\"op\":\"\xc3\x28\"}", PROTO_ERR_JSON,
		    PROTO_CODE_BAD_JSON, "" },
		{ "[]", PROTO_ERR_REQUEST, PROTO_CODE_BAD_REQUEST, "" },
		{ "\"status\"", PROTO_ERR_REQUEST, PROTO_CODE_BAD_REQUEST, "" },
		{ "{\"op\":\"s\"}", PROTO_ERR_REQUEST, PROTO_CODE_BAD_REQUEST,
		    "v" },
		{ "{\"v\":\"1\",\"op\":\"s\"}", PROTO_ERR_REQUEST,
		    PROTO_CODE_BAD_REQUEST, "v" },
		{ "{\"v\":true,\"op\":\"s\"}", PROTO_ERR_REQUEST,
		    PROTO_CODE_BAD_REQUEST, "v" },
		{ "{\"v\":2,\"op\":\"s\"}", PROTO_ERR_VERSION,
		    PROTO_CODE_UNSUPPORTED_VERSION, "v" },
		{ "{\"v\":0,\"op\":\"s\"}", PROTO_ERR_VERSION,
		    PROTO_CODE_UNSUPPORTED_VERSION, "v" },
		{ "{\"v\":1}", PROTO_ERR_REQUEST, PROTO_CODE_BAD_REQUEST, "op" },
		{ "{\"v\":1,\"op\":7}", PROTO_ERR_REQUEST,
		    PROTO_CODE_BAD_REQUEST, "op" },
		{ "{\"v\":1,\"op\":\"\"}", PROTO_ERR_REQUEST,
		    PROTO_CODE_BAD_REQUEST, "op" },
		{ "{\"v\":1,\"op\":\"Status\"}", PROTO_ERR_REQUEST,
		    PROTO_CODE_BAD_REQUEST, "op" },
		{ "{\"v\":1,\"op\":\"1key\"}", PROTO_ERR_REQUEST,
		    PROTO_CODE_BAD_REQUEST, "op" },
		{ "{\"v\":1,\"op\":\"key/list\"}", PROTO_ERR_REQUEST,
		    PROTO_CODE_BAD_REQUEST, "op" },
		{ "{\"v\":1,\"op\":\"a\\u0000b\"}", PROTO_ERR_REQUEST,
		    PROTO_CODE_BAD_REQUEST, "op" },
		{ "{\"v\":1,\"op\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}", PROTO_ERR_REQUEST,
		    PROTO_CODE_BAD_REQUEST, "op" },
		{ "{\"v\":1,\"op\":\"s\",\"id\":true}", PROTO_ERR_REQUEST,
		    PROTO_CODE_BAD_REQUEST, "id" },
		{ "{\"v\":1,\"op\":\"s\",\"id\":[1]}", PROTO_ERR_REQUEST,
		    PROTO_CODE_BAD_REQUEST, "id" },
		{ "{\"v\":1,\"op\":\"s\",\"id\":\"a\\nb\"}", PROTO_ERR_REQUEST,
		    PROTO_CODE_BAD_REQUEST, "id" },
	};
	struct proto_req req;
	struct proto_error err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = decode(cases[i].in, &req, &err);

		if (rc != cases[i].rc || err.code != cases[i].code ||
		    strcmp(err.field, cases[i].field) != 0)
			fail_msg("case %zu (%s): rc %d code %d field '%s': %s",
			    i, cases[i].in, rc, err.code, err.field,
			    err.message);
		assert_true(err.message[0] != '\0');
		assert_true(proto_utf8_valid(err.message,
		    strlen(err.message)));
		proto_req_cleanup(&req);
	}
}

static void
test_req_ok(void **state)
{
	struct proto_req req;
	struct proto_error err;
	char longid[PROTO_ID_MAX + 40];
	int n;

	(void)state;
	assert_int_equal(decode(" {\"v\":1,\"op\":\"key.list\"}\n", &req,
	    &err), 0);
	assert_string_equal(req.op, "key.list");
	assert_int_equal(req.id.kind, PROTO_ID_NONE);
	proto_req_cleanup(&req);
	assert_int_equal(decode("{\"id\":-9,\"v\":1,\"op\":\"status\"}", &req,
	    &err), 0);
	assert_int_equal(req.id.kind, PROTO_ID_INT);
	assert_int_equal(req.id.num, -9);
	proto_req_cleanup(&req);
	assert_int_equal(decode("{\"id\":\"r\\u00e9-1\",\"v\":1,"
	    "\"op\":\"targets.update\"}", &req, &err), 0);
	assert_int_equal(req.id.kind, PROTO_ID_STR);
	assert_string_equal(req.id.str, "r\xc3\xa9-1");
	proto_req_cleanup(&req);
	/* The id is kept even when the rest is wrong, for the reply. */
	assert_int_equal(decode("{\"id\":\"x\",\"v\":3,\"op\":\"status\"}",
	    &req, &err), PROTO_ERR_VERSION);
	assert_int_equal(req.id.kind, PROTO_ID_STR);
	proto_req_cleanup(&req);
	/* Too long an id is refused and not echoed. */
	memset(longid, 'i', sizeof(longid));
	n = snprintf(longid, sizeof(longid), "{\"v\":1,\"op\":\"s\",\"id\":\"");
	memset(longid + n, 'i', PROTO_ID_MAX + 1);
	memcpy(longid + n + PROTO_ID_MAX + 1, "\"}", 3);
	assert_int_equal(decode(longid, &req, &err), PROTO_ERR_REQUEST);
	assert_string_equal(err.field, "id");
	assert_int_equal(req.id.kind, PROTO_ID_NONE);
	proto_req_cleanup(&req);
}

static void
test_req_limits(void **state)
{
	struct proto_limits lim = { 64, 3, 10 };
	struct proto_req req;
	struct proto_error err;
	const char *deep = "{\"v\":1,\"op\":\"s\",\"a\":[[[[1]]]]}";
	const char *many = "{\"v\":1,\"op\":\"s\",\"a\":[1,2,3,4,5,6,7,8,9]}";

	(void)state;
	assert_int_equal(proto_req_decode((const uint8_t *)deep, strlen(deep),
	    &lim, &req, &err), PROTO_ERR_JSON);
	assert_int_equal(err.code, PROTO_CODE_BAD_JSON);
	proto_req_cleanup(&req);
	assert_int_equal(proto_req_decode((const uint8_t *)many, strlen(many),
	    &lim, &req, &err), PROTO_ERR_JSON);
	proto_req_cleanup(&req);
	lim.max_frame = 8;
	assert_int_equal(proto_req_decode((const uint8_t *)many, strlen(many),
	    &lim, &req, &err), PROTO_ERR_TOO_LARGE);
	assert_int_equal(err.code, PROTO_CODE_FRAME_TOO_LARGE);
	proto_req_cleanup(&req);
}

static void
test_req_getters(void **state)
{
	static const char *in = "{\"v\":1,\"op\":\"targets.update\","
	    "\"gun\":\"example.com/app\",\"n\":5,\"b\":true,\"nul\":\"a\\u0000\","
	    "\"tags\":[{\"name\":\"v1\",\"length\":-1}],\"o\":{}}";
	static const char *const allowed[] = { "gun", "n", "b", "nul", "tags",
	    "o", NULL };
	static const char *const fewer[] = { "gun", NULL };
	struct proto_req req;
	struct proto_error err;
	const struct json_value *arr, *obj;
	const char *s;
	size_t len, n;
	int64_t i;
	int b;

	(void)state;
	assert_int_equal(decode(in, &req, &err), 0);
	assert_int_equal(proto_req_get_str(&req, "gun", &s, &len, &err), 0);
	assert_string_equal(s, "example.com/app");
	assert_int_equal(len, 15);
	assert_int_equal(proto_req_get_strn(&req, "gun", 4, &s, &len, &err),
	    PROTO_ERR_REQUEST);
	assert_null(s);
	assert_string_equal(err.field, "gun");
	assert_non_null(strstr(err.message, "at most 4"));
	assert_int_equal(proto_req_get_str(&req, "missing", &s, &len, &err),
	    PROTO_ERR_MISSING);
	assert_string_equal(err.field, "missing");
	assert_int_equal(proto_req_get_str(&req, "n", &s, &len, &err),
	    PROTO_ERR_REQUEST);
	assert_non_null(strstr(err.message, "expected a string, got an "
	    "integer"));
	assert_int_equal(proto_req_get_str(&req, "nul", &s, &len, &err),
	    PROTO_ERR_REQUEST);
	assert_int_equal(proto_req_get_int(&req, "n", 0, 10, &i, &err), 0);
	assert_int_equal(i, 5);
	assert_int_equal(proto_req_get_int(&req, "n", 6, 10, &i, &err),
	    PROTO_ERR_REQUEST);
	assert_int_equal(i, 0);
	assert_int_equal(proto_req_get_int(&req, "b", 0, 10, &i, &err),
	    PROTO_ERR_REQUEST);
	assert_int_equal(proto_req_get_bool(&req, "b", &b, &err), 0);
	assert_int_equal(b, 1);
	assert_int_equal(proto_req_get_bool(&req, "n", &b, &err),
	    PROTO_ERR_REQUEST);
	assert_int_equal(proto_req_get_array(&req, "tags", 1, &arr, &n, &err),
	    0);
	assert_int_equal(n, 1);
	assert_int_equal(proto_req_get_array(&req, "tags", 0, &arr, &n, &err),
	    PROTO_ERR_REQUEST);
	assert_non_null(strstr(err.message, "1 elements, at most 0"));
	assert_int_equal(proto_req_get_array(&req, "o", 1, &arr, &n, &err),
	    PROTO_ERR_REQUEST);
	assert_int_equal(proto_req_get_object(&req, "o", &obj, &err), 0);
	assert_int_equal(proto_req_get_object(&req, "tags", &obj, &err),
	    PROTO_ERR_REQUEST);
	/* Nested: the path names the element. */
	assert_int_equal(proto_req_get_array(&req, "tags", 10, &arr, &n, &err),
	    0);
	assert_int_equal(proto_obj_get_int(json_array_at(arr, 0), "tags[0]",
	    "length", 0, INT64_MAX, &i, &err), PROTO_ERR_REQUEST);
	assert_string_equal(err.field, "tags[0].length");
	assert_int_equal(proto_obj_get_str(json_array_at(arr, 0), "tags[0]",
	    "sha256", 64, &s, &len, &err), PROTO_ERR_MISSING);
	assert_string_equal(err.field, "tags[0].sha256");
	/* Unknown members. */
	assert_int_equal(proto_req_check_members(&req, allowed, &err), 0);
	assert_int_equal(proto_req_check_members(&req, fewer, &err),
	    PROTO_ERR_REQUEST);
	assert_int_equal(err.code, PROTO_CODE_BAD_REQUEST);
	assert_non_null(strstr(err.message, "unknown field"));
	assert_int_equal(proto_req_has(&req, "o"), 1);
	assert_int_equal(proto_req_has(&req, "p"), 0);
	proto_req_cleanup(&req);
}

/* --- responses and codes ----------------------------------------------- */

static void
test_resp(void **state)
{
	struct json_buf b;
	struct proto_id id;
	struct proto_error e;
	struct proto_resp r;

	(void)state;
	memset(&id, 0, sizeof(id));
	json_buf_init(&b);
	proto_resp_ok(&b, &id, NULL, 0);
	assert_int_equal(b.err, 0);
	assert_int_equal(b.len, strlen("{\"ok\":true,\"result\":{}}"));
	assert_memory_equal(b.data, "{\"ok\":true,\"result\":{}}", b.len);
	json_buf_cleanup(&b);

	id.kind = PROTO_ID_STR;
	memcpy(id.str, "q\"1", 4);
	id.len = 3;
	json_buf_init(&b);
	proto_resp_ok(&b, &id, (const uint8_t *)"{\"a\":1}", 7);
	assert_memory_equal(b.data, "{\"id\":\"q\\\"1\",\"ok\":true,"
	    "\"result\":{\"a\":1}}", b.len);
	assert_int_equal(proto_resp_decode(b.data, b.len, NULL, &r), 0);
	assert_true(r.ok);
	assert_string_equal(r.id.str, "q\"1");
	proto_resp_cleanup(&r);
	json_buf_cleanup(&b);

	id.kind = PROTO_ID_INT;
	id.num = 42;
	proto_error_field(&e, PROTO_CODE_BAD_REQUEST, "gun", "bad %s", "x");
	json_buf_init(&b);
	proto_resp_error(&b, &id, &e);
	assert_int_equal(b.err, 0);
	assert_memory_equal(b.data, "{\"error\":{\"code\":\"bad_request\","
	    "\"field\":\"gun\",\"message\":\"field \\\"gun\\\": bad x\"},"
	    "\"id\":42,\"ok\":false}", b.len);
	assert_int_equal(proto_resp_decode(b.data, b.len, NULL, &r), 0);
	assert_false(r.ok);
	assert_int_equal(r.code, PROTO_CODE_BAD_REQUEST);
	assert_string_equal(r.field, "gun");
	proto_resp_cleanup(&r);
	json_buf_cleanup(&b);

	assert_int_equal(proto_resp_decode((const uint8_t *)"{\"ok\":1}", 8,
	    NULL, &r), PROTO_ERR_RESPONSE);
	assert_int_equal(proto_resp_decode((const uint8_t *)"{\"ok\":false}",
	    12, NULL, &r), PROTO_ERR_RESPONSE);
}

static void
test_codes(void **state)
{
	/* The numbers and strings are the protocol: pinned here. */
	static const char *const names[] = { NULL, "bad_frame",
	    "frame_too_large", "bad_json", "bad_request", "unknown_op",
	    "unsupported_version", "denied", "not_found", "conflict",
	    "rollback", "equivocation", "locked", "token_error", "internal",
	    "timeout", "busy", "bad_metadata", "untrusted", "unavailable" };
	int i;

	(void)state;
	assert_int_equal(PROTO_CODE_COUNT, 20);
	for (i = 1; i < PROTO_CODE_COUNT; i++) {
		assert_string_equal(proto_code_name((enum proto_code)i),
		    names[i]);
		assert_int_equal(proto_code_from_name(names[i],
		    strlen(names[i])), i);
	}
	assert_null(proto_code_name(PROTO_CODE_NONE));
	assert_null(proto_code_name(PROTO_CODE_COUNT));
	assert_int_equal(proto_code_from_name("nope", 4), PROTO_CODE_NONE);
	assert_int_equal(proto_code_from_name("bad_frame", 3),
	    PROTO_CODE_NONE);
	assert_int_equal(proto_code_from_err(PROTO_ERR_TOO_LARGE),
	    PROTO_CODE_FRAME_TOO_LARGE);
	assert_int_equal(proto_code_from_err(PROTO_ERR_TIMEOUT),
	    PROTO_CODE_TIMEOUT);
	assert_int_equal(proto_code_from_err(PROTO_ERR_NOMEM),
	    PROTO_CODE_INTERNAL);
	for (i = 0; i >= PROTO_ERR_RESPONSE; i--)
		assert_string_not_equal(proto_strerror(i),
		    "unknown proto error");
}

static void
test_error_text(void **state)
{
	struct proto_error e;
	char q[64], big[600];

	(void)state;
	proto_quote("a\"\n\xff", 4, q, sizeof(q));
	assert_string_equal(q, "a\\x22\\x0a\\xff");
	memset(big, 'x', sizeof(big));
	proto_quote(big, sizeof(big), q, sizeof(q));
	assert_non_null(strstr(q, "..."));
	assert_true(strlen(q) < sizeof(q));
	/* A message cut inside a UTF-8 sequence is still valid UTF-8. */
	memset(big, 0, sizeof(big));
	for (size_t i = 0; i + 2 < sizeof(big); i += 2)
		memcpy(big + i, "\xc3\xa9", 2);
	proto_error_set(&e, PROTO_CODE_INTERNAL, "x%s", big);
	assert_true(proto_utf8_valid(e.message, strlen(e.message)));
	proto_error_set(&e, PROTO_CODE_INTERNAL, "bad \xff byte");
	assert_true(proto_utf8_valid(e.message, strlen(e.message)));
}

static void
test_client(void **state)
{
	struct json_buf b;
	struct proto_id id;
	struct proto_req req;
	struct proto_error err;
	struct proto_resp r;
	uint8_t *data;
	size_t len, at;
	int sv[2];

	(void)state;
	memset(&id, 0, sizeof(id));
	id.kind = PROTO_ID_INT;
	id.num = 5;
	json_buf_init(&b);
	proto_req_begin(&b, "targets.update", &id);
	proto_req_key(&b, "gun");
	json_put_str(&b, "example.com/app", 15);
	proto_req_end(&b);
	assert_int_equal(b.err, 0);
	assert_memory_equal(b.data, "{\"id\":5,\"op\":\"targets.update\","
	    "\"v\":1,\"gun\":\"example.com/app\"}", b.len);
	assert_int_equal(proto_req_decode(b.data, b.len, NULL, &req, &err), 0);
	proto_req_cleanup(&req);

	/* One exchange against a hand-driven peer on a socketpair. */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	{
		struct json_buf reply;

		json_buf_init(&reply);
		at = proto_frame_begin(&reply);
		proto_resp_ok(&reply, &id, (const uint8_t *)"{\"x\":1}", 7);
		assert_int_equal(proto_frame_seal(&reply, at), 0);
		/* The reply can sit in the buffer before the request is read. */
		assert_int_equal(write(sv[1], reply.data, reply.len),
		    (ssize_t)reply.len);
		json_buf_cleanup(&reply);
	}
	assert_int_equal(proto_call(sv[0], &b, NULL, 1000, &r), 0);
	assert_true(r.ok);
	assert_int_equal(r.id.num, 5);
	proto_resp_cleanup(&r);
	assert_int_equal(proto_frame_read(sv[1], 0, 1000, &data, &len), 0);
	assert_int_equal(len, b.len);
	free(data);
	close(sv[1]);
	assert_int_equal(proto_call(sv[0], &b, NULL, 1000, &r), PROTO_ERR_IO);
	close(sv[0]);
	json_buf_cleanup(&b);
}

/* --- attachments ------------------------------------------------------- */

/* Decodes raw bytes (NULs included) as a request. */
static int
decode_n(const void *s, size_t n, struct proto_req *req,
    struct proto_error *err)
{
	return proto_req_decode(s, n, NULL, req, err);
}

static void
test_att_roundtrip(void **state)
{
	static const char file[] = "{\"signed\":{\"a\":\"<\\\"x\\\">\"}}";
	struct json_buf b;
	struct proto_att att;
	struct proto_req req;
	struct proto_error err;
	const struct json_value *base;
	const char *s;
	size_t n;

	(void)state;
	json_buf_init(&b);
	proto_att_init(&att);
	proto_req_begin(&b, "targets.update", NULL);
	proto_req_key(&b, "base");
	json_put_raw(&b, "{\"root\":", 8);
	assert_int_equal(proto_att_copy(&b, &att, "R", 1), 0);
	json_put_raw(&b, ",\"targets\":", 11);
	assert_int_equal(proto_att_ref(&b, &att, file, sizeof(file) - 1), 0);
	json_put_char(&b, '}');
	proto_req_end_att(&b, &att);
	assert_int_equal(b.err, 0);
	/* The text, a NUL, then each attachment and its NUL. */
	n = strlen((const char *)b.data);
	assert_memory_equal(b.data, "{\"op\":\"targets.update\",\"v\":1,"
	    "\"base\":{\"root\":{\"att\":0},\"targets\":{\"att\":1}},"
	    "\"att\":[1,26]}", n);
	assert_int_equal(b.len, n + 1 + 2 + sizeof(file));
	assert_memory_equal(b.data + n + 1, "R\0", 2);
	assert_memory_equal(b.data + n + 3, file, sizeof(file));

	assert_int_equal(decode_n(b.data, b.len, &req, &err), 0);
	assert_true(req.att);
	base = json_object_get(req.root, "base");
	s = json_value_str(json_object_get(base, "targets"), &n);
	assert_non_null(s);
	assert_int_equal(n, sizeof(file) - 1);
	assert_memory_equal(s, file, n);
	assert_int_equal(s[n], '\0');
	/* Unescaped, in place: no copy of megabytes. */
	assert_ptr_equal(s, (const char *)b.data + b.len - sizeof(file));
	s = json_value_str(json_object_get(base, "root"), &n);
	assert_int_equal(n, 1);
	assert_string_equal(s, "R");
	/* "att" is envelope: an op's member check lets it through. */
	{
		static const char *const allowed[] = { "base", NULL };

		assert_int_equal(proto_req_check_members(&req, allowed, &err),
		    0);
	}
	proto_req_cleanup(&req);
	proto_att_cleanup(&att);
	json_buf_cleanup(&b);

	/* "att":[] alone asks for attachments in the reply. */
	assert_int_equal(decode("{\"v\":1,\"op\":\"status\",\"att\":[]}", &req,
	    &err), 0);
	assert_true(req.att);
	proto_req_cleanup(&req);
	assert_int_equal(decode("{\"v\":1,\"op\":\"status\"}", &req, &err), 0);
	assert_false(req.att);
	proto_req_cleanup(&req);
}

static void
test_att_bad(void **state)
{
	static const struct {
		const char	*in;
		size_t		 len;
		enum proto_code	 code;
		const char	*field;
	} cases[] = {
#define C(s, code, field) { s, sizeof(s) - 1, code, field }
#define H "{\"v\":1,\"op\":\"x\",\"base\":{\"t\":{\"att\":0}}"
		/* Bytes after the text but no list. */
		C("{\"v\":1,\"op\":\"x\"}\0ab\0", PROTO_CODE_BAD_FRAME, "att"),
		/* A list but no bytes. */
		C(H ",\"att\":[2]}", PROTO_CODE_BAD_FRAME, "att"),
		/* An empty list with a NUL after the text. */
		C("{\"v\":1,\"op\":\"x\",\"att\":[]}\0", PROTO_CODE_BAD_FRAME,
		    "att"),
		/* Lengths that do not add up, or a missing NUL. */
		C(H ",\"att\":[2]}\0abc", PROTO_CODE_BAD_FRAME, "att[0]"),
		C(H ",\"att\":[2]}\0ab\0x", PROTO_CODE_BAD_FRAME, "att"),
		C(H ",\"att\":[3]}\0ab\0", PROTO_CODE_BAD_FRAME, "att[0]"),
		C(H ",\"att\":[9999999999]}\0ab\0", PROTO_CODE_BAD_FRAME,
		    "att[0]"),
		/* Wrong types. */
		C(H ",\"att\":2}\0ab\0", PROTO_CODE_BAD_REQUEST, "att"),
		C(H ",\"att\":[-1]}\0ab\0", PROTO_CODE_BAD_REQUEST, "att[0]"),
		C(H ",\"att\":[\"2\"]}\0ab\0", PROTO_CODE_BAD_REQUEST, "att[0]"),
		/* References: out of range, twice, or none. */
		C("{\"v\":1,\"op\":\"x\",\"base\":{\"t\":{\"att\":1}},\"att\":[2]}"
		    "\0ab\0", PROTO_CODE_BAD_REQUEST, "base.t"),
		C("{\"v\":1,\"op\":\"x\",\"base\":{\"t\":{\"att\":0},\"u\":"
		    "{\"att\":0}},\"att\":[2]}\0ab\0", PROTO_CODE_BAD_REQUEST,
		    "base.u"),
		C("{\"v\":1,\"op\":\"x\",\"base\":{\"t\":\"ab\"},\"att\":[2]}"
		    "\0ab\0", PROTO_CODE_BAD_REQUEST, "att"),
		/* Only "base" members are references: elsewhere, unused. */
		C("{\"v\":1,\"op\":\"x\",\"gun\":{\"att\":0},\"att\":[2]}"
		    "\0ab\0", PROTO_CODE_BAD_REQUEST, "att"),
		/* Too many. */
		C("{\"v\":1,\"op\":\"x\",\"att\":[0,0,0,0,0,0,0,0,0,0,0,0,0,0,"
		    "0,0,0]}\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0",
		    PROTO_CODE_BAD_REQUEST, "att"),
#undef H
#undef C
	};
	struct proto_req req;
	struct proto_error err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		print_message("case %zu\n", i);
		assert_int_equal(decode_n(cases[i].in, cases[i].len, &req,
		    &err), PROTO_ERR_REQUEST);
		assert_int_equal(err.code, cases[i].code);
		assert_string_equal(err.field, cases[i].field);
		proto_req_cleanup(&req);
	}
	/* A NUL inside the text is the end of the text: the rest is not JSON. */
	assert_int_equal(decode_n("{\"v\":1,\0\"op\":\"x\"}", 17, &req, &err),
	    PROTO_ERR_JSON);
	proto_req_cleanup(&req);
}

static void
test_att_response(void **state)
{
	static const char file[] = "{\"signed\":{}}";
	struct json_buf b, res;
	struct proto_att att;
	struct proto_resp r;
	struct proto_id id;
	const char *s;
	size_t n;

	(void)state;
	memset(&id, 0, sizeof(id));
	id.kind = PROTO_ID_INT;
	id.num = 7;
	json_buf_init(&b);
	json_buf_init(&res);
	proto_att_init(&att);
	json_put_raw(&res, "{\"files\":{\"targets\":", 20);
	assert_int_equal(proto_att_copy(&res, &att, file, sizeof(file) - 1),
	    0);
	json_put_raw(&res, "}}", 2);
	proto_resp_ok_att(&b, &id, res.data, res.len, &att);
	assert_int_equal(b.err, 0);
	n = strlen((const char *)b.data);
	assert_memory_equal(b.data, "{\"att\":[13],\"id\":7,\"ok\":true,"
	    "\"result\":{\"files\":{\"targets\":{\"att\":0}}}}", n);
	assert_int_equal(proto_resp_decode(b.data, b.len, NULL, &r), 0);
	assert_true(r.ok);
	s = json_value_str(json_object_get(json_object_get(r.result, "files"),
	    "targets"), &n);
	assert_int_equal(n, sizeof(file) - 1);
	assert_memory_equal(s, file, n);
	proto_resp_cleanup(&r);
	/* Cut short: the attachment loses its NUL. */
	assert_int_equal(proto_resp_decode(b.data, b.len - 1, NULL, &r),
	    PROTO_ERR_RESPONSE);
	/* An unused attachment is refused on this side too. */
	b.len = 0;
	proto_resp_ok_att(&b, &id, (const uint8_t *)"{}", 2, &att);
	assert_int_equal(proto_resp_decode(b.data, b.len, NULL, &r),
	    PROTO_ERR_RESPONSE);
	proto_att_cleanup(&att);
	json_buf_cleanup(&res);
	json_buf_cleanup(&b);
}

/* --- validators -------------------------------------------------------- */

static void
test_gun(void **state)
{
	static const char *const good[] = { "example.com/app",
	    "docker.io/library/alpine", "localhost:5000/a/b-c",
	    "registry-1.example.com:443/team/app_x", "a.b/c__d", "h/a--b",
	    "10.0.0.1:5000/x.y" };
	static const char *const bad[] = { "", "app", "example.com",
	    "example.com/", "/example.com/app", "example.com//app",
	    "example.com/a/../b", "example.com/..", "Example.com/app",
	    "example.com/App", "example.com/a\nb", "example.com/a\x7f",
	    "example.com/a\tb", "example.com/a b", "ex_ample.com/app",
	    "-example.com/app", "example-.com/app", "example..com/app",
	    "example.com:/app", "example.com:0/app", "example.com:65536/app",
	    "example.com:12a/app", "example.com/-app", "example.com/app-",
	    "example.com/a.-b", "example.com/a___b", "example.com/a..b",
	    "example.com/a:b", "example.com/a@b", "ex\xc3\xa9.com/app",
	    "[::1]:5000/app" };
	struct proto_error e;
	char longgun[300];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (proto_gun_check("gun", good[i], strlen(good[i]), &e) != 0)
			fail_msg("good GUN %s refused: %s", good[i],
			    e.message);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (proto_gun_check("gun", bad[i], strlen(bad[i]), &e) !=
		    PROTO_ERR_REQUEST)
			fail_msg("bad GUN %zu accepted", i);
		assert_int_equal(e.code, PROTO_CODE_BAD_REQUEST);
		assert_string_equal(e.field, "gun");
		assert_true(proto_utf8_valid(e.message, strlen(e.message)));
	}
	/* NUL inside the span. */
	assert_int_equal(proto_gun_check("gun", "a.b/c\0d", 7, &e),
	    PROTO_ERR_REQUEST);
	/* 255 bytes pass, 256 do not. */
	memcpy(longgun, "example.com/", 12);
	memset(longgun + 12, 'a', sizeof(longgun) - 12);
	assert_int_equal(proto_gun_check("gun", longgun, 255, &e), 0);
	assert_int_equal(proto_gun_check("gun", longgun, 256, &e),
	    PROTO_ERR_REQUEST);
	assert_non_null(strstr(e.message, "at most 255"));
	/* Messages name the problem. */
	proto_gun_check("gun", "example.com/a/../b", 18, &e);
	assert_non_null(strstr(e.message, "\"..\""));
	proto_gun_check("gun", "example.com//b", 14, &e);
	assert_non_null(strstr(e.message, "empty path component"));
	proto_gun_check("gun", "example.com/B", 13, &e);
	assert_non_null(strstr(e.message, "uppercase"));
	proto_gun_check("gun", "example.com/\x01", 13, &e);
	assert_non_null(strstr(e.message, "control character"));
}

static void
test_tags(void **state)
{
	static const char *const docker_good[] = { "v1", "latest", "1.2.3",
	    "_x", "A-b_c.D", "0" };
	static const char *const docker_bad[] = { "", ".v1", "-v1", "v 1",
	    "v/1", "v:1", "v@1", "t\xc3\xa9", "v\n" };
	static const char *const notary_good[] = { "v1", "x<y>&z",
	    "q\"b\\s", "unicod\xc3\xa9\xe2\x98\x83", "ls\xe2\x80\xa8x",
	    "\xf0\x9f\x98\x80", "a/b c" };
	static const char *const notary_bad[] = { "", "a\nb", "a\x7f",
	    "a\x01", "a\xc2\x85", "\xff", "\xc0\xaf", "\xed\xa0\x80" };
	struct proto_error e;
	char longtag[PROTO_TARGET_NAME_MAX + 2];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(docker_good) / sizeof(docker_good[0]); i++)
		assert_int_equal(proto_tag_check("tag", docker_good[i],
		    strlen(docker_good[i]), PROTO_TAG_DOCKER, &e), 0);
	for (i = 0; i < sizeof(docker_bad) / sizeof(docker_bad[0]); i++)
		if (proto_tag_check("tag", docker_bad[i],
		    strlen(docker_bad[i]), PROTO_TAG_DOCKER, &e) == 0)
			fail_msg("docker tag %zu accepted", i);
	for (i = 0; i < sizeof(notary_good) / sizeof(notary_good[0]); i++)
		assert_int_equal(proto_tag_check("tag", notary_good[i],
		    strlen(notary_good[i]), PROTO_TAG_NOTARY, &e), 0);
	for (i = 0; i < sizeof(notary_bad) / sizeof(notary_bad[0]); i++)
		if (proto_tag_check("tag", notary_bad[i],
		    strlen(notary_bad[i]), PROTO_TAG_NOTARY, &e) == 0)
			fail_msg("notary name %zu accepted", i);
	memset(longtag, 'a', sizeof(longtag));
	assert_int_equal(proto_tag_check("tag", longtag, 128,
	    PROTO_TAG_DOCKER, &e), 0);
	assert_int_equal(proto_tag_check("tag", longtag, 129,
	    PROTO_TAG_DOCKER, &e), PROTO_ERR_REQUEST);
	assert_int_equal(proto_tag_check("tag", longtag,
	    PROTO_TARGET_NAME_MAX, PROTO_TAG_NOTARY, &e), 0);
	assert_int_equal(proto_tag_check("tag", longtag,
	    PROTO_TARGET_NAME_MAX + 1, PROTO_TAG_NOTARY, &e),
	    PROTO_ERR_REQUEST);
	assert_int_equal(proto_tag_check("tag", "a\0b", 3, PROTO_TAG_NOTARY,
	    &e), PROTO_ERR_REQUEST);
}

static void
test_roles(void **state)
{
	struct proto_error e;
	const int all = PROTO_ROLE_TARGETS | PROTO_ROLE_DELEGATION |
	    PROTO_ROLE_BASE;
	char longrole[100];

	(void)state;
	assert_int_equal(proto_role_check("role", "targets", 7,
	    PROTO_ROLE_TARGETS, &e), 0);
	assert_int_equal(proto_role_check("role", "targets/releases", 16,
	    PROTO_ROLE_DELEGATION, &e), 0);
	assert_int_equal(proto_role_check("role", "targets/ci-1_a", 14,
	    PROTO_ROLE_DELEGATION, &e), 0);
	assert_int_equal(proto_role_check("role", "root", 4, all, &e), 0);
	assert_int_equal(proto_role_check("role", "root", 4,
	    PROTO_ROLE_TARGETS | PROTO_ROLE_DELEGATION, &e),
	    PROTO_ERR_REQUEST);
	assert_int_equal(proto_role_check("role", "targets/ci", 10,
	    PROTO_ROLE_TARGETS, &e), PROTO_ERR_REQUEST);
	assert_int_equal(proto_role_check("role", "targets/", 8, all, &e),
	    PROTO_ERR_REQUEST);
	assert_int_equal(proto_role_check("role", "targets/Ci", 10, all, &e),
	    PROTO_ERR_REQUEST);
	assert_int_equal(proto_role_check("role", "targets/_ci", 11, all,
	    &e), PROTO_ERR_REQUEST);
	assert_int_equal(proto_role_check("role", "targets/a/b", 11, all,
	    &e), PROTO_ERR_REQUEST);
	assert_int_equal(proto_role_check("role", "targets/..", 10, all, &e),
	    PROTO_ERR_REQUEST);
	assert_int_equal(proto_role_check("role", "Targets", 7, all, &e),
	    PROTO_ERR_REQUEST);
	memcpy(longrole, "targets/", 8);
	memset(longrole + 8, 'a', sizeof(longrole) - 8);
	assert_int_equal(proto_role_check("role", longrole,
	    8 + PROTO_SIGNER_MAX, all, &e), 0);
	assert_int_equal(proto_role_check("role", longrole,
	    9 + PROTO_SIGNER_MAX, all, &e), PROTO_ERR_REQUEST);

	assert_int_equal(proto_signer_check("signer", "ci", 2, &e), 0);
	assert_int_equal(proto_signer_check("signer", "0a-_", 4, &e), 0);
	assert_int_equal(proto_signer_check("signer", "releases", 8, &e),
	    PROTO_ERR_REQUEST);
	assert_non_null(strstr(e.message, "reserved"));
	assert_int_equal(proto_signer_check("signer", "-a", 2, &e),
	    PROTO_ERR_REQUEST);
	assert_int_equal(proto_signer_check("signer", "", 0, &e),
	    PROTO_ERR_REQUEST);
	assert_int_equal(proto_signer_check("signer", "a.b", 3, &e),
	    PROTO_ERR_REQUEST);
}

static void
test_digest_size(void **state)
{
	const char *h = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca4959"
	    "91b7852b855";
	char up[65];
	struct proto_error e;

	(void)state;
	assert_int_equal(proto_sha256_hex_check("sha256", h, 64, &e), 0);
	assert_int_equal(proto_sha256_hex_check("sha256", h, 63, &e),
	    PROTO_ERR_REQUEST);
	memcpy(up, h, 65);
	up[3] = 'B';
	assert_int_equal(proto_sha256_hex_check("sha256", up, 64, &e),
	    PROTO_ERR_REQUEST);
	up[3] = 'g';
	assert_int_equal(proto_sha256_hex_check("sha256", up, 64, &e),
	    PROTO_ERR_REQUEST);
	assert_int_equal(proto_size_check("length", 1, 1, INT64_MAX, &e), 0);
	assert_int_equal(proto_size_check("length", 0, 1, INT64_MAX, &e),
	    PROTO_ERR_REQUEST);
	assert_string_equal(e.field, "length");
	assert_int_equal(proto_size_check("length", -5, 0, 10, &e),
	    PROTO_ERR_REQUEST);
}

static void
test_utf8(void **state)
{
	(void)state;
	assert_true(proto_utf8_valid("", 0));
	assert_true(proto_utf8_valid("a\xc3\xa9\xe2\x98\x83\xf0\x9f\x98\x80",
	    10));
	assert_false(proto_utf8_valid("\xc0\x80", 2));	/* overlong */
	assert_false(proto_utf8_valid("\xe0\x80\x80", 3));
	assert_false(proto_utf8_valid("\xed\xa0\x80", 3));	/* surrogate */
	assert_false(proto_utf8_valid("\xf4\x90\x80\x80", 4)); /* > 10FFFF */
	assert_false(proto_utf8_valid("\xc3", 1));	/* truncated */
	assert_false(proto_utf8_valid("\x80", 1));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf),
		cmocka_unit_test(test_frame_feed),
		cmocka_unit_test(test_frame_limits),
		cmocka_unit_test(test_frame_fd),
		cmocka_unit_test(test_frame_seal),
		cmocka_unit_test(test_req_envelope),
		cmocka_unit_test(test_req_ok),
		cmocka_unit_test(test_req_limits),
		cmocka_unit_test(test_req_getters),
		cmocka_unit_test(test_resp),
		cmocka_unit_test(test_codes),
		cmocka_unit_test(test_client),
		cmocka_unit_test(test_att_roundtrip),
		cmocka_unit_test(test_att_bad),
		cmocka_unit_test(test_att_response),
		cmocka_unit_test(test_error_text),
		cmocka_unit_test(test_gun),
		cmocka_unit_test(test_tags),
		cmocka_unit_test(test_roles),
		cmocka_unit_test(test_digest_size),
		cmocka_unit_test(test_utf8),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
