/* SPDX-License-Identifier: Apache-2.0 */
/* The client-side verifier: what a Notary client checks when it updates a repository. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "tuf_impl.h"

#include "verify_impl.h"

static int64_t
default_clock(void *ctx)
{
	(void)ctx;
	return (int64_t)time(NULL);
}

int
tuf_verifier_new(const char *gun, struct tuf_verifier **out)
{
	struct tuf_verifier *v;

	if (out == NULL)
		return TUF_ERR_INVAL;
	*out = NULL;
	if (gun == NULL || *gun == '\0' || strlen(gun) > 255)
		return TUF_ERR_INVAL;
	if ((v = calloc(1, sizeof(*v))) == NULL)
		return TUF_ERR_NOMEM;
	if ((v->gun = strdup(gun)) == NULL) {
		free(v);
		return TUF_ERR_NOMEM;
	}
	v->clock = default_clock;
	*out = v;
	return 0;
}

void
tuf_verifier_free(struct tuf_verifier *v)
{
	size_t i;

	if (v == NULL)
		return;
	free(v->gun);
	tuf_meta_free(v->root);
	tuf_meta_free(v->timestamp);
	tuf_meta_free(v->snapshot);
	for (i = 0; i < v->ntg; i++)
		tuf_meta_free(v->tg[i]);
	free(v->tg);
	for (i = 0; i < v->nfailed; i++)
		free(v->failed[i]);
	free(v->failed);
	for (i = 0; i < v->nminv; i++)
		free(v->minv[i].role);
	free(v->minv);
	free(v);
}

void
tuf_verifier_set_clock(struct tuf_verifier *v, tuf_clock_fn fn, void *ctx)
{
	if (v == NULL)
		return;
	v->clock = fn != NULL ? fn : default_clock;
	v->clock_ctx = ctx;
}

int
tuf_verifier_set_min_version(struct tuf_verifier *v, const char *role,
    int64_t version)
{
	struct minver	*q;
	size_t		 i;

	if (v == NULL || role == NULL || tuf_role_type_of(role) == 0)
		return TUF_ERR_INVAL;
	for (i = 0; i < v->nminv; i++)
		if (strcmp(v->minv[i].role, role) == 0) {
			v->minv[i].version = version;
			return 0;
		}
	if ((q = realloc(v->minv, (v->nminv + 1) * sizeof(*q))) == NULL)
		return TUF_ERR_NOMEM;
	v->minv = q;
	if ((q[v->nminv].role = strdup(role)) == NULL)
		return TUF_ERR_NOMEM;
	q[v->nminv++].version = version;
	return 0;
}

static int64_t
min_version(const struct tuf_verifier *v, const char *role)
{
	size_t i;

	for (i = 0; i < v->nminv; i++)
		if (strcmp(v->minv[i].role, role) == 0)
			return v->minv[i].version;
	return 1;
}

const struct tuf_meta *
tuf_verifier_get(const struct tuf_verifier *v, const char *role)
{
	size_t i;

	if (v == NULL || role == NULL)
		return NULL;
	if (strcmp(role, "root") == 0)
		return v->root;
	if (strcmp(role, "timestamp") == 0)
		return v->timestamp;
	if (strcmp(role, "snapshot") == 0)
		return v->snapshot;
	for (i = 0; i < v->ntg; i++)
		if (strcmp(v->tg[i]->role, role) == 0)
			return v->tg[i];
	return NULL;
}

/* ---- signatures (Notary's VerifySignatures) ---- */

/*
 * Counts distinct key IDs in ring with a valid signature over the parsed
 * sign form; threshold decides. ring[i] may be NULL (key unusable).
 */
static int
verify_sigs(const struct tuf_meta *m, const struct tuf_key *const *ring,
    size_t nring, int64_t threshold, int fail_code, const char *what,
    struct tuf_error *err)
{
	const char	*valid[64];
	size_t		 nvalid = 0, i, j;

