/* SPDX-License-Identifier: Apache-2.0 */
/* Token handles: finding the token, the session pool, login, and recovery after the token vanished. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <p11-kit/uri.h>

#include "hsm_int.h"

/* Cost of the in-process PIN verifier (see hsm_token_login_pin). */
#define VERIFIER_ITER 10000

unsigned long long
hsm_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
hsm_blank_trim(const unsigned char *in, size_t n, char *out)
{
	while (n > 0 && (in[n - 1] == ' ' || in[n - 1] == '\0'))
		n--;
	memcpy(out, in, n);
	out[n] = '\0';
}

static int
token_matches(struct hsm_token *tok, CK_TOKEN_INFO *ti)
{
	char label[33], serial[17];

	if (!(ti->flags & CKF_TOKEN_INITIALIZED))
		return 0;
	hsm_blank_trim(ti->label, sizeof(ti->label), label);
	hsm_blank_trim(ti->serialNumber, sizeof(ti->serialNumber),
	    serial);
	/* After the first open, only the very same token will do. */
	if (tok->serial[0] != '\0' && strcmp(serial, tok->serial) != 0)
		return 0;
	if (tok->uri != NULL)
		return p11_kit_uri_match_token_info(tok->uri, ti);
	return strcmp(label, tok->cfg.token) == 0;
}

int
hsm_slots_list(struct hsm_module *mod, int code, CK_SLOT_ID **out,
    CK_ULONG *n)
{
	CK_SLOT_ID *slots = NULL, *ns;
	CK_ULONG want = 0;
	CK_RV rv;
	int tries;

	*out = NULL;
	*n = 0;
	/* A slot may appear between the count and the list: ask again. */
	for (tries = 0; tries < 3; tries++) {
		if ((rv = mod->f->C_GetSlotList(CK_TRUE, NULL, &want)) !=
		    CKR_OK)
			break;
		if (want == 0)
			return 0;
		if ((ns = reallocarray(slots, want, sizeof(*slots))) == NULL) {
			free(slots);
			return hsm_err(HSM_ERR_NO_MEMORY, "out of memory");
		}
		slots = ns;
		rv = mod->f->C_GetSlotList(CK_TRUE, slots, &want);
		if (rv == CKR_OK) {
			*out = slots;
			*n = want;
			return 0;
		}
		if (rv != CKR_BUFFER_TOO_SMALL)
			break;
	}
	free(slots);
	return hsm_err_rv(code, rv, "listing the slots of '%s' failed: check "
	    "that the token (for SoftHSM2, its token directory) is present",
	    mod->path);
}

/* Find the slot holding our token; module lock held (shared). */
static int
token_find_slot(struct hsm_token *tok)
{
	CK_FUNCTION_LIST_PTR f = tok->mod->f;
	CK_SLOT_ID *slots = NULL, found = 0;
	CK_TOKEN_INFO ti, fti;
	CK_ULONG n = 0, i, matches = 0;
	int r;

	if ((r = hsm_slots_list(tok->mod, HSM_ERR_TOKEN_GONE, &slots, &n)) != 0)
		return r;
	for (i = 0; i < n; i++) {
		if (f->C_GetTokenInfo(slots[i], &ti) != CKR_OK)
			continue;
		if (token_matches(tok, &ti)) {
			if (matches++ == 0) {
				found = slots[i];
				fti = ti;
			}
		}
	}
	if (matches == 0) {
		r = hsm_err(HSM_ERR_TOKEN_NOT_FOUND, "token '%s' not found in "
		    "module '%s': is the token initialised and present (for "
		    "SoftHSM2: softhsm2-util --show-slots, SOFTHSM2_CONF)?",
		    tok->cfg.token, tok->mod->path);
		goto out;
	}
	if (matches > 1) {
		r = hsm_err(HSM_ERR_TOKEN_AMBIGUOUS, "%lu tokens match '%s' in "
		    "'%s': name the token by a URI with its serial",
		    (unsigned long)matches, tok->cfg.token, tok->mod->path);
		goto out;
	}
	tok->slot = found;
	hsm_blank_trim(fti.label, sizeof(fti.label), tok->label);
	hsm_blank_trim(fti.serialNumber, sizeof(fti.serialNumber),
	    tok->serial);
	r = 0;
out:
	free(slots);
	return r;
}

