/* SPDX-License-Identifier: Apache-2.0 */
/* The Unix socket server: one poll() I/O thread, a fixed pool of workers. */
#define _GNU_SOURCE	/* struct ucred, accept4 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "msg.h"
#include "server.h"
#include "server_socket.h"

#define DEF_WORKERS		4
#define DEF_MAX_CONNS		256
#define DEF_FRAME_TIMEOUT	10000
#define DEF_WRITE_TIMEOUT	10000
#define DEF_IDLE_TIMEOUT	60000

enum conn_state {
	CONN_READ,	/* polled for input; owned by the I/O thread */
	CONN_BUSY,	/* queued or in a worker; the I/O thread keeps off */
	CONN_WRITE,	/* reply partly sent; polled for output */
};

struct conn {
	int			 fd;
	enum conn_state		 state;
	int			 in_frame;	/* deadline is the frame's */
	int			 closing;	/* close after the reply */
	int64_t			 deadline;
	struct server_peer	 peer;
	struct proto_frame_reader rd;
	uint8_t			*frame;
	size_t			 frame_len;
	struct json_buf		 out;
	size_t			 out_off;
	size_t			 slot;
	struct conn		*next;
};

struct server {
	struct server_config	 cfg;
	char			*path;		/* socket path we created */
	int			 listen_fd;
	int			 sig[2];	/* signals and server_stop */
	int			 wake[2];	/* workers: a reply is ready */

	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;
	struct conn		*work_head, *work_tail;
	struct conn		*done;
	int			 quit;		/* workers: exit when idle */
	pthread_t		*threads;
	unsigned		 nthreads;

	struct conn		**conns;
	size_t			 nconns;
	struct pollfd		*pfds;
	struct conn		**pconn;
	int			 draining;
	int			 sync_init;
	int			 signals_set;
	struct sigaction	 old_term, old_int, old_hup, old_pipe;
	uint64_t		 next_id;
};

static int server_sigfd = -1;	/* the running server's sig[1], for handlers */

static void signals_install(struct server *);
static void signals_restore(struct server *);

const char *
server_strerror(int r)
{
	switch (r) {
	case SERVER_OK:			return "success";
	case SERVER_ERR_NOMEM:		return "out of memory";
	case SERVER_ERR_INVAL:		return "invalid server configuration";
	case SERVER_ERR_DIR:
		return "unsafe or missing socket directory";
	case SERVER_ERR_SOCKET:		return "cannot create the socket";
	case SERVER_ERR_IN_USE:
		return "socket in use by another server";
	case SERVER_ERR_ACTIVATION:	return "unusable systemd socket";
	case SERVER_ERR_THREAD:		return "cannot start worker threads";
	case SERVER_ERR_SYS:		return "system call failed";
	default:			return "unknown server error";
	}
}