	if (m->nsigs == 0)
		return tuf_err(err, TUF_ERR_NO_SIGNATURES, m->role,
		    "no signatures");
	if (threshold < 1)
		return tuf_err(err, TUF_ERR_ROLE, m->role,
		    "threshold %lld below 1", (long long)threshold);
	for (i = 0; i < m->nsigs && nvalid < 64; i++) {
		const struct tuf_sig	*g = &m->sigs[i];
		const struct tuf_key	*k = NULL;

		for (j = 0; j < nring; j++)
			if (ring[j] != NULL && strcmp(ring[j]->id, g->keyid) == 0)
				k = ring[j];
		if (k == NULL)
			continue;
		for (j = 0; j < nvalid; j++)
			if (strcmp(valid[j], g->keyid) == 0)
				break;
		if (j < nvalid)
			continue;
		if (tuf_sig_verify(k, g->method, g->sig, g->sig_len,
		    m->signed_msg, m->signed_msg_len) == 0)
			valid[nvalid++] = g->keyid;
	}
	if ((int64_t)nvalid < threshold)
		return tuf_err(err, fail_code, m->role,
		    "%s: %zu valid of %lld required", what, nvalid,
		    (long long)threshold);
	return 0;
}

/* The keys a role lists, looked up in a key set (missing ones NULL). */
static int
role_ring(const struct tuf_role *role, const struct tuf_keyset *ks,
    const struct tuf_key ***out)
{
	const struct tuf_key	**ring;
	size_t			 i;

	*out = NULL;
	if ((ring = calloc(role->nkeyids ? role->nkeyids : 1,
	    sizeof(*ring))) == NULL)
		return TUF_ERR_NOMEM;
	for (i = 0; i < role->nkeyids; i++)
		ring[i] = tuf_keyset_find(ks, role->keyids[i]);
	*out = ring;
	return 0;
}

/* ---- root certificates (Notary's trustpinning.ValidateRoot) ---- */

/* Count of PEM blocks in text (memmem is not in strict C11 + POSIX). */
static size_t
pem_blocks(const uint8_t *p, size_t n)
{
	static const char	 tag[] = "-----BEGIN";
	size_t			 i, c = 0, tl = sizeof(tag) - 1;

	for (i = 0; i + tl <= n; i++)
		if (p[i] == '-' && memcmp(p + i, tag, tl) == 0) {
			c++;
			i += tl - 1;
		}
	return c;
}

static int
cn_matches(X509 *x, const char *gun)
{
	X509_NAME		*nm = X509_get_subject_name(x);
	const ASN1_STRING	*d;
	unsigned char		*utf = NULL;
	int			 idx = -1, last = -1, n, ok = 0;
	size_t			 pl;

	/* Go keeps the last CN of the subject. */
	while ((idx = X509_NAME_get_index_by_NID(nm, NID_commonName, idx)) >= 0)
		last = idx;
	if (last < 0)
		return 0;
	d = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(nm, last));
	if ((n = ASN1_STRING_to_UTF8(&utf, d)) < 0)
		return 0;
	if (n > 0 && utf[n - 1] == '*') {
		/* Notary's wildcard: "prefix*" matches any GUN with the prefix. */
		pl = (size_t)n;
		while (pl > 0 && utf[pl - 1] == '*')
			pl--;
		ok = strncmp(gun, (const char *)utf, pl) == 0;
	} else
		ok = strlen(gun) == (size_t)n && memcmp(gun, utf, (size_t)n) == 0;
	OPENSSL_free(utf);
	return ok;
}

static int
asn1_sec(const ASN1_TIME *t, int64_t *out)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (ASN1_TIME_to_tm(t, &tm) != 1)
		return -1;
	*out = (int64_t)timegm(&tm);
	return 0;
}

/*
 * Notary's leaf-certificate test: one certificate, not a CA, CN matches the
 * GUN, no SHA-1 signature, RSA >= 2048 bits and, when check_expiry, valid
 * now (one day of leeway on notBefore).
 */
