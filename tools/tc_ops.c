/* SPDX-License-Identifier: Apache-2.0 */
/* What the signing verbs share: signerd calls, metadata bases, publishing, repository creation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "notary_http.h"
#include "proto.h"
#include "repo.h"
#include "signerd_client.h"
#include "trustctl.h"
#include "truststore.h"
#include "tuf.h"

/* Signing with a hardware token may take a while; a root ceremony longer. */
#define SIGNERD_TIMEOUT_MS	120000

void
tc_put_base(struct tc *t, struct json_buf *b, const struct truststore *files,
    const char *const *roles, size_t n)
{
	const struct truststore_file	*f;
	size_t				 i;
	int				 first = 1;

	json_put_raw(b, "\"base\":{", 8);
	for (i = 0; i < n; i++) {
		size_t j;

		for (j = 0; j < i && strcmp(roles[j], roles[i]) != 0; j++)
			continue;
		if (j < i || (f = truststore_get(files, roles[i])) == NULL)
			continue;	/* named twice, or absent */
		if (!first)
			json_put_char(b, ',');
		first = 0;
		json_put_str(b, roles[i], strlen(roles[i]));
		json_put_char(b, ':');
		/* Unescaped after the text: megabytes not escaped twice over. */
		(void)proto_att_ref(b, &t->att, f->data, f->len);
	}
	json_put_char(b, '}');
}

/* 0; -1 after an error line; -2 when signerd refused (msg filled, not printed). */
static int
call_quiet(struct tc *t, const char *op, const struct json_buf *fields,
    struct proto_resp *resp, char *msg, size_t len)
{
	struct sdc	*c;
	int		 r;

	memset(resp, 0, sizeof(*resp));
	if (fields != NULL && fields->err != 0) {
		tc_fail("building the %s request: %s", op,
		    json_strerror(fields->err));
		proto_att_init(&t->att);
		return -1;
	}
	if ((c = tc_signerd(t)) == NULL) {
		proto_att_init(&t->att);
		return -1;
	}
	r = sdc_call(c, op, fields ? fields->data : NULL,
	    fields ? fields->len : 0, &t->att, SIGNERD_TIMEOUT_MS, resp, msg,
	    len);
	proto_att_init(&t->att);	/* references only: nothing to free */
	if (r == SDC_ERR_REFUSED)
		return -2;
	if (r != 0) {
		tc_fail("%s", msg);
		return -1;
	}
	return 0;
}

int
tc_call(struct tc *t, const char *op, const struct json_buf *fields,
    struct proto_resp *resp)
{
	char	msg[1024];
	int	r;

	if ((r = call_quiet(t, op, fields, resp, msg, sizeof(msg))) == -2)
		tc_fail("%s", msg);
	return r == 0 ? 0 : -1;
}

int
tc_result_files(const struct proto_resp *resp, const char *op,
    struct truststore *files)
{
	const struct json_value	*fv, *f;
	const char		*key, *s;
	size_t			 i, klen, slen;

	fv = json_object_get(resp->result, "files");
	if (json_value_type(fv) != JSON_OBJECT) {
		tc_fail("signerd's answer to %s holds no files", op);
		return -1;
	}
	for (i = 0; i < json_value_count(fv); i++) {
		f = json_object_at(fv, i, &key, &klen);
		if ((s = json_value_str(f, &slen)) == NULL ||
		    strlen(key) != klen) {
			tc_fail("signerd's answer to %s: file \"%.*s\" is not "
			    "a string", op, (int)(klen > 64 ? 64 : klen), key);
			return -1;
		}
		if (truststore_set(files, key, (const uint8_t *)s, slen) != 0) {
			tc_fail("out of memory");
			return -1;
		}
	}
	return 0;
}

void
tc_keep_published(struct repo *rp, const struct truststore *up)
{
	size_t	i;

	for (i = 0; i < up->n; i++)
		if (strcmp(up->f[i].role, "root") != 0)
			(void)truststore_set(&rp->files, up->f[i].role,
			    up->f[i].data, up->f[i].len);
}

int
tc_publish(struct tc *t, const char *gun, const struct truststore *files)
{
	struct notary_http	*h;
	struct notary_http_file	*up;
	const struct notary_http_error *e;
	size_t			 i;
	int			 r;

	if ((h = tc_http(t)) == NULL)
		return -1;
	if ((up = calloc(files->n ? files->n : 1, sizeof(*up))) == NULL) {
		tc_fail("out of memory");
		return -1;
	}
	for (i = 0; i < files->n; i++) {
		up[i].role = files->f[i].role;
		up[i].data = files->f[i].data;
		up[i].len = files->f[i].len;
	}
	r = notary_http_publish(h, gun, up, files->n);
	free(up);
	if (r != 0) {
		e = notary_http_last_error(h);
		if (e->reason[0] != '\0' || e->code[0] != '\0')
			tc_fail("publishing %s: the server refused the update "
			    "(%s%s%s%s%s): %s", gun, e->code, e->reason[0] ?
			    " " : "", e->reason, e->role[0] ? ", role " : "",
			    e->role, e->message);
		else
			tc_http_fail(t, "publishing", r);
		return -1;
	}
	return 0;
}

/* Key IDs signerd holds for gun (signer keys included). */
static int
held_keys(struct tc *t, const char *gun, struct proto_resp *resp,
    const struct json_value **keys)
{
	struct json_buf	 f;
	int		 r;

	json_buf_init(&f);
	json_put_raw(&f, "\"gun\":", 6);
	json_put_str(&f, gun, strlen(gun));
	r = tc_call(t, "key.list", &f, resp);
	json_buf_cleanup(&f);
	if (r != 0)
		return -1;
	*keys = json_object_get(resp->result, "keys");
	if (json_value_type(*keys) != JSON_ARRAY) {
		tc_fail("signerd's answer to key.list holds no keys");
		return -1;
	}
	return 0;
}

