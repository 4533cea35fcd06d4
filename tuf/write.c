/* SPDX-License-Identifier: Apache-2.0 */
/* Writers: the sign form of a model or parsed value, the file form, the envelope. */
#include <string.h>

#include "tuf_impl.h"

#define PUTS(b, lit)	json_put_raw((b), (lit), sizeof(lit) - 1)

/*
 * Sign-form strings come from json/ (one implementation of Notary's rules);
 * it also refuses invalid UTF-8 that a caller may have put in a model.
 */
void
tuf_put_sstr(struct json_buf *b, const char *s, size_t n)
{
	json_put_str_form(b, s, n, JSON_FORM_SIGN);
}

/*
 * Go's json.Marshal compacts a RawMessage with HTML escaping. In the sign
 * form these bytes occur only inside strings (there is no whitespace and no
 * structural use of them), so the transformation needs no JSON context.
 */
static const uint8_t file_special[256] = {
	[0x00] = 1, [0x01] = 1, [0x02] = 1, [0x03] = 1, [0x04] = 1, [0x05] = 1,
	[0x06] = 1, [0x07] = 1, [0x08] = 1, [0x09] = 1, [0x0a] = 1, [0x0b] = 1,
	[0x0c] = 1, [0x0d] = 1, [0x0e] = 1, [0x0f] = 1, [0x10] = 1, [0x11] = 1,
	[0x12] = 1, [0x13] = 1, [0x14] = 1, [0x15] = 1, [0x16] = 1, [0x17] = 1,
	[0x18] = 1, [0x19] = 1, [0x1a] = 1, [0x1b] = 1, [0x1c] = 1, [0x1d] = 1,
	[0x1e] = 1, [0x1f] = 1, ['<'] = 1, ['>'] = 1, ['&'] = 1, [0xe2] = 1,
};

/*
 * Eight bytes at a time: whether a word may hold a special byte (a control,
 * < > & or 0xe2). Existence is exact; the byte loop then finds which.
 */
#define W_ONES		UINT64_C(0x0101010101010101)
#define W_HIGHS		UINT64_C(0x8080808080808080)
#define W_ZERO(x)	(((x) - W_ONES) & ~(x) & W_HIGHS)
#define W_BYTE(x, c)	W_ZERO((x) ^ (W_ONES * (uint8_t)(c)))
#define W_LESS(x, n)	(((x) - W_ONES * (n)) & ~(x) & W_HIGHS)

/* First index from i on whose word may hold a special byte (<= n). */
static size_t
skip_plain(const uint8_t *p, size_t i, size_t n)
{
	uint64_t x;

	for (; n - i >= 8; i += 8) {
		memcpy(&x, p + i, 8);
		if (W_LESS(x, 0x20) | W_BYTE(x, '<') | W_BYTE(x, '>') |
		    W_BYTE(x, '&') | W_BYTE(x, 0xe2))
			break;
	}
	return i;
}

/*
 * The file-form escape of the special byte at in[i] (n bytes in all), or
 * 0 when it stays as is (0xe2 not starting U+2028/U+2029). *used is how many
 * input bytes it replaces.
 */
static size_t
escape_at(const uint8_t *in, size_t i, size_t n, char esc[6], size_t *used)
{
	static const char hx[] = "0123456789abcdef";
	uint8_t	 c = in[i];

	*used = 1;
	if (c == 0xe2) {
		if (i + 2 < n && in[i + 1] == 0x80 &&
		    (in[i + 2] == 0xa8 || in[i + 2] == 0xa9)) {
			memcpy(esc, in[i + 2] == 0xa8 ? "\\u2028" : "\\u2029", 6);
			*used = 3;
			return 6;
		}
		return 0;
	}
	esc[0] = '\\';
	if (c == '\n' || c == '\r' || c == '\t') {
		esc[1] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
		return 2;
	}
	memcpy(esc, "\\u00", 4);
	esc[4] = hx[c >> 4];
	esc[5] = hx[c & 15];
	return 6;
}

