/* SPDX-License-Identifier: Apache-2.0 */
/* config: reads signerd's JSON config strictly into a struct config and its policy. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "json.h"
#include "policy.h"

#define MAX_RULES	1024
#define MAX_GLOBS	64
#define MAX_STRING	1024

/* One parse: where messages point and where they go. */
struct ctx {
	const char		*name;
	struct config_error	*err;
};

const char *
config_strerror(int code)
{
	switch (code) {
	case CONFIG_OK:		return "success";
	case CONFIG_ERR_NOMEM:	return "out of memory";
	case CONFIG_ERR_IO:	return "cannot read the config file";
	case CONFIG_ERR_PERM:	return "unsafe config file";
	case CONFIG_ERR_SYNTAX:	return "config is not valid JSON";
	case CONFIG_ERR_UNKNOWN: return "unknown key";
	case CONFIG_ERR_TYPE:	return "wrong type";
	case CONFIG_ERR_MISSING: return "required key missing";
	case CONFIG_ERR_VALUE:	return "bad value";
	case CONFIG_ERR_LOOKUP:	return "unknown user or group";
	}
	return "unknown config error";
}

static int
fail(struct ctx *c, int code, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Records the first failure as "NAME: KEY: REASON" and returns code. */
static int
fail(struct ctx *c, int code, const char *key, const char *fmt, ...)
{
	char reason[384];
	va_list ap;
	int n;

	if (c->err == NULL)
		return code;
	va_start(ap, fmt);
	n = vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	if (n < 0)
		reason[0] = '\0';
	c->err->code = code;
	snprintf(c->err->key, sizeof(c->err->key), "%s", key);
	if (key[0] != '\0')
		n = snprintf(c->err->message, sizeof(c->err->message),
		    "%s: %s: %s", c->name, key, reason);
	else
		n = snprintf(c->err->message, sizeof(c->err->message),
		    "%s: %s", c->name, reason);
	if (n >= 0 && (size_t)n >= sizeof(c->err->message))
		memcpy(c->err->message + sizeof(c->err->message) - 4, "...", 4);
	return code;
}

/* parent + "." + key, or parent + "[i]". Cut paths still start right. */
static void
path_key(char *out, size_t len, const char *parent, const char *key)
{
	if (parent[0] == '\0')
		snprintf(out, len, "%s", key);
	else
		snprintf(out, len, "%s.%s", parent, key);
}

static void
path_index(char *out, size_t len, const char *parent, size_t i)
{
	snprintf(out, len, "%s[%zu]", parent, i);
}

/* Refuses any member of obj whose key is not in allowed (NULL-terminated). */
static int
check_keys(struct ctx *c, const struct json_value *obj, const char *path,
    const char *const *allowed)
{
	char kp[256], kname[128];
	const char *key;
	size_t i, j, klen;

	for (i = 0; i < json_value_count(obj); i++) {
		(void)json_object_at(obj, i, &key, &klen);
		for (j = 0; allowed[j] != NULL; j++)
			if (strlen(allowed[j]) == klen &&
			    memcmp(allowed[j], key, klen) == 0)
				break;
		if (allowed[j] != NULL)
			continue;
		/* Show the key safely: printable ASCII only, cut. */
		for (j = 0; j < klen && j < sizeof(kname) - 1; j++)
			kname[j] = key[j] >= 0x20 && key[j] < 0x7f ? key[j] : '?';
		kname[j] = '\0';
		path_key(kp, sizeof(kp), path, kname);
		return fail(c, CONFIG_ERR_UNKNOWN, kp, "unknown key");
	}
	return 0;
}

static int
want_type(struct ctx *c, const struct json_value *v, enum json_type t,
    const char *path)
{
	enum json_type got = json_value_type(v);

	if (got == t || (t == JSON_TRUE && got == JSON_FALSE))
		return 0;
	return fail(c, CONFIG_ERR_TYPE, path, "must be %s, not %s",
	    json_type_name(t), json_type_name(got));
}

/* A non-empty string without NUL bytes, at most MAX_STRING bytes. */
static int
get_string(struct ctx *c, const struct json_value *v, const char *path,
    const char **out)
{
	const char *s;
	size_t len;
	int rc;

	*out = NULL;
	if ((rc = want_type(c, v, JSON_STRING, path)) != 0)
		return rc;
	s = json_value_str(v, &len);
	if (s == NULL || len == 0)
		return fail(c, CONFIG_ERR_VALUE, path, "must not be empty");
	if (strlen(s) != len)
		return fail(c, CONFIG_ERR_VALUE, path, "contains a NUL byte");
	if (len > MAX_STRING)
		return fail(c, CONFIG_ERR_VALUE, path, "longer than %d bytes",
		    MAX_STRING);
	*out = s;
	return 0;
}

static int
dup_string(struct ctx *c, const struct json_value *v, const char *path,
    char **out)
{
	const char *s;
	int rc;

	*out = NULL;
	if ((rc = get_string(c, v, path, &s)) != 0)
		return rc;
	if ((*out = strdup(s)) == NULL)
		return fail(c, CONFIG_ERR_NOMEM, path, "out of memory");
	return 0;
}

/* An absolute path; relative ones would depend on the daemon's cwd. */
static int
dup_path(struct ctx *c, const struct json_value *v, const char *path,
    char **out)
{
	const char *s;
	int rc;

	*out = NULL;
	if ((rc = get_string(c, v, path, &s)) != 0)
		return rc;
	if (s[0] != '/')
		return fail(c, CONFIG_ERR_VALUE, path,
		    "must be an absolute path, not \"%s\"", s);
	if (strlen(s) >= PATH_MAX)
		return fail(c, CONFIG_ERR_VALUE, path, "path too long");
	if ((*out = strdup(s)) == NULL)
		return fail(c, CONFIG_ERR_NOMEM, path, "out of memory");
	return 0;
}

static int
get_int(struct ctx *c, const struct json_value *v, const char *path,
    int64_t min, int64_t max, int64_t *out)
{
	int rc;

	if ((rc = want_type(c, v, JSON_INT, path)) != 0)
		return rc;
	if (json_value_int(v, out) != 0)
		return fail(c, CONFIG_ERR_TYPE, path, "must be an integer");
	if (*out < min || *out > max)
		return fail(c, CONFIG_ERR_VALUE, path,
		    "%lld is out of range [%lld, %lld]", (long long)*out,
		    (long long)min, (long long)max);
	return 0;
}

/* An optional integer key: absent leaves *out as it is. */
static int
opt_int(struct ctx *c, const struct json_value *obj, const char *parent,
    const char *key, int64_t min, int64_t max, int64_t *out)
{
	const struct json_value *v = json_object_get(obj, key);
	char kp[256];

	if (v == NULL)
		return 0;
	path_key(kp, sizeof(kp), parent, key);
	return get_int(c, v, kp, min, max, out);
}

static int
parse_mode(struct ctx *c, const struct json_value *v, const char *path,
    mode_t *out)
{
	const char *s;
	unsigned m = 0;
	size_t i, n;
	int rc;

	if ((rc = get_string(c, v, path, &s)) != 0)
		return rc;
	n = strlen(s);
	/* An octal string, so nobody writes 660 meaning 0660. */
	if (n < 3 || n > 4)
		return fail(c, CONFIG_ERR_VALUE, path,
		    "\"%s\" is not an octal mode like \"0660\"", s);
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '7')
			return fail(c, CONFIG_ERR_VALUE, path,
			    "\"%s\" is not an octal mode like \"0660\"", s);
		m = m * 8 + (unsigned)(s[i] - '0');
	}
	if (m > 0777)
		return fail(c, CONFIG_ERR_VALUE, path,
		    "\"%s\": setuid, setgid and sticky bits are not allowed", s);
	if ((m & 0600) != 0600)
		return fail(c, CONFIG_ERR_VALUE, path,
		    "\"%s\": the owner (signerd) needs read and write", s);
	*out = (mode_t)m;
	return 0;
}

