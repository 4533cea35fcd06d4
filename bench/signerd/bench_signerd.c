/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench_signerd: tag-add requests over a running signerd's socket at 1, 8
 * and 32 clients (each on its own 10-tag repository, server-managed
 * snapshot: one signature per request), beside hsm/'s raw signing rate on
 * the same token in the same run; then one tag added to a 100,000-tag
 * repository against tuf/'s parse + write of that file.
 *
 *   bench_signerd SOCKET MODULE TOKEN PIN_FILE [SECONDS]
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "hsm.h"
#include "json.h"
#include "proto.h"
#include "tuf.h"

#define MAXC 32
#define PUTS(b, lit) json_put_raw((b), (lit), sizeof(lit) - 1)
#define TS_KEY "{\"keytype\":\"ed25519\",\"keyval\":{\"private\":null," \
	"\"public\":\"SWXxueLtweoMrCDb3qDHaBNgdBhW2EQUq04ZJ4yDLoc=\"}}"
#define SN_KEY "{\"keytype\":\"ed25519\",\"keyval\":{\"private\":null," \
	"\"public\":\"f6AAfpSdMw4Jsr3KITQoFYpNW0Nllvtmk0E+lSWiXXY=\"}}"

struct repo {
	char	 gun[64];
	char	*root, *targets;
	size_t	 root_len, targets_len;
};

static const char *sockpath;
static double seconds = 2.0;

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
	fprintf(stderr, "bench_signerd: %s\n", what);
	exit(1);
}

static int
dial(void)
{
	struct sockaddr_un sa;
	int fd;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sockpath);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		die("connect");
	return fd;
}

/*
 * One request; the result's files replace the repo's. secs (may be NULL):
 * [0] the round trip, [1] from the request fully sent to the reply fully
 * read (the client's own encoding and sending left out).
 */
static void
rpc(int fd, struct json_buf *req, struct repo *r, double secs[2])
{
	struct proto_limits lim = { 1u << 30, 0, 0 };
	struct proto_resp resp;
	const struct json_value *files, *v;
	uint8_t *raw = NULL;
	size_t len = 0, sl;
	const char *s;
	double t0, t1;

	if (req->err != 0)
		die("request too large");
	t0 = now();
	if (proto_frame_write(fd, req->data, req->len, 60000) != 0)
		die("socket");
	t1 = now();
	if (proto_frame_read(fd, 1u << 30, 60000, &raw, &len) != 0)
		die("socket");
	if (secs != NULL) {
		secs[1] = now() - t1;
		secs[0] = now() - t0;
	}
	memset(&resp, 0, sizeof(resp));
	if (proto_resp_decode(raw, len, &lim, &resp) != 0)
		die("bad response");
	if (!resp.ok) {
		fprintf(stderr, "bench_signerd: %s: %s\n", resp.code_name,
		    resp.message);
		exit(1);
	}
	files = json_object_get(resp.result, "files");
	if ((v = json_object_get(files, "root")) != NULL) {
		s = json_value_str(v, &sl);
		free(r->root);
		r->root = strndup(s, sl);
		r->root_len = sl;
	}
	if ((v = json_object_get(files, "targets")) != NULL) {
		s = json_value_str(v, &sl);
		free(r->targets);
		r->targets = strndup(s, sl);
		r->targets_len = sl;
	}
	proto_resp_cleanup(&resp);
	free(raw);
}

static void
put_base(struct json_buf *b, const struct repo *r)
{
	PUTS(b, ",\"base\":{\"root\":");
	json_put_str(b, r->root, r->root_len);
	PUTS(b, ",\"targets\":");
	json_put_str(b, r->targets, r->targets_len);
	PUTS(b, "}}");
}

static void
hex_digest(unsigned long n, char out[65])
{
	snprintf(out, 65, "%016lx%016lx%016lx%016lx", n, n * 7 + 1, n * 13 + 2,
	    n * 31 + 3);
}

/* targets.update adding tags [first, first+n) named PREFIX%06u (or one name). */
static void
add_tags(int fd, struct repo *r, const char *prefix, unsigned first,
    unsigned n, unsigned long seed, double secs[2])
{
	struct json_buf b;
	char name[64], dg[65];
	unsigned i;

	json_buf_init(&b);
	PUTS(&b, "{\"v\":1,\"op\":\"targets.update\",\"gun\":");
	json_put_str(&b, r->gun, strlen(r->gun));
	PUTS(&b, ",\"role\":\"targets\",\"add\":[");
	for (i = 0; i < n; i++) {
		if (n == 1 && first == 0)
			snprintf(name, sizeof(name), "%s", prefix);
		else
			snprintf(name, sizeof(name), "%s%06u", prefix,
			    first + i);
		hex_digest(seed + i, dg);
		if (i > 0)
			json_put_char(&b, ',');
		PUTS(&b, "{\"length\":1234,\"name\":");
		json_put_str(&b, name, strlen(name));
		PUTS(&b, ",\"sha256\":\"");
		json_put_raw(&b, dg, 64);
		PUTS(&b, "\"}");
	}
	json_put_char(&b, ']');
	put_base(&b, r);
	rpc(fd, &b, r, secs);
	json_buf_cleanup(&b);
}

