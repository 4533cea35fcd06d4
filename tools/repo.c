/* SPDX-License-Identifier: Apache-2.0 */
/* Fetch and verify one repository from a Notary server, as a Notary client does. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "notary_http.h"
#include "repo.h"
#include "tuf.h"

static int
fail(char *msg, size_t len, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
fail(char *msg, size_t len, int code, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, len, fmt, ap);
	va_end(ap);
	return code;
}

static int
http_fail(struct repo *r, struct notary_http *h, int hr, const char *what,
    char *msg, size_t len)
{
	const struct notary_http_error *e = notary_http_last_error(h);

	r->http_err = hr;
	return fail(msg, len, REPO_ERR_HTTP, "fetching %s of %s: %s", what,
	    r->gun, e->message[0] ? e->message : notary_http_strerror(hr));
}

/* Version of a root file without verifying it (to walk N.root.json). */
static int64_t
root_version(const uint8_t *buf, size_t len)
{
	struct tuf_meta	*m = NULL;
	int64_t		 v = 0;

	if (tuf_meta_parse(buf, len, "root", NULL, &m, NULL) == 0)
		v = m->version;
	tuf_meta_free(m);
	return v;
}

/*
 * The root chain: the pinned root, then each N.root.json up to the server's
 * current one, each verified by its predecessor's keys.
 */
static int
load_roots(struct repo *r, struct notary_http *h, const struct truststore *old,
    char *msg, size_t len)
{
	const struct truststore_file	*pin = truststore_get(old, "root");
	struct tuf_error		 te;
	uint8_t				*cur = NULL, *mid = NULL;
	size_t				 curlen, midlen;
	int64_t				 nv, i;
	int				 hr, rc;

	if ((hr = notary_http_get_meta(h, r->gun, "root", 0, &cur,
	    &curlen)) != 0) {
		if (hr == NOTARY_HTTP_ERR_NOT_FOUND)
			return fail(msg, len, REPO_ERR_MISSING,
			    "%s has no trust data on the server", r->gun);
		return http_fail(r, h, hr, "root.json", msg, len);
	}
	if (pin == NULL) {
		r->first_use = 1;
		if (tuf_verifier_load_root(r->v, cur, curlen, 1, &te) != 0) {
			rc = fail(msg, len, REPO_ERR_UNTRUSTED,
			    "root of %s does not verify: %s", r->gun,
			    te.message);
			goto out;
		}
		goto keep;
	}
	r->pinned_version = root_version(pin->data, pin->len);
	if (curlen == pin->len && memcmp(cur, pin->data, curlen) == 0) {
		if (tuf_verifier_load_root(r->v, cur, curlen, 1, &te) != 0) {
			rc = fail(msg, len, REPO_ERR_UNTRUSTED,
			    "pinned root of %s: %s", r->gun, te.message);
			goto out;
		}
		goto keep;
	}
	if (tuf_verifier_load_root(r->v, pin->data, pin->len, 0, &te) != 0) {
		rc = fail(msg, len, REPO_ERR_UNTRUSTED,
		    "pinned root of %s no longer verifies: %s", r->gun,
		    te.message);
		goto out;
	}
	nv = root_version(cur, curlen);
	for (i = r->pinned_version + 1; i < nv; i++) {
		if ((hr = notary_http_get_meta(h, r->gun, "root", i, &mid,
		    &midlen)) != 0) {
			if (hr == NOTARY_HTTP_ERR_NOT_FOUND) {
				rc = fail(msg, len, REPO_ERR_ROOT_CHANGED,
				    "root of %s changed on the server (pinned "
				    "v%lld, server v%lld) and %lld.root.json is "
				    "missing: could not rotate trust to a new "
				    "trusted root", r->gun,
				    (long long)r->pinned_version,
				    (long long)nv, (long long)i);
				goto out;
			}
			rc = http_fail(r, h, hr, "an older root", msg, len);
			goto out;
		}
		if (tuf_verifier_load_root(r->v, mid, midlen, 0, &te) != 0)
			goto refused;
		free(mid);
		mid = NULL;
	}
	if (tuf_verifier_load_root(r->v, cur, curlen, 1, &te) != 0)
		goto refused;
keep:
	rc = truststore_set(&r->files, "root", cur, curlen) ? REPO_ERR_NOMEM : 0;
	goto out;
refused:
	rc = fail(msg, len, REPO_ERR_ROOT_CHANGED,
	    "root of %s on the server is not a valid rotation of the pinned "
	    "root v%lld: %s (if the repository was deliberately re-created, "
	    "remove its trust data and trust the new root)", r->gun,
	    (long long)r->pinned_version, te.message);
out:
	free(cur);
	free(mid);
	return rc;
}

