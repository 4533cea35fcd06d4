/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The wire: TCP connections (through an HTTP CONNECT proxy if the
 * environment names one), TLS over OpenSSL's libssl, one HTTP/1.1 request
 * and its answer, and keeping the connection for the next request.
 */
#include <sys/socket.h>
#include <sys/types.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "notary_http_impl.h"

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
msg(struct notary_http *h, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
msg(struct notary_http *h, int code, const char *fmt, ...)
{
	char buf[sizeof(h->err.message)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	/* Peer-supplied text may be inside: one printable line. */
	notary_http_printable(h->err.message, sizeof(h->err.message), buf,
	    strlen(buf));
	return code;
}

/*
 * A socket BIO that sends with MSG_NOSIGNAL: a peer that closes while we
 * write must give an error, not kill the process with SIGPIPE, and a
 * library must not change the process's signal dispositions.
 */
static int
bio_write(BIO *b, const char *p, int n)
{
	struct nh_conn *c = BIO_get_data(b);
	ssize_t k;

	BIO_clear_retry_flags(b);
	k = send(c->fd, p, (size_t)n, MSG_NOSIGNAL);
	if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK ||
	    errno == EINTR))
		BIO_set_retry_write(b);
	return (int)k;
}

static int
bio_read(BIO *b, char *p, int n)
{
	struct nh_conn *c = BIO_get_data(b);
	ssize_t k;

	BIO_clear_retry_flags(b);
	k = recv(c->fd, p, (size_t)n, 0);
	if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK ||
	    errno == EINTR))
		BIO_set_retry_read(b);
	return (int)k;
}

static long
bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	(void)b;
	(void)num;
	(void)ptr;
	return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

static int
bio_create(BIO *b)
{
	BIO_set_init(b, 1);
	return 1;
}

static void
conn_close(struct nh_conn *c)
{
	if (c->ssl != NULL) {
		/* No close_notify round trip: the process is about to go on. */
		SSL_free(c->ssl);
		c->ssl = NULL;
	}
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->roff = c->rlen = 0;
	c->reused = 0;
	c->host[0] = '\0';
}

void
notary_http_conns_close(struct notary_http *h)
{
	size_t i;

	for (i = 0; i < NH_CONNS; i++)
		conn_close(&h->conns[i]);
	SSL_CTX_free(h->ctx);
	h->ctx = NULL;
	BIO_meth_free(h->biom);
	h->biom = NULL;
}

/* Waits for fd to be ready for ev until the deadline: 0 or ERR_TIMEOUT. */
static int
fd_wait(int fd, short ev, int64_t deadline)
{
	struct pollfd pfd;
	int64_t left;
	int n;

	for (;;) {
		if ((left = deadline - now_ms()) <= 0)
			return NOTARY_HTTP_ERR_TIMEOUT;
		pfd.fd = fd;
		pfd.events = ev;
		pfd.revents = 0;
		n = poll(&pfd, 1, left > 60000 ? 60000 : (int)left);
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return NOTARY_HTTP_ERR_TRANSPORT;
	}
}

static int
tcp_connect(struct notary_http *h, struct nh_conn *c, const char *what,
    const char *host, unsigned port, int ip, int64_t deadline, long budget_ms)
{
	struct addrinfo hints, *res = NULL, *ai;
	char portstr[8];
	socklen_t sl;
	int fd = -1, e = 0, rc, one = 1, timedout = 0;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV | (ip ? AI_NUMERICHOST : 0);
	snprintf(portstr, sizeof(portstr), "%u", port);
	if ((rc = getaddrinfo(host, portstr, &hints, &res)) != 0)
		return msg(h, NOTARY_HTTP_ERR_CONNECT, "cannot resolve %s%s: "
		    "%s", what, host, gai_strerror(rc));
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((fd = socket(ai->ai_family, ai->ai_socktype,
		    ai->ai_protocol)) < 0) {
			e = errno;
			continue;
		}
		if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0 ||
		    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) {
			e = errno;
			goto next;
		}
		/* Requests go out in pieces; Nagle would hold the last one. */
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		if (errno != EINPROGRESS) {
			e = errno;
			goto next;
		}
		if (fd_wait(fd, POLLOUT, deadline) != 0) {
			timedout = 1;
			goto next;
		}
		sl = sizeof(e);
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &sl) == 0 &&
		    e == 0)
			break;
