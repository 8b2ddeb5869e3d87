/*
 * manifest.c - from a descriptor to a filled image, over any blob store: follow nested
 * indexes by platform (bounded, cycles refused), read each manifest and the config within
 * their size limits, verify their sha256 against the referring descriptor, and lay out
 * the layer descriptors. Layer blobs are left to the layer walk (open_blob), which hashes
 * them and reports a missing one with its layer.
 */
#include "source.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

lc_code lc__blob_read(lc_blobsrc *b, const char *name, const char *label, int64_t max,
		      const char *limit_name, const char *want_digest, int64_t want_size,
		      char **buf, size_t *len, char got_digest[72])
{
	lc_ctx *ctx = b->img->ctx;
	lc_code rc = LC_OK;
	lc_stream *s = NULL;
	char got[72];
	int64_t sz;

	*buf = NULL;
	*len = 0;
	sz = b->size(b, name);
	if (sz == -2) {
		rc = lc__fail(ctx, LC_EIMAGE,
			      "%s: %s (%s) is a symbolic link or not a regular file; refusing to read it",
			      b->what, label, name);
		goto out;
	}
	if (sz < 0) {
		rc = lc__fail(ctx, LC_EIMAGE, "%s: %s is missing (%s)", b->what, label, name);
		goto out;
	}
	/* Refuse by the stored size before reading a byte: the file may be a sparse 2 GB. */
	if (sz > max) {
		rc = lc__fail(ctx, LC_EIMAGE, "%s: %s is %lld bytes, more than the limit of %lld (%s)",
			      b->what, label, (long long)sz, (long long)max, limit_name);
		goto out;
	}
	rc = b->open(b, name, &s);
	if (rc)
		goto out;
	rc = lc__stream_slurp(ctx, s, label, max, limit_name, buf, len, got);
	if (rc)
		goto out;
	if (want_digest && strcmp(got, want_digest)) {
		rc = lc__fail(ctx, LC_EINTEGRITY,
			      "%s: %s %s does not match its digest: content hashes to %s", b->what,
			      label, want_digest, got);
		goto out;
	}
	if (want_size >= 0 && (int64_t)*len != want_size) {
		rc = lc__fail(ctx, LC_EINTEGRITY, "%s: %s %s is %zu bytes but its descriptor says %lld",
			      b->what, label, want_digest ? want_digest : name, *len,
			      (long long)want_size);
		goto out;
	}
	if (got_digest)
		memcpy(got_digest, got, sizeof got);
out:
	if (rc) {
		free(*buf);
		*buf = NULL;
		*len = 0;
	}
	lc__stream_close(s);
	return rc;
}

static char *join2(const char *a, const char *b, const char *c)
{
	size_t n = strlen(a) + strlen(b) + strlen(c) + 1;
	char *r = malloc(n);

	if (r)
		snprintf(r, n, "%s%s%s", a, b, c);
	return r;
}

lc_code lc__config_load(lc_blobsrc *b, const char *name, const char *digest, int64_t size)
{
	lc_image *img = b->img;
	lc_ctx *ctx = img->ctx;
	lc_code rc = LC_OK;
	char *buf = NULL, label[100];
	size_t len;
	json_t *j = NULL;

	snprintf(label, sizeof label, "config blob%s%s", digest ? " " : "", digest ? digest : "");
	rc = lc__blob_read(b, name, label, lc__limit(ctx, LC_LIM_JSON_SIZE), "json-size", digest,
			   size, &buf, &len, NULL);
	if (rc)
		goto out;
	rc = lc__json_parse(ctx, label, buf, len, &j);
	if (rc)
		goto out;
	if (!json_is_object(j)) {
		rc = lc__fail(ctx, LC_EIMAGE, "%s: %s is not a JSON object", b->what, label);
		goto out;
	}
	json_decref(img->config_json);
	img->config_json = j;
	j = NULL;
	rc = lc__config_parse(img, img->config_json);
	if (rc)
		goto out;
	/* The index said one platform, the config may say another: attackers lie. */
	if (img->platform && img->config.os && img->config.architecture) {
		size_t n = strlen(img->config.os), a = strlen(img->config.architecture);
		const char *p = img->platform;

		if (strncmp(p, img->config.os, n) || p[n] != '/' ||
		    strncmp(p + n + 1, img->config.architecture, a) ||
		    (p[n + 1 + a] != 0 && p[n + 1 + a] != '/'))
			lc__image_warn(img, "source.platform_mismatch",
				       "the index lists this image as %s but its config says %s/%s",
				       img->platform, img->config.os, img->config.architecture);
	}
	if (!img->platform && img->config.os && img->config.architecture) {
		const lc_config *c = &img->config;
		char p[200];

		snprintf(p, sizeof p, "%s/%s%s%s", c->os, c->architecture, c->variant ? "/" : "",
			 c->variant ? c->variant : "");
		img->platform = strdup(p);
	}
out:
	json_decref(j);
	free(buf);
	return rc;
}