static int
parse_token(struct ctx *c, const struct json_value *v, const char *path,
    struct config_token *t, int pin_required)
{
	static const char *const keys[] = { "module", "token", "pin_file",
	    "max_login_failures", NULL };
	const struct json_value *m;
	char kp[256], *mod = NULL, real[PATH_MAX];
	int64_t n = CONFIG_DEFAULT_LOGIN_FAILURES;
	int rc;

	if ((rc = want_type(c, v, JSON_OBJECT, path)) != 0 ||
	    (rc = check_keys(c, v, path, keys)) != 0)
		return rc;
	path_key(kp, sizeof(kp), path, "module");
	if ((m = json_object_get(v, "module")) == NULL)
		return fail(c, CONFIG_ERR_MISSING, kp, "required");
	if ((rc = dup_path(c, m, kp, &mod)) != 0)
		return rc;
	/* The module is code we load: pin it to the real file now. */
	if (realpath(mod, real) == NULL) {
		rc = fail(c, CONFIG_ERR_VALUE, kp, "%s: %s", mod,
		    strerror(errno));
		free(mod);
		return rc;
	}
	free(mod);
	if ((t->module = strdup(real)) == NULL)
		return fail(c, CONFIG_ERR_NOMEM, kp, "out of memory");
	path_key(kp, sizeof(kp), path, "token");
	if ((m = json_object_get(v, "token")) == NULL)
		return fail(c, CONFIG_ERR_MISSING, kp, "required");
	if ((rc = dup_string(c, m, kp, &t->token)) != 0)
		return rc;
	path_key(kp, sizeof(kp), path, "pin_file");
	if ((m = json_object_get(v, "pin_file")) == NULL) {
		if (pin_required)
			return fail(c, CONFIG_ERR_MISSING, kp, "required");
	} else if ((rc = dup_path(c, m, kp, &t->pin_file)) != 0)
		return rc;
	if ((rc = opt_int(c, v, path, "max_login_failures", 1, 100, &n)) != 0)
		return rc;
	t->max_login_failures = (int)n;
	return 0;
}

