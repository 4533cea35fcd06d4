/* SPDX-License-Identifier: Apache-2.0 */
/* The Notary server's HTTP API: requests, the auth dance, multipart uploads. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/rand.h>

#include "notary_http_impl.h"

static char *
xstrdup(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

void
notary_http_secret_free(char *s)
{
	if (s != NULL) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

static int
is_loopback_url(const char *url)
{
	static const char *const lo[] = {
		"http://127.0.0.1", "http://localhost", "http://[::1]",
	};
	size_t i, n;

	for (i = 0; i < sizeof(lo) / sizeof(lo[0]); i++) {
		n = strlen(lo[i]);
		if (strncmp(url, lo[i], n) == 0 &&
		    (url[n] == '\0' || url[n] == ':' || url[n] == '/'))
			return 1;
	}
	return 0;
}

int
notary_http_new(const struct notary_http_opts *o, struct notary_http **out)
{
	struct notary_http *h = NULL;
	struct nh_url u;
	size_t n, i;
	int r = NOTARY_HTTP_ERR_NOMEM;

	*out = NULL;
	if (o == NULL || o->server == NULL)
		return NOTARY_HTTP_ERR_INVAL;
	if (strncmp(o->server, "https://", 8) != 0 &&
	    strncmp(o->server, "http://", 7) != 0)
		return NOTARY_HTTP_ERR_INVAL;
	/* Credentials never travel in clear beyond this machine. */
	if ((o->token != NULL || o->username != NULL) &&
	    strncmp(o->server, "http://", 7) == 0 &&
	    !is_loopback_url(o->server))
		return NOTARY_HTTP_ERR_INVAL;
	if (o->username == NULL && o->password != NULL)
		return NOTARY_HTTP_ERR_INVAL;
	if ((h = calloc(1, sizeof(*h))) == NULL)
		return NOTARY_HTTP_ERR_NOMEM;
	for (i = 0; i < NH_CONNS; i++)
		h->conns[i].fd = -1;
	if ((h->server = xstrdup(o->server)) == NULL ||
	    (o->ca_file && (h->ca_file = xstrdup(o->ca_file)) == NULL) ||
	    (o->token && (h->token = xstrdup(o->token)) == NULL) ||
	    (o->username && (h->username = xstrdup(o->username)) == NULL) ||
	    (o->password && (h->password = xstrdup(o->password)) == NULL))
		goto out;
	n = strlen(h->server);
	while (n > 0 && h->server[n - 1] == '/')
		h->server[--n] = '\0';
	if (notary_http_url_parse(h->server, &u) != 0 ||
	    strchr(u.path, '?') != NULL) {
		r = NOTARY_HTTP_ERR_INVAL;
		goto out;
	}
	h->connect_timeout_ms = o->connect_timeout_ms > 0 ?
	    o->connect_timeout_ms : NH_CONNECT_TIMEOUT_MS;
	h->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : NH_TIMEOUT_MS;
	h->max_response = o->max_response > 0 ? o->max_response :
	    NH_MAX_RESPONSE;

	*out = h;
	h = NULL;	/* transferred */
	r = 0;
out:
	notary_http_free(h);
	return r;
}

void
notary_http_free(struct notary_http *h)
{
	if (h == NULL)
		return;
	notary_http_conns_close(h);
	free(h->server);
	free(h->ca_file);
	notary_http_secret_free(h->token);
	notary_http_secret_free(h->username);
	notary_http_secret_free(h->password);
	explicit_bzero(h, sizeof(*h));
	free(h);
}

enum nh_method { NH_GET, NH_POST, NH_DELETE };

static const char *const method_names[] = { "GET", "POST", "DELETE" };

/* The Authorization value for the next try: bearer, basic, or none. */
static int
auth_value(const struct notary_http *h, int basic, char **out)
{
	size_t n;

	*out = NULL;
	if (h->token != NULL) {
		n = strlen(h->token) + sizeof("Bearer ");
		if ((*out = malloc(n)) == NULL)
			return NOTARY_HTTP_ERR_NOMEM;
		snprintf(*out, n, "Bearer %s", h->token);
	} else if (basic && h->username != NULL) {
		if ((*out = notary_http_basic_value(h->username,
		    h->password ? h->password : "")) == NULL)
			return NOTARY_HTTP_ERR_NOMEM;
	}
	return 0;
}

