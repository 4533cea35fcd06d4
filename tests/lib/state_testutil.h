/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by the state modules' unit tests: a private directory, a whole file. */
#ifndef STATE_TESTUTIL_H
#define STATE_TESTUTIL_H

#include <stddef.h>

/* Makes $TMPDIR/NAME.XXXXXX (or under /tmp) into buf; 0 or -1. */
int state_test_dir_make(char *buf, size_t len, const char *name);
/* Removes the files directly in d, then d. */
void state_test_dir_remove(const char *d);
/* The whole file, NUL-terminated (malloc'd), or NULL. */
char *state_test_file_read(const char *path, size_t *len);

#endif /* STATE_TESTUTIL_H */
