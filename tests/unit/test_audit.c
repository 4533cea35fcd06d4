/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for audit: the chain verifies; edits, removals, reorders and torn tails are found. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "audit.h"
#include "state_testutil.h"

static char dir[256];
static char path[512];

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "%s/test_audit.XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/audit.log", dir);
	return 0;
}

static int
teardown(void **state)
{
	char p[600];

	(void)state;
	unlink(path);
	snprintf(p, sizeof(p), "%s.torn", path);
	unlink(p);
	rmdir(dir);
	return 0;
}

static int
fresh(void **state)
{
	char p[600];

	(void)state;
	unlink(path);
	snprintf(p, sizeof(p), "%s.torn", path);
	unlink(p);
	return 0;
}

static void
record(struct audit_record *r, int i, uint8_t *hash)
{
	static _Thread_local char gun[64];

	memset(r, 0, sizeof(*r));
	r->uid = 1000 + (uid_t)i;
	r->gid = 100;
	r->pid = 4242;
	r->op = "targets.update";
	snprintf(gun, sizeof(gun), "docker.io/app%d", i);
	r->gun = gun;
	r->role = "targets";
	r->version = i + 1;
	r->key_id = "0123abcd";
	memset(hash, i, AUDIT_HASH_LEN);
	r->sha256 = hash;
	r->outcome = "ok";
	r->detail = i == 2 ? "tag \"v1\" <&> \xc3\xa9" : NULL;
}

static void
write_log(int n)
{
	struct audit_record r;
	struct audit *a = NULL;
	uint8_t h[AUDIT_HASH_LEN];
	char msg[256];
	int i;

	if (audit_open(path, &a, NULL, msg, sizeof(msg)) != 0)
		fail_msg("audit_open: %s", msg);
	for (i = 0; i < n; i++) {
		record(&r, i, h);
		assert_int_equal(audit_append(a, &r), 0);
	}
	audit_close(a);
}

static char *
slurp(size_t *len)
{
	char *buf = state_test_file_read(path, len);

	assert_non_null(buf);
	return buf;
}

static void
spill(const char *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	fclose(f);
}

/* Offsets of the starts of lines (1-based index), plus the end. */
static size_t
line_starts(const char *buf, size_t len, size_t *starts, size_t max)
{
	size_t n = 0, i;

	starts[n++] = 0;
	for (i = 0; i < len && n < max; i++)
		if (buf[i] == '\n')
			starts[n++] = i + 1;
	return n - 1;	/* number of complete lines */
}

static void
expect_broken(int64_t line, const char *why)
{
	int64_t lines, bad;
	char msg[512];

	assert_int_equal(audit_verify(path, &lines, &bad, msg, sizeof(msg)),
	    AUDIT_ERR_BROKEN);
	if (bad != line || strstr(msg, why) == NULL)
		fail_msg("want line %lld (%s), got %lld: %s", (long long)line,
		    why, (long long)bad, msg);
}

static void
expect_ok(int64_t nlines)
{
	int64_t lines, bad;
	char msg[512];

	if (audit_verify(path, &lines, &bad, msg, sizeof(msg)) != 0)
		fail_msg("verify: %s", msg);
	assert_int_equal(lines, nlines);
}

/* Several records of one request: written in order, one chain, one sync. */
static void
test_append_n(void **state)
{
	struct audit_record r[3];
	struct audit *a = NULL;
	uint8_t h[3][AUDIT_HASH_LEN];
	char msg[256];
	int i;

	(void)state;
	write_log(1);
	if (audit_open(path, &a, NULL, msg, sizeof(msg)) != 0)
		fail_msg("audit_open: %s", msg);
	for (i = 0; i < 3; i++)
		record(&r[i], i + 3, h[i]);
	r[1].role = "snapshot";
	assert_int_equal(audit_append_many(a, r, 3), 0);
	assert_int_equal(audit_append_many(a, r, 0), AUDIT_ERR_INVAL);
	assert_int_equal(audit_append_many(a, NULL, 1), AUDIT_ERR_INVAL);
	/* A record that cannot be written fails the call; those before it
	 * are still chained and on disk. */
	record(&r[0], 7, h[0]);
	record(&r[1], 8, h[1]);
	r[1].detail = "bad \xff utf-8";
	assert_int_equal(audit_append_many(a, r, 2), AUDIT_ERR_INVAL);
	audit_close(a);
	expect_ok(5);
}

