/* SPDX-License-Identifier: Apache-2.0 */
/* Private to signerd/: filling a caller's message buffer. */
#ifndef SIGNERD_MSG_H
#define SIGNERD_MSG_H

#include <stddef.h>

/*
 * snprintf into msg (NULL or msglen 0: nothing). A message cut to fit ends
 * in "..." so a reader knows it was cut; what matters comes first.
 */
void signerd_msg_set(char *msg, size_t msglen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif /* SIGNERD_MSG_H */
