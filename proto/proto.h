/* SPDX-License-Identifier: Apache-2.0 */
/*
 * proto: signerd's socket protocol. Frames (4-byte big-endian length + one
 * JSON object), request decoding with typed field getters, response encoding,
 * the stable error codes that travel on the wire, and the validators for the
 * names the operations take (GUNs, tags, roles, digests). docs/protocol.md is
 * the specification; this header is one implementation of it.
 *
 * proto knows nothing of sockets beyond file descriptors, nothing of policy,
 * keys or metadata, and never prints or exits.
 */
#ifndef SIGNERD_PROTO_H
#define SIGNERD_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "json.h"

#define PROTO_VERSION		1		/* the only "v" spoken now */
#define PROTO_MAX_FRAME_DEFAULT	(64u * 1024 * 1024)
#define PROTO_MAX_FRAME_LIMIT	UINT32_MAX	/* 4 length bytes */
#define PROTO_MAX_DEPTH_DEFAULT	16
#define PROTO_MAX_VALUES_DEFAULT (1u << 20)
#define PROTO_OP_MAX		64		/* bytes in an op name */
#define PROTO_ID_MAX		128		/* bytes in a string id */
#define PROTO_STR_MAX_DEFAULT	4096		/* proto_*_get_str cap */
#define PROTO_GUN_MAX		255
#define PROTO_TAG_DOCKER_MAX	128
#define PROTO_TARGET_NAME_MAX	1024
#define PROTO_SIGNER_MAX	64
#define PROTO_ROLE_MAX		(8 + PROTO_SIGNER_MAX) /* targets/NAME */

/*
 * Library return codes (negative). Never renumbered; new ones at the end.
 * These stay on this side of the socket; proto_code_from_err maps them onto
 * the wire codes below.
 */
#define PROTO_OK		 0
#define PROTO_ERR_NOMEM		-1	/* allocation failed */
#define PROTO_ERR_INVAL		-2	/* bad argument from the caller */
#define PROTO_ERR_AGAIN		-3	/* more bytes needed */
#define PROTO_ERR_EOF		-4	/* peer closed at a frame boundary */
#define PROTO_ERR_TRUNCATED	-5	/* input ended inside a frame */
#define PROTO_ERR_TOO_LARGE	-6	/* frame length above max_frame */
#define PROTO_ERR_TIMEOUT	-7	/* deadline passed */
#define PROTO_ERR_IO		-8	/* read/write/poll failed */
#define PROTO_ERR_EMPTY_FRAME	-9	/* a zero-length frame */
#define PROTO_ERR_JSON		-10	/* payload is not acceptable JSON */
#define PROTO_ERR_REQUEST	-11	/* envelope or field wrong */
#define PROTO_ERR_VERSION	-12	/* "v" not spoken here */
#define PROTO_ERR_MISSING	-13	/* a required field is absent */
#define PROTO_ERR_RESPONSE	-14	/* response breaks the protocol */

const char *proto_strerror(int r);

/*
 * Wire error codes: the "code" string of an error response. The numbers are
 * for C only and are never renumbered; the strings are the protocol.
 */
enum proto_code {
	PROTO_CODE_NONE = 0,		/* not an error; never sent */
	PROTO_CODE_BAD_FRAME = 1,
	PROTO_CODE_FRAME_TOO_LARGE = 2,
	PROTO_CODE_BAD_JSON = 3,
	PROTO_CODE_BAD_REQUEST = 4,
	PROTO_CODE_UNKNOWN_OP = 5,
	PROTO_CODE_UNSUPPORTED_VERSION = 6,
	PROTO_CODE_DENIED = 7,
	PROTO_CODE_NOT_FOUND = 8,
	PROTO_CODE_CONFLICT = 9,
	PROTO_CODE_ROLLBACK = 10,
	PROTO_CODE_EQUIVOCATION = 11,
	PROTO_CODE_LOCKED = 12,
	PROTO_CODE_TOKEN_ERROR = 13,
	PROTO_CODE_INTERNAL = 14,
	PROTO_CODE_TIMEOUT = 15,
	PROTO_CODE_BUSY = 16,
	PROTO_CODE_BAD_METADATA = 17,
	PROTO_CODE_UNTRUSTED = 18,
	PROTO_CODE_UNAVAILABLE = 19,
	PROTO_CODE_COUNT		/* keep last */
};

