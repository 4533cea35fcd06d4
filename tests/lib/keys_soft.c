/* SPDX-License-Identifier: Apache-2.0 */
/*
 * keys_soft: the key backend interface over OpenSSL keys held in memory.
 * For unit tests and the fuzzer only: nothing here protects a key.
 */
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keys_soft.h"
#include "tuf.h"

struct soft_key {
	EVP_PKEY	*pk;
	char		 id[KEYS_ID_LEN + 1];
	char		 role[80];
	char		 gun[256];
	int		 slot;
	uint8_t		*spki;
	size_t		 spki_len;
};

struct soft {
	pthread_mutex_t	  mu;
	struct soft_key	**k;
	size_t		  n;
	int		  root_mode;
	int		  root_unlocked;
};

static int
slot_of(struct soft *s, int slot)
{
	return slot == KEYS_ROOT && s->root_mode == 0 ? KEYS_ONLINE : slot;
}

static int
usable(struct soft *s, int slot)
{
	return slot_of(s, slot) == KEYS_ONLINE || s->root_unlocked;
}

static int
s_generate(void *ctx, int slot, const char *role, const char *gun, void **key,
    char *msg, size_t msglen)
{
	struct soft *s = ctx;
	struct soft_key *k, **nk;
	unsigned char *p;
	int len;

	*key = NULL;
	if (!usable(s, slot)) {
		snprintf(msg, msglen, "the root token is locked");
		return KEYS_ERR_LOCKED;
	}
	if ((k = calloc(1, sizeof(*k))) == NULL)
		return KEYS_ERR_NOMEM;
	k->slot = slot_of(s, slot);
	snprintf(k->role, sizeof(k->role), "%s", role);
	snprintf(k->gun, sizeof(k->gun), "%s", gun);
	if ((k->pk = EVP_EC_gen("P-256")) == NULL ||
	    (len = i2d_PUBKEY(k->pk, NULL)) <= 0 ||
	    (k->spki = malloc((size_t)len)) == NULL)
		goto fail;
	p = k->spki;
	k->spki_len = (size_t)i2d_PUBKEY(k->pk, &p);
	if (tuf_key_id("ecdsa", k->spki, k->spki_len, k->id) != 0)
		goto fail;
	pthread_mutex_lock(&s->mu);
	if ((nk = realloc(s->k, (s->n + 1) * sizeof(*nk))) == NULL) {
		pthread_mutex_unlock(&s->mu);
		goto fail;
	}
	s->k = nk;
	s->k[s->n++] = k;
	pthread_mutex_unlock(&s->mu);
	*key = k;
	return 0;
fail:
	EVP_PKEY_free(k->pk);
	free(k->spki);
	free(k);
	return KEYS_ERR_TOKEN;
}

static int
s_find(void *ctx, int slot, const char *id, void **key)
{
	struct soft *s = ctx;
	size_t i;
	int r = KEYS_ERR_NOT_FOUND;

	*key = NULL;
	if (!usable(s, slot) || (slot == KEYS_ROOT && s->root_mode == 0))
		return KEYS_ERR_NOT_FOUND;
	pthread_mutex_lock(&s->mu);
	for (i = 0; i < s->n; i++)
		if (s->k[i]->slot == slot && strcmp(s->k[i]->id, id) == 0) {
			*key = s->k[i];
			r = 0;
			break;
		}
	pthread_mutex_unlock(&s->mu);
	return r;
}

static int
s_list(void *ctx, int slot, struct keys_info **out, size_t *n)
{
	struct soft *s = ctx;
	struct keys_info *v;
	size_t i, k = 0;

	*out = NULL;
	*n = 0;
	if (!usable(s, slot) || (slot == KEYS_ROOT && s->root_mode == 0))
		return 0;
	pthread_mutex_lock(&s->mu);
	if ((v = calloc(s->n ? s->n : 1, sizeof(*v))) == NULL) {
		pthread_mutex_unlock(&s->mu);
		return KEYS_ERR_NOMEM;
	}
	for (i = 0; i < s->n; i++) {
		if (s->k[i]->slot != slot)
			continue;
		memcpy(v[k].id, s->k[i]->id, sizeof(v[k].id));
		memcpy(v[k].role, s->k[i]->role, sizeof(v[k].role));
		memcpy(v[k].gun, s->k[i]->gun, sizeof(v[k].gun));
		v[k].slot = slot;
		k++;
	}
	pthread_mutex_unlock(&s->mu);
	*out = v;
	*n = k;
	return 0;
}

static const char *
s_key_id(void *key)
{
	return ((struct soft_key *)key)->id;
}

static int
s_key_spki(void *key, const uint8_t **der, size_t *len)
{
	struct soft_key *k = key;

	*der = k->spki;
	*len = k->spki_len;
	return 0;
}

static int
add_ext(X509 *x, int nid, const char *value)
{
	X509V3_CTX v3;
	X509_EXTENSION *ex;
	int r;

	X509V3_set_ctx_nodb(&v3);
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	if ((ex = X509V3_EXT_conf_nid(NULL, &v3, nid, value)) == NULL)
		return -1;
	r = X509_add_ext(x, ex, -1) == 1 ? 0 : -1;
	X509_EXTENSION_free(ex);
	return r;
}

