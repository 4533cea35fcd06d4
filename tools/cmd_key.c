/* SPDX-License-Identifier: Apache-2.0 */
/* trustctl key: delegation keys made in signerd's token, and the keys it holds. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "json.h"
#include "proto.h"
#include "trustctl.h"

static const char help[] =
"usage: trustctl key generate NAME [--dir DIR]\n"
"       trustctl key list\n"
"generate: signerd makes a delegation key for signer NAME in its token and\n"
"returns the public key, written to DIR/NAME.pub (default: the current\n"
"directory; an existing file is not overwritten), as `docker trust key\n"
"generate` does. Add it to a repository with `trustctl signer add`.\n"
"list: the keys signerd holds: key ID, role, and GUN or signer.\n";

static int
key_generate(struct tc *t, int argc, char **argv)
{
	struct proto_error	 pe;
	struct proto_resp	 resp;
	struct json_buf		 f;
	const char		*name = NULL, *dir = ".", *pem, *id;
	char			 path[4096];
	size_t			 plen, ilen;
	int			 a, fd, n, rc = TC_EXIT_FAIL;

	for (a = 2; a < argc; a++) {
		if (strcmp(argv[a], "--dir") == 0) {
			if (a + 1 >= argc)
				return tc_usage("key", "--dir needs a value");
			dir = argv[++a];
		} else if (argv[a][0] == '-')
			return tc_usage("key", "unknown option %s", argv[a]);
		else if (name != NULL)
			return tc_usage("key", "give exactly one NAME");
		else
			name = argv[a];
	}
	if (name == NULL)
		return tc_usage("key", "give the signer NAME");
	if (proto_signer_check("NAME", name, strlen(name), &pe) != 0)
		return tc_usage("key", "%s", pe.message);
	n = snprintf(path, sizeof(path), "%s/%s.pub", dir, name);
	if (n < 0 || (size_t)n >= sizeof(path))
		return tc_usage("key", "--dir too long");
	if (access(path, F_OK) == 0) {
		tc_fail("%s already exists; not overwriting it", path);
		return TC_EXIT_FAIL;
	}
	json_buf_init(&f);
	json_put_raw(&f, "\"signer\":", 9);
	json_put_str(&f, name, strlen(name));
	json_put_raw(&f, ",\"type\":\"ecdsa\"", 15);
	if (tc_call(t, "key.generate", &f, &resp) != 0)
		goto out;
	pem = json_value_str(json_object_get(resp.result, "public_pem"), &plen);
	id = json_value_str(json_object_get(resp.result, "id"), &ilen);
	if (pem == NULL || id == NULL) {
		tc_fail("signerd's answer to key.generate lacks id or "
		    "public_pem");
		goto out;
	}
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0644)) < 0) {
		tc_fail("writing %s: %s (the key %s exists in signerd's "
		    "token)", path, strerror(errno), id);
		goto out;
	}
	if (write(fd, pem, plen) != (ssize_t)plen || close(fd) != 0) {
		tc_fail("writing %s: %s", path, strerror(errno));
		(void)unlink(path);
		goto out;
	}
	printf("Successfully generated and loaded private key. Corresponding "
	    "public key available: %s\nkey ID %s\n", path, id);
	rc = TC_EXIT_OK;
out:
	proto_resp_cleanup(&resp);
	json_buf_cleanup(&f);
	return rc;
}

static int
key_list(struct tc *t, int argc)
{
	struct proto_resp	 resp;
	const struct json_value	*keys, *k;
	const char		*s;
	size_t			 i, l;

	if (argc != 2)
		return tc_usage("key", "list takes no arguments");
	if (tc_call(t, "key.list", NULL, &resp) != 0) {
		proto_resp_cleanup(&resp);
		return TC_EXIT_FAIL;
	}
	keys = json_object_get(resp.result, "keys");
	if (json_value_type(keys) != JSON_ARRAY) {
		tc_fail("signerd's answer to key.list holds no keys");
		proto_resp_cleanup(&resp);
		return TC_EXIT_FAIL;
	}
	printf("%-64s  %-20s  %s\n", "KEY ID", "ROLE", "GUN / SIGNER");
	for (i = 0; i < json_value_count(keys); i++) {
		k = json_array_at(keys, i);
		s = json_value_str(json_object_get(k, "id"), &l);
		printf("%-64s  ", s ? s : "?");
		s = json_value_str(json_object_get(k, "role"), &l);
		printf("%-20s  ", s ? s : "-");
		if ((s = json_value_str(json_object_get(k, "gun"), &l)) == NULL)
			s = json_value_str(json_object_get(k, "signer"), &l);
		printf("%s\n", s ? s : "-");
	}
	proto_resp_cleanup(&resp);
	return TC_EXIT_OK;
}

int
cmd_key(struct tc *t, int argc, char **argv)
{
	if (tc_wants_help(argc, argv)) {
		fputs(help, stdout);
		return TC_EXIT_OK;
	}
	if (argc >= 2 && strcmp(argv[1], "generate") == 0)
		return key_generate(t, argc, argv);
	if (argc >= 2 && strcmp(argv[1], "list") == 0)
		return key_list(t, argc);
	return tc_usage("key", "expected `generate NAME` or `list`");
}
