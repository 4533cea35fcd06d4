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
	size_t	off;		/* span in the input */
	size_t	len;
	union {
		int64_t	i;
		struct {
			const char	*s;	/* NUL-terminated copy */
			size_t		 n;
		} str;
		struct {
			struct json_value	*v;
			size_t			 n;
		} arr;
		struct {
			struct json_member	*m;	/* sorted by key bytes */
			size_t			 n;
		} obj;
	} u;
	int	type;
};

struct json_member {
	const char		*key;	/* NUL-terminated copy */
	size_t			 keylen;
	size_t			 keyoff;	/* offset of the key's opening quote */
	struct json_value	 val;
};

/* Arena blocks: one for all decoded strings, a few for the nodes. */
struct json_chunk {
	struct json_chunk	*next;
	size_t			 cap;
	size_t			 used;
	/* data follows, aligned for struct json_value */
};

struct json_doc {
	struct json_chunk	*chunks;
	struct json_value	 root;
};

#define JSON_CHUNK_HDR \
	((sizeof(struct json_chunk) + _Alignof(max_align_t) - 1) & \
	~(_Alignof(max_align_t) - 1))

/*
 * Length of the valid UTF-8 sequence starting at p (p[0] >= 0x80), n bytes
 * available. Returns 2..4, 0 when invalid (*why says how), or -1 when the
 * sequence is cut short by the end of the bytes.
 */
int json_utf8_seq(const uint8_t *p, size_t n, const char **why);

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
