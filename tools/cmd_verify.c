/* SPDX-License-Identifier: Apache-2.0 */
/* trustctl verify: the trusted digest and size of one tag, as docker pull would use. */
#include <stdio.h>
#include <string.h>

#include "repo.h"
#include "trustctl.h"
#include "tuf.h"

static const char help[] =
"usage: trustctl verify GUN:TAG\n"
"Fetches and verifies the repository and prints the trusted digest and size\n"
"of TAG, \"sha256:HEX SIZE\", looked up as docker pull does (targets/releases\n"
"first, then targets and its delegations, breadth first). Exit 0 only when\n"
"the tag is trusted; 1 otherwise, with the reason on stderr.\n";

int
cmd_verify(struct tc *t, int argc, char **argv)
{
	static const char *const docker_roles[] = { "targets/releases",
	    "targets" };
	struct repo		*rp = NULL;
	struct tuf_found	 f;
	char			 gun[TC_GUN_MAX + 1], why[256], hexd[65];
	const char		*tag;
	int			 r, i;

	if (tc_wants_help(argc, argv)) {
		fputs(help, stdout);
		return TC_EXIT_OK;
	}
	if (argc != 2 || argv[1][0] == '-')
		return tc_usage("verify", "give exactly one GUN:TAG");
	if (tc_ref_parse(argv[1], gun, sizeof(gun), &tag, why,
	    sizeof(why)) != 0)
		return tc_usage("verify", "\"%s\": %s", argv[1], why);
	if (tag == NULL)
		return tc_usage("verify", "\"%s\" names no tag (GUN:TAG)",
		    argv[1]);
	if ((r = tc_repo_load(t, gun, 0, &rp)) != 0)
		return TC_EXIT_FAIL;
	r = tuf_verifier_lookup(rp->v, tag, docker_roles, 2, &f);
	if (r != 0 || !f.fm.has_sha256) {
		tc_fail("%s is not trusted: %s", argv[1], r == TUF_ERR_NOT_FOUND ?
		    "no signed target of that name in the repository" :
		    r != 0 ? tuf_strerror(r) : "the target has no sha256 digest");
		repo_free(rp);
		return TC_EXIT_FAIL;
	}
	for (i = 0; i < 32; i++)
		(void)snprintf(hexd + 2 * i, 3, "%02x", f.fm.sha256[i]);
	if (tc_repo_commit(t, rp) != 0) {
		repo_free(rp);
		return TC_EXIT_FAIL;
	}
	printf("sha256:%s %lld\n", hexd, (long long)f.fm.length);
	repo_free(rp);
	return TC_EXIT_OK;
}
