/* SPDX-License-Identifier: Apache-2.0 */
/* trustctl's client for signerd's Unix socket protocol. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "json.h"
#include "signerd_client.h"

struct sdc {
	int	 fd;
	int64_t	 next_id;
};

int
sdc_open(const char *path, struct sdc **out, char *msg, size_t len)
{
	struct sockaddr_un	 sa;
	struct sdc		*c;
	int			 fd;

	*out = NULL;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		(void)snprintf(msg, len, "signerd socket path too long: %s",
		    path);
		return SDC_ERR_CONNECT;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		(void)snprintf(msg, len, "cannot reach signerd at %s: %s "
		    "(is signerd running? set --socket or SIGNERD_SOCKET)",
		    path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return SDC_ERR_CONNECT;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		close(fd);
		(void)snprintf(msg, len, "out of memory");
		return SDC_ERR_NOMEM;
	}
	c->fd = fd;
	c->next_id = 1;
	*out = c;
	return 0;
}

void
sdc_close(struct sdc *c)
{
	if (c == NULL)
		return;
	close(c->fd);
	free(c);
}

int
sdc_call(struct sdc *c, const char *op, const uint8_t *fields, size_t flen,
    const struct proto_att *att, int timeout_ms, struct proto_resp *resp,
    char *msg, size_t len)
{
	struct proto_limits	 lim = { (size_t)1 << 30, 64, 0 };
	struct json_buf		 b;
	uint8_t			*reply = NULL;
	size_t			 rlen;
	int64_t			 id = c->next_id++;
	int			 r, rc;

	memset(resp, 0, sizeof(*resp));
	json_buf_init(&b);
	json_put_raw(&b, "{\"v\":1,\"op\":", 12);
	json_put_str(&b, op, strlen(op));
	json_put_raw(&b, ",\"id\":", 6);
	json_put_int(&b, id);
	if (flen > 0) {
		json_put_char(&b, ',');
		json_put_raw(&b, fields, flen);
	}
	/* Always "att": files come back unescaped even when none go out. */
	proto_req_end_att(&b, att);
	if (b.err != 0) {
		(void)snprintf(msg, len, "building the %s request: out of "
		    "memory", op);
		rc = SDC_ERR_NOMEM;
		goto out;
	}
	if ((r = proto_frame_write(c->fd, b.data, b.len, timeout_ms)) != 0) {
		(void)snprintf(msg, len, "sending %s to signerd: %s", op,
		    proto_strerror(r));
		rc = SDC_ERR_IO;
		goto out;
	}
	if ((r = proto_frame_read(c->fd, lim.max_frame, timeout_ms, &reply,
	    &rlen)) != 0) {
		(void)snprintf(msg, len, "reading signerd's answer to %s: %s",
		    op, proto_strerror(r));
		rc = SDC_ERR_IO;
		goto out;
	}
	r = proto_resp_decode(reply, rlen, &lim, resp);
	if (r == 0) {
		resp->frame = reply;	/* its attachments point here */
		resp->frame_len = rlen;
		reply = NULL;
	}
	if (r != 0) {
		(void)snprintf(msg, len, "signerd's answer to %s is not a "
		    "protocol response: %s", op, proto_strerror(r));
		rc = SDC_ERR_REPLY;
		goto out;
	}
	if (!resp->ok) {
		(void)snprintf(msg, len, "signerd refused %s: %s: %s", op,
		    resp->code_name ? resp->code_name : "?",
		    resp->message ? resp->message : "");
		rc = SDC_ERR_REFUSED;
		goto out;
	}
	if (json_value_type(resp->result) != JSON_OBJECT) {
		(void)snprintf(msg, len, "signerd's answer to %s has no result "
		    "object", op);
		rc = SDC_ERR_REPLY;
		goto out;
	}
	rc = 0;
out:
	if (reply != NULL) {
		explicit_bzero(reply, rlen);
		free(reply);
	}
	json_buf_cleanup(&b);
	return rc;
}
