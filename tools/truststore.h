/* SPDX-License-Identifier: Apache-2.0 */
/*
 * truststore: trustctl's per-GUN trust data under the trust directory: the
 * pinned root (trust on first use) and the metadata last verified. One
 * GUN's data is one file, TRUSTDIR/tuf/<gun>/trust.json, replaced
 * atomically (temporary file, fsync, rename), so a command that fails before
 * saving leaves the store exactly as it was.
 */
#ifndef SIGNERD_TRUSTSTORE_H
#define SIGNERD_TRUSTSTORE_H

#include <stddef.h>
#include <stdint.h>

#define TRUSTSTORE_OK		 0
#define TRUSTSTORE_ERR_NOMEM	-1
#define TRUSTSTORE_ERR_INVAL	-2	/* bad GUN or role name */
#define TRUSTSTORE_ERR_IO	-3	/* reading or writing failed (errno kept) */
#define TRUSTSTORE_ERR_CORRUPT	-4	/* the stored file does not parse */

/* One metadata file: role name and its exact bytes. */
struct truststore_file {
	char	*role;
	uint8_t	*data;
	size_t	 len;
};

struct truststore {
	struct truststore_file	*f;
	size_t			 n, cap;
};

/*
 * Loads gun's data from dir. A GUN never seen gives an empty store and 0.
 * *s is cleared first.
 */
int truststore_load(const char *dir, const char *gun, struct truststore *s);
/* Atomically replaces gun's data in dir with s (directories made 0700). */
int truststore_save(const char *dir, const char *gun,
    const struct truststore *s);
/* Removes gun's data (absent is fine). */
int truststore_forget(const char *dir, const char *gun);

/* The file for role, or NULL. */
const struct truststore_file *truststore_get(const struct truststore *s,
    const char *role);
/* Sets role's bytes (copied), replacing what was there. */
int truststore_set(struct truststore *s, const char *role,
    const uint8_t *data, size_t len);
void truststore_free(struct truststore *s);
const char *truststore_strerror(int code);

#endif /* SIGNERD_TRUSTSTORE_H */
