/* SPDX-License-Identifier: Apache-2.0 */
/* Loading a PKCS#11 module once per process, and re-initialising it when a token returns. */
#define _GNU_SOURCE		/* pthread_rwlockattr_setkind_np */
#include <sys/stat.h>

#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "hsm_int.h"

static pthread_mutex_t modules_mu = PTHREAD_MUTEX_INITIALIZER;
static struct hsm_module *modules;

/* Cryptoki is entered from many threads: let the module use OS locks. */
static CK_RV
module_initialize(struct hsm_module *mod)
{
	CK_C_INITIALIZE_ARGS args;
	CK_RV rv;

	memset(&args, 0, sizeof(args));
	args.flags = CKF_OS_LOCKING_OK;
	rv = mod->f->C_Initialize(&args);
	/* SoftHSM's own OpenSSL use leaves probe noise in our thread's queue. */
	ERR_clear_error();
	return rv;
}

static int
module_load(const char *path, struct hsm_module *mod)
{
	CK_C_GetFunctionList getfl;
	struct stat st;
	char *real;
	CK_RV rv;
	int r;

	if ((real = realpath(path, NULL)) == NULL)
		return hsm_err(HSM_ERR_MODULE_NOT_FOUND,
		    "PKCS#11 module '%s': %s: check the module path in the "
		    "configuration", path, strerror(errno));
	if (stat(real, &st) != 0 || !S_ISREG(st.st_mode)) {
		r = hsm_err(HSM_ERR_MODULE_NOT_FOUND,
		    "PKCS#11 module '%s' is not a regular file", real);
		free(real);
		return r;
	}
	if (strlen(real) >= sizeof(mod->path)) {
		free(real);
		return hsm_err(HSM_ERR_MODULE_NOT_FOUND, "module path too long");
	}
	memcpy(mod->path, real, strlen(real) + 1);
	free(real);

	/* dlerror() is returned to us, never printed. */
	if ((mod->dl = dlopen(mod->path, RTLD_NOW | RTLD_LOCAL)) == NULL)
		return hsm_err(HSM_ERR_MODULE_INVALID,
		    "cannot load '%s' as a PKCS#11 module: %s", mod->path,
		    dlerror());
	*(void **)&getfl = dlsym(mod->dl, "C_GetFunctionList");
	if (getfl == NULL) {
		r = hsm_err(HSM_ERR_MODULE_INVALID, "'%s' is not a PKCS#11 "
		    "module (no C_GetFunctionList)", mod->path);
		goto fail;
	}
	if ((rv = getfl(&mod->f)) != CKR_OK || mod->f == NULL) {
		r = hsm_err_rv(HSM_ERR_MODULE_INVALID, rv,
		    "C_GetFunctionList of '%s' failed", mod->path);
		goto fail;
	}
	rv = module_initialize(mod);
	if (rv == CKR_OK)
		mod->owner = 1;
	else if (rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
		r = hsm_err_rv(HSM_ERR_MODULE_INIT, rv, "C_Initialize of '%s' "
		    "failed: check the module's configuration (for SoftHSM2, "
		    "SOFTHSM2_CONF and its tokendir)", mod->path);
		goto fail;
	}
	return 0;
fail:
	dlclose(mod->dl);
	mod->dl = NULL;
	return r;
}

