/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for reconcile: a crash between ledger commit and audit append, a cut audit log, a clean start. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "audit.h"
#include "ledger.h"
#include "reconcile.h"
#include "state_testutil.h"

static char dir[256], logpath[300];

static int
fresh(void **state)
{
	(void)state;
	state_test_dir_remove(dir);
	if (state_test_dir_make(dir, sizeof(dir), "test_reconcile") != 0)
		return -1;
	snprintf(logpath, sizeof(logpath), "%s/%s", dir, AUDIT_FILE_NAME);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	state_test_dir_remove(dir);
	return 0;
}

static void
open_both(struct ledger **l, struct audit **a)
{
	char msg[256];

	if (ledger_open(dir, l, msg, sizeof(msg)) != 0)
		fail_msg("ledger_open: %s", msg);
	if (audit_open(logpath, a, NULL, msg, sizeof(msg)) != 0)
		fail_msg("audit_open: %s", msg);
}

static void
close_both(struct ledger *l, struct audit *a)
{
	audit_close(a);
	ledger_close(l);
}

/* reconcile_run must succeed; returns how many lines it added. */
static int64_t
reconcile_ok(struct ledger *l, struct audit *a, struct reconcile_info *ri)
{
	struct reconcile_info dummy;
	char msg[512];

	if (ri == NULL)
		ri = &dummy;
	if (reconcile_run(l, a, ri, msg, sizeof(msg)) != 0)
		fail_msg("reconcile_run: %s", msg);
	return ri->added;
}

/* One start that must succeed and append want lines. */
static void
start_adds(int64_t want)
{
	struct ledger *l;
	struct audit *a;

	open_both(&l, &a);
	assert_int_equal(reconcile_ok(l, a, NULL), want);
	close_both(l, a);
}

/*
 * What op_commit does for one request: commit the files, then (when
 * audited) append one line per file.
 */
static void
sign(struct ledger *l, struct audit *a, int64_t version, size_t nroles,
    int audited)
{
	static const char *roles[] = { "targets", "snapshot" };
	struct ledger_file f[2];
	struct audit_record rec;
	uint8_t fp[LEDGER_HASH_LEN];
	char buf[2][128], msg[256];
	unsigned int hl = 0;
	size_t i;
	int n;

	memset(f, 0, sizeof(f));
	for (i = 0; i < nroles; i++) {
		n = snprintf(buf[i], sizeof(buf[i]), "{\"%s\":%lld}", roles[i],
		    (long long)version);
		f[i].role = roles[i];
		f[i].version = version;
		f[i].bytes = (const uint8_t *)buf[i];
		f[i].len = (size_t)n;
		assert_int_equal(EVP_Digest(buf[i], (size_t)n, f[i].hash, &hl,
		    EVP_sha256(), NULL), 1);
	}
	assert_int_equal(EVP_Digest(&version, sizeof(version), fp, &hl,
	    EVP_sha256(), NULL), 1);
	if (ledger_commit(l, "docker.io/acme/app", fp, f, nroles, msg,
	    sizeof(msg)) != 0)
		fail_msg("ledger_commit: %s", msg);
	for (i = 0; audited && i < nroles; i++) {
		memset(&rec, 0, sizeof(rec));
		rec.op = "targets.update";
		rec.gun = "docker.io/acme/app";
		rec.role = roles[i];
		rec.version = version;
		rec.sha256 = f[i].hash;
		rec.outcome = "ok";
		assert_int_equal(audit_append(a, &rec), 0);
	}
}

static char *
slurp(const char *path, size_t *len)
{
	char *p = state_test_file_read(path, len);

	assert_non_null(p);
	return p;
}

static void
verify_ok(int64_t want_lines)
{
	int64_t lines = 0, bad = 0;
	char msg[256];

	if (audit_verify(logpath, &lines, &bad, msg, sizeof(msg)) != 0)
		fail_msg("audit_verify: %s", msg);
	assert_int_equal(lines, want_lines);
}

static int
count(const char *hay, const char *needle)
{
	int n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay++;
	}
	return n;
}

