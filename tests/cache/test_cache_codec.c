/*
 * test_cache_codec.c - the record decoder against damage that passes the checksum (a
 * record re-compressed after every single-byte change and every truncation): never a
 * crash, never a partial index; and one cache handle shared by several threads.
 */
#include "cache_test.h"
#include "cache/cache_int.h"

#include <pthread.h>
#include <zstd.h>

static size_t zip(const uint8_t *raw, size_t n, uint8_t *z, size_t zcap)
{
	ZSTD_CCtx *zc = ZSTD_createCCtx();
	size_t r;

	ZSTD_CCtx_setParameter(zc, ZSTD_c_checksumFlag, 1);
	ZSTD_CCtx_setParameter(zc, ZSTD_c_contentSizeFlag, 1);
	r = ZSTD_compress2(zc, z, zcap, raw, n);
	ZSTD_freeCCtx(zc);
	return ZSTD_isError(r) ? 0 : r;
}

typedef struct shared {
	lc_cache *c;
	lc_fileidx *ix;
	lc_cache_layer *in;
	int who;
	int bad;
} shared;

static void *thread_main(void *arg)
{
	shared *s = arg;

	for (int i = 0; i < 30; i++) {
		char diff[80];
		lc_fileidx *ix = lc__fileidx_new(4);
		lc_cache_layer out;
		bool hit = false;

		snprintf(diff, sizeof(diff), "sha256:%032d%032d", s->who, i);
		if (lc__cache_store(s->c, diff, FP_1, s->ix, 0, s->in) != LC_OK)
			s->bad++;
		if (lc__cache_lookup(s->c, diff, FP_1, ix, s->who, &out, &hit) != LC_OK || !hit ||
		    out.nfindings != 2 || lc__fileidx_layer_count(ix, s->who) != 25)
			s->bad++;
		lc__cache_layer_free(&out);
		lc__fileidx_free(ix);
	}
	return NULL;
}

int main(void)
{
	char *dir = ct_tmpdir();
	lc_ctx *ctx = ct_ctx(dir);
	lc_fileidx *ix = lc__fileidx_new(1);
	lc_cache_layer in, out;
	uint8_t *z = NULL, *raw = NULL, *mz = NULL;
	size_t zlen = 0, rawlen = 0, zcap;
	int64_t nent = 0;
	char err[LC_CACHE_ERRSZ];
	int crashes_avoided = 0, partial = 0, accepted = 0;
	lc_code rc;

	ct_fill(ix, 0, DIFF_A, 20);
	lc__fileidx_resolve(ix);
	ct_layer(&in, 0, "AKIA****");
	rc = lc__cache_encode(ix, 0, &in, &z, &zlen, &rawlen, &nent, err);
	TAP_OK(rc == LC_OK && nent == 25, "encode (%zu raw, %zu compressed)", rawlen, zlen);
	raw = malloc(rawlen);
	TAP_OK(ZSTD_decompress(raw, rawlen, z, zlen) == rawlen, "decompress");
	zcap = ZSTD_compressBound(rawlen);
	mz = malloc(zcap);

	/* every byte changed in three ways, then every truncation */
	for (size_t i = 0; i < rawlen; i++) {
		static const uint8_t xors[] = { 0x01, 0x80, 0xff };

		for (size_t k = 0; k < sizeof(xors); k++) {
			lc_fileidx *t = lc__fileidx_new(1);
			size_t mlen;

			raw[i] ^= xors[k];
			mlen = zip(raw, rawlen, mz, zcap);
			raw[i] ^= xors[k];
			rc = lc__cache_decode(ctx, mz, mlen, t, 0, DIFF_A, &out, err);
			if (rc == LC_OK) {
				accepted++; /* a change that still decodes (a mode bit, a letter) */
				lc__cache_layer_free(&out);
			} else {
				crashes_avoided++;
				if (lc__fileidx_layer_count(t, 0) != 0 || out.nfindings || out.ncaptures)
					partial++;
			}
			lc__fileidx_free(t);
		}
	}
	for (size_t n = 0; n < rawlen; n++) {
		lc_fileidx *t = lc__fileidx_new(1);
		size_t mlen = zip(raw, n, mz, zcap);

		rc = lc__cache_decode(ctx, mz, mlen, t, 0, DIFF_A, &out, err);
		if (rc == LC_OK)
			partial++; /* a truncated record must never decode */
		lc__cache_layer_free(&out);
		lc__fileidx_free(t);
	}
	TAP_OK(partial == 0, "no damaged record leaves a partial index (%d rejected, %d accepted)",
	       crashes_avoided, accepted);

	/* threads sharing one handle */
	{
		lc_cache *c = NULL;
		lc_fileidx *small = lc__fileidx_new(1);
		lc_cache_layer sin;
		pthread_t th[4];
		shared sh[4];
		int bad = 0;

		ct_fill(small, 0, DIFF_B, 20);
		lc__fileidx_resolve(small);
		ct_layer(&sin, 0, "AKIA****");
		lc__cache_open(ctx, &c);
		for (int t = 0; t < 4; t++) {
			sh[t] = (shared){ c, small, &sin, t, 0 };
			pthread_create(&th[t], NULL, thread_main, &sh[t]);
		}
		for (int t = 0; t < 4; t++) {
			pthread_join(th[t], NULL);
			bad += sh[t].bad;
		}
		TAP_OK(bad == 0, "4 threads x 30 store+lookup on one handle: %d failures (%s)", bad,
		       lc__cache_errmsg(c));
		lc__cache_close(c);
		lc__cache_layer_free(&sin);
		lc__fileidx_free(small);
	}

	free(z);
	free(raw);
	free(mz);
	lc__cache_layer_free(&in);
	lc__fileidx_free(ix);
	lc_ctx_free(ctx);
	ct_cleanup(dir);
	return tap_done();
}
