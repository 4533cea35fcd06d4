/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of tuf/: times, key IDs, escaping through the model writer, parse errors, samples. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "json.h"
#include "tuf.h"

/* Real files and keys Notary 0.7 produced (stage2 of the sample repository). */
static const char SAMPLE_TIMESTAMP[] =
    "{\"signed\":{\"_type\":\"Timestamp\",\"expires\":\"2026-12-09T14:03:2"
    "3.020228494Z\",\"meta\":{\"snapshot\":{\"hashes\":{\"sha256\":\"izWO9W"
    "n25yAOiBL0dYxfuCZaq7ZLaRnorYhTVIpSSGI=\",\"sha512\":\"ffROeYJaGt"
    "FDi+wfp1FjrJUg7/+E1q4AC1Wf32cKnfmYq3ww2GXVsK4PgUaY/jd5TFVHKh"
    "VLMv7vVM/tpKp6Aw==\"},\"length\":885}},\"version\":4},\"signatures"
    "\":[{\"keyid\":\"b82ca8d0a56d6c55207159abb625d3dfcd6d05a20fa4429"
    "e9707fef05a5c4384\",\"method\":\"eddsa\",\"sig\":\"TzpuOD6r+KifK9JEc"
    "y9CwAhaT4YEbuLUe90sm6LLH9I2R0Zn/KCTp6V6keU2BrVESlZ6S+0TcRyqV"
    "FULp/QJDQ==\"}]}";
static const char SAMPLE_RELEASES[] =
    "{\"signed\":{\"_type\":\"Targets\",\"delegations\":{\"keys\":{},\"roles"
    "\":[]},\"expires\":\"2029-11-24T14:03:23.012096201Z\",\"targets\":{"
    "\"v3\":{\"hashes\":{\"sha256\":\"qUiQTy8PR5uPgZdpSzAYSw0u0cHNKh7A+4"
    "XSmaGSpEc=\"},\"length\":12}},\"version\":1},\"signatures\":[{\"keyi"
    "d\":\"c9c79bb16870be33266993bf17a719a287cf3181595b39c2a0c10d12"
    "ee34c866\",\"method\":\"ecdsa\",\"sig\":\"i59Krm1Q9vUYNEkbUj70TfKP5k"
    "3Mv4/F9TG/y4JyDi1hveIzZejcxzdsZXq+4HxiWpy904N+fbXcH0qTYNF0ww"
    "==\"}]}";
static const char SAMPLE_ROOT_CERT_B64[] =
    "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUJaekNDQVEyZ0F3SUJB"
    "Z0lRVlExd2o5RVJEdTluTHh1Rm9lR3ZMVEFLQmdncWhrak9QUVFEQWpBYU1S"
    "Z3cKRmdZRFZRUURFdzlsZUdGdGNHeGxMbU52YlM5aGNIQXdIaGNOTWpZeE1U"
    "STFNVFF3TWpNd1doY05Nell4TVRJeQpNVFF3TWpNd1dqQWFNUmd3RmdZRFZR"
    "UURFdzlsZUdGdGNHeGxMbU52YlM5aGNIQXdXVEFUQmdjcWhrak9QUUlCCkJn"
    "Z3Foa2pPUFFNQkJ3TkNBQVN0L2dDUGdYZzF5b24yYWRvaVIxellnU0R6YW1L"
    "MDkzZlA2ck1WNGZFV1Z5YUMKQUM1eVA1TWsyblAwU0pIcmZMc1NUQWtYZVZk"
    "eVp6QWxaQldPY0dZVW96VXdNekFPQmdOVkhROEJBZjhFQkFNQwpCYUF3RXdZ"
    "RFZSMGxCQXd3Q2dZSUt3WUJCUVVIQXdNd0RBWURWUjBUQVFIL0JBSXdBREFL"
    "QmdncWhrak9QUVFECkFnTklBREJGQWlFQXI4N0JYNWlKeWdzK0tPM0d1NGdh"
    "d0ZqeHp0R1hlYmRid0FhMFRvNUlKMDBDSUUyai9xdGgKY1FCUDJ5Vjg2N1hl"
    "Y2JSYVJORjhjWFpkUnhVRTlqbE9nOVYvCi0tLS0tRU5EIENFUlRJRklDQVRF"
    "LS0tLS0K";

#define KEY_ED25519	"tAnbKH6Tfq+g0EMlAfJweFb1ERf8rnIXw13tZ6pfhp0="
#define ID_ED25519	"b82ca8d0a56d6c55207159abb625d3dfcd6d05a20fa4429e9707fef05a5c4384"
#define KEY_ECDSA	"MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEK/Q9tQCJT1rB30anuvHJzoPN2x7kX95IaLR8jXhzexSUaFvAIvkoU4qsQl9f3Ike1qe8tL/9N4uiZpxkuNFwcw=="
#define ID_ECDSA	"8093ad1a9fab83b17ae96628989169b2452029198c748486a84f83b8a11ebacf"
#define KEY_RELEASES	"MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE+83C3THeXeVkBAFzKZGnS2Nc6yHzA8pAtgMxjQtNskb9T5EN+O+IlWotPJtsyZBZDlwEub6LBF/U0Htlb8u7rw=="
#define ID_RELEASES	"c9c79bb16870be33266993bf17a719a287cf3181595b39c2a0c10d12ee34c866"
#define ID_ROOT_CERT	"b3d170bb03f2cc2e1ddb57c4c529d78671aea44a6573251c41f0e65f0d3193eb"

