/*
 * docker_archive.c - the docker-archive:FILE[:NAME:TAG|:@N] transport: what `docker save`
 * and skopeo write. Legacy layout: manifest.json lists Config "HEX.json" and Layers
 * "ID/layer.tar" (uncompressed, no blob digest: the walker verifies them by diff_id).
 * Docker >= 25 adds an OCI layout and names everything "blobs/sha256/HEX", which then
 * gives each layer a digest. manifest.json is authoritative in both.
 */
#include "source.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static bool docker_archive_probe(const char *path)
{
	static const char *const names[] = {"manifest.json"};
	struct stat st;

	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
		return false;
	return lc__tar_probe(path, names, 1) & 1u;
}

static bool has_prefix(const char *s, const char *pre)
{
	return strncmp(s, pre, strlen(pre)) == 0;
}

/* "docker.io/library/foo" and "foo:latest" name the same image. */
static void norm_ref(const char *in, char *out, size_t n)
{
	const char *slash, *p = in;

	if (has_prefix(p, "docker.io/"))
		p += strlen("docker.io/");
	else if (has_prefix(p, "index.docker.io/"))
		p += strlen("index.docker.io/");
	/* "library/NAME" with no further slash: the last slash is the prefix's own */
	if (has_prefix(p, "library/") && strrchr(p, '/') == p + strlen("library/") - 1)
		p += strlen("library/");
	slash = strrchr(p, '/');
	if (strchr(slash ? slash : p, ':') || strchr(p, '@'))
		snprintf(out, n, "%s", p);
	else
		snprintf(out, n, "%s:latest", p);
}

/* "blobs/sha256/HEX" or "HEX.json" name their content: the digest to verify against. */
static char *digest_from_name(const char *name)
{
	char d[80];
	const char *hex = NULL;

	if (!strncmp(name, "blobs/sha256/", 13) && strlen(name) == 13 + 64)
		hex = name + 13;
	else if (strlen(name) == 64 + 5 && !strcmp(name + 64, ".json"))
		hex = name;
	if (!hex)
		return NULL;
	snprintf(d, sizeof d, "sha256:%.64s", hex);
	return lc__digest_valid(d) ? strdup(d) : NULL;
}

static void list_choices(json_t *man, char *out, size_t n)
{
	size_t i, j, o = 0;
	json_t *e, *t;

	out[0] = 0;
	json_array_foreach(man, i, e) {
		int k = snprintf(out + o, n - o, "%s@%zu (", o ? ", " : "", i);
		size_t nt = 0;

		if (k < 0 || (size_t)k >= n - o)
			goto full;
		o += (size_t)k;
		json_array_foreach(json_object_get(e, "RepoTags"), j, t) {
			if (!json_string_value(t))
				continue;
			k = snprintf(out + o, n - o, "%s%s", nt++ ? ", " : "", json_string_value(t));
			if (k < 0 || (size_t)k >= n - o)
				goto full;
			o += (size_t)k;
		}
		k = snprintf(out + o, n - o, "%s)", nt ? "" : "untagged");
		if (k < 0 || (size_t)k >= n - o)
			goto full;
		o += (size_t)k;
	}
	return;
full:
	if (n > 5)
		snprintf(out + n - 5, 5, "...");
}

/*
 * Docker >= 25 also writes the OCI manifest of each image (index.json -> blobs): find ours
 * by its config digest, so the report carries the same manifest digest as a registry
 * would. manifest.json stays authoritative; a mismatch here is only a warning.
 */
static void docker25_manifest_digest(lc_image *img, lc_src_state *st)
{
	lc_ctx *ctx = img->ctx;
	int64_t max = lc__limit(ctx, LC_LIM_MANIFEST_SIZE);
	char *buf = NULL, got[72], saved[sizeof ctx->errmsg];
	size_t len, i;
	json_t *idx = NULL, *d;

	if (!img->config_digest || st->b.size(&st->b, "index.json") < 0)
		return;
	memcpy(saved, ctx->errmsg, sizeof saved);
	if (lc__blob_read(&st->b, "index.json", "index.json", max, "manifest-size", NULL, -1, &buf,
			  &len, NULL) ||
	    lc__json_parse_max(ctx, "index.json", buf, len, max, "manifest-size", &idx))
		goto out;
	json_array_foreach(json_object_get(idx, "manifests"), i, d) {
		const char *dg = json_string_value(json_object_get(d, "digest"));
		char name[100];
		json_t *m = NULL;
		const char *cd;

		if (!lc__digest_valid(dg))
			continue;
		snprintf(name, sizeof name, "blobs/sha256/%s", lc__digest_hex(dg));
		free(buf);
		buf = NULL;
		if (lc__blob_read(&st->b, name, "manifest", max, "manifest-size", NULL, -1, &buf,
				  &len, got) ||
		    lc__json_parse_max(ctx, "manifest", buf, len, max, "manifest-size", &m))
			continue;
		cd = json_string_value(json_object_get(json_object_get(m, "config"), "digest"));
		if (cd && !strcmp(cd, img->config_digest)) {
			if (strcmp(got, dg))
				lc__image_warn(img, "source.manifest_mismatch",
					       "index.json manifest %s does not match its digest", dg);
			else if (!img->manifest_digest)
				img->manifest_digest = strdup(dg);
		}
		json_decref(m);
	}
out:
	/* Nothing here is an error of the open: keep the context's message as it was. */
	memcpy(ctx->errmsg, saved, sizeof saved);
	json_decref(idx);
	free(buf);
}

