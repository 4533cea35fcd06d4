/* SPDX-License-Identifier: Apache-2.0 */
/* reconcile: at start, make the audit log name everything the ledger signed, and refuse a cut log. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "ledger.h"
#include "msg.h"
#include "reconcile.h"

/* A signature some audit line names: the document's sha256 and version. */
struct seen {
	uint8_t	sha256[AUDIT_HASH_LEN];
	int64_t	version;
	int64_t	seq;		/* of the line */
	int	withdrawn;	/* the line says the commit did not happen */
	int	committed;	/* the ledger holds it (on_signed) */
};

struct ctx {
	struct audit			*audit;
	const struct ledger_audit_mark	*anchor;
	struct seen			*seen;
	size_t				 nseen, cap;
	int64_t				 max_request;
	struct reconcile_info		*info;
	char				*msg;
	size_t				 msglen;
};

/* Callback results that are not audit or ledger codes. */
#define STOP_REWRITTEN	1
#define STOP_NOMEM	2
#define STOP_APPEND	3

const char *
reconcile_strerror(int code)
{
	switch (code) {
	case RECONCILE_OK:		return "success";
	case RECONCILE_ERR_NOMEM:	return "out of memory";
	case RECONCILE_ERR_IO:		return "cannot read or write the ledger or the audit log";
	case RECONCILE_ERR_TRUNCATED:	return "the audit log is shorter than the ledger saw it";
	case RECONCILE_ERR_REWRITTEN:	return "the audit log was rewritten";
	case RECONCILE_ERR_BROKEN:	return "the audit log's chain is broken";
	case RECONCILE_ERR_INVAL:	return "invalid argument";
	}
	return "unknown reconcile error";
}

static int
seen_cmp(const void *pa, const void *pb)
{
	const struct seen *a = pa, *b = pb;
	int c = memcmp(a->sha256, b->sha256, AUDIT_HASH_LEN);

	if (c != 0)
		return c;
	return (a->version > b->version) - (a->version < b->version);
}

/* Each audit line since the checked mark: check the anchor, note signatures. */
static int
on_line(void *arg, const struct audit_line_info *li)
{
	struct ctx *c = arg;
	struct seen *nv;
	size_t ncap;

	c->info->scanned++;
	if (li->seq == c->anchor->seq &&
	    memcmp(li->line_hash, c->anchor->hash, AUDIT_HASH_LEN) != 0) {
		signerd_msg_set(c->msg, c->msglen, "audit line %lld is not the line the"
		    " ledger recorded when it last committed: the log was"
		    " rewritten", (long long)li->seq);
		return STOP_REWRITTEN;
	}
	if (!li->has_sha256 || li->version <= 0)
		return 0;
	if (c->nseen == c->cap) {
		ncap = c->cap ? 2 * c->cap : 256;
		if (ncap > SIZE_MAX / sizeof(*nv) ||
		    (nv = realloc(c->seen, ncap * sizeof(*nv))) == NULL)
			return STOP_NOMEM;
		c->seen = nv;
		c->cap = ncap;
	}
	memset(&c->seen[c->nseen], 0, sizeof(c->seen[c->nseen]));
	memcpy(c->seen[c->nseen].sha256, li->sha256, AUDIT_HASH_LEN);
	c->seen[c->nseen].version = li->version;
	c->seen[c->nseen].seq = li->seq;
	c->seen[c->nseen].withdrawn = li->withdrawn;
	c->nseen++;
	return 0;
}

/* Each ledger row signed since the checked mark: audited, or audit it now. */
static int
on_signed(void *arg, const struct ledger_signed_row *row)
{
	struct ctx *c = arg;
	struct audit_record rec;
	struct seen key, *hit;
	struct tm tm;
	time_t t = (time_t)row->time;
	char when[32], detail[256];

	c->info->checked++;
	if (row->request > c->max_request)
		c->max_request = row->request;
	memset(&key, 0, sizeof(key));
	memcpy(key.sha256, row->hash, AUDIT_HASH_LEN);
	key.version = row->version;
	if (c->nseen > 0 && (hit = bsearch(&key, c->seen, c->nseen,
	    sizeof(key), seen_cmp)) != NULL) {
		hit->committed = 1;
		return 0;
	}
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(when, sizeof(when), "%lld", (long long)row->time);
	snprintf(detail, sizeof(detail), "committed to the ledger at %s"
	    " (request %lld) but named by no audit line: a crash or a failed"
	    " audit write came between; recorded at start", when,
	    (long long)row->request);
	memset(&rec, 0, sizeof(rec));
	/* The peer is not known any more; the line is the daemon's own. */
	rec.uid = geteuid();
	rec.gid = getegid();
	rec.pid = getpid();
	rec.op = "audit.reconcile";
	rec.gun = row->gun;
	rec.role = row->role;
	rec.version = row->version;
	rec.sha256 = row->hash;
	rec.outcome = "reconciled";
	rec.detail = detail;
	if (audit_append(c->audit, &rec) != 0) {
		signerd_msg_set(c->msg, c->msglen, "cannot append the audit.reconcile"
		    " line for %s %s version %lld", row->gun, row->role,
		    (long long)row->version);
		return STOP_APPEND;
	}
	c->info->added++;
	return 0;
}

/*
 * Lines that name a signature the ledger does not hold and that no
 * "withdrawn" line takes back: op_commit writes a request's lines before
 * its ledger commit (their syncs overlap), so a stop in between leaves
 * them. Nothing was returned for them; one "not-committed" line for each
 * says so.
 * c->seen is sorted, so the lines of one document are next to each other.
 */
