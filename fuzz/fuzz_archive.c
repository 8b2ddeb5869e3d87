/* fuzz_archive.c - an outer archive (docker save, oci-archive) as an attacker writes it:
 * the member index, manifest.json / index.json, configs, and the layers inside, read
 * through every transport that takes a file, then walked without detectors. */
#include "fuzz_common.h"

#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const kinds[] = {"docker-archive:", "oci-archive:", ""};
	lc_ctx *ctx = fuzz_ctx();
	int fd = memfd_create("lcfuzz", 0);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	for (size_t k = 0; k < 3; k++) {
		char ref[128];
		lc_image *img = NULL;
		lc_report *rep = NULL;
		snprintf(ref, sizeof(ref), "%s/proc/self/fd/%d", kinds[k], fd);
		if (lc_image_open(ctx, ref, &img) != LC_OK)
			continue;
		lc_scan(ctx, img, LC_SCAN_NO_DETECTORS | LC_SCAN_FILE_INDEX, &rep);
		lc_report_free(rep);
		lc_image_free(img);
	}
	close(fd);
	return 0;
}
