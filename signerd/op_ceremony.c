/* SPDX-License-Identifier: Apache-2.0 */
/* op_ceremony: unlocking the root token with a PIN for a bounded time, and locking it. */
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "keys.h"
#include "ops.h"

#define PIN_MAX 256

int
op_ceremony_unlock(const struct op_call *c, struct json_buf *out,
    struct proto_error *err)
{
	static const char *const fields[] = { "pin", "lifetime", NULL };
	struct signerd *sd = c->sd;
	struct timespec ts;
	char pin[PIN_MAX + 1], msg[256];
	const char *p = NULL;
	size_t plen = 0;
	int64_t life;
	int present, unlocked, perm, r = -1;

	if (op_allow(c, NULL, "root", err) != 0)
		return -1;
	if (proto_req_check_members(c->req, fields, err) != 0 ||
	    proto_req_get_strn(c->req, "pin", PIN_MAX, &p, &plen, err) != 0 ||
	    proto_req_get_int(c->req, "lifetime", 1, SIGNERD_UNLOCK_MAX,
	    &life, err) != 0)
		goto out;
	if (plen == 0) {
		proto_error_field(err, PROTO_CODE_BAD_REQUEST, "pin",
		    "empty PIN");
		goto out;
	}
	keys_state(sd->keys, KEYS_ROOT, &present, &unlocked, &perm);
	if (present != 1 || perm) {
		proto_error_set(err, PROTO_CODE_UNAVAILABLE, present == 2 ?
		    "no root token is configured: root keys are on the online "
		    "token" : present ? "the root token is unlocked by its "
		    "PIN file; there is nothing to unlock" :
		    "no root token is configured");
		goto out;
	}
	memcpy(pin, p, plen);
	pin[plen] = '\0';
	msg[0] = '\0';
	pthread_rwlock_wrlock(&sd->root_rw);
	r = keys_unlock(sd->keys, KEYS_ROOT, pin, plen, msg, sizeof(msg));
	explicit_bzero(pin, sizeof(pin));
	if (r == 0) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		pthread_mutex_lock(&sd->cer_mu);
		sd->root_until = ts.tv_sec + life;
		pthread_mutex_unlock(&sd->cer_mu);
	}
	pthread_rwlock_unlock(&sd->root_rw);
	if (r != 0) {
		proto_error_set(err, PROTO_CODE_TOKEN_ERROR, "%s", r ==
		    KEYS_ERR_PIN ? "the root token refused the PIN" : msg);
		(void)op_audit_event(c, NULL, "root", NULL, "error",
		    r == KEYS_ERR_PIN ? "PIN refused" : "token error");
		r = -1;
		goto out;
	}
	if (op_audit_event(c, NULL, "root", NULL, "ok", "root token "
	    "unlocked") != 0)
		op_log(sd, LOG_ERR, "audit log write failed (ceremony.unlock)");
	op_log(sd, LOG_NOTICE, "root token unlocked by uid %u for %lld s",
	    (unsigned)c->speer->uid, (long long)life);
	OP_PUTS(out, "{\"expires_in\":");
	json_put_int(out, life);
	json_put_char(out, '}');
	r = 0;
out:
	/* The PIN also lives in the request document: wipe it there too. */
	if (p != NULL)
		explicit_bzero((char *)(uintptr_t)p, plen);
	return r;
}

int
op_ceremony_lock(const struct op_call *c, struct json_buf *out,
    struct proto_error *err)
{
	static const char *const fields[] = { NULL };
	struct signerd *sd = c->sd;
	int present, unlocked, perm;

	if (op_allow(c, NULL, "root", err) != 0 ||
	    proto_req_check_members(c->req, fields, err) != 0)
		return -1;
	keys_state(sd->keys, KEYS_ROOT, &present, &unlocked, &perm);
	if (present != 1 || perm) {
		proto_error_set(err, PROTO_CODE_UNAVAILABLE, "the root token "
		    "is not unlocked by ceremonies in this configuration");
		return -1;
	}
	pthread_mutex_lock(&sd->cer_mu);
	sd->root_until = 0;
	pthread_mutex_unlock(&sd->cer_mu);
	pthread_rwlock_wrlock(&sd->root_rw);
	keys_lock_slot(sd->keys, KEYS_ROOT);
	pthread_rwlock_unlock(&sd->root_rw);
	(void)op_audit_event(c, NULL, "root", NULL, "ok", "root token locked");
	OP_PUTS(out, "{}");
	return 0;
}