/* Sessions of an older module epoch are dead; drop them unclosed. */
static void
pool_reset(struct hsm_token *tok, int close)
{
	size_t i;

	if (close)
		for (i = 0; i < tok->npool; i++)
			(void)tok->mod->f->C_CloseSession(tok->pool[i]);
	tok->npool = 0;
}

int
hsm_session_get(struct hsm_token *tok, CK_SESSION_HANDLE *s)
{
	CK_RV rv;

	pthread_mutex_lock(&tok->mu);
	if (tok->npool > 0) {
		*s = tok->pool[--tok->npool];
		pthread_mutex_unlock(&tok->mu);
		return 0;
	}
	pthread_mutex_unlock(&tok->mu);
	rv = tok->mod->f->C_OpenSession(tok->slot,
	    CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, s);
	if (rv != CKR_OK)
		return hsm_token_gone_err(tok, rv, "opening a session");
	return 0;
}

void
hsm_session_put(struct hsm_token *tok, CK_SESSION_HANDLE s, int bad)
{
	CK_SESSION_HANDLE *np;

	if (!bad) {
		pthread_mutex_lock(&tok->mu);
		if (tok->npool == tok->cappool) {
			np = realloc(tok->pool, (tok->cappool * 2 + 4) *
			    sizeof(*np));
			if (np != NULL) {
				tok->pool = np;
				tok->cappool = tok->cappool * 2 + 4;
			}
		}
		if (tok->npool < tok->cappool) {
			tok->pool[tok->npool++] = s;
			pthread_mutex_unlock(&tok->mu);
			return;
		}
		pthread_mutex_unlock(&tok->mu);
	}
	(void)tok->mod->f->C_CloseSession(s);
}

/* Map a failed Cryptoki call on the token to our code and detail. */
int
hsm_token_rv_err(struct hsm_token *tok, CK_RV rv, const char *what)
{
	if (hsm_rv_is_gone(rv))
		return hsm_token_gone_err(tok, rv, what);
	if (rv == CKR_USER_NOT_LOGGED_IN) {
		atomic_store(&tok->state, HSM_TOK_LOGIN);
		return hsm_err_rv(HSM_ERR_LOGIN_REQUIRED, rv, "%s on token "
		    "'%s': not logged in, log in again", what, tok->cfg.token);
	}
	return hsm_err_rv(HSM_ERR_PKCS11, rv, "%s on token '%s'", what,
	    tok->cfg.token);
}

/* Mark the token gone after rv; the next entry tries to recover at once. */
int
hsm_token_gone_err(struct hsm_token *tok, CK_RV rv, const char *what)
{
	atomic_store(&tok->state, HSM_TOK_GONE);
	pthread_mutex_lock(&tok->mu);
	tok->last_recover_ms = 0;
	pthread_mutex_unlock(&tok->mu);
	return hsm_err_rv(HSM_ERR_TOKEN_GONE, rv, "token '%s' stopped "
	    "answering while %s: check that it is present (for SoftHSM2, its "
	    "token directory); hsm/ reconnects when it is back",
	    tok->cfg.token, what);
}

static int
login_state(struct hsm_token *tok, int *logged)
{
	CK_SESSION_INFO si;
	CK_SESSION_HANDLE s;
	CK_RV rv;
	int r;

	*logged = 0;
	if ((r = hsm_session_get(tok, &s)) != 0)
		return r;
	rv = tok->mod->f->C_GetSessionInfo(s, &si);
	hsm_session_put(tok, s, rv != CKR_OK);
	if (rv != CKR_OK)
		return hsm_token_gone_err(tok, rv, "reading session state");
	*logged = si.state == CKS_RO_USER_FUNCTIONS ||
	    si.state == CKS_RW_USER_FUNCTIONS;
	return 0;
}

/*
 * An object search came back empty: if the reason is a lost login (private
 * objects are invisible then; SoftHSM also answers CKR_OBJECT_HANDLE_INVALID
 * for them), say so. Module lock held shared.
 */
