/* SPDX-License-Identifier: Apache-2.0 */
/* The bounded reader every untrusted byte goes through. */
#include <string.h>

#include "proto.h"

void
proto_buf_init(struct proto_buf *b, const void *data, size_t len)
{
	b->data = data;
	b->len = data == NULL ? 0 : len;
	b->off = 0;
}

size_t
proto_buf_left(const struct proto_buf *b)
{
	return b->len - b->off;
}

int
proto_buf_get_bytes(struct proto_buf *b, size_t n, const uint8_t **p)
{
	*p = NULL;
	if (proto_buf_left(b) < n)
		return PROTO_ERR_TRUNCATED;
	*p = b->data + b->off;
	b->off += n;
	return 0;
}

int
proto_buf_skip(struct proto_buf *b, size_t n)
{
	if (proto_buf_left(b) < n)
		return PROTO_ERR_TRUNCATED;
	b->off += n;
	return 0;
}

int
proto_buf_get_u8(struct proto_buf *b, uint8_t *v)
{
	*v = 0;
	if (proto_buf_left(b) < 1)
		return PROTO_ERR_TRUNCATED;
	*v = b->data[b->off++];
	return 0;
}

int
proto_buf_get_u32be(struct proto_buf *b, uint32_t *v)
{
	const uint8_t *p;

	*v = 0;
	if (proto_buf_left(b) < 4)
		return PROTO_ERR_TRUNCATED;
	p = b->data + b->off;
	*v = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
	b->off += 4;
	return 0;
}