static int
cert_ok(const struct tuf_key *k, const char *gun, int check_expiry,
    int64_t now, char *why, size_t whylen)
{
	X509		*x = NULL;
	BIO		*bio = NULL;
	EVP_PKEY	*pk;
	int64_t		 nb, na;
	int		 nid, ok = 0;

	if (strcmp(k->type, "ecdsa-x509") != 0 &&
	    strcmp(k->type, "rsa-x509") != 0) {
		snprintf(why, whylen, "key %.12s is not a certificate", k->id);
		return 0;
	}
	if (pem_blocks(k->pub, k->pub_len) != 1 || k->pub_len > 65536) {
		snprintf(why, whylen, "key %.12s is not one PEM certificate",
		    k->id);
		return 0;
	}
	if ((bio = BIO_new_mem_buf(k->pub, (int)k->pub_len)) == NULL ||
	    (x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) == NULL) {
		snprintf(why, whylen, "key %.12s: certificate does not parse",
		    k->id);
		goto out;
	}
	if (X509_get_extension_flags(x) & EXFLAG_CA) {
		snprintf(why, whylen, "key %.12s: certificate is a CA", k->id);
		goto out;
	}
	if (!cn_matches(x, gun)) {
		snprintf(why, whylen, "key %.12s: certificate CN is not the "
		    "GUN %.80s", k->id, gun);
		goto out;
	}
	nid = X509_get_signature_nid(x);
	if (nid == NID_sha1WithRSAEncryption || nid == NID_ecdsa_with_SHA1 ||
	    nid == NID_dsaWithSHA1) {
		snprintf(why, whylen, "key %.12s: SHA-1 certificate", k->id);
		goto out;
	}
	pk = X509_get0_pubkey(x);
	if (pk != NULL && EVP_PKEY_get_base_id(pk) == EVP_PKEY_RSA &&
	    EVP_PKEY_get_bits(pk) < 2048) {
		snprintf(why, whylen, "key %.12s: RSA key too short", k->id);
		goto out;
	}
	if (asn1_sec(X509_get0_notBefore(x), &nb) != 0 ||
	    asn1_sec(X509_get0_notAfter(x), &na) != 0 || nb > na) {
		snprintf(why, whylen, "key %.12s: bad validity window", k->id);
		goto out;
	}
	if (check_expiry && (now + 86400 < nb || now > na)) {
		snprintf(why, whylen, "key %.12s: certificate not valid now "
		    "(expired or not yet valid)", k->id);
		goto out;
	}
	ok = 1;
out:
	X509_free(x);
	BIO_free(bio);
	return ok;
}

/* The root role's keys that are valid leaf certificates for the GUN. */
static int
root_cert_ring(const struct tuf_meta *root, const char *gun, int check_expiry,
    int64_t now, const struct tuf_key ***out, size_t *nout, char *why,
    size_t whylen)
{
	const struct tuf_role	*rr = tuf_root_role(&root->root, "root");
	const struct tuf_key	**ring;
	size_t			 i, n = 0;

	*out = NULL;
	*nout = 0;
	snprintf(why, whylen, "no root keys");
	if (rr == NULL)
		return 0;
	if ((ring = calloc(rr->nkeyids ? rr->nkeyids : 1,
	    sizeof(*ring))) == NULL)
		return TUF_ERR_NOMEM;
	for (i = 0; i < rr->nkeyids; i++) {
		const struct tuf_key *k = tuf_keyset_find(&root->root.keys,
		    rr->keyids[i]);

		if (k != NULL && cert_ok(k, gun, check_expiry, now, why, whylen))
			ring[n++] = k;
	}
	*out = ring;
	*nout = n;
	return 0;
}

/* ---- loading ---- */

static int
check_expiry(struct tuf_verifier *v, const struct tuf_meta *m,
    struct tuf_error *err)
{
	int64_t now = v->clock(v->clock_ctx);
	char	 tb[TUF_TIME_MAX];

	/* Notary: expired when expires is before now (second resolution here). */
	if (m->expires.sec < now) {
		(void)tuf_time_format(&m->expires, tb);
		return tuf_err(err, TUF_ERR_EXPIRED, m->role,
		    "expired at %s", tb);
	}
	return 0;
}

static int
check_version(struct tuf_verifier *v, const struct tuf_meta *m,
    int64_t floor, struct tuf_error *err)
{
	int64_t min = min_version(v, m->role);

	if (floor > min)
		min = floor;
	if (m->version < min)
		return tuf_err(err, TUF_ERR_ROLLBACK, m->role,
		    "version %lld is lower than the trusted version %lld",
		    (long long)m->version, (long long)min);
	return 0;
}

