/* SPDX-License-Identifier: Apache-2.0 */
/* hsm/ failure handling against a real SoftHSM2 token: bad modules, tokens, PINs, a vanishing token. */
#define _GNU_SOURCE		/* dladdr */
#include <sys/stat.h>
#include <sys/wait.h>

#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "hsm.h"
#include "hsm_testutil.h"

static struct tt_env env;

/* ASan's fast unwinder stops in libraries built without frame pointers,
 * and tests/lsan.supp can only match leaks whose stack names SoftHSM. */
const char *__asan_default_options(void);
const char *
__asan_default_options(void)
{
	return "fast_unwind_on_malloc=0";
}
static char errpath[PATH_MAX + 16];
static int saved_stderr = -1;

/* Everything a library might print goes to a file we check at the end. */
static void
stderr_capture(void)
{
	int fd;

	snprintf(errpath, sizeof(errpath), "%s/stderr", env.dir);
	fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	saved_stderr = dup(2);
	dup2(fd, 2);
	close(fd);
}

static off_t
stderr_release(void)
{
	struct stat st;

	fflush(stderr);
	dup2(saved_stderr, 2);
	close(saved_stderr);
	assert_int_equal(stat(errpath, &st), 0);
	return st.st_size;
}

static int
setup(void **state)
{
	(void)state;
	if (tt_env_init(&env) != 0 || tt_token_init(&env, "A") != 0 ||
	    tt_token_init(&env, "L") != 0)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	tt_env_cleanup(&env);
	return 0;
}

/* Must run first: SoftHSM reads its config when the module initialises. */
static void
test_bad_module_config(void **state)
{
	struct hsm_config cfg;
	struct hsm_token *tok = (void *)1;
	char missing[PATH_MAX + 16];

	(void)state;
	snprintf(missing, sizeof(missing), "%s/no-such.conf", env.dir);
	setenv("SOFTHSM2_CONF", missing, 1);
	tt_config(&env, &cfg, "A");
	stderr_capture();
	assert_int_equal(hsm_token_open(&cfg, &tok), HSM_ERR_MODULE_INIT);
	assert_int_equal(stderr_release(), 0);
	assert_null(tok);
	assert_non_null(strstr(hsm_error_detail(), "CKR_"));
	assert_non_null(strstr(hsm_error_detail(), "SOFTHSM2_CONF"));
	/* SoftHSM's start-up noise does not stay in our error queue. */
	assert_int_equal(ERR_peek_error(), 0);
	setenv("SOFTHSM2_CONF", env.conf, 1);
}

static void
test_bad_module(void **state)
{
	struct hsm_config cfg;
	struct hsm_token *tok;
	char text[PATH_MAX + 16];
	Dl_info di;

	(void)state;
	tt_config(&env, &cfg, "A");
	cfg.module = "/nonexistent/libpkcs11.so";
	stderr_capture();
	assert_int_equal(hsm_token_open(&cfg, &tok), HSM_ERR_MODULE_NOT_FOUND);
	assert_non_null(strstr(hsm_error_detail(), "/nonexistent/libpkcs11.so"));
	cfg.module = env.dir;	/* a directory */
	assert_int_equal(hsm_token_open(&cfg, &tok), HSM_ERR_MODULE_NOT_FOUND);
	snprintf(text, sizeof(text), "%s/notalib.so", env.dir);
	assert_int_equal(tt_write_file(text, "hello\n", 0600), 0);
	cfg.module = text;
	assert_int_equal(hsm_token_open(&cfg, &tok), HSM_ERR_MODULE_INVALID);
	/* A real shared library that is no PKCS#11 module. */
	assert_true(dladdr((void *)EVP_sha256, &di) != 0);
	cfg.module = di.dli_fname;
	assert_int_equal(hsm_token_open(&cfg, &tok), HSM_ERR_MODULE_INVALID);
	assert_non_null(strstr(hsm_error_detail(), "C_GetFunctionList"));
	assert_int_equal(stderr_release(), 0);
}

