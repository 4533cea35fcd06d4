/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Drives proto_test_server through its socket: many clients at once, slow
 * and half-sent frames, oversize frames, bad JSON and bad fields, SIGTERM
 * with a request in flight, the peer's uid seen through SO_PEERCRED, and
 * the socket directory checks. Usage: test_server_socket PATH_TO_SERVER
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "proto.h"

static const char *server_bin;
static char tmpdir[256];
static int failures;

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__,	\
		    #cond);						\
		failures++;						\
	}								\
} while (0)

struct srv {
	pid_t	pid;
	char	sock[300];
};

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Starts the server; returns 0 once it printed "ready", -1 if it exited. */
static int
srv_start(struct srv *s, const char *sock, const char *const *extra)
{
	const char *argv[24];
	char line[64];
	int p[2], n = 0, i;
	ssize_t got;
	size_t have = 0;

	snprintf(s->sock, sizeof(s->sock), "%s", sock);
	if (pipe(p) != 0)
		return -1;
	argv[n++] = server_bin;
	for (i = 0; extra != NULL && extra[i] != NULL && n < 22; i++)
		argv[n++] = extra[i];
	argv[n++] = sock;
	argv[n] = NULL;
	if ((s->pid = fork()) < 0)
		return -1;
	if (s->pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		close(p[1]);
		execv(server_bin, (char *const *)argv);
		_exit(127);
	}
	close(p[1]);
	while (have < sizeof(line) - 1 &&
	    (got = read(p[0], line + have, sizeof(line) - 1 - have)) > 0) {
		have += (size_t)got;
		if (memchr(line, '\n', have) != NULL)
			break;
	}
	close(p[0]);
	line[have] = '\0';
	return strncmp(line, "ready", 5) == 0 ? 0 : -1;
}

