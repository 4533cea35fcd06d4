/* SPDX-License-Identifier: Apache-2.0 */
/* Frames: 4-byte big-endian length + payload, with deadlines. */
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "proto.h"

/* First allocation for a payload; then doubling as bytes arrive. */
#define FRAME_CHUNK	(64u * 1024)
#define FRAME_BIG	((size_t)4 << 20)	/* a frame this big ... */
#define FRAME_BIG_AFTER	((size_t)1 << 20)	/* ... and this much of it seen */

/*
 * Never blocks on a socket even when the fd is in blocking mode, so that
 * proto_frame_read's deadline holds; other fds (pipes in tests) use read().
 */
static ssize_t
frame_recv(int fd, void *p, size_t n)
{
	ssize_t got = recv(fd, p, n, MSG_DONTWAIT);

	if (got < 0 && errno == ENOTSOCK)
		got = read(fd, p, n);
	return got;
}

void
proto_frame_reader_init(struct proto_frame_reader *r, size_t max_frame)
{
	memset(r, 0, sizeof(*r));
	if (max_frame == 0)
		max_frame = PROTO_MAX_FRAME_DEFAULT;
	if (max_frame > PROTO_MAX_FRAME_LIMIT)
		max_frame = PROTO_MAX_FRAME_LIMIT;
	r->max_frame = max_frame;
}

void
proto_frame_reader_cleanup(struct proto_frame_reader *r)
{
	if (r == NULL)
		return;
	if (r->data != NULL)
		explicit_bzero(r->data, r->have);
	free(r->data);
	r->data = NULL;
	r->have = r->cap = 0;
	r->hdr_len = 0;
	r->need = 0;
	r->done = 0;
}

int
proto_frame_reader_started(const struct proto_frame_reader *r)
{
	return r->hdr_len > 0 && !r->done;
}

uint32_t
proto_frame_reader_announced(const struct proto_frame_reader *r)
{
	return r->hdr_len == 4 ? r->need : 0;
}

/* Once the header is complete: the cap is checked before any allocation. */
static int
reader_header_done(struct proto_frame_reader *r)
{
	struct proto_buf hb;

	proto_buf_init(&hb, r->hdr, 4);
	(void)proto_buf_get_u32be(&hb, &r->need);
	if (r->need > r->max_frame)
		return PROTO_ERR_TOO_LARGE;
	if (r->need == 0)
		r->done = 1;
	return 0;
}

/*
 * Room for at least min more bytes, never beyond need (+1 for the NUL).
 * Growth follows the bytes that arrive, so a peer that announces 64 MiB and
 * sends 10 bytes costs 64 KiB. Once a big frame has really brought
 * FRAME_BIG_AFTER bytes, the whole frame gets one block in huge pages:
 * 10 MB fed page by page is 2,500 page faults, more than the copying.
 */
static int
reader_grow(struct proto_frame_reader *r, size_t min)
{
	size_t want = r->have + min, cap = r->cap;
	size_t limit = (size_t)r->need + 1;
	uint8_t *p;

	if (want + 1 <= cap)
		return 0;
	if (limit >= FRAME_BIG && r->have >= FRAME_BIG_AFTER) {
		cap = limit;
		if ((p = json_mem_alloc(&cap)) == NULL)
			return PROTO_ERR_NOMEM;
		memcpy(p, r->data, r->have);
		explicit_bzero(r->data, r->have);
		free(r->data);
		r->data = p;
		r->cap = cap;
		return 0;
	}
	if (cap == 0)
		cap = FRAME_CHUNK;
	while (cap < want + 1 && cap < limit)
		cap = cap > limit / 2 ? limit : cap * 2;
	if (cap > limit)
		cap = limit;
	if ((p = realloc(r->data, cap)) == NULL)
		return PROTO_ERR_NOMEM;
	r->data = p;
	r->cap = cap;
	return 0;
}

int
proto_frame_reader_feed(struct proto_frame_reader *r, struct proto_buf *in)
{
	const uint8_t *p;
	size_t n;
	int rc;

	if (r->done)
		return 0;
	if (r->hdr_len < 4) {
		n = 4 - r->hdr_len;
		if (n > proto_buf_left(in))
			n = proto_buf_left(in);
		(void)proto_buf_get_bytes(in, n, &p);
		memcpy(r->hdr + r->hdr_len, p, n);
		r->hdr_len += n;
		if (r->hdr_len < 4)
			return PROTO_ERR_AGAIN;
		if ((rc = reader_header_done(r)) != 0 || r->done)
			return rc;
	}
	n = r->need - r->have;
	if (n > proto_buf_left(in))
		n = proto_buf_left(in);
	if (n > 0) {
		if ((rc = reader_grow(r, n)) != 0)
			return rc;
		(void)proto_buf_get_bytes(in, n, &p);
		memcpy(r->data + r->have, p, n);
		r->have += n;
	}
	if (r->have < r->need)
		return PROTO_ERR_AGAIN;
	r->done = 1;
	return 0;
}