next:
		close(fd);
		fd = -1;
		if (timedout)
			break;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		if (timedout)
			return msg(h, NOTARY_HTTP_ERR_TIMEOUT, "connecting to "
			    "%s%s port %u timed out after %ld ms", what, host,
			    port, budget_ms);
		return msg(h, NOTARY_HTTP_ERR_CONNECT, "cannot connect to %s%s "
		    "port %u: %s", what, host, port,
		    strerror(e ? e : ECONNREFUSED));
	}
	c->fd = fd;
	h->stats.connects++;
	return 0;
}

/*
 * After a TLS read or write returned SSL error e: 0 once the socket is ready
 * to try again, or the error (what: "sending to", "reading from").
 */
static int
ssl_again(struct notary_http *h, struct nh_conn *c, int e, int64_t deadline,
    const char *what)
{
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
		return fd_wait(c->fd, e == SSL_ERROR_WANT_READ ? POLLIN :
		    POLLOUT, deadline);
	if (e == SSL_ERROR_SYSCALL && errno != 0)
		return msg(h, NOTARY_HTTP_ERR_TRANSPORT, "%s %s: %s", what,
		    c->host, strerror(errno));
	return msg(h, NOTARY_HTTP_ERR_TRANSPORT, "%s %s: TLS error", what,
	    c->host);
}

/* Writes all of p; for TLS through SSL_write_ex. */
static int
conn_write(struct notary_http *h, struct nh_conn *c, const void *p, size_t n,
    int64_t deadline, size_t *sent)
{
	size_t k;
	ssize_t w;
	int rc;

	while (n > 0) {
		if (c->ssl != NULL) {
			ERR_clear_error();
			if (SSL_write_ex(c->ssl, p, n, &k) == 1)
				goto wrote;
			if ((rc = ssl_again(h, c, SSL_get_error(c->ssl, 0),
			    deadline, "sending to")) != 0)
				return rc;
			continue;
		}
		w = send(c->fd, p, n, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR) {
				if ((rc = fd_wait(c->fd, POLLOUT, deadline)) != 0)
					return rc;
				continue;
			}
			return msg(h, NOTARY_HTTP_ERR_TRANSPORT,
			    "sending to %s: %s", c->host, strerror(errno));
		}
		k = (size_t)w;
wrote:
		p = (const uint8_t *)p + k;
		n -= k;
		*sent += k;
	}
	return 0;
}

/* Reads what is there into c->rbuf; at EOF c->rlen is 0. */
static int
conn_fill(struct notary_http *h, struct nh_conn *c, int64_t deadline)
{
	size_t k;
	ssize_t r;
	int rc, e;

	c->roff = c->rlen = 0;
	for (;;) {
		if (c->ssl != NULL) {
			ERR_clear_error();
			if (SSL_read_ex(c->ssl, c->rbuf, sizeof(c->rbuf), &k)
			    == 1) {
				c->rlen = k;
				return 0;
			}
			e = SSL_get_error(c->ssl, 0);
			if (e == SSL_ERROR_ZERO_RETURN)
				return 0;
			if ((rc = ssl_again(h, c, e, deadline,
			    "reading from")) != 0)
				return rc;
			continue;
		}
		r = recv(c->fd, c->rbuf, sizeof(c->rbuf), 0);
		if (r >= 0) {
			c->rlen = (size_t)r;
			return 0;
		}
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
			if ((rc = fd_wait(c->fd, POLLIN, deadline)) != 0)
				return rc;
			continue;
		}
		return msg(h, NOTARY_HTTP_ERR_TRANSPORT, "reading from %s: %s",
		    c->host, strerror(errno));
	}
}

/*
 * Reads one answer into r. r->received says whether any byte of it
 * arrived (a kept connection the server had closed gives none).
 */
