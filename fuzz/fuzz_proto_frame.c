/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzzes the frame decoder and the request decoder over a byte stream, as the
 * server sees it: frames are cut from the input in chunks whose sizes come
 * from the input itself, each complete frame is decoded as a request, its
 * fields read with the getters and validators, and a reply encoded. The
 * files of "base" (strings or attachments) go back as the reply's files, as
 * attachments when the request had "att", and must read back byte for byte.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

static void
exercise(const struct proto_req *req)
{
	static const char *const fields[] = { "gun", "role", "tag", "signer",
	    "sha256", NULL };
	struct proto_error err;
	const struct json_value *arr;
	const char *s;
	size_t len, n, i;
	int64_t v;
	int b;

	(void)proto_req_check_members(req, fields, &err);
	if (proto_req_get_str(req, "gun", &s, &len, &err) == 0)
		(void)proto_gun_check("gun", s, len, &err);
	if (proto_req_get_str(req, "role", &s, &len, &err) == 0)
		(void)proto_role_check("role", s, len, PROTO_ROLE_TARGETS |
		    PROTO_ROLE_DELEGATION | PROTO_ROLE_BASE, &err);
	if (proto_req_get_str(req, "tag", &s, &len, &err) == 0) {
		(void)proto_tag_check("tag", s, len, PROTO_TAG_DOCKER, &err);
		(void)proto_tag_check("tag", s, len, PROTO_TAG_NOTARY, &err);
	}
	if (proto_req_get_str(req, "signer", &s, &len, &err) == 0)
		(void)proto_signer_check("signer", s, len, &err);
	if (proto_req_get_str(req, "sha256", &s, &len, &err) == 0)
		(void)proto_sha256_hex_check("sha256", s, len, &err);
	(void)proto_req_get_int(req, "length", 1, INT64_MAX, &v, &err);
	(void)proto_req_get_bool(req, "force", &b, &err);
	if (proto_req_get_array(req, "tags", 1000, &arr, &n, &err) == 0) {
		for (i = 0; i < n; i++) {
			(void)proto_obj_get_str(json_array_at(arr, i), "tags[]",
			    "name", PROTO_TARGET_NAME_MAX, &s, &len, &err);
			(void)proto_obj_get_int(json_array_at(arr, i), "tags[]",
			    "length", 0, INT64_MAX, &v, &err);
		}
	}
}

/* result.files from base; the reply must give back the same bytes. */
static void
echo_files(const struct proto_req *req)
{
	const struct json_value *base, *v, *files;
	struct json_buf res, reply, *out = &reply;
	struct proto_att att;
	struct proto_resp resp;
	const char *key, *s[PROTO_ATT_MAX], *t;
	size_t i, n, klen, len[PROTO_ATT_MAX], tl;
	size_t at;

	base = json_object_get(req->root, "base");
	n = json_value_count(base);
	if (n > PROTO_ATT_MAX)
		n = PROTO_ATT_MAX;
	json_buf_init(&res);
	json_buf_init(&reply);
	proto_att_init(&att);
	json_put_raw(&res, "{\"files\":{", 10);
	for (i = 0; i < n; i++) {
		v = json_object_at(base, i, &key, &klen);
		if ((s[i] = json_value_str(v, &len[i])) == NULL) {
			s[i] = "";
			len[i] = 0;
		}
		if (s[i][len[i]] != '\0')
			abort();	/* strings are NUL-terminated */
		if (i > 0)
			json_put_char(&res, ',');
		json_put_str(&res, key, klen);
		json_put_char(&res, ':');
		if (req->att)
			(void)proto_att_copy(&res, &att, s[i], len[i]);
		else
			json_put_str(&res, s[i], len[i]);
	}
	json_put_raw(&res, "}}", 2);
	at = proto_frame_begin(out);
	if (req->att)
		proto_resp_ok_att(out, &req->id, res.data, res.len, &att);
	else
		proto_resp_ok(out, &req->id, res.data, res.len);
	if (proto_frame_seal(out, at) == 0 &&
	    proto_resp_decode(out->data + 4, out->len - 4, NULL, &resp) == 0) {
		files = json_object_get(resp.result, "files");
		for (i = 0; i < n; i++) {
			(void)json_object_at(base, i, &key, &klen);
			t = json_value_str(json_object_getn(files, key, klen),
			    &tl);
			if (t == NULL || tl != len[i] ||
			    memcmp(t, s[i], tl) != 0)
				abort();
		}
		proto_resp_cleanup(&resp);
	}
	proto_att_cleanup(&att);
	json_buf_cleanup(&res);
	json_buf_cleanup(&reply);
}

static void
one_frame(const uint8_t *p, size_t n)
{
	struct proto_limits lim = { 1 << 20, 0, 4096 };
	struct proto_req req;
	struct proto_error err;
	struct proto_resp resp;
	struct json_buf out;
	size_t at;
	int rc;

	json_buf_init(&out);
	at = proto_frame_begin(&out);
	rc = proto_req_decode(p, n, &lim, &req, &err);
	if (rc == 0) {
		exercise(&req);
		echo_files(&req);
		proto_resp_ok(&out, &req.id, (const uint8_t *)"{}", 2);
	} else {
		if (err.code == PROTO_CODE_NONE)
			abort();	/* every failure must say why */
		proto_resp_error(&out, &req.id, &err);
	}
	/* Every reply must encode and read back as a valid response. */
	if (proto_frame_seal(&out, at) != 0)
		abort();
	if (proto_resp_decode(out.data + 4, out.len - 4, NULL, &resp) != 0)
		abort();
	if (resp.ok != (rc == 0))
		abort();
	proto_resp_cleanup(&resp);
	proto_req_cleanup(&req);
	json_buf_cleanup(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proto_frame_reader r;
	struct proto_buf in, chunk;
	const uint8_t *p;
	uint8_t *frame, step;
	size_t len, n;
	int rc;

	/* The first byte sets the chunking, so splits are explored too. */
	proto_buf_init(&in, data, size);
	if (proto_buf_get_u8(&in, &step) != 0)
		return 0;
	proto_frame_reader_init(&r, 1 << 20);
	while (proto_buf_left(&in) > 0) {
		n = (size_t)(step % 64) + 1;
		if (n > proto_buf_left(&in))
			n = proto_buf_left(&in);
		(void)proto_buf_get_bytes(&in, n, &p);
		proto_buf_init(&chunk, p, n);
		while (proto_buf_left(&chunk) > 0 || r.done) {
			rc = proto_frame_reader_feed(&r, &chunk);
			if (rc == PROTO_ERR_AGAIN)
				break;
			if (rc != 0)
				goto out;	/* too large: the server closes */
			if (proto_frame_reader_take(&r, &frame, &len) != 0)
				goto out;
			one_frame(frame, len);
			free(frame);
		}
		step = (uint8_t)(step * 31 + 7);
	}
out:
	proto_frame_reader_cleanup(&r);
	return 0;
}