static lc_code docker_archive_open(lc_image *img, const char *spec)
{
	lc_ctx *ctx = img->ctx;
	lc_code rc = LC_OK;
	lc_src_state *st = NULL;
	char *path = NULL, *ref = NULL, what[600], *buf = NULL, choices[800], *cdig = NULL;
	size_t len, i, n;
	json_t *man = NULL, *e = NULL, *x, *layers;
	const char *cfgname;
	int64_t maxlayers = lc__limit(ctx, LC_LIM_LAYERS);
	long at = -1;

	rc = lc__split_path_ref(ctx, spec, &path, &ref);
	if (rc)
		goto out;
	rc = lc__src_state_new(img, &st);
	if (rc)
		goto out;
	img->path = strdup(path);
	snprintf(what, sizeof what, "docker archive %s", path);
	rc = lc__src_load_archive(img, st, path, what);
	if (rc)
		goto out;
	rc = lc__blob_read(&st->b, "manifest.json", "manifest.json",
			   lc__limit(ctx, LC_LIM_MANIFEST_SIZE), "manifest-size", NULL, -1, &buf, &len,
			   NULL);
	if (rc)
		goto out;
	rc = lc__json_parse_max(ctx, "manifest.json", buf, len, lc__limit(ctx, LC_LIM_MANIFEST_SIZE),
				"manifest-size", &man);
	if (rc)
		goto out;
	if (!json_is_array(man) || json_array_size(man) == 0) {
		rc = lc__fail(ctx, LC_EIMAGE, "%s: manifest.json is not a non-empty list of images",
			      what);
		goto out;
	}
	n = json_array_size(man);
	list_choices(man, choices, sizeof choices);
	if (ref && lc__parse_at_index(ref, &at)) {
		if ((size_t)at >= n) {
			rc = lc__fail(ctx, LC_EUSAGE, "%s: no image @%ld; the archive holds: %s", what, at,
				      choices);
			goto out;
		}
		e = json_array_get(man, (size_t)at);
	} else if (ref) {
		char want[1024], have[1024];
		size_t j;
		json_t *t, *c;

		norm_ref(ref, want, sizeof want);
		json_array_foreach(man, i, c) {
			json_array_foreach(json_object_get(c, "RepoTags"), j, t) {
				if (!json_string_value(t))
					continue;
				norm_ref(json_string_value(t), have, sizeof have);
				if (!strcmp(want, have) && !e)
					e = c;
			}
		}
		if (!e) {
			rc = lc__fail(ctx, LC_EUSAGE, "%s: no image named %s; the archive holds: %s", what,
				      ref, choices);
			goto out;
		}
	} else if (n == 1) {
		e = json_array_get(man, 0);
	} else {
		rc = lc__fail(ctx, LC_EUSAGE, "%s holds %zu images; name one with :NAME:TAG or :@N: %s",
			      what, n, choices);
		goto out;
	}
	cfgname = json_string_value(json_object_get(e, "Config"));
	layers = json_object_get(e, "Layers");
	if (!json_is_object(e) || !cfgname || !json_is_array(layers)) {
		rc = lc__fail(ctx, LC_EIMAGE, "%s: manifest.json entry lacks Config or Layers", what);
		goto out;
	}
	json_array_foreach(json_object_get(e, "RepoTags"), i, x)
		if (json_string_value(x))
			lc__image_add_name(img, json_string_value(x));
	if ((int64_t)json_array_size(layers) > maxlayers) {
		rc = lc__fail(ctx, LC_EIMAGE,
			      "%s: manifest.json lists %zu layers, more than the limit of %lld (layers)",
			      what, json_array_size(layers), (long long)maxlayers);
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
		const char *ln = json_string_value(x);
		const lc_tar_member *m;

		l->history = -1;
		l->size = -1;
		img->nlayers = i + 1;
		if (!ln) {
			rc = lc__fail(ctx, LC_EIMAGE, "%s: manifest.json layer %zu is not a name", what, i);
			goto out;
		}
		/* A missing blob is reported by the layer walk (open_blob), with its layer. */
		m = lc__tar_index_find(st->ix, ln);
		l->size = m ? m->size : -1;
		l->blob_ref = strdup(ln);
		l->digest = digest_from_name(ln);
		l->media_type = strdup(l->digest ? "application/vnd.oci.image.layer.v1.tar"
						 : "application/vnd.docker.image.rootfs.diff.tar");
		if (!l->blob_ref || !l->media_type) {
			rc = lc__fail(ctx, LC_EINTERNAL, "out of memory");
			goto out;
		}
	}
	cdig = digest_from_name(cfgname);
	if (!cdig)
		lc__image_warn(img, "source.config_unverified",
			       "config %s is not named by its digest; it cannot be verified", cfgname);
	img->config_digest = cdig ? strdup(cdig) : NULL;
	rc = lc__config_load(&st->b, cfgname, cdig, -1);
	if (!rc)
		docker25_manifest_digest(img, st);
out:
	json_decref(man);
	free(cdig);
	free(buf);
	free(path);
	free(ref);
	return rc;
}

const lc_source_ops lc__source_docker_archive = {
	.name = "docker-archive",
	.probe = docker_archive_probe,
	.open = docker_archive_open,
	.open_blob = lc__src_open_blob,
	.walk_dir = NULL,
	.close = lc__src_close,
};
