/*
 * cache_int.h - what the files of the layer cache share with each other: the record
 * codec (cache_codec.c) and the database handle (cache_db.c, cache_blob.c).
 * Nothing outside src/lib/cache/ includes this file.
 */
#ifndef LC_CACHE_INT_H
#define LC_CACHE_INT_H

#include "lc_private.h"

#include <sqlite3.h>

/* Bumped whenever the tables or the record encoding change: a mismatch rebuilds. */
#define LC_CACHE_SCHEMA_VERSION 5

/* A decoded layer record may not exceed this (uncompressed); bigger layers are not cached.
 * 512 MiB is ~5 million entries, far above any layer we would want to hold in RAM twice. */
#define LC_CACHE_MAX_RAW ((int64_t)512 << 20)

/* Rows of the blob trust table kept; the oldest verifications go first. */
#define LC_CACHE_MAX_BLOBS 100000

#define LC_CACHE_STR_(x) #x
#define LC_CACHE_STR(x) LC_CACHE_STR_(x)

#define LC_CACHE_DEFAULT_MAX_SIZE ((int64_t)2 << 30)

/* WAL pages beyond which closing the cache checkpoints and truncates it (~1 MB). */
#define LC_CACHE_WAL_PAGES 256

/* LRU touches held in memory before one write (more than the layers of any image). */
#define LC_CACHE_TOUCHES 1024

#define LC_CACHE_ERRSZ 256 /* bytes of an error message buffer (err arguments, c->errmsg) */

struct lc_cache {
	lc_ctx *ctx;
	sqlite3 *db;
	char *path;            /* the database file */
	int64_t max_size;      /* bytes of layer records kept */
	pthread_mutex_t lock;  /* scan threads share one handle */
	/* counted in memory, flushed once at close: a lookup stays read-only */
	int64_t hits, misses, stores, evictions;
	char errmsg[LC_CACHE_ERRSZ]; /* last failure of lookup/store/evict, under lock */
	/* hits not yet written: a warm scan makes one write at the end, not one per layer */
	int64_t touch_id[LC_CACHE_TOUCHES], touch_ms[LC_CACHE_TOUCHES];
	size_t ntouch;
	int wal_frames; /* the WAL's length after our last commit (wal_note) */
};

/* Serialise the records of `layer` from ix plus d into one zstd frame (malloc'd).
 * *raw_len gets the uncompressed size. Returns LC_EINTERNAL (message in err) when the
 * record would exceed LC_CACHE_MAX_RAW or memory runs out. */
lc_code lc__cache_encode(const lc_fileidx *ix, int layer, const lc_cache_layer *d, uint8_t **out,
			 size_t *out_len, size_t *raw_len, int64_t *nentries, char *err);

/* Inverse of encode (ctx only for limits). The whole record is validated before anything
 * is added to ix, so a damaged record leaves ix untouched. Returns LC_EIMAGE for a
 * damaged record. */
lc_code lc__cache_decode(const lc_ctx *ctx, const uint8_t *z, size_t z_len, lc_fileidx *ix,
			 int layer, const char *diff_id, lc_cache_layer *out, char *err);

/* Milliseconds since the epoch (LRU clock). */
int64_t lc__cache_now_ms(void);

#endif
