/* SPDX-License-Identifier: Apache-2.0 */
/* Small codecs: RFC 3339 times as Go writes them, base64, hex, role names. */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "tuf_impl.h"

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's method). */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t		 era;
	unsigned	 yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void
civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t		 era;
	unsigned	 doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	*y = (int64_t)yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y += *m <= 2;
}

static int
digits(const char *s, size_t n, unsigned *out)
{
	unsigned v = 0;
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	*out = v;
	return 0;
}

static unsigned
month_days(int64_t y, unsigned m)
{
	static const unsigned md[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30,
	    31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : md[m - 1];
}

int
tuf_time_parse(const char *s, size_t n, struct tuf_time *out)
{
	unsigned	 y, mo, d, h, mi, se, oh, om, f = 0;
	size_t		 i, nd = 0;
	int32_t		 off = 0;

	memset(out, 0, sizeof(*out));
	/* Go's time.Parse(RFC3339): fixed fields, 'T', optional fraction. */
	if (n < 20 || digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) ||
	    s[7] != '-' || digits(s + 8, 2, &d) || s[10] != 'T' ||
	    digits(s + 11, 2, &h) || s[13] != ':' || digits(s + 14, 2, &mi) ||
	    s[16] != ':' || digits(s + 17, 2, &se))
		return TUF_ERR_TIME;
	if (mo < 1 || mo > 12 || d < 1 || d > month_days(y, mo) || h > 23 ||
	    mi > 59 || se > 59)
		return TUF_ERR_TIME;
	i = 19;
	if (s[i] == '.') {
		for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
			if (++nd > 9)
				return TUF_ERR_TIME;
			f = f * 10 + (unsigned)(s[i] - '0');
		}
		if (nd == 0)
			return TUF_ERR_TIME;
		for (; nd < 9; nd++)
			f *= 10;
	}
	if (i + 1 == n && s[i] == 'Z') {
		off = 0;
	} else if (i + 6 == n && (s[i] == '+' || s[i] == '-') &&
	    !digits(s + i + 1, 2, &oh) && s[i + 3] == ':' &&
	    !digits(s + i + 4, 2, &om) && oh < 24 && om < 60) {
		off = (int32_t)(oh * 3600 + om * 60);
		if (s[i] == '-')
			off = -off;
	} else
		return TUF_ERR_TIME;
	out->sec = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 +
	    se - off;
	out->nsec = (int32_t)f;
	out->offset = off;
	return 0;
}

size_t
tuf_time_format(const struct tuf_time *t, char *buf)
{
	int64_t		 local = t->sec + t->offset, days, y;
	int64_t		 rem;
	unsigned	 m, d, h, mi, se, i;
	size_t		 n = 0;
	char		 frac[10];
	int32_t		 off;

	days = local / 86400;
	rem = local % 86400;
	if (rem < 0) {
		rem += 86400;
		days--;
	}
	civil_from_days(days, &y, &m, &d);
	if (y < 0 || y > 9999)
		y = y < 0 ? 0 : 9999;	/* callers validate; never overflow buf */
	h = (unsigned)(rem / 3600);
	mi = (unsigned)(rem / 60 % 60);
	se = (unsigned)(rem % 60);
#define D2(v) do { buf[n++] = (char)('0' + (v) / 10); buf[n++] = (char)('0' + (v) % 10); } while (0)
	buf[n++] = (char)('0' + y / 1000);
	buf[n++] = (char)('0' + y / 100 % 10);
	buf[n++] = (char)('0' + y / 10 % 10);
	buf[n++] = (char)('0' + y % 10);
	buf[n++] = '-'; D2(m); buf[n++] = '-'; D2(d); buf[n++] = 'T';
	D2(h); buf[n++] = ':'; D2(mi); buf[n++] = ':'; D2(se);
	if (t->nsec > 0 && t->nsec < 1000000000) {
		int32_t v = t->nsec;
		for (i = 9; i > 0; i--) {
			frac[i - 1] = (char)('0' + v % 10);
			v /= 10;
		}
		for (i = 9; i > 0 && frac[i - 1] == '0'; i--)
			;
		buf[n++] = '.';
		memcpy(buf + n, frac, i);
		n += i;
	}
	off = t->offset;
	if (off == 0)
		buf[n++] = 'Z';
	else {
		buf[n++] = off < 0 ? '-' : '+';
		if (off < 0)
			off = -off;
		D2((unsigned)(off / 3600));
		buf[n++] = ':';
		D2((unsigned)(off / 60 % 60));
	}
#undef D2
	buf[n] = '\0';
	return n;
}

