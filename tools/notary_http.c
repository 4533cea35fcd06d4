/* SPDX-License-Identifier: Apache-2.0 */
/* The Notary server's HTTP API over one reused libcurl easy handle. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "notary_http_impl.h"

static char *
xstrdup(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

static void
secret_free(char *s)
{
	if (s != NULL) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

void
notary_http_body_free(struct nh_body *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
	b->too_big = 0;
}

static size_t
body_write(char *p, size_t size, size_t nmemb, void *ud)
{
	struct nh_body *b = ud;
	size_t n = size * nmemb, ncap;
	uint8_t *nd;

	if (n > b->max - b->len) {
		b->too_big = 1;
		return 0;	/* curl stops with CURLE_WRITE_ERROR */
	}
	if (b->cap - b->len < n + 1) {
		ncap = b->cap ? b->cap : 16384;
		while (ncap - b->len < n + 1)
			ncap *= 2;
		if (ncap > b->max + 1)
			ncap = b->max + 1;
		if ((nd = realloc(b->data, ncap)) == NULL)
			return 0;
		b->data = nd;
		b->cap = ncap;
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return n;
}

/*
 * Keeps the first WWW-Authenticate of the final response. A new status line
 * (after a 100 Continue, say) starts a new header block.
 */
static size_t
header_write(char *p, size_t size, size_t nmemb, void *ud)
{
	struct notary_http *h = ud;
	size_t n = size * nmemb, k;
	static const char name[] = "WWW-Authenticate:";

	if (n >= 5 && memcmp(p, "HTTP/", 5) == 0) {
		h->challenge[0] = '\0';
		return n;
	}
	if (h->challenge[0] != '\0' || n < sizeof(name) - 1 ||
	    strncasecmp(p, name, sizeof(name) - 1) != 0)
		return n;
	p += sizeof(name) - 1;
	k = n - (sizeof(name) - 1);
	while (k > 0 && (*p == ' ' || *p == '\t')) {
		p++;
		k--;
	}
	while (k > 0 && (p[k - 1] == '\r' || p[k - 1] == '\n' ||
	    p[k - 1] == ' '))
		k--;
	if (k < sizeof(h->challenge)) {
		memcpy(h->challenge, p, k);
		h->challenge[k] = '\0';
	}
	return n;
}

static int
map_curl(struct notary_http *h, CURLcode cc, const struct nh_body *b)
{
	const char *what = h->curlerr[0] ? h->curlerr : curl_easy_strerror(cc);

	notary_http_printable(h->err.message, sizeof(h->err.message), what,
	    strlen(what));
	if (b != NULL && b->too_big) {
		snprintf(h->err.message, sizeof(h->err.message),
		    "response larger than %zu bytes", b->max);
		return NOTARY_HTTP_ERR_TOO_BIG;
	}
	switch (cc) {
	case CURLE_OUT_OF_MEMORY:
		return NOTARY_HTTP_ERR_NOMEM;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_CONNECT:
		return NOTARY_HTTP_ERR_CONNECT;
	case CURLE_OPERATION_TIMEDOUT:
		return NOTARY_HTTP_ERR_TIMEOUT;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_CRL_BADFILE:
		return NOTARY_HTTP_ERR_TLS;
	default:
		return NOTARY_HTTP_ERR_TRANSPORT;
	}
}

int
notary_http_perform(struct notary_http *h, const char *url,
    struct curl_slist *hdrs, struct nh_body *body, long *status)
{
	CURLcode cc;
	long nconn = 0;

