/* SPDX-License-Identifier: Apache-2.0 */
/* audit: append-only hash-chained JSON-lines log, its crash recovery and its verifier. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "audit.h"
#include "json.h"
#include "digest.h"
#include "msg.h"

/* Every line ends with this key and the hex sha256 of all bytes before it. */
#define SELF_KEY	",\"line_sha256\":\""
#define SELF_KEY_LEN	(sizeof(SELF_KEY) - 1)
#define HEX_LEN		(2 * AUDIT_HASH_LEN)
#define SELF_TAIL_LEN	(SELF_KEY_LEN + HEX_LEN + 2)	/* key, hex, "} */

struct audit {
	int		 fd;
	pthread_mutex_t	 mu;
	pthread_cond_t	 synced_cv;	/* signalled after each fdatasync */
	off_t		 size;		/* bytes of complete lines written */
	off_t		 synced;	/* bytes known to be on disk */
	int		 syncing;	/* a thread is in fdatasync */
	int		 failed;	/* an fdatasync failed: refuse to go on */
	/* The sync thread (audit_write_many): syncs what was written while
	 * the writer goes on (to its ledger commit). */
	pthread_cond_t	 work_cv;
	pthread_t	 syncer;
	int		 syncer_on;
	int		 quit;
	int64_t		 seq;			/* of the last line, 0 when empty */
	uint8_t		 prev[AUDIT_HASH_LEN];	/* sha256 of the last line */
	off_t		 last_start;		/* where the last line starts */
	struct audit_head synced_head;		/* last line known on disk */
};

const char *
audit_strerror(int code)
{
	switch (code) {
	case AUDIT_OK:		return "success";
	case AUDIT_ERR_NOMEM:	return "out of memory";
	case AUDIT_ERR_IO:	return "audit log I/O error";
	case AUDIT_ERR_CORRUPT:	return "audit log's last line is damaged";
	case AUDIT_ERR_BROKEN:	return "audit chain is broken";
	case AUDIT_ERR_INVAL:	return "invalid argument";
	}
	return "unknown audit error";
}

static int
sha256(const void *p, size_t n, uint8_t out[AUDIT_HASH_LEN])
{
	return signerd_sha256(p, n, out) == 0 ? 0 : AUDIT_ERR_NOMEM;
}

