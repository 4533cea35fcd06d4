/* SPDX-License-Identifier: Apache-2.0 */
/* trustctl init: a new repository, its root and targets keys made in signerd's tokens. */
#include <stdio.h>
#include <string.h>

#include "trustctl.h"

static const char help[] =
"usage: trustctl init GUN [--local-snapshot]\n"
"Creates the repository GUN on the Notary server: signerd makes the root key\n"
"(root token, which must be unlocked: `trustctl ceremony unlock`) and the\n"
"targets key, and signs root v1 and targets. The snapshot key is the\n"
"server's (as `docker trust` does) unless --local-snapshot, which has signerd\n"
"make and hold it. The new root is pinned in the trust store.\n";

int
cmd_init(struct tc *t, int argc, char **argv)
{
	char		 gun[TC_GUN_MAX + 1], why[256];
	const char	*tag, *arg = NULL;
	int		 local = 0, a;

	if (tc_wants_help(argc, argv)) {
		fputs(help, stdout);
		return TC_EXIT_OK;
	}
	for (a = 1; a < argc; a++) {
		if (strcmp(argv[a], "--local-snapshot") == 0)
			local = 1;
		else if (argv[a][0] == '-')
			return tc_usage("init", "unknown option %s", argv[a]);
		else if (arg != NULL)
			return tc_usage("init", "give exactly one GUN");
		else
			arg = argv[a];
	}
	if (arg == NULL)
		return tc_usage("init", "give the GUN to create");
	if (tc_ref_parse(arg, gun, sizeof(gun), &tag, why, sizeof(why)) != 0)
		return tc_usage("init", "\"%s\": %s", arg, why);
	if (tag != NULL)
		return tc_usage("init", "\"%s\": init takes a GUN, not a tag",
		    arg);
	if (tc_repo_create(t, gun, local, 0) != 0)
		return TC_EXIT_FAIL;
	printf("Initialized %s (%s snapshot)\n", gun,
	    local ? "signerd-held" : "server-managed");
	return TC_EXIT_OK;
}
