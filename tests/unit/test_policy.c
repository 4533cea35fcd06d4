/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for policy: the glob matcher, the uid/gid/user/group x GUN/role/op matrix, the store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policy.h"

/* A plain recursive matcher with the documented semantics, to check the fast one. */
static int
ref_match(const char *g, const char *s)
{
	if (*g == '\0')
		return *s == '\0';
	if (g[0] == '*' && g[1] == '*') {
		while (*g == '*')
			g++;
		for (;; s++) {
			if (ref_match(g, s))
				return 1;
			if (*s == '\0')
				return 0;
		}
	}
	if (g[0] == '*') {
		for (;; s++) {
			if (ref_match(g + 1, s))
				return 1;
			if (*s == '\0' || *s == '/')
				return 0;
		}
	}
	if (*s == '\0')
		return 0;
	if (g[0] == '?')
		return *s != '/' && ref_match(g + 1, s + 1);
	if (g[0] == '\\' && g[1] != '\0')
		return g[1] == *s && ref_match(g + 2, s + 1);
	if (g[0] == '\\')
		return 0;
	return g[0] == *s && ref_match(g + 1, s + 1);
}

static void
test_glob_table(void **state)
{
	static const struct {
		const char *glob, *s;
		int want;
	} t[] = {
		{ "docker.io/*", "docker.io/app", 1 },
		{ "docker.io/*", "docker.io/a/b", 0 },
		{ "docker.io/**", "docker.io/a/b", 1 },
		{ "docker.io/**", "docker.io/", 1 },
		{ "docker.io/*", "docker.io/", 1 },
		{ "**", "", 1 },
		{ "*", "", 1 },
		{ "*", "a/b", 0 },
		{ "**", "a/b", 1 },
		{ "targets/*", "targets", 0 },
		{ "targets/*", "targets/releases", 1 },
		{ "targets/*", "targets/a/b", 0 },
		{ "targets*", "targets/releases", 0 },
		{ "targets**", "targets/releases", 1 },
		{ "targets.*", "targets.update", 1 },
		{ "*.update", "targets.update", 1 },
		{ "*.update", "delegation.update", 1 },
		{ "*.update", "status", 0 },
		{ "a?c", "abc", 1 },
		{ "a?c", "a/c", 0 },
		{ "a\\*c", "a*c", 1 },
		{ "a\\*c", "abc", 0 },
		{ "**a*b", "a/ab", 1 },
		{ "**/x*", "a/b/xyz", 1 },
		{ "**/x*", "a/b/xy/z", 0 },
		{ "*/**/c", "a/b/c", 1 },
		{ "*/**/c", "a/c", 0 },
		{ "exact", "exact", 1 },
		{ "exact", "exactly", 0 },
		{ "", "", 1 },
		{ "", "a", 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (policy_glob_match(t[i].glob, t[i].s) != t[i].want)
			fail_msg("glob '%s' on '%s': want %d", t[i].glob,
			    t[i].s, t[i].want);
		assert_int_equal(ref_match(t[i].glob, t[i].s), t[i].want);
	}
	assert_int_equal(policy_glob_match(NULL, "a"), 0);
	assert_int_equal(policy_glob_match("a", NULL), 0);
}

/* The iterative matcher agrees with the recursive one on random small cases. */
static void
test_glob_random(void **state)
{
	static const char *const gparts[] = { "a", "b", "/", "*", "**", "?" };
	static const char sparts[] = "ab/";
	char g[32], s[16];
	unsigned seed = 12345;
	size_t glen;
	int i, j, n;

	(void)state;
	for (i = 0; i < 200000; i++) {
		glen = 0;
		n = (int)(rand_r(&seed) % 7);
		for (j = 0; j < n; j++) {
			const char *part = gparts[rand_r(&seed) % 6];

			memcpy(g + glen, part, strlen(part));
			glen += strlen(part);
		}
		g[glen] = '\0';
		n = (int)(rand_r(&seed) % 8);
		for (j = 0; j < n; j++)
			s[j] = sparts[rand_r(&seed) % 3];
		s[n] = '\0';
		if (policy_glob_match(g, s) != ref_match(g, s))
			fail_msg("glob '%s' on '%s': fast %d, reference %d", g,
			    s, policy_glob_match(g, s), ref_match(g, s));
	}
}

static struct policy *
matrix_policy(void)
{
	static const char *const r0_roles[] = { "targets", "targets/*" };
	static const char *const r0_ops[] = { "targets.update" };
	static const char *const r1_roles[] = { "targets/releases" };
	static const char *const r1_ops[] = { "targets.*", "delegation.update" };
	static const char *const r2_roles[] = { "**" };
	static const char *const r2_ops[] = { "status", "key.list" };
	static const char *const r3_roles[] = { "root", "targets" };
	static const char *const r3_ops[] = { "repo.init" };
	struct policy *p = NULL;
	uid_t nobody;
	gid_t nogroup;

	assert_int_equal(policy_new(&p), 0);
	/* uid */
	assert_int_equal(policy_rule_add(p, POLICY_WHO_UID, 1001, "rule0 (uid 1001)",
	    "docker.io/ci/*", r0_roles, 2, r0_ops, 1), 0);
	/* gid */
	assert_int_equal(policy_rule_add(p, POLICY_WHO_GID, 2000, "rule1 (gid 2000)",
	    "example.com/**", r1_roles, 1, r1_ops, 2), 0);
	/* user name, resolved */
	assert_int_equal(policy_user_resolve("nobody", &nobody), 0);
	assert_int_equal(policy_rule_add(p, POLICY_WHO_UID, nobody,
	    "rule2 (user nobody)", "docker.io/pub", r2_roles, 1, r2_ops, 2), 0);
	/* group name, resolved */
	assert_int_equal(policy_group_resolve("nogroup", &nogroup), 0);
	assert_int_equal(policy_rule_add(p, POLICY_WHO_GID, nogroup,
	    "rule3 (group nogroup)", "new/*", r3_roles, 2, r3_ops, 1), 0);
	assert_int_equal(policy_rule_count(p), 4);
	return p;
}

static void
peer_set(struct policy_peer *peer, uid_t uid, gid_t gid, gid_t extra)
{
	memset(peer, 0, sizeof(*peer));
	peer->uid = uid;
	peer->gid = gid;
	peer->pid = 42;
	peer->groups[0] = gid;
	peer->ngroups = 1;
	if (extra != (gid_t)-1)
		peer->groups[peer->ngroups++] = extra;
}

static void
test_matrix(void **state)
{
	static const struct {
		uid_t uid;
		gid_t gid, extra;
		const char *op, *gun, *role;
		int allowed;
	} t[] = {
		/* uid rule: GUN glob, role globs, op glob. */
		{ 1001, 1001, -1, "targets.update", "docker.io/ci/app", "targets", 1 },
		{ 1001, 1001, -1, "targets.update", "docker.io/ci/app", "targets/ci", 1 },
		{ 1001, 1001, -1, "targets.update", "docker.io/ci/app", "targets/a/b", 0 },
		{ 1001, 1001, -1, "targets.update", "docker.io/ci/app", "root", 0 },
		{ 1001, 1001, -1, "targets.update", "docker.io/ci/a/b", "targets", 0 },
		{ 1001, 1001, -1, "targets.update", "docker.io/other", "targets", 0 },
		{ 1001, 1001, -1, "repo.init", "docker.io/ci/app", "targets", 0 },
		{ 1002, 1001, -1, "targets.update", "docker.io/ci/app", "targets", 0 },
		/* gid rule: primary group, supplementary group, neither. */
		{ 5, 2000, -1, "targets.update", "example.com/a/b/c", "targets/releases", 1 },
		{ 5, 100, 2000, "targets.update", "example.com/a", "targets/releases", 1 },
		{ 5, 100, 2000, "delegation.update", "example.com/a", "targets/releases", 1 },
		{ 5, 100, 2001, "targets.update", "example.com/a", "targets/releases", 0 },
		{ 5, 2000, -1, "targets.update", "example.com/a", "targets", 0 },
		{ 5, 2000, -1, "repo.init", "example.com/a", "targets/releases", 0 },
		{ 5, 2000, -1, "targets.update", "example.org/a", "targets/releases", 0 },
		/* user name rule, and ops that name no GUN or role. */
		{ 65534, 65534, -1, "status", NULL, NULL, 1 },
		{ 65534, 1, -1, "key.list", NULL, NULL, 1 },
		{ 65534, 1, -1, "key.generate", NULL, NULL, 0 },
		{ 65534, 1, -1, "status", "docker.io/pub", "targets/x/y", 1 },
		{ 65534, 1, -1, "status", "docker.io/pub2", NULL, 0 },
		/* group name rule. */
		{ 7, 65534, -1, "repo.init", "new/app", "root", 1 },
		{ 7, 3, 65534, "repo.init", "new/app", "targets", 1 },
		{ 7, 3, 65534, "repo.init", "new/app", "snapshot", 0 },
		{ 7, 3, -1, "repo.init", "new/app", "root", 0 },
		{ 7, 65534, -1, "repo.init", "new/a/b", "root", 0 },
	};
	struct policy_peer peer;
	struct policy *p = matrix_policy();
	char why[256];
	size_t i;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		peer_set(&peer, t[i].uid, t[i].gid, t[i].extra);
		rc = policy_check(p, &peer, t[i].op, t[i].gun, t[i].role, why,
		    sizeof(why));
		if ((rc == 0) != t[i].allowed)
			fail_msg("case %zu: uid %u op %s gun %s role %s: got %d"
			    " (%s)", i, (unsigned)t[i].uid, t[i].op,
			    t[i].gun ? t[i].gun : "-",
			    t[i].role ? t[i].role : "-", rc, why);
		if (!t[i].allowed) {
			assert_int_equal(rc, POLICY_ERR_DENIED);
			assert_non_null(strstr(why, "no rule grants uid"));
			assert_non_null(strstr(why, t[i].op));
		}
	}
	policy_free(p);
}