static void
test_missing_token(void **state)
{
	struct hsm_config cfg;
	struct hsm_token *tok;

	(void)state;
	tt_config(&env, &cfg, "nosuch");
	assert_int_equal(hsm_token_open(&cfg, &tok), HSM_ERR_TOKEN_NOT_FOUND);
	assert_non_null(strstr(hsm_error_detail(), "'nosuch'"));
	tt_config(&env, &cfg, "pkcs11:token=nosuch");
	assert_int_equal(hsm_token_open(&cfg, &tok), HSM_ERR_TOKEN_NOT_FOUND);
	tt_config(&env, &cfg, "pkcs11:token=A?pin-value=1234");
	assert_int_equal(hsm_token_open(&cfg, &tok), HSM_ERR_URI);
	tt_config(&env, &cfg, "pkcs11:token=%zz");
	assert_int_equal(hsm_token_open(&cfg, &tok), HSM_ERR_URI);
	tt_config(&env, &cfg, "a-label-that-is-longer-than-32-bytes");
	assert_int_equal(hsm_token_open(&cfg, &tok), HSM_ERR_INVALID_ARG);
	/* "pkcs11:" alone matches both tokens. */
	tt_config(&env, &cfg, "pkcs11:");
	assert_int_equal(hsm_token_open(&cfg, &tok), HSM_ERR_TOKEN_AMBIGUOUS);
}

static void
test_pin_sources(void **state)
{
	struct hsm_config cfg;
	struct hsm_token *tok;
	char loose[PATH_MAX + 16];
	int p[2];

	(void)state;
	snprintf(loose, sizeof(loose), "%s/loose-pin", env.dir);
	assert_int_equal(tt_write_file(loose, TT_PIN "\n", 0640), 0);
	tt_config(&env, &cfg, "A");
	cfg.pin_file = loose;
	assert_int_equal(hsm_token_open(&cfg, &tok), HSM_ERR_PIN_SOURCE);
	assert_non_null(strstr(hsm_error_detail(), "chmod 600"));
	assert_int_equal(chmod(loose, 0604), 0);
	assert_int_equal(hsm_token_open(&cfg, &tok), HSM_ERR_PIN_SOURCE);
	snprintf(loose, sizeof(loose), "%s/absent-pin", env.dir);
	assert_int_equal(hsm_token_open(&cfg, &tok), HSM_ERR_PIN_SOURCE);
	/* None of these reached the token. */
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], TT_PIN "\n", 5), 5);
	close(p[1]);
	cfg.pin_source = HSM_PIN_FD;
	cfg.pin_fd = p[0];
	assert_int_equal(hsm_token_open(&cfg, &tok), 0);
	assert_int_equal(hsm_token_login_failures(tok), 0);
	close(p[0]);
	hsm_token_close(tok);
}

/*
 * The prompt on a pseudo-terminal: the PIN typed must not be echoed. The
 * child names a missing module, so MODULE_NOT_FOUND proves the PIN was read
 * (it is read before anything else) without touching SoftHSM after fork.
 */
static void
test_pin_prompt(void **state)
{
	char out[256] = "";
	size_t got = 0;
	ssize_t n;
	int m, st;
	pid_t pid;

	(void)state;
	assert_true((m = posix_openpt(O_RDWR | O_NOCTTY)) >= 0);
	assert_int_equal(grantpt(m), 0);
	assert_int_equal(unlockpt(m), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct hsm_config cfg;
		struct hsm_token *tok;
		int fd;

		setsid();
		/* The session's first terminal becomes its controlling one. */
		if ((fd = open(ptsname(m), O_RDWR)) < 0)
			_exit(3);
		close(m);
		memset(&cfg, 0, sizeof(cfg));
		cfg.module = "/nonexistent/module.so";
		cfg.token = "A";
		cfg.pin_source = HSM_PIN_PROMPT;
		cfg.prompt = "Token PIN: ";
		_exit(hsm_token_open(&cfg, &tok) == HSM_ERR_MODULE_NOT_FOUND ?
		    0 : 1);
	}
	while (got < sizeof(out) - 1 && strstr(out, "PIN: ") == NULL) {
		n = read(m, out + got, sizeof(out) - 1 - got);
		assert_true(n > 0);
		got += (size_t)n;
		out[got] = '\0';
	}
	assert_int_equal(write(m, "4321\n", 5), 5);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	/* Whatever the terminal shows afterwards holds no PIN. */
	while (got < sizeof(out) - 1 &&
	    (n = read(m, out + got, sizeof(out) - 1 - got)) > 0)
		got += (size_t)n;
	out[got] = '\0';
	assert_null(strstr(out, "4321"));
	close(m);
}

