/* SPDX-License-Identifier: Apache-2.0 */
/* policy: rules that grant peers ops on GUNs and roles, and the check itself. */
#include <errno.h>
#include <stdarg.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policy.h"
#include "msg.h"

struct policy_rule {
	enum policy_who	  who;
	unsigned long	  id;
	char		 *label;
	char		 *gun;
	char		**roles;
	size_t		  nroles;
	char		**ops;
	size_t		  nops;
};

struct policy {
	struct policy_rule	*rules;
	size_t			 nrules;
};

const char *
policy_strerror(int code)
{
	switch (code) {
	case POLICY_OK:		return "success";
	case POLICY_ERR_NOMEM:	return "out of memory";
	case POLICY_ERR_DENIED:	return "not granted by the policy";
	case POLICY_ERR_LOOKUP:	return "unknown user or group name";
	case POLICY_ERR_INVAL:	return "invalid argument";
	}
	return "unknown policy error";
}

int
policy_new(struct policy **out)
{
	*out = NULL;
	if ((*out = calloc(1, sizeof(**out))) == NULL)
		return POLICY_ERR_NOMEM;
	return 0;
}

static void
strv_free(char **v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void
rule_cleanup(struct policy_rule *r)
{
	free(r->label);
	free(r->gun);
	strv_free(r->roles, r->nroles);
	strv_free(r->ops, r->nops);
}

void
policy_free(struct policy *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->nrules; i++)
		rule_cleanup(&p->rules[i]);
	free(p->rules);
	free(p);
}

size_t
policy_rule_count(const struct policy *p)
{
	return p == NULL ? 0 : p->nrules;
}

static int
strv_dup(const char *const *in, size_t n, char ***out)
{
	char **v;
	size_t i;

	*out = NULL;
	if (n == 0 || in == NULL)
		return POLICY_ERR_INVAL;
	for (i = 0; i < n; i++)
		if (in[i] == NULL || in[i][0] == '\0')
			return POLICY_ERR_INVAL;
	if ((v = calloc(n, sizeof(*v))) == NULL)
		return POLICY_ERR_NOMEM;
	for (i = 0; i < n; i++) {
		if ((v[i] = strdup(in[i])) == NULL) {
			strv_free(v, i);
			return POLICY_ERR_NOMEM;
		}
	}
	*out = v;
	return 0;
}

int
policy_rule_add(struct policy *p, enum policy_who who, unsigned long id,
    const char *label, const char *gun, const char *const *roles,
    size_t nroles, const char *const *ops, size_t nops)
{
	struct policy_rule r, *nr;
	int rc = POLICY_ERR_NOMEM;

	memset(&r, 0, sizeof(r));
	if (p == NULL || label == NULL || gun == NULL || gun[0] == '\0' ||
	    (who != POLICY_WHO_UID && who != POLICY_WHO_GID))
		return POLICY_ERR_INVAL;
	r.who = who;
	r.id = id;
	if ((r.label = strdup(label)) == NULL || (r.gun = strdup(gun)) == NULL)
		goto out;
	if ((rc = strv_dup(roles, nroles, &r.roles)) != 0)
		goto out;
	r.nroles = nroles;
	if ((rc = strv_dup(ops, nops, &r.ops)) != 0)
		goto out;
	r.nops = nops;
	rc = POLICY_ERR_NOMEM;
	nr = reallocarray(p->rules, p->nrules + 1, sizeof(*nr));
	if (nr == NULL)
		goto out;
	p->rules = nr;
	p->rules[p->nrules++] = r;
	memset(&r, 0, sizeof(r));	/* transferred */
	rc = 0;
out:
	rule_cleanup(&r);
	return rc;
}

/*
 * Iterative glob match, never recursive (globs come from the config,
 * subjects from the socket). Two backtrack points: the last '**' and the
 * last '*' after it. On a mismatch the '*' takes one more character unless
 * that would cross a '/'; then the '**' takes one more and the '*' is
 * forgotten. A later '**' supersedes an earlier one, as it can match
 * anything the earlier one could have left over.
 */
