/* SPDX-License-Identifier: Apache-2.0 */
/* keys_soft: an in-memory OpenSSL key backend for unit tests and the fuzzer only. */
#ifndef KEYS_SOFT_H
#define KEYS_SOFT_H

#include "keys.h"

#define KEYS_SOFT_ROOT_PIN "4321"

/*
 * A backend with no keys. root_mode: 0 root keys on the "online" slot
 * (no root token), 1 a root token unlocked from the start (a PIN file),
 * 2 a root token locked until unlock with KEYS_SOFT_ROOT_PIN.
 */
int keys_soft_new(int root_mode, const struct keys_backend_ops **ops,
    void **ctx);

#endif
