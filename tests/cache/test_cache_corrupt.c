/*
 * test_cache_corrupt.c - a damaged cache is rebuilt, never a crash: garbage in place of
 * the database, a truncated file, a schema of another version, and a record whose bytes
 * were flipped (a miss, and the record is dropped).
 */
#include "cache_test.h"

#include <sqlite3.h>

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	fwrite(data, 1, len, f);
	fclose(f);
}

/* Store one layer and close; returns whether a fresh handle then finds it. */
static int store_and_find(lc_ctx *ctx, const char *diff)
{
	lc_cache *c = NULL;
	lc_fileidx *ix = lc__fileidx_new(1), *ix2 = lc__fileidx_new(1);
	lc_cache_layer in, out;
	bool hit = false;

	ct_fill(ix, 0, diff, 50);
	lc__fileidx_resolve(ix);
	ct_layer(&in, 0, "xoxb****");
	if (lc__cache_open(ctx, &c) == LC_OK && c) {
		lc__cache_store(c, diff, FP_1, ix, 0, &in);
		lc__cache_close(c);
		c = NULL;
	}
	if (lc__cache_open(ctx, &c) == LC_OK && c) {
		lc__cache_lookup(c, diff, FP_1, ix2, 0, &out, &hit);
		lc__cache_layer_free(&out);
		lc__cache_close(c);
	}
	lc__cache_layer_free(&in);
	lc__fileidx_free(ix);
	lc__fileidx_free(ix2);
	return hit;
}

static int lookup(lc_ctx *ctx, const char *diff)
{
	lc_cache *c = NULL;
	lc_fileidx *ix = lc__fileidx_new(1);
	lc_cache_layer out;
	bool hit = false;

	if (lc__cache_open(ctx, &c) == LC_OK && c) {
		lc__cache_lookup(c, diff, FP_1, ix, 0, &out, &hit);
		lc__cache_layer_free(&out);
		lc__cache_close(c);
	}
	lc__fileidx_free(ix);
	return hit;
}

int main(void)
{
	char *dir = ct_tmpdir();
	char db[4200];
	lc_ctx *ctx = ct_ctx(dir);
	lc_cache *c = NULL;
	lc_code rc;
	char garbage[65536];

	snprintf(db, sizeof(db), "%s/cache.db", dir);
	for (size_t i = 0; i < sizeof(garbage); i++)
		garbage[i] = (char)(i * 7919 % 251);

	/* 1. garbage where the database should be */
	write_file(db, garbage, sizeof(garbage));
	rc = lc__cache_open(ctx, &c);
	TAP_OK(rc == LC_OK && c, "garbage file: open rebuilds (%s)", lc_ctx_errmsg(ctx));
	lc__cache_close(c);
	c = NULL;
	TAP_OK(store_and_find(ctx, DIFF_A), "rebuilt cache works");

	/* 2. truncated mid-page after real content */
	TAP_OK(truncate(db, 1000) == 0, "truncated the database to 1000 bytes");
	rc = lc__cache_open(ctx, &c);
	TAP_OK(rc == LC_OK && c, "truncated file: open succeeds");
	lc__cache_close(c);
	c = NULL;
	TAP_OK(store_and_find(ctx, DIFF_B), "cache works after truncation");

	/* 3. a schema of another version: rebuilt, old records gone */
	{
		sqlite3 *h = NULL;

		TAP_OK(lookup(ctx, DIFF_B), "layer B present before the version change");
		sqlite3_open(db, &h);
		sqlite3_exec(h, "PRAGMA user_version=999", NULL, NULL, NULL);
		sqlite3_close(h);
		TAP_OK(!lookup(ctx, DIFF_B), "schema mismatch: tables rebuilt, record gone");
		sqlite3_open(db, &h);
		{
			sqlite3_stmt *st = NULL;
			int v = -1;

			sqlite3_prepare_v2(h, "PRAGMA user_version", -1, &st, NULL);
			if (sqlite3_step(st) == SQLITE_ROW)
				v = sqlite3_column_int(st, 0);
			sqlite3_finalize(st);
			TAP_OK(v >= 1 && v != 999, "user_version back to ours (%d)", v);
		}
		sqlite3_close(h);
		TAP_OK(store_and_find(ctx, DIFF_B), "cache works after the rebuild");
	}

	/* 4. a record whose bytes changed: checksum catches it, miss, dropped */
	{
		sqlite3 *h = NULL;
		int changed;
		lc_cache_stats s;

		sqlite3_open(db, &h);
		sqlite3_exec(h,
			     "UPDATE layer_data SET data = substr(data, 1, 20) || zeroblob(8) || "
			     "substr(data, 29)",
			     NULL, NULL, NULL);
		changed = sqlite3_changes(h);
		sqlite3_close(h);
		TAP_OK(changed == 1, "damaged one record");
		TAP_OK(!lookup(ctx, DIFF_B), "damaged record misses");
		lc_cache_info(ctx, &s);
		TAP_OK(s.layers == 0, "damaged record dropped");
		sqlite3_open(db, &h);
		sqlite3_exec(h, "UPDATE layer_data SET data = x'00'", NULL, NULL, NULL);
		sqlite3_close(h);
		TAP_OK(store_and_find(ctx, DIFF_B), "and is replaced by the next store");
	}

	/* 5. an unwritable place: an error, not a crash */
	{
		lc_ctx *bad = ct_ctx("/proc/laocoon-cannot-be-here");

		rc = lc__cache_open(bad, &c);
		TAP_OK(rc != LC_OK && c == NULL, "unusable directory fails cleanly: %s",
		       lc_ctx_errmsg(bad));
		lc_ctx_free(bad);
	}

	lc_ctx_free(ctx);
	ct_cleanup(dir);
	return tap_done();
}
