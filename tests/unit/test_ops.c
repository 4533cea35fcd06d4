/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ops over the software key backend: every op's happy path, the files
 * checked by tuf/'s verifier as a fresh Notary client would, retries,
 * ledger refusals, the ceremony, the policy, and a catalogue of bad inputs
 * that must change nothing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/stat.h>

#include <openssl/sha.h>
#include <sqlite3.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "json.h"
#include "keys.h"
#include "keys_soft.h"
#include "ledger.h"
#include "ops.h"
#include "policy.h"
#include "proto.h"
#include "tuf.h"

#define GUN "example.com/app"

struct files {
	size_t	 n;
	char	*role[8];
	char	*data[8];
	size_t	 len[8];
};

struct fx {
	char			 dir[64];
	char			 auditpath[128];
	struct keys		 keys;
	struct keys		 server;	/* the "notary-server's" keys */
	struct ledger		*ledger;
	struct audit		*audit;
	struct policy_store	 ps;
	int			 has_ps;
	struct signerd		 sd;
	char			 ts_json[512];	/* server timestamp key as fetched */
	char			 sn_json[512];	/* server snapshot key */
	struct keys_key		 ts, sn;
};

static void
files_free(struct files *f)
{
	size_t i;

	for (i = 0; i < f->n; i++) {
		free(f->role[i]);
		free(f->data[i]);
	}
	memset(f, 0, sizeof(*f));
}

static void
files_set(struct files *f, const char *role, const char *data, size_t len)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		if (strcmp(f->role[i], role) == 0)
			break;
	if (i == f->n) {
		assert_true(f->n < 8);
		f->role[f->n++] = strdup(role);
	} else
		free(f->data[i]);
	f->data[i] = malloc(len + 1);
	assert_non_null(f->data[i]);
	memcpy(f->data[i], data, len);
	f->data[i][len] = '\0';
	f->len[i] = len;
}

static const char *
files_get(const struct files *f, const char *role, size_t *len)
{
	size_t i;

	if (len != NULL)
		*len = 0;
	for (i = 0; i < f->n; i++)
		if (strcmp(f->role[i], role) == 0) {
			if (len != NULL)
				*len = f->len[i];
			return f->data[i];
		}
	return NULL;
}

static void
files_merge(struct files *dst, const struct files *src)
{
	size_t i;

	for (i = 0; i < src->n; i++)
		files_set(dst, src->role[i], src->data[i], src->len[i]);
}

/* {"keytype":"ecdsa","keyval":{"private":null,"public":B64}} */
static void
server_key_json(const struct keys_key *k, char *out, size_t outlen)
{
	struct json_buf b;

	json_buf_init(&b);
	tuf_b64_encode(k->spki, k->spki_len, &b);
	json_put_char(&b, '\0');
	assert_int_equal(b.err, 0);
	snprintf(out, outlen, "{\"keytype\":\"ecdsa\",\"keyval\":{\"private\":"
	    "null,\"public\":\"%s\"}}", (const char *)b.data);
	json_buf_cleanup(&b);
}

static int
fx_setup_mode(void **state, int root_mode)
{
	const struct keys_backend_ops *ops;
	struct fx *f = calloc(1, sizeof(*f));
	void *ctx;
	char msg[256];

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_ops.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->auditpath, sizeof(f->auditpath), "%s/audit.log", f->dir);
	assert_int_equal(keys_soft_new(root_mode, &ops, &ctx), 0);
	assert_int_equal(keys_init(&f->keys, ops, ctx), 0);
	assert_int_equal(keys_soft_new(0, &ops, &ctx), 0);
	assert_int_equal(keys_init(&f->server, ops, ctx), 0);
	assert_int_equal(ledger_open(f->dir, &f->ledger, msg, sizeof(msg)), 0);
	assert_int_equal(audit_open(f->auditpath, &f->audit, NULL, msg,
	    sizeof(msg)), 0);
	assert_int_equal(signerd_init(&f->sd), 0);
	f->sd.keys = &f->keys;
	f->sd.ledger = f->ledger;
	f->sd.audit = f->audit;
	assert_int_equal(keys_generate(&f->server, KEYS_ONLINE, "timestamp",
	    GUN, &f->ts, msg, sizeof(msg)), 0);
	assert_int_equal(keys_generate(&f->server, KEYS_ONLINE, "snapshot",
	    GUN, &f->sn, msg, sizeof(msg)), 0);
	server_key_json(&f->ts, f->ts_json, sizeof(f->ts_json));
	server_key_json(&f->sn, f->sn_json, sizeof(f->sn_json));
	*state = f;
	return 0;
}

static int
fx_setup(void **state)
{
	return fx_setup_mode(state, 1);
}

static int
fx_setup_locked(void **state)
{
	return fx_setup_mode(state, 2);
}

static int
fx_teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	signerd_cleanup(&f->sd);
	if (f->has_ps)
		policy_store_cleanup(&f->ps);
	audit_close(f->audit);
	ledger_close(f->ledger);
	keys_free(&f->keys);
	keys_free(&f->server);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

/* Attachments the last call's reply carried. */
static size_t last_att_n;

/*
 * Runs one request. Returns the handler's result (0 ok), with the result
 * object's "files" in *out (if out) and the whole result text in *res.
 */
static int
call(struct fx *f, const char *req, size_t len, struct files *out,
    char **res, struct proto_error *err)
{
	struct server_peer peer = { .uid = getuid(), .gid = getgid(),
	    .pid = getpid(), .conn_id = 1 };
	struct proto_req r;
	struct json_buf b;
	struct json_doc *doc = NULL;
	struct proto_att att;
	const struct json_value *fo, *v;
	const char *key, *s;
	size_t i, kl, sl;
	int64_t ai;
	int rc;

	proto_error_clear(err);
	proto_att_init(&att);
	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (res != NULL)
		*res = NULL;
	memset(&r, 0, sizeof(r));
	rc = proto_req_decode((const uint8_t *)req, len, NULL, &r, err);
	if (rc != 0) {
		proto_req_cleanup(&r);
		return rc;
	}
	json_buf_init(&b);
	rc = signerd_handle(&f->sd, &peer, &r, &b, &att, err);
	if (!r.att)
		assert_int_equal(att.n, 0);
	last_att_n = att.n;
	proto_req_cleanup(&r);
	if (rc == 0) {
		assert_int_equal(b.err, 0);
		assert_int_equal(json_doc_parse(b.data, b.len, NULL, &doc,
		    NULL), 0);
		fo = json_object_get(json_doc_root(doc), "files");
		for (i = 0; out != NULL && i < json_value_count(fo); i++) {
			v = json_object_at(fo, i, &key, &kl);
			if (json_value_int(json_object_get(v, "att"),
			    &ai) == 0) {
				assert_true(ai >= 0 && (size_t)ai < att.n);
				s = (const char *)att.p[ai];
				sl = att.len[ai];
			} else
				s = json_value_str(v, &sl);
			files_set(out, key, s, sl);
		}
		json_doc_free(doc);
		if (res != NULL) {
			*res = calloc(1, b.len + 1);
			memcpy(*res, b.data, b.len);
		}
	}
	json_buf_cleanup(&b);
	proto_att_cleanup(&att);
	return rc;
}