struct tuf_time
tuf_time_from_sec(int64_t sec)
{
	struct tuf_time t = { sec, 0, 0 };

	return t;
}

void
tuf_hex(const uint8_t *p, size_t n, char *out)
{
	static const char hx[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hx[p[i] >> 4];
		out[2 * i + 1] = hx[p[i] & 15];
	}
	out[2 * n] = '\0';
}

void
tuf_put_b64(struct json_buf *b, const uint8_t *p, size_t n)
{
	size_t	 need = 4 * ((n + 2) / 3);

	if (b->err)
		return;
	json_buf_reserve(b, need + 1);
	if (b->err)
		return;
	/* EVP_EncodeBlock writes a NUL after the text; reserve covered it. */
	while (n > 0) {
		size_t chunk = n > 3 * 4096 ? 3 * 4096 : n;
		int w = EVP_EncodeBlock(b->data + b->len, p, (int)chunk);
		b->len += (size_t)w;
		p += chunk;
		n -= chunk;
	}
}

int
tuf_b64_encode(const uint8_t *in, size_t n, struct json_buf *b)
{
	tuf_put_b64(b, in, n);
	return b->err ? TUF_ERR_NOMEM : 0;
}

/* Value of a base64 character, 64 for anything else. */
static const uint8_t b64tab[256] = {
#define X64 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64
	X64, X64,
	64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 62, 64, 64, 64, 63,
	52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 64, 64, 64, 64, 64, 64,
	64, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
	15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 64, 64, 64, 64, 64,
	64, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
	41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 64, 64, 64, 64, 64,
	X64, X64, X64, X64, X64, X64, X64, X64,
#undef X64
};

/*
 * Strict: padded, no whitespace, zero trailing bits (so re-encoding is
 * exact). Decodes into out (cap bytes) with no scratch copy: whole quads
 * through the table, the last quad alone for its padding. -1 when bad or
 * when the bytes would not fit.
 */
static int
b64_decode_into(const char *in, size_t n, uint8_t *out, size_t cap,
    size_t *outlen)
{
	const uint8_t	*s = (const uint8_t *)in;
	size_t		 i, o = 0, last;
	unsigned	 a0, a1, a2, a3;

	*outlen = 0;
	if (n % 4 != 0)
		return -1;
	if (n == 0)
		return 0;
	last = n - 4;
	if (last / 4 * 3 > cap)
		return -1;
	for (i = 0; i < last; i += 4) {
		a0 = b64tab[s[i]];
		a1 = b64tab[s[i + 1]];
		a2 = b64tab[s[i + 2]];
		a3 = b64tab[s[i + 3]];
		if ((a0 | a1 | a2 | a3) >= 64)
			return -1;
		out[o] = (uint8_t)(a0 << 2 | a1 >> 4);
		out[o + 1] = (uint8_t)((a1 & 15) << 4 | a2 >> 2);
		out[o + 2] = (uint8_t)((a2 & 3) << 6 | a3);
		o += 3;
	}
	a0 = b64tab[s[last]];
	a1 = b64tab[s[last + 1]];
	if ((a0 | a1) >= 64)
		return -1;
	if (s[last + 2] == '=' && s[last + 3] == '=') {
		/* One byte; the 4 bits left over must be zero. */
		if ((a1 & 15) != 0 || cap - o < 1)
			return -1;
		out[o++] = (uint8_t)(a0 << 2 | a1 >> 4);
	} else if (s[last + 3] == '=') {
		if ((a2 = b64tab[s[last + 2]]) >= 64 || (a2 & 3) != 0 ||
		    cap - o < 2)
			return -1;
		out[o++] = (uint8_t)(a0 << 2 | a1 >> 4);
		out[o++] = (uint8_t)((a1 & 15) << 4 | a2 >> 2);
	} else {
		a2 = b64tab[s[last + 2]];
		a3 = b64tab[s[last + 3]];
		if ((a2 | a3) >= 64 || cap - o < 3)
			return -1;
		out[o++] = (uint8_t)(a0 << 2 | a1 >> 4);
		out[o++] = (uint8_t)((a1 & 15) << 4 | a2 >> 2);
		out[o++] = (uint8_t)((a2 & 3) << 6 | a3);
	}
	*outlen = o;
	return 0;
}