int
tuf_escape_file_form(const uint8_t *in, size_t n, struct json_buf *b)
{
	size_t	 i, start = 0, el, used;
	char	 esc[6];

	json_buf_reserve(b, n);
	for (i = skip_plain(in, 0, n); i < n; i = skip_plain(in, i + 1, n)) {
		if (!file_special[in[i]] ||
		    (el = escape_at(in, i, n, esc, &used)) == 0)
			continue;
		json_put_raw(b, in + start, i - start);
		json_put_raw(b, esc, el);
		i += used - 1;
		start = i + 1;
	}
	json_put_raw(b, in + start, n - start);
	return b->err ? TUF_ERR_NOMEM : 0;
}

/*
 * Escapes b->data[from..len) into the file form where it lies: one pass
 * counts the growth, a second moves bytes back to front. A file normally
 * has nothing to escape, and then nothing moves; no second buffer either way.
 */
static int
escape_in_place(struct json_buf *b, size_t from)
{
	uint8_t	*p;
	size_t	 i, n, grow = 0, el, used, dst;
	char	 esc[6];

	if (b->err)
		return TUF_ERR_NOMEM;
	p = b->data + from;
	n = b->len - from;
	for (i = skip_plain(p, 0, n); i < n; i = skip_plain(p, i + 1, n))
		if (file_special[p[i]] &&
		    (el = escape_at(p, i, n, esc, &used)) != 0) {
			grow += el - used;
			i += used - 1;
		}
	if (grow == 0)
		return 0;
	json_buf_reserve(b, grow);
	if (b->err)
		return TUF_ERR_NOMEM;
	p = b->data + from;
	dst = n + grow;
	/* Back to front: a special byte is only ever behind its escape. */
	for (i = n; i > 0; i--) {
		size_t	 at = i - 1;

		/* U+2028/9 end in 0xa8/0xa9 after 0xe2 0x80. */
		if ((p[at] == 0xa8 || p[at] == 0xa9) && at >= 2 &&
		    p[at - 1] == 0x80 && p[at - 2] == 0xe2)
			at -= 2;
		if (file_special[p[at]] &&
		    (el = escape_at(p, at, n, esc, &used)) != 0) {
			dst -= el;
			memcpy(p + dst, esc, el);
			i = at + 1;
			continue;
		}
		at = i - 1;
		p[--dst] = p[at];
	}
	b->len += grow;
	return 0;
}

/* Whether the file form of sign[0..n) is exactly file[0..fn). */
int
tuf_file_form_equal(const uint8_t *sign, size_t n, const uint8_t *file,
    size_t fn)
{
	size_t	 i, start = 0, o = 0, el = 0, used = 1, run;
	char	 esc[6];

	/* i never passes n: skip_plain stops at n, and i == n breaks. */
	for (i = skip_plain(sign, 0, n); ; i = skip_plain(sign, i + 1, n)) {
		if (i < n && (!file_special[sign[i]] ||
		    (el = escape_at(sign, i, n, esc, &used)) == 0))
			continue;
		run = i - start;
		if (fn - o < run || memcmp(file + o, sign + start, run) != 0)
			return 0;
		o += run;
		if (i == n)
			break;
		if (fn - o < el || memcmp(file + o, esc, el) != 0)
			return 0;
		o += el;
		i += used - 1;
		start = i + 1;
	}
	return o == fn;
}

static void
put_time(struct json_buf *b, const struct tuf_time *t)
{
	char	 tb[TUF_TIME_MAX];
	size_t	 n = tuf_time_format(t, tb);

	json_put_char(b, '"');
	json_put_raw(b, tb, n);
	json_put_char(b, '"');
}

static void
put_b64str(struct json_buf *b, const uint8_t *p, size_t n)
{
	json_put_char(b, '"');
	tuf_put_b64(b, p, n);
	json_put_char(b, '"');
}

