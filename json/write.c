/* SPDX-License-Identifier: Apache-2.0 */
/* The canonical writer: a growable buffer with a sticky error and Notary's escaping. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "json_impl.h"

/* 0: copied as is; 1: ASCII that Notary escapes; 2: first byte of a multi-byte sequence. */
static const uint8_t esc[256] = {
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* " & */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0,	/* < > */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,	/* \ */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* DEL stays raw */
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
};

/*
 * Large buffers ask for transparent huge pages, as the reader's arena does:
 * a fresh 10 MB output is otherwise 2,500 page faults. The memory still
 * comes from malloc, since json_buf_detach hands it to free().
 */
void *
json_mem_alloc(size_t *n)
{
	const size_t huge = (size_t)2 << 20;
	void	*p;

	if (*n < 2 * huge)
		return malloc(*n);
	*n = (*n + huge - 1) & ~(huge - 1);
	if ((p = aligned_alloc(huge, *n)) == NULL)
		return NULL;
#ifdef MADV_HUGEPAGE
	(void)madvise(p, *n, MADV_HUGEPAGE);	/* a hint; failure is harmless */
#endif
	return p;
}

void
json_buf_init(struct json_buf *b)
{
	memset(b, 0, sizeof(*b));
}

void
json_buf_cleanup(struct json_buf *b)
{
	if (b == NULL)
		return;
	if (b->data != NULL) {
		explicit_bzero(b->data, b->len);
		free(b->data);
	}
	memset(b, 0, sizeof(*b));
}

int
json_buf_detach(struct json_buf *b, uint8_t **data, size_t *len)
{
	if (data != NULL)
		*data = NULL;
	if (len != NULL)
		*len = 0;
	if (b == NULL || data == NULL || len == NULL)
		return JSON_ERR_INVAL;
	if (b->err != 0)
		return b->err;
	if (b->data == NULL && (b->data = malloc(1)) == NULL)
		return JSON_ERR_NOMEM;
	*data = b->data;
	*len = b->len;
	b->data = NULL;		/* transferred */
	b->len = b->cap = 0;
	return 0;
}

/*
 * Grows by moving to a fresh block and wiping the old one rather than
 * realloc, which could leave a copy of secret bytes in freed memory.
 */
void
json_buf_reserve(struct json_buf *b, size_t extra)
{
	size_t	 need, ncap;
	uint8_t	*nd;

	if (b->err != 0 || b->cap - b->len >= extra)
		return;
	/* No object may exceed PTRDIFF_MAX bytes. */
	if (extra > (size_t)PTRDIFF_MAX - b->len) {
		b->err = JSON_ERR_NOMEM;
		return;
	}
	need = b->len + extra;
	ncap = b->cap != 0 ? b->cap : 256;
	while (ncap < need)
		ncap = ncap > (size_t)PTRDIFF_MAX / 2 ? need : ncap * 2;
	if ((nd = json_mem_alloc(&ncap)) == NULL) {
		b->err = JSON_ERR_NOMEM;
		return;
	}
	if (b->data != NULL) {
		memcpy(nd, b->data, b->len);
		explicit_bzero(b->data, b->len);
		free(b->data);
	}
	b->data = nd;
	b->cap = ncap;
}

