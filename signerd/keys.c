/* SPDX-License-Identifier: Apache-2.0 */
/* keys: a cache of key handles by ID and label in front of a key backend. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keys.h"

const char *
keys_strerror(int code)
{
	switch (code) {
	case KEYS_OK:			return "success";
	case KEYS_ERR_NOMEM:		return "out of memory";
	case KEYS_ERR_NOT_FOUND:	return "no such key";
	case KEYS_ERR_LOCKED:		return "token locked";
	case KEYS_ERR_TOKEN:		return "token failure";
	case KEYS_ERR_PIN:		return "PIN refused";
	case KEYS_ERR_INVAL:		return "invalid argument";
	case KEYS_ERR_UNAVAILABLE:	return "token not configured";
	}
	return "unknown error";
}

int
keys_init(struct keys *ks, const struct keys_backend_ops *ops, void *ctx)
{
	memset(ks, 0, sizeof(*ks));
	ks->ops = ops;
	ks->ctx = ctx;
	if (pthread_mutex_init(&ks->mu, NULL) != 0)
		return KEYS_ERR_NOMEM;
	return 0;
}

static void
entry_free(struct keys *ks, struct keys_entry *e)
{
	if (e == NULL)
		return;
	if (e->h != NULL)
		ks->ops->key_free(e->h);
	free(e->spki);
	free(e);
}

void
keys_free(struct keys *ks)
{
	size_t i;

	if (ks->ops == NULL)
		return;
	for (i = 0; i < ks->n; i++)
		entry_free(ks, ks->e[i]);
	free(ks->e);
	free(ks->miss);
	if (ks->ops->free != NULL)
		ks->ops->free(ks->ctx);
	pthread_mutex_destroy(&ks->mu);
	memset(ks, 0, sizeof(*ks));
}

static void
out_fill(struct keys *ks, struct keys_key *out, struct keys_entry *e)
{
	out->ops = ks->ops;
	out->info = &e->info;
	out->h = e->h;
	out->spki = e->spki;
	out->spki_len = e->spki_len;
}

/* Adds a loaded handle to the cache (called with mu held). */
static int
cache_add(struct keys *ks, int slot, void *h, const char *role,
    const char *gun, struct keys_entry **out)
{
	struct keys_entry *e, **ne;
	const uint8_t *der;
	size_t len;
	const char *id;

	*out = NULL;
	if ((e = calloc(1, sizeof(*e))) == NULL) {
		ks->ops->key_free(h);
		return KEYS_ERR_NOMEM;
	}
	e->h = h;
	id = ks->ops->key_id(h);
	if (id == NULL || strlen(id) != KEYS_ID_LEN ||
	    ks->ops->key_spki(h, &der, &len) != 0) {
		entry_free(ks, e);
		return KEYS_ERR_TOKEN;
	}
	memcpy(e->info.id, id, KEYS_ID_LEN + 1);
	e->info.slot = slot;
	if (role != NULL)
		snprintf(e->info.role, sizeof(e->info.role), "%s", role);
	if (gun != NULL)
		snprintf(e->info.gun, sizeof(e->info.gun), "%s", gun);
	if ((e->spki = malloc(len)) == NULL) {
		entry_free(ks, e);
		return KEYS_ERR_NOMEM;
	}
	memcpy(e->spki, der, len);
	e->spki_len = len;
	if (ks->n == ks->cap) {
		size_t nc = ks->cap ? ks->cap * 2 : 16;

		if ((ne = realloc(ks->e, nc * sizeof(*ne))) == NULL) {
			entry_free(ks, e);
			return KEYS_ERR_NOMEM;
		}
		ks->e = ne;
		ks->cap = nc;
	}
	ks->e[ks->n++] = e;
	*out = e;
	return 0;
}

/* Learns the labels of a slot's keys once (so find by role works). */
static void
slot_list(struct keys *ks, int slot)
{
	struct keys_info *inf = NULL;
	struct keys_entry *e;
	size_t n = 0, i, j;
	void *h;

	if (ks->listed[slot])
		return;
	if (ks->ops->list(ks->ctx, slot, &inf, &n) != 0)
		return;
	for (i = 0; i < n; i++) {
		for (j = 0; j < ks->n; j++)
			if (strcmp(ks->e[j]->info.id, inf[i].id) == 0)
				break;
		if (j < ks->n)
			continue;
		if (ks->ops->find(ks->ctx, slot, inf[i].id, &h) != 0)
			continue;
		(void)cache_add(ks, slot, h, inf[i].role, inf[i].gun, &e);
	}
	free(inf);
	ks->listed[slot] = 1;
}

