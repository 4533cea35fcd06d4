/* SPDX-License-Identifier: Apache-2.0 */
/* ledger: durable per-(GUN, role) signing record and retry store, on SQLite. */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <sqlite3.h>

#include "ledger.h"
#include "digest.h"
#include "msg.h"

#define LEDGER_SCHEMA_VERSION	1
#define LEDGER_LOCK_BUCKETS	64

/*
 * signed:   one row per document ever signed; the primary key is the
 *           invariant "one document per (GUN, role, version)".
 * requests: requests whose result is still kept, by request fingerprint.
 * files:    the exact bytes each kept request returned, in order, or a
 *           recipe the op rebuilds them from (ledger.h).
 * audit_mark: where the audit log stood (see ledger_audit_mark).
 */
static const char ledger_schema[] =
    "CREATE TABLE IF NOT EXISTS signed("
    " gun TEXT NOT NULL, role TEXT NOT NULL, version INTEGER NOT NULL,"
    " hash BLOB NOT NULL, request INTEGER NOT NULL, time INTEGER NOT NULL,"
    " PRIMARY KEY(gun, role, version)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS requests("
    " id INTEGER PRIMARY KEY, gun TEXT NOT NULL, fingerprint BLOB NOT NULL,"
    " time INTEGER NOT NULL, UNIQUE(gun, fingerprint));"
    "CREATE TABLE IF NOT EXISTS files("
    " request INTEGER NOT NULL, seq INTEGER NOT NULL, role TEXT NOT NULL,"
    " version INTEGER NOT NULL, hash BLOB NOT NULL, bytes BLOB NOT NULL,"
    " PRIMARY KEY(request, seq));"
    "CREATE TABLE IF NOT EXISTS audit_mark("
    " kind INTEGER PRIMARY KEY, request INTEGER NOT NULL,"
    " seq INTEGER NOT NULL, hash BLOB NOT NULL,"
    " byte_offset INTEGER NOT NULL);";

/* audit_mark.kind */
#define MARK_CHECKED	0
#define MARK_ANCHOR	1

struct gun_lock {
	struct gun_lock	*next;
	char		*gun;
	unsigned	 refs;
	pthread_mutex_t	 mu;
};

/* One request waiting in the group-commit queue (lives on its caller's stack). */
struct commit_req {
	struct commit_req	*next;
	const char		*gun;
	const uint8_t		*fingerprint;
	const struct ledger_file *files;
	size_t			 nfiles;
	char			*msg;
	size_t			 msglen;
	int			 rc;
	int			 done;
};

struct ledger {
	sqlite3		*wdb;		/* writer: commits only */
	pthread_mutex_t	 wmu;
	sqlite3		*rdb;		/* reader: WAL lets it run during a commit's fsync */
	pthread_mutex_t	 rmu;
	pthread_mutex_t	 qmu;		/* the commit queue */
	pthread_cond_t	 qcv;
	struct commit_req *qhead, **qtail;
	int		 committing;	/* a leader is running a batch */
	pthread_mutex_t	 locks_mu;
	struct gun_lock	*locks[LEDGER_LOCK_BUCKETS];
	ledger_anchor_fn *anchor_fn;	/* under wmu */
	void		*anchor_ctx;
};

const char *
ledger_strerror(int code)
{
	switch (code) {
	case LEDGER_OK:			return "success";
	case LEDGER_ERR_NOMEM:		return "out of memory";
	case LEDGER_ERR_IO:		return "ledger database error";
	case LEDGER_ERR_CORRUPT:	return "ledger is corrupt";
	case LEDGER_ERR_NOTFOUND:	return "not found in the ledger";
	case LEDGER_ERR_ROLLBACK:	return "version below the last one signed";
	case LEDGER_ERR_EQUIVOCATION:	return "a different document was signed for this version";
	case LEDGER_ERR_INVAL:		return "invalid argument";
	case LEDGER_ERR_CONFLICT:	return "request fingerprint already committed with other files";
	}
	return "unknown ledger error";
}

static int
sha256(const uint8_t *p, size_t n, uint8_t out[LEDGER_HASH_LEN])
{
	return signerd_sha256(p, n, out) == 0 ? 0 : LEDGER_ERR_NOMEM;
}

/*
 * The statement for sql on db: prepared once per connection
 * (SQLITE_PREPARE_PERSISTENT) and found again among the ones db holds, so
 * the hot path parses no SQL. Callers hold db's mutex and never use one
 * SQL text twice at once; stmt_put resets it for the next use (any column
 * pointers die there, as with sqlite3_finalize).
 */
static int
stmt_get(sqlite3 *db, const char *sql, sqlite3_stmt **st)
{
	sqlite3_stmt *s = NULL;

	while ((s = sqlite3_next_stmt(db, s)) != NULL)
		if (strcmp(sqlite3_sql(s), sql) == 0) {
			*st = s;
			return SQLITE_OK;
		}
	return sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, st,
	    NULL);
}

