/* SPDX-License-Identifier: Apache-2.0 */
/* Response envelope: encoding for the server, decoding for clients. */
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "proto_impl.h"

void
proto_id_put(struct json_buf *b, const struct proto_id *id)
{
	json_put_raw(b, "\"id\":", 5);
	if (id->kind == PROTO_ID_INT)
		json_put_int(b, id->num);
	else
		json_put_str(b, id->str, id->len);
}

/* The success envelope; with a (even empty) the "att" list and the bytes too. */
static void
resp_ok(struct json_buf *b, const struct proto_id *id, const uint8_t *result,
    size_t result_len, const struct proto_att *a, int with_att)
{
	json_put_char(b, '{');
	if (with_att) {
		proto_att_list_put(b, a);
		json_put_char(b, ',');
	}
	if (id != NULL && id->kind != PROTO_ID_NONE) {
		proto_id_put(b, id);
		json_put_char(b, ',');
	}
	json_put_raw(b, "\"ok\":true,\"result\":", 19);
	if (result == NULL || result_len == 0)
		json_put_raw(b, "{}", 2);
	else
		json_put_raw(b, result, result_len);
	json_put_char(b, '}');
	if (with_att)
		proto_att_area_put(b, a);
}

void
proto_resp_ok(struct json_buf *b, const struct proto_id *id,
    const uint8_t *result, size_t result_len)
{
	resp_ok(b, id, result, result_len, NULL, 0);
}

void
proto_resp_ok_att(struct json_buf *b, const struct proto_id *id,
    const uint8_t *result, size_t result_len, const struct proto_att *a)
{
	resp_ok(b, id, result, result_len, a, 1);
}

void
proto_resp_error(struct json_buf *b, const struct proto_id *id,
    const struct proto_error *e)
{
	enum proto_code code = e != NULL ? e->code : PROTO_CODE_INTERNAL;
	const char *name = proto_code_name(code), *msg;

	if (name == NULL) {
		/* A handler that failed without saying why is our bug. */
		name = proto_code_name(PROTO_CODE_INTERNAL);
	}
	msg = e != NULL && e->message[0] != '\0' ? e->message :
	    "internal error";
	json_put_raw(b, "{\"error\":{\"code\":", 17);
	json_put_str(b, name, strlen(name));
	if (e != NULL && e->field[0] != '\0') {
		json_put_raw(b, ",\"field\":", 9);
		json_put_str(b, e->field, strlen(e->field));
	}
	json_put_raw(b, ",\"message\":", 11);
	json_put_str(b, msg, strlen(msg));
	json_put_char(b, '}');
	if (id != NULL && id->kind != PROTO_ID_NONE) {
		json_put_char(b, ',');
		proto_id_put(b, id);
	}
	json_put_raw(b, ",\"ok\":false}", 12);
}

static const char *
resp_str(const struct json_value *obj, const char *name)
{
	const struct json_value *v = json_object_get(obj, name);
	size_t n;

	if (json_value_type(v) != JSON_STRING)
		return NULL;
	return json_value_str(v, &n);
}

int
proto_resp_decode(const uint8_t *buf, size_t len,
    const struct proto_limits *lim, struct proto_resp *resp)
{
	struct json_limits jl;
	const struct json_value *root, *v, *e;
	struct proto_error perr;
	const char *s;
	size_t n = 0, text;
	int rc, listed;

	memset(resp, 0, sizeof(*resp));
	memset(&jl, 0, sizeof(jl));
	if (lim != NULL) {
		jl.max_bytes = lim->max_frame;
		jl.max_depth = lim->max_depth;
		jl.max_values = lim->max_values;
	}
	text = proto_att_text_len(buf, len);
	if ((rc = json_doc_parse(buf, text, &jl, &resp->doc, NULL)) != 0) {
		resp->doc = NULL;
		return rc == JSON_ERR_NOMEM ? PROTO_ERR_NOMEM : PROTO_ERR_JSON;
	}
	root = json_doc_root(resp->doc);
	if (json_value_type(root) != JSON_OBJECT)
		goto bad;
	v = json_object_get(root, "ok");
	if (json_value_type(v) == JSON_TRUE)
		resp->ok = 1;
	else if (json_value_type(v) != JSON_FALSE)
		goto bad;
	if ((v = json_object_get(root, "id")) != NULL) {
		if (json_value_type(v) == JSON_INT) {
			resp->id.kind = PROTO_ID_INT;
			(void)json_value_int(v, &resp->id.num);
		} else if (json_value_type(v) == JSON_STRING &&
		    (s = json_value_str(v, &n)) != NULL && n <= PROTO_ID_MAX) {
			resp->id.kind = PROTO_ID_STR;
			memcpy(resp->id.str, s, n);
			resp->id.str[n] = '\0';
			resp->id.len = n;
		} else
			goto bad;
	}
	if (resp->ok) {
		resp->result = json_object_get(root, "result");
		if (json_value_type(resp->result) != JSON_OBJECT ||
		    proto_att_bind(resp->doc, root, buf + text + (text < len),
		    len - text - (text < len), text < len,
		    json_object_get(resp->result, "files"), "result.files",
		    &listed, &perr) != 0)
			goto bad;
		return 0;
	}
	if (text < len)
		goto bad;	/* an error carries no attachments */
	e = json_object_get(root, "error");
	if (json_value_type(e) != JSON_OBJECT)
		goto bad;
	if ((resp->code_name = resp_str(e, "code")) == NULL ||
	    (resp->message = resp_str(e, "message")) == NULL)
		goto bad;
	resp->code = proto_code_from_name(resp->code_name,
	    strlen(resp->code_name));
	if ((resp->field = resp_str(e, "field")) == NULL)
		resp->field = "";
	return 0;
bad:
	proto_resp_cleanup(resp);
	return PROTO_ERR_RESPONSE;
}

void
proto_resp_cleanup(struct proto_resp *resp)
{
	if (resp == NULL)
		return;
	json_doc_free(resp->doc);
	if (resp->frame != NULL) {
		explicit_bzero(resp->frame, resp->frame_len);
		free(resp->frame);
	}
	memset(resp, 0, sizeof(*resp));
}