static int
s_key_cert(void *key, const char *gun, unsigned days, uint8_t **der,
    size_t *len)
{
	struct soft_key *k = key;
	X509 *x = NULL;
	X509_NAME *nm;
	BIGNUM *bn = NULL;
	unsigned char serial[16], *p;
	int n, r = KEYS_ERR_TOKEN;

	*der = NULL;
	*len = 0;
	if ((x = X509_new()) == NULL || X509_set_version(x, 2) != 1 ||
	    RAND_bytes(serial, sizeof(serial)) != 1)
		goto out;
	serial[0] &= 0x7f;
	if ((bn = BN_bin2bn(serial, sizeof(serial), NULL)) == NULL ||
	    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) == NULL)
		goto out;
	nm = X509_get_subject_name(x);
	if (X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_UTF8,
	    (const unsigned char *)gun, -1, -1, 0) != 1 ||
	    X509_set_issuer_name(x, nm) != 1 ||
	    X509_gmtime_adj(X509_getm_notBefore(x), 0) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(x),
	    (long)(days ? days : 3650) * 86400) == NULL ||
	    X509_set_pubkey(x, k->pk) != 1 ||
	    add_ext(x, NID_key_usage,
	    "critical,digitalSignature,keyEncipherment") != 0 ||
	    add_ext(x, NID_ext_key_usage, "codeSigning") != 0 ||
	    add_ext(x, NID_basic_constraints, "critical,CA:FALSE") != 0 ||
	    X509_sign(x, k->pk, EVP_sha256()) <= 0)
		goto out;
	if ((n = i2d_X509(x, NULL)) <= 0 || (*der = malloc((size_t)n)) == NULL)
		goto out;
	p = *der;
	*len = (size_t)i2d_X509(x, &p);
	r = 0;
out:
	BN_free(bn);
	X509_free(x);
	return r;
}

static int
s_key_sign(void *key, const uint8_t *msg, size_t len, uint8_t *sig,
    size_t cap, size_t *siglen)
{
	struct soft_key *k = key;
	EVP_MD_CTX *md = NULL;
	ECDSA_SIG *es = NULL;
	unsigned char der[128];
	const unsigned char *p = der;
	const BIGNUM *r, *s;
	size_t dl = sizeof(der);
	int rc = KEYS_ERR_TOKEN;

	*siglen = 0;
	if (cap < 64)
		return KEYS_ERR_INVAL;
	if ((md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, k->pk) != 1 ||
	    EVP_DigestSign(md, der, &dl, msg, len) != 1 ||
	    (es = d2i_ECDSA_SIG(NULL, &p, (long)dl)) == NULL)
		goto out;
	ECDSA_SIG_get0(es, &r, &s);
	if (BN_bn2binpad(r, sig, 32) != 32 || BN_bn2binpad(s, sig + 32, 32) != 32)
		goto out;
	*siglen = 64;
	rc = 0;
out:
	ECDSA_SIG_free(es);
	EVP_MD_CTX_free(md);
	return rc;
}

static void
s_key_free(void *key)
{
	(void)key;	/* handles are views of the backend's own keys */
}

static int
s_unlock(void *ctx, int slot, char *pin, size_t pinlen, char *msg,
    size_t msglen)
{
	struct soft *s = ctx;
	int ok;

	ok = pinlen == strlen(KEYS_SOFT_ROOT_PIN) &&
	    memcmp(pin, KEYS_SOFT_ROOT_PIN, pinlen) == 0;
	explicit_bzero(pin, pinlen);
	if (slot != KEYS_ROOT || s->root_mode != 2) {
		snprintf(msg, msglen, "no root token to unlock");
		return KEYS_ERR_UNAVAILABLE;
	}
	if (!ok) {
		snprintf(msg, msglen, "PIN incorrect");
		return KEYS_ERR_PIN;
	}
	s->root_unlocked = 1;
	return 0;
}

static void
s_lock(void *ctx, int slot)
{
	struct soft *s = ctx;

	if (slot == KEYS_ROOT && s->root_mode == 2)
		s->root_unlocked = 0;
}

static void
s_state(void *ctx, int slot, int *present, int *unlocked, int *permanent)
{
	struct soft *s = ctx;

	if (slot == KEYS_ONLINE) {
		*present = *unlocked = *permanent = 1;
		return;
	}
	*present = s->root_mode == 0 ? 2 : 1;
	*unlocked = s->root_mode != 2 || s->root_unlocked;
	*permanent = s->root_mode != 2;
}

static void
s_free(void *ctx)
{
	struct soft *s = ctx;
	size_t i;

	for (i = 0; i < s->n; i++) {
		EVP_PKEY_free(s->k[i]->pk);
		free(s->k[i]->spki);
		free(s->k[i]);
	}
	free(s->k);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

static const struct keys_backend_ops soft_ops = {
	s_generate, s_find, s_list, s_key_id, s_key_spki, s_key_cert,
	s_key_sign, s_key_free, s_unlock, s_lock, s_state, s_free,
};

int
keys_soft_new(int root_mode, const struct keys_backend_ops **ops, void **ctx)
{
	struct soft *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return KEYS_ERR_NOMEM;
	pthread_mutex_init(&s->mu, NULL);
	s->root_mode = root_mode;
	s->root_unlocked = root_mode == 1;
	*ops = &soft_ops;
	*ctx = s;
	return 0;
}
