/* fuzz_json.c - the bounded JSON reader every manifest, index and config goes through. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *j = NULL;
	if (lc__json_parse(fuzz_ctx(), "fuzz", (const char *)data, size, &j) == LC_OK)
		json_decref(j);
	return 0;
}
