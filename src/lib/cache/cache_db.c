/*
 * cache_db.c - the layer cache's SQLite database: where it lives, opening it (WAL, a
 * busy timeout, rebuild when damaged or of another schema), lookup/store of layer
 * records with LRU eviction under a size bound, and the public info/prune/clean calls.
 * Several laocoon processes share one file: every write is one short IMMEDIATE
 * transaction, reads see a snapshot, and nothing holds a lock across a layer scan.
 */
#include "cache_int.h"

#include <dirent.h>
#include <errno.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

/* Other processes writing: wait this long for their transaction before giving up. */
#define BUSY_TIMEOUT_MS 30000

static const char *const schema_sql =
	"CREATE TABLE layers("
	" id INTEGER PRIMARY KEY,"
	" diff_id TEXT NOT NULL,"
	" fingerprint TEXT NOT NULL,"
	" size INTEGER NOT NULL,"  /* length(data): what the size bound counts */
	" raw_size INTEGER NOT NULL,"
	" entries INTEGER NOT NULL,"
	" findings INTEGER NOT NULL,"
	" created INTEGER NOT NULL,"
	" last_used INTEGER NOT NULL,"
	" hits INTEGER NOT NULL DEFAULT 0,"
	" UNIQUE(diff_id, fingerprint));"
	"CREATE INDEX layers_lru ON layers(last_used, id);"
	/* The record (zstd frame, cache_codec.c) in a table of its own: a warm scan's touch
	 * of last_used and hits rewrote the row, and with it the blob's overflow pages (50-100
	 * KB of WAL and an fsync per warm rescan of the 100 MB bench image). */
	"CREATE TABLE layer_data(id INTEGER PRIMARY KEY, data BLOB NOT NULL);"
	"CREATE TRIGGER layers_gone AFTER DELETE ON layers"
	" BEGIN DELETE FROM layer_data WHERE id = old.id; END;"
	"CREATE TABLE blobs("
	" path TEXT NOT NULL, off INTEGER NOT NULL, len INTEGER NOT NULL,"
	" size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, ctime_ns INTEGER NOT NULL,"
	" inode INTEGER NOT NULL, dev INTEGER NOT NULL,"
	" digest TEXT NOT NULL, diff_id TEXT NOT NULL, verified INTEGER NOT NULL,"
	" PRIMARY KEY(path, off, len));"
	"CREATE INDEX blobs_age ON blobs(verified);"
	/* digest -> diff_id of every blob verified, wherever it was (compressed archives,
	 * later registry bodies): re-hashing the compressed bytes then replaces decompressing */
	"CREATE TABLE digests(digest TEXT PRIMARY KEY, diff_id TEXT NOT NULL,"
	" verified INTEGER NOT NULL);"
	"CREATE INDEX digests_age ON digests(verified);"
	"CREATE TABLE stats(name TEXT PRIMARY KEY, value INTEGER NOT NULL);";

int64_t lc__cache_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* mkdir -p with private permissions: the cache reveals what a user scanned. */
int lc__mkdirs(const char *path)
{
	char tmp[4096];
	size_t n = strlen(path);
	int rc = -1;
	if (n == 0 || n >= sizeof(tmp))
		goto out;
	memcpy(tmp, path, n + 1);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
			goto out;
		*p = '/';
	}
	if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
		goto out;
	rc = 0;
out:
	return rc;
}

/* A cache file whole: a regular file (a symlink is not followed) of more than `min` and at
 * most `max` bytes, read into a new buffer. NULL when absent, of another size or
 * unreadable: the caller rebuilds. */
uint8_t *lc__cache_file_read(const char *path, size_t min, int64_t max, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	void *map = MAP_FAILED;
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= (off_t)min ||
	    st.st_size > max)
		goto out;
	/* mapped, not read: the matcher's 3.6 MB database was a copy and a page fault per
	 * page of a fresh buffer (~1.7 ms of every start). Files are replaced by rename and
	 * removed by unlink, never truncated in place, so the mapping stays whole. */
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
	if (map != MAP_FAILED)
		*len = (size_t)st.st_size;
out:
	if (fd >= 0)
		close(fd);
	return map == MAP_FAILED ? NULL : map;
}

void lc__cache_file_release(uint8_t *data, size_t len)
{
	if (data)
		munmap(data, len);
}

/* Write a cache file whole: the parts into a temporary file in dir (created 0700 if need
 * be), fsync'ed, then renamed onto path, so a concurrent reader sees the old file or the
 * whole new one, never half of it. 0, or -1 (nothing is left behind). */
