/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzzes canonical stability: parse, write, parse, write gives the same bytes twice. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_limits lim = { .max_bytes = 1 << 20, .max_depth = 64 };
	struct json_doc *d1 = NULL, *d2 = NULL;
	struct json_buf b1, b2;
	size_t	 off, len;

	json_buf_init(&b1);
	json_buf_init(&b2);
	if (json_doc_parse(data, size, &lim, &d1, NULL) != 0)
		goto out;
	json_write_canonical(&b1, json_doc_root(d1));
	if (b1.err != 0)
		abort();
	/* Canonical output is valid input under the same caps. */
	if (json_doc_parse(b1.data, b1.len, &lim, &d2, NULL) != 0)
		abort();
	json_value_span(json_doc_root(d2), &off, &len);
	if (off != 0 || len != b1.len)
		abort();
	json_write_canonical(&b2, json_doc_root(d2));
	if (b2.err != 0 || b2.len != b1.len || memcmp(b1.data, b2.data, b1.len) != 0)
		abort();
	/* The sign form of both trees is the same too, and never longer. */
	json_buf_cleanup(&b1);
	json_buf_cleanup(&b2);
	json_write_canonical_form(&b1, json_doc_root(d1), JSON_FORM_SIGN);
	json_write_canonical_form(&b2, json_doc_root(d2), JSON_FORM_SIGN);
	if (b1.err != 0 || b2.err != 0 || b1.len != b2.len || b1.len > len ||
	    memcmp(b1.data, b2.data, b1.len) != 0)
		abort();
out:
	json_buf_cleanup(&b1);
	json_buf_cleanup(&b2);
	json_doc_free(d1);
	json_doc_free(d2);
	return 0;
}
