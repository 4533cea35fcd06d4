/* SPDX-License-Identifier: Apache-2.0 */
/*
 * trustctl: what the command files share (global options, error output,
 * argument helpers). Private to tools/.
 */
#ifndef SIGNERD_TRUSTCTL_H
#define SIGNERD_TRUSTCTL_H

#include <stddef.h>
#include <stdint.h>

#include "proto.h"

#define TC_EXIT_OK	0
#define TC_EXIT_FAIL	1
#define TC_EXIT_USAGE	2

#define TC_GUN_MAX	255
#define TC_TAG_MAX	1024

struct notary_http;
struct sdc;
struct repo;

struct tc {
	const char		*server;
	const char		*ca_file;
	const char		*trust_dir;
	const char		*socket;
	char			*trust_dir_buf;	/* owned */
	struct notary_http	*http;		/* opened on first use */
	struct sdc		*sd;		/* opened on first use */
	struct proto_att	 att;		/* the next call's attachments */
};

/* One line "trustctl: ..." on stderr. */
void tc_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* One line "trustctl VERB: ..." on stderr and exit-status TC_EXIT_USAGE. */
int tc_usage(const char *verb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Our Notary handle (credentials from the environment), or NULL after an error line. */
struct notary_http *tc_http(struct tc *t);
/* Our signerd connection, or NULL after an error line. */
struct sdc *tc_signerd(struct tc *t);
/* Prints the last HTTP failure: "WHAT: <decoded server error>". */
void tc_http_fail(struct tc *t, const char *what, int r);

/*
 * Splits "gun[:tag]" (the tag after the last ':' that follows the last '/').
 * Checks the GUN's grammar; *tag is NULL when absent. Returns 0 or -1 with
 * the reason in why.
 */
int tc_ref_parse(const char *arg, char *gun, size_t gunlen, const char **tag,
    char *why, size_t whylen);
/* True when --help/-h is among argv[1..]. */
int tc_wants_help(int argc, char **argv);
/* Reads a whole file (cap bytes at most). 0 or -1 with errno set. */
int tc_read_file(const char *path, size_t cap, uint8_t **out, size_t *len);
/* Asks a yes/no question on the terminal; 1 only for y/yes. */
int tc_confirm(const char *question);

/*
 * Fetches and verifies the repository, following a valid root rotation and
 * refusing anything else; prints the failure itself. Writes nothing. Returns 0, 1 for
 * "no trust data on the server" (nothing printed when quiet_missing), -1
 * after an error line.
 */
int tc_repo_load(struct tc *t, const char *gun, int quiet_missing,
    struct repo **out);
/*
 * Saves what tc_repo_load verified as gun's trust data (the pinned root
 * moves forward). Commands call it only once they have succeeded, so a
 * failed command leaves the store as it was. 0 or -1 (printed).
 */
int tc_repo_commit(struct tc *t, const struct repo *rp);

int cmd_init(struct tc *t, int argc, char **argv);
int cmd_sign(struct tc *t, int argc, char **argv);
int cmd_inspect(struct tc *t, int argc, char **argv);
int cmd_verify(struct tc *t, int argc, char **argv);
int cmd_revoke(struct tc *t, int argc, char **argv);
int cmd_key(struct tc *t, int argc, char **argv);
int cmd_signer(struct tc *t, int argc, char **argv);
int cmd_ceremony(struct tc *t, int argc, char **argv);


/* ---- helpers for the verbs that ask signerd (tc_ops.c) ---------------- */
struct json_buf;
struct proto_resp;
struct truststore;

/*
 * Appends "base":{role:{"att":I},...} with the listed roles that files
 * holds; the bytes go after the request's text as attachments (t->att, sent
 * by the next tc_call; files must not change before it).
 */
void tc_put_base(struct tc *t, struct json_buf *b,
    const struct truststore *files, const char *const *roles, size_t n);
/* Calls op with fields (members without braces); prints a refusal. 0 or -1. */
int tc_call(struct tc *t, const char *op, const struct json_buf *fields,
    struct proto_resp *resp);
/* Adds result.files (role -> exact bytes) to files. 0 or -1 (printed). */
int tc_result_files(const struct proto_resp *resp, const char *op,
    struct truststore *files);
/*
 * Adds what was just uploaded (and accepted) to rp->files, so that the next
 * command need not download it again; it is still verified against the
 * snapshot's digest and its signatures before any use.
 */
void tc_keep_published(struct repo *rp, const struct truststore *up);
/* Uploads files in one request; prints the decoded refusal. 0 or -1. */
int tc_publish(struct tc *t, const char *gun, const struct truststore *files);
/*
 * The roles `sign` and `revoke` use without --role: the delegations of
 * targets whose keys signerd holds (key.list), or "targets" when there are
 * none. *roles (pointers into rp) is the caller's to free. 0 or -1 (printed).
 */
int tc_signable_roles(struct tc *t, const struct repo *rp, int with_targets,
    const char ***roles, size_t *n);
/*
 * Creates gun on the server through signerd's repo.init (server-managed
 * snapshot unless local_snapshot) and pins the new root. 0 or -1 (printed);
 * when the root token is locked, the line says to run init at a ceremony.
 */
int tc_repo_create(struct tc *t, const char *gun, int local_snapshot,
    int from_sign);
/*
 * One targets.update per role (changes[i]: the "add"/"remove" members for
 * roles[i]), each on the files the previous one produced, then one upload
 * of everything; prints "WHAT in GUN: ROLES". 0 or -1 (printed). The
 * uploaded files join rp->files: with tc_repo_commit they are the next
 * command's cache (used only when a verified parent names their digest).
 */
int tc_update_roles(struct tc *t, struct repo *rp,
    const char *const *roles, size_t nroles,
    const struct json_buf *const *changes, const char *what);
#endif /* SIGNERD_TRUSTCTL_H */
