/* SPDX-License-Identifier: Apache-2.0 */
/* bench/tuf's C side: signs a targets file for real, then times parse + verify + canonical write. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include "json.h"
#ifdef SIGNERD_BENCH_TUF
#include "tuf.h"
#endif

#define PUTS(b, lit)	json_put_raw((b), (lit), sizeof(lit) - 1)

static const struct json_limits bench_lim = { .max_bytes = (size_t)256 << 20 };

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static uint8_t *
read_file(const char *path, size_t *len)
{
	struct stat st;
	uint8_t	*buf = NULL;
	FILE	*f;

	if ((f = fopen(path, "rb")) == NULL || fstat(fileno(f), &st) != 0) {
		perror(path);
		goto out;
	}
	*len = (size_t)st.st_size;
	if ((buf = malloc(*len ? *len : 1)) == NULL ||
	    fread(buf, 1, *len, f) != *len) {
		fprintf(stderr, "bench_tuf: cannot read %s\n", path);
		free(buf);
		buf = NULL;
	}
out:
	if (f != NULL)
		fclose(f);
	return buf;
}

static int
write_file(const char *path, const void *p, size_t n)
{
	FILE	*f;
	int	 ok;

	if ((f = fopen(path, "wb")) == NULL) {
		perror(path);
		return -1;
	}
	ok = fwrite(p, 1, n, f) == n;
	ok = fclose(f) == 0 && ok;
	return ok ? 0 : -1;
}

/* Key ID as Notary computes it: sha256 hex of the canonical public key. */
static int
key_id(const uint8_t *spki, size_t n, char id[65])
{
	struct json_buf b;
	uint8_t	 d[SHA256_DIGEST_LENGTH];
	char	*b64;
	size_t	 i;

	if ((b64 = malloc(4 * ((n + 2) / 3) + 1)) == NULL)
		return -1;
	EVP_EncodeBlock((unsigned char *)b64, spki, (int)n);
	json_buf_init(&b);
	PUTS(&b, "{\"keytype\":\"ecdsa\",\"keyval\":{\"private\":null,\"public\":");
	json_put_str(&b, b64, strlen(b64));
	PUTS(&b, "}}");
	free(b64);
	if (b.err != 0) {
		json_buf_cleanup(&b);
		return -1;
	}
	SHA256(b.data, b.len, d);
	json_buf_cleanup(&b);
	for (i = 0; i < sizeof(d); i++)
		snprintf(id + 2 * i, 3, "%02x", d[i]);
	return 0;
}

/*
 * Replaces the signatures of IN with one real ECDSA P-256 signature (raw
 * r||s, base64) over the sign form of "signed", made with a fresh key, as
 * Notary would; writes the file to OUT and the key's SPKI (DER) to PUB.
 */