static void
b64key(const char *type, const char *b64, struct tuf_key *k)
{
	uint8_t	*raw;
	size_t	 n;

	assert_int_equal(tuf_b64_decode(b64, strlen(b64), &raw, &n), 0);
	assert_int_equal(tuf_key_init(k, type, raw, n), 0);
	free(raw);
}

static void
check_time(const char *in, int64_t sec, const char *out)
{
	struct tuf_time	 t;
	char		 buf[TUF_TIME_MAX];
	size_t		 n;

	assert_int_equal(tuf_time_parse(in, strlen(in), &t), 0);
	assert_int_equal(t.sec, sec);
	n = tuf_time_format(&t, buf);
	assert_int_equal(n, strlen(out));
	assert_string_equal(buf, out);
}

static void
test_time_formats(void **state)
{
	static const char *const bad[] = {
		"2029-13-01T00:00:00Z", "2029-02-29T00:00:00Z",
		"2029-11-24 14:05:22Z", "2029-11-24T14:05:22",
		"2029-11-24T14:05:22.Z", "2029-11-24T14:05:22.1234567891Z",
		"2029-11-24T14:05:22z", "2029-11-24T24:00:00Z",
		"2029-11-24T14:60:00Z", "2029-11-24T14:05:60Z",
		"2029-11-24T14:05:22+0100", "2029-11-24T14:05:22+24:00",
		"29-11-24T14:05:22Z", "", "2029-11-24T14:05:22Z ",
	};
	struct tuf_time	 t;
	char		 buf[TUF_TIME_MAX];
	size_t		 i;

	(void)state;
	check_time("2029-11-24T14:05:22Z", 1890223522, "2029-11-24T14:05:22Z");
	/* Notary writes nanoseconds with trailing zeros trimmed. */
	check_time("2029-11-24T14:05:22.50214598Z", 1890223522,
	    "2029-11-24T14:05:22.50214598Z");
	check_time("2026-12-09T14:03:23.020228494Z", 1796825003,
	    "2026-12-09T14:03:23.020228494Z");
	check_time("2029-11-24T14:05:22.100Z", 1890223522,
	    "2029-11-24T14:05:22.1Z");
	/* Offsets are accepted and kept, as Go keeps a parsed zone. */
	check_time("2029-11-24T14:05:22+01:00", 1890219922,
	    "2029-11-24T14:05:22+01:00");
	check_time("2029-11-24T14:05:22+00:00", 1890223522,
	    "2029-11-24T14:05:22Z");
	check_time("2024-02-29T23:59:59-00:30", 1709252999,
	    "2024-02-29T23:59:59-00:30");
	check_time("1970-01-01T00:00:00Z", 0, "1970-01-01T00:00:00Z");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(tuf_time_parse(bad[i], strlen(bad[i]), &t),
		    TUF_ERR_TIME);
	/* New metadata: whole seconds in UTC. */
	t = tuf_time_from_sec(1890223522);
	tuf_time_format(&t, buf);
	assert_string_equal(buf, "2029-11-24T14:05:22Z");
	assert_int_equal(TUF_EXPIRY_ROOT, 3650LL * 86400);
	assert_int_equal(TUF_EXPIRY_TIMESTAMP, 14 * 86400);
}

static void
test_key_ids(void **state)
{
	struct tuf_key	 k, s;
	uint8_t		*raw;
	size_t		 n;

	(void)state;
	b64key("ed25519", KEY_ED25519, &k);
	assert_string_equal(k.id, ID_ED25519);
	assert_string_equal(tuf_key_method(&k), "eddsa");
	tuf_key_cleanup(&k);
	b64key("ecdsa", KEY_ECDSA, &k);
	assert_string_equal(k.id, ID_ECDSA);
	assert_string_equal(tuf_key_method(&k), "ecdsa");
	/* The same key from its SPKI DER. */
	assert_int_equal(tuf_b64_decode(KEY_ECDSA, strlen(KEY_ECDSA), &raw,
	    &n), 0);
	assert_int_equal(tuf_key_from_spki(&s, raw, n), 0);
	assert_string_equal(s.type, "ecdsa");
	assert_string_equal(s.id, ID_ECDSA);
	free(raw);
	tuf_key_cleanup(&s);
	tuf_key_cleanup(&k);
	/* ecdsa-x509: the PEM text, trailing newline included. */
	b64key("ecdsa-x509", SAMPLE_ROOT_CERT_B64, &k);
	assert_string_equal(k.id, ID_ROOT_CERT);
	assert_int_equal(tuf_key_from_cert_pem(&s, (const char *)k.pub,
	    k.pub_len), 0);
	assert_string_equal(s.type, "ecdsa-x509");
	assert_string_equal(s.id, ID_ROOT_CERT);
	tuf_key_cleanup(&s);
	tuf_key_cleanup(&k);
	assert_int_equal(tuf_key_from_cert_pem(&s, "nope", 4), TUF_ERR_KEY);
	assert_int_equal(tuf_key_init(&s, "ecdsa\xff", (const uint8_t *)"x",
	    1), TUF_ERR_KEY);
	assert_int_equal(tuf_key_from_spki(&s, (const uint8_t *)"nope", 4),
	    TUF_ERR_KEY);
}