int
hsm_token_check_login(struct hsm_token *tok)
{
	int logged;

	int never;

	pthread_mutex_lock(&tok->mod->login_mu);
	never = tok->cfg.pin_source == HSM_PIN_NONE &&
	    atomic_load(&tok->state) == HSM_TOK_OK && tok->login != NULL &&
	    !tok->login->have_verifier && !tok->login->logged_out;
	pthread_mutex_unlock(&tok->mod->login_mu);
	if (never)
		return 0;	/* never logged in: public objects only */
	if (login_state(tok, &logged) != 0 || logged)
		return 0;
	atomic_store(&tok->state, HSM_TOK_LOGIN);
	return hsm_err(HSM_ERR_LOGIN_REQUIRED, "token '%s' is not logged in: "
	    "log in again", tok->cfg.token);
}

static int login_locked(struct hsm_token *, char *, size_t);

/*
 * Bring the token back in this module epoch: find its slot, fresh sessions,
 * and the login if it was lost (again from a PIN file; other sources need
 * the caller). Module lock held shared.
 */
static int
token_revalidate(struct hsm_token *tok)
{
	char pin[HSM_PIN_MAX];
	size_t pinlen;
	unsigned int ep = atomic_load(&tok->mod->epoch);
	int logged, r;

	pthread_mutex_lock(&tok->mu);
	pool_reset(tok, atomic_load(&tok->epoch) == ep);
	pthread_mutex_unlock(&tok->mu);
	/* Even on failure this epoch has been looked at: the next try goes
	 * through the rate-limited recovery, which may re-initialise. */
	atomic_store(&tok->epoch, ep);
	atomic_fetch_add(&tok->gen, 1);
	if ((r = token_find_slot(tok)) != 0)
		return r;
	atomic_store(&tok->state, HSM_TOK_LOGIN);
	if ((r = login_state(tok, &logged)) != 0)
		return r;
	if (!logged && tok->cfg.pin_source == HSM_PIN_FILE) {
		if ((r = hsm_pin_read(&tok->cfg, pin, sizeof(pin), &pinlen))
		    != 0)
			return r;
		if ((r = login_locked(tok, pin, pinlen)) != 0)
			return r;
		logged = 1;
	}
	atomic_store(&tok->state, logged || tok->cfg.pin_source ==
	    HSM_PIN_NONE ? HSM_TOK_OK : HSM_TOK_LOGIN);
	return 0;
}

/*
 * The login was lost (module re-initialised, or the token said
 * CKR_USER_NOT_LOGGED_IN). Another handle may have logged in since; else a
 * PIN file can be read again. Module lock held shared.
 */
static int
token_relogin(struct hsm_token *tok)
{
	char pin[HSM_PIN_MAX];
	size_t pinlen;
	int logged, r;

	if ((r = login_state(tok, &logged)) != 0)
		return r;
	if (logged) {
		atomic_store(&tok->state, HSM_TOK_OK);
		return 0;
	}
	pthread_mutex_lock(&tok->mod->login_mu);
	r = tok->login != NULL && tok->login->logged_out;
	pthread_mutex_unlock(&tok->mod->login_mu);
	if (r)
		return hsm_err(HSM_ERR_LOGIN_REQUIRED, "token '%s' was logged "
		    "out: log in again", tok->cfg.token);
	if (tok->cfg.pin_source != HSM_PIN_FILE)
		return hsm_err(HSM_ERR_LOGIN_REQUIRED, "token '%s' is not "
		    "logged in (its login was lost when it came back): log in "
		    "again", tok->cfg.token);
	if ((r = hsm_pin_read(&tok->cfg, pin, sizeof(pin), &pinlen)) != 0)
		return r;
	return login_locked(tok, pin, pinlen);
}

/*
 * Enter the token for one operation: on success the module lock is held
 * shared until hsm_token_leave. Recovers a vanished token at most every
 * HSM_RECOVER_INTERVAL_MS; meanwhile TOKEN_GONE (fail closed).
 */
