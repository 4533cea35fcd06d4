/* SPDX-License-Identifier: Apache-2.0 */
/* Signs per second through hsm/ beside raw C_SignInit+C_Sign (one session per thread), keygen and login times. */
#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <p11-kit/pkcs11.h>

#include "hsm.h"

#define MAXT 8
#define MSGLEN 64

static CK_FUNCTION_LIST_PTR f;
static CK_SLOT_ID slot;
static CK_OBJECT_HANDLE rawkey;
static struct hsm_key *key;
static atomic_int stop;
static pthread_barrier_t barrier;

enum path { PATH_HSM, PATH_RAW_HASH, PATH_RAW };

struct worker {
	enum path path;
	CK_SESSION_HANDLE s;
	unsigned long n;
	double cpu;		/* thread CPU seconds spent in the loop */
	int err;
};

static double
cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
die(const char *what)
{
	fprintf(stderr, "bench_hsm: %s: %s\n", what, hsm_error_detail());
	exit(1);
}

static void *
run(void *arg)
{
	struct worker *w = arg;
	CK_MECHANISM m = { CKM_ECDSA, NULL, 0 };
	unsigned char msg[MSGLEN], dig[32], sig[64];
	size_t siglen;
	CK_ULONG sl;
	double c0;

	memset(msg, 'm', sizeof(msg));
	memset(dig, 'd', sizeof(dig));
	pthread_barrier_wait(&barrier);
	c0 = cpu_now();
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		msg[0] = (unsigned char)w->n;
		switch (w->path) {
		case PATH_HSM:
			if (hsm_key_sign(key, msg, sizeof(msg), sig,
			    sizeof(sig), &siglen) != 0)
				w->err++;
			break;
		case PATH_RAW_HASH:
			SHA256(msg, sizeof(msg), dig);
			/* FALLTHROUGH */
		case PATH_RAW:
			sl = sizeof(sig);
			if (f->C_SignInit(w->s, &m, rawkey) != CKR_OK ||
			    f->C_Sign(w->s, dig, sizeof(dig), sig, &sl) !=
			    CKR_OK)
				w->err++;
			break;
		}
		w->n++;
	}
	w->cpu = cpu_now() - c0;
	return NULL;
}

/* Signs per wall-clock second; *cpu_us gets CPU microseconds per sign. */
static double
rate(enum path path, int nthreads, double seconds, double *cpu_us)
{
	double cpu = 0;
	struct worker w[MAXT];
	pthread_t th[MAXT];
	unsigned long total = 0;
	double t0, t1;
	int i;

	memset(w, 0, sizeof(w));
	pthread_barrier_init(&barrier, NULL, (unsigned)nthreads + 1);
	atomic_store(&stop, 0);
	for (i = 0; i < nthreads; i++) {
		w[i].path = path;
		if (path != PATH_HSM && f->C_OpenSession(slot,
		    CKF_SERIAL_SESSION, NULL, NULL, &w[i].s) != CKR_OK)
			die("raw session");
		pthread_create(&th[i], NULL, run, &w[i]);
	}
	pthread_barrier_wait(&barrier);
	t0 = now();
	while (now() - t0 < seconds)
		nanosleep(&(struct timespec){ 0, 20 * 1000 * 1000 }, NULL);
	atomic_store(&stop, 1);
	for (i = 0; i < nthreads; i++)
		pthread_join(th[i], NULL);
	t1 = now();
	for (i = 0; i < nthreads; i++) {
		if (w[i].err)
			die("signing failed");
		total += w[i].n;
		cpu += w[i].cpu;
		if (path != PATH_HSM)
			f->C_CloseSession(w[i].s);
	}
	pthread_barrier_destroy(&barrier);
	*cpu_us = total > 0 ? cpu * 1e6 / (double)total : 0;
	return (double)total / (t1 - t0);
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The raw side: the same module, already initialised by hsm/. */
static void
raw_setup(const char *module, const char *label, const char *idhex)
{
	CK_C_GetFunctionList getfl;
	CK_SLOT_ID slots[16];
	CK_ULONG n = 16, i, found = 0;
	CK_TOKEN_INFO ti;
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	unsigned char id[32];
	CK_ATTRIBUTE t[2] = { { CKA_CLASS, &cls, sizeof(cls) },
	    { CKA_ID, id, sizeof(id) } };
	CK_SESSION_HANDLE s;
	void *dl;
	unsigned int v;

	if ((dl = dlopen(module, RTLD_NOW | RTLD_LOCAL)) == NULL)
		die("dlopen");
	*(void **)&getfl = dlsym(dl, "C_GetFunctionList");
	if (getfl == NULL || getfl(&f) != CKR_OK ||
	    f->C_Initialize(NULL) != CKR_CRYPTOKI_ALREADY_INITIALIZED ||
	    f->C_GetSlotList(CK_TRUE, slots, &n) != CKR_OK)
		die("raw module");
	for (i = 0; i < n; i++)
		if (f->C_GetTokenInfo(slots[i], &ti) == CKR_OK &&
		    memcmp(ti.label, label, strlen(label)) == 0 &&
		    ti.label[strlen(label)] == ' ')
			slot = slots[i];
	for (i = 0; i < 32; i++) {
		if (sscanf(idhex + 2 * i, "%2x", &v) != 1)
			die("key id");
		id[i] = (unsigned char)v;
	}
	if (f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s) !=
	    CKR_OK || f->C_FindObjectsInit(s, t, 2) != CKR_OK ||
	    f->C_FindObjects(s, &rawkey, 1, &found) != CKR_OK || found != 1)
		die("raw key");
	f->C_FindObjectsFinal(s);
	f->C_CloseSession(s);
}

