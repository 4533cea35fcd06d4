/* SPDX-License-Identifier: Apache-2.0 */
/* harden: process-wide protections signerd applies before anything else. */
#ifndef SIGNERD_HARDEN_H
#define SIGNERD_HARDEN_H

#include <stddef.h>

/*
 * No core dumps (RLIMIT_CORE 0), not dumpable or ptrace-attachable by
 * same-uid processes (PR_SET_DUMPABLE 0), umask 077. Returns 0, or -1 with
 * msg naming the step that failed.
 */
int harden_process(char *msg, size_t msglen);

#endif /* SIGNERD_HARDEN_H */