int
hsm_token_enter(struct hsm_token *tok, int need_login)
{
	struct hsm_module *mod = tok->mod;
	CK_TOKEN_INFO ti;
	unsigned long long now;
	unsigned int seen;
	int r, tries;

	for (tries = 0; tries < 2; tries++) {
		pthread_rwlock_rdlock(&mod->lock);
		seen = atomic_load(&mod->epoch);
		if (atomic_load(&tok->epoch) != seen &&
		    (r = token_revalidate(tok)) != 0) {
			if (r != HSM_ERR_TOKEN_GONE &&
			    r != HSM_ERR_TOKEN_NOT_FOUND)
				goto fail;
			atomic_store(&tok->state, HSM_TOK_GONE);
		}
		switch (atomic_load(&tok->state)) {
		case HSM_TOK_OK:
			return 0;
		case HSM_TOK_LOGIN:
			if (!need_login || (r = token_relogin(tok)) == 0)
				return 0;
			goto fail;
		}
		/* Gone: try to recover, rate-limited. */
		now = hsm_now_ms();
		pthread_mutex_lock(&tok->mu);
		if (tok->last_recover_ms != 0 &&
		    now - tok->last_recover_ms < HSM_RECOVER_INTERVAL_MS) {
			pthread_mutex_unlock(&tok->mu);
			r = hsm_err(HSM_ERR_TOKEN_GONE, "token '%s' is "
			    "unavailable: check that it is present (for "
			    "SoftHSM2, its token directory)", tok->cfg.token);
			goto fail;
		}
		tok->last_recover_ms = now;
		pthread_mutex_unlock(&tok->mu);
		/* Cheap check first: maybe only an object went away. */
		if (mod->f->C_GetTokenInfo(tok->slot, &ti) == CKR_OK &&
		    token_matches(tok, &ti)) {
			atomic_fetch_add(&tok->gen, 1);
			atomic_store(&tok->state, HSM_TOK_OK);
			return 0;
		}
		pthread_rwlock_unlock(&mod->lock);
		/* SoftHSM sees a restored token only after C_Initialize. */
		if ((r = hsm_module_reinit(mod, seen)) != 0)
			return r;
	}
	return hsm_err(HSM_ERR_TOKEN_GONE, "token '%s' is unavailable: check "
	    "that it is present (for SoftHSM2, its token directory)",
	    tok->cfg.token);
fail:
	if (r == HSM_ERR_TOKEN_NOT_FOUND) {
		atomic_store(&tok->state, HSM_TOK_GONE);
		r = hsm_err(HSM_ERR_TOKEN_GONE, "token '%s' is no longer in "
		    "module '%s': check that it is present (for SoftHSM2, its "
		    "token directory); hsm/ reconnects when it is back",
		    tok->cfg.token, mod->path);
	}
	pthread_rwlock_unlock(&mod->lock);
	return r;
}

void
hsm_token_leave(struct hsm_token *tok)
{
	pthread_rwlock_unlock(&tok->mod->lock);
}

static int
verifier_compute(const char *pin, size_t pinlen, const unsigned char salt[16],
    unsigned char out[32])
{
	if (PKCS5_PBKDF2_HMAC(pin, (int)pinlen, salt, 16, VERIFIER_ITER,
	    EVP_sha256(), 32, out) != 1) {
		ERR_clear_error();
		return hsm_err(HSM_ERR_CRYPTO, "PBKDF2 failed");
	}
	return 0;
}

/*
 * PKCS#11 logins belong to the process, and C_Login on a logged-in token
 * answers CKR_USER_ALREADY_LOGGED_IN without looking at the PIN (SoftHSM
 * 2.6.1, measured). Logging out to check would log out every other user of
 * the token in this process, and a wrong PIN would leave them stranded. So
 * the first successful login leaves a salted PBKDF2 verifier, and a later
 * login while logged in is checked against it. Module lock held shared.
 */