static int
parse_tokens(struct ctx *c, const struct json_value *v, struct config *cfg)
{
	static const char *const keys[] = { "online", "root", NULL };
	const struct json_value *t;
	int rc;

	if ((rc = want_type(c, v, JSON_OBJECT, "tokens")) != 0 ||
	    (rc = check_keys(c, v, "tokens", keys)) != 0)
		return rc;
	if ((t = json_object_get(v, "online")) == NULL)
		return fail(c, CONFIG_ERR_MISSING, "tokens.online", "required");
	if ((rc = parse_token(c, t, "tokens.online", &cfg->online, 1)) != 0)
		return rc;
	if ((t = json_object_get(v, "root")) == NULL) {
		cfg->root_on_online = 1;
		return 0;
	}
	return parse_token(c, t, "tokens.root", &cfg->root, 0);
}

static int
parse_expiry(struct ctx *c, const struct json_value *v, struct config *cfg)
{
	static const char *const keys[] = { "root", "targets", "snapshot",
	    "delegation", "timestamp", NULL };
	int *dst[] = { &cfg->expiry.root, &cfg->expiry.targets,
	    &cfg->expiry.snapshot, &cfg->expiry.delegation,
	    &cfg->expiry.timestamp };
	int64_t n;
	size_t i;
	int rc;

	if ((rc = want_type(c, v, JSON_OBJECT, "expiry")) != 0 ||
	    (rc = check_keys(c, v, "expiry", keys)) != 0)
		return rc;
	for (i = 0; keys[i] != NULL; i++) {
		n = *dst[i];
		if ((rc = opt_int(c, v, "expiry", keys[i], 1, 36500, &n)) != 0)
			return rc;
		*dst[i] = (int)n;
	}
	return 0;
}