static void
roundtrip(const char *file, const char *role, struct tuf_meta **out)
{
	struct tuf_error	 e;
	struct json_buf		 b;

	assert_int_equal(tuf_meta_parse((const uint8_t *)file, strlen(file),
	    role, NULL, out, &e), 0);
	json_buf_init(&b);
	assert_int_equal(tuf_meta_write(*out, &b), 0);
	assert_int_equal(b.len, strlen(file));
	assert_memory_equal(b.data, file, b.len);
	json_buf_cleanup(&b);
}

static void
test_samples_roundtrip_and_verify(void **state)
{
	struct tuf_meta	*m;
	struct tuf_key	 k;
	uint8_t		 msg[1024];

	(void)state;
	roundtrip(SAMPLE_TIMESTAMP, "timestamp", &m);
	assert_int_equal(m->version, 4);
	b64key("ed25519", KEY_ED25519, &k);
	assert_string_equal(m->sigs[0].keyid, k.id);
	assert_int_equal(tuf_sig_verify(&k, m->sigs[0].method, m->sigs[0].sig,
	    m->sigs[0].sig_len, m->signed_msg, m->signed_msg_len), 0);
	memcpy(msg, m->signed_msg, m->signed_msg_len);
	msg[20] ^= 1;
	assert_int_equal(tuf_sig_verify(&k, m->sigs[0].method, m->sigs[0].sig,
	    m->sigs[0].sig_len, msg, m->signed_msg_len), TUF_ERR_BAD_SIGNATURE);
	/* eddsa with an ECDSA key, unknown methods: refused. */
	assert_int_equal(tuf_sig_verify(&k, "rsapss", m->sigs[0].sig,
	    m->sigs[0].sig_len, m->signed_msg, m->signed_msg_len),
	    TUF_ERR_BAD_SIGNATURE);
	assert_int_equal(tuf_sig_verify(&k, "hmac", m->sigs[0].sig,
	    m->sigs[0].sig_len, m->signed_msg, m->signed_msg_len),
	    TUF_ERR_UNSUPPORTED);
	tuf_key_cleanup(&k);
	tuf_meta_free(m);

	roundtrip(SAMPLE_RELEASES, "targets/releases", &m);
	b64key("ecdsa", KEY_RELEASES, &k);
	assert_string_equal(k.id, ID_RELEASES);
	assert_int_equal(tuf_sig_verify(&k, "ecdsa", m->sigs[0].sig,
	    m->sigs[0].sig_len, m->signed_msg, m->signed_msg_len), 0);
	assert_int_equal(m->targets.n, 1);
	tuf_key_cleanup(&k);
	tuf_meta_free(m);

	/* no_sign_form: the same model and file, no signed_msg. */
	{
		struct tuf_parse_opts o = { .no_sign_form = 1 };
		struct json_buf b;

		assert_int_equal(tuf_meta_parse((const uint8_t *)
		    SAMPLE_RELEASES, strlen(SAMPLE_RELEASES),
		    "targets/releases", &o, &m, NULL), 0);
		assert_null(m->signed_msg);
		assert_int_equal(m->targets.n, 1);
		json_buf_init(&b);
		assert_int_equal(tuf_meta_write(m, &b), 0);
		assert_int_equal(b.len, strlen(SAMPLE_RELEASES));
		assert_memory_equal(b.data, SAMPLE_RELEASES, b.len);
		json_buf_cleanup(&b);
		tuf_meta_free(m);
	}
}

static void
test_escape_file_form(void **state)
{
	static const char in[] = "\"a\n\r\t\x01\x1f<>&\xe2\x80\xa8\xe2\x80\xa9"
	    "\xe2\x82\xac\x7f\\\"";
	static const char want[] = "\"a\\n\\r\\t\\u0001\\u001f\\u003c\\u003e"
	    "\\u0026\\u2028\\u2029\xe2\x82\xac\x7f\\\"";
	struct json_buf b;

	(void)state;
	json_buf_init(&b);
	assert_int_equal(tuf_escape_file_form((const uint8_t *)in,
	    sizeof(in) - 1, &b), 0);
	assert_int_equal(b.len, sizeof(want) - 1);
	assert_memory_equal(b.data, want, b.len);
	json_buf_cleanup(&b);
}