static void
test_chain_verifies(void **state)
{
	struct audit_record r;
	struct audit *a = NULL;
	uint8_t h[AUDIT_HASH_LEN];
	size_t len;
	char *buf;

	(void)state;
	write_log(5);
	expect_ok(5);
	buf = slurp(&len);
	/* Line 1 chains from the genesis value; strings are escaped canonically. */
	assert_non_null(strstr(buf, "\"prev\":\"0000000000000000000000000000"
	    "000000000000000000000000000000000000\""));
	assert_non_null(strstr(buf, "\"seq\":1,"));
	assert_non_null(strstr(buf, "\\\"v1\\\" \\u003c\\u0026\\u003e \xc3\xa9"));
	assert_non_null(strstr(buf, "\"sha256\":\"0202020202"));
	free(buf);
	/* Reopening continues the chain. */
	write_log(2);
	expect_ok(7);
	/* A field that cannot be written is refused and nothing is appended. */
	assert_int_equal(audit_open(path, &a, NULL, NULL, 0), 0);
	record(&r, 1, h);
	r.detail = "bad \xff utf-8";
	assert_int_equal(audit_append(a, &r), AUDIT_ERR_INVAL);
	r.detail = NULL;
	r.op = NULL;
	assert_int_equal(audit_append(a, &r), AUDIT_ERR_INVAL);
	audit_close(a);
	expect_ok(7);
	/* An empty log verifies with zero lines. */
	fresh(state);
	assert_int_equal(audit_open(path, &a, NULL, NULL, 0), 0);
	audit_close(a);
	expect_ok(0);
}

static void
test_edited_line(void **state)
{
	size_t len, st[16];
	char *buf, *p;

	(void)state;
	write_log(5);
	buf = slurp(&len);
	line_starts(buf, len, st, 16);
	/* uid 1002 -> 1009 on line 3. */
	p = strstr(buf + st[2], "\"uid\":1002");
	assert_non_null(p);
	p[9] = '9';
	spill(buf, len);
	expect_broken(3, "edited");
	free(buf);
}

/* Someone who edits a line and fixes its own hash still breaks the next link. */
static void
test_edited_line_rehashed(void **state)
{
	uint8_t h[AUDIT_HASH_LEN];
	unsigned int hl;
	size_t len, st[16], body;
	char *buf, *p, hx[65];
	int i;

	(void)state;
	write_log(5);
	buf = slurp(&len);
	line_starts(buf, len, st, 16);
	p = strstr(buf + st[2], "\"uid\":1002");
	p[9] = '9';
	/* Recompute line 3's line_sha256 over its new body. */
	body = st[3] - 1 - st[2] - (16 + 64 + 2);
	assert_int_equal(EVP_Digest(buf + st[2], body, h, &hl, EVP_sha256(),
	    NULL), 1);
	for (i = 0; i < 32; i++)
		snprintf(hx + 2 * i, 3, "%02x", h[i]);
	memcpy(buf + st[2] + body + 16, hx, 64);
	spill(buf, len);
	expect_broken(4, "prev is not the sha256 of line 3");
	free(buf);
}

static void
test_removed_line(void **state)
{
	size_t len, st[16];
	char *buf;

	(void)state;
	write_log(5);
	buf = slurp(&len);
	line_starts(buf, len, st, 16);
	/* Drop line 3. */
	memmove(buf + st[2], buf + st[3], len - st[3]);
	spill(buf, len - (st[3] - st[2]));
	expect_broken(3, "seq is 4");
	free(buf);
}

static void
test_reordered_lines(void **state)
{
	size_t len, st[16], n2, n3;
	char *buf, *copy;

	(void)state;
	write_log(5);
	buf = slurp(&len);
	line_starts(buf, len, st, 16);
	/* Swap lines 2 and 3. */
	n2 = st[2] - st[1];
	n3 = st[3] - st[2];
	copy = malloc(len);
	assert_non_null(copy);
	memcpy(copy, buf, len);
	memcpy(buf + st[1], copy + st[2], n3);
	memcpy(buf + st[1] + n3, copy + st[1], n2);
	spill(buf, len);
	expect_broken(2, "seq is 3");
	free(copy);
	free(buf);
}

