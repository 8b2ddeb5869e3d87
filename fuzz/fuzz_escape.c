/* fuzz_escape.c - the output escaper every image-named string passes through: its result
 * must be valid UTF-8 without control characters, whatever the input. */
#include "fuzz_common.h"

#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *e = lc__escape((const char *)data, size);
	if (!e)
		return 0;
	for (const unsigned char *p = (const unsigned char *)e; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			abort(); /* a control character got through */
	json_t *s = json_string(e); /* NULL would mean invalid UTF-8 */
	if (!s)
		abort();
	json_decref(s);
	free(e);
	return 0;
}
