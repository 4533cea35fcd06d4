/* SPDX-License-Identifier: Apache-2.0 */
/* hsm/ private declarations shared by its .c files. */
#ifndef HSM_INT_H
#define HSM_INT_H

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include <p11-kit/pkcs11.h>

#include "hsm.h"

#define HSM_PIN_MAX 256
#define HSM_LABEL_PREFIX "signerd:"
#define HSM_BACKUP_PREFIX "signerd-backup:"
#define HSM_KEK_PREFIX "signerd-kek:"
#define HSM_RECOVER_INTERVAL_MS 200

/* What this process knows about one token's login (PKCS#11 logins are per
 * process and token). Lives in the module, keyed by the token serial. */
struct hsm_login {
	struct hsm_login *next;
	char serial[17];
	int have_verifier;
	unsigned char salt[16];
	unsigned char verifier[32];
	unsigned int failures;
	unsigned int handles;	/* open hsm_token handles on this token */
	int logged_out;		/* explicit logout: no automatic re-login */
};

/*
 * One loaded module per realpath, shared by every token handle on it.
 * lock is held shared by every operation that uses a session or object
 * handle, and exclusively while the module is finalized and initialized again
 * (SoftHSM only sees a restored token directory after C_Initialize).
 */
struct hsm_module {
	struct hsm_module *next;
	char path[PATH_MAX];
	void *dl;
	CK_FUNCTION_LIST_PTR f;
	int owner;		/* our C_Initialize succeeded: we may finalize */
	unsigned int refs;
	pthread_rwlock_t lock;
	atomic_uint epoch;	/* bumped at each re-initialization */
	pthread_mutex_t login_mu;
	struct hsm_login *logins;
};

struct hsm_token {
	struct hsm_module *mod;
	struct hsm_config cfg;	/* strings below are our copies */
	char *module_arg, *token_arg, *pin_file, *prompt;
	void *uri;		/* P11KitUri when the config gave a URI */
	struct hsm_login *login;	/* in mod->logins; counted in handles */
	char label[33];
	char serial[17];
	pthread_mutex_t mu;	/* everything below */
	CK_SLOT_ID slot;
	atomic_uint epoch;	/* module epoch the slot and sessions belong to */
	atomic_uint state;	/* HSM_TOK_* */
	atomic_uint gen;	/* bumped whenever object handles may be stale */
	CK_SESSION_HANDLE *pool;
	size_t npool, cappool;
	unsigned long long last_recover_ms;
};

#define HSM_TOK_OK 0
#define HSM_TOK_GONE 1
#define HSM_TOK_LOGIN 2		/* present, but the login was lost */

struct hsm_key {
	struct hsm_token *tok;
	CK_OBJECT_CLASS cls;	/* CKO_PRIVATE_KEY or CKO_SECRET_KEY (KEK) */
	enum hsm_key_type type;
	unsigned char id[32];
	size_t idlen;
	char idhex[HSM_KEY_ID_HEX_LEN + 1];
	char label[HSM_LABEL_MAX + 1];
	pthread_mutex_t mu;	/* handle refresh and public key cache */
	_Atomic(CK_OBJECT_HANDLE) obj;	/* replaced while others sign */
	atomic_uint gen;	/* token gen obj was found in */
	int sign_ok;		/* attributes allow signing */
	int backup;		/* label marks a backup key */
	size_t siglen;		/* signature size */
	unsigned char *spki;
	size_t spkilen;
};

/* error.c */
int hsm_err(int code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int hsm_err_rv(int code, CK_RV rv, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
const char *hsm_rv_name(CK_RV rv);
int hsm_rv_is_gone(CK_RV rv);

/* module.c */
int hsm_module_get(const char *path, struct hsm_module **out);
void hsm_module_put(struct hsm_module *mod);
int hsm_module_reinit(struct hsm_module *mod, unsigned int seen_epoch);
struct hsm_login *hsm_module_login(struct hsm_module *mod, const char *serial);

/* token.c */
/* The slots with a token (*out: free it); code is the error on failure. */
int hsm_slots_list(struct hsm_module *mod, int code, CK_SLOT_ID **out,
    CK_ULONG *n);
int hsm_token_enter(struct hsm_token *tok, int need_login);
void hsm_token_leave(struct hsm_token *tok);
int hsm_session_get(struct hsm_token *tok, CK_SESSION_HANDLE *s);
void hsm_session_put(struct hsm_token *tok, CK_SESSION_HANDLE s, int bad);
int hsm_token_check_login(struct hsm_token *tok);
int hsm_token_rv_err(struct hsm_token *tok, CK_RV rv, const char *what);
int hsm_token_gone_err(struct hsm_token *tok, CK_RV rv, const char *what);
unsigned long long hsm_now_ms(void);
/* Cryptoki's blank-padded fixed fields as a C string (out: n + 1 bytes). */
void hsm_blank_trim(const unsigned char *in, size_t n, char *out);

/* pin.c */
int hsm_pin_read(const struct hsm_config *cfg, char *pin, size_t pinsize,
    size_t *pinlen);

/* key.c */
int hsm_key_id_compute(enum hsm_key_type type, const unsigned char *spki,
    size_t spkilen, unsigned char id[32]);
int hsm_key_load(struct hsm_token *tok, CK_SESSION_HANDLE s,
    CK_OBJECT_CLASS cls, const unsigned char *id, size_t idlen,
    struct hsm_key **out);
int hsm_key_refresh(struct hsm_key *key);
int hsm_find_objects(struct hsm_token *tok, CK_SESSION_HANDLE s,
    CK_ATTRIBUTE *tmpl, CK_ULONG n, CK_OBJECT_HANDLE *objs, CK_ULONG max,
    CK_ULONG *found);
int hsm_attr_read(struct hsm_token *tok, CK_SESSION_HANDLE s,
    CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type, unsigned char **val,
    size_t *len);
int hsm_spki_from_object(struct hsm_token *tok, CK_SESSION_HANDLE s,
    CK_OBJECT_HANDLE pub, enum hsm_key_type type, unsigned char **spki,
    size_t *spkilen);
void hsm_hex(const unsigned char *in, size_t n, char *out);

/*
 * backup.c: the wrapped-key blob, parsed and written without a token.
 * Layout: magic "SGNDBK1\n", type (1 byte), ID length (1, always 32), ID,
 * label length (2, big-endian), label, SPKI length (2), SPKI (DER), wrapped
 * length (4), wrapped PKCS#8 (RFC 5649 AES key wrap with padding).
 */
struct hsm_backup_blob {
	enum hsm_key_type type;
	const unsigned char *id;	/* the pointers are into the blob */
	size_t idlen;
	const unsigned char *label;	/* as stored (may carry the backup prefix) */
	size_t labellen;
	const unsigned char *spki;
	size_t spkilen;
	const unsigned char *wrapped;
	size_t wrappedlen;
	char restored_label[HSM_LABEL_MAX + 1];	/* backup prefix turned into the ordinary one */
};

/*
 * Parses and checks a blob from outside: every length bounded, nothing
 * after the end, the SPKI exactly a key of the stated type, the ID that
 * key's ID, the label free of NUL bytes, the wrapped part a possible RFC
 * 5649 output (a multiple of 8, at least 16). 0 or HSM_ERR_BAD_BACKUP
 * (message says what was wrong); *out cleared first.
 */
int hsm_backup_blob_parse(const unsigned char *blob, size_t len,
    struct hsm_backup_blob *out);
/* Writes the blob of b's fields (restored_label unused); free() *out. */
int hsm_backup_blob_encode(const struct hsm_backup_blob *b,
    unsigned char **out, size_t *outlen);

#endif