static void __attribute__((format(printf, 3, 4)))
logf_(struct server *s, int prio, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int w;

	if (s->cfg.log == NULL)
		return;
	va_start(ap, fmt);
	w = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (w < 0)
		return;
	s->cfg.log(s->cfg.log_ctx, prio, buf);
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
make_pipe(int p[2])
{
	if (pipe(p) != 0)
		return -1;
	if (server_fd_prepare(p[0]) != 0 || server_fd_prepare(p[1]) != 0)
		return -1;
	return 0;
}

int
server_new(const struct server_config *cfg, struct server **out, char *msg,
    size_t msglen)
{
	struct server *s;
	int rc = SERVER_ERR_NOMEM;

	*out = NULL;
	signerd_msg_set(msg, msglen, "%s", "");
	if (cfg == NULL || cfg->handler == NULL) {
		signerd_msg_set(msg, msglen, "no request handler");
		return SERVER_ERR_INVAL;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return SERVER_ERR_NOMEM;
	s->cfg = *cfg;
	s->cfg.socket_path = NULL;	/* not kept: it may not outlive us */
	s->listen_fd = s->sig[0] = s->sig[1] = s->wake[0] = s->wake[1] = -1;
	if (s->cfg.workers == 0)
		s->cfg.workers = DEF_WORKERS;
	if (s->cfg.max_conns == 0)
		s->cfg.max_conns = DEF_MAX_CONNS;
	if (s->cfg.max_conns_per_uid == 0 ||
	    s->cfg.max_conns_per_uid > s->cfg.max_conns)
		s->cfg.max_conns_per_uid = s->cfg.max_conns;
	if (s->cfg.max_frame == 0)
		s->cfg.max_frame = PROTO_MAX_FRAME_DEFAULT;
	if (s->cfg.frame_timeout_ms <= 0)
		s->cfg.frame_timeout_ms = DEF_FRAME_TIMEOUT;
	if (s->cfg.write_timeout_ms <= 0)
		s->cfg.write_timeout_ms = DEF_WRITE_TIMEOUT;
	if (s->cfg.idle_timeout_ms <= 0)
		s->cfg.idle_timeout_ms = DEF_IDLE_TIMEOUT;
	if (s->cfg.workers > 1024 || s->cfg.max_conns > 65536 ||
	    s->cfg.max_frame > PROTO_MAX_FRAME_LIMIT) {
		signerd_msg_set(msg, msglen,
		    "workers (at most 1024), max_conns (at most "
		    "65536) or max_frame (at most %u) out of range",
		    (unsigned)PROTO_MAX_FRAME_LIMIT);
		rc = SERVER_ERR_INVAL;
		goto out;
	}
	s->conns = calloc(s->cfg.max_conns, sizeof(*s->conns));
	s->pfds = calloc(s->cfg.max_conns + 3, sizeof(*s->pfds));
	s->pconn = calloc(s->cfg.max_conns + 3, sizeof(*s->pconn));
	s->threads = calloc(s->cfg.workers, sizeof(*s->threads));
	if (s->conns == NULL || s->pfds == NULL || s->pconn == NULL ||
	    s->threads == NULL)
		goto out;
	if (make_pipe(s->sig) != 0 || make_pipe(s->wake) != 0) {
		signerd_msg_set(msg, msglen, "pipe: %s", strerror(errno));
		rc = SERVER_ERR_SYS;
		goto out;
	}
	if (pthread_mutex_init(&s->mu, NULL) != 0)
		goto out;
	if (pthread_cond_init(&s->cv, NULL) != 0) {
		pthread_mutex_destroy(&s->mu);
		goto out;
	}
	s->sync_init = 1;
	if ((rc = server_socket_open(cfg, &s->listen_fd, &s->path, msg,
	    msglen)) != 0)
		goto out;
	if (s->cfg.signals)
		signals_install(s);
	*out = s;	/* transferred */
	s = NULL;
	rc = 0;
out:
	server_free(s);
	return rc;
}

/* --- connections ------------------------------------------------------- */

static void
conn_close(struct server *s, struct conn *c)
{
	size_t last = s->nconns - 1;

	s->conns[c->slot] = s->conns[last];
	s->conns[c->slot]->slot = c->slot;
	s->conns[last] = NULL;
	s->nconns--;
	close(c->fd);
	proto_frame_reader_cleanup(&c->rd);
	free(c->frame);
	json_buf_cleanup(&c->out);
	free(c);
}

static void
conn_idle(struct server *s, struct conn *c, int64_t now)
{
	c->state = CONN_READ;
	c->in_frame = 0;
	c->deadline = now + s->cfg.idle_timeout_ms;
}

/*
 * Puts an error reply (no id: it is about the frame, not a request) in
 * c->out and sends what goes without blocking. The connection closes after.
 */
static void
conn_fail(struct server *s, struct conn *c, enum proto_code code,
    const char *message, int64_t now)
{
	struct proto_error e;
	size_t at;
	int rc;

	proto_error_clear(&e);
	proto_error_set(&e, code, "%s", message);
	json_buf_cleanup(&c->out);
	json_buf_init(&c->out);
	c->out_off = 0;
	at = proto_frame_begin(&c->out);
	proto_resp_error(&c->out, NULL, &e);
	c->closing = 1;
	if (proto_frame_seal(&c->out, at) != 0) {
		conn_close(s, c);
		return;
	}
	rc = proto_send_some(c->fd, c->out.data, c->out.len, &c->out_off);
	if (rc != PROTO_ERR_AGAIN) {
		conn_close(s, c);
		return;
	}
	c->state = CONN_WRITE;
	c->deadline = now + s->cfg.write_timeout_ms;
}

/* A reply went out in full: back to reading, or closed if so decided. */
static void
conn_sent(struct server *s, struct conn *c, int64_t now)
{
	json_buf_cleanup(&c->out);
	json_buf_init(&c->out);
	c->out_off = 0;
	if (c->closing || s->draining) {
		conn_close(s, c);
		return;
	}
	conn_idle(s, c, now);
}

/* Over a cap: answer "busy" so the client knows, without waiting to send it. */
static void
refuse_busy(struct server *s, int fd, const struct ucred *uc,
    const char *why, unsigned cap)
{
	struct proto_error e;
	struct json_buf b;
	size_t at, off = 0;

	json_buf_init(&b);
	proto_error_set(&e, PROTO_CODE_BUSY, "too many connections (%u%s);"
	    " try again later", cap, why);
	at = proto_frame_begin(&b);
	proto_resp_error(&b, NULL, &e);
	if (proto_frame_seal(&b, at) == 0)
		(void)proto_send_some(fd, b.data, b.len, &off);
	json_buf_cleanup(&b);
	logf_(s, LOG_WARNING, "connection from uid %u pid %d refused: %u "
	    "connections open%s", (unsigned)uc->uid, (int)uc->pid, cap, why);
}

/*
 * Connections open for uid. A linear scan, like the poll set that the I/O
 * loop builds on every round anyway.
 */
static unsigned
conns_of_uid(const struct server *s, uid_t uid)
{
	unsigned n = 0;
	size_t i;

	for (i = 0; i < s->nconns; i++)
		if (s->conns[i]->peer.uid == uid)
			n++;
	return n;
}

/*
 * The peer's supplementary groups as the kernel recorded them at
 * connect(), beside SO_PEERCRED: no group database read, and the groups
 * the process really held (docs/configuration.md). A peer in more groups
 * than we keep gets the first ones only; without SO_PEERGROUPS (kernels
 * before 4.13) groups_known stays 0 and the policy falls back on the
 * group database.
 */
static void
peer_groups(int fd, struct server_peer *p)
{
	gid_t *g;
	socklen_t sl = sizeof(p->groups);

	p->groups_known = 0;
	p->ngroups = 0;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, p->groups, &sl) == 0) {
		p->ngroups = sl / sizeof(gid_t);
		p->groups_known = 1;
		return;
	}
	if (errno != ERANGE || sl <= sizeof(p->groups) ||
	    (g = malloc(sl)) == NULL)
		return;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, g, &sl) == 0) {
		p->ngroups = SERVER_PEER_GROUPS;
		memcpy(p->groups, g, sizeof(p->groups));
		p->groups_known = 1;
	}
	free(g);
}