int lc__cache_file_write(const char *dir, const char *path, const struct iovec *parts,
			 size_t nparts)
{
	char tmp[4200];
	int fd = -1, rc = -1;
	FILE *f = NULL;
	bool made = false;
	if (lc__mkdirs(dir) != 0 ||
	    (size_t)snprintf(tmp, sizeof(tmp), "%s/.tmp-XXXXXX", dir) >= sizeof(tmp))
		goto out;
	fd = mkstemp(tmp);
	if (fd < 0)
		goto out;
	made = true;
	f = fdopen(fd, "wb");
	if (!f)
		goto out;
	fd = -1;
	for (size_t i = 0; i < nparts; i++)
		if (parts[i].iov_len && fwrite(parts[i].iov_base, 1, parts[i].iov_len, f) !=
					       parts[i].iov_len)
			goto out;
	if (fflush(f) != 0 || fsync(fileno(f)) != 0)
		goto out;
	if (fclose(f) != 0) {
		f = NULL;
		goto out;
	}
	f = NULL;
	rc = rename(tmp, path);
out:
	if (f)
		fclose(f);
	if (fd >= 0)
		close(fd);
	if (rc != 0 && made)
		unlink(tmp);
	return rc;
}

/* ctx->cache_dir, else $LAOCOON_CACHE_DIR (tests and CI point every run at one place),
 * else $XDG_CACHE_HOME/laocoon (absolute only, per the XDG spec), else ~/.cache/laocoon.
 * One answer for every cache (layer database, matcher database, YARA rules). */
int lc__cache_dir(const lc_ctx *ctx, char *dir, size_t size)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	const char *env = getenv("LAOCOON_CACHE_DIR");
	int n;

	if (ctx && ctx->cache_dir && ctx->cache_dir[0]) {
		n = snprintf(dir, size, "%s", ctx->cache_dir);
	} else if (env && env[0]) {
		n = snprintf(dir, size, "%s", env);
	} else if (xdg && xdg[0] == '/') {
		n = snprintf(dir, size, "%s/laocoon", xdg);
	} else {
		if (!home || home[0] != '/') {
			struct passwd *pw = getpwuid(getuid());

			home = pw ? pw->pw_dir : NULL;
		}
		if (!home)
			return -1;
		n = snprintf(dir, size, "%s/.cache/laocoon", home);
	}
	return n > 0 && (size_t)n < size ? 0 : -1;
}

static lc_code cache_path(lc_ctx *ctx, char *path, size_t size, bool create_dir)
{
	char dir[4096];
	size_t n;

	if (lc__cache_dir(ctx, dir, sizeof(dir)) != 0)
		return lc__fail(ctx, LC_EINTERNAL, "cache: no home directory or a path too long; set "
						  "cache-dir or XDG_CACHE_HOME");
	n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/')
		dir[--n] = 0;
	if (create_dir && lc__mkdirs(dir) != 0)
		return lc__fail(ctx, LC_EINTERNAL, "cache: cannot create %s: %s", dir,
				strerror(errno));
	if ((size_t)snprintf(path, size, "%s/cache.db", dir) >= size)
		return lc__fail(ctx, LC_EINTERNAL, "cache: directory path too long");
	return LC_OK;
}

static int64_t max_size_of(const lc_ctx *ctx)
{
	return ctx->cache_max_size > 0 ? ctx->cache_max_size : LC_CACHE_DEFAULT_MAX_SIZE;
}

static bool is_damage(int e)
{
	e &= 0xff;
	return e == SQLITE_CORRUPT || e == SQLITE_NOTADB;
}

/* Runs SQL without results; returns the SQLite code. */
static int exec(sqlite3 *db, const char *sql)
{
	return sqlite3_exec(db, sql, NULL, NULL, NULL);
}

static int64_t query_int(sqlite3 *db, const char *sql, int *err)
{
	sqlite3_stmt *st = NULL;
	int64_t v = 0;
	int e = sqlite3_prepare_v2(db, sql, -1, &st, NULL);

	if (e == SQLITE_OK) {
		e = sqlite3_step(st);
		if (e == SQLITE_ROW) {
			v = sqlite3_column_int64(st, 0);
			e = SQLITE_OK;
		} else if (e == SQLITE_DONE) {
			e = SQLITE_OK;
		}
	}
	sqlite3_finalize(st);
	if (err && e != SQLITE_OK && *err == SQLITE_OK)
		*err = e;
	return v;
}

/* Drop every table and create ours; inside the caller's IMMEDIATE transaction. */
static int rebuild_tables(sqlite3 *db)
{
	int e;
	sqlite3_stmt *st = NULL;
	char names[64][128];
	int n = 0;

	e = sqlite3_prepare_v2(db,
			       "SELECT name FROM sqlite_master WHERE type='table' AND "
			       "name NOT LIKE 'sqlite_%'", -1, &st, NULL);
	while (e == SQLITE_OK && (e = sqlite3_step(st)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);

		if (n < 64 && name && strlen(name) < sizeof(names[0]))
			strcpy(names[n++], name);
		e = SQLITE_OK;
	}
	sqlite3_finalize(st);
	if (e != SQLITE_DONE && e != SQLITE_OK)
		return e;
	for (int i = 0; i < n; i++) {
		char *sql = sqlite3_mprintf("DROP TABLE \"%w\"", names[i]);

		e = sql ? exec(db, sql) : SQLITE_NOMEM;
		sqlite3_free(sql);
		if (e)
			return e;
	}
	e = exec(db, schema_sql);
	if (e == SQLITE_OK) {
		char *sql = sqlite3_mprintf("PRAGMA user_version=%d", LC_CACHE_SCHEMA_VERSION);

		e = sql ? exec(db, sql) : SQLITE_NOMEM;
		sqlite3_free(sql);
	}
	return e;
}

