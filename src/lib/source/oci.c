/*
 * oci.c - the oci:DIR[:TAG|:@N] transport: an OCI image layout directory, read through the
 * directory blob store and the shared layout reader (layout.c).
 */
#include "source.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool oci_probe(const char *path)
{
	struct stat st;
	char p[4096];

	if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode))
		return false;
	if (snprintf(p, sizeof p, "%s/oci-layout", path) >= (int)sizeof p)
		return false;
	return access(p, F_OK) == 0;
}

static lc_code oci_open(lc_image *img, const char *spec)
{
	lc_ctx *ctx = img->ctx;
	lc_code rc = LC_OK;
	lc_src_state *st = NULL;
	char *path = NULL, *ref = NULL, what[600];
	struct stat sb;
	long at = -1;

	rc = lc__split_path_ref(ctx, spec, &path, &ref);
	if (rc)
		goto out;
	if (stat(path, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
		rc = lc__fail(ctx, LC_EIMAGE, "%s: not a directory (oci: expects an OCI image layout)",
			      path);
		goto out;
	}
	if (ref && lc__parse_at_index(ref, &at)) {
		free(ref);
		ref = NULL;
	}
	rc = lc__src_state_new(img, &st);
	if (rc)
		goto out;
	st->dir = path;
	img->path = strdup(path);
	path = NULL;
	snprintf(what, sizeof what, "oci layout %s", st->dir);
	lc__dir_blobsrc_init(&st->b, img, st->dir, what);
	rc = lc__layout_open(&st->b, ref, at);
out:
	free(path);
	free(ref);
	return rc;
}

const lc_source_ops lc__source_oci = {
	.name = "oci",
	.probe = oci_probe,
	.open = oci_open,
	.open_blob = lc__src_open_blob,
	.walk_dir = NULL,
	.close = lc__src_close,
};