static int
login_locked(struct hsm_token *tok, char *pin, size_t pinlen)
{
	struct hsm_module *mod = tok->mod;
	unsigned char v[32];
	unsigned int max = tok->cfg.max_login_failures;
	struct hsm_login *l;
	CK_SESSION_HANDLE s;
	CK_RV rv;
	int r, verified = 0;

	if (max == 0)
		max = HSM_DEFAULT_MAX_LOGIN_FAILURES;
	pthread_mutex_lock(&mod->login_mu);
	if ((l = hsm_module_login(mod, tok->serial)) == NULL) {
		r = hsm_err(HSM_ERR_NO_MEMORY, "out of memory");
		goto out;
	}
	if (l->failures >= max) {
		r = hsm_err(HSM_ERR_LOGIN_LOCKED, "token '%s': %u failed "
		    "logins, no more attempts in this process: check the PIN "
		    "and restart", tok->cfg.token, l->failures);
		goto out;
	}
	if ((r = hsm_session_get(tok, &s)) != 0)
		goto out;
	rv = mod->f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)pin, pinlen);
	if (rv == CKR_USER_ALREADY_LOGGED_IN && l->have_verifier) {
		if ((r = verifier_compute(pin, pinlen, l->salt, v)) != 0) {
			hsm_session_put(tok, s, 0);
			goto out;
		}
		rv = CRYPTO_memcmp(v, l->verifier, 32) == 0 ? CKR_OK :
		    CKR_PIN_INCORRECT;
		verified = 1;
	} else if (rv == CKR_USER_ALREADY_LOGGED_IN) {
		/* Logged in by someone outside hsm/: nobody here relies on
		 * it, so log out and let the token judge the PIN. */
		(void)mod->f->C_Logout(s);
		rv = mod->f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)pin,
		    pinlen);
	}
	hsm_session_put(tok, s, rv != CKR_OK && hsm_rv_is_gone(rv));
	switch (rv) {
	case CKR_OK:
		if (!verified) {
			if (RAND_bytes(l->salt, sizeof(l->salt)) != 1 ||
			    verifier_compute(pin, pinlen, l->salt,
			    l->verifier) != 0) {
				ERR_clear_error();
				l->have_verifier = 0;
			} else
				l->have_verifier = 1;
		}
		l->failures = 0;
		l->logged_out = 0;
		atomic_store(&tok->state, HSM_TOK_OK);
		r = 0;
		break;
	case CKR_PIN_INCORRECT:
	case CKR_PIN_INVALID:
	case CKR_PIN_LEN_RANGE:
		l->failures++;
		r = hsm_err_rv(HSM_ERR_PIN_INCORRECT, rv, "wrong PIN for "
		    "token '%s' (%u of %u failed attempts allowed)",
		    tok->cfg.token, l->failures, max);
		break;
	case CKR_PIN_LOCKED:
		r = hsm_err_rv(HSM_ERR_LOGIN_LOCKED, rv, "token '%s' has "
		    "locked its PIN: unlock it with the SO PIN",
		    tok->cfg.token);
		break;
	default:
		if (hsm_rv_is_gone(rv))
			r = hsm_token_gone_err(tok, rv, "logging in");
		else
			r = hsm_err_rv(HSM_ERR_PKCS11, rv, "login to token "
			    "'%s' failed", tok->cfg.token);
	}
out:
	pthread_mutex_unlock(&mod->login_mu);
	explicit_bzero(v, sizeof(v));
	explicit_bzero(pin, pinlen);
	return r;
}

int
hsm_token_login_pin(struct hsm_token *tok, char *pin, size_t pinlen)
{
	int r;

	if (tok == NULL || pin == NULL || pinlen == 0 ||
	    pinlen >= HSM_PIN_MAX) {
		if (pin != NULL)
			explicit_bzero(pin, pinlen);
		return hsm_err(HSM_ERR_INVALID_ARG, "empty or overlong PIN");
	}
	if ((r = hsm_token_enter(tok, 0)) != 0) {
		explicit_bzero(pin, pinlen);
		return r;
	}
	r = login_locked(tok, pin, pinlen);
	hsm_token_leave(tok);
	return r;
}

int
hsm_token_login(struct hsm_token *tok)
{
	char pin[HSM_PIN_MAX];
	size_t pinlen;
	int r;

	if (tok == NULL || tok->cfg.pin_source == HSM_PIN_NONE)
		return hsm_err(HSM_ERR_INVALID_ARG, "no PIN source configured");
	if ((r = hsm_pin_read(&tok->cfg, pin, sizeof(pin), &pinlen)) != 0)
		return r;
	return hsm_token_login_pin(tok, pin, pinlen);
}

