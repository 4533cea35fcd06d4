/* SPDX-License-Identifier: Apache-2.0 */
/* UTF-8 validation shared by the reader and the writer (RFC 3629 table 3-7). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "json_impl.h"

int
json_utf8_seq(const uint8_t *p, size_t n, const char **why)
{
	uint8_t	 c0 = p[0], lo = 0x80, hi = 0xbf;
	size_t	 need, i;

	if (c0 < 0x80) {
		*why = "not a multi-byte sequence";
		return 0;
	}
	if (c0 < 0xc0) {
		*why = "stray continuation byte";
		return 0;
	}
	if (c0 < 0xc2) {
		*why = "overlong sequence";
		return 0;
	}
	if (c0 < 0xe0)
		need = 2;
	else if (c0 < 0xf0) {
		need = 3;
		if (c0 == 0xe0)
			lo = 0xa0;	/* below is an overlong encoding */
		else if (c0 == 0xed)
			hi = 0x9f;	/* above is a surrogate D800-DFFF */
	} else if (c0 < 0xf5) {
		need = 4;
		if (c0 == 0xf0)
			lo = 0x90;	/* below is an overlong encoding */
		else if (c0 == 0xf4)
			hi = 0x8f;	/* above is past U+10FFFF */
	} else {
		*why = "code point above U+10FFFF";
		return 0;
	}
	if (n < 2)
		goto cut;
	if (p[1] < lo || p[1] > hi) {
		if (p[1] >= 0x80 && p[1] <= 0xbf) {
			if (c0 == 0xed)
				*why = "encoded surrogate";
			else if (c0 == 0xf4)
				*why = "code point above U+10FFFF";
			else
				*why = "overlong sequence";
		} else
			*why = "truncated sequence";
		return 0;
	}
	for (i = 2; i < need; i++) {
		if (i >= n)
			goto cut;
		if (p[i] < 0x80 || p[i] > 0xbf) {
			*why = "truncated sequence";
			return 0;
		}
	}
	return (int)need;
cut:
	*why = "sequence cut short by the end of the input";
	return -1;
}
