/* SPDX-License-Identifier: Apache-2.0 */
/* hsm/ against a real SoftHSM2 token: keygen, sign, verify, attributes, root certificate, backup, threads. */
#include <dlfcn.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <p11-kit/pkcs11.h>

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
static struct hsm_token *tokA, *tokB;

static int
setup(void **state)
{
	struct hsm_config cfg;

	(void)state;
	if (tt_env_init(&env) != 0 || tt_token_init(&env, "A") != 0 ||
	    tt_token_init(&env, "B") != 0)
		return -1;
	tt_config(&env, &cfg, "A");
	if (hsm_token_open(&cfg, &tokA) != 0)
		return -1;
	/* SoftHSM's start-up noise was cleared from our error queue. */
	if (ERR_peek_error() != 0)
		return -1;
	tt_config(&env, &cfg, "pkcs11:token=B");
	if (hsm_token_open(&cfg, &tokB) != 0) {
		fprintf(stderr, "%s\n", hsm_error_detail());
		return -1;
	}
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	hsm_token_close(tokA);
	hsm_token_close(tokB);
	tt_env_cleanup(&env);
	return 0;
}

/* Raw Cryptoki in the same process, to look behind hsm/'s back. */
static CK_FUNCTION_LIST_PTR
raw_module(void)
{
	CK_C_GetFunctionList getfl;
	CK_FUNCTION_LIST_PTR f = NULL;
	void *dl;

	dl = dlopen(env.module, RTLD_NOW | RTLD_LOCAL);
	assert_non_null(dl);
	*(void **)&getfl = dlsym(dl, "C_GetFunctionList");
	assert_non_null(getfl);
	assert_int_equal(getfl(&f), CKR_OK);
	/* hsm/ initialised it already: this must not finalize it later. */
	assert_int_equal(f->C_Initialize(NULL), CKR_CRYPTOKI_ALREADY_INITIALIZED);
	return f;
}

static CK_SESSION_HANDLE
raw_session(CK_FUNCTION_LIST_PTR f, const char *label)
{
	CK_SLOT_ID slots[16];
	CK_ULONG n = 16, i;
	CK_TOKEN_INFO ti;
	CK_SESSION_HANDLE s;

	assert_int_equal(f->C_GetSlotList(CK_TRUE, slots, &n), CKR_OK);
	for (i = 0; i < n; i++) {
		if (f->C_GetTokenInfo(slots[i], &ti) != CKR_OK)
			continue;
		if (memcmp(ti.label, label, strlen(label)) == 0 &&
		    ti.label[strlen(label)] == ' ') {
			assert_int_equal(f->C_OpenSession(slots[i],
			    CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s),
			    CKR_OK);
			return s;
		}
	}
	fail_msg("token %s not found", label);
	return 0;
}

static void
sign_verify(struct hsm_key *key)
{
	static const unsigned char msg[] = "{\"signed\":{\"_type\":\"Targets\"}}";
	unsigned char sig[HSM_SIG_MAX];
	const unsigned char *spki;
	size_t siglen, spkilen;

	assert_int_equal(hsm_key_public(key, &spki, &spkilen), 0);
	assert_int_equal(hsm_key_sign(key, msg, sizeof(msg) - 1, sig,
	    sizeof(sig), &siglen), 0);
	assert_int_equal(siglen, hsm_key_type(key) == HSM_KEY_RSA3072 ? 384 : 64);
	assert_true(tt_verify(hsm_key_type(key), spki, spkilen, msg,
	    sizeof(msg) - 1, sig, siglen));
	/* One flipped bit must not verify. */
	sig[3] ^= 1;
	assert_false(tt_verify(hsm_key_type(key), spki, spkilen, msg,
	    sizeof(msg) - 1, sig, siglen));
	assert_int_equal(hsm_key_sign(key, msg, sizeof(msg) - 1, sig, 10,
	    &siglen), HSM_ERR_BUFFER_TOO_SMALL);
}

