/* fuzz_reference.c - image reference parsing and transport auto-detection. Opening only
 * reads manifests and configs; nothing is scanned. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *ref = malloc(size + 1);
	lc_image *img = NULL;
	if (!ref)
		return 0;
	memcpy(ref, data, size);
	ref[size] = 0;
	if (lc_image_open(fuzz_ctx(), ref, &img) == LC_OK)
		lc_image_free(img);
	free(ref);
	return 0;
}
