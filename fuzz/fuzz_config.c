/* fuzz_config.c - image config parsing (Env, Entrypoint, history, diff_ids...), and what
 * the report makes of it. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	lc_ctx *ctx = fuzz_ctx();
	json_t *j = NULL;
	if (lc__json_parse(ctx, "config", (const char *)data, size, &j) != LC_OK)
		return 0;
	lc_image *img = calloc(1, sizeof(*img));
	if (!img) {
		json_decref(j);
		return 0;
	}
	img->magic = LC_MAGIC_IMAGE;
	img->ctx = ctx;
	img->config_json = j;
	lc__config_parse(img, j);
	lc_image_free(img);
	return 0;
}
