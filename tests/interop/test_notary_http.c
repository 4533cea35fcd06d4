/* SPDX-License-Identifier: Apache-2.0 */
/*
 * notary_http against a real notary-server: exact bytes down and up, the
 * server's refusals decoded, connection reuse, TLS, timeouts and size caps.
 * Run by notary-http.sh, which made GUN with the real notary client and
 * saved its files with curl in DIR (root.json, 1.root.json, 2.targets.json,
 * 2.snapshot.json, targets.json, snapshot.json, targets_releases.json).
 *
 *   test_notary_http URL CA GUN DIR
 *   test_notary_http --auth URL CA GUN DIR   (server with token auth; env
 *       NH_TEST_USER, NH_TEST_PASS, NH_TEST_TOKEN, NH_TEST_BASIC_URL)
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/sha.h>

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

static const char *url, *ca, *gun, *dir;

static int
slurp(const char *name, uint8_t **out, size_t *len)
{
	char path[4096];
	FILE *f;
	long n;

	*out = NULL;
	*len = 0;
	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    (int)sizeof(path) || (f = fopen(path, "rb")) == NULL)
		return -1;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0 ||
	    (*out = malloc((size_t)n + 1)) == NULL ||
	    fread(*out, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		free(*out);
		*out = NULL;
		return -1;
	}
	fclose(f);
	*len = (size_t)n;
	return 0;
}

static struct notary_http *
handle_auth(const char *u, const char *cafile, long timeout_ms, size_t max,
    const char *user, const char *pass, const char *token)
{
	struct notary_http_opts o;
	struct notary_http *h = NULL;
	int r;

	memset(&o, 0, sizeof(o));
	o.server = u;
	o.username = user;
	o.password = pass;
	o.token = token;
	o.ca_file = cafile;
	o.timeout_ms = timeout_ms;
	o.connect_timeout_ms = timeout_ms;
	o.max_response = max;
	if ((r = notary_http_new(&o, &h)) != 0) {
		fprintf(stderr, "notary_http_new: %s\n",
		    notary_http_strerror(r));
		exit(1);
	}
	return h;
}

static struct notary_http *
handle(const char *u, const char *cafile, long timeout_ms, size_t max)
{
	return handle_auth(u, cafile, timeout_ms, max, NULL, NULL, NULL);
}

/* GET role/version and compare with DIR/name. */
static void
get_same(struct notary_http *h, const char *role, int64_t v, const char *name)
{
	uint8_t *got = NULL, *want = NULL;
	size_t gotlen = 0, wantlen = 0;
	int r;

	if (slurp(name, &want, &wantlen) != 0) {
		CHECK(0, "cannot read %s", name);
		return;
	}
	r = notary_http_get_meta(h, gun, role, v, &got, &gotlen);
	CHECK(r == 0, "GET %s v%lld: %s: %s", role, (long long)v,
	    notary_http_strerror(r), notary_http_last_error(h)->message);
	CHECK(r != 0 || (gotlen == wantlen && memcmp(got, want, wantlen) == 0),
	    "GET %s v%lld: bytes differ from %s", role, (long long)v, name);
	free(got);
	free(want);
}

struct step {
	const char *role;
	const char *file;
};

static void
publish_files(struct notary_http *h, const struct step *s, size_t n)
{
	struct notary_http_file files[8];
	uint8_t *bufs[8] = { NULL };
	size_t i;
	int r;

	for (i = 0; i < n && i < 8; i++) {
		if (slurp(s[i].file, &bufs[i], &files[i].len) != 0) {
			CHECK(0, "cannot read %s", s[i].file);
			goto out;
		}
		files[i].role = s[i].role;
		files[i].data = bufs[i];
	}
	r = notary_http_publish(h, gun, files, n);
	CHECK(r == 0, "publish %s...: %s: %s", s[0].file,
	    notary_http_strerror(r), notary_http_last_error(h)->message);
out:
	for (i = 0; i < 8; i++)
		free(bufs[i]);
}

