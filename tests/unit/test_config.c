/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for config: every key's type, unknown and missing keys, values, file checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "policy.h"

static char tmpdir[256];
static char module[PATH_MAX];
static char *base;	/* the full example config with MOD replaced */

static const char base_template[] =
    "{\"socket\":\"/run/signerd/s.sock\",\"socket_mode\":\"0660\","
    "\"socket_group\":\"root\",\"state_dir\":\"/var/lib/signerd\","
    "\"max_frame\":1048576,\"workers\":4,\"read_timeout_ms\":2000,"
    "\"max_connections_per_uid\":5,"
    "\"tokens\":{\"online\":{\"module\":\"MOD\",\"token\":\"online\","
    "\"pin_file\":\"/etc/signerd/online.pin\",\"max_login_failures\":5},"
    "\"root\":{\"module\":\"MOD\",\"token\":\"root\",\"max_login_failures\":2}},"
    "\"expiry\":{\"root\":3650,\"targets\":365,\"snapshot\":366,"
    "\"delegation\":90,\"timestamp\":14},"
    "\"policy\":["
    "{\"uid\":1001,\"gun\":\"docker.io/ci/*\",\"roles\":[\"targets\",\"targets/*\"],\"ops\":[\"targets.update\"]},"
    "{\"user\":\"root\",\"gun\":\"**\",\"roles\":[\"**\"],\"ops\":[\"*\"]},"
    "{\"group\":\"root\",\"gun\":\"**\",\"roles\":[\"**\"],\"ops\":[\"status\"]},"
    "{\"gid\":0,\"gun\":\"x\",\"roles\":[\"r\"],\"ops\":[\"o\"]}]}";

/* s with the first occurrence of from replaced by to; the test fails if absent. */
static char *
replace(const char *s, const char *from, const char *to)
{
	const char *p = strstr(s, from);
	size_t n;
	char *out;

	assert_non_null(p);
	n = strlen(s) - strlen(from) + strlen(to) + 1;
	out = malloc(n);
	assert_non_null(out);
	memcpy(out, s, (size_t)(p - s));
	memcpy(out + (p - s), to, strlen(to));
	memcpy(out + (p - s) + strlen(to), p + strlen(from),
	    strlen(p + strlen(from)) + 1);
	return out;
}

static int
parse(const char *text, struct config **cfg, struct config_error *err)
{
	return config_parse((const uint8_t *)text, strlen(text), "test.json",
	    cfg, err);
}

