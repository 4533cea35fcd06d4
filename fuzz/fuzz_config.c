/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: signerd's config reader over arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config_error err;
	struct config *cfg = NULL;

	if (config_parse(data, size, "fuzz.json", &cfg, &err) == 0) {
		/* A config that loads is complete. */
		if (cfg == NULL || cfg->socket == NULL || cfg->state_dir == NULL ||
		    cfg->online.module == NULL || cfg->online.token == NULL ||
		    cfg->policy == NULL)
			__builtin_trap();
		(void)config_expiry_days(cfg, "targets/x");
	} else if (cfg != NULL || err.message[0] == '\0' ||
	    memchr(err.message, '\0', sizeof(err.message)) == NULL)
		__builtin_trap();
	config_free(cfg);
	return 0;
}