/* Bytes against the parent's meta: digests first, then the length. */
static int
check_filemeta(const char *role, const char *parent,
    const struct tuf_filemeta *want, const uint8_t *buf, size_t len,
    struct tuf_error *err)
{
	struct tuf_filemeta got;

	if (!want->has_sha256 && !want->has_sha512)
		return tuf_err(err, TUF_ERR_NO_META, role,
		    "%s lists no supported hash for it", parent);
	tuf_filemeta_of(buf, len, want->has_sha512, &got);
	if (want->has_sha256 && CRYPTO_memcmp(got.sha256, want->sha256, 32))
		return tuf_err(err, TUF_ERR_HASH_MISMATCH, role,
		    "sha256 checksum does not match %s", parent);
	if (want->has_sha512 && CRYPTO_memcmp(got.sha512, want->sha512, 64))
		return tuf_err(err, TUF_ERR_HASH_MISMATCH, role,
		    "sha512 checksum does not match %s", parent);
	if (got.length != want->length)
		return tuf_err(err, TUF_ERR_LENGTH, role,
		    "length %lld, %s says %lld", (long long)got.length, parent,
		    (long long)want->length);
	return 0;
}

static int
parse_capped(const uint8_t *buf, size_t len, const char *role, size_t cap,
    struct tuf_meta **m, struct tuf_error *err)
{
	struct tuf_parse_opts o = { .max_bytes = cap };

	if (len > cap)
		return tuf_err(err, TUF_ERR_TOO_BIG, role,
		    "%zu bytes, more than the %zu expected", len, cap);
	return tuf_meta_parse(buf, len, role, &o, m, err);
}

int
tuf_verifier_load_root(struct tuf_verifier *v, const uint8_t *buf, size_t len,
    int final, struct tuf_error *err)
{
	struct tuf_meta		*m = NULL;
	const struct tuf_key	**ring = NULL, **old = NULL;
	const struct tuf_role	*rr, *orr;
	size_t			 nring, nold;
	int64_t			 now;
	char			 why[160];
	int			 r;

	if (err != NULL)
		memset(err, 0, sizeof(*err));
	if (v == NULL || buf == NULL)
		return tuf_err(err, TUF_ERR_INVAL, "root", "bad argument");
	if ((r = parse_capped(buf, len, "root", TUF_MAX_DOWNLOAD_SIZE, &m,
	    err)) != 0)
		return r;
	now = v->clock(v->clock_ctx);
	if ((r = root_cert_ring(m, v->gun, 1, now, &ring, &nring, why,
	    sizeof(why))) != 0) {
		r = tuf_err(err, r, "root", "out of memory");
		goto out;
	}
	if (nring == 0) {
		r = tuf_err(err, TUF_ERR_ROOT_CERT, "root",
		    "no valid root certificate for %.80s: %s", v->gun, why);
		goto out;
	}
	if (v->root != NULL) {
		/* Rotation: the trusted root's certificates must sign it too. */
		orr = tuf_root_role(&v->root->root, "root");
		if ((r = root_cert_ring(v->root, v->gun, 0, now, &old, &nold,
		    why, sizeof(why))) != 0) {
			r = tuf_err(err, r, "root", "out of memory");
			goto out;
		}
		if (orr == NULL || nold == 0) {
			r = tuf_err(err, TUF_ERR_ROOT_ROTATION, "root",
			    "trusted root has no usable certificate: %s", why);
			goto out;
		}
		if ((r = verify_sigs(m, old, nold, orr->threshold,
		    TUF_ERR_ROOT_ROTATION, "could not rotate trust to a new "
		    "trusted root: not signed by the trusted root keys",
		    err)) != 0)
			goto out;
	}
	rr = tuf_root_role(&m->root, "root");
	if ((r = verify_sigs(m, ring, nring, rr->threshold, TUF_ERR_THRESHOLD,
	    "failed to validate integrity of roots", err)) != 0)
		goto out;
	if ((r = check_version(v, m, v->root ? v->root->version : 1,
	    err)) != 0)
		goto out;
	if (final && (r = check_expiry(v, m, err)) != 0)
		goto out;
	tuf_meta_free(v->root);
	v->root = m;
	m = NULL;	/* transferred */
	tuf_filemeta_of(buf, len, 1, &v->root_fm);
	r = 0;
out:
	free(ring);
	free(old);
	tuf_meta_free(m);
	return r;
}

