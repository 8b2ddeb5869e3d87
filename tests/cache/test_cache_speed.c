/*
 * test_cache_speed.c - the figure issue 6 asks for: how long a warm lookup of a layer
 * with 50,000 entries takes (decompress, decode, add to the file index), and what it
 * costs on disk. Prints the figures; fails only when a lookup is absurdly slow.
 * LC_CACHE_SPEED_TREE=/usr takes the first 50,000 paths of a real tree instead of the
 * synthetic names (which compress better than real ones).
 */
#include "cache_test.h"

#include <ftw.h>
#include <sys/stat.h>
#include <time.h>

#define N 50000
#define ROUNDS 5

static lc_fileidx *tree_ix;
static size_t tree_n;
static size_t tree_skip;

static int tree_add(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	lc_entry e = { .layer = 0, .layer_diff_id = DIFF_A };
	char link[4096];

	(void)ftw;
	if (tree_n >= N)
		return 1;
	if (strlen(path) <= tree_skip)
		return 0;
	e.path = path + tree_skip;
	e.mode = st->st_mode & 07777;
	e.uid = st->st_uid;
	e.gid = st->st_gid;
	e.size = st->st_size;
	if (flag == FTW_D) {
		e.type = LC_FT_DIR;
	} else if (flag == FTW_SL) {
		ssize_t n = readlink(path, link, sizeof(link) - 1);

		link[n > 0 ? n : 0] = 0;
		e.type = LC_FT_SYMLINK;
		e.link = link;
	} else {
		e.type = LC_FT_REG;
	}
	lc__fileidx_add(tree_ix, &e);
	tree_n++;
	return 0;
}

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
	if (getenv("LC_CACHE_SPEED_TREE")) {
		tree_ix = ix;
		tree_skip = strlen(getenv("LC_CACHE_SPEED_TREE")) + 1;
		nftw(getenv("LC_CACHE_SPEED_TREE"), tree_add, 64, FTW_PHYS);
		ct_fill(ix, 0, DIFF_A, N > tree_n + 5 ? N - tree_n - 5 : 0);
	} else {
		ct_fill(ix, 0, DIFF_A, N);
	}
	lc__fileidx_resolve(ix);
	fill_s = now_s() - t0;
	ct_layer(&in, 0, "AKIA****");
	lc__cache_open(ctx, &c);
	t0 = now_s();
	TAP_OK(lc__cache_store(c, DIFF_A, FP_1, ix, 0, &in) == LC_OK, "store %zu entries", lc__fileidx_layer_count(ix, 0));
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
			TAP_OK(hit && lc__fileidx_layer_count(ix2, 0) == lc__fileidx_layer_count(ix, 0),
			       "lookup hits, %zu records",
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
