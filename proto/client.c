/* SPDX-License-Identifier: Apache-2.0 */
/* The client side: building a request and one request/reply exchange. */
#include <stdlib.h>
#include <string.h>

#include "proto.h"

void
proto_req_begin(struct json_buf *b, const char *op, const struct proto_id *id)
{
	json_put_char(b, '{');
	if (id != NULL && id->kind != PROTO_ID_NONE) {
		proto_id_put(b, id);
		json_put_char(b, ',');
	}
	json_put_raw(b, "\"op\":", 5);
	json_put_str(b, op, strlen(op));
	json_put_raw(b, ",\"v\":", 5);
	json_put_int(b, PROTO_VERSION);
}

void
proto_req_key(struct json_buf *b, const char *name)
{
	json_put_char(b, ',');
	json_put_str(b, name, strlen(name));
	json_put_char(b, ':');
}

void
proto_req_end(struct json_buf *b)
{
	json_put_char(b, '}');
}

int
proto_call(int fd, const struct json_buf *req, const struct proto_limits *lim,
    int timeout_ms, struct proto_resp *resp)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int rc;

	memset(resp, 0, sizeof(*resp));
	if (req->err != 0)
		return req->err == JSON_ERR_NOMEM ? PROTO_ERR_NOMEM :
		    PROTO_ERR_INVAL;
	if ((rc = proto_frame_write(fd, req->data, req->len, timeout_ms)) != 0)
		return rc;
	if ((rc = proto_frame_read(fd, lim != NULL ? lim->max_frame : 0,
	    timeout_ms, &buf, &len)) != 0)
		return rc;
	/* Attachments in the reply point into buf: resp keeps it. */
	if ((rc = proto_resp_decode(buf, len, lim, resp)) != 0) {
		explicit_bzero(buf, len);
		free(buf);
		return rc;
	}
	resp->frame = buf;
	resp->frame_len = len;
	return 0;
}
