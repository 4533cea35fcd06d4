/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ledger: the durable record of everything signerd has signed, per GUN and
 * role, in an SQLite database under the state directory. It refuses a
 * version below the last one signed (rollback) and a second document for
 * the same version (equivocation), and keeps the signed files of the latest
 * request per role so that a retry of the same request gets the same bytes.
 *
 * Many workers share one ledger. Callers serialise work on one GUN with
 * ledger_gun_lock across check, build, sign and commit; the ledger itself
 * is safe to call from any thread.
 */
#ifndef SIGNERD_LEDGER_H
#define SIGNERD_LEDGER_H

#include <stddef.h>
#include <stdint.h>

/* Error codes. Never renumbered; new codes go at the end. */
#define LEDGER_OK		 0
#define LEDGER_ERR_NOMEM	-1
#define LEDGER_ERR_IO		-2	/* the database cannot be opened, read or written */
#define LEDGER_ERR_CORRUPT	-3	/* integrity check failed, or a row breaks the format */
#define LEDGER_ERR_NOTFOUND	-4	/* no such request / no version signed yet */
#define LEDGER_ERR_ROLLBACK	-5	/* version below the last one signed */
#define LEDGER_ERR_EQUIVOCATION	-6	/* same version as signed before, different bytes */
#define LEDGER_ERR_INVAL	-7	/* bad argument */
#define LEDGER_ERR_CONFLICT	-8	/* fingerprint already committed with other files */

#define LEDGER_HASH_LEN		32	/* sha256 */
#define LEDGER_MAX_FILES	8	/* files in one request's result */
#define LEDGER_FILE_NAME	"ledger.sqlite"

struct ledger;

/*
 * A file's bytes may be a recipe instead of the document: a blob starting
 * with a NUL byte, which no metadata document does. The ledger stores and
 * returns it as is and does not check it against hash; whoever rebuilds the
 * document from it must check the result's sha256 against hash.
 */
#define LEDGER_IS_RECIPE(b, n)	((n) > 0 && (b) != NULL && \
	((const uint8_t *)(b))[0] == 0)

/* One signed file of a request's result. */
struct ledger_file {
	const char	*role;
	int64_t		 version;
	uint8_t		 hash[LEDGER_HASH_LEN];	/* sha256 of the document */
	const uint8_t	*bytes;
	size_t		 len;
};

/* A stored result: the files one request produced, in commit order. */
struct ledger_result {
	size_t			nfiles;
	struct ledger_file	files[LEDGER_MAX_FILES];
	/* 1 if files[i] is still the last version signed for its role. */
	int			latest[LEDGER_MAX_FILES];
	/* Storage for the strings and bytes above, owned by the result. */
	void			*store[2 * LEDGER_MAX_FILES];
};

/*
 * Opens (creating if needed) state_dir/ledger.sqlite, runs SQLite's
 * integrity check and prepares the tables. state_dir must exist. msg (may be
 * NULL) receives the reason on failure. Returns 0 or LEDGER_ERR_*.
 */
int ledger_open(const char *state_dir, struct ledger **out, char *msg,
    size_t msglen);
void ledger_close(struct ledger *l);

/* Per-GUN mutual exclusion; a lock entry lives while someone holds or waits for it. */
int ledger_gun_lock(struct ledger *l, const char *gun);
void ledger_gun_unlock(struct ledger *l, const char *gun);

/*
 * The last version signed for (gun, role) and the sha256 of its bytes.
 * LEDGER_ERR_NOTFOUND when nothing has been signed for it yet.
 */
int ledger_last(struct ledger *l, const char *gun, const char *role,
    int64_t *version, uint8_t hash[LEDGER_HASH_LEN]);

/*
 * The result committed earlier for the request with this fingerprint on
 * gun, if it is still kept (the latest request of at least one of its
 * roles). A file that a later request has superseded (say the snapshot of
 * a targets change, after a delegation change signed a newer snapshot) is
 * still returned, with latest[i] 0: the op decides whether the retry can
 * be answered. Free with ledger_result_cleanup. LEDGER_ERR_NOTFOUND
 * otherwise.
 */