static void
test_wrong_pin(void **state)
{
	struct hsm_config cfg;
	struct hsm_token *tok, *tok2;
	struct hsm_keygen spec = { HSM_KEY_ECDSA_P256, "targets", "g", 0 };
	struct hsm_key *key;
	char bad[PATH_MAX + 16], pin[16];
	unsigned char sig[64];
	size_t siglen;

	(void)state;
	snprintf(bad, sizeof(bad), "%s/bad-pin", env.dir);
	assert_int_equal(tt_write_file(bad, "9999\n", 0600), 0);
	tt_config(&env, &cfg, "A");
	cfg.pin_file = bad;
	assert_int_equal(hsm_token_open(&cfg, &tok), HSM_ERR_PIN_INCORRECT);
	assert_non_null(strstr(hsm_error_detail(), "CKR_PIN_INCORRECT"));

	/* Logged in now; a wrong PIN must still be reported as wrong. */
	tt_config(&env, &cfg, "A");
	assert_int_equal(hsm_token_open(&cfg, &tok), 0);
	assert_int_equal(hsm_token_login_failures(tok), 0);
	assert_int_equal(hsm_key_generate(tok, &spec, &key), 0);
	cfg.pin_file = bad;
	assert_int_equal(hsm_token_open(&cfg, &tok2), HSM_ERR_PIN_INCORRECT);
	memcpy(pin, "0000", 5);
	assert_int_equal(hsm_token_login_pin(tok, pin, 4), HSM_ERR_PIN_INCORRECT);
	assert_string_equal(pin, "");	/* wiped */
	assert_int_equal(hsm_token_login_failures(tok), 2);
	/* ... and the right one as right, without logging anyone out. */
	memcpy(pin, TT_PIN, 5);
	assert_int_equal(hsm_token_login_pin(tok, pin, 4), 0);
	assert_int_equal(hsm_token_login_failures(tok), 0);
	assert_int_equal(hsm_key_sign(key, (const unsigned char *)"m", 1, sig,
	    sizeof(sig), &siglen), 0);
	assert_int_equal(hsm_key_delete(key), 0);
	hsm_key_free(key);
	hsm_token_close(tok);
}

static void
test_login_limit(void **state)
{
	struct hsm_config cfg;
	struct hsm_token *tok;
	char pin[16];

	(void)state;
	tt_config(&env, &cfg, "L");
	cfg.pin_source = HSM_PIN_NONE;
	cfg.max_login_failures = 2;
	assert_int_equal(hsm_token_open(&cfg, &tok), 0);
	memcpy(pin, "1111", 5);
	assert_int_equal(hsm_token_login_pin(tok, pin, 4), HSM_ERR_PIN_INCORRECT);
	memcpy(pin, "2222", 5);
	assert_int_equal(hsm_token_login_pin(tok, pin, 4), HSM_ERR_PIN_INCORRECT);
	/* The limit holds even for the right PIN: the token is not asked. */
	memcpy(pin, TT_PIN, 5);
	assert_int_equal(hsm_token_login_pin(tok, pin, 4), HSM_ERR_LOGIN_LOCKED);
	assert_int_equal(hsm_token_login_failures(tok), 2);
	hsm_token_close(tok);
}

static void
test_logout(void **state)
{
	struct hsm_config cfg;
	struct hsm_token *tok, *tok2;
	struct hsm_keygen spec = { HSM_KEY_ECDSA_P256, "root", "g", 0 };
	struct hsm_key *key;
	unsigned char sig[64];
	size_t siglen;
	char pin[8];
	int r;

	(void)state;
	tt_config(&env, &cfg, "A");
	assert_int_equal(hsm_token_open(&cfg, &tok), 0);
	assert_int_equal(hsm_token_open(&cfg, &tok2), 0);
	assert_int_equal(hsm_key_generate(tok, &spec, &key), 0);
	assert_int_equal(hsm_token_logout(tok2), 0);
	/* Every handle lost the login, and a PIN file does not bring it back. */
	assert_int_equal(hsm_key_sign(key, (const unsigned char *)"m", 1, sig,
	    sizeof(sig), &siglen), HSM_ERR_LOGIN_REQUIRED);
	assert_int_equal(hsm_key_sign(key, (const unsigned char *)"m", 1, sig,
	    sizeof(sig), &siglen), HSM_ERR_LOGIN_REQUIRED);
	/* After a logout the PIN is checked by the token again. */
	memcpy(pin, "0000", 5);
	assert_int_equal(hsm_token_login_pin(tok2, pin, 4), HSM_ERR_PIN_INCORRECT);
	assert_int_equal(hsm_token_login(tok2), 0);
	assert_int_equal(hsm_key_sign(key, (const unsigned char *)"m", 1, sig,
	    sizeof(sig), &siglen), 0);
	assert_int_equal(hsm_key_delete(key), 0);
	hsm_key_free(key);
	/* Closing the last handle logs out: a new handle without a PIN
	 * cannot use private keys. */
	hsm_token_close(tok2);
	hsm_token_close(tok);
	cfg.pin_source = HSM_PIN_NONE;
	assert_int_equal(hsm_token_open(&cfg, &tok), 0);
	r = hsm_key_generate(tok, &spec, &key);
	if (r != HSM_ERR_LOGIN_REQUIRED)
		printf("%d %s\n", r, hsm_error_detail());
	assert_int_equal(r, HSM_ERR_LOGIN_REQUIRED);
	hsm_token_close(tok);
}