static void
test_garbage_line(void **state)
{
	size_t len, st[16];
	char *buf;

	(void)state;
	write_log(3);
	buf = slurp(&len);
	line_starts(buf, len, st, 16);
	spill(buf, st[2]);
	{
		FILE *f = fopen(path, "ab");

		fputs("not json at all\n", f);
		fwrite(buf + st[2], 1, len - st[2], f);
		fclose(f);
	}
	expect_broken(3, "does not end with its line_sha256");
	free(buf);
}

/* The documented recovery: a torn tail is moved aside, logged, and the chain goes on. */
static void
test_torn_tail(void **state)
{
	struct audit_open_info info;
	struct audit *a = NULL;
	struct audit_record r;
	uint8_t h[AUDIT_HASH_LEN];
	size_t len, tlen, st[16];
	char *buf, msg[256], tpath[600], *torn;
	FILE *f;

	(void)state;
	write_log(3);
	buf = slurp(&len);
	line_starts(buf, len, st, 16);
	/* A crash in the middle of writing line 3. */
	spill(buf, st[2] + 40);
	expect_broken(3, "incomplete");
	assert_int_equal(audit_open(path, &a, &info, msg, sizeof(msg)), 0);
	assert_int_equal(info.torn_bytes, 40);
	assert_int_equal(info.lines, 2);
	snprintf(tpath, sizeof(tpath), "%s.torn", path);
	assert_string_equal(info.torn_path, tpath);
	/* The torn bytes are kept, not lost. */
	f = fopen(tpath, "rb");
	assert_non_null(f);
	torn = calloc(1, 64);
	tlen = fread(torn, 1, 64, f);
	fclose(f);
	assert_int_equal(tlen, 40);
	assert_memory_equal(torn, buf + st[2], 40);
	free(torn);
	record(&r, 9, h);
	assert_int_equal(audit_append(a, &r), 0);
	audit_close(a);
	expect_ok(4);
	free(buf);
	buf = slurp(&len);
	line_starts(buf, len, st, 16);
	/* Line 3 records the recovery. */
	assert_non_null(strstr(buf + st[2], "\"op\":\"audit.recover\""));
	assert_true(strstr(buf + st[2], "torn last line of 40 bytes") <
	    buf + st[3]);
	free(buf);
}

/* A damaged last complete line is not chained onto, and the file is left alone. */
static void
test_corrupt_last_line(void **state)
{
	struct audit *a = NULL;
	size_t len, len2, st[16];
	char *buf, *buf2, msg[256];

	(void)state;
	write_log(3);
	buf = slurp(&len);
	line_starts(buf, len, st, 16);
	buf[st[2] + 10] ^= 1;
	spill(buf, len);
	assert_int_equal(audit_open(path, &a, NULL, msg, sizeof(msg)),
	    AUDIT_ERR_CORRUPT);
	assert_null(a);
	assert_non_null(strstr(msg, "last complete line"));
	buf2 = slurp(&len2);
	assert_int_equal(len, len2);
	assert_memory_equal(buf, buf2, len);
	free(buf);
	free(buf2);
}

/* Oversized, multibyte and control-character fields are cut, never refused. */
static void
test_long_fields(void **state)
{
	struct audit_record r;
	struct audit *a = NULL;
	uint8_t h[AUDIT_HASH_LEN];
	char *big, *ctl;
	size_t i;

	(void)state;
	big = malloc(5001);
	ctl = malloc(5001);
	assert_non_null(big);
	assert_non_null(ctl);
	/* "é" is two bytes: the cut at 1024 or 512 lands inside one. */
	for (i = 0; i + 1 < 5000; i += 2) {
		big[i] = (char)0xc3;
		big[i + 1] = (char)0xa9;
	}
	big[i] = 'x';
	big[5000] = '\0';
	memset(ctl, 1, 5000);
	ctl[5000] = '\0';
	assert_int_equal(audit_open(path, &a, NULL, NULL, 0), 0);
	record(&r, 0, h);
	r.detail = big;
	r.gun = big;
	r.role = big;
	assert_int_equal(audit_append(a, &r), 0);
	r.detail = ctl;
	r.gun = ctl;
	r.role = ctl;
	r.key_id = ctl;
	r.op = ctl;
	r.outcome = ctl;
	assert_int_equal(audit_append(a, &r), 0);
	audit_close(a);
	expect_ok(2);
	free(big);
	free(ctl);
}

struct writer {
	struct audit	*a;
	int		 id;
};