unsigned int
hsm_token_login_failures(const struct hsm_token *tok)
{
	struct hsm_login *l;
	unsigned int n = 0;

	pthread_mutex_lock(&tok->mod->login_mu);
	for (l = tok->mod->logins; l != NULL; l = l->next)
		if (strcmp(l->serial, tok->serial) == 0)
			n = l->failures;
	pthread_mutex_unlock(&tok->mod->login_mu);
	return n;
}

const char *
hsm_token_label(const struct hsm_token *tok)
{
	return tok->label;
}

static char *
dup_or_null(const char *s, int *bad)
{
	char *d;

	if (s == NULL)
		return NULL;
	if ((d = strdup(s)) == NULL)
		*bad = 1;
	return d;
}

static int
token_parse_uri(struct hsm_token *tok)
{
	P11KitUri *uri;
	int pr;

	if (strncmp(tok->cfg.token, "pkcs11:", 7) != 0) {
		if (strlen(tok->cfg.token) > 32 || tok->cfg.token[0] == '\0')
			return hsm_err(HSM_ERR_INVALID_ARG, "token label '%s' "
			    "must have 1 to 32 bytes", tok->cfg.token);
		return 0;
	}
	if ((uri = p11_kit_uri_new()) == NULL)
		return hsm_err(HSM_ERR_NO_MEMORY, "out of memory");
	pr = p11_kit_uri_parse(tok->cfg.token, P11_KIT_URI_FOR_ANY, uri);
	if (pr != P11_KIT_URI_OK) {
		p11_kit_uri_free(uri);
		return hsm_err(HSM_ERR_URI, "PKCS#11 URI '%s': %s",
		    tok->cfg.token, p11_kit_uri_message(pr));
	}
	/* A PIN inside a URI is a PIN in the config or on argv. */
	if (p11_kit_uri_get_pin_value(uri) != NULL ||
	    p11_kit_uri_get_pin_source(uri) != NULL) {
		p11_kit_uri_free(uri);
		return hsm_err(HSM_ERR_URI, "PKCS#11 URI for the token carries "
		    "a PIN: give the PIN through a PIN file, fd or prompt");
	}
	tok->uri = uri;
	return 0;
}

int
hsm_token_open(const struct hsm_config *cfg, struct hsm_token **out)
{
	struct hsm_token *tok = NULL;
	char pin[HSM_PIN_MAX];
	size_t pinlen = 0;
	int r = HSM_ERR_INTERNAL, bad = 0;

	if (out != NULL)
		*out = NULL;
	if (cfg == NULL || out == NULL || cfg->module == NULL ||
	    cfg->token == NULL)
		return hsm_err(HSM_ERR_INVALID_ARG, "configuration needs a "
		    "module path and a token label or URI");
	if (cfg->pin_source == HSM_PIN_FILE && cfg->pin_file == NULL)
		return hsm_err(HSM_ERR_INVALID_ARG, "PIN file not named");
	if ((tok = calloc(1, sizeof(*tok))) == NULL)
		return hsm_err(HSM_ERR_NO_MEMORY, "out of memory");
	pthread_mutex_init(&tok->mu, NULL);
	tok->cfg = *cfg;
	tok->cfg.module = tok->module_arg = dup_or_null(cfg->module, &bad);
	tok->cfg.token = tok->token_arg = dup_or_null(cfg->token, &bad);
	tok->cfg.pin_file = tok->pin_file = dup_or_null(cfg->pin_file, &bad);
	tok->cfg.prompt = tok->prompt = dup_or_null(cfg->prompt, &bad);
	if (bad) {
		r = hsm_err(HSM_ERR_NO_MEMORY, "out of memory");
		goto fail;
	}
	if ((r = token_parse_uri(tok)) != 0)
		goto fail;
	/* Read the PIN before touching the token: a bad source changes nothing. */
	if (cfg->pin_source != HSM_PIN_NONE &&
	    (r = hsm_pin_read(cfg, pin, sizeof(pin), &pinlen)) != 0)
		goto fail;
	if ((r = hsm_module_get(cfg->module, &tok->mod)) != 0)
		goto fail;
	pthread_rwlock_rdlock(&tok->mod->lock);
	atomic_store(&tok->epoch, atomic_load(&tok->mod->epoch));
	if ((r = token_find_slot(tok)) == 0) {
		pthread_mutex_lock(&tok->mod->login_mu);
		if ((tok->login = hsm_module_login(tok->mod, tok->serial)) !=
		    NULL)
			tok->login->handles++;
		else
			r = hsm_err(HSM_ERR_NO_MEMORY, "out of memory");
		pthread_mutex_unlock(&tok->mod->login_mu);
	}
	if (r == 0) {
		atomic_store(&tok->state, cfg->pin_source == HSM_PIN_NONE ?
		    HSM_TOK_OK : HSM_TOK_LOGIN);
		if (cfg->pin_source != HSM_PIN_NONE)
			r = login_locked(tok, pin, pinlen);
	}
	pthread_rwlock_unlock(&tok->mod->lock);
	if (r != 0)
		goto fail;
	*out = tok;
	return 0;
fail:
	explicit_bzero(pin, sizeof(pin));
	hsm_token_close(tok);
	return r;
}