int
policy_glob_match(const char *glob, const char *s)
{
	const char *g = glob;
	const char *deep_g = NULL, *deep_s = NULL;
	const char *flat_g = NULL, *flat_s = NULL;

	if (glob == NULL || s == NULL)
		return 0;
	while (*s != '\0') {
		if (g[0] == '*' && g[1] == '*') {
			while (*g == '*')
				g++;
			deep_g = g;
			deep_s = s;
			flat_g = NULL;
			continue;
		}
		if (g[0] == '*') {
			g++;
			flat_g = g;
			flat_s = s;
			continue;
		}
		if (g[0] == '?' && *s != '/') {
			g++;
			s++;
			continue;
		}
		if (g[0] == '\\' && g[1] != '\0' && g[1] == *s) {
			g += 2;
			s++;
			continue;
		}
		if (g[0] != '\0' && g[0] != '?' && g[0] != '\\' && g[0] == *s) {
			g++;
			s++;
			continue;
		}
		if (flat_g != NULL && *flat_s != '/') {
			s = ++flat_s;
			g = flat_g;
			continue;
		}
		if (deep_g != NULL) {
			s = ++deep_s;
			g = deep_g;
			flat_g = NULL;
			continue;
		}
		return 0;
	}
	while (g[0] == '*')
		g++;
	return g[0] == '\0';
}

static int
strv_match(char *const *globs, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (policy_glob_match(globs[i], s))
			return 1;
	return 0;
}

static int
peer_in_group(const struct policy_peer *peer, gid_t gid)
{
	size_t i;

	if (peer->gid == gid)
		return 1;
	for (i = 0; i < peer->ngroups && i < POLICY_MAX_GROUPS; i++)
		if (peer->groups[i] == gid)
			return 1;
	return 0;
}

static int
rule_who_matches(const struct policy_rule *r, const struct policy_peer *peer)
{
	if (r->who == POLICY_WHO_UID)
		return (unsigned long)peer->uid == r->id;
	return peer_in_group(peer, (gid_t)r->id);
}

int
policy_check(const struct policy *p, const struct policy_peer *peer,
    const char *op, const char *gun, const char *role, char *why,
    size_t whylen)
{
	const struct policy_rule *r, *near = NULL;
	const char *near_miss = NULL;
	size_t i;

	if (why != NULL && whylen > 0)
		why[0] = '\0';
	if (p == NULL || peer == NULL || op == NULL) {
		signerd_msg_set(why, whylen, "no policy loaded");
		return POLICY_ERR_DENIED;
	}
	for (i = 0; i < p->nrules; i++) {
		r = &p->rules[i];
		if (!rule_who_matches(r, peer))
			continue;
		if (!strv_match(r->ops, r->nops, op)) {
			if (near == NULL) {
				near = r;
				near_miss = "op";
			}
			continue;
		}
		if (gun != NULL && !policy_glob_match(r->gun, gun)) {
			if (near == NULL || strcmp(near_miss, "op") == 0) {
				near = r;
				near_miss = "gun";
			}
			continue;
		}
		if (role != NULL && !strv_match(r->roles, r->nroles, role)) {
			if (near == NULL || strcmp(near_miss, "role") != 0) {
				near = r;
				near_miss = "role";
			}
			continue;
		}
		return 0;
	}
	if (near == NULL)
		signerd_msg_set(why, whylen, "no rule grants uid %lu op %s on %s role %s"
		    " (no rule names uid %lu or gid %lu or its groups)",
		    (unsigned long)peer->uid, op, gun ? gun : "-",
		    role ? role : "-", (unsigned long)peer->uid,
		    (unsigned long)peer->gid);
	else
		signerd_msg_set(why, whylen, "no rule grants uid %lu op %s on %s role %s"
		    " (nearest: %s, whose %s does not match)",
		    (unsigned long)peer->uid, op, gun ? gun : "-",
		    role ? role : "-", near->label, near_miss);
	return POLICY_ERR_DENIED;
}

/* getpw*_r and getgr*_r want a caller buffer whose size is only a hint. */
static long
nss_bufsize(int which)
{
	long n = sysconf(which);

	return n > 0 && n < 1024 * 1024 ? n : 16384;
}