/* The word-at-a-time scan finds a special byte at every offset. */
static void
test_escape_every_offset(void **state)
{
	static const char *const sp[] = { "<", ">", "&", "\n", "\x01",
	    "\xe2\x80\xa8", "\xe2\x80\xa9", "\xe2\x82\xac" };
	static const char *const esc[] = { "\\u003c", "\\u003e", "\\u0026",
	    "\\n", "\\u0001", "\\u2028", "\\u2029", "\xe2\x82\xac" };
	char		 in[64], want[80];
	struct json_buf	 b;
	size_t		 k, off, n;

	(void)state;
	for (k = 0; k < sizeof(sp) / sizeof(sp[0]); k++)
		for (off = 0; off < 24; off++) {
			memset(in, 'a', off);
			n = off + (size_t)snprintf(in + off, sizeof(in) - off,
			    "%sbbbbbbbbbbbbbbbbbbb", sp[k]);
			memset(want, 'a', off);
			(void)snprintf(want + off, sizeof(want) - off,
			    "%sbbbbbbbbbbbbbbbbbbb", esc[k]);
			json_buf_init(&b);
			assert_int_equal(tuf_escape_file_form(
			    (const uint8_t *)in, n, &b), 0);
			assert_int_equal(b.len, strlen(want));
			assert_memory_equal(b.data, want, b.len);
			json_buf_cleanup(&b);
		}
}

/* Names as in Notary's targets_escaping sample; sign form raw, file form escaped. */
static void
test_escaping_through_model(void **state)
{
	static const char *const names[] = { "x<y>&z", "ls\xe2\x80\xa8x",
	    "q\"b\\s", "unicod\xc3\xa9\xe2\x98\x83", "\xf0\x9f\x98\x80",
	    "p\xe2\x80\xa9" };
	static const char *const file_form[] = {
	    "\"x\\u003cy\\u003e\\u0026z\":", "\"ls\\u2028x\":",
	    "\"q\\\"b\\\\s\":", "\"unicod\xc3\xa9\xe2\x98\x83\":",
	    "\"\xf0\x9f\x98\x80\":", "\"p\\u2029\":" };
	static const char *const sign_form[] = { "\"x<y>&z\":",
	    "\"ls\xe2\x80\xa8x\":", "\"q\\\"b\\\\s\":" };
	struct tuf_meta		*m, *back;
	struct tuf_filemeta	 fm;
	struct json_buf		 f, s, f2;
	size_t			 i;

	(void)state;
	assert_int_equal(tuf_meta_new("targets", &m), 0);
	m->version = 8;
	m->expires = tuf_time_from_sec(1890223522);
	tuf_filemeta_of((const uint8_t *)"hello world\n", 12, 0, &fm);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		assert_int_equal(tuf_targets_set(&m->targets, names[i],
		    strlen(names[i]), &fm), 0);
	assert_int_equal(tuf_targets_set(&m->targets, "c\x01", 2, &fm),
	    TUF_ERR_TARGET_NAME);
	assert_int_equal(tuf_targets_set(&m->targets, "\xc3", 1, &fm),
	    TUF_ERR_TARGET_NAME);
	json_buf_init(&f);
	json_buf_init(&s);
	json_buf_init(&f2);
	assert_int_equal(tuf_meta_write(m, &f), 0);
	assert_int_equal(tuf_meta_write_signed(m, &s), 0);
	json_put_char(&f, '\0');
	json_put_char(&s, '\0');
	for (i = 0; i < sizeof(file_form) / sizeof(file_form[0]); i++)
		assert_non_null(strstr((char *)f.data, file_form[i]));
	for (i = 0; i < sizeof(sign_form) / sizeof(sign_form[0]); i++)
		assert_non_null(strstr((char *)s.data, sign_form[i]));
	assert_null(strstr((char *)s.data, "\\u003c"));
	/* Keys sorted by bytes: "ls…" < "p…" < "q…" < "unicod…" < "x…" < emoji. */
	assert_true(strstr((char *)f.data, "\"ls") < strstr((char *)f.data,
	    "\"q\\\""));
	assert_true(strstr((char *)f.data, "\"x\\u003c") <
	    strstr((char *)f.data, "\"\xf0\x9f"));
	assert_non_null(strstr((char *)f.data, "\"delegations\":{\"keys\":{},"
	    "\"roles\":[]}"));
	assert_int_equal(tuf_meta_parse(f.data, f.len - 1, "targets", NULL,
	    &back, NULL), 0);
	assert_int_equal(back->signed_msg_len, s.len - 1);
	assert_memory_equal(back->signed_msg, s.data, s.len - 1);
	assert_int_equal(tuf_meta_write(back, &f2), 0);
	assert_int_equal(f2.len, f.len - 1);
	assert_memory_equal(f2.data, f.data, f2.len);
	/* Removing and re-adding keeps order; a missing name is reported. */
	assert_int_equal(tuf_targets_remove(&back->targets, "x<y>&z", 6), 0);
	assert_int_equal(tuf_targets_remove(&back->targets, "x<y>&z", 6),
	    TUF_ERR_NOT_FOUND);
	assert_null(tuf_targets_find(&back->targets, "x<y>&z", 6));
	assert_int_equal(tuf_targets_set(&back->targets, "x<y>&z", 6, &fm), 0);
	f2.len = 0;
	assert_int_equal(tuf_meta_write(back, &f2), 0);
	assert_memory_equal(f2.data, f.data, f2.len);
	json_buf_cleanup(&f);
	json_buf_cleanup(&s);
	json_buf_cleanup(&f2);
	tuf_meta_free(m);
	tuf_meta_free(back);
}

