/* SPDX-License-Identifier: Apache-2.0 */
/* Request decoding: the envelope ("v", "op", "id") and typed field getters. */
#include <stdio.h>
#include <string.h>

#include "proto.h"
#include "proto_impl.h"

/* "where.name", or "name" at the top level; cut to fit (it is only a label). */
static void
field_path(char *out, size_t outlen, const char *where, const char *name)
{
	int w;

	if (where == NULL || where[0] == '\0')
		w = snprintf(out, outlen, "%s", name);
	else
		w = snprintf(out, outlen, "%s.%s", where, name);
	if (w < 0)
		out[0] = '\0';
}

/* The member, or an error naming it; the type is checked by the caller. */
static const struct json_value *
get_member(const struct json_value *obj, const char *where, const char *name,
    char *path, size_t pathlen, int *rc, struct proto_error *err)
{
	const struct json_value *v;

	field_path(path, pathlen, where, name);
	*rc = 0;
	if (json_value_type(obj) != JSON_OBJECT) {
		proto_error_field(err, PROTO_CODE_BAD_REQUEST, path,
		    "missing (its parent is not an object)");
		*rc = PROTO_ERR_REQUEST;
		return NULL;
	}
	if ((v = json_object_get(obj, name)) == NULL) {
		proto_error_field(err, PROTO_CODE_BAD_REQUEST, path,
		    "missing");
		*rc = PROTO_ERR_MISSING;
	}
	return v;
}

static int
wrong_type(const char *path, const char *want, const struct json_value *v,
    struct proto_error *err)
{
	proto_error_field(err, PROTO_CODE_BAD_REQUEST, path,
	    "expected %s, got %s", want, json_type_name(json_value_type(v)));
	return PROTO_ERR_REQUEST;
}

int
proto_obj_get_str(const struct json_value *obj, const char *where,
    const char *name, size_t max, const char **s, size_t *len,
    struct proto_error *err)
{
	const struct json_value *v;
	char path[PROTO_FIELD_MAX];
	const char *str;
	size_t n = 0;
	int rc;

	*s = NULL;
	if (len != NULL)
		*len = 0;
	if ((v = get_member(obj, where, name, path, sizeof(path), &rc,
	    err)) == NULL)
		return rc;
	if (json_value_type(v) != JSON_STRING)
		return wrong_type(path, "a string", v, err);
	str = json_value_str(v, &n);
	if (str == NULL)
		return wrong_type(path, "a string", v, err);
	if (n > max) {
		proto_error_field(err, PROTO_CODE_BAD_REQUEST, path,
		    "%zu bytes long, at most %zu allowed", n, max);
		return PROTO_ERR_REQUEST;
	}
	if (memchr(str, '\0', n) != NULL) {
		proto_error_field(err, PROTO_CODE_BAD_REQUEST, path,
		    "contains a NUL character");
		return PROTO_ERR_REQUEST;
	}
	*s = str;
	if (len != NULL)
		*len = n;
	return 0;
}

int
proto_obj_get_int(const struct json_value *obj, const char *where,
    const char *name, int64_t min, int64_t max, int64_t *out,
    struct proto_error *err)
{
	const struct json_value *v;
	char path[PROTO_FIELD_MAX];
	int64_t n = 0;
	int rc;

	*out = 0;
	if ((v = get_member(obj, where, name, path, sizeof(path), &rc,
	    err)) == NULL)
		return rc;
	if (json_value_type(v) != JSON_INT || json_value_int(v, &n) != 0)
		return wrong_type(path, "an integer", v, err);
	if (n < min || n > max) {
		proto_error_field(err, PROTO_CODE_BAD_REQUEST, path,
		    "%lld is out of range [%lld, %lld]", (long long)n,
		    (long long)min, (long long)max);
		return PROTO_ERR_REQUEST;
	}
	*out = n;
	return 0;
}