static int
try_sign(struct hsm_key *key, const unsigned char *spki, size_t spkilen)
{
	unsigned char sig[64];
	size_t siglen;
	int r;

	r = hsm_key_sign(key, (const unsigned char *)"payload", 7, sig,
	    sizeof(sig), &siglen);
	if (getenv("HSMDBG"))
		printf("sign: %d %s\n", r, r ? hsm_error_detail() : "");
	if (r == 0)
		assert_true(tt_verify(HSM_KEY_ECDSA_P256, spki, spkilen,
		    (const unsigned char *)"payload", 7, sig, siglen));
	return r;
}

static void
test_token_removed_and_restored(void **state)
{
	struct hsm_config cfg;
	struct hsm_token *tok;
	struct hsm_keygen spec = { HSM_KEY_ECDSA_P256, "targets", "g", 0 };
	struct hsm_key *key, *k2, *fdkey;
	struct hsm_token *fdtok;
	const unsigned char *spki;
	size_t spkilen;
	char away[PATH_MAX + 16], pin[8];
	int p[2];

	(void)state;
	snprintf(away, sizeof(away), "%s/tokens.away", env.dir);
	tt_config(&env, &cfg, "A");
	assert_int_equal(hsm_token_open(&cfg, &tok), 0);
	assert_int_equal(hsm_key_generate(tok, &spec, &key), 0);
	assert_int_equal(hsm_key_public(key, &spki, &spkilen), 0);
	assert_int_equal(try_sign(key, spki, spkilen), 0);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], TT_PIN "\n", 5), 5);
	close(p[1]);
	cfg.pin_source = HSM_PIN_FD;
	cfg.pin_fd = p[0];
	assert_int_equal(hsm_token_open(&cfg, &fdtok), 0);
	close(p[0]);
	assert_int_equal(hsm_key_find(fdtok, hsm_key_id(key), &fdkey), 0);
	assert_int_equal(try_sign(fdkey, spki, spkilen), 0);

	stderr_capture();
	assert_int_equal(rename(env.tokens, away), 0);
	assert_int_equal(try_sign(key, spki, spkilen), HSM_ERR_TOKEN_GONE);
	assert_non_null(strstr(hsm_error_detail(), "token directory"));
	/* Fail closed, every call, every operation. */
	assert_int_equal(try_sign(key, spki, spkilen), HSM_ERR_TOKEN_GONE);
	assert_int_equal(hsm_key_generate(tok, &spec, &k2), HSM_ERR_TOKEN_GONE);
	usleep(300 * 1000);
	assert_int_equal(try_sign(key, spki, spkilen), HSM_ERR_TOKEN_GONE);

	/* Back again: the next call after the retry interval recovers. A
	 * handle whose PIN came from a descriptor cannot log in again alone. */
	assert_int_equal(rename(away, env.tokens), 0);
	usleep(300 * 1000);
	assert_int_equal(try_sign(fdkey, spki, spkilen), HSM_ERR_LOGIN_REQUIRED);
	assert_int_equal(try_sign(fdkey, spki, spkilen), HSM_ERR_LOGIN_REQUIRED);
	memcpy(pin, TT_PIN, 5);
	assert_int_equal(hsm_token_login_pin(fdtok, pin, 4), 0);
	assert_int_equal(try_sign(fdkey, spki, spkilen), 0);
	assert_int_equal(try_sign(key, spki, spkilen), 0);
	assert_int_equal(try_sign(key, spki, spkilen), 0);
	assert_int_equal(hsm_key_find(tok, hsm_key_id(key), &k2), 0);
	hsm_key_free(k2);
	assert_int_equal(stderr_release(), 0);

	assert_int_equal(hsm_key_delete(key), 0);
	hsm_key_free(key);
	hsm_key_free(fdkey);
	hsm_token_close(fdtok);
	hsm_token_close(tok);
}

#define NSTRESS 4

static atomic_int phase, stop_stress;

struct stresser {
	struct hsm_key *key;
	const unsigned char *spki;
	size_t spkilen;
	unsigned long ok[3], gone, bad, other;
	int other_code, other_phase;
};

