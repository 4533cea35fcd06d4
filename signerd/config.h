/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config: signerd's JSON configuration file, read strictly. Unknown keys,
 * wrong types, out-of-range numbers, relative paths and a file others may
 * write are all refused with the file, the key path and the reason.
 */
#ifndef SIGNERD_CONFIG_H
#define SIGNERD_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct policy;

/* Error codes. Never renumbered; new codes go at the end. */
#define CONFIG_OK		 0
#define CONFIG_ERR_NOMEM	-1	/* allocation failed */
#define CONFIG_ERR_IO		-2	/* the file cannot be opened or read */
#define CONFIG_ERR_PERM		-3	/* not a regular file, or writable by others */
#define CONFIG_ERR_SYNTAX	-4	/* not valid JSON */
#define CONFIG_ERR_UNKNOWN	-5	/* a key that is not part of the format */
#define CONFIG_ERR_TYPE		-6	/* a value of the wrong JSON type */
#define CONFIG_ERR_MISSING	-7	/* a required key is absent */
#define CONFIG_ERR_VALUE	-8	/* right type, unacceptable value */
#define CONFIG_ERR_LOOKUP	-9	/* a user or group name does not resolve */

/* Defaults for optional keys (documented in docs/configuration.md). */
#define CONFIG_DEFAULT_SOCKET_MODE	0660
#define CONFIG_DEFAULT_MAX_FRAME	(64u * 1024 * 1024)
#define CONFIG_DEFAULT_WORKERS		8
#define CONFIG_DEFAULT_READ_TIMEOUT_MS	5000
#define CONFIG_DEFAULT_MAX_CONNS_PER_UID 32
#define CONFIG_DEFAULT_LOGIN_FAILURES	3
/* Notary's defaults, in days. */
#define CONFIG_DEFAULT_EXPIRY_ROOT	3650
#define CONFIG_DEFAULT_EXPIRY_TARGETS	1095
#define CONFIG_DEFAULT_EXPIRY_SNAPSHOT	1095
#define CONFIG_DEFAULT_EXPIRY_DELEGATION 1095
#define CONFIG_DEFAULT_EXPIRY_TIMESTAMP	14

/* The largest config file we read. */
#define CONFIG_MAX_FILE		(1024 * 1024)

struct config_token {
	char	*module;	/* absolute path of the PKCS#11 module, realpath()ed */
	char	*token;		/* token label */
	char	*pin_file;	/* absolute path, or NULL (root only: PIN at a ceremony) */
	int	 max_login_failures;
};

struct config_expiry {		/* days, per role */
	int	root;
	int	targets;
	int	snapshot;
	int	delegation;	/* targets/<anything> */
	int	timestamp;
};

struct config {
	char			*path;		/* the file it came from (or the name given) */
	char			*socket;
	mode_t			 socket_mode;
	char			*socket_group;	/* NULL: the daemon's own group */
	gid_t			 socket_gid;	/* resolved when socket_group is set */
	char			*state_dir;
	size_t			 max_frame;
	int			 workers;
	int			 read_timeout_ms;
	int			 max_connections_per_uid;
	struct config_token	 online;
	struct config_token	 root;
	/* No "root" token: root keys live on the online token; warn at start. */
	int			 root_on_online;
	struct config_expiry	 expiry;
	struct policy		*policy;	/* owned; see config_policy_take */
};

/* Where and why a load failed. */
struct config_error {
	int	code;		/* CONFIG_ERR_* */
	char	key[128];	/* key path such as "tokens.online.module", "" for the file */
	char	message[512];	/* "FILE: KEY: REASON", ready for a person */
};

/*
 * Reads and checks the config file at path: it must be a regular file
 * owned by root or the caller's euid, not writable by group or others, at
 * most CONFIG_MAX_FILE bytes. On success *out is a new config (free with
 * config_free). err may be NULL. Returns 0 or a CONFIG_ERR_* code.
 */
int config_load(const char *path, struct config **out, struct config_error *err);

/*
 * The same checks on bytes already in memory (used by tests and the
 * fuzzer); name stands in for the file name in messages. Paths named in the
 * config are still checked against the file system (module must exist).
 */
int config_parse(const uint8_t *buf, size_t len, const char *name,
    struct config **out, struct config_error *err);

void config_free(struct config *cfg);

/* Hands the policy over to the caller (who frees it with policy_free). */
struct policy *config_policy_take(struct config *cfg);

/*
 * For SIGHUP: loads the config file at path again with every check and
 * returns just its policy (free with policy_free, or hand it to
 * policy_store_swap). Other keys are read only at start. On error *out is
 * NULL, err says why, and the running policy should stay.
 */
int config_policy_reload(const char *path, struct policy **out,
    struct config_error *err);

/* Expiry in days for a role name ("root", "targets", "targets/x", ...). */
int config_expiry_days(const struct config *cfg, const char *role);

const char *config_strerror(int code);

#endif /* SIGNERD_CONFIG_H */
