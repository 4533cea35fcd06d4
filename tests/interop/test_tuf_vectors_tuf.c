/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The tuf/ half of test_tuf_vectors: every vector through tuf_meta_parse and
 * tuf_meta_write (byte for byte), key IDs and signatures through tuf/, the
 * sign form compared with the oracle's, then the repository through
 * tuf_verifier as a fresh client, its list and lookups against notary's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "tuf.h"
#include "vectors.h"

static void
hex_of(const uint8_t *p, size_t n, char *out)
{
	static const char hx[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hx[p[i] >> 4];
		out[2 * i + 1] = hx[p[i] & 15];
	}
	out[2 * n] = '\0';
}

/* Every key's ID, recomputed by tuf_key_id from its type and bytes. */
static void
keyset_check(struct vrepo *r, struct vfile *f, const struct tuf_keyset *ks)
{
	char id[TUF_KEYID_LEN + 1];
	size_t i;

	for (i = 0; i < ks->n; i++) {
		const struct tuf_key *k = &ks->keys[i];

		if (tuf_key_id(k->type, k->pub, k->pub_len, id) != 0 ||
		    strcmp(id, k->id) != 0)
			vec_fail(r->gun, f->name, "tuf: key %s recomputes as %s",
			    k->id, id);
	}
}

static const struct tuf_key *
key_lookup(struct tuf_meta **ms, size_t n, const char *id)
{
	const struct tuf_key *k;
	size_t i;

	for (i = 0; i < n; i++) {
		if (ms[i] == NULL)
			continue;
		if (ms[i]->type == TUF_ROOT &&
		    (k = tuf_keyset_find(&ms[i]->root.keys, id)) != NULL)
			return k;
		if (ms[i]->type == TUF_TARGETS &&
		    (k = tuf_keyset_find(&ms[i]->targets.dkeys, id)) != NULL)
			return k;
	}
	return NULL;
}

static void
files_check(struct vrepo *r, struct tuf_meta **ms)
{
	struct tuf_error err;
	struct json_buf b;
	size_t i, j;

	for (i = 0; i < r->nfiles; i++) {
		struct vfile *f = &r->files[i];
		int rc;

		memset(&err, 0, sizeof(err));
		rc = tuf_meta_parse(f->buf, f->len, f->role, NULL, &ms[i],
		    &err);
		if (rc != 0) {
			vec_fail(r->gun, f->name, "tuf_meta_parse: %s",
			    err.message);
			continue;
		}
		json_buf_init(&b);
		rc = tuf_meta_write(ms[i], &b);
		if (rc != 0 || b.len != f->len ||
		    memcmp(b.data, f->buf, f->len) != 0)
			vec_fail(r->gun, f->name, "tuf_meta_write: %s",
			    rc ? tuf_strerror(rc) : "bytes differ");
		json_buf_cleanup(&b);
		/* The sign form: parsed, rebuilt, and the oracle's agree. */
		json_buf_init(&b);
		rc = tuf_meta_write_signed(ms[i], &b);
		if (rc != 0 || b.len != ms[i]->signed_msg_len ||
		    memcmp(b.data, ms[i]->signed_msg, b.len) != 0)
			vec_fail(r->gun, f->name,
			    "tuf_meta_write_signed differs from the parsed sign form");
		if (f->sform != NULL && (ms[i]->signed_msg_len != f->sformlen ||
		    memcmp(ms[i]->signed_msg, f->sform, f->sformlen) != 0))
			vec_fail(r->gun, f->name,
			    "tuf sign form differs from the oracle's");
		json_buf_cleanup(&b);
		if (ms[i]->type == TUF_ROOT)
			keyset_check(r, f, &ms[i]->root.keys);
		if (ms[i]->type == TUF_TARGETS)
			keyset_check(r, f, &ms[i]->targets.dkeys);
	}
	for (i = 0; i < r->nfiles; i++) {
		if (ms[i] == NULL)
			continue;
		for (j = 0; j < ms[i]->nsigs; j++) {
			const struct tuf_sig *s = &ms[i]->sigs[j];
			const struct tuf_key *k = key_lookup(ms, r->nfiles,
			    s->keyid);
			int rc;

			if (k == NULL) {
				vec_fail(r->gun, r->files[i].name,
				    "tuf: no key %s", s->keyid);
				continue;
			}
			rc = tuf_sig_verify(k, s->method, s->sig, s->sig_len,
			    ms[i]->signed_msg, ms[i]->signed_msg_len);
			if (rc != 0)
				vec_fail(r->gun, r->files[i].name,
				    "tuf_sig_verify %s: %s", s->keyid,
				    tuf_strerror(rc));
		}
	}
}