static int
callz(struct fx *f, const char *req, struct files *out,
    struct proto_error *err)
{
	return call(f, req, strlen(req), out, NULL, err);
}

/* ,"base":{...} */
static void
put_base(struct json_buf *b, const struct files *base)
{
	size_t i;

	json_put_raw(b, ",\"base\":{", 9);
	for (i = 0; i < base->n; i++) {
		if (i > 0)
			json_put_char(b, ',');
		json_put_str(b, base->role[i], strlen(base->role[i]));
		json_put_char(b, ':');
		json_put_str(b, base->data[i], base->len[i]);
	}
	json_put_char(b, '}');
}

/* A request text: head (without the closing brace) + base + '}'. */
static char *
with_base(const char *head, const struct files *base)
{
	struct json_buf b;
	uint8_t *d;
	size_t n;

	json_buf_init(&b);
	json_put_raw(&b, head, strlen(head));
	if (base != NULL)
		put_base(&b, base);
	json_put_char(&b, '}');
	json_put_char(&b, '\0');
	assert_int_equal(b.err, 0);
	assert_int_equal(json_buf_detach(&b, &d, &n), 0);
	return (char *)d;
}

static int
ok_call(struct fx *f, const char *head, const struct files *base,
    struct files *out)
{
	struct proto_error err;
	char *req = with_base(head, base);
	int rc = callz(f, req, out, &err);

	if (rc != 0)
		fprintf(stderr, "request %.120s: %s: %s\n", req,
		    proto_code_name(err.code), err.message);
	free(req);
	return rc;
}

/* ok_call with the base files sent as attachments (docs/protocol.md). */
static int
att_call(struct fx *f, const char *head, const struct files *base,
    struct files *out)
{
	struct proto_error err;
	struct proto_att att;
	struct json_buf b;
	size_t i;
	int rc;

	json_buf_init(&b);
	proto_att_init(&att);
	json_put_raw(&b, head, strlen(head));
	json_put_raw(&b, ",\"base\":{", 9);
	for (i = 0; i < base->n; i++) {
		if (i > 0)
			json_put_char(&b, ',');
		json_put_str(&b, base->role[i], strlen(base->role[i]));
		json_put_char(&b, ':');
		assert_int_equal(proto_att_ref(&b, &att, base->data[i],
		    base->len[i]), 0);
	}
	json_put_char(&b, '}');
	proto_req_end_att(&b, &att);
	assert_int_equal(b.err, 0);
	rc = call(f, (const char *)b.data, b.len, out, NULL, &err);
	if (rc != 0)
		fprintf(stderr, "request %.120s: %s: %s\n", (char *)b.data,
		    proto_code_name(err.code), err.message);
	proto_att_cleanup(&att);
	json_buf_cleanup(&b);
	return rc;
}

static enum proto_code
err_call(struct fx *f, const char *head, const struct files *base,
    struct proto_error *err)
{
	char *req = with_base(head, base);
	int rc = callz(f, req, NULL, err);

	free(req);
	return rc == 0 ? PROTO_CODE_NONE : err->code;
}

static char *
init_req(struct fx *f, int server_snapshot)
{
	static char buf[2048];

	snprintf(buf, sizeof(buf), "{\"v\":1,\"op\":\"repo.init\",\"gun\":\""
	    GUN "\",\"timestamp_key\":");
	{
		struct json_buf b;

		json_buf_init(&b);
		json_put_raw(&b, buf, strlen(buf));
		json_put_str(&b, f->ts_json, strlen(f->ts_json));
		if (server_snapshot) {
			json_put_raw(&b, ",\"snapshot_key\":", 16);
			json_put_str(&b, f->sn_json, strlen(f->sn_json));
		}
		json_put_char(&b, '\0');
		snprintf(buf, sizeof(buf), "%s", (const char *)b.data);
		json_buf_cleanup(&b);
	}
	return buf;
}

static int
soft_sign(void *ctx, const struct tuf_key *key, const uint8_t *msg,
    size_t len, uint8_t *sig, size_t cap, size_t *siglen)
{
	(void)key;
	return keys_sign(ctx, msg, len, sig, cap, siglen);
}

/* A file of role signed with a server key (snapshot/timestamp), as notary-server would. */
static void
server_sign(struct fx *f, struct tuf_meta *m, const struct keys_key *k,
    struct json_buf *out)
{
	struct tuf_key tk;
	struct tuf_signer s;

	(void)f;
	assert_int_equal(tuf_key_from_spki(&tk, k->spki, k->spki_len), 0);
	s.key = &tk;
	s.sign = soft_sign;
	s.ctx = (void *)k;
	m->expires = tuf_time_from_sec(time(NULL) + 86400);
	assert_int_equal(tuf_meta_sign(m, &s, 1, NULL), 0);
	assert_int_equal(tuf_meta_write(m, out), 0);
	tuf_key_cleanup(&tk);
}

/*
 * Verifies a repository as a fresh Notary client: root, a timestamp made
 * here with the server's key, snapshot (signerd's, or made here with the
 * server's snapshot key), targets and every delegation with a file.
 * Returns the verifier (caller frees).
 */