static void
init_repo(int fd, struct repo *r, const char *gun)
{
	struct json_buf b;

	memset(r, 0, sizeof(*r));
	snprintf(r->gun, sizeof(r->gun), "%s", gun);
	json_buf_init(&b);
	PUTS(&b, "{\"v\":1,\"op\":\"repo.init\",\"gun\":");
	json_put_str(&b, gun, strlen(gun));
	PUTS(&b, ",\"snapshot_key\":");
	json_put_str(&b, SN_KEY, strlen(SN_KEY));
	PUTS(&b, ",\"timestamp_key\":");
	json_put_str(&b, TS_KEY, strlen(TS_KEY));
	json_put_char(&b, '}');
	rpc(fd, &b, r, NULL);
	json_buf_cleanup(&b);
}

struct worker {
	pthread_t	 t;
	struct repo	*r;
	double		 end;
	double		*lat;
	size_t		 n, cap;
	unsigned long	 seed;
};

static void *
client(void *arg)
{
	struct worker *w = arg;
	int fd = dial();
	double s[2];

	while (now() < w->end) {
		add_tags(fd, w->r, "bench", 0, 1, w->seed++, s);
		if (w->n == w->cap) {
			w->cap = w->cap ? w->cap * 2 : 1024;
			w->lat = realloc(w->lat, w->cap * sizeof(*w->lat));
			if (w->lat == NULL)
				die("out of memory");
		}
		w->lat[w->n++] = s[0];
	}
	close(fd);
	return NULL;
}

static int
dcmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Requests/s at n clients; p50/p99 in ms. */
static double
run_clients(struct repo *repos, int n, double *p50, double *p99)
{
	struct worker w[MAXC];
	double t0, t1, *all;
	size_t tot = 0, k = 0;
	int i;

	memset(w, 0, sizeof(w));
	t0 = now();
	for (i = 0; i < n; i++) {
		w[i].r = &repos[i];
		w[i].end = t0 + seconds;
		w[i].seed = (unsigned long)i << 32 | (unsigned long)time(NULL);
		if (pthread_create(&w[i].t, NULL, client, &w[i]) != 0)
			die("pthread_create");
	}
	for (i = 0; i < n; i++) {
		pthread_join(w[i].t, NULL);
		tot += w[i].n;
	}
	t1 = now();
	if ((all = calloc(tot ? tot : 1, sizeof(*all))) == NULL)
		die("out of memory");
	for (i = 0; i < n; i++) {
		memcpy(all + k, w[i].lat, w[i].n * sizeof(*all));
		k += w[i].n;
		free(w[i].lat);
	}
	qsort(all, tot, sizeof(*all), dcmp);
	*p50 = tot ? all[tot / 2] * 1e3 : 0;
	*p99 = tot ? all[(tot * 99) / 100] * 1e3 : 0;
	free(all);
	return (double)tot / (t1 - t0);
}

struct rawsign {
	pthread_t	 t;
	struct hsm_key	*key;
	const uint8_t	*msg;
	size_t		 len;
	double		 end;
	size_t		 n;
};

static void *
signer(void *arg)
{
	struct rawsign *s = arg;
	unsigned char sig[HSM_SIG_MAX];
	size_t sl;

	while (now() < s->end) {
		if (hsm_key_sign(s->key, s->msg, s->len, sig, sizeof(sig),
		    &sl) != 0)
			die("hsm_key_sign");
		s->n++;
	}
	return NULL;
}

static double
raw_rate(struct hsm_key *key, const uint8_t *msg, size_t len, int n)
{
	struct rawsign s[MAXC];
	double t0 = now(), t1;
	size_t tot = 0;
	int i;

	memset(s, 0, sizeof(s));
	for (i = 0; i < n; i++) {
		s[i].key = key;
		s[i].msg = msg;
		s[i].len = len;
		s[i].end = t0 + seconds;
		if (pthread_create(&s[i].t, NULL, signer, &s[i]) != 0)
			die("pthread_create");
	}
	for (i = 0; i < n; i++) {
		pthread_join(s[i].t, NULL);
		tot += s[i].n;
	}
	t1 = now();
	return (double)tot / (t1 - t0);
}

static double
median3(double a, double b, double c)
{
	double v[3] = { a, b, c };

	qsort(v, 3, sizeof(double), dcmp);
	return v[1];
}