static void
stmt_put(sqlite3_stmt *st)
{
	if (st == NULL)
		return;
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

/* Closes db with the statements stmt_get kept. */
static void
db_close(sqlite3 *db)
{
	sqlite3_stmt *s;

	if (db == NULL)
		return;
	while ((s = sqlite3_next_stmt(db, NULL)) != NULL)
		sqlite3_finalize(s);
	sqlite3_close(db);
}

static int
exec_sql(sqlite3 *db, const char *sql)
{
	return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ?
	    0 : LEDGER_ERR_IO;
}

static int
check_pragma_ok(sqlite3 *db, const char *sql, const char *want)
{
	sqlite3_stmt *st = NULL;
	const unsigned char *txt;
	int rc = LEDGER_ERR_CORRUPT;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return LEDGER_ERR_IO;
	if (sqlite3_step(st) == SQLITE_ROW &&
	    (txt = sqlite3_column_text(st, 0)) != NULL &&
	    strcmp((const char *)txt, want) == 0)
		rc = 0;
	sqlite3_finalize(st);
	return rc;
}

/*
 * Opens one connection. WAL with synchronous=FULL: every COMMIT appends to
 * the WAL and fsyncs it before returning, so a committed request survives
 * power loss, and a crash at any point leaves the last committed state (a
 * torn WAL frame fails its checksum and is ignored on recovery).
 */
static int
conn_open(const char *path, sqlite3 **out, char *msg, size_t msglen)
{
	sqlite3 *db = NULL;
	int rc = LEDGER_ERR_IO;

	*out = NULL;
	/* Our own mutexes serialise use of each handle; SQLite's would be a second one. */
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		signerd_msg_set(msg, msglen, "%s: %s", path,
		    db ? sqlite3_errmsg(db) : "cannot open");
		goto out;
	}
	sqlite3_extended_result_codes(db, 1);
	sqlite3_busy_timeout(db, 10000);
	if (check_pragma_ok(db, "PRAGMA journal_mode=WAL", "wal") != 0 ||
	    exec_sql(db, "PRAGMA synchronous=FULL") != 0) {
		signerd_msg_set(msg, msglen, "%s: cannot set WAL mode: %s", path,
		    sqlite3_errmsg(db));
		goto out;
	}
	*out = db;
	db = NULL;	/* transferred */
	rc = 0;
out:
	sqlite3_close(db);
	return rc;
}

