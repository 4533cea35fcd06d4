/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for ledger: refusals, idempotent retry, atomic multi-file commits, reopen, kill -9. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "ledger.h"
#include "state_testutil.h"

static char dir[256];

static void
sha(const void *p, size_t n, uint8_t out[LEDGER_HASH_LEN])
{
	unsigned int len = 0;

	assert_int_equal(EVP_Digest(p, n, out, &len, EVP_sha256(), NULL), 1);
}

/* A file for role at version whose bytes say what they are. */
static void
file_make(struct ledger_file *f, char *buf, size_t buflen, const char *role,
    int64_t version, const char *salt)
{
	int n = snprintf(buf, buflen, "{\"role\":\"%s\",\"version\":%lld,"
	    "\"salt\":\"%s\"}", role, (long long)version, salt);

	assert_true(n > 0 && (size_t)n < buflen);
	memset(f, 0, sizeof(*f));
	f->role = role;
	f->version = version;
	f->bytes = (const uint8_t *)buf;
	f->len = (size_t)n;
	sha(buf, (size_t)n, f->hash);
}

static void
fp_make(uint8_t fp[LEDGER_HASH_LEN], const char *what)
{
	sha(what, strlen(what), fp);
}

static int
setup(void **state)
{
	(void)state;
	return state_test_dir_make(dir, sizeof(dir), "test_ledger");
}

static int
teardown(void **state)
{
	(void)state;
	state_test_dir_remove(dir);
	return 0;
}

static struct ledger *
open_ok(void)
{
	struct ledger *l = NULL;
	char msg[256];

	if (ledger_open(dir, &l, msg, sizeof(msg)) != 0)
		fail_msg("ledger_open: %s", msg);
	return l;
}

static void
test_rollback_equivocation(void **state)
{
	struct ledger *l = open_ok();
	struct ledger_file f;
	uint8_t fp[LEDGER_HASH_LEN], h[LEDGER_HASH_LEN];
	char b1[256], b2[256], msg[256];
	int64_t v;

	(void)state;
	assert_int_equal(ledger_last(l, "g/a", "targets", &v, h),
	    LEDGER_ERR_NOTFOUND);
	file_make(&f, b1, sizeof(b1), "targets", 3, "x");
	assert_int_equal(ledger_check(l, "g/a", "targets", 3, f.hash, msg,
	    sizeof(msg)), 0);
	fp_make(fp, "req1");
	assert_int_equal(ledger_commit(l, "g/a", fp, &f, 1, msg, sizeof(msg)), 0);
	assert_int_equal(ledger_last(l, "g/a", "targets", &v, h), 0);
	assert_int_equal(v, 3);
	assert_memory_equal(h, f.hash, LEDGER_HASH_LEN);

	/* Rollback: below the last version, refused by check and by commit. */
	file_make(&f, b2, sizeof(b2), "targets", 2, "y");
	assert_int_equal(ledger_check(l, "g/a", "targets", 2, f.hash, msg,
	    sizeof(msg)), LEDGER_ERR_ROLLBACK);
	assert_non_null(strstr(msg, "version 2 is below version 3"));
	fp_make(fp, "req2");
	assert_int_equal(ledger_commit(l, "g/a", fp, &f, 1, msg, sizeof(msg)),
	    LEDGER_ERR_ROLLBACK);

	/* Equivocation: same version, other bytes. */
	file_make(&f, b2, sizeof(b2), "targets", 3, "y");
	assert_int_equal(ledger_check(l, "g/a", "targets", 3, f.hash, msg,
	    sizeof(msg)), LEDGER_ERR_EQUIVOCATION);
	assert_non_null(strstr(msg, "version 3 was already signed"));
	fp_make(fp, "req3");
	assert_int_equal(ledger_commit(l, "g/a", fp, &f, 1, msg, sizeof(msg)),
	    LEDGER_ERR_EQUIVOCATION);

	/* The same bytes at the same version are no equivocation. */
	file_make(&f, b1, sizeof(b1), "targets", 3, "x");
	assert_int_equal(ledger_check(l, "g/a", "targets", 3, f.hash, msg,
	    sizeof(msg)), 0);
	/* Other GUNs and roles are independent. */
	file_make(&f, b2, sizeof(b2), "targets", 1, "z");
	assert_int_equal(ledger_check(l, "g/b", "targets", 1, f.hash, msg,
	    sizeof(msg)), 0);
	assert_int_equal(ledger_check(l, "g/a", "targets/releases", 1, f.hash,
	    msg, sizeof(msg)), 0);
	/* Nothing refused was recorded. */
	assert_int_equal(ledger_last(l, "g/a", "targets", &v, h), 0);
	assert_int_equal(v, 3);
	ledger_close(l);
}

