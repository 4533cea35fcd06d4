/* SPDX-License-Identifier: Apache-2.0 */
/* keys_hsm: the key backend over hsm/ (the online token and the root token). */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "hsm.h"
#include "keys.h"

#define LABEL_PREFIX "signerd:"

struct hsm_be {
	struct hsm_config	 cfg[2];
	struct hsm_token	*tok[2];
	int			 root_shared;	/* root keys on the online token */
	int			 root_permanent;/* root PIN file */
	int			 root_configured;
	pthread_mutex_t		 mu;		/* tok[KEYS_ROOT] changes */
};

static int
map_err(int r)
{
	switch (r) {
	case 0:				return 0;
	case HSM_ERR_NO_MEMORY:		return KEYS_ERR_NOMEM;
	case HSM_ERR_KEY_NOT_FOUND:	return KEYS_ERR_NOT_FOUND;
	case HSM_ERR_LOGIN_REQUIRED:	return KEYS_ERR_LOCKED;
	case HSM_ERR_PIN_INCORRECT:
	case HSM_ERR_LOGIN_LOCKED:
	case HSM_ERR_PIN_SOURCE:	return KEYS_ERR_PIN;
	case HSM_ERR_INVALID_ARG:	return KEYS_ERR_INVAL;
	}
	return KEYS_ERR_TOKEN;
}

/* The token serving slot, or NULL (root token locked). */
static struct hsm_token *
tok_of(struct hsm_be *b, int slot)
{
	struct hsm_token *t;

	if (slot == KEYS_ROOT && b->root_shared)
		slot = KEYS_ONLINE;
	pthread_mutex_lock(&b->mu);
	t = b->tok[slot];
	pthread_mutex_unlock(&b->mu);
	return t;
}

static int
be_generate(void *ctx, int slot, const char *role, const char *gun,
    void **key, char *msg, size_t msglen)
{
	struct hsm_be *b = ctx;
	struct hsm_keygen spec = { HSM_KEY_ECDSA_P256, role, gun, 0 };
	struct hsm_token *t;
	int r;

	*key = NULL;
	if ((t = tok_of(b, slot)) == NULL) {
		snprintf(msg, msglen, "the root token is locked");
		return KEYS_ERR_LOCKED;
	}
	r = hsm_key_generate(t, &spec, (struct hsm_key **)key);
	if (r != 0)
		snprintf(msg, msglen, "%s", hsm_error_detail());
	return map_err(r);
}

static int
be_find(void *ctx, int slot, const char *id, void **key)
{
	struct hsm_be *b = ctx;
	struct hsm_token *t;

	*key = NULL;
	if (slot == KEYS_ROOT && b->root_shared)
		return KEYS_ERR_NOT_FOUND;	/* searched as online */
	if ((t = tok_of(b, slot)) == NULL)
		return KEYS_ERR_NOT_FOUND;
	return map_err(hsm_key_find(t, id, (struct hsm_key **)key));
}

static int
be_list(void *ctx, int slot, struct keys_info **out, size_t *n)
{
	struct hsm_be *b = ctx;
	struct hsm_key_info *inf = NULL;
	struct keys_info *v;
	struct hsm_token *t;
	size_t cnt = 0, i, k = 0;
	int r;

	*out = NULL;
	*n = 0;
	if (slot == KEYS_ROOT && b->root_shared)
		return 0;
	if ((t = tok_of(b, slot)) == NULL)
		return KEYS_ERR_LOCKED;
	if ((r = hsm_key_list(t, &inf, &cnt)) != 0)
		return map_err(r);
	if ((v = calloc(cnt ? cnt : 1, sizeof(*v))) == NULL) {
		free(inf);
		return KEYS_ERR_NOMEM;
	}
	for (i = 0; i < cnt; i++) {
		const char *lab = inf[i].label, *colon;
		size_t rl;

		if (!inf[i].type_known || !inf[i].id_matches || inf[i].backup ||
		    strncmp(lab, LABEL_PREFIX, strlen(LABEL_PREFIX)) != 0)
			continue;
		lab += strlen(LABEL_PREFIX);
		if ((colon = strchr(lab, ':')) == NULL)
			continue;
		rl = (size_t)(colon - lab);
		if (rl >= sizeof(v[k].role) || strlen(colon + 1) >=
		    sizeof(v[k].gun))
			continue;
		memcpy(v[k].id, inf[i].id, sizeof(v[k].id));
		memcpy(v[k].role, lab, rl);
		v[k].role[rl] = '\0';
		snprintf(v[k].gun, sizeof(v[k].gun), "%s", colon + 1);
		v[k].slot = slot;
		k++;
	}
	free(inf);
	*out = v;
	*n = k;
	return 0;
}

static const char *
be_key_id(void *key)
{
	return hsm_key_id(key);
}

static int
be_key_spki(void *key, const uint8_t **der, size_t *len)
{
	return map_err(hsm_key_public(key, der, len));
}

static int
be_key_cert(void *key, const char *gun, unsigned days, uint8_t **der,
    size_t *len)
{
	return map_err(hsm_cert_create(key, gun, days, der, len));
}

