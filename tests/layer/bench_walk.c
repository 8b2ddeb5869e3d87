/*
 * bench_walk.c - time lc__layer_walk over one layer blob on disk (any codec), with a
 * callback that touches every block of every file, as a content detector would.
 * Prints wall seconds, MB/s of tar and peak RSS; compare with `zcat FILE >/dev/null`.
 */
#include "lt.h"

#include <sys/resource.h>
#include <time.h>

static lc_code touch_entry(void *ud, const lc_entry *e, lc_content *c)
{
	uint64_t *sum = ud;
	const uint8_t *b;
	size_t l;
	int64_t off;
	(void)e;
	if (c)
		while (lc__content_next(c, &b, &l, &off) == 1)
			*sum += b[l - 1];
	return LC_OK;
}

static lc_code bench_open(lc_image *img, size_t i, lc_stream **out)
{
	(void)i;
	return lc__stream_file(img->ctx, img->path, 0, -1, out);
}

static const lc_source_ops bench_source = {.name = "file", .open_blob = bench_open};

int main(int argc, char **argv)
{
	lc_ctx *ctx;
	lc_image img;
	lc_layer_desc desc;
	uint64_t sum = 0;
	lc_walk_cb cb = {touch_entry, NULL, &sum, NULL};
	lc_layer_result res;
	lc_diag_list warn = {0}, err = {0};
	struct timespec t0, t1;
	struct rusage ru;

	if (argc < 2) {
		fprintf(stderr, "usage: %s LAYER-BLOB\n", argv[0]);
		return 2;
	}
	ctx = lc_ctx_new();
	memset(&img, 0, sizeof(img));
	memset(&desc, 0, sizeof(desc));
	img.magic = LC_MAGIC_IMAGE;
	img.ctx = ctx;
	img.path = argv[1];
	img.layers = &desc;
	img.nlayers = 1;
	img.src = &bench_source;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	lc_code rc = lc__layer_walk(ctx, &img, 0, &cb, &res, &warn, &err);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	getrusage(RUSAGE_SELF, &ru);
	printf("rc=%d codec=%s entries=%lld blob=%lld tar=%lld\n", rc, res.compression,
	       (long long)res.entries, (long long)res.blob_bytes, (long long)res.tar_bytes);
	printf("blob %s\ndiff %s\n", res.blob_digest, res.diff_id);
	printf("wall %.3f s, %.0f MB/s of tar, peak RSS %ld MB\n", secs,
	       (double)res.tar_bytes / secs / 1e6, ru.ru_maxrss / 1024);
	lt_print_diags("warning", &warn);
	lt_print_diags("error", &err);
	lc__diag_list_free(&warn);
	lc__diag_list_free(&err);
	lc_ctx_free(ctx);
	return (int)rc;
}