static void
test_deny_messages(void **state)
{
	struct policy_peer peer;
	struct policy *p = matrix_policy();
	char why[256];

	(void)state;
	peer_set(&peer, 1001, 1001, -1);
	assert_int_equal(policy_check(p, &peer, "targets.update", "docker.io/x",
	    "targets/ci", why, sizeof(why)), POLICY_ERR_DENIED);
	assert_non_null(strstr(why, "no rule grants uid 1001 op targets.update"
	    " on docker.io/x role targets/ci"));
	assert_non_null(strstr(why, "rule0 (uid 1001), whose gun does not match"));
	assert_int_equal(policy_check(p, &peer, "targets.update",
	    "docker.io/ci/x", "root", why, sizeof(why)), POLICY_ERR_DENIED);
	assert_non_null(strstr(why, "whose role does not match"));
	assert_int_equal(policy_check(p, &peer, "repo.init", "docker.io/ci/x",
	    "root", why, sizeof(why)), POLICY_ERR_DENIED);
	assert_non_null(strstr(why, "whose op does not match"));
	peer_set(&peer, 4242, 4242, -1);
	assert_int_equal(policy_check(p, &peer, "status", NULL, NULL, why,
	    sizeof(why)), POLICY_ERR_DENIED);
	assert_non_null(strstr(why, "no rule names uid 4242"));
	/* A short buffer is cut, not overrun. */
	assert_int_equal(policy_check(p, &peer, "status", NULL, NULL, why, 16),
	    POLICY_ERR_DENIED);
	assert_int_equal(strlen(why), 15);
	/* No policy at all refuses. */
	assert_int_equal(policy_check(NULL, &peer, "status", NULL, NULL, why,
	    sizeof(why)), POLICY_ERR_DENIED);
	policy_free(p);
}