void
tuf_put_filemeta(struct json_buf *b, const struct tuf_filemeta *fm)
{
	json_put_char(b, '{');
	if (fm->custom != NULL) {
		PUTS(b, "\"custom\":");
		json_put_raw(b, fm->custom, fm->custom_len);
		json_put_char(b, ',');
	}
	PUTS(b, "\"hashes\":{");
	if (fm->has_sha256) {
		PUTS(b, "\"sha256\":");
		put_b64str(b, fm->sha256, 32);
	}
	if (fm->has_sha512) {
		if (fm->has_sha256)
			json_put_char(b, ',');
		PUTS(b, "\"sha512\":");
		put_b64str(b, fm->sha512, 64);
	}
	PUTS(b, "},\"length\":");
	json_put_int(b, fm->length);
	json_put_char(b, '}');
}

void
tuf_put_keyset(struct json_buf *b, const struct tuf_keyset *ks)
{
	size_t i;

	json_put_char(b, '{');
	for (i = 0; i < ks->n; i++) {
		const struct tuf_key *k = &ks->keys[i];

		if (i)
			json_put_char(b, ',');
		tuf_put_sstr(b, k->id, strlen(k->id));
		PUTS(b, ":{\"keytype\":");
		tuf_put_sstr(b, k->type, strlen(k->type));
		PUTS(b, ",\"keyval\":{\"private\":null,\"public\":");
		put_b64str(b, k->pub, k->pub_len);
		PUTS(b, "}}");
	}
	json_put_char(b, '}');
}

static void
put_strlist(struct json_buf *b, char *const *v, size_t n)
{
	size_t i;

	json_put_char(b, '[');
	for (i = 0; i < n; i++) {
		if (i)
			json_put_char(b, ',');
		tuf_put_sstr(b, v[i], strlen(v[i]));
	}
	json_put_char(b, ']');
}

static void
put_common_tail(struct json_buf *b, const struct tuf_meta *m)
{
	PUTS(b, ",\"version\":");
	json_put_int(b, m->version);
	json_put_char(b, '}');
}

static void
put_root(struct json_buf *b, const struct tuf_meta *m)
{
	const struct tuf_root	*r = &m->root;
	size_t			 i;

	PUTS(b, "{\"_type\":\"Root\",\"consistent_snapshot\":");
	if (r->consistent_snapshot)
		PUTS(b, "true");
	else
		PUTS(b, "false");
	PUTS(b, ",\"expires\":");
	put_time(b, &m->expires);
	PUTS(b, ",\"keys\":");
	tuf_put_keyset(b, &r->keys);
	PUTS(b, ",\"roles\":{");
	for (i = 0; i < r->nroles; i++) {
		if (i)
			json_put_char(b, ',');
		tuf_put_sstr(b, r->roles[i].name, strlen(r->roles[i].name));
		PUTS(b, ":{\"keyids\":");
		put_strlist(b, r->roles[i].keyids, r->roles[i].nkeyids);
		PUTS(b, ",\"threshold\":");
		json_put_int(b, r->roles[i].threshold);
		json_put_char(b, '}');
	}
	json_put_char(b, '}');
	put_common_tail(b, m);
}

