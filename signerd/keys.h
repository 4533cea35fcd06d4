/* SPDX-License-Identifier: Apache-2.0 */
/*
 * keys: where the ops get their keys. A key store keeps a cache of key
 * handles in front of a backend: hsm/ in the daemon (keys_hsm.c), or an
 * in-memory OpenSSL backend used only by unit tests and the fuzzer
 * (tests/lib/keys_soft.c). Ops name keys by TUF key ID or by (role, GUN);
 * they never see a token, a module or a file.
 *
 * Two token slots: KEYS_ONLINE and KEYS_ROOT. Without a root token the
 * backend serves KEYS_ROOT from the online token.
 */
#ifndef SIGNERD_KEYS_H
#define SIGNERD_KEYS_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#define KEYS_OK			 0
#define KEYS_ERR_NOMEM		-1
#define KEYS_ERR_NOT_FOUND	-2	/* no such key */
#define KEYS_ERR_LOCKED		-3	/* the token is not logged in */
#define KEYS_ERR_TOKEN		-4	/* the token failed (detail in msg) */
#define KEYS_ERR_PIN		-5	/* the PIN was refused */
#define KEYS_ERR_INVAL		-6
#define KEYS_ERR_UNAVAILABLE	-7	/* no such token configured */

#define KEYS_ONLINE	0
#define KEYS_ROOT	1

#define KEYS_ID_LEN	64

/* One key the backend knows (from its list). */
struct keys_info {
	char	id[KEYS_ID_LEN + 1];
	char	role[80];
	char	gun[256];	/* "*" for a signer key usable on any GUN */
	int	slot;
};

/*
 * A backend. Handles (void *) are the backend's own; the store frees them
 * with key_free before the backend locks or closes the token.
 */
struct keys_backend_ops {
	int	(*generate)(void *ctx, int slot, const char *role,
		    const char *gun, void **key, char *msg, size_t msglen);
	int	(*find)(void *ctx, int slot, const char *id, void **key);
	int	(*list)(void *ctx, int slot, struct keys_info **out,
		    size_t *n);
	const char *(*key_id)(void *key);
	int	(*key_spki)(void *key, const uint8_t **der, size_t *len);
	/* self-signed root certificate (CN = gun), DER, malloc'ed */
	int	(*key_cert)(void *key, const char *gun, unsigned days,
		    uint8_t **der, size_t *len);
	int	(*key_sign)(void *key, const uint8_t *msg, size_t len,
		    uint8_t *sig, size_t cap, size_t *siglen);
	void	(*key_free)(void *key);
	/* pin is wiped by the callee */
	int	(*unlock)(void *ctx, int slot, char *pin, size_t pinlen,
		    char *msg, size_t msglen);
	void	(*lock)(void *ctx, int slot);
	/* configured (2: served by the online token), logged in;
	 * permanent = unlocked by a PIN file */
	void	(*state)(void *ctx, int slot, int *present, int *unlocked,
		    int *permanent);
	void	(*free)(void *ctx);
};

struct keys_entry {
	struct keys_info	 info;
	void			*h;
	uint8_t			*spki;
	size_t			 spki_len;
};

struct keys {
	const struct keys_backend_ops	*ops;
	void				*ctx;
	pthread_mutex_t			 mu;
	struct keys_entry		**e;	/* pointers: entries never move */
	size_t				 n, cap;
	int				 listed[2];
	/* IDs no token holds (server keys): not searched on every request. */
	char				(*miss)[KEYS_ID_LEN + 1];
	size_t				 nmiss;
};

#define KEYS_MISS_MAX	4096

/* A key the store handed out: valid until keys_lock_slot / keys_free. */
struct keys_key {
	const struct keys_backend_ops *ops;
	const struct keys_info	*info;
	void			*h;
	const uint8_t		*spki;
	size_t			 spki_len;
};

/* Takes ownership of ctx (freed with ops->free). */
int keys_init(struct keys *ks, const struct keys_backend_ops *ops, void *ctx);
void keys_free(struct keys *ks);

/* By TUF key ID (either slot). KEYS_ERR_NOT_FOUND when no token holds it. */
int keys_find_id(struct keys *ks, const char *id, struct keys_key *out);
/* By role and GUN (the label the key was generated with); newest wins. */
int keys_find_role(struct keys *ks, int slot, const char *role,
    const char *gun, struct keys_key *out);
/* A new key on slot, labelled with role and gun. */
int keys_generate(struct keys *ks, int slot, const char *role,
    const char *gun, struct keys_key *out, char *msg, size_t msglen);
int keys_sign(const struct keys_key *k, const uint8_t *msg, size_t len,
    uint8_t *sig, size_t cap, size_t *siglen);
int keys_cert(struct keys *ks, const struct keys_key *k, const char *gun,
    unsigned days, uint8_t **der, size_t *len);
int keys_unlock(struct keys *ks, int slot, char *pin, size_t pinlen,
    char *msg, size_t msglen);
/* Drops the cached handles of slot, then logs the token out. */
void keys_lock_slot(struct keys *ks, int slot);
void keys_state(struct keys *ks, int slot, int *present, int *unlocked,
    int *permanent);
/* Snapshot of every known key (both slots, as far as they can be listed). */
int keys_list(struct keys *ks, struct keys_info **out, size_t *n);

const char *keys_strerror(int code);

/* The hsm/ backend (keys_hsm.c), from the daemon's configuration. */
struct config;
int keys_hsm_new(const struct config *cfg, const struct keys_backend_ops **ops,
    void **ctx, char *msg, size_t msglen);

#endif /* SIGNERD_KEYS_H */