static void *
stress_run(void *arg)
{
	struct stresser *st = arg;
	unsigned char sig[64];
	size_t siglen;
	int r, ph;

	while (!atomic_load(&stop_stress)) {
		ph = atomic_load(&phase);
		r = hsm_key_sign(st->key, (const unsigned char *)"stress", 6,
		    sig, sizeof(sig), &siglen);
		if (r == 0 && tt_verify(HSM_KEY_ECDSA_P256, st->spki,
		    st->spkilen, (const unsigned char *)"stress", 6, sig,
		    siglen))
			__atomic_fetch_add(&st->ok[ph], 1, __ATOMIC_RELAXED);
		else if (r == 0)
			st->bad++;
		else if (r == HSM_ERR_TOKEN_GONE)
			st->gone++;
		else {
			st->other++;
			st->other_code = r;
			st->other_phase = ph;
		}
	}
	return NULL;
}

/* Whether every signer has signed in phase ph (relaxed atomic reads). */
static int
stress_seen(struct stresser *st, int ph)
{
	int i;

	for (i = 0; i < NSTRESS; i++)
		if (__atomic_load_n(&st[i].ok[ph], __ATOMIC_RELAXED) == 0)
			return 0;
	return 1;
}

/* Signers keep going while the token goes away and comes back. */
static void
test_token_removed_under_load(void **state)
{
	struct hsm_config cfg;
	struct hsm_token *tok;
	struct hsm_keygen spec = { HSM_KEY_ECDSA_P256, "targets", "g", 0 };
	struct hsm_key *key;
	struct stresser st[NSTRESS];
	pthread_t th[NSTRESS];
	const unsigned char *spki;
	size_t spkilen;
	char away[PATH_MAX + 16];
	unsigned long after = 0;
	int i;

	(void)state;
	snprintf(away, sizeof(away), "%s/tokens.away", env.dir);
	tt_config(&env, &cfg, "A");
	assert_int_equal(hsm_token_open(&cfg, &tok), 0);
	assert_int_equal(hsm_key_generate(tok, &spec, &key), 0);
	assert_int_equal(hsm_key_public(key, &spki, &spkilen), 0);
	memset(st, 0, sizeof(st));
	atomic_store(&phase, 0);
	atomic_store(&stop_stress, 0);
	stderr_capture();
	for (i = 0; i < NSTRESS; i++) {
		st[i].key = key;
		st[i].spki = spki;
		st[i].spkilen = spkilen;
		assert_int_equal(pthread_create(&th[i], NULL, stress_run,
		    &st[i]), 0);
	}
	/* Waits are polled so slow runs (valgrind) see every phase. */
	for (i = 0; i < 1000 && !stress_seen(st, 0); i++)
		usleep(10 * 1000);
	assert_int_equal(rename(env.tokens, away), 0);
	atomic_store(&phase, 1);
	usleep(500 * 1000);
	atomic_store(&phase, 2);
	assert_int_equal(rename(away, env.tokens), 0);
	for (i = 0; i < 1000 && !stress_seen(st, 2); i++)
		usleep(10 * 1000);
	usleep(200 * 1000);
	atomic_store(&stop_stress, 1);
	for (i = 0; i < NSTRESS; i++)
		pthread_join(th[i], NULL);
	assert_int_equal(stderr_release(), 0);
	for (i = 0; i < NSTRESS; i++) {
		if (st[i].other != 0)
			printf("thread %d: %lu errors, last %d in phase %d\n",
			    i, st[i].other, st[i].other_code, st[i].other_phase);
		assert_int_equal(st[i].other, 0);
		assert_int_equal(st[i].bad, 0);
		assert_true(st[i].ok[0] > 0);
		after += st[i].ok[2];
	}
	/* Everyone failed closed for a while, and signing came back. */
	assert_true(st[0].gone + st[1].gone > 0);
	assert_true(after > 0);
	assert_int_equal(hsm_key_delete(key), 0);
	hsm_key_free(key);
	hsm_token_close(tok);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_module_config),
		cmocka_unit_test(test_bad_module),
		cmocka_unit_test(test_missing_token),
		cmocka_unit_test(test_pin_sources),
		cmocka_unit_test(test_pin_prompt),
		cmocka_unit_test(test_wrong_pin),
		cmocka_unit_test(test_login_limit),
		cmocka_unit_test(test_logout),
		cmocka_unit_test(test_token_removed_and_restored),
		cmocka_unit_test(test_token_removed_under_load),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