static int
role_held(const struct tuf_role *role, const struct json_value *keys)
{
	size_t		 i, j, l;
	const char	*id;

	for (i = 0; role != NULL && i < role->nkeyids; i++)
		for (j = 0; j < json_value_count(keys); j++) {
			id = json_value_str(json_object_get(
			    json_array_at(keys, j), "id"), &l);
			if (id != NULL && strcmp(id, role->keyids[i]) == 0)
				return 1;
		}
	return 0;
}

int
tc_signable_roles(struct tc *t, const struct repo *rp, int with_targets,
    const char ***roles, size_t *n)
{
	const struct tuf_meta	*tg = tuf_verifier_get(rp->v, "targets");
	const struct tuf_meta	*root = tuf_verifier_get(rp->v, "root");
	const struct json_value	*keys;
	struct proto_resp	 resp;
	const char		**out;
	size_t			  i, cnt = 0;
	int			  rc = -1;

	*roles = NULL;
	*n = 0;
	if ((out = calloc(tg->targets.ndroles + 1, sizeof(*out))) == NULL) {
		tc_fail("out of memory");
		return -1;
	}
	if (tg->targets.ndroles == 0 && !with_targets) {
		out[cnt++] = "targets";
		*roles = out;
		*n = cnt;
		return 0;
	}
	if (held_keys(t, rp->gun, &resp, &keys) != 0)
		goto out;
	for (i = 0; i < tg->targets.ndroles; i++)
		if (role_held(&tg->targets.droles[i], keys))
			out[cnt++] = tg->targets.droles[i].name;
	if (with_targets && role_held(tuf_root_role(&root->root, "targets"),
	    keys))
		out[cnt++] = "targets";
	if (cnt == 0 && tg->targets.ndroles > 0) {
		tc_fail("%s has delegations, but signerd holds no key of any "
		    "of them: add a signer whose key signerd holds, or give "
		    "--role targets to sign as repository admin", rp->gun);
		goto out;
	}
	if (cnt == 0) {
		tc_fail("signerd holds no key of any role of %s", rp->gun);
		goto out;
	}
	*roles = out;
	*n = cnt;
	out = NULL;
	rc = 0;
out:
	free(out);
	proto_resp_cleanup(&resp);
	return rc;
}

int
tc_repo_create(struct tc *t, const char *gun, int local_snapshot,
    int from_sign)
{
	struct notary_http	*h;
	struct proto_resp	 resp;
	struct truststore	 files;
	struct json_buf		 f;
	struct repo		*rp = NULL;
	uint8_t			*tsk = NULL, *snk = NULL, *probe = NULL;
	size_t			 tsl, snl, pl;
	char			 msg[1024];
	int			 r, rc = -1;

	memset(&files, 0, sizeof(files));
	memset(&resp, 0, sizeof(resp));
	json_buf_init(&f);
	if ((h = tc_http(t)) == NULL)
		goto out;
	r = notary_http_get_meta(h, gun, "root", 0, &probe, &pl);
	if (r == 0) {
		tc_fail("%s already has trust data on the server; nothing "
		    "initialised", gun);
		goto out;
	}
	if (r != NOTARY_HTTP_ERR_NOT_FOUND) {
		tc_http_fail(t, "checking for an existing repository", r);
		goto out;
	}
	if ((r = notary_http_get_key(h, gun, "timestamp", &tsk, &tsl)) != 0) {
		tc_http_fail(t, "fetching the server's timestamp key", r);
		goto out;
	}
	if (!local_snapshot && (r = notary_http_get_key(h, gun, "snapshot",
	    &snk, &snl)) != 0) {
		tc_http_fail(t, "fetching the server's snapshot key", r);
		goto out;
	}
	json_put_raw(&f, "\"gun\":", 6);
	json_put_str(&f, gun, strlen(gun));
	json_put_raw(&f, ",\"timestamp_key\":", 17);
	json_put_str(&f, (const char *)tsk, tsl);
	if (snk != NULL) {
		json_put_raw(&f, ",\"snapshot_key\":", 16);
		json_put_str(&f, (const char *)snk, snl);
	}
	if ((r = call_quiet(t, "repo.init", &f, &resp, msg,
	    sizeof(msg))) != 0) {
		if (r == -2 && from_sign && (resp.code == PROTO_CODE_LOCKED ||
		    resp.code == PROTO_CODE_UNAVAILABLE))
			tc_fail("%s has no trust data yet and signerd cannot "
			    "use a root key now (%s): run `trustctl init %s` "
			    "at a ceremony", gun, resp.code_name, gun);
		else if (r == -2)
			tc_fail("%s", msg);
		goto out;
	}
	if (tc_result_files(&resp, "repo.init", &files) != 0)
		goto out;
	if (truststore_get(&files, "root") == NULL ||
	    truststore_get(&files, "targets") == NULL) {
		tc_fail("signerd's answer to repo.init lacks root or targets");
		goto out;
	}
	if (tc_publish(t, gun, &files) != 0)
		goto out;
	/* We made this root: it is the one to pin, whatever was pinned. */
	if (truststore_forget(t->trust_dir, gun) != 0) {
		tc_fail("removing stale trust data of %s under %s", gun,
		    t->trust_dir);
		goto out;
	}
	if (tc_repo_load(t, gun, 0, &rp) != 0 || tc_repo_commit(t, rp) != 0)
		goto out;
	rc = 0;
out:
	repo_free(rp);
	free(probe);
	free(tsk);
	free(snk);
	truststore_free(&files);
	proto_resp_cleanup(&resp);
	json_buf_cleanup(&f);
	return rc;
}
