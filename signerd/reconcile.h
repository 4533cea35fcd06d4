/* SPDX-License-Identifier: Apache-2.0 */
/*
 * reconcile: the start-up cross-check of the ledger and the audit log. The
 * ledger is the authority on what was signed; the audit log must name every
 * signature and must never be shorter than the ledger has seen it. Format
 * and reasoning in docs/ledger-and-audit.md ("Reconciliation at start").
 */
#ifndef SIGNERD_RECONCILE_H
#define SIGNERD_RECONCILE_H

#include <stddef.h>
#include <stdint.h>

struct audit;
struct ledger;

/* Error codes. Never renumbered; new codes go at the end. */
#define RECONCILE_OK		 0
#define RECONCILE_ERR_NOMEM	-1
#define RECONCILE_ERR_IO	-2	/* the ledger or the log cannot be read or written */
#define RECONCILE_ERR_TRUNCATED	-3	/* the log is shorter than the ledger saw it */
#define RECONCILE_ERR_REWRITTEN	-4	/* a line the ledger recorded is not there any more */
#define RECONCILE_ERR_BROKEN	-5	/* a line since the last start does not check */
#define RECONCILE_ERR_INVAL	-6

/* What reconcile_run found and did. */
struct reconcile_info {
	int64_t	scanned;	/* audit lines read (those since the last start) */
	int64_t	checked;	/* ledger rows checked (signed since the last start) */
	int64_t	added;		/* "audit.reconcile" lines appended */
};

/*
 * Call once at start, after ledger_open and audit_open and before serving.
 * Refuses (changing nothing) an audit log shorter than the ledger has seen
 * it, or whose recorded lines differ; then appends one "audit.reconcile"
 * line for every document the ledger holds as signed but the log does not
 * name (a crash or a failed audit write came between commit and append),
 * one "not-committed" line for every line that names a signature the
 * ledger does not hold and no "withdrawn" line takes back (a stop between
 * the line and its commit, which op_commit overlaps), and records in the
 * ledger how far both now agree. On success it also
 * makes every later ledger commit record the log's synced head, so that a
 * cut made while running is caught at the next start. a must outlive l's
 * use. info and msg may be NULL. Returns 0 or RECONCILE_ERR_*.
 */
int reconcile_run(struct ledger *l, struct audit *a,
    struct reconcile_info *info, char *msg, size_t msglen);

const char *reconcile_strerror(int code);

#endif /* SIGNERD_RECONCILE_H */
