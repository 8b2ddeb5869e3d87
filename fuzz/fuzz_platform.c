/* fuzz_platform.c - choosing a manifest from an OCI index / Docker manifest list. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	lc_ctx *ctx = fuzz_ctx();
	json_t *j = NULL, *desc = NULL;
	static const char *const wants[] = {NULL, "linux/arm64/v8", "windows/amd64"};
	if (lc__json_parse(ctx, "index", (const char *)data, size, &j) != LC_OK)
		return 0;
	for (size_t i = 0; i < 3; i++) {
		desc = NULL;
		lc__platform_select(ctx, j, wants[i], &desc);
	}
	json_decref(j);
	return 0;
}
