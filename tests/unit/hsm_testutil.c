/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers for hsm/ tests: a private SoftHSM2 token directory per test process, signature checks. */
#define _XOPEN_SOURCE 700	/* nftw */
#include <sys/stat.h>

#include <ftw.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "hsm_testutil.h"

#ifndef TT_MODULE
#define TT_MODULE "/usr/lib/softhsm/libsofthsm2.so"
#endif

int
tt_write_file(const char *path, const char *text, unsigned int mode)
{
	int fd;
	ssize_t n;

	(void)unlink(path);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode)) < 0)
		return -1;
	n = write(fd, text, strlen(text));
	if (fchmod(fd, mode) != 0)
		n = -1;
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

int
tt_env_init(struct tt_env *env)
{
	const char *tmp = getenv("TMPDIR");
	char text[PATH_MAX + 128];
	int n;

	memset(env, 0, sizeof(*env));
	env->module = getenv("SIGNERD_PKCS11_MODULE");
	if (env->module == NULL)
		env->module = TT_MODULE;
	n = snprintf(env->dir, sizeof(env->dir), "%s/hsmtest.XXXXXX",
	    tmp != NULL ? tmp : "/tmp");
	if (n < 0 || (size_t)n >= sizeof(env->dir) || mkdtemp(env->dir) == NULL)
		return -1;
	if (snprintf(env->tokens, sizeof(env->tokens), "%s/tokens",
	    env->dir) >= (int)sizeof(env->tokens) ||
	    snprintf(env->conf, sizeof(env->conf), "%s/softhsm2.conf",
	    env->dir) >= (int)sizeof(env->conf) ||
	    snprintf(env->pinfile, sizeof(env->pinfile), "%s/pin",
	    env->dir) >= (int)sizeof(env->pinfile) ||
	    snprintf(env->sopinfile, sizeof(env->sopinfile), "%s/sopin",
	    env->dir) >= (int)sizeof(env->sopinfile))
		return -1;
	if (mkdir(env->tokens, 0700) != 0)
		return -1;
	n = snprintf(text, sizeof(text), "directories.tokendir = %s\n"
	    "objectstore.backend = file\nlog.level = ERROR\n", env->tokens);
	if (n < 0 || (size_t)n >= sizeof(text) ||
	    tt_write_file(env->conf, text, 0600) != 0 ||
	    tt_write_file(env->pinfile, TT_PIN "\n", 0600) != 0 ||
	    tt_write_file(env->sopinfile, TT_SO_PIN "\n", 0600) != 0)
		return -1;
	return setenv("SOFTHSM2_CONF", env->conf, 1);
}

int
tt_token_init(struct tt_env *env, const char *label)
{
	struct hsm_config so, user;

	memset(&so, 0, sizeof(so));
	so.pin_source = HSM_PIN_FILE;
	so.pin_file = env->sopinfile;
	user = so;
	user.pin_file = env->pinfile;
	return hsm_token_init(env->module, label, &so, &user) == 0 ? 0 : -1;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

void
tt_env_cleanup(struct tt_env *env)
{
	if (env->dir[0] == '\0' || strstr(env->dir, "hsmtest.") == NULL)
		return;
	(void)nftw(env->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

void
tt_config(struct tt_env *env, struct hsm_config *cfg, const char *token)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->module = env->module;
	cfg->token = token;
	cfg->pin_source = HSM_PIN_FILE;
	cfg->pin_file = env->pinfile;
}

int
tt_verify(int type, const unsigned char *spki, size_t spkilen,
    const unsigned char *msg, size_t msglen, const unsigned char *sig,
    size_t siglen)
{
	const unsigned char *p = spki;
	unsigned char *der = NULL;
	EVP_PKEY *pk;
	EVP_MD_CTX *md = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	ECDSA_SIG *es = NULL;
	int ok = 0, derlen;

	if ((pk = d2i_PUBKEY(NULL, &p, (long)spkilen)) == NULL ||
	    (md = EVP_MD_CTX_new()) == NULL)
		goto out;
	switch (type) {
	case HSM_KEY_ECDSA_P256:
		if (siglen != 64 || (es = ECDSA_SIG_new()) == NULL ||
		    !ECDSA_SIG_set0(es, BN_bin2bn(sig, 32, NULL),
		    BN_bin2bn(sig + 32, 32, NULL)) ||
		    (derlen = i2d_ECDSA_SIG(es, &der)) <= 0)
			goto out;
		ok = EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, pk) ==
		    1 && EVP_DigestVerify(md, der, (size_t)derlen, msg,
		    msglen) == 1;
		break;
	case HSM_KEY_ED25519:
		ok = EVP_DigestVerifyInit(md, NULL, NULL, NULL, pk) == 1 &&
		    EVP_DigestVerify(md, sig, siglen, msg, msglen) == 1;
		break;
	case HSM_KEY_RSA3072:
		ok = EVP_DigestVerifyInit(md, &pctx, EVP_sha256(), NULL, pk) ==
		    1 && EVP_PKEY_CTX_set_rsa_padding(pctx,
		    RSA_PKCS1_PSS_PADDING) == 1 &&
		    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32) == 1 &&
		    EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) == 1 &&
		    EVP_DigestVerify(md, sig, siglen, msg, msglen) == 1;
		break;
	}
out:
	OPENSSL_free(der);
	ECDSA_SIG_free(es);
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(pk);
	return ok;
}