int
tuf_b64_decode(const char *in, size_t n, uint8_t **out, size_t *outlen)
{
	uint8_t	*p;
	size_t	 len, cap = n / 4 * 3;

	*out = NULL;
	*outlen = 0;
	if ((p = malloc(cap + 1)) == NULL)
		return TUF_ERR_NOMEM;
	if (b64_decode_into(in, n, p, cap, &len) != 0) {
		free(p);
		return TUF_ERR_BASE64;
	}
	*out = p;
	*outlen = len;
	return 0;
}

int
tuf_b64_decode_fixed(const char *in, size_t n, uint8_t *out, size_t want)
{
	size_t	 len;

	/* On failure out may be partly written; callers drop it then. */
	if (n != 4 * ((want + 2) / 3) ||
	    b64_decode_into(in, n, out, want, &len) != 0 || len != want)
		return -1;
	return 0;
}

int
tuf_is_base_role(const char *name)
{
	return strcmp(name, "root") == 0 || strcmp(name, "targets") == 0 ||
	    strcmp(name, "snapshot") == 0 || strcmp(name, "timestamp") == 0;
}

/*
 * Notary's IsDelegation: "targets/" prefix, [-a-z0-9_/] only, < 256 bytes,
 * and path.Clean leaves it unchanged (no "//", no trailing "/", no "." or
 * ".." elements).
 */
int
tuf_is_delegation(const char *name)
{
	size_t	 n = strlen(name), i, seg;

	if (n >= 256 || n <= 8 || strncmp(name, "targets/", 8) != 0)
		return 0;
	for (i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '/'))
			return 0;
	}
	if (name[n - 1] == '/')
		return 0;
	for (i = 0; i < n; i = seg + 1) {
		seg = i;
		while (seg < n && name[seg] != '/')
			seg++;
		if (seg == i)
			return 0;
		if ((seg - i == 1 && name[i] == '.') ||
		    (seg - i == 2 && name[i] == '.' && name[i + 1] == '.'))
			return 0;
	}
	return 1;
}

enum tuf_role_type
tuf_role_type_of(const char *name)
{
	if (strcmp(name, "root") == 0)
		return TUF_ROOT;
	if (strcmp(name, "snapshot") == 0)
		return TUF_SNAPSHOT;
	if (strcmp(name, "timestamp") == 0)
		return TUF_TIMESTAMP;
	if (strcmp(name, "targets") == 0 || tuf_is_delegation(name))
		return TUF_TARGETS;
	return 0;
}

void
tuf_role_parent(const char *name, char *buf, size_t cap)
{
	const char	*slash = strrchr(name, '/');
	size_t		 n = slash != NULL ? (size_t)(slash - name) : 0;

	if (cap == 0)
		return;
	if (n >= cap)
		n = cap - 1;
	memcpy(buf, name, n);
	buf[n] = '\0';
}

char *
tuf_strndup(const char *s, size_t n)
{
	char *p = malloc(n + 1);

	if (p == NULL)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}
