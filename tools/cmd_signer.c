/* SPDX-License-Identifier: Apache-2.0 */
/* trustctl signer: delegations added and removed as `docker trust signer` does. */
#define _GNU_SOURCE	/* memmem */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json.h"
#include "proto.h"
#include "repo.h"
#include "trustctl.h"
#include "truststore.h"
#include "tuf.h"

static const char help[] =
"usage: trustctl signer add --key FILE NAME GUN...\n"
"       trustctl signer remove [--yes] NAME GUN...\n"
"add: lists the public key in FILE (PEM, e.g. from `trustctl key generate`)\n"
"as signer NAME of each GUN, in the delegations targets/NAME and\n"
"targets/releases, signed by the repository key in signerd. A GUN with no\n"
"trust data is initialised first, as docker does.\n"
"remove: takes NAME's delegation and its keys out of targets/releases;\n"
"asks first when that would leave targets/releases without a key, unless\n"
"--yes.\n";

static int
one_gun(struct tc *t, const char *action, const char *name, const char *gun,
    const char *pem, size_t pemlen, int yes)
{
	struct repo		*rp = NULL;
	struct proto_resp	 resp;
	struct truststore	 up;
	struct json_buf		 f;
	char			 role[128];
	int			 r, rc = -1;

	memset(&resp, 0, sizeof(resp));
	memset(&up, 0, sizeof(up));
	json_buf_init(&f);
	(void)snprintf(role, sizeof(role), "targets/%s", name);
	r = tc_repo_load(t, gun, pem != NULL, &rp);
	if (r == 1) {
		if (tc_repo_create(t, gun, 0, 1) != 0)
			goto out;
		r = tc_repo_load(t, gun, 0, &rp);
	}
	if (r != 0)
		goto out;
	if (pem == NULL) {
		const struct tuf_meta *tg = tuf_verifier_get(rp->v, "targets");
		const struct tuf_role *dr = tuf_delegation_find(&tg->targets,
		    role);
		const struct tuf_role *rel = tuf_delegation_find(&tg->targets,
		    "targets/releases");
		size_t i, j, left = 0;

		if (dr == NULL) {
			tc_fail("%s has no signer %s", gun, name);
			goto out;
		}
		for (i = 0; rel != NULL && i < rel->nkeyids; i++) {
			for (j = 0; j < dr->nkeyids; j++)
				if (strcmp(rel->keyids[i], dr->keyids[j]) == 0)
					break;
			if (j == dr->nkeyids)
				left++;
		}
		if (rel != NULL && left == 0 && !yes) {
			char q[400];

			(void)snprintf(q, sizeof(q), "Removing %s leaves no "
			    "key in targets/releases of %s, so only the "
			    "repository key can sign its tags. Continue?",
			    name, gun);
			if (!isatty(STDIN_FILENO) || !tc_confirm(q)) {
				tc_fail("not removing %s from %s: it is the "
				    "last releases signer; confirm with --yes",
				    name, gun);
				goto out;
			}
		}
	}
	{
		const char *base[] = { "root", "targets", "snapshot" };

		json_put_raw(&f, "\"gun\":", 6);
		json_put_str(&f, gun, strlen(gun));
		json_put_raw(&f, ",\"action\":", 10);
		json_put_str(&f, action, strlen(action));
		json_put_raw(&f, ",\"signer\":", 10);
		json_put_str(&f, name, strlen(name));
		if (pem != NULL) {
			json_put_raw(&f, ",\"public_key\":", 14);
			json_put_str(&f, pem, pemlen);
		}
		json_put_char(&f, ',');
		tc_put_base(t, &f, &rp->files, base, 3);
	}
	if (tc_call(t, "delegation.update", &f, &resp) != 0 ||
	    tc_result_files(&resp, "delegation.update", &up) != 0 ||
	    tc_publish(t, gun, &up) != 0)
		goto out;
	tc_keep_published(rp, &up);
	if (tc_repo_commit(t, rp) != 0)
		goto out;
	if (pem != NULL)
		printf("Successfully added signer: %s to %s\n", name, gun);
	else
		printf("Successfully removed %s from %s\n", name, gun);
	rc = 0;
out:
	repo_free(rp);
	truststore_free(&up);
	proto_resp_cleanup(&resp);
	json_buf_cleanup(&f);
	return rc;
}

int
cmd_signer(struct tc *t, int argc, char **argv)
{
	struct proto_error	 pe;
	const char		*key = NULL, *name = NULL, *tag;
	char			 gun[TC_GUN_MAX + 1], why[256];
	uint8_t			*pem = NULL;
	size_t			 pemlen = 0;
	int			 add, yes = 0, a, first = -1, rc = TC_EXIT_OK;

	if (tc_wants_help(argc, argv)) {
		fputs(help, stdout);
		return TC_EXIT_OK;
	}
	if (argc < 2 || (strcmp(argv[1], "add") != 0 &&
	    strcmp(argv[1], "remove") != 0))
		return tc_usage("signer", "expected `add` or `remove`");
	add = strcmp(argv[1], "add") == 0;
	for (a = 2; a < argc; a++) {
		if (add && strcmp(argv[a], "--key") == 0) {
			if (a + 1 >= argc)
				return tc_usage("signer", "--key needs a FILE");
			key = argv[++a];
		} else if (!add && (strcmp(argv[a], "--yes") == 0 ||
		    strcmp(argv[a], "-y") == 0))
			yes = 1;
		else if (argv[a][0] == '-')
			return tc_usage("signer", "unknown option %s", argv[a]);
		else if (name == NULL)
			name = argv[a];
		else if (first < 0)
			first = a;
	}
	if (name == NULL || first < 0)
		return tc_usage("signer", "give NAME and at least one GUN");
	if (add && key == NULL)
		return tc_usage("signer", "add needs --key FILE");
	if (proto_signer_check("NAME", name, strlen(name), &pe) != 0)
		return tc_usage("signer", "%s", pe.message);
	for (a = first; a < argc; a++) {
		if (argv[a][0] == '-') {
			if (strcmp(argv[a], "--key") == 0)
				a++;
			continue;
		}
		if (tc_ref_parse(argv[a], gun, sizeof(gun), &tag, why,
		    sizeof(why)) != 0 || tag != NULL)
			return tc_usage("signer", "\"%s\": %s", argv[a],
			    tag ? "a GUN, not a tag" : why);
	}
	if (add) {
		if (tc_read_file(key, 1 << 20, &pem, &pemlen) != 0) {
			tc_fail("reading key %s: %s", key, strerror(errno));
			return TC_EXIT_FAIL;
		}
		if (memmem(pem, pemlen, "-----BEGIN ", 11) == NULL) {
			tc_fail("%s is not a PEM public key", key);
			free(pem);
			return TC_EXIT_FAIL;
		}
	}
	for (a = first; a < argc; a++) {
		if (argv[a][0] == '-') {
			if (strcmp(argv[a], "--key") == 0)
				a++;
			continue;
		}
		(void)tc_ref_parse(argv[a], gun, sizeof(gun), &tag, why,
		    sizeof(why));
		if (one_gun(t, add ? "add" : "remove", name, gun,
		    (const char *)pem, pemlen, yes) != 0)
			rc = TC_EXIT_FAIL;
	}
	free(pem);
	return rc;
}