/* Keeps the first keep lines of the log. */
static void
cut_to(int64_t keep)
{
	size_t len, off = 0;
	char *p = slurp(logpath, &len);

	while (keep-- > 0) {
		char *nl = memchr(p + off, '\n', len - off);

		assert_non_null(nl);
		off = (size_t)(nl - p) + 1;
	}
	assert_int_equal(truncate(logpath, (off_t)off), 0);
	free(p);
}

/* The log holds n audit.reconcile lines, one for snapshot version 2. */
static void
reconciled_are(int n)
{
	size_t len;
	char *p = slurp(logpath, &len);

	assert_int_equal(count(p, "\"op\":\"audit.reconcile\""), n);
	assert_int_equal(count(p, "\"outcome\":\"reconciled\""), n);
	assert_int_equal(count(p, "\"role\":\"snapshot\",\"version\":2"), 1);
	free(p);
}

static void
test_clean(void **state)
{
	struct reconcile_info ri;
	struct ledger *l;
	struct audit *a;

	(void)state;
	open_both(&l, &a);
	assert_int_equal(reconcile_ok(l, a, &ri), 0);
	assert_int_equal(ri.scanned, 0);
	sign(l, a, 1, 2, 1);
	sign(l, a, 2, 1, 1);
	close_both(l, a);

	open_both(&l, &a);
	assert_int_equal(reconcile_ok(l, a, &ri), 0);
	assert_int_equal(ri.scanned, 3);
	assert_int_equal(ri.checked, 3);
	close_both(l, a);
	verify_ok(3);

	/* The mark moved: the next start reads nothing old again. */
	open_both(&l, &a);
	assert_int_equal(reconcile_ok(l, a, &ri), 0);
	assert_int_equal(ri.scanned, 0);
	assert_int_equal(ri.checked, 0);
	close_both(l, a);
}

/* A request committed but never audited, called piece by piece. */
static void
test_missing_line(void **state)
{
	struct ledger *l;
	struct audit *a;

	(void)state;
	open_both(&l, &a);
	assert_int_equal(reconcile_ok(l, a, NULL), 0);
	sign(l, a, 1, 1, 1);
	sign(l, a, 2, 2, 0);
	close_both(l, a);
	start_adds(2);
	verify_ok(3);
	reconciled_are(2);
	start_adds(0);
	verify_ok(3);
}

/* The real crash: SIGKILL right after the commit returned. */
static void
test_kill_between(void **state)
{
	struct ledger *l;
	struct audit *a;
	int status;
	pid_t pid;

	(void)state;
	open_both(&l, &a);
	assert_int_equal(reconcile_ok(l, a, NULL), 0);
	sign(l, a, 1, 2, 1);
	close_both(l, a);

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		open_both(&l, &a);
		if (reconcile_run(l, a, NULL, NULL, 0) != 0)
			_exit(2);
		sign(l, a, 2, 2, 0);
		raise(SIGKILL);
		_exit(3);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

	start_adds(2);
	verify_ok(4);
	reconciled_are(2);
	start_adds(0);
}

/* One "ok" line for targets version, as op_commit writes before its commit. */
static void
line_only(struct audit *a, int64_t version, const char *outcome)
{
	struct audit_record rec;
	uint8_t h[AUDIT_HASH_LEN];
	int64_t end = 0;

	memset(h, (int)version, sizeof(h));
	memset(&rec, 0, sizeof(rec));
	rec.op = "targets.update";
	rec.gun = "docker.io/acme/app";
	rec.role = "targets";
	rec.version = version;
	rec.sha256 = h;
	rec.outcome = outcome;
	assert_int_equal(audit_write_many(a, &rec, 1, &end), 0);
	assert_true(end > 0);
	assert_int_equal(audit_sync_wait(a, end), 0);
}

/*
 * The other crash of overlapped syncs: the audit line is on disk, the
 * ledger commit never happened (SIGKILL in between). The next start adds
 * one "not-committed" line for it, none for a line a "withdrawn" line took
 * back, and the one after adds nothing.
 */