static void
test_exact_bytes(struct notary_http *h)
{
	static const struct step step1[] = {
		{ "root", "1.root.json" },
		{ "targets", "2.targets.json" },
		{ "snapshot", "2.snapshot.json" },
	};
	static const struct step step2[] = {
		{ "targets", "targets.json" },
		{ "targets/releases", "targets_releases.json" },
		{ "snapshot", "snapshot.json" },
	};
	uint8_t *b = NULL, *t = NULL;
	size_t blen, tlen;
	unsigned char md[32];
	char hex[65];
	int r, i;

	CHECK(notary_http_ping(h) == 0, "GET /v2/ failed");
	get_same(h, "root", 0, "root.json");
	get_same(h, "root", 1, "1.root.json");
	get_same(h, "targets", 2, "2.targets.json");
	get_same(h, "targets", 0, "targets.json");
	get_same(h, "targets/releases", 0, "targets_releases.json");

	/* By hash, as a snapshot names it. */
	if (slurp("targets.json", &t, &tlen) == 0) {
		SHA256(t, tlen, md);
		for (i = 0; i < 32; i++)
			snprintf(hex + 2 * i, 3, "%02x", md[i]);
		r = notary_http_get_meta_by_hash(h, gun, "targets", hex, &b,
		    &blen);
		CHECK(r == 0 && blen == tlen && memcmp(b, t, tlen) == 0,
		    "GET targets.<sha256>.json: %s", notary_http_strerror(r));
		free(b);
	}
	free(t);

	/* Remove the repository, then upload notary's bytes again. */
	r = notary_http_delete(h, gun);
	CHECK(r == 0, "DELETE: %s", notary_http_last_error(h)->message);
	r = notary_http_get_meta(h, gun, "root", 0, &b, &blen);
	CHECK(r == NOTARY_HTTP_ERR_NOT_FOUND && b == NULL,
	    "root.json after DELETE: %s", notary_http_strerror(r));
	CHECK(strcmp(notary_http_last_error(h)->code, "METADATA_NOT_FOUND") == 0,
	    "404 code decoded as '%s'", notary_http_last_error(h)->code);

	publish_files(h, step1, 3);
	get_same(h, "root", 1, "1.root.json");
	get_same(h, "targets", 2, "2.targets.json");
	get_same(h, "snapshot", 2, "2.snapshot.json");
	publish_files(h, step2, 3);
	get_same(h, "root", 0, "root.json");
	get_same(h, "targets", 0, "targets.json");
	get_same(h, "targets/releases", 0, "targets_releases.json");
	get_same(h, "snapshot", 0, "snapshot.json");
	r = notary_http_get_meta(h, gun, "timestamp", 0, &b, &blen);
	CHECK(r == 0 && blen > 0, "timestamp after re-upload: %s",
	    notary_http_strerror(r));
	free(b);
}

static void
test_refusals(struct notary_http *h)
{
	const struct notary_http_error *e = notary_http_last_error(h);
	struct notary_http_file f;
	uint8_t *t = NULL;
	size_t tlen = 0;
	int r;

	/* The same targets again: not newer. */
	if (slurp("targets.json", &t, &tlen) != 0)
		CHECK(0, "cannot read targets.json");
	f.role = "targets";
	f.data = t;
	f.len = tlen;
	r = notary_http_publish(h, gun, &f, 1);
	CHECK(r == NOTARY_HTTP_ERR_REJECTED && e->status == 400 &&
	    e->code[0] != '\0', "replayed targets: %s [%s]",
	    notary_http_strerror(r), e->message);
	printf("replayed targets: %s\n", e->message);

	/* A role nobody delegated. */
	f.role = "targets/nobody";
	r = notary_http_publish(h, gun, &f, 1);
	CHECK(r == NOTARY_HTTP_ERR_REJECTED &&
	    strcmp(e->code, "INVALID_UPDATE") == 0 &&
	    strcmp(e->reason, "ErrBadTargets") == 0 &&
	    strcmp(e->role, "targets/nobody") == 0,
	    "undelegated role: code '%s' reason '%s' role '%s'", e->code,
	    e->reason, e->role);
	printf("undelegated role: %s\n", e->message);

	/* Not JSON at all. */
	f.role = "targets";
	f.data = (const uint8_t *)"nope";
	f.len = 4;
	r = notary_http_publish(h, gun, &f, 1);
	CHECK(r == NOTARY_HTTP_ERR_REJECTED &&
	    strcmp(e->code, "MALFORMED_JSON") == 0,
	    "garbage: %s code '%s'", notary_http_strerror(r), e->code);

	/* A new GUN without a root. */
	f.data = t;
	f.len = tlen;
	r = notary_http_publish(h, "example.com/none", &f, 1);
	CHECK(r == NOTARY_HTTP_ERR_REJECTED &&
	    strcmp(e->reason, "ErrValidation") == 0,
	    "no root: reason '%s'", e->reason);
	free(t);

	r = notary_http_get_meta(h, gun, "targets", 999, &t, &tlen);
	CHECK(r == NOTARY_HTTP_ERR_NOT_FOUND, "999.targets.json: %s",
	    notary_http_strerror(r));
}

