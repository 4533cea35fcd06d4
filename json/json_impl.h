/* SPDX-License-Identifier: Apache-2.0 */
/* Private layout of parsed documents, shared by the reader, accessors and writer. */
#ifndef SIGNERD_JSON_IMPL_H
#define SIGNERD_JSON_IMPL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "json.h"

struct json_member;

/*
 * One parsed value. Containers point at a contiguous run of children in the
 * document's arena, so indexing is O(1) and object lookup a binary search.
 */
struct json_value {
	uint32_t	off;		/* span in the input (inputs stay below 4 GiB) */
	uint32_t	len;
	uint32_t	n;		/* string bytes, array elements or object members */
	uint32_t	type;
	union {
		int64_t			 i;
		const char		*s;	/* NUL-terminated copy */
		struct json_value	*v;	/* array elements */
		struct json_member	*m;	/* members sorted by key bytes */
	} u;
};

/*
 * 24 and 40 bytes: a targets file is mostly members, and every byte here is
 * a page fault per 100,000 tags.
 */
struct json_member {
	const char		*key;	/* NUL-terminated copy */
	uint32_t		 keylen;
	uint32_t		 keyoff;	/* offset of the key's opening quote */
	struct json_value	 val;
};

/* Arena blocks: one for all decoded strings, a few for the nodes. */
struct json_chunk {
	struct json_chunk	*next;
	size_t			 cap;
	size_t			 used;
	size_t			 maplen;	/* nonzero: mmap'd, unmap this much */
	/* data follows, aligned for struct json_value */
};

struct json_doc {
	struct json_chunk	*chunks;
	struct json_value	 root;
	unsigned		 flags;		/* JSON_LIMIT_* of the parse */
};

#define JSON_CHUNK_HDR \
	((sizeof(struct json_chunk) + _Alignof(max_align_t) - 1) & \
	~(_Alignof(max_align_t) - 1))

/* A new block of cap bytes chained to doc; NULL when out of memory. */
struct json_chunk *json_chunk_new(struct json_doc *doc, size_t cap);

static inline void *
json_chunk_data(struct json_chunk *c)
{
	return (char *)c + JSON_CHUNK_HDR;
}

/* Wipes every block's used bytes and the root; json_doc_free with JSON_LIMIT_WIPE. */
void json_doc_wipe(struct json_doc *doc);

/*
 * Length of the valid UTF-8 sequence starting at p (p[0] >= 0x80), n bytes
 * available. Returns 2..4, 0 when invalid (*why says how), or -1 when the
 * sequence is cut short by the end of the bytes.
 */
int json_utf8_seq(const uint8_t *p, size_t n, const char **why);

/*
 * Eight bytes at a time: nonzero when some byte of x equals c, or (when no
 * byte has its top bit set) is below n. Existence is exact, positions are not.
 */
#define JSON_ONES		UINT64_C(0x0101010101010101)
#define JSON_HIGHS		UINT64_C(0x8080808080808080)
#define JSON_HASZERO(x)		(((x) - JSON_ONES) & ~(x) & JSON_HIGHS)
#define JSON_HASBYTE(x, c)	JSON_HASZERO((x) ^ (JSON_ONES * (uint8_t)(c)))
#define JSON_HASLESS(x, n)	(((x) - JSON_ONES * (n)) & ~(x) & JSON_HIGHS)

/* Byte order of two keys: memcmp over the shorter, then the shorter first. */
static inline int
json_key_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t	 m = alen < blen ? alen : blen;
	int	 c;

	if (m > 0 && (c = memcmp(a, b, m)) != 0)
		return c;
	return (alen > blen) - (alen < blen);
}

#endif /* SIGNERD_JSON_IMPL_H */