/* Raw C_GenerateKeyPair for comparison with hsm_key_generate. */
static void
raw_keygen_times(int n)
{
	CK_BYTE ecp[] = { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03,
	    0x01, 0x07 }, id[] = { 0xbe, 0x7c };
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_ATTRIBUTE pub[] = { { CKA_EC_PARAMS, ecp, sizeof(ecp) },
	    { CKA_TOKEN, &yes, 1 }, { CKA_VERIFY, &yes, 1 },
	    { CKA_ID, id, sizeof(id) } };
	CK_ATTRIBUTE prv[] = { { CKA_TOKEN, &yes, 1 }, { CKA_PRIVATE, &yes, 1 },
	    { CKA_SIGN, &yes, 1 }, { CKA_SENSITIVE, &yes, 1 },
	    { CKA_EXTRACTABLE, &no, 1 }, { CKA_ID, id, sizeof(id) } };
	CK_MECHANISM m = { CKM_EC_KEY_PAIR_GEN, NULL, 0 };
	CK_OBJECT_HANDLE hp, hk;
	CK_SESSION_HANDLE s;
	double v[8], t0;
	int i;

	if (f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL,
	    NULL, &s) != CKR_OK)
		die("raw session");
	for (i = 0; i < n; i++) {
		t0 = now();
		if (f->C_GenerateKeyPair(s, &m, pub, 4, prv, 6, &hp, &hk) !=
		    CKR_OK)
			die("raw keygen");
		v[i] = (now() - t0) * 1e3;
		f->C_DestroyObject(s, hp);
		f->C_DestroyObject(s, hk);
	}
	f->C_CloseSession(s);
	printf("keygen ecdsa raw C_GenerateKeyPair = %.1f ms (median of %d)\n",
	    median(v, n), n);
}

static void
keygen_times(struct hsm_token *tok, enum hsm_key_type type, int n)
{
	struct hsm_keygen spec = { type, "bench", "bench.example/app", 0 };
	struct hsm_key *k;
	double v[8], t0;
	int i;

	for (i = 0; i < n; i++) {
		t0 = now();
		if (hsm_key_generate(tok, &spec, &k) != 0)
			die("keygen");
		v[i] = (now() - t0) * 1e3;
		if (hsm_key_delete(k) != 0)
			die("delete");
		hsm_key_free(k);
	}
	printf("keygen %-7s = %.1f ms (median of %d)\n",
	    hsm_key_type_name(type), median(v, n), n);
}

