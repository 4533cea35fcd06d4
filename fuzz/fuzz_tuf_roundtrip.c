/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: parse -> write -> parse -> write is stable and sign forms agree. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "tuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(const uint8_t *data, size_t size, const char *role)
{
	struct tuf_parse_opts	 o = { .max_bytes = 1 << 20 };
	struct tuf_meta		*a = NULL, *b = NULL;
	struct json_buf		 w1, w2, s1;

	if (tuf_meta_parse(data, size, role, &o, &a, NULL) != 0)
		return;
	json_buf_init(&w1);
	json_buf_init(&w2);
	json_buf_init(&s1);
	if (tuf_meta_write(a, &w1) != 0 || tuf_meta_write_signed(a, &s1) != 0)
		abort();
	/* What we write, we read back, to the same bytes. */
	if (tuf_meta_parse(w1.data, w1.len, role, NULL, &b, NULL) != 0)
		abort();
	if (tuf_meta_write(b, &w2) != 0 || w1.len != w2.len ||
	    memcmp(w1.data, w2.data, w1.len) != 0)
		abort();
	/* The model's sign form is what a reader of our file verifies. */
	if (b->signed_msg_len != s1.len ||
	    memcmp(b->signed_msg, s1.data, s1.len) != 0)
		abort();
	/* Writing is a fixed point: our own output parses to the same model. */
	if (b->nsigs != a->nsigs || b->version != a->version)
		abort();
	json_buf_cleanup(&w1);
	json_buf_cleanup(&w2);
	json_buf_cleanup(&s1);
	tuf_meta_free(a);
	tuf_meta_free(b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check(data, size, "root");
	check(data, size, "targets");
	check(data, size, "snapshot");
	check(data, size, "timestamp");
	check(data, size, "targets/releases");
	return 0;
}
