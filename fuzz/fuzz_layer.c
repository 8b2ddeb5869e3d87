/* fuzz_layer.c - the layer pipeline on in-memory blobs: magic sniffing, gzip (ISA-L) and
 * zstd framing, the tar walker with its odd entries, and whiteout resolution across up to
 * four layers (split at "\nLCLAYER\n"). Every byte of content is read, like a scan. */
#include "fuzz_common.h"

static lc_code on_entry(void *ud, const lc_entry *e, lc_content *c)
{
	lc_fileidx *ix = ud;
	const uint8_t *b;
	size_t l;
	int64_t off;
	lc__fileidx_add(ix, e);
	if (c)
		while (lc__content_next(c, &b, &l, &off) == 1)
			;
	return LC_OK;
}

static void on_susp(void *ud, int layer, const char *code, const char *raw, const char *link)
{
	(void)ud, (void)layer, (void)code, (void)raw, (void)link;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	lc_ctx *ctx = fuzz_ctx();
	fuzz_image fi;
	fuzz_image_init(&fi, ctx);
	fuzz_image_split(&fi, data, size);
	lc_fileidx *ix = lc__fileidx_new(fi.img.nlayers);
	if (!ix)
		return 0;
	for (size_t i = 0; i < fi.img.nlayers; i++) {
		lc_walk_cb cb = {on_entry, on_susp, ix, NULL};
		lc_layer_result res;
		lc_diag_list w = {0}, e = {0};
		lc__layer_walk(ctx, &fi.img, i, &cb, &res, &w, &e);
		lc__diag_list_free(&w);
		lc__diag_list_free(&e);
	}
	lc__fileidx_resolve(ix);
	for (size_t i = 0; i < lc__fileidx_count(ix); i++)
		(void)lc__fileidx_get(ix, i);
	lc__fileidx_free(ix);
	return 0;
}