static int
cmd_resign(const char *in, const char *out, const char *pub)
{
	struct json_doc *doc = NULL;
	struct json_error err;
	struct json_buf sform, file;
	const struct json_value *sg;
	EVP_PKEY	*pk = NULL;
	EVP_MD_CTX	*md = NULL;
	ECDSA_SIG	*es = NULL;
	const BIGNUM	*r, *s;
	const unsigned char *dp;
	unsigned char	*spki = NULL, der[80], raw[64], b64[90];
	size_t		 len, off, slen, dlen = sizeof(der);
	uint8_t		*buf;
	char		 id[65];
	int		 spki_len, rc = 1;

	json_buf_init(&sform);
	json_buf_init(&file);
	if ((buf = read_file(in, &len)) == NULL)
		return 1;
	if (json_doc_parse(buf, len, &bench_lim, &doc, &err) != 0) {
		fprintf(stderr, "bench_tuf: %s: %s\n", in, err.message);
		goto out;
	}
	if ((sg = json_object_get(json_doc_root(doc), "signed")) == NULL)
		goto out;
	json_value_span(sg, &off, &slen);
	json_write_canonical_form(&sform, sg, JSON_FORM_SIGN);
	if (sform.err != 0)
		goto out;
	if ((pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")) == NULL ||
	    (spki_len = i2d_PUBKEY(pk, &spki)) <= 0 ||
	    key_id(spki, (size_t)spki_len, id) != 0 ||
	    (md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, pk) != 1 ||
	    EVP_DigestSign(md, der, &dlen, sform.data, sform.len) != 1)
		goto out;
	dp = der;
	if ((es = d2i_ECDSA_SIG(NULL, &dp, (long)dlen)) == NULL)
		goto out;
	ECDSA_SIG_get0(es, &r, &s);
	if (BN_bn2binpad(r, raw, 32) != 32 || BN_bn2binpad(s, raw + 32, 32) != 32)
		goto out;
	EVP_EncodeBlock(b64, raw, sizeof(raw));
	PUTS(&file, "{\"signed\":");
	json_put_raw(&file, buf + off, slen);
	PUTS(&file, ",\"signatures\":[{\"keyid\":\"");
	json_put_raw(&file, id, 64);
	PUTS(&file, "\",\"method\":\"ecdsa\",\"sig\":\"");
	json_put_raw(&file, b64, strlen((char *)b64));
	PUTS(&file, "\"}]}");
	if (file.err != 0 || write_file(out, file.data, file.len) != 0 ||
	    write_file(pub, spki, (size_t)spki_len) != 0)
		goto out;
	rc = 0;
out:
	if (rc != 0)
		fprintf(stderr, "bench_tuf: resigning %s failed\n", in);
	ECDSA_SIG_free(es);
	EVP_MD_CTX_free(md);
	OPENSSL_free(spki);
	EVP_PKEY_free(pk);
	json_buf_cleanup(&sform);
	json_buf_cleanup(&file);
	json_doc_free(doc);
	free(buf);
	return rc;
}

struct verifier {
	EVP_PKEY	*pk;
	char		 id[65];
#ifdef SIGNERD_BENCH_TUF
	struct tuf_key	 key;
#endif
};

#ifdef SIGNERD_BENCH_TUF
/*
 * One round through tuf/: the strict metadata parse (json/ underneath), the
 * signature check over the sign form tuf/ keeps, and the file written back
 * from the model, which must be the input byte for byte.
 */
static int
one_round(const struct verifier *vf, const uint8_t *buf, size_t len)
{
	struct tuf_parse_opts opts = { .max_bytes = (size_t)256 << 20 };
	struct tuf_meta	*m = NULL;
	struct tuf_error err;
	struct json_buf	 out;
	size_t		 i, good = 0;
	int		 r = -1;

	json_buf_init(&out);
	if (tuf_meta_parse(buf, len, "targets", &opts, &m, &err) != 0) {
		fprintf(stderr, "bench_tuf: %s\n", err.message);
		goto done;
	}
	for (i = 0; i < m->nsigs; i++)
		if (strcmp(m->sigs[i].keyid, vf->id) == 0 &&
		    tuf_sig_verify(&vf->key, m->sigs[i].method, m->sigs[i].sig,
		    m->sigs[i].sig_len, m->signed_msg, m->signed_msg_len) == 0)
			good++;
	if (good == 0) {
		fprintf(stderr, "bench_tuf: signature does not verify\n");
		goto done;
	}
	json_buf_reserve(&out, len);
	if (tuf_meta_write(m, &out) != 0 || out.len != len ||
	    memcmp(out.data, buf, len) != 0) {
		fprintf(stderr, "bench_tuf: written file differs from the input\n");
		goto done;
	}
	r = 0;
done:
	json_buf_cleanup(&out);
	tuf_meta_free(m);
	return r;
}
#else
static int
verify_sig(const struct verifier *vf, const struct json_value *sigs,
    const uint8_t *msg, size_t n)
{
	const struct json_value *e;
	const char	*kid, *b64, *method;
	unsigned char	 raw[96], der[80], *dp;
	ECDSA_SIG	*es = NULL;
	BIGNUM		*r = NULL, *s = NULL;
	EVP_MD_CTX	*md = NULL;
	size_t		 i, kl, bl, ml;
	int		 dl, rawlen, ok = 0;

	for (i = 0; i < json_value_count(sigs) && !ok; i++) {
		e = json_array_at(sigs, i);
		kid = json_value_str(json_object_get(e, "keyid"), &kl);
		method = json_value_str(json_object_get(e, "method"), &ml);
		b64 = json_value_str(json_object_get(e, "sig"), &bl);
		if (kid == NULL || method == NULL || b64 == NULL || kl != 64 ||
		    memcmp(kid, vf->id, 64) != 0 || strcmp(method, "ecdsa") != 0 ||
		    bl != 88)
			continue;
		if ((rawlen = EVP_DecodeBlock(raw, (const unsigned char *)b64,
		    (int)bl)) != 66)
			continue;
		if ((es = ECDSA_SIG_new()) == NULL ||
		    (r = BN_bin2bn(raw, 32, NULL)) == NULL ||
		    (s = BN_bin2bn(raw + 32, 32, NULL)) == NULL ||
		    ECDSA_SIG_set0(es, r, s) != 1)
			break;
		r = s = NULL;	/* transferred */
		dp = der;
		if ((dl = i2d_ECDSA_SIG(es, &dp)) <= 0 ||
		    (md = EVP_MD_CTX_new()) == NULL ||
		    EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, vf->pk) != 1)
			break;
		ok = EVP_DigestVerify(md, der, (size_t)dl, msg, n) == 1;
		EVP_MD_CTX_free(md);
		md = NULL;
		ECDSA_SIG_free(es);
		es = NULL;
	}
	BN_free(r);
	BN_free(s);
	ECDSA_SIG_free(es);
	EVP_MD_CTX_free(md);
	return ok ? 0 : -1;
}