static void
test_idempotent_retry(void **state)
{
	struct ledger *l = open_ok();
	struct ledger_file f[2], g;
	struct ledger_result res;
	uint8_t fp[LEDGER_HASH_LEN], other[LEDGER_HASH_LEN];
	char b1[256], b2[256], b3[256], msg[256];

	(void)state;
	fp_make(fp, "base+intent A");
	assert_int_equal(ledger_lookup(l, "g/r", fp, &res), LEDGER_ERR_NOTFOUND);
	file_make(&f[0], b1, sizeof(b1), "targets", 5, "A");
	file_make(&f[1], b2, sizeof(b2), "snapshot", 5, "A");
	assert_int_equal(ledger_commit(l, "g/r", fp, f, 2, msg, sizeof(msg)), 0);
	/* The retry gets the stored bytes back, in order. */
	assert_int_equal(ledger_lookup(l, "g/r", fp, &res), 0);
	assert_int_equal(res.nfiles, 2);
	assert_string_equal(res.files[0].role, "targets");
	assert_int_equal(res.files[0].version, 5);
	assert_int_equal(res.files[0].len, f[0].len);
	assert_memory_equal(res.files[0].bytes, b1, f[0].len);
	assert_memory_equal(res.files[0].hash, f[0].hash, LEDGER_HASH_LEN);
	assert_string_equal(res.files[1].role, "snapshot");
	assert_memory_equal(res.files[1].bytes, b2, f[1].len);
	ledger_result_cleanup(&res);
	/* The fingerprint is per GUN. */
	assert_int_equal(ledger_lookup(l, "g/other", fp, &res),
	    LEDGER_ERR_NOTFOUND);
	/* Committing the same result again is harmless; other files are a conflict. */
	assert_int_equal(ledger_commit(l, "g/r", fp, f, 2, msg, sizeof(msg)), 0);
	file_make(&g, b3, sizeof(b3), "targets", 6, "B");
	assert_int_equal(ledger_commit(l, "g/r", fp, &g, 1, msg, sizeof(msg)),
	    LEDGER_ERR_CONFLICT);
	fp_make(other, "base+intent B");
	assert_int_equal(ledger_lookup(l, "g/r", other, &res),
	    LEDGER_ERR_NOTFOUND);
	ledger_close(l);
}

