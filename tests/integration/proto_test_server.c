/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A server with trivial ops (status, echo, sleep) over signerd's real socket
 * server, for the integration tests of the framing, the workers, the peer
 * credentials and the shutdown path.
 *
 *   proto_test_server SOCKET [-w WORKERS] [-f MAX_FRAME] [-t FRAME_MS]
 *                     [-m MODE_OCTAL] [-c MAX_CONNS] [-W WRITE_MS]
 * Prints "ready" on stdout once listening; logs go to stderr.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "harden.h"
#include "proto.h"
#include "server.h"

static volatile int reloads;

static int
handle(void *ctx, const struct server_peer *peer, const struct proto_req *req,
    struct json_buf *out, struct proto_att *att, struct proto_error *err)
{
	static const char *const echo_fields[] = { "text", "items", NULL };
	static const char *const sleep_fields[] = { "ms", NULL };
	const struct json_value *arr;
	const char *text;
	size_t len, n;
	int64_t ms;
	char num[128];
	int w;

	(void)ctx;
	(void)att;
	if (strcmp(req->op, "status") == 0) {
		w = snprintf(num, sizeof(num), "{\"gid\":%u,\"pid\":%d,"
		    "\"reloads\":%d,\"uid\":%u}", (unsigned)peer->gid,
		    (int)peer->pid, reloads, (unsigned)peer->uid);
		if (w < 0 || (size_t)w >= sizeof(num))
			return -1;
		json_put_raw(out, num, (size_t)w);
		return 0;
	}
	if (strcmp(req->op, "echo") == 0) {
		if (proto_req_check_members(req, echo_fields, err) != 0 ||
		    proto_req_get_strn(req, "text", 1024, &text, &len,
		    err) != 0)
			return -1;
		n = 0;
		if (proto_req_has(req, "items") &&
		    proto_req_get_array(req, "items", 1000, &arr, &n,
		    err) != 0)
			return -1;
		json_put_raw(out, "{\"items\":", 9);
		json_put_int(out, (int64_t)n);
		json_put_raw(out, ",\"text\":", 8);
		json_put_str(out, text, len);
		json_put_char(out, '}');
		return 0;
	}
	if (strcmp(req->op, "sleep") == 0) {
		struct timespec ts;

		if (proto_req_check_members(req, sleep_fields, err) != 0 ||
		    proto_req_get_int(req, "ms", 0, 10000, &ms, err) != 0)
			return -1;
		ts.tv_sec = ms / 1000;
		ts.tv_nsec = (long)(ms % 1000) * 1000000;
		while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
			;
		json_put_raw(out, "{\"slept\":", 9);
		json_put_int(out, ms);
		json_put_char(out, '}');
		return 0;
	}
	proto_error_field(err, PROTO_CODE_UNKNOWN_OP, "op",
	    "unknown op \"%s\"", req->op);
	return -1;
}

static void
on_reload(void *ctx)
{
	(void)ctx;
	reloads++;
}

static void
on_log(void *ctx, int prio, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "proto_test_server[%d] <%d> %s\n", (int)getpid(),
	    prio, msg);
}

static long
num_arg(const char *s, int base)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, base);
	if (errno != 0 || end == s || *end != '\0' || v < 0) {
		fprintf(stderr, "proto_test_server: bad number %s\n", s);
		exit(2);
	}
	return v;
}

int
main(int argc, char **argv)
{
	struct server_config cfg;
	struct server *srv = NULL;
	char msg[512];
	int c, rc;

	memset(&cfg, 0, sizeof(cfg));
	while ((c = getopt(argc, argv, "w:f:t:m:c:u:W:")) != -1) {
		switch (c) {
		case 'w': cfg.workers = (unsigned)num_arg(optarg, 10); break;
		case 'f': cfg.max_frame = (size_t)num_arg(optarg, 10); break;
		case 't': cfg.frame_timeout_ms = (int)num_arg(optarg, 10); break;
		case 'm': cfg.socket_mode = (mode_t)num_arg(optarg, 8); break;
		case 'c': cfg.max_conns = (unsigned)num_arg(optarg, 10); break;
		case 'u': cfg.max_conns_per_uid = (unsigned)num_arg(optarg, 10);
			break;
		case 'W': cfg.write_timeout_ms = (int)num_arg(optarg, 10); break;
		default:
			fprintf(stderr, "usage: proto_test_server SOCKET "
			    "[-w N] [-f BYTES] [-t MS] [-m MODE] [-c N] "
			    "[-u N] [-W MS]\n");
			return 2;
		}
	}
	if (optind < argc)
		cfg.socket_path = argv[optind];
	if (harden_process(msg, sizeof(msg)) != 0) {
		fprintf(stderr, "proto_test_server: %s\n", msg);
		return 1;
	}
	cfg.signals = 1;
	cfg.handler = handle;
	cfg.reload = on_reload;
	cfg.log = on_log;
	if ((rc = server_new(&cfg, &srv, msg, sizeof(msg))) != 0) {
		fprintf(stderr, "proto_test_server: %s: %s\n",
		    server_strerror(rc), msg);
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	rc = server_run(srv);
	server_free(srv);
	return rc == 0 ? 0 : 1;
}
