/* SPDX-License-Identifier: Apache-2.0 */
/* proto's insides shared between its files; not part of the public header. */
#ifndef SIGNERD_PROTO_IMPL_H
#define SIGNERD_PROTO_IMPL_H

#include "proto.h"

/* Bytes of JSON text in a payload: up to its first NUL, or all of it. */
size_t proto_att_text_len(const uint8_t *buf, size_t len);
/*
 * Checks root's "att" list against area[0..area_len) (has_area: a NUL ended
 * the text) and turns each {"att":I} member of container into the string
 * it stands for; where names container in messages. *listed says whether
 * root had an "att" member at all. Returns 0 or PROTO_ERR_REQUEST with err
 * filled in.
 */
int proto_att_bind(struct json_doc *doc, const struct json_value *root,
    const uint8_t *area, size_t area_len, int has_area,
    const struct json_value *container, const char *where, int *listed,
    struct proto_error *err);

#endif /* SIGNERD_PROTO_IMPL_H */