#define TS_HEAD "{\"signed\":{\"_type\":\"Timestamp\",\"expires\":\"2026-12-09T14:03:23Z\",\"meta\":{\"snapshot\":{\"hashes\":{\"sha256\":\""
#define TS_SHA "izWO9Wn25yAOiBL0dYxfuCZaq7ZLaRnorYhTVIpSSGI="
#define TS_TAIL "\"},\"length\":885}},\"version\":4},\"signatures\":[]}"
#define DKEY(id, type, priv) "{\"" id "\":{\"keytype\":\"" type "\",\"keyval\":{\"private\":" priv ",\"public\":\"" KEY_ED25519 "\"}}}"
#define TG(keys, roles) "{\"signed\":{\"_type\":\"Targets\",\"delegations\":{\"keys\":" keys ",\"roles\":" roles "},\"expires\":\"2029-11-24T14:05:22Z\",\"targets\":{},\"version\":1},\"signatures\":[]}"
#define DROLE(name, ids, th) "[{\"keyids\":" ids ",\"name\":\"" name "\",\"paths\":[\"\"],\"threshold\":" th "}]"
#define OKKEY DKEY(ID_ED25519, "ed25519", "null")

struct bad {
	const char	*role;
	const char	*doc;
	int		 code;
};

static const struct bad bads[] = {
	{ "timestamp", "{", TUF_ERR_JSON },
	{ "timestamp", "{\"signed\":{},\"signatures\":[],\"signed\":{}}", TUF_ERR_JSON },
	{ "timestamp", "{\"signed\":{},\"signatures\":[],\"x\":1}", TUF_ERR_UNKNOWN_FIELD },
	{ "timestamp", "{\"signatures\":[]}", TUF_ERR_MISSING },
	{ "timestamp", "{\"signed\":[],\"signatures\":[]}", TUF_ERR_FIELD_TYPE },
	{ "timestamp", TS_HEAD TS_SHA TS_TAIL, 0 },
	{ "snapshot", TS_HEAD TS_SHA TS_TAIL, TUF_ERR_WRONG_TYPE },
	{ "timestamp", "{\"signed\":{\"_type\":\"Timestamp\",\"expires\":\"2026-12-09T14:03:23Z\",\"meta\":{},\"version\":0},\"signatures\":[]}", TUF_ERR_BAD_VERSION },
	{ "timestamp", "{\"signed\":{\"_type\":\"Timestamp\",\"expires\":\"soon\",\"meta\":{},\"version\":1},\"signatures\":[]}", TUF_ERR_TIME },
	{ "timestamp", "{\"signed\":{\"_type\":\"Timestamp\",\"expires\":\"2026-12-09T14:03:23Z\",\"meta\":{},\"version\":1.5},\"signatures\":[]}", TUF_ERR_JSON },
	{ "timestamp", TS_HEAD "izWO9Wn25yAOiBL0dYxfuCZaq7ZLaRnorYhTVIpSSG==" TS_TAIL, TUF_ERR_HASH },
	{ "timestamp", "{\"signed\":{\"_type\":\"Timestamp\",\"expires\":\"2026-12-09T14:03:23Z\",\"meta\":{\"snapshot\":{\"hashes\":{\"md5\":\"AAAA\"},\"length\":1}},\"version\":1},\"signatures\":[]}", TUF_ERR_HASH },
	{ "timestamp", "{\"signed\":{\"_type\":\"Timestamp\",\"expires\":\"2026-12-09T14:03:23Z\",\"meta\":{},\"version\":1},\"signatures\":[]}", TUF_ERR_HASH },
	{ "timestamp", TS_HEAD TS_SHA "\"},\"length\":885}},\"version\":4},\"signatures\":[{\"keyid\":\"a\",\"method\":\"eddsa\",\"sig\":\"%%%%\"}]}", TUF_ERR_BASE64 },
	{ "targets", TG(OKKEY, "[]"), 0 },
	{ "targets", TG(DKEY("0000000000000000000000000000000000000000000000000000000000000000", "ed25519", "null"), "[]"), TUF_ERR_KEYID },
	{ "targets", TG(DKEY(ID_ED25519, "", "null"), "[]"), TUF_ERR_KEY },
	{ "targets", TG(DKEY(ID_ED25519, "ed25519", "\"c2VjcmV0\""), "[]"), TUF_ERR_FIELD_TYPE },
	{ "targets", TG(OKKEY, DROLE("targets/releases", "[\"" ID_ED25519 "\"]", "1")), 0 },
	{ "targets", TG(OKKEY, DROLE("targets/releases", "[\"abc\"]", "1")), TUF_ERR_ROLE },
	{ "targets", TG(OKKEY, DROLE("targets/releases", "[\"" ID_ED25519 "\"]", "0")), TUF_ERR_ROLE },
	{ "targets", TG(OKKEY, DROLE("targets/releases", "[\"" ID_ED25519 "\",7]", "1")), TUF_ERR_FIELD_TYPE },
	{ "targets", TG(OKKEY, DROLE("targets/Releases", "[\"" ID_ED25519 "\"]", "1")), TUF_ERR_DELEGATION },
	{ "targets", TG(OKKEY, DROLE("targets/a/b", "[\"" ID_ED25519 "\"]", "1")), TUF_ERR_DELEGATION },
	{ "targets/a", TG(OKKEY, DROLE("targets/a/b", "[\"" ID_ED25519 "\"]", "1")), 0 },
	{ "targets/a", TG(OKKEY, DROLE("targets/b", "[\"" ID_ED25519 "\"]", "1")), TUF_ERR_DELEGATION },
	{ "root", "{\"signed\":{\"_type\":\"Root\",\"consistent_snapshot\":false,\"expires\":\"2029-11-24T14:05:22Z\",\"keys\":" OKKEY ",\"roles\":{},\"version\":1},\"signatures\":[]}", TUF_ERR_ROLE },
};

