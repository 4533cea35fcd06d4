/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: tuf/'s key extraction from untrusted bytes, as a certificate's DER (walked to its SPKI) and as an SPKI. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/pem.h>

#include "tuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
try_key(const char *type, const uint8_t *pub, size_t len)
{
	static const uint8_t msg[] = "{\"signed\":{}}";
	uint8_t sig[64];
	struct tuf_key k;

	memset(sig, 0x5a, sizeof(sig));
	if (tuf_key_init(&k, type, pub, len) != 0)
		return;
	/* No random key verifies a fixed signature: a 0 is a broken check. */
	if (tuf_sig_verify(&k, "ecdsa", sig, sizeof(sig), msg,
	    sizeof(msg) - 1) == 0)
		abort();
	tuf_key_cleanup(&k);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	BIO *bio;
	char *pem;
	long n;

	if (size > 8192)
		return 0;
	try_key("ecdsa", data, size);
	if ((bio = BIO_new(BIO_s_mem())) == NULL)
		return 0;
	if (PEM_write_bio(bio, PEM_STRING_X509, "", data, (long)size) > 0 &&
	    (n = BIO_get_mem_data(bio, &pem)) > 0)
		try_key("ecdsa-x509", (const uint8_t *)pem, (size_t)n);
	BIO_free(bio);
	return 0;
}