int
keys_find_id(struct keys *ks, const char *id, struct keys_key *out)
{
	struct keys_entry *e;
	size_t i;
	void *h;
	int slot, r = KEYS_ERR_NOT_FOUND;

	memset(out, 0, sizeof(*out));
	if (id == NULL || strlen(id) != KEYS_ID_LEN)
		return KEYS_ERR_NOT_FOUND;
	pthread_mutex_lock(&ks->mu);
	for (i = 0; i < ks->n; i++) {
		if (strcmp(ks->e[i]->info.id, id) == 0) {
			out_fill(ks, out, ks->e[i]);
			r = 0;
			goto out;
		}
	}
	for (i = 0; i < ks->nmiss; i++)
		if (memcmp(ks->miss[i], id, KEYS_ID_LEN) == 0)
			goto out;
	for (slot = KEYS_ONLINE; slot <= KEYS_ROOT; slot++) {
		if (ks->ops->find(ks->ctx, slot, id, &h) != 0)
			continue;
		if ((r = cache_add(ks, slot, h, NULL, NULL, &e)) == 0)
			out_fill(ks, out, e);
		goto out;
	}
	if (ks->miss == NULL)
		ks->miss = calloc(KEYS_MISS_MAX, sizeof(*ks->miss));
	if (ks->miss != NULL) {
		if (ks->nmiss == KEYS_MISS_MAX)
			ks->nmiss = 0;	/* start over rather than grow */
		memcpy(ks->miss[ks->nmiss++], id, KEYS_ID_LEN + 1);
	}
out:
	pthread_mutex_unlock(&ks->mu);
	return r;
}

int
keys_find_role(struct keys *ks, int slot, const char *role, const char *gun,
    struct keys_key *out)
{
	size_t i;
	int r = KEYS_ERR_NOT_FOUND;

	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&ks->mu);
	slot_list(ks, slot);
	for (i = ks->n; i-- > 0;) {
		const struct keys_info *in = &ks->e[i]->info;

		if (in->slot == slot && strcmp(in->role, role) == 0 &&
		    strcmp(in->gun, gun) == 0) {
			out_fill(ks, out, ks->e[i]);
			r = 0;
			break;
		}
	}
	pthread_mutex_unlock(&ks->mu);
	return r;
}

int
keys_generate(struct keys *ks, int slot, const char *role, const char *gun,
    struct keys_key *out, char *msg, size_t msglen)
{
	struct keys_entry *e;
	void *h = NULL;
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = ks->ops->generate(ks->ctx, slot, role, gun, &h, msg,
	    msglen)) != 0)
		return r;
	pthread_mutex_lock(&ks->mu);
	ks->nmiss = 0;
	if ((r = cache_add(ks, slot, h, role, gun, &e)) == 0)
		out_fill(ks, out, e);
	pthread_mutex_unlock(&ks->mu);
	return r;
}

int
keys_sign(const struct keys_key *k, const uint8_t *msg, size_t len,
    uint8_t *sig, size_t cap, size_t *siglen)
{
	*siglen = 0;
	if (k == NULL || k->h == NULL)
		return KEYS_ERR_INVAL;
	return k->ops->key_sign(k->h, msg, len, sig, cap, siglen);
}

int
keys_cert(struct keys *ks, const struct keys_key *k, const char *gun,
    unsigned days, uint8_t **der, size_t *len)
{
	*der = NULL;
	*len = 0;
	return ks->ops->key_cert(k->h, gun, days, der, len);
}

int
keys_unlock(struct keys *ks, int slot, char *pin, size_t pinlen, char *msg,
    size_t msglen)
{
	int r;

	pthread_mutex_lock(&ks->mu);
	r = ks->ops->unlock(ks->ctx, slot, pin, pinlen, msg, msglen);
	ks->listed[slot] = 0;
	ks->nmiss = 0;
	pthread_mutex_unlock(&ks->mu);
	return r;
}

void
keys_lock_slot(struct keys *ks, int slot)
{
	size_t i, j;

	pthread_mutex_lock(&ks->mu);
	for (i = j = 0; i < ks->n; i++) {
		if (ks->e[i]->info.slot == slot)
			entry_free(ks, ks->e[i]);
		else
			ks->e[j++] = ks->e[i];
	}
	ks->n = j;
	ks->listed[slot] = 0;
	ks->ops->lock(ks->ctx, slot);
	pthread_mutex_unlock(&ks->mu);
}

void
keys_state(struct keys *ks, int slot, int *present, int *unlocked,
    int *permanent)
{
	*present = *unlocked = *permanent = 0;
	ks->ops->state(ks->ctx, slot, present, unlocked, permanent);
}

int
keys_list(struct keys *ks, struct keys_info **out, size_t *n)
{
	struct keys_info *v;
	size_t i;
	int slot, present, unlocked, perm;

	*out = NULL;
	*n = 0;
	pthread_mutex_lock(&ks->mu);
	for (slot = KEYS_ONLINE; slot <= KEYS_ROOT; slot++) {
		ks->ops->state(ks->ctx, slot, &present, &unlocked, &perm);
		if (present && unlocked)
			slot_list(ks, slot);
	}
	if ((v = calloc(ks->n ? ks->n : 1, sizeof(*v))) == NULL) {
		pthread_mutex_unlock(&ks->mu);
		return KEYS_ERR_NOMEM;
	}
	for (i = 0; i < ks->n; i++)
		v[i] = ks->e[i]->info;
	*n = ks->n;
	*out = v;
	pthread_mutex_unlock(&ks->mu);
	return 0;
}