int
proto_obj_get_bool(const struct json_value *obj, const char *where,
    const char *name, int *out, struct proto_error *err)
{
	const struct json_value *v;
	char path[PROTO_FIELD_MAX];
	int b = 0, rc;

	*out = 0;
	if ((v = get_member(obj, where, name, path, sizeof(path), &rc,
	    err)) == NULL)
		return rc;
	if (json_value_bool(v, &b) != 0 ||
	    (json_value_type(v) != JSON_TRUE &&
	    json_value_type(v) != JSON_FALSE))
		return wrong_type(path, "a boolean", v, err);
	*out = b;
	return 0;
}

int
proto_obj_get_array(const struct json_value *obj, const char *where,
    const char *name, size_t max, const struct json_value **arr, size_t *n,
    struct proto_error *err)
{
	const struct json_value *v;
	char path[PROTO_FIELD_MAX];
	size_t count;
	int rc;

	*arr = NULL;
	if (n != NULL)
		*n = 0;
	if ((v = get_member(obj, where, name, path, sizeof(path), &rc,
	    err)) == NULL)
		return rc;
	if (json_value_type(v) != JSON_ARRAY)
		return wrong_type(path, "an array", v, err);
	count = json_value_count(v);
	if (count > max) {
		proto_error_field(err, PROTO_CODE_BAD_REQUEST, path,
		    "%zu elements, at most %zu allowed", count, max);
		return PROTO_ERR_REQUEST;
	}
	*arr = v;
	if (n != NULL)
		*n = count;
	return 0;
}

int
proto_obj_get_object(const struct json_value *obj, const char *where,
    const char *name, const struct json_value **out, struct proto_error *err)
{
	const struct json_value *v;
	char path[PROTO_FIELD_MAX];
	int rc;

	*out = NULL;
	if ((v = get_member(obj, where, name, path, sizeof(path), &rc,
	    err)) == NULL)
		return rc;
	if (json_value_type(v) != JSON_OBJECT)
		return wrong_type(path, "an object", v, err);
	*out = v;
	return 0;
}

static int
name_listed(const char *key, size_t keylen, const char *const *list)
{
	size_t i;

	for (i = 0; list != NULL && list[i] != NULL; i++)
		if (strlen(list[i]) == keylen &&
		    memcmp(list[i], key, keylen) == 0)
			return 1;
	return 0;
}

static int
check_members(const struct json_value *obj, const char *where,
    const char *const *extra, const char *const *allowed,
    struct proto_error *err)
{
	const char *key;
	char path[PROTO_FIELD_MAX], q[64];
	size_t i, keylen;

	if (json_value_type(obj) != JSON_OBJECT) {
		proto_error_field(err, PROTO_CODE_BAD_REQUEST,
		    where == NULL ? "" : where, "expected an object");
		return PROTO_ERR_REQUEST;
	}
	for (i = 0; i < json_value_count(obj); i++) {
		key = NULL;
		keylen = 0;
		if (json_object_at(obj, i, &key, &keylen) == NULL)
			continue;
		if (name_listed(key, keylen, extra) ||
		    name_listed(key, keylen, allowed))
			continue;
		proto_quote(key, keylen, q, sizeof(q));
		field_path(path, sizeof(path), where, q);
		proto_error_field(err, PROTO_CODE_BAD_REQUEST, path,
		    "unknown field");
		return PROTO_ERR_REQUEST;
	}
	return 0;
}

int
proto_obj_check_members(const struct json_value *obj, const char *where,
    const char *const *allowed, struct proto_error *err)
{
	return check_members(obj, where, NULL, allowed, err);
}

static const char *const envelope[] = { "att", "id", "op", "v", NULL };

int
proto_req_check_members(const struct proto_req *req,
    const char *const *allowed, struct proto_error *err)
{
	return check_members(req->root, NULL, envelope, allowed, err);
}

int
proto_req_has(const struct proto_req *req, const char *name)
{
	return json_object_get(req->root, name) != NULL;
}

int
proto_req_get_str(const struct proto_req *req, const char *name,
    const char **s, size_t *len, struct proto_error *err)
{
	return proto_obj_get_str(req->root, NULL, name, PROTO_STR_MAX_DEFAULT,
	    s, len, err);
}

