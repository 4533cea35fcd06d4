/* SPDX-License-Identifier: Apache-2.0 */
/* The HTTP/1.1 response parser: untrusted bytes in; status, framing, body. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "notary_http_impl.h"

void
notary_http_body_free(struct nh_body *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
	b->too_big = 0;
}

int
notary_http_body_append(struct nh_body *b, const uint8_t *p, size_t n)
{
	size_t ncap;
	uint8_t *nd;

	if (n > b->max - b->len) {
		b->too_big = 1;
		return NOTARY_HTTP_ERR_TOO_BIG;
	}
	if (b->cap - b->len < n + 1) {
		ncap = b->cap ? b->cap : 16384;
		while (ncap - b->len < n + 1)
			ncap *= 2;
		if (ncap > b->max + 1)
			ncap = b->max + 1;
		if ((nd = realloc(b->data, ncap)) == NULL)
			return NOTARY_HTTP_ERR_NOMEM;
		b->data = nd;
		b->cap = ncap;
	}
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

/* Grows the buffer once for a body of known length (capped by max). */
static int
body_reserve(struct nh_body *b, uint64_t want)
{
	uint8_t *nd;
	size_t ncap;

	if (want > b->max - b->len) {
		b->too_big = 1;
		return NOTARY_HTTP_ERR_TOO_BIG;
	}
	ncap = b->len + (size_t)want + 1;
	if (ncap <= b->cap)
		return 0;
	if ((nd = realloc(b->data, ncap)) == NULL)
		return NOTARY_HTTP_ERR_NOMEM;
	nd[b->len] = '\0';
	b->data = nd;
	b->cap = ncap;
	return 0;
}

void
notary_http_resp_init(struct notary_http_resp *r, struct nh_body *body,
    int connect)
{
	memset(r, 0, sizeof(*r));
	r->state = NH_RESP_STATUS;
	r->connect = connect;
	r->body = body;
}

static int
fail(struct notary_http_resp *r, const char *why)
{
	r->error = why;
	return NOTARY_HTTP_ERR_TRANSPORT;
}

static int
is_tchar(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') || (ch != '\0' &&
	    strchr("!#$%&'*+-.^_`|~", ch) != NULL);
}

/*
 * Collects bytes up to '\n' into r->line. 1 with the line (CR stripped,
 * NUL-terminated) when complete, 0 when more bytes are needed. Control bytes
 * other than HT, and a CR anywhere but before the LF, are refused.
 */
static int
line_take(struct notary_http_resp *r, const uint8_t *p, size_t n, size_t *i,
    size_t maxlen, int *err)
{
	unsigned char ch;

	*err = 0;
	while (*i < n) {
		ch = p[(*i)++];
		if (ch == '\n') {
			if (r->linelen > 0 && r->line[r->linelen - 1] == '\r')
				r->linelen--;
			r->line[r->linelen] = '\0';
			if (memchr(r->line, '\r', r->linelen) != NULL) {
				*err = fail(r, "bare CR in a line");
				return 0;
			}
			return 1;
		}
		if ((ch < 0x20 && ch != '\t' && ch != '\r') || ch == 0x7f) {
			*err = fail(r, "control byte in the header");
			return 0;
		}
		if (r->linelen >= maxlen) {
			*err = fail(r, "line too long");
			return 0;
		}
		r->line[r->linelen++] = (char)ch;
	}
	return 0;
}

