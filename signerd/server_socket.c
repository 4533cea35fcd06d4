/* SPDX-License-Identifier: Apache-2.0 */
/* The listening socket: from systemd, or made in a checked directory. */
#define _GNU_SOURCE
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "msg.h"
#include "server.h"
#include "server_socket.h"

#define SD_LISTEN_FDS_START	3

int
server_fd_prepare(int fd)
{
	int fl;

	if ((fl = fcntl(fd, F_GETFL)) < 0 ||
	    fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
		return -1;
	return 0;
}

/*
 * systemd hands sockets over as fds 3.. with LISTEN_PID naming the process
 * meant to take them (a child must not). We take exactly one and check it
 * is what we would have made ourselves.
 */
static int
listen_activated(int *fdp, int *found, char *msg, size_t msglen)
{
	const char *pid_s = getenv("LISTEN_PID"), *fds_s = getenv("LISTEN_FDS");
	struct sockaddr_un sa;
	socklen_t sl;
	char *end;
	long pid, nfds;
	int type = 0, acc = 0;

	*found = 0;
	if (pid_s == NULL || fds_s == NULL)
		return 0;
	errno = 0;
	pid = strtol(pid_s, &end, 10);
	if (errno != 0 || end == pid_s || *end != '\0' || pid != getpid())
		return 0;
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	errno = 0;
	nfds = strtol(fds_s, &end, 10);
	if (errno != 0 || end == fds_s || *end != '\0' || nfds != 1) {
		signerd_msg_set(msg, msglen,
		    "LISTEN_FDS=%s: signerd takes exactly one "
		    "socket from systemd", fds_s);
		return SERVER_ERR_ACTIVATION;
	}
	sl = sizeof(type);
	if (getsockopt(SD_LISTEN_FDS_START, SOL_SOCKET, SO_TYPE, &type,
	    &sl) != 0 || type != SOCK_STREAM) {
		signerd_msg_set(msg, msglen,
		    "fd 3 from systemd is not a stream socket");
		return SERVER_ERR_ACTIVATION;
	}
	sl = sizeof(acc);
	if (getsockopt(SD_LISTEN_FDS_START, SOL_SOCKET, SO_ACCEPTCONN, &acc,
	    &sl) != 0 || !acc) {
		signerd_msg_set(msg, msglen, "fd 3 from systemd is not listening");
		return SERVER_ERR_ACTIVATION;
	}
	sl = sizeof(sa);
	memset(&sa, 0, sizeof(sa));
	if (getsockname(SD_LISTEN_FDS_START, (struct sockaddr *)&sa,
	    &sl) != 0 || sa.sun_family != AF_UNIX) {
		signerd_msg_set(msg, msglen,
		    "fd 3 from systemd is not a Unix socket "
		    "(ListenStream= must name a path)");
		return SERVER_ERR_ACTIVATION;
	}
	if (server_fd_prepare(SD_LISTEN_FDS_START) != 0) {
		signerd_msg_set(msg, msglen, "fd 3 from systemd: fcntl: %s",
		    strerror(errno));
		return SERVER_ERR_ACTIVATION;
	}
	*fdp = SD_LISTEN_FDS_START;
	*found = 1;
	return 0;
}

/*
 * The directory is the real access boundary (a socket's own mode is not
 * honoured everywhere), so it must be ours and closed to writers: anyone who
 * can write there can swap the socket for their own.
 */
static int
socket_dir_check(const struct server_config *cfg, const char *dir,
    char *msg, size_t msglen)
{
	struct stat st;

	if (mkdir(dir, 0750) == 0) {
		/* mkdir obeys the umask (077 when hardened): set it plainly. */
		if (chmod(dir, 0750) != 0 || (cfg->set_group &&
		    chown(dir, (uid_t)-1, cfg->socket_gid) != 0)) {
			signerd_msg_set(msg, msglen,
			    "socket directory %s: cannot set "
			    "mode 0750 and group: %s", dir, strerror(errno));
			return SERVER_ERR_DIR;
		}
	} else if (errno != EEXIST) {
		signerd_msg_set(msg, msglen,
		    "cannot create socket directory %s: %s",
		    dir, strerror(errno));
		return SERVER_ERR_DIR;
	}
	if (lstat(dir, &st) != 0) {
		signerd_msg_set(msg, msglen, "socket directory %s: %s", dir,
		    strerror(errno));
		return SERVER_ERR_DIR;
	}
	if (!S_ISDIR(st.st_mode)) {
		signerd_msg_set(msg, msglen,
		    "socket directory %s is not a directory "
		    "(symbolic links are refused)", dir);
		return SERVER_ERR_DIR;
	}
	if (st.st_uid != geteuid()) {
		signerd_msg_set(msg, msglen,
		    "socket directory %s is owned by uid %u, "
		    "not by signerd's uid %u: chown it or pick another",
		    dir, (unsigned)st.st_uid, (unsigned)geteuid());
		return SERVER_ERR_DIR;
	}
	if ((st.st_mode & 022) != 0) {
		signerd_msg_set(msg, msglen, "socket directory %s has mode %04o, "
		    "writable by group or others: chmod go-w it", dir,
		    (unsigned)(st.st_mode & 07777));
		return SERVER_ERR_DIR;
	}
	return 0;
}

static int
listen_path(const struct server_config *cfg, int *fdp, char **pathp,
    char *msg, size_t msglen)
{
	struct sockaddr_un sa;
	struct stat st;
	char dir[sizeof(sa.sun_path)];
	const char *slash;
	mode_t mode = cfg->socket_mode != 0 ? cfg->socket_mode : 0660, old;
	size_t plen;
	int fd = -1, rc, probe;

	if (cfg->socket_path == NULL || cfg->socket_path[0] == '\0') {
		signerd_msg_set(msg, msglen, "no socket path configured");
		return SERVER_ERR_INVAL;
	}
	plen = strlen(cfg->socket_path);
	if (plen >= sizeof(sa.sun_path)) {
		signerd_msg_set(msg, msglen,
		    "socket path %s is %zu bytes long; Unix "
		    "sockets allow at most %zu", cfg->socket_path, plen,
		    sizeof(sa.sun_path) - 1);
		return SERVER_ERR_INVAL;
	}
	if ((slash = strrchr(cfg->socket_path, '/')) == NULL) {
		memcpy(dir, ".", 2);
	} else if (slash == cfg->socket_path) {
		memcpy(dir, "/", 2);
	} else {
		memcpy(dir, cfg->socket_path,
		    (size_t)(slash - cfg->socket_path));
		dir[slash - cfg->socket_path] = '\0';
	}
	if (slash != NULL && slash[1] == '\0') {
		signerd_msg_set(msg, msglen, "socket path %s names a directory",
		    cfg->socket_path);
		return SERVER_ERR_INVAL;
	}
	if ((rc = socket_dir_check(cfg, dir, msg, msglen)) != 0)
		return rc;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, cfg->socket_path, plen + 1);
	if (lstat(cfg->socket_path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			signerd_msg_set(msg, msglen,
			    "%s exists and is not a socket; "
			    "refusing to replace it", cfg->socket_path);
			return SERVER_ERR_SOCKET;
		}
		/* A live server answers; a stale file from a crash does not. */
		if ((probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC,
		    0)) >= 0) {
			rc = connect(probe, (struct sockaddr *)&sa, sizeof(sa));
			close(probe);
			if (rc == 0) {
				signerd_msg_set(msg, msglen, "another server is "
				    "listening on %s", cfg->socket_path);
				return SERVER_ERR_IN_USE;
			}
		}
		if (unlink(cfg->socket_path) != 0) {
			signerd_msg_set(msg, msglen,
			    "cannot remove stale socket %s: %s",
			    cfg->socket_path, strerror(errno));
			return SERVER_ERR_SOCKET;
		}
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0)) < 0) {
		signerd_msg_set(msg, msglen, "socket: %s", strerror(errno));
		return SERVER_ERR_SOCKET;
	}
	/* Born 0600 at worst, widened to the configured mode after. */
	old = umask(0177);
	rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc != 0) {
		signerd_msg_set(msg, msglen, "bind %s: %s", cfg->socket_path,
		    strerror(errno));
		close(fd);
		return SERVER_ERR_SOCKET;
	}
	if ((*pathp = strdup(cfg->socket_path)) == NULL) {
		unlink(cfg->socket_path);
		close(fd);
		return SERVER_ERR_NOMEM;
	}
	*fdp = fd;	/* the caller closes and unlinks from here on */
	if (chmod(cfg->socket_path, mode) != 0 || (cfg->set_group &&
	    chown(cfg->socket_path, (uid_t)-1, cfg->socket_gid) != 0)) {
		signerd_msg_set(msg, msglen,
		    "socket %s: cannot set mode %04o / group "
		    "%u: %s", cfg->socket_path, (unsigned)mode,
		    (unsigned)cfg->socket_gid, strerror(errno));
		return SERVER_ERR_SOCKET;
	}
	if (listen(fd, SOMAXCONN) != 0) {
		signerd_msg_set(msg, msglen, "listen %s: %s", cfg->socket_path,
		    strerror(errno));
		return SERVER_ERR_SOCKET;
	}
	return 0;
}

int
server_socket_open(const struct server_config *cfg, int *fd, char **path,
    char *msg, size_t msglen)
{
	int found = 0, rc;

	*fd = -1;
	*path = NULL;
	if ((rc = listen_activated(fd, &found, msg, msglen)) != 0 || found)
		return rc;
	return listen_path(cfg, fd, path, msg, msglen);
}
