/* SPDX-License-Identifier: Apache-2.0 */
/* Private to notary_http: the handle, and the parsers the unit tests reach. */
#ifndef SIGNERD_NOTARY_HTTP_IMPL_H
#define SIGNERD_NOTARY_HTTP_IMPL_H

#include <curl/curl.h>

#include "notary_http.h"

#define NH_CONNECT_TIMEOUT_MS	10000L
#define NH_TIMEOUT_MS		120000L
#define NH_MAX_RESPONSE		((size_t)64 << 20)
#define NH_MAX_ERROR_BODY	((size_t)64 << 10)	/* decoded at most */
#define NH_MAX_TOKEN_BODY	((size_t)1 << 20)
#define NH_MAX_NAME		255

/* A response body with a cap; data is NUL-terminated for parsers. */
struct nh_body {
	uint8_t	*data;
	size_t	 len;
	size_t	 cap;
	size_t	 max;
	int	 too_big;
};

struct notary_http {
	CURL			*curl;
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
	char			 curlerr[CURL_ERROR_SIZE];
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

/* From notary_http.c: one transfer with h's TLS and timeout settings. */
int notary_http_perform(struct notary_http *h, const char *url,
    struct curl_slist *hdrs, struct nh_body *body, long *status);
void notary_http_body_free(struct nh_body *b);

#endif /* SIGNERD_NOTARY_HTTP_IMPL_H */