/* Independent key ID: canonical JSON per notary-facts, computed here. */
static void
check_key_id(struct hsm_key *key)
{
	const unsigned char *spki;
	size_t spkilen;
	unsigned char b64[1024], md[32];
	char json[1200], hex[65];
	int n, i;

	assert_int_equal(hsm_key_public(key, &spki, &spkilen), 0);
	if (hsm_key_type(key) == HSM_KEY_ED25519)
		EVP_EncodeBlock(b64, spki + spkilen - 32, 32);
	else
		EVP_EncodeBlock(b64, spki, (int)spkilen);
	n = snprintf(json, sizeof(json), "{\"keytype\":\"%s\",\"keyval\":{"
	    "\"private\":null,\"public\":\"%s\"}}",
	    hsm_key_type_name(hsm_key_type(key)), b64);
	assert_true(n > 0 && (size_t)n < sizeof(json));
	SHA256((unsigned char *)json, (size_t)n, md);
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	assert_string_equal(hsm_key_id(key), hex);
}

static void
test_keygen_sign_each_type(void **state)
{
	static const enum hsm_key_type types[] = {
		HSM_KEY_ECDSA_P256, HSM_KEY_ED25519, HSM_KEY_RSA3072 };
	struct hsm_keygen spec = { 0, "targets", "example.com/app", 0 };
	struct hsm_key *key, *again;
	char uri[256];
	size_t i;

	(void)state;
	for (i = 0; i < 3; i++) {
		spec.type = types[i];
		assert_int_equal(hsm_key_generate(tokA, &spec, &key), 0);
		assert_string_equal(hsm_key_label(key),
		    "signerd:targets:example.com/app");
		check_key_id(key);
		sign_verify(key);
		/* Found again by its TUF key ID, and by URI. */
		assert_int_equal(hsm_key_find(tokA, hsm_key_id(key), &again), 0);
		sign_verify(again);
		hsm_key_free(again);
		snprintf(uri, sizeof(uri), "pkcs11:token=A;id=");
		for (size_t j = 0; j < 32; j++) {
			char b[4];
			unsigned int v;
			sscanf(hsm_key_id(key) + 2 * j, "%2x", &v);
			snprintf(b, sizeof(b), "%%%02x", v);
			strncat(uri, b, sizeof(uri) - strlen(uri) - 1);
		}
		assert_int_equal(hsm_key_find(tokA, uri, &again), 0);
		assert_string_equal(hsm_key_id(again), hsm_key_id(key));
		hsm_key_free(again);
		hsm_key_free(key);
	}
	assert_int_equal(hsm_key_find(tokA, "pkcs11:token=B;object=x", &again),
	    HSM_ERR_KEY_NOT_FOUND);
	assert_int_equal(hsm_key_find(tokA, "abc", &again),
	    HSM_ERR_INVALID_ARG);
	assert_null(again);
}

static void
test_private_values_unreadable(void **state)
{
	CK_FUNCTION_LIST_PTR f = raw_module();
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE t = { CKA_CLASS, &cls, sizeof(cls) };
	CK_OBJECT_HANDLE o[64];
	CK_ULONG n, i;
	CK_SESSION_HANDLE s = raw_session(f, "A");
	unsigned char buf[1024];
	CK_KEY_TYPE kt;
	CK_ATTRIBUTE a;
	struct hsm_key_info *ki;
	size_t nk, k;

	(void)state;
	assert_int_equal(f->C_FindObjectsInit(s, &t, 1), CKR_OK);
	assert_int_equal(f->C_FindObjects(s, o, 64, &n), CKR_OK);
	f->C_FindObjectsFinal(s);
	assert_true(n >= 3);
	for (i = 0; i < n; i++) {
		a = (CK_ATTRIBUTE){ CKA_KEY_TYPE, &kt, sizeof(kt) };
		assert_int_equal(f->C_GetAttributeValue(s, o[i], &a, 1), CKR_OK);
		a = (CK_ATTRIBUTE){ kt == CKK_RSA ? CKA_PRIVATE_EXPONENT :
		    CKA_VALUE, buf, sizeof(buf) };
		assert_int_equal(f->C_GetAttributeValue(s, o[i], &a, 1),
		    CKR_ATTRIBUTE_SENSITIVE);
	}
	f->C_CloseSession(s);

	assert_int_equal(hsm_key_list(tokA, &ki, &nk), 0);
	assert_int_equal(nk, n);
	for (k = 0; k < nk; k++) {
		assert_true(ki[k].type_known);
		assert_true(ki[k].id_matches);
		assert_true(ki[k].sensitive && ki[k].always_sensitive);
		assert_true(!ki[k].extractable && ki[k].never_extractable);
		assert_true(ki[k].local);
		assert_false(ki[k].backup);
		assert_string_equal(ki[k].label, "signerd:targets:example.com/app");
	}
	free(ki);
}

