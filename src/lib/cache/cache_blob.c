/*
 * cache_blob.c - local blob trust: a blob slice of a plain file whose identity (real
 * path, offset, length, size, mtime, ctime, inode, device) matches a past verification
 * is trusted as that digest without reading it, so an unchanged image is not even
 * decompressed when its layers are also in the layer cache. ctime is in the identity
 * because user space cannot set it: `touch -d` can forge an mtime, not a ctime.
 */
#include "cache_int.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static bool identify(const char *file, int64_t off, int64_t len, lc_cache_blob_id *id)
{
	struct stat st;

	memset(id, 0, sizeof(*id));
	if (!file || strlen(file) >= PATH_MAX || sizeof(id->path) < PATH_MAX)
		return false;
	if (!realpath(file, id->path))
		return false;
	if (stat(id->path, &st) != 0 || !S_ISREG(st.st_mode))
		return false;
	id->offset = off;
	id->length = len;
	id->size = (int64_t)st.st_size;
	id->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	id->ctime_ns = (int64_t)st.st_ctim.tv_sec * 1000000000 + st.st_ctim.tv_nsec;
	id->inode = (uint64_t)st.st_ino;
	id->dev = (uint64_t)st.st_dev;
	return true;
}

bool lc__cache_blob_identify(const lc_stream *s, lc_cache_blob_id *id)
{
	if (!s)
		return false;
	return identify(s->file_path, s->file_offset, s->file_length, id);
}

static bool same_id(const lc_cache_blob_id *a, const lc_cache_blob_id *b)
{
	return strcmp(a->path, b->path) == 0 && a->offset == b->offset &&
	       a->length == b->length && a->size == b->size && a->mtime_ns == b->mtime_ns &&
	       a->ctime_ns == b->ctime_ns && a->inode == b->inode && a->dev == b->dev;
}

