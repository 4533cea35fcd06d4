/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Checks every metadata file the real notary programs made (make-vectors.sh):
 * byte-for-byte canonical round trip, key IDs, every signature, the root
 * chain, the timestamp -> snapshot -> targets hash chain, and that a fresh
 * client's target list equals what `notary list` printed.
 *
 * The checks here are written with json/ and OpenSSL directly, an oracle
 * independent of tuf/; where tuf/ is linked (TUF_VECTORS_WITH_TUF) the same
 * files also go through tuf/ (test_tuf_vectors_tuf.c).
 *
 *   test_tuf_vectors VECTOR_DIR
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include "json.h"
#include "vectors.h"

#define MAX_FILE	(16u << 20)

static int failures;
static size_t n_files, n_keys, n_sigs, n_targets;

void
vec_fail(const char *gun, const char *file, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "FAIL %s/%s: ", gun, file);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	failures++;
}

int
vec_read_file(const char *path, uint8_t **out, size_t *outlen)
{
	FILE *f;
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0, n;

	*out = NULL;
	*outlen = 0;
	if ((f = fopen(path, "rb")) == NULL)
		return -1;
	for (;;) {
		if (cap - len < 65536) {
			uint8_t *nb;

			if (cap > MAX_FILE ||
			    (nb = realloc(buf, cap + 65536 + 1)) == NULL) {
				free(buf);
				fclose(f);
				return -1;
			}
			buf = nb;
			cap += 65536;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	buf[len] = '\0';
	*out = buf;
	*outlen = len;
	return 0;
}

/* Standard base64 with padding, as notary writes it. */
static int
b64_decode(const char *s, size_t n, uint8_t **out, size_t *outlen)
{
	uint8_t *buf;
	int r;
	size_t pad = 0;

	*out = NULL;
	*outlen = 0;
	if (n % 4 != 0 || n > INT32_MAX)
		return -1;
	if ((buf = malloc(n / 4 * 3 + 1)) == NULL)
		return -1;
	if ((r = EVP_DecodeBlock(buf, (const unsigned char *)s, (int)n)) < 0) {
		free(buf);
		return -1;
	}
	if (n > 0 && s[n - 1] == '=')
		pad++;
	if (n > 1 && s[n - 2] == '=')
		pad++;
	*out = buf;
	*outlen = (size_t)r - pad;
	return 0;
}

static void
hex_encode(const uint8_t *p, size_t n, char *out)
{
	static const char hx[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hx[p[i] >> 4];
		out[2 * i + 1] = hx[p[i] & 15];
	}
	out[2 * n] = '\0';
}

static const char *
str_of(const struct json_value *obj, const char *key)
{
	return json_value_str(json_object_get(obj, key), NULL);
}

/* --- Keys --------------------------------------------------------------- */

struct vkey {
	char		 id[65];
	char		 type[16];
	EVP_PKEY	*pkey;
};

static struct vkey *keys;
static size_t nkeys;

static const struct vkey *
key_find(const char *id)
{
	size_t i;

	for (i = 0; i < nkeys; i++)
		if (strcmp(keys[i].id, id) == 0)
			return &keys[i];
	return NULL;
}

static EVP_PKEY *
pkey_from(const char *type, const uint8_t *pub, size_t publen)
{
	const unsigned char *p = pub;
	EVP_PKEY *pk = NULL;

	if (strcmp(type, "ecdsa") == 0 || strcmp(type, "rsa") == 0) {
		pk = d2i_PUBKEY(NULL, &p, (long)publen);
	} else if (strcmp(type, "ecdsa-x509") == 0 ||
	    strcmp(type, "rsa-x509") == 0) {
		BIO *bio = BIO_new_mem_buf(pub, (int)publen);
		X509 *x = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;

		if (x != NULL)
			pk = X509_get_pubkey(x);
		X509_free(x);
		BIO_free(bio);
	} else if (strcmp(type, "ed25519") == 0 && publen == 32) {
		pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub,
		    publen);
	}
	return pk;
}

/* Every key in a keys object: recompute its ID, remember its public key. */
static void
keys_add(const char *gun, const char *file, const struct json_value *obj)
{
	size_t i, idlen;
	const char *id;
	const struct json_value *k;

	for (i = 0; i < json_value_count(obj); i++) {
		struct json_buf b;
		uint8_t md[32], *pub = NULL;
		size_t publen;
		char hex[65];
		const char *type, *pub64;
		struct vkey *nk;

		k = json_object_at(obj, i, &id, &idlen);
		json_buf_init(&b);
		json_write_canonical(&b, k);
		if (b.err != 0) {
			vec_fail(gun, file, "key %s: canonical write: %s", id,
			    json_strerror(b.err));
			json_buf_cleanup(&b);
			continue;
		}
		SHA256(b.data, b.len, md);
		json_buf_cleanup(&b);
		hex_encode(md, sizeof(md), hex);
		if (strcmp(hex, id) != 0) {
			vec_fail(gun, file, "key ID %s recomputes as %s", id, hex);
			continue;
		}
		n_keys++;
		if (key_find(id) != NULL)
			continue;
		type = str_of(k, "keytype");
		pub64 = str_of(json_object_get(k, "keyval"), "public");
		if (type == NULL || pub64 == NULL ||
		    b64_decode(pub64, strlen(pub64), &pub, &publen) != 0) {
			vec_fail(gun, file, "key %s: bad keytype or keyval", id);
			continue;
		}
		if ((nk = realloc(keys, (nkeys + 1) * sizeof(*keys))) == NULL)
			abort();
		keys = nk;
		nk = &keys[nkeys];
		memset(nk, 0, sizeof(*nk));
		snprintf(nk->id, sizeof(nk->id), "%s", id);
		snprintf(nk->type, sizeof(nk->type), "%s", type);
		nk->pkey = pkey_from(type, pub, publen);
		free(pub);
		if (nk->pkey == NULL) {
			vec_fail(gun, file, "key %s: cannot load %s key", id,
			    type);
			continue;
		}
		nkeys++;
	}
}

/*
 * What notary signs is not the file's `signed` bytes when a string holds
 * < > & U+2028 or U+2029: it signs its canonical form with those raw, and
 * writes the file with them escaped (Go's HTML-safe encoder runs over the
 * envelope). Undo exactly those five escapes; every other escape is copied
 * as a unit so "\\u003c" (an escaped backslash) stays as it is.
 */
static int
signing_form(const uint8_t *in, size_t n, uint8_t **out, size_t *outlen)
{
	static const struct {
		const char *esc;
		const char *raw;
	} undo[] = {
		{ "\\u003c", "<" }, { "\\u003e", ">" }, { "\\u0026", "&" },
		{ "\\u2028", "\xe2\x80\xa8" }, { "\\u2029", "\xe2\x80\xa9" },
	};
	uint8_t *buf;
	size_t i = 0, o = 0, k;

	if ((buf = malloc(n + 1)) == NULL)
		return -1;
	while (i < n) {
		if (in[i] != '\\') {
			buf[o++] = in[i++];
			continue;
		}
		if (i + 1 >= n)
			break;
		if (in[i + 1] != 'u') {
			buf[o++] = in[i++];
			buf[o++] = in[i++];
			continue;
		}
		if (i + 6 > n)
			break;
		for (k = 0; k < sizeof(undo) / sizeof(undo[0]); k++)
			if (memcmp(in + i, undo[k].esc, 6) == 0)
				break;
		if (k < sizeof(undo) / sizeof(undo[0])) {
			memcpy(buf + o, undo[k].raw, strlen(undo[k].raw));
			o += strlen(undo[k].raw);
		} else {
			memcpy(buf + o, in + i, 6);
			o += 6;
		}
		i += 6;
	}
	if (i != n) {
		free(buf);
		return -1;
	}
	*out = buf;
	*outlen = o;
	return 0;
}

/* ECDSA signatures are raw r||s; OpenSSL wants DER. */
static int
sig_verify(const struct vkey *k, const char *method, const uint8_t *sig,
    size_t siglen, const uint8_t *msg, size_t msglen)
{
	EVP_MD_CTX *ctx = NULL;
	ECDSA_SIG *es = NULL;
	unsigned char *der = NULL;
	const uint8_t *s = sig;
	size_t slen = siglen;
	int derlen, ok = 0;
	const EVP_MD *md = NULL;

	if (strcmp(method, "ecdsa") == 0) {
		BIGNUM *r, *ss;

		if (siglen != 64)
			return 0;
		r = BN_bin2bn(sig, 32, NULL);
		ss = BN_bin2bn(sig + 32, 32, NULL);
		if ((es = ECDSA_SIG_new()) == NULL ||
		    ECDSA_SIG_set0(es, r, ss) != 1) {
			BN_free(r);
			BN_free(ss);
			goto out;
		}
		if ((derlen = i2d_ECDSA_SIG(es, &der)) <= 0)
			goto out;
		s = der;
		slen = (size_t)derlen;
		md = EVP_sha256();
	} else if (strcmp(method, "eddsa") != 0) {
		goto out;
	}
	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestVerifyInit(ctx, NULL, md, NULL, k->pkey) != 1)
		goto out;
	ok = EVP_DigestVerify(ctx, s, slen, msg, msglen) == 1;
out:
	EVP_MD_CTX_free(ctx);
	ECDSA_SIG_free(es);
	OPENSSL_free(der);
	return ok;
}