/* The stored copy when its digest is what the parent names, else a download. */
static int
get_file(struct repo *r, struct notary_http *h, const struct truststore *old,
    const char *role, const char *parent, uint8_t **buf, size_t *blen,
    char *msg, size_t len)
{
	const struct tuf_meta		*pm = tuf_verifier_get(r->v, parent);
	const struct tuf_filemeta	*fm = pm ? tuf_meta_get_filemeta(pm, role) : NULL;
	const struct truststore_file	*f = truststore_get(old, role);
	uint8_t				 d[32];
	char				 what[300];
	int				 hr;

	*buf = NULL;
	if (f != NULL && fm != NULL && fm->has_sha256 &&
	    (int64_t)f->len == fm->length) {
		SHA256(f->data, f->len, d);
		if (memcmp(d, fm->sha256, 32) == 0) {
			if ((*buf = malloc(f->len ? f->len : 1)) == NULL)
				return REPO_ERR_NOMEM;
			memcpy(*buf, f->data, f->len);
			*blen = f->len;
			return 0;
		}
	}
	if ((hr = notary_http_get_meta(h, r->gun, role, 0, buf, blen)) != 0) {
		(void)snprintf(what, sizeof(what), "%s.json", role);
		if (hr == NOTARY_HTTP_ERR_NOT_FOUND && strcmp(role, "timestamp") == 0)
			return fail(msg, len, REPO_ERR_MISSING,
			    "%s has no trust data on the server", r->gun);
		return http_fail(r, h, hr, what, msg, len);
	}
	return 0;
}

/* Internal: the fast path met something only the full path can judge. */
#define REPO_RETRY	-100

/*
 * One pass over the chain. fast: start from the pinned root without
 * downloading root.json (as a Notary client with a cached root does); any
 * verification failure, or a snapshot naming another root, returns
 * REPO_RETRY so that the full path (root.json and its rotations) decides.
 */
static int
fetch_chain(struct repo *r, struct notary_http *h, const struct truststore *old,
    int fast, char *msg, size_t len)
{
	const struct truststore_file	*pin = truststore_get(old, "root");
	const struct tuf_filemeta	*rfm;
	struct tuf_error		 te;
	const char			*next;
	char				 role[256];
	uint8_t				*buf = NULL, d[32];
	size_t				 blen, i;
	int				 rc;

	tuf_verifier_free(r->v);
	r->v = NULL;
	truststore_free(&r->files);
	if (tuf_verifier_new(r->gun, &r->v) != 0)
		return fail(msg, len, REPO_ERR_NOMEM, "out of memory");
	/* Versions never go below what was verified before. */
	if (truststore_get(old, "timestamp") != NULL) {
		static const char *const roles[] = { "timestamp", "snapshot",
		    "targets" };
		struct tuf_meta *pm;

		for (i = 0; i < 3; i++) {
			const struct truststore_file *pf =
			    truststore_get(old, roles[i]);
			if (pf == NULL || tuf_meta_parse(pf->data, pf->len,
			    roles[i], NULL, &pm, NULL) != 0)
				continue;
			(void)tuf_verifier_set_min_version(r->v, roles[i],
			    pm->version);
			tuf_meta_free(pm);
		}
	}
	if (fast) {
		r->pinned_version = root_version(pin->data, pin->len);
		if (tuf_verifier_load_root(r->v, pin->data, pin->len, 1,
		    &te) != 0)
			return REPO_RETRY;
		if (truststore_set(&r->files, "root", pin->data, pin->len) != 0)
			goto nomem;
	} else if ((rc = load_roots(r, h, old, msg, len)) != 0)
		return rc;
	if ((rc = get_file(r, h, old, "timestamp", "", &buf, &blen, msg,
	    len)) != 0)
		goto out;
	if (tuf_verifier_load_timestamp(r->v, buf, blen, &te) != 0)
		goto untrusted;
	if (truststore_set(&r->files, "timestamp", buf, blen) != 0)
		goto nomem;
	free(buf);
	if ((rc = get_file(r, h, old, "snapshot", "timestamp", &buf, &blen,
	    msg, len)) != 0)
		goto out;
	if (tuf_verifier_load_snapshot(r->v, buf, blen, &te) != 0)
		goto untrusted;
	if (truststore_set(&r->files, "snapshot", buf, blen) != 0)
		goto nomem;
	free(buf);
	buf = NULL;
	if (fast) {
		/* The snapshot names the current root: is it ours? */
		rfm = tuf_meta_get_filemeta(tuf_verifier_get(r->v, "snapshot"),
		    "root");
		SHA256(pin->data, pin->len, d);
		if (rfm == NULL || !rfm->has_sha256 ||
		    rfm->length != (int64_t)pin->len ||
		    memcmp(rfm->sha256, d, 32) != 0)
			return REPO_RETRY;
	}
	if ((rc = get_file(r, h, old, "targets", "snapshot", &buf, &blen,
	    msg, len)) != 0)
		goto out;
	if (tuf_verifier_load_targets(r->v, "targets", buf, blen, &te) != 0)
		goto untrusted;
	if (truststore_set(&r->files, "targets", buf, blen) != 0)
		goto nomem;
	free(buf);
	buf = NULL;
	while ((next = tuf_verifier_next_delegation(r->v)) != NULL) {
		if (strlen(next) >= sizeof(role))
			goto nomem;
		memcpy(role, next, strlen(next) + 1);
		if ((rc = get_file(r, h, old, role, "snapshot", &buf, &blen,
		    msg, len)) != 0)
			goto out;
		if (tuf_verifier_load_targets(r->v, role, buf, blen, &te) != 0)
			goto untrusted;
		if (truststore_set(&r->files, role, buf, blen) != 0)
			goto nomem;
		free(buf);
		buf = NULL;
	}
	rc = 0;
	goto out;
untrusted:
	rc = fast ? REPO_RETRY : fail(msg, len, REPO_ERR_UNTRUSTED,
	    "trust data of %s refused: %s", r->gun, te.message);
	goto out;
nomem:
	rc = fail(msg, len, REPO_ERR_NOMEM, "out of memory");
out:
	free(buf);
	return rc;
}