static int
unhex(const char *s, size_t len, uint8_t *out, size_t n)
{
	size_t i;
	int hi, lo;

	if (len != 2 * n)
		return -1;
	for (i = 0; i < n; i++) {
		hi = s[2 * i];
		lo = s[2 * i + 1];
		/* Lower case only, so one hash has one spelling. */
		hi = hi >= '0' && hi <= '9' ? hi - '0' :
		    hi >= 'a' && hi <= 'f' ? hi - 'a' + 10 : -1;
		lo = lo >= '0' && lo <= '9' ? lo - '0' :
		    lo >= 'a' && lo <= 'f' ? lo - 'a' + 10 : -1;
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

/* The typed fields every line must have; anything else is refused. */
enum ftype { F_INT, F_STR, F_INT_NULL, F_STR_NULL };
static const struct {
	const char	*key;
	enum ftype	 type;
} line_fields[] = {
	{ "detail",	F_STR_NULL },
	{ "gid",	F_INT },
	{ "gun",	F_STR_NULL },
	{ "key_id",	F_STR_NULL },
	{ "line_sha256", F_STR },
	{ "op",		F_STR },
	{ "outcome",	F_STR },
	{ "pid",	F_INT },
	{ "prev",	F_STR },
	{ "role",	F_STR_NULL },
	{ "seq",	F_INT },
	{ "sha256",	F_STR_NULL },
	{ "time",	F_STR },
	{ "uid",	F_INT },
	{ "version",	F_INT_NULL },
};
#define NFIELDS (sizeof(line_fields) / sizeof(line_fields[0]))

/*
 * Checks one line (without its newline) on its own: its self hash, that it
 * is one JSON object with exactly the fields above, and returns its seq and
 * prev. The self hash is checked first so that an edit is named as such.
 */
static int
line_check(const char *line, size_t len, int64_t *seq,
    uint8_t prev[AUDIT_HASH_LEN], struct audit_line_info *li, char *msg,
    size_t msglen)
{
	struct json_limits lim;
	struct json_error jerr;
	struct json_doc *doc = NULL;
	const struct json_value *root, *v;
	uint8_t want[AUDIT_HASH_LEN], got[AUDIT_HASH_LEN];
	const char *key, *s;
	size_t i, klen, slen;
	enum json_type t;
	int rc = AUDIT_ERR_BROKEN;

	*seq = 0;
	if (len > AUDIT_MAX_LINE) {
		signerd_msg_set(msg, msglen, "longer than %d bytes", AUDIT_MAX_LINE);
		goto out;
	}
	if (len < SELF_TAIL_LEN + 1 ||
	    memcmp(line + len - SELF_TAIL_LEN, SELF_KEY, SELF_KEY_LEN) != 0 ||
	    memcmp(line + len - 2, "\"}", 2) != 0 ||
	    unhex(line + len - 2 - HEX_LEN, HEX_LEN, want, AUDIT_HASH_LEN) != 0) {
		signerd_msg_set(msg, msglen, "does not end with its line_sha256");
		goto out;
	}
	if (sha256(line, len - SELF_TAIL_LEN, got) != 0) {
		rc = AUDIT_ERR_NOMEM;
		goto out;
	}
	if (memcmp(want, got, AUDIT_HASH_LEN) != 0) {
		signerd_msg_set(msg, msglen, "line_sha256 does not match the line:"
		    " the line was edited");
		goto out;
	}
	memset(&lim, 0, sizeof(lim));
	lim.max_bytes = AUDIT_MAX_LINE;
	lim.max_depth = 2;
	if (json_doc_parse((const uint8_t *)line, len, &lim, &doc, &jerr) != 0) {
		signerd_msg_set(msg, msglen, "not valid JSON at byte %zu: %s",
		    jerr.offset, jerr.message);
		goto out;
	}
	root = json_doc_root(doc);
	if (json_value_type(root) != JSON_OBJECT ||
	    json_value_count(root) != NFIELDS) {
		signerd_msg_set(msg, msglen, "not an object with the %zu audit fields",
		    NFIELDS);
		goto out;
	}
	for (i = 0; i < NFIELDS; i++) {
		/* Members are sorted by key, and so is line_fields. */
		v = json_object_at(root, i, &key, &klen);
		if (klen != strlen(line_fields[i].key) ||
		    memcmp(key, line_fields[i].key, klen) != 0) {
			signerd_msg_set(msg, msglen, "unexpected key or missing \"%s\"",
			    line_fields[i].key);
			goto out;
		}
		t = json_value_type(v);
		if (!(t == JSON_INT && (line_fields[i].type == F_INT ||
		    line_fields[i].type == F_INT_NULL)) &&
		    !(t == JSON_STRING && (line_fields[i].type == F_STR ||
		    line_fields[i].type == F_STR_NULL)) &&
		    !(t == JSON_NULL && (line_fields[i].type == F_INT_NULL ||
		    line_fields[i].type == F_STR_NULL))) {
			signerd_msg_set(msg, msglen, "\"%s\" has the wrong type",
			    line_fields[i].key);
			goto out;
		}
	}
	if (json_value_int(json_object_get(root, "seq"), seq) != 0 || *seq < 1) {
		signerd_msg_set(msg, msglen, "seq is not a positive integer");
		goto out;
	}
	s = json_value_str(json_object_get(root, "prev"), &slen);
	if (s == NULL || unhex(s, slen, prev, AUDIT_HASH_LEN) != 0) {
		signerd_msg_set(msg, msglen, "prev is not a lower-case hex sha256");
		goto out;
	}
	if (li != NULL) {
		memset(li, 0, sizeof(*li));
		li->seq = *seq;
		v = json_object_get(root, "version");
		if (json_value_type(v) == JSON_INT &&
		    json_value_int(v, &li->version) != 0)
			li->version = 0;
		s = json_value_str(json_object_get(root, "outcome"), &slen);
		li->withdrawn = s != NULL && ((slen == 9 &&
		    memcmp(s, "withdrawn", 9) == 0) || (slen == 13 &&
		    memcmp(s, "not-committed", 13) == 0));
		s = json_value_str(json_object_get(root, "sha256"), &slen);
		if (s != NULL) {
			if (unhex(s, slen, li->sha256, AUDIT_HASH_LEN) != 0) {
				signerd_msg_set(msg, msglen, "sha256 is not a lower-case"
				    " hex sha256");
				goto out;
			}
			li->has_sha256 = 1;
		}
	}
	rc = 0;
out:
	json_doc_free(doc);
	return rc;
}

static void
put_opt_str(struct json_buf *b, const char *key, const char *s, size_t max)
{
	size_t n;

	json_put_raw(b, key, strlen(key));
	if (s == NULL) {
		json_put_raw(b, "null", 4);
		return;
	}
	n = strnlen(s, max);
	/* A cut must not split a UTF-8 sequence. */
	if (s[n] != '\0')
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	json_put_str(b, s, n);
}

static void
put_time(struct json_buf *b)
{
	struct timespec ts;
	struct tm tm;
	char t[64];
	size_t n;
	int w;

	if (clock_gettime(CLOCK_REALTIME, &ts) != 0 ||
	    gmtime_r(&ts.tv_sec, &tm) == NULL ||
	    (n = strftime(t, sizeof(t), "%Y-%m-%dT%H:%M:%S", &tm)) == 0) {
		json_put_raw(b, "\"1970-01-01T00:00:00.000Z\"", 26);
		return;
	}
	w = snprintf(t + n, sizeof(t) - n, ".%03ldZ", ts.tv_nsec / 1000000);
	if (w < 0 || (size_t)w >= sizeof(t) - n)
		t[n] = '\0';
	json_put_str(b, t, strlen(t));
}

/*
 * Builds one line (with its newline) for rec following a line with
 * sha256 prev and sequence seq - 1. Strings are cut (op 256, gun and role
 * 512, key_id 256, outcome 64, detail 1024 bytes) so that even with every
 * byte escaped as \u00XX a line stays under AUDIT_MAX_LINE.
 */
static int
line_build(const struct audit_record *rec, int64_t seq,
    const uint8_t prev[AUDIT_HASH_LEN], uint8_t **out, size_t *outlen)
{
	struct json_buf b;
	uint8_t self[AUDIT_HASH_LEN];
	char hx[HEX_LEN + 1];
	int rc = AUDIT_ERR_INVAL;

	*out = NULL;
	*outlen = 0;
	json_buf_init(&b);
	if (rec == NULL || rec->op == NULL || rec->outcome == NULL)
		goto out;
	json_put_raw(&b, "{\"seq\":", 7);
	json_put_int(&b, seq);
	json_put_raw(&b, ",\"time\":", 8);
	put_time(&b);
	json_put_raw(&b, ",\"uid\":", 7);
	json_put_int(&b, (int64_t)rec->uid);
	json_put_raw(&b, ",\"gid\":", 7);
	json_put_int(&b, (int64_t)rec->gid);
	json_put_raw(&b, ",\"pid\":", 7);
	json_put_int(&b, (int64_t)rec->pid);
	put_opt_str(&b, ",\"op\":", rec->op, 256);
	put_opt_str(&b, ",\"gun\":", rec->gun, 512);
	put_opt_str(&b, ",\"role\":", rec->role, 512);
	json_put_raw(&b, ",\"version\":", 11);
	if (rec->version > 0)
		json_put_int(&b, rec->version);
	else
		json_put_raw(&b, "null", 4);
	put_opt_str(&b, ",\"key_id\":", rec->key_id, 256);
	json_put_raw(&b, ",\"sha256\":", 10);
	if (rec->sha256 != NULL) {
		signerd_hex(rec->sha256, AUDIT_HASH_LEN, hx);
		json_put_str(&b, hx, HEX_LEN);
	} else
		json_put_raw(&b, "null", 4);
	put_opt_str(&b, ",\"outcome\":", rec->outcome, 64);
	put_opt_str(&b, ",\"detail\":", rec->detail, 1024);
	signerd_hex(prev, AUDIT_HASH_LEN, hx);
	json_put_raw(&b, ",\"prev\":", 8);
	json_put_str(&b, hx, HEX_LEN);
	if (b.err != 0) {
		/* Invalid UTF-8 in a caller's string, or no memory. */
		rc = b.err == JSON_ERR_NOMEM ? AUDIT_ERR_NOMEM : AUDIT_ERR_INVAL;
		goto out;
	}
	if ((rc = sha256(b.data, b.len, self)) != 0)
		goto out;
	signerd_hex(self, AUDIT_HASH_LEN, hx);
	json_put_raw(&b, SELF_KEY, SELF_KEY_LEN);
	json_put_raw(&b, hx, HEX_LEN);
	json_put_raw(&b, "\"}\n", 3);
	rc = AUDIT_ERR_NOMEM;
	if (b.err != 0)
		goto out;
	rc = AUDIT_ERR_INVAL;
	if (b.len - 1 > AUDIT_MAX_LINE)
		goto out;
	rc = json_buf_detach(&b, out, outlen) == 0 ? 0 : AUDIT_ERR_NOMEM;
out:
	json_buf_cleanup(&b);
	return rc;
}

static int
write_all(int fd, const uint8_t *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
pread_all(int fd, uint8_t *p, size_t n, off_t off)
{
	ssize_t r;

	while (n > 0) {
		r = pread(fd, p, n, off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
		off += r;
	}
	return 0;
}

/*
 * Writes one line. Caller holds a->mu (or owns a alone). The line is in the
 * file but not yet known to be on disk: see sync_to.
 */
static int
write_locked(struct audit *a, const struct audit_record *rec, off_t *end)
{
	uint8_t *line = NULL, h[AUDIT_HASH_LEN];
	size_t len = 0;
	int rc;

	if (a->failed)
		return AUDIT_ERR_IO;
	if ((rc = line_build(rec, a->seq + 1, a->prev, &line, &len)) != 0)
		return rc;
	if ((rc = sha256(line, len - 1, h)) != 0)
		goto out;
	rc = AUDIT_ERR_IO;
	if (write_all(a->fd, line, len) != 0) {
		/*
		 * Take back whatever part reached the file, so the next line
		 * chains from the last good one; if even that fails, stop:
		 * the next open moves the torn tail aside.
		 */
		if (ftruncate(a->fd, a->size) != 0)
			a->failed = 1;
		goto out;
	}
	a->last_start = a->size;
	a->size += (off_t)len;
	a->seq++;
	memcpy(a->prev, h, AUDIT_HASH_LEN);
	*end = a->size;
	rc = 0;
out:
	free(line);
	return rc;
}

/* The last line written. Caller holds a->mu (or owns a alone). */
static void
head_now(const struct audit *a, struct audit_head *h)
{
	h->seq = a->seq;
	memcpy(h->hash, a->prev, AUDIT_HASH_LEN);
	h->offset = a->seq > 0 ? (int64_t)a->last_start : 0;
}

void
audit_head_get(struct audit *a, struct audit_head *out)
{
	memset(out, 0, sizeof(*out));
	if (a == NULL)
		return;
	pthread_mutex_lock(&a->mu);
	*out = a->synced_head;
	pthread_mutex_unlock(&a->mu);
}

/*
 * Waits until the file is on disk up to end. Group commit: whoever finds
 * no sync running syncs everything written so far, outside the lock, so
 * lines written meanwhile by other workers share one fdatasync. After a
 * failed fdatasync the kernel may have dropped the dirty pages and a retry
 * can falsely succeed, so the log refuses every later append until it is
 * reopened (and recovery reads what really is on disk). Caller holds a->mu.
 */
static int
sync_to(struct audit *a, off_t end)
{
	struct audit_head head;
	off_t target;
	int r;

	while (a->synced < end && !a->failed) {
		if (a->syncing) {
			pthread_cond_wait(&a->synced_cv, &a->mu);
			continue;
		}
		a->syncing = 1;
		target = a->size;
		head_now(a, &head);
		pthread_mutex_unlock(&a->mu);
		r = fdatasync(a->fd);
		pthread_mutex_lock(&a->mu);
		a->syncing = 0;
		if (r != 0)
			a->failed = 1;
		else if (target > a->synced) {
			a->synced = target;
			a->synced_head = head;
		}
		pthread_cond_broadcast(&a->synced_cv);
	}
	return a->synced >= end ? 0 : AUDIT_ERR_IO;
}

int
audit_append(struct audit *a, const struct audit_record *rec)
{
	off_t end = 0;
	int rc;

	if (a == NULL || rec == NULL)
		return AUDIT_ERR_INVAL;
	pthread_mutex_lock(&a->mu);
	if ((rc = write_locked(a, rec, &end)) == 0)
		rc = sync_to(a, end);
	pthread_mutex_unlock(&a->mu);
	return rc;
}

/* Syncs whatever was written and not yet synced, until audit_close. */
static void *
syncer_main(void *arg)
{
	struct audit *a = arg;

	pthread_mutex_lock(&a->mu);
	for (;;) {
		while (!a->quit && (a->failed || a->synced >= a->size))
			pthread_cond_wait(&a->work_cv, &a->mu);
		if (a->quit)
			break;
		(void)sync_to(a, a->size);
	}
	pthread_mutex_unlock(&a->mu);
	return NULL;
}

int
audit_write_many(struct audit *a, const struct audit_record *recs, size_t n,
    int64_t *end)
{
	off_t e = 0;
	size_t i;
	int rc = 0;

	if (end != NULL)
		*end = 0;
	if (a == NULL || recs == NULL || n == 0 || end == NULL)
		return AUDIT_ERR_INVAL;
	pthread_mutex_lock(&a->mu);
	for (i = 0; i < n && rc == 0; i++)
		rc = write_locked(a, &recs[i], &e);
	if (e > 0) {
		/* Without a thread the waiter syncs itself (sync_to). */
		if (!a->syncer_on && pthread_create(&a->syncer, NULL,
		    syncer_main, a) == 0)
			a->syncer_on = 1;
		pthread_cond_signal(&a->work_cv);
	}
	pthread_mutex_unlock(&a->mu);
	*end = (int64_t)e;
	return rc;
}

int
audit_sync_wait(struct audit *a, int64_t end)
{
	int rc;

	if (a == NULL || end < 0)
		return AUDIT_ERR_INVAL;
	pthread_mutex_lock(&a->mu);
	rc = sync_to(a, (off_t)end);
	pthread_mutex_unlock(&a->mu);
	return rc;
}

int
audit_append_many(struct audit *a, const struct audit_record *recs, size_t n)
{
	off_t end = 0;
	size_t i;
	int rc = 0, wrc;

	if (a == NULL || recs == NULL || n == 0)
		return AUDIT_ERR_INVAL;
	pthread_mutex_lock(&a->mu);
	for (i = 0; i < n && rc == 0; i++)
		rc = write_locked(a, &recs[i], &end);
	/* What was written is synced even when a later line failed. */
	if (end > 0) {
		wrc = sync_to(a, end);
		if (rc == 0)
			rc = wrc;
	}
	pthread_mutex_unlock(&a->mu);
	return rc;
}

/* Appends the torn bytes to PATH.torn and syncs them, so nothing is lost. */
static int
torn_save(const char *path, const uint8_t *p, size_t n, char *tpath,
    size_t tlen)
{
	int fd, w, rc = AUDIT_ERR_IO;

	w = snprintf(tpath, tlen, "%s.torn", path);
	if (w < 0 || (size_t)w >= tlen)
		return AUDIT_ERR_INVAL;
	fd = open(tpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (fd < 0)
		return AUDIT_ERR_IO;
	if (write_all(fd, p, n) == 0 && fsync(fd) == 0)
		rc = 0;
	close(fd);
	return rc;
}

/*
 * Reads the tail of the log: finds the last complete line and checks it,
 * and handles a torn tail after it. Caller owns a alone.
 */
static int
recover(struct audit *a, const char *path, struct audit_open_info *info,
    char *msg, size_t msglen)
{
	struct stat sb;
	struct audit_record rec;
	uint8_t *buf = NULL, h[AUDIT_HASH_LEN], prev[AUDIT_HASH_LEN];
	char hx[HEX_LEN + 1], detail[256], why[256];
	size_t want, n, end, start, torn = 0;
	off_t base;
	int64_t seq;
	int rc = AUDIT_ERR_IO;

	if (fstat(a->fd, &sb) != 0)
		goto out;
	if (!S_ISREG(sb.st_mode)) {
		signerd_msg_set(msg, msglen, "%s: not a regular file", path);
		goto out;
	}
	if (sb.st_size == 0) {
		rc = 0;
		goto out;
	}
	/* Enough for a torn line and a whole line before it. */
	want = 2 * (AUDIT_MAX_LINE + 1);
	n = (off_t)want < sb.st_size ? want : (size_t)sb.st_size;
	base = sb.st_size - (off_t)n;
	rc = AUDIT_ERR_NOMEM;
	if ((buf = malloc(n)) == NULL)
		goto out;
	rc = AUDIT_ERR_IO;
	if (pread_all(a->fd, buf, n, base) != 0)
		goto out;
	end = n;
	while (end > 0 && buf[end - 1] != '\n')
		end--;
	torn = n - end;
	rc = AUDIT_ERR_CORRUPT;
	if (end == 0 && base > 0) {
		signerd_msg_set(msg, msglen, "%s: no line end in the last %zu bytes",
		    path, n);
		goto out;
	}
	if (torn > AUDIT_MAX_LINE) {
		signerd_msg_set(msg, msglen, "%s: %zu bytes after the last line are"
		    " longer than any line: not a torn write", path, torn);
		goto out;
	}
	if (end > 0) {
		start = end - 1;
		while (start > 0 && buf[start - 1] != '\n')
			start--;
		if (start == 0 && base > 0) {
			signerd_msg_set(msg, msglen, "%s: last line too long", path);
			goto out;
		}
		if (line_check((const char *)buf + start, end - 1 - start, &seq,
		    prev, NULL, why, sizeof(why)) != 0) {
			signerd_msg_set(msg, msglen, "%s: last complete line: %s;"
			    " run signerd-audit verify", path, why);
			goto out;
		}
		rc = AUDIT_ERR_NOMEM;
		if (sha256(buf + start, end - 1 - start, h) != 0)
			goto out;
		a->seq = seq;
		memcpy(a->prev, h, AUDIT_HASH_LEN);
		a->last_start = base + (off_t)start;
	}
	a->size = base + (off_t)end;
	/*
	 * A process crash leaves unsynced lines in the page cache; sync them
	 * now so the head handed to the ledger is truly on disk.
	 */
	if (fdatasync(a->fd) != 0) {
		rc = AUDIT_ERR_IO;
		signerd_msg_set(msg, msglen, "%s: fdatasync: %s", path, strerror(errno));
		goto out;
	}
	head_now(a, &a->synced_head);
	if (torn > 0) {
		rc = torn_save(path, buf + end, torn, info->torn_path,
		    sizeof(info->torn_path));
		if (rc != 0) {
			signerd_msg_set(msg, msglen, "%s: cannot save torn tail: %s",
			    path, strerror(errno));
			goto out;
		}
		rc = AUDIT_ERR_IO;
		if (ftruncate(a->fd, a->size) != 0 || fsync(a->fd) != 0) {
			signerd_msg_set(msg, msglen, "%s: cannot cut torn tail: %s",
			    path, strerror(errno));
			goto out;
		}
		info->torn_bytes = torn;
		if ((rc = sha256(buf + end, torn, h)) != 0)
			goto out;
		signerd_hex(h, AUDIT_HASH_LEN, hx);
		snprintf(detail, sizeof(detail), "moved a torn last line of"
		    " %zu bytes with sha256 %s to the .torn file", torn, hx);
		memset(&rec, 0, sizeof(rec));
		rec.uid = geteuid();
		rec.gid = getegid();
		rec.pid = getpid();
		rec.op = "audit.recover";
		rec.outcome = "recovered";
		rec.detail = detail;
		info->lines = a->seq;
		a->synced = a->size;
		if ((rc = audit_append(a, &rec)) != 0) {
			signerd_msg_set(msg, msglen, "%s: cannot append the recovery"
			    " line", path);
			goto out;
		}
		rc = 0;
		goto out;
	}
	info->lines = a->seq;
	a->synced = a->size;
	rc = 0;
out:
	free(buf);
	return rc;
}

int
audit_open(const char *path, struct audit **out,
    struct audit_open_info *info, char *msg, size_t msglen)
{
	struct audit_open_info dummy;
	struct audit *a = NULL;
	int rc = AUDIT_ERR_NOMEM, mu_init = 0;

	*out = NULL;
	if (info == NULL)
		info = &dummy;
	memset(info, 0, sizeof(*info));
	if (msg != NULL && msglen > 0)
		msg[0] = '\0';
	if (path == NULL)
		return AUDIT_ERR_INVAL;
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return AUDIT_ERR_NOMEM;
	a->fd = -1;
	if (pthread_mutex_init(&a->mu, NULL) != 0)
		goto out;
	if (pthread_cond_init(&a->synced_cv, NULL) != 0) {
		pthread_mutex_destroy(&a->mu);
		goto out;
	}
	if (pthread_cond_init(&a->work_cv, NULL) != 0) {
		pthread_cond_destroy(&a->synced_cv);
		pthread_mutex_destroy(&a->mu);
		goto out;
	}
	mu_init = 1;
	rc = AUDIT_ERR_IO;
	/* O_APPEND: every write lands at the end, even after a cut. */
	a->fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (a->fd < 0) {
		signerd_msg_set(msg, msglen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if ((rc = recover(a, path, info, msg, msglen)) != 0)
		goto out;
	*out = a;
	a = NULL;	/* transferred */
out:
	if (a != NULL) {
		if (a->fd >= 0)
			close(a->fd);
		if (mu_init) {
			pthread_cond_destroy(&a->work_cv);
			pthread_cond_destroy(&a->synced_cv);
			pthread_mutex_destroy(&a->mu);
		}
		free(a);
	}
	return rc;
}

void
audit_close(struct audit *a)
{
	if (a == NULL)
		return;
	if (a->syncer_on) {
		pthread_mutex_lock(&a->mu);
		a->quit = 1;
		pthread_cond_signal(&a->work_cv);
		pthread_mutex_unlock(&a->mu);
		pthread_join(a->syncer, NULL);
	}
	if (a->fd >= 0)
		close(a->fd);
	pthread_cond_destroy(&a->work_cv);
	pthread_cond_destroy(&a->synced_cv);
	pthread_mutex_destroy(&a->mu);
	free(a);
}

#define SCAN_CHUNK	65536

int
audit_scan(struct audit *a, const struct audit_head *from,
    audit_scan_fn *fn, void *ctx, struct audit_head *end, char *msg,
    size_t msglen)
{
	struct audit_line_info li;
	struct audit_head cur;
	uint8_t *buf = NULL, *nl, lprev[AUDIT_HASH_LEN];
	char why[256];
	size_t cap = AUDIT_MAX_LINE + 1 + SCAN_CHUNK, have = 0, len, want;
	off_t size, off, pos;
	int64_t seq;
	ssize_t r;
	int rc = AUDIT_ERR_INVAL, first;

	if (end != NULL)
		memset(end, 0, sizeof(*end));
	if (msg != NULL && msglen > 0)
		msg[0] = '\0';
	if (a == NULL || from == NULL || fn == NULL || from->seq < 0 ||
	    from->offset < 0 || (from->seq == 0 && from->offset != 0))
		return AUDIT_ERR_INVAL;
	memset(&cur, 0, sizeof(cur));	/* seq 0, the genesis hash */
	first = from->seq > 0;
	pthread_mutex_lock(&a->mu);
	size = a->size;
	pthread_mutex_unlock(&a->mu);
	pos = off = (off_t)from->offset;
	if ((buf = malloc(cap)) == NULL)
		return AUDIT_ERR_NOMEM;
	for (;;) {
		while ((nl = memchr(buf, '\n', have)) == NULL) {
			rc = AUDIT_ERR_BROKEN;
			if (have > AUDIT_MAX_LINE) {
				signerd_msg_set(msg, msglen, "byte %lld: line longer than"
				    " %d bytes", (long long)pos, AUDIT_MAX_LINE);
				goto out;
			}
			if (off >= size)
				break;
			want = cap - have;
			if ((off_t)want > size - off)
				want = (size_t)(size - off);
			r = pread(a->fd, buf + have, want, off);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				rc = AUDIT_ERR_IO;
				signerd_msg_set(msg, msglen, "read at byte %lld: %s",
				    (long long)off, r < 0 ? strerror(errno) :
				    "unexpected end of file");
				goto out;
			}
			have += (size_t)r;
			off += r;
		}
		if (nl == NULL)
			break;
		len = (size_t)(nl - buf);
		rc = AUDIT_ERR_BROKEN;
		if (line_check((const char *)buf, len, &seq, lprev, &li, why,
		    sizeof(why)) != 0) {
			signerd_msg_set(msg, msglen, "line %lld: %s", (long long)cur.seq + 1,
			    why);
			goto out;
		}
		if ((rc = sha256(buf, len, li.line_hash)) != 0)
			goto out;
		rc = AUDIT_ERR_BROKEN;
		if (first) {
			/* The anchor line itself: it must be the very same line. */
			if (seq != from->seq || memcmp(li.line_hash, from->hash,
			    AUDIT_HASH_LEN) != 0) {
				signerd_msg_set(msg, msglen, "line %lld (at byte %lld) is"
				    " not the line recorded before: the log was"
				    " rewritten or cut", (long long)from->seq,
				    (long long)from->offset);
				goto out;
			}
			first = 0;
		} else {
			if (seq != cur.seq + 1) {
				signerd_msg_set(msg, msglen, "line %lld: seq is %lld: a"
				    " line was removed, inserted or moved",
				    (long long)cur.seq + 1, (long long)seq);
				goto out;
			}
			if (memcmp(lprev, cur.hash, AUDIT_HASH_LEN) != 0) {
				signerd_msg_set(msg, msglen, "line %lld: prev is not the"
				    " sha256 of line %lld", (long long)seq,
				    (long long)cur.seq);
				goto out;
			}
			if ((rc = fn(ctx, &li)) != 0)
				goto out;
		}
		cur.seq = seq;
		memcpy(cur.hash, li.line_hash, AUDIT_HASH_LEN);
		cur.offset = (int64_t)pos;
		pos += (off_t)len + 1;
		have -= len + 1;
		memmove(buf, nl + 1, have);
	}
	rc = AUDIT_ERR_BROKEN;
	if (first) {
		signerd_msg_set(msg, msglen, "the log ends before line %lld (byte %lld):"
		    " lines were removed from its end", (long long)from->seq,
		    (long long)from->offset);
		goto out;
	}
	if (have > 0) {
		signerd_msg_set(msg, msglen, "byte %lld: incomplete last line",
		    (long long)pos);
		goto out;
	}
	if (end != NULL)
		*end = cur;
	rc = 0;
out:
	free(buf);
	return rc;
}

int
audit_verify(const char *path, int64_t *lines, int64_t *first_bad,
    char *msg, size_t msglen)
{
	uint8_t prev[AUDIT_HASH_LEN], line_prev[AUDIT_HASH_LEN];
	char *buf = NULL, why[256];
	int64_t n = 0, seq;
	size_t len = 0;
	FILE *f = NULL;
	int c, rc = AUDIT_ERR_IO, overlong = 0;

	*lines = 0;
	*first_bad = 0;
	if (msg != NULL && msglen > 0)
		msg[0] = '\0';
	memset(prev, 0, sizeof(prev));	/* the genesis value */
	if ((f = fopen(path, "rbe")) == NULL) {
		signerd_msg_set(msg, msglen, "%s: %s", path, strerror(errno));
		goto out;
	}
	rc = AUDIT_ERR_NOMEM;
	if ((buf = malloc(AUDIT_MAX_LINE + 1)) == NULL)
		goto out;
	for (;;) {
		c = getc(f);
		if (c != EOF && c != '\n') {
			if (len < AUDIT_MAX_LINE + 1)
				buf[len++] = (char)c;
			else
				overlong = 1;
			continue;
		}
		if (c == EOF && len == 0 && !overlong)
			break;
		n++;
		rc = AUDIT_ERR_BROKEN;
		if (c == EOF) {
			signerd_msg_set(msg, msglen, "line %lld: incomplete (no"
			    " newline): a torn write, which signerd moves"
			    " aside when it next opens the log", (long long)n);
			*first_bad = n;
			goto out;
		}
		if (overlong) {
			signerd_msg_set(msg, msglen, "line %lld: longer than %d bytes",
			    (long long)n, AUDIT_MAX_LINE);
			*first_bad = n;
			goto out;
		}
		if (line_check(buf, len, &seq, line_prev, NULL, why,
		    sizeof(why)) != 0) {
			signerd_msg_set(msg, msglen, "line %lld: %s", (long long)n, why);
			*first_bad = n;
			goto out;
		}
		if (seq != n) {
			signerd_msg_set(msg, msglen, "line %lld: seq is %lld: a line"
			    " was removed, inserted or moved before it",
			    (long long)n, (long long)seq);
			*first_bad = n;
			goto out;
		}
		if (memcmp(prev, line_prev, AUDIT_HASH_LEN) != 0) {
			signerd_msg_set(msg, msglen, "line %lld: prev is not the"
			    " sha256 of line %lld", (long long)n,
			    (long long)(n - 1));
			*first_bad = n;
			goto out;
		}
		rc = AUDIT_ERR_NOMEM;
		if (sha256(buf, len, prev) != 0)
			goto out;
		len = 0;
	}
	if (ferror(f)) {
		rc = AUDIT_ERR_IO;
		signerd_msg_set(msg, msglen, "%s: read error", path);
		goto out;
	}
	*lines = n;
	rc = 0;
out:
	free(buf);
	if (f != NULL)
		fclose(f);
	return rc;
}