/*
 * How many distinct keys of keyids (a role's list) made a valid signature
 * over file's signed part. Every signature must verify with a known key.
 */
static size_t
sigs_check(const char *gun, struct vfile *f, const struct json_value *keyids)
{
	const struct json_value *sigs, *s;
	size_t i, j, good = 0, siglen;
	uint8_t *sig;

	sigs = json_object_get(json_doc_root(f->doc), "signatures");
	for (i = 0; i < json_value_count(sigs); i++) {
		const char *id, *method, *sig64;
		const struct vkey *k;
		int ok;

		s = json_array_at(sigs, i);
		id = str_of(s, "keyid");
		method = str_of(s, "method");
		sig64 = str_of(s, "sig");
		if (id == NULL || method == NULL || sig64 == NULL) {
			vec_fail(gun, f->name, "signature %zu incomplete", i);
			continue;
		}
		if ((k = key_find(id)) == NULL) {
			vec_fail(gun, f->name, "signature by unknown key %s",
			    id);
			continue;
		}
		if (b64_decode(sig64, strlen(sig64), &sig, &siglen) != 0) {
			vec_fail(gun, f->name, "signature %zu not base64", i);
			continue;
		}
		ok = sig_verify(k, method, sig, siglen, f->sform, f->sformlen);
		free(sig);
		if (!ok) {
			vec_fail(gun, f->name, "signature by %s (%s) invalid",
			    id, method);
			continue;
		}
		if (keyids == NULL) {
			n_sigs++;
			continue;
		}
		for (j = 0; j < json_value_count(keyids); j++) {
			const char *want = json_value_str(
			    json_array_at(keyids, j), NULL);

			if (want != NULL && strcmp(want, id) == 0)
				good++;
		}
	}
	return good;
}