	*status = 0;
	h->curlerr[0] = '\0';
	h->challenge[0] = '\0';
	curl_easy_setopt(h->curl, CURLOPT_URL, url);
	curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, body);
	cc = curl_easy_perform(h->curl);
	h->stats.requests++;
	if (curl_easy_getinfo(h->curl, CURLINFO_NUM_CONNECTS, &nconn) ==
	    CURLE_OK && nconn > 0)
		h->stats.connects += (unsigned long)nconn;
	if (cc != CURLE_OK)
		return map_curl(h, cc, body);
	curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, status);
	h->err.status = *status;
	return 0;
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
	size_t n;
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
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return NOTARY_HTTP_ERR_NOMEM;
	if ((h = calloc(1, sizeof(*h))) == NULL) {
		curl_global_cleanup();
		return NOTARY_HTTP_ERR_NOMEM;
	}
	if ((h->server = xstrdup(o->server)) == NULL ||
	    (o->ca_file && (h->ca_file = xstrdup(o->ca_file)) == NULL) ||
	    (o->token && (h->token = xstrdup(o->token)) == NULL) ||
	    (o->username && (h->username = xstrdup(o->username)) == NULL) ||
	    (o->password && (h->password = xstrdup(o->password)) == NULL) ||
	    (h->curl = curl_easy_init()) == NULL)
		goto out;
	n = strlen(h->server);
	while (n > 0 && h->server[n - 1] == '/')
		h->server[--n] = '\0';
	h->connect_timeout_ms = o->connect_timeout_ms > 0 ?
	    o->connect_timeout_ms : NH_CONNECT_TIMEOUT_MS;
	h->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : NH_TIMEOUT_MS;
	h->max_response = o->max_response > 0 ? o->max_response :
	    NH_MAX_RESPONSE;

	curl_easy_setopt(h->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h->curl, CURLOPT_NOPROGRESS, 1L);
	curl_easy_setopt(h->curl, CURLOPT_PROTOCOLS_STR, "https,http");
	curl_easy_setopt(h->curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h->curl, CURLOPT_CONNECTTIMEOUT_MS,
	    h->connect_timeout_ms);
	curl_easy_setopt(h->curl, CURLOPT_TIMEOUT_MS, h->timeout_ms);
	curl_easy_setopt(h->curl, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h->curl, CURLOPT_SSL_VERIFYHOST, 2L);
	if (h->ca_file != NULL)
		curl_easy_setopt(h->curl, CURLOPT_CAINFO, h->ca_file);
	curl_easy_setopt(h->curl, CURLOPT_ERRORBUFFER, h->curlerr);
	curl_easy_setopt(h->curl, CURLOPT_USERAGENT, "trustctl/0.1");
	curl_easy_setopt(h->curl, CURLOPT_WRITEFUNCTION, body_write);
	curl_easy_setopt(h->curl, CURLOPT_HEADERFUNCTION, header_write);
	curl_easy_setopt(h->curl, CURLOPT_HEADERDATA, h);
	curl_easy_setopt(h->curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
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
	if (h->curl != NULL)
		curl_easy_cleanup(h->curl);
	free(h->server);
	free(h->ca_file);
	secret_free(h->token);
	secret_free(h->username);
	secret_free(h->password);
	explicit_bzero(h, sizeof(*h));
	free(h);
	curl_global_cleanup();
}

enum nh_method { NH_GET, NH_POST_EMPTY, NH_POST_MIME, NH_DELETE };

static void
method_set(struct notary_http *h, enum nh_method m, curl_mime *mime)
{
	switch (m) {
	case NH_GET:
	case NH_DELETE:
		curl_easy_setopt(h->curl, CURLOPT_HTTPGET, 1L);
		curl_easy_setopt(h->curl, CURLOPT_CUSTOMREQUEST,
		    m == NH_DELETE ? "DELETE" : NULL);
		break;
	case NH_POST_EMPTY:
		curl_easy_setopt(h->curl, CURLOPT_CUSTOMREQUEST, NULL);
		curl_easy_setopt(h->curl, CURLOPT_POSTFIELDSIZE, 0L);
		curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, "");
		break;
	case NH_POST_MIME:
		curl_easy_setopt(h->curl, CURLOPT_CUSTOMREQUEST, NULL);
		curl_easy_setopt(h->curl, CURLOPT_MIMEPOST, mime);
		break;
	}
}

