/* SPDX-License-Identifier: Apache-2.0 */
/*
 * json: a strict JSON reader for untrusted bytes and a canonical writer with
 * Notary's exact rules. Shared by tuf/ (metadata), proto/ (socket frames) and
 * signerd/ (config); it knows nothing of any of them.
 *
 * Reader: the caller caps the size; the input must be exactly one value
 * (surrounding whitespace allowed); duplicate object keys, fractions,
 * exponents, integers outside int64, invalid UTF-8 (overlongs, surrogates,
 * > U+10FFFF), lone surrogate escapes, raw control characters in strings and
 * nesting past the depth cap are all refused, each with its own code and the
 * byte offset where it was found. A parsed document is read-only; every value
 * lives in one arena owned by the document, freed at once.
 *
 * Writer: a growable byte buffer with a sticky error, so a sequence of puts
 * is checked once at the end. json_put_str applies Notary's escaping: the
 * file form by default, the form Notary signs with JSON_BUF_SIGNING_FORM
 * (docs/json.md has both and the evidence); the caller emits object keys in
 * byte order (json_write_canonical does that for a parsed tree).
 */
#ifndef SIGNERD_JSON_H
#define SIGNERD_JSON_H

#include <stddef.h>
#include <stdint.h>

/* Error codes. Never renumbered; new codes go at the end. */
#define JSON_OK			 0
#define JSON_ERR_NOMEM		-1	/* allocation failed */
#define JSON_ERR_TOO_BIG	-2	/* input longer than the caller's cap */
#define JSON_ERR_EMPTY		-3	/* no value at all */
#define JSON_ERR_SYNTAX		-4	/* unexpected byte */
#define JSON_ERR_TRAILING	-5	/* bytes after the one value */
#define JSON_ERR_DEPTH		-6	/* nesting deeper than the cap */
#define JSON_ERR_DUP_KEY	-7	/* an object repeats a key */
#define JSON_ERR_NUMBER		-8	/* fraction, exponent, leading zero, -0 form errors */
#define JSON_ERR_RANGE		-9	/* integer outside int64 */
#define JSON_ERR_UTF8		-10	/* invalid UTF-8 in the input */
#define JSON_ERR_ESCAPE		-11	/* bad escape or lone surrogate \uXXXX */
#define JSON_ERR_CTRL		-12	/* raw control character inside a string */
#define JSON_ERR_TRUNCATED	-13	/* input ends inside a value */
#define JSON_ERR_TOO_MANY	-14	/* more values than the caller's cap */
#define JSON_ERR_TYPE		-15	/* accessor used on the wrong type */
#define JSON_ERR_MISSING	-16	/* accessor: key not present */
#define JSON_ERR_INVAL		-17	/* bad argument */

enum json_type {
	JSON_NULL,
	JSON_FALSE,
	JSON_TRUE,
	JSON_INT,
	JSON_STRING,
	JSON_ARRAY,
	JSON_OBJECT,
};

/* Hard ceiling on the input size whatever the caller's cap (spans are 32-bit). */
#define JSON_MAX_BYTES_LIMIT	((size_t)UINT32_MAX)

/* Caps for one parse. Zero fields take the defaults noted. */
struct json_limits {
	size_t	 max_bytes;	/* input size cap (default 64 MiB) */
	unsigned max_depth;	/* nesting cap (default 64) */
	size_t	 max_values;	/* total values in the document (default: no cap beyond max_bytes) */
	unsigned flags;		/* JSON_LIMIT_* */
};

/*
 * The document may hold secrets (a PIN in a request): json_doc_free, and a
 * failed parse, wipe every block of it (decoded strings, integers, the
 * parser's scratch copies) with explicit_bzero before freeing.
 */
#define JSON_LIMIT_WIPE		0x1

/* Where and why a parse failed. message is plain ASCII, NUL-terminated. */
struct json_error {
	int	code;		/* one of JSON_ERR_* */
	size_t	offset;		/* byte offset into the input */
	char	message[128];
};

struct json_doc;
struct json_value;

/*
 * Parses buf[0..len). On success *out owns the tree; free it with
 * json_doc_free. The input buffer is not referenced after return.
 * err may be NULL. Returns 0 or a JSON_ERR_* code.
 */
int json_doc_parse(const uint8_t *buf, size_t len,
    const struct json_limits *lim, struct json_doc **out,
    struct json_error *err);
void json_doc_free(struct json_doc *doc);
const struct json_value *json_doc_root(const struct json_doc *doc);
/*
 * Turns v, a value of doc, into the string s[0..len), which is not copied:
 * s must be NUL-terminated at len and outlive doc. v keeps its span in the
 * input. For bytes that travelled beside the JSON text rather than inside
 * it (proto's attachments). Returns 0, or JSON_ERR_INVAL (a NULL argument,
 * len above UINT32_MAX, or s[len] not NUL).
 */