int ledger_lookup(struct ledger *l, const char *gun,
    const uint8_t fingerprint[LEDGER_HASH_LEN], struct ledger_result *res);
void ledger_result_cleanup(struct ledger_result *res);

/*
 * Would signing version of role on gun with these bytes be allowed? 0 if
 * the version is above the last one (or the first), or equal to it with
 * the same hash; LEDGER_ERR_ROLLBACK or LEDGER_ERR_EQUIVOCATION with msg
 * saying which version is on record.
 */
int ledger_check(struct ledger *l, const char *gun, const char *role,
    int64_t version, const uint8_t hash[LEDGER_HASH_LEN], char *msg,
    size_t msglen);

/*
 * Records the files of one request atomically (all or none) and durably
 * (synced to disk before returning). Concurrent calls share one
 * transaction and one fsync (group commit); each is still all-or-none. Each file is checked again inside the
 * transaction as ledger_check does; the hashes are recomputed from the
 * bytes and must match (except for a recipe). Committing the same fingerprint with the same
 * files again is a no-op success; with other files, LEDGER_ERR_CONFLICT.
 */
int ledger_commit(struct ledger *l, const char *gun,
    const uint8_t fingerprint[LEDGER_HASH_LEN], const struct ledger_file *files,
    size_t nfiles, char *msg, size_t msglen);

/*
 * The request fingerprint: sha256 over a fixed domain tag and each part
 * as an 8-byte big-endian length followed by its bytes, so no two lists of
 * parts share a fingerprint by concatenation. The ops pass the op name,
 * the canonical intent and the base metadata files, in a fixed order.
 */
int ledger_fingerprint(const void *const *parts, const size_t *lens,
    size_t nparts, uint8_t out[LEDGER_HASH_LEN]);

/*
 * Cross-checking with the audit log (see signerd/reconcile.h). A mark is a
 * position in the audit log: its line seq, that line's sha256 and byte
 * offset. The ledger keeps two: "checked", set at start once every request
 * up to mark.request is known to have its audit lines, and "anchor", the
 * furthest synced audit line any commit has seen, which the log may never
 * again fall short of.
 */
struct ledger_audit_mark {
	int64_t	request;	/* checked: requests with id <= this are audited */
	int64_t	seq;		/* 0: none yet */
	uint8_t	hash[LEDGER_HASH_LEN];
	int64_t	offset;
};

/* Fills out (request ignored) with the audit log's synced head. */
typedef void ledger_anchor_fn(void *ctx, struct ledger_audit_mark *out);

/*
 * From now on every commit transaction also records, through fn, the
 * audit head it sees as the anchor (never lowering it). fn runs under the
 * ledger's writer lock and must not call the ledger.
 */
void ledger_anchor_set(struct ledger *l, ledger_anchor_fn *fn, void *ctx);

/* Both marks; all zeros where none was recorded yet. */
int ledger_audit_mark_get(struct ledger *l, struct ledger_audit_mark *checked,
    struct ledger_audit_mark *anchor);

/*
 * Records checked (synced) and raises the anchor to it, in one
 * transaction. Neither mark ever moves back to a lower seq.
 */
int ledger_audit_mark_set(struct ledger *l,
    const struct ledger_audit_mark *checked);

/* One row of the signing history. Strings live only during the callback. */
struct ledger_signed_row {
	const char	*gun;
	const char	*role;
	int64_t		 version;
	uint8_t		 hash[LEDGER_HASH_LEN];
	int64_t		 request;	/* ids only grow (the latest is never pruned) */
	int64_t		 time;		/* seconds since the epoch */
};

typedef int ledger_signed_fn(void *ctx, const struct ledger_signed_row *row);

/*
 * Calls fn for every document signed by a request with id above request,
 * in request order. fn must not call the ledger; a non-zero return stops
 * and is returned. Returns 0 or LEDGER_ERR_*.
 */
int ledger_signed_since(struct ledger *l, int64_t request,
    ledger_signed_fn *fn, void *ctx);

/* Counts for status: GUNs and signed versions on record. */
int ledger_stats(struct ledger *l, int64_t *guns, int64_t *signatures);

const char *ledger_strerror(int code);

#endif /* SIGNERD_LEDGER_H */