int
main(int argc, char **argv)
{
	static struct repo repos[MAXC];
	struct repo big;
	struct hsm_config hc;
	struct hsm_token *tok = NULL;
	struct hsm_key *key = NULL;
	struct tuf_meta *m = NULL;
	struct json_buf wb;
	const struct tuf_role *tr;
	static const int ns[] = { 1, 8, 32 };
	double rate[3], p50[3], p99[3], raw1, raw8, t, tadd[3], tpw[3], tbulk;
	double twait[3], s2[2];
	char gun[64];
	int fd, i, k;

	if (argc < 5)
		die("usage: bench_signerd SOCKET MODULE TOKEN PIN_FILE [SECONDS]");
	sockpath = argv[1];
	if (argc > 5)
		seconds = atof(argv[5]);
	fd = dial();

	/* 32 repositories of 10 tags, docker style (server snapshot). */
	t = now();
	for (i = 0; i < MAXC; i++) {
		snprintf(gun, sizeof(gun), "bench.example/r%d", i);
		init_repo(fd, &repos[i], gun);
		add_tags(fd, &repos[i], "tag", 0, 10, (unsigned long)i * 100,
		    NULL);
	}
	printf("setup: %d repositories of 10 tags in %.1f s\n", MAXC,
	    now() - t);

	/* hsm/'s raw rate with the same targets key, on a targets-sized message. */
	memset(&hc, 0, sizeof(hc));
	hc.module = argv[2];
	hc.token = argv[3];
	hc.pin_source = HSM_PIN_FILE;
	hc.pin_file = argv[4];
	if (tuf_meta_parse((const uint8_t *)repos[0].root, repos[0].root_len,
	    "root", NULL, &m, NULL) != 0 ||
	    (tr = tuf_root_role(&m->root, "targets")) == NULL)
		die("root");
	if (hsm_token_open(&hc, &tok) != 0 ||
	    hsm_key_find(tok, tr->keyids[0], &key) != 0)
		die(hsm_error_detail());
	tuf_meta_free(m);
	m = NULL;

	for (k = 0; k < 3; k++)
		rate[k] = run_clients(repos, ns[k], &p50[k], &p99[k]);
	raw1 = raw_rate(key, (const uint8_t *)repos[0].targets,
	    repos[0].targets_len, 1);
	raw8 = raw_rate(key, (const uint8_t *)repos[0].targets,
	    repos[0].targets_len, 8);
	printf("raw hsm/ signing (targets key, %zu-byte message): "
	    "%.0f/s at 1 thread, %.0f/s at 8 threads\n", repos[0].targets_len,
	    raw1, raw8);
	for (k = 0; k < 3; k++)
		printf("tag-add over the socket, %2d clients: %7.0f requests/s, "
		    "p50 %.2f ms, p99 %.2f ms\n", ns[k], rate[k], p50[k], p99[k]);
	printf("ratio socket_vs_raw_1c = %.2f (raw at 1 thread)\n",
	    rate[0] / raw1);
	printf("ratio socket_vs_raw_8c = %.2f (goal >= 0.7)\n", rate[1] / raw8);
	printf("p99 at 8 clients = %.2f ms (goal < 5 ms)\n", p99[1]);

	/* One tag added to a 100,000-tag repository. */
	init_repo(fd, &big, "bench.example/big");
	t = now();
	add_tags(fd, &big, "t", 0, 100000, 7, NULL);
	tbulk = now() - t;
	printf("100,000 tags added in one request: %.2f s; targets.json is "
	    "%zu bytes\n", tbulk, big.targets_len);
	for (k = 0; k < 3; k++) {
		add_tags(fd, &big, "one-more", 0, 1, 1000u + (unsigned)k, s2);
		tadd[k] = s2[0];
		twait[k] = s2[1];
		json_buf_init(&wb);
		t = now();
		if (tuf_meta_parse((const uint8_t *)big.targets,
		    big.targets_len, "targets", NULL, &m, NULL) != 0 ||
		    tuf_meta_write(m, &wb) != 0)
			die("tuf parse/write");
		tpw[k] = now() - t;
		tuf_meta_free(m);
		m = NULL;
		json_buf_cleanup(&wb);
	}
	t = median3(tadd[0], tadd[1], tadd[2]);
	printf("add one tag to 100,000: %.1f ms (round trip, median of 3); "
	    "tuf/ parse+write of that file: %.1f ms\n", t * 1e3,
	    median3(tpw[0], tpw[1], tpw[2]) * 1e3);
	printf("add one tag to 100,000, request sent to reply read: %.1f ms "
	    "(median of 3; figure, not the ratio's)\n",
	    median3(twait[0], twait[1], twait[2]) * 1e3);
	printf("ratio add_vs_parse_100k = %.2f (goal >= 0.5)\n",
	    median3(tpw[0], tpw[1], tpw[2]) / t);

	hsm_key_free(key);
	hsm_token_close(tok);
	close(fd);
	return 0;
}