/* A non-empty array of non-empty glob strings; the pointers live in the doc. */
static int
parse_globs(struct ctx *c, const struct json_value *rule, const char *parent,
    const char *key, const char **out, size_t *n)
{
	const struct json_value *v;
	char kp[256], ep[280];
	size_t i;
	int rc;

	*n = 0;
	path_key(kp, sizeof(kp), parent, key);
	if ((v = json_object_get(rule, key)) == NULL)
		return fail(c, CONFIG_ERR_MISSING, kp, "required");
	if ((rc = want_type(c, v, JSON_ARRAY, kp)) != 0)
		return rc;
	if (json_value_count(v) == 0)
		return fail(c, CONFIG_ERR_VALUE, kp, "must not be empty");
	if (json_value_count(v) > MAX_GLOBS)
		return fail(c, CONFIG_ERR_VALUE, kp, "more than %d entries",
		    MAX_GLOBS);
	for (i = 0; i < json_value_count(v); i++) {
		path_index(ep, sizeof(ep), kp, i);
		if ((rc = get_string(c, json_array_at(v, i), ep, &out[i])) != 0)
			return rc;
	}
	*n = i;
	return 0;
}

static int
parse_rule(struct ctx *c, const struct json_value *r, const char *path,
    struct policy *pol)
{
	static const char *const keys[] = { "uid", "gid", "user", "group",
	    "gun", "roles", "ops", NULL };
	static const char *const who_keys[] = { "uid", "gid", "user", "group" };
	const char *roles[MAX_GLOBS], *ops[MAX_GLOBS], *gun, *name;
	const struct json_value *v, *who = NULL;
	char kp[256], label[256];
	const char *who_key = NULL;
	size_t i, nroles, nops;
	int64_t id;
	uid_t uid;
	gid_t gid;
	enum policy_who kind;
	int rc;

	if ((rc = want_type(c, r, JSON_OBJECT, path)) != 0 ||
	    (rc = check_keys(c, r, path, keys)) != 0)
		return rc;
	for (i = 0; i < 4; i++) {
		if ((v = json_object_get(r, who_keys[i])) == NULL)
			continue;
		if (who != NULL)
			return fail(c, CONFIG_ERR_VALUE, path, "names both %s"
			    " and %s: one identity per rule", who_key,
			    who_keys[i]);
		who = v;
		who_key = who_keys[i];
	}
	if (who == NULL)
		return fail(c, CONFIG_ERR_MISSING, path,
		    "needs one of uid, gid, user or group");
	path_key(kp, sizeof(kp), path, who_key);
	if (strcmp(who_key, "uid") == 0 || strcmp(who_key, "gid") == 0) {
		/* (uid_t)-1 means "no change" to chown and friends: never a peer. */
		if ((rc = get_int(c, who, kp, 0, (int64_t)UINT32_MAX - 1,
		    &id)) != 0)
			return rc;
		kind = who_key[0] == 'u' ? POLICY_WHO_UID : POLICY_WHO_GID;
		snprintf(label, sizeof(label), "%s (%s %lld)", path, who_key,
		    (long long)id);
	} else {
		if ((rc = get_string(c, who, kp, &name)) != 0)
			return rc;
		if (who_key[0] == 'u') {
			rc = policy_user_resolve(name, &uid);
			id = uid;
			kind = POLICY_WHO_UID;
		} else {
			rc = policy_group_resolve(name, &gid);
			id = gid;
			kind = POLICY_WHO_GID;
		}
		if (rc == POLICY_ERR_NOMEM)
			return fail(c, CONFIG_ERR_NOMEM, kp, "out of memory");
		if (rc != 0)
			return fail(c, CONFIG_ERR_LOOKUP, kp, "no %s named"
			    " \"%s\"", who_key, name);
		snprintf(label, sizeof(label), "%s (%s %s)", path, who_key,
		    name);
	}
	path_key(kp, sizeof(kp), path, "gun");
	if ((v = json_object_get(r, "gun")) == NULL)
		return fail(c, CONFIG_ERR_MISSING, kp, "required");
	if ((rc = get_string(c, v, kp, &gun)) != 0)
		return rc;
	if ((rc = parse_globs(c, r, path, "roles", roles, &nroles)) != 0 ||
	    (rc = parse_globs(c, r, path, "ops", ops, &nops)) != 0)
		return rc;
	rc = policy_rule_add(pol, kind, (unsigned long)id, label, gun, roles,
	    nroles, ops, nops);
	if (rc != 0)
		return fail(c, CONFIG_ERR_NOMEM, path, "%s",
		    policy_strerror(rc));
	return 0;
}