static int
setup(void **state)
{
	char *a, *b, real[PATH_MAX];
	int fd, n;

	(void)state;
	n = snprintf(tmpdir, sizeof(tmpdir), "%s/test_config.XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_true(n > 0 && (size_t)n < sizeof(tmpdir));
	assert_non_null(mkdtemp(tmpdir));
	snprintf(module, sizeof(module), "%s/module.so", tmpdir);
	fd = open(module, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	close(fd);
	/* config stores the realpath of the module; compare against that. */
	assert_non_null(realpath(module, real));
	memcpy(module, real, sizeof(module));
	a = replace(base_template, "MOD", module);
	b = replace(a, "MOD", module);
	free(a);
	base = b;
	return 0;
}

static int
teardown(void **state)
{
	char p[512];

	(void)state;
	unlink(module);
	snprintf(p, sizeof(p), "%s/c.json", tmpdir);
	unlink(p);
	rmdir(tmpdir);
	free(base);
	return 0;
}

static void
test_full(void **state)
{
	struct config *cfg = NULL;
	struct config_error err;

	(void)state;
	assert_int_equal(parse(base, &cfg, &err), 0);
	assert_string_equal(cfg->socket, "/run/signerd/s.sock");
	assert_int_equal(cfg->socket_mode, 0660);
	assert_string_equal(cfg->socket_group, "root");
	assert_int_equal(cfg->socket_gid, 0);
	assert_string_equal(cfg->state_dir, "/var/lib/signerd");
	assert_int_equal(cfg->max_frame, 1048576);
	assert_int_equal(cfg->workers, 4);
	assert_int_equal(cfg->max_connections_per_uid, 5);
	assert_int_equal(cfg->read_timeout_ms, 2000);
	assert_string_equal(cfg->online.module, module);
	assert_string_equal(cfg->online.token, "online");
	assert_string_equal(cfg->online.pin_file, "/etc/signerd/online.pin");
	assert_int_equal(cfg->online.max_login_failures, 5);
	assert_string_equal(cfg->root.token, "root");
	assert_null(cfg->root.pin_file);
	assert_int_equal(cfg->root.max_login_failures, 2);
	assert_int_equal(cfg->root_on_online, 0);
	assert_int_equal(config_expiry_days(cfg, "root"), 3650);
	assert_int_equal(config_expiry_days(cfg, "targets"), 365);
	assert_int_equal(config_expiry_days(cfg, "snapshot"), 366);
	assert_int_equal(config_expiry_days(cfg, "targets/releases"), 90);
	assert_int_equal(config_expiry_days(cfg, "timestamp"), 14);
	assert_int_equal(policy_rule_count(cfg->policy), 4);
	config_free(cfg);
}

static void
test_minimal_defaults(void **state)
{
	struct config *cfg = NULL;
	struct config_error err;
	char text[8192];

	(void)state;
	snprintf(text, sizeof(text), "{\"socket\":\"/s\",\"state_dir\":\"/d\","
	    "\"tokens\":{\"online\":{\"module\":\"%s\",\"token\":\"t\","
	    "\"pin_file\":\"/p\"}},\"policy\":[]}", module);
	assert_int_equal(parse(text, &cfg, &err), 0);
	assert_int_equal(cfg->socket_mode, CONFIG_DEFAULT_SOCKET_MODE);
	assert_null(cfg->socket_group);
	assert_int_equal(cfg->max_frame, CONFIG_DEFAULT_MAX_FRAME);
	assert_int_equal(cfg->workers, CONFIG_DEFAULT_WORKERS);
	assert_int_equal(cfg->max_connections_per_uid,
	    CONFIG_DEFAULT_MAX_CONNS_PER_UID);
	assert_int_equal(cfg->read_timeout_ms, CONFIG_DEFAULT_READ_TIMEOUT_MS);
	assert_int_equal(cfg->online.max_login_failures,
	    CONFIG_DEFAULT_LOGIN_FAILURES);
	/* No root token: root keys live on the online token. */
	assert_int_equal(cfg->root_on_online, 1);
	assert_null(cfg->root.module);
	assert_int_equal(config_expiry_days(cfg, "root"), 3650);
	assert_int_equal(config_expiry_days(cfg, "targets"), 1095);
	assert_int_equal(config_expiry_days(cfg, "timestamp"), 14);
	assert_int_equal(policy_rule_count(cfg->policy), 0);
	config_free(cfg);
}

struct bad_case {
	const char	*from;
	const char	*to;
	int		 code;
	const char	*key;
};

static void
run_cases(const struct bad_case *cases, size_t n)
{
	struct config *cfg;
	struct config_error err;
	char *text, prefix[256];
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		text = replace(base, cases[i].from, cases[i].to);
		cfg = (struct config *)0x1;
		rc = parse(text, &cfg, &err);
		if (rc != cases[i].code || strcmp(err.key, cases[i].key) != 0)
			fail_msg("case %zu (%s -> %s): got %d key '%s' (%s)", i,
			    cases[i].from, cases[i].to, rc, err.key,
			    err.message);
		assert_null(cfg);
		assert_int_equal(err.code, cases[i].code);
		/* The message names the file and the key. */
		snprintf(prefix, sizeof(prefix), "test.json: %s: ",
		    cases[i].key);
		if (strncmp(err.message, prefix, strlen(prefix)) != 0)
			fail_msg("case %zu: message '%s'", i, err.message);
		free(text);
	}
}

static void
test_type_errors(void **state)
{
	static const struct bad_case cases[] = {
		{ "\"socket\":\"/run/signerd/s.sock\"", "\"socket\":1", CONFIG_ERR_TYPE, "socket" },
		{ "\"socket_mode\":\"0660\"", "\"socket_mode\":660", CONFIG_ERR_TYPE, "socket_mode" },
		{ "\"socket_group\":\"root\"", "\"socket_group\":true", CONFIG_ERR_TYPE, "socket_group" },
		{ "\"state_dir\":\"/var/lib/signerd\"", "\"state_dir\":[]", CONFIG_ERR_TYPE, "state_dir" },
		{ "\"max_frame\":1048576", "\"max_frame\":\"1048576\"", CONFIG_ERR_TYPE, "max_frame" },
		{ "\"workers\":4", "\"workers\":null", CONFIG_ERR_TYPE, "workers" },
		{ "\"read_timeout_ms\":2000", "\"read_timeout_ms\":{}", CONFIG_ERR_TYPE, "read_timeout_ms" },
		{ "\"tokens\":{\"online\"", "\"tokens\":[],\"x\":{\"online\"", CONFIG_ERR_UNKNOWN, "x" },
		{ "\"online\":{", "\"online\":\"x\",\"y\":{", CONFIG_ERR_UNKNOWN, "tokens.y" },
		{ "\"module\":\"", "\"module\":5,\"m\":\"", CONFIG_ERR_UNKNOWN, "tokens.online.m" },
		{ "\"token\":\"online\"", "\"token\":false", CONFIG_ERR_TYPE, "tokens.online.token" },
		{ "\"pin_file\":\"/etc/signerd/online.pin\"", "\"pin_file\":1", CONFIG_ERR_TYPE, "tokens.online.pin_file" },
		{ "\"max_login_failures\":5", "\"max_login_failures\":\"5\"", CONFIG_ERR_TYPE, "tokens.online.max_login_failures" },
		{ "\"token\":\"root\"", "\"token\":[\"root\"]", CONFIG_ERR_TYPE, "tokens.root.token" },
		{ "\"max_login_failures\":2", "\"max_login_failures\":[2]", CONFIG_ERR_TYPE, "tokens.root.max_login_failures" },
		{ "\"root\":{\"module\"", "\"root\":7,\"r\":{\"module\"", CONFIG_ERR_UNKNOWN, "tokens.r" },
		{ "\"expiry\":{\"root\":3650", "\"expiry\":{\"root\":\"3650\"", CONFIG_ERR_TYPE, "expiry.root" },
		{ "\"targets\":365", "\"targets\":true", CONFIG_ERR_TYPE, "expiry.targets" },
		{ "\"snapshot\":366", "\"snapshot\":null", CONFIG_ERR_TYPE, "expiry.snapshot" },
		{ "\"delegation\":90", "\"delegation\":[90]", CONFIG_ERR_TYPE, "expiry.delegation" },
		{ "\"timestamp\":14", "\"timestamp\":{}", CONFIG_ERR_TYPE, "expiry.timestamp" },
		{ "\"uid\":1001", "\"uid\":\"1001\"", CONFIG_ERR_TYPE, "policy[0].uid" },
		{ "\"gun\":\"docker.io/ci/*\"", "\"gun\":1", CONFIG_ERR_TYPE, "policy[0].gun" },
		{ "\"roles\":[\"targets\",\"targets/*\"]", "\"roles\":\"targets\"", CONFIG_ERR_TYPE, "policy[0].roles" },
		{ "\"roles\":[\"targets\",\"targets/*\"]", "\"roles\":[\"targets\",1]", CONFIG_ERR_TYPE, "policy[0].roles[1]" },
		{ "\"ops\":[\"targets.update\"]", "\"ops\":{}", CONFIG_ERR_TYPE, "policy[0].ops" },
		{ "\"ops\":[\"targets.update\"]", "\"ops\":[null]", CONFIG_ERR_TYPE, "policy[0].ops[0]" },
		{ "\"user\":\"root\"", "\"user\":0", CONFIG_ERR_TYPE, "policy[1].user" },
		{ "\"group\":\"root\"", "\"group\":0", CONFIG_ERR_TYPE, "policy[2].group" },
		{ "\"gid\":0", "\"gid\":\"0\"", CONFIG_ERR_TYPE, "policy[3].gid" },
	};

	(void)state;
	run_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

/* Whole values replaced: each container key with the wrong type. */
static void
test_container_types(void **state)
{
	struct config *cfg;
	struct config_error err;
	char *a, *b;

	(void)state;
	a = replace(base, "\"policy\":[", "\"policy\":{},\"z\":[");
	assert_int_equal(parse(a, &cfg, &err), CONFIG_ERR_UNKNOWN);
	free(a);
	/* Cut the policy array out and put a string in its place. */
	a = strdup(base);
	assert_non_null(a);
	b = strstr(a, "\"policy\":[");
	assert_non_null(b);
	memcpy(b, "\"policy\":\"all\"}", sizeof("\"policy\":\"all\"}"));
	assert_int_equal(parse(a, &cfg, &err), CONFIG_ERR_TYPE);
	assert_string_equal(err.key, "policy");
	memcpy(b, "\"policy\":[1]}", sizeof("\"policy\":[1]}"));
	assert_int_equal(parse(a, &cfg, &err), CONFIG_ERR_TYPE);
	assert_string_equal(err.key, "policy[0]");
	b = strstr(a, "\"expiry\":{");
	memcpy(b, "\"expiry\":7,\"policy\":[]}", sizeof("\"expiry\":7,\"policy\":[]}"));
	assert_int_equal(parse(a, &cfg, &err), CONFIG_ERR_TYPE);
	assert_string_equal(err.key, "expiry");
	b = strstr(a, "\"tokens\":{");
	memcpy(b, "\"tokens\":[],\"policy\":[]}", sizeof("\"tokens\":[],\"policy\":[]}"));
	assert_int_equal(parse(a, &cfg, &err), CONFIG_ERR_TYPE);
	assert_string_equal(err.key, "tokens");
	memcpy(b, "\"tokens\":{\"online\":\"x\"},\"policy\":[]}", sizeof("\"tokens\":{\"online\":\"x\"},\"policy\":[]}"));
	assert_int_equal(parse(a, &cfg, &err), CONFIG_ERR_TYPE);
	assert_string_equal(err.key, "tokens.online");
	memcpy(b, "\"tokens\":{\"online\":{\"module\":5}},\"policy\":[]}", sizeof("\"tokens\":{\"online\":{\"module\":5}},\"policy\":[]}"));
	assert_int_equal(parse(a, &cfg, &err), CONFIG_ERR_TYPE);
	assert_string_equal(err.key, "tokens.online.module");
	free(a);
	assert_int_equal(parse("[]", &cfg, &err), CONFIG_ERR_TYPE);
	assert_int_equal(parse("{\"socket\":", &cfg, &err), CONFIG_ERR_SYNTAX);
	assert_non_null(strstr(err.message, "test.json: invalid JSON"));
	assert_int_equal(parse("", &cfg, &err), CONFIG_ERR_SYNTAX);
	/* Numbers are integers only. */
	a = replace(base, "\"workers\":4", "\"workers\":4.0");
	assert_int_equal(parse(a, &cfg, &err), CONFIG_ERR_SYNTAX);
	free(a);
}

static void
test_unknown_keys(void **state)
{
	static const struct bad_case cases[] = {
		{ "{\"socket\"", "{\"sockets\":1,\"socket\"", CONFIG_ERR_UNKNOWN, "sockets" },
		{ "\"token\":\"online\"", "\"token\":\"online\",\"slot\":1", CONFIG_ERR_UNKNOWN, "tokens.online.slot" },
		{ "\"token\":\"root\"", "\"token\":\"root\",\"pin\":\"1234\"", CONFIG_ERR_UNKNOWN, "tokens.root.pin" },
		{ "\"root\":{\"module\"", "\"backup\":{},\"root\":{\"module\"", CONFIG_ERR_UNKNOWN, "tokens.backup" },
		{ "\"timestamp\":14", "\"timestamp\":14,\"root_ca\":1", CONFIG_ERR_UNKNOWN, "expiry.root_ca" },
		{ "\"uid\":1001,", "\"uid\":1001,\"path\":\"x\",", CONFIG_ERR_UNKNOWN, "policy[0].path" },
		/* Control bytes in an unknown key are not echoed raw. */
		{ "{\"socket\"", "{\"a\\u0001b\":1,\"socket\"", CONFIG_ERR_UNKNOWN, "a?b" },
	};

	(void)state;
	run_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

static void
test_missing(void **state)
{
	static const struct bad_case cases[] = {
		{ "\"socket\":\"/run/signerd/s.sock\",", "", CONFIG_ERR_MISSING, "socket" },
		{ "\"state_dir\":\"/var/lib/signerd\",", "", CONFIG_ERR_MISSING, "state_dir" },
		{ "\"token\":\"online\",", "", CONFIG_ERR_MISSING, "tokens.online.token" },
		{ "\"pin_file\":\"/etc/signerd/online.pin\",", "", CONFIG_ERR_MISSING, "tokens.online.pin_file" },
		{ "\"gun\":\"docker.io/ci/*\",", "", CONFIG_ERR_MISSING, "policy[0].gun" },
		{ "\"roles\":[\"targets\",\"targets/*\"],", "", CONFIG_ERR_MISSING, "policy[0].roles" },
		{ ",\"ops\":[\"targets.update\"]", "", CONFIG_ERR_MISSING, "policy[0].ops" },
		{ "\"uid\":1001,", "", CONFIG_ERR_MISSING, "policy[0]" },
		{ "\"roles\":[\"targets\",\"targets/*\"]", "\"roles\":[]", CONFIG_ERR_VALUE, "policy[0].roles" },
		{ "\"ops\":[\"targets.update\"]", "\"ops\":[\"\"]", CONFIG_ERR_VALUE, "policy[0].ops[0]" },
	};
	struct config *cfg;
	struct config_error err;
	char text[8192];

	(void)state;
	run_cases(cases, sizeof(cases) / sizeof(cases[0]));
	snprintf(text, sizeof(text), "{\"socket\":\"/s\",\"state_dir\":\"/d\","
	    "\"policy\":[]}");
	assert_int_equal(parse(text, &cfg, &err), CONFIG_ERR_MISSING);
	assert_string_equal(err.key, "tokens");
	snprintf(text, sizeof(text), "{\"socket\":\"/s\",\"state_dir\":\"/d\","
	    "\"tokens\":{},\"policy\":[]}");
	assert_int_equal(parse(text, &cfg, &err), CONFIG_ERR_MISSING);
	assert_string_equal(err.key, "tokens.online");
	snprintf(text, sizeof(text), "{\"socket\":\"/s\",\"state_dir\":\"/d\","
	    "\"tokens\":{\"online\":{\"token\":\"t\"}},\"policy\":[]}");
	assert_int_equal(parse(text, &cfg, &err), CONFIG_ERR_MISSING);
	assert_string_equal(err.key, "tokens.online.module");
	snprintf(text, sizeof(text), "{\"socket\":\"/s\",\"state_dir\":\"/d\","
	    "\"tokens\":{\"online\":{\"module\":\"%s\",\"token\":\"t\","
	    "\"pin_file\":\"/p\"}}}", module);
	assert_int_equal(parse(text, &cfg, &err), CONFIG_ERR_MISSING);
	assert_string_equal(err.key, "policy");
	snprintf(text, sizeof(text), "{\"socket\":\"/s\",\"state_dir\":\"/d\","
	    "\"tokens\":{\"online\":{\"module\":\"%s\",\"token\":\"t\","
	    "\"pin_file\":\"/p\"},\"root\":{\"token\":\"r\"}},\"policy\":[]}",
	    module);
	assert_int_equal(parse(text, &cfg, &err), CONFIG_ERR_MISSING);
	assert_string_equal(err.key, "tokens.root.module");
}

static void
test_values(void **state)
{
	static const struct bad_case cases[] = {
		/* Octal modes. */
		{ "\"0660\"", "\"0668\"", CONFIG_ERR_VALUE, "socket_mode" },
		{ "\"0660\"", "\"66\"", CONFIG_ERR_VALUE, "socket_mode" },
		{ "\"0660\"", "\"06600\"", CONFIG_ERR_VALUE, "socket_mode" },
		{ "\"0660\"", "\"0x1b\"", CONFIG_ERR_VALUE, "socket_mode" },
		{ "\"0660\"", "\"-660\"", CONFIG_ERR_VALUE, "socket_mode" },
		{ "\"0660\"", "\"4660\"", CONFIG_ERR_VALUE, "socket_mode" },
		{ "\"0660\"", "\"0066\"", CONFIG_ERR_VALUE, "socket_mode" },
		{ "\"0660\"", "\"\"", CONFIG_ERR_VALUE, "socket_mode" },
		/* Ranges. */
		{ "\"workers\":4", "\"workers\":0", CONFIG_ERR_VALUE, "workers" },
		{ "\"max_connections_per_uid\":5", "\"max_connections_per_uid\":0",
		  CONFIG_ERR_VALUE, "max_connections_per_uid" },
		{ "\"workers\":4", "\"workers\":-1", CONFIG_ERR_VALUE, "workers" },
		{ "\"max_frame\":1048576", "\"max_frame\":1", CONFIG_ERR_VALUE, "max_frame" },
		{ "\"max_frame\":1048576", "\"max_frame\":9223372036854775807", CONFIG_ERR_VALUE, "max_frame" },
		{ "\"read_timeout_ms\":2000", "\"read_timeout_ms\":0", CONFIG_ERR_VALUE, "read_timeout_ms" },
		{ "\"max_login_failures\":5", "\"max_login_failures\":0", CONFIG_ERR_VALUE, "tokens.online.max_login_failures" },
		{ "\"root\":3650", "\"root\":0", CONFIG_ERR_VALUE, "expiry.root" },
		{ "\"uid\":1001", "\"uid\":-1", CONFIG_ERR_VALUE, "policy[0].uid" },
		{ "\"uid\":1001", "\"uid\":4294967295", CONFIG_ERR_VALUE, "policy[0].uid" },
		/* Paths and strings. */
		{ "\"/run/signerd/s.sock\"", "\"run/s.sock\"", CONFIG_ERR_VALUE, "socket" },
		{ "\"/var/lib/signerd\"", "\"\"", CONFIG_ERR_VALUE, "state_dir" },
		{ "\"/var/lib/signerd\"", "\"/var/\\u0000x\"", CONFIG_ERR_VALUE, "state_dir" },
		{ "\"/etc/signerd/online.pin\"", "\"online.pin\"", CONFIG_ERR_VALUE, "tokens.online.pin_file" },
		{ "\"module\":\"/", "\"module\":\"/nonexistent/x/", CONFIG_ERR_VALUE, "tokens.online.module" },
		{ "\"token\":\"online\"", "\"token\":\"\"", CONFIG_ERR_VALUE, "tokens.online.token" },
		/* Identities. */
		{ "\"user\":\"root\"", "\"user\":\"no-such-user-xq\"", CONFIG_ERR_LOOKUP, "policy[1].user" },
		{ "\"group\":\"root\"", "\"group\":\"no-such-group-xq\"", CONFIG_ERR_LOOKUP, "policy[2].group" },
		{ "\"socket_group\":\"root\"", "\"socket_group\":\"no-such-group-xq\"", CONFIG_ERR_LOOKUP, "socket_group" },
		{ "\"uid\":1001,", "\"uid\":1001,\"gid\":5,", CONFIG_ERR_VALUE, "policy[0]" },
		{ "\"user\":\"root\",", "\"user\":\"root\",\"group\":\"root\",", CONFIG_ERR_VALUE, "policy[1]" },
	};

	(void)state;
	run_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

static void
test_socket_path_length(void **state)
{
	struct config *cfg;
	struct config_error err;
	char path[200], quoted[260], *text;

	(void)state;
	memset(path, 'a', sizeof(path));
	path[0] = '/';
	path[120] = '\0';
	snprintf(quoted, sizeof(quoted), "\"%s\"", path);
	text = replace(base, "\"/run/signerd/s.sock\"", quoted);
	assert_int_equal(parse(text, &cfg, &err), CONFIG_ERR_VALUE);
	assert_string_equal(err.key, "socket");
	free(text);
}

static void
test_duplicate_key(void **state)
{
	struct config *cfg;
	struct config_error err;
	char *text;

	(void)state;
	text = replace(base, "\"workers\":4", "\"workers\":4,\"workers\":5");
	assert_int_equal(parse(text, &cfg, &err), CONFIG_ERR_SYNTAX);
	free(text);
}

static void
write_file(const char *path, const char *text, mode_t mode)
{
	int fd;

	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static void
test_load_file(void **state)
{
	struct config *cfg = NULL;
	struct config_error err;
	char path[512];

	(void)state;
	snprintf(path, sizeof(path), "%s/c.json", tmpdir);
	write_file(path, base, 0600);
	assert_int_equal(config_load(path, &cfg, &err), 0);
	assert_string_equal(cfg->path, path);
	config_free(cfg);
	write_file(path, base, 0644);
	assert_int_equal(config_load(path, &cfg, &err), 0);
	config_free(cfg);

	write_file(path, base, 0666);
	assert_int_equal(config_load(path, &cfg, &err), CONFIG_ERR_PERM);
	assert_null(cfg);
	assert_non_null(strstr(err.message, path));
	assert_non_null(strstr(err.message, "writable by group or others"));
	write_file(path, base, 0620);
	assert_int_equal(config_load(path, &cfg, &err), CONFIG_ERR_PERM);
	write_file(path, base, 0602);
	assert_int_equal(config_load(path, &cfg, &err), CONFIG_ERR_PERM);

	/* Errors from the content name the file too. */
	write_file(path, "{\"socket\":1}", 0600);
	assert_int_equal(config_load(path, &cfg, &err), CONFIG_ERR_TYPE);
	assert_non_null(strstr(err.message, path));
	assert_non_null(strstr(err.message, ": socket: "));

	assert_int_equal(config_load(tmpdir, &cfg, &err), CONFIG_ERR_PERM);
	assert_non_null(strstr(err.message, "not a regular file"));
	unlink(path);
	assert_int_equal(config_load(path, &cfg, &err), CONFIG_ERR_IO);
	assert_non_null(strstr(err.message, path));
}

/* SIGHUP: a good file gives a new policy; a bad one gives none and says why. */
static void
test_policy_reload(void **state)
{
	struct config_error err;
	struct policy *p = NULL;
	char path[512], *text;

	(void)state;
	snprintf(path, sizeof(path), "%s/c.json", tmpdir);
	write_file(path, base, 0600);
	assert_int_equal(config_policy_reload(path, &p, &err), 0);
	assert_non_null(p);
	assert_int_equal(policy_rule_count(p), 4);
	policy_free(p);
	text = replace(base, "\"user\":\"root\"", "\"user\":\"no-such-user-xq\"");
	write_file(path, text, 0600);
	free(text);
	assert_int_equal(config_policy_reload(path, &p, &err), CONFIG_ERR_LOOKUP);
	assert_null(p);
	assert_string_equal(err.key, "policy[1].user");
	unlink(path);
}

static void
test_policy_from_config(void **state)
{
	struct config *cfg = NULL;
	struct config_error err;
	struct policy_peer peer;
	struct policy *p;
	char why[256];

	(void)state;
	assert_int_equal(parse(base, &cfg, &err), 0);
	p = config_policy_take(cfg);
	assert_null(cfg->policy);
	config_free(cfg);
	memset(&peer, 0, sizeof(peer));
	peer.uid = 1001;
	peer.gid = 1001;
	assert_int_equal(policy_check(p, &peer, "targets.update",
	    "docker.io/ci/app", "targets", why, sizeof(why)), 0);
	assert_int_equal(policy_check(p, &peer, "repo.init",
	    "docker.io/ci/app", "targets", why, sizeof(why)),
	    POLICY_ERR_DENIED);
	peer.uid = 0;
	assert_int_equal(policy_check(p, &peer, "repo.init", "a/b", "root",
	    why, sizeof(why)), 0);
	policy_free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_minimal_defaults),
		cmocka_unit_test(test_type_errors),
		cmocka_unit_test(test_container_types),
		cmocka_unit_test(test_unknown_keys),
		cmocka_unit_test(test_missing),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_socket_path_length),
		cmocka_unit_test(test_duplicate_key),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_policy_reload),
		cmocka_unit_test(test_policy_from_config),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
