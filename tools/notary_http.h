/* SPDX-License-Identifier: Apache-2.0 */
/*
 * notary_http: the Notary server's HTTP API (/v2/<gun>/_trust/tuf/) over
 * libcurl, for trustctl. One handle is one libcurl easy handle, so every
 * request of one command reuses the same connection. Metadata goes up and
 * comes down as exact bytes; this module never parses or rewrites them.
 *
 * Authentication: a static bearer token, or basic credentials sent to the
 * server, or, when the server answers 401 with
 * `WWW-Authenticate: Bearer realm=...,service=...,scope=...`, a token fetched
 * from that realm (with the basic credentials, if any) and the request
 * retried once; the token is kept for the handle's later requests.
 *
 * Errors: every function returns 0 or a NOTARY_HTTP_ERR_* code and, on
 * failure, fills the handle's notary_http_error (HTTP status, the server's
 * error code and reason decoded from its JSON body, the role it concerns, a
 * one-line message safe to print).
 */
#ifndef SIGNERD_NOTARY_HTTP_H
#define SIGNERD_NOTARY_HTTP_H

#include <stddef.h>
#include <stdint.h>

/* Never renumbered; new codes go at the end. */
#define NOTARY_HTTP_OK			  0
#define NOTARY_HTTP_ERR_NOMEM		 -1	/* allocation failed */
#define NOTARY_HTTP_ERR_INVAL		 -2	/* bad argument: URL, GUN, role, option */
#define NOTARY_HTTP_ERR_CONNECT		 -3	/* name resolution or TCP connect failed */
#define NOTARY_HTTP_ERR_TLS		 -4	/* TLS handshake or certificate check failed */
#define NOTARY_HTTP_ERR_TIMEOUT		 -5	/* connect or transfer timeout */
#define NOTARY_HTTP_ERR_TRANSPORT	 -6	/* any other transfer failure */
#define NOTARY_HTTP_ERR_TOO_BIG		 -7	/* response larger than max_response */
#define NOTARY_HTTP_ERR_NOT_FOUND	 -8	/* 404: no such metadata or repository */
#define NOTARY_HTTP_ERR_AUTH		 -9	/* 401/403 with every credential tried */
#define NOTARY_HTTP_ERR_REJECTED	-10	/* 400: the server refused the request */
#define NOTARY_HTTP_ERR_SERVER		-11	/* 5xx */
#define NOTARY_HTTP_ERR_STATUS		-12	/* any other unexpected status */
#define NOTARY_HTTP_ERR_TOKEN		-13	/* the token realm failed or sent no token */

struct notary_http_opts {
	const char	*server;	/* "https://host[:port]" (http:// allowed) */
	const char	*ca_file;	/* PEM CA bundle; NULL: the system store */
	long		 connect_timeout_ms; /* 0: 10 s */
	long		 timeout_ms;	/* whole request; 0: 120 s */
	size_t		 max_response;	/* body cap; 0: 64 MiB */
	const char	*token;		/* static bearer token, or NULL */
	const char	*username;	/* basic credentials (server or realm), or NULL */
	const char	*password;
};

struct notary_http_error {
	long	status;		/* HTTP status, 0 if none was received */
	char	code[48];	/* server's code: INVALID_UPDATE, VERSION, ... */
	char	reason[48];	/* detail.Name: ErrBadTargets, ErrBadRoot, ... */
	char	role[128];	/* the role concerned, when the server says */
	char	message[512];	/* one printable line */
};

/* One uploaded file: the role's name and its exact bytes. */
struct notary_http_file {
	const char	*role;
	const uint8_t	*data;
	size_t		 len;
};

struct notary_http_stats {
	unsigned long	requests;	/* HTTP requests made, token requests included */
	unsigned long	connects;	/* new connections opened */
	unsigned long	tokens;		/* tokens fetched from an auth realm */
};

struct notary_http;

/*
 * Makes a handle. The options' strings are copied (credentials are wiped on
 * free). NOTARY_HTTP_ERR_INVAL for a server URL that is not http(s)://host,
 * or for credentials over plain http to anything but loopback.
 */
int notary_http_new(const struct notary_http_opts *o, struct notary_http **out);
/* Frees h (NULL allowed) and closes its connections. */
void notary_http_free(struct notary_http *h);

/*
 * GET <role>.json (version 0) or <version>.<role>.json. On success *body
 * (free with free()) holds exactly the bytes served. NOT_FOUND when the
 * server has no such file.
 */
int notary_http_get_meta(struct notary_http *h, const char *gun,
    const char *role, int64_t version, uint8_t **body, size_t *len);
/* GET <role>.<sha256hex>.json: a file by the hash a snapshot names. */
int notary_http_get_meta_by_hash(struct notary_http *h, const char *gun,
    const char *role, const char *sha256hex, uint8_t **body, size_t *len);
/* GET <role>.key (timestamp, snapshot): the server's public key as JSON. */
int notary_http_get_key(struct notary_http *h, const char *gun,
    const char *role, uint8_t **body, size_t *len);
/* POST <role>.key: the server makes a new key for role and returns it. */
int notary_http_rotate_key(struct notary_http *h, const char *gun,
    const char *role, uint8_t **body, size_t *len);

/*
 * POST the files as one multipart upload, atomically on the server's side.
 * Each part carries exactly files[i].data. REJECTED with the decoded reason
 * when the server refuses the update.
 */
int notary_http_publish(struct notary_http *h, const char *gun,
    const struct notary_http_file *files, size_t nfiles);
/* DELETE every file of gun on the server. */
int notary_http_delete(struct notary_http *h, const char *gun);
/* GET /v2/: reachability and credentials. */
int notary_http_ping(struct notary_http *h);

/* The last failure's details; cleared at the start of every request. */
const struct notary_http_error *notary_http_last_error(const struct notary_http *h);
void notary_http_stats_get(const struct notary_http *h,
    struct notary_http_stats *st);
const char *notary_http_strerror(int code);

#endif /* SIGNERD_NOTARY_HTTP_H */