/* Strict standard base64: padding, no whitespace, zero trailing bits. */
static void
test_b64_strict(void **state)
{
	static const struct { const char *in, *out; } good[] = {
		{ "", "" }, { "Zg==", "f" }, { "Zm8=", "fo" }, { "Zm9v", "foo" },
		{ "Zm9vYg==", "foob" }, { "Zm9vYmE=", "fooba" },
		{ "Zm9vYmFy", "foobar" }, { "+/+/", "\xfb\xff\xbf" },
	};
	static const char *const bad[] = { "Z", "Zg=", "Zh==", "Zm9=", "Z===",
	    "=Zg=", "Zg=a", "Zg==Zg==", "Zm9vYg", "Zm 9v", "Zm9v\n", "Zm-_",
	    "Zm9\x80" };
	uint8_t		*raw;
	size_t		 i, n;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(tuf_b64_decode(good[i].in, strlen(good[i].in),
		    &raw, &n), 0);
		assert_int_equal(n, strlen(good[i].out));
		assert_memory_equal(raw, good[i].out, n);
		free(raw);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (tuf_b64_decode(bad[i], strlen(bad[i]), &raw, &n) !=
		    TUF_ERR_BASE64)
			fail_msg("\"%s\" accepted", bad[i]);
		assert_null(raw);
	}
}

/*
 * A file whose signed part is not the model's own writing (space, a
 * "+00:00" offset the model writes as "Z"): signed_msg is still the
 * canonical re-encoding of what came in, as Notary verifies.
 */
static void
test_signed_msg_not_canonical(void **state)
{
	static const char file[] =
	    "{\"signed\": {\"_type\":\"Timestamp\",\"version\":4, \"expires\":"
	    "\"2026-12-09T14:03:23.5+00:00\",\"meta\":{\"snapshot\":{\"length\":"
	    "885,\"hashes\":{\"sha256\":\"izWO9Wn25yAOiBL0dYxfuCZaq7ZLaRnorYhTV"
	    "IpSSGI=\"}}}},\"signatures\":[]}";
	static const char want[] =
	    "{\"_type\":\"Timestamp\",\"expires\":\"2026-12-09T14:03:23.5+00:00"
	    "\",\"meta\":{\"snapshot\":{\"hashes\":{\"sha256\":\"izWO9Wn25yAOiBL"
	    "0dYxfuCZaq7ZLaRnorYhTVIpSSGI=\"},\"length\":885}},\"version\":4}";
	struct tuf_meta	*m;
	struct json_buf	 s;

	(void)state;
	assert_int_equal(tuf_meta_parse((const uint8_t *)file,
	    sizeof(file) - 1, "timestamp", NULL, &m, NULL), 0);
	assert_int_equal(m->signed_msg_len, sizeof(want) - 1);
	assert_memory_equal(m->signed_msg, want, sizeof(want) - 1);
	/* The model itself writes Go's form of the time. */
	json_buf_init(&s);
	assert_int_equal(tuf_meta_write_signed(m, &s), 0);
	json_put_char(&s, '\0');
	assert_non_null(strstr((char *)s.data, "\"2026-12-09T14:03:23.5Z\""));
	json_buf_cleanup(&s);
	tuf_meta_free(m);
}

static void
test_parse_errors(void **state)
{
	struct tuf_parse_opts	 small = { .max_bytes = 16 };
	struct tuf_meta		*m;
	struct tuf_error	 e;
	size_t			 i;
	int			 r;

	(void)state;
	for (i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		r = tuf_meta_parse((const uint8_t *)bads[i].doc,
		    strlen(bads[i].doc), bads[i].role, NULL, &m, &e);
		if (r != bads[i].code)
			fail_msg("case %zu: got %d (%s), want %d", i, r,
			    e.message, bads[i].code);
		if (r == 0) {
			tuf_meta_free(m);
			continue;
		}
		assert_null(m);
		assert_int_equal(e.code, r);
		assert_string_equal(e.role, bads[i].role);
		assert_true(strncmp(e.message, bads[i].role,
		    strlen(bads[i].role)) == 0);
		assert_non_null(strstr(e.message, ".json: "));
	}
	r = tuf_meta_parse((const uint8_t *)SAMPLE_TIMESTAMP,
	    strlen(SAMPLE_TIMESTAMP), "timestamp", &small, &m, &e);
	assert_int_equal(r, TUF_ERR_TOO_BIG);
	assert_int_equal(tuf_meta_parse((const uint8_t *)"{}", 2, "Targets",
	    NULL, &m, &e), TUF_ERR_INVAL);
	for (r = TUF_ERR_NOMEM; r >= TUF_ERR_PATHS; r--)
		assert_string_not_equal(tuf_strerror(r), "unknown error");
}