void
json_put_raw(struct json_buf *b, const void *p, size_t n)
{
	if (b->err != 0 || n == 0)
		return;
	if (p == NULL) {
		b->err = JSON_ERR_INVAL;
		return;
	}
	json_buf_reserve(b, n);
	if (b->err != 0)
		return;
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

void
json_put_char(struct json_buf *b, char c)
{
	if (b->err != 0)
		return;
	if (b->cap == b->len) {
		json_buf_reserve(b, 1);
		if (b->err != 0)
			return;
	}
	b->data[b->len++] = (uint8_t)c;
}

/* The escape of c at d (room for 6 bytes); its length. */
static size_t
escape_at(uint8_t *d, uint8_t c)
{
	static const char hex[] = "0123456789abcdef";

	d[0] = '\\';
	switch (c) {
	case '"':	d[1] = '"';	return 2;
	case '\\':	d[1] = '\\';	return 2;
	case '\n':	d[1] = 'n';	return 2;
	case '\r':	d[1] = 'r';	return 2;
	case '\t':	d[1] = 't';	return 2;
	}
	/* Other controls (\b and \f too) and < > & as \u00xx, lowercase. */
	d[1] = 'u';
	d[2] = '0';
	d[3] = '0';
	d[4] = (uint8_t)hex[c >> 4];
	d[5] = (uint8_t)hex[c & 0xf];
	return 6;
}

/* The sign form escapes only the quote and the backslash. */
static const uint8_t esc_sign[256] = {
	['"'] = 1, ['\\'] = 1,
	[0x80] = 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
};
static const uint8_t esc_sign_trusted[256] = { ['"'] = 1, ['\\'] = 1 };

/* Nonzero when one of the eight bytes in x may need more than a copy. */
static inline uint64_t
word_needs(uint64_t x, int form, int trusted)
{
	uint64_t m = JSON_HASBYTE(x, '"') | JSON_HASBYTE(x, '\\');

	if (form == JSON_FORM_FILE)
		m |= (x & JSON_HIGHS) | JSON_HASLESS(x, 0x20) |
		    JSON_HASBYTE(x, '<') | JSON_HASBYTE(x, '>') |
		    JSON_HASBYTE(x, '&');
	else if (!trusted)
		m |= x & JSON_HIGHS;
	return m;
}

/*
 * trusted: the bytes were validated by the reader, so only the length of each
 * multi-byte sequence is needed, not a second validation.
 */
static void
put_str(struct json_buf *b, const uint8_t *s, size_t n, int trusted, int form)
{
	const uint8_t *tab;
	const char *why;
	size_t	 i = 0, run = 0;
	int	 k;

	if (b->err != 0)
		return;
	if (n > (SIZE_MAX - 16) / 9 * 8) {
		b->err = JSON_ERR_NOMEM;
		return;
	}
	if (form == JSON_FORM_FILE)
		tab = esc;
	else if (form == JSON_FORM_SIGN)
		tab = trusted ? esc_sign_trusted : esc_sign;
	else {
		b->err = JSON_ERR_INVAL;
		return;
	}
	/* Room for the text, its quotes and some escapes; more on demand. */
	json_buf_reserve(b, n + n / 8 + 8);
	json_put_char(b, '"');
	while (i < n) {
		uint64_t w;
		uint8_t	 c;

		while (n - i >= 8) {
			memcpy(&w, s + i, 8);
			if (word_needs(w, form, trusted))
				break;
			i += 8;
		}
		while (i < n && tab[s[i]] == 0)
			i++;
		if (i >= n)
			break;
		c = s[i];
		if (c >= 0x80) {
			if (trusted)
				k = c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
			else if ((k = json_utf8_seq(s + i, n - i, &why)) <= 0) {
				if (b->err == 0)
					b->err = JSON_ERR_UTF8;
				return;
			}
			/* U+2028 and U+2029 (E2 80 A8/A9) are escaped in files. */
			if (form == JSON_FORM_FILE && c == 0xe2 && s[i + 1] == 0x80 &&
			    (s[i + 2] & 0xfe) == 0xa8) {
				json_put_raw(b, s + run, i - run);
				json_put_raw(b, s[i + 2] == 0xa8 ? "\\u2028" :
				    "\\u2029", 6);
				run = i + 3;
			}
			i += (size_t)k;
			continue;
		}
		/* The run and the escape go straight into the buffer. */
		if (b->cap - b->len < i - run + 6) {
			json_buf_reserve(b, i - run + 6 + (n - i) / 8);
			if (b->err != 0)
				return;
		}
		memcpy(b->data + b->len, s + run, i - run);
		b->len += i - run;
		b->len += escape_at(b->data + b->len, c);
		run = ++i;
	}
	json_put_raw(b, s + run, i - run);
	json_put_char(b, '"');
}

void
json_put_str(struct json_buf *b, const char *s, size_t n)
{
	if (b->err != 0)
		return;
	if (s == NULL && n > 0) {
		b->err = JSON_ERR_INVAL;
		return;
	}
	put_str(b, (const uint8_t *)(s != NULL ? s : ""), n, 0,
	    (b->flags & JSON_BUF_SIGNING_FORM) ? JSON_FORM_SIGN : JSON_FORM_FILE);
}

void
json_put_str_form(struct json_buf *b, const char *s, size_t n, int form)
{
	if (b->err != 0)
		return;
	if (s == NULL && n > 0) {
		b->err = JSON_ERR_INVAL;
		return;
	}
	put_str(b, (const uint8_t *)(s != NULL ? s : ""), n, 0, form);
}

void
json_put_int(struct json_buf *b, int64_t v)
{
	char	 tmp[24];
	size_t	 o = sizeof(tmp);
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	do {
		tmp[--o] = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		tmp[--o] = '-';
	json_put_raw(b, tmp + o, sizeof(tmp) - o);
}

static void
put_scalar(struct json_buf *b, const struct json_value *v, int form)
{
	switch (v->type) {
	case JSON_NULL:
		json_put_raw(b, "null", 4);
		break;
	case JSON_FALSE:
		json_put_raw(b, "false", 5);
		break;
	case JSON_TRUE:
		json_put_raw(b, "true", 4);
		break;
	case JSON_INT:
		json_put_int(b, v->u.i);
		break;
	case JSON_STRING:
		put_str(b, (const uint8_t *)v->u.s, v->n, 1, form);
		break;
	default:
		b->err = JSON_ERR_INVAL;
		break;
	}
}

struct wframe {
	const struct json_value	*v;
	size_t			 i;
};

/*
 * Walks the tree with an explicit stack: the reader's depth cap is the
 * caller's choice and may be larger than the C stack would bear.
 */
void
json_write_canonical(struct json_buf *b, const struct json_value *v)
{
	json_write_canonical_form(b, v,
	    (b->flags & JSON_BUF_SIGNING_FORM) ? JSON_FORM_SIGN : JSON_FORM_FILE);
}

void
json_write_canonical_form(struct json_buf *b, const struct json_value *v,
    int form)
{
	struct wframe	 local[32], *st = local, *ns;
	size_t		 cap = 32, top = 0;
	const struct json_value *child;
	const struct json_member *m;

	if (b->err != 0)
		return;
	if (v == NULL || (form != JSON_FORM_FILE && form != JSON_FORM_SIGN)) {
		b->err = JSON_ERR_INVAL;
		return;
	}
	for (;;) {
		if (v != NULL) {
			if (v->type != JSON_ARRAY && v->type != JSON_OBJECT)
				put_scalar(b, v, form);
			else {
				json_put_char(b, v->type == JSON_ARRAY ? '[' : '{');
				if (top == cap) {
					if (cap > SIZE_MAX / 2 / sizeof(*st) ||
					    (ns = malloc(2 * cap * sizeof(*st))) == NULL) {
						b->err = JSON_ERR_NOMEM;
						break;
					}
					memcpy(ns, st, top * sizeof(*st));
					if (st != local)
						free(st);
					st = ns;
					cap *= 2;
				}
				st[top].v = v;
				st[top].i = 0;
				top++;
			}
			v = NULL;
		}
		if (top == 0 || b->err != 0)
			break;
		/* Next child of the innermost open container, or its end. */
		struct wframe *f = &st[top - 1];
		if (f->v->type == JSON_ARRAY) {
			if (f->i == f->v->n) {
				json_put_char(b, ']');
				top--;
				continue;
			}
			child = &f->v->u.v[f->i];
		} else {
			if (f->i == f->v->n) {
				json_put_char(b, '}');
				top--;
				continue;
			}
			m = &f->v->u.m[f->i];
			if (f->i > 0)
				json_put_char(b, ',');
			put_str(b, (const uint8_t *)m->key, m->keylen, 1, form);
			json_put_char(b, ':');
			child = &m->val;
		}
		if (f->i > 0 && f->v->type == JSON_ARRAY)
			json_put_char(b, ',');
		f->i++;
		v = child;
	}
	if (st != local)
		free(st);
}
