/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ledger's WAL checkpoints, on a thread of their own. SQLite's automatic
 * checkpoint runs inside the COMMIT that crosses its threshold: that request,
 * and every request queued behind its batch, then waits for a thousand page
 * writes and two more fsyncs. Here a separate connection copies the WAL back
 * into the database beside the commits (WAL lets both run at once), so a
 * request only ever waits for its own batch's fsync.
 */
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include <sqlite3.h>

#include "ledger_ckpt.h"

/* Checkpoint once this many commits have happened, or this often. */
#define CKPT_COMMITS	256
#define CKPT_PERIOD_MS	1000
/*
 * The WAL starts over only when a checkpoint has copied every frame in it,
 * and under steady load new frames arrive while one runs. Past this many
 * frames (32 MiB) the rest is copied with the writer held off, so the file
 * stays bounded; that costs a commit a few pages and one fsync, rarely.
 */
#define CKPT_CATCHUP_FRAMES 8192

struct ledger_ckpt {
	sqlite3		*db;
	pthread_mutex_t	*writer;	/* the ledger's, held around commits */
	pthread_t	 thread;
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	unsigned	 commits;	/* since the last checkpoint */
	int		 quit;
};

static void *
ckpt_main(void *arg)
{
	struct ledger_ckpt *c = arg;
	struct timespec until;
	int rc, nlog, ncopied;

	pthread_mutex_lock(&c->mu);
	while (!c->quit) {
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += CKPT_PERIOD_MS / 1000;
		while (!c->quit && c->commits < CKPT_COMMITS) {
			rc = pthread_cond_timedwait(&c->cv, &c->mu, &until);
			if (rc != 0)
				break;	/* the period is over */
		}
		if (c->quit)
			break;
		if (c->commits == 0)
			continue;
		c->commits = 0;
		pthread_mutex_unlock(&c->mu);
		/*
		 * PASSIVE never waits for the writer; pages still in use by a
		 * reader stay in the WAL for the next round. A failure is
		 * harmless: the WAL keeps every commit, and the next round
		 * (or opening the ledger) checkpoints it.
		 */
		nlog = ncopied = 0;
		if (sqlite3_wal_checkpoint_v2(c->db, NULL,
		    SQLITE_CHECKPOINT_PASSIVE, &nlog, &ncopied) == SQLITE_OK &&
		    nlog >= CKPT_CATCHUP_FRAMES) {
			pthread_mutex_lock(c->writer);
			(void)sqlite3_wal_checkpoint_v2(c->db, NULL,
			    SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
			pthread_mutex_unlock(c->writer);
		}
		pthread_mutex_lock(&c->mu);
	}
	pthread_mutex_unlock(&c->mu);
	return NULL;
}

int
ledger_ckpt_start(const char *path, pthread_mutex_t *writer,
    struct ledger_ckpt **out)
{
	struct ledger_ckpt *c;
	int made = 0, rc = -1;

	*out = NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return -1;
	c->writer = writer;
	if (sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
		goto out;
	sqlite3_busy_timeout(c->db, 1000);
	/* Connections open the file lazily; a checkpoint needs it open, in WAL. */
	if (sqlite3_exec(c->db, "PRAGMA journal_mode=WAL", NULL, NULL,
	    NULL) != SQLITE_OK)
		goto out;
	if (pthread_mutex_init(&c->mu, NULL) != 0)
		goto out;
	made++;
	if (pthread_cond_init(&c->cv, NULL) != 0)
		goto out;
	made++;
	if (pthread_create(&c->thread, NULL, ckpt_main, c) != 0)
		goto out;
	*out = c;
	c = NULL;	/* transferred */
	rc = 0;
out:
	if (c != NULL) {
		if (made > 1)
			pthread_cond_destroy(&c->cv);
		if (made > 0)
			pthread_mutex_destroy(&c->mu);
		sqlite3_close(c->db);
		free(c);
	}
	return rc;
}

void
ledger_ckpt_note(struct ledger_ckpt *c)
{
	if (c == NULL)
		return;
	pthread_mutex_lock(&c->mu);
	if (++c->commits == CKPT_COMMITS)
		pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
}

void
ledger_ckpt_stop(struct ledger_ckpt *c)
{
	if (c == NULL)
		return;
	pthread_mutex_lock(&c->mu);
	c->quit = 1;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
	pthread_join(c->thread, NULL);
	pthread_cond_destroy(&c->cv);
	pthread_mutex_destroy(&c->mu);
	sqlite3_close(c->db);
	free(c);
}
