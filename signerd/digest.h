/* SPDX-License-Identifier: Apache-2.0 */
/* Private to signerd/: the SHA-256 and hex helpers the ledger, audit log and ops share. */
#ifndef SIGNERD_DIGEST_H
#define SIGNERD_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#define SIGNERD_SHA256_LEN 32

/* out = SHA-256(p[0..n)). Returns 0, or -1 when OpenSSL fails (out of memory). */
int signerd_sha256(const void *p, size_t n, uint8_t out[SIGNERD_SHA256_LEN]);
/* Lowercase hex of p[0..n) into out, which holds 2n + 1 bytes; NUL-terminated. */
void signerd_hex(const uint8_t *p, size_t n, char *out);

#endif /* SIGNERD_DIGEST_H */