static void
conn_accept(struct server *s, int64_t now)
{
	struct ucred uc;
	struct conn *c;
	socklen_t sl;
	int fd;

	for (;;) {
		fd = accept4(s->listen_fd, NULL, NULL,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				logf_(s, LOG_WARNING, "accept: %s",
				    strerror(errno));
			return;
		}
		/* Everything downstream rests on this: no creds, no service. */
		sl = sizeof(uc);
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &sl) != 0 ||
		    sl != sizeof(uc)) {
			logf_(s, LOG_WARNING, "SO_PEERCRED: %s; connection "
			    "dropped", strerror(errno));
			close(fd);
			continue;
		}
		if (s->nconns >= s->cfg.max_conns) {
			refuse_busy(s, fd, &uc, "", s->cfg.max_conns);
			close(fd);
			continue;
		}
		/* One local user must not hold every slot. */
		if (conns_of_uid(s, uc.uid) >= s->cfg.max_conns_per_uid) {
			refuse_busy(s, fd, &uc, " for this uid",
			    s->cfg.max_conns_per_uid);
			close(fd);
			continue;
		}
		if ((c = calloc(1, sizeof(*c))) == NULL) {
			close(fd);
			continue;
		}
		c->fd = fd;
		c->peer.uid = uc.uid;
		c->peer.gid = uc.gid;
		c->peer.pid = uc.pid;
		c->peer.conn_id = ++s->next_id;
		peer_groups(fd, &c->peer);
		proto_frame_reader_init(&c->rd, s->cfg.max_frame);
		json_buf_init(&c->out);
		c->slot = s->nconns;
		s->conns[s->nconns++] = c;
		conn_idle(s, c, now);
	}
}

