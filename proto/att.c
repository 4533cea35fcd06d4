/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Attachments: file bytes carried after a frame's JSON text instead of as
 * escaped strings inside it. JSON text never holds a raw NUL byte, so the
 * first NUL ends the text; "att" lists the attachments' lengths, and each
 * attachment is followed by a NUL of its own, so it can stand as a
 * NUL-terminated string in place. docs/protocol.md, "Attachments".
 */
#include <stdio.h>
#include <string.h>

#include "proto.h"
#include "proto_impl.h"

void
proto_att_init(struct proto_att *a)
{
	size_t i;

	memset(a, 0, sizeof(*a));
	for (i = 0; i < PROTO_ATT_MAX; i++)
		json_buf_init(&a->own[i]);
}

void
proto_att_cleanup(struct proto_att *a)
{
	size_t i;

	if (a == NULL)
		return;
	for (i = 0; i < PROTO_ATT_MAX; i++)
		json_buf_cleanup(&a->own[i]);
	proto_att_init(a);
}

static int
att_add(struct json_buf *b, struct proto_att *a, const void *p, size_t len)
{
	if (a->n >= PROTO_ATT_MAX || len > PROTO_MAX_FRAME_LIMIT) {
		b->err = b->err != 0 ? b->err : JSON_ERR_INVAL;
		return PROTO_ERR_INVAL;
	}
	a->p[a->n] = p;
	a->len[a->n] = len;
	json_put_raw(b, "{\"att\":", 7);
	json_put_int(b, (int64_t)a->n);
	json_put_char(b, '}');
	a->n++;
	return b->err != 0 ? PROTO_ERR_NOMEM : 0;
}

int
proto_att_ref(struct json_buf *b, struct proto_att *a, const void *p,
    size_t len)
{
	return att_add(b, a, p, len);
}

int
proto_att_copy(struct json_buf *b, struct proto_att *a, const void *p,
    size_t len)
{
	struct json_buf *o;

	if (a->n >= PROTO_ATT_MAX)
		return att_add(b, a, p, len);
	o = &a->own[a->n];
	o->len = 0;
	json_buf_reserve(o, len + 1);
	json_put_raw(o, p, len);
	if (o->err != 0) {
		b->err = b->err != 0 ? b->err : o->err;
		return PROTO_ERR_NOMEM;
	}
	return att_add(b, a, o->data, len);
}

void
proto_att_list_put(struct json_buf *b, const struct proto_att *a)
{
	size_t i;

	json_put_raw(b, "\"att\":[", 7);
	for (i = 0; a != NULL && i < a->n; i++) {
		if (i > 0)
			json_put_char(b, ',');
		json_put_int(b, (int64_t)a->len[i]);
	}
	json_put_char(b, ']');
}

void
proto_att_area_put(struct json_buf *b, const struct proto_att *a)
{
	size_t i, total = 1;

	if (a == NULL || a->n == 0)
		return;
	for (i = 0; i < a->n; i++)
		total += a->len[i] + 1;
	json_buf_reserve(b, total);
	json_put_char(b, '\0');
	for (i = 0; i < a->n; i++) {
		json_put_raw(b, a->p[i], a->len[i]);
		json_put_char(b, '\0');
	}
}

void
proto_req_end_att(struct json_buf *b, const struct proto_att *a)
{
	json_put_char(b, ',');
	proto_att_list_put(b, a);
	json_put_char(b, '}');
	proto_att_area_put(b, a);
}

size_t
proto_att_text_len(const uint8_t *buf, size_t len)
{
	const uint8_t *z = memchr(buf, '\0', len);

	return z != NULL ? (size_t)(z - buf) : len;
}

/*
 * Reads the "att" list of root against the area after the text, then turns
 * every {"att":I} member of container into the string it stands for. Each
 * attachment must be used exactly once: bytes nobody reads are an error,
 * not something to skip over. Fills err (field and message) and returns
 * PROTO_ERR_REQUEST on any mismatch.
 */
int
proto_att_bind(struct json_doc *doc, const struct json_value *root,
    const uint8_t *area, size_t area_len, int has_area,
    const struct json_value *container, const char *where, int *listed,
    struct proto_error *err)
{
	const struct json_value *list, *v, *iv;
	const uint8_t *p[PROTO_ATT_MAX];
	size_t len[PROTO_ATT_MAX], n, i, off = 0, klen, count;
	char used[PROTO_ATT_MAX], field[PROTO_FIELD_MAX];
	const char *key, *ikey;
	size_t iklen;
	int64_t x;

