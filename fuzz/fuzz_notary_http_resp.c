/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target: the HTTP/1.1 response parser of notary_http, which reads
 * whatever a server, a token realm or a proxy sends. The first byte picks
 * the body cap, whether the answer is to a CONNECT, and a read size; the rest
 * is parsed once whole and once in reads of that size, and both runs must
 * agree on the outcome, the status and the body.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "notary_http_impl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct run {
	int			 rc;
	size_t			 used;
	struct notary_http_resp	 r;
	struct nh_body		 b;
};

static void
parse(const uint8_t *p, size_t n, size_t step, size_t max, int connect,
    struct run *o)
{
	size_t off = 0, k, used;

	memset(o, 0, sizeof(*o));
	o->b.max = max;
	notary_http_resp_init(&o->r, &o->b, connect);
	while (off < n) {
		k = n - off < step ? n - off : step;
		o->rc = notary_http_resp_feed(&o->r, p + off, k, &used);
		if (used > k)
			abort();
		off += used;
		if (o->rc != 0 || o->r.state == NH_RESP_DONE)
			break;
	}
	if (o->rc == 0 && off == n)
		o->rc = notary_http_resp_eof(&o->r);
	o->used = off;
	if (o->b.len > max || (o->b.data != NULL && o->b.data[o->b.len] != 0))
		abort();
	if (o->rc == NOTARY_HTTP_ERR_TRANSPORT && o->r.error == NULL)
		abort();
	if (strnlen(o->r.challenge, sizeof(o->r.challenge)) ==
	    sizeof(o->r.challenge))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct run whole, split;
	size_t max, step;
	int connect;

	if (size < 1)
		return 0;
	max = (data[0] & 3) == 0 ? 16 : (data[0] & 3) == 1 ? 1024 : 1 << 20;
	connect = (data[0] & 4) != 0;
	step = (data[0] >> 3) + 1;
	data++;
	size--;
	parse(data, size, size > 0 ? size : 1, max, connect, &whole);
	parse(data, size, step, max, connect, &split);
	/*
	 * Where the bytes were cut must not change what was understood (a
	 * failure may come at a different byte: a body to EOF passes its cap
	 * with the piece that crosses it).
	 */
	if (whole.rc != split.rc)
		abort();
	if (whole.rc == 0 && (whole.used != split.used ||
	    whole.r.status != split.r.status ||
	    whole.r.state != split.r.state || whole.b.len != split.b.len ||
	    (whole.b.len > 0 &&
	    memcmp(whole.b.data, split.b.data, whole.b.len) != 0) ||
	    strcmp(whole.r.challenge, split.r.challenge) != 0))
		abort();
	notary_http_body_free(&whole.b);
	notary_http_body_free(&split.b);
	return 0;
}
