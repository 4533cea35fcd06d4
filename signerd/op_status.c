/* SPDX-License-Identifier: Apache-2.0 */
/* op_status: version, tokens and counts; open to every peer that can connect. */
#include <string.h>
#include <time.h>

#include "keys.h"
#include "ledger.h"
#include "ops.h"

static void
put_token(struct json_buf *out, int present, int unlocked)
{
	OP_PUTS(out, "{\"present\":");
	json_put_raw(out, present ? "true" : "false", present ? 4 : 5);
	OP_PUTS(out, ",\"unlocked\":");
	json_put_raw(out, unlocked ? "true" : "false", unlocked ? 4 : 5);
	json_put_char(out, '}');
}

int
op_status(const struct op_call *c, struct json_buf *out,
    struct proto_error *err)
{
	static const char *const fields[] = { NULL };
	struct signerd *sd = c->sd;
	struct timespec ts;
	int64_t guns = 0, sigs = 0, left = 0;
	int p, u, perm, rp, ru, rperm;

	if (proto_req_check_members(c->req, fields, err) != 0)
		return -1;
	if (ledger_stats(sd->ledger, &guns, &sigs) != 0) {
		proto_error_set(err, PROTO_CODE_INTERNAL, "ledger unreadable");
		return -1;
	}
	keys_state(sd->keys, KEYS_ONLINE, &p, &u, &perm);
	keys_state(sd->keys, KEYS_ROOT, &rp, &ru, &rperm);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	pthread_mutex_lock(&sd->cer_mu);
	if (sd->root_until > ts.tv_sec)
		left = sd->root_until - ts.tv_sec;
	pthread_mutex_unlock(&sd->cer_mu);
	if (!rperm && left == 0)
		ru = 0;
	OP_PUTS(out, "{\"counts\":{\"guns\":");
	json_put_int(out, guns);
	OP_PUTS(out, ",\"signatures\":");
	json_put_int(out, sigs);
	OP_PUTS(out, "},\"protocol\":1,\"root_keys\":");
	json_put_str(out, rp == 2 ? "online" : "root", rp == 2 ? 6 : 4);
	if (!rperm && left > 0) {
		OP_PUTS(out, ",\"root_unlock_expires_in\":");
		json_put_int(out, left);
	}
	OP_PUTS(out, ",\"tokens\":{\"online\":");
	put_token(out, p, u);
	if (rp == 1) {
		OP_PUTS(out, ",\"root\":");
		put_token(out, rp, ru);
	}
	OP_PUTS(out, "},\"version\":");
	json_put_str(out, SIGNERD_VERSION, strlen(SIGNERD_VERSION));
	json_put_char(out, '}');
	return 0;
}
