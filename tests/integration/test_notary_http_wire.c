/* SPDX-License-Identifier: Apache-2.0 */
/*
 * notary_http's wire layer against http-quirks.py, a server that misbehaves
 * on purpose: kept connections, a server closing an idle one, a connection
 * dropped under a request (a GET is retried, a POST is not), chunked answers
 * in pieces, HTTP/1.0 bodies to EOF, silence, size caps, bad framing, a
 * token realm in clear that only looks like loopback.
 *
 *   test_notary_http_wire URL
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "notary_http.h"

static int failures;

#define CHECK(cond, ...) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);	\
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
		failures++;						\
	}								\
} while (0)

static const char *url;

static struct notary_http *
handle(long timeout_ms, size_t max)
{
	struct notary_http_opts o;
	struct notary_http *h = NULL;

	memset(&o, 0, sizeof(o));
	o.server = url;
	o.timeout_ms = timeout_ms;
	o.connect_timeout_ms = timeout_ms;
	o.max_response = max;
	if (notary_http_new(&o, &h) != 0) {
		fprintf(stderr, "notary_http_new failed\n");
		exit(1);
	}
	return h;
}

/* GET t/NAME's root.json; the body must be want (NULL: not checked). */
static int
get(struct notary_http *h, const char *name, const char *want)
{
	char gun[64];
	uint8_t *b = NULL;
	size_t n = 0;
	int r;

	snprintf(gun, sizeof(gun), "t/%s", name);
	r = notary_http_get_meta(h, gun, "root", 0, &b, &n);
	if (r == 0 && want != NULL)
		CHECK(n == strlen(want) && memcmp(b, want, n) == 0,
		    "%s: body \"%.*s\", want \"%s\"", name, (int)n,
		    (const char *)b, want);
	free(b);
	return r;
}

static unsigned long
connects(const struct notary_http *h)
{
	struct notary_http_stats st;

	notary_http_stats_get(h, &st);
	return st.connects;
}

static void
pause_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int
main(int argc, char **argv)
{
	struct notary_http *h;
	struct notary_http_file f = { "targets", (const uint8_t *)"{}", 2 };
	double t0;
	int r;

	if (argc != 2) {
		fprintf(stderr, "usage: test_notary_http_wire URL\n");
		return 2;
	}
	url = argv[1];

	h = handle(5000, 0);
	CHECK(get(h, "keep", "kept 1") == 0, "keep 1");
	CHECK(get(h, "keep", "kept 2") == 0, "keep 2");
	CHECK(get(h, "keep", "kept 3") == 0, "keep 3");
	CHECK(connects(h) == 1, "keep: %lu connections", connects(h));
	/* After a chunked answer the connection carries the next request. */
	CHECK(get(h, "chunked", "wire-chunk") == 0, "chunked: %s",
	    notary_http_last_error(h)->message);
	CHECK(get(h, "keep", "kept 5") == 0, "keep after chunked");
	CHECK(connects(h) == 1, "chunked: %lu connections", connects(h));
	notary_http_free(h);

	/* The server closes the kept connection while we are idle. */
	h = handle(5000, 0);
	CHECK(get(h, "closeafter", "closing") == 0, "closeafter 1");
	pause_ms(150);
	CHECK(get(h, "closeafter", "closing") == 0, "closeafter 2: %s",
	    notary_http_last_error(h)->message);
	CHECK(get(h, "closeafter", "closing") == 0, "closeafter 3 (no pause): %s",
	    notary_http_last_error(h)->message);
	CHECK(connects(h) == 3, "closeafter: %lu connections", connects(h));
	notary_http_free(h);

	/* Dropped under a GET: sent again on a new connection. */
	h = handle(5000, 0);
	CHECK(get(h, "dropsecond", "first") == 0, "dropsecond 1");
	CHECK(get(h, "dropsecond", "first") == 0, "dropsecond 2 (retried): %s",
	    notary_http_last_error(h)->message);
	CHECK(connects(h) == 2, "dropsecond: %lu connections", connects(h));
	notary_http_free(h);

	/* Dropped under a POST: not sent twice (the script counts). */
	h = handle(5000, 0);
	CHECK(get(h, "dropsecond", "first") == 0, "dropsecond GET");
	r = notary_http_publish(h, "t/dropsecond", &f, 1);
	CHECK(r == NOTARY_HTTP_ERR_TRANSPORT, "POST dropped: %s (%s)",
	    notary_http_strerror(r), notary_http_last_error(h)->message);
	printf("POST dropped: %s\n", notary_http_last_error(h)->message);
	notary_http_free(h);

	/* HTTP/1.0, body to EOF; the next request needs a new connection. */
	h = handle(5000, 0);
	CHECK(get(h, "http10", "until eof") == 0, "http10: %s",
	    notary_http_last_error(h)->message);
	CHECK(get(h, "keep", "kept 1") == 0, "keep after http10");
	CHECK(connects(h) == 2, "http10: %lu connections", connects(h));
	notary_http_free(h);

	h = handle(300, 1 << 20);
	t0 = now_ms();
	r = get(h, "silent", NULL);
	CHECK(r == NOTARY_HTTP_ERR_TIMEOUT && now_ms() - t0 < 2000,
	    "silent: %s after %.0f ms", notary_http_strerror(r),
	    now_ms() - t0);
	printf("silent: %s\n", notary_http_last_error(h)->message);
	r = get(h, "huge", NULL);
	CHECK(r == NOTARY_HTTP_ERR_TOO_BIG, "huge: %s",
	    notary_http_strerror(r));
	printf("huge: %s\n", notary_http_last_error(h)->message);
	r = get(h, "bad", NULL);
	CHECK(r == NOTARY_HTTP_ERR_TRANSPORT &&
	    strstr(notary_http_last_error(h)->message, "malformed") != NULL,
	    "bad: %s (%s)", notary_http_strerror(r),
	    notary_http_last_error(h)->message);
	printf("bad: %s\n", notary_http_last_error(h)->message);
	/* A realm in clear must be this machine, not a look-alike name. */
	r = get(h, "evilrealm", NULL);
	CHECK(r == NOTARY_HTTP_ERR_TOKEN, "evilrealm: %s (%s)",
	    notary_http_strerror(r), notary_http_last_error(h)->message);
	printf("evilrealm: %s\n", notary_http_last_error(h)->message);
	notary_http_free(h);

	if (failures > 0) {
		fprintf(stderr, "test_notary_http_wire: %d failure(s)\n",
		    failures);
		return 1;
	}
	printf("test_notary_http_wire: ok\n");
	return 0;
}
