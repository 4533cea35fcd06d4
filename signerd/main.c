/* SPDX-License-Identifier: Apache-2.0 */
/* signerd: the signing daemon: config, tokens, ledger, audit log, socket. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "config.h"
#include "harden.h"
#include "keys.h"
#include "ledger.h"
#include "ops.h"
#include "policy.h"
#include "reconcile.h"
#include "server.h"

#define AUDIT_FILE "audit.log"

static int use_syslog;
static const char *config_path;
static struct policy_store pstore;
static struct signerd sd;
static volatile int ticking = 1;

static void
logmsg(void *ctx, int prio, const char *msg)
{
	(void)ctx;
	if (use_syslog)
		syslog(prio, "%s", msg);
	else
		fprintf(stderr, "signerd[%d]: %s\n", (int)getpid(), msg);
}

static void __attribute__((format(printf, 2, 3)))
logf_(int prio, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	logmsg(NULL, prio, buf);
}

/* SIGHUP: read the config again; swap the policy only if it loads cleanly. */
static void
reload(void *ctx)
{
	struct config *cfg = NULL;
	struct config_error ce;

	(void)ctx;
	if (config_load(config_path, &cfg, &ce) != 0) {
		logf_(LOG_ERR, "reload refused, old policy kept: %s",
		    ce.message);
		return;
	}
	policy_store_swap(&pstore, config_policy_take(cfg));
	config_free(cfg);
	logf_(LOG_NOTICE, "policy reloaded from %s", config_path);
}

static void *
ticker(void *arg)
{
	struct timespec ts = { 1, 0 };

	(void)arg;
	while (ticking) {
		nanosleep(&ts, NULL);
		signerd_tick(&sd);
	}
	return NULL;
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: signerd -c FILE [-f]\n"
	    "       signerd --help | --version\n"
	    "  -c, --config FILE   configuration file (JSON, see signerd(8))\n"
	    "  -f, --foreground    stay in the foreground, log to stderr\n");
}

