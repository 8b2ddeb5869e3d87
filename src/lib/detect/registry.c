/*
 * registry.c - the one table of detectors. `laocoon detectors` prints it, --scanners
 * selects from it by name. Add a detector: one file, one line below, one line in
 * meson.build.
 */
#include "lc_private.h"

#include <string.h>

extern const lc_detector lc__det_permissions;
extern const lc_detector lc__det_yara;
extern const lc_detector lc__det_miner;
extern const lc_detector lc__det_miner_config;
extern const lc_detector lc__det_ioc;
extern const lc_detector lc__det_hashes;
extern const lc_detector lc__det_placement;
extern const lc_detector lc__det_dropper;

const lc_detector *const lc__detectors[] = {
	&lc__det_permissions,
	&lc__det_credentials,
	&lc__det_ssh_backdoor,
	&lc__det_secrets,
	&lc__det_name,
	&lc__det_config,
	&lc__det_yara,
	&lc__det_miner,
	&lc__det_miner_config,
	&lc__det_ioc,
	&lc__det_hashes,
	&lc__det_placement,
	&lc__det_dropper,
	NULL,
};

size_t lc__detector_index(const char *name)
{
	for (size_t i = 0; lc__detectors[i]; i++)
		if (strcmp(lc__detectors[i]->name, name) == 0)
			return i;
	return (size_t)-1;
}

size_t lc_detector_count(void)
{
	size_t n = 0;
	while (lc__detectors[n])
		n++;
	return n;
}

const char *lc_detector_name(size_t i)
{
	return i < lc_detector_count() ? lc__detectors[i]->name : NULL;
}

const char *lc_detector_description(size_t i)
{
	return i < lc_detector_count() ? lc__detectors[i]->description : NULL;
}
