/* SPDX-License-Identifier: Apache-2.0 */
/* signerd-audit: verifies the hash chain of a signerd audit log. */
#include <stdio.h>
#include <string.h>

#include "audit.h"

static void
usage(void)
{
	fprintf(stderr, "usage: signerd-audit verify FILE\n");
}

int
main(int argc, char **argv)
{
	int64_t lines = 0, bad = 0;
	char msg[512];
	int rc;

	if (argc != 3 || strcmp(argv[1], "verify") != 0) {
		usage();
		return 1;
	}
	rc = audit_verify(argv[2], &lines, &bad, msg, sizeof(msg));
	if (rc == 0) {
		printf("OK %s: %lld lines, chain intact\n", argv[2],
		    (long long)lines);
		return 0;
	}
	if (rc == AUDIT_ERR_BROKEN)
		printf("BROKEN %s: %s\n", argv[2], msg);
	else
		fprintf(stderr, "signerd-audit: %s: %s\n",
		    msg[0] != '\0' ? msg : argv[2], audit_strerror(rc));
	return 1;
}
