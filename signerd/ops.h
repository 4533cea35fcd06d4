/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ops: the daemon's state as the operations see it, the request dispatcher
 * (dispatch.c) and the helpers every signing op shares (ops_common.c): the
 * request fingerprint, checking base metadata against the ledger and the
 * keys it names, signing through the key store, and committing results to
 * the ledger and the audit log before they are returned.
 */
#ifndef SIGNERD_OPS_H
#define SIGNERD_OPS_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "json.h"
#include "proto.h"
#include "server.h"
#include "tuf.h"

struct keys;
struct keys_key;
struct ledger;
struct audit;
struct policy_store;
struct policy_peer;
struct last_ent;

/* Appends a string literal (its length from sizeof, never counted by hand). */
#define OP_PUTS(b, lit) json_put_raw((b), (lit), sizeof(lit) - 1)

#define SIGNERD_VERSION		"0.1.0"
#define SIGNERD_UNLOCK_MAX	3600	/* longest ceremony.unlock, seconds */
#define OPS_MAX_ADD		200000	/* tags in one targets.update */
#define OPS_MAX_REMOVE		200000

/* Everything the ops share. Filled by main.c (or a test) before serving. */
struct signerd {
	struct keys		*keys;
	struct ledger		*ledger;
	struct audit		*audit;
	struct policy_store	*policy;
	struct config_expiry	 expiry;	/* days per role */
	struct proto_limits	 limits;
	/* Root-token use: root ops hold it shared, locking takes it exclusive. */
	pthread_rwlock_t	 root_rw;
	pthread_mutex_t		 cer_mu;
	int64_t			 root_until;	/* monotonic s; 0: not unlocked by a ceremony */
	/* Last (version, sha256) per (GUN, role), as committed: ledger reads
	 * off the hot path (the ledger's lock is held through its syncs). */
	pthread_mutex_t		 last_mu;
	struct last_ent		**last_tab;
	size_t			 model_targets;	/* targets in kept models */
	size_t			 model_count;	/* kept models */
	/* Clock for expiries (tests may set it); NULL: time(NULL). */
	int64_t			(*now)(void);
	/* Optional log sink (syslog priority). */
	void			(*log)(void *ctx, int prio, const char *msg);
	void			*log_ctx;
};

int signerd_init(struct signerd *sd);
void signerd_cleanup(struct signerd *sd);

/* Locks the root token when a ceremony has expired (called per request and by a timer). */
void signerd_tick(struct signerd *sd);

/* The server handler: ctx is a struct signerd. */
int signerd_handle(void *ctx, const struct server_peer *peer,
    const struct proto_req *req, struct json_buf *result,
    struct proto_att *att, struct proto_error *err);

/* One call of an op. */
struct op_call {
	struct signerd			*sd;
	const struct proto_req		*req;
	const struct server_peer	*speer;
	const struct policy_peer	*peer;
	struct proto_att		*att;	/* reply attachments, or NULL */
};

typedef int op_fn(const struct op_call *c, struct json_buf *out,
    struct proto_error *err);

op_fn op_status, op_key_list, op_key_generate, op_repo_init,
    op_targets_update, op_delegation_update, op_ceremony_unlock,
    op_ceremony_lock;

/* ---- helpers (ops_common.c) ---- */

/* Policy check of op/gun/role; on refusal err is "denied" and audited. */
int op_allow(const struct op_call *c, const char *gun, const char *role,
    struct proto_error *err);

/*
 * sha256 of the request without its envelope ("v", "id"). With base (as
 * op_get_base read it), the base files' sha256 come from there.
 */
struct op_base;
int op_fingerprint(const struct proto_req *req, const struct op_base *base,
    uint8_t fp[32]);

/* Reads "gun" and checks it. */
int op_get_gun(const struct op_call *c, const char **gun,
    struct proto_error *err);

/* The base metadata a request carries: role name -> bytes. */
#define OPS_MAX_BASE 8
struct op_base {
	size_t		 n;
	const char	*role[OPS_MAX_BASE];
	const uint8_t	*bytes[OPS_MAX_BASE];
	size_t		 len[OPS_MAX_BASE];
	uint8_t		 hash[OPS_MAX_BASE][32];	/* sha256, hashed once */
};
int op_get_base(const struct op_call *c, struct op_base *b,
    struct proto_error *err);
/* The bytes of role in b, or NULL. */
const uint8_t *op_base_get(const struct op_base *b, const char *role,
    size_t *len);
/* Their sha256, or NULL. */
const uint8_t *op_base_hash(const struct op_base *b, const char *role);

/*
 * Trusted root: bytes must be the last root signerd signed for gun
 * (ledger). *root parsed. untrusted / not_found / bad_metadata.
 */
int op_trust_root(const struct op_call *c, const char *gun,
    const uint8_t *buf, size_t len, const uint8_t *hash, struct tuf_meta **root,
    struct proto_error *err);
/*
 * A base role file: parsed, then trusted when its sha256 is the last one
 * signerd signed for (gun, role), or when a threshold of its signatures
 * verify with keys/threshold from the verified parent (root or targets).
 * Its version must not be below the ledger's.
 */
int op_trust_role(const struct op_call *c, const char *gun, const char *role,
    const uint8_t *buf, size_t len, const uint8_t *hash,
    const struct tuf_keyset *keys,
    const struct tuf_role *spec, struct tuf_meta **out,
    struct proto_error *err);

/*
 * The last version signerd signed for (gun, role) and its sha256, from the
 * in-memory copy of the ledger's record (read through on a miss). 0, or
 * LEDGER_ERR_NOTFOUND, or another LEDGER_ERR_*.
 */