lc_code lc__manifest_load(lc_blobsrc *b, json_t *m, const char *prefix)
{
	lc_image *img = b->img;
	lc_ctx *ctx = img->ctx;
	lc_code rc = LC_OK;
	json_t *cfg, *layers, *x, *sv;
	const char *mt, *cd;
	int64_t maxlayers = lc__limit(ctx, LC_LIM_LAYERS);
	char *name = NULL;
	size_t i;

	sv = json_object_get(m, "schemaVersion");
	if (json_integer_value(sv) == 1) {
		rc = lc__fail(ctx, LC_EIMAGE, "%s: Docker schema 1 manifests are not supported",
			      b->what);
		goto out;
	}
	mt = json_string_value(json_object_get(m, "mediaType"));
	if (mt && !lc__mt_is_manifest(mt)) {
		rc = lc__fail(ctx, LC_EIMAGE, "%s: unsupported manifest media type %s", b->what, mt);
		goto out;
	}
	if (!img->manifest_media_type)
		img->manifest_media_type =
			strdup(mt ? mt : "application/vnd.oci.image.manifest.v1+json");
	cfg = json_object_get(m, "config");
	cd = json_string_value(json_object_get(cfg, "digest"));
	layers = json_object_get(m, "layers");
	if (!json_is_object(cfg) || !json_is_array(layers)) {
		rc = lc__fail(ctx, LC_EIMAGE, "%s: manifest lacks a config descriptor or a layers list",
			      b->what);
		goto out;
	}
	if (!lc__digest_valid(cd)) {
		rc = lc__fail(ctx, LC_EIMAGE, "%s: manifest config digest is not sha256:<64 hex>",
			      b->what);
		goto out;
	}
	if ((int64_t)json_array_size(layers) > maxlayers) {
		rc = lc__fail(ctx, LC_EIMAGE,
			      "%s: manifest lists %zu layers, more than the limit of %lld (layers)",
			      b->what, json_array_size(layers), (long long)maxlayers);
		goto out;
	}
	img->layers = calloc(json_array_size(layers) ? json_array_size(layers) : 1,
			     sizeof *img->layers);
	if (!img->layers) {
		rc = lc__fail(ctx, LC_EINTERNAL, "out of memory");
		goto out;
	}
	json_array_foreach(layers, i, x) {
		lc_layer_desc *l = &img->layers[i];
		const char *d = json_string_value(json_object_get(x, "digest"));
		const char *lmt = json_string_value(json_object_get(x, "mediaType"));
		json_t *sz = json_object_get(x, "size");

		l->history = -1;
		l->size = json_is_integer(sz) ? json_integer_value(sz) : -1;
		img->nlayers = i + 1;
		if (!lc__digest_valid(d)) {
			rc = lc__fail(ctx, LC_EIMAGE, "%s: layer %zu digest is not sha256:<64 hex>",
				      b->what, i);
			goto out;
		}
		l->digest = strdup(d);
		l->media_type = lmt ? strdup(lmt) : NULL;
		l->blob_ref = join2(prefix, lc__digest_hex(d), "");
		if (!l->digest || !l->blob_ref || (lmt && !l->media_type)) {
			rc = lc__fail(ctx, LC_EINTERNAL, "out of memory");
			goto out;
		}
	}
	x = json_object_get(json_object_get(m, "annotations"), "org.opencontainers.image.base.name");
	if (json_string_value(x))
		lc__image_add_name(img, json_string_value(x));
	free(img->config_digest);
	img->config_digest = strdup(cd);
	name = join2(prefix, lc__digest_hex(cd), "");
	if (!img->config_digest || !name) {
		rc = lc__fail(ctx, LC_EINTERNAL, "out of memory");
		goto out;
	}
	x = json_object_get(cfg, "size");
	rc = lc__config_load(b, name, cd, json_is_integer(x) ? json_integer_value(x) : -1);
out:
	free(name);
	return rc;
}

static void plat_string(json_t *desc, char *out, size_t n)
{
	json_t *p = json_object_get(desc, "platform");
	const char *os = json_string_value(json_object_get(p, "os"));
	const char *ar = json_string_value(json_object_get(p, "architecture"));
	const char *va = json_string_value(json_object_get(p, "variant"));

	out[0] = 0;
	if (os && ar)
		snprintf(out, n, "%s/%s%s%s", os, ar, va ? "/" : "", va ? va : "");
}

/* A manifest or index blob against the descriptor that referred to it. */
static lc_code check_blob(lc_blobsrc *b, const char *label, const char *want, json_t *sz,
			  const char *got, size_t len)
{
	if (strcmp(want, got))
		return lc__fail(b->img->ctx, LC_EINTEGRITY,
				"%s: %s does not match its digest: content hashes to %s", b->what,
				label, got);
	if (json_is_integer(sz) && json_integer_value(sz) != (json_int_t)len)
		return lc__fail(b->img->ctx, LC_EINTEGRITY,
				"%s: %s is %zu bytes but its descriptor says %lld", b->what, label,
				len, (long long)json_integer_value(sz));
	return LC_OK;
}

