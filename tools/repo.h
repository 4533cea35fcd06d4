/* SPDX-License-Identifier: Apache-2.0 */
/*
 * repo: one repository fetched from the Notary server and verified the way
 * a Notary client does (root → timestamp → snapshot → targets → delegations,
 * breadth first) through tuf/'s verifier, starting from the trust store's
 * pinned root. Files whose digest the parent role names and which the store
 * already holds are not downloaded again.
 */
#ifndef SIGNERD_REPO_H
#define SIGNERD_REPO_H

#include <stddef.h>
#include <stdint.h>

#include "truststore.h"

struct notary_http;
struct tuf_verifier;

#define REPO_OK			 0
#define REPO_ERR_NOMEM		-1
#define REPO_ERR_MISSING	-2	/* the server has no trust data for the GUN */
#define REPO_ERR_HTTP		-3	/* a download failed (notary_http's error kept) */
#define REPO_ERR_UNTRUSTED	-4	/* verification failed (tuf_error in the message) */
#define REPO_ERR_ROOT_CHANGED	-5	/* the server's root is not a valid rotation of the pinned one */
#define REPO_ERR_STORE		-6	/* the trust store could not be read or written */

struct repo {
	char			 gun[256];
	struct tuf_verifier	*v;
	struct truststore	 files;		/* every verified file, exact bytes */
	int			 first_use;	/* no root was pinned before */
	int64_t			 pinned_version; /* version of the pinned root, 0 if none */
	int			 http_err;	/* NOTARY_HTTP_ERR_* of a REPO_ERR_HTTP */
};

/*
 * Fetches and verifies gun. On failure msg holds one line naming what failed
 * and why; nothing is written to the trust store (repo_commit does that).
 */
int repo_fetch(struct notary_http *h, const char *trust_dir, const char *gun,
    struct repo **out, char *msg, size_t msglen);
/* Saves the verified files as gun's trust data (the new pinned root). */
int repo_commit(const struct repo *r, const char *trust_dir);
void repo_free(struct repo *r);

/* The verified bytes of role, or NULL. */
const struct truststore_file *repo_file(const struct repo *r,
    const char *role);
/*
 * The delegation roles loaded, breadth first from "targets" in the order
 * the parents list them; *n set. The array (not the names) is the caller's
 * to free.
 */
const char **repo_roles(const struct repo *r, size_t *n);

#endif /* SIGNERD_REPO_H */