/* Signatures of a role whose keys the root lists. */
static int
verify_base(struct tuf_verifier *v, const struct tuf_meta *m,
    struct tuf_error *err)
{
	const struct tuf_role	*role = tuf_root_role(&v->root->root, m->role);
	const struct tuf_key	**ring = NULL;
	int			 r;

	if (role == NULL)
		return tuf_err(err, TUF_ERR_ROLE, m->role,
		    "root has no %s role", m->role);
	if ((r = role_ring(role, &v->root->root.keys, &ring)) != 0)
		return tuf_err(err, r, m->role, "out of memory");
	r = verify_sigs(m, ring, role->nkeyids, role->threshold,
	    TUF_ERR_THRESHOLD, "valid signatures did not meet threshold", err);
	free(ring);
	return r;
}

int
tuf_verifier_load_timestamp(struct tuf_verifier *v, const uint8_t *buf,
    size_t len, struct tuf_error *err)
{
	struct tuf_meta	*m = NULL;
	int		 r;

	if (err != NULL)
		memset(err, 0, sizeof(*err));
	if (v == NULL || buf == NULL)
		return tuf_err(err, TUF_ERR_INVAL, "timestamp", "bad argument");
	if (v->root == NULL)
		return tuf_err(err, TUF_ERR_ORDER, "timestamp",
		    "root must be loaded first");
	if ((r = parse_capped(buf, len, "timestamp", TUF_MAX_TIMESTAMP_SIZE,
	    &m, err)) != 0)
		return r;
	if ((r = verify_base(v, m, err)) != 0 ||
	    (r = check_version(v, m, v->timestamp ? v->timestamp->version : 1,
	    err)) != 0 || (r = check_expiry(v, m, err)) != 0) {
		tuf_meta_free(m);
		return r;
	}
	tuf_meta_free(v->timestamp);
	v->timestamp = m;
	return 0;
}

int
tuf_verifier_load_snapshot(struct tuf_verifier *v, const uint8_t *buf,
    size_t len, struct tuf_error *err)
{
	const struct tuf_filemeta	*want, *rootfm;
	struct tuf_meta			*m = NULL;
	int				 r;

	if (err != NULL)
		memset(err, 0, sizeof(*err));
	if (v == NULL || buf == NULL)
		return tuf_err(err, TUF_ERR_INVAL, "snapshot", "bad argument");
	if (v->root == NULL || v->timestamp == NULL)
		return tuf_err(err, TUF_ERR_ORDER, "snapshot",
		    "root and timestamp must be loaded first");
	want = tuf_meta_get_filemeta(v->timestamp, "snapshot");
	if ((r = parse_capped(buf, len, "snapshot", (size_t)want->length, &m,
	    err)) != 0)
		return r;
	if ((r = verify_base(v, m, err)) != 0 ||
	    (r = check_filemeta("snapshot", "timestamp", want, buf, len,
	    err)) != 0 ||
	    (r = check_version(v, m, v->snapshot ? v->snapshot->version : 1,
	    err)) != 0 || (r = check_expiry(v, m, err)) != 0)
		goto fail;
	/* The root we trust must be the one this snapshot names. */
	if ((rootfm = tuf_meta_get_filemeta(m, "root")) != NULL &&
	    ((rootfm->has_sha256 && CRYPTO_memcmp(rootfm->sha256,
	    v->root_fm.sha256, 32)) || (rootfm->has_sha512 &&
	    CRYPTO_memcmp(rootfm->sha512, v->root_fm.sha512, 64)))) {
		r = tuf_err(err, TUF_ERR_HASH_MISMATCH, "root",
		    "trusted root is not the root snapshot v%lld names "
		    "(update root first)", (long long)m->version);
		goto fail;
	}
	tuf_meta_free(v->snapshot);
	v->snapshot = m;
	return 0;
fail:
	tuf_meta_free(m);
	return r;
}

