/* SPDX-License-Identifier: Apache-2.0 */
/* Private helpers shared by the tuf/ sources. */
#ifndef SIGNERD_TUF_IMPL_H
#define SIGNERD_TUF_IMPL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "json.h"
#include "tuf.h"

#define TUF_NAME_MAX	255	/* Notary: role names shorter than 256 */

/* Sets err (may be NULL) and returns code. role may be NULL. */
int tuf_err(struct tuf_error *err, int code, const char *role,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Sign-form string: quotes, `"` and `\` escaped, all else raw. */
void tuf_put_sstr(struct json_buf *b, const char *s, size_t n);
void tuf_put_b64(struct json_buf *b, const uint8_t *p, size_t n);
void tuf_put_filemeta(struct json_buf *b, const struct tuf_filemeta *fm);
void tuf_put_keyset(struct json_buf *b, const struct tuf_keyset *ks);
/* Whether the file form of sign[0..n) is exactly file[0..fn). */
int tuf_file_form_equal(const uint8_t *sign, size_t n, const uint8_t *file,
    size_t fn);

void tuf_hex(const uint8_t *p, size_t n, char *out);
/*
 * Strict decode of a base64 string into a fixed buffer; -1 when bad or not
 * exactly want bytes (out is then partly written).
 */
int tuf_b64_decode_fixed(const char *in, size_t n, uint8_t *out, size_t want);

int tuf_is_delegation(const char *name);
int tuf_is_base_role(const char *name);
enum tuf_role_type tuf_role_type_of(const char *name);
/* Parent of a role name ("targets/a/b" -> "targets/a"), written into buf. */
void tuf_role_parent(const char *name, char *buf, size_t cap);

void tuf_role_cleanup(struct tuf_role *r);
int tuf_role_copy(struct tuf_role *dst, const struct tuf_role *src);
void tuf_keyset_cleanup(struct tuf_keyset *ks);
void tuf_targets_cleanup(struct tuf_targets *t);
void tuf_filemeta_cleanup(struct tuf_filemeta *fm);

char *tuf_strndup(const char *s, size_t n);
/*
 * One targets record for name and fm: the name (unless name_off gives the
 * one a replaced entry has), sha512 and custom go into the pool.
 */
int tuf_target_make(struct tuf_targets *t, const char *name, size_t name_len,
    const uint32_t *name_off, const struct tuf_filemeta *fm,
    struct tuf_target *e);
/* Room for one more record in t->t. */
int tuf_targets_room(struct tuf_targets *t);
/* Appends n bytes to a targets pool; *off is where they start. */
int tuf_pool_put(struct tuf_targets *t, const void *p, size_t n,
    uint32_t *off);

#endif /* SIGNERD_TUF_IMPL_H */