static void
work_push(struct server *s, struct conn *c)
{
	c->state = CONN_BUSY;
	c->next = NULL;
	pthread_mutex_lock(&s->mu);
	if (s->work_tail != NULL)
		s->work_tail->next = c;
	else
		s->work_head = c;
	s->work_tail = c;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
}

static void
conn_readable(struct server *s, struct conn *c, int64_t now)
{
	char m[160];
	int rc;

	rc = proto_frame_reader_read(&c->rd, c->fd);
	if (rc == PROTO_ERR_AGAIN) {
		if (!c->in_frame && proto_frame_reader_started(&c->rd)) {
			/* The clock for a frame starts at its first byte. */
			c->in_frame = 1;
			c->deadline = now + s->cfg.frame_timeout_ms;
		}
		return;
	}
	if (rc == PROTO_ERR_TOO_LARGE) {
		signerd_msg_set(m, sizeof(m),
		    "frame of %lu bytes exceeds the maximum of "
		    "%zu bytes; closing the connection",
		    (unsigned long)proto_frame_reader_announced(&c->rd),
		    s->cfg.max_frame);
		logf_(s, LOG_NOTICE, "uid %u pid %d: %s",
		    (unsigned)c->peer.uid, (int)c->peer.pid, m);
		conn_fail(s, c, PROTO_CODE_FRAME_TOO_LARGE, m, now);
		return;
	}
	if (rc != 0) {
		if (rc == PROTO_ERR_TRUNCATED)
			logf_(s, LOG_NOTICE, "uid %u pid %d: connection "
			    "closed inside a frame", (unsigned)c->peer.uid,
			    (int)c->peer.pid);
		conn_close(s, c);
		return;
	}
	if (proto_frame_reader_take(&c->rd, &c->frame, &c->frame_len) != 0) {
		conn_close(s, c);
		return;
	}
	c->in_frame = 0;
	work_push(s, c);
}

static void
conn_writable(struct server *s, struct conn *c, int64_t now)
{
	int rc = proto_send_some(c->fd, c->out.data, c->out.len, &c->out_off);

	if (rc == 0)
		conn_sent(s, c, now);
	else if (rc != PROTO_ERR_AGAIN)
		conn_close(s, c);
}

static void
conn_deadline(struct server *s, struct conn *c, int64_t now)
{
	if (c->state == CONN_READ && c->in_frame) {
		logf_(s, LOG_NOTICE, "uid %u pid %d: frame not complete "
		    "within %d ms; closing", (unsigned)c->peer.uid,
		    (int)c->peer.pid, s->cfg.frame_timeout_ms);
		conn_fail(s, c, PROTO_CODE_TIMEOUT,
		    "frame not complete before the read deadline; closing "
		    "the connection", now);
		return;
	}
	if (c->state == CONN_WRITE)
		logf_(s, LOG_NOTICE, "uid %u pid %d: reply not read within "
		    "%d ms; closing", (unsigned)c->peer.uid, (int)c->peer.pid,
		    s->cfg.write_timeout_ms);
	conn_close(s, c);
}