/* "bad_frame" etc.; NULL for a number with no name. */
const char *proto_code_name(enum proto_code c);
/* The code for a wire name, PROTO_CODE_NONE when unknown. */
enum proto_code proto_code_from_name(const char *s, size_t len);
/* The wire code for a PROTO_ERR_* (PROTO_CODE_INTERNAL for the unexpected). */
enum proto_code proto_code_from_err(int r);

#define PROTO_FIELD_MAX		96
#define PROTO_MESSAGE_MAX	256

/*
 * An error for the wire: code, the path of the offending field ("" when the
 * error is not about one field; "tags[2].sha256" when nested) and a message
 * for people. Messages are always valid UTF-8 and never hold secrets.
 */
struct proto_error {
	enum proto_code	code;
	char		field[PROTO_FIELD_MAX];
	char		message[PROTO_MESSAGE_MAX];
};

void proto_error_clear(struct proto_error *e);
/* Sets code and message (printf format; truncated to fit, kept valid UTF-8). */
void proto_error_set(struct proto_error *e, enum proto_code code,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Same, naming the field; the message is prefixed with 'field "NAME": '. */
void proto_error_field(struct proto_error *e, enum proto_code code,
    const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/*
 * Writes s[0..len) into out (outlen > 0, always NUL-terminated) as a short,
 * printable ASCII rendering for error messages: printable ASCII kept, other
 * bytes as \xNN, cut after about 48 bytes with "...". Untrusted names are
 * shown only through this.
 */
void proto_quote(const void *s, size_t len, char *out, size_t outlen);

/*
 * Bounded buffer over untrusted bytes. Every getter checks the length left
 * before it consumes and returns PROTO_ERR_TRUNCATED without moving when
 * there is not enough.
 */
struct proto_buf {
	const uint8_t	*data;
	size_t		 len;
	size_t		 off;
};

void proto_buf_init(struct proto_buf *b, const void *data, size_t len);
size_t proto_buf_left(const struct proto_buf *b);
int proto_buf_get_u8(struct proto_buf *b, uint8_t *v);
int proto_buf_get_u32be(struct proto_buf *b, uint32_t *v);
/* *p points into the buffer's storage (no copy). */
int proto_buf_get_bytes(struct proto_buf *b, size_t n, const uint8_t **p);
int proto_buf_skip(struct proto_buf *b, size_t n);

/*
 * Incremental frame reader. It allocates only after the length is checked
 * against max_frame, and then grows with the bytes that actually arrive, so
 * a peer announcing 64 MiB and sending 10 bytes costs 64 KiB, not 64 MiB.
 */
struct proto_frame_reader {
	size_t	 max_frame;
	uint8_t	 hdr[4];
	size_t	 hdr_len;	/* header bytes seen for the current frame */
	uint32_t need;		/* payload length, once hdr_len == 4 */
	uint8_t	*data;
	size_t	 have;
	size_t	 cap;
	int	 done;		/* a whole frame waits in data */
};

/* max_frame 0 means PROTO_MAX_FRAME_DEFAULT. */
void proto_frame_reader_init(struct proto_frame_reader *r, size_t max_frame);
void proto_frame_reader_cleanup(struct proto_frame_reader *r);
/* True when some bytes of a frame have arrived and the frame is not done. */
int proto_frame_reader_started(const struct proto_frame_reader *r);
/* The announced payload length (valid once the header is complete). */
uint32_t proto_frame_reader_announced(const struct proto_frame_reader *r);
/*
 * Consumes bytes from in, never past the end of the current frame. Returns 0
 * when a frame is complete (take it before feeding more), PROTO_ERR_AGAIN
 * when in is exhausted first, PROTO_ERR_TOO_LARGE (the reader is then dead:
 * answer frame_too_large and close), PROTO_ERR_NOMEM.
 */
int proto_frame_reader_feed(struct proto_frame_reader *r, struct proto_buf *in);
/*
 * Reads from fd (blocking or not) until a frame is complete or read would
 * block. Returns 0, PROTO_ERR_AGAIN (EAGAIN), PROTO_ERR_EOF (closed between
 * frames), PROTO_ERR_TRUNCATED (closed inside one), PROTO_ERR_TOO_LARGE,
 * PROTO_ERR_IO, PROTO_ERR_NOMEM. Never reads past the current frame.
 */
int proto_frame_reader_read(struct proto_frame_reader *r, int fd);
/*
 * Hands over the complete frame's payload (malloc'd, NUL-terminated for
 * convenience, *len without the NUL; free with free()) and resets the
 * reader for the next frame.
 */
int proto_frame_reader_take(struct proto_frame_reader *r, uint8_t **data,
    size_t *len);

/*
 * Reads one frame from fd, waiting at most timeout_ms in total (<0: no
 * deadline). Same returns as proto_frame_reader_read plus PROTO_ERR_TIMEOUT;
 * never PROTO_ERR_AGAIN.
 */
int proto_frame_read(int fd, size_t max_frame, int timeout_ms, uint8_t **data,
    size_t *len);
/*
 * Writes a frame holding payload[0..len) with one deadline for the whole
 * frame. Uses MSG_NOSIGNAL on sockets. Returns 0, PROTO_ERR_TIMEOUT,
 * PROTO_ERR_IO, PROTO_ERR_TOO_LARGE (len > PROTO_MAX_FRAME_LIMIT).
 */
int proto_frame_write(int fd, const void *payload, size_t len, int timeout_ms);
/*
 * Frames built in place: proto_frame_begin appends 4 placeholder bytes to b
 * and returns their offset; after the payload has been appended,
 * proto_frame_seal writes the length there. Seal fails with the buffer's
 * sticky error, or PROTO_ERR_TOO_LARGE.
 */
size_t proto_frame_begin(struct json_buf *b);
int proto_frame_seal(struct json_buf *b, size_t at);
/*
 * Sends b->data[*off..b->len) without blocking; advances *off. Returns 0
 * when all is sent, PROTO_ERR_AGAIN, PROTO_ERR_IO.
 */
int proto_send_some(int fd, const uint8_t *data, size_t len, size_t *off);

/* Caps applied to one request. Zero fields take the defaults. */
struct proto_limits {
	size_t	 max_frame;	/* PROTO_MAX_FRAME_DEFAULT */
	unsigned max_depth;	/* PROTO_MAX_DEPTH_DEFAULT */
	size_t	 max_values;	/* PROTO_MAX_VALUES_DEFAULT */
};

enum proto_id_kind {
	PROTO_ID_NONE = 0,
	PROTO_ID_INT,
	PROTO_ID_STR,
};

/* A request id, copied out of the document so replies can echo it. */
struct proto_id {
	enum proto_id_kind kind;
	int64_t		 num;
	size_t		 len;
	char		 str[PROTO_ID_MAX + 1];
};

/*
 * Attachments (docs/protocol.md, "Attachments"): a file's bytes sent after
 * the frame's JSON text, unescaped, where the text has {"att":I} in place of
 * the string. A frame may carry up to PROTO_ATT_MAX of them.
 *
 * Sending: each proto_att_ref (bytes borrowed: they must live until the
 * frame is built) or proto_att_copy (bytes copied into a) writes the
 * reference {"att":I} to b; proto_req_end_att or proto_resp_ok_att then
 * writes the "att" list and appends the bytes. Errors stick in b->err.
 */
#define PROTO_ATT_MAX	16

struct proto_att {
	size_t		 n;
	const uint8_t	*p[PROTO_ATT_MAX];
	size_t		 len[PROTO_ATT_MAX];
	struct json_buf	 own[PROTO_ATT_MAX];	/* proto_att_copy's copies */
};

void proto_att_init(struct proto_att *a);
void proto_att_cleanup(struct proto_att *a);
int proto_att_ref(struct json_buf *b, struct proto_att *a, const void *p,
    size_t len);
int proto_att_copy(struct json_buf *b, struct proto_att *a, const void *p,
    size_t len);
/* "att":[len,…] (no comma), and the area that follows the text. */
void proto_att_list_put(struct json_buf *b, const struct proto_att *a);
void proto_att_area_put(struct json_buf *b, const struct proto_att *a);

/* A decoded request. Fields are read with the getters below. */
struct proto_req {
	struct json_doc		*doc;
	const struct json_value	*root;	/* the request object */
	int64_t			 v;
	char			 op[PROTO_OP_MAX + 1];
	struct proto_id		 id;
	int			 att;	/* "att" was sent: reply with them */
};

/*
 * Decodes one frame's payload. Checks: one JSON object (strict reader: no
 * duplicate keys, floats, invalid UTF-8), "v" an integer equal to
 * PROTO_VERSION, "op" a string of [a-z][a-z0-9._-]* up to PROTO_OP_MAX,
 * "id" absent, an integer or a string of at most PROTO_ID_MAX bytes without
 * control characters, "att" absent or matching the attachments after the
 * text. Each {"att":I} member of "base" then reads as the string it stands
 * for, pointing into buf: buf must outlive req. Other members are left for
 * the op's handler.
 * On failure err says why and req->id holds the id whenever one could be
 * read, so the error reply echoes it; req must still be cleaned up.
 * Returns 0, PROTO_ERR_EMPTY_FRAME, PROTO_ERR_JSON, PROTO_ERR_REQUEST,
 * PROTO_ERR_VERSION, PROTO_ERR_NOMEM.
 */
int proto_req_decode(const uint8_t *buf, size_t len,
    const struct proto_limits *lim, struct proto_req *req,
    struct proto_error *err);
void proto_req_cleanup(struct proto_req *req);

/*
 * Typed getters. "where" is the path of obj for messages ("" at the top,
 * "tags[3]" inside an array) and may be NULL. Each getter fails with
 * PROTO_ERR_MISSING or PROTO_ERR_REQUEST and fills err with code
 * bad_request, the field path and what was expected. Strings are decoded,
 * NUL-terminated and live as long as the document; strings holding a NUL
 * byte are refused (names and metadata never contain one).
 */
int proto_obj_get_str(const struct json_value *obj, const char *where,
    const char *name, size_t max, const char **s, size_t *len,
    struct proto_error *err);
int proto_obj_get_int(const struct json_value *obj, const char *where,
    const char *name, int64_t min, int64_t max, int64_t *out,
    struct proto_error *err);
int proto_obj_get_bool(const struct json_value *obj, const char *where,
    const char *name, int *out, struct proto_error *err);
/* An array of at most max elements; *n gets the count. */
int proto_obj_get_array(const struct json_value *obj, const char *where,
    const char *name, size_t max, const struct json_value **arr, size_t *n,
    struct proto_error *err);
int proto_obj_get_object(const struct json_value *obj, const char *where,
    const char *name, const struct json_value **out, struct proto_error *err);
/*
 * Refuses members of obj not named in allowed (a NULL-terminated list), so a
 * misspelt optional field is an error rather than silently ignored.
 */
int proto_obj_check_members(const struct json_value *obj, const char *where,
    const char *const *allowed, struct proto_error *err);

/* The same on the request's top level; envelope members are always allowed. */
int proto_req_has(const struct proto_req *req, const char *name);
int proto_req_get_str(const struct proto_req *req, const char *name,
    const char **s, size_t *len, struct proto_error *err);
int proto_req_get_strn(const struct proto_req *req, const char *name,
    size_t max, const char **s, size_t *len, struct proto_error *err);
int proto_req_get_int(const struct proto_req *req, const char *name,
    int64_t min, int64_t max, int64_t *out, struct proto_error *err);
int proto_req_get_bool(const struct proto_req *req, const char *name,
    int *out, struct proto_error *err);
int proto_req_get_array(const struct proto_req *req, const char *name,
    size_t max, const struct json_value **arr, size_t *n,
    struct proto_error *err);
int proto_req_get_object(const struct proto_req *req, const char *name,
    const struct json_value **out, struct proto_error *err);
int proto_req_check_members(const struct proto_req *req,
    const char *const *allowed, struct proto_error *err);

/*
 * Response encoding into b (appended; b's sticky error reports failure).
 * result is the JSON text of the result object as the handler wrote it; an
 * empty result becomes {}. It is trusted to be one JSON object.
 * Keys are written in byte order: {"id":…,"ok":true,"result":…} and
 * {"error":{"code":…,"field":…,"message":…},"id":…,"ok":false};
 * "id" only when the request had one, "field" only when set.
 */
void proto_resp_ok(struct json_buf *b, const struct proto_id *id,
    const uint8_t *result, size_t result_len);
void proto_resp_error(struct json_buf *b, const struct proto_id *id,
    const struct proto_error *e);
/*
 * proto_resp_ok for a result whose references a holds (a NULL or empty:
 * the same as proto_resp_ok but with "att":[]).
 */
void proto_resp_ok_att(struct json_buf *b, const struct proto_id *id,
    const uint8_t *result, size_t result_len, const struct proto_att *a);
/* Writes "id":… for a request being built (no comma). */
void proto_id_put(struct json_buf *b, const struct proto_id *id);

/* A decoded response, for clients (trustctl, tests). */
struct proto_resp {
	struct json_doc		*doc;
	int			 ok;
	struct proto_id		 id;
	const struct json_value	*result;	/* when ok */
	enum proto_code		 code;		/* when !ok; NONE if unknown */
	const char		*code_name;	/* when !ok: the string sent */
	const char		*field;		/* when !ok, "" if absent */
	const char		*message;	/* when !ok */
	uint8_t			*frame;		/* proto_call's: freed with resp */
	size_t			 frame_len;
};

/*
 * Returns 0, PROTO_ERR_JSON, PROTO_ERR_RESPONSE, PROTO_ERR_NOMEM. Each
 * {"att":I} member of result.files reads as the string it stands for,
 * pointing into buf: buf must outlive resp.
 */
int proto_resp_decode(const uint8_t *buf, size_t len,
    const struct proto_limits *lim, struct proto_resp *resp);
void proto_resp_cleanup(struct proto_resp *resp);

/*
 * Validators. Each returns 0 or PROTO_ERR_REQUEST with err set to bad_request
 * for field, naming the offending byte and the rule. Inputs are byte spans.
 *
 * GUN: host[:port]/path[/path…], Docker's reference grammar restricted to
 * lowercase: host = labels of [a-z0-9] with inner '-', joined by '.'; port
 * 1-65535; path components [a-z0-9]+ joined by '.', '_', '__' or '-'+;
 * at least one path component; at most PROTO_GUN_MAX bytes. No '..', no
 * empty component, no '//', no control characters, no uppercase.
 */
int proto_gun_check(const char *field, const char *s, size_t len,
    struct proto_error *err);

#define PROTO_TAG_DOCKER	0	/* [A-Za-z0-9_][A-Za-z0-9._-]{0,127} */
#define PROTO_TAG_NOTARY	1	/* any name Notary handles */
/*
 * Tag / target names. PROTO_TAG_DOCKER is Docker's tag grammar, what the
 * socket accepts for names being added. PROTO_TAG_NOTARY accepts any valid
 * UTF-8 name of 1..PROTO_TARGET_NAME_MAX bytes without C0/C1 control
 * characters or DEL, what the socket accepts for names being removed (so a
 * name some other tool added can still be taken out).
 */
int proto_tag_check(const char *field, const char *s, size_t len, int mode,
    struct proto_error *err);

#define PROTO_ROLE_TARGETS	0x1	/* "targets" */
#define PROTO_ROLE_DELEGATION	0x2	/* "targets/<signer>" */
#define PROTO_ROLE_BASE		0x4	/* "root", "snapshot", "timestamp" */
/*
 * Role names allowed by flags. A delegation is "targets/" + a signer name
 * (Docker's rule: [a-z0-9][a-z0-9_-]*, at most PROTO_SIGNER_MAX bytes);
 * "targets/releases" is a delegation like any other here.
 */
int proto_role_check(const char *field, const char *s, size_t len, int flags,
    struct proto_error *err);
/*
 * A signer name as `docker trust signer add` takes it: [a-z0-9][a-z0-9_-]*,
 * at most PROTO_SIGNER_MAX bytes, and not "releases" (reserved by Docker).
 */
int proto_signer_check(const char *field, const char *s, size_t len,
    struct proto_error *err);
/* Exactly 64 lowercase hex digits. */
int proto_sha256_hex_check(const char *field, const char *s, size_t len,
    struct proto_error *err);
/* min <= v <= max, e.g. a target length. */
int proto_size_check(const char *field, int64_t v, int64_t min, int64_t max,
    struct proto_error *err);
/* 1 when s[0..len) is valid UTF-8 (no overlongs, surrogates, > U+10FFFF). */
int proto_utf8_valid(const void *s, size_t len);

/*
 * Building a request (clients): proto_req_begin writes
 * {"id":…,"op":OP,"v":1 (id only when given); each field is
 * proto_req_key(b, "gun") followed by its value (json_put_*); then
 * proto_req_end. Errors stick in b->err.
 */
void proto_req_begin(struct json_buf *b, const char *op,
    const struct proto_id *id);
void proto_req_key(struct json_buf *b, const char *name);
void proto_req_end(struct json_buf *b);
/* Ends the request with its "att" list and attachments (a may be empty). */
void proto_req_end_att(struct json_buf *b, const struct proto_att *a);
/*
 * One exchange: sends req as a frame, reads one reply frame (lim->max_frame,
 * default 64 MiB) and decodes it into resp (clean it up after). timeout_ms
 * applies to the write and to the read separately. Returns 0 (look at
 * resp->ok), or a PROTO_ERR_* from the frame functions or the decoder.
 */
int proto_call(int fd, const struct json_buf *req,
    const struct proto_limits *lim, int timeout_ms, struct proto_resp *resp);

#endif /* SIGNERD_PROTO_H */
