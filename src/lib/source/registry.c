/*
 * registry.c - the table of image sources, one per transport, in probe order for bare
 * paths: the layout-shaped sources first, rootfs (any other directory) last. The registry
 * transport (docker://) will take its slot here, after the local ones.
 */
#include "source.h"

const lc_source_ops *const lc__sources[] = {
	&lc__source_oci,
	&lc__source_dir,
	&lc__source_docker_archive,
	&lc__source_oci_archive,
	/* registry (docker://) goes here: its probe is NULL, it is only named */
	&lc__source_rootfs,
	NULL,
};