int
hsm_module_get(const char *path, struct hsm_module **out)
{
	struct hsm_module *mod = NULL;
	pthread_rwlockattr_t attr;
	char *real;
	int r = HSM_ERR_INTERNAL;

	*out = NULL;
	pthread_mutex_lock(&modules_mu);
	if ((real = realpath(path, NULL)) != NULL) {
		for (mod = modules; mod != NULL; mod = mod->next)
			if (strcmp(mod->path, real) == 0)
				break;
		free(real);
		if (mod != NULL) {
			mod->refs++;
			*out = mod;
			r = 0;
			goto out;
		}
	}
	if ((mod = calloc(1, sizeof(*mod))) == NULL) {
		r = hsm_err(HSM_ERR_NO_MEMORY, "out of memory");
		goto out;
	}
	if ((r = module_load(path, mod)) != 0) {
		free(mod);
		goto out;
	}
	/* Writers must not starve behind a stream of signers. */
	pthread_rwlockattr_init(&attr);
#ifdef __GLIBC__
	pthread_rwlockattr_setkind_np(&attr,
	    PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
#endif
	pthread_rwlock_init(&mod->lock, &attr);
	pthread_rwlockattr_destroy(&attr);
	pthread_mutex_init(&mod->login_mu, NULL);
	mod->refs = 1;
	mod->next = modules;
	modules = mod;
	*out = mod;
	r = 0;
out:
	pthread_mutex_unlock(&modules_mu);
	return r;
}

void
hsm_module_put(struct hsm_module *mod)
{
	struct hsm_module **pp;
	struct hsm_login *l, *ln;

	if (mod == NULL)
		return;
	pthread_mutex_lock(&modules_mu);
	if (--mod->refs > 0) {
		pthread_mutex_unlock(&modules_mu);
		return;
	}
	for (pp = &modules; *pp != NULL; pp = &(*pp)->next)
		if (*pp == mod) {
			*pp = mod->next;
			break;
		}
	pthread_mutex_unlock(&modules_mu);
	if (mod->owner) {
		(void)mod->f->C_Finalize(NULL);
		ERR_clear_error();
	}
	/*
	 * The module stays mapped: SoftHSM and the OpenSSL it shares with us
	 * keep process-wide state (thread-locals, atexit handlers) that makes
	 * unloading unsafe, and leak reports then still name the library.
	 * A later hsm_module_get maps the same copy again.
	 */
	for (l = mod->logins; l != NULL; l = ln) {
		ln = l->next;
		explicit_bzero(l, sizeof(*l));
		free(l);
	}
	pthread_rwlock_destroy(&mod->lock);
	pthread_mutex_destroy(&mod->login_mu);
	free(mod);
}

/*
 * Finalize and initialize again, unless someone else did since seen_epoch.
 * Only the owner may: finalizing a module another library initialised would
 * pull it out from under that library. Every session and login on the module
 * is lost; tokens notice the new epoch and reopen.
 */
int
hsm_module_reinit(struct hsm_module *mod, unsigned int seen_epoch)
{
	struct hsm_login *l;
	CK_RV rv;
	int r = 0;

	if (!mod->owner)
		return hsm_err(HSM_ERR_TOKEN_GONE, "token unavailable and the "
		    "module '%s' was initialised by another library: restart "
		    "to recover", mod->path);
	pthread_rwlock_wrlock(&mod->lock);
	if (atomic_load(&mod->epoch) != seen_epoch)
		goto out;
	(void)mod->f->C_Finalize(NULL);
	rv = module_initialize(mod);
	atomic_fetch_add(&mod->epoch, 1);
	pthread_mutex_lock(&mod->login_mu);
	for (l = mod->logins; l != NULL; l = l->next) {
		/* The login is gone; failures stay counted. */
		l->have_verifier = 0;
		explicit_bzero(l->verifier, sizeof(l->verifier));
	}
	pthread_mutex_unlock(&mod->login_mu);
	if (rv != CKR_OK) {
		/* Still ours: the next attempt initialises again. SoftHSM
		 * fails here while its token directory is missing. */
		r = hsm_err_rv(HSM_ERR_TOKEN_GONE, rv, "token unavailable and "
		    "re-initialising '%s' failed: check that the token (for "
		    "SoftHSM2, its token directory) is present; retried on "
		    "later calls", mod->path);
	}
out:
	pthread_rwlock_unlock(&mod->lock);
	return r;
}

/* The login record for a token serial, made on first use; login_mu held. */
struct hsm_login *
hsm_module_login(struct hsm_module *mod, const char *serial)
{
	struct hsm_login *l;

	for (l = mod->logins; l != NULL; l = l->next)
		if (strcmp(l->serial, serial) == 0)
			return l;
	if ((l = calloc(1, sizeof(*l))) == NULL)
		return NULL;
	memcpy(l->serial, serial, strlen(serial) + 1);
	l->next = mod->logins;
	mod->logins = l;
	return l;
}
