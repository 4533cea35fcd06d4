/* SPDX-License-Identifier: Apache-2.0 */
/* Private to notary_http: the handle, the wire layer, and the parsers the tests reach. */
#ifndef SIGNERD_NOTARY_HTTP_IMPL_H
#define SIGNERD_NOTARY_HTTP_IMPL_H

#include <openssl/ssl.h>

#include "notary_http.h"

#define NH_CONNECT_TIMEOUT_MS	10000L
#define NH_TIMEOUT_MS		120000L
#define NH_MAX_RESPONSE		((size_t)64 << 20)
#define NH_MAX_ERROR_BODY	((size_t)64 << 10)	/* decoded at most */
#define NH_MAX_TOKEN_BODY	((size_t)1 << 20)
#define NH_MAX_NAME		255

/* Response parser limits: one line, header lines, all header bytes. */
#define NH_MAX_LINE		8192
#define NH_MAX_HEADERS		100
#define NH_MAX_HEADER_BYTES	((size_t)64 << 10)
#define NH_MAX_HOST		255
#define NH_CONNS		2	/* the server and a token realm */
#define NH_RBUF			16384

/* A response body with a cap; data is NUL-terminated for parsers. */
struct nh_body {
	uint8_t	*data;
	size_t	 len;
	size_t	 cap;
	size_t	 max;
	int	 too_big;
};

/*
 * The HTTP/1.1 response parser: fed bytes as they come, no socket, so the
 * fuzzer and the unit tests drive it directly. It owns no memory but what
 * it appends to body.
 */
enum nh_resp_state {
	NH_RESP_STATUS,
	NH_RESP_HEADER,
	NH_RESP_BODY_LEN,	/* Content-Length bytes left */
	NH_RESP_CHUNK_SIZE,
	NH_RESP_CHUNK_DATA,
	NH_RESP_CHUNK_END,	/* the CRLF after a chunk's data */
	NH_RESP_TRAILER,
	NH_RESP_BODY_EOF,	/* body runs until the connection closes */
	NH_RESP_DONE,
};

struct notary_http_resp {
	enum nh_resp_state state;
	int		 connect;	/* answer to CONNECT: headers only */
	long		 status;
	int		 keep_alive;	/* the connection may carry the next request */
	int		 chunked;
	int		 have_len;
	int		 have_te;
	uint64_t	 content_length;
	uint64_t	 left;		/* of the body or of the current chunk */
	size_t		 nheaders;
	size_t		 header_bytes;
	size_t		 received;	/* bytes fed in total */
	char		 line[NH_MAX_LINE + 1];
	size_t		 linelen;
	char		 challenge[2048]; /* first WWW-Authenticate of the final answer */
	struct nh_body	*body;
	const char	*error;		/* static text naming a parse failure */
};

/* Readies r for one response; body (may be NULL: discarded) gets its bytes. */
void notary_http_resp_init(struct notary_http_resp *r, struct nh_body *body,
    int connect);
/*
 * Feeds n bytes. *used says how many were consumed: fewer than n only once
 * the response is complete (r->state == NH_RESP_DONE). 0, or
 * NOTARY_HTTP_ERR_TRANSPORT (r->error says what was malformed),
 * NOTARY_HTTP_ERR_TOO_BIG (body past body->max), NOTARY_HTTP_ERR_NOMEM.
 */
int notary_http_resp_feed(struct notary_http_resp *r, const uint8_t *p,
    size_t n, size_t *used);
/* The peer closed: 0 if that ends the response, else ERR_TRANSPORT. */
int notary_http_resp_eof(struct notary_http_resp *r);

/* A parsed http(s) URL; path points into the string parsed. */
struct nh_url {
	int		 tls;
	int		 ip;		/* host is an address literal */
	char		 host[NH_MAX_HOST + 1];	/* IPv6 without brackets */
	unsigned	 port;
	const char	*path;		/* "/..." or "" */
};

/*
 * Parses "http(s)://host[:port][/path]". Refuses user info, fragments,
 * control bytes and spaces, bad ports and hosts: ERR_INVAL.
 */