/* A key hsm/ did not make, extractable: hsm/ refuses to sign with it. */
static void
test_refuse_extractable_key(void **state)
{
	CK_FUNCTION_LIST_PTR f = raw_module();
	CK_SESSION_HANDLE s = raw_session(f, "A");
	CK_BBOOL yes = CK_TRUE;
	unsigned char params[] = { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d,
	    0x03, 0x01, 0x07 };
	unsigned char id[32];
	char hex[65], label[] = "signerd:targets:evil";
	CK_ATTRIBUTE pub[] = {
		{ CKA_TOKEN, &yes, 1 }, { CKA_EC_PARAMS, params, sizeof(params) },
		{ CKA_ID, id, 32 }, { CKA_LABEL, label, sizeof(label) - 1 } };
	CK_ATTRIBUTE priv[] = {
		{ CKA_TOKEN, &yes, 1 }, { CKA_PRIVATE, &yes, 1 },
		{ CKA_SIGN, &yes, 1 }, { CKA_SENSITIVE, &yes, 1 },
		{ CKA_EXTRACTABLE, &yes, 1 }, { CKA_ID, id, 32 },
		{ CKA_LABEL, label, sizeof(label) - 1 } };
	CK_MECHANISM m = { CKM_EC_KEY_PAIR_GEN, NULL, 0 };
	CK_OBJECT_HANDLE hp, hk;
	struct hsm_key *key;
	unsigned char sig[64];
	size_t siglen;
	int i;

	(void)state;
	memset(id, 0xee, sizeof(id));
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", id[i]);
	assert_int_equal(f->C_GenerateKeyPair(s, &m, pub, 4, priv, 7, &hp, &hk),
	    CKR_OK);
	assert_int_equal(hsm_key_find(tokA, hex, &key), 0);
	assert_int_equal(hsm_key_sign(key, (const unsigned char *)"x", 1, sig,
	    sizeof(sig), &siglen), HSM_ERR_KEY_POLICY);
	assert_int_equal(hsm_key_delete(key), 0);
	hsm_key_free(key);
	assert_int_equal(hsm_key_find(tokA, hex, &key), HSM_ERR_KEY_NOT_FOUND);
	f->C_CloseSession(s);
}