int
proto_frame_reader_read(struct proto_frame_reader *r, int fd)
{
	ssize_t got;
	size_t n;
	int rc;

	while (!r->done) {
		if (r->hdr_len < 4) {
			got = frame_recv(fd, r->hdr + r->hdr_len,
			    4 - r->hdr_len);
		} else {
			/* At most what the frame still needs: no over-read. */
			n = r->need - r->have;
			if (n > FRAME_CHUNK * 4)
				n = FRAME_CHUNK * 4;
			if ((rc = reader_grow(r, n)) != 0)
				return rc;
			got = frame_recv(fd, r->data + r->have, n);
		}
		if (got < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return PROTO_ERR_AGAIN;
			return PROTO_ERR_IO;
		}
		if (got == 0)
			return r->hdr_len == 0 ? PROTO_ERR_EOF :
			    PROTO_ERR_TRUNCATED;
		if (r->hdr_len < 4) {
			r->hdr_len += (size_t)got;
			if (r->hdr_len == 4 &&
			    (rc = reader_header_done(r)) != 0)
				return rc;
		} else {
			r->have += (size_t)got;
			if (r->have == r->need)
				r->done = 1;
		}
	}
	return 0;
}

int
proto_frame_reader_take(struct proto_frame_reader *r, uint8_t **data,
    size_t *len)
{
	*data = NULL;
	*len = 0;
	if (!r->done)
		return PROTO_ERR_AGAIN;
	if (r->data == NULL) {
		/* Zero-length frame: still hand over a valid empty string. */
		if ((r->data = malloc(1)) == NULL)
			return PROTO_ERR_NOMEM;
	}
	r->data[r->have] = '\0';
	*data = r->data;	/* transferred */
	*len = r->have;
	r->data = NULL;
	r->have = r->cap = 0;
	r->hdr_len = 0;
	r->need = 0;
	r->done = 0;
	return 0;
}

static int64_t
frame_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for events on fd until deadline (-1: none). */
static int
frame_wait(int fd, short events, int64_t deadline)
{
	struct pollfd pfd;
	int64_t left;
	int n;

	for (;;) {
		left = -1;
		if (deadline >= 0) {
			left = deadline - frame_now_ms();
			if (left <= 0)
				return PROTO_ERR_TIMEOUT;
			if (left > 1000000)
				left = 1000000;
		}
		pfd.fd = fd;
		pfd.events = events;
		pfd.revents = 0;
		n = poll(&pfd, 1, (int)left);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return PROTO_ERR_IO;
		}
		if (n == 0)
			continue;
		/* POLLHUP/POLLERR: let read/write report what happened. */
		return 0;
	}
}

int
proto_frame_read(int fd, size_t max_frame, int timeout_ms, uint8_t **data,
    size_t *len)
{
	struct proto_frame_reader r;
	int64_t deadline = timeout_ms < 0 ? -1 : frame_now_ms() + timeout_ms;
	int rc;

	*data = NULL;
	*len = 0;
	proto_frame_reader_init(&r, max_frame);
	for (;;) {
		if ((rc = frame_wait(fd, POLLIN, deadline)) != 0)
			goto out;
		rc = proto_frame_reader_read(&r, fd);
		if (rc == PROTO_ERR_AGAIN)
			continue;
		if (rc != 0)
			goto out;
		rc = proto_frame_reader_take(&r, data, len);
		goto out;
	}
out:
	proto_frame_reader_cleanup(&r);
	return rc;
}

int
proto_send_some(int fd, const uint8_t *data, size_t len, size_t *off)
{
	ssize_t n;

	while (*off < len) {
		n = send(fd, data + *off, len - *off,
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == ENOTSOCK)
			n = write(fd, data + *off, len - *off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return PROTO_ERR_AGAIN;
			return PROTO_ERR_IO;
		}
		*off += (size_t)n;
	}
	return 0;
}

static int
frame_write_all(int fd, const uint8_t *p, size_t len, int64_t deadline)
{
	size_t off = 0;
	int rc;

	for (;;) {
		rc = proto_send_some(fd, p, len, &off);
		if (rc != PROTO_ERR_AGAIN)
			return rc;
		if ((rc = frame_wait(fd, POLLOUT, deadline)) != 0)
			return rc;
	}
}

int
proto_frame_write(int fd, const void *payload, size_t len, int timeout_ms)
{
	int64_t deadline = timeout_ms < 0 ? -1 : frame_now_ms() + timeout_ms;
	uint8_t hdr[4];
	int rc;

	if (len > PROTO_MAX_FRAME_LIMIT)
		return PROTO_ERR_TOO_LARGE;
	if (payload == NULL && len != 0)
		return PROTO_ERR_INVAL;
	hdr[0] = (uint8_t)(len >> 24);
	hdr[1] = (uint8_t)(len >> 16);
	hdr[2] = (uint8_t)(len >> 8);
	hdr[3] = (uint8_t)len;
	if ((rc = frame_write_all(fd, hdr, 4, deadline)) != 0)
		return rc;
	if (len == 0)
		return 0;
	return frame_write_all(fd, payload, len, deadline);
}

size_t
proto_frame_begin(struct json_buf *b)
{
	size_t at = b->len;

	json_put_raw(b, "\0\0\0\0", 4);
	return at;
}

int
proto_frame_seal(struct json_buf *b, size_t at)
{
	size_t n;

	if (b->err != 0)
		return b->err == JSON_ERR_NOMEM ? PROTO_ERR_NOMEM :
		    PROTO_ERR_INVAL;
	if (at > b->len || b->len - at < 4)
		return PROTO_ERR_INVAL;
	n = b->len - at - 4;
	if (n > PROTO_MAX_FRAME_LIMIT)
		return PROTO_ERR_TOO_LARGE;
	b->data[at] = (uint8_t)(n >> 24);
	b->data[at + 1] = (uint8_t)(n >> 16);
	b->data[at + 2] = (uint8_t)(n >> 8);
	b->data[at + 3] = (uint8_t)n;
	return 0;
}