static int
parse_policy(struct ctx *c, const struct json_value *v, struct config *cfg)
{
	char kp[64];
	size_t i;
	int rc;

	if ((rc = want_type(c, v, JSON_ARRAY, "policy")) != 0)
		return rc;
	if (json_value_count(v) > MAX_RULES)
		return fail(c, CONFIG_ERR_VALUE, "policy", "more than %d rules",
		    MAX_RULES);
	for (i = 0; i < json_value_count(v); i++) {
		path_index(kp, sizeof(kp), "policy", i);
		if ((rc = parse_rule(c, json_array_at(v, i), kp,
		    cfg->policy)) != 0)
			return rc;
	}
	return 0;
}

static int
parse_root(struct ctx *c, const struct json_value *root, struct config *cfg)
{
	static const char *const keys[] = { "socket", "socket_mode",
	    "socket_group", "state_dir", "max_frame", "workers",
	    "read_timeout_ms", "max_connections_per_uid", "tokens", "expiry",
	    "policy", NULL };
	const struct json_value *v;
	int64_t n;
	int rc;

	if ((rc = want_type(c, root, JSON_OBJECT, "")) != 0)
		return fail(c, CONFIG_ERR_TYPE, "", "the config must be one"
		    " JSON object");
	if ((rc = check_keys(c, root, "", keys)) != 0)
		return rc;
	if ((v = json_object_get(root, "socket")) == NULL)
		return fail(c, CONFIG_ERR_MISSING, "socket", "required");
	if ((rc = dup_path(c, v, "socket", &cfg->socket)) != 0)
		return rc;
	if (strlen(cfg->socket) >= 108)	/* sizeof(sun_path) */
		return fail(c, CONFIG_ERR_VALUE, "socket",
		    "longer than a Unix socket path can be (107 bytes)");
	if ((v = json_object_get(root, "socket_mode")) != NULL &&
	    (rc = parse_mode(c, v, "socket_mode", &cfg->socket_mode)) != 0)
		return rc;
	if ((v = json_object_get(root, "socket_group")) != NULL) {
		if ((rc = dup_string(c, v, "socket_group",
		    &cfg->socket_group)) != 0)
			return rc;
		rc = policy_group_resolve(cfg->socket_group, &cfg->socket_gid);
		if (rc == POLICY_ERR_NOMEM)
			return fail(c, CONFIG_ERR_NOMEM, "socket_group",
			    "out of memory");
		if (rc != 0)
			return fail(c, CONFIG_ERR_LOOKUP, "socket_group",
			    "no group named \"%s\"", cfg->socket_group);
	}
	if ((v = json_object_get(root, "state_dir")) == NULL)
		return fail(c, CONFIG_ERR_MISSING, "state_dir", "required");
	if ((rc = dup_path(c, v, "state_dir", &cfg->state_dir)) != 0)
		return rc;
	n = (int64_t)cfg->max_frame;
	if ((rc = opt_int(c, root, "", "max_frame", 4096,
	    (int64_t)1024 * 1024 * 1024, &n)) != 0)
		return rc;
	cfg->max_frame = (size_t)n;
	n = cfg->workers;
	if ((rc = opt_int(c, root, "", "workers", 1, 1024, &n)) != 0)
		return rc;
	cfg->workers = (int)n;
	n = cfg->read_timeout_ms;
	if ((rc = opt_int(c, root, "", "read_timeout_ms", 1, 3600 * 1000,
	    &n)) != 0)
		return rc;
	cfg->read_timeout_ms = (int)n;
	n = cfg->max_connections_per_uid;
	if ((rc = opt_int(c, root, "", "max_connections_per_uid", 1, 65536,
	    &n)) != 0)
		return rc;
	cfg->max_connections_per_uid = (int)n;
	if ((v = json_object_get(root, "tokens")) == NULL)
		return fail(c, CONFIG_ERR_MISSING, "tokens", "required");
	if ((rc = parse_tokens(c, v, cfg)) != 0)
		return rc;
	if ((v = json_object_get(root, "expiry")) != NULL &&
	    (rc = parse_expiry(c, v, cfg)) != 0)
		return rc;
	if ((v = json_object_get(root, "policy")) == NULL)
		return fail(c, CONFIG_ERR_MISSING, "policy", "required"
		    " (an empty array grants nothing)");
	return parse_policy(c, v, cfg);
}