/* All files of a request, or none: a refused snapshot takes its targets with it. */
static void
test_atomic_multi(void **state)
{
	struct ledger *l = open_ok();
	struct ledger_file f[2];
	struct ledger_result res;
	uint8_t fp[LEDGER_HASH_LEN], h[LEDGER_HASH_LEN];
	char b1[256], b2[256], msg[256];
	int64_t v;

	(void)state;
	file_make(&f[0], b1, sizeof(b1), "snapshot", 10, "s");
	fp_make(fp, "m1");
	assert_int_equal(ledger_commit(l, "g/m", fp, f, 1, msg, sizeof(msg)), 0);
	file_make(&f[0], b1, sizeof(b1), "targets", 1, "t");
	file_make(&f[1], b2, sizeof(b2), "snapshot", 9, "s2");
	fp_make(fp, "m2");
	assert_int_equal(ledger_commit(l, "g/m", fp, f, 2, msg, sizeof(msg)),
	    LEDGER_ERR_ROLLBACK);
	assert_int_equal(ledger_last(l, "g/m", "targets", &v, h),
	    LEDGER_ERR_NOTFOUND);
	assert_int_equal(ledger_lookup(l, "g/m", fp, &res), LEDGER_ERR_NOTFOUND);
	/* Bad arguments change nothing either. */
	f[1] = f[0];
	assert_int_equal(ledger_commit(l, "g/m", fp, f, 2, msg, sizeof(msg)),
	    LEDGER_ERR_INVAL);
	assert_non_null(strstr(msg, "twice"));
	file_make(&f[0], b1, sizeof(b1), "targets", 1, "t");
	f[0].hash[0] ^= 1;
	assert_int_equal(ledger_commit(l, "g/m", fp, f, 1, msg, sizeof(msg)),
	    LEDGER_ERR_INVAL);
	assert_non_null(strstr(msg, "hash does not match"));
	file_make(&f[0], b1, sizeof(b1), "targets", 0, "t");
	assert_int_equal(ledger_commit(l, "g/m", fp, f, 1, msg, sizeof(msg)),
	    LEDGER_ERR_INVAL);
	assert_int_equal(ledger_commit(l, "g/m", fp, f, 0, msg, sizeof(msg)),
	    LEDGER_ERR_INVAL);
	assert_int_equal(ledger_last(l, "g/m", "targets", &v, h),
	    LEDGER_ERR_NOTFOUND);
	ledger_close(l);
}

/* Only the latest request of some role keeps its files. */
static void
test_prune(void **state)
{
	struct ledger *l = open_ok();
	struct ledger_file f[2];
	struct ledger_result res;
	uint8_t a[LEDGER_HASH_LEN], b[LEDGER_HASH_LEN], c[LEDGER_HASH_LEN];
	char b1[256], b2[256], msg[256];
	int64_t guns, sigs, guns0, sigs0;

	(void)state;
	assert_int_equal(ledger_stats(l, &guns0, &sigs0), 0);
	fp_make(a, "A");
	fp_make(b, "B");
	fp_make(c, "C");
	file_make(&f[0], b1, sizeof(b1), "targets", 1, "A");
	file_make(&f[1], b2, sizeof(b2), "snapshot", 1, "A");
	assert_int_equal(ledger_commit(l, "g/p", a, f, 2, msg, sizeof(msg)), 0);
	file_make(&f[0], b1, sizeof(b1), "targets", 2, "B");
	file_make(&f[1], b2, sizeof(b2), "snapshot", 2, "B");
	assert_int_equal(ledger_commit(l, "g/p", b, f, 2, msg, sizeof(msg)), 0);
	assert_int_equal(ledger_lookup(l, "g/p", a, &res), LEDGER_ERR_NOTFOUND);
	assert_int_equal(ledger_lookup(l, "g/p", b, &res), 0);
	assert_int_equal(res.latest[0], 1);
	assert_int_equal(res.latest[1], 1);
	ledger_result_cleanup(&res);
	/* C moves snapshot on; B's targets v2 is still the latest, so B stays. */
	file_make(&f[0], b1, sizeof(b1), "targets/releases", 1, "C");
	file_make(&f[1], b2, sizeof(b2), "snapshot", 3, "C");
	assert_int_equal(ledger_commit(l, "g/p", c, f, 2, msg, sizeof(msg)), 0);
	assert_int_equal(ledger_lookup(l, "g/p", b, &res), 0);
	/* ...but its snapshot is no longer the latest, and the op is told. */
	assert_string_equal(res.files[1].role, "snapshot");
	assert_int_equal(res.latest[0], 1);
	assert_int_equal(res.latest[1], 0);
	ledger_result_cleanup(&res);
	assert_int_equal(ledger_lookup(l, "g/p", c, &res), 0);
	ledger_result_cleanup(&res);
	/* History of versions is kept even when files are pruned. */
	assert_int_equal(ledger_stats(l, &guns, &sigs), 0);
	assert_int_equal(guns - guns0, 1);
	assert_int_equal(sigs - sigs0, 6);
	ledger_close(l);
}