lc_code lc__follow_descriptor(lc_blobsrc *b, json_t *desc, const char *prefix,
			      const char *name_suffix, int depth)
{
	lc_image *img = b->img;
	lc_ctx *ctx = img->ctx;
	lc_code rc = LC_OK;
	char *visited[64];
	int nvisited = 0, i;
	int64_t maxdepth = lc__limit(ctx, LC_LIM_INDEX_DEPTH);
	json_t *doc = NULL, *next;
	char *buf = NULL, *name = NULL, label[120], plat[200], got[72];
	size_t len;

	json_incref(desc);
	for (;;) {
		const char *d = json_string_value(json_object_get(desc, "digest"));
		const char *mt = json_string_value(json_object_get(desc, "mediaType"));
		json_t *sz = json_object_get(desc, "size");

		if (!lc__digest_valid(d)) {
			rc = lc__fail(ctx, LC_EIMAGE, "%s: descriptor digest is not sha256:<64 hex>",
				      b->what);
			goto out;
		}
		for (i = 0; i < nvisited; i++)
			if (!strcmp(visited[i], d)) {
				rc = lc__fail(ctx, LC_EIMAGE, "%s: index %s refers back to itself (a cycle)",
					      b->what, d);
				goto out;
			}
		if (nvisited == (int)(sizeof visited / sizeof visited[0])) {
			rc = lc__fail(ctx, LC_EIMAGE, "%s: too many nested indexes", b->what);
			goto out;
		}
		if (!(visited[nvisited] = strdup(d))) {
			rc = lc__fail(ctx, LC_EINTERNAL, "out of memory");
			goto out;
		}
		nvisited++;
		plat_string(desc, plat, sizeof plat);
		if (plat[0] && !img->platform)
			img->platform = strdup(plat);
		free(name);
		name = join2(prefix, lc__digest_hex(d), name_suffix);
		if (!name) {
			rc = lc__fail(ctx, LC_EINTERNAL, "out of memory");
			goto out;
		}
		snprintf(label, sizeof label, "%s %s",
			 lc__mt_is_index(mt) ? "index blob" : "manifest blob", d);
		free(buf);
		buf = NULL;
		rc = lc__blob_read(b, name, label, lc__limit(ctx, LC_LIM_MANIFEST_SIZE),
				   "manifest-size", NULL, -1, &buf, &len, got);
		if (rc)
			goto out;
		json_decref(doc);
		doc = NULL;
		rc = lc__json_parse_max(ctx, label, buf, len, lc__limit(ctx, LC_LIM_MANIFEST_SIZE),
					"manifest-size", &doc);
		if (rc)
			goto out;
		if (!json_is_object(doc)) {
			rc = lc__fail(ctx, LC_EIMAGE, "%s: %s is not a JSON object", b->what, label);
			goto out;
		}
		if (!lc__json_is_index(doc)) {
			rc = check_blob(b, label, d, sz, got, len);
			if (rc)
				goto out;
			free(img->manifest_digest);
			img->manifest_digest = strdup(d);
			free(img->manifest_media_type);
			img->manifest_media_type = NULL;
			rc = lc__manifest_load(b, doc, prefix);
			goto out;
		}
		/* An index: a reference back to any index on the way is a cycle, reported as
		 * such even though such a blob cannot match its own digest. */
		{
			json_t *ms = json_object_get(doc, "manifests"), *e;
			size_t k;

			json_array_foreach(ms, k, e) {
				const char *ed = json_string_value(json_object_get(e, "digest"));

				for (i = 0; ed && i < nvisited; i++)
					if (!strcmp(visited[i], ed)) {
						rc = lc__fail(ctx, LC_EIMAGE,
							      "%s: index %s refers back to %s (a cycle)",
							      b->what, d, ed);
						goto out;
					}
			}
		}
		rc = check_blob(b, label, d, sz, got, len);
		if (rc)
			goto out;
		if (++depth > maxdepth) {
			rc = lc__fail(ctx, LC_EIMAGE,
				      "%s: indexes nested deeper than %lld (limit index-depth)", b->what,
				      (long long)maxdepth);
			goto out;
		}
		free(img->platform);
		img->platform = NULL;
		rc = lc__platform_select(ctx, doc, NULL, &next);
		if (rc)
			goto out;
		json_incref(next);
		json_decref(desc);
		desc = next;
	}
out:
	json_decref(desc);
	json_decref(doc);
	for (i = 0; i < nvisited; i++)
		free(visited[i]);
	free(buf);
	free(name);
	return rc;
}