int notary_http_url_parse(const char *url, struct nh_url *u);

/* The proxy for u from the environment; *proxy_set 0 when none applies. */
int notary_http_proxy_find(const struct nh_url *u, struct nh_url *proxy,
    int *proxy_set, char **auth_basic, char *msg, size_t msglen);
/* Whether a no_proxy list exempts host. */
int notary_http_no_proxy_match(const char *list, const char *host);

/* One TCP (and TLS) connection to an origin, kept for the next request. */
struct nh_conn {
	int		 fd;		/* -1: slot free */
	SSL		*ssl;
	int		 tls;
	char		 host[NH_MAX_HOST + 1];
	unsigned	 port;
	unsigned long	 last_use;
	int		 reused;	/* has carried a request already */
	uint8_t		 rbuf[NH_RBUF];
	size_t		 roff, rlen;
};

struct notary_http {
	char			*server;	/* no trailing '/' */
	char			*ca_file;
	long			 connect_timeout_ms;
	long			 timeout_ms;
	size_t			 max_response;
	char			*token;		/* static or fetched bearer token */
	char			*username;
	char			*password;
	int			 basic;		/* server asked for Basic: send it up front */
	char			 challenge[2048]; /* last WWW-Authenticate: Bearer */
	struct notary_http_error err;
	struct notary_http_stats stats;
	SSL_CTX			*ctx;		/* made at the first https request */
	BIO_METHOD		*biom;
	struct nh_conn		 conns[NH_CONNS];
	unsigned long		 uses;
};

/* A request body in pieces, sent in order without being copied together. */
struct nh_piece {
	const void	*p;
	size_t		 n;
};

struct nh_request {
	const char		*method;	/* GET, POST, DELETE */
	const char		*url;		/* absolute */
	const char		*auth;		/* Authorization value (a secret), or NULL */
	const char		*content_type;	/* or NULL */
	const struct nh_piece	*body;
	size_t			 nbody;
};

struct notary_http_challenge {
	char	realm[1024];
	char	service[256];
	char	scope[1024];
};

/*
 * Parses a WWW-Authenticate value. 0 for a Bearer challenge with a realm;
 * NOTARY_HTTP_ERR_INVAL for any other scheme, a missing realm, or a
 * parameter longer than its field.
 */
int notary_http_challenge_parse(const char *s, size_t n,
    struct notary_http_challenge *c);

/* Fills e from a status and the server's JSON error body (may be garbage). */
void notary_http_error_decode(long status, const uint8_t *body, size_t len,
    struct notary_http_error *e);

/* GUN and role names that may go into a URL path. 0 or ERR_INVAL. */
int notary_http_gun_check(const char *gun);
int notary_http_role_check(const char *role);

/* Copies s into dst as one printable line (control bytes become '?'). */
void notary_http_printable(char *dst, size_t dstlen, const char *s, size_t n);

/* From notary_http_auth.c: fetch a token for the challenge into h->token. */
int notary_http_token_fetch(struct notary_http *h,
    const struct notary_http_challenge *c);
/* "Basic base64(user:pass)" in a malloc'ed string the caller wipes, or NULL. */
char *notary_http_basic_value(const char *user, const char *pass);
/* Frees a string after wiping it (NULL allowed). */
void notary_http_secret_free(char *s);

/*
 * From notary_http_conn.c: one request over a kept or new connection, with
 * h's TLS, proxy and timeout settings; the answer's WWW-Authenticate goes to
 * h->challenge. 0 with *status set, or an ERR_* code with h->err.message.
 */
int notary_http_perform(struct notary_http *h, const struct nh_request *rq,
    struct nh_body *body, long *status);
/* Closes every connection of h and frees its TLS context. */
void notary_http_conns_close(struct notary_http *h);
void notary_http_body_free(struct nh_body *b);
/* Appends to b within its cap: 0, ERR_TOO_BIG or ERR_NOMEM. */
int notary_http_body_append(struct nh_body *b, const uint8_t *p, size_t n);

#endif /* SIGNERD_NOTARY_HTTP_IMPL_H */
