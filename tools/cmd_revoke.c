/* SPDX-License-Identifier: Apache-2.0 */
/* trustctl revoke: remove a tag's (or every) signature from the roles signerd can sign. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json.h"
#include "repo.h"
#include "trustctl.h"
#include "tuf.h"

static const char help[] =
"usage: trustctl revoke [--yes] GUN[:TAG]\n"
"Removes TAG's signature from every role signerd can sign that lists it\n"
"(delegations whose key signerd holds, and targets when signerd holds the\n"
"repository key), as `docker trust revoke` does, and publishes the result.\n"
"Without TAG every signature in those roles is removed; that asks for\n"
"confirmation unless --yes.\n";

int
cmd_revoke(struct tc *t, int argc, char **argv)
{
	struct repo		*rp = NULL;
	struct json_buf		*ch = NULL;
	const struct json_buf	**chp = NULL;
	const char		*ref = NULL, *tag, **roles = NULL, **use = NULL;
	char			 gun[TC_GUN_MAX + 1], why[256], what[300];
	size_t			 nroles = 0, nuse = 0, i, k, count = 0;
	int			 yes = 0, a, rc = TC_EXIT_FAIL;

	if (tc_wants_help(argc, argv)) {
		fputs(help, stdout);
		return TC_EXIT_OK;
	}
	for (a = 1; a < argc; a++) {
		if (strcmp(argv[a], "--yes") == 0 || strcmp(argv[a], "-y") == 0)
			yes = 1;
		else if (argv[a][0] == '-')
			return tc_usage("revoke", "unknown option %s", argv[a]);
		else if (ref != NULL)
			return tc_usage("revoke", "give exactly one GUN[:TAG]");
		else
			ref = argv[a];
	}
	if (ref == NULL)
		return tc_usage("revoke", "give GUN[:TAG]");
	if (tc_ref_parse(ref, gun, sizeof(gun), &tag, why, sizeof(why)) != 0)
		return tc_usage("revoke", "\"%s\": %s", ref, why);
	if (tag == NULL && !yes) {
		char q[400];

		(void)snprintf(q, sizeof(q), "Remove every signature signerd "
		    "can remove from %s?", gun);
		if (!isatty(STDIN_FILENO) || !tc_confirm(q)) {
			tc_fail("not revoking all signatures of %s: confirm "
			    "with --yes", gun);
			return TC_EXIT_FAIL;
		}
	}
	if (tc_repo_load(t, gun, 0, &rp) != 0)
		return TC_EXIT_FAIL;
	if (tc_signable_roles(t, rp, 1, &roles, &nroles) != 0)
		goto out;
	use = calloc(nroles + 1, sizeof(*use));
	ch = calloc(nroles + 1, sizeof(*ch));
	chp = calloc(nroles + 1, sizeof(*chp));
	if (use == NULL || ch == NULL || chp == NULL) {
		tc_fail("out of memory");
		goto out;
	}
	for (i = 0; i < nroles; i++) {
		const struct tuf_meta *m = tuf_verifier_get(rp->v, roles[i]);
		struct json_buf *b = &ch[nuse];

		if (m == NULL || m->targets.n == 0 || (tag != NULL &&
		    tuf_targets_find(&m->targets, tag, strlen(tag)) == NULL))
			continue;
		json_buf_init(b);
		json_put_raw(b, "\"add\":[],\"remove\":[", 19);
		if (tag != NULL) {
			json_put_str(b, tag, strlen(tag));
			count++;
		} else
			for (k = 0; k < m->targets.n; k++) {
				const char *tn;
				size_t tl;
				struct tuf_filemeta fm;

				tuf_target_get(&m->targets, k, &tn, &tl, &fm);
				if (k > 0)
					json_put_char(b, ',');
				json_put_str(b, tn, tl);
				count++;
			}
		json_put_char(b, ']');
		chp[nuse] = b;
		use[nuse++] = roles[i];
	}
	if (nuse == 0) {
		if (tag != NULL)
			tc_fail("%s is not signed in any role signerd can "
			    "sign", ref);
		else
			printf("Nothing to revoke in %s\n", gun);
		rc = tag == NULL && tc_repo_commit(t, rp) == 0 ? TC_EXIT_OK :
		    TC_EXIT_FAIL;
		goto out;
	}
	if (tag != NULL)
		(void)snprintf(what, sizeof(what), "Revoked %s", tag);
	else
		(void)snprintf(what, sizeof(what), "Revoked %zu signature(s)",
		    count);
	rc = tc_update_roles(t, rp, use, nuse, chp, what) == 0 &&
	    tc_repo_commit(t, rp) == 0 ? TC_EXIT_OK : TC_EXIT_FAIL;
out:
	for (i = 0; ch != NULL && i < nuse; i++)
		json_buf_cleanup(&ch[i]);
	free(ch);
	free(chp);
	free(use);
	free(roles);
	repo_free(rp);
	return rc;
}