static void
test_reopen(void **state)
{
	struct ledger *l = open_ok();
	struct ledger_file f;
	struct ledger_result res;
	uint8_t fp[LEDGER_HASH_LEN], h[LEDGER_HASH_LEN];
	char b1[256], msg[256];
	int64_t v;

	(void)state;
	file_make(&f, b1, sizeof(b1), "targets", 7, "reopen");
	fp_make(fp, "reopen");
	assert_int_equal(ledger_commit(l, "g/reopen", fp, &f, 1, msg,
	    sizeof(msg)), 0);
	ledger_close(l);
	l = open_ok();
	assert_int_equal(ledger_last(l, "g/reopen", "targets", &v, h), 0);
	assert_int_equal(v, 7);
	assert_int_equal(ledger_lookup(l, "g/reopen", fp, &res), 0);
	assert_memory_equal(res.files[0].bytes, b1, f.len);
	ledger_result_cleanup(&res);
	file_make(&f, b1, sizeof(b1), "targets", 6, "late");
	assert_int_equal(ledger_check(l, "g/reopen", "targets", 6, f.hash, msg,
	    sizeof(msg)), LEDGER_ERR_ROLLBACK);
	ledger_close(l);
}

static void
test_open_errors(void **state)
{
	struct ledger *l = NULL;
	char msg[256], p[512];

	(void)state;
	snprintf(p, sizeof(p), "%s/missing", dir);
	assert_int_equal(ledger_open(p, &l, msg, sizeof(msg)), LEDGER_ERR_IO);
	assert_null(l);
	assert_non_null(strstr(msg, "not a directory"));
	snprintf(p, sizeof(p), "%s/loose", dir);
	assert_int_equal(mkdir(p, 0777), 0);
	assert_int_equal(chmod(p, 0777), 0);
	assert_int_equal(ledger_open(p, &l, msg, sizeof(msg)), LEDGER_ERR_IO);
	assert_non_null(strstr(msg, "writable by group or others"));
	rmdir(p);
	/* A file that is not a database is refused, and left as it is. */
	snprintf(p, sizeof(p), "%s/bad", dir);
	assert_int_equal(mkdir(p, 0700), 0);
	{
		char f[600];
		FILE *fh;

		snprintf(f, sizeof(f), "%s/%s", p, LEDGER_FILE_NAME);
		fh = fopen(f, "wb");
		assert_non_null(fh);
		for (int i = 0; i < 200; i++)
			fputs("this is not an SQLite database. ", fh);
		fclose(fh);
		assert_int_not_equal(ledger_open(p, &l, msg, sizeof(msg)), 0);
		assert_null(l);
		assert_true(msg[0] != '\0');
		unlink(f);
	}
	rmdir(p);
}

static void
test_fingerprint(void **state)
{
	const void *p1[] = { "ab", "c" }, *p2[] = { "a", "bc" };
	const size_t l1[] = { 2, 1 }, l2[] = { 1, 2 };
	uint8_t a[LEDGER_HASH_LEN], b[LEDGER_HASH_LEN], c[LEDGER_HASH_LEN];

	(void)state;
	assert_int_equal(ledger_fingerprint(p1, l1, 2, a), 0);
	assert_int_equal(ledger_fingerprint(p2, l2, 2, b), 0);
	/* Same concatenation, different parts: different fingerprints. */
	assert_memory_not_equal(a, b, LEDGER_HASH_LEN);
	assert_int_equal(ledger_fingerprint(p1, l1, 2, c), 0);
	assert_memory_equal(a, c, LEDGER_HASH_LEN);
	assert_int_equal(ledger_fingerprint(NULL, NULL, 0, c), 0);
	assert_memory_not_equal(a, c, LEDGER_HASH_LEN);
	assert_int_equal(ledger_fingerprint(NULL, l1, 1, c), LEDGER_ERR_INVAL);
}

