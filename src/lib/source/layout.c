/*
 * layout.c - the OCI image layout (oci-layout, index.json, blobs/sha256/...) read through a
 * blob store, so a directory (oci:) and a tar of one (oci-archive:) share every line.
 * Chooses the image by tag, by @N, or by platform when the index is one multi-arch image.
 */
#include "source.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REF_NAME "org.opencontainers.image.ref.name"
#define CTRD_NAME "io.containerd.image.name"

static const char *ref_name(json_t *desc)
{
	return json_string_value(json_object_get(json_object_get(desc, "annotations"), REF_NAME));
}

/* "@0 (tag v1, linux/amd64), @1 (tag v2)" for error messages. */
static void list_choices(json_t *manifests, char *out, size_t n)
{
	size_t i, o = 0;
	json_t *d;

	out[0] = 0;
	json_array_foreach(manifests, i, d) {
		json_t *p = json_object_get(d, "platform");
		const char *rn = ref_name(d);
		const char *os = json_string_value(json_object_get(p, "os"));
		const char *ar = json_string_value(json_object_get(p, "architecture"));
		int k = snprintf(out + o, n - o, "%s@%zu (%s%s%s%s%s%s)", o ? ", " : "", i,
				 rn ? "tag " : "untagged", rn ? rn : "", os && ar ? ", " : "",
				 os && ar ? os : "", os && ar ? "/" : "", os && ar ? ar : "");

		if (k < 0 || (size_t)k >= n - o) {
			if (n > 5)
				snprintf(out + n - 5, 5, "...");
			break;
		}
		o += (size_t)k;
	}
}

static bool same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

lc_code lc__layout_open(lc_blobsrc *b, const char *tag, long index)
{
	lc_image *img = b->img;
	lc_ctx *ctx = img->ctx;
	lc_code rc = LC_OK;
	char *buf = NULL, choices[800];
	size_t len, i, n;
	json_t *lay = NULL, *idx = NULL, *manifests, *d, *desc = NULL, *sub = NULL;
	const char *v;

	rc = lc__blob_read(b, "oci-layout", "oci-layout file", lc__limit(ctx, LC_LIM_JSON_SIZE),
			   "json-size", NULL, -1, &buf, &len, NULL);
	if (rc)
		goto out;
	rc = lc__json_parse(ctx, "oci-layout", buf, len, &lay);
	if (rc)
		goto out;
	v = json_string_value(json_object_get(lay, "imageLayoutVersion"));
	if (!v) {
		rc = lc__fail(ctx, LC_EIMAGE, "%s: oci-layout has no imageLayoutVersion", b->what);
		goto out;
	}
	if (strcmp(v, "1.0.0"))
		lc__image_warn(img, "source.layout_version", "oci-layout version %.40s (expected 1.0.0)",
			       v);
	free(buf);
	buf = NULL;
	rc = lc__blob_read(b, "index.json", "index.json", lc__limit(ctx, LC_LIM_MANIFEST_SIZE),
			   "manifest-size", NULL, -1, &buf, &len, NULL);
	if (rc)
		goto out;
	rc = lc__json_parse_max(ctx, "index.json", buf, len, lc__limit(ctx, LC_LIM_MANIFEST_SIZE),
				"manifest-size", &idx);
	if (rc)
		goto out;
	manifests = json_object_get(idx, "manifests");
	if (!json_is_object(idx) || !json_is_array(manifests)) {
		rc = lc__fail(ctx, LC_EIMAGE, "%s: index.json has no manifests list", b->what);
		goto out;
	}
	n = json_array_size(manifests);
	if (n == 0) {
		rc = lc__fail(ctx, LC_EIMAGE, "%s: index.json lists no images", b->what);
		goto out;
	}
	list_choices(manifests, choices, sizeof choices);
	if (index >= 0) {
		if ((size_t)index >= n) {
			rc = lc__fail(ctx, LC_EUSAGE, "%s: no image @%ld; the layout holds: %s", b->what,
				      index, choices);
			goto out;
		}
		desc = json_incref(json_array_get(manifests, (size_t)index));
	} else if (tag) {
		sub = json_pack("{s:[]}", "manifests");
		if (!sub) {
			rc = lc__fail(ctx, LC_EINTERNAL, "out of memory");
			goto out;
		}
		json_array_foreach(manifests, i, d) {
			const char *cn = json_string_value(
				json_object_get(json_object_get(d, "annotations"), CTRD_NAME));

			if (same_str(ref_name(d), tag) || same_str(cn, tag))
				json_array_append(json_object_get(sub, "manifests"), d);
		}
		if (json_array_size(json_object_get(sub, "manifests")) == 0) {
			rc = lc__fail(ctx, LC_EUSAGE, "%s: no image tagged '%s'; the layout holds: %s",
				      b->what, tag, choices);
			goto out;
		}
	} else if (n == 1) {
		desc = json_incref(json_array_get(manifests, 0));
	} else {
		/* Several entries: one multi-arch image (same name, platforms given) is chosen
		 * by platform; several different images are ambiguous. */
		bool one_image = true, one_digest = true;
		json_t *d0 = json_array_get(manifests, 0);

		json_array_foreach(manifests, i, d) {
			if (!same_str(ref_name(d), ref_name(d0)) ||
			    !json_is_object(json_object_get(d, "platform")))
				one_image = false;
			/* One image under several tags is no ambiguity. */
			if (!same_str(json_string_value(json_object_get(d, "digest")),
				      json_string_value(json_object_get(d0, "digest"))))
				one_digest = false;
		}
		if (one_digest) {
			desc = json_incref(d0);
			json_array_foreach(manifests, i, d)
				if (ref_name(d))
					lc__image_add_name(img, ref_name(d));
		} else if (!one_image) {
			rc = lc__fail(ctx, LC_EUSAGE,
				      "%s holds %zu images; name one with :TAG or :@N: %s", b->what, n,
				      choices);
			goto out;
		} else {
			sub = json_incref(idx);
		}
	}
	if (!desc) {
		json_t *pick;

		if (json_array_size(json_object_get(sub, "manifests")) == 1) {
			pick = json_array_get(json_object_get(sub, "manifests"), 0);
		} else {
			rc = lc__platform_select(ctx, sub, NULL, &pick);
			if (rc)
				goto out;
		}
		desc = json_incref(pick);
	}
	if (!json_is_object(desc)) {
		rc = lc__fail(ctx, LC_EIMAGE, "%s: index.json entry is not a descriptor", b->what);
		goto out;
	}
	if (ref_name(desc))
		lc__image_add_name(img, ref_name(desc));
	v = json_string_value(json_object_get(json_object_get(desc, "annotations"), CTRD_NAME));
	if (v)
		lc__image_add_name(img, v);
	rc = lc__follow_descriptor(b, desc, "blobs/sha256/", "", 0);
out:
	json_decref(lay);
	json_decref(idx);
	json_decref(desc);
	json_decref(sub);
	free(buf);
	return rc;
}