int
ledger_open(const char *state_dir, struct ledger **out, char *msg,
    size_t msglen)
{
	struct ledger *l = NULL;
	struct stat sb;
	char path[4096];
	int n, rc = LEDGER_ERR_NOMEM, nmu = 0;

	*out = NULL;
	if (msg != NULL && msglen > 0)
		msg[0] = '\0';
	if (state_dir == NULL)
		return LEDGER_ERR_INVAL;
	if (stat(state_dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		signerd_msg_set(msg, msglen, "%s: not a directory", state_dir);
		return LEDGER_ERR_IO;
	}
	if ((sb.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		signerd_msg_set(msg, msglen, "%s: writable by group or others", state_dir);
		return LEDGER_ERR_IO;
	}
	n = snprintf(path, sizeof(path), "%s/%s", state_dir, LEDGER_FILE_NAME);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		signerd_msg_set(msg, msglen, "%s: path too long", state_dir);
		return LEDGER_ERR_INVAL;
	}
	if ((l = calloc(1, sizeof(*l))) == NULL)
		return LEDGER_ERR_NOMEM;
	l->qtail = &l->qhead;
	if (pthread_mutex_init(&l->wmu, NULL) != 0)
		goto out;
	nmu++;
	if (pthread_mutex_init(&l->rmu, NULL) != 0)
		goto out;
	nmu++;
	if (pthread_mutex_init(&l->qmu, NULL) != 0)
		goto out;
	nmu++;
	if (pthread_mutex_init(&l->locks_mu, NULL) != 0)
		goto out;
	nmu++;
	if (pthread_cond_init(&l->qcv, NULL) != 0)
		goto out;
	nmu++;
	if ((rc = conn_open(path, &l->wdb, msg, msglen)) != 0)
		goto out;
	if ((rc = check_pragma_ok(l->wdb, "PRAGMA quick_check", "ok")) != 0) {
		signerd_msg_set(msg, msglen, "%s: integrity check failed", path);
		goto out;
	}
	if (exec_sql(l->wdb, ledger_schema) != 0 ||
	    exec_sql(l->wdb, "PRAGMA user_version=1") != 0) {
		rc = LEDGER_ERR_IO;
		signerd_msg_set(msg, msglen, "%s: cannot create tables: %s", path,
		    sqlite3_errmsg(l->wdb));
		goto out;
	}
	if ((rc = conn_open(path, &l->rdb, msg, msglen)) != 0)
		goto out;
	*out = l;
	l = NULL;	/* transferred */
	rc = 0;
out:
	if (l != NULL) {
		db_close(l->rdb);
		db_close(l->wdb);
		if (nmu > 4)
			pthread_cond_destroy(&l->qcv);
		if (nmu > 3)
			pthread_mutex_destroy(&l->locks_mu);
		if (nmu > 2)
			pthread_mutex_destroy(&l->qmu);
		if (nmu > 1)
			pthread_mutex_destroy(&l->rmu);
		if (nmu > 0)
			pthread_mutex_destroy(&l->wmu);
		free(l);
	}
	return rc;
}

void
ledger_close(struct ledger *l)
{
	struct gun_lock *e, *next;
	size_t i;

	if (l == NULL)
		return;
	db_close(l->rdb);
	db_close(l->wdb);
	for (i = 0; i < LEDGER_LOCK_BUCKETS; i++) {
		for (e = l->locks[i]; e != NULL; e = next) {
			next = e->next;
			pthread_mutex_destroy(&e->mu);
			free(e->gun);
			free(e);
		}
	}
	pthread_cond_destroy(&l->qcv);
	pthread_mutex_destroy(&l->locks_mu);
	pthread_mutex_destroy(&l->qmu);
	pthread_mutex_destroy(&l->rmu);
	pthread_mutex_destroy(&l->wmu);
	free(l);
}

static size_t
gun_bucket(const char *gun)
{
	uint32_t h = 2166136261u;	/* FNV-1a */

	for (; *gun != '\0'; gun++)
		h = (h ^ (unsigned char)*gun) * 16777619u;
	return h % LEDGER_LOCK_BUCKETS;
}

int
ledger_gun_lock(struct ledger *l, const char *gun)
{
	struct gun_lock *e;
	size_t b;

	if (l == NULL || gun == NULL)
		return LEDGER_ERR_INVAL;
	b = gun_bucket(gun);
	pthread_mutex_lock(&l->locks_mu);
	for (e = l->locks[b]; e != NULL; e = e->next)
		if (strcmp(e->gun, gun) == 0)
			break;
	if (e == NULL) {
		if ((e = calloc(1, sizeof(*e))) == NULL ||
		    (e->gun = strdup(gun)) == NULL ||
		    pthread_mutex_init(&e->mu, NULL) != 0) {
			if (e != NULL)
				free(e->gun);
			free(e);
			pthread_mutex_unlock(&l->locks_mu);
			return LEDGER_ERR_NOMEM;
		}
		e->next = l->locks[b];
		l->locks[b] = e;
	}
	e->refs++;
	pthread_mutex_unlock(&l->locks_mu);
	/* The entry cannot go away while refs counts us. */
	pthread_mutex_lock(&e->mu);
	return 0;
}

void
ledger_gun_unlock(struct ledger *l, const char *gun)
{
	struct gun_lock *e, **pp;
	size_t b;

	if (l == NULL || gun == NULL)
		return;
	b = gun_bucket(gun);
	pthread_mutex_lock(&l->locks_mu);
	for (pp = &l->locks[b]; (e = *pp) != NULL; pp = &e->next)
		if (strcmp(e->gun, gun) == 0)
			break;
	if (e == NULL)
		abort();	/* unlocking a GUN nobody locked */
	pthread_mutex_unlock(&e->mu);
	if (--e->refs == 0) {
		*pp = e->next;
		pthread_mutex_destroy(&e->mu);
		free(e->gun);
		free(e);
	}
	pthread_mutex_unlock(&l->locks_mu);
}

/* Caller holds the mutex of db. */
static int
last_locked(sqlite3 *db, const char *gun, const char *role,
    int64_t *version, uint8_t hash[LEDGER_HASH_LEN], int64_t *request)
{
	sqlite3_stmt *st = NULL;
	int rc = LEDGER_ERR_IO, s;

	if (stmt_get(db, "SELECT version, hash, request FROM"
	    " signed WHERE gun=?1 AND role=?2 ORDER BY version DESC LIMIT 1",
	    &st) != SQLITE_OK)
		goto out;
	if (sqlite3_bind_text(st, 1, gun, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(st, 2, role, -1, SQLITE_STATIC) != SQLITE_OK)
		goto out;
	s = sqlite3_step(st);
	if (s == SQLITE_DONE) {
		rc = LEDGER_ERR_NOTFOUND;
		goto out;
	}
	if (s != SQLITE_ROW)
		goto out;
	rc = LEDGER_ERR_CORRUPT;
	if (sqlite3_column_bytes(st, 1) != LEDGER_HASH_LEN)
		goto out;
	*version = sqlite3_column_int64(st, 0);
	memcpy(hash, sqlite3_column_blob(st, 1), LEDGER_HASH_LEN);
	if (request != NULL)
		*request = sqlite3_column_int64(st, 2);
	rc = 0;
out:
	stmt_put(st);
	return rc;
}

int
ledger_last(struct ledger *l, const char *gun, const char *role,
    int64_t *version, uint8_t hash[LEDGER_HASH_LEN])
{
	int rc;

	*version = 0;
	memset(hash, 0, LEDGER_HASH_LEN);
	if (l == NULL || gun == NULL || role == NULL)
		return LEDGER_ERR_INVAL;
	pthread_mutex_lock(&l->rmu);
	rc = last_locked(l->rdb, gun, role, version, hash, NULL);
	pthread_mutex_unlock(&l->rmu);
	return rc;
}

/* Caller holds the mutex of db. */
static int
check_locked(sqlite3 *db, const char *gun, const char *role,
    int64_t version, const uint8_t hash[LEDGER_HASH_LEN], char *msg,
    size_t msglen)
{
	uint8_t last_hash[LEDGER_HASH_LEN];
	char hx[2 * LEDGER_HASH_LEN + 1];
	int64_t last = 0;
	int rc;

	rc = last_locked(db, gun, role, &last, last_hash, NULL);
	if (rc == LEDGER_ERR_NOTFOUND)
		return 0;
	if (rc != 0)
		return rc;
	if (version < last) {
		signerd_msg_set(msg, msglen, "%s %s: version %lld is below version %lld"
		    " already signed", gun, role, (long long)version,
		    (long long)last);
		return LEDGER_ERR_ROLLBACK;
	}
	if (version == last && memcmp(hash, last_hash, LEDGER_HASH_LEN) != 0) {
		signerd_hex(last_hash, LEDGER_HASH_LEN, hx);
		signerd_msg_set(msg, msglen, "%s %s: version %lld was already signed"
		    " with sha256 %s", gun, role, (long long)version, hx);
		return LEDGER_ERR_EQUIVOCATION;
	}
	return 0;
}

int
ledger_check(struct ledger *l, const char *gun, const char *role,
    int64_t version, const uint8_t hash[LEDGER_HASH_LEN], char *msg,
    size_t msglen)
{
	int rc;

	if (msg != NULL && msglen > 0)
		msg[0] = '\0';
	if (l == NULL || gun == NULL || role == NULL || hash == NULL)
		return LEDGER_ERR_INVAL;
	pthread_mutex_lock(&l->rmu);
	rc = check_locked(l->rdb, gun, role, version, hash, msg, msglen);
	pthread_mutex_unlock(&l->rmu);
	return rc;
}

void
ledger_result_cleanup(struct ledger_result *res)
{
	size_t i;

	if (res == NULL)
		return;
	for (i = 0; i < 2 * LEDGER_MAX_FILES; i++)
		free(res->store[i]);
	memset(res, 0, sizeof(*res));
}

/* Caller holds the mutex of db. *id is 0 when absent. */
static int
request_find(sqlite3 *db, const char *gun,
    const uint8_t fingerprint[LEDGER_HASH_LEN], int64_t *id)
{
	sqlite3_stmt *st = NULL;
	int rc = LEDGER_ERR_IO, s;

	*id = 0;
	if (stmt_get(db, "SELECT id FROM requests WHERE gun=?1"
	    " AND fingerprint=?2", &st) != SQLITE_OK ||
	    sqlite3_bind_text(st, 1, gun, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_blob(st, 2, fingerprint, LEDGER_HASH_LEN,
	    SQLITE_STATIC) != SQLITE_OK)
		goto out;
	s = sqlite3_step(st);
	if (s == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	else if (s != SQLITE_DONE)
		goto out;
	rc = 0;
out:
	stmt_put(st);
	return rc;
}

/* Caller holds the mutex of db. Reads the files of request id into res, checking each hash. */
static int
files_read(sqlite3 *db, int64_t id, struct ledger_result *res)
{
	sqlite3_stmt *st = NULL;
	uint8_t h[LEDGER_HASH_LEN];
	struct ledger_file *f;
	const void *blob;
	size_t n = 0, blen;
	char *role;
	uint8_t *bytes;
	int rc = LEDGER_ERR_IO, s;

	if (stmt_get(db, "SELECT role, version, hash, bytes FROM"
	    " files WHERE request=?1 ORDER BY seq", &st) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 1, id) != SQLITE_OK)
		goto out;
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		rc = LEDGER_ERR_CORRUPT;
		if (n >= LEDGER_MAX_FILES ||
		    sqlite3_column_bytes(st, 2) != LEDGER_HASH_LEN ||
		    sqlite3_column_text(st, 0) == NULL)
			goto out;
		rc = LEDGER_ERR_NOMEM;
		f = &res->files[n];
		if ((role = strdup((const char *)sqlite3_column_text(st, 0))) ==
		    NULL)
			goto out;
		res->store[2 * n] = role;
		blob = sqlite3_column_blob(st, 3);
		blen = (size_t)sqlite3_column_bytes(st, 3);
		/* One spare byte so an empty document still has storage. */
		if ((bytes = malloc(blen + 1)) == NULL)
			goto out;
		res->store[2 * n + 1] = bytes;
		if (blen > 0)
			memcpy(bytes, blob, blen);
		f->role = role;
		f->version = sqlite3_column_int64(st, 1);
		memcpy(f->hash, sqlite3_column_blob(st, 2), LEDGER_HASH_LEN);
		f->bytes = bytes;
		f->len = blen;
		res->nfiles = ++n;
		if (LEDGER_IS_RECIPE(bytes, blen))
			continue;	/* the caller checks what it rebuilds */
		if ((rc = sha256(bytes, blen, h)) != 0)
			goto out;
		/* Never hand out bytes that are not what was recorded as signed. */
		if (memcmp(h, f->hash, LEDGER_HASH_LEN) != 0) {
			rc = LEDGER_ERR_CORRUPT;
			goto out;
		}
	}
	rc = s == SQLITE_DONE ? 0 : LEDGER_ERR_IO;
	if (rc == 0 && n == 0)
		rc = LEDGER_ERR_CORRUPT;
out:
	stmt_put(st);
	return rc;
}

int
ledger_lookup(struct ledger *l, const char *gun,
    const uint8_t fingerprint[LEDGER_HASH_LEN], struct ledger_result *res)
{
	uint8_t h[LEDGER_HASH_LEN];
	int64_t id = 0, v = 0;
	size_t i;
	int rc;

	memset(res, 0, sizeof(*res));
	if (l == NULL || gun == NULL || fingerprint == NULL)
		return LEDGER_ERR_INVAL;
	pthread_mutex_lock(&l->rmu);
	/* One read transaction, so the request and its files are one snapshot. */
	if (exec_sql(l->rdb, "BEGIN") != 0)
		rc = LEDGER_ERR_IO;
	else {
		if ((rc = request_find(l->rdb, gun, fingerprint, &id)) == 0) {
			if (id == 0)
				rc = LEDGER_ERR_NOTFOUND;
			else
				rc = files_read(l->rdb, id, res);
		}
		for (i = 0; rc == 0 && i < res->nfiles; i++) {
			rc = last_locked(l->rdb, gun, res->files[i].role, &v, h,
			    NULL);
			if (rc == LEDGER_ERR_NOTFOUND)
				rc = LEDGER_ERR_CORRUPT;	/* kept but never signed */
			res->latest[i] = rc == 0 && v == res->files[i].version;
		}
		(void)exec_sql(l->rdb, "COMMIT");
	}
	pthread_mutex_unlock(&l->rmu);
	if (rc != 0)
		ledger_result_cleanup(res);
	return rc;
}

/* Same files as a committed request: a retried commit, nothing to do. */
static int
same_files(const struct ledger_result *old, const struct ledger_file *files,
    size_t nfiles)
{
	size_t i;

	if (old->nfiles != nfiles)
		return 0;
	for (i = 0; i < nfiles; i++) {
		if (strcmp(old->files[i].role, files[i].role) != 0 ||
		    old->files[i].version != files[i].version ||
		    memcmp(old->files[i].hash, files[i].hash,
		    LEDGER_HASH_LEN) != 0)
			return 0;
	}
	return 1;
}

static int
step_done(sqlite3_stmt *st)
{
	int s = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return s == SQLITE_DONE ? 0 : LEDGER_ERR_IO;
}

/*
 * Drops the kept result of request id once none of its files is the
 * latest of its role any more: a retry of it could only be refused. Caller
 * holds l->wmu inside a transaction.
 */
static int
prune_request(sqlite3 *db, const char *gun, int64_t id)
{
	sqlite3_stmt *st = NULL;
	int rc = LEDGER_ERR_IO, s, live = 0;

	if (stmt_get(db, "SELECT 1 FROM files f WHERE"
	    " f.request=?1 AND f.version >= (SELECT max(version) FROM signed s"
	    " WHERE s.gun=?2 AND s.role=f.role) LIMIT 1", &st) !=
	    SQLITE_OK ||
	    sqlite3_bind_int64(st, 1, id) != SQLITE_OK ||
	    sqlite3_bind_text(st, 2, gun, -1, SQLITE_STATIC) != SQLITE_OK)
		goto out;
	s = sqlite3_step(st);
	if (s == SQLITE_ROW)
		live = 1;
	else if (s != SQLITE_DONE)
		goto out;
	stmt_put(st);
	st = NULL;
	if (!live) {
		if (stmt_get(db, "DELETE FROM files WHERE request=?1",
		    &st) != SQLITE_OK ||
		    sqlite3_bind_int64(st, 1, id) != SQLITE_OK ||
		    step_done(st) != 0)
			goto out;
		stmt_put(st);
		st = NULL;
		if (stmt_get(db, "DELETE FROM requests WHERE id=?1",
		    &st) != SQLITE_OK ||
		    sqlite3_bind_int64(st, 1, id) != SQLITE_OK ||
		    step_done(st) != 0)
			goto out;
	}
	rc = 0;
out:
	stmt_put(st);
	return rc;
}

/* Caller holds l->wmu inside a transaction. */
static int
commit_locked(sqlite3 *db, const char *gun,
    const uint8_t fingerprint[LEDGER_HASH_LEN], const struct ledger_file *files,
    size_t nfiles, char *msg, size_t msglen)
{
	sqlite3_stmt *st_req = NULL, *st_file = NULL, *st_signed = NULL;
	struct ledger_result old;
	int64_t id = 0, prev[LEDGER_MAX_FILES], v;
	uint8_t h[LEDGER_HASH_LEN];
	int64_t now = (int64_t)time(NULL);
	size_t i, j;
	int rc;

	memset(&old, 0, sizeof(old));
	if ((rc = request_find(db, gun, fingerprint, &id)) != 0)
		goto out;
	if (id != 0) {
		if ((rc = files_read(db, id, &old)) != 0)
			goto out;
		if (same_files(&old, files, nfiles)) {
			rc = 0;
			goto out;
		}
		signerd_msg_set(msg, msglen, "%s: this request was committed before"
		    " with other files", gun);
		rc = LEDGER_ERR_CONFLICT;
		goto out;
	}
	for (i = 0; i < nfiles; i++) {
		prev[i] = 0;
		if ((rc = check_locked(db, gun, files[i].role, files[i].version,
		    files[i].hash, msg, msglen)) != 0)
			goto out;
		rc = last_locked(db, gun, files[i].role, &v, h, &prev[i]);
		if (rc != 0 && rc != LEDGER_ERR_NOTFOUND)
			goto out;
	}
	rc = LEDGER_ERR_IO;
	if (stmt_get(db, "INSERT INTO requests(gun, fingerprint,"
	    " time) VALUES(?1, ?2, ?3)", &st_req) != SQLITE_OK ||
	    sqlite3_bind_text(st_req, 1, gun, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_blob(st_req, 2, fingerprint, LEDGER_HASH_LEN,
	    SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(st_req, 3, now) != SQLITE_OK ||
	    step_done(st_req) != 0)
		goto out;
	id = sqlite3_last_insert_rowid(db);
	if (stmt_get(db, "INSERT INTO files(request, seq, role,"
	    " version, hash, bytes) VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
	    &st_file) != SQLITE_OK ||
	    stmt_get(db, "INSERT OR IGNORE INTO signed(gun, role,"
	    " version, hash, request, time) VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
	    &st_signed) != SQLITE_OK)
		goto out;
	for (i = 0; i < nfiles; i++) {
		if (sqlite3_bind_int64(st_file, 1, id) != SQLITE_OK ||
		    sqlite3_bind_int64(st_file, 2, (int64_t)i) != SQLITE_OK ||
		    sqlite3_bind_text(st_file, 3, files[i].role, -1,
		    SQLITE_STATIC) != SQLITE_OK ||
		    sqlite3_bind_int64(st_file, 4, files[i].version) != SQLITE_OK ||
		    sqlite3_bind_blob(st_file, 5, files[i].hash, LEDGER_HASH_LEN,
		    SQLITE_STATIC) != SQLITE_OK ||
		    sqlite3_bind_blob64(st_file, 6, files[i].len ?
		    (const void *)files[i].bytes : (const void *)"",
		    files[i].len, SQLITE_STATIC) != SQLITE_OK ||
		    step_done(st_file) != 0)
			goto out;
		if (sqlite3_bind_text(st_signed, 1, gun, -1, SQLITE_STATIC) !=
		    SQLITE_OK ||
		    sqlite3_bind_text(st_signed, 2, files[i].role, -1,
		    SQLITE_STATIC) != SQLITE_OK ||
		    sqlite3_bind_int64(st_signed, 3, files[i].version) !=
		    SQLITE_OK ||
		    sqlite3_bind_blob(st_signed, 4, files[i].hash,
		    LEDGER_HASH_LEN, SQLITE_STATIC) != SQLITE_OK ||
		    sqlite3_bind_int64(st_signed, 5, id) != SQLITE_OK ||
		    sqlite3_bind_int64(st_signed, 6, now) != SQLITE_OK ||
		    step_done(st_signed) != 0)
			goto out;
	}
	for (i = 0; i < nfiles; i++) {
		if (prev[i] == 0)
			continue;
		for (j = 0; j < i; j++)
			if (prev[j] == prev[i])
				break;
		if (j == i && (rc = prune_request(db, gun, prev[i])) != 0)
			goto out;
	}
	rc = 0;
out:
	ledger_result_cleanup(&old);
	stmt_put(st_req);
	stmt_put(st_file);
	stmt_put(st_signed);
	return rc;
}

/*
 * Raises mark kind to m; a lower seq never replaces a higher one. Caller
 * holds l->wmu inside a transaction.
 */
static int
mark_put(sqlite3 *db, int kind, const struct ledger_audit_mark *m)
{
	sqlite3_stmt *st = NULL;
	int rc = LEDGER_ERR_IO;

	if (stmt_get(db, "INSERT INTO audit_mark(kind, request, seq,"
	    " hash, byte_offset) VALUES(?1, ?2, ?3, ?4, ?5) ON CONFLICT(kind)"
	    " DO UPDATE SET request=excluded.request, seq=excluded.seq,"
	    " hash=excluded.hash, byte_offset=excluded.byte_offset"
	    " WHERE excluded.seq >= audit_mark.seq", &st) !=
	    SQLITE_OK ||
	    sqlite3_bind_int(st, 1, kind) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, m->request) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 3, m->seq) != SQLITE_OK ||
	    sqlite3_bind_blob(st, 4, m->hash, LEDGER_HASH_LEN,
	    SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 5, m->offset) != SQLITE_OK)
		goto out;
	rc = step_done(st);
out:
	stmt_put(st);
	return rc;
}

static void
batch_fail(struct commit_req *batch, sqlite3 *db, const char *what)
{
	struct commit_req *r;

	for (r = batch; r != NULL; r = r->next) {
		if (r->rc != 0 && r->rc != LEDGER_ERR_IO)
			continue;	/* refused on its own merits */
		r->rc = LEDGER_ERR_IO;
		signerd_msg_set(r->msg, r->msglen, "%s: %s", what, sqlite3_errmsg(db));
	}
}

/*
 * Commits a batch of requests in one transaction. Each request runs in its
 * own savepoint, so one refused request (rollback, equivocation, conflict)
 * leaves the others in; a failure of the transaction itself fails all.
 */
static void
batch_run(struct ledger *l, struct commit_req *batch)
{
	sqlite3 *db = l->wdb;
	struct commit_req *r;

	for (r = batch; r != NULL; r = r->next)
		r->rc = LEDGER_ERR_IO;
	pthread_mutex_lock(&l->wmu);
	/* IMMEDIATE takes the write lock now, so the checks and the inserts see one state. */
	if (exec_sql(db, "BEGIN IMMEDIATE") != 0) {
		batch_fail(batch, db, "cannot begin");
		goto out;
	}
	for (r = batch; r != NULL; r = r->next) {
		if (exec_sql(db, "SAVEPOINT req") != 0)
			goto abort;
		r->rc = commit_locked(db, r->gun, r->fingerprint, r->files,
		    r->nfiles, r->msg, r->msglen);
		if (r->rc != 0) {
			if (r->rc == LEDGER_ERR_IO)
				signerd_msg_set(r->msg, r->msglen, "%s",
				    sqlite3_errmsg(db));
			if (exec_sql(db, "ROLLBACK TO req") != 0)
				goto abort;
		}
		if (exec_sql(db, "RELEASE req") != 0)
			goto abort;
	}
	if (l->anchor_fn != NULL) {
		struct ledger_audit_mark m;

		memset(&m, 0, sizeof(m));
		l->anchor_fn(l->anchor_ctx, &m);
		if (mark_put(db, MARK_ANCHOR, &m) != 0)
			goto abort;
	}
	if (exec_sql(db, "COMMIT") == 0)
		goto out;
abort:
	for (r = batch; r != NULL; r = r->next)
		if (r->rc == 0)
			r->rc = LEDGER_ERR_IO;
	batch_fail(batch, db, "cannot commit");
	(void)exec_sql(db, "ROLLBACK");
out:
	pthread_mutex_unlock(&l->wmu);
}

int
ledger_commit(struct ledger *l, const char *gun,
    const uint8_t fingerprint[LEDGER_HASH_LEN], const struct ledger_file *files,
    size_t nfiles, char *msg, size_t msglen)
{
	struct commit_req req, *batch, *r, *next;
	uint8_t h[LEDGER_HASH_LEN];
	size_t i, j;
	int rc;

	if (msg != NULL && msglen > 0)
		msg[0] = '\0';
	if (l == NULL || gun == NULL || gun[0] == '\0' || fingerprint == NULL ||
	    files == NULL || nfiles == 0 || nfiles > LEDGER_MAX_FILES)
		return LEDGER_ERR_INVAL;
	for (i = 0; i < nfiles; i++) {
		if (files[i].role == NULL || files[i].role[0] == '\0' ||
		    files[i].version < 1 ||
		    (files[i].bytes == NULL && files[i].len > 0)) {
			signerd_msg_set(msg, msglen, "file %zu: missing role, version"
			    " or bytes", i);
			return LEDGER_ERR_INVAL;
		}
		for (j = 0; j < i; j++) {
			if (strcmp(files[j].role, files[i].role) == 0) {
				signerd_msg_set(msg, msglen, "role %s twice in one"
				    " request", files[i].role);
				return LEDGER_ERR_INVAL;
			}
		}
		if (LEDGER_IS_RECIPE(files[i].bytes, files[i].len))
			continue;
		if ((rc = sha256(files[i].len ? files[i].bytes :
		    (const uint8_t *)"", files[i].len, h)) != 0)
			return rc;
		if (memcmp(h, files[i].hash, LEDGER_HASH_LEN) != 0) {
			signerd_msg_set(msg, msglen, "role %s: hash does not match the"
			    " bytes", files[i].role);
			return LEDGER_ERR_INVAL;
		}
	}
	req.next = NULL;
	req.gun = gun;
	req.fingerprint = fingerprint;
	req.files = files;
	req.nfiles = nfiles;
	req.msg = msg;
	req.msglen = msglen;
	req.rc = LEDGER_ERR_IO;
	req.done = 0;
	/*
	 * Group commit: the first caller to find no batch running becomes
	 * the leader and commits everything queued so far in one transaction
	 * (one fsync); the others wait for it and may lead the next batch.
	 */
	pthread_mutex_lock(&l->qmu);
	*l->qtail = &req;
	l->qtail = &req.next;
	while (!req.done) {
		if (l->committing) {
			pthread_cond_wait(&l->qcv, &l->qmu);
			continue;
		}
		l->committing = 1;
		batch = l->qhead;
		l->qhead = NULL;
		l->qtail = &l->qhead;
		pthread_mutex_unlock(&l->qmu);
		batch_run(l, batch);
		pthread_mutex_lock(&l->qmu);
		for (r = batch; r != NULL; r = next) {
			next = r->next;	/* r may be gone once done is seen */
			r->done = 1;
		}
		l->committing = 0;
		pthread_cond_broadcast(&l->qcv);
	}
	pthread_mutex_unlock(&l->qmu);
	return req.rc;
}

int
ledger_fingerprint(const void *const *parts, const size_t *lens,
    size_t nparts, uint8_t out[LEDGER_HASH_LEN])
{
	static const char tag[] = "signerd request fingerprint v1";
	EVP_MD_CTX *ctx;
	uint8_t be[8];
	unsigned int olen = 0;
	size_t i, j;
	int rc = LEDGER_ERR_NOMEM;

	memset(out, 0, LEDGER_HASH_LEN);
	if ((parts == NULL || lens == NULL) && nparts > 0)
		return LEDGER_ERR_INVAL;
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return LEDGER_ERR_NOMEM;
	if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(ctx, tag, sizeof(tag)) != 1)
		goto out;
	for (i = 0; i < nparts; i++) {
		for (j = 0; j < 8; j++)
			be[j] = (uint8_t)((uint64_t)lens[i] >> (56 - 8 * j));
		if (EVP_DigestUpdate(ctx, be, sizeof(be)) != 1 ||
		    (lens[i] > 0 && EVP_DigestUpdate(ctx, parts[i], lens[i]) != 1))
			goto out;
	}
	if (EVP_DigestFinal_ex(ctx, out, &olen) != 1 || olen != LEDGER_HASH_LEN)
		goto out;
	rc = 0;
out:
	EVP_MD_CTX_free(ctx);
	return rc;
}

int
ledger_stats(struct ledger *l, int64_t *guns, int64_t *signatures)
{
	sqlite3_stmt *st = NULL;
	int rc = LEDGER_ERR_IO;

	*guns = 0;
	*signatures = 0;
	if (l == NULL)
		return LEDGER_ERR_INVAL;
	pthread_mutex_lock(&l->rmu);
	if (stmt_get(l->rdb, "SELECT count(DISTINCT gun), count(*)"
	    " FROM signed", &st) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW) {
		*guns = sqlite3_column_int64(st, 0);
		*signatures = sqlite3_column_int64(st, 1);
		rc = 0;
	}
	stmt_put(st);
	pthread_mutex_unlock(&l->rmu);
	return rc;
}

void
ledger_anchor_set(struct ledger *l, ledger_anchor_fn *fn, void *ctx)
{
	if (l == NULL)
		return;
	pthread_mutex_lock(&l->wmu);
	l->anchor_fn = fn;
	l->anchor_ctx = ctx;
	pthread_mutex_unlock(&l->wmu);
}

int
ledger_audit_mark_get(struct ledger *l, struct ledger_audit_mark *checked,
    struct ledger_audit_mark *anchor)
{
	struct ledger_audit_mark *m;
	sqlite3_stmt *st = NULL;
	int rc = LEDGER_ERR_IO, s, kind;

	memset(checked, 0, sizeof(*checked));
	memset(anchor, 0, sizeof(*anchor));
	if (l == NULL)
		return LEDGER_ERR_INVAL;
	pthread_mutex_lock(&l->rmu);
	if (stmt_get(l->rdb, "SELECT kind, request, seq, hash,"
	    " byte_offset FROM audit_mark", &st) != SQLITE_OK)
		goto out;
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		kind = sqlite3_column_int(st, 0);
		m = kind == MARK_CHECKED ? checked : kind == MARK_ANCHOR ?
		    anchor : NULL;
		if (m == NULL)
			continue;
		rc = LEDGER_ERR_CORRUPT;
		if (sqlite3_column_bytes(st, 3) != LEDGER_HASH_LEN ||
		    sqlite3_column_int64(st, 2) < 0 ||
		    sqlite3_column_int64(st, 4) < 0)
			goto out;
		m->request = sqlite3_column_int64(st, 1);
		m->seq = sqlite3_column_int64(st, 2);
		memcpy(m->hash, sqlite3_column_blob(st, 3), LEDGER_HASH_LEN);
		m->offset = sqlite3_column_int64(st, 4);
		rc = LEDGER_ERR_IO;
	}
	rc = s == SQLITE_DONE ? 0 : LEDGER_ERR_IO;
out:
	stmt_put(st);
	pthread_mutex_unlock(&l->rmu);
	if (rc != 0) {
		memset(checked, 0, sizeof(*checked));
		memset(anchor, 0, sizeof(*anchor));
	}
	return rc;
}