int
tuf_verifier_is_failed(const struct tuf_verifier *v, const char *role)
{
	size_t i;

	for (i = 0; i < v->nfailed; i++)
		if (strcmp(v->failed[i], role) == 0)
			return 1;
	return 0;
}

static void
mark_failed(struct tuf_verifier *v, const char *role)
{
	char	**q;

	if (tuf_verifier_is_failed(v, role))
		return;
	if ((q = realloc(v->failed, (v->nfailed + 1) * sizeof(*q))) == NULL)
		return;
	v->failed = q;
	if ((q[v->nfailed] = strdup(role)) != NULL)
		v->nfailed++;
}

int
tuf_verifier_load_targets(struct tuf_verifier *v, const char *role,
    const uint8_t *buf, size_t len, struct tuf_error *err)
{
	const struct tuf_filemeta	*want;
	const struct tuf_meta		*parent = NULL, *prev;
	const struct tuf_role		*d = NULL;
	const struct tuf_key		**ring = NULL;
	struct tuf_meta			*m = NULL, **q;
	char				 pname[TUF_NAME_MAX + 1];
	size_t				 i;
	int				 r;

	if (err != NULL)
		memset(err, 0, sizeof(*err));
	if (v == NULL || buf == NULL || role == NULL ||
	    tuf_role_type_of(role) != TUF_TARGETS || strlen(role) > TUF_NAME_MAX)
		return tuf_err(err, TUF_ERR_INVAL, role, "bad argument");
	if (v->root == NULL || v->snapshot == NULL)
		return tuf_err(err, TUF_ERR_ORDER, role,
		    "root and snapshot must be loaded first");
	if (strcmp(role, "targets") != 0) {
		tuf_role_parent(role, pname, sizeof(pname));
		if ((parent = tuf_verifier_get(v, pname)) == NULL)
			return tuf_err(err, TUF_ERR_ORDER, role,
			    "parent %s must be loaded first", pname);
		if ((d = tuf_delegation_find(&parent->targets, role)) == NULL)
			return tuf_err(err, TUF_ERR_DELEGATION, role,
			    "not delegated by %s", pname);
	}
	if ((want = tuf_meta_get_filemeta(v->snapshot, role)) == NULL)
		return tuf_err(err, TUF_ERR_NO_META, role,
		    "snapshot has no checksum for %s", role);
	if ((r = parse_capped(buf, len, role, (size_t)want->length, &m,
	    err)) != 0)
		goto fail;
	if (d == NULL)
		r = verify_base(v, m, err);
	else if ((r = role_ring(d, &parent->targets.dkeys, &ring)) != 0)
		r = tuf_err(err, r, role, "out of memory");
	else
		r = verify_sigs(m, ring, d->nkeyids, d->threshold,
		    TUF_ERR_THRESHOLD, "valid signatures did not meet "
		    "threshold", err);
	prev = tuf_verifier_get(v, role);
	if (r != 0 ||
	    (r = check_filemeta(role, "snapshot", want, buf, len, err)) != 0 ||
	    (r = check_version(v, m, prev ? prev->version : 1, err)) != 0 ||
	    (r = check_expiry(v, m, err)) != 0)
		goto fail;
	free(ring);
	ring = NULL;
	for (i = 0; i < v->ntg; i++)
		if (v->tg[i] == prev) {
			tuf_meta_free(v->tg[i]);
			v->tg[i] = m;
			return 0;
		}
	if (v->ntg >= MAX_LOADED) {
		r = tuf_err(err, TUF_ERR_TOO_BIG, role, "too many delegations");
		goto fail;
	}
	if ((q = realloc(v->tg, (v->ntg + 1) * sizeof(*q))) == NULL) {
		r = tuf_err(err, TUF_ERR_NOMEM, role, "out of memory");
		goto fail;
	}
	v->tg = q;
	v->tg[v->ntg++] = m;
	return 0;
fail:
	if (d != NULL)
		mark_failed(v, role);
	free(ring);
	tuf_meta_free(m);
	return r;
}

