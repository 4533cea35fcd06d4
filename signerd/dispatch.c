/* SPDX-License-Identifier: Apache-2.0 */
/* dispatch: the server's request handler; finds the op, reads the peer, runs it. */
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "keys.h"
#include "ops.h"
#include "policy.h"

static const struct {
	const char	*name;
	op_fn		*fn;
} ops[] = {
	{ "ceremony.lock",	op_ceremony_lock },
	{ "ceremony.unlock",	op_ceremony_unlock },
	{ "delegation.update",	op_delegation_update },
	{ "key.generate",	op_key_generate },
	{ "key.list",		op_key_list },
	{ "repo.init",		op_repo_init },
	{ "status",		op_status },
	{ "targets.update",	op_targets_update },
};

int
signerd_init(struct signerd *sd)
{
	memset(sd, 0, sizeof(*sd));
	sd->expiry.root = CONFIG_DEFAULT_EXPIRY_ROOT;
	sd->expiry.targets = CONFIG_DEFAULT_EXPIRY_TARGETS;
	sd->expiry.snapshot = CONFIG_DEFAULT_EXPIRY_SNAPSHOT;
	sd->expiry.delegation = CONFIG_DEFAULT_EXPIRY_DELEGATION;
	sd->expiry.timestamp = CONFIG_DEFAULT_EXPIRY_TIMESTAMP;
	if (pthread_rwlock_init(&sd->root_rw, NULL) != 0)
		return -1;
	if (pthread_mutex_init(&sd->cer_mu, NULL) != 0) {
		pthread_rwlock_destroy(&sd->root_rw);
		return -1;
	}
	if (pthread_mutex_init(&sd->last_mu, NULL) != 0 ||
	    (sd->last_tab = calloc(OPS_LAST_BUCKETS,
	    sizeof(*sd->last_tab))) == NULL)
		return -1;
	return 0;
}

void
signerd_cleanup(struct signerd *sd)
{
	pthread_rwlock_destroy(&sd->root_rw);
	pthread_mutex_destroy(&sd->cer_mu);
	op_last_free(sd);
	pthread_mutex_destroy(&sd->last_mu);
}

/* Locks the root token again once a ceremony's lifetime is over. */
void
signerd_tick(struct signerd *sd)
{
	struct timespec ts;
	int expired;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	pthread_mutex_lock(&sd->cer_mu);
	expired = sd->root_until != 0 && ts.tv_sec >= sd->root_until;
	if (expired)
		sd->root_until = 0;
	pthread_mutex_unlock(&sd->cer_mu);
	if (!expired)
		return;
	pthread_rwlock_wrlock(&sd->root_rw);
	keys_lock_slot(sd->keys, KEYS_ROOT);
	pthread_rwlock_unlock(&sd->root_rw);
	op_log(sd, LOG_NOTICE, "root token locked: ceremony lifetime over");
}

int
signerd_handle(void *ctx, const struct server_peer *speer,
    const struct proto_req *req, struct json_buf *result,
    struct proto_att *att, struct proto_error *err)
{
	struct signerd *sd = ctx;
	struct policy_peer *peer;
	struct op_call c;
	size_t i;
	int r;

	signerd_tick(sd);
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (strcmp(ops[i].name, req->op) == 0)
			break;
	if (i == sizeof(ops) / sizeof(ops[0])) {
		proto_error_field(err, PROTO_CODE_UNKNOWN_OP, "op",
		    "unknown op \"%s\"", req->op);
		return -1;
	}
	/* Large (groups): on the heap, not on a worker's stack. */
	if ((peer = malloc(sizeof(*peer))) == NULL) {
		proto_error_set(err, PROTO_CODE_INTERNAL, "out of memory");
		return -1;
	}
	/* The groups the kernel gave at accept; the database only without them. */
	if (speer->groups_known)
		policy_peer_set(peer, speer->uid, speer->gid, speer->pid,
		    speer->groups, speer->ngroups);
	else if (policy_peer_init(peer, speer->uid, speer->gid,
	    speer->pid) != 0) {
		free(peer);
		proto_error_set(err, PROTO_CODE_INTERNAL, "out of memory");
		return -1;
	}
	c.sd = sd;
	c.req = req;
	c.speer = speer;
	c.peer = peer;
	c.att = att;
	r = ops[i].fn(&c, result, err);
	free(peer);
	if (r != 0 && err->code == PROTO_CODE_NONE)
		proto_error_set(err, PROTO_CODE_INTERNAL, "%s failed", req->op);
	return r != 0 ? -1 : 0;
}
