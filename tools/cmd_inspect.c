/* SPDX-License-Identifier: Apache-2.0 */
/* trustctl inspect: docker trust inspect's view of verified repositories. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inspect_fmt.h"
#include "json.h"
#include "repo.h"
#include "trustctl.h"
#include "tuf.h"

static const char help[] =
"usage: trustctl inspect [--pretty] GUN[:TAG]...\n"
"Fetches and verifies each repository, then prints what `docker trust\n"
"inspect` prints for it: a JSON array, or with --pretty the signed tags,\n"
"the signers and their keys, and the administrative keys. Tags are those\n"
"signed in targets or targets/releases; \"Repo Admin\" marks a tag signed\n"
"by the repository key only. Exit 1 if any repository cannot be read.\n";

/* Everything one insp_repo points to, freed together. */
struct built {
	struct insp_repo	 r;
	const char		**strs;		/* every array handed out, to free */
	size_t			  nstrs;
	char			 *signer_names;
};

static void
hex(const uint8_t *d, size_t n, char *out)
{
	static const char h[] = "0123456789abcdef";
	size_t	i;

	for (i = 0; i < n; i++) {
		out[2 * i] = h[d[i] >> 4];
		out[2 * i + 1] = h[d[i] & 15];
	}
	out[2 * n] = '\0';
}

static int
strp_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* (name, digest): a total order, as no two rows share both. */
static int
tag_cmp(const void *a, const void *b)
{
	const struct insp_tag *x = a, *y = b;
	size_t l = x->name_len < y->name_len ? x->name_len : y->name_len;
	int c = memcmp(x->name, y->name, l);

	if (c == 0 && x->name_len != y->name_len)
		c = x->name_len < y->name_len ? -1 : 1;
	return c != 0 ? c : strcmp(x->digest, y->digest);
}

static int
signer_cmp(const void *a, const void *b)
{
	return strcmp(((const struct insp_signer *)a)->name,
	    ((const struct insp_signer *)b)->name);
}

/* A sorted copy of a role's key IDs (pointers into the verifier). */
static const char **
keyids(const struct tuf_role *role, size_t *n)
{
	const char	**k;
	size_t		  i;

	*n = 0;
	if (role == NULL || role->nkeyids == 0)
		return calloc(1, sizeof(*k));
	if ((k = calloc(role->nkeyids, sizeof(*k))) == NULL)
		return NULL;
	for (i = 0; i < role->nkeyids; i++)
		k[i] = role->keyids[i];
	qsort(k, role->nkeyids, sizeof(*k), strp_cmp);
	*n = role->nkeyids;
	return k;
}

static void
built_free(struct built *b)
{
	size_t	i;

	for (i = 0; i < b->r.ntags; i++)
		free(b->r.tags[i].signers);
	free(b->r.tags);
	for (i = 0; i < b->r.nsigners; i++)
		free(b->r.signers[i].keys);
	free(b->r.signers);
	free(b->r.root_keys);
	free(b->r.repo_keys);
	memset(b, 0, sizeof(*b));
}

static const char REPO_ADMIN[] = "Repo Admin";
static const char *const admin_only[] = { REPO_ADMIN };

/* The role's name as docker shows a signer: "targets/x/y" -> "x/y". */
static const char *
signer_name(const char *role)
{
	return role + strlen("targets/");
}

static int
build(const struct repo *rp, const char *name, const char *tag,
    struct built *out)
{
	const struct tuf_verifier	*v = rp->v;
	const struct tuf_meta		*root = tuf_verifier_get(v, "root");
	const struct tuf_meta		*tg = tuf_verifier_get(v, "targets");
	const struct tuf_meta		*rel = tuf_verifier_get(v,
	    "targets/releases");
	const char			**roles;
	size_t				  nroles, i, j, k, cap;
	struct insp_repo		 *r = &out->r;

	memset(out, 0, sizeof(*out));
	r->name = name;
	r->gun = rp->gun;
	if ((roles = repo_roles(rp, &nroles)) == NULL)
		return -1;
	r->root_keys = keyids(tuf_root_role(&root->root, "root"),
	    &r->nroot_keys);
	r->repo_keys = keyids(tuf_root_role(&root->root, "targets"),
	    &r->nrepo_keys);
	if (r->root_keys == NULL || r->repo_keys == NULL)
		goto fail;