static int
status_map(struct notary_http *h, long status, const struct nh_body *b)
{
	if (status >= 200 && status < 300)
		return 0;
	notary_http_error_decode(status, b->data, b->len, &h->err);
	if (status == 404)
		return NOTARY_HTTP_ERR_NOT_FOUND;
	if (status == 401 || status == 403)
		return NOTARY_HTTP_ERR_AUTH;
	if (status == 400)
		return NOTARY_HTTP_ERR_REJECTED;
	if (status >= 500 && status < 600)
		return NOTARY_HTTP_ERR_SERVER;
	return NOTARY_HTTP_ERR_STATUS;
}

/*
 * One API request with the auth dance: a 401 with a Bearer challenge gets
 * a token from the realm, a 401 with a Basic challenge gets the basic
 * credentials, and the request is tried once more.
 */
static int
request(struct notary_http *h, enum nh_method m, const char *url,
    const char *ctype, const struct nh_piece *body, size_t nbody,
    uint8_t **out, size_t *outlen)
{
	struct nh_request rq;
	struct nh_body b;
	struct notary_http_challenge c;
	char *auth = NULL;
	long status = 0;
	int r, attempt, basic = h->basic;

	memset(&b, 0, sizeof(b));
	memset(&h->err, 0, sizeof(h->err));
	for (attempt = 0; attempt < 2; attempt++) {
		notary_http_body_free(&b);
		b.max = h->max_response;
		notary_http_secret_free(auth);
		if ((r = auth_value(h, basic, &auth)) != 0)
			goto out;
		memset(&rq, 0, sizeof(rq));
		rq.method = method_names[m];
		rq.url = url;
		rq.auth = auth;
		rq.content_type = ctype;
		rq.body = body;
		rq.nbody = nbody;
		if ((r = notary_http_perform(h, &rq, &b, &status)) != 0)
			goto out;
		if (status != 401 || attempt > 0)
			break;
		if (basic)
			break;	/* the credentials themselves were refused */
		if (notary_http_challenge_parse(h->challenge,
		    strlen(h->challenge), &c) == 0) {
			notary_http_secret_free(h->token);
			h->token = NULL;
			if ((r = notary_http_token_fetch(h, &c)) != 0)
				goto out;
		} else if (strncasecmp(h->challenge, "Basic", 5) == 0 &&
		    h->username != NULL && h->token == NULL) {
			basic = 1;
		} else {
			break;
		}
	}
	if (basic && status != 401)
		h->basic = 1;
	if ((r = status_map(h, status, &b)) != 0)
		goto out;
	if (out != NULL) {
		if (b.data == NULL && (b.data = calloc(1, 1)) == NULL) {
			r = NOTARY_HTTP_ERR_NOMEM;
			goto out;
		}
		*out = b.data;
		*outlen = b.len;
		b.data = NULL;	/* transferred */
	}
	r = 0;
out:
	if (r != 0 && h->err.message[0] == '\0')
		snprintf(h->err.message, sizeof(h->err.message), "%s",
		    notary_http_strerror(r));
	notary_http_secret_free(auth);
	notary_http_body_free(&b);
	return r;
}

/* server + "/v2/" + gun + "/_trust/tuf/" + leaf, or NULL. */
static char *
tuf_url(const struct notary_http *h, const char *gun, const char *leaf)
{
	size_t n = strlen(h->server) + strlen(gun) + strlen(leaf) + 32;
	char *u;

	if ((u = malloc(n)) == NULL)
		return NULL;
	if (snprintf(u, n, "%s/v2/%s/_trust/tuf/%s", h->server, gun, leaf) >=
	    (int)n) {
		free(u);
		return NULL;
	}
	return u;
}

static int
get_leaf(struct notary_http *h, enum nh_method m, const char *gun,
    const char *leaf, uint8_t **body, size_t *len)
{
	char *url;
	int r;

	if ((url = tuf_url(h, gun, leaf)) == NULL)
		return NOTARY_HTTP_ERR_NOMEM;
	r = request(h, m, url, NULL, NULL, 0, body, len);
	free(url);
	return r;
}

