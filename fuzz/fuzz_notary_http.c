/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target: what a Notary server or auth realm sends notary_http that it
 * parses: a WWW-Authenticate value and an error body, both untrusted.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "notary_http_impl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
printable_or_abort(const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);

	if (n == cap)
		abort();
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct notary_http_challenge c;
	struct notary_http_error e;

	if (notary_http_challenge_parse((const char *)data, size, &c) == 0) {
		if (c.realm[0] == '\0' ||
		    strnlen(c.realm, sizeof(c.realm)) == sizeof(c.realm) ||
		    strnlen(c.scope, sizeof(c.scope)) == sizeof(c.scope) ||
		    strnlen(c.service, sizeof(c.service)) == sizeof(c.service))
			abort();
	}
	notary_http_error_decode(400, data, size, &e);
	printable_or_abort(e.code, sizeof(e.code));
	printable_or_abort(e.reason, sizeof(e.reason));
	printable_or_abort(e.role, sizeof(e.role));
	printable_or_abort(e.message, sizeof(e.message));
	return 0;
}
