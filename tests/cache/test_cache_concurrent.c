/*
 * test_cache_concurrent.c - several processes on one cache: two forked writers store
 * and look up interleaved layers at the same time; none fails, every layer is there.
 */
#include "cache_test.h"

#include <sys/wait.h>

#define PER_WRITER 40

static int writer(const char *dir, int who)
{
	lc_ctx *ctx = ct_ctx(dir);
	lc_cache *c = NULL;
	lc_fileidx *ix = lc__fileidx_new(1);
	lc_cache_layer in, out;
	int bad = 0;

	ct_fill(ix, 0, DIFF_A, 300 + who);
	lc__fileidx_resolve(ix);
	ct_layer(&in, 0, "ghp_****");
	if (lc__cache_open(ctx, &c) != LC_OK || !c)
		return 10;
	for (int i = 0; i < PER_WRITER; i++) {
		char diff[80];
		bool hit = false;
		lc_fileidx *scratch = lc__fileidx_new(1);

		snprintf(diff, sizeof(diff), "sha256:%032d%032d", who, i);
		if (lc__cache_store(c, diff, FP_1, ix, 0, &in) != LC_OK) {
			fprintf(stderr, "# writer %d store %d: %s\n", who, i, lc_ctx_errmsg(ctx));
			bad++;
		}
		/* read the other writer's layers while it writes */
		snprintf(diff, sizeof(diff), "sha256:%032d%032d", 1 - who, i / 2);
		if (lc__cache_lookup(c, diff, FP_1, scratch, 0, &out, &hit) != LC_OK)
			bad++;
		if (hit && out.nfindings != 2)
			bad++;
		lc__cache_layer_free(&out);
		lc__fileidx_free(scratch);
	}
	lc__cache_close(c);
	lc__cache_layer_free(&in);
	lc__fileidx_free(ix);
	lc_ctx_free(ctx);
	return bad ? 1 : 0;
}

int main(void)
{
	char *dir = ct_tmpdir();
	pid_t pid[2];
	lc_ctx *ctx;
	lc_cache_stats s;

	fflush(stdout);
	for (int w = 0; w < 2; w++) {
		pid[w] = fork();
		if (pid[w] == 0)
			_exit(writer(dir, w));
	}
	for (int w = 0; w < 2; w++) {
		int status = 0;

		waitpid(pid[w], &status, 0);
		TAP_OK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "writer %d exit status %d", w,
		       WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	}
	ctx = ct_ctx(dir);
	TAP_OK(lc_cache_info(ctx, &s) == LC_OK && s.layers == 2 * PER_WRITER &&
		       s.stores == 2 * PER_WRITER,
	       "all %d layers stored (%lld), stores counted (%lld)", 2 * PER_WRITER,
	       (long long)s.layers, (long long)s.stores);
	{
		lc_cache *c = NULL;
		lc_fileidx *ix = lc__fileidx_new(1);
		lc_cache_layer out;
		bool hit = false;

		lc__cache_open(ctx, &c);
		lc__cache_lookup(c, "sha256:"
				    "0000000000000000000000000000000100000000000000000000000000000039",
				 FP_1, ix, 0, &out, &hit);
		TAP_OK(hit && lc__fileidx_layer_count(ix, 0) == 5 + 301,
		       "writer 1's last layer reads back whole");
		lc__cache_layer_free(&out);
		lc__fileidx_free(ix);
		lc__cache_close(c);
	}
	lc_ctx_free(ctx);
	ct_cleanup(dir);
	return tap_done();
}