int json_doc_set_str(struct json_doc *doc, const struct json_value *v,
    const char *s, size_t len);

/* Reading a value. All accessors accept NULL and then fail or return 0. */
enum json_type json_value_type(const struct json_value *v);
/* Byte span of v in the parsed input, so callers can hash exactly what came in. */
void json_value_span(const struct json_value *v, size_t *offset, size_t *len);
/*
 * 0, or JSON_ERR_TYPE (v is another type), JSON_ERR_MISSING (v is NULL, as
 * json_object_get returns for an absent key), JSON_ERR_INVAL (out is NULL).
 * *out is cleared on failure.
 */
int json_value_int(const struct json_value *v, int64_t *out);
int json_value_bool(const struct json_value *v, int *out);
/* Decoded string: NUL-terminated, may contain NUL bytes; *len excludes the terminator. */
const char *json_value_str(const struct json_value *v, size_t *len);
/* Number of elements of an array or members of an object, else 0. */
size_t json_value_count(const struct json_value *v);
const struct json_value *json_array_at(const struct json_value *arr, size_t i);
/* Object members are kept sorted by key bytes; i indexes that order. */
const struct json_value *json_object_at(const struct json_value *obj, size_t i,
    const char **key, size_t *keylen);
/* Binary search by key bytes; NULL when absent or obj is not an object. */
const struct json_value *json_object_get(const struct json_value *obj,
    const char *key);
const struct json_value *json_object_getn(const struct json_value *obj,
    const char *key, size_t keylen);

/* Text for a JSON_ERR_* code. */
const char *json_strerror(int code);
/* "null", "a boolean", "an integer", ...: for error messages; never NULL. */
const char *json_type_name(enum json_type t);

/* The writer's buffer. Zero-initialised is a valid empty buffer. */
struct json_buf {
	uint8_t	*data;
	size_t	 len;
	size_t	 cap;
	int	 err;		/* first failure, sticky; puts after it do nothing */
	unsigned flags;		/* JSON_BUF_*; kept by json_buf_detach */
};

/*
 * json_put_str and json_write_canonical write the sign form (JSON_FORM_SIGN
 * below: what Notary signs) instead of the file form. Zero, the default, is
 * the file form.
 */
#define JSON_BUF_SIGNING_FORM	0x1

/*
 * The allocator behind json_buf: *n bytes (rounded up to 2 MiB, and asking
 * for transparent huge pages, from 4 MiB on), for free(). Also used by
 * proto's frame reader for megabyte frames.
 */
void *json_mem_alloc(size_t *n);

void json_buf_init(struct json_buf *b);
/* Frees the storage after wiping it (buffers may have held secrets); b is
 * left as json_buf_init leaves it, flags cleared. */
void json_buf_cleanup(struct json_buf *b);
/* Hands the bytes to the caller (free with free()); the buffer is left empty. */
int json_buf_detach(struct json_buf *b, uint8_t **data, size_t *len);
void json_buf_reserve(struct json_buf *b, size_t extra);

void json_put_raw(struct json_buf *b, const void *p, size_t n);
void json_put_char(struct json_buf *b, char c);
/*
 * A quoted string with Notary's canonical escaping (the file form, or the
 * sign form when b->flags has JSON_BUF_SIGNING_FORM). s must be UTF-8; it is
 * checked, and invalid UTF-8 sets JSON_ERR_UTF8. NUL bytes are fine.
 */
void json_put_str(struct json_buf *b, const char *s, size_t n);
void json_put_int(struct json_buf *b, int64_t v);
/* The canonical encoding of a parsed value (keys in byte order, no space);
 * the form follows b->flags as for json_put_str. */
void json_write_canonical(struct json_buf *b, const struct json_value *v);

/*
 * Notary writes one encoding into files and signs another. JSON_FORM_FILE is
 * the file bytes (json_put_str's escaping, above). JSON_FORM_SIGN is what
 * docker/go's canonical/json produces and what signatures cover: only `"`
 * and `\` escaped, every other byte (controls, < > &, U+2028/9) raw.
 * The two differ only inside strings that hold such characters. These two
 * take the form as an argument and ignore JSON_BUF_SIGNING_FORM.
 */
#define JSON_FORM_FILE	0
#define JSON_FORM_SIGN	1
void json_put_str_form(struct json_buf *b, const char *s, size_t n, int form);
void json_write_canonical_form(struct json_buf *b, const struct json_value *v,
    int form);

#endif /* SIGNERD_JSON_H */
