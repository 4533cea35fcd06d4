/* SPDX-License-Identifier: Apache-2.0 */
/* Private to server*.c: making the listening socket. */
#ifndef SIGNERD_SERVER_SOCKET_H
#define SIGNERD_SERVER_SOCKET_H

#include <stddef.h>

struct server_config;

/*
 * The listening socket, non-blocking and close-on-exec: fd 3 from systemd
 * when LISTEN_PID is ours, else bound at cfg->socket_path (then *path is a
 * malloc'd copy the caller unlinks and frees). msg says what went wrong.
 */
int server_socket_open(const struct server_config *cfg, int *fd, char **path,
    char *msg, size_t msglen);
/* O_NONBLOCK and FD_CLOEXEC on fd; -1 with errno on failure. */
int server_fd_prepare(int fd);

#endif /* SIGNERD_SERVER_SOCKET_H */