bool lc__cache_blob_trusted(lc_cache *c, const lc_stream *s, const char *expected_digest,
			    char diff_id[72])
{
	bool ok = false;
	lc_cache_blob_id now;
	sqlite3_stmt *st = NULL;

	if (diff_id)
		diff_id[0] = 0;
	if (!c || !expected_digest || !lc__cache_blob_identify(s, &now))
		return false;
	pthread_mutex_lock(&c->lock);
	if (!c->db)
		goto out;
	if (sqlite3_prepare_v2(c->db,
			       "SELECT size, mtime_ns, ctime_ns, inode, dev, digest, diff_id "
			       "FROM blobs WHERE path = ?1 AND off = ?2 AND len = ?3",
			       -1, &st, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_text(st, 1, now.path, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now.offset);
	sqlite3_bind_int64(st, 3, now.length);
	if (sqlite3_step(st) == SQLITE_ROW) {
		lc_cache_blob_id was = now;
		const char *dg = (const char *)sqlite3_column_text(st, 5);
		const char *di = (const char *)sqlite3_column_text(st, 6);

		was.size = sqlite3_column_int64(st, 0);
		was.mtime_ns = sqlite3_column_int64(st, 1);
		was.ctime_ns = sqlite3_column_int64(st, 2);
		was.inode = (uint64_t)sqlite3_column_int64(st, 3);
		was.dev = (uint64_t)sqlite3_column_int64(st, 4);
		ok = dg && di && same_id(&was, &now) && strcmp(dg, expected_digest) == 0 &&
		     strlen(di) < 72;
		if (ok && diff_id)
			strcpy(diff_id, di);
	}
out:
	sqlite3_finalize(st);
	pthread_mutex_unlock(&c->lock);
	return ok;
}

bool lc__cache_blob_diff_id(lc_cache *c, const char *blob_digest, char diff_id[72])
{
	bool ok = false;
	sqlite3_stmt *st = NULL;

	diff_id[0] = 0;
	if (!c || !blob_digest)
		return false;
	pthread_mutex_lock(&c->lock);
	if (c->db &&
	    sqlite3_prepare_v2(c->db, "SELECT diff_id FROM digests WHERE digest = ?1", -1, &st,
			       NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, blob_digest, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW) {
			const char *di = (const char *)sqlite3_column_text(st, 0);

			if (di && strlen(di) < 72) {
				strcpy(diff_id, di);
				ok = true;
			}
		}
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&c->lock);
	return ok;
}

/* Insert or refresh one row; inside the caller's transaction. */
static int put_digest(sqlite3 *db, const char *digest, const char *diff_id, int64_t now)
{
	sqlite3_stmt *st = NULL;
	int e = sqlite3_prepare_v2(db,
				   "INSERT OR REPLACE INTO digests(digest, diff_id, verified) "
				   "VALUES(?1, ?2, ?3)", -1, &st, NULL);

	if (e == SQLITE_OK) {
		sqlite3_bind_text(st, 1, digest, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, diff_id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, now);
		e = sqlite3_step(st);
		e = e == SQLITE_DONE ? SQLITE_OK : e;
	}
	sqlite3_finalize(st);
	return e;
}

static int put_identity(sqlite3 *db, const lc_cache_blob_id *id, const char *digest,
			const char *diff_id, int64_t now)
{
	sqlite3_stmt *st = NULL;
	int e = sqlite3_prepare_v2(db,
				   "INSERT OR REPLACE INTO blobs(path, off, len, size, mtime_ns, "
				   "ctime_ns, inode, dev, digest, diff_id, verified) "
				   "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
				   -1, &st, NULL);

	if (e == SQLITE_OK) {
		sqlite3_bind_text(st, 1, id->path, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, id->offset);
		sqlite3_bind_int64(st, 3, id->length);
		sqlite3_bind_int64(st, 4, id->size);
		sqlite3_bind_int64(st, 5, id->mtime_ns);
		sqlite3_bind_int64(st, 6, id->ctime_ns);
		sqlite3_bind_int64(st, 7, (int64_t)id->inode);
		sqlite3_bind_int64(st, 8, (int64_t)id->dev);
		sqlite3_bind_text(st, 9, digest, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 10, diff_id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 11, now);
		e = sqlite3_step(st);
		e = e == SQLITE_DONE ? SQLITE_OK : e;
	}
	sqlite3_finalize(st);
	return e;
}

void lc__cache_blob_record(lc_cache *c, const lc_cache_blob_id *before, const char *digest,
			   const char *diff_id)
{
	lc_cache_blob_id after;
	bool same = false;
	int64_t now = lc__cache_now_ms();
	int e;

	if (!c || !digest || !diff_id || strncmp(digest, "sha256:", 7) != 0 ||
	    strncmp(diff_id, "sha256:", 7) != 0)
		return;
	/* Changed while we read it: what we verified may not be what is there now. */
	if (before && before->path[0])
		same = identify(before->path, before->offset, before->length, &after) &&
		       same_id(before, &after);
	pthread_mutex_lock(&c->lock);
	if (!c->db)
		goto out;
	e = sqlite3_exec(c->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	/* The digest names the content: this holds whatever happened to the file since. */
	if (e == SQLITE_OK)
		e = put_digest(c->db, digest, diff_id, now);
	if (e == SQLITE_OK && same)
		e = put_identity(c->db, &after, digest, diff_id, now);
	/* Bounded: the oldest verifications go first (they are re-done when needed). */
	if (e == SQLITE_OK)
		e = sqlite3_exec(c->db,
				 "DELETE FROM blobs WHERE rowid IN (SELECT rowid FROM blobs "
				 "ORDER BY verified DESC LIMIT -1 OFFSET "
				 LC_CACHE_STR(LC_CACHE_MAX_BLOBS) ");"
				 "DELETE FROM digests WHERE rowid IN (SELECT rowid FROM digests "
				 "ORDER BY verified DESC LIMIT -1 OFFSET "
				 LC_CACHE_STR(LC_CACHE_MAX_BLOBS) ")",
				 NULL, NULL, NULL);
	if (e == SQLITE_OK)
		e = sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL);
	if (e != SQLITE_OK)
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
out:
	pthread_mutex_unlock(&c->lock);
}