static int
srv_wait(struct srv *s)
{
	int st = 0;

	if (waitpid(s->pid, &st, 0) != s->pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void
srv_stop(struct srv *s)
{
	kill(s->pid, SIGTERM);
	CHECK(srv_wait(s) == 0);
}

static int
dial(const char *sock)
{
	struct sockaddr_un sa;
	int fd;

	if (strlen(sock) >= sizeof(sa.sun_path))
		return -1;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, sock, strlen(sock) + 1);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Sends one payload as a frame and decodes the reply into r. */
static int
call(int fd, const char *payload, size_t len, struct proto_resp *r)
{
	uint8_t *buf = NULL;
	size_t n = 0;
	int rc;

	memset(r, 0, sizeof(*r));
	if ((rc = proto_frame_write(fd, payload, len, 5000)) != 0)
		return rc;
	if ((rc = proto_frame_read(fd, 0, 5000, &buf, &n)) != 0)
		return rc;
	rc = proto_resp_decode(buf, n, NULL, r);
	free(buf);
	return rc;
}

static int
calls(int fd, const char *payload, struct proto_resp *r)
{
	return call(fd, payload, strlen(payload), r);
}

/* The reply's error code name, or "ok". */
static const char *
outcome(const struct proto_resp *r)
{
	return r->ok ? "ok" : r->code_name;
}

static int64_t
result_int(const struct proto_resp *r, const char *name)
{
	int64_t v = -1;

	(void)json_value_int(json_object_get(r->result, name), &v);
	return v;
}

/* ---------------------------------------------------------------------- */

static void
test_basics(const char *sock)
{
	struct proto_resp r;
	int fd = dial(sock);
	uint8_t *buf;
	size_t n;

	CHECK(fd >= 0);
	CHECK(calls(fd, "{\"v\":1,\"op\":\"status\",\"id\":7}", &r) == 0);
	CHECK(r.ok && r.id.kind == PROTO_ID_INT && r.id.num == 7);
	CHECK(result_int(&r, "uid") == (int64_t)getuid());
	CHECK(result_int(&r, "pid") == (int64_t)getpid());
	proto_resp_cleanup(&r);

	CHECK(calls(fd, "{\"v\":1,\"op\":\"echo\",\"id\":\"a-1\","
	    "\"text\":\"h\\u00e9\"}", &r) == 0);
	CHECK(r.ok && r.id.kind == PROTO_ID_STR &&
	    strcmp(r.id.str, "a-1") == 0);
	proto_resp_cleanup(&r);

	/* Each bad request gets its code; the connection keeps serving. */
	CHECK(calls(fd, "{\"v\":1,\"op\":", &r) == 0);
	CHECK(strcmp(outcome(&r), "bad_json") == 0);
	proto_resp_cleanup(&r);
	CHECK(calls(fd, "{\"v\":1,\"op\":\"status\",\"op\":\"echo\"}",
	    &r) == 0);
	CHECK(strcmp(outcome(&r), "bad_json") == 0);
	proto_resp_cleanup(&r);
	CHECK(calls(fd, "{\"v\":1.5,\"op\":\"status\"}", &r) == 0);
	CHECK(strcmp(outcome(&r), "bad_json") == 0);
	proto_resp_cleanup(&r);
	CHECK(calls(fd, "{\"v\":1,\"op\":\"echo\",\"text\":\"\xff\"}",
	    &r) == 0);
	CHECK(strcmp(outcome(&r), "bad_json") == 0);
	proto_resp_cleanup(&r);
	CHECK(calls(fd, "[1,2]", &r) == 0);
	CHECK(strcmp(outcome(&r), "bad_request") == 0);
	proto_resp_cleanup(&r);
	CHECK(calls(fd, "{\"v\":\"1\",\"op\":\"status\",\"id\":3}", &r) == 0);
	CHECK(strcmp(outcome(&r), "bad_request") == 0 &&
	    strcmp(r.field, "v") == 0 && r.id.num == 3);
	proto_resp_cleanup(&r);
	CHECK(calls(fd, "{\"v\":2,\"op\":\"status\",\"id\":4}", &r) == 0);
	CHECK(strcmp(outcome(&r), "unsupported_version") == 0 &&
	    r.id.num == 4);
	proto_resp_cleanup(&r);
	CHECK(calls(fd, "{\"v\":1,\"op\":\"Status\"}", &r) == 0);
	CHECK(strcmp(outcome(&r), "bad_request") == 0 &&
	    strcmp(r.field, "op") == 0);
	proto_resp_cleanup(&r);
	CHECK(calls(fd, "{\"v\":1,\"op\":\"key.delete\"}", &r) == 0);
	CHECK(strcmp(outcome(&r), "unknown_op") == 0);
	proto_resp_cleanup(&r);
	CHECK(calls(fd, "{\"v\":1,\"op\":\"echo\",\"text\":5}", &r) == 0);
	CHECK(strcmp(outcome(&r), "bad_request") == 0 &&
	    strcmp(r.field, "text") == 0);
	proto_resp_cleanup(&r);
	CHECK(calls(fd, "{\"v\":1,\"op\":\"echo\",\"txt\":\"x\"}", &r) == 0);
	CHECK(strcmp(outcome(&r), "bad_request") == 0 &&
	    strcmp(r.field, "txt") == 0);
	proto_resp_cleanup(&r);
	CHECK(call(fd, "", 0, &r) == 0);
	CHECK(strcmp(outcome(&r), "bad_frame") == 0);
	proto_resp_cleanup(&r);

	/* Huge arrays: one over the field's cap, one over the value cap. */
	{
		size_t cap = 4 * 1024 * 1024, i, o = 0;
		char *p = malloc(cap);

		CHECK(p != NULL);
		o = (size_t)snprintf(p, cap, "{\"v\":1,\"op\":\"echo\","
		    "\"text\":\"x\",\"items\":[");
		for (i = 0; i < 1001; i++)
			o += (size_t)snprintf(p + o, cap - o, "%s0",
			    i ? "," : "");
		o += (size_t)snprintf(p + o, cap - o, "]}");
		CHECK(call(fd, p, o, &r) == 0);
		CHECK(strcmp(outcome(&r), "bad_request") == 0 &&
		    strcmp(r.field, "items") == 0);
		proto_resp_cleanup(&r);
		o = (size_t)snprintf(p, cap, "{\"v\":1,\"op\":\"echo\","
		    "\"text\":\"x\",\"items\":[");
		for (i = 0; i < 1100000; i++) {
			p[o++] = i ? ',' : '0';
			if (i)
				p[o++] = '0';
		}
		o += (size_t)snprintf(p + o, cap - o, "]}");
		CHECK(call(fd, p, o, &r) == 0);
		CHECK(strcmp(outcome(&r), "bad_json") == 0);
		proto_resp_cleanup(&r);
		free(p);
	}

	CHECK(calls(fd, "{\"v\":1,\"op\":\"status\"}", &r) == 0 && r.ok);
	proto_resp_cleanup(&r);

	/* Over max_frame (4 MiB here): frame_too_large, then closed. */
	{
		static const uint8_t big[4] = { 0, 0x40, 0, 1 };

		CHECK(write(fd, big, 4) == 4);
		CHECK(proto_frame_read(fd, 0, 5000, &buf, &n) == 0);
		CHECK(proto_resp_decode(buf, n, NULL, &r) == 0);
		CHECK(strcmp(outcome(&r), "frame_too_large") == 0);
		proto_resp_cleanup(&r);
		free(buf);
		CHECK(proto_frame_read(fd, 0, 5000, &buf, &n) ==
		    PROTO_ERR_EOF);
	}
	close(fd);

	/* Exactly max_frame is still a frame. */
	fd = dial(sock);
	{
		size_t len = 4 * 1024 * 1024;
		char *p = malloc(len);

		memset(p, ' ', len);
		memcpy(p, "{\"v\":1,\"op\":\"status\"}",
		    strlen("{\"v\":1,\"op\":\"status\"}"));
		CHECK(call(fd, p, len, &r) == 0 && r.ok);
		proto_resp_cleanup(&r);
		free(p);
	}
	close(fd);
}

struct client_arg {
	const char	*sock;
	int		 ok;
	int		 n;
};

static void *
client_main(void *arg)
{
	struct client_arg *a = arg;
	struct proto_resp r;
	char req[128];
	int fd, i;

	if ((fd = dial(a->sock)) < 0)
		return NULL;
	for (i = 0; i < a->n; i++) {
		snprintf(req, sizeof(req), "{\"v\":1,\"op\":\"%s\",\"id\":%d%s}",
		    i == 0 ? "sleep" : "echo", i,
		    i == 0 ? ",\"ms\":50" : ",\"text\":\"hi\"");
		if (calls(fd, req, &r) == 0 && r.ok && r.id.num == i)
			a->ok++;
		proto_resp_cleanup(&r);
	}
	close(fd);
	return NULL;
}

/* 64 clients at once, each with a 50 ms op first, all served. */
static void
test_concurrent(const char *sock)
{
	enum { N = 64, PER = 10 };
	pthread_t t[N];
	struct client_arg a[N];
	int64_t t0 = now_ms();
	int i, ok = 0;

	for (i = 0; i < N; i++) {
		a[i].sock = sock;
		a[i].ok = 0;
		a[i].n = PER;
		CHECK(pthread_create(&t[i], NULL, client_main, &a[i]) == 0);
	}
	for (i = 0; i < N; i++) {
		pthread_join(t[i], NULL);
		ok += a[i].ok;
	}
	CHECK(ok == N * PER);
	printf("concurrent: %d clients x %d requests served in %lld ms\n",
	    N, PER, (long long)(now_ms() - t0));
}

/*
 * More half-sent frames than workers: the others are still served at once,
 * and the half-sent ones get "timeout" and are closed after the deadline.
 */
static void
test_slow(const char *sock)
{
	enum { SLOW = 8 };
	struct proto_resp r;
	int slow[SLOW], fd, i;
	int64_t t0;
	uint8_t *buf;
	size_t n;

	for (i = 0; i < SLOW; i++) {
		slow[i] = dial(sock);
		CHECK(slow[i] >= 0);
		/* A header announcing 100 bytes and 10 of them. */
		CHECK(write(slow[i], "\0\0\0\x64{\"v\":1,\"op", 14) == 14);
	}
	t0 = now_ms();
	fd = dial(sock);
	CHECK(calls(fd, "{\"v\":1,\"op\":\"status\"}", &r) == 0 && r.ok);
	proto_resp_cleanup(&r);
	CHECK(now_ms() - t0 < 500);
	close(fd);
	for (i = 0; i < SLOW; i++) {
		CHECK(proto_frame_read(slow[i], 0, 5000, &buf, &n) == 0);
		CHECK(proto_resp_decode(buf, n, NULL, &r) == 0);
		CHECK(strcmp(outcome(&r), "timeout") == 0);
		proto_resp_cleanup(&r);
		free(buf);
		CHECK(proto_frame_read(slow[i], 0, 5000, &buf, &n) ==
		    PROTO_ERR_EOF);
		close(slow[i]);
	}
	printf("slow: %d half-sent frames timed out after %lld ms\n", SLOW,
	    (long long)(now_ms() - t0));
}

/*
 * A client that sends requests and never reads the replies: once its socket
 * buffers are full the server stops reading from it, keeps serving others,
 * and drops it at the write deadline.
 */
static void
test_no_reader(const char *sock)
{
	static const char req[] = "\0\0\0\x2d{\"v\":1,\"op\":\"echo\",\"text\":"
	    "\"0123456789abcdef\"}";
	struct proto_resp r;
	char sink[65536];
	size_t sent = 0;
	ssize_t n;
	int64_t t0;
	int fd = dial(sock), other, fl;

	CHECK(fd >= 0);
	CHECK(sizeof(req) - 1 == 4 + 0x2d);
	fl = fcntl(fd, F_GETFL);
	CHECK(fcntl(fd, F_SETFL, fl | O_NONBLOCK) == 0);
	t0 = now_ms();
	/* Push until the server stops taking requests (both buffers full). */
	while (now_ms() - t0 < 3000) {
		n = send(fd, req, sizeof(req) - 1, MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			usleep(20 * 1000);
			if (send(fd, req, sizeof(req) - 1, MSG_NOSIGNAL) < 0)
				break;
			continue;
		}
		if (n <= 0)
			break;
		if ((size_t)n < sizeof(req) - 1) {
			/* A partial frame: the rest when there is room. */
			while (send(fd, req + n, sizeof(req) - 1 - (size_t)n,
			    MSG_NOSIGNAL) < 0 && errno == EAGAIN)
				usleep(1000);
		}
		sent++;
	}
	other = dial(sock);
	CHECK(calls(other, "{\"v\":1,\"op\":\"status\"}", &r) == 0 && r.ok);
	proto_resp_cleanup(&r);
	close(other);
	/* Past the write deadline the server has closed: reads end in EOF. */
	usleep(1500 * 1000);
	CHECK(fcntl(fd, F_SETFL, fl) == 0);
	while ((n = read(fd, sink, sizeof(sink))) > 0)
		;
	CHECK(n == 0 || errno == ECONNRESET);
	close(fd);
	printf("no-reader: %zu requests pushed, connection dropped\n", sent);
}

/* The peer's uid as seen through SO_PEERCRED, from a client as nobody. */
static void
test_peer_nobody(const char *sock)
{
	struct proto_resp r;
	pid_t pid;
	int st = 0, fd;

	if (geteuid() != 0) {
		printf("peer-nobody: skipped (not root)\n");
		return;
	}
	if ((pid = fork()) == 0) {
		int ok;

		if (setgid(65534) != 0 || setuid(65534) != 0)
			_exit(3);
		if ((fd = dial(sock)) < 0)
			_exit(4);
		ok = calls(fd, "{\"v\":1,\"op\":\"status\"}", &r) == 0 &&
		    r.ok && result_int(&r, "uid") == 65534 &&
		    result_int(&r, "gid") == 65534;
		_exit(ok ? 0 : 5);
	}
	CHECK(pid > 0 && waitpid(pid, &st, 0) == pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	printf("peer-nobody: child exit %d\n", WEXITSTATUS(st));
}

/* SIGTERM with a request in flight: it is answered, then the server exits. */
static void
test_drain(struct srv *s)
{
	struct proto_resp r;
	struct stat st;
	int fd = dial(s->sock), idle = dial(s->sock);

	CHECK(fd >= 0 && idle >= 0);
	CHECK(proto_frame_write(fd, "{\"v\":1,\"op\":\"sleep\",\"ms\":400}",
	    29, 1000) == 0);
	usleep(100 * 1000);
	kill(s->pid, SIGTERM);
	{
		uint8_t *buf;
		size_t n;

		CHECK(proto_frame_read(fd, 0, 5000, &buf, &n) == 0);
		CHECK(proto_resp_decode(buf, n, NULL, &r) == 0 && r.ok &&
		    result_int(&r, "slept") == 400);
		proto_resp_cleanup(&r);
		free(buf);
		CHECK(proto_frame_read(idle, 0, 5000, &buf, &n) ==
		    PROTO_ERR_EOF);
	}
	CHECK(srv_wait(s) == 0);
	CHECK(stat(s->sock, &st) != 0 && errno == ENOENT);
	CHECK(dial(s->sock) < 0);
	close(fd);
	close(idle);
}

static void
test_sighup(const char *sock, pid_t pid)
{
	struct proto_resp r;
	int fd;

	kill(pid, SIGHUP);
	usleep(100 * 1000);
	fd = dial(sock);
	CHECK(calls(fd, "{\"v\":1,\"op\":\"status\"}", &r) == 0 && r.ok &&
	    result_int(&r, "reloads") == 1);
	proto_resp_cleanup(&r);
	close(fd);
}

static void
test_dir_checks(void)
{
	struct srv s, s2;
	char dir[300], sock[320];

	/* A group-writable directory is refused. */
	snprintf(dir, sizeof(dir), "%s/gw", tmpdir);
	snprintf(sock, sizeof(sock), "%s/s", dir);
	CHECK(mkdir(dir, 0700) == 0 && chmod(dir, 0770) == 0);
	CHECK(srv_start(&s, sock, NULL) != 0);
	CHECK(srv_wait(&s) == 1);

	/* A missing directory is created 0750; a second server is refused. */
	snprintf(dir, sizeof(dir), "%s/new", tmpdir);
	snprintf(sock, sizeof(sock), "%s/s", dir);
	CHECK(srv_start(&s, sock, NULL) == 0);
	{
		struct stat st;

		CHECK(stat(dir, &st) == 0 && (st.st_mode & 07777) == 0750);
		CHECK(stat(sock, &st) == 0 && S_ISSOCK(st.st_mode) &&
		    (st.st_mode & 07777) == 0660);
	}
	CHECK(srv_start(&s2, sock, NULL) != 0);
	CHECK(srv_wait(&s2) == 1);
	/* A stale socket file (server killed hard) is replaced. */
	kill(s.pid, SIGKILL);
	srv_wait(&s);
	CHECK(srv_start(&s, sock, NULL) == 0);
	srv_stop(&s);
}

/* Starts the server as systemd would: fd 3 listening, LISTEN_PID/FDS set. */
static pid_t
start_activated(int lfd, const char *nfds, int *ready)
{
	char pidbuf[32], line[16];
	int p[2];
	ssize_t got;
	pid_t pid;

	*ready = 0;
	if (pipe(p) != 0)
		return -1;
	if ((pid = fork()) == 0) {
		dup2(p[1], 1);
		if (lfd != 3) {
			dup2(lfd, 3);
			close(lfd);
		}
		snprintf(pidbuf, sizeof(pidbuf), "%d", (int)getpid());
		setenv("LISTEN_PID", pidbuf, 1);
		setenv("LISTEN_FDS", nfds, 1);
		execl(server_bin, server_bin, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	got = read(p[0], line, sizeof(line) - 1);
	*ready = got >= 5 && memcmp(line, "ready", 5) == 0;
	close(p[0]);
	return pid;
}

static void
test_activation(void)
{
	struct sockaddr_un sa;
	struct proto_resp r;
	struct stat st;
	struct srv s;
	int lfd, fd, ready;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	{
		int w = snprintf(sa.sun_path, sizeof(sa.sun_path),
		    "%.90s/act.sock", tmpdir);

		CHECK(w > 0 && (size_t)w < sizeof(sa.sun_path));
	}
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(lfd >= 0);
	CHECK(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	CHECK(listen(lfd, 16) == 0);

	s.pid = start_activated(lfd, "1", &ready);
	CHECK(s.pid > 0 && ready);
	fd = dial(sa.sun_path);
	CHECK(fd >= 0);
	CHECK(calls(fd, "{\"v\":1,\"op\":\"status\"}", &r) == 0 && r.ok);
	proto_resp_cleanup(&r);
	close(fd);
	srv_stop(&s);
	/* The socket belongs to systemd: it is left where it was. */
	CHECK(stat(sa.sun_path, &st) == 0);

	/* More than one socket is refused. */
	s.pid = start_activated(lfd, "2", &ready);
	CHECK(s.pid > 0 && !ready);
	CHECK(srv_wait(&s) == 1);
	close(lfd);
	printf("activation: ok\n");
}

/* Reads one frame: a "busy" error, then the end of the connection. */
static int
is_busy_then_eof(int fd)
{
	struct proto_resp r;
	uint8_t *buf = NULL, b;
	size_t n = 0;
	int ok;

	if (proto_frame_read(fd, 0, 5000, &buf, &n) != 0)
		return 0;
	ok = proto_resp_decode(buf, n, NULL, &r) == 0 && !r.ok &&
	    strcmp(outcome(&r), "busy") == 0 &&
	    strstr(r.message, "for this uid") != NULL;
	proto_resp_cleanup(&r);
	free(buf);
	return ok && read(fd, &b, 1) == 0;
}

/*
 * A cap of 3 per uid: the 4th connection of one uid gets "busy" and is
 * closed, the first 3 still work, another uid (nobody, when root) is not
 * counted against it, and a closed slot can be taken again.
 */
static void
test_per_uid(const char *dir)
{
	static const char *const opts[] = { "-u", "3", "-c", "16", "-m", "0666", NULL };
	struct proto_resp r;
	struct srv s;
	char sock[320];
	int fd[4], i, st = 0;
	pid_t pid = -1;

	snprintf(sock, sizeof(sock), "%s/uid.sock", dir);
	if (srv_start(&s, sock, opts) != 0) {
		CHECK(!"per-uid server did not start");
		return;
	}
	for (i = 0; i < 3; i++) {
		fd[i] = dial(sock);
		CHECK(fd[i] >= 0);
		CHECK(calls(fd[i], "{\"v\":1,\"op\":\"status\"}", &r) == 0 &&
		    r.ok);
		proto_resp_cleanup(&r);
	}
	fd[3] = dial(sock);
	CHECK(fd[3] >= 0 && is_busy_then_eof(fd[3]));
	close(fd[3]);
	for (i = 0; i < 3; i++) {
		CHECK(calls(fd[i], "{\"v\":1,\"op\":\"status\"}", &r) == 0 &&
		    r.ok);
		proto_resp_cleanup(&r);
	}
	if (geteuid() == 0 && (pid = fork()) == 0) {
		int c, ok;

		if (setgid(65534) != 0 || setuid(65534) != 0)
			_exit(3);
		if ((c = dial(sock)) < 0)
			_exit(4);
		ok = calls(c, "{\"v\":1,\"op\":\"status\"}", &r) == 0 &&
		    r.ok;
		_exit(ok ? 0 : 5);
	} else if (geteuid() == 0) {
		CHECK(pid > 0 && waitpid(pid, &st, 0) == pid);
		CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	/* A freed slot is usable again once the server saw the close. */
	close(fd[0]);
	for (i = 0; i < 50; i++) {
		usleep(20 * 1000);
		if ((fd[0] = dial(sock)) < 0)
			break;
		if (calls(fd[0], "{\"v\":1,\"op\":\"status\"}", &r) == 0 &&
		    r.ok) {
			proto_resp_cleanup(&r);
			break;
		}
		proto_resp_cleanup(&r);
		close(fd[0]);
		fd[0] = -1;
	}
	CHECK(fd[0] >= 0);
	for (i = 0; i < 3; i++)
		if (fd[i] >= 0)
			close(fd[i]);
	srv_stop(&s);
	printf("per-uid: 4th connection of one uid refused busy%s\n",
	    geteuid() == 0 ? ", another uid served" : "");
}

int
main(int argc, char **argv)
{
	static const char *const opts[] = { "-w", "4", "-f", "4194304",
	    "-t", "1000", "-m", "0666", "-W", "1000", NULL };
	struct srv s;
	char dir[300], sock[320];
	const char *t = getenv("TMPDIR");

	if (argc != 2) {
		fprintf(stderr, "usage: test_server_socket SERVER\n");
		return 2;
	}
	server_bin = argv[1];
	signal(SIGPIPE, SIG_IGN);
	snprintf(tmpdir, sizeof(tmpdir), "%s/proto-srv-XXXXXX",
	    t != NULL ? t : "/tmp");
	if (mkdtemp(tmpdir) == NULL || chmod(tmpdir, 0755) != 0) {
		perror("mkdtemp");
		return 1;
	}
	/* Traversable by nobody for the peer test; not writable by others. */
	snprintf(dir, sizeof(dir), "%s/run", tmpdir);
	snprintf(sock, sizeof(sock), "%s/sock", dir);
	if (mkdir(dir, 0755) != 0 || chmod(dir, 0755) != 0) {
		perror("mkdir");
		return 1;
	}
	if (srv_start(&s, sock, opts) != 0) {
		fprintf(stderr, "server did not start\n");
		return 1;
	}
	test_basics(sock);
	test_concurrent(sock);
	test_slow(sock);
	test_no_reader(sock);
	test_peer_nobody(sock);
	test_sighup(sock, s.pid);
	test_drain(&s);
	test_dir_checks();
	test_activation();
	test_per_uid(dir);

	{
		char cmd[400];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", tmpdir);
	}
	if (failures != 0) {
		fprintf(stderr, "%d checks failed\n", failures);
		return 1;
	}
	printf("all server checks passed\n");
	return 0;
}