static int
status_parse(struct notary_http_resp *r)
{
	const char *s = r->line;
	int i;

	/* HTTP/1.x SP 3DIGIT [SP reason] */
	if (strncmp(s, "HTTP/1.", 7) != 0 || (s[7] != '0' && s[7] != '1') ||
	    s[8] != ' ')
		return fail(r, "bad status line");
	for (i = 9; i < 12; i++)
		if (s[i] < '0' || s[i] > '9')
			return fail(r, "bad status code");
	if (s[12] != '\0' && s[12] != ' ')
		return fail(r, "bad status line");
	r->status = (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
	if (r->status < 100)
		return fail(r, "bad status code");
	r->keep_alive = s[7] == '1';
	return 0;
}

/* value has no leading or trailing blanks; is it the token list with word? */
static int
list_has(const char *v, const char *word)
{
	size_t wl = strlen(word), k;

	while (*v != '\0') {
		while (*v == ' ' || *v == '\t' || *v == ',')
			v++;
		k = strcspn(v, ", \t");
		if (k == wl && strncasecmp(v, word, wl) == 0)
			return 1;
		v += k;
	}
	return 0;
}

static int
header_parse(struct notary_http_resp *r)
{
	char *s = r->line, *v, *e;
	size_t nl;
	uint64_t cl = 0;

	if (++r->nheaders > NH_MAX_HEADERS)
		return fail(r, "too many header lines");
	if (*s == ' ' || *s == '\t')
		return fail(r, "folded header line");
	for (nl = 0; is_tchar((unsigned char)s[nl]); nl++)
		;
	if (nl == 0 || s[nl] != ':')
		return fail(r, "bad header line");
	s[nl] = '\0';
	v = s + nl + 1;
	while (*v == ' ' || *v == '\t')
		v++;
	e = v + strlen(v);
	while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
		*--e = '\0';

	if (strcasecmp(s, "Content-Length") == 0) {
		if (*v == '\0')
			return fail(r, "bad Content-Length");
		for (; *v != '\0'; v++) {
			if (*v < '0' || *v > '9')
				return fail(r, "bad Content-Length");
			if (cl > (UINT64_MAX - 9) / 10)
				return fail(r, "Content-Length overflows");
			cl = cl * 10 + (uint64_t)(*v - '0');
		}
		if (r->have_len && cl != r->content_length)
			return fail(r, "conflicting Content-Length");
		r->have_len = 1;
		r->content_length = cl;
	} else if (strcasecmp(s, "Transfer-Encoding") == 0) {
		/* We send no TE header: only chunked may come back. */
		if (r->have_te || strcasecmp(v, "chunked") != 0)
			return fail(r, "unsupported Transfer-Encoding");
		r->have_te = 1;
		r->chunked = 1;
	} else if (strcasecmp(s, "Connection") == 0) {
		if (list_has(v, "close"))
			r->keep_alive = 0;
		else if (list_has(v, "keep-alive"))
			r->keep_alive = 1;
	} else if (strcasecmp(s, "WWW-Authenticate") == 0) {
		if (r->challenge[0] == '\0' &&
		    strlen(v) < sizeof(r->challenge))
			memcpy(r->challenge, v, strlen(v) + 1);
	}
	return 0;
}

/* The empty line ended the headers: pick the body's framing. */
static int
headers_end(struct notary_http_resp *r)
{
	int rc;

	if (r->connect) {
		r->state = NH_RESP_DONE;
		return 0;
	}
	if (r->status < 200) {
		if (r->status == 101)
			return fail(r, "unexpected protocol switch");
		/* An interim answer (100 Continue): the real one follows. */
		r->state = NH_RESP_STATUS;
		r->challenge[0] = '\0';
		r->have_len = r->have_te = r->chunked = 0;
		return 0;
	}
	if (r->status == 204 || r->status == 304) {
		r->state = NH_RESP_DONE;
		return 0;
	}
	if (r->chunked) {
		/* Both framings: chunked wins, and the connection is spent. */
		if (r->have_len)
			r->keep_alive = 0;
		r->state = NH_RESP_CHUNK_SIZE;
		return 0;
	}
	if (r->have_len) {
		if (r->body != NULL &&
		    (rc = body_reserve(r->body, r->content_length)) != 0)
			return rc;
		r->left = r->content_length;
		r->state = r->left > 0 ? NH_RESP_BODY_LEN : NH_RESP_DONE;
		return 0;
	}
	r->keep_alive = 0;
	r->state = NH_RESP_BODY_EOF;
	return 0;
}

/* "1*HEXDIG [ws] [; ext...]" into r->left. */
static int
chunk_size_parse(struct notary_http_resp *r)
{
	const char *s = r->line;
	uint64_t v = 0;
	size_t i;
	int d;

	for (i = 0;; i++) {
		if (s[i] >= '0' && s[i] <= '9')
			d = s[i] - '0';
		else if (s[i] >= 'a' && s[i] <= 'f')
			d = s[i] - 'a' + 10;
		else if (s[i] >= 'A' && s[i] <= 'F')
			d = s[i] - 'A' + 10;
		else
			break;
		if (v > (UINT64_MAX >> 4))
			return fail(r, "chunk size overflows");
		v = (v << 4) | (uint64_t)d;
	}
	if (i == 0)
		return fail(r, "bad chunk size");
	while (s[i] == ' ' || s[i] == '\t')
		i++;
	if (s[i] != '\0' && s[i] != ';')
		return fail(r, "bad chunk size");
	r->left = v;
	return 0;
}

static int
body_take(struct notary_http_resp *r, const uint8_t *p, size_t n)
{
	if (r->body == NULL || n == 0)
		return 0;
	return notary_http_body_append(r->body, p, n);
}

int
notary_http_resp_feed(struct notary_http_resp *r, const uint8_t *p,
    size_t n, size_t *used)
{
	size_t i = 0, k, start;
	int rc = 0, err;

	*used = 0;
	while (i < n && r->state != NH_RESP_DONE) {
		switch (r->state) {
		case NH_RESP_STATUS:
		case NH_RESP_HEADER:
		case NH_RESP_TRAILER:
			start = i;
			k = line_take(r, p, n, &i, NH_MAX_LINE, &err);
			r->header_bytes += i - start;
			if (err != 0) {
				rc = err;
				goto out;
			}
			if (r->header_bytes > NH_MAX_HEADER_BYTES) {
				rc = fail(r, "headers too large");
				goto out;
			}
			if (!k)
				break;
			k = r->linelen;
			r->linelen = 0;
			if (r->state == NH_RESP_STATUS) {
				if ((rc = status_parse(r)) != 0)
					goto out;
				r->state = NH_RESP_HEADER;
			} else if (k == 0) {
				if (r->state == NH_RESP_TRAILER)
					r->state = NH_RESP_DONE;
				else if ((rc = headers_end(r)) != 0)
					goto out;
			} else if (r->state == NH_RESP_HEADER) {
				if ((rc = header_parse(r)) != 0)
					goto out;
			} else if (++r->nheaders > NH_MAX_HEADERS) {
				rc = fail(r, "too many trailer lines");
				goto out;
			}
			break;
		case NH_RESP_CHUNK_SIZE:
		case NH_RESP_CHUNK_END:
			/* Short lines: a size with extensions, or nothing. */
			k = line_take(r, p, n, &i, 1024, &err);
			if (err != 0) {
				rc = err;
				goto out;
			}
			if (!k)
				break;
			r->linelen = 0;
			if (r->state == NH_RESP_CHUNK_END) {
				if (r->line[0] != '\0') {
					rc = fail(r, "no CRLF after chunk data");
					goto out;
				}
				r->state = NH_RESP_CHUNK_SIZE;
				break;
			}
			if ((rc = chunk_size_parse(r)) != 0)
				goto out;
			if (r->left == 0)
				r->state = NH_RESP_TRAILER;
			else if (r->body != NULL &&
			    r->left > r->body->max - r->body->len) {
				r->body->too_big = 1;
				rc = NOTARY_HTTP_ERR_TOO_BIG;
				goto out;
			} else
				r->state = NH_RESP_CHUNK_DATA;
			break;
		case NH_RESP_BODY_LEN:
		case NH_RESP_CHUNK_DATA:
			k = n - i;
			if ((uint64_t)k > r->left)
				k = (size_t)r->left;
			if ((rc = body_take(r, p + i, k)) != 0)
				goto out;
			i += k;
			r->left -= k;
			if (r->left == 0)
				r->state = r->state == NH_RESP_BODY_LEN ?
				    NH_RESP_DONE : NH_RESP_CHUNK_END;
			break;
		case NH_RESP_BODY_EOF:
			if ((rc = body_take(r, p + i, n - i)) != 0)
				goto out;
			i = n;
			break;
		case NH_RESP_DONE:
			break;
		}
	}
out:
	r->received += i;
	*used = i;
	return rc;
}

int
notary_http_resp_eof(struct notary_http_resp *r)
{
	if (r->state == NH_RESP_DONE)
		return 0;
	if (r->state == NH_RESP_BODY_EOF) {
		r->state = NH_RESP_DONE;
		return 0;
	}
	return fail(r, r->received == 0 ?
	    "connection closed before any answer" :
	    "connection closed in the middle of the answer");
}
