/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzzes the strict reader: any input either fails cleanly or yields a tree whose invariants hold. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t insize;

static void
check(int cond)
{
	if (!cond)
		abort();
}

static void
walk(const struct json_value *v, const uint8_t *in)
{
	const struct json_value *c;
	const char *s, *k, *pk = NULL;
	size_t	 off, len, n, i, kl, pkl = 0;
	int64_t	 iv;
	int	 bv;

	json_value_span(v, &off, &len);
	check(len > 0 && off <= insize && len <= insize - off);
	switch (json_value_type(v)) {
	case JSON_NULL:
		check(len == 4 && memcmp(in + off, "null", 4) == 0);
		break;
	case JSON_TRUE:
	case JSON_FALSE:
		check(json_value_bool(v, &bv) == 0);
		check(bv == (json_value_type(v) == JSON_TRUE));
		break;
	case JSON_INT:
		check(json_value_int(v, &iv) == 0);
		check(in[off] == '-' || (in[off] >= '0' && in[off] <= '9'));
		break;
	case JSON_STRING:
		s = json_value_str(v, &n);
		check(s != NULL && s[n] == '\0');
		check(in[off] == '"' && in[off + len - 1] == '"');
		/* Decoding never grows a string. */
		check(n <= len - 2);
		break;
	case JSON_ARRAY:
		check(in[off] == '[' && in[off + len - 1] == ']');
		n = json_value_count(v);
		for (i = 0; i < n; i++) {
			c = json_array_at(v, i);
			check(c != NULL);
			walk(c, in);
		}
		check(json_array_at(v, n) == NULL);
		break;
	case JSON_OBJECT:
		check(in[off] == '{' && in[off + len - 1] == '}');
		n = json_value_count(v);
		for (i = 0; i < n; i++) {
			c = json_object_at(v, i, &k, &kl);
			check(c != NULL && k != NULL && k[kl] == '\0');
			if (i > 0) {
				/* Strictly ascending by bytes: sorted, no duplicates. */
				size_t m = kl < pkl ? kl : pkl;
				int cmp = m ? memcmp(pk, k, m) : 0;

				check(cmp < 0 || (cmp == 0 && pkl < kl));
			}
			check(json_object_getn(v, k, kl) == c);
			pk = k;
			pkl = kl;
			walk(c, in);
		}
		break;
	default:
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_limits lim = { .max_bytes = 1 << 20, .max_depth = 64 };
	struct json_doc *doc = NULL;
	struct json_error err;
	struct json_buf b;
	const char *s;
	size_t	 n;
	int	 r;

	insize = size;
	/* Half the inputs go through the wiping paths as well. */
	lim.flags = (size & 1) ? JSON_LIMIT_WIPE : 0;
	r = json_doc_parse(data, size, &lim, &doc, &err);
	if (r == 0) {
		check(err.code == 0 && doc != NULL);
		walk(json_doc_root(doc), data);
		json_doc_free(doc);
	} else {
		check(doc == NULL && err.code == r && r < 0 && r >= JSON_ERR_INVAL);
		check(err.offset <= size || r == JSON_ERR_TOO_BIG);
		check(memchr(err.message, '\0', sizeof(err.message)) != NULL);
	}

	/* The writer's escaping, read back by the reader, gives the same bytes. */
	json_buf_init(&b);
	json_put_str(&b, (const char *)data, size);
	if (b.err == 0) {
		check(json_doc_parse(b.data, b.len, NULL, &doc, NULL) == 0);
		s = json_value_str(json_doc_root(doc), &n);
		check(s != NULL && n == size && memcmp(s, data, size) == 0);
		json_doc_free(doc);
	} else
		check(b.err == JSON_ERR_UTF8);
	json_buf_cleanup(&b);

	/* The sign form escapes exactly the quote and the backslash. */
	json_buf_init(&b);
	json_put_str_form(&b, (const char *)data, size, JSON_FORM_SIGN);
	if (b.err == 0) {
		size_t i, o = 1;

		check(b.len >= size + 2 && b.data[0] == '"' && b.data[b.len - 1] == '"');
		for (i = 0; i < size; i++) {
			if (data[i] == '"' || data[i] == '\\')
				check(b.data[o++] == '\\');
			check(b.data[o++] == data[i]);
		}
		check(o == b.len - 1);
	} else
		check(b.err == JSON_ERR_UTF8);
	json_buf_cleanup(&b);
	return 0;
}