static void
token_cleanup(struct config_token *t)
{
	free(t->module);
	free(t->token);
	free(t->pin_file);
}

void
config_free(struct config *cfg)
{
	if (cfg == NULL)
		return;
	free(cfg->path);
	free(cfg->socket);
	free(cfg->socket_group);
	free(cfg->state_dir);
	token_cleanup(&cfg->online);
	token_cleanup(&cfg->root);
	policy_free(cfg->policy);
	free(cfg);
}

struct policy *
config_policy_take(struct config *cfg)
{
	struct policy *p;

	if (cfg == NULL)
		return NULL;
	p = cfg->policy;
	cfg->policy = NULL;	/* transferred */
	return p;
}

int
config_policy_reload(const char *path, struct policy **out,
    struct config_error *err)
{
	struct config *cfg = NULL;
	int rc;

	*out = NULL;
	if ((rc = config_load(path, &cfg, err)) != 0)
		return rc;
	*out = config_policy_take(cfg);
	config_free(cfg);
	return 0;
}

int
config_expiry_days(const struct config *cfg, const char *role)
{
	if (strcmp(role, "root") == 0)
		return cfg->expiry.root;
	if (strcmp(role, "targets") == 0)
		return cfg->expiry.targets;
	if (strcmp(role, "snapshot") == 0)
		return cfg->expiry.snapshot;
	if (strcmp(role, "timestamp") == 0)
		return cfg->expiry.timestamp;
	return cfg->expiry.delegation;
}

int
config_parse(const uint8_t *buf, size_t len, const char *name,
    struct config **out, struct config_error *err)
{
	struct json_limits lim;
	struct json_error jerr;
	struct json_doc *doc = NULL;
	struct config *cfg = NULL;
	struct ctx c;
	int rc;