static int
response_read(struct notary_http *h, struct nh_conn *c,
    struct notary_http_resp *r, int64_t deadline)
{
	size_t used;
	int rc;

	while (r->state != NH_RESP_DONE) {
		if (c->roff == c->rlen) {
			if ((rc = conn_fill(h, c, deadline)) != 0)
				return rc;
			if (c->rlen == 0) {
				if ((rc = notary_http_resp_eof(r)) != 0)
					return msg(h, rc, "%s: %s", c->host,
					    r->error);
				break;
			}
		}
		rc = notary_http_resp_feed(r, c->rbuf + c->roff,
		    c->rlen - c->roff, &used);
		c->roff += used;
		if (rc == NOTARY_HTTP_ERR_TOO_BIG)
			return msg(h, rc, "response larger than %zu bytes",
			    r->body != NULL ? r->body->max : 0);
		if (rc == NOTARY_HTTP_ERR_NOMEM)
			return rc;
		if (rc != 0)
			return msg(h, rc, "malformed HTTP answer from %s: %s",
			    c->host, r->error);
	}
	/* Bytes past the answer: the stream is out of step; do not reuse. */
	if (c->roff != c->rlen)
		r->keep_alive = 0;
	return 0;
}

static int
proxy_tunnel(struct notary_http *h, struct nh_conn *c, const struct nh_url *u,
    const char *auth, int64_t deadline)
{
	struct notary_http_resp r;
	char *req;
	size_t n, sent = 0;
	int rc, k;

	n = strlen(u->host) + (auth ? strlen(auth) : 0) * 2 + 128;
	if ((req = malloc(n)) == NULL)
		return NOTARY_HTTP_ERR_NOMEM;
	k = snprintf(req, n, "CONNECT %s%s%s:%u HTTP/1.1\r\n"
	    "Host: %s%s%s:%u\r\n%s%s%s\r\n",
	    u->ip && strchr(u->host, ':') ? "[" : "", u->host,
	    u->ip && strchr(u->host, ':') ? "]" : "", u->port,
	    u->ip && strchr(u->host, ':') ? "[" : "", u->host,
	    u->ip && strchr(u->host, ':') ? "]" : "", u->port,
	    auth ? "Proxy-Authorization: " : "", auth ? auth : "",
	    auth ? "\r\n" : "");
	if (k < 0 || (size_t)k >= n) {
		free(req);
		return NOTARY_HTTP_ERR_NOMEM;
	}
	rc = conn_write(h, c, req, (size_t)k, deadline, &sent);
	explicit_bzero(req, n);
	free(req);
	if (rc != 0)
		return rc;
	notary_http_resp_init(&r, NULL, 1);
	if ((rc = response_read(h, c, &r, deadline)) != 0)
		return rc;
	if (r.status < 200 || r.status > 299)
		return msg(h, NOTARY_HTTP_ERR_CONNECT, "proxy %s refused "
		    "CONNECT to %s:%u: HTTP %ld%s", c->host, u->host, u->port,
		    r.status, r.status == 407 ? " (proxy credentials)" : "");
	if (c->roff != c->rlen)
		return msg(h, NOTARY_HTTP_ERR_CONNECT, "proxy %s sent data "
		    "before the tunnel was used", c->host);
	return 0;
}

