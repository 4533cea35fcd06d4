/* SPDX-License-Identifier: Apache-2.0 */
/*
 * server: signerd's Unix socket. One I/O thread (the caller of server_run)
 * accepts, reads frames and writes replies without blocking; a fixed pool of
 * workers decodes requests and runs the handler. A slow or half-sent frame
 * costs a connection slot until its deadline, never a worker.
 *
 * Nothing on the socket names a module or a file path: ops take names (GUNs,
 * roles, signers), and everything that is a path comes from the config.
 */
#ifndef SIGNERD_SERVER_H
#define SIGNERD_SERVER_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include "json.h"
#include "proto.h"

#define SERVER_PEER_GROUPS	256	/* supplementary groups kept per peer */

/*
 * Who is on the other end, from SO_PEERCRED and SO_PEERGROUPS at accept
 * time: the credentials the peer process held when it connected.
 */
struct server_peer {
	uid_t		uid;
	gid_t		gid;
	pid_t		pid;
	uint64_t	conn_id;	/* unique per server, for logs */
	int		groups_known;	/* 0: the kernel gave no group list */
	size_t		ngroups;	/* the first SERVER_PEER_GROUPS only */
	gid_t		groups[SERVER_PEER_GROUPS];
};

/*
 * The request handler, called on a worker thread, possibly on several at
 * once. It writes one JSON object into result and returns 0, or fills err
 * (code + message) and returns non-zero; a non-zero return with no code
 * becomes "internal". result is discarded on error. When req->att is set
 * the handler may put file bytes in att (proto_att_copy) rather than in
 * result; they are sent after the reply's text.
 */
typedef int server_handler_fn(void *ctx, const struct server_peer *peer,
    const struct proto_req *req, struct json_buf *result,
    struct proto_att *att, struct proto_error *err);

struct server_config {
	/* Ignored under systemd socket activation (the unit sets them). */
	const char	*socket_path;	/* required otherwise */
	mode_t		 socket_mode;	/* 0: 0660 */
	int		 set_group;	/* chgrp socket (and a new directory) */
	gid_t		 socket_gid;

	unsigned	 workers;	/* 0: 4 */
	unsigned	 max_conns;	/* 0: 256; then "busy", close */
	/* 0: max_conns (no cap of its own); the daemon's config gives 32. */
	unsigned	 max_conns_per_uid;	/* then "busy", close */
	size_t		 max_frame;	/* 0: PROTO_MAX_FRAME_DEFAULT */
	int		 frame_timeout_ms;	/* 0: 10000; 1st to last byte */
	int		 write_timeout_ms;	/* 0: 10000; one reply */
	int		 idle_timeout_ms;	/* 0: 60000; between frames */
	int		 signals;	/* handle TERM/INT/HUP */

	server_handler_fn *handler;
	void		*handler_ctx;
	/* SIGHUP: called on the I/O thread while workers may run handlers. */
	void		(*reload)(void *ctx);
	void		*reload_ctx;
	/* Optional log sink; prio is a syslog LOG_* level. */
	void		(*log)(void *ctx, int prio, const char *msg);
	void		*log_ctx;
};

#define SERVER_OK		 0
#define SERVER_ERR_NOMEM	-1
#define SERVER_ERR_INVAL	-2	/* bad config */
#define SERVER_ERR_DIR		-3	/* socket directory missing/unsafe */
#define SERVER_ERR_SOCKET	-4	/* socket/bind/listen failed */
#define SERVER_ERR_IN_USE	-5	/* another server answers on the path */
#define SERVER_ERR_ACTIVATION	-6	/* LISTEN_FDS given but unusable */
#define SERVER_ERR_THREAD	-7	/* could not start workers */
#define SERVER_ERR_SYS		-8	/* other system call failed */

const char *server_strerror(int r);

struct server;

/*
 * Makes the listening socket: inherited from systemd when LISTEN_PID is our
 * pid (exactly one fd, 3, a listening AF_UNIX stream socket), else created
 * at socket_path. The directory is created 0750 if absent; an existing one
 * must be a real directory owned by our euid and not group/world writable.
 * A stale socket file is replaced; a live one is refused. On failure msg
 * holds a sentence naming the path and what to do. Call harden_process()
 * first: the socket is bound under umask 0177 and then chmod'ed.
 */
int server_new(const struct server_config *cfg, struct server **out,
    char *msg, size_t msglen);
/*
 * With cfg->signals, server_new installs the handlers (so a SIGTERM that
 * comes before server_run is kept) and server_free restores the old ones;
 * only one such server per process.
 *
 * Starts the workers and serves until SIGTERM/SIGINT (when cfg->signals) or
 * server_stop; then stops accepting, finishes requests in flight, writes
 * their replies, closes everything and returns 0.
 */
int server_run(struct server *s);
/* Asks server_run to drain and return. Async-signal-safe, any thread. */
void server_stop(struct server *s);
/* Closes the socket (and unlinks a path we created). Accepts NULL. */
void server_free(struct server *s);

#endif /* SIGNERD_SERVER_H */
