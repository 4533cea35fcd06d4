/* SPDX-License-Identifier: Apache-2.0 */
/* Walking verified delegations as Notary's client does: lookup, list, download order. */
#include <stdlib.h>
#include <string.h>

#include "verify_impl.h"

/* ---- walking delegations (Notary's WalkTargets) ---- */

struct wrole {
	const char		 *name;
	const struct tuf_role	 *spec;		/* NULL for "targets" */
	const char		**paths;	/* restricted by the parents */
	size_t			  npaths;
};

struct walk {
	struct wrole	*q;
	size_t		 head, n, cap;
	int		 oom;
};

static int
has_prefix(const char *s, size_t sl, const char *p)
{
	size_t pl = strlen(p);

	return pl <= sl && memcmp(s, p, pl) == 0;
}

static int
paths_allow(const struct wrole *w, const char *name, size_t nl)
{
	size_t i;

	for (i = 0; i < w->npaths; i++)
		if (has_prefix(name, nl, w->paths[i]))
			return 1;
	return 0;
}

/*
 * Appends the children of parent that Notary would walk: all their keys
 * present (BuildDelegationRole), direct children (IsParentOf), paths kept
 * only where a parent path is their prefix (RestrictDelegationPathPrefixes).
 */
static void
walk_children(struct walk *w, const struct tuf_meta *m, const struct wrole *par)
{
	const struct tuf_targets	*t = &m->targets;
	char				 pn[TUF_NAME_MAX + 1];
	size_t				 i, j, k, np;

	for (i = 0; i < t->ndroles && !w->oom; i++) {
		const struct tuf_role	*d = &t->droles[i];
		struct wrole		 c;

		for (j = 0; j < d->nkeyids; j++)
			if (tuf_keyset_find(&t->dkeys, d->keyids[j]) == NULL)
				break;
		tuf_role_parent(d->name, pn, sizeof(pn));
		if (j < d->nkeyids || strcmp(pn, par->name) != 0)
			continue;
		memset(&c, 0, sizeof(c));
		c.name = d->name;
		c.spec = d;
		if ((c.paths = calloc(d->npaths ? d->npaths : 1,
		    sizeof(*c.paths))) == NULL) {
			w->oom = 1;
			return;
		}
		for (j = 0, np = 0; j < d->npaths; j++)
			for (k = 0; k < par->npaths; k++)
				if (has_prefix(d->paths[j], strlen(d->paths[j]),
				    par->paths[k])) {
					c.paths[np++] = d->paths[j];
					break;
				}
		c.npaths = np;
		if (w->n == w->cap) {
			size_t	 ncap = w->cap ? w->cap * 2 : 8;
			void	*q = realloc(w->q, ncap * sizeof(*w->q));

			if (q == NULL) {
				free(c.paths);
				w->oom = 1;
				return;
			}
			w->q = q;
			w->cap = ncap;
		}
		w->q[w->n++] = c;
	}
}

static const char *const empty_path[] = { "" };

static int
walk_start(struct walk *w)
{
	memset(w, 0, sizeof(*w));
	if ((w->q = calloc(8, sizeof(*w->q))) == NULL)
		return TUF_ERR_NOMEM;
	w->cap = 8;
	w->q[0].name = "targets";
	w->q[0].paths = NULL;	/* set below: "targets" has the path "" */
	w->q[0].npaths = 1;
	w->n = 1;
	return 0;
}

static void
walk_end(struct walk *w)
{
	size_t i;

	for (i = 1; i < w->n; i++)
		free(w->q[i].paths);
	free(w->q);
}

static int
is_ancestor(const char *child, const char *anc)
{
	size_t al = strlen(anc);

	return *anc == '\0' || strcmp(child, anc) == 0 ||
	    (strncmp(child, anc, al) == 0 && child[al] == '/');
}

static int
in_skip(const char *name, const char *const *roles, size_t n, size_t self)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (i != self && strcmp(roles[i], name) == 0)
			return 1;
	return 0;
}

