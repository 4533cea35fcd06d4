/* SPDX-License-Identifier: Apache-2.0 */
/*
 * audit: the append-only, hash-chained audit log. One JSON object per line;
 * each line carries its sequence number, the sha256 of the previous line
 * (64 zeros for the first) and the sha256 of its own content, and is on
 * disk (write + fdatasync) before audit_append returns. Format and recovery
 * are specified in docs/ledger-and-audit.md.
 */
#ifndef SIGNERD_AUDIT_H
#define SIGNERD_AUDIT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Error codes. Never renumbered; new codes go at the end. */
#define AUDIT_OK		 0
#define AUDIT_ERR_NOMEM		-1
#define AUDIT_ERR_IO		-2	/* open, read, write or sync failed */
#define AUDIT_ERR_CORRUPT	-3	/* the last complete line is damaged: refuse to chain onto it */
#define AUDIT_ERR_BROKEN	-4	/* verify: the chain breaks at a line */
#define AUDIT_ERR_INVAL		-5	/* bad argument, or a field that cannot be written */

#define AUDIT_HASH_LEN		32
#define AUDIT_MAX_LINE		16384	/* longest line written or accepted */
#define AUDIT_FILE_NAME		"audit.log"	/* in the config's state_dir */

struct audit;

/* What one line records. Strings may be NULL (written as null). */
struct audit_record {
	uid_t		 uid;
	gid_t		 gid;
	pid_t		 pid;
	const char	*op;		/* required */
	const char	*gun;
	const char	*role;
	int64_t		 version;	/* 0: none */
	const char	*key_id;
	const uint8_t	*sha256;	/* AUDIT_HASH_LEN bytes of what was signed, or NULL */
	const char	*outcome;	/* required: "ok", "denied", "error", ... */
	const char	*detail;	/* free text, cut to fit a line */
};

/* What audit_open found and did. */
struct audit_open_info {
	int64_t	lines;		/* complete lines before this open appended anything */
	size_t	torn_bytes;	/* bytes of a torn last line moved aside, 0 if none */
	char	torn_path[4096];/* where they went: PATH.torn */
};

/*
 * Opens (creating with mode 0600) the log at path for appending. A torn
 * last line (bytes after the last newline, left by a crash mid-write) is
 * appended to PATH.torn, cut from the log, and an "audit.recover" line
 * recording its length and sha256 is appended, all synced; info says so.
 * If the last complete line does not check (bad JSON or its own hash),
 * the log is not touched and AUDIT_ERR_CORRUPT is returned. info and msg
 * may be NULL.
 */
int audit_open(const char *path, struct audit **out,
    struct audit_open_info *info, char *msg, size_t msglen);
void audit_close(struct audit *a);

/*
 * Appends one line for rec and returns once an fdatasync covering it has
 * completed (concurrent appends share syncs); safe from any thread. On
 * failure nothing must be released to the peer; after a failed sync every
 * later append fails until the log is reopened. Returns 0,
 * AUDIT_ERR_INVAL or AUDIT_ERR_IO.
 */
int audit_append(struct audit *a, const struct audit_record *rec);

/*
 * The same for n records of one request: the lines are written in order
 * and share one fdatasync. On failure none of them may be released (some
 * may be on disk). Returns 0, AUDIT_ERR_INVAL or AUDIT_ERR_IO.
 */
int audit_append_many(struct audit *a, const struct audit_record *recs,
    size_t n);

/*
 * audit_append_many in two halves, so that the sync of the lines runs
 * while the caller does something else (op_commit: its ledger commit).
 * audit_write_many writes the lines in order and has the log's sync
 * thread (started on first use, joined by audit_close) begin syncing
 * them; *end is the offset audit_sync_wait(a, end) then waits to be
 * synced (syncing itself when no sync is running). Nothing may be
 * released before audit_sync_wait returned 0. Both return 0,
 * AUDIT_ERR_INVAL or AUDIT_ERR_IO (on a write failure some of the lines
 * may be in the file).
 */
int audit_write_many(struct audit *a, const struct audit_record *recs,
    size_t n, int64_t *end);
int audit_sync_wait(struct audit *a, int64_t end);

/*
 * Checks the whole log at path: every line complete JSON with the required
 * fields, its own hash right, seq counting from 1, and prev equal to the
 * sha256 of the line before. Returns 0 with *lines set, or
 * AUDIT_ERR_BROKEN with *first_bad (1-based) and msg saying why, or
 * AUDIT_ERR_IO.
 */
int audit_verify(const char *path, int64_t *lines, int64_t *first_bad,
    char *msg, size_t msglen);

/*
 * A position in the log: line seq (0: the empty log), the sha256 of that
 * line's bytes (zeros for seq 0) and the byte offset where it starts.
 */
struct audit_head {
	int64_t	seq;
	uint8_t	hash[AUDIT_HASH_LEN];
	int64_t	offset;
};

/*
 * The last line known to be on disk (covered by a completed fdatasync):
 * a record of it elsewhere (the ledger) can never point past what a power
 * loss leaves. Safe from any thread.
 */
void audit_head_get(struct audit *a, struct audit_head *out);

/* What audit_scan reports about one line. */
struct audit_line_info {
	int64_t	seq;
	uint8_t	line_hash[AUDIT_HASH_LEN];	/* sha256 of the line */
	int64_t	version;			/* 0 when null */
	int	has_sha256;
	uint8_t	sha256[AUDIT_HASH_LEN];		/* the signed document's */
	int	withdrawn;	/* outcome "withdrawn" or "not-committed" */
};

typedef int audit_scan_fn(void *ctx, const struct audit_line_info *line);

/*
 * Reads the log from the line at from (which must still be there: its
 * seq and hash are checked) to the end, checking every later line as
 * audit_verify does (own hash, seq, prev), and calls fn for each line
 * after from. A non-zero return from fn stops the scan and is returned.
 * For start-up only: lines appended meanwhile are not read. *end (may be
 * NULL) is the last line read. Returns 0, AUDIT_ERR_BROKEN with msg (the
 * line at from is missing or different, or a later line does not check),
 * AUDIT_ERR_IO or AUDIT_ERR_NOMEM.
 */
int audit_scan(struct audit *a, const struct audit_head *from,
    audit_scan_fn *fn, void *ctx, struct audit_head *end, char *msg,
    size_t msglen);

const char *audit_strerror(int code);

#endif /* SIGNERD_AUDIT_H */