#define OPS_LAST_BUCKETS 4096
void op_last_free(struct signerd *sd);
int op_last(struct signerd *sd, const char *gun, const char *role,
    int64_t *version, uint8_t hash[32]);

/*
 * The model a document was written from, kept beside its (gun, role)
 * entry so that the next request on that very document (the common case:
 * the base is what signerd returned last) skips parsing it. op_model_keep
 * takes m, keeping it only while hash is the last one signed for (gun,
 * role) and the kept models stay within OPS_MODEL_MAX models and
 * OPS_MODEL_MAX_TARGETS targets in all (else m is freed). op_model_take
 * hands the model of the document with this hash over to the caller (NULL
 * when none is kept): it is the caller's to change and free, so it must
 * come back only through op_model_keep after a commit. Callers hold the
 * GUN's lock.
 */
#define OPS_MODEL_MAX_TARGETS 2000000
#define OPS_MODEL_MAX		16384
void op_model_keep(struct signerd *sd, const char *gun, const char *role,
    const uint8_t hash[32], struct tuf_meta *m);
struct tuf_meta *op_model_take(struct signerd *sd, const char *gun,
    const char *role, const uint8_t hash[32]);

/*
 * After a refusal that a retry would also meet (rollback, conflict): the
 * stored result of this very request, if any, replaces the error (1).
 */
struct op_rebuild;
int op_retry_after(const struct op_call *c, const char *gun,
    const uint8_t fp[32], const struct op_rebuild *rb, struct json_buf *out,
    struct proto_error *err);

/* A key of spec's keyids that signerd holds. not_found when none. */
int op_held_key(const struct op_call *c, const struct tuf_keyset *keys,
    const struct tuf_role *spec, struct keys_key *out, const char **tufid);

/* Expiry (now + days for role) written into m. */
void op_set_expiry(const struct op_call *c, struct tuf_meta *m);

/* Signs m with one key (sign form) and writes the file form into file. */
int op_sign_write(struct tuf_meta *m, const struct tuf_key *tk,
    const struct keys_key *k, struct json_buf *file, struct proto_error *err);

/* One file of a result. */
struct op_file {
	const char	*role;
	int64_t		 version;
	const char	*key_id;
	struct json_buf	 buf;
	uint8_t		 sha256[32];	/* of buf, set by op_commit */
	/* Store a recipe, not the bytes: the op can rebuild it (op_rebuild). */
	int		 recipe;
	struct tuf_time	 expires;	/* with recipe: the expiry signed */
};

/*
 * For a file stored as a recipe: the op's model of it before signing,
 * rebuilt by re-applying the request's intent to its base (a retry has the
 * same fingerprint, so the same base and intent). op_retry then sets the
 * recorded version, expiry and signatures, writes the file and checks its
 * sha256 against the ledger's; a mismatch is an internal error, never a
 * new signature.
 */
struct op_rebuild {
	int	(*fn)(const struct op_call *c, void *ctx, const char *role,
		    struct tuf_meta **out, struct proto_error *err);
	void	*ctx;
};

/*
 * The end of every signing op: ledger check and commit (atomic, durable),
 * one audit line per file (synced), then the result {"files":{...}}
 * followed by extra (a JSON fragment starting with ',' or NULL) in out.
 */
int op_commit(const struct op_call *c, const char *gun, const uint8_t fp[32],
    struct op_file *files, size_t n, const char *extra, size_t extra_len,
    struct json_buf *out, struct proto_error *err);

/*
 * A stored earlier result for this fingerprint: written to out, 1; none: 0.
 * With keep, the result object is left open and the stored files handed
 * over (the caller appends its members, '}' and cleans keep up).
 */
struct ledger_result;
int op_retry(const struct op_call *c, const char *gun, const uint8_t fp[32],
    const struct op_rebuild *rb, struct json_buf *out,
    struct ledger_result *keep, struct proto_error *err);

/*
 * Writes "files":{role:bytes,...} for a stored or new result; the bytes go
 * as attachments when the client sent "att" (proto.h).
 */
void op_put_files(const struct op_call *c, struct json_buf *out,
    const char *const *roles,
    const uint8_t *const *bytes, const size_t *lens, size_t n);

/* Audits one event without a signature (refusals, ceremonies, key.generate). */
int op_audit_event(const struct op_call *c, const char *gun,
    const char *role, const char *key_id, const char *outcome,
    const char *detail);

/* The root token may be used now (pin_file, or an unexpired ceremony). */
int op_root_usable(const struct op_call *c, struct proto_error *err);

/* Parses a server key as fetched ({"keytype":…,"keyval":{…}}). */
int op_parse_server_key(const char *field, const char *s, size_t len,
    struct tuf_key *k, struct proto_error *err);

/* Maps a tuf error onto err (bad_metadata / untrusted / internal). */
void op_tuf_error(struct proto_error *err, const char *what, int r,
    const struct tuf_error *te);

/*
 * Loads and checks root and targets of base; when signerd holds the
 * snapshot key (then *snapid is set), the base snapshot too (op_targets.c).
 */
int op_load_base(const struct op_call *c, const char *gun,
    const struct op_base *base, struct tuf_meta **root, struct tuf_meta **tg,
    struct tuf_meta **snap, struct keys_key *snapkey, const char **snapid,
    struct proto_error *err);
/* New snapshot: base + the changed files' meta, minus removed roles, version + 1. */
int op_next_snapshot(const struct op_call *c, struct tuf_meta *snap,
    const struct op_file *files, size_t n, const char *const *removed,
    size_t nremoved, struct keys_key *sk, const char *skid,
    const struct tuf_meta *root, struct op_file *out,
    struct proto_error *err);

void op_log(const struct signerd *sd, int prio, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif /* SIGNERD_OPS_H */