/* Open the file and bring it to our schema. Returns the SQLite code of the first failure. */
static int db_prepare(sqlite3 *db)
{
	int e, err = SQLITE_OK;
	int64_t v;

	sqlite3_busy_timeout(db, BUSY_TIMEOUT_MS);
	/* A warm rescan writes one small transaction. Deleting the WAL at close and making
	 * it again at the next open, with the checkpoint in between, cost ~5 fsyncs (10-20
	 * ms) per scan: keep the WAL file; lc__cache_close folds it back when it grows
	 * (SQLite's automatic checkpoint cannot: see wal_note). */
	int on = 1;
	sqlite3_file_control(db, "main", SQLITE_FCNTL_PERSIST_WAL, &on);
	sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, (int *)NULL);
	/* NORMAL first: anything written before it would commit with FULL's fsyncs. */
	e = exec(db, "PRAGMA synchronous=NORMAL");
	/* Only takes effect on a new file: deleted records then give pages back to the OS.
	 * Set only when not set: the pragma on an existing file was a write transaction (and
	 * two fdatasyncs) at every open, the one write a warm rescan had before its own. */
	if (e == SQLITE_OK && query_int(db, "PRAGMA auto_vacuum", &err) != 2 && err == SQLITE_OK)
		e = exec(db, "PRAGMA auto_vacuum=INCREMENTAL");
	if (e == SQLITE_OK)
		e = err;
	if (e == SQLITE_OK)
		e = exec(db, "PRAGMA journal_mode=WAL");
	if (e == SQLITE_OK)
		e = exec(db, "PRAGMA synchronous=NORMAL");
	if (e)
		return e;
	v = query_int(db, "PRAGMA user_version", &err);
	if (err)
		return err;
	/* Reading sqlite_master touches the first pages: a file with a valid header but
	 * damaged schema fails here instead of in the middle of a scan. */
	query_int(db, "SELECT count(*) FROM sqlite_master", &err);
	if (err)
		return err;
	if (v == LC_CACHE_SCHEMA_VERSION)
		return SQLITE_OK;
	e = exec(db, "BEGIN IMMEDIATE");
	if (e)
		return e;
	/* Another process may have rebuilt it while we waited for the lock. */
	v = query_int(db, "PRAGMA user_version", &err);
	if (err == SQLITE_OK && v != LC_CACHE_SCHEMA_VERSION)
		err = rebuild_tables(db);
	if (err == SQLITE_OK)
		err = exec(db, "COMMIT");
	if (err)
		exec(db, "ROLLBACK");
	return err;
}

static void unlink_db(const char *path)
{
	static const char *const sides[] = {"-wal", "-shm", "-journal"};
	char side[4200];
	size_t n = strlen(path);

	unlink(path);
	/* A path too long for the buffer has no side files we could have made. */
	for (size_t i = 0; i < 3 && n + strlen(sides[i]) < sizeof(side); i++) {
		memcpy(side, path, n);
		memcpy(side + n, sides[i], strlen(sides[i]) + 1);
		unlink(side);
	}
}

static int db_open_file(const char *path, sqlite3 **out)
{
	int e = sqlite3_open_v2(path, out,
				SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
					SQLITE_OPEN_FULLMUTEX,
				NULL);

	if (e == SQLITE_OK)
		e = db_prepare(*out);
	if (e != SQLITE_OK) {
		sqlite3_close_v2(*out);
		*out = NULL;
	}
	return e;
}

/* Open, and when the file turns out damaged, delete it and start over once. */
static lc_code db_open(lc_ctx *ctx, const char *path, sqlite3 **out)
{
	int e;
	mode_t old = umask(077);

	e = db_open_file(path, out);
	if (is_damage(e)) {
		unlink_db(path);
		e = db_open_file(path, out);
	}
	umask(old);
	if (e != SQLITE_OK)
		return lc__fail(ctx, LC_EINTERNAL, "cache: cannot open %s: %s", path,
				sqlite3_errstr(e));
	return LC_OK;
}

