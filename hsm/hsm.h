/* SPDX-License-Identifier: Apache-2.0 */
/* hsm/: keys generated and used inside a PKCS#11 token, through raw Cryptoki. */
#ifndef HSM_H
#define HSM_H

#include <stddef.h>

/* Error codes: 0 is success, every failure is negative. Never renumbered. */
#define HSM_ERR_INTERNAL		-1	/* broken invariant */
#define HSM_ERR_INVALID_ARG		-2	/* bad argument */
#define HSM_ERR_NO_MEMORY		-3
#define HSM_ERR_MODULE_NOT_FOUND	-4	/* path is no regular file */
#define HSM_ERR_MODULE_INVALID		-5	/* not a PKCS#11 module */
#define HSM_ERR_MODULE_INIT		-6	/* C_Initialize failed */
#define HSM_ERR_TOKEN_NOT_FOUND		-7	/* no such label / URI */
#define HSM_ERR_TOKEN_AMBIGUOUS		-8	/* several tokens match */
#define HSM_ERR_PIN_SOURCE		-9	/* PIN file/fd/prompt bad */
#define HSM_ERR_PIN_INCORRECT		-10	/* the token refused the PIN */
#define HSM_ERR_LOGIN_LOCKED		-11	/* failure limit reached */
#define HSM_ERR_LOGIN_REQUIRED		-12	/* not logged in (any more) */
#define HSM_ERR_KEY_NOT_FOUND		-13
#define HSM_ERR_KEY_POLICY		-14	/* attributes forbid this use */
#define HSM_ERR_UNSUPPORTED		-15	/* key type or operation */
#define HSM_ERR_TOKEN_GONE		-16	/* vanished; fail closed */
#define HSM_ERR_BUFFER_TOO_SMALL	-17
#define HSM_ERR_PKCS11			-18	/* other Cryptoki failure */
#define HSM_ERR_CRYPTO			-19	/* OpenSSL failure */
#define HSM_ERR_URI			-20	/* bad PKCS#11 URI */
#define HSM_ERR_BAD_BACKUP		-21	/* malformed backup blob */
#define HSM_ERR_TOKEN_EXISTS		-22	/* label already initialised */

/* Stable text for a code; never NULL. */
const char *hsm_strerror(int code);

/*
 * Detail of the last failure in the calling thread: what failed, the CK_RV
 * name, and what to check. Meant for logs; never holds a PIN. Valid until the
 * thread's next hsm_ call.
 */
const char *hsm_error_detail(void);

enum hsm_pin_source {
	HSM_PIN_NONE = 0,	/* open without login */
	HSM_PIN_FILE,		/* pin_file: ours, mode 0600 or stricter */
	HSM_PIN_FD,		/* pin_fd: read to EOF or newline; not closed */
	HSM_PIN_PROMPT		/* no-echo prompt on the controlling terminal */
};

#define HSM_DEFAULT_MAX_LOGIN_FAILURES 3

struct hsm_config {
	const char *module;	/* PKCS#11 module path (realpath'ed) */
	const char *token;	/* token label, or an RFC 7512 "pkcs11:" URI */
	enum hsm_pin_source pin_source;
	const char *pin_file;	/* HSM_PIN_FILE */
	int pin_fd;		/* HSM_PIN_FD */
	const char *prompt;	/* HSM_PIN_PROMPT; NULL gives a default text */
	unsigned int max_login_failures; /* 0: HSM_DEFAULT_MAX_LOGIN_FAILURES */
};

struct hsm_token;
struct hsm_key;

/*
 * Load the module (once per process), find the one token the config names and,
 * unless pin_source is HSM_PIN_NONE, log in. On success *out owns the token
 * handle; free it with hsm_token_close. Errors: MODULE_NOT_FOUND,
 * MODULE_INVALID, MODULE_INIT, TOKEN_NOT_FOUND, TOKEN_AMBIGUOUS, URI and the
 * login errors of hsm_token_login.
 */
int hsm_token_open(const struct hsm_config *cfg, struct hsm_token **out);