static void *
writer_main(void *arg)
{
	struct writer *w = arg;
	struct audit_record r;
	uint8_t h[AUDIT_HASH_LEN];
	int i;

	for (i = 0; i < 25; i++) {
		record(&r, w->id, h);
		r.gun = "docker.io/shared";
		r.detail = NULL;
		assert_int_equal(audit_append(w->a, &r), 0);
	}
	return NULL;
}

static void
test_threads(void **state)
{
	struct writer w[4];
	pthread_t th[4];
	struct audit *a = NULL;
	int i;

	(void)state;
	assert_int_equal(audit_open(path, &a, NULL, NULL, 0), 0);
	for (i = 0; i < 4; i++) {
		w[i].a = a;
		w[i].id = i;
		assert_int_equal(pthread_create(&th[i], NULL, writer_main,
		    &w[i]), 0);
	}
	for (i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	audit_close(a);
	expect_ok(100);
}

/* kill -9 in the middle of a burst of appends: reopen recovers, the chain verifies. */
static void
test_kill9(void **state)
{
	struct audit_open_info info;
	struct audit_record r;
	struct audit *a = NULL;
	uint8_t h[AUDIT_HASH_LEN];
	int64_t got, lines, bad;
	char msg[512];
	int p[2], status, round;
	pid_t pid;

	(void)state;
	for (round = 0; round < 3; round++) {
		assert_int_equal(pipe(p), 0);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			close(p[0]);
			if (audit_open(path, &a, NULL, NULL, 0) != 0)
				_exit(2);
			for (got = 1;; got++) {
				record(&r, (int)(got % 7), h);
				if (audit_append(a, &r) != 0)
					_exit(3);
				if (write(p[1], &got, sizeof(got)) != sizeof(got))
					_exit(4);
			}
		}
		close(p[1]);
		while (read(p[0], &got, sizeof(got)) == sizeof(got) && got < 20)
			;
		usleep((useconds_t)(round * 3000));
		assert_int_equal(kill(pid, SIGKILL), 0);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		close(p[0]);
		assert_int_equal(audit_open(path, &a, &info, msg, sizeof(msg)), 0);
		audit_close(a);
		if (audit_verify(path, &lines, &bad, msg, sizeof(msg)) != 0)
			fail_msg("round %d: %s", round, msg);
		assert_true(lines >= 20 * (round + 1));
	}
}

static int
run_cli(char *out, size_t outlen)
{
	char cmd[1024];
	FILE *p;
	size_t n;
	int status;

	snprintf(cmd, sizeof(cmd), "'%s' verify '%s' 2>&1", SIGNERD_AUDIT_BIN,
	    path);
	p = popen(cmd, "r");
	assert_non_null(p);
	n = fread(out, 1, outlen - 1, p);
	out[n] = '\0';
	status = pclose(p);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void
test_cli(void **state)
{
	size_t len, st[16];
	char out[1024], *buf;

	(void)state;
	write_log(4);
	assert_int_equal(run_cli(out, sizeof(out)), 0);
	assert_non_null(strstr(out, "OK"));
	assert_non_null(strstr(out, "4 lines"));
	buf = slurp(&len);
	line_starts(buf, len, st, 16);
	memmove(buf + st[1], buf + st[2], len - st[2]);
	spill(buf, len - (st[2] - st[1]));
	assert_int_equal(run_cli(out, sizeof(out)), 1);
	assert_non_null(strstr(out, "line 2: seq is 3"));
	free(buf);
	unlink(path);
	assert_int_equal(run_cli(out, sizeof(out)), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_chain_verifies, fresh),
		cmocka_unit_test_setup(test_append_n, fresh),
		cmocka_unit_test_setup(test_edited_line, fresh),
		cmocka_unit_test_setup(test_edited_line_rehashed, fresh),
		cmocka_unit_test_setup(test_removed_line, fresh),
		cmocka_unit_test_setup(test_reordered_lines, fresh),
		cmocka_unit_test_setup(test_garbage_line, fresh),
		cmocka_unit_test_setup(test_torn_tail, fresh),
		cmocka_unit_test_setup(test_corrupt_last_line, fresh),
		cmocka_unit_test_setup(test_long_fields, fresh),
		cmocka_unit_test_setup(test_threads, fresh),
		cmocka_unit_test_setup(test_kill9, fresh),
		cmocka_unit_test_setup(test_cli, fresh),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