static void
test_bad_rules(void **state)
{
	static const char *const globs[] = { "x" };
	static const char *const empty[] = { "" };
	struct policy *p = NULL;

	(void)state;
	assert_int_equal(policy_new(&p), 0);
	assert_int_equal(policy_rule_add(p, POLICY_WHO_UID, 1, "r", "",
	    globs, 1, globs, 1), POLICY_ERR_INVAL);
	assert_int_equal(policy_rule_add(p, POLICY_WHO_UID, 1, "r", "g",
	    globs, 0, globs, 1), POLICY_ERR_INVAL);
	assert_int_equal(policy_rule_add(p, POLICY_WHO_UID, 1, "r", "g",
	    globs, 1, empty, 1), POLICY_ERR_INVAL);
	assert_int_equal(policy_rule_count(p), 0);
	assert_int_equal(policy_user_resolve("no-such-user-xq", &(uid_t){0}),
	    POLICY_ERR_LOOKUP);
	assert_int_equal(policy_group_resolve("no-such-group-xq", &(gid_t){0}),
	    POLICY_ERR_LOOKUP);
	policy_free(p);
	policy_free(NULL);
}

static void
test_peer_init(void **state)
{
	struct policy_peer peer;
	size_t i;
	int found = 0;

	(void)state;
	/* root is in group root in every passwd database. */
	assert_int_equal(policy_peer_init(&peer, 0, 0, 1), 0);
	assert_int_equal(peer.uid, 0);
	assert_true(peer.ngroups >= 1);
	for (i = 0; i < peer.ngroups; i++)
		found |= peer.groups[i] == 0;
	assert_true(found);
	/* A uid with no passwd entry keeps just its primary group. */
	assert_int_equal(policy_peer_init(&peer, 3999999, 3999999, 1), 0);
	assert_int_equal(peer.ngroups, 1);
	assert_int_equal(peer.groups[0], 3999999);
}