	*listed = 0;
	if ((list = json_object_get(root, "att")) == NULL) {
		if (!has_area)
			return 0;
		proto_error_field(err, PROTO_CODE_BAD_FRAME, "att",
		    "missing, but %zu bytes follow the JSON text", area_len + 1);
		return PROTO_ERR_REQUEST;
	}
	*listed = 1;
	if (json_value_type(list) != JSON_ARRAY) {
		proto_error_field(err, PROTO_CODE_BAD_REQUEST, "att",
		    "expected an array of attachment lengths, got %s",
		    json_type_name(json_value_type(list)));
		return PROTO_ERR_REQUEST;
	}
	if ((n = json_value_count(list)) > PROTO_ATT_MAX) {
		proto_error_field(err, PROTO_CODE_BAD_REQUEST, "att",
		    "%zu attachments, at most %d allowed", n, PROTO_ATT_MAX);
		return PROTO_ERR_REQUEST;
	}
	if (n == 0 && has_area) {
		proto_error_field(err, PROTO_CODE_BAD_FRAME, "att",
		    "empty, but a NUL byte follows the JSON text");
		return PROTO_ERR_REQUEST;
	}
	if (n > 0 && !has_area) {
		proto_error_field(err, PROTO_CODE_BAD_FRAME, "att",
		    "lists %zu attachments but no bytes follow the JSON text",
		    n);
		return PROTO_ERR_REQUEST;
	}
	for (i = 0; i < n; i++) {
		snprintf(field, sizeof(field), "att[%zu]", i);
		if (json_value_int(json_array_at(list, i), &x) != 0 || x < 0) {
			proto_error_field(err, PROTO_CODE_BAD_REQUEST, field,
			    "expected a length (an integer, 0 or more)");
			return PROTO_ERR_REQUEST;
		}
		/* Room for the bytes and their NUL, without overflow. */
		if ((uint64_t)x >= (uint64_t)(area_len - off) ||
		    area[off + (size_t)x] != '\0') {
			proto_error_field(err, PROTO_CODE_BAD_FRAME, field,
			    "%lld bytes and a NUL do not fit, or do not end "
			    "with a NUL, at offset %zu of the %zu attachment "
			    "bytes", (long long)x, off, area_len);
			return PROTO_ERR_REQUEST;
		}
		p[i] = area + off;
		len[i] = (size_t)x;
		off += (size_t)x + 1;
		used[i] = 0;
	}
	if (off != area_len) {
		proto_error_field(err, PROTO_CODE_BAD_FRAME, "att",
		    "the lengths account for %zu of the %zu attachment bytes",
		    off, area_len);
		return PROTO_ERR_REQUEST;
	}
	count = json_value_type(container) == JSON_OBJECT ?
	    json_value_count(container) : 0;
	for (i = 0; i < count; i++) {
		v = json_object_at(container, i, &key, &klen);
		if (json_value_type(v) != JSON_OBJECT ||
		    json_value_count(v) != 1 ||
		    (iv = json_object_at(v, 0, &ikey, &iklen)) == NULL ||
		    iklen != 3 || memcmp(ikey, "att", 3) != 0)
			continue;
		snprintf(field, sizeof(field), "%s.%.*s", where,
		    (int)(klen > 64 ? 64 : klen), key);
		if (json_value_int(iv, &x) != 0 || x < 0 || (uint64_t)x >= n) {
			proto_error_field(err, PROTO_CODE_BAD_REQUEST, field,
			    "names no attachment (there are %zu)", n);
			return PROTO_ERR_REQUEST;
		}
		if (used[x]) {
			proto_error_field(err, PROTO_CODE_BAD_REQUEST, field,
			    "attachment %lld is used twice", (long long)x);
			return PROTO_ERR_REQUEST;
		}
		used[x] = 1;
		if (json_doc_set_str(doc, v, (const char *)p[x], len[x]) != 0) {
			proto_error_field(err, PROTO_CODE_BAD_REQUEST, field,
			    "attachment %lld is too large", (long long)x);
			return PROTO_ERR_REQUEST;
		}
	}
	for (i = 0; i < n; i++)
		if (!used[i]) {
			proto_error_field(err, PROTO_CODE_BAD_REQUEST, "att",
			    "attachment %zu is not used by any member of %s", i,
			    where);
			return PROTO_ERR_REQUEST;
		}
	return 0;
}