static struct tuf_verifier *
verify_repo(struct fx *f, const struct files *repo)
{
	struct tuf_verifier *v;
	struct tuf_meta *ts = NULL, *sn = NULL;
	struct tuf_filemeta fm;
	struct json_buf snb, tsb;
	struct tuf_error te;
	const char *p, *next;
	size_t len, i;

	json_buf_init(&snb);
	json_buf_init(&tsb);
	assert_int_equal(tuf_verifier_new(GUN, &v), 0);
	p = files_get(repo, "root", &len);
	assert_non_null(p);
	if (tuf_verifier_load_root(v, (const uint8_t *)p, len, 1, &te) != 0)
		fail_msg("root: %s", te.message);
	if ((p = files_get(repo, "snapshot", &len)) != NULL) {
		json_put_raw(&snb, p, len);
	} else {
		assert_int_equal(tuf_meta_new("snapshot", &sn), 0);
		for (i = 0; i < repo->n; i++) {
			tuf_filemeta_of((const uint8_t *)repo->data[i],
			    repo->len[i], 1, &fm);
			assert_int_equal(tuf_meta_set_filemeta(sn,
			    repo->role[i], &fm), 0);
		}
		server_sign(f, sn, &f->sn, &snb);
	}
	assert_int_equal(tuf_meta_new("timestamp", &ts), 0);
	tuf_filemeta_of(snb.data, snb.len, 1, &fm);
	assert_int_equal(tuf_meta_set_filemeta(ts, "snapshot", &fm), 0);
	server_sign(f, ts, &f->ts, &tsb);
	if (tuf_verifier_load_timestamp(v, tsb.data, tsb.len, &te) != 0)
		fail_msg("timestamp: %s", te.message);
	if (tuf_verifier_load_snapshot(v, snb.data, snb.len, &te) != 0)
		fail_msg("snapshot: %s", te.message);
	p = files_get(repo, "targets", &len);
	if (tuf_verifier_load_targets(v, "targets", (const uint8_t *)p, len,
	    &te) != 0)
		fail_msg("targets: %s", te.message);
	while ((next = tuf_verifier_next_delegation(v)) != NULL) {
		p = files_get(repo, next, &len);
		assert_non_null(p);
		if (tuf_verifier_load_targets(v, next, (const uint8_t *)p,
		    len, &te) != 0)
			fail_msg("%s: %s", next, te.message);
	}
	tuf_meta_free(sn);
	tuf_meta_free(ts);
	json_buf_cleanup(&snb);
	json_buf_cleanup(&tsb);
	return v;
}

static void
assert_tag(const struct tuf_verifier *v, const char *name, int64_t len,
    const char *role)
{
	struct tuf_found fd;

	assert_int_equal(tuf_verifier_lookup(v, name, NULL, 0, &fd), 0);
	assert_int_equal(fd.fm.length, len);
	assert_string_equal(fd.role, role);
}

/* Lines of the audit log holding needle. */
static int64_t
audit_lines_with(struct fx *f, const char *needle)
{
	FILE *fp = fopen(f->auditpath, "r");
	char line[AUDIT_MAX_LINE + 2];
	int64_t n = 0;

	assert_non_null(fp);
	while (fgets(line, sizeof(line), fp) != NULL)
		n += strstr(line, needle) != NULL;
	fclose(fp);
	return n;
}

static int64_t
audit_lines(struct fx *f)
{
	FILE *fp = fopen(f->auditpath, "r");
	int64_t n = 0;
	int c;

	assert_non_null(fp);
	while ((c = fgetc(fp)) != EOF)
		n += c == '\n';
	fclose(fp);
	return n;
}

#define D64A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define D64B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

static void
test_status(void **state)
{
	struct fx *f = *state;
	struct proto_error err;
	char *res;
	const char *req = "{\"v\":1,\"op\":\"status\"}";

	assert_int_equal(call(f, req, strlen(req), NULL, &res, &err), 0);
	assert_non_null(strstr(res, "\"version\":\"" SIGNERD_VERSION "\""));
	assert_non_null(strstr(res, "\"counts\":{\"guns\":0,"));
	free(res);
}

/* signerd holds the snapshot key: init, add, remove, retry, rollback. */
static void
test_repo_ours(void **state)
{
	struct fx *f = *state;
	struct files repo, out, out2, old;
	struct proto_error err;
	struct tuf_verifier *v;
	int64_t guns, sigs;
	char *req;

	assert_int_equal(ok_call(f, init_req(f, 0) , NULL, &repo), 0);
	/* init_req ends without '}': with_base adds it */
	assert_non_null(files_get(&repo, "root", NULL));
	assert_non_null(files_get(&repo, "targets", NULL));
	assert_non_null(files_get(&repo, "snapshot", NULL));
	v = verify_repo(f, &repo);
	tuf_verifier_free(v);

	assert_int_equal(ok_call(f, "{\"v\":1,\"op\":\"targets.update\","
	    "\"gun\":\"" GUN "\",\"role\":\"targets\",\"add\":[{\"name\":"
	    "\"v1\",\"sha256\":\"" D64A "\",\"length\":3},{\"name\":\"latest\","
	    "\"sha256\":\"" D64B "\",\"length\":4}]", &repo, &out), 0);
	assert_int_equal(out.n, 2);
	memset(&old, 0, sizeof(old));
	files_merge(&old, &repo);
	files_merge(&repo, &out);
	v = verify_repo(f, &repo);
	assert_tag(v, "v1", 3, "targets");
	assert_tag(v, "latest", 4, "targets");
	assert_int_equal(tuf_verifier_get(v, "targets")->version, 2);
	tuf_verifier_free(v);

	/* The same request on the same base: the same bytes. */
	assert_int_equal(ok_call(f, "{\"v\":1,\"op\":\"targets.update\","
	    "\"gun\":\"" GUN "\",\"role\":\"targets\",\"add\":[{\"name\":"
	    "\"v1\",\"sha256\":\"" D64A "\",\"length\":3},{\"name\":\"latest\","
	    "\"sha256\":\"" D64B "\",\"length\":4}],\"id\":7", &old, &out2), 0);
	assert_int_equal(out2.n, 2);
	assert_string_equal(files_get(&out2, "targets", NULL),
	    files_get(&out, "targets", NULL));
	assert_string_equal(files_get(&out2, "snapshot", NULL),
	    files_get(&out, "snapshot", NULL));
	files_free(&out2);

	/* Another change on the old base: a rollback. */
	assert_int_equal(err_call(f, "{\"v\":1,\"op\":\"targets.update\","
	    "\"gun\":\"" GUN "\",\"role\":\"targets\",\"remove\":[\"v1\"]",
	    &old, &err), PROTO_CODE_ROLLBACK);
	/* Removing an absent name. */
	assert_int_equal(err_call(f, "{\"v\":1,\"op\":\"targets.update\","
	    "\"gun\":\"" GUN "\",\"role\":\"targets\",\"remove\":[\"nope\"]",
	    &repo, &err), PROTO_CODE_NOT_FOUND);
	/* Remove works. */
	assert_int_equal(ok_call(f, "{\"v\":1,\"op\":\"targets.update\","
	    "\"gun\":\"" GUN "\",\"role\":\"targets\",\"remove\":[\"v1\"]",
	    &repo, &out2), 0);
	files_merge(&repo, &out2);
	v = verify_repo(f, &repo);
	assert_int_not_equal(tuf_verifier_lookup(v, "v1", NULL, 0,
	    &(struct tuf_found){ 0 }), 0);
	assert_tag(v, "latest", 4, "targets");
	tuf_verifier_free(v);
	/* init again: the same request is a retry (its root is still the
	 * latest); another one is a conflict. */
	files_free(&out2);
	req = init_req(f, 0);
	assert_int_equal(ok_call(f, req, NULL, &out2), 0);
	files_free(&out2);
	req = init_req(f, 1);
	assert_int_equal(err_call(f, req, NULL, &err), PROTO_CODE_CONFLICT);
	assert_int_equal(ledger_stats(f->ledger, &guns, &sigs), 0);
	assert_int_equal(guns, 1);
	assert_int_equal(sigs, 7);
	files_free(&out2);
	files_free(&out);
	files_free(&old);
	files_free(&repo);
}

