/* SPDX-License-Identifier: Apache-2.0 */
/* ledger_ckpt: the ledger's WAL checkpoints on their own thread (ledger_ckpt.c). */
#ifndef SIGNERD_LEDGER_CKPT_H
#define SIGNERD_LEDGER_CKPT_H

#include <pthread.h>

struct ledger_ckpt;

/*
 * Opens its own connection to the ledger at path and starts the thread.
 * The writer's connection should have wal_autocheckpoint=0; writer is the
 * mutex held around its transactions (taken only to bound the WAL). 0 or -1.
 */
int ledger_ckpt_start(const char *path, pthread_mutex_t *writer,
    struct ledger_ckpt **out);
/* One more commit since the last checkpoint (NULL: nothing). */
void ledger_ckpt_note(struct ledger_ckpt *c);
/* Stops the thread and closes its connection (NULL: nothing). */
void ledger_ckpt_stop(struct ledger_ckpt *c);

#endif /* SIGNERD_LEDGER_CKPT_H */