static void
threshold_check(const char *gun, struct vfile *f, const struct json_value *role,
    const char *what)
{
	int64_t t = 0;
	size_t good;

	if (json_value_int(json_object_get(role, "threshold"), &t) != 0 ||
	    t < 1) {
		vec_fail(gun, f->name, "%s: no threshold", what);
		return;
	}
	good = sigs_check(gun, f, json_object_get(role, "keyids"));
	if ((int64_t)good < t)
		vec_fail(gun, f->name, "%s: %zu valid signatures, threshold %lld",
		    what, good, (long long)t);
}

/* --- Round trip ---------------------------------------------------------- */

/* Parse, then rebuild the envelope from the tree: it must be the same bytes. */
static void
file_roundtrip(const char *gun, struct vfile *f)
{
	struct json_error err;
	struct json_buf b;
	const struct json_value *root, *sgn, *sigs;

	memset(&err, 0, sizeof(err));
	if (json_doc_parse(f->buf, f->len, NULL, &f->doc, &err) != 0) {
		vec_fail(gun, f->name, "parse: %s at byte %zu", err.message,
		    err.offset);
		return;
	}
	root = json_doc_root(f->doc);
	sgn = json_object_get(root, "signed");
	sigs = json_object_get(root, "signatures");
	if (json_value_count(root) != 2 || sgn == NULL || sigs == NULL) {
		vec_fail(gun, f->name, "not a signed envelope");
		return;
	}
	json_value_span(sgn, &f->signed_off, &f->signed_len);
	if (signing_form(f->buf + f->signed_off, f->signed_len, &f->sform,
	    &f->sformlen) != 0)
		vec_fail(gun, f->name, "signed part ends inside an escape");
	json_buf_init(&b);
	json_put_raw(&b, "{\"signed\":", 10);
	json_write_canonical(&b, sgn);
	json_put_raw(&b, ",\"signatures\":", 14);
	json_write_canonical(&b, sigs);
	json_put_char(&b, '}');
	if (b.err != 0) {
		vec_fail(gun, f->name, "write: %s", json_strerror(b.err));
	} else if (b.len != f->len || memcmp(b.data, f->buf, b.len) != 0) {
		size_t i = 0;

		while (i < b.len && i < f->len && b.data[i] == f->buf[i])
			i++;
		vec_fail(gun, f->name, "rewrite differs at byte %zu of %zu",
		    i, f->len);
	}
	json_buf_cleanup(&b);
	n_files++;
}