	/*
	 * Signers: every delegation a verified role declares, but
	 * targets/releases (whether or not its file exists yet, as docker).
	 */
	for (i = 0, cap = 0; i < nroles; i++)
		cap += tuf_verifier_get(v, roles[i])->targets.ndroles;
	if ((r->signers = calloc(cap ? cap : 1, sizeof(*r->signers))) == NULL)
		goto fail;
	for (i = 0; i < nroles; i++) {
		const struct tuf_meta *pm = tuf_verifier_get(v, roles[i]);

		for (j = 0; j < pm->targets.ndroles; j++) {
			const struct tuf_role *dr = &pm->targets.droles[j];
			struct insp_signer *sg = &r->signers[r->nsigners];

			if (strcmp(dr->name, "targets/releases") == 0 ||
			    strncmp(dr->name, "targets/", 8) != 0)
				continue;
			sg->name = signer_name(dr->name);
			if ((sg->keys = keyids(dr, &sg->nkeys)) == NULL)
				goto fail;
			r->nsigners++;
		}
	}
	qsort(r->signers, r->nsigners, sizeof(*r->signers), signer_cmp);

	/*
	 * Tags: one entry per (name, digest) signed in targets or
	 * targets/releases, targets first; the same digest in both is one.
	 */
	cap = (tg ? tg->targets.n : 0) + (rel ? rel->targets.n : 0);
	if ((r->tags = calloc(cap ? cap : 1, sizeof(*r->tags))) == NULL)
		goto fail;
	for (k = 0; k < 2; k++) {
		const struct tuf_meta *m = k == 0 ? tg : rel;

		for (i = 0; m != NULL && i < m->targets.n; i++) {
			const char *tn;
			size_t tl;
			struct tuf_filemeta fm;
			char d[65];

			tuf_target_get(&m->targets, i, &tn, &tl, &fm);
			if (!fm.has_sha256)
				continue;
			if (tag != NULL && (strlen(tag) != tl ||
			    memcmp(tag, tn, tl) != 0))
				continue;
			hex(fm.sha256, 32, d);
			if (k == 1 && tg != NULL) {
				const struct tuf_target *e = tuf_targets_find(
				    &tg->targets, tn, tl);
				struct tuf_filemeta fm0;
				const char *n0;
				size_t l0;

				if (e != NULL) {
					tuf_target_get(&tg->targets,
					    (size_t)(e - tg->targets.t), &n0,
					    &l0, &fm0);
					if (fm0.has_sha256 && memcmp(fm0.sha256,
					    fm.sha256, 32) == 0)
						continue;
				}
			}
			r->tags[r->ntags].name = tn;
			r->tags[r->ntags].name_len = tl;
			memcpy(r->tags[r->ntags].digest, d, 65);
			r->ntags++;
		}
	}
	/*
	 * Sorted by name bytes (Go's string order), then digest: docker's
	 * order for one tag with two digests comes from a Go map and varies
	 * from run to run; ours is fixed.
	 */
	qsort(r->tags, r->ntags, sizeof(*r->tags), tag_cmp);
	/* Each tag's signers: other roles holding the same digest. */
	for (i = 0; i < r->ntags; i++) {
		struct insp_tag *t = &r->tags[i];

		if ((t->signers = calloc(nroles, sizeof(char *))) == NULL)
			goto fail;
		for (j = 0; j < nroles; j++) {
			const struct tuf_meta *m;
			const struct tuf_target *e;
			struct tuf_filemeta fm;
			const char *tn;
			size_t tl, idx;
			char d[65];

			if (strcmp(roles[j], "targets") == 0 ||
			    strcmp(roles[j], "targets/releases") == 0)
				continue;
			if ((m = tuf_verifier_get(v, roles[j])) == NULL ||
			    (e = tuf_targets_find(&m->targets, t->name,
			    t->name_len)) == NULL)
				continue;
			idx = (size_t)(e - m->targets.t);
			tuf_target_get(&m->targets, idx, &tn, &tl, &fm);
			if (!fm.has_sha256)
				continue;
			hex(fm.sha256, 32, d);
			if (strcmp(d, t->digest) == 0)
				t->signers[t->nsigners++] =
				    signer_name(roles[j]);
		}
		if (t->nsigners == 0) {
			free(t->signers);
			t->signers = NULL;
			t->signers = malloc(sizeof(char *));
			if (t->signers == NULL)
				goto fail;
			t->signers[0] = admin_only[0];
			t->nsigners = 1;
		} else
			qsort(t->signers, t->nsigners, sizeof(char *),
			    strp_cmp);
	}
	free(roles);
	return 0;
fail:
	free(roles);
	built_free(out);
	return -1;
}