/* The TLS context and our BIO method, made once per handle. */
static int
ctx_make(struct notary_http *h)
{
	SSL_CTX *ctx = NULL;
	BIO_METHOD *m = NULL;
	int rc = NOTARY_HTTP_ERR_NOMEM;

	if (h->ctx != NULL)
		return 0;
	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL)
		goto out;
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1)
		goto out;
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	/*
	 * A peer that closes without close_notify ends the stream like a
	 * clean close: framing (Content-Length, chunked) still catches a
	 * truncated answer, and the metadata is signed.
	 */
	SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
	if (h->ca_file != NULL) {
		if (SSL_CTX_load_verify_locations(ctx, h->ca_file, NULL) != 1) {
			rc = msg(h, NOTARY_HTTP_ERR_TLS, "TLS: cannot load CA "
			    "certificates from %s", h->ca_file);
			goto out;
		}
	} else if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
		rc = msg(h, NOTARY_HTTP_ERR_TLS, "TLS: cannot load the "
		    "system's CA certificates");
		goto out;
	}
	if ((m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK,
	    "notary_http socket")) == NULL ||
	    BIO_meth_set_write(m, bio_write) != 1 ||
	    BIO_meth_set_read(m, bio_read) != 1 ||
	    BIO_meth_set_ctrl(m, bio_ctrl) != 1 ||
	    BIO_meth_set_create(m, bio_create) != 1)
		goto out;
	h->ctx = ctx;
	h->biom = m;
	ctx = NULL;	/* transferred */
	m = NULL;
	rc = 0;
out:
	SSL_CTX_free(ctx);
	BIO_meth_free(m);
	return rc;
}

static int
tls_start(struct notary_http *h, struct nh_conn *c, const struct nh_url *u,
    int64_t deadline, long budget_ms)
{
	unsigned char alpn[] = "\x08http/1.1";
	unsigned long e;
	long v;
	BIO *b;
	int rc, k;

	ERR_clear_error();
	if ((rc = ctx_make(h)) != 0)
		return rc;
	if ((c->ssl = SSL_new(h->ctx)) == NULL ||
	    (b = BIO_new(h->biom)) == NULL)
		return NOTARY_HTTP_ERR_NOMEM;
	BIO_set_data(b, c);
	SSL_set_bio(c->ssl, b, b);
	SSL_set_hostflags(c->ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	if (u->ip) {
		if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl),
		    u->host) != 1)
			return NOTARY_HTTP_ERR_NOMEM;
	} else if (SSL_set_tlsext_host_name(c->ssl, u->host) != 1 ||
	    SSL_set1_host(c->ssl, u->host) != 1)
		return NOTARY_HTTP_ERR_NOMEM;
	SSL_set_alpn_protos(c->ssl, alpn, sizeof(alpn) - 1);
	for (;;) {
		ERR_clear_error();
		if ((k = SSL_connect(c->ssl)) == 1)
			return 0;
		switch (SSL_get_error(c->ssl, k)) {
		case SSL_ERROR_WANT_READ:
		case SSL_ERROR_WANT_WRITE:
			if (fd_wait(c->fd, SSL_get_error(c->ssl, k) ==
			    SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline) != 0)
				return msg(h, NOTARY_HTTP_ERR_TIMEOUT, "TLS "
				    "handshake with %s timed out after %ld ms",
				    u->host, budget_ms);
			continue;
		default:
			break;
		}
		break;
	}
	if ((v = SSL_get_verify_result(c->ssl)) != X509_V_OK)
		return msg(h, NOTARY_HTTP_ERR_TLS, "TLS: certificate verify "
		    "failed for %s: %s", u->host,
		    X509_verify_cert_error_string(v));
	if ((e = ERR_peek_last_error()) != 0)
		return msg(h, NOTARY_HTTP_ERR_TLS, "TLS handshake with %s "
		    "failed: %s", u->host, ERR_reason_error_string(e) ?
		    ERR_reason_error_string(e) : "unknown error");
	return msg(h, NOTARY_HTTP_ERR_TLS, "TLS handshake with %s failed: "
	    "connection closed", u->host);
}

