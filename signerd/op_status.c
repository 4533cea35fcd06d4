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
	json_put_raw(out, "{\"present\":", 11);
	json_put_raw(out, present ? "true" : "false", present ? 4 : 5);
	json_put_raw(out, ",\"unlocked\":", 12);
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
	json_put_raw(out, "{\"counts\":{\"guns\":", 18);
	json_put_int(out, guns);
	json_put_raw(out, ",\"signatures\":", 14);
	json_put_int(out, sigs);
	json_put_raw(out, "},\"protocol\":1,\"root_keys\":", 27);
	json_put_str(out, rp == 2 ? "online" : "root", rp == 2 ? 6 : 4);
	if (!rperm && left > 0) {
		json_put_raw(out, ",\"root_unlock_expires_in\":", 26);
		json_put_int(out, left);
	}
	json_put_raw(out, ",\"tokens\":{\"online\":", 20);
	put_token(out, p, u);
	if (rp == 1) {
		json_put_raw(out, ",\"root\":", 8);
		put_token(out, rp, ru);
	}
	json_put_raw(out, "},\"version\":", 12);
	json_put_str(out, SIGNERD_VERSION, strlen(SIGNERD_VERSION));
	json_put_char(out, '}');
	return 0;
}
