/* SPDX-License-Identifier: Apache-2.0 */
/* msg: the one formatter behind the state modules' error messages. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "msg.h"

void
signerd_msg_set(char *msg, size_t msglen, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (msg == NULL || msglen == 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(msg, msglen, fmt, ap);
	va_end(ap);
	if (n < 0)
		msg[0] = '\0';
	else if ((size_t)n >= msglen && msglen > 4)
		memcpy(msg + msglen - 4, "...", 4);
}