static void
test_root_certificate(void **state)
{
	struct hsm_keygen spec = { HSM_KEY_ECDSA_P256, "root", "example.com/app", 0 };
	struct hsm_key *key;
	unsigned char *der, *der2;
	const unsigned char *p, *spki;
	size_t derlen, derlen2, spkilen;
	unsigned char *kspki = NULL;
	int kspkilen, crit;
	X509 *x;
	const X509_ALGOR *alg;
	const ASN1_INTEGER *serial;
	BIGNUM *bn;
	ASN1_BIT_STRING *ku;
	EXTENDED_KEY_USAGE *eku;
	BASIC_CONSTRAINTS *bc;
	X509_NAME_ENTRY *cn;
	EVP_PKEY *pk;
	int pday, psec;
	char path[PATH_MAX + 16], cmd[2 * PATH_MAX + 128];
	FILE *fp;

	(void)state;
	assert_int_equal(hsm_key_generate(tokA, &spec, &key), 0);
	assert_int_equal(hsm_cert_create(key, "example.com/app", 0, &der,
	    &derlen), 0);
	p = der;
	assert_non_null(x = d2i_X509(NULL, &p, (long)derlen));
	/* Field by field against Notary's profile (notary-facts.md). */
	assert_int_equal(X509_get_version(x), X509_VERSION_3);
	serial = X509_get0_serialNumber(x);
	assert_non_null(bn = ASN1_INTEGER_to_BN(serial, NULL));
	assert_false(BN_is_negative(bn));
	assert_true(BN_num_bits(bn) <= 128 && BN_num_bits(bn) > 96);
	BN_free(bn);
	X509_get0_signature(NULL, &alg, x);
	assert_int_equal(OBJ_obj2nid(alg->algorithm), NID_ecdsa_with_SHA256);
	assert_int_equal(X509_get_signature_nid(x), NID_ecdsa_with_SHA256);
	assert_int_equal(X509_NAME_cmp(X509_get_subject_name(x),
	    X509_get_issuer_name(x)), 0);
	assert_int_equal(X509_NAME_entry_count(X509_get_subject_name(x)), 1);
	cn = X509_NAME_get_entry(X509_get_subject_name(x), 0);
	assert_int_equal(OBJ_obj2nid(X509_NAME_ENTRY_get_object(cn)),
	    NID_commonName);
	assert_memory_equal(ASN1_STRING_get0_data(X509_NAME_ENTRY_get_data(cn)),
	    "example.com/app", 15);
	assert_int_equal(ASN1_TIME_diff(&pday, &psec, NULL,
	    X509_get0_notBefore(x)), 1);
	assert_true(pday == 0 && psec <= 0 && psec > -60);
	assert_int_equal(ASN1_TIME_diff(&pday, &psec, X509_get0_notBefore(x),
	    X509_get0_notAfter(x)), 1);
	assert_int_equal(pday, 3650);
	assert_int_equal(psec, 0);
	assert_int_equal(X509_get_ext_count(x), 3);
	ku = X509_get_ext_d2i(x, NID_key_usage, &crit, NULL);
	assert_non_null(ku);
	assert_int_equal(crit, 1);
	assert_int_equal(X509_get_key_usage(x),
	    KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT);
	ASN1_BIT_STRING_free(ku);
	eku = X509_get_ext_d2i(x, NID_ext_key_usage, &crit, NULL);
	assert_non_null(eku);
	assert_int_equal(crit, 0);
	assert_int_equal(sk_ASN1_OBJECT_num(eku), 1);
	assert_int_equal(OBJ_obj2nid(sk_ASN1_OBJECT_value(eku, 0)),
	    NID_code_sign);
	EXTENDED_KEY_USAGE_free(eku);
	bc = X509_get_ext_d2i(x, NID_basic_constraints, &crit, NULL);
	assert_non_null(bc);
	assert_int_equal(crit, 1);
	assert_int_equal(bc->ca, 0);
	BASIC_CONSTRAINTS_free(bc);
	/* The certified key is the token key, and it signed the certificate. */
	assert_int_equal(hsm_key_public(key, &spki, &spkilen), 0);
	pk = X509_get0_pubkey(x);
	kspkilen = i2d_PUBKEY(pk, &kspki);
	assert_int_equal((size_t)kspkilen, spkilen);
	assert_memory_equal(kspki, spki, spkilen);
	OPENSSL_free(kspki);
	assert_int_equal(X509_verify(x, pk), 1);
	/* Stored beside the key. */
	assert_int_equal(hsm_cert_get(key, &der2, &derlen2), 0);
	assert_int_equal(derlen2, derlen);
	assert_memory_equal(der2, der, derlen);
	free(der2);

	/* And the openssl program agrees. */
	snprintf(path, sizeof(path), "%s/root.pem", env.dir);
	assert_non_null(fp = fopen(path, "w"));
	assert_int_equal(PEM_write_X509(fp, x), 1);
	fclose(fp);
	assert_true(snprintf(cmd, sizeof(cmd), "openssl verify -CAfile '%s' "
	    "'%s' >/dev/null 2>&1", path, path) < (int)sizeof(cmd));
	assert_int_equal(system(cmd), 0);
	X509_free(x);
	free(der);

	/* Only ECDSA keys get Notary root certificates. */
	hsm_key_free(key);
}