static void
test_keys_and_names(struct notary_http *h)
{
	uint8_t *k1 = NULL, *k2 = NULL, *k3 = NULL, *b = NULL;
	size_t l1 = 0, l2 = 0, l3 = 0, blen;
	struct notary_http_stats before, after;
	static const char *const bad_guns[] = {
		"", "../x", "a//b", "a/./b", "a b", "a?b", "a%2fb", "/abs",
		"x/..", "a#b",
	};
	size_t i;
	int r;

	/*
	 * The timestamp key of a repository is the one its root lists and
	 * stays put; without a repository every call makes a new key.
	 */
	r = notary_http_get_key(h, gun, "timestamp", &k1, &l1);
	CHECK(r == 0 && strstr((char *)k1, "\"ed25519\"") != NULL,
	    "GET timestamp.key: %s", notary_http_strerror(r));
	r = notary_http_get_key(h, gun, "timestamp", &k2, &l2);
	CHECK(r == 0 && l1 == l2 && memcmp(k1, k2, l1) == 0,
	    "timestamp.key of %s not stable", gun);
	if (r == 0 && slurp("root.json", &b, &blen) == 0) {
		char *pub = strstr((char *)k1, "\"public\":\"");

		CHECK(pub != NULL && strchr(pub + 10, '"') != NULL,
		    "timestamp.key has no public key");
		if (pub != NULL && strchr(pub + 10, '"') != NULL) {
			*strchr(pub + 10, '"') = '\0';
			b[blen] = '\0';
			CHECK(strstr((char *)b, pub + 10) != NULL,
			    "timestamp.key is not the key in root.json");
		}
		free(b);
		b = NULL;
	}
	r = notary_http_rotate_key(h, "example.com/keys", "snapshot", &k3, &l3);
	CHECK(r == 0 && strstr((char *)k3, "\"ed25519\"") != NULL,
	    "POST snapshot.key: %s", notary_http_strerror(r));
	free(k1);
	free(k2);
	free(k3);

	notary_http_stats_get(h, &before);
	for (i = 0; i < sizeof(bad_guns) / sizeof(bad_guns[0]); i++) {
		r = notary_http_get_meta(h, bad_guns[i], "root", 0, &b, &blen);
		CHECK(r == NOTARY_HTTP_ERR_INVAL, "GUN '%s' accepted",
		    bad_guns[i]);
	}
	r = notary_http_get_meta(h, gun, "targets/../root", 0, &b, &blen);
	CHECK(r == NOTARY_HTTP_ERR_INVAL, "role with .. accepted");
	r = notary_http_get_meta(h, gun, "other", 0, &b, &blen);
	CHECK(r == NOTARY_HTTP_ERR_INVAL, "role 'other' accepted");
	notary_http_stats_get(h, &after);
	CHECK(after.requests == before.requests,
	    "invalid names made %lu requests",
	    after.requests - before.requests);
}