/* Runs sql on the ledger behind signerd's back; returns the first int column. */
static long long
ledger_sql(struct fx *f, const char *sql)
{
	char path[256];
	sqlite3 *db;
	sqlite3_stmt *st;
	long long v = -1;

	snprintf(path, sizeof(path), "%s/" LEDGER_FILE_NAME, f->dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

/*
 * targets.update keeps a recipe, not the file: a retry rebuilds the same
 * bytes; a recipe that does not rebuild to the recorded sha256 is refused
 * (internal), never signed anew.
 */
static void
test_recipe(void **state)
{
	struct fx *f = *state;
	struct files repo, out, out2;
	struct proto_error err;
	static const char add[] = "{\"v\":1,\"op\":\"targets.update\","
	    "\"gun\":\"" GUN "\",\"role\":\"targets\",\"add\":[{\"name\":"
	    "\"v1.0\",\"sha256\":\"" D64A "\",\"length\":3}]";
	int64_t guns, sigs;
	struct tuf_meta *m;
	struct json_buf b;
	const char *p;
	size_t i, len;

	assert_int_equal(ok_call(f, init_req(f, 0), NULL, &repo), 0);
	assert_int_equal(ok_call(f, add, &repo, &out), 0);
	/* op_sign_write's file is what tuf_meta_write writes, byte for byte. */
	for (i = 0; i < out.n; i++) {
		p = files_get(&out, out.role[i], &len);
		assert_int_equal(tuf_meta_parse((const uint8_t *)p, len,
		    out.role[i], NULL, &m, NULL), 0);
		json_buf_init(&b);
		assert_int_equal(tuf_meta_write(m, &b), 0);
		assert_int_equal(b.len, len);
		assert_memory_equal(b.data, p, len);
		json_buf_cleanup(&b);
		tuf_meta_free(m);
	}
	/* Stored: snapshot in full, targets as a small recipe. */
	assert_int_equal(ledger_sql(f, "SELECT count(*) FROM files WHERE "
	    "role='targets' AND version=2 AND substr(bytes,1,1)=x'00' AND "
	    "length(bytes) < 300"), 1);
	assert_int_equal(ledger_sql(f, "SELECT count(*) FROM files WHERE "
	    "role='snapshot' AND version=2 AND substr(bytes,1,1)=x'7b'"), 1);
	/* A retry, twice: the same bytes. */
	assert_int_equal(ok_call(f, add, &repo, &out2), 0);
	assert_string_equal(files_get(&out2, "targets", NULL),
	    files_get(&out, "targets", NULL));
	assert_string_equal(files_get(&out2, "snapshot", NULL),
	    files_get(&out, "snapshot", NULL));
	files_free(&out2);
	assert_int_equal(ok_call(f, add, &repo, &out2), 0);
	assert_string_equal(files_get(&out2, "targets", NULL),
	    files_get(&out, "targets", NULL));
	files_free(&out2);
	/*
	 * Sent with the files as attachments it is still the same request
	 * (the fingerprint ignores how files travel), and the answer comes
	 * back as attachments.
	 */
	assert_int_equal(att_call(f, add, &repo, &out2), 0);
	assert_int_equal(last_att_n, 2);
	assert_string_equal(files_get(&out2, "targets", NULL),
	    files_get(&out, "targets", NULL));
	assert_string_equal(files_get(&out2, "snapshot", NULL),
	    files_get(&out, "snapshot", NULL));
	files_free(&out2);
	/* A recipe that rebuilds to other bytes (another signature byte). */
	assert_int_equal(ledger_sql(f, "UPDATE files SET bytes = "
	    "substr(bytes,1,length(bytes)-8) || CAST('AAAA\"}]}' AS BLOB) "
	    "WHERE role='targets' AND version=2 RETURNING 1"), 1);
	assert_int_equal(err_call(f, add, &repo, &err), PROTO_CODE_INTERNAL);
	assert_non_null(strstr(err.message, "does not rebuild"));
	/* Nothing was signed by the refused retries. */
	assert_int_equal(ledger_stats(f->ledger, &guns, &sigs), 0);
	assert_int_equal(sigs, 5);
	files_free(&out);
	files_free(&repo);
}

/*
 * The model of the file signed last is kept (op_model_keep), and a request
 * on that file starts from it instead of parsing it. The result must be
 * what parsing would have given: a retry of that request rebuilds its
 * recipe from the parsed base, and op_retry accepts it only when it hashes
 * to the document signed from the kept model.
 */
static void
test_model_cache(void **state)
{
	struct fx *f = *state;
	struct files repo, out, out2, out3;
	static const char add1[] = "{\"v\":1,\"op\":\"targets.update\","
	    "\"gun\":\"" GUN "\",\"role\":\"targets\",\"add\":[{\"name\":"
	    "\"v1.0\",\"sha256\":\"" D64A "\",\"length\":3}]";
	static const char add2[] = "{\"v\":1,\"op\":\"targets.update\","
	    "\"gun\":\"" GUN "\",\"role\":\"targets\",\"add\":[{\"name\":"
	    "\"v2.0\",\"sha256\":\"" D64A "\",\"length\":4}],"
	    "\"remove\":[\"v1.0\"]";
	struct tuf_meta *m;
	struct json_buf b;
	const char *p;
	size_t len;

	assert_int_equal(ok_call(f, init_req(f, 0), NULL, &repo), 0);
	assert_int_equal(ok_call(f, add1, &repo, &out), 0);
	files_merge(&repo, &out);
	/* targets, snapshot and root */
	assert_int_equal(f->sd.model_targets, 1);
	assert_int_equal(f->sd.model_count, 3);
	/* From the kept models of targets and snapshot. */
	assert_int_equal(ok_call(f, add2, &repo, &out2), 0);
	assert_int_equal(f->sd.model_targets, 1);
	assert_int_equal(f->sd.model_count, 3);
	p = files_get(&out2, "targets", &len);
	assert_int_equal(tuf_meta_parse((const uint8_t *)p, len, "targets",
	    NULL, &m, NULL), 0);
	assert_int_equal(m->version, 3);
	assert_int_equal(m->targets.n, 1);
	json_buf_init(&b);
	assert_int_equal(tuf_meta_write(m, &b), 0);
	assert_int_equal(b.len, len);
	assert_memory_equal(b.data, p, len);
	json_buf_cleanup(&b);
	tuf_meta_free(m);
	/* The retry rebuilds from the parsed base: the very same bytes. */
	assert_int_equal(ok_call(f, add2, &repo, &out3), 0);
	assert_string_equal(files_get(&out3, "targets", NULL),
	    files_get(&out2, "targets", NULL));
	assert_string_equal(files_get(&out3, "snapshot", NULL),
	    files_get(&out2, "snapshot", NULL));
	files_free(&out3);
	/* Again from the kept model, now of version 3. */
	files_merge(&repo, &out2);
	assert_int_equal(ok_call(f, add1, &repo, &out3), 0);
	p = files_get(&out3, "targets", &len);
	assert_int_equal(tuf_meta_parse((const uint8_t *)p, len, "targets",
	    NULL, &m, NULL), 0);
	assert_int_equal(m->version, 4);
	assert_int_equal(m->targets.n, 2);
	tuf_meta_free(m);
	files_free(&out3);
	files_free(&out2);
	files_free(&out);
	files_free(&repo);
}

/* docker's way: server snapshot, a signer, a delegation file. */
static void
test_docker_style(void **state)
{
	struct fx *f = *state;
	struct files repo, out;
	struct proto_error err;
	struct tuf_verifier *v;
	struct tuf_meta *tg;
	struct json_buf b;
	const struct tuf_role *r;
	const char *p, *pem;
	static const char *const docker_roles[] = { "targets/releases",
	    "targets" };
	struct tuf_found fd;
	char *res, *q;
	size_t len;

	assert_int_equal(ok_call(f, init_req(f, 1), NULL, &repo), 0);
	assert_int_equal(repo.n, 2);
	assert_int_equal(call(f, "{\"v\":1,\"op\":\"key.generate\",\"signer\":"
	    "\"ci\"}", 41, NULL, &res, &err), 0);
	pem = strstr(res, "\"public_pem\":\"");
	assert_non_null(pem);
	pem += 14;
	assert_true(strncmp(pem, "-----BEGIN PUBLIC KEY-----\\nrole: ci\\n\\n",
	    40) == 0);
	q = strstr(pem, "\"");
	json_buf_init(&b);
	json_put_raw(&b, "{\"v\":1,\"op\":\"delegation.update\",\"gun\":\"" GUN
	    "\",\"action\":\"add\",\"signer\":\"ci\",\"public_key\":\"",
	    strlen("{\"v\":1,\"op\":\"delegation.update\",\"gun\":\"" GUN
	    "\",\"action\":\"add\",\"signer\":\"ci\",\"public_key\":\""));
	json_put_raw(&b, pem, (size_t)(q - pem) + 1);
	json_put_char(&b, '\0');
	free(res);
	assert_int_equal(ok_call(f, (const char *)b.data, &repo, &out), 0);
	assert_int_equal(out.n, 1);
	files_merge(&repo, &out);
	files_free(&out);
	/* the same key again: conflict */
	assert_int_equal(err_call(f, (const char *)b.data, &repo, &err),
	    PROTO_CODE_CONFLICT);
	json_buf_cleanup(&b);
	p = files_get(&repo, "targets", &len);
	assert_int_equal(tuf_meta_parse((const uint8_t *)p, len, "targets",
	    NULL, &tg, NULL), 0);
	assert_int_equal(tg->targets.ndroles, 2);
	assert_string_equal(tg->targets.droles[0].name, "targets/ci");
	assert_string_equal(tg->targets.droles[1].name, "targets/releases");
	r = &tg->targets.droles[1];
	assert_int_equal(r->threshold, 1);
	assert_int_equal(r->npaths, 1);
	assert_string_equal(r->paths[0], "");
	tuf_meta_free(tg);

	assert_int_equal(ok_call(f, "{\"v\":1,\"op\":\"targets.update\","
	    "\"gun\":\"" GUN "\",\"role\":\"targets/ci\",\"add\":[{\"name\":"
	    "\"1.0\",\"sha256\":\"" D64A "\",\"length\":9}]", &repo, &out), 0);
	assert_int_equal(out.n, 1);
	files_merge(&repo, &out);
	files_free(&out);
	assert_int_equal(ok_call(f, "{\"v\":1,\"op\":\"targets.update\","
	    "\"gun\":\"" GUN "\",\"role\":\"targets/releases\",\"add\":[{"
	    "\"name\":\"1.0\",\"sha256\":\"" D64B "\",\"length\":8}]", &repo,
	    &out), 0);
	files_merge(&repo, &out);
	files_free(&out);
	v = verify_repo(f, &repo);
	assert_tag(v, "1.0", 9, "targets/ci");	/* notary: breadth first */
	assert_int_equal(tuf_verifier_lookup(v, "1.0", docker_roles, 2, &fd),
	    0);
	assert_string_equal(fd.role, "targets/releases");
	tuf_verifier_free(v);

	/* A delegation role with a file: base must carry it. */
	{
		struct files nobase;

		memset(&nobase, 0, sizeof(nobase));
		p = files_get(&repo, "root", &len);
		files_set(&nobase, "root", p, len);
		p = files_get(&repo, "targets", &len);
		files_set(&nobase, "targets", p, len);
		if (err_call(f, "{\"v\":1,\"op\":\"targets.update\","
		    "\"gun\":\"" GUN "\",\"role\":\"targets/ci\",\"remove\":"
		    "[\"1.0\"]", &nobase, &err) != PROTO_CODE_CONFLICT)
			fail_msg("%s: %s", proto_code_name(err.code),
			    err.message);
		files_free(&nobase);
	}

	/* remove the signer: both roles go (releases has no key left) */
	assert_int_equal(ok_call(f, "{\"v\":1,\"op\":\"delegation.update\","
	    "\"gun\":\"" GUN "\",\"action\":\"remove\",\"signer\":\"ci\"",
	    &repo, &out), 0);
	p = files_get(&out, "targets", &len);
	assert_int_equal(tuf_meta_parse((const uint8_t *)p, len, "targets",
	    NULL, &tg, NULL), 0);
	assert_int_equal(tg->targets.ndroles, 0);
	assert_int_equal(tg->targets.dkeys.n, 0);
	tuf_meta_free(tg);
	{
		struct files again;

		assert_int_equal(ok_call(f, "{\"v\":1,\"op\":"
		    "\"delegation.update\",\"gun\":\"" GUN "\",\"action\":"
		    "\"remove\",\"signer\":\"ci\"", &repo, &again), 0);
		assert_string_equal(files_get(&again, "targets", NULL),
		    files_get(&out, "targets", NULL));
		files_free(&again);
	}
	assert_int_equal(err_call(f, "{\"v\":1,\"op\":\"delegation.update\","
	    "\"gun\":\"" GUN "\",\"action\":\"remove\",\"signer\":\"zz\"",
	    &repo, &err), PROTO_CODE_ROLLBACK);
	files_free(&out);
	files_free(&repo);
}

static void
test_key_list(void **state)
{
	struct fx *f = *state;
	struct files repo;
	struct proto_error err;
	char *res;
	const char *req = "{\"v\":1,\"op\":\"key.list\",\"gun\":\"" GUN "\"}";

	assert_int_equal(ok_call(f, init_req(f, 0), NULL, &repo), 0);
	assert_int_equal(callz(f, "{\"v\":1,\"op\":\"key.generate\",\"gun\":\""
	    GUN "\",\"role\":\"targets\",\"type\":\"ecdsa\"}", NULL, &err), 0);
	assert_int_equal(call(f, req, strlen(req), NULL, &res, &err), 0);
	assert_non_null(strstr(res, "\"role\":\"root\""));
	assert_non_null(strstr(res, "\"role\":\"snapshot\""));
	assert_non_null(strstr(res, "\"role\":\"targets\""));
	free(res);
	files_free(&repo);
}

/* A snapshot version already on record with other bytes. */
static void
test_equivocation(void **state)
{
	struct fx *f = *state;
	struct files repo, out;
	struct proto_error err;
	struct ledger_file lf;
	uint8_t fp[32] = { 1 };
	char msg[256];
	int64_t g0, s0, g1, s1, a0;

	assert_int_equal(ok_call(f, init_req(f, 0), NULL, &repo), 0);
	memset(&lf, 0, sizeof(lf));
	lf.role = "snapshot";
	lf.version = 2;
	lf.bytes = (const uint8_t *)"another document";
	lf.len = 16;
	SHA256(lf.bytes, lf.len, lf.hash);
	assert_int_equal(ledger_commit(f->ledger, GUN, fp, &lf, 1, msg,
	    sizeof(msg)), 0);
	assert_int_equal(ledger_stats(f->ledger, &g0, &s0), 0);
	a0 = audit_lines(f);
	/* Recorded behind the daemon's back: the ledger's own check inside
	 * the commit refuses the second document for snapshot v2... */
	assert_int_equal(err_call(f, "{\"v\":1,\"op\":\"targets.update\","
	    "\"gun\":\"" GUN "\",\"role\":\"targets\",\"add\":[{\"name\":"
	    "\"x\",\"sha256\":\"" D64A "\",\"length\":1}]", &repo, &err),
	    PROTO_CODE_EQUIVOCATION);
	/* ...and so does the commit path called directly. */
	{
		struct server_peer sp = { .uid = getuid(), .gid = getgid(),
		    .pid = getpid(), .conn_id = 1 };
		struct proto_req rq;
		struct op_call c;
		struct op_file of;
		struct json_buf o;
		const char *t = "{\"v\":1,\"op\":\"targets.update\"}";

		memset(&rq, 0, sizeof(rq));
		assert_int_equal(proto_req_decode((const uint8_t *)t, strlen(t),
		    NULL, &rq, &err), 0);
		memset(&c, 0, sizeof(c));
		c.sd = &f->sd;
		c.req = &rq;
		c.speer = &sp;
		memset(&of, 0, sizeof(of));
		of.role = "snapshot";
		of.version = 2;
		json_buf_init(&of.buf);
		json_put_raw(&of.buf, "a third document", 16);
		json_buf_init(&o);
		fp[0] = 2;
		assert_int_not_equal(op_commit(&c, GUN, fp, &of, 1, NULL, 0, &o,
		    &err), 0);
		assert_int_equal(err.code, PROTO_CODE_EQUIVOCATION);
		json_buf_cleanup(&o);
		json_buf_cleanup(&of.buf);
		proto_req_cleanup(&rq);
	}
	assert_int_equal(ledger_stats(f->ledger, &g1, &s1), 0);
	assert_int_equal(s0, s1);
	/* The lines, written before the commit (their syncs overlap), are
	 * each followed by one taking them back: 2 + 2, then 1 + 1. */
	assert_int_equal(a0 + 6, audit_lines(f));
	assert_int_equal(audit_lines_with(f, "\"outcome\":\"withdrawn\""), 3);
	memset(&out, 0, sizeof(out));
	files_free(&repo);
}

/* Root ops need the ceremony. */
static void
test_ceremony(void **state)
{
	struct fx *f = *state;
	struct files repo;
	struct proto_error err;
	char *res;
	const char *st = "{\"v\":1,\"op\":\"status\"}";

	assert_int_equal(err_call(f, init_req(f, 0), NULL, &err),
	    PROTO_CODE_LOCKED);
	assert_int_equal(callz(f, "{\"v\":1,\"op\":\"ceremony.unlock\",\"pin\":"
	    "\"0000\",\"lifetime\":30}", NULL, &err), -1);
	assert_int_equal(err.code, PROTO_CODE_TOKEN_ERROR);
	assert_int_equal(callz(f, "{\"v\":1,\"op\":\"ceremony.unlock\",\"pin\":"
	    "\"" KEYS_SOFT_ROOT_PIN "\",\"lifetime\":99999}", NULL, &err), -1);
	assert_int_equal(err.code, PROTO_CODE_BAD_REQUEST);
	assert_int_equal(callz(f, "{\"v\":1,\"op\":\"ceremony.unlock\",\"pin\":"
	    "\"" KEYS_SOFT_ROOT_PIN "\",\"lifetime\":30}", NULL, &err), 0);
	assert_int_equal(call(f, st, strlen(st), NULL, &res, &err), 0);
	assert_non_null(strstr(res, "\"root_unlock_expires_in\":"));
	assert_non_null(strstr(res, "\"root\":{\"present\":true,"
	    "\"unlocked\":true}"));
	free(res);
	assert_int_equal(ok_call(f, init_req(f, 0), NULL, &repo), 0);
	assert_int_equal(callz(f, "{\"v\":1,\"op\":\"ceremony.lock\"}", NULL,
	    &err), 0);
	assert_int_equal(err_call(f, "{\"v\":1,\"op\":\"repo.init\",\"gun\":"
	    "\"example.com/two\",\"timestamp_key\":\"x\"", NULL, &err),
	    PROTO_CODE_BAD_REQUEST);
	{
		char *r2 = init_req(f, 0);
		char *g = strstr(r2, GUN);

		memcpy(g, "example.com/ap2", strlen(GUN));
		assert_int_equal(err_call(f, r2, NULL, &err),
		    PROTO_CODE_LOCKED);
	}
	/* Non-root ops go on. */
	assert_int_equal(ok_call(f, "{\"v\":1,\"op\":\"targets.update\","
	    "\"gun\":\"" GUN "\",\"role\":\"targets\",\"add\":[{\"name\":"
	    "\"x\",\"sha256\":\"" D64A "\",\"length\":1}]", &repo, NULL), 0);
	files_free(&repo);
}

static void
test_policy(void **state)
{
	struct fx *f = *state;
	struct policy *p;
	struct proto_error err;
	static const char *const roles[] = { "targets/*" };
	static const char *const ops[] = { "targets.update", "key.list" };
	int64_t a0;

	assert_int_equal(policy_new(&p), 0);
	assert_int_equal(policy_rule_add(p, POLICY_WHO_UID, getuid(),
	    "policy[0] (uid)", "example.com/*", roles, 1, ops, 2), 0);
	assert_int_equal(policy_store_init(&f->ps, p), 0);
	f->has_ps = 1;
	f->sd.policy = &f->ps;
	assert_int_equal(callz(f, "{\"v\":1,\"op\":\"status\"}", NULL, &err), 0);
	a0 = audit_lines(f);
	assert_int_equal(err_call(f, init_req(f, 0), NULL, &err),
	    PROTO_CODE_DENIED);
	assert_non_null(strstr(err.message, "repo.init"));
	assert_int_equal(audit_lines(f), a0 + 1);	/* the refusal */
	assert_int_equal(err_call(f, "{\"v\":1,\"op\":\"key.generate\","
	    "\"signer\":\"x\"", NULL, &err), PROTO_CODE_DENIED);
	assert_int_equal(err_call(f, "{\"v\":1,\"op\":\"targets.update\","
	    "\"gun\":\"" GUN "\",\"role\":\"targets\",\"base\":{}", NULL, &err),
	    PROTO_CODE_DENIED);
	assert_non_null(strstr(err.message, "role targets"));
	/* Granted by policy, then refused on its merits. */
	assert_int_equal(err_call(f, "{\"v\":1,\"op\":\"targets.update\","
	    "\"gun\":\"" GUN "\",\"role\":\"targets/ci\",\"base\":{}", NULL,
	    &err), PROTO_CODE_NOT_FOUND);
}

/* Bad inputs: clear errors, nothing signed, nothing recorded. */
static void
test_bad_inputs(void **state)
{
	struct fx *f = *state;
	struct files repo;
	struct proto_error err;
	int64_t g0, s0, g1, s1, a0;
	struct {
		const char	*req;
		enum proto_code	 code;
		const char	*field;
	} cases[] = {
		{ "{\"v\":1,\"op\":\"nope\"}", PROTO_CODE_UNKNOWN_OP, "op" },
		{ "{\"v\":1,\"op\":\"status\",\"x\":1}", PROTO_CODE_BAD_REQUEST, "x" },
		{ "{\"v\":1,\"op\":\"repo.init\",\"gun\":\"example.com/../x\","
		  "\"timestamp_key\":\"{}\"}", PROTO_CODE_BAD_REQUEST, "gun" },
		{ "{\"v\":1,\"op\":\"repo.init\",\"gun\":\"example.com//x\","
		  "\"timestamp_key\":\"{}\"}", PROTO_CODE_BAD_REQUEST, "gun" },
		{ "{\"v\":1,\"op\":\"repo.init\",\"gun\":\"example.com/a\\u0001b\","
		  "\"timestamp_key\":\"{}\"}", PROTO_CODE_BAD_REQUEST, "gun" },
		{ "{\"v\":1,\"op\":\"repo.init\",\"gun\":\"Example.com/a\","
		  "\"timestamp_key\":\"{}\"}", PROTO_CODE_BAD_REQUEST, "gun" },
		{ "{\"v\":1,\"op\":\"repo.init\",\"gun\":7,"
		  "\"timestamp_key\":\"{}\"}", PROTO_CODE_BAD_REQUEST, "gun" },
		{ "{\"v\":1,\"op\":\"repo.init\",\"gun\":\"" GUN "\","
		  "\"timestamp_key\":\"{}\"}", PROTO_CODE_BAD_REQUEST,
		  "timestamp_key" },
		{ "{\"v\":1,\"op\":\"repo.init\",\"gun\":\"" GUN "\","
		  "\"timestamp_key\":{}}", PROTO_CODE_BAD_REQUEST,
		  "timestamp_key" },
		{ "{\"v\":1,\"op\":\"targets.update\",\"gun\":\"" GUN "\","
		  "\"role\":\"targets/a/b\",\"base\":{}}", PROTO_CODE_BAD_REQUEST,
		  "role" },
		{ "{\"v\":1,\"op\":\"targets.update\",\"gun\":\"" GUN "\","
		  "\"role\":\"root\",\"base\":{}}", PROTO_CODE_BAD_REQUEST,
		  "role" },
		{ "{\"v\":1,\"op\":\"targets.update\",\"gun\":\"" GUN "\","
		  "\"role\":\"targets\",\"add\":[{\"name\":\"-bad\",\"sha256\":\""
		  D64A "\",\"length\":1}],\"base\":{}}", PROTO_CODE_BAD_REQUEST,
		  "add[0].name" },
		{ "{\"v\":1,\"op\":\"targets.update\",\"gun\":\"" GUN "\","
		  "\"role\":\"targets\",\"add\":[{\"name\":\"a<b\",\"sha256\":\""
		  D64A "\",\"length\":1}],\"base\":{}}", PROTO_CODE_BAD_REQUEST,
		  "add[0].name" },
		{ "{\"v\":1,\"op\":\"targets.update\",\"gun\":\"" GUN "\","
		  "\"role\":\"targets\",\"add\":[{\"name\":\"ok\",\"sha256\":\""
		  "ABC\",\"length\":1}],\"base\":{}}", PROTO_CODE_BAD_REQUEST,
		  "add[0].sha256" },
		{ "{\"v\":1,\"op\":\"targets.update\",\"gun\":\"" GUN "\","
		  "\"role\":\"targets\",\"add\":[{\"name\":\"ok\",\"sha256\":\""
		  D64A "\",\"length\":0}],\"base\":{}}", PROTO_CODE_BAD_REQUEST,
		  "add[0].length" },
		{ "{\"v\":1,\"op\":\"targets.update\",\"gun\":\"" GUN "\","
		  "\"role\":\"targets\",\"add\":[1],\"base\":{}}",
		  PROTO_CODE_BAD_REQUEST, "add[0]" },
		{ "{\"v\":1,\"op\":\"targets.update\",\"gun\":\"" GUN "\","
		  "\"role\":\"targets\",\"add\":{},\"base\":{}}",
		  PROTO_CODE_BAD_REQUEST, "add" },
		{ "{\"v\":1,\"op\":\"targets.update\",\"gun\":\"" GUN "\","
		  "\"role\":\"targets\",\"remove\":[\"a\\u0085b\"],\"base\":{}}",
		  PROTO_CODE_BAD_REQUEST, "remove[0]" },
		{ "{\"v\":1,\"op\":\"targets.update\",\"gun\":\"" GUN "\","
		  "\"role\":\"targets\",\"base\":{\"bogus\":\"x\"}}",
		  PROTO_CODE_BAD_REQUEST, "base.bogus" },
		{ "{\"v\":1,\"op\":\"targets.update\",\"gun\":\"" GUN "\","
		  "\"role\":\"targets\",\"base\":{\"root\":1}}",
		  PROTO_CODE_BAD_REQUEST, "base.root" },
		{ "{\"v\":1,\"op\":\"targets.update\",\"gun\":\"" GUN "\","
		  "\"role\":\"targets\",\"base\":{\"root\":\"{}\",\"targets\":"
		  "\"{}\"}}", PROTO_CODE_UNTRUSTED, "" },
		{ "{\"v\":1,\"op\":\"delegation.update\",\"gun\":\"" GUN "\","
		  "\"action\":\"add\",\"signer\":\"releases\",\"public_key\":\"x\","
		  "\"base\":{}}", PROTO_CODE_BAD_REQUEST, "signer" },
		{ "{\"v\":1,\"op\":\"delegation.update\",\"gun\":\"" GUN "\","
		  "\"action\":\"add\",\"signer\":\"ci\",\"public_key\":\"x\","
		  "\"base\":{}}", PROTO_CODE_BAD_REQUEST, "public_key" },
		{ "{\"v\":1,\"op\":\"delegation.update\",\"gun\":\"" GUN "\","
		  "\"action\":\"grant\",\"signer\":\"ci\",\"base\":{}}",
		  PROTO_CODE_BAD_REQUEST, "action" },
		{ "{\"v\":1,\"op\":\"key.generate\",\"signer\":\"ci\","
		  "\"type\":\"rsa\"}", PROTO_CODE_BAD_REQUEST, "type" },
		{ "{\"v\":1,\"op\":\"key.generate\",\"gun\":\"" GUN "\","
		  "\"role\":\"root\"}", PROTO_CODE_BAD_REQUEST, "role" },
		{ "{\"v\":1,\"op\":\"key.generate\",\"signer\":\"ci\","
		  "\"gun\":\"" GUN "\"}", PROTO_CODE_BAD_REQUEST, "signer" },
		{ "{\"v\":1,\"op\":\"ceremony.unlock\",\"pin\":\"\","
		  "\"lifetime\":5}", PROTO_CODE_BAD_REQUEST, "pin" },
		{ "{\"v\":1,\"op\":\"ceremony.lock\"}", PROTO_CODE_UNAVAILABLE,
		  "" },
	};
	size_t i;

	assert_int_equal(ok_call(f, init_req(f, 0), NULL, &repo), 0);
	assert_int_equal(ledger_stats(f->ledger, &g0, &s0), 0);
	a0 = audit_lines(f);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = callz(f, cases[i].req, NULL, &err);

		if (rc == 0 || err.code != cases[i].code ||
		    strcmp(err.field, cases[i].field) != 0)
			fail_msg("case %zu: %s: got %s field \"%s\": %s", i,
			    cases[i].req, proto_code_name(err.code), err.field,
			    err.message);
		assert_true(err.message[0] != '\0');
	}
	/* A huge array: over the cap. */
	{
		struct json_buf b;

		json_buf_init(&b);
		{
			static const char head[] = "{\"v\":1,\"op\":"
			    "\"targets.update\",\"gun\":\"" GUN "\",\"role\":"
			    "\"targets\",\"remove\":[";

			json_put_raw(&b, head, sizeof(head) - 1);
		}
		for (i = 0; i <= OPS_MAX_REMOVE; i++)
			json_put_raw(&b, i ? ",\"a\"" : "\"a\"", i ? 4 : 3);
		json_put_raw(&b, "],\"base\":{}}", 12);
		assert_int_not_equal(call(f, (const char *)b.data, b.len, NULL,
		    NULL, &err), 0);
		assert_int_equal(err.code, PROTO_CODE_BAD_REQUEST);
		assert_string_equal(err.field, "remove");
		json_buf_cleanup(&b);
	}
	assert_int_equal(ledger_stats(f->ledger, &g1, &s1), 0);
	assert_int_equal(g0, g1);
	assert_int_equal(s0, s1);
	assert_int_equal(a0, audit_lines(f));
	files_free(&repo);
}

/* Tags with every character class docker allows; one-line files. */
static void
test_file_form(void **state)
{
	struct fx *f = *state;
	struct files repo, out;
	struct tuf_verifier *v;
	const char *p;

	assert_int_equal(ok_call(f, init_req(f, 0), NULL, &repo), 0);
	assert_int_equal(ok_call(f, "{\"v\":1,\"op\":\"targets.update\","
	    "\"gun\":\"" GUN "\",\"role\":\"targets\",\"add\":[{\"name\":"
	    "\"a_b.c-1\",\"sha256\":\"" D64A "\",\"length\":1}]", &repo, &out),
	    0);
	files_merge(&repo, &out);
	p = files_get(&repo, "targets", NULL);
	assert_null(strchr(p, '\n'));
	v = verify_repo(f, &repo);
	assert_tag(v, "a_b.c-1", 1, "targets");
	tuf_verifier_free(v);
	files_free(&out);
	files_free(&repo);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_status, fx_setup,
		    fx_teardown),
		cmocka_unit_test_setup_teardown(test_repo_ours, fx_setup,
		    fx_teardown),
		cmocka_unit_test_setup_teardown(test_recipe, fx_setup,
		    fx_teardown),
		cmocka_unit_test_setup_teardown(test_model_cache, fx_setup,
		    fx_teardown),
		cmocka_unit_test_setup_teardown(test_docker_style, fx_setup,
		    fx_teardown),
		cmocka_unit_test_setup_teardown(test_key_list, fx_setup,
		    fx_teardown),
		cmocka_unit_test_setup_teardown(test_equivocation, fx_setup,
		    fx_teardown),
		cmocka_unit_test_setup_teardown(test_ceremony, fx_setup_locked,
		    fx_teardown),
		cmocka_unit_test_setup_teardown(test_policy, fx_setup,
		    fx_teardown),
		cmocka_unit_test_setup_teardown(test_bad_inputs, fx_setup,
		    fx_teardown),
		cmocka_unit_test_setup_teardown(test_file_form, fx_setup,
		    fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