static const struct json_value *
signed_of(const struct vfile *f)
{
	return f && f->doc ?
	    json_object_get(json_doc_root(f->doc), "signed") : NULL;
}

/* --- The repository as a fresh client sees it ---------------------------- */

/* meta entry {hashes:{sha256},length} must describe file's bytes. */
static void
meta_check(const char *gun, const struct vfile *by, const char *role,
    const struct vfile *f)
{
	const struct json_value *m;
	const char *h64;
	uint8_t md[32], *want = NULL;
	size_t wantlen;
	int64_t len = -1;

	m = json_object_get(json_object_get(signed_of(by), "meta"), role);
	h64 = str_of(json_object_get(m, "hashes"), "sha256");
	json_value_int(json_object_get(m, "length"), &len);
	if (f == NULL || h64 == NULL) {
		vec_fail(gun, by->name, "no meta or file for %s", role);
		return;
	}
	SHA256(f->buf, f->len, md);
	if (len != (int64_t)f->len)
		vec_fail(gun, by->name, "%s length %lld, file has %zu", role,
		    (long long)len, f->len);
	if (b64_decode(h64, strlen(h64), &want, &wantlen) != 0 ||
	    wantlen != 32 || memcmp(want, md, 32) != 0)
		vec_fail(gun, by->name, "%s sha256 does not match %s", role,
		    f->name);
	free(want);
}

static void
root_chain_check(struct vrepo *r)
{
	struct vfile *prev = NULL, *f, *cur;
	int64_t v;
	const struct json_value *roles;

	for (v = 1; (f = vrepo_file(r, "root", v)) != NULL; v++) {
		roles = json_object_get(signed_of(f), "roles");
		threshold_check(r->gun, f, json_object_get(roles, "root"),
		    "root signed by its own root keys");
		if (prev != NULL)
			threshold_check(r->gun, f, json_object_get(
			    json_object_get(signed_of(prev), "roles"), "root"),
			    "root signed by the previous root keys");
		prev = f;
	}
	cur = vrepo_file(r, "root", 0);
	if (prev == NULL || cur == NULL || cur->len != prev->len ||
	    memcmp(cur->buf, prev->buf, cur->len) != 0)
		vec_fail(r->gun, "root.json", "not the newest N.root.json");
}

void
vec_list_add(struct vlist *l, const char *name, const char *hex, int64_t len,
    const char *role)
{
	struct vtarget *nt;

	if ((nt = realloc(l->t, (l->n + 1) * sizeof(*l->t))) == NULL)
		abort();
	l->t = nt;
	nt = &l->t[l->n++];
	if ((nt->name = strdup(name)) == NULL)
		abort();
	snprintf(nt->hex, sizeof(nt->hex), "%s", hex);
	nt->len = len;
	snprintf(nt->role, sizeof(nt->role), "%s", role);
}

void
vec_list_free(struct vlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->t[i].name);
	free(l->t);
	l->t = NULL;
	l->n = 0;
}

static int
vlist_has(const struct vlist *l, const char *name)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->t[i].name, name) == 0)
			return 1;
	return 0;
}

static int
path_allowed(const struct json_value *paths, const char *name)
{
	size_t i, n;
	const char *p;

	for (i = 0; i < json_value_count(paths); i++) {
		p = json_value_str(json_array_at(paths, i), &n);
		if (p != NULL && strncmp(name, p, n) == 0)
			return 1;
	}
	return 0;
}

/*
 * The notary client's order (docs/testing.md): breadth first from start, a
 * role's delegations in the order of its roles array; the first role that
 * has a name wins. A delegation's file must be signed by a threshold of the
 * keys its parent lists. Paths restrict each delegation's names.
 */
