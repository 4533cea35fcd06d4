/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: tuf_meta_parse on untrusted bytes, read as each role type. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "tuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const roles[] = { "root", "targets", "snapshot",
	    "timestamp", "targets/releases" };
	struct tuf_parse_opts	 o = { .max_bytes = 1 << 20 };
	struct tuf_meta		*m;
	struct tuf_error	 e;
	size_t			 i, j;

	for (i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
		if (tuf_meta_parse(data, size, roles[i], &o, &m, &e) != 0) {
			/* A refusal always says what and where. */
			if (e.code >= 0 || e.message[0] == '\0')
				abort();
			continue;
		}
		/* Exercise the signature path with whatever keys the file has. */
		for (j = 0; j < m->nsigs && m->type == TUF_ROOT; j++) {
			const struct tuf_key *k = tuf_keyset_find(&m->root.keys,
			    m->sigs[j].keyid);
			if (k != NULL)
				(void)tuf_sig_verify(k, m->sigs[j].method,
				    m->sigs[j].sig, m->sigs[j].sig_len,
				    m->signed_msg, m->signed_msg_len);
		}
		tuf_meta_free(m);
	}
	return 0;
}