static void
test_line_without_commit(void **state)
{
	struct ledger *l;
	struct audit *a;
	size_t len;
	char *p;
	int status;
	pid_t pid;

	(void)state;
	open_both(&l, &a);
	assert_int_equal(reconcile_ok(l, a, NULL), 0);
	sign(l, a, 1, 2, 1);
	line_only(a, 7, "ok");
	line_only(a, 7, "withdrawn");
	close_both(l, a);

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		open_both(&l, &a);
		if (reconcile_run(l, a, NULL, NULL, 0) != 0)
			_exit(2);
		line_only(a, 2, "ok");
		raise(SIGKILL);
		_exit(3);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

	start_adds(1);
	verify_ok(6);
	p = slurp(logpath, &len);
	assert_int_equal(count(p, "\"outcome\":\"not-committed\""), 1);
	assert_non_null(strstr(p, "audit line 5 names a signature the ledger"
	    " never committed"));
	free(p);
	start_adds(0);
	verify_ok(6);
}

/*
 * A start, then versions 1..n signed and audited, one line each. Each
 * commit records the synced head, so the anchor ends at line n - 1.
 */
static void
run_signed(int64_t n)
{
	struct ledger *l;
	struct audit *a;
	int64_t v;

	open_both(&l, &a);
	assert_int_equal(reconcile_ok(l, a, NULL), 0);
	for (v = 1; v <= n; v++)
		sign(l, a, v, 1, 1);
	close_both(l, a);
}

/* The next start is refused with want, msg naming needle; nothing written. */
static void
start_refused(int want, const char *needle)
{
	struct ledger *l;
	struct audit *a;
	char msg[512];

	open_both(&l, &a);
	assert_int_equal(reconcile_run(l, a, NULL, msg, sizeof(msg)), want);
	if (strstr(msg, needle) == NULL)
		fail_msg("\"%s\" not in: %s", needle, msg);
	close_both(l, a);
}

static void
test_truncated(void **state)
{
	struct stat sb;

	(void)state;
	run_signed(4);
	/* Lines 3 and 4 removed: line 3 was seen by the ledger. */
	cut_to(2);
	start_refused(RECONCILE_ERR_TRUNCATED, "ends at line 2");
	verify_ok(2);	/* refused, and nothing appended */

	/* The whole log gone: still refused. */
	assert_int_equal(unlink(logpath), 0);
	start_refused(RECONCILE_ERR_TRUNCATED, "reach line 3");
	assert_int_equal(stat(logpath, &sb), 0);
	assert_int_equal(sb.st_size, 0);
}

/* Only lines after the anchor cut: the signature is named again. */
static void
test_cut_after_anchor(void **state)
{
	(void)state;
	run_signed(3);
	cut_to(2);
	start_adds(1);
	verify_ok(3);
}

/* A consistent chain of the same length, but not the one the ledger saw. */
static void
test_rewritten(void **state)
{
	struct audit_record rec;
	struct audit *a;
	int64_t v;

	(void)state;
	run_signed(4);
	assert_int_equal(unlink(logpath), 0);
	assert_int_equal(audit_open(logpath, &a, NULL, NULL, 0), 0);
	memset(&rec, 0, sizeof(rec));
	rec.op = "status";
	rec.outcome = "ok";
	for (v = 1; v <= 4; v++)
		assert_int_equal(audit_append(a, &rec), 0);
	audit_close(a);
	verify_ok(4);
	start_refused(RECONCILE_ERR_REWRITTEN, "line 3 is not the line");
	verify_ok(4);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_clean, fresh),
		cmocka_unit_test_setup(test_missing_line, fresh),
		cmocka_unit_test_setup(test_kill_between, fresh),
		cmocka_unit_test_setup(test_line_without_commit, fresh),
		cmocka_unit_test_setup(test_truncated, fresh),
		cmocka_unit_test_setup(test_cut_after_anchor, fresh),
		cmocka_unit_test_setup(test_rewritten, fresh),
	};

	return cmocka_run_group_tests(tests, NULL, teardown);
}