/* C_Logout and forget the verifier; module lock held shared. */
static int
logout_locked(struct hsm_token *tok)
{
	CK_SESSION_HANDLE s;
	CK_RV rv;
	int r;

	if ((r = hsm_session_get(tok, &s)) != 0)
		return r;
	rv = tok->mod->f->C_Logout(s);
	hsm_session_put(tok, s, rv != CKR_OK && hsm_rv_is_gone(rv));
	pthread_mutex_lock(&tok->mod->login_mu);
	if (tok->login != NULL) {
		tok->login->have_verifier = 0;
		tok->login->logged_out = 1;
		explicit_bzero(tok->login->verifier,
		    sizeof(tok->login->verifier));
	}
	pthread_mutex_unlock(&tok->mod->login_mu);
	atomic_store(&tok->state, HSM_TOK_LOGIN);
	if (rv != CKR_OK && rv != CKR_USER_NOT_LOGGED_IN)
		return hsm_err_rv(HSM_ERR_PKCS11, rv, "logging out of token "
		    "'%s'", tok->cfg.token);
	return 0;
}

int
hsm_token_logout(struct hsm_token *tok)
{
	int r;

	if (tok == NULL)
		return hsm_err(HSM_ERR_INVALID_ARG, "no token");
	if ((r = hsm_token_enter(tok, 0)) != 0)
		return r;
	r = logout_locked(tok);
	hsm_token_leave(tok);
	return r;
}

void
hsm_token_close(struct hsm_token *tok)
{
	int last = 0;

	if (tok == NULL)
		return;
	if (tok->login != NULL) {
		pthread_mutex_lock(&tok->mod->login_mu);
		last = --tok->login->handles == 0;
		pthread_mutex_unlock(&tok->mod->login_mu);
	}
	if (tok->mod != NULL) {
		pthread_rwlock_rdlock(&tok->mod->lock);
		/* The last handle ends the process's login on the token, even
		 * when other tokens keep the module initialised. A token that
		 * is away or from an older epoch has no login to end. */
		if (last && atomic_load(&tok->state) != HSM_TOK_GONE &&
		    atomic_load(&tok->epoch) == atomic_load(&tok->mod->epoch))
			(void)logout_locked(tok);
		pthread_mutex_lock(&tok->mu);
		pool_reset(tok, atomic_load(&tok->epoch) ==
		    atomic_load(&tok->mod->epoch));
		pthread_mutex_unlock(&tok->mu);
		pthread_rwlock_unlock(&tok->mod->lock);
		hsm_module_put(tok->mod);
	}
	if (tok->uri != NULL)
		p11_kit_uri_free(tok->uri);
	free(tok->pool);
	free(tok->module_arg);
	free(tok->token_arg);
	free(tok->pin_file);
	free(tok->prompt);
	pthread_mutex_destroy(&tok->mu);
	free(tok);
}