struct reader {
	struct policy_store	*store;
	int			 allowed;
	int			 denied;
};

static void *
reader_main(void *arg)
{
	struct reader *r = arg;
	struct policy_peer peer;
	int i;

	peer_set(&peer, 1001, 1001, -1);
	for (i = 0; i < 20000; i++) {
		if (policy_store_check(r->store, &peer, "targets.update",
		    "docker.io/ci/app", "targets", NULL, 0) == 0)
			r->allowed++;
		else
			r->denied++;
	}
	return NULL;
}

/* Readers keep checking while the policy is swapped under them (SIGHUP). */
static void
test_store_swap(void **state)
{
	static const char *const roles[] = { "**" };
	static const char *const ops[] = { "*" };
	struct policy_store store;
	struct reader rd[3];
	pthread_t th[3];
	struct policy *p;
	int i;

	(void)state;
	assert_int_equal(policy_store_init(&store, matrix_policy()), 0);
	for (i = 0; i < 3; i++) {
		memset(&rd[i], 0, sizeof(rd[i]));
		rd[i].store = &store;
		assert_int_equal(pthread_create(&th[i], NULL, reader_main,
		    &rd[i]), 0);
	}
	for (i = 0; i < 500; i++) {
		if (i % 2 == 0) {
			assert_int_equal(policy_new(&p), 0);
			assert_int_equal(policy_rule_add(p, POLICY_WHO_UID, 9,
			    "other", "**", roles, 1, ops, 1), 0);
		} else
			p = matrix_policy();
		policy_store_swap(&store, p);
	}
	for (i = 0; i < 3; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(rd[i].allowed + rd[i].denied, 20000);
	}
	/* The last policy installed was matrix_policy: 1001 is allowed. */
	{
		struct policy_peer peer;

		peer_set(&peer, 1001, 1001, -1);
		assert_int_equal(policy_store_check(&store, &peer,
		    "targets.update", "docker.io/ci/app", "targets", NULL, 0), 0);
	}
	policy_store_cleanup(&store);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_glob_table),
		cmocka_unit_test(test_glob_random),
		cmocka_unit_test(test_matrix),
		cmocka_unit_test(test_deny_messages),
		cmocka_unit_test(test_bad_rules),
		cmocka_unit_test(test_peer_init),
		cmocka_unit_test(test_store_swap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
