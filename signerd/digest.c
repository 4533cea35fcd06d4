/* SPDX-License-Identifier: Apache-2.0 */
/* SHA-256 and hex for signerd's records: one copy for the ledger, audit log and ops. */
#include <openssl/evp.h>

#include "digest.h"

int
signerd_sha256(const void *p, size_t n, uint8_t out[SIGNERD_SHA256_LEN])
{
	unsigned int olen = 0;

	if (EVP_Digest(p, n, out, &olen, EVP_sha256(), NULL) != 1 ||
	    olen != SIGNERD_SHA256_LEN)
		return -1;
	return 0;
}

void
signerd_hex(const uint8_t *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}