int
proto_req_get_strn(const struct proto_req *req, const char *name,
    size_t max, const char **s, size_t *len, struct proto_error *err)
{
	return proto_obj_get_str(req->root, NULL, name, max, s, len, err);
}

int
proto_req_get_int(const struct proto_req *req, const char *name,
    int64_t min, int64_t max, int64_t *out, struct proto_error *err)
{
	return proto_obj_get_int(req->root, NULL, name, min, max, out, err);
}

int
proto_req_get_bool(const struct proto_req *req, const char *name,
    int *out, struct proto_error *err)
{
	return proto_obj_get_bool(req->root, NULL, name, out, err);
}

int
proto_req_get_array(const struct proto_req *req, const char *name,
    size_t max, const struct json_value **arr, size_t *n,
    struct proto_error *err)
{
	return proto_obj_get_array(req->root, NULL, name, max, arr, n, err);
}

int
proto_req_get_object(const struct proto_req *req, const char *name,
    const struct json_value **out, struct proto_error *err)
{
	return proto_obj_get_object(req->root, NULL, name, out, err);
}

/* Decodes "id" into out; ids are echoed, so they must be short and plain. */
static int
id_decode(const struct json_value *v, struct proto_id *out,
    struct proto_error *err)
{
	const char *s;
	size_t n = 0, i;

	memset(out, 0, sizeof(*out));
	if (v == NULL)
		return 0;
	if (json_value_type(v) == JSON_INT) {
		if (json_value_int(v, &out->num) != 0)
			goto bad;
		out->kind = PROTO_ID_INT;
		return 0;
	}
	if (json_value_type(v) != JSON_STRING)
		goto bad;
	if ((s = json_value_str(v, &n)) == NULL)
		goto bad;
	if (n > PROTO_ID_MAX) {
		proto_error_field(err, PROTO_CODE_BAD_REQUEST, "id",
		    "%zu bytes long, at most %d allowed", n, PROTO_ID_MAX);
		return PROTO_ERR_REQUEST;
	}
	for (i = 0; i < n; i++) {
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
			proto_error_field(err, PROTO_CODE_BAD_REQUEST, "id",
			    "control character at byte %zu", i);
			return PROTO_ERR_REQUEST;
		}
	}
	memcpy(out->str, s, n);
	out->str[n] = '\0';
	out->len = n;
	out->kind = PROTO_ID_STR;
	return 0;
bad:
	proto_error_field(err, PROTO_CODE_BAD_REQUEST, "id",
	    "expected a string or an integer, got %s",
	    json_type_name(json_value_type(v)));
	return PROTO_ERR_REQUEST;
}

static int
op_valid(const char *s, size_t n, size_t *bad)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c >= 'a' && c <= 'z') ||
		    (i > 0 && ((c >= '0' && c <= '9') || c == '.' ||
		    c == '_' || c == '-')))
			continue;
		*bad = i;
		return 0;
	}
	return 1;
}

int
proto_req_decode(const uint8_t *buf, size_t len,
    const struct proto_limits *lim, struct proto_req *req,
    struct proto_error *err)
{
	struct json_limits jl;
	struct json_error je;
	const struct json_value *v;
	const char *op;
	size_t oplen = 0, bad = 0, text;
	char q[64];
	int rc;