int
tuf_verifier_lookup(const struct tuf_verifier *v, const char *name,
    const char *const *roles, size_t nroles, struct tuf_found *out)
{
	static const char *const dflt[] = { "targets" };
	const struct tuf_target	*hit;
	const char		*tn;
	size_t			 ri, nl, tl;
	struct walk		 w;
	int			 r = TUF_ERR_NOT_FOUND;

	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (v == NULL || name == NULL || out == NULL || (nroles && !roles))
		return TUF_ERR_INVAL;
	if (nroles == 0) {
		roles = dflt;
		nroles = 1;
	}
	nl = strlen(name);
	for (ri = 0; ri < nroles; ri++) {
		const char *want = roles[ri];

		if (walk_start(&w) != 0)
			return TUF_ERR_NOMEM;
		w.q[0].paths = (const char **)empty_path;
		while (w.head < w.n && !w.oom) {
			struct wrole		 cur = w.q[w.head++];
			const struct tuf_meta	*m = tuf_verifier_get(v, cur.name);
			size_t			 cl = strlen(cur.name);

			if (m == NULL)
				continue;
			if (strncmp(want, cur.name, cl) == 0 &&
			    want[cl] == '/') {
				walk_children(&w, m, &cur);
				continue;
			}
			if (!paths_allow(&cur, name, nl) ||
			    !is_ancestor(cur.name, want) ||
			    in_skip(cur.name, roles, nroles, ri))
				continue;
			if ((hit = tuf_targets_find(&m->targets, name,
			    nl)) != NULL) {
				tuf_target_get(&m->targets,
				    (size_t)(hit - m->targets.t), &tn, &tl,
				    &out->fm);
				out->role = m->role;
				r = 0;
				break;
			}
			walk_children(&w, m, &cur);
		}
		if (w.oom)
			r = TUF_ERR_NOMEM;
		walk_end(&w);
		if (r != TUF_ERR_NOT_FOUND)
			return r;
	}
	return r;
}

int
tuf_verifier_list(const struct tuf_verifier *v,
    int (*fn)(void *ctx, const char *name, size_t name_len,
    const struct tuf_filemeta *fm, const char *role), void *ctx)
{
	struct walk	 w;
	struct tuf_filemeta fm;
	const char	*tn;
	size_t		 i, j, tl, visited_n = 0;
	size_t		*visited = NULL;
	int		 r = 0;

	if (v == NULL || fn == NULL)
		return TUF_ERR_INVAL;
	if (walk_start(&w) != 0)
		return TUF_ERR_NOMEM;
	w.q[0].paths = (const char **)empty_path;
	while (w.head < w.n && !w.oom && r == 0) {
		size_t			 idx = w.head++;
		struct wrole		 cur = w.q[idx];
		const struct tuf_meta	*m = tuf_verifier_get(v, cur.name);
		void			*q;

		if (m == NULL)
			continue;
		for (i = 0; i < m->targets.n && r == 0; i++) {
			int seen = 0;

			tuf_target_get(&m->targets, i, &tn, &tl, &fm);
			if (!paths_allow(&cur, tn, tl))
				continue;
			/* First role (breadth first) to list a name wins. */
			for (j = 0; j < visited_n && !seen; j++) {
				const struct wrole *pw = &w.q[visited[j]];
				const struct tuf_meta *pm =
				    tuf_verifier_get(v, pw->name);

				seen = tuf_targets_find(&pm->targets, tn,
				    tl) != NULL && paths_allow(pw, tn, tl);
			}
			if (!seen)
				r = fn(ctx, tn, tl, &fm, m->role);
		}
		if ((q = realloc(visited, (visited_n + 1) *
		    sizeof(*visited))) == NULL) {
			w.oom = 1;
			break;
		}
		visited = q;
		visited[visited_n++] = idx;
		walk_children(&w, m, &cur);
	}
	if (w.oom)
		r = TUF_ERR_NOMEM;
	free(visited);
	walk_end(&w);
	return r;
}

/* Depth first, children in file order, as Notary's downloadTargets. */
static const char *
next_from(const struct tuf_verifier *v, const struct tuf_meta *m, int depth)
{
	const struct tuf_targets	*t = &m->targets;
	const struct tuf_meta		*c;
	const char			*n;
	size_t				 i;

	if (depth > 64)
		return NULL;
	for (i = 0; i < t->ndroles; i++) {
		const char *dn = t->droles[i].name;

		if ((c = tuf_verifier_get(v, dn)) != NULL) {
			if ((n = next_from(v, c, depth + 1)) != NULL)
				return n;
			continue;
		}
		if (tuf_verifier_is_failed(v, dn) || v->snapshot == NULL ||
		    tuf_meta_get_filemeta(v->snapshot, dn) == NULL)
			continue;
		return dn;
	}
	return NULL;
}

const char *
tuf_verifier_next_delegation(const struct tuf_verifier *v)
{
	const struct tuf_meta *t = tuf_verifier_get(v, "targets");

	return t != NULL ? next_from(v, t, 0) : NULL;
}