int
policy_user_resolve(const char *name, uid_t *uid)
{
	struct passwd pw, *res = NULL;
	char *buf = NULL;
	size_t len = (size_t)nss_bufsize(_SC_GETPW_R_SIZE_MAX);
	int e, rc = POLICY_ERR_LOOKUP;

	*uid = (uid_t)-1;
	for (;;) {
		free(buf);
		if ((buf = malloc(len)) == NULL)
			return POLICY_ERR_NOMEM;
		e = getpwnam_r(name, &pw, buf, len, &res);
		if (e != ERANGE || len >= 1024 * 1024)
			break;
		len *= 2;
	}
	if (e == 0 && res != NULL) {
		*uid = pw.pw_uid;
		rc = 0;
	}
	free(buf);
	return rc;
}

int
policy_group_resolve(const char *name, gid_t *gid)
{
	struct group gr, *res = NULL;
	char *buf = NULL;
	size_t len = (size_t)nss_bufsize(_SC_GETGR_R_SIZE_MAX);
	int e, rc = POLICY_ERR_LOOKUP;

	*gid = (gid_t)-1;
	for (;;) {
		free(buf);
		if ((buf = malloc(len)) == NULL)
			return POLICY_ERR_NOMEM;
		e = getgrnam_r(name, &gr, buf, len, &res);
		if (e != ERANGE || len >= 1024 * 1024)
			break;
		len *= 2;
	}
	if (e == 0 && res != NULL) {
		*gid = gr.gr_gid;
		rc = 0;
	}
	free(buf);
	return rc;
}

int
policy_peer_init(struct policy_peer *peer, uid_t uid, gid_t gid, pid_t pid)
{
	struct passwd pw, *res = NULL;
	char *buf = NULL;
	size_t len = (size_t)nss_bufsize(_SC_GETPW_R_SIZE_MAX);
	int e, n;

	policy_peer_set(peer, uid, gid, pid, NULL, 0);
	for (;;) {
		free(buf);
		if ((buf = malloc(len)) == NULL)
			return POLICY_ERR_NOMEM;
		e = getpwuid_r(uid, &pw, buf, len, &res);
		if (e != ERANGE || len >= 1024 * 1024)
			break;
		len *= 2;
	}
	if (e == 0 && res != NULL) {
		/* A peer in more groups than we keep gets the first ones only. */
		n = POLICY_MAX_GROUPS;
		if (getgrouplist(pw.pw_name, gid, peer->groups, &n) < 0)
			n = POLICY_MAX_GROUPS;
		peer->ngroups = n > 0 ? (size_t)n : 1;
	}
	free(buf);
	return 0;
}

void
policy_peer_set(struct policy_peer *peer, uid_t uid, gid_t gid, pid_t pid,
    const gid_t *groups, size_t ngroups)
{
	size_t i;

	memset(peer, 0, sizeof(*peer));
	peer->uid = uid;
	peer->gid = gid;
	peer->pid = pid;
	peer->groups[0] = gid;
	peer->ngroups = 1;
	for (i = 0; i < ngroups && peer->ngroups < POLICY_MAX_GROUPS; i++)
		peer->groups[peer->ngroups++] = groups[i];
}

int
policy_store_init(struct policy_store *s, struct policy *p)
{
	s->cur = p;
	if (pthread_rwlock_init(&s->lock, NULL) != 0)
		return POLICY_ERR_NOMEM;
	return 0;
}

void
policy_store_cleanup(struct policy_store *s)
{
	pthread_rwlock_destroy(&s->lock);
	policy_free(s->cur);
	s->cur = NULL;
}

void
policy_store_swap(struct policy_store *s, struct policy *p)
{
	struct policy *old;

	pthread_rwlock_wrlock(&s->lock);
	old = s->cur;
	s->cur = p;
	pthread_rwlock_unlock(&s->lock);
	policy_free(old);
}

int
policy_store_check(struct policy_store *s, const struct policy_peer *peer,
    const char *op, const char *gun, const char *role, char *why,
    size_t whylen)
{
	int rc;

	pthread_rwlock_rdlock(&s->lock);
	rc = policy_check(s->cur, peer, op, gun, role, why, whylen);
	pthread_rwlock_unlock(&s->lock);
	return rc;
}