/*
 * Initialise the first uninitialised token the module offers (SoftHSM2's free
 * slot, or a blank HSM): label (1-32 bytes), SO PIN from so's PIN source,
 * user PIN from user's (files, descriptors or no-echo prompts: never argv).
 * Refuses, changing nothing, when a token with that label exists
 * (TOKEN_EXISTS) or no token is free (TOKEN_NOT_FOUND). Never touches an
 * initialised token. Errors also: MODULE_*, PIN_SOURCE (unreadable, or
 * outside the token's PIN length limits), PKCS11.
 */
int hsm_token_init(const char *module, const char *label,
    const struct hsm_config *so, const struct hsm_config *user);

/* Close the token's sessions and drop the handle. Accepts NULL. Keys of this
 * token must be freed first. */
void hsm_token_close(struct hsm_token *tok);

/*
 * Log in with a PIN from the configured source (read again now). The PIN is
 * checked even when this process is already logged in to the token. Failures
 * are counted per token for the life of the process; after
 * max_login_failures, LOGIN_LOCKED without asking the token. Errors:
 * PIN_SOURCE, PIN_INCORRECT, LOGIN_LOCKED, TOKEN_GONE, PKCS11.
 */
int hsm_token_login(struct hsm_token *tok);

/* The same with a PIN the caller already holds; pin is wiped before return. */
int hsm_token_login_pin(struct hsm_token *tok, char *pin, size_t pinlen);

/*
 * Log the token out now (a ceremony's end). PKCS#11 logins belong to the
 * process: every handle on this token loses the login, and none logs in
 * again by itself (not even from a PIN file) until hsm_token_login. Closing
 * the last handle on a token in the process also logs it out.
 */
int hsm_token_logout(struct hsm_token *tok);

/* Failed logins counted for this token so far. */
unsigned int hsm_token_login_failures(const struct hsm_token *tok);

/* The token's label (trailing blanks removed). */
const char *hsm_token_label(const struct hsm_token *tok);

enum hsm_key_type {
	HSM_KEY_ECDSA_P256 = 0,	/* TUF "ecdsa", signature raw r||s, 64 bytes */
	HSM_KEY_ED25519,	/* TUF "ed25519", 64 bytes */
	HSM_KEY_RSA3072		/* TUF "rsa", RSA-PSS SHA-256 salt 32 */
};

/* TUF key type name ("ecdsa", "ed25519", "rsa"). */
const char *hsm_key_type_name(enum hsm_key_type type);

#define HSM_KEY_ID_HEX_LEN 64	/* without the NUL */
#define HSM_SIG_MAX 512		/* enough for every supported key type */
#define HSM_LABEL_MAX 255

struct hsm_keygen {
	enum hsm_key_type type;
	const char *role;	/* TUF role, e.g. "targets/releases" */
	const char *gun;	/* e.g. "example.com/app" */
	int backup;		/* extractable (still sensitive): wrappable */
};

/*
 * Generate a key pair on the token: private key CKA_TOKEN, CKA_PRIVATE,
 * CKA_SENSITIVE, not extractable (unless backup). CKA_ID becomes the 32 bytes
 * of the key's TUF key ID; CKA_LABEL "signerd:ROLE:GUN" ("signerd-backup:..."
 * for backup keys). Errors: INVALID_ARG, LOGIN_REQUIRED, TOKEN_GONE, PKCS11.
 */
int hsm_key_generate(struct hsm_token *tok, const struct hsm_keygen *spec,
    struct hsm_key **out);

/*
 * Find a private key by its TUF key ID (64 hex digits) or a "pkcs11:" URI
 * naming it by id= and/or object= (label). Errors: KEY_NOT_FOUND, URI, ...
 */
int hsm_key_find(struct hsm_token *tok, const char *name, struct hsm_key **out);

/* Drop the handle (the key stays on the token). Accepts NULL. */
void hsm_key_free(struct hsm_key *key);

/* The key's TUF key ID, 64 lowercase hex digits. */
const char *hsm_key_id(const struct hsm_key *key);
enum hsm_key_type hsm_key_type(const struct hsm_key *key);
const char *hsm_key_label(const struct hsm_key *key);