static void
test_backup_wrap_unwrap(void **state)
{
	struct hsm_keygen spec = { HSM_KEY_ECDSA_P256, "root", "example.com/app", 1 };
	unsigned char kek[32], kek2[32], *blob;
	size_t bloblen;
	struct hsm_key *key, *kekA, *kekB, *restored, *nobackup;
	struct hsm_key_info *ki;
	size_t n, i;
	int seen = 0;

	(void)state;
	memset(kek, 0x5a, sizeof(kek));
	memcpy(kek2, kek, sizeof(kek));
	assert_int_equal(hsm_kek_import(tokA, "ceremony", kek, 32, &kekA), 0);
	assert_int_equal(kek[0], 0);	/* wiped */
	assert_int_equal(hsm_kek_import(tokB, "ceremony", kek2, 32, &kekB), 0);
	hsm_key_free(kekB);
	assert_int_equal(hsm_kek_find(tokB, "ceremony", &kekB), 0);

	assert_int_equal(hsm_key_generate(tokA, &spec, &key), 0);
	assert_string_equal(hsm_key_label(key),
	    "signerd-backup:root:example.com/app");
	sign_verify(key);	/* backup keys may sign (the ceremony uses them) */
	assert_int_equal(hsm_key_list(tokA, &ki, &n), 0);
	for (i = 0; i < n; i++)
		if (strcmp(ki[i].id, hsm_key_id(key)) == 0) {
			assert_true(ki[i].backup && ki[i].extractable &&
			    ki[i].sensitive);
			seen = 1;
		}
	free(ki);
	assert_true(seen);

	/* A non-backup key is never wrapped. */
	spec.backup = 0;
	assert_int_equal(hsm_key_generate(tokA, &spec, &nobackup), 0);
	assert_int_equal(hsm_key_wrap(kekA, nobackup, &blob, &bloblen),
	    HSM_ERR_KEY_POLICY);
	hsm_key_free(nobackup);

	assert_int_equal(hsm_key_wrap(kekA, key, &blob, &bloblen), 0);
	/* Every truncation is refused before the token is touched. */
	for (i = 0; i < bloblen; i++)
		assert_int_equal(hsm_key_unwrap(kekB, blob, i, &restored),
		    HSM_ERR_BAD_BACKUP);
	assert_int_equal(hsm_key_list(tokB, &ki, &n), 0);
	assert_int_equal(n, 0);
	free(ki);
	for (i = 1; i < 10; i++) {	/* another key type than the SPKI's */
		blob[8] = (unsigned char)i;
		assert_int_equal(hsm_key_unwrap(kekB, blob, bloblen, &restored),
		    HSM_ERR_BAD_BACKUP);
	}
	blob[8] = HSM_KEY_ECDSA_P256;
	blob[20] ^= 1;	/* inside the key ID */
	assert_int_equal(hsm_key_unwrap(kekB, blob, bloblen, &restored),
	    HSM_ERR_BAD_BACKUP);
	blob[20] ^= 1;
	assert_int_equal(hsm_key_unwrap(kekB, blob, bloblen, &restored), 0);
	assert_string_equal(hsm_key_id(restored), hsm_key_id(key));
	assert_string_equal(hsm_key_label(restored),
	    "signerd:root:example.com/app");
	sign_verify(restored);
	assert_int_equal(hsm_key_list(tokB, &ki, &n), 0);
	assert_int_equal(n, 1);
	assert_true(ki[0].sensitive && !ki[0].extractable && !ki[0].backup);
	assert_true(ki[0].id_matches);
	free(ki);
	free(blob);
	hsm_key_free(restored);
	hsm_key_free(key);
	hsm_key_free(kekA);
	hsm_key_free(kekB);
}