static void
put_targets(struct json_buf *b, const struct tuf_meta *m)
{
	const struct tuf_targets	*t = &m->targets;
	struct tuf_filemeta		 fm;
	const char			*name;
	size_t				 i, nl;

	/* Most of a big file is targets: size the buffer once. */
	json_buf_reserve(b, t->pool_len + t->n * 200 + 512);
	PUTS(b, "{\"_type\":\"Targets\",\"delegations\":{\"keys\":");
	tuf_put_keyset(b, &t->dkeys);
	PUTS(b, ",\"roles\":[");
	for (i = 0; i < t->ndroles; i++) {
		const struct tuf_role *d = &t->droles[i];

		if (i)
			json_put_char(b, ',');
		PUTS(b, "{\"keyids\":");
		put_strlist(b, d->keyids, d->nkeyids);
		PUTS(b, ",\"name\":");
		tuf_put_sstr(b, d->name, strlen(d->name));
		if (d->has_paths) {
			PUTS(b, ",\"paths\":");
			put_strlist(b, d->paths, d->npaths);
		}
		PUTS(b, ",\"threshold\":");
		json_put_int(b, d->threshold);
		json_put_char(b, '}');
	}
	PUTS(b, "]},\"expires\":");
	put_time(b, &m->expires);
	PUTS(b, ",\"targets\":{");
	for (i = 0; i < t->n; i++) {
		if (i)
			json_put_char(b, ',');
		tuf_target_get(t, i, &name, &nl, &fm);
		tuf_put_sstr(b, name, nl);
		json_put_char(b, ':');
		tuf_put_filemeta(b, &fm);
	}
	json_put_char(b, '}');
	put_common_tail(b, m);
}

static void
put_filemetas(struct json_buf *b, const struct tuf_meta *m, const char *type)
{
	size_t i;

	PUTS(b, "{\"_type\":");
	json_put_raw(b, type, strlen(type));
	PUTS(b, ",\"expires\":");
	put_time(b, &m->expires);
	PUTS(b, ",\"meta\":{");
	for (i = 0; i < m->nmeta; i++) {
		if (i)
			json_put_char(b, ',');
		tuf_put_sstr(b, m->meta[i].name, strlen(m->meta[i].name));
		json_put_char(b, ':');
		tuf_put_filemeta(b, &m->meta[i].fm);
	}
	json_put_char(b, '}');
	put_common_tail(b, m);
}

int
tuf_meta_write_signed(const struct tuf_meta *m, struct json_buf *b)
{
	if (m == NULL || b == NULL)
		return TUF_ERR_INVAL;
	switch (m->type) {
	case TUF_ROOT:
		put_root(b, m);
		break;
	case TUF_TARGETS:
		put_targets(b, m);
		break;
	case TUF_SNAPSHOT:
		put_filemetas(b, m, "\"Snapshot\"");
		break;
	case TUF_TIMESTAMP:
		put_filemetas(b, m, "\"Timestamp\"");
		break;
	default:
		return TUF_ERR_INVAL;
	}
	/* Besides memory, json/ refuses strings a caller set that are not UTF-8. */
	if (b->err)
		return b->err == JSON_ERR_NOMEM ? TUF_ERR_NOMEM : TUF_ERR_INVAL;
	return 0;
}

int
tuf_meta_write(const struct tuf_meta *m, struct json_buf *b)
{
	struct json_buf	 sigs;
	size_t		 i, from;
	int		 r;

	if (m == NULL || b == NULL)
		return TUF_ERR_INVAL;
	json_buf_init(&sigs);
	PUTS(b, "{\"signed\":");
	/* Straight into b, then escaped where it lies: no copy of a big file. */
	from = b->len;
	if ((r = tuf_meta_write_signed(m, b)) != 0 ||
	    (r = escape_in_place(b, from)) != 0)
		goto out;
	PUTS(&sigs, ",\"signatures\":[");
	for (i = 0; i < m->nsigs; i++) {
		const struct tuf_sig *g = &m->sigs[i];

		if (i)
			json_put_char(&sigs, ',');
		PUTS(&sigs, "{\"keyid\":");
		tuf_put_sstr(&sigs, g->keyid, strlen(g->keyid));
		PUTS(&sigs, ",\"method\":");
		tuf_put_sstr(&sigs, g->method, strlen(g->method));
		PUTS(&sigs, ",\"sig\":");
		put_b64str(&sigs, g->sig, g->sig_len);
		json_put_char(&sigs, '}');
	}
	PUTS(&sigs, "]}");
	if (sigs.err) {
		r = TUF_ERR_NOMEM;
		goto out;
	}
	r = tuf_escape_file_form(sigs.data, sigs.len, b);
out:
	json_buf_cleanup(&sigs);
	return r;
}
