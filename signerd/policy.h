/* SPDX-License-Identifier: Apache-2.0 */
/*
 * policy: who may ask signerd for what. A rule names one identity (uid,
 * gid, user or group; names resolved when the policy is built) and grants it
 * op globs on GUN globs and role globs. Anything no rule grants is refused,
 * with a message saying what was missing.
 *
 * Globs: '*' matches any run of characters except '/', '**' matches any run
 * including '/', '?' matches one character except '/', '\' quotes the next
 * character. Nothing else is special. The same matcher serves GUNs, roles
 * and ops, so the GUN glob "docker.io/<star>" does not grant "docker.io/a/b"
 * and the role glob "targets/<star>" does not grant "targets/a/b".
 */
#ifndef SIGNERD_POLICY_H
#define SIGNERD_POLICY_H

#include <pthread.h>
#include <stddef.h>
#include <sys/types.h>

/* Error codes. Never renumbered; new codes go at the end. */
#define POLICY_OK		 0
#define POLICY_ERR_NOMEM	-1
#define POLICY_ERR_DENIED	-2	/* no rule grants the request */
#define POLICY_ERR_LOOKUP	-3	/* a user or group name does not resolve */
#define POLICY_ERR_INVAL	-4	/* bad argument (empty glob, NULL, ...) */

#define POLICY_MAX_GROUPS	256

enum policy_who {
	POLICY_WHO_UID,
	POLICY_WHO_GID,
};

/* The peer of a connection, as SO_PEERCRED reports it, plus its groups. */
struct policy_peer {
	uid_t	uid;
	gid_t	gid;
	pid_t	pid;
	size_t	ngroups;			/* supplementary groups, gid included */
	gid_t	groups[POLICY_MAX_GROUPS];
};

struct policy;

/* An empty policy (refuses everything). */
int policy_new(struct policy **out);
void policy_free(struct policy *p);

/*
 * Adds a rule granting ops on gun for roles to one identity. label says
 * where it came from (e.g. "policy[2] user ci") and appears in messages.
 * All strings are copied. Returns 0, POLICY_ERR_NOMEM or POLICY_ERR_INVAL.
 */
int policy_rule_add(struct policy *p, enum policy_who who, unsigned long id,
    const char *label, const char *gun, const char *const *roles,
    size_t nroles, const char *const *ops, size_t nops);

/* Resolves a user name to a uid or a group name to a gid (getpwnam_r / getgrnam_r). */
int policy_user_resolve(const char *name, uid_t *uid);
int policy_group_resolve(const char *name, gid_t *gid);

/*
 * Fills peer from credentials and adds the supplementary groups the group
 * database gives the peer's user (getgrouplist). A uid with no passwd
 * entry keeps just its primary gid. Returns 0 or POLICY_ERR_NOMEM.
 */
int policy_peer_init(struct policy_peer *peer, uid_t uid, gid_t gid, pid_t pid);

/*
 * Fills peer from credentials and the supplementary groups the kernel
 * reported for the connection (SO_PEERGROUPS): no database lookup. At most
 * POLICY_MAX_GROUPS - 1 of groups are kept (gid comes first).
 */
void policy_peer_set(struct policy_peer *peer, uid_t uid, gid_t gid,
    pid_t pid, const gid_t *groups, size_t ngroups);

/*
 * Does a rule grant peer op on gun for role? gun and role may be NULL for
 * ops that name none (status, key.list): then the rule's gun or roles are
 * not consulted. Returns 0 if granted, POLICY_ERR_DENIED otherwise with
 * why (if non-NULL) naming what was missing.
 */
int policy_check(const struct policy *p, const struct policy_peer *peer,
    const char *op, const char *gun, const char *role, char *why,
    size_t whylen);

/* The glob matcher above; 1 on a match. Exposed for tests. */
int policy_glob_match(const char *glob, const char *s);

size_t policy_rule_count(const struct policy *p);

/*
 * The live policy of a running daemon: checks take a read lock, a reload
 * (SIGHUP) builds a new policy aside and swaps it in under the write lock,
 * so a check sees either the old rules or the new ones, never a mix.
 */
struct policy_store {
	pthread_rwlock_t	 lock;
	struct policy		*cur;
};

int policy_store_init(struct policy_store *s, struct policy *p);
void policy_store_cleanup(struct policy_store *s);
/* Installs p (taking ownership) and frees the previous policy. */
void policy_store_swap(struct policy_store *s, struct policy *p);
int policy_store_check(struct policy_store *s, const struct policy_peer *peer,
    const char *op, const char *gun, const char *role, char *why,
    size_t whylen);

const char *policy_strerror(int code);

#endif /* SIGNERD_POLICY_H */