/*
 * One round through json/ alone: the strict parse, the canonical write of
 * "signed" in the file form (which must give back the signed bytes of the
 * file), the sign form and the ECDSA check over it.
 */
static int
one_round(const struct verifier *vf, const uint8_t *buf, size_t len)
{
	struct json_doc *doc = NULL;
	struct json_error err;
	struct json_buf out;
	const struct json_value *sg;
	size_t	 off, slen;
	int	 r = -1;

	json_buf_init(&out);
	if (json_doc_parse(buf, len, &bench_lim, &doc, &err) != 0) {
		fprintf(stderr, "bench_tuf: %s\n", err.message);
		goto done;
	}
	if ((sg = json_object_get(json_doc_root(doc), "signed")) == NULL) {
		fprintf(stderr, "bench_tuf: no \"signed\" member\n");
		goto done;
	}
	json_value_span(sg, &off, &slen);
	json_buf_reserve(&out, slen);
	json_write_canonical(&out, sg);
	if (out.err != 0 || out.len != slen ||
	    memcmp(out.data, buf + off, slen) != 0) {
		fprintf(stderr, "bench_tuf: signed part is not canonical\n");
		goto done;
	}
	json_buf_cleanup(&out);		/* peak RSS: one output at a time */
	json_buf_reserve(&out, slen);
	json_write_canonical_form(&out, sg, JSON_FORM_SIGN);
	if (out.err != 0 || verify_sig(vf, json_object_get(json_doc_root(doc),
	    "signatures"), out.data, out.len) != 0) {
		fprintf(stderr, "bench_tuf: signature does not verify\n");
		goto done;
	}
	r = 0;
done:
	json_buf_cleanup(&out);
	json_doc_free(doc);
	return r;
}
#endif

static int
cmd_time(const char *path, const char *pub, long runs)
{
	struct verifier	 vf;
	struct rusage	 ru;
	const unsigned char *dp;
	double		*times = NULL;
	uint8_t		*buf = NULL, *spki = NULL;
	size_t		 len, plen, i;
	int		 rc = 1;

	memset(&vf, 0, sizeof(vf));
	if ((buf = read_file(path, &len)) == NULL ||
	    (spki = read_file(pub, &plen)) == NULL)
		goto out;
	/* The trusted key is known before the file arrives: not timed. */
	dp = spki;
	if ((vf.pk = d2i_PUBKEY(NULL, &dp, (long)plen)) == NULL ||
	    key_id(spki, plen, vf.id) != 0)
		goto out;
#ifdef SIGNERD_BENCH_TUF
	if (tuf_key_from_spki(&vf.key, spki, plen) != 0 ||
	    strcmp(vf.key.id, vf.id) != 0)
		goto out;
#endif
	if ((times = calloc((size_t)runs, sizeof(*times))) == NULL)
		goto out;
	for (i = 0; i < (size_t)runs; i++) {
		double t0 = now_ms();

		if (one_round(&vf, buf, len) != 0)
			goto out;
		times[i] = now_ms() - t0;
	}
	qsort(times, (size_t)runs, sizeof(*times), cmp_double);
	getrusage(RUSAGE_SELF, &ru);
#ifdef SIGNERD_BENCH_TUF
	printf("mode=tuf_meta_parse + tuf_sig_verify + tuf_meta_write\n");
#else
	printf("mode=json parse + file form + sign form + ECDSA verify\n");
#endif
	printf("bytes=%zu\n", len);
	printf("ours_ms=%.3f\n", times[runs / 2]);
	printf("ours_rss_kb=%ld\n", ru.ru_maxrss);
	rc = 0;
out:
	if (rc != 0)
		fprintf(stderr, "bench_tuf: timing %s failed\n", path);
#ifdef SIGNERD_BENCH_TUF
	tuf_key_cleanup(&vf.key);
#endif
	EVP_PKEY_free(vf.pk);
	free(times);
	free(spki);
	free(buf);
	return rc;
}

int
main(int argc, char **argv)
{
	long	 runs;

	if (argc == 5 && strcmp(argv[1], "resign") == 0)
		return cmd_resign(argv[2], argv[3], argv[4]);
	if (argc == 5 && strcmp(argv[1], "time") == 0 &&
	    (runs = strtol(argv[4], NULL, 10)) >= 1 && runs <= 1000)
		return cmd_time(argv[2], argv[3], runs);
	fprintf(stderr, "usage: bench_tuf resign IN OUT PUBKEY.der\n"
	    "       bench_tuf time FILE PUBKEY.der RUNS\n");
	return 2;
}
