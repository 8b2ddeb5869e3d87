/*
 * test_cache_lru.c - the size bound: after a store past cache-max-size the least
 * recently used layers go first, a lookup counts as a use, and prune honours a size
 * and an age.
 */
#include "cache_test.h"
#include "cache/cache_int.h"

#include <time.h>

static void diff_of(char *out, int i)
{
	snprintf(out, 80, "sha256:%064d", i);
}

static void pause_ms(long ms)
{
	struct timespec ts = { 0, ms * 1000000L };

	nanosleep(&ts, NULL);
}

int main(void)
{
	char *dir = ct_tmpdir();
	lc_ctx *ctx = ct_ctx(dir);
	lc_cache *c = NULL;
	lc_cache_layer in, out;
	lc_cache_stats s;
	char diff[80];
	bool hit;
	int64_t one, removed = 0, freed = 0;
	lc_fileidx *ix = lc__fileidx_new(1), *scratch;
	lc_code rc;

	/* Layers of ~the same compressed size: measure one, then allow about three. */
	ct_fill(ix, 0, DIFF_A, 2000);
	lc__fileidx_resolve(ix);
	ct_layer(&in, 0, "AKIA****");
	lc__cache_open(ctx, &c);
	diff_of(diff, 0);
	lc__cache_store(c, diff, FP_1, ix, 0, &in);
	lc__cache_close(c);
	lc_cache_info(ctx, &s);
	one = s.data_bytes;
	TAP_OK(one > 0 && s.layers == 1, "one layer is %lld bytes compressed", (long long)one);
	lc_cache_clean(ctx);

	{
		char v[32];

		snprintf(v, sizeof(v), "%lld", (long long)(one * 3 + one / 2));
		rc = lc_ctx_set_option(ctx, "cache-max-size", v);
		TAP_OK(rc == LC_OK && ctx->cache_max_size == one * 3 + one / 2,
		       "cache-max-size %s", v);
	}
	lc__cache_open(ctx, &c);
	for (int i = 1; i <= 3; i++) {
		diff_of(diff, i);
		lc__cache_store(c, diff, FP_1, ix, 0, &in);
		pause_ms(3);
	}
	/* use layer 1 so that 2 is now the least recently used */
	scratch = lc__fileidx_new(1);
	diff_of(diff, 1);
	lc__cache_lookup(c, diff, FP_1, scratch, 0, &out, &hit);
	lc__cache_layer_free(&out);
	lc__fileidx_free(scratch);
	TAP_OK(hit, "layer 1 hit");
	pause_ms(3);
	diff_of(diff, 4);
	rc = lc__cache_store(c, diff, FP_1, ix, 0, &in);
	TAP_OK(rc == LC_OK, "store past the bound");
	{
		int present[5];

		for (int i = 1; i <= 4; i++) {
			scratch = lc__fileidx_new(1);
			diff_of(diff, i);
			lc__cache_lookup(c, diff, FP_1, scratch, 0, &out, &hit);
			present[i] = hit;
			lc__cache_layer_free(&out);
			lc__fileidx_free(scratch);
			pause_ms(2);
		}
		TAP_OK(present[1] && !present[2] && present[3] && present[4],
		       "the least recently used layer (2) was evicted: %d %d %d %d", present[1],
		       present[2], present[3], present[4]);
	}
	lc__cache_close(c);
	lc_cache_info(ctx, &s);
	TAP_OK(s.data_bytes <= ctx->cache_max_size && s.layers == 3 && s.evictions == 1,
	       "records within the bound: %lld <= %lld, %lld evictions", (long long)s.data_bytes,
	       (long long)ctx->cache_max_size, (long long)s.evictions);

	/* a layer bigger than the whole bound is not stored (it would evict everything) */
	lc_ctx_set_option(ctx, "cache-max-size", "100");
	lc__cache_open(ctx, &c);
	diff_of(diff, 9);
	lc__cache_store(c, diff, FP_1, ix, 0, &in);
	lc__cache_close(c);
	lc_cache_info(ctx, &s);
	TAP_OK(s.layers == 3, "an oversized layer is skipped, the others stay");

	/* prune by size */
	rc = lc_cache_prune(ctx, one + one / 2, -1, &removed, &freed);
	lc_cache_info(ctx, &s);
	TAP_OK(rc == LC_OK && removed == 2 && freed > 0 && s.layers == 1,
	       "prune to one layer's size removed %lld (%lld bytes)", (long long)removed,
	       (long long)freed);
	/* prune by age: 0 seconds = everything not used in the future */
	pause_ms(5);
	rc = lc_cache_prune(ctx, INT64_MAX, 3600, &removed, &freed);
	TAP_OK(rc == LC_OK && removed == 0, "prune --older-than 1h keeps a fresh layer");
	rc = lc_cache_prune(ctx, INT64_MAX, 0, &removed, &freed);
	lc_cache_info(ctx, &s);
	TAP_OK(rc == LC_OK && removed == 1 && s.layers == 0, "prune --older-than 0 empties it");

	/* Every process re-reads the WAL at its first open: it must stay short. 150 warm
	 * lookups, each a process of its own, write ~450 pages of LRU touches in all. */
	{
		char db[4200];
		int frames = -1, done = -1;
		sqlite3 *h = NULL;

		lc_ctx_set_option(ctx, "cache-max-size", "1G");
		lc__cache_open(ctx, &c);
		diff_of(diff, 1);
		lc__cache_store(c, diff, FP_1, ix, 0, &in);
		lc__cache_close(c);
		for (int i = 0; i < 150; i++) {
			scratch = lc__fileidx_new(1);
			lc__cache_open(ctx, &c);
			lc__cache_lookup(c, diff, FP_1, scratch, 0, &out, &hit);
			lc__cache_layer_free(&out);
			lc__cache_close(c);
			lc__fileidx_free(scratch);
		}
		snprintf(db, sizeof(db), "%s/cache.db", dir);
		/* (a connection learns the journal mode by reading) */
		if (sqlite3_open(db, &h) == SQLITE_OK &&
		    sqlite3_exec(h, "SELECT count(*) FROM layers", NULL, NULL, NULL) == SQLITE_OK)
			sqlite3_wal_checkpoint_v2(h, "main", SQLITE_CHECKPOINT_PASSIVE, &frames, &done);
		sqlite3_close(h);
		TAP_OK(hit && frames >= 0 && frames <= LC_CACHE_WAL_PAGES + 16,
		       "after 150 warm lookups the WAL holds %d pages (bound %d)", frames,
		       LC_CACHE_WAL_PAGES);
	}

	lc__cache_layer_free(&in);
	lc__fileidx_free(ix);
	lc_ctx_free(ctx);
	ct_cleanup(dir);
	return tap_done();
}