/*
 * The WAL's length after each of our commits. SQLite's automatic checkpoint copies the
 * WAL into the database, but only a later write of the same process may then restart it
 * from the top: the first open of every process rebuilds the WAL index and forgets what
 * was copied. A warm rescan writes once per process, so the WAL grew by its 3 pages per
 * scan without end (4 MB after 300 rescans), and every process reads and checksums all
 * of it at its first open (~0.4 ms a MB). This hook replaces the automatic checkpoint;
 * lc__cache_close truncates the WAL past LC_CACHE_WAL_PAGES.
 */
static int wal_note(void *ud, sqlite3 *db, const char *name, int frames)
{
	(void)db;
	(void)name;
	((lc_cache *)ud)->wal_frames = frames;
	return SQLITE_OK;
}

lc_code lc__cache_open(lc_ctx *ctx, lc_cache **out)
{
	lc_code rc = LC_OK;
	lc_cache *c = NULL;
	char path[4200];

	*out = NULL;
	if (ctx->no_cache)
		goto out;
	rc = cache_path(ctx, path, sizeof(path), true);
	if (rc)
		goto out;
	c = calloc(1, sizeof(*c));
	if (!c || !(c->path = strdup(path))) {
		rc = lc__fail(ctx, LC_EINTERNAL, "cache: out of memory");
		goto out;
	}
	c->ctx = ctx;
	c->max_size = max_size_of(ctx);
	rc = db_open(ctx, path, &c->db);
	if (rc)
		goto out;
	sqlite3_wal_hook(c->db, wal_note, c);
	pthread_mutex_init(&c->lock, NULL);
	*out = c;
	c = NULL;
out:
	if (c) {
		free(c->path);
		free(c);
	}
	return rc;
}

static void stats_add(sqlite3 *db, const char *name, int64_t v)
{
	sqlite3_stmt *st = NULL;

	if (!v)
		return;
	if (sqlite3_prepare_v2(db,
			       "INSERT INTO stats(name, value) VALUES(?1, ?2) ON CONFLICT(name) "
			       "DO UPDATE SET value = value + ?2", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, v);
		sqlite3_step(st);
	}
	sqlite3_finalize(st);
}

/* Write the pending LRU touches; inside the caller's transaction when in_txn. A failure
 * only loses recency information, so it is not reported. Caller holds c->lock. */
static void touches_flush(lc_cache *c, bool in_txn)
{
	sqlite3_stmt *st = NULL;

	if (!c->db || c->ntouch == 0)
		goto out;
	if (!in_txn && exec(c->db, "BEGIN IMMEDIATE") != SQLITE_OK)
		goto out;
	if (sqlite3_prepare_v2(c->db,
			       "UPDATE layers SET last_used = max(last_used, ?1), hits = hits + 1 "
			       "WHERE id = ?2", -1, &st, NULL) == SQLITE_OK) {
		for (size_t i = 0; i < c->ntouch; i++) {
			sqlite3_reset(st);
			sqlite3_bind_int64(st, 1, c->touch_ms[i]);
			sqlite3_bind_int64(st, 2, c->touch_id[i]);
			sqlite3_step(st);
		}
	}
	sqlite3_finalize(st);
	if (!in_txn && exec(c->db, "COMMIT") != SQLITE_OK)
		exec(c->db, "ROLLBACK");
out:
	c->ntouch = 0;
}