/* Authorization for the next try: bearer token, basic, or nothing. */
static int
auth_headers(struct notary_http *h, int basic, struct curl_slist **hdrs)
{
	struct curl_slist *l = NULL, *t;
	char *line = NULL;
	size_t n;

	*hdrs = NULL;
	/* Large uploads must not wait for a 100 Continue. */
	if ((l = curl_slist_append(NULL, "Expect:")) == NULL)
		return NOTARY_HTTP_ERR_NOMEM;
	curl_easy_setopt(h->curl, CURLOPT_USERNAME, NULL);
	curl_easy_setopt(h->curl, CURLOPT_PASSWORD, NULL);
	if (h->token != NULL) {
		n = strlen(h->token) + sizeof("Authorization: Bearer ");
		if ((line = malloc(n)) == NULL)
			goto nomem;
		snprintf(line, n, "Authorization: Bearer %s", h->token);
		t = curl_slist_append(l, line);
		explicit_bzero(line, n);
		free(line);
		if (t == NULL)
			goto nomem;
		l = t;
	} else if (basic && h->username != NULL) {
		curl_easy_setopt(h->curl, CURLOPT_USERNAME, h->username);
		curl_easy_setopt(h->curl, CURLOPT_PASSWORD,
		    h->password ? h->password : "");
	}
	*hdrs = l;
	return 0;
nomem:
	curl_slist_free_all(l);
	return NOTARY_HTTP_ERR_NOMEM;
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
    curl_mime *mime, uint8_t **out, size_t *outlen)
{
	struct nh_body b;
	struct curl_slist *hdrs = NULL;
	struct notary_http_challenge c;
	long status = 0;
	int r, attempt, basic = h->basic;

	memset(&b, 0, sizeof(b));
	memset(&h->err, 0, sizeof(h->err));
	for (attempt = 0; attempt < 2; attempt++) {
		notary_http_body_free(&b);
		b.max = h->max_response;
		curl_slist_free_all(hdrs);
		if ((r = auth_headers(h, basic, &hdrs)) != 0)
			goto out;
		method_set(h, m, mime);
		if ((r = notary_http_perform(h, url, hdrs, &b, &status)) != 0)
			goto out;
		if (status != 401 || attempt > 0)
			break;
		if (basic)
			break;	/* the credentials themselves were refused */
		if (notary_http_challenge_parse(h->challenge,
		    strlen(h->challenge), &c) == 0) {
			secret_free(h->token);
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
	curl_slist_free_all(hdrs);
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
	r = request(h, m, url, NULL, body, len);
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
	return key_call(h, NH_POST_EMPTY, gun, role, body, len);
}

int
notary_http_publish(struct notary_http *h, const char *gun,
    const struct notary_http_file *files, size_t nfiles)
{
	curl_mime *mime = NULL;
	curl_mimepart *part;
	char *url = NULL;
	size_t i;
	int r;

	if ((r = names_check(h, gun, NULL)) != 0)
		return r;
	if (files == NULL || nfiles == 0)
		return NOTARY_HTTP_ERR_INVAL;
	for (i = 0; i < nfiles; i++)
		if ((r = names_check(h, gun, files[i].role)) != 0)
			return r;
	r = NOTARY_HTTP_ERR_NOMEM;
	if ((mime = curl_mime_init(h->curl)) == NULL)
		goto out;
	for (i = 0; i < nfiles; i++) {
		/* The server takes the role from the file name. */
		if ((part = curl_mime_addpart(mime)) == NULL ||
		    curl_mime_name(part, "files") != CURLE_OK ||
		    curl_mime_filename(part, files[i].role) != CURLE_OK ||
		    curl_mime_type(part, "application/octet-stream") !=
		    CURLE_OK ||
		    curl_mime_data(part, (const char *)files[i].data,
		    files[i].len) != CURLE_OK)
			goto out;
	}
	if ((url = tuf_url(h, gun, "")) == NULL)
		goto out;
	r = request(h, NH_POST_MIME, url, mime, NULL, NULL);
out:
	/* The handle must not keep a pointer to the freed form. */
	curl_easy_setopt(h->curl, CURLOPT_MIMEPOST, NULL);
	curl_mime_free(mime);
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
	r = request(h, NH_DELETE, url, NULL, NULL, NULL);
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
	r = request(h, NH_GET, url, NULL, NULL, NULL);
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