/* --- workers ----------------------------------------------------------- */

static void
worker_serve(struct server *s, struct conn *c)
{
	struct proto_limits lim = { s->cfg.max_frame, 0, 0 };
	struct proto_req req;
	struct proto_error err;
	struct json_buf result;
	struct proto_att att;
	size_t at;
	int rc;

	json_buf_init(&result);
	proto_att_init(&att);
	json_buf_cleanup(&c->out);
	json_buf_init(&c->out);
	c->out_off = 0;
	at = proto_frame_begin(&c->out);
	rc = proto_req_decode(c->frame, c->frame_len, &lim, &req, &err);
	if (rc == 0) {
		proto_error_clear(&err);
		rc = s->cfg.handler(s->cfg.handler_ctx, &c->peer, &req,
		    &result, &att, &err);
		if (rc == 0 && result.err != 0) {
			proto_error_set(&err, PROTO_CODE_INTERNAL,
			    "the reply could not be encoded: %s",
			    json_strerror(result.err));
			rc = -1;
		}
		if (rc != 0 && err.code == PROTO_CODE_NONE)
			proto_error_set(&err, PROTO_CODE_INTERNAL,
			    "internal error in op \"%s\"", req.op);
	}
	if (rc == 0 && req.att)
		proto_resp_ok_att(&c->out, &req.id, result.data, result.len,
		    &att);
	else if (rc == 0)
		proto_resp_ok(&c->out, &req.id, result.data, result.len);
	else
		proto_resp_error(&c->out, &req.id, &err);
	if (proto_frame_seal(&c->out, at) != 0) {
		/* Out of memory or an unencodable reply: say so, plainly. */
		json_buf_cleanup(&c->out);
		json_buf_init(&c->out);
		at = proto_frame_begin(&c->out);
		proto_error_set(&err, PROTO_CODE_INTERNAL,
		    "the reply could not be encoded");
		proto_resp_error(&c->out, NULL, &err);
		if (proto_frame_seal(&c->out, at) != 0) {
			json_buf_cleanup(&c->out);
			json_buf_init(&c->out);
			c->closing = 1;
		}
	}
	proto_req_cleanup(&req);
	json_buf_cleanup(&result);
	proto_att_cleanup(&att);
	/* ceremony.unlock carries a PIN: no request outlives its reply. */
	explicit_bzero(c->frame, c->frame_len);
	free(c->frame);
	c->frame = NULL;
	c->frame_len = 0;
	/* Most replies fit in the socket buffer: send now, no poll round. */
	if (c->out.len > 0 && proto_send_some(c->fd, c->out.data, c->out.len,
	    &c->out_off) == PROTO_ERR_IO)
		c->closing = 1;
}

static void *
worker_main(void *arg)
{
	struct server *s = arg;
	struct conn *c;
	char b = 'w';

	for (;;) {
		pthread_mutex_lock(&s->mu);
		while (s->work_head == NULL && !s->quit)
			pthread_cond_wait(&s->cv, &s->mu);
		if (s->work_head == NULL) {
			pthread_mutex_unlock(&s->mu);
			break;
		}
		c = s->work_head;
		if ((s->work_head = c->next) == NULL)
			s->work_tail = NULL;
		pthread_mutex_unlock(&s->mu);

		worker_serve(s, c);

		pthread_mutex_lock(&s->mu);
		c->next = s->done;
		s->done = c;
		pthread_mutex_unlock(&s->mu);
		/* A full pipe already holds a wake-up; losing one is fine. */
		(void)!write(s->wake[1], &b, 1);
	}
	return NULL;
}

/* --- the I/O loop ------------------------------------------------------ */

static void
on_signal(int signo)
{
	int saved = errno;
	char b = signo == SIGHUP ? 'H' : 'T';

	if (server_sigfd >= 0)
		(void)!write(server_sigfd, &b, 1);
	errno = saved;
}