int
cmd_inspect(struct tc *t, int argc, char **argv)
{
	struct built	*b = NULL;
	struct repo	**repos = NULL;
	struct json_buf	 out;
	char		 gun[TC_GUN_MAX + 1], why[256];
	const char	*tag;
	size_t		 n = 0, i;
	int		 pretty = 0, first = 1, rc = TC_EXIT_OK, a, r;

	if (tc_wants_help(argc, argv)) {
		fputs(help, stdout);
		return TC_EXIT_OK;
	}
	for (a = 1; a < argc && argv[a][0] == '-'; a++) {
		if (strcmp(argv[a], "--pretty") == 0)
			pretty = 1;
		else if (strcmp(argv[a], "--") == 0) {
			a++;
			break;
		} else
			return tc_usage("inspect", "unknown option %s",
			    argv[a]);
	}
	if (a >= argc)
		return tc_usage("inspect", "give at least one GUN[:TAG]");
	for (i = (size_t)a; i < (size_t)argc; i++)
		if (tc_ref_parse(argv[i], gun, sizeof(gun), &tag, why,
		    sizeof(why)) != 0)
			return tc_usage("inspect", "\"%s\": %s", argv[i], why);
	json_buf_init(&out);
	b = calloc((size_t)(argc - a), sizeof(*b));
	repos = calloc((size_t)(argc - a), sizeof(*repos));
	if (b == NULL || repos == NULL) {
		tc_fail("out of memory");
		rc = TC_EXIT_FAIL;
		goto out;
	}
	for (; a < argc; a++) {
		(void)tc_ref_parse(argv[a], gun, sizeof(gun), &tag, why,
		    sizeof(why));
		/* docker separates by argument, readable or not. */
		if (pretty && !first)
			json_put_raw(&out, INSP_PRETTY_SEP,
			    strlen(INSP_PRETTY_SEP));
		first = 0;
		r = tc_repo_load(t, gun, 1, &repos[n]);
		if (r != 0) {
			/*
			 * docker's words for a repository that does not
			 * exist; other failures were printed (one line).
			 */
			if (r == 1)
				fprintf(stderr, "no signatures or cannot "
				    "access %s\n", argv[a]);
			rc = TC_EXIT_FAIL;
			continue;
		}
		if (build(repos[n], argv[a], tag, &b[n]) != 0) {
			tc_fail("out of memory");
			repo_free(repos[n]);
			repos[n] = NULL;
			rc = TC_EXIT_FAIL;
			continue;
		}
		if (pretty)
			insp_write_pretty(&out, &b[n].r);
		if (tc_repo_commit(t, repos[n]) != 0)
			rc = TC_EXIT_FAIL;
		n++;
	}
	if (!pretty) {
		struct insp_repo *rs = calloc(n ? n : 1, sizeof(*rs));

		if (rs == NULL) {
			tc_fail("out of memory");
			rc = TC_EXIT_FAIL;
			goto out;
		}
		for (i = 0; i < n; i++)
			rs[i] = b[i].r;
		insp_write_json(&out, rs, n);
		free(rs);
	}
	if (out.err != 0) {
		tc_fail("formatting the output: out of memory");
		rc = TC_EXIT_FAIL;
		goto out;
	}
	if (out.len > 0 && fwrite(out.data, 1, out.len, stdout) != out.len) {
		tc_fail("writing the output failed");
		rc = TC_EXIT_FAIL;
	}
out:
	for (i = 0; b != NULL && i < n; i++)
		built_free(&b[i]);
	for (i = 0; repos != NULL && i < n; i++)
		repo_free(repos[i]);
	free(b);
	free(repos);
	json_buf_cleanup(&out);
	return rc;
}