static int
note_uncommitted(struct ctx *c)
{
	struct audit_record rec;
	char detail[256];
	size_t i, j, k;
	int done;

	for (i = 0; i < c->nseen; i = j) {
		done = 0;
		for (j = i; j < c->nseen && seen_cmp(&c->seen[i],
		    &c->seen[j]) == 0; j++)
			done |= c->seen[j].committed || c->seen[j].withdrawn;
		if (done)
			continue;
		for (k = i; k < j; k++) {
			snprintf(detail, sizeof(detail), "audit line %lld names"
			    " a signature the ledger never committed: signerd"
			    " stopped between writing the line and the commit;"
			    " nothing was returned; recorded at start",
			    (long long)c->seen[k].seq);
			memset(&rec, 0, sizeof(rec));
			rec.uid = geteuid();
			rec.gid = getegid();
			rec.pid = getpid();
			rec.op = "audit.reconcile";
			rec.version = c->seen[k].version;
			rec.sha256 = c->seen[k].sha256;
			rec.outcome = "not-committed";
			rec.detail = detail;
			if (audit_append(c->audit, &rec) != 0) {
				signerd_msg_set(c->msg, c->msglen, "cannot append"
				    " the audit.reconcile line for audit line %lld",
				    (long long)c->seen[k].seq);
				return STOP_APPEND;
			}
			c->info->added++;
		}
	}
	return 0;
}

static void
anchor_get(void *arg, struct ledger_audit_mark *out)
{
	struct audit_head h;

	audit_head_get(arg, &h);
	out->seq = h.seq;
	memcpy(out->hash, h.hash, LEDGER_HASH_LEN);
	out->offset = h.offset;
}

int
reconcile_run(struct ledger *l, struct audit *a, struct reconcile_info *info,
    char *msg, size_t msglen)
{
	struct reconcile_info dummy;
	struct ledger_audit_mark checked, anchor, mark;
	struct audit_head from, head;
	struct ctx c;
	char why[512];
	int rc, r;

	if (info == NULL)
		info = &dummy;
	memset(info, 0, sizeof(*info));
	memset(&c, 0, sizeof(c));
	if (msg != NULL && msglen > 0)
		msg[0] = '\0';
	if (l == NULL || a == NULL)
		return RECONCILE_ERR_INVAL;
	if ((r = ledger_audit_mark_get(l, &checked, &anchor)) != 0) {
		signerd_msg_set(msg, msglen, "ledger: %s", ledger_strerror(r));
		return RECONCILE_ERR_IO;
	}
	audit_head_get(a, &head);
	if (head.seq < anchor.seq || head.seq < checked.seq) {
		signerd_msg_set(msg, msglen, "the audit log ends at line %lld but the"
		    " ledger saw it reach line %lld: complete lines were"
		    " removed from its end; restore it from a copy (or move"
		    " it aside knowingly) before starting", (long long)head.seq,
		    (long long)(anchor.seq > checked.seq ? anchor.seq :
		    checked.seq));
		return RECONCILE_ERR_TRUNCATED;
	}
	if (anchor.seq == checked.seq && anchor.seq > 0 &&
	    memcmp(anchor.hash, checked.hash, LEDGER_HASH_LEN) != 0) {
		signerd_msg_set(msg, msglen, "the ledger's two records of audit line"
		    " %lld differ", (long long)anchor.seq);
		return RECONCILE_ERR_REWRITTEN;
	}
	c.audit = a;
	c.anchor = &anchor;
	c.max_request = checked.request;
	c.info = info;
	c.msg = msg;
	c.msglen = msglen;
	from.seq = checked.seq;
	memcpy(from.hash, checked.hash, AUDIT_HASH_LEN);
	from.offset = checked.offset;
	r = audit_scan(a, &from, on_line, &c, NULL, why, sizeof(why));
	if (r != 0) {
		rc = r == STOP_REWRITTEN ? RECONCILE_ERR_REWRITTEN :
		    r == STOP_NOMEM || r == AUDIT_ERR_NOMEM ?
		    RECONCILE_ERR_NOMEM : r == AUDIT_ERR_BROKEN ?
		    RECONCILE_ERR_BROKEN : RECONCILE_ERR_IO;
		if (r < 0)
			signerd_msg_set(msg, msglen, "audit log since the last start:"
			    " %s; run signerd-audit verify", why);
		goto out;
	}
	if (c.nseen > 1)
		qsort(c.seen, c.nseen, sizeof(*c.seen), seen_cmp);
	r = ledger_signed_since(l, checked.request, on_signed, &c);
	if (r != 0) {
		rc = r == STOP_APPEND ? RECONCILE_ERR_IO : r == LEDGER_ERR_NOMEM ?
		    RECONCILE_ERR_NOMEM : RECONCILE_ERR_IO;
		if (r < 0)
			signerd_msg_set(msg, msglen, "ledger: %s", ledger_strerror(r));
		goto out;
	}
	if (note_uncommitted(&c) != 0) {
		rc = RECONCILE_ERR_IO;
		goto out;
	}
	audit_head_get(a, &head);
	memset(&mark, 0, sizeof(mark));
	mark.request = c.max_request;
	mark.seq = head.seq;
	memcpy(mark.hash, head.hash, LEDGER_HASH_LEN);
	mark.offset = head.offset;
	if ((r = ledger_audit_mark_set(l, &mark)) != 0) {
		signerd_msg_set(msg, msglen, "ledger: cannot record the audit mark: %s",
		    ledger_strerror(r));
		rc = RECONCILE_ERR_IO;
		goto out;
	}
	ledger_anchor_set(l, anchor_get, a);
	rc = 0;
out:
	free(c.seen);
	return rc;
}