void
server_stop(struct server *s)
{
	char b = 'T';

	if (s != NULL && s->sig[1] >= 0)
		(void)!write(s->sig[1], &b, 1);
}

static void
drain_begin(struct server *s, int64_t now)
{
	size_t i;

	if (s->draining)
		return;
	s->draining = 1;
	logf_(s, LOG_INFO, "stopping: %zu connections open", s->nconns);
	if (s->listen_fd >= 0) {
		close(s->listen_fd);
		s->listen_fd = -1;
	}
	if (s->path != NULL) {
		(void)unlink(s->path);
		free(s->path);
		s->path = NULL;
	}
	/* Waiting connections go now; requests in flight finish first. */
	for (i = s->nconns; i-- > 0;) {
		struct conn *c = s->conns[i];

		if (c->state == CONN_READ && c->in_frame)
			conn_fail(s, c, PROTO_CODE_BUSY,
			    "the server is shutting down", now);
		else if (c->state == CONN_READ)
			conn_close(s, c);
		else if (c->state == CONN_WRITE)
			c->closing = 1;
	}
}

static void
take_done(struct server *s, int64_t now)
{
	struct conn *c, *next;
	char buf[256];

	while (read(s->wake[0], buf, sizeof(buf)) > 0)
		;
	pthread_mutex_lock(&s->mu);
	c = s->done;
	s->done = NULL;
	pthread_mutex_unlock(&s->mu);
	for (; c != NULL; c = next) {
		next = c->next;
		c->next = NULL;
		if (c->out_off == c->out.len)
			conn_sent(s, c, now);
		else {
			c->state = CONN_WRITE;
			c->deadline = now + s->cfg.write_timeout_ms;
		}
	}
}

static int
take_signals(struct server *s, int64_t now)
{
	char buf[64];
	ssize_t n, i;

	while ((n = read(s->sig[0], buf, sizeof(buf))) > 0) {
		for (i = 0; i < n; i++) {
			if (buf[i] == 'H') {
				logf_(s, LOG_INFO, "SIGHUP: reloading");
				if (s->cfg.reload != NULL)
					s->cfg.reload(s->cfg.reload_ctx);
			} else
				drain_begin(s, now);
		}
	}
	return 0;
}

