/*
 * oci_archive.c - the oci-archive:FILE[:TAG|:@N] transport: a tar of an OCI image layout
 * (what skopeo and buildah write), read in place through the archive blob store and the
 * shared layout reader; nothing is extracted.
 */
#include "source.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static bool oci_archive_probe(const char *path)
{
	static const char *const names[] = {"index.json", "oci-layout", "manifest.json"};
	struct stat st;
	unsigned f;

	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
		return false;
	f = lc__tar_probe(path, names, 3);
	/* A docker save of Docker >= 25 carries a layout too, and is read as docker-archive. */
	return (f & 3u) == 3u && !(f & 4u);
}

static lc_code oci_archive_open(lc_image *img, const char *spec)
{
	lc_ctx *ctx = img->ctx;
	lc_code rc = LC_OK;
	lc_src_state *st = NULL;
	char *path = NULL, *ref = NULL, what[600];
	long at = -1;

	rc = lc__split_path_ref(ctx, spec, &path, &ref);
	if (rc)
		goto out;
	if (ref && lc__parse_at_index(ref, &at)) {
		free(ref);
		ref = NULL;
	}
	rc = lc__src_state_new(img, &st);
	if (rc)
		goto out;
	img->path = strdup(path);
	snprintf(what, sizeof what, "oci archive %s", path);
	rc = lc__src_load_archive(img, st, path, what);
	if (rc)
		goto out;
	rc = lc__layout_open(&st->b, ref, at);
out:
	free(path);
	free(ref);
	return rc;
}

const lc_source_ops lc__source_oci_archive = {
	.name = "oci-archive",
	.probe = oci_archive_probe,
	.open = oci_archive_open,
	.open_blob = lc__src_open_blob,
	.walk_dir = NULL,
	.close = lc__src_close,
};