static int
names_check(struct notary_http *h, const char *gun, const char *role)
{
	memset(&h->err, 0, sizeof(h->err));
	if (notary_http_gun_check(gun) != 0) {
		snprintf(h->err.message, sizeof(h->err.message),
		    "invalid GUN (allowed: letters, digits, . _ - : / and no '..')");
		return NOTARY_HTTP_ERR_INVAL;
	}
	if (role != NULL && notary_http_role_check(role) != 0) {
		snprintf(h->err.message, sizeof(h->err.message),
		    "invalid role name (root, targets, snapshot, timestamp "
		    "or targets/NAME)");
		return NOTARY_HTTP_ERR_INVAL;
	}
	return 0;
}

int
notary_http_get_meta(struct notary_http *h, const char *gun,
    const char *role, int64_t version, uint8_t **body, size_t *len)
{
	char leaf[NH_MAX_NAME + 32];
	int r, n;

	*body = NULL;
	*len = 0;
	if ((r = names_check(h, gun, role)) != 0)
		return r;
	if (version < 0)
		return NOTARY_HTTP_ERR_INVAL;
	if (version == 0)
		n = snprintf(leaf, sizeof(leaf), "%s.json", role);
	else
		n = snprintf(leaf, sizeof(leaf), "%lld.%s.json",
		    (long long)version, role);
	if (n < 0 || n >= (int)sizeof(leaf))
		return NOTARY_HTTP_ERR_INVAL;
	return get_leaf(h, NH_GET, gun, leaf, body, len);
}

int
notary_http_get_meta_by_hash(struct notary_http *h, const char *gun,
    const char *role, const char *sha256hex, uint8_t **body, size_t *len)
{
	char leaf[NH_MAX_NAME + 80];
	size_t i;
	int r, n;

	*body = NULL;
	*len = 0;
	if ((r = names_check(h, gun, role)) != 0)
		return r;
	if (sha256hex == NULL || strlen(sha256hex) != 64)
		return NOTARY_HTTP_ERR_INVAL;
	for (i = 0; i < 64; i++)
		if (strchr("0123456789abcdef", sha256hex[i]) == NULL)
			return NOTARY_HTTP_ERR_INVAL;
	n = snprintf(leaf, sizeof(leaf), "%s.%s.json", role, sha256hex);
	if (n < 0 || n >= (int)sizeof(leaf))
		return NOTARY_HTTP_ERR_INVAL;
	return get_leaf(h, NH_GET, gun, leaf, body, len);
}

static int
key_call(struct notary_http *h, enum nh_method m, const char *gun,
    const char *role, uint8_t **body, size_t *len)
{
	char leaf[NH_MAX_NAME + 8];
	int r, n;

	*body = NULL;
	*len = 0;
	if ((r = names_check(h, gun, role)) != 0)
		return r;
	n = snprintf(leaf, sizeof(leaf), "%s.key", role);
	if (n < 0 || n >= (int)sizeof(leaf))
		return NOTARY_HTTP_ERR_INVAL;
	return get_leaf(h, m, gun, leaf, body, len);
}

int
notary_http_get_key(struct notary_http *h, const char *gun, const char *role,
    uint8_t **body, size_t *len)
{
	return key_call(h, NH_GET, gun, role, body, len);
}

int
notary_http_rotate_key(struct notary_http *h, const char *gun,
    const char *role, uint8_t **body, size_t *len)
{
	return key_call(h, NH_POST, gun, role, body, len);
}

/*
 * multipart/form-data as the Notary client sends it: one part per file,
 * named "files", the role as file name. The boundary is random, so no
 * file's bytes can end a part early.
 */