static int
start_workers(struct server *s)
{
	sigset_t all, old;
	unsigned i;

	/* Signals belong to the I/O thread; workers never see them. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (i = 0; i < s->cfg.workers; i++) {
		if (pthread_create(&s->threads[i], NULL, worker_main, s) != 0)
			break;
		s->nthreads++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return s->nthreads == s->cfg.workers ? 0 : SERVER_ERR_THREAD;
}

static void
stop_workers(struct server *s)
{
	unsigned i;

	pthread_mutex_lock(&s->mu);
	s->quit = 1;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	for (i = 0; i < s->nthreads; i++)
		pthread_join(s->threads[i], NULL);
	s->nthreads = 0;
}

int
server_run(struct server *s)
{
	int64_t now, next;
	size_t i, n;
	int rc, timeout;

	if ((rc = start_workers(s)) != 0) {
		stop_workers(s);
		return rc;
	}
	logf_(s, LOG_INFO, "serving with %u workers", s->cfg.workers);
	for (;;) {
		now = now_ms();
		if (s->draining && s->nconns == 0)
			break;
		n = 0;
		s->pfds[n].fd = s->sig[0];
		s->pfds[n].events = POLLIN;
		s->pconn[n++] = NULL;
		s->pfds[n].fd = s->wake[0];
		s->pfds[n].events = POLLIN;
		s->pconn[n++] = NULL;
		if (s->listen_fd >= 0) {
			s->pfds[n].fd = s->listen_fd;
			s->pfds[n].events = POLLIN;
			s->pconn[n++] = NULL;
		}
		next = -1;
		for (i = 0; i < s->nconns; i++) {
			struct conn *c = s->conns[i];

			if (c->state == CONN_BUSY)
				continue;
			s->pfds[n].fd = c->fd;
			s->pfds[n].events = c->state == CONN_READ ? POLLIN :
			    POLLOUT;
			s->pconn[n++] = c;
			if (next < 0 || c->deadline < next)
				next = c->deadline;
		}
		timeout = -1;
		if (next >= 0)
			timeout = next <= now ? 0 : (int)(next - now > INT_MAX ?
			    INT_MAX : next - now);
		for (i = 0; i < n; i++)
			s->pfds[i].revents = 0;
		if (poll(s->pfds, (nfds_t)n, timeout) < 0 && errno != EINTR) {
			logf_(s, LOG_ERR, "poll: %s", strerror(errno));
			rc = SERVER_ERR_SYS;
			break;
		}
		now = now_ms();
		/*
		 * Connections first: the pconn entries point at live conns
		 * only until something closes or replaces one, and each conn
		 * appears once, so handle them before the lists change.
		 */
		for (i = 0; i < n; i++) {
			struct conn *c = s->pconn[i];

			if (c == NULL || s->pfds[i].revents == 0)
				continue;
			s->pconn[i] = NULL;
			if (c->state == CONN_READ)
				conn_readable(s, c, now);
			else if (c->state == CONN_WRITE)
				conn_writable(s, c, now);
		}
		for (i = s->nconns; i-- > 0;) {
			struct conn *c = s->conns[i];

			if (c->state != CONN_BUSY && c->deadline <= now)
				conn_deadline(s, c, now);
		}
		if (s->pfds[1].revents != 0)
			take_done(s, now);
		if (s->pfds[0].revents != 0)
			take_signals(s, now);
		if (s->listen_fd >= 0 && s->pfds[2].fd == s->listen_fd &&
		    s->pfds[2].revents != 0)
			conn_accept(s, now);
	}
	stop_workers(s);
	while (s->nconns > 0)
		conn_close(s, s->conns[s->nconns - 1]);
	logf_(s, LOG_INFO, "stopped");
	return rc;
}

/*
 * Installed by server_new, not server_run, so that a SIGTERM arriving in
 * between (systemd may send one at any time) is queued, not fatal.
 */
static void
signals_install(struct server *s)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	server_sigfd = s->sig[1];
	sigaction(SIGTERM, &sa, &s->old_term);
	sigaction(SIGINT, &sa, &s->old_int);
	sigaction(SIGHUP, &sa, &s->old_hup);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, &s->old_pipe);
	s->signals_set = 1;
}

static void
signals_restore(struct server *s)
{
	if (!s->signals_set)
		return;
	sigaction(SIGTERM, &s->old_term, NULL);
	sigaction(SIGINT, &s->old_int, NULL);
	sigaction(SIGHUP, &s->old_hup, NULL);
	sigaction(SIGPIPE, &s->old_pipe, NULL);
	server_sigfd = -1;
	s->signals_set = 0;
}

void
server_free(struct server *s)
{
	if (s == NULL)
		return;
	signals_restore(s);
	while (s->nconns > 0)
		conn_close(s, s->conns[s->nconns - 1]);
	if (s->listen_fd >= 0)
		close(s->listen_fd);
	if (s->path != NULL) {
		(void)unlink(s->path);
		free(s->path);
	}
	if (s->sig[0] >= 0)
		close(s->sig[0]);
	if (s->sig[1] >= 0)
		close(s->sig[1]);
	if (s->wake[0] >= 0)
		close(s->wake[0]);
	if (s->wake[1] >= 0)
		close(s->wake[1]);
	if (s->sync_init) {
		pthread_cond_destroy(&s->cv);
		pthread_mutex_destroy(&s->mu);
	}
	free(s->conns);
	free(s->pfds);
	free(s->pconn);
	free(s->threads);
	free(s);
}