int
repo_fetch(struct notary_http *h, const char *trust_dir, const char *gun,
    struct repo **out, char *msg, size_t len)
{
	struct repo		*r;
	struct truststore	 old;
	int			 rc, ts;

	*out = NULL;
	msg[0] = '\0';
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return fail(msg, len, REPO_ERR_NOMEM, "out of memory");
	if (strlen(gun) >= sizeof(r->gun)) {
		free(r);
		return fail(msg, len, REPO_ERR_UNTRUSTED, "GUN too long");
	}
	memcpy(r->gun, gun, strlen(gun) + 1);
	if ((ts = truststore_load(trust_dir, gun, &old)) != 0) {
		free(r);
		return fail(msg, len, REPO_ERR_STORE,
		    "reading the trust data of %s under %s: %s", gun,
		    trust_dir, truststore_strerror(ts));
	}
	rc = REPO_RETRY;
	if (truststore_get(&old, "root") != NULL)
		rc = fetch_chain(r, h, &old, 1, msg, len);
	if (rc == REPO_RETRY)
		rc = fetch_chain(r, h, &old, 0, msg, len);
	if (rc == 0) {
		*out = r;
		r = NULL;
	}
	truststore_free(&old);
	repo_free(r);
	return rc;
}

int
repo_commit(const struct repo *r, const char *trust_dir)
{
	return truststore_save(trust_dir, r->gun, &r->files) == 0 ? 0 :
	    REPO_ERR_STORE;
}

void
repo_free(struct repo *r)
{
	if (r == NULL)
		return;
	tuf_verifier_free(r->v);
	truststore_free(&r->files);
	free(r);
}

const struct truststore_file *
repo_file(const struct repo *r, const char *role)
{
	return truststore_get(&r->files, role);
}

const char **
repo_roles(const struct repo *r, size_t *n)
{
	const char		**names = NULL, **nn;
	size_t			  cnt = 0, cap = 0, head = 0, i;
	const struct tuf_meta	 *m;

	*n = 0;
	if (tuf_verifier_get(r->v, "targets") == NULL)
		return NULL;
	if ((names = malloc(8 * sizeof(*names))) == NULL)
		return NULL;
	cap = 8;
	names[cnt++] = "targets";
	for (head = 0; head < cnt; head++) {
		m = tuf_verifier_get(r->v, names[head]);
		if (m == NULL)
			continue;
		for (i = 0; i < m->targets.ndroles; i++) {
			const char *dn = m->targets.droles[i].name;
			if (tuf_verifier_get(r->v, dn) == NULL)
				continue;
			if (cnt == cap) {
				nn = reallocarray(names, cap * 2,
				    sizeof(*names));
				if (nn == NULL) {
					free(names);
					return NULL;
				}
				names = nn;
				cap *= 2;
			}
			names[cnt++] = tuf_verifier_get(r->v, dn)->role;
		}
	}
	*n = cnt;
	return names;
}