	memset(req, 0, sizeof(*req));
	proto_error_clear(err);
	memset(&jl, 0, sizeof(jl));
	jl.max_bytes = PROTO_MAX_FRAME_DEFAULT;
	jl.max_depth = PROTO_MAX_DEPTH_DEFAULT;
	jl.max_values = PROTO_MAX_VALUES_DEFAULT;
	if (lim != NULL) {
		if (lim->max_frame != 0)
			jl.max_bytes = lim->max_frame;
		if (lim->max_depth != 0)
			jl.max_depth = lim->max_depth;
		if (lim->max_values != 0)
			jl.max_values = lim->max_values;
	}
	if (len == 0) {
		proto_error_set(err, PROTO_CODE_BAD_FRAME,
		    "empty frame: a frame holds one JSON object");
		return PROTO_ERR_EMPTY_FRAME;
	}
	if (len > jl.max_bytes) {
		proto_error_set(err, PROTO_CODE_FRAME_TOO_LARGE,
		    "frame of %zu bytes exceeds the maximum of %zu", len,
		    jl.max_bytes);
		return PROTO_ERR_TOO_LARGE;
	}
	text = proto_att_text_len(buf, len);
	memset(&je, 0, sizeof(je));
	if ((rc = json_doc_parse(buf, text, &jl, &req->doc, &je)) != 0) {
		req->doc = NULL;
		if (rc == JSON_ERR_NOMEM) {
			proto_error_set(err, PROTO_CODE_INTERNAL,
			    "out of memory parsing the request");
			return PROTO_ERR_NOMEM;
		}
		je.message[sizeof(je.message) - 1] = '\0';
		proto_error_set(err, PROTO_CODE_BAD_JSON,
		    "invalid JSON at byte %zu: %s", je.offset,
		    je.message[0] != '\0' ? je.message : json_strerror(rc));
		return PROTO_ERR_JSON;
	}
	req->root = json_doc_root(req->doc);
	if (json_value_type(req->root) != JSON_OBJECT) {
		proto_error_set(err, PROTO_CODE_BAD_REQUEST,
		    "a request is a JSON object, got %s",
		    json_type_name(json_value_type(req->root)));
		return PROTO_ERR_REQUEST;
	}
	if ((rc = id_decode(json_object_get(req->root, "id"), &req->id,
	    err)) != 0)
		return rc;
	if ((v = json_object_get(req->root, "v")) == NULL) {
		proto_error_field(err, PROTO_CODE_BAD_REQUEST, "v",
		    "missing (the protocol version, %d)", PROTO_VERSION);
		return PROTO_ERR_REQUEST;
	}
	if (json_value_type(v) != JSON_INT ||
	    json_value_int(v, &req->v) != 0) {
		return wrong_type("v", "an integer", v, err);
	}
	if (req->v != PROTO_VERSION) {
		proto_error_field(err, PROTO_CODE_UNSUPPORTED_VERSION, "v",
		    "protocol version %lld is not supported; this server "
		    "speaks version %d", (long long)req->v, PROTO_VERSION);
		return PROTO_ERR_VERSION;
	}
	if ((v = json_object_get(req->root, "op")) == NULL) {
		proto_error_field(err, PROTO_CODE_BAD_REQUEST, "op",
		    "missing");
		return PROTO_ERR_REQUEST;
	}
	if (json_value_type(v) != JSON_STRING ||
	    (op = json_value_str(v, &oplen)) == NULL)
		return wrong_type("op", "a string", v, err);
	if (oplen == 0 || oplen > PROTO_OP_MAX) {
		proto_error_field(err, PROTO_CODE_BAD_REQUEST, "op",
		    "%zu bytes long, must be 1 to %d", oplen, PROTO_OP_MAX);
		return PROTO_ERR_REQUEST;
	}
	if (!op_valid(op, oplen, &bad)) {
		proto_quote(op, oplen, q, sizeof(q));
		proto_error_field(err, PROTO_CODE_BAD_REQUEST, "op",
		    "\"%s\": byte %zu not allowed (ops are "
		    "[a-z][a-z0-9._-]*)", q, bad);
		return PROTO_ERR_REQUEST;
	}
	memcpy(req->op, op, oplen);
	req->op[oplen] = '\0';
	return proto_att_bind(req->doc, req->root, buf + text + (text < len),
	    len - text - (text < len), text < len,
	    json_object_get(req->root, "base"), "base", &req->att, err);
}

void
proto_req_cleanup(struct proto_req *req)
{
	if (req == NULL)
		return;
	json_doc_free(req->doc);
	req->doc = NULL;
	req->root = NULL;
}