int
main(int argc, char **argv)
{
	struct hsm_config cfg;
	struct hsm_token *tok;
	struct hsm_keygen spec = { HSM_KEY_ECDSA_P256, "targets", "bench.example/app", 0 };
	double seconds, hsm[16], raw[16], rawh[16], ratio[16], t0, open_ms;
	double relog[5], chsm[16], craw[16], crawh[16];
	char pin[64];
	int reps, nt, i;

	char filepin[64];
	size_t pinlen;
	FILE *fp;

	if (argc != 6) {
		fprintf(stderr, "usage: bench_hsm MODULE TOKEN PINFILE SECONDS "
		    "REPS\n");
		return 2;
	}
	seconds = strtod(argv[4], NULL);
	reps = (int)strtol(argv[5], NULL, 10);
	/* The PIN again for timing re-logins: from the file, never argv. */
	if ((fp = fopen(argv[3], "r")) == NULL ||
	    fgets(filepin, sizeof(filepin), fp) == NULL)
		die("pin file");
	fclose(fp);
	filepin[strcspn(filepin, "\n")] = '\0';
	pinlen = strlen(filepin);
	if (reps < 1 || reps > 15 || seconds <= 0)
		return 2;
	memset(&cfg, 0, sizeof(cfg));
	cfg.module = argv[1];
	cfg.token = argv[2];
	cfg.pin_source = HSM_PIN_FILE;
	cfg.pin_file = argv[3];

	t0 = now();
	if (hsm_token_open(&cfg, &tok) != 0)
		die("open");
	open_ms = (now() - t0) * 1e3;
	for (i = 0; i < 5; i++) {
		memcpy(pin, filepin, pinlen + 1);
		t0 = now();
		if (hsm_token_login_pin(tok, pin, pinlen) != 0)
			die("login");
		relog[i] = (now() - t0) * 1e3;
	}
	printf("open+login (module load, C_Initialize, C_Login) = %.2f ms\n",
	    open_ms);
	printf("login while logged in (PIN verifier) = %.2f ms (median of 5)\n",
	    median(relog, 5));
	keygen_times(tok, HSM_KEY_ECDSA_P256, 5);
	keygen_times(tok, HSM_KEY_ED25519, 5);
	keygen_times(tok, HSM_KEY_RSA3072, 3);

	if (hsm_key_generate(tok, &spec, &key) != 0)
		die("keygen");
	raw_setup(cfg.module, argv[2], hsm_key_id(key));
	raw_keygen_times(5);
	for (nt = 1; nt <= 2; nt++) {
		/*
		 * Interleaved, order alternating, so load from elsewhere on a
		 * shared machine hits both sides alike; the goal ratio is the
		 * median of the ratios of neighbouring runs.
		 */
		for (i = 0; i < reps; i++) {
			if (i % 2 == 0) {
				hsm[i] = rate(PATH_HSM, nt, seconds, &chsm[i]);
				rawh[i] = rate(PATH_RAW_HASH, nt, seconds,
				    &crawh[i]);
			} else {
				rawh[i] = rate(PATH_RAW_HASH, nt, seconds,
				    &crawh[i]);
				hsm[i] = rate(PATH_HSM, nt, seconds, &chsm[i]);
			}
			raw[i] = rate(PATH_RAW, nt, seconds, &craw[i]);
			ratio[i] = hsm[i] / rawh[i];
		}
		printf("ecdsa-p256 %dt signs/s: hsm %.0f, raw sha256+C_SignInit+"
		    "C_Sign %.0f, raw C_SignInit+C_Sign on a fixed digest %.0f "
		    "(medians of %d x %.1f s)\n", nt, median(hsm, reps),
		    median(rawh, reps), median(raw, reps), reps, seconds);
		printf("ecdsa-p256 %dt CPU us/sign: hsm %.1f, raw+sha256 %.1f, "
		    "raw %.1f\n", nt, median(chsm, reps), median(crawh, reps),
		    median(craw, reps));
		/* CPU per sign does not depend on how busy the machine is. */
		printf("cpu-cost raw/hsm %dt = %.3f (1.0 = no overhead)\n", nt,
		    median(crawh, reps) / median(chsm, reps));
		printf("ratio hsm_vs_raw_%dt = %.3f (goal >= 0.95)\n", nt,
		    median(ratio, reps));
	}
	if (hsm_key_delete(key) != 0)
		die("delete");
	hsm_key_free(key);
	hsm_token_close(tok);
	OPENSSL_cleanse(filepin, sizeof(filepin));
	return 0;
}
