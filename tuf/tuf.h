/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tuf: Notary-format TUF metadata, read, written, signed and verified byte
 * for byte as Notary 0.7 does. Depends on json/ and OpenSSL's libcrypto only;
 * never touches a token (signing goes through a caller's callback), never
 * prints, never exits.
 *
 * Two encodings of the `signed` part exist and both matter (docs/tuf.md):
 *   sign form  what signatures cover: keys sorted by bytes, no whitespace,
 *              strings with only `"` and `\` escaped, everything else raw
 *              (docker/go canonical/json in canonical mode);
 *   file form  what the file holds: the sign form with `<` `>` `&` U+2028
 *              U+2029 and control characters escaped (Go's HTML-safe compact
 *              applied by json.Marshal of the envelope).
 * A file is {"signed":<file form>,"signatures":[{"keyid","method","sig"}]},
 * no trailing newline.
 */
#ifndef SIGNERD_TUF_H
#define SIGNERD_TUF_H

#include <stddef.h>
#include <stdint.h>

struct json_buf;

/* Error codes. Never renumbered; new codes go at the end. */
#define TUF_OK			  0
#define TUF_ERR_NOMEM		 -1	/* allocation failed */
#define TUF_ERR_INVAL		 -2	/* bad argument from the caller */
#define TUF_ERR_JSON		 -3	/* not strict JSON (message has the json/ reason and offset) */
#define TUF_ERR_TOO_BIG		 -4	/* larger than the cap or than the length the parent role declares */
#define TUF_ERR_MISSING		 -5	/* a required member is absent */
#define TUF_ERR_FIELD_TYPE	 -6	/* a member has the wrong JSON type */
#define TUF_ERR_UNKNOWN_FIELD	 -7	/* a member Notary does not define (it would be lost on rewrite) */
#define TUF_ERR_WRONG_TYPE	 -8	/* _type is not the one for this role */
#define TUF_ERR_BAD_VERSION	 -9	/* version < 1 or out of range */
#define TUF_ERR_TIME		-10	/* expires is not RFC 3339 */
#define TUF_ERR_BASE64		-11	/* bad standard base64 */
#define TUF_ERR_HASH		-12	/* hashes: missing sha256, wrong digest size, unknown algorithm */
#define TUF_ERR_KEY		-13	/* a key's public bytes do not parse for its type */
#define TUF_ERR_KEYID		-14	/* a key ID is not the sha256 of the key */
#define TUF_ERR_ROLE		-15	/* role spec: missing base role, threshold < 1, unknown key ID */
#define TUF_ERR_DELEGATION	-16	/* delegation name invalid or not a child of its parent */
#define TUF_ERR_NO_SIGNATURES	-17	/* the file carries no signature */
#define TUF_ERR_THRESHOLD	-18	/* valid signatures did not meet the role's threshold */
#define TUF_ERR_ROOT_ROTATION	-19	/* new root not signed by a threshold of the trusted root's keys */
#define TUF_ERR_ROOT_CERT	-20	/* no root certificate with CN == GUN within its validity */
#define TUF_ERR_ROLLBACK	-21	/* version below the trusted one */
#define TUF_ERR_EXPIRED		-22	/* expires is before the verifier's clock */
#define TUF_ERR_LENGTH		-23	/* file length differs from the parent role's meta */
#define TUF_ERR_HASH_MISMATCH	-24	/* file digest differs from the parent role's meta */
#define TUF_ERR_NO_META		-25	/* parent role (snapshot/timestamp) has no entry for this role */
#define TUF_ERR_ORDER		-26	/* a prerequisite role is not loaded yet */
#define TUF_ERR_NOT_FOUND	-27	/* no such target / role / key */
#define TUF_ERR_EXISTS		-28	/* already present */
#define TUF_ERR_SIGN		-29	/* the signing callback failed */
#define TUF_ERR_CRYPTO		-30	/* OpenSSL failed internally */
#define TUF_ERR_UNSUPPORTED	-31	/* key type or signature method this library cannot use */
#define TUF_ERR_BAD_SIGNATURE	-32	/* one signature does not verify (tuf_sig_verify) */
#define TUF_ERR_TARGET_NAME	-33	/* target name empty, too long or with control characters */
#define TUF_ERR_PATHS		-34	/* delegation paths do not allow the name */

/* What went wrong: code, the role and file, and a readable reason. */
struct tuf_error {
	int	code;
	char	role[64];	/* "targets/releases", "" when not about a role */
	char	message[256];	/* "targets/releases.json: valid signatures ..." */
};

/* Text for a TUF_ERR_* code. */
const char *tuf_strerror(int code);

/* ---- times ---------------------------------------------------------- */

/*
 * A point in time as Notary writes it. sec is seconds since the epoch (UTC);
 * nsec and offset (seconds east of UTC) exist only so a file notary wrote is
 * written back byte for byte. New metadata uses whole UTC seconds.
 */
struct tuf_time {
	int64_t	sec;
	int32_t	nsec;
	int32_t	offset;
};

/* Reads RFC 3339 "YYYY-MM-DDTHH:MM:SS[.f{1,9}](Z|±HH:MM)". TUF_ERR_TIME. */
int tuf_time_parse(const char *s, size_t n, struct tuf_time *out);
/*
 * Writes as Go's RFC3339Nano: fraction with trailing zeros trimmed, 'Z' for
 * offset 0. buf needs TUF_TIME_MAX bytes; returns the length (no NUL counted).
 */
#define TUF_TIME_MAX 40
size_t tuf_time_format(const struct tuf_time *t, char *buf);
/* Whole-second UTC time. */
struct tuf_time tuf_time_from_sec(int64_t sec);

/* Notary's default lifetimes in seconds (Year = 365 days). */
#define TUF_EXPIRY_ROOT		(10LL * 365 * 86400)
#define TUF_EXPIRY_TARGETS	(3LL * 365 * 86400)
#define TUF_EXPIRY_SNAPSHOT	(3LL * 365 * 86400)
#define TUF_EXPIRY_TIMESTAMP	(14LL * 86400)

/* Size caps Notary's client uses. */
#define TUF_MAX_TIMESTAMP_SIZE	(1 << 20)
#define TUF_MAX_DOWNLOAD_SIZE	(100 << 20)

/* ---- keys ------------------------------------------------------------ */

#define TUF_KEYID_LEN	64	/* hex characters */

/*
 * A public key as TUF writes it. type is the keytype string ("ecdsa",
 * "ecdsa-x509", "ed25519", "rsa", "rsa-x509", or anything else Notary keeps
 * as an unknown key); pub is the decoded keyval.public.
 */
struct tuf_key {
	char	 id[TUF_KEYID_LEN + 1];
	char	*type;
	uint8_t	*pub;
	size_t	 pub_len;
};

/* Key ID: sha256 hex of {"keytype":T,"keyval":{"private":null,"public":b64(P)}}. */
int tuf_key_id(const char *type, const uint8_t *pub, size_t pub_len,
    char id[TUF_KEYID_LEN + 1]);
/* Fills *k (caller storage, cleared first) and computes its ID. */
int tuf_key_init(struct tuf_key *k, const char *type, const uint8_t *pub,
    size_t pub_len);
/* "ecdsa"/"rsa"/"ed25519" key from a DER SubjectPublicKeyInfo (type from the key). */
int tuf_key_from_spki(struct tuf_key *k, const uint8_t *der, size_t len);
/* "ecdsa-x509"/"rsa-x509" key from one PEM certificate (text kept as given). */
int tuf_key_from_cert_pem(struct tuf_key *k, const char *pem, size_t len);
int tuf_key_copy(struct tuf_key *dst, const struct tuf_key *src);
void tuf_key_cleanup(struct tuf_key *k);
/* The signature method Notary uses with this key type ("ecdsa", "eddsa", "rsapss"), or NULL. */
const char *tuf_key_method(const struct tuf_key *k);

/*
 * Verifies one signature over msg as Notary's verifiers do (methods ecdsa,
 * eddsa, rsapss, rsapkcs1v15, "pycrypto-pkcs#1 pss"; ECDSA sig is raw r||s;
 * RSA keys >= 2048 bits). 0, TUF_ERR_BAD_SIGNATURE, TUF_ERR_UNSUPPORTED.
 */
int tuf_sig_verify(const struct tuf_key *k, const char *method,
    const uint8_t *sig, size_t sig_len, const uint8_t *msg, size_t msg_len);

/* ---- the model -------------------------------------------------------- */

enum tuf_role_type {
	TUF_ROOT = 1,
	TUF_TARGETS,		/* "targets" and every "targets/..." delegation */
	TUF_SNAPSHOT,
	TUF_TIMESTAMP,
};

struct tuf_sig {
	char	 keyid[TUF_KEYID_LEN + 1];	/* as found; a foreign ID may be any string up to 64 */
	char	*method;			/* lower-cased, as Notary does */
	uint8_t	*sig;
	size_t	 sig_len;
};

/* A set of keys sorted by ID (the order of a canonical map). */
struct tuf_keyset {
	struct tuf_key	*keys;
	size_t		 n, cap;
};

/* A role's keys and threshold; paths only for delegations. */
struct tuf_role {
	char	 *name;
	char	**keyids;	/* order kept as in the file */
	size_t	  nkeyids;
	int64_t	  threshold;
	char	**paths;	/* delegations only */
	size_t	  npaths;
	int	  has_paths;	/* Notary omits "paths" when empty */
};

struct tuf_root {
	int		 consistent_snapshot;
	struct tuf_keyset keys;
	struct tuf_role	*roles;		/* sorted by name; root/snapshot/targets/timestamp at least */
	size_t		 nroles;
};

/* Length and digests of one file or target (FileMeta). */
struct tuf_filemeta {
	int64_t	length;
	uint8_t	sha256[32];
	uint8_t	sha512[64];
	int	has_sha256;
	int	has_sha512;
	uint8_t	*custom;	/* sign-form JSON of "custom", or NULL */
	size_t	 custom_len;
};

/* snapshot and timestamp "meta": role name -> filemeta, sorted by name. */
struct tuf_metaent {
	char			*name;
	struct tuf_filemeta	 fm;
};

/*
 * Targets of one targets file: a compact array sorted by name bytes, names
 * and rare data in one string pool (offsets, so the pool may move). Adding or
 * removing one name is a binary search and one memmove.
 */
struct tuf_target {
	uint32_t name_off, name_len;
	int64_t	 length;
	uint8_t	 sha256[32];
	uint32_t sha512_off;	/* into pool, UINT32_MAX when absent */
	uint32_t custom_off, custom_len;
	uint8_t	 has_sha256;
	uint8_t	 has_custom;
};

struct tuf_targets {
	struct tuf_target *t;
	size_t		   n, cap;
	char		  *pool;
	size_t		   pool_len, pool_cap;
	struct tuf_keyset  dkeys;	/* delegations.keys */
	struct tuf_role	  *droles;	/* delegations.roles, insertion order */
	size_t		   ndroles;
};

struct tuf_meta {
	enum tuf_role_type type;
	char		  *role;	/* "root", "targets", "targets/releases", ... */
	int64_t		   version;
	struct tuf_time	   expires;
	struct tuf_root	   root;	/* TUF_ROOT */
	struct tuf_targets targets;	/* TUF_TARGETS */
	struct tuf_metaent *meta;	/* TUF_SNAPSHOT / TUF_TIMESTAMP */
	size_t		   nmeta;
	struct tuf_sig	  *sigs;
	size_t		   nsigs;
	/* After tuf_meta_parse: the sign form of the parsed `signed` value
	 * (what Notary verifies signatures over); after tuf_meta_sign: what
	 * was signed. NULL on a model built and not yet signed. */
	uint8_t		  *signed_msg;
	size_t		   signed_msg_len;
};

/* Parse options. max_bytes 0 means TUF_MAX_DOWNLOAD_SIZE. */
struct tuf_parse_opts {
	size_t	max_bytes;
	/* The caller verifies no signature (it knows the file by its hash):
	 * m->signed_msg is left NULL, sparing a re-encoding of the file. */
	int	no_sign_form;
};

/*
 * Parses one metadata file for role (a base role name or "targets/...").
 * Checks structure as Notary's *FromSigned do plus strictness of our own
 * (unknown members refused). Signatures are not verified here. *out is
 * heap-allocated; free with tuf_meta_free. err may be NULL.
 */
int tuf_meta_parse(const uint8_t *buf, size_t len, const char *role,
    const struct tuf_parse_opts *opts, struct tuf_meta **out,
    struct tuf_error *err);
void tuf_meta_free(struct tuf_meta *m);

/* An empty model for role (type from the name), version 1, no expiry set. */
int tuf_meta_new(const char *role, struct tuf_meta **out);

/* Appends the sign form of `signed` (what gets signed) to b. */
int tuf_meta_write_signed(const struct tuf_meta *m, struct json_buf *b);
/*
 * Appends the whole file (envelope, file form, signatures as in m->sigs).
 * Parse then write gives back the input for every file Notary writes.
 */
int tuf_meta_write(const struct tuf_meta *m, struct json_buf *b);
/* Sign form -> file form (escapes < > & U+2028 U+2029 and controls). */
int tuf_escape_file_form(const uint8_t *in, size_t n, struct json_buf *b);

/* ---- editing helpers -------------------------------------------------- */

/* Targets: name lookup (binary search), add/replace, remove. */
const struct tuf_target *tuf_targets_find(const struct tuf_targets *t,
    const char *name, size_t name_len);
int tuf_targets_set(struct tuf_targets *t, const char *name, size_t name_len,
    const struct tuf_filemeta *fm);
int tuf_targets_remove(struct tuf_targets *t, const char *name, size_t name_len);
/* Name and filemeta of entry i (sha512/custom pointers into the pool). */
void tuf_target_get(const struct tuf_targets *t, size_t i, const char **name,
    size_t *name_len, struct tuf_filemeta *fm);

/* Key sets: add (copy; TUF_ERR_EXISTS if present), find, remove. */
int tuf_keyset_add(struct tuf_keyset *ks, const struct tuf_key *k);
const struct tuf_key *tuf_keyset_find(const struct tuf_keyset *ks,
    const char *id);
int tuf_keyset_remove(struct tuf_keyset *ks, const char *id);

/* Delegations: add a role (keys must be in dkeys), find, remove. */
int tuf_delegation_add(struct tuf_targets *t, const char *parent,
    const char *name, const char *const *keyids, size_t nkeyids,
    int64_t threshold, const char *const *paths, size_t npaths);
const struct tuf_role *tuf_delegation_find(const struct tuf_targets *t,
    const char *name);
int tuf_delegation_remove(struct tuf_targets *t, const char *name);
/*
 * Whether a delegation's own paths allow a target name (Notary's
 * CheckPaths: some path is a prefix of the name). 0 or TUF_ERR_PATHS. The
 * verifier also applies the parents' restrictions when it walks.
 */
int tuf_delegation_allows(const struct tuf_role *d, const char *name,
    size_t name_len);

/* Root roles: set keyids/threshold of a role in a root model. */
int tuf_root_set_role(struct tuf_root *r, const char *name,
    const char *const *keyids, size_t nkeyids, int64_t threshold);
const struct tuf_role *tuf_root_role(const struct tuf_root *r,
    const char *name);

/* File meta of bytes (length, sha256, and sha512 when want_sha512). */
void tuf_filemeta_of(const uint8_t *buf, size_t len, int want_sha512,
    struct tuf_filemeta *out);
/* Snapshot / timestamp meta: set (replace) or remove an entry. */
int tuf_meta_set_filemeta(struct tuf_meta *m, const char *name,
    const struct tuf_filemeta *fm);
int tuf_meta_remove_filemeta(struct tuf_meta *m, const char *name);
const struct tuf_filemeta *tuf_meta_get_filemeta(const struct tuf_meta *m,
    const char *name);

/*
 * A new root v`version`: root key from a PEM certificate (ecdsa-x509),
 * targets/snapshot/timestamp keys as given, thresholds 1, expires given.
 */
int tuf_root_build(const char *root_cert_pem, size_t pem_len,
    const struct tuf_key *targets, const struct tuf_key *snapshot,
    const struct tuf_key *timestamp, int64_t version,
    const struct tuf_time *expires, struct tuf_meta **out);

/* ---- signing ------------------------------------------------------------ */

/*
 * Signs msg with the private half of key. Writes raw signature bytes
 * (ECDSA: r||s, 32 bytes each for P-256; ed25519: 64 bytes) to sig (cap
 * bytes), sets *sig_len. Returns 0 or nonzero on failure.
 */
typedef int (*tuf_sign_fn)(void *ctx, const struct tuf_key *key,
    const uint8_t *msg, size_t msg_len, uint8_t *sig, size_t cap,
    size_t *sig_len);

struct tuf_signer {
	const struct tuf_key	*key;
	tuf_sign_fn		 sign;
	void			*ctx;
};

/*
 * Replaces m->sigs with one signature per signer over the sign form of m,
 * in the order given, method from the key type. TUF_ERR_SIGN when a callback
 * fails, TUF_ERR_UNSUPPORTED for a key type without a Notary method.
 */
int tuf_meta_sign(struct tuf_meta *m, const struct tuf_signer *signers,
    size_t n, struct tuf_error *err);

/* ---- verifying (a Notary client updating a repository) ------------------- */

struct tuf_verifier;

/* The clock the verifier checks expiry against; default time(NULL). */
typedef int64_t (*tuf_clock_fn)(void *ctx);

int tuf_verifier_new(const char *gun, struct tuf_verifier **out);
void tuf_verifier_free(struct tuf_verifier *v);
void tuf_verifier_set_clock(struct tuf_verifier *v, tuf_clock_fn fn, void *ctx);
/* Trusted state from an earlier run: role versions must not go below these. */
int tuf_verifier_set_min_version(struct tuf_verifier *v, const char *role,
    int64_t version);

/*
 * Loads a root. The first one (no trusted root yet) is trusted on first use:
 * it must be signed by a threshold of its own root certificates (CN == GUN,
 * valid now). Each later one must also be signed by a threshold of the
 * previously trusted root's certificates (rotation); walk N.root.json
 * forward one version at a time. Expiry is checked when final is nonzero
 * (the newest root); intermediate roots may be expired, as in Notary.
 */
int tuf_verifier_load_root(struct tuf_verifier *v, const uint8_t *buf,
    size_t len, int final, struct tuf_error *err);
/* timestamp: signatures, version, expiry; size cap 1 MiB. */
int tuf_verifier_load_timestamp(struct tuf_verifier *v, const uint8_t *buf,
    size_t len, struct tuf_error *err);
/* snapshot: length and hashes from timestamp, signatures, version, expiry. */
int tuf_verifier_load_snapshot(struct tuf_verifier *v, const uint8_t *buf,
    size_t len, struct tuf_error *err);
/*
 * "targets" or a delegation: length and hashes from snapshot, signatures
 * (targets key from root; a delegation's keys from its parent, which must be
 * loaded), version, expiry.
 */
int tuf_verifier_load_targets(struct tuf_verifier *v, const char *role,
    const uint8_t *buf, size_t len, struct tuf_error *err);

/* The loaded (verified) model of a role, or NULL. Owned by the verifier. */
const struct tuf_meta *tuf_verifier_get(const struct tuf_verifier *v,
    const char *role);
/*
 * The delegations a client would download after the loaded roles, in
 * Notary's order (depth first, parents' roles order), that have a snapshot
 * entry and are not loaded yet: the next one, or NULL when done.
 */
const char *tuf_verifier_next_delegation(const struct tuf_verifier *v);

/* A found target. name/fm point into the verifier's models. */
struct tuf_found {
	const char		*role;
	struct tuf_filemeta	 fm;
};

/*
 * Looks name up as Notary's GetTargetByName(name, roles...) does: for each
 * role in roles (NULL/0 = {"targets"}), a breadth-first walk from "targets"
 * restricted to that role's subtree, delegations in file order, paths
 * restricted by each parent, skipping the other listed roles. docker uses
 * roles {"targets/releases", "targets"}. TUF_ERR_NOT_FOUND when absent.
 */
int tuf_verifier_lookup(const struct tuf_verifier *v, const char *name,
    const char *const *roles, size_t nroles, struct tuf_found *out);

/*
 * Every target visible from "targets" as Notary's ListTargets(): first role
 * (breadth first) to list a name wins. Calls fn for each; stops on nonzero.
 */
int tuf_verifier_list(const struct tuf_verifier *v,
    int (*fn)(void *ctx, const char *name, size_t name_len,
    const struct tuf_filemeta *fm, const char *role), void *ctx);

/* ---- small codecs used across the module and its callers ------------------ */

/* Standard base64 with padding; decode is strict (no whitespace). */
int tuf_b64_encode(const uint8_t *in, size_t n, struct json_buf *b);
int tuf_b64_decode(const char *in, size_t n, uint8_t **out, size_t *outlen);

#endif /* SIGNERD_TUF_H */