static void
walk(struct vrepo *r, const char *start, struct vlist *out)
{
	struct {
		const char		*role;
		const struct json_value	*paths;
	} q[64];
	size_t head = 0, tail = 0, i, keylen;
	const char *name;

	q[tail].role = start;
	q[tail++].paths = NULL;
	while (head < tail) {
		const char *role = q[head].role;
		const struct json_value *paths = q[head++].paths;
		struct vfile *f = vrepo_file(r, role, 0);
		const struct json_value *sgn, *tg, *roles, *d;

		if (f == NULL)
			continue;	/* delegated but never published */
		sgn = signed_of(f);
		tg = json_object_get(sgn, "targets");
		for (i = 0; i < json_value_count(tg); i++) {
			const struct json_value *t = json_object_at(tg, i,
			    &name, &keylen);
			const char *h64 = str_of(json_object_get(t, "hashes"),
			    "sha256");
			uint8_t *h = NULL;
			size_t hlen;
			char hex[65];
			int64_t len = -1;

			if (strlen(name) != keylen || vlist_has(out, name))
				continue;
			if (paths != NULL && !path_allowed(paths, name))
				continue;
			if (h64 == NULL ||
			    b64_decode(h64, strlen(h64), &h, &hlen) ||
			    hlen != 32 || json_value_int(json_object_get(t,
			    "length"), &len) != 0) {
				vec_fail(r->gun, f->name, "target %s malformed",
				    name);
				free(h);
				continue;
			}
			hex_encode(h, 32, hex);
			free(h);
			vec_list_add(out, name, hex, len, role);
		}
		roles = json_object_get(json_object_get(sgn, "delegations"),
		    "roles");
		for (i = 0; i < json_value_count(roles); i++) {
			const char *dn;
			struct vfile *df;

			d = json_array_at(roles, i);
			if ((dn = str_of(d, "name")) == NULL)
				continue;
			if ((df = vrepo_file(r, dn, 0)) != NULL)
				threshold_check(r->gun, df, d,
				    "delegation signed by keys of its parent");
			if (tail == sizeof(q) / sizeof(q[0])) {
				vec_fail(r->gun, f->name, "too many delegations");
				return;
			}
			q[tail].role = dn;
			q[tail++].paths = json_object_get(d, "paths");
		}
	}
}

/* `notary list` output: header, dashes, then NAME DIGEST SIZE ROLE. */
int
vec_list_read(const char *path, struct vlist *l)
{
	uint8_t *buf;
	size_t len;
	char *line, *next, *end;
	int lineno = 0;

	if (vec_read_file(path, &buf, &len) != 0)
		return -1;
	for (line = (char *)buf; line != NULL && *line != '\0'; line = next) {
		char *f[4], *p;
		int k;

		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (++lineno <= 2 || *line == '\0')
			continue;
		/* Fields from the right; names may hold single spaces. */
		end = line + strlen(line);
		while (end > line && end[-1] == ' ')
			*--end = '\0';
		for (k = 3; k >= 1; k--) {
			if ((p = strrchr(line, ' ')) == NULL)
				goto bad;
			f[k] = p + 1;
			while (p > line && p[-1] == ' ')
				p--;
			*p = '\0';
		}
		f[0] = line;
		{
			char *e;
			long long sz;

			errno = 0;
			sz = strtoll(f[2], &e, 10);
			if (errno != 0 || *e != '\0' || strlen(f[1]) != 64)
				goto bad;
			vec_list_add(l, f[0], f[1], sz, f[3]);
		}
	}
	free(buf);
	return 0;
bad:
	free(buf);
	return -1;
}

void
vec_lists_compare(const char *gun, const char *file, const struct vlist *want,
    const struct vlist *got)
{
	size_t i, j;

	for (i = 0; i < want->n; i++) {
		const struct vtarget *w = &want->t[i];

		for (j = 0; j < got->n; j++)
			if (strcmp(got->t[j].name, w->name) == 0)
				break;
		if (j == got->n) {
			vec_fail(gun, file, "notary lists %s, we do not",
			    w->name);
			continue;
		}
		if (strcmp(w->hex, got->t[j].hex) != 0 ||
		    w->len != got->t[j].len ||
		    strcmp(w->role, got->t[j].role) != 0)
			vec_fail(gun, file, "%s: notary %s %lld %s, we %s %lld %s",
			    w->name, w->hex, (long long)w->len, w->role,
			    got->t[j].hex, (long long)got->t[j].len,
			    got->t[j].role);
	}
	if (got->n != want->n)
		vec_fail(gun, file, "notary lists %zu targets, we %zu",
		    want->n, got->n);
	n_targets += got->n;
}

