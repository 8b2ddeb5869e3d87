/*
 * dir.c - skopeo's dir:DIR transport, as skopeo 1.9 writes it: "version" ("Directory
 * Transport Version: 1.1"), "manifest.json", and blobs as files named by their sha256 hex.
 * With --all, manifest.json is the index and each instance is "HEX.manifest.json".
 */
#include "source.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DIR_VERSION_PREFIX "Directory Transport Version: "

static bool dir_probe(const char *path)
{
	struct stat st;
	char p[4096];

	if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode))
		return false;
	if (snprintf(p, sizeof p, "%s/oci-layout", path) >= (int)sizeof p || access(p, F_OK) == 0)
		return false;
	snprintf(p, sizeof p, "%s/manifest.json", path);
	if (access(p, F_OK) < 0)
		return false;
	snprintf(p, sizeof p, "%s/version", path);
	return access(p, F_OK) == 0;
}

static lc_code dir_open(lc_image *img, const char *spec)
{
	lc_ctx *ctx = img->ctx;
	lc_code rc = LC_OK;
	lc_src_state *st = NULL;
	char what[600], *buf = NULL, got[72];
	size_t len;
	struct stat sb;
	json_t *m = NULL, *desc;

	if (stat(spec, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
		rc = lc__fail(ctx, LC_EIMAGE, "%s: not a directory (dir: expects skopeo's dir layout)",
			      spec);
		goto out;
	}
	rc = lc__src_state_new(img, &st);
	if (rc)
		goto out;
	st->dir = strdup(spec);
	img->path = strdup(spec);
	if (!st->dir || !img->path) {
		rc = lc__fail(ctx, LC_EINTERNAL, "out of memory");
		goto out;
	}
	snprintf(what, sizeof what, "dir %s", spec);
	lc__dir_blobsrc_init(&st->b, img, st->dir, what);
	rc = lc__blob_read(&st->b, "version", "version file", 256, "(fixed 256 bytes)", NULL, -1,
			   &buf, &len, NULL);
	if (rc)
		goto out;
	if (strncmp(buf, DIR_VERSION_PREFIX, strlen(DIR_VERSION_PREFIX)) ||
	    strncmp(buf + strlen(DIR_VERSION_PREFIX), "1.", 2)) {
		rc = lc__fail(ctx, LC_EIMAGE, "%s: unsupported version file (expected \"%s1.x\")", what,
			      DIR_VERSION_PREFIX);
		goto out;
	}
	free(buf);
	buf = NULL;
	rc = lc__blob_read(&st->b, "manifest.json", "manifest.json",
			   lc__limit(ctx, LC_LIM_MANIFEST_SIZE), "manifest-size", NULL, -1, &buf,
			   &len, got);
	if (rc)
		goto out;
	rc = lc__json_parse_max(ctx, "manifest.json", buf, len, lc__limit(ctx, LC_LIM_MANIFEST_SIZE),
				"manifest-size", &m);
	if (rc)
		goto out;
	if (!json_is_object(m)) {
		rc = lc__fail(ctx, LC_EIMAGE, "%s: manifest.json is not a JSON object", what);
		goto out;
	}
	if (lc__json_is_index(m)) {
		rc = lc__platform_select(ctx, m, NULL, &desc);
		if (rc)
			goto out;
		rc = lc__follow_descriptor(&st->b, desc, "", ".manifest.json", 1);
		goto out;
	}
	img->manifest_digest = strdup(got);
	rc = lc__manifest_load(&st->b, m, "");
out:
	json_decref(m);
	free(buf);
	return rc;
}

const lc_source_ops lc__source_dir = {
	.name = "dir",
	.probe = dir_probe,
	.open = dir_open,
	.open_blob = lc__src_open_blob,
	.walk_dir = NULL,
	.close = lc__src_close,
};