	*out = NULL;
	if (err != NULL)
		memset(err, 0, sizeof(*err));
	c.name = name != NULL ? name : "config";
	c.err = err;
	if (buf == NULL && len > 0)
		return fail(&c, CONFIG_ERR_IO, "", "no data");
	if ((cfg = calloc(1, sizeof(*cfg))) == NULL)
		return fail(&c, CONFIG_ERR_NOMEM, "", "out of memory");
	cfg->socket_mode = CONFIG_DEFAULT_SOCKET_MODE;
	cfg->socket_gid = (gid_t)-1;
	cfg->max_frame = CONFIG_DEFAULT_MAX_FRAME;
	cfg->workers = CONFIG_DEFAULT_WORKERS;
	cfg->read_timeout_ms = CONFIG_DEFAULT_READ_TIMEOUT_MS;
	cfg->max_connections_per_uid = CONFIG_DEFAULT_MAX_CONNS_PER_UID;
	cfg->online.max_login_failures = CONFIG_DEFAULT_LOGIN_FAILURES;
	cfg->root.max_login_failures = CONFIG_DEFAULT_LOGIN_FAILURES;
	cfg->expiry.root = CONFIG_DEFAULT_EXPIRY_ROOT;
	cfg->expiry.targets = CONFIG_DEFAULT_EXPIRY_TARGETS;
	cfg->expiry.snapshot = CONFIG_DEFAULT_EXPIRY_SNAPSHOT;
	cfg->expiry.delegation = CONFIG_DEFAULT_EXPIRY_DELEGATION;
	cfg->expiry.timestamp = CONFIG_DEFAULT_EXPIRY_TIMESTAMP;
	if ((cfg->path = strdup(c.name)) == NULL) {
		rc = fail(&c, CONFIG_ERR_NOMEM, "", "out of memory");
		goto out;
	}
	if ((rc = policy_new(&cfg->policy)) != 0) {
		rc = fail(&c, CONFIG_ERR_NOMEM, "", "out of memory");
		goto out;
	}
	memset(&lim, 0, sizeof(lim));
	lim.max_bytes = CONFIG_MAX_FILE;
	lim.max_depth = 8;
	if (json_doc_parse(buf != NULL ? buf : (const uint8_t *)"", len, &lim,
	    &doc, &jerr) != 0) {
		rc = fail(&c, CONFIG_ERR_SYNTAX, "", "invalid JSON at byte %zu:"
		    " %s", jerr.offset, jerr.message);
		goto out;
	}
	if ((rc = parse_root(&c, json_doc_root(doc), cfg)) != 0)
		goto out;
	*out = cfg;
	cfg = NULL;	/* transferred */
out:
	json_doc_free(doc);
	config_free(cfg);
	return rc;
}

int
config_load(const char *path, struct config **out, struct config_error *err)
{
	struct stat sb;
	struct ctx c;
	uint8_t *buf = NULL;
	size_t got = 0;
	ssize_t r;
	int fd = -1, rc;

	*out = NULL;
	if (err != NULL)
		memset(err, 0, sizeof(*err));
	c.name = path != NULL ? path : "(null)";
	c.err = err;
	if (path == NULL)
		return fail(&c, CONFIG_ERR_IO, "", "no config file given");
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0)
		return fail(&c, CONFIG_ERR_IO, "", "%s", strerror(errno));
	if (fstat(fd, &sb) != 0) {
		rc = fail(&c, CONFIG_ERR_IO, "", "%s", strerror(errno));
		goto out;
	}
	if (!S_ISREG(sb.st_mode)) {
		rc = fail(&c, CONFIG_ERR_PERM, "", "not a regular file");
		goto out;
	}
	/* Whoever can write the config can grant themselves any signature. */
	if ((sb.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		rc = fail(&c, CONFIG_ERR_PERM, "", "writable by group or others"
		    " (mode %04o); chmod go-w it", (unsigned)(sb.st_mode & 07777));
		goto out;
	}
	if (sb.st_uid != 0 && sb.st_uid != geteuid()) {
		rc = fail(&c, CONFIG_ERR_PERM, "", "owned by uid %lu, neither"
		    " root nor signerd's uid %lu", (unsigned long)sb.st_uid,
		    (unsigned long)geteuid());
		goto out;
	}
	if (sb.st_size > CONFIG_MAX_FILE) {
		rc = fail(&c, CONFIG_ERR_VALUE, "", "larger than %d bytes",
		    CONFIG_MAX_FILE);
		goto out;
	}
	if ((buf = malloc((size_t)sb.st_size + 1)) == NULL) {
		rc = fail(&c, CONFIG_ERR_NOMEM, "", "out of memory");
		goto out;
	}
	/* Read to EOF, but never past the size we checked. */
	while (got <= (size_t)sb.st_size) {
		r = read(fd, buf + got, (size_t)sb.st_size + 1 - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = fail(&c, CONFIG_ERR_IO, "", "%s", strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	if (got > (size_t)sb.st_size) {
		rc = fail(&c, CONFIG_ERR_IO, "", "changed while being read");
		goto out;
	}
	rc = config_parse(buf, got, path, out, err);
out:
	free(buf);
	if (fd >= 0)
		close(fd);
	return rc;
}