/* A new connection to u in c: TCP, proxy tunnel, TLS. */
static int
conn_open(struct notary_http *h, struct nh_conn *c, const struct nh_url *u,
    int64_t req_deadline)
{
	struct nh_url proxy;
	char *pauth = NULL;
	int64_t deadline = now_ms() + h->connect_timeout_ms;
	int has_proxy, rc;

	conn_close(c);
	if (deadline > req_deadline)
		deadline = req_deadline;
	if ((rc = notary_http_proxy_find(u, &proxy, &has_proxy, &pauth,
	    h->err.message, sizeof(h->err.message))) != 0)
		return rc;
	snprintf(c->host, sizeof(c->host), "%s", has_proxy ? proxy.host :
	    u->host);
	if (has_proxy)
		rc = tcp_connect(h, c, "proxy ", proxy.host, proxy.port,
		    proxy.ip, deadline, h->connect_timeout_ms);
	else
		rc = tcp_connect(h, c, "", u->host, u->port, u->ip, deadline,
		    h->connect_timeout_ms);
	if (rc == 0 && has_proxy) {
		rc = proxy_tunnel(h, c, u, pauth, deadline);
		if (rc == NOTARY_HTTP_ERR_TIMEOUT)
			rc = msg(h, rc, "proxy %s did not open a tunnel within "
			    "%ld ms", proxy.host, h->connect_timeout_ms);
	}
	notary_http_secret_free(pauth);
	snprintf(c->host, sizeof(c->host), "%s", u->host);
	if (rc == 0 && u->tls)
		rc = tls_start(h, c, u, deadline, h->connect_timeout_ms);
	if (rc != 0) {
		conn_close(c);
		return rc;
	}
	c->tls = u->tls;
	c->port = u->port;
	return 0;
}

/*
 * A kept connection is usable if nothing is waiting on it: a server that
 * closed an idle connection has sent EOF (or close_notify), which shows as
 * readable.
 */
static int
conn_idle_ok(struct nh_conn *c)
{
	struct pollfd pfd;

	if (c->ssl != NULL && SSL_pending(c->ssl) > 0)
		return 0;
	pfd.fd = c->fd;
	pfd.events = POLLIN;
	pfd.revents = 0;
	return poll(&pfd, 1, 0) == 0;
}

static struct nh_conn *
conn_slot(struct notary_http *h, const struct nh_url *u)
{
	struct nh_conn *c, *lru = NULL;
	size_t i;

	for (i = 0; i < NH_CONNS; i++) {
		c = &h->conns[i];
		if (c->fd >= 0 && c->tls == u->tls && c->port == u->port &&
		    strcmp(c->host, u->host) == 0)
			return c;
	}
	for (i = 0; i < NH_CONNS; i++) {
		c = &h->conns[i];
		if (c->fd < 0)
			return c;
		if (lru == NULL || c->last_use < lru->last_use)
			lru = c;
	}
	return lru;
}

/* The request head; holds the Authorization value, so the caller wipes it. */
static char *
head_make(const struct nh_request *rq, const struct nh_url *u, size_t clen,
    size_t *n)
{
	/* "" becomes "/", "?q" becomes "/?q". */
	const char *path = u->path[0] != '\0' ? u->path : "/";
	int v6 = u->ip && strchr(u->host, ':') != NULL;
	int defport = u->port == (u->tls ? 443u : 80u);
	char portstr[8] = "", lenstr[48] = "";
	size_t cap;
	char *s;
	int k;

	if (!defport)
		snprintf(portstr, sizeof(portstr), ":%u", u->port);
	if (rq->nbody > 0 || strcmp(rq->method, "POST") == 0)
		snprintf(lenstr, sizeof(lenstr), "Content-Length: %zu\r\n",
		    clen);
	cap = strlen(rq->method) + strlen(path) + strlen(u->host) +
	    (rq->auth ? strlen(rq->auth) : 0) +
	    (rq->content_type ? strlen(rq->content_type) : 0) + 256;
	if ((s = malloc(cap)) == NULL)
		return NULL;
	k = snprintf(s, cap, "%s %s%s HTTP/1.1\r\nHost: %s%s%s%s\r\n"
	    "User-Agent: trustctl/0.1\r\nAccept: */*\r\n%s%s%s%s%s%s%s\r\n",
	    rq->method, path[0] == '?' ? "/" : "", path, v6 ? "[" : "",
	    u->host, v6 ? "]" : "", portstr,
	    rq->auth ? "Authorization: " : "", rq->auth ? rq->auth : "",
	    rq->auth ? "\r\n" : "",
	    rq->content_type ? "Content-Type: " : "",
	    rq->content_type ? rq->content_type : "",
	    rq->content_type ? "\r\n" : "", lenstr);
	if (k < 0 || (size_t)k >= cap) {
		explicit_bzero(s, cap);
		free(s);
		return NULL;
	}
	*n = (size_t)k;
	return s;
}

