/* SPDX-License-Identifier: Apache-2.0 */
/* Turns off core dumps and ptrace access and tightens the umask. */
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "harden.h"

int
harden_process(char *msg, size_t msglen)
{
	struct rlimit rl = { 0, 0 };

	if (msglen > 0)
		msg[0] = '\0';
	/* Key handles and PINs live in this process's memory. */
	if (setrlimit(RLIMIT_CORE, &rl) != 0) {
		snprintf(msg, msglen, "setrlimit(RLIMIT_CORE, 0): %s",
		    strerror(errno));
		return -1;
	}
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
		snprintf(msg, msglen, "prctl(PR_SET_DUMPABLE, 0): %s",
		    strerror(errno));
		return -1;
	}
	umask(077);
	return 0;
}