int
notary_http_publish(struct notary_http *h, const char *gun,
    const struct notary_http_file *files, size_t nfiles)
{
	struct nh_piece *pc = NULL;
	char boundary[64], ctype[128], *heads = NULL, *url = NULL;
	unsigned char rnd[16];
	size_t i, hcap, hoff = 0, np = 0;
	int r, k;

	if ((r = names_check(h, gun, NULL)) != 0)
		return r;
	if (files == NULL || nfiles == 0 || nfiles > 4096)
		return NOTARY_HTTP_ERR_INVAL;
	for (i = 0; i < nfiles; i++)
		if ((r = names_check(h, gun, files[i].role)) != 0)
			return r;
	if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
		snprintf(h->err.message, sizeof(h->err.message),
		    "no random bytes for the multipart boundary");
		return NOTARY_HTTP_ERR_TRANSPORT;
	}
	k = snprintf(boundary, sizeof(boundary), "------------------------");
	for (i = 0; i < sizeof(rnd); i++)
		k += snprintf(boundary + k, sizeof(boundary) - (size_t)k,
		    "%02x", rnd[i]);
	snprintf(ctype, sizeof(ctype), "multipart/form-data; boundary=%s",
	    boundary);
	r = NOTARY_HTTP_ERR_NOMEM;
	/* Per file: part head, data, CRLF; then the closing line. */
	hcap = nfiles * (sizeof(boundary) + NH_MAX_NAME + 160) +
	    sizeof(boundary) + 8;
	if ((heads = malloc(hcap)) == NULL ||
	    (pc = calloc(nfiles * 3 + 1, sizeof(*pc))) == NULL)
		goto out;
	for (i = 0; i < nfiles; i++) {
		/* The server takes the role from the file name. */
		k = snprintf(heads + hoff, hcap - hoff, "%s--%s\r\n"
		    "Content-Disposition: form-data; name=\"files\"; "
		    "filename=\"%s\"\r\n"
		    "Content-Type: application/octet-stream\r\n\r\n",
		    i > 0 ? "\r\n" : "", boundary, files[i].role);
		if (k < 0 || (size_t)k >= hcap - hoff)
			goto out;
		pc[np].p = heads + hoff;
		pc[np++].n = (size_t)k;
		hoff += (size_t)k;
		pc[np].p = files[i].data;
		pc[np++].n = files[i].len;
	}
	k = snprintf(heads + hoff, hcap - hoff, "\r\n--%s--\r\n", boundary);
	if (k < 0 || (size_t)k >= hcap - hoff)
		goto out;
	pc[np].p = heads + hoff;
	pc[np++].n = (size_t)k;
	if ((url = tuf_url(h, gun, "")) == NULL)
		goto out;
	r = request(h, NH_POST, url, ctype, pc, np, NULL, NULL);
out:
	free(pc);
	free(heads);
	free(url);
	return r;
}

int
notary_http_delete(struct notary_http *h, const char *gun)
{
	char *url;
	int r;

	if ((r = names_check(h, gun, NULL)) != 0)
		return r;
	if ((url = tuf_url(h, gun, "")) == NULL)
		return NOTARY_HTTP_ERR_NOMEM;
	r = request(h, NH_DELETE, url, NULL, NULL, 0, NULL, NULL);
	free(url);
	return r;
}

int
notary_http_ping(struct notary_http *h)
{
	size_t n = strlen(h->server) + 8;
	char *url;
	int r;

	if ((url = malloc(n)) == NULL)
		return NOTARY_HTTP_ERR_NOMEM;
	snprintf(url, n, "%s/v2/", h->server);
	r = request(h, NH_GET, url, NULL, NULL, 0, NULL, NULL);
	free(url);
	return r;
}

const struct notary_http_error *
notary_http_last_error(const struct notary_http *h)
{
	return &h->err;
}

void
notary_http_stats_get(const struct notary_http *h,
    struct notary_http_stats *st)
{
	*st = h->stats;
}

const char *
notary_http_strerror(int code)
{
	switch (code) {
	case NOTARY_HTTP_OK:
		return "success";
	case NOTARY_HTTP_ERR_NOMEM:
		return "out of memory";
	case NOTARY_HTTP_ERR_INVAL:
		return "invalid argument";
	case NOTARY_HTTP_ERR_CONNECT:
		return "cannot connect to the server";
	case NOTARY_HTTP_ERR_TLS:
		return "TLS failure (certificate or handshake)";
	case NOTARY_HTTP_ERR_TIMEOUT:
		return "timed out";
	case NOTARY_HTTP_ERR_TRANSPORT:
		return "transfer failed";
	case NOTARY_HTTP_ERR_TOO_BIG:
		return "response too large";
	case NOTARY_HTTP_ERR_NOT_FOUND:
		return "not found on the server";
	case NOTARY_HTTP_ERR_AUTH:
		return "not authorised by the server";
	case NOTARY_HTTP_ERR_REJECTED:
		return "refused by the server";
	case NOTARY_HTTP_ERR_SERVER:
		return "server error";
	case NOTARY_HTTP_ERR_STATUS:
		return "unexpected HTTP status";
	case NOTARY_HTTP_ERR_TOKEN:
		return "cannot get a token from the auth realm";
	default:
		return "unknown error";
	}
}