static void
test_editing_helpers(void **state)
{
	struct tuf_meta		*m;
	struct tuf_key		 k;
	const char		*id = ID_ED25519, *path = "";
	struct tuf_filemeta	 fm;

	(void)state;
	assert_int_equal(tuf_meta_new("targets", &m), 0);
	b64key("ed25519", KEY_ED25519, &k);
	assert_int_equal(tuf_delegation_add(&m->targets, "targets",
	    "targets/releases", &id, 1, 1, &path, 1), TUF_ERR_ROLE);
	assert_int_equal(tuf_keyset_add(&m->targets.dkeys, &k), 0);
	assert_int_equal(tuf_keyset_add(&m->targets.dkeys, &k), TUF_ERR_EXISTS);
	assert_int_equal(tuf_delegation_add(&m->targets, "targets",
	    "targets/releases", &id, 1, 1, &path, 1), 0);
	assert_int_equal(tuf_delegation_add(&m->targets, "targets",
	    "targets/releases", &id, 1, 1, &path, 1), TUF_ERR_EXISTS);
	assert_int_equal(tuf_delegation_add(&m->targets, "targets",
	    "releases", &id, 1, 1, &path, 1), TUF_ERR_DELEGATION);
	assert_non_null(tuf_delegation_find(&m->targets, "targets/releases"));
	assert_int_equal(tuf_delegation_remove(&m->targets,
	    "targets/releases"), 0);
	assert_int_equal(tuf_keyset_remove(&m->targets.dkeys, id), 0);
	assert_int_equal(m->targets.ndroles, 0);
	tuf_meta_free(m);
	tuf_key_cleanup(&k);

	assert_int_equal(tuf_meta_new("snapshot", &m), 0);
	tuf_filemeta_of((const uint8_t *)"abc", 3, 1, &fm);
	assert_int_equal(fm.length, 3);
	assert_true(fm.has_sha256 && fm.has_sha512);
	assert_int_equal(tuf_meta_set_filemeta(m, "targets", &fm), 0);
	assert_int_equal(tuf_meta_set_filemeta(m, "root", &fm), 0);
	assert_string_equal(m->meta[0].name, "root");
	assert_non_null(tuf_meta_get_filemeta(m, "targets"));
	assert_int_equal(tuf_meta_remove_filemeta(m, "targets"), 0);
	assert_null(tuf_meta_get_filemeta(m, "targets"));
	tuf_meta_free(m);
}

/* ---- P-256 keys without OpenSSL's decoder (tuf/key.c) ---- */

/* A P-256 key, its self-signed certificate as PEM, and r||s over msg. */
static void
p256_fixture(uint8_t **spki, size_t *spki_len, char **pem, size_t *pem_len,
    const uint8_t *msg, size_t msg_len, uint8_t sig[64])
{
	EVP_PKEY *pk = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	BIO *bio = BIO_new(BIO_s_mem());
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char der[80], *dp = der, *q;
	const unsigned char *cp = der;
	ECDSA_SIG *es;
	size_t dl = sizeof(der);
	char *mem;
	long ml;
	int n;

	assert_non_null(pk);
	assert_non_null(x);
	assert_non_null(bio);
	assert_int_equal(X509_set_version(x, 2), 1);
	assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x), 7), 1);
	assert_non_null(X509_gmtime_adj(X509_getm_notBefore(x), 0));
	assert_non_null(X509_gmtime_adj(X509_getm_notAfter(x), 3600));
	assert_int_equal(X509_NAME_add_entry_by_txt(X509_get_subject_name(x),
	    "CN", MBSTRING_ASC, (const unsigned char *)"g", -1, -1, 0), 1);
	assert_int_equal(X509_set_issuer_name(x, X509_get_subject_name(x)), 1);
	assert_int_equal(X509_set_pubkey(x, pk), 1);
	assert_true(X509_sign(x, pk, EVP_sha256()) > 0);
	assert_int_equal(PEM_write_bio_X509(bio, x), 1);
	ml = BIO_get_mem_data(bio, &mem);
	*pem = malloc((size_t)ml);
	memcpy(*pem, mem, (size_t)ml);
	*pem_len = (size_t)ml;
	n = i2d_PUBKEY(pk, NULL);
	*spki = malloc((size_t)n);
	q = *spki;
	assert_int_equal(i2d_PUBKEY(pk, &q), n);
	*spki_len = (size_t)n;
	assert_int_equal(EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, pk),
	    1);
	assert_int_equal(EVP_DigestSign(md, dp, &dl, msg, msg_len), 1);
	es = d2i_ECDSA_SIG(NULL, &cp, (long)dl);
	assert_non_null(es);
	assert_int_equal(BN_bn2binpad(ECDSA_SIG_get0_r(es), sig, 32), 32);
	assert_int_equal(BN_bn2binpad(ECDSA_SIG_get0_s(es), sig + 32, 32), 32);
	ECDSA_SIG_free(es);
	EVP_MD_CTX_free(md);
	BIO_free(bio);
	X509_free(x);
	EVP_PKEY_free(pk);
}