struct counter {
	struct ledger	*l;
	long		 value;
};

static void *
count_main(void *arg)
{
	struct counter *c = arg;
	volatile long v;
	int i;

	for (i = 0; i < 2000; i++) {
		assert_int_equal(ledger_gun_lock(c->l, "g/locked"), 0);
		/* A read-modify-write that loses updates without the lock. */
		v = c->value;
		if (i % 100 == 0)
			sched_yield();
		c->value = v + 1;
		ledger_gun_unlock(c->l, "g/locked");
		/* Other GUNs never wait for it. */
		assert_int_equal(ledger_gun_lock(c->l, "g/free"), 0);
		ledger_gun_unlock(c->l, "g/free");
	}
	return NULL;
}

static void
test_gun_locks(void **state)
{
	struct counter c;
	pthread_t th[4];
	int i;

	(void)state;
	c.l = open_ok();
	c.value = 0;
	for (i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&th[i], NULL, count_main, &c), 0);
	for (i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	assert_int_equal(c.value, 8000);
	/* Both GUNs can be held at once by one thread. */
	assert_int_equal(ledger_gun_lock(c.l, "g/a"), 0);
	assert_int_equal(ledger_gun_lock(c.l, "g/b"), 0);
	ledger_gun_unlock(c.l, "g/b");
	ledger_gun_unlock(c.l, "g/a");
	ledger_close(c.l);
}

struct committer {
	struct ledger	*l;
	int		 id;
	int		 refused;
};

/* Many workers commit at once; refusals inside a shared batch touch nobody else. */
static void *
committer_main(void *arg)
{
	struct committer *c = arg;
	struct ledger_file f;
	uint8_t fp[LEDGER_HASH_LEN];
	char b[256], gun[32], what[64], msg[256];
	int64_t v;

	snprintf(gun, sizeof(gun), "g/group%d", c->id);
	for (v = 1; v <= 30; v++) {
		assert_int_equal(ledger_gun_lock(c->l, gun), 0);
		snprintf(what, sizeof(what), "%s-%lld", gun, (long long)v);
		fp_make(fp, what);
		file_make(&f, b, sizeof(b), "targets", v, what);
		assert_int_equal(ledger_commit(c->l, gun, fp, &f, 1, msg,
		    sizeof(msg)), 0);
		/* A stale request on the same GUN is refused, alone. */
		if (v > 1) {
			snprintf(what, sizeof(what), "%s-stale-%lld", gun,
			    (long long)v);
			fp_make(fp, what);
			file_make(&f, b, sizeof(b), "targets", v - 1, what);
			if (ledger_commit(c->l, gun, fp, &f, 1, msg,
			    sizeof(msg)) == LEDGER_ERR_ROLLBACK)
				c->refused++;
		}
		ledger_gun_unlock(c->l, gun);
	}
	return NULL;
}

static void
test_group_commit(void **state)
{
	struct committer c[6];
	pthread_t th[6];
	uint8_t h[LEDGER_HASH_LEN];
	char gun[32];
	int64_t v;
	int i;

	(void)state;
	c[0].l = open_ok();
	for (i = 0; i < 6; i++) {
		c[i].l = c[0].l;
		c[i].id = i;
		c[i].refused = 0;
		assert_int_equal(pthread_create(&th[i], NULL, committer_main,
		    &c[i]), 0);
	}
	for (i = 0; i < 6; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(c[i].refused, 29);
		snprintf(gun, sizeof(gun), "g/group%d", i);
		assert_int_equal(ledger_last(c[0].l, gun, "targets", &v, h), 0);
		assert_int_equal(v, 30);
	}
	ledger_close(c[0].l);
}