static void
repo_check(struct vrepo *r)
{
	struct vfile *root, *ts, *snap, *tg;
	const struct json_value *roles, *sroles;
	struct vlist want, got;
	char path[4600];
	size_t i;

	/* Round trip and key IDs for every file first: signatures need keys. */
	for (i = 0; i < r->nfiles; i++) {
		struct vfile *f = &r->files[i];
		const struct json_value *sgn;

		file_roundtrip(r->gun, f);
		sgn = signed_of(f);
		if (json_object_get(sgn, "keys") != NULL)
			keys_add(r->gun, f->name, json_object_get(sgn, "keys"));
		if (json_object_get(sgn, "delegations") != NULL)
			keys_add(r->gun, f->name, json_object_get(
			    json_object_get(sgn, "delegations"), "keys"));
	}
	for (i = 0; i < r->nfiles; i++)
		if (r->files[i].doc != NULL)
			sigs_check(r->gun, &r->files[i], NULL);

	root_chain_check(r);
	root = vrepo_file(r, "root", 0);
	ts = vrepo_file(r, "timestamp", 0);
	snap = vrepo_file(r, "snapshot", 0);
	tg = vrepo_file(r, "targets", 0);
	if (root == NULL || ts == NULL || snap == NULL || tg == NULL) {
		vec_fail(r->gun, "-", "a top-level role is missing");
		return;
	}
	roles = json_object_get(signed_of(root), "roles");
	threshold_check(r->gun, ts, json_object_get(roles, "timestamp"), "timestamp");
	threshold_check(r->gun, snap, json_object_get(roles, "snapshot"), "snapshot");
	threshold_check(r->gun, tg, json_object_get(roles, "targets"), "targets");
	meta_check(r->gun, ts, "snapshot", snap);
	sroles = json_object_get(signed_of(snap), "meta");
	for (i = 0; i < json_value_count(sroles); i++) {
		const char *name;
		size_t nl;

		json_object_at(sroles, i, &name, &nl);
		meta_check(r->gun, snap, name, vrepo_file(r, name, 0));
	}

	memset(&want, 0, sizeof(want));
	memset(&got, 0, sizeof(got));
	walk(r, "targets", &got);
	if (snprintf(path, sizeof(path), "%s/list.txt", r->dir) >=
	    (int)sizeof(path) || vec_list_read(path, &want) != 0)
		vec_fail(r->gun, "list.txt", "unreadable");
	else
		vec_lists_compare(r->gun, "list.txt", &want, &got);
	vec_list_free(&want);
	vec_list_free(&got);

	/* `notary list -r ROLE` shadows targets: that role and below. */
	for (i = 0; i < r->nfiles; i++) {
		struct vfile *f = &r->files[i];
		char fn[256];
		size_t k;

		if (f->version != 0 || strncmp(f->role, "targets/", 8) != 0)
			continue;
		snprintf(fn, sizeof(fn), "list-%s.txt", f->role);
		for (k = 0; fn[k] != '\0'; k++)
			if (fn[k] == '/')
				fn[k] = '_';
		walk(r, f->role, &got);
		if (snprintf(path, sizeof(path), "%s/%s", r->dir, fn) >=
		    (int)sizeof(path) || vec_list_read(path, &want) != 0)
			vec_fail(r->gun, fn, "unreadable");
		else
			vec_lists_compare(r->gun, fn, &want, &got);
		vec_list_free(&want);
		vec_list_free(&got);
	}
#ifdef TUF_VECTORS_WITH_TUF
	vec_tuf_check(r);
#endif
}

int
main(int argc, char **argv)
{
	struct vrepo *repos = NULL;
	size_t nrepos = 0, i, k;

	if (argc != 2) {
		fprintf(stderr, "usage: %s VECTOR_DIR\n", argv[0]);
		return 2;
	}
	if (vrepos_load(argv[1], &repos, &nrepos) != 0) {
		fprintf(stderr, "%s: cannot load vectors from %s\n", argv[0],
		    argv[1]);
		return 1;
	}
	for (i = 0; i < nrepos; i++)
		repo_check(&repos[i]);
	vrepos_free(repos, nrepos);
	for (k = 0; k < nkeys; k++)
		EVP_PKEY_free(keys[k].pkey);
	free(keys);
	printf("%zu repositories, %zu files round-tripped, %zu key IDs, "
	    "%zu signatures, %zu listed targets: %s\n", nrepos, n_files,
	    n_keys, n_sigs, n_targets, failures ? "FAILED" : "ok");
	return failures ? 1 : 0;
}