static int
be_key_sign(void *key, const uint8_t *msg, size_t len, uint8_t *sig,
    size_t cap, size_t *siglen)
{
	return map_err(hsm_key_sign(key, msg, len, sig, cap, siglen));
}

static void
be_key_free(void *key)
{
	hsm_key_free(key);
}

static int
be_unlock(void *ctx, int slot, char *pin, size_t pinlen, char *msg,
    size_t msglen)
{
	struct hsm_be *b = ctx;
	struct hsm_config c;
	struct hsm_token *t = NULL;
	int r;

	if (slot != KEYS_ROOT || !b->root_configured) {
		explicit_bzero(pin, pinlen);
		snprintf(msg, msglen, "no root token is configured");
		return KEYS_ERR_UNAVAILABLE;
	}
	c = b->cfg[KEYS_ROOT];
	c.pin_source = HSM_PIN_NONE;
	pthread_mutex_lock(&b->mu);
	if (b->tok[KEYS_ROOT] == NULL) {
		if ((r = hsm_token_open(&c, &t)) != 0) {
			explicit_bzero(pin, pinlen);
			snprintf(msg, msglen, "root token: %s",
			    hsm_error_detail());
			pthread_mutex_unlock(&b->mu);
			return map_err(r);
		}
	} else
		t = b->tok[KEYS_ROOT];
	r = hsm_token_login_pin(t, pin, pinlen);	/* wipes pin */
	if (r != 0) {
		snprintf(msg, msglen, "root token: %s", hsm_error_detail());
		if (t != b->tok[KEYS_ROOT])
			hsm_token_close(t);
		pthread_mutex_unlock(&b->mu);
		return map_err(r);
	}
	b->tok[KEYS_ROOT] = t;
	pthread_mutex_unlock(&b->mu);
	return 0;
}

static void
be_lock(void *ctx, int slot)
{
	struct hsm_be *b = ctx;

	if (slot != KEYS_ROOT || b->root_shared || b->root_permanent)
		return;
	pthread_mutex_lock(&b->mu);
	/* Closing every session of the token logs it out (PKCS#11). */
	hsm_token_close(b->tok[KEYS_ROOT]);
	b->tok[KEYS_ROOT] = NULL;
	pthread_mutex_unlock(&b->mu);
}

static void
be_state(void *ctx, int slot, int *present, int *unlocked, int *permanent)
{
	struct hsm_be *b = ctx;

	if (slot == KEYS_ONLINE) {
		*present = b->tok[KEYS_ONLINE] != NULL;
		*unlocked = *present;
		*permanent = 1;
		return;
	}
	*present = b->root_shared ? 2 : b->root_configured;
	*permanent = b->root_shared || b->root_permanent;
	*unlocked = tok_of(b, KEYS_ROOT) != NULL;
}

static void
be_free(void *ctx)
{
	struct hsm_be *b = ctx;

	if (b == NULL)
		return;
	hsm_token_close(b->tok[KEYS_ROOT]);
	hsm_token_close(b->tok[KEYS_ONLINE]);
	pthread_mutex_destroy(&b->mu);
	free(b);
}

static const struct keys_backend_ops hsm_ops = {
	be_generate, be_find, be_list, be_key_id, be_key_spki, be_key_cert,
	be_key_sign, be_key_free, be_unlock, be_lock, be_state, be_free,
};

static void
cfg_from(struct hsm_config *h, const struct config_token *t)
{
	memset(h, 0, sizeof(*h));
	h->module = t->module;
	h->token = t->token;
	h->pin_source = t->pin_file != NULL ? HSM_PIN_FILE : HSM_PIN_NONE;
	h->pin_file = t->pin_file;
	h->max_login_failures = (unsigned)t->max_login_failures;
}

int
keys_hsm_new(const struct config *cfg, const struct keys_backend_ops **ops,
    void **ctx, char *msg, size_t msglen)
{
	struct hsm_be *b;
	int r;

	*ops = NULL;
	*ctx = NULL;
	if ((b = calloc(1, sizeof(*b))) == NULL)
		return KEYS_ERR_NOMEM;
	pthread_mutex_init(&b->mu, NULL);
	cfg_from(&b->cfg[KEYS_ONLINE], &cfg->online);
	if ((r = hsm_token_open(&b->cfg[KEYS_ONLINE],
	    &b->tok[KEYS_ONLINE])) != 0) {
		snprintf(msg, msglen, "tokens.online (token \"%s\"): %s: %s",
		    cfg->online.token, hsm_strerror(r), hsm_error_detail());
		be_free(b);
		return map_err(r);
	}
	if (cfg->root_on_online) {
		b->root_shared = 1;
		b->root_configured = 1;
	} else {
		b->root_configured = 1;
		cfg_from(&b->cfg[KEYS_ROOT], &cfg->root);
		b->root_permanent = cfg->root.pin_file != NULL;
		if (b->root_permanent && (r = hsm_token_open(
		    &b->cfg[KEYS_ROOT], &b->tok[KEYS_ROOT])) != 0) {
			snprintf(msg, msglen, "tokens.root (token \"%s\"): "
			    "%s: %s", cfg->root.token, hsm_strerror(r),
			    hsm_error_detail());
			be_free(b);
			return map_err(r);
		}
	}
	*ops = &hsm_ops;
	*ctx = b;
	return 0;
}
