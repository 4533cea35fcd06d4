/* SPDX-License-Identifier: Apache-2.0 */
/* Times parse + verify + canonical write of one targets file; prints key=value lines for bench/tuf/run. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/sha.h>

#include "json.h"

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

/*
 * One round: the strict parse of the whole file, the canonical write of
 * "signed" (which must give back exactly the signed bytes of the file, as a
 * Notary client's check does), and the sha256 a signature check starts from.
 */
static int
one_round(const uint8_t *buf, size_t len, uint8_t digest[SHA256_DIGEST_LENGTH])
{
	struct json_limits lim = { .max_bytes = (size_t)256 << 20 };
	struct json_doc *doc = NULL;
	struct json_error err;
	struct json_buf out;
	const struct json_value *sig;
	size_t	 off, slen;
	int	 r = -1;

	json_buf_init(&out);
	if (json_doc_parse(buf, len, &lim, &doc, &err) != 0) {
		fprintf(stderr, "bench_tuf: %s\n", err.message);
		goto done;
	}
	if ((sig = json_object_get(json_doc_root(doc), "signed")) == NULL) {
		fprintf(stderr, "bench_tuf: no \"signed\" member\n");
		goto done;
	}
	json_value_span(sig, &off, &slen);
	json_buf_reserve(&out, slen);
	json_write_canonical(&out, sig);
	if (out.err != 0) {
		fprintf(stderr, "bench_tuf: write: %s\n", json_strerror(out.err));
		goto done;
	}
	if (out.len != slen || memcmp(out.data, buf + off, slen) != 0) {
		fprintf(stderr, "bench_tuf: signed part is not canonical\n");
		goto done;
	}
	SHA256(out.data, out.len, digest);
	r = 0;
done:
	json_buf_cleanup(&out);
	json_doc_free(doc);
	return r;
}

int
main(int argc, char **argv)
{
	uint8_t	 digest[SHA256_DIGEST_LENGTH];
	struct rusage ru;
	struct stat st;
	double	*times;
	uint8_t	*buf;
	FILE	*f;
	long	 runs;
	size_t	 len, i;

	if (argc != 3 || (runs = strtol(argv[2], NULL, 10)) < 1 || runs > 1000) {
		fprintf(stderr, "usage: bench_tuf FILE RUNS\n");
		return 2;
	}
	if ((f = fopen(argv[1], "rb")) == NULL || fstat(fileno(f), &st) != 0) {
		perror(argv[1]);
		return 1;
	}
	len = (size_t)st.st_size;
	if ((buf = malloc(len ? len : 1)) == NULL || fread(buf, 1, len, f) != len) {
		fprintf(stderr, "bench_tuf: cannot read %s\n", argv[1]);
		return 1;
	}
	fclose(f);
	if ((times = calloc((size_t)runs, sizeof(*times))) == NULL)
		return 1;
	for (i = 0; i < (size_t)runs; i++) {
		double t0 = now_ms();

		if (one_round(buf, len, digest) != 0)
			return 1;
		times[i] = now_ms() - t0;
	}
	qsort(times, (size_t)runs, sizeof(*times), cmp_double);
	getrusage(RUSAGE_SELF, &ru);
	printf("bytes=%zu\n", len);
	printf("ours_ms=%.3f\n", times[runs / 2]);
	printf("ours_rss_kb=%ld\n", ru.ru_maxrss);
	printf("ours_sha256=");
	for (i = 0; i < sizeof(digest); i++)
		printf("%02x", digest[i]);
	printf("\n");
	free(times);
	free(buf);
	return 0;
}
