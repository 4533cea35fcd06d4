/* SPDX-License-Identifier: Apache-2.0 */
/* The verifier's state, shared by verify.c (loading) and walk.c (lookups). */
#ifndef SIGNERD_TUF_VERIFY_IMPL_H
#define SIGNERD_TUF_VERIFY_IMPL_H

#include "tuf_impl.h"

#define MAX_LOADED	1024	/* delegation files one verifier holds */

struct minver {
	char	*role;
	int64_t	 version;
};

struct tuf_verifier {
	char			*gun;
	tuf_clock_fn		 clock;
	void			*clock_ctx;
	struct tuf_meta		*root;
	struct tuf_filemeta	 root_fm;	/* of the trusted root's bytes */
	struct tuf_meta		*timestamp;
	struct tuf_meta		*snapshot;
	struct tuf_meta		**tg;		/* "targets" and delegations */
	size_t			 ntg;
	char			**failed;	/* delegations that did not load */
	size_t			 nfailed;
	struct minver		*minv;
	size_t			 nminv;
};

/* A delegation whose file failed to load (skipped by next_delegation). */
int tuf_verifier_is_failed(const struct tuf_verifier *v, const char *role);

#endif /* SIGNERD_TUF_VERIFY_IMPL_H */