/*
 * The child commits targets+snapshot pairs as fast as it can and reports
 * each version once ledger_commit has returned; the parent kills it with
 * SIGKILL at a random moment. After reopening, every reported version is
 * there, both roles agree (a pair is one transaction), and the retry store
 * holds the exact bytes of the last pair.
 */
static void
crash_child(int wfd, int round)
{
	struct ledger_file f[2];
	struct ledger *l = NULL;
	uint8_t fp[LEDGER_HASH_LEN];
	char b1[256], b2[256], salt[64], msg[256], what[64];
	int64_t v, start = 0;
	uint8_t h[LEDGER_HASH_LEN];

	if (ledger_open(dir, &l, msg, sizeof(msg)) != 0)
		_exit(2);
	if (ledger_last(l, "g/crash", "targets", &start, h) != 0)
		start = 0;
	for (v = start + 1;; v++) {
		snprintf(salt, sizeof(salt), "r%d-v%lld", round, (long long)v);
		snprintf(what, sizeof(what), "fp-%lld", (long long)v);
		file_make(&f[0], b1, sizeof(b1), "targets", v, salt);
		file_make(&f[1], b2, sizeof(b2), "snapshot", v, salt);
		fp_make(fp, what);
		if (ledger_commit(l, "g/crash", fp, f, 2, msg, sizeof(msg)) != 0)
			_exit(3);
		if (write(wfd, &v, sizeof(v)) != sizeof(v))
			_exit(4);
	}
}

static void
test_kill9(void **state)
{
	struct ledger *l;
	struct ledger_result res;
	uint8_t fp[LEDGER_HASH_LEN], h[LEDGER_HASH_LEN], want[LEDGER_HASH_LEN];
	char what[64];
	int64_t reported, got, tv, sv;
	struct timespec ts;
	int round, p[2], status;
	unsigned seed = 7;
	pid_t pid;

	(void)state;
	for (round = 0; round < 4; round++) {
		reported = 0;
		assert_int_equal(pipe(p), 0);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			close(p[0]);
			crash_child(p[1], round);
		}
		close(p[1]);
		/* Let it commit a few, then kill it somewhere in the next ones. */
		while (reported < 5 &&
		    read(p[0], &got, sizeof(got)) == sizeof(got))
			reported = got;
		ts.tv_sec = 0;
		ts.tv_nsec = (long)(rand_r(&seed) % 20000) * 1000;
		nanosleep(&ts, NULL);
		assert_int_equal(kill(pid, SIGKILL), 0);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFSIGNALED(status));
		while (read(p[0], &got, sizeof(got)) == sizeof(got))
			reported = got;
		close(p[0]);

		l = open_ok();
		assert_int_equal(ledger_last(l, "g/crash", "targets", &tv, h), 0);
		assert_int_equal(ledger_last(l, "g/crash", "snapshot", &sv, h), 0);
		/* Reported means committed; at most one more may have landed. */
		assert_true(tv >= reported);
		assert_true(tv <= reported + 1);
		assert_int_equal(tv, sv);
		snprintf(what, sizeof(what), "fp-%lld", (long long)tv);
		fp_make(fp, what);
		assert_int_equal(ledger_lookup(l, "g/crash", fp, &res), 0);
		assert_int_equal(res.nfiles, 2);
		sha(res.files[0].bytes, res.files[0].len, want);
		assert_memory_equal(want, res.files[0].hash, LEDGER_HASH_LEN);
		ledger_result_cleanup(&res);
		ledger_close(l);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rollback_equivocation),
		cmocka_unit_test(test_idempotent_retry),
		cmocka_unit_test(test_atomic_multi),
		cmocka_unit_test(test_prune),
		cmocka_unit_test(test_reopen),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_gun_locks),
		cmocka_unit_test(test_fingerprint),
		cmocka_unit_test(test_group_commit),
		cmocka_unit_test(test_kill9),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
