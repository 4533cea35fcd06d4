/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzzes hsm/'s backup-blob parser, the part of an unwrap that reads bytes
 * from outside before any token is touched: a blob it accepts has every
 * field inside the input, a restored label without NUL bytes, and writes
 * back to exactly the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hsm_int.h"

static int
inside(const unsigned char *p, size_t n, const uint8_t *data, size_t size)
{
	return p >= data && n <= size && (size_t)(p - data) <= size - n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hsm_backup_blob b, again;
	unsigned char *enc = NULL;
	size_t n;

	if (hsm_backup_blob_parse(data, size, &b) != 0)
		return 0;
	if (b.idlen != 32 || !inside(b.id, b.idlen, data, size) ||
	    !inside(b.label, b.labellen, data, size) ||
	    !inside(b.spki, b.spkilen, data, size) ||
	    !inside(b.wrapped, b.wrappedlen, data, size) ||
	    b.wrappedlen < 16 || b.wrappedlen % 8 != 0 ||
	    b.type > HSM_KEY_RSA3072 || b.labellen > HSM_LABEL_MAX ||
	    memchr(b.label, '\0', b.labellen) != NULL ||
	    strlen(b.restored_label) > HSM_LABEL_MAX)
		abort();
	/* What was accepted is written back byte for byte. */
	if (hsm_backup_blob_encode(&b, &enc, &n) != 0 || n != size ||
	    memcmp(enc, data, size) != 0)
		abort();
	if (hsm_backup_blob_parse(enc, n, &again) != 0 ||
	    strcmp(again.restored_label, b.restored_label) != 0)
		abort();
	free(enc);
	return 0;
}