static int
daemonise(void)
{
	pid_t pid;
	int fd;

	if ((pid = fork()) < 0)
		return -1;
	if (pid > 0)
		_exit(0);
	if (setsid() < 0)
		return -1;
	if ((pid = fork()) < 0)
		return -1;
	if (pid > 0)
		_exit(0);
	if (chdir("/") != 0)
		return -1;
	if ((fd = open("/dev/null", O_RDWR)) >= 0) {
		(void)dup2(fd, 0);
		(void)dup2(fd, 1);
		(void)dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct config *cfg = NULL;
	struct config_error ce;
	struct server_config sc;
	struct server *srv = NULL;
	struct keys keys;
	struct ledger *ledger = NULL;
	struct audit *audit = NULL;
	struct audit_open_info ai;
	struct reconcile_info ri;
	const struct keys_backend_ops *kops;
	void *kctx;
	pthread_t tick;
	char msg[1024], path[PATH_MAX];
	int c, fg = 0, rc = 1, keys_ok = 0, tick_ok = 0, store_ok = 0;

	memset(&keys, 0, sizeof(keys));
	while ((c = getopt_long(argc, argv, "c:fhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': config_path = optarg; break;
		case 'f': fg = 1; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("signerd %s (protocol %d)\n", SIGNERD_VERSION,
		    PROTO_VERSION); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (config_path == NULL || optind != argc) {
		usage(stderr);
		return 2;
	}
	if (harden_process(msg, sizeof(msg)) != 0) {
		fprintf(stderr, "signerd: hardening failed: %s\n", msg);
		return 1;
	}
	if (config_load(config_path, &cfg, &ce) != 0) {
		fprintf(stderr, "signerd: %s\n", ce.message);
		return 2;
	}
	if (!fg) {
		/* Before any token is opened: PKCS#11 does not survive fork. */
		openlog("signerd", LOG_PID, LOG_DAEMON);
		use_syslog = 1;
		if (daemonise() != 0) {
			logf_(LOG_ERR, "cannot daemonise: %s", strerror(errno));
			goto out;
		}
	}
	if (cfg->root_on_online)
		logf_(LOG_WARNING, "%s: no tokens.root: root keys are kept on "
		    "the online token (%s); configure a separate root token",
		    cfg->path, cfg->online.token);
	if (signerd_init(&sd) != 0)
		goto out;
	sd.expiry = cfg->expiry;
	sd.limits.max_frame = cfg->max_frame;
	sd.log = logmsg;
	if (ledger_open(cfg->state_dir, &ledger, msg, sizeof(msg)) != 0) {
		logf_(LOG_ERR, "ledger in %s: %s", cfg->state_dir, msg);
		goto out;
	}
	if (snprintf(path, sizeof(path), "%s/%s", cfg->state_dir,
	    AUDIT_FILE) >= (int)sizeof(path))
		goto out;
	if (audit_open(path, &audit, &ai, msg, sizeof(msg)) != 0) {
		logf_(LOG_ERR, "audit log %s: %s", path, msg);
		goto out;
	}
	if (ai.torn_bytes > 0)
		logf_(LOG_WARNING, "audit log: a torn last line (%zu bytes) "
		    "was moved to %s", ai.torn_bytes, ai.torn_path);
	/* Before serving: every signature the ledger holds is in the audit log,
	 * and the log has not lost lines the ledger saw it have. */
	if ((c = reconcile_run(ledger, audit, &ri, msg, sizeof(msg))) != 0) {
		logf_(LOG_ERR, "audit log %s against the ledger: %s: %s", path,
		    reconcile_strerror(c), msg);
		goto out;
	}
	if (ri.added > 0)
		logf_(LOG_WARNING, "audit log: %lld signatures in the ledger had"
		    " no audit line; audit.reconcile lines added",
		    (long long)ri.added);
	if (keys_hsm_new(cfg, &kops, &kctx, msg, sizeof(msg)) != 0) {
		logf_(LOG_ERR, "%s: %s", cfg->path, msg);
		goto out;
	}
	if (keys_init(&keys, kops, kctx) != 0) {
		kops->free(kctx);
		goto out;
	}
	keys_ok = 1;
	if (policy_store_init(&pstore, config_policy_take(cfg)) != 0)
		goto out;
	store_ok = 1;
	sd.keys = &keys;
	sd.ledger = ledger;
	sd.audit = audit;
	sd.policy = &pstore;

	memset(&sc, 0, sizeof(sc));
	sc.socket_path = cfg->socket;
	sc.socket_mode = cfg->socket_mode;
	sc.set_group = cfg->socket_group != NULL;
	sc.socket_gid = cfg->socket_gid;
	sc.workers = (unsigned)cfg->workers;
	sc.max_conns_per_uid = (unsigned)cfg->max_connections_per_uid;
	sc.max_frame = cfg->max_frame;
	sc.frame_timeout_ms = cfg->read_timeout_ms;
	sc.signals = 1;
	sc.handler = signerd_handle;
	sc.handler_ctx = &sd;
	sc.reload = reload;
	sc.log = logmsg;
	if ((c = server_new(&sc, &srv, msg, sizeof(msg))) != 0) {
		logf_(LOG_ERR, "socket: %s: %s", server_strerror(c), msg);
		goto out;
	}
	if (pthread_create(&tick, NULL, ticker, NULL) == 0)
		tick_ok = 1;
	logf_(LOG_NOTICE, "signerd %s serving on %s", SIGNERD_VERSION,
	    cfg->socket);
	rc = server_run(srv) == 0 ? 0 : 1;
	logf_(LOG_NOTICE, "signerd stopped");
out:
	if (tick_ok) {
		ticking = 0;
		pthread_join(tick, NULL);
	}
	server_free(srv);
	if (keys_ok)
		keys_free(&keys);
	if (store_ok)
		policy_store_cleanup(&pstore);
	audit_close(audit);
	ledger_close(ledger);
	signerd_cleanup(&sd);
	config_free(cfg);
	return rc;
}