/* Sends head and body; pieces below a packet's size go out together. */
static int
request_send(struct notary_http *h, struct nh_conn *c, const char *head,
    size_t headlen, const struct nh_request *rq, int64_t deadline,
    size_t *sent)
{
	uint8_t buf[16384];
	size_t fill = 0, i;
	int rc;

	if (headlen <= sizeof(buf)) {
		memcpy(buf, head, headlen);
		fill = headlen;
	} else if ((rc = conn_write(h, c, head, headlen, deadline, sent)) != 0)
		return rc;
	for (i = 0; i < rq->nbody; i++) {
		if (rq->body[i].n <= sizeof(buf) - fill) {
			memcpy(buf + fill, rq->body[i].p, rq->body[i].n);
			fill += rq->body[i].n;
			continue;
		}
		if (fill > 0 && (rc = conn_write(h, c, buf, fill, deadline,
		    sent)) != 0)
			goto out;
		fill = 0;
		if ((rc = conn_write(h, c, rq->body[i].p, rq->body[i].n,
		    deadline, sent)) != 0)
			goto out;
	}
	rc = fill > 0 ? conn_write(h, c, buf, fill, deadline, sent) : 0;
out:
	explicit_bzero(buf, sizeof(buf));
	return rc;
}

int
notary_http_perform(struct notary_http *h, const struct nh_request *rq,
    struct nh_body *body, long *status)
{
	struct notary_http_resp r;
	struct nh_url u;
	struct nh_conn *c;
	char *head = NULL;
	size_t headlen = 0, clen = 0, sent, i;
	int64_t deadline = now_ms() + h->timeout_ms;
	int rc, attempt, reused, idempotent;

	*status = 0;
	h->challenge[0] = '\0';
	if (notary_http_url_parse(rq->url, &u) != 0)
		return msg(h, NOTARY_HTTP_ERR_INVAL, "bad URL (want "
		    "https://host[:port][/path])");
	for (i = 0; i < rq->nbody; i++)
		clen += rq->body[i].n;
	if ((head = head_make(rq, &u, clen, &headlen)) == NULL)
		return NOTARY_HTTP_ERR_NOMEM;
	idempotent = strcmp(rq->method, "POST") != 0;
	h->stats.requests++;
	for (attempt = 0;; attempt++) {
		c = conn_slot(h, &u);
		if (c->fd >= 0 && !conn_idle_ok(c))
			conn_close(c);
		if (c->fd < 0 && (rc = conn_open(h, c, &u, deadline)) != 0)
			goto out;
		reused = c->reused;
		c->reused = 1;
		c->last_use = ++h->uses;
		notary_http_body_free(body);
		notary_http_resp_init(&r, body, 0);
		sent = 0;
		if ((rc = request_send(h, c, head, headlen, rq, deadline,
		    &sent)) == 0)
			rc = response_read(h, c, &r, deadline);
		if (rc == 0)
			break;
		conn_close(c);
		/*
		 * The server may have closed the kept connection just as we
		 * sent: try once more on a new one if no answer came and the
		 * request may be repeated (or never left).
		 */
		if (!reused || attempt > 0 || r.received > 0 ||
		    rc == NOTARY_HTTP_ERR_TIMEOUT ||
		    (!idempotent && sent > 0))
			goto out;
		memset(&h->err, 0, sizeof(h->err));
	}
	if (!r.keep_alive)
		conn_close(c);
	*status = r.status;
	h->err.status = r.status;
	memcpy(h->challenge, r.challenge, sizeof(h->challenge));
	rc = 0;
out:
	if (rc == NOTARY_HTTP_ERR_TIMEOUT && h->err.message[0] == '\0')
		msg(h, rc, "no answer from %s within %ld ms", u.host,
		    h->timeout_ms);
	explicit_bzero(head, headlen);
	free(head);
	return rc;
}