void lc__cache_close(lc_cache *c)
{
	if (!c)
		return;
	if (c->db && (c->hits || c->misses || c->stores || c->evictions || c->ntouch)) {
		/* One small write per scan instead of one per lookup. */
		if (exec(c->db, "BEGIN IMMEDIATE") == SQLITE_OK) {
			touches_flush(c, true);
			stats_add(c->db, "hits", c->hits);
			stats_add(c->db, "misses", c->misses);
			stats_add(c->db, "stores", c->stores);
			stats_add(c->db, "evictions", c->evictions);
			if (exec(c->db, "COMMIT") != SQLITE_OK)
				exec(c->db, "ROLLBACK");
		}
	}
	/* Fold the WAL back and empty it (copy, 2 fsyncs, truncate: ~1-3 ms, once in ~80
	 * warm rescans). Another process reading it makes this wait 20 ms at most, then
	 * leave it to the next close. */
	if (c->db && c->wal_frames > LC_CACHE_WAL_PAGES) {
		sqlite3_busy_timeout(c->db, 20);
		sqlite3_wal_checkpoint_v2(c->db, "main", SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	}
	sqlite3_close_v2(c->db);
	pthread_mutex_destroy(&c->lock);
	free(c->path);
	free(c);
}

/* Lookup, store and evict run on scan threads: their messages stay on the handle (under
 * c->lock, which the caller holds) instead of racing on ctx->errmsg. */
static lc_code cache_fail(lc_cache *c, lc_code code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static lc_code cache_fail(lc_cache *c, lc_code code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->errmsg, sizeof(c->errmsg), fmt, ap);
	va_end(ap);
	return code;
}

const char *lc__cache_errmsg(lc_cache *c)
{
	return c ? c->errmsg : "";
}

/* The database went bad under us (another process, a disk error): start a fresh one so
 * the rest of this scan and the next ones work; what was cached is lost anyway. */
static void db_recover(lc_cache *c)
{
	sqlite3_close_v2(c->db);
	c->db = NULL;
	unlink_db(c->path);
	if (db_open(NULL, c->path, &c->db) != LC_OK) /* NULL: no message racing on ctx */
		c->db = NULL;
	else
		sqlite3_wal_hook(c->db, wal_note, c);
}

lc_code lc__cache_lookup(lc_cache *c, const char *diff_id, const char *fingerprint,
			 lc_fileidx *ix, int layer, lc_cache_layer *out, bool *hit)
{
	lc_code rc = LC_OK;
	sqlite3_stmt *st = NULL;
	int e;
	int64_t id = 0;
	uint8_t *z = NULL;
	size_t zlen = 0;
	bool found = false;
	char err[LC_CACHE_ERRSZ] = "";
	lc_code drc = LC_EINTERNAL;

	*hit = false;
	memset(out, 0, sizeof(*out));
	if (!c || !diff_id || !fingerprint || !fingerprint[0])
		return LC_OK;
	/* Cached evidence is redacted: a show-secrets run must look at the bytes again. */
	if (c->ctx->show_secrets)
		return LC_OK;
	pthread_mutex_lock(&c->lock);
	if (!c->db)
		goto unlock;
	e = sqlite3_prepare_v2(c->db,
			       "SELECT l.id, d.data FROM layers l JOIN layer_data d ON d.id = l.id "
			       "WHERE l.diff_id = ?1 AND l.fingerprint = ?2",
			       -1, &st, NULL);
	if (e == SQLITE_OK) {
		sqlite3_bind_text(st, 1, diff_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, fingerprint, -1, SQLITE_STATIC);
		e = sqlite3_step(st);
	}
	if (e == SQLITE_ROW) {
		const void *blob = sqlite3_column_blob(st, 1);
		int blen = sqlite3_column_bytes(st, 1);

		found = true;
		id = sqlite3_column_int64(st, 0);
		/* Copied so the decoding runs without the lock, in parallel with other layers. */
		if (blob && blen > 0 && (z = malloc((size_t)blen)) != NULL) {
			memcpy(z, blob, (size_t)blen);
			zlen = (size_t)blen;
		}
	} else if (e != SQLITE_DONE && is_damage(e)) {
		sqlite3_finalize(st);
		st = NULL;
		db_recover(c);
	}
unlock:
	sqlite3_finalize(st);
	st = NULL;
	pthread_mutex_unlock(&c->lock);

	if (z) {
		drc = lc__cache_decode(c->ctx, z, zlen, ix, layer, diff_id, out, err);
		*hit = drc == LC_OK;
	}

	pthread_mutex_lock(&c->lock);
	if (*hit) {
		c->hits++;
		/* The LRU touch waits for close (or the next store): a lookup never waits for
		 * another process's write lock, and a warm scan writes once. */
		if (c->ntouch == LC_CACHE_TOUCHES)
			touches_flush(c, false);
		c->touch_id[c->ntouch] = id;
		c->touch_ms[c->ntouch] = lc__cache_now_ms();
		c->ntouch++;
	} else {
		c->misses++;
		if (err[0])
			snprintf(c->errmsg, sizeof(c->errmsg), "%s", err);
		/* A record that does not decode is dropped so the next store replaces it
		 * (not when only memory ran out: the record may be fine). */
		e = found && drc == LC_EIMAGE && c->db
			    ? sqlite3_prepare_v2(c->db, "DELETE FROM layers WHERE id = ?1", -1, &st,
						 NULL)
			    : SQLITE_MISUSE;
		if (e == SQLITE_OK) {
			sqlite3_bind_int64(st, 1, id);
			sqlite3_step(st);
		}
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&c->lock);
	free(z);
	return rc;
}

/* Evict in LRU order until the records total at most max_bytes (and, with
 * older_ms >= 0, everything last used before older_ms). Caller holds c->lock. */
static lc_code evict_locked(lc_cache *c, int64_t max_bytes, int64_t older_ms, int64_t *removed,
			    int64_t *freed)
{
	lc_code rc = LC_OK;
	sqlite3_stmt *sel = NULL, *del = NULL;
	int e, err = SQLITE_OK;
	int64_t total, nrem = 0, nfreed = 0;

	e = exec(c->db, "BEGIN IMMEDIATE");
	if (e)
		goto out;
	total = query_int(c->db, "SELECT coalesce(sum(size), 0) FROM layers", &err);
	e = err;
	if (e == SQLITE_OK)
		e = sqlite3_prepare_v2(c->db,
				       "SELECT id, size, last_used FROM layers ORDER BY last_used, id",
				       -1, &sel, NULL);
	if (e == SQLITE_OK)
		e = sqlite3_prepare_v2(c->db, "DELETE FROM layers WHERE id = ?1", -1, &del, NULL);
	while (e == SQLITE_OK && (total > max_bytes || older_ms >= 0)) {
		int64_t id, size, used;

		e = sqlite3_step(sel);
		if (e != SQLITE_ROW) {
			e = e == SQLITE_DONE ? SQLITE_OK : e;
			break;
		}
		e = SQLITE_OK;
		id = sqlite3_column_int64(sel, 0);
		size = sqlite3_column_int64(sel, 1);
		used = sqlite3_column_int64(sel, 2);
		if (total <= max_bytes && used >= older_ms)
			break; /* sorted by last use: nothing older follows */
		sqlite3_reset(del);
		sqlite3_bind_int64(del, 1, id);
		e = sqlite3_step(del);
		if (e != SQLITE_DONE)
			break;
		e = SQLITE_OK;
		total -= size;
		nrem++;
		nfreed += size;
	}
	sqlite3_finalize(sel);
	sel = NULL;
	if (e == SQLITE_OK)
		e = exec(c->db, "COMMIT");
	if (e != SQLITE_OK) {
		exec(c->db, "ROLLBACK");
		nrem = nfreed = 0;
		goto out;
	}
	c->evictions += nrem;
	/* Give freed pages back to the file system; the bound is about disk, not rows. */
	if (nrem)
		exec(c->db, "PRAGMA incremental_vacuum");
out:
	sqlite3_finalize(sel);
	sqlite3_finalize(del);
	if (e != SQLITE_OK)
		rc = cache_fail(c, LC_EINTERNAL, "cache: eviction failed: %s", sqlite3_errstr(e));
	if (removed)
		*removed = nrem;
	if (freed)
		*freed = nfreed;
	return rc;
}

lc_code lc__cache_evict(lc_cache *c, int64_t max_bytes)
{
	lc_code rc = LC_OK;

	if (!c)
		return LC_OK;
	pthread_mutex_lock(&c->lock);
	touches_flush(c, false);
	if (c->db)
		rc = evict_locked(c, max_bytes, -1, NULL, NULL);
	pthread_mutex_unlock(&c->lock);
	return rc;
}

lc_code lc__cache_store(lc_cache *c, const char *diff_id, const char *fingerprint,
			const lc_fileidx *ix, int layer, const lc_cache_layer *d)
{
	lc_code rc = LC_OK;
	uint8_t *z = NULL;
	size_t zlen = 0, raw = 0;
	int64_t nent = 0, now, id = 0;
	sqlite3_stmt *st = NULL;
	int e;
	char err[LC_CACHE_ERRSZ] = "";

	if (!c || !diff_id || !fingerprint || !fingerprint[0] || !d)
		return LC_OK;
	/* Never a secret in clear on disk: show-secrets evidence is unredacted. */
	if (c->ctx->show_secrets || !d->complete)
		return LC_OK;
	/* Encode outside the lock: it is the expensive part and touches only our data. */
	rc = lc__cache_encode(ix, layer, d, &z, &zlen, &raw, &nent, err);
	if (rc) {
		pthread_mutex_lock(&c->lock);
		snprintf(c->errmsg, sizeof(c->errmsg), "%s", err);
		pthread_mutex_unlock(&c->lock);
		goto out_nolock;
	}
	if ((int64_t)zlen > c->max_size)
		goto out_nolock; /* would be evicted at once; keeps the others instead */
	pthread_mutex_lock(&c->lock);
	if (!c->db)
		goto out;
	now = lc__cache_now_ms();
	e = exec(c->db, "BEGIN IMMEDIATE");
	if (e == SQLITE_OK)
		e = sqlite3_prepare_v2(c->db,
				       "INSERT INTO layers(diff_id, fingerprint, size, raw_size, "
				       "entries, findings, created, last_used) "
				       "VALUES(?1, ?2, ?4, ?5, ?6, ?7, ?8, ?8) "
				       "ON CONFLICT(diff_id, fingerprint) DO UPDATE SET "
				       "size = ?4, raw_size = ?5, entries = ?6, findings = ?7, "
				       "last_used = ?8 RETURNING id",
				       -1, &st, NULL);
	if (e == SQLITE_OK) {
		sqlite3_bind_text(st, 1, diff_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, fingerprint, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, (int64_t)zlen);
		sqlite3_bind_int64(st, 5, (int64_t)raw);
		sqlite3_bind_int64(st, 6, nent);
		sqlite3_bind_int64(st, 7, (int64_t)d->nfindings);
		sqlite3_bind_int64(st, 8, now);
		e = sqlite3_step(st);
		if (e == SQLITE_ROW) {
			id = sqlite3_column_int64(st, 0);
			e = sqlite3_step(st);
		}
		e = e == SQLITE_DONE && id > 0 ? SQLITE_OK : (e == SQLITE_DONE ? SQLITE_ERROR : e);
	}
	sqlite3_finalize(st);
	st = NULL;
	if (e == SQLITE_OK)
		e = sqlite3_prepare_v2(c->db, "INSERT OR REPLACE INTO layer_data(id, data) VALUES(?1, ?2)",
				       -1, &st, NULL);
	if (e == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_blob64(st, 2, z, zlen, SQLITE_STATIC);
		e = sqlite3_step(st);
		e = e == SQLITE_DONE ? SQLITE_OK : e;
	}
	sqlite3_finalize(st);
	st = NULL;
	/* Layers this scan used must not look old to the eviction that follows. */
	if (e == SQLITE_OK)
		touches_flush(c, true);
	if (e == SQLITE_OK)
		e = exec(c->db, "COMMIT");
	if (e != SQLITE_OK) {
		exec(c->db, "ROLLBACK");
		rc = cache_fail(c, LC_EINTERNAL, "cache: store failed: %s", sqlite3_errstr(e));
		if (is_damage(e))
			db_recover(c);
		goto out;
	}
	c->stores++;
	rc = evict_locked(c, c->max_size, -1, NULL, NULL);
out:
	pthread_mutex_unlock(&c->lock);
out_nolock:
	free(z);
	return rc;
}

/* ---- the compiled-rule files beside the database ------------------------------------ */

/* matcher-<fp>.hsdb and yara-<fp>.yarc: a new one for every rule set and --scanners choice
 * ever used, so `clean` removes them all and `prune --older-than` those not loaded for
 * that long (their loaders refresh the mtime on every use). Regular files only, by lstat:
 * a symlink planted under such a name is not followed. */
static bool rule_file_name(const char *n)
{
	size_t l = strlen(n);
	return (strncmp(n, "matcher-", 8) == 0 && l > 13 && strcmp(n + l - 5, ".hsdb") == 0) ||
	       (strncmp(n, "yara-", 5) == 0 && l > 10 && strcmp(n + l - 5, ".yarc") == 0);
}

static void rule_files_remove(const lc_ctx *ctx, int64_t older_ms, int64_t *freed)
{
	char dir[4096], path[4400];
	DIR *d;
	struct dirent *de;
	if (lc__cache_dir(ctx, dir, sizeof(dir)) != 0 || !(d = opendir(dir)))
		return;
	while ((de = readdir(d)) != NULL) {
		struct stat st;
		if (!rule_file_name(de->d_name) ||
		    (size_t)snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= sizeof(path) ||
		    lstat(path, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		if (older_ms >= 0 && (int64_t)st.st_mtime * 1000 >= older_ms)
			continue;
		if (unlink(path) == 0 && freed)
			*freed += (int64_t)st.st_size;
	}
	closedir(d);
}

/* ---- public: laocoon cache info|prune|clean ------------------------------------ */

static bool ctx_ok(const lc_ctx *ctx)
{
	return ctx && ctx->magic == LC_MAGIC_CTX;
}

static int64_t file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (int64_t)st.st_size : 0;
}

lc_code lc_cache_info(lc_ctx *ctx, lc_cache_stats *out)
{
	lc_code rc = LC_OK;
	lc_cache *c = NULL;
	sqlite3_stmt *st = NULL;
	char wal[4300];
	int err = SQLITE_OK;

	if (!ctx_ok(ctx) || !out)
		return LC_EUSAGE;
	memset(out, 0, sizeof(*out));
	out->max_bytes = max_size_of(ctx);
	rc = cache_path(ctx, out->path, sizeof(out->path), false);
	if (rc)
		goto out;
	/* Looking must not create a cache where there was none. */
	if (access(out->path, F_OK) != 0)
		goto out;
	out->exists = 1;
	{
		bool saved = ctx->no_cache;

		ctx->no_cache = false;
		rc = lc__cache_open(ctx, &c);
		ctx->no_cache = saved;
	}
	if (rc)
		goto out;
	if (sqlite3_prepare_v2(c->db,
			       "SELECT coalesce(sum(diff_id NOT GLOB '" LC_CACHE_IMAGE_KEY "*'),0), "
			       "coalesce(sum(size),0), coalesce(sum(entries),0), "
			       "coalesce(sum(findings),0), coalesce(min(last_used),0), "
			       "coalesce(max(last_used),0), "
			       "coalesce(sum(diff_id GLOB '" LC_CACHE_IMAGE_KEY "*'),0) FROM layers",
			       -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW) {
		out->layers = sqlite3_column_int64(st, 0);
		out->data_bytes = sqlite3_column_int64(st, 1);
		out->entries = sqlite3_column_int64(st, 2);
		out->findings = sqlite3_column_int64(st, 3);
		out->oldest_ms = sqlite3_column_int64(st, 4);
		out->newest_ms = sqlite3_column_int64(st, 5);
		out->images = sqlite3_column_int64(st, 6);
	}
	sqlite3_finalize(st);
	out->trusted_blobs = query_int(c->db, "SELECT count(*) FROM blobs", &err);
	out->hits = query_int(c->db, "SELECT value FROM stats WHERE name='hits'", &err);
	out->misses = query_int(c->db, "SELECT value FROM stats WHERE name='misses'", &err);
	out->stores = query_int(c->db, "SELECT value FROM stats WHERE name='stores'", &err);
	out->evictions = query_int(c->db, "SELECT value FROM stats WHERE name='evictions'", &err);
	if (err)
		rc = lc__fail(ctx, LC_EINTERNAL, "cache: %s", sqlite3_errstr(err));
	snprintf(wal, sizeof(wal), "%s-wal", out->path);
	out->file_bytes = file_size(out->path) + file_size(wal);
out:
	lc__cache_close(c);
	return rc;
}

lc_code lc_cache_prune(lc_ctx *ctx, int64_t max_bytes, int64_t older_than_s,
		       int64_t *removed_layers, int64_t *freed_bytes)
{
	lc_code rc = LC_OK;
	lc_cache *c = NULL;
	char path[4200];
	int64_t older_ms = -1;
	bool saved;

	if (removed_layers)
		*removed_layers = 0;
	if (freed_bytes)
		*freed_bytes = 0;
	if (!ctx_ok(ctx))
		return LC_EUSAGE;
	if (older_than_s >= 0)
		older_ms = lc__cache_now_ms() - older_than_s * 1000;
	rc = cache_path(ctx, path, sizeof(path), false);
	if (rc || access(path, F_OK) != 0)
		goto out;
	saved = ctx->no_cache;
	ctx->no_cache = false;
	rc = lc__cache_open(ctx, &c);
	ctx->no_cache = saved;
	if (rc)
		goto out;
	if (max_bytes < 0)
		max_bytes = c->max_size;
	pthread_mutex_lock(&c->lock);
	rc = evict_locked(c, max_bytes, older_ms, removed_layers, freed_bytes);
	if (rc)
		lc__fail(ctx, rc, "%s", c->errmsg);
	/* Trust records of files not seen for as long go too (they may name deleted files). */
	if (rc == LC_OK && older_ms >= 0) {
		sqlite3_stmt *st = NULL;

		if (sqlite3_prepare_v2(c->db, "DELETE FROM blobs WHERE verified < ?1", -1, &st,
				       NULL) == SQLITE_OK) {
			sqlite3_bind_int64(st, 1, older_ms);
			sqlite3_step(st);
		}
		sqlite3_finalize(st);
		st = NULL;
		if (sqlite3_prepare_v2(c->db, "DELETE FROM digests WHERE verified < ?1", -1, &st,
				       NULL) == SQLITE_OK) {
			sqlite3_bind_int64(st, 1, older_ms);
			sqlite3_step(st);
		}
		sqlite3_finalize(st);
	}
	pthread_mutex_unlock(&c->lock);
out:
	if (rc == LC_OK && older_ms >= 0)
		rule_files_remove(ctx, older_ms, freed_bytes);
	lc__cache_close(c);
	return rc;
}

lc_code lc_cache_clean(lc_ctx *ctx)
{
	lc_code rc = LC_OK;
	lc_cache *c = NULL;
	char path[4200];
	int e;
	bool saved;

	if (!ctx_ok(ctx))
		return LC_EUSAGE;
	rc = cache_path(ctx, path, sizeof(path), false);
	if (rc || access(path, F_OK) != 0)
		goto out;
	/* Rows are deleted rather than the file, so a scan running meanwhile keeps a valid
	 * database under its open handle. (A damaged file is rebuilt by the open.) */
	saved = ctx->no_cache;
	ctx->no_cache = false;
	rc = lc__cache_open(ctx, &c);
	ctx->no_cache = saved;
	if (rc)
		goto out;
	e = exec(c->db, "BEGIN IMMEDIATE");
	if (e == SQLITE_OK)
		e = exec(c->db, "DELETE FROM layers; DELETE FROM blobs; DELETE FROM digests; "
				"DELETE FROM stats;");
	if (e == SQLITE_OK)
		e = exec(c->db, "COMMIT");
	if (e != SQLITE_OK) {
		exec(c->db, "ROLLBACK");
		rc = lc__fail(ctx, LC_EINTERNAL, "cache: clean failed: %s", sqlite3_errstr(e));
		goto out;
	}
	/* VACUUM shrinks the file; it needs a moment without other writers, so a busy
	 * database just stays large until the next clean. */
	exec(c->db, "VACUUM");
	exec(c->db, "PRAGMA wal_checkpoint(TRUNCATE)");
out:
	if (rc == LC_OK)
		rule_files_remove(ctx, -1, NULL);
	lc__cache_close(c);
	return rc;
}
