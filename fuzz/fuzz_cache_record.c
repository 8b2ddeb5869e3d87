/* fuzz_cache_record.c - the layer cache's record decoder. The cache is ours, but a file
 * damaged or edited on disk must be a miss, never a crash or a half-filled index. The
 * input is the record's bytes, framed here with zstd (checksum included, as the cache
 * writes it), then decoded as a layer record twice: into an index at once, and held for
 * lc__cache_files_load; both must agree. And once as an image record. */
#include "fuzz_common.h"
#include "cache/cache_int.h"

#include <zstd.h>

#define DIFF "sha256:0000000000000000000000000000000000000000000000000000000000000000"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	lc_ctx *ctx = fuzz_ctx();
	size_t cap = ZSTD_compressBound(size), zlen;
	uint8_t *z = malloc(cap);
	ZSTD_CCtx *zc = ZSTD_createCCtx();
	lc_fileidx *now = lc__fileidx_new(3), *later = lc__fileidx_new(3);
	lc_cache_layer a, b, im;
	char err[LC_CACHE_ERRSZ];
	lc_code ra, rb;

	if (!z || !zc || !now || !later)
		goto out;
	ZSTD_CCtx_setParameter(zc, ZSTD_c_checksumFlag, 1);
	ZSTD_CCtx_setParameter(zc, ZSTD_c_contentSizeFlag, 1);
	zlen = ZSTD_compress2(zc, z, cap, data, size);
	if (ZSTD_isError(zlen))
		goto out;
	ra = lc__cache_decode(ctx, z, zlen, now, 1, DIFF, &a, err);
	rb = lc__cache_decode(ctx, z, zlen, NULL, 1, DIFF, &b, err);
	if (ra != rb)
		abort(); /* validation must not depend on where the records go */
	if (ra == LC_OK) {
		if (lc__cache_files_load(ctx, &b, later, 1, DIFF) != LC_OK)
			abort(); /* validated, so only memory could fail */
		lc__fileidx_resolve(now);
		lc__fileidx_resolve(later);
		if (a.nfiles != b.nfiles ||
		    lc__fileidx_layer_count(now, 1) != (size_t)a.nfiles ||
		    lc__fileidx_layer_count(later, 1) != (size_t)b.nfiles)
			abort();
		for (size_t i = 0; i < a.nhidden; i++)
			if (lc__cache_hidden_find(&a, a.hidden[i].id) < 0)
				abort();
	} else if (lc__fileidx_layer_count(now, 1) != 0) {
		abort(); /* a damaged record leaves the index untouched */
	}
	lc__cache_layer_free(&a);
	lc__cache_layer_free(&b);
	if (lc__cache_decode(ctx, z, zlen, NULL, -1, NULL, &im, err) == LC_OK)
		for (size_t i = 0; i < im.nfindings; i++)
			if (im.findings[i].layer < -1)
				abort();
	lc__cache_layer_free(&im);
out:
	free(z);
	ZSTD_freeCCtx(zc);
	lc__fileidx_free(now);
	lc__fileidx_free(later);
	return 0;
}