static int
list_add(void *ctx, const char *name, size_t name_len,
    const struct tuf_filemeta *fm, const char *role)
{
	struct vlist *l = ctx;
	char hex[65], *n;

	if ((n = strndup(name, name_len)) == NULL)
		return -1;
	hex_of(fm->sha256, 32, hex);
	vec_list_add(l, n, hex, fm->length, role);
	free(n);
	return 0;
}

static void
lookup_expect(struct vrepo *r, struct tuf_verifier *v, const char *name,
    const char *const *roles, size_t nroles, const char *want_role)
{
	struct tuf_found found;
	int rc;

	memset(&found, 0, sizeof(found));
	rc = tuf_verifier_lookup(v, name, roles, nroles, &found);
	if (rc != 0 || found.role == NULL || strcmp(found.role, want_role) != 0)
		vec_fail(r->gun, "lookup", "tuf_verifier_lookup %s%s: %s, "
		    "want %s", name, nroles ? " (docker order)" : "",
		    rc ? tuf_strerror(rc) : found.role, want_role);
}

/* As a fresh client: roots forward from 1, then timestamp down. */
static void
verify_fresh(struct vrepo *r)
{
	struct tuf_verifier *v = NULL;
	struct tuf_error err;
	struct vfile *f, *next;
	struct vlist want, got;
	const char *role;
	char path[4600];
	int64_t ver;
	int rc;

	memset(&want, 0, sizeof(want));
	memset(&got, 0, sizeof(got));
	if (tuf_verifier_new(r->gun, &v) != 0) {
		vec_fail(r->gun, "-", "tuf_verifier_new failed");
		return;
	}
	for (ver = 1; (f = vrepo_file(r, "root", ver)) != NULL; ver++) {
		next = vrepo_file(r, "root", ver + 1);
		memset(&err, 0, sizeof(err));
		if ((rc = tuf_verifier_load_root(v, f->buf, f->len,
		    next == NULL, &err)) != 0) {
			vec_fail(r->gun, f->name, "load_root: %s", err.message);
			goto out;
		}
	}
#define LOAD(call, name) do {						\
	memset(&err, 0, sizeof(err));					\
	if ((f = vrepo_file(r, name, 0)) == NULL || (call) != 0) {	\
		vec_fail(r->gun, name, "verifier: %s",			\
		    f ? err.message : "no file");			\
		goto out;						\
	}								\
} while (0)
	LOAD(tuf_verifier_load_timestamp(v, f->buf, f->len, &err), "timestamp");
	LOAD(tuf_verifier_load_snapshot(v, f->buf, f->len, &err), "snapshot");
	LOAD(tuf_verifier_load_targets(v, "targets", f->buf, f->len, &err),
	    "targets");
	while ((role = tuf_verifier_next_delegation(v)) != NULL) {
		char name[128];

		snprintf(name, sizeof(name), "%s", role);
		LOAD(tuf_verifier_load_targets(v, name, f->buf, f->len, &err),
		    name);
	}
#undef LOAD
	if (tuf_verifier_list(v, list_add, &got) != 0)
		vec_fail(r->gun, "-", "tuf_verifier_list failed");
	if (snprintf(path, sizeof(path), "%s/list.txt", r->dir) >=
	    (int)sizeof(path) || vec_list_read(path, &want) != 0)
		vec_fail(r->gun, "list.txt", "unreadable");
	else
		vec_lists_compare(r->gun, "list.txt (tuf_verifier_list)",
		    &want, &got);

	/* The lookups notary and docker made in make-vectors.sh. */
	if (strcmp(r->gun, "example.com/vectors") == 0) {
		lookup_expect(r, v, "shared", NULL, 0, "targets");
		lookup_expect(r, v, "deep", NULL, 0, "targets/zeta");
	} else if (strcmp(r->gun, "registry.example/dockerapp") == 0) {
		static const char *const docker[] = {
			"targets/releases", "targets",
		};

		lookup_expect(r, v, "split", NULL, 0, "targets/bob");
		lookup_expect(r, v, "split", docker, 2, "targets/releases");
	}
out:
	vec_list_free(&want);
	vec_list_free(&got);
	tuf_verifier_free(v);
}

void
vec_tuf_check(struct vrepo *r)
{
	struct tuf_meta **ms;
	size_t i;

	if ((ms = calloc(r->nfiles ? r->nfiles : 1, sizeof(*ms))) == NULL)
		abort();
	files_check(r, ms);
	for (i = 0; i < r->nfiles; i++)
		tuf_meta_free(ms[i]);
	free(ms);
	verify_fresh(r);
}
