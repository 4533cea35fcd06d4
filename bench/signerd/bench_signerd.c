/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench_signerd: tag-add requests over a running signerd's socket at 1, 8
 * and 32 clients (each on its own 10-tag repository, server-managed
 * snapshot: one signature per request), beside hsm/'s raw signing rate on
 * the same token in the same run; then one tag added to a 100,000-tag
 * repository against tuf/'s parse + write of that file. Files travel as
 * attachments (docs/protocol.md); the 100,000-tag add is also timed with
 * them as JSON strings, as a figure.
 *
 *   bench_signerd SOCKET MODULE TOKEN PIN_FILE [SECONDS]
 */
#define _GNU_SOURCE	/* struct ucred */
#include <sys/resource.h>
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
#define NBIG 5		/* rounds of the 100,000-tag add */
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
static int strings;	/* files as JSON strings, not attachments */

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

/* Ends the request, with its base when r is given. */
static void
put_end(struct json_buf *b, const struct repo *r)
{
	struct proto_att att;

	proto_att_init(&att);
	if (r != NULL) {
		PUTS(b, ",\"base\":{\"root\":");
		if (strings)
			json_put_str(b, r->root, r->root_len);
		else
			proto_att_ref(b, &att, r->root, r->root_len);
		PUTS(b, ",\"targets\":");
		if (strings)
			json_put_str(b, r->targets, r->targets_len);
		else
			proto_att_ref(b, &att, r->targets, r->targets_len);
		json_put_char(b, '}');
	}
	if (strings)
		json_put_char(b, '}');
	else
		proto_req_end_att(b, &att);
	proto_att_cleanup(&att);
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
	put_end(&b, r);
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
	put_end(&b, NULL);
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

/* CPU seconds (user + system) of this process. */
static double
cpu_self(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return 0;
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	    (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* CPU seconds of the process at the other end of fd (0 if unreadable). */
static double
cpu_peer(int fd)
{
	struct ucred uc;
	socklen_t ul = sizeof(uc);
	unsigned long ut, st;
	char path[64], buf[1024], *p;
	FILE *f;
	size_t n;
	int i;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &ul) != 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)uc.pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* Fields after the command's closing parenthesis; utime is the 12th. */
	if ((p = strrchr(buf, ')')) == NULL)
		return 0;
	for (i = 0; i < 11 && p != NULL; i++)
		p = strchr(p + 1, ' ');
	if (p == NULL || sscanf(p, " %lu %lu", &ut, &st) != 2)
		return 0;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
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

/* Median of v[0..n) (n <= NBIG); v is left sorted. */
static double
median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(double), dcmp);
	return v[n / 2];
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
	double rate[3], p50[3], p99[3], raw1, raw8, t, tbulk;
	double tadd[NBIG], tpw[NBIG], tstr[NBIG];
	double twait[NBIG], s2[2], c0[2], cs = 0, cc = 0, cr;
	char gun[64];
	const char *only, *files_mode;
	int fd, i, k;

	if (argc < 5)
		die("usage: bench_signerd SOCKET MODULE TOKEN PIN_FILE [SECONDS]");
	sockpath = argv[1];
	if (argc > 5)
		seconds = atof(argv[5]);
	fd = dial();
	/*
	 * BENCH_SIGNERD_FILES=strings or =attachments: every file sent one way
	 * only, with no figure for the other (for profiling).
	 */
	files_mode = getenv("BENCH_SIGNERD_FILES");
	strings = files_mode != NULL && strcmp(files_mode, "strings") == 0;
	/*
	 * BENCH_SIGNERD_ONLY=big: the 100,000-tag part alone; =clients: the
	 * tag-add rates alone (for profiling).
	 */
	if ((only = getenv("BENCH_SIGNERD_ONLY")) != NULL &&
	    strcmp(only, "big") == 0)
		goto big;

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

	for (k = 0; k < 3; k++) {
		c0[0] = cpu_peer(fd);
		c0[1] = cpu_self();
		rate[k] = run_clients(repos, ns[k], &p50[k], &p99[k]);
		if (ns[k] == 8) {
			cs = (cpu_peer(fd) - c0[0]) / (rate[k] * seconds);
			cc = (cpu_self() - c0[1]) / (rate[k] * seconds);
		}
	}
	raw1 = raw_rate(key, (const uint8_t *)repos[0].targets,
	    repos[0].targets_len, 1);
	c0[1] = cpu_self();
	raw8 = raw_rate(key, (const uint8_t *)repos[0].targets,
	    repos[0].targets_len, 8);
	cr = (cpu_self() - c0[1]) / (raw8 * seconds);
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
	printf("CPU per request at 8 clients (figure): signerd %.0f us, "
	    "bench client %.0f us; one raw signature: %.0f us\n", cs * 1e6,
	    cc * 1e6, cr * 1e6);

	hsm_key_free(key);
	hsm_token_close(tok);
	if (only != NULL && strcmp(only, "clients") == 0) {
		close(fd);
		return 0;
	}

big:
	/* One tag added to a 100,000-tag repository. */
	init_repo(fd, &big, "bench.example/big");
	t = now();
	add_tags(fd, &big, "t", 0, 100000, 7, NULL);
	tbulk = now() - t;
	printf("100,000 tags added in one request: %.2f s; targets.json is "
	    "%zu bytes\n", tbulk, big.targets_len);
	/*
	 * Five rounds; each adds one tag with the files as attachments, times
	 * tuf/'s parse + write of the result, and (unless BENCH_SIGNERD_FILES
	 * forces one form) adds one more with the files as JSON strings, the
	 * protocol's plain form, so both forms meet the same machine.
	 */
	for (k = 0; k < NBIG; k++) {
		strings = files_mode != NULL && strcmp(files_mode, "strings") == 0;
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
		if (files_mode != NULL)
			continue;
		strings = 1;
		add_tags(fd, &big, "one-more-str", 0, 1, 2000u + (unsigned)k,
		    s2);
		tstr[k] = s2[0];
	}
	t = median(tadd, NBIG);
	printf("add one tag to 100,000: %.1f ms (round trip, median of %d); "
	    "tuf/ parse+write of that file: %.1f ms\n", t * 1e3, NBIG,
	    median(tpw, NBIG) * 1e3);
	printf("add one tag to 100,000, request sent to reply read: %.1f ms "
	    "(median of %d; figure, not the ratio's)\n",
	    median(twait, NBIG) * 1e3, NBIG);
	if (files_mode == NULL)
		printf("add one tag to 100,000, files as JSON strings instead "
		    "of attachments: %.1f ms (round trip, median of %d; "
		    "figure)\n", median(tstr, NBIG) * 1e3, NBIG);
	printf("ratio add_vs_parse_100k = %.2f (goal >= 0.5)\n",
	    median(tpw, NBIG) / t);
	close(fd);
	return 0;
}
