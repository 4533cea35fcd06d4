/* SPDX-License-Identifier: Apache-2.0 */
/* Signing a model through caller callbacks: tuf/ never holds a private key. */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "tuf_impl.h"

#define SIG_MAX	1024	/* RSA 8192 fits; ECDSA and ed25519 need 64..132 */

int
tuf_meta_sign(struct tuf_meta *m, const struct tuf_signer *signers, size_t n,
    struct tuf_error *err)
{
	struct json_buf	 msg;
	struct tuf_sig	*sigs = NULL;
	uint8_t		 raw[SIG_MAX];
	const char	*method;
	size_t		 i, j, len;
	int		 r;

	if (err != NULL)
		memset(err, 0, sizeof(*err));
	if (m == NULL || (n > 0 && signers == NULL) || n == 0 || n > 64)
		return tuf_err(err, TUF_ERR_INVAL, NULL, "bad argument");
	json_buf_init(&msg);
	if ((r = tuf_meta_write_signed(m, &msg)) != 0) {
		r = tuf_err(err, r, m->role, "cannot serialize: %s",
		    tuf_strerror(r));
		goto out;
	}
	if ((sigs = calloc(n, sizeof(*sigs))) == NULL) {
		r = tuf_err(err, TUF_ERR_NOMEM, m->role, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		const struct tuf_signer *s = &signers[i];

		if (s->key == NULL || s->sign == NULL) {
			r = tuf_err(err, TUF_ERR_INVAL, m->role,
			    "signer %zu has no key or callback", i);
			goto out;
		}
		if ((method = tuf_key_method(s->key)) == NULL) {
			r = tuf_err(err, TUF_ERR_UNSUPPORTED, m->role,
			    "no Notary signature method for key type %.32s",
			    s->key->type);
			goto out;
		}
		len = 0;
		if (s->sign(s->ctx, s->key, msg.data, msg.len, raw, sizeof(raw),
		    &len) != 0 || len == 0 || len > sizeof(raw)) {
			r = tuf_err(err, TUF_ERR_SIGN, m->role,
			    "signing with key %s failed", s->key->id);
			goto out;
		}
		memcpy(sigs[i].keyid, s->key->id, sizeof(sigs[i].keyid));
		if ((sigs[i].method = strdup(method)) == NULL ||
		    (sigs[i].sig = malloc(len)) == NULL) {
			r = tuf_err(err, TUF_ERR_NOMEM, m->role,
			    "out of memory");
			goto out;
		}
		memcpy(sigs[i].sig, raw, len);
		sigs[i].sig_len = len;
	}
	for (j = 0; j < m->nsigs; j++) {
		free(m->sigs[j].method);
		free(m->sigs[j].sig);
	}
	free(m->sigs);
	m->sigs = sigs;
	m->nsigs = n;
	sigs = NULL;	/* transferred */
	/* What was just signed is now the model's message (verifiable as parsed). */
	free(m->signed_msg);
	m->signed_msg = NULL;
	m->signed_msg_len = 0;
	(void)json_buf_detach(&msg, &m->signed_msg, &m->signed_msg_len);
	r = 0;
out:
	if (sigs != NULL) {
		for (i = 0; i < n; i++) {
			free(sigs[i].method);
			free(sigs[i].sig);
		}
		free(sigs);
	}
	OPENSSL_cleanse(raw, sizeof(raw));
	json_buf_cleanup(&msg);
	return r;
}
