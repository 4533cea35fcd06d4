/* SPDX-License-Identifier: Apache-2.0 */
/* The strict single-pass JSON reader: untrusted bytes in, an arena tree out. */
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_impl.h"

#define JSON_DEFAULT_MAX_BYTES	((size_t)64 << 20)
#define JSON_DEFAULT_MAX_DEPTH	64u
#define JSON_NODE_CHUNK_MIN	((size_t)4096)
#define JSON_NODE_CHUNK_MAX	((size_t)16 << 20)

/* An open container: where its span starts and where its children begin on the scratch stack. */
struct frame {
	size_t	start;
	size_t	base;
	int	type;
};

struct parser {
	const uint8_t		*buf;
	size_t			 len;
	size_t			 pos;
	struct json_doc		*doc;

	char			*spool;		/* decoded strings; bounded by len */
	size_t			 sused;
	struct json_chunk	*nodes;		/* current node chunk */
	size_t			 next_chunk;

	/* Children of open containers, copied out when the container closes. */
	struct json_value	*vstack;
	size_t			 vtop, vcap;
	struct json_member	*mstack;
	size_t			 mtop, mcap;
	struct frame		*frames;
	size_t			 depth, fcap;

	size_t			 nvalues, max_values;
	unsigned		 max_depth;
	int			 wipe;		/* JSON_LIMIT_WIPE */
	struct json_error	*err;
};

/*
 * Bytes a string may hold without a second look: printable ASCII and DEL,
 * minus the quote and the backslash. Everything else leaves the fast loop.
 */
static const uint8_t plain[256] = {
	[0x20] = 1, [0x21] = 1, [0x23] = 1, [0x24] = 1, [0x25] = 1, [0x26] = 1,
	[0x27] = 1, [0x28] = 1, [0x29] = 1, [0x2a] = 1, [0x2b] = 1, [0x2c] = 1,
	[0x2d] = 1, [0x2e] = 1, [0x2f] = 1, [0x30] = 1, [0x31] = 1, [0x32] = 1,
	[0x33] = 1, [0x34] = 1, [0x35] = 1, [0x36] = 1, [0x37] = 1, [0x38] = 1,
	[0x39] = 1, [0x3a] = 1, [0x3b] = 1, [0x3c] = 1, [0x3d] = 1, [0x3e] = 1,
	[0x3f] = 1, [0x40] = 1, [0x41] = 1, [0x42] = 1, [0x43] = 1, [0x44] = 1,
	[0x45] = 1, [0x46] = 1, [0x47] = 1, [0x48] = 1, [0x49] = 1, [0x4a] = 1,
	[0x4b] = 1, [0x4c] = 1, [0x4d] = 1, [0x4e] = 1, [0x4f] = 1, [0x50] = 1,
	[0x51] = 1, [0x52] = 1, [0x53] = 1, [0x54] = 1, [0x55] = 1, [0x56] = 1,
	[0x57] = 1, [0x58] = 1, [0x59] = 1, [0x5a] = 1, [0x5b] = 1, [0x5d] = 1,
	[0x5e] = 1, [0x5f] = 1, [0x60] = 1, [0x61] = 1, [0x62] = 1, [0x63] = 1,
	[0x64] = 1, [0x65] = 1, [0x66] = 1, [0x67] = 1, [0x68] = 1, [0x69] = 1,
	[0x6a] = 1, [0x6b] = 1, [0x6c] = 1, [0x6d] = 1, [0x6e] = 1, [0x6f] = 1,
	[0x70] = 1, [0x71] = 1, [0x72] = 1, [0x73] = 1, [0x74] = 1, [0x75] = 1,
	[0x76] = 1, [0x77] = 1, [0x78] = 1, [0x79] = 1, [0x7a] = 1, [0x7b] = 1,
	[0x7c] = 1, [0x7d] = 1, [0x7e] = 1, [0x7f] = 1,
};

