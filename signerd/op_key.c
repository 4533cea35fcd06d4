/* SPDX-License-Identifier: Apache-2.0 */
/* op_key: key.list and key.generate (signer keys and per-GUN role keys). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keys.h"
#include "ops.h"

/*
 * The public key as `docker trust key generate NAME` writes NAME.pub: a
 * PEM "PUBLIC KEY" block with the header "role: NAME" and the DER SPKI.
 */
static void
put_pem(struct json_buf *out, const char *role, const uint8_t *der,
    size_t len)
{
	struct json_buf pem, b64;
	size_t i;

	json_buf_init(&pem);
	json_buf_init(&b64);
	(void)tuf_b64_encode(der, len, &b64);
	OP_PUTS(&pem, "-----BEGIN PUBLIC KEY-----\nrole: ");
	json_put_raw(&pem, role, strlen(role));
	OP_PUTS(&pem, "\n\n");
	for (i = 0; i < b64.len; i += 64) {
		json_put_raw(&pem, b64.data + i, b64.len - i > 64 ? 64 :
		    b64.len - i);
		json_put_char(&pem, '\n');
	}
	OP_PUTS(&pem, "-----END PUBLIC KEY-----\n");
	if (pem.err == 0 && b64.err == 0)
		json_put_str(out, (const char *)pem.data, pem.len);
	else
		out->err = pem.err ? pem.err : b64.err;
	json_buf_cleanup(&pem);
	json_buf_cleanup(&b64);
}

int
op_key_generate(const struct op_call *c, struct json_buf *out,
    struct proto_error *err)
{
	static const char *const fields[] = { "signer", "gun", "role", "type",
	    NULL };
	struct keys_key k;
	const char *signer = NULL, *gun = NULL, *role = NULL, *type;
	char rolebuf[PROTO_ROLE_MAX + 1], msg[256];
	size_t len;
	int r;

	if (proto_req_check_members(c->req, fields, err) != 0)
		return -1;
	if (proto_req_has(c->req, "signer")) {
		if (proto_req_has(c->req, "gun") ||
		    proto_req_has(c->req, "role")) {
			proto_error_field(err, PROTO_CODE_BAD_REQUEST,
			    "signer", "give either signer, or gun and role");
			return -1;
		}
		if (proto_req_get_strn(c->req, "signer", PROTO_SIGNER_MAX + 1,
		    &signer, &len, err) != 0 ||
		    proto_signer_check("signer", signer, len, err) != 0)
			return -1;
		snprintf(rolebuf, sizeof(rolebuf), "targets/%s", signer);
		role = rolebuf;
	} else {
		if (op_get_gun(c, &gun, err) != 0 ||
		    proto_req_get_strn(c->req, "role", PROTO_ROLE_MAX + 1,
		    &role, &len, err) != 0)
			return -1;
		if (strcmp(role, "targets") != 0 &&
		    strcmp(role, "snapshot") != 0) {
			proto_error_field(err, PROTO_CODE_BAD_REQUEST, "role",
			    "a role key is for \"targets\" or \"snapshot\"");
			return -1;
		}
	}
	if (proto_req_has(c->req, "type")) {
		if (proto_req_get_strn(c->req, "type", 16, &type, &len,
		    err) != 0)
			return -1;
		if (strcmp(type, "ecdsa") != 0) {
			proto_error_field(err, PROTO_CODE_BAD_REQUEST, "type",
			    "only \"ecdsa\" keys are made");
			return -1;
		}
	}
	if (op_allow(c, gun, role, err) != 0)
		return -1;
	msg[0] = '\0';
	r = keys_generate(c->sd->keys, KEYS_ONLINE, role, gun ? gun : "*",
	    &k, msg, sizeof(msg));
	if (r != 0) {
		proto_error_set(err, PROTO_CODE_TOKEN_ERROR, "online token: "
		    "key generation failed: %s", msg[0] ? msg :
		    keys_strerror(r));
		return -1;
	}
	if (op_audit_event(c, gun, role, k.info->id, "ok",
	    "key generated") != 0) {
		proto_error_set(err, PROTO_CODE_INTERNAL, "the audit log "
		    "cannot be written");
		return -1;
	}
	OP_PUTS(out, "{\"id\":");
	json_put_str(out, k.info->id, strlen(k.info->id));
	OP_PUTS(out, ",\"public_pem\":");
	put_pem(out, signer != NULL ? signer : role, k.spki, k.spki_len);
	OP_PUTS(out, ",\"role\":");
	json_put_str(out, role, strlen(role));
	OP_PUTS(out, ",\"type\":\"ecdsa\"}");
	return 0;
}

int
op_key_list(const struct op_call *c, struct json_buf *out,
    struct proto_error *err)
{
	static const char *const fields[] = { "gun", "role", NULL };
	struct keys_info *v = NULL;
	const char *gun = NULL, *role = NULL;
	size_t n = 0, i, len;
	int first = 1;

	if (proto_req_check_members(c->req, fields, err) != 0)
		return -1;
	if (proto_req_has(c->req, "gun") && op_get_gun(c, &gun, err) != 0)
		return -1;
	if (proto_req_has(c->req, "role") && (proto_req_get_strn(c->req,
	    "role", PROTO_ROLE_MAX + 1, &role, &len, err) != 0 ||
	    proto_role_check("role", role, len, PROTO_ROLE_TARGETS |
	    PROTO_ROLE_DELEGATION | PROTO_ROLE_BASE, err) != 0))
		return -1;
	if (op_allow(c, gun, role, err) != 0)
		return -1;
	if (keys_list(c->sd->keys, &v, &n) != 0) {
		proto_error_set(err, PROTO_CODE_TOKEN_ERROR, "cannot list keys");
		return -1;
	}
	OP_PUTS(out, "{\"keys\":[");
	for (i = 0; i < n; i++) {
		int signer = strcmp(v[i].gun, "*") == 0 &&
		    strncmp(v[i].role, "targets/", 8) == 0;

		if (v[i].role[0] == '\0')
			continue;
		if (gun != NULL && strcmp(v[i].gun, gun) != 0 && !signer)
			continue;
		if (role != NULL && strcmp(v[i].role, role) != 0)
			continue;
		if (!first)
			json_put_char(out, ',');
		first = 0;
		if (!signer) {
			OP_PUTS(out, "{\"gun\":");
			json_put_str(out, v[i].gun, strlen(v[i].gun));
			OP_PUTS(out, ",\"id\":");
		} else
			OP_PUTS(out, "{\"id\":");
		json_put_str(out, v[i].id, strlen(v[i].id));
		OP_PUTS(out, ",\"role\":");
		json_put_str(out, v[i].role, strlen(v[i].role));
		if (signer) {
			OP_PUTS(out, ",\"signer\":");
			json_put_str(out, v[i].role + 8, strlen(v[i].role + 8));
		}
		OP_PUTS(out, ",\"token\":");
		json_put_str(out, v[i].slot == KEYS_ROOT ? "root" : "online",
		    v[i].slot == KEYS_ROOT ? 4 : 6);
		OP_PUTS(out, ",\"type\":\"ecdsa\"}");
	}
	OP_PUTS(out, "]}");
	free(v);
	return 0;
}