#define NTHREADS 8
#define NSIGS 40

struct worker {
	struct hsm_key *key;
	unsigned char msg[NSIGS][16];
	unsigned char sig[NSIGS][64];
	size_t siglen[NSIGS];
	int err;
};

static void *
worker_run(void *arg)
{
	struct worker *w = arg;
	int i;

	for (i = 0; i < NSIGS; i++)
		if (hsm_key_sign(w->key, w->msg[i], sizeof(w->msg[i]),
		    w->sig[i], sizeof(w->sig[i]), &w->siglen[i]) != 0)
			w->err++;
	return NULL;
}

static void
test_threads_sign(void **state)
{
	struct hsm_keygen spec = { HSM_KEY_ECDSA_P256, "targets/releases",
	    "example.com/app", 0 };
	static struct worker w[NTHREADS];
	pthread_t th[NTHREADS];
	const unsigned char *spki;
	size_t spkilen;
	struct hsm_key *key;
	int t, i;

	(void)state;
	assert_int_equal(hsm_key_generate(tokA, &spec, &key), 0);
	assert_int_equal(hsm_key_public(key, &spki, &spkilen), 0);
	for (t = 0; t < NTHREADS; t++) {
		w[t].key = key;
		for (i = 0; i < NSIGS; i++)
			snprintf((char *)w[t].msg[i], 16, "t%d-m%d", t, i);
		assert_int_equal(pthread_create(&th[t], NULL, worker_run,
		    &w[t]), 0);
	}
	for (t = 0; t < NTHREADS; t++)
		pthread_join(th[t], NULL);
	for (t = 0; t < NTHREADS; t++) {
		assert_int_equal(w[t].err, 0);
		for (i = 0; i < NSIGS; i++)
			assert_true(tt_verify(HSM_KEY_ECDSA_P256, spki, spkilen,
			    w[t].msg[i], sizeof(w[t].msg[i]), w[t].sig[i],
			    w[t].siglen[i]));
	}
	hsm_key_free(key);
}

static void
test_bad_arguments(void **state)
{
	struct hsm_keygen spec = { HSM_KEY_ECDSA_P256, "tar:gets", "g", 0 };
	struct hsm_key *key = (void *)1;

	(void)state;
	assert_int_equal(hsm_key_generate(tokA, &spec, &key),
	    HSM_ERR_INVALID_ARG);
	assert_null(key);
	spec.role = "targets";
	spec.type = (enum hsm_key_type)9;
	assert_int_equal(hsm_key_generate(tokA, &spec, &key),
	    HSM_ERR_UNSUPPORTED);
	spec.type = HSM_KEY_ED25519;
	assert_int_equal(hsm_key_generate(tokA, &spec, &key), 0);
	assert_int_equal(hsm_cert_create(key, "g", 0, (unsigned char **)&spec,
	    (size_t *)&spec), HSM_ERR_UNSUPPORTED);
	assert_int_equal(hsm_key_delete(key), 0);
	hsm_key_free(key);
	assert_string_equal(hsm_strerror(HSM_ERR_TOKEN_GONE), "token unavailable");
	assert_string_equal(hsm_strerror(-999), "unknown hsm error");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keygen_sign_each_type),
		cmocka_unit_test(test_private_values_unreadable),
		cmocka_unit_test(test_refuse_extractable_key),
		cmocka_unit_test(test_root_certificate),
		cmocka_unit_test(test_backup_wrap_unwrap),
		cmocka_unit_test(test_threads_sign),
		cmocka_unit_test(test_bad_arguments),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
