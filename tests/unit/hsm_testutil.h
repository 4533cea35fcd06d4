/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers for hsm/ tests: a private SoftHSM2 token directory per test process, signature checks. */
#ifndef HSM_TESTUTIL_H
#define HSM_TESTUTIL_H

#include <limits.h>
#include <stddef.h>

#include "hsm.h"

#define TT_PIN "1234"
#define TT_SO_PIN "56785678"

struct tt_env {
	char dir[PATH_MAX];	/* private temporary directory */
	char tokens[PATH_MAX];	/* SoftHSM tokendir inside it */
	char conf[PATH_MAX];
	char pinfile[PATH_MAX];	/* TT_PIN, mode 0600 */
	char sopinfile[PATH_MAX];	/* TT_SO_PIN, mode 0600 */
	const char *module;
};

/* Make the directory, the config (exported as SOFTHSM2_CONF), the PIN file. */
int tt_env_init(struct tt_env *env);
/* hsm_token_init of the free token: LABEL, TT_SO_PIN, TT_PIN (from files). */
int tt_token_init(struct tt_env *env, const char *label);
/* Remove everything tt_env_init made. */
void tt_env_cleanup(struct tt_env *env);
/* Config for a token by label, PIN from the PIN file. */
void tt_config(struct tt_env *env, struct hsm_config *cfg, const char *token);
/* Write text to path with the given mode. */
int tt_write_file(const char *path, const char *text, unsigned int mode);

/* Verify sig over msg with the SPKI (OpenSSL). 1 if valid. */
int tt_verify(int type, const unsigned char *spki, size_t spkilen,
    const unsigned char *msg, size_t msglen, const unsigned char *sig,
    size_t siglen);

#endif
