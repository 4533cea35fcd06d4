/* SPDX-License-Identifier: Apache-2.0 */
/*
 * signerd_client: trustctl's side of signerd's socket protocol
 * (docs/protocol.md): one connection, requests answered in turn.
 */
#ifndef SIGNERD_SIGNERD_CLIENT_H
#define SIGNERD_SIGNERD_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "proto.h"

#define SDC_OK		 0
#define SDC_ERR_NOMEM	-1
#define SDC_ERR_CONNECT	-2	/* the socket could not be reached */
#define SDC_ERR_IO	-3	/* sending or receiving failed, or timed out */
#define SDC_ERR_REPLY	-4	/* the reply is not a protocol response */
#define SDC_ERR_REFUSED	-5	/* signerd answered ok:false (resp holds the error) */

struct sdc;

/* Connects to path. On failure msg says why. */
int sdc_open(const char *path, struct sdc **out, char *msg, size_t len);
void sdc_close(struct sdc *c);

/*
 * Sends {"v":1,"op":op,"id":n,<fields>,"att":[…]} where fields is the
 * text of the op's members without braces ("" for none) and att holds the
 * attachments its {"att":I} references name (NULL: none), waits for the
 * answer (at most timeout_ms) and decodes it into resp (free with
 * proto_resp_cleanup, also after a failure). Files in the answer come as
 * attachments, which resp keeps. SDC_ERR_REFUSED leaves the decoded error
 * in resp and msg = "signerd refused OP: CODE: message".
 */
int sdc_call(struct sdc *c, const char *op, const uint8_t *fields,
    size_t flen, const struct proto_att *att, int timeout_ms,
    struct proto_resp *resp, char *msg, size_t len);

#endif /* SIGNERD_SIGNERD_CLIENT_H */