/* SubjectPublicKeyInfo DER, read once and cached; owned by the key. */
int hsm_key_public(struct hsm_key *key, const unsigned char **spki,
    size_t *spkilen);

/*
 * Sign msg. ECDSA: SHA-256 in software, CKM_ECDSA on the token, raw r||s.
 * Ed25519: CKM_EDDSA over msg. RSA: SHA-256, then CKM_RSA_PKCS_PSS (MGF1
 * SHA-256, salt 32). Safe from many threads at once: each call uses its own
 * session. Refuses (KEY_POLICY) a key that is not sensitive, or extractable
 * and not a backup key. If the token vanished, returns TOKEN_GONE and tries to
 * recover on later calls. Errors also: BUFFER_TOO_SMALL, LOGIN_REQUIRED.
 */
int hsm_key_sign(struct hsm_key *key, const unsigned char *msg, size_t msglen,
    unsigned char *sig, size_t sigsize, size_t *siglen);

/* Delete the key pair and its certificate from the token. The handle
 * remains to be freed. */
int hsm_key_delete(struct hsm_key *key);

struct hsm_key_info {
	char id[HSM_KEY_ID_HEX_LEN + 1];	/* from CKA_ID (hex) */
	char label[HSM_LABEL_MAX + 1];
	enum hsm_key_type type;
	int type_known;		/* 0: a key type hsm/ does not use */
	int id_matches;		/* CKA_ID equals the key ID of its public key */
	int sensitive, extractable, always_sensitive, never_extractable, local;
	int backup;		/* label marks it as a backup key */
	int has_cert;		/* a certificate with the same CKA_ID exists */
};

/* All private keys on the token. *out is an array of *n entries; free(). */
int hsm_key_list(struct hsm_token *tok, struct hsm_key_info **out, size_t *n);

#define HSM_CERT_DEFAULT_DAYS 3650	/* Notary: 10 * 365 days */

/*
 * Make a self-signed X.509 certificate for an ECDSA P-256 key in Notary's
 * root profile (CN = gun, random 128-bit serial, ecdsa-with-SHA256, keyUsage
 * digitalSignature+keyEncipherment critical, extendedKeyUsage codeSigning,
 * basicConstraints CA:FALSE critical), signed by the token, and store it on
 * the token as CKO_CERTIFICATE with the key's CKA_ID and label, replacing an
 * older one. days 0 means HSM_CERT_DEFAULT_DAYS. *der is malloc'ed DER.
 */
int hsm_cert_create(struct hsm_key *key, const char *gun, unsigned int days,
    unsigned char **der, size_t *derlen);

/* The certificate stored beside the key (DER, malloc'ed), or KEY_NOT_FOUND. */
int hsm_cert_get(struct hsm_key *key, unsigned char **der, size_t *derlen);

/*
 * Backup: import a 32-byte AES-256 key-encryption key onto the token
 * (sensitive, not extractable, wrap/unwrap only), label "signerd-kek:NAME".
 * kek is wiped. The same KEK imported on two tokens lets one wrap, the other
 * unwrap.
 */
int hsm_kek_import(struct hsm_token *tok, const char *name,
    unsigned char *kek, size_t keklen, struct hsm_key **out);

/* Find a KEK by the NAME given at import. */
int hsm_kek_find(struct hsm_token *tok, const char *name, struct hsm_key **out);

/*
 * Wrap a backup key (made with spec.backup) under kek with
 * CKM_AES_KEY_WRAP_PAD. The blob also carries the public key, type and label
 * so hsm_key_unwrap can rebuild the pair. *blob is malloc'ed.
 */
int hsm_key_wrap(struct hsm_key *kek, struct hsm_key *key,
    unsigned char **blob, size_t *bloblen);

/*
 * Unwrap a blob from hsm_key_wrap onto kek's token as a sensitive,
 * non-extractable key with the same key ID and label (without the backup
 * mark). Errors: BAD_BACKUP, PKCS11, ...
 */
int hsm_key_unwrap(struct hsm_key *kek, const unsigned char *blob,
    size_t bloblen, struct hsm_key **out);

#endif