int
ledger_audit_mark_set(struct ledger *l, const struct ledger_audit_mark *checked)
{
	int rc = LEDGER_ERR_IO;

	if (l == NULL || checked == NULL || checked->seq < 0 ||
	    checked->offset < 0)
		return LEDGER_ERR_INVAL;
	pthread_mutex_lock(&l->wmu);
	if (exec_sql(l->wdb, "BEGIN IMMEDIATE") != 0)
		goto out;
	if (mark_put(l->wdb, MARK_CHECKED, checked) != 0 ||
	    mark_put(l->wdb, MARK_ANCHOR, checked) != 0 ||
	    exec_sql(l->wdb, "COMMIT") != 0) {
		(void)exec_sql(l->wdb, "ROLLBACK");
		goto out;
	}
	rc = 0;
out:
	pthread_mutex_unlock(&l->wmu);
	return rc;
}

int
ledger_signed_since(struct ledger *l, int64_t request, ledger_signed_fn *fn,
    void *ctx)
{
	struct ledger_signed_row row;
	sqlite3_stmt *st = NULL;
	int rc = LEDGER_ERR_IO, s;

	if (l == NULL || fn == NULL)
		return LEDGER_ERR_INVAL;
	pthread_mutex_lock(&l->rmu);
	if (stmt_get(l->rdb, "SELECT gun, role, version, hash,"
	    " request, time FROM signed WHERE request > ?1"
	    " ORDER BY request, gun, role", &st) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 1, request) != SQLITE_OK)
		goto out;
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		rc = LEDGER_ERR_CORRUPT;
		if (sqlite3_column_text(st, 0) == NULL ||
		    sqlite3_column_text(st, 1) == NULL ||
		    sqlite3_column_bytes(st, 3) != LEDGER_HASH_LEN)
			goto out;
		memset(&row, 0, sizeof(row));
		row.gun = (const char *)sqlite3_column_text(st, 0);
		row.role = (const char *)sqlite3_column_text(st, 1);
		row.version = sqlite3_column_int64(st, 2);
		memcpy(row.hash, sqlite3_column_blob(st, 3), LEDGER_HASH_LEN);
		row.request = sqlite3_column_int64(st, 4);
		row.time = sqlite3_column_int64(st, 5);
		if ((rc = fn(ctx, &row)) != 0)
			goto out;
		rc = LEDGER_ERR_IO;
	}
	rc = s == SQLITE_DONE ? 0 : LEDGER_ERR_IO;
out:
	stmt_put(st);
	pthread_mutex_unlock(&l->rmu);
	return rc;
}