static void
test_transport(void)
{
	struct notary_http *h;
	struct sockaddr_in sa;
	socklen_t salen = sizeof(sa);
	uint8_t *b = NULL;
	size_t blen;
	char u[64];
	int s, r;
	struct timespec t0, t1;
	double ms;

	/* The system store does not know the test CA. */
	h = handle(url, "/dev/null", 5000, 0);
	r = notary_http_get_meta(h, gun, "root", 0, &b, &blen);
	CHECK(r == NOTARY_HTTP_ERR_TLS, "unknown CA: %s (%s)",
	    notary_http_strerror(r), notary_http_last_error(h)->message);
	notary_http_free(h);

	/* A cap below the file's size. */
	h = handle(url, ca, 5000, 100);
	r = notary_http_get_meta(h, gun, "root", 0, &b, &blen);
	CHECK(r == NOTARY_HTTP_ERR_TOO_BIG && b == NULL, "cap: %s",
	    notary_http_strerror(r));
	notary_http_free(h);

	/* A listener that never answers: the handshake times out. */
	if ((s = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(s, 4) != 0 ||
	    getsockname(s, (struct sockaddr *)&sa, &salen) != 0) {
		close(s);
		return;
	}
	snprintf(u, sizeof(u), "https://127.0.0.1:%u", ntohs(sa.sin_port));
	h = handle(u, ca, 300, 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = notary_http_get_meta(h, gun, "root", 0, &b, &blen);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
	CHECK(r == NOTARY_HTTP_ERR_TIMEOUT && ms < 3000,
	    "silent server: %s after %.0f ms", notary_http_strerror(r), ms);
	notary_http_free(h);
	close(s);

	/* Nobody listening any more on that port. */
	h = handle(u, ca, 2000, 0);
	r = notary_http_get_meta(h, gun, "root", 0, &b, &blen);
	CHECK(r == NOTARY_HTTP_ERR_CONNECT, "closed port: %s",
	    notary_http_strerror(r));
	notary_http_free(h);
}

/*
 * Against notary-server with token auth (token-server.py as the realm):
 * anonymous pull, refused push, wrong password, the full dance with the
 * right one, a static token, and Basic on a server that asks for it.
 */
static int
auth_main(void)
{
	const char *user = getenv("NH_TEST_USER");
	const char *pass = getenv("NH_TEST_PASS");
	const char *token = getenv("NH_TEST_TOKEN");
	const char *basic_url = getenv("NH_TEST_BASIC_URL");
	const struct notary_http_error *e;
	struct notary_http *h;
	struct notary_http_stats st;
	struct notary_http_file f;
	uint8_t *b = NULL;
	size_t blen;
	int r;

	if (user == NULL || pass == NULL || token == NULL || basic_url == NULL) {
		fprintf(stderr, "NH_TEST_USER, NH_TEST_PASS, NH_TEST_TOKEN, "
		    "NH_TEST_BASIC_URL must be set\n");
		return 2;
	}

	/* Anonymous: the realm hands out pull-only tokens. */
	h = handle(url, ca, 0, 0);
	get_same(h, "root", 0, "root.json");
	f.role = "targets";
	f.data = (const uint8_t *)"{}";
	f.len = 2;
	r = notary_http_publish(h, gun, &f, 1);
	e = notary_http_last_error(h);
	CHECK(r == NOTARY_HTTP_ERR_AUTH && e->status == 401,
	    "anonymous push: %s (%s)", notary_http_strerror(r), e->message);
	notary_http_free(h);

	/* Wrong password: the realm refuses, nothing reaches the server. */
	h = handle_auth(url, ca, 0, 0, user, "wrong-password", NULL);
	r = notary_http_get_meta(h, gun, "root", 0, &b, &blen);
	e = notary_http_last_error(h);
	CHECK(r == NOTARY_HTTP_ERR_TOKEN && strstr(e->message, "401") != NULL,
	    "wrong password: %s (%s)", notary_http_strerror(r), e->message);
	notary_http_free(h);

	/* The right one: the whole exact-bytes round trip behind tokens. */
	h = handle_auth(url, ca, 0, 0, user, pass, NULL);
	test_exact_bytes(h);
	notary_http_stats_get(h, &st);
	printf("with tokens: %lu requests, %lu tokens, %lu connections\n",
	    st.requests, st.tokens, st.connects);
	/* A token per change of scope (pull, push, delete), not per request. */
	CHECK(st.tokens >= 2 && st.tokens * 4 < st.requests,
	    "%lu tokens for %lu requests", st.tokens, st.requests);
	CHECK(st.connects <= 2, "%lu connections (server and realm)",
	    st.connects);
	notary_http_free(h);

	/* A static token is sent up front: one request, no 401. */
	h = handle_auth(url, ca, 0, 0, NULL, NULL, token);
	get_same(h, "root", 0, "root.json");
	notary_http_stats_get(h, &st);
	CHECK(st.requests == 1 && st.tokens == 0,
	    "static token: %lu requests, %lu tokens", st.requests, st.tokens);
	notary_http_free(h);

	/* Basic, asked for by the server, then sent up front. */
	h = handle(basic_url, ca, 0, 0);
	r = notary_http_ping(h);
	CHECK(r == NOTARY_HTTP_ERR_AUTH, "basic, no credentials: %s",
	    notary_http_strerror(r));
	notary_http_free(h);
	h = handle_auth(basic_url, ca, 0, 0, user, pass, NULL);
	r = notary_http_ping(h);
	CHECK(r == 0, "basic: %s", notary_http_strerror(r));
	r = notary_http_ping(h);
	notary_http_stats_get(h, &st);
	CHECK(r == 0 && st.requests == 3, "basic again: %s, %lu requests",
	    notary_http_strerror(r), st.requests);
	notary_http_free(h);

	printf("test_notary_http --auth: %s\n", failures ? "FAILED" : "ok");
	return failures ? 1 : 0;
}

int
main(int argc, char **argv)
{
	struct notary_http *h;
	struct notary_http_stats st;

	int auth = argc == 6 && strcmp(argv[1], "--auth") == 0;

	if (argc != 5 && !auth) {
		fprintf(stderr, "usage: %s [--auth] URL CA GUN DIR\n", argv[0]);
		return 2;
	}
	url = argv[1 + auth];
	ca = argv[2 + auth];
	gun = argv[3 + auth];
	dir = argv[4 + auth];
	if (auth)
		return auth_main();

	h = handle(url, ca, 0, 0);
	test_exact_bytes(h);
	test_refusals(h);
	test_keys_and_names(h);
	notary_http_stats_get(h, &st);
	/* One command, one connection: every request above shared it. */
	CHECK(st.connects == 1, "%lu connections for %lu requests",
	    st.connects, st.requests);
	printf("%lu requests over %lu connection(s)\n", st.requests,
	    st.connects);
	notary_http_free(h);
	test_transport();
	printf("test_notary_http: %s\n", failures ? "FAILED" : "ok");
	return failures ? 1 : 0;
}