/* Length of the DER in a PEM block. */
static size_t
pem_der_len(const char *pem, size_t pem_len)
{
	BIO *in = BIO_new_mem_buf(pem, (int)pem_len);
	char *name = NULL, *hdr = NULL;
	unsigned char *der = NULL;
	long dl = 0;

	assert_int_equal(PEM_read_bio(in, &name, &hdr, &der, &dl), 1);
	OPENSSL_free(name);
	OPENSSL_free(hdr);
	OPENSSL_free(der);
	BIO_free(in);
	return (size_t)dl;
}

/* PEM of the first n bytes of a certificate's DER. */
static char *
pem_cut(const char *pem, size_t pem_len, size_t n, size_t *out_len)
{
	BIO *in = BIO_new_mem_buf(pem, (int)pem_len), *out = BIO_new(BIO_s_mem());
	char *name = NULL, *hdr = NULL, *mem, *r;
	unsigned char *der = NULL;
	long dl = 0, ml;

	assert_int_equal(PEM_read_bio(in, &name, &hdr, &der, &dl), 1);
	assert_true(n <= (size_t)dl);
	assert_true(PEM_write_bio(out, name, "", der, (long)n) > 0);
	ml = BIO_get_mem_data(out, &mem);
	r = malloc((size_t)ml);
	memcpy(r, mem, (size_t)ml);
	*out_len = (size_t)ml;
	OPENSSL_free(name);
	OPENSSL_free(hdr);
	OPENSSL_free(der);
	BIO_free(in);
	BIO_free(out);
	return r;
}

static void
test_p256_keys(void **state)
{
	static const uint8_t msg[] = "{\"signed\":{\"_type\":\"Targets\"}}";
	struct tuf_key k;
	uint8_t *spki, sig[64], bad[91];
	char *pem, *cut;
	size_t spki_len, pem_len, cut_len, n, full;


	(void)state;
	p256_fixture(&spki, &spki_len, &pem, &pem_len, msg, sizeof(msg) - 1,
	    sig);
	assert_int_equal(spki_len, 91);
	/* The same signature through the SPKI and through the certificate. */
	assert_int_equal(tuf_key_init(&k, "ecdsa", spki, spki_len), 0);
	assert_int_equal(tuf_sig_verify(&k, "ecdsa", sig, 64, msg,
	    sizeof(msg) - 1), 0);
	assert_int_equal(tuf_sig_verify(&k, "ecdsa", sig, 64, msg,
	    sizeof(msg) - 2), TUF_ERR_BAD_SIGNATURE);
	tuf_key_cleanup(&k);
	assert_int_equal(tuf_key_init(&k, "ecdsa-x509", (uint8_t *)pem,
	    pem_len), 0);
	assert_int_equal(tuf_sig_verify(&k, "ecdsa", sig, 64, msg,
	    sizeof(msg) - 1), 0);
	sig[5] ^= 1;
	assert_int_equal(tuf_sig_verify(&k, "ecdsa", sig, 64, msg,
	    sizeof(msg) - 1), TUF_ERR_BAD_SIGNATURE);
	sig[5] ^= 1;
	tuf_key_cleanup(&k);
	/* A point off the curve is no key. */
	memcpy(bad, spki, sizeof(bad));
	bad[90] ^= 1;
	assert_int_equal(tuf_key_init(&k, "ecdsa", bad, sizeof(bad)), 0);
	assert_int_equal(tuf_sig_verify(&k, "ecdsa", sig, 64, msg,
	    sizeof(msg) - 1), TUF_ERR_BAD_SIGNATURE);
	tuf_key_cleanup(&k);
	/* Every cut of the certificate's DER: never a key that verifies. */
	full = pem_der_len(pem, pem_len);
	for (n = 1; n < full; n++) {
		cut = pem_cut(pem, pem_len, n, &cut_len);
		assert_int_equal(tuf_key_init(&k, "ecdsa-x509", (uint8_t *)cut,
		    cut_len), 0);
		assert_int_equal(tuf_sig_verify(&k, "ecdsa", sig, 64, msg,
		    sizeof(msg) - 1), TUF_ERR_BAD_SIGNATURE);
		tuf_key_cleanup(&k);
		free(cut);
	}
	free(spki);
	free(pem);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_time_formats),
		cmocka_unit_test(test_key_ids),
		cmocka_unit_test(test_samples_roundtrip_and_verify),
		cmocka_unit_test(test_escape_file_form),
		cmocka_unit_test(test_escape_every_offset),
		cmocka_unit_test(test_escaping_through_model),
		cmocka_unit_test(test_b64_strict),
		cmocka_unit_test(test_signed_msg_not_canonical),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_editing_helpers),
		cmocka_unit_test(test_p256_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