/*
 * Nonzero when any of the eight bytes needs the slow path: a byte >= 0x80,
 * < 0x20, '"' or '\\'. The tests are exact about existence, which is all the
 * caller needs before it rescans byte by byte.
 */
static inline uint64_t
word_special(uint64_t x)
{
	return (x & JSON_HIGHS) | JSON_HASLESS(x, 0x20) |
	    JSON_HASBYTE(x, '"') | JSON_HASBYTE(x, '\\');
}

static int
fail(struct parser *ps, int code, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
fail(struct parser *ps, int code, size_t off, const char *fmt, ...)
{
	va_list	 ap;
	int	 w;

	if (ps->err == NULL)
		return code;
	ps->err->code = code;
	ps->err->offset = off;
	va_start(ap, fmt);
	w = vsnprintf(ps->err->message, sizeof(ps->err->message), fmt, ap);
	va_end(ap);
	if (w < 0)
		ps->err->message[0] = '\0';
	/* A truncated message is still NUL-terminated and still names the place first. */
	return code;
}

/* A short printable rendering of untrusted key bytes for error messages. */
static void
quote_key(char *dst, size_t cap, const char *k, size_t n)
{
	size_t	 i, o = 0;
	int	 w;

	for (i = 0; i < n && o + 8 < cap; i++) {
		unsigned char c = (unsigned char)k[i];

		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
			dst[o++] = (char)c;
		else {
			w = snprintf(dst + o, cap - o, "\\x%02x", c);
			if (w < 0 || (size_t)w >= cap - o)
				break;
			o += (size_t)w;
		}
	}
	if (i < n && o + 4 <= cap) {
		memcpy(dst + o, "...", 3);
		o += 3;
	}
	dst[o] = '\0';
}

static const char *
byte_name(char *tmp, size_t cap, uint8_t c)
{
	int	 w;

	if (c > 0x20 && c < 0x7f && c != '\'')
		w = snprintf(tmp, cap, "'%c'", c);
	else
		w = snprintf(tmp, cap, "0x%02x", c);
	if (w < 0 || (size_t)w >= cap)
		return "?";
	return tmp;
}

static int
fail_syntax(struct parser *ps, const char *expected)
{
	char	 tmp[8];

	if (ps->pos >= ps->len)
		return fail(ps, JSON_ERR_TRUNCATED, ps->len,
		    "input ends at byte %zu where %s was expected",
		    ps->len, expected);
	return fail(ps, JSON_ERR_SYNTAX, ps->pos,
	    "unexpected byte %s at byte %zu: expected %s",
	    byte_name(tmp, sizeof(tmp), ps->buf[ps->pos]), ps->pos, expected);
}

/* Room for n bytes of nodes (a multiple of 8): the current chunk or a fresh one. */
static void *
node_alloc(struct parser *ps, size_t n)
{
	struct json_chunk *c = ps->nodes;
	void	*p;

	if (c == NULL || c->cap - c->used < n) {
		size_t cap = ps->next_chunk;

		if (cap < JSON_NODE_CHUNK_MAX)
			ps->next_chunk = cap * 2;
		if (cap < n)
			cap = n;
		if ((c = json_chunk_new(ps->doc, cap)) == NULL)
			return NULL;
		/* Keep filling whichever chunk has more room left. */
		if (ps->nodes == NULL || cap - n > ps->nodes->cap - ps->nodes->used)
			ps->nodes = c;
		else {
			c->used = n;
			return json_chunk_data(c);
		}
	}
	p = (char *)json_chunk_data(c) + c->used;
	c->used += n;
	return p;
}

/*
 * Grows a scratch stack. With wipe set the old block is copied and wiped
 * rather than realloc'd, which could leave a copy of secrets behind.
 */
static int
grow(void **p, size_t *cap, size_t elem, size_t need, int wipe)
{
	size_t	 ncap = *cap ? *cap : 64;
	void	*np;

	while (ncap < need) {
		if (ncap > SIZE_MAX / 2 / elem)
			return -1;
		ncap *= 2;
	}
	if (ncap > SIZE_MAX / elem)
		return -1;
	if (!wipe) {
		if ((np = realloc(*p, ncap * elem)) == NULL)
			return -1;
	} else {
		if ((np = malloc(ncap * elem)) == NULL)
			return -1;
		if (*p != NULL) {
			memcpy(np, *p, *cap * elem);
			explicit_bzero(*p, *cap * elem);
			free(*p);
		}
	}
	*p = np;
	*cap = ncap;
	return 0;
}

static void
scratch_free(void *p, size_t bytes, int wipe)
{
	if (p != NULL && wipe)
		explicit_bzero(p, bytes);
	free(p);
}

static inline size_t
skip_ws(const uint8_t *b, size_t len, size_t pos)
{
	while (pos < len && (b[pos] == ' ' || b[pos] == '\n' ||
	    b[pos] == '\r' || b[pos] == '\t'))
		pos++;
	return pos;
}

static int
hex4_digit(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int
hex4(const uint8_t *p, uint32_t *out)
{
	uint32_t v = 0;
	int	 i, d;

	for (i = 0; i < 4; i++) {
		if ((d = hex4_digit(p[i])) < 0)
			return -1;
		v = (v << 4) | (uint32_t)d;
	}
	*out = v;
	return 0;
}

/* Decodes the escape at ps->pos (a backslash) into *dp. */
static int
read_escape(struct parser *ps, char **dp)
{
	const uint8_t	*b = ps->buf;
	size_t		 at = ps->pos, len = ps->len;
	char		*d = *dp;
	uint32_t	 cp, lo;
	char		 tmp[8];

	if (len - at < 2)
		return fail(ps, JSON_ERR_TRUNCATED, len,
		    "input ends at byte %zu inside the escape at byte %zu",
		    len, at);
	switch (b[at + 1]) {
	case '"':	*d++ = '"';	break;
	case '\\':	*d++ = '\\';	break;
	case '/':	*d++ = '/';	break;
	case 'b':	*d++ = '\b';	break;
	case 'f':	*d++ = '\f';	break;
	case 'n':	*d++ = '\n';	break;
	case 'r':	*d++ = '\r';	break;
	case 't':	*d++ = '\t';	break;
	case 'u':
		if (len - at < 6) {
			for (size_t i = at + 2; i < len; i++)
				if (hex4_digit(b[i]) < 0)
					return fail(ps, JSON_ERR_ESCAPE, at,
					    "bad hex digits in \\u escape at byte %zu", at);
			return fail(ps, JSON_ERR_TRUNCATED, len,
			    "input ends at byte %zu inside the \\u escape at byte %zu",
			    len, at);
		}
		if (hex4(b + at + 2, &cp) != 0)
			return fail(ps, JSON_ERR_ESCAPE, at,
			    "bad hex digits in \\u escape at byte %zu", at);
		if (cp >= 0xdc00 && cp <= 0xdfff)
			return fail(ps, JSON_ERR_ESCAPE, at,
			    "lone low surrogate \\u%04x at byte %zu", cp, at);
		if (cp >= 0xd800 && cp <= 0xdbff) {
			if (len - at < 12 && (len - at == 6 ||
			    (b[at + 6] == '\\' && (len - at == 7 || b[at + 7] == 'u'))))
				return fail(ps, JSON_ERR_TRUNCATED, len,
				    "input ends at byte %zu inside the surrogate pair at byte %zu",
				    len, at);
			if (len - at < 12 || b[at + 6] != '\\' || b[at + 7] != 'u' ||
			    hex4(b + at + 8, &lo) != 0 || lo < 0xdc00 || lo > 0xdfff)
				return fail(ps, JSON_ERR_ESCAPE, at,
				    "lone high surrogate \\u%04x at byte %zu", cp, at);
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			ps->pos += 6;
		}
		if (cp < 0x80)
			*d++ = (char)cp;
		else if (cp < 0x800) {
			*d++ = (char)(0xc0 | (cp >> 6));
			*d++ = (char)(0x80 | (cp & 0x3f));
		} else if (cp < 0x10000) {
			*d++ = (char)(0xe0 | (cp >> 12));
			*d++ = (char)(0x80 | ((cp >> 6) & 0x3f));
			*d++ = (char)(0x80 | (cp & 0x3f));
		} else {
			*d++ = (char)(0xf0 | (cp >> 18));
			*d++ = (char)(0x80 | ((cp >> 12) & 0x3f));
			*d++ = (char)(0x80 | ((cp >> 6) & 0x3f));
			*d++ = (char)(0x80 | (cp & 0x3f));
		}
		ps->pos += 6;
		*dp = d;
		return 0;
	default:
		return fail(ps, JSON_ERR_ESCAPE, at,
		    "bad escape \\%s at byte %zu",
		    byte_name(tmp, sizeof(tmp), b[at + 1]), at);
	}
	ps->pos += 2;
	*dp = d;
	return 0;
}

/*
 * Reads the string at ps->pos (the opening quote) into the string pool.
 * Runs of plain bytes are found eight at a time and copied with one memcpy.
 */
static int
read_string(struct parser *ps, const char **out, size_t *outlen)
{
	const uint8_t	*b = ps->buf;
	size_t		 len = ps->len, sstart = ps->pos, pos = sstart + 1;
	size_t		 run = pos;
	char		*start = ps->spool + ps->sused, *d = start;
	const char	*why;
	uint64_t	 w;
	int		 k, r;

	for (;;) {
		while (len - pos >= 8) {
			memcpy(&w, b + pos, 8);
			if (word_special(w))
				break;
			pos += 8;
		}
		while (pos < len && plain[b[pos]])
			pos++;
		if (pos >= len)
			return fail(ps, JSON_ERR_TRUNCATED, len,
			    "input ends at byte %zu inside the string that starts at byte %zu",
			    len, sstart);
		if (b[pos] >= 0x80) {
			if ((k = json_utf8_seq(b + pos, len - pos, &why)) > 0) {
				pos += (size_t)k;
				continue;
			}
			if (k < 0)
				return fail(ps, JSON_ERR_TRUNCATED, len,
				    "input ends at byte %zu inside the UTF-8 sequence at byte %zu",
				    len, pos);
			return fail(ps, JSON_ERR_UTF8, pos,
			    "invalid UTF-8 (%s) at byte %zu", why, pos);
		}
		memcpy(d, b + run, pos - run);
		d += pos - run;
		if (b[pos] == '"')
			break;
		/* The escapes of JSON inside JSON, without a call. */
		if (b[pos] == '\\' && pos + 1 < len &&
		    (b[pos + 1] == '"' || b[pos + 1] == '\\')) {
			*d++ = (char)b[pos + 1];
			pos = run = pos + 2;
			continue;
		}
		if (b[pos] == '\\') {
			ps->pos = pos;
			if ((r = read_escape(ps, &d)) != 0)
				return r;
			pos = run = ps->pos;
			continue;
		}
		return fail(ps, JSON_ERR_CTRL, pos,
		    "raw control character 0x%02x in a string at byte %zu",
		    b[pos], pos);
	}
	*d = '\0';
	*out = start;
	*outlen = (size_t)(d - start);
	ps->sused += (size_t)(d - start) + 1;
	ps->pos = pos + 1;
	return 0;
}

/* An integer: optional '-', no leading zeros, no fraction or exponent, within int64. */
static int
read_number(struct parser *ps, int64_t *out)
{
	const uint8_t	*b = ps->buf;
	size_t		 len = ps->len, start = ps->pos, pos = start;
	uint64_t	 acc = 0, limit = INT64_MAX, d;
	int		 neg = 0;

	if (b[pos] == '-') {
		neg = 1;
		limit = (uint64_t)INT64_MAX + 1;
		pos++;
	}
	if (pos >= len || b[pos] < '0' || b[pos] > '9')
		return fail(ps, JSON_ERR_NUMBER, start,
		    "'-' without digits at byte %zu", start);
	if (b[pos] == '0') {
		pos++;
		if (pos < len && b[pos] >= '0' && b[pos] <= '9')
			return fail(ps, JSON_ERR_NUMBER, start,
			    "leading zero in the number at byte %zu", start);
	} else {
		while (pos < len && b[pos] >= '0' && b[pos] <= '9') {
			d = (uint64_t)(b[pos] - '0');
			if (acc > (limit - d) / 10)
				return fail(ps, JSON_ERR_RANGE, start,
				    "integer outside int64 at byte %zu", start);
			acc = acc * 10 + d;
			pos++;
		}
	}
	if (pos < len && b[pos] == '.')
		return fail(ps, JSON_ERR_NUMBER, start,
		    "fraction in the number at byte %zu (integers only)", start);
	if (pos < len && (b[pos] == 'e' || b[pos] == 'E'))
		return fail(ps, JSON_ERR_NUMBER, start,
		    "exponent in the number at byte %zu (integers only)", start);
	/* "-0" would not survive a canonical rewrite byte for byte. */
	if (neg && acc == 0)
		return fail(ps, JSON_ERR_NUMBER, start,
		    "negative zero at byte %zu", start);
	if (neg)
		*out = acc == limit ? INT64_MIN : -(int64_t)acc;
	else
		*out = (int64_t)acc;
	ps->pos = pos;
	return 0;
}

static int
read_literal(struct parser *ps, const char *word, size_t n)
{
	size_t	 avail = ps->len - ps->pos, i;
	char	 what[16];
	int	 w;

	for (i = 0; i < n && i < avail; i++) {
		if (ps->buf[ps->pos + i] != (uint8_t)word[i]) {
			ps->pos += i;
			w = snprintf(what, sizeof(what), "'%s'", word);
			return fail_syntax(ps, w > 0 && (size_t)w < sizeof(what) ?
			    what : "a literal");
		}
	}
	if (avail < n)
		return fail(ps, JSON_ERR_TRUNCATED, ps->len,
		    "input ends at byte %zu inside '%s' at byte %zu", ps->len,
		    word, ps->pos);
	ps->pos += n;
	return 0;
}

static int
member_cmp(const struct json_member *x, const struct json_member *y)
{
	int	 c;

	if ((c = json_key_cmp(x->key, x->keylen, y->key, y->keylen)) != 0)
		return c;
	/* Equal keys in input order, so the later one is the duplicate. */
	return (x->keyoff > y->keyoff) - (x->keyoff < y->keyoff);
}

static int
nomem(struct parser *ps)
{
	return fail(ps, JSON_ERR_NOMEM, ps->pos, "out of memory at byte %zu",
	    ps->pos);
}

static int
close_array(struct parser *ps, struct json_value *v, const struct frame *f)
{
	size_t	 n = ps->vtop - f->base;
	struct json_value *a = NULL;

	if (n > 0) {
		if ((a = node_alloc(ps, n * sizeof(*a))) == NULL)
			return nomem(ps);
		memcpy(a, ps->vstack + f->base, n * sizeof(*a));
	}
	ps->vtop = f->base;
	v->type = JSON_ARRAY;
	v->u.v = a;
	v->n = (uint32_t)n;
	return 0;
}

/*
 * Copies src[0..n) into dst in key order: a bottom-up merge sort of pointers
 * (comparisons are what costs; moving 8 bytes beats moving 40), then one pass
 * of copies. The sort allocates only pointers, so no copy of the members is
 * left in freed memory (qsort's scratch would hold one), which matters for
 * JSON_LIMIT_WIPE; the scratch stack src is wiped by the caller's rules.
 * keyoff makes the order total. -1 when the pointer arrays cannot be had.
 */
static int
sort_into(struct json_member *dst, const struct json_member *src, size_t n)
{
	const struct json_member **a, **b, **from, **to, **sw;
	size_t	 w, i, lo, mid, hi, l, r, k;

	if (n > SIZE_MAX / 2 / sizeof(*a) ||
	    (a = malloc(2 * n * sizeof(*a))) == NULL)
		return -1;
	b = a + n;
	for (i = 0; i < n; i++)
		a[i] = &src[i];
	from = a;
	to = b;
	for (w = 1; w < n; w *= 2) {
		for (lo = 0; lo < n; lo += 2 * w) {
			mid = lo + w < n ? lo + w : n;
			hi = lo + 2 * w < n ? lo + 2 * w : n;
			l = lo;
			r = mid;
			k = lo;
			while (l < mid && r < hi)
				to[k++] = member_cmp(from[l], from[r]) <= 0 ?
				    from[l++] : from[r++];
			while (l < mid)
				to[k++] = from[l++];
			while (r < hi)
				to[k++] = from[r++];
		}
		sw = from;
		from = to;
		to = sw;
	}
	for (i = 0; i < n; i++)
		dst[i] = *from[i];
	free(a);
	return 0;
}

/*
 * Members are copied out of the scratch stack in key order. Canonical input
 * is sorted already, so a linear check usually saves the sort; duplicates
 * sit next to each other afterwards.
 */
static int
close_object(struct parser *ps, struct json_value *v, const struct frame *f)
{
	size_t	 n = ps->mtop - f->base, i, dup = SIZE_MAX;
	struct json_member *m = NULL;
	const struct json_member *src;
	char	 qk[48];

	if (n > 0) {
		src = ps->mstack + f->base;
		if ((m = node_alloc(ps, n * sizeof(*m))) == NULL)
			return nomem(ps);
		for (i = 1; i < n; i++)
			if (json_key_cmp(src[i - 1].key, src[i - 1].keylen,
			    src[i].key, src[i].keylen) >= 0)
				break;
		if (i == n)
			memcpy(m, src, n * sizeof(*m));
		else {
			if (sort_into(m, src, n) != 0)
				return nomem(ps);
			for (i = 1; i < n; i++) {
				if (json_key_cmp(m[i - 1].key, m[i - 1].keylen,
				    m[i].key, m[i].keylen) == 0 &&
				    (dup == SIZE_MAX || m[i].keyoff < m[dup].keyoff))
					dup = i;
			}
			if (dup != SIZE_MAX) {
				quote_key(qk, sizeof(qk), m[dup].key, m[dup].keylen);
				return fail(ps, JSON_ERR_DUP_KEY, m[dup].keyoff,
				    "duplicate key \"%s\" at byte %zu", qk,
				    (size_t)m[dup].keyoff);
			}
		}
	}
	ps->mtop = f->base;
	v->type = JSON_OBJECT;
	v->u.m = m;
	v->n = (uint32_t)n;
	return 0;
}

/*
 * One loop with an explicit stack of open containers, so a caller's large
 * depth cap cannot overflow the C stack.
 */
static int
parse(struct parser *ps)
{
	const uint8_t	*b = ps->buf;
	size_t		 len = ps->len;
	struct json_value v;
	struct json_member *m;
	struct frame	*f;
	char		 tmp[8];
	size_t		 slen;
	int		 r;

	memset(&v, 0, sizeof(v));
	ps->pos = skip_ws(b, len, 0);
	if (ps->pos == len)
		return fail(ps, JSON_ERR_EMPTY, len,
		    "no value before the end of the input at byte %zu", len);
value:
	if (ps->pos >= len)
		return fail_syntax(ps, "a value");
	if (++ps->nvalues > ps->max_values)
		return fail(ps, JSON_ERR_TOO_MANY, ps->pos,
		    "more than %zu values at byte %zu", ps->max_values, ps->pos);
	v.off = (uint32_t)ps->pos;
	switch (b[ps->pos]) {
	case '{':
	case '[':
		if (ps->depth >= ps->max_depth)
			return fail(ps, JSON_ERR_DEPTH, ps->pos,
			    "nesting deeper than %u at byte %zu", ps->max_depth,
			    ps->pos);
		if (ps->depth == ps->fcap && grow((void **)&ps->frames,
		    &ps->fcap, sizeof(*ps->frames), ps->depth + 1, 0) != 0)
			return nomem(ps);
		f = &ps->frames[ps->depth++];
		f->start = ps->pos;
		if (b[ps->pos] == '{') {
			f->type = JSON_OBJECT;
			f->base = ps->mtop;
		} else {
			f->type = JSON_ARRAY;
			f->base = ps->vtop;
		}
		ps->pos = skip_ws(b, len, ps->pos + 1);
		if (ps->pos < len && b[ps->pos] ==
		    (f->type == JSON_OBJECT ? '}' : ']'))
			goto close;
		if (f->type == JSON_OBJECT)
			goto key;
		goto value;
	case '"':
		if ((r = read_string(ps, &v.u.s, &slen)) != 0)
			return r;
		v.n = (uint32_t)slen;
		v.type = JSON_STRING;
		break;
	case '-': case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
		if ((r = read_number(ps, &v.u.i)) != 0)
			return r;
		v.type = JSON_INT;
		break;
	case 't':
		if ((r = read_literal(ps, "true", 4)) != 0)
			return r;
		v.type = JSON_TRUE;
		break;
	case 'f':
		if ((r = read_literal(ps, "false", 5)) != 0)
			return r;
		v.type = JSON_FALSE;
		break;
	case 'n':
		if ((r = read_literal(ps, "null", 4)) != 0)
			return r;
		v.type = JSON_NULL;
		break;
	default:
		return fail_syntax(ps, "a value");
	}
	v.len = (uint32_t)(ps->pos - v.off);
have:
	if (ps->depth == 0) {
		ps->doc->root = v;
		goto done;
	}
	f = &ps->frames[ps->depth - 1];
	if (f->type == JSON_ARRAY) {
		if (ps->vtop == ps->vcap && grow((void **)&ps->vstack,
		    &ps->vcap, sizeof(*ps->vstack), ps->vtop + 1, ps->wipe) != 0)
			return nomem(ps);
		ps->vstack[ps->vtop++] = v;
	} else
		ps->mstack[ps->mtop - 1].val = v;
	ps->pos = skip_ws(b, len, ps->pos);
	if (ps->pos < len && b[ps->pos] == ',') {
		ps->pos = skip_ws(b, len, ps->pos + 1);
		if (f->type == JSON_ARRAY)
			goto value;
		goto key;
	}
	if (ps->pos < len && b[ps->pos] == (f->type == JSON_ARRAY ? ']' : '}'))
		goto close;
	return fail_syntax(ps, f->type == JSON_ARRAY ? "',' or ']'" :
	    "',' or '}'");
key:
	if (ps->pos >= len || b[ps->pos] != '"')
		return fail_syntax(ps, "a string key");
	if (ps->mtop == ps->mcap && grow((void **)&ps->mstack, &ps->mcap,
	    sizeof(*ps->mstack), ps->mtop + 1, ps->wipe) != 0)
		return nomem(ps);
	m = &ps->mstack[ps->mtop++];
	m->keyoff = (uint32_t)ps->pos;
	if ((r = read_string(ps, &m->key, &slen)) != 0)
		return r;
	m->keylen = (uint32_t)slen;
	ps->pos = skip_ws(b, len, ps->pos);
	if (ps->pos >= len || b[ps->pos] != ':')
		return fail_syntax(ps, "':' after the key");
	ps->pos = skip_ws(b, len, ps->pos + 1);
	goto value;
close:
	f = &ps->frames[ps->depth - 1];
	ps->pos++;
	v.off = (uint32_t)f->start;
	v.len = (uint32_t)(ps->pos - f->start);
	if (f->type == JSON_ARRAY)
		r = close_array(ps, &v, f);
	else
		r = close_object(ps, &v, f);
	if (r != 0)
		return r;
	ps->depth--;
	goto have;
done:
	ps->pos = skip_ws(b, len, ps->pos);
	if (ps->pos != len)
		return fail(ps, JSON_ERR_TRAILING, ps->pos,
		    "trailing byte %s at byte %zu after the value",
		    byte_name(tmp, sizeof(tmp), b[ps->pos]), ps->pos);
	return 0;
}

int
json_doc_parse(const uint8_t *buf, size_t len, const struct json_limits *lim,
    struct json_doc **out, struct json_error *err)
{
	struct parser	 ps;
	struct json_chunk *pool;
	size_t		 max_bytes = JSON_DEFAULT_MAX_BYTES;
	int		 r;

	memset(&ps, 0, sizeof(ps));
	ps.err = err;
	if (err != NULL) {
		err->code = 0;
		err->offset = 0;
		err->message[0] = '\0';
	}
	if (out == NULL)
		return fail(&ps, JSON_ERR_INVAL, 0, "no place for the result");
	*out = NULL;
	if (buf == NULL && len > 0)
		return fail(&ps, JSON_ERR_INVAL, 0, "no input buffer");
	ps.buf = buf;
	ps.len = len;
	ps.max_depth = JSON_DEFAULT_MAX_DEPTH;
	ps.max_values = SIZE_MAX;
	if (lim != NULL) {
		if (lim->max_bytes != 0)
			max_bytes = lim->max_bytes;
		if (lim->max_depth != 0)
			ps.max_depth = lim->max_depth;
		if (lim->max_values != 0)
			ps.max_values = lim->max_values;
		ps.wipe = (lim->flags & JSON_LIMIT_WIPE) != 0;
	}
	/* Spans are 32-bit: past 4 GiB no caller cap applies. */
	if (max_bytes > JSON_MAX_BYTES_LIMIT)
		max_bytes = JSON_MAX_BYTES_LIMIT;
	if (len > max_bytes)
		return fail(&ps, JSON_ERR_TOO_BIG, max_bytes,
		    "input of %zu bytes exceeds the cap of %zu bytes", len,
		    max_bytes);
	if ((ps.doc = calloc(1, sizeof(*ps.doc))) == NULL)
		return nomem(&ps);
	ps.doc->flags = ps.wipe ? JSON_LIMIT_WIPE : 0;
	/*
	 * A decoded string plus its NUL never outgrows its quoted form, so one
	 * block of len bytes holds them all; pages never written cost nothing.
	 */
	if ((pool = json_chunk_new(ps.doc, len > 0 ? len : 1)) == NULL) {
		r = nomem(&ps);
		goto out;
	}
	ps.spool = json_chunk_data(pool);
	ps.next_chunk = len < JSON_NODE_CHUNK_MIN ? JSON_NODE_CHUNK_MIN :
	    len > JSON_NODE_CHUNK_MAX ? JSON_NODE_CHUNK_MAX : (len + 7) & ~(size_t)7;
	r = parse(&ps);
	/* After a failure a string may be half-decoded past sused. */
	pool->used = r == 0 ? ps.sused : pool->cap;
	if (r != 0)
		goto out;
	*out = ps.doc;
	ps.doc = NULL;	/* transferred */
	r = 0;
out:
	json_doc_free(ps.doc);
	scratch_free(ps.vstack, ps.vcap * sizeof(*ps.vstack), ps.wipe);
	scratch_free(ps.mstack, ps.mcap * sizeof(*ps.mstack), ps.wipe);
	free(ps.frames);
	return r;
}
