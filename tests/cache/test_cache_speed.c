/*
 * test_cache_speed.c - the figure issue 6 asks for: how long a warm lookup of a layer
 * with 50,000 entries takes (decompress, decode, add to the file index), and what it
 * costs on disk. Prints the figures; fails only when a lookup is absurdly slow.
 */
#include "cache_test.h"

#include <time.h>

#define N 50000
#define ROUNDS 5

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(void)
{
	char *dir = ct_tmpdir();
	lc_ctx *ctx = ct_ctx(dir);
	lc_cache *c = NULL;
	lc_fileidx *ix = lc__fileidx_new(1);
	lc_cache_layer in, out;
	lc_cache_stats s;
	bool hit = false;
	double t0, store_s, best = 1e9, fill_s;

	t0 = now_s();
	ct_fill(ix, 0, DIFF_A, N);
	lc__fileidx_resolve(ix);
	fill_s = now_s() - t0;
	ct_layer(&in, 0, "AKIA****");
	lc__cache_open(ctx, &c);
	t0 = now_s();
	TAP_OK(lc__cache_store(c, DIFF_A, FP_1, ix, 0, &in) == LC_OK, "store %d entries", N + 5);
	store_s = now_s() - t0;
	for (int r = 0; r < ROUNDS; r++) {
		lc_fileidx *ix2 = lc__fileidx_new(1);
		double t;

		t0 = now_s();
		lc__cache_lookup(c, DIFF_A, FP_1, ix2, 0, &out, &hit);
		lc__fileidx_resolve(ix2);
		t = now_s() - t0;
		if (t < best)
			best = t;
		if (r == 0)
			TAP_OK(hit && lc__fileidx_layer_count(ix2, 0) == N + 5, "lookup hits, %zu records",
			       lc__fileidx_layer_count(ix2, 0));
		lc__cache_layer_free(&out);
		lc__fileidx_free(ix2);
	}
	lc__cache_close(c);
	lc_cache_info(ctx, &s);
	printf("# %d entries: building the index in memory %.1f ms, store %.1f ms, "
	       "warm lookup+resolve best of %d %.1f ms, record %lld bytes (%.1f bytes/entry)\n",
	       N, fill_s * 1e3, store_s * 1e3, ROUNDS, best * 1e3, (long long)s.data_bytes,
	       (double)s.data_bytes / N);
	TAP_OK(best < 2.0, "a 50,000-entry lookup takes under 2 s (%.1f ms)", best * 1e3);

	lc__cache_layer_free(&in);
	lc__fileidx_free(ix);
	lc_ctx_free(ctx);
	ct_cleanup(dir);
	return tap_done();
}
