/*
 * config.c - the image config (OCI and Docker share its shape: a top-level "config" object
 * with Docker's capitalised keys, rootfs.diff_ids and history) into img->config,
 * img->history and each layer's diff_id and history step. "container_config" is ignored:
 * it describes the build container, not the image.
 */
#include "source.h"

#include <stdlib.h>
#include <string.h>

static char *dup_str(json_t *v)
{
	const char *s = json_string_value(v);

	return s ? strdup(s) : NULL;
}

/* A NULL-terminated copy of the strings of an array (non-strings skipped, with a
 * warning). Returns 0, or -1 when out of memory. */
static int dup_array(lc_image *img, const char *key, json_t *arr, char ***out)
{
	char **v;
	size_t i, n = 0;
	json_t *x;

	*out = NULL;
	if (!arr || json_is_null(arr))
		return 0;
	if (json_is_string(arr)) {
		/* Docker accepts a bare string where a list is expected (shell form). */
		v = calloc(2, sizeof *v);
		if (!v || !(v[0] = strdup(json_string_value(arr)))) {
			free(v);
			return -1;
		}
		*out = v;
		return 0;
	}
	if (!json_is_array(arr)) {
		lc__image_warn(img, "config.bad_type", "config %s is not a list; ignored", key);
		return 0;
	}
	v = calloc(json_array_size(arr) + 1, sizeof *v);
	if (!v)
		return -1;
	json_array_foreach(arr, i, x) {
		if (!json_is_string(x)) {
			lc__image_warn(img, "config.bad_type", "config %s[%zu] is not a string; ignored",
				       key, i);
			continue;
		}
		if (!(v[n++] = strdup(json_string_value(x)))) {
			while (n)
				free(v[--n]);
			free(v);
			return -1;
		}
	}
	*out = v;
	return 0;
}

/* Keys of an object ({"80/tcp": {}}), NULL-terminated. */
static int dup_keys(json_t *obj, char ***out)
{
	char **v;
	size_t n = 0;
	const char *k;
	json_t *x;

	*out = NULL;
	if (!json_is_object(obj))
		return 0;
	v = calloc(json_object_size(obj) + 1, sizeof *v);
	if (!v)
		return -1;
	json_object_foreach(obj, k, x) {
		(void)x;
		if (!(v[n++] = strdup(k))) {
			while (n)
				free(v[--n]);
			free(v);
			return -1;
		}
	}
	*out = v;
	return 0;
}

lc_code lc__config_parse(lc_image *img, json_t *cfg)
{
	lc_ctx *ctx = img->ctx;
	lc_code rc = LC_OK;
	lc_config *c = &img->config;
	json_t *cc, *rootfs, *diff_ids, *hist, *x;
	int64_t maxlayers = lc__limit(ctx, LC_LIM_LAYERS);
	size_t i, k;
	int oom = 0;

	if (!json_is_object(cfg)) {
		rc = lc__fail(ctx, LC_EIMAGE, "%s: config is not a JSON object", img->reference);
		goto out;
	}
	rootfs = json_object_get(cfg, "rootfs");
	diff_ids = json_object_get(rootfs, "diff_ids");
	if (!json_is_object(rootfs) || !json_is_array(diff_ids)) {
		rc = lc__fail(ctx, LC_EIMAGE, "%s: config has no rootfs.diff_ids list", img->reference);
		goto out;
	}
	/* Before anything is allocated per layer: a config may claim any count. */
	if ((int64_t)json_array_size(diff_ids) > maxlayers) {
		rc = lc__fail(ctx, LC_EIMAGE,
			      "%s: config lists %zu layers (diff_ids), more than the limit of %lld (layers)",
			      img->reference, json_array_size(diff_ids), (long long)maxlayers);
		goto out;
	}
	if (json_array_size(diff_ids) != img->nlayers) {
		rc = lc__fail(ctx, LC_EIMAGE,
			      "%s: the manifest lists %zu layers but the config has %zu diff_ids",
			      img->reference, img->nlayers, json_array_size(diff_ids));
		goto out;
	}
	json_array_foreach(diff_ids, i, x) {
		if (!lc__digest_valid(json_string_value(x))) {
			rc = lc__fail(ctx, LC_EIMAGE, "%s: config diff_ids[%zu] is not a sha256 digest",
				      img->reference, i);
			goto out;
		}
		free(img->layers[i].diff_id);
		img->layers[i].diff_id = dup_str(x);
		oom |= !img->layers[i].diff_id;
	}

	c->os = dup_str(json_object_get(cfg, "os"));
	c->architecture = dup_str(json_object_get(cfg, "architecture"));
	c->variant = dup_str(json_object_get(cfg, "variant"));
	c->created = dup_str(json_object_get(cfg, "created"));
	cc = json_object_get(cfg, "config");
	if (cc && !json_is_object(cc) && !json_is_null(cc))
		lc__image_warn(img, "config.bad_type", "config.config is not an object; ignored");
	if (json_is_object(cc)) {
		json_t *hc = json_object_get(cc, "Healthcheck");

		c->user = dup_str(json_object_get(cc, "User"));
		c->working_dir = dup_str(json_object_get(cc, "WorkingDir"));
		c->stop_signal = dup_str(json_object_get(cc, "StopSignal"));
		oom |= dup_array(img, "Env", json_object_get(cc, "Env"), &c->env);
		oom |= dup_array(img, "Entrypoint", json_object_get(cc, "Entrypoint"), &c->entrypoint);
		oom |= dup_array(img, "Cmd", json_object_get(cc, "Cmd"), &c->cmd);
		oom |= dup_array(img, "OnBuild", json_object_get(cc, "OnBuild"), &c->onbuild);
		oom |= dup_keys(json_object_get(cc, "ExposedPorts"), &c->exposed_ports);
		oom |= dup_keys(json_object_get(cc, "Volumes"), &c->volumes);
		if (json_is_object(hc))
			oom |= dup_array(img, "Healthcheck.Test", json_object_get(hc, "Test"),
					 &c->healthcheck);
		x = json_object_get(cc, "Labels");
		if (json_is_object(x))
			c->labels = x; /* borrowed: img->config_json owns it */
	}

	hist = json_object_get(cfg, "history");
	if (json_is_array(hist) && json_array_size(hist) > 0) {
		img->history = calloc(json_array_size(hist), sizeof *img->history);
		if (!img->history) {
			oom = 1;
			goto done;
		}
		k = 0; /* next layer to attribute */
		json_array_foreach(hist, i, x) {
			lc_history *h = &img->history[img->nhistory++];

			h->created = dup_str(json_object_get(x, "created"));
			h->created_by = dup_str(json_object_get(x, "created_by"));
			h->comment = dup_str(json_object_get(x, "comment"));
			h->empty_layer = json_is_true(json_object_get(x, "empty_layer"));
			if (h->empty_layer)
				continue;
			/* Each step that made a layer owns the next layer, in order. */
			if (k < img->nlayers)
				img->layers[k].history = (int)i;
			k++;
		}
		if (k != img->nlayers)
			lc__image_warn(img, "config.history_mismatch",
				       "config history has %zu layer-making steps for %zu layers", k,
				       img->nlayers);
	}
done:
	if (oom)
		rc = lc__fail(ctx, LC_EINTERNAL, "out of memory");
out:
	return rc;
}

int lc__history_layer(const lc_image *img, size_t h)
{
	for (size_t i = 0; i < img->nlayers; i++)
		if (img->layers[i].history == (int)h)
			return (int)i;
	return -1;
}

char *lc__argv_join(char **argv, size_t max)
{
	size_t n = 0, k = 0;
	char *s;

	for (size_t i = 0; argv && argv[i]; i++)
		n += strlen(argv[i]) + 1;
	if (n > max)
		n = max;
	s = malloc(n + 1);
	if (!s)
		goto out;
	for (size_t i = 0; argv && argv[i] && k < n; i++) {
		size_t l = strlen(argv[i]);
		if (i)
			s[k++] = ' ';
		if (l > n - k)
			l = n - k;
		memcpy(s + k, argv[i], l);
		k += l;
	}
	s[k] = 0;
out:
	return s;
}

/* One config field: each element, or (joined) the whole array as one string. */
static lc_code field_texts(const char *field, char **v, bool join,
			   lc_code (*fn)(void *, const lc_config_text *), void *ud)
{
	lc_code rc = LC_OK;
	lc_config_text t = {.field = field, .source = LC_SRC_CONFIG, .layer = -1, .joined = join};
	char *s = NULL;

	if (!v)
		goto out;
	if (join) {
		if (!(s = lc__argv_join(v, LC_CONFIG_TEXT_MAX))) {
			rc = LC_EINTERNAL;
			goto out;
		}
		t.text = s;
		rc = fn(ud, &t);
		goto out;
	}
	for (size_t i = 0; v[i] && rc == LC_OK; i++) {
		t.text = v[i];
		t.index = i;
		rc = fn(ud, &t);
	}
out:
	free(s);
	return rc;
}

lc_code lc__config_texts(const lc_image *img, unsigned flags,
			 lc_code (*fn)(void *ud, const lc_config_text *t), void *ud)
{
	const lc_config *c = &img->config;
	bool join = flags & LC_CONFIG_JOIN;
	lc_code rc = field_texts("Entrypoint", c->entrypoint, join, fn, ud);

	if (rc == LC_OK)
		rc = field_texts("Cmd", c->cmd, join, fn, ud);
	if (rc == LC_OK)
		rc = field_texts("Env", c->env, false, fn, ud);
	if (rc == LC_OK)
		rc = field_texts("OnBuild", c->onbuild, false, fn, ud);
	if (rc == LC_OK)
		rc = field_texts("Healthcheck", c->healthcheck, join, fn, ud);
	if (rc == LC_OK && c->labels && json_is_object(c->labels)) {
		const char *key;
		json_t *val;
		size_t i = 0;
		json_object_foreach(c->labels, key, val) {
			lc_config_text t = {"Labels", json_string_value(val), key, i++, LC_SRC_CONFIG,
					    -1, false};
			if (!json_is_string(val))
				continue;
			if ((rc = fn(ud, &t)) != LC_OK)
				break;
		}
	}
	for (size_t i = 0; i < img->nhistory && rc == LC_OK; i++) {
		lc_config_text t = {"history", img->history[i].created_by, NULL, i, LC_SRC_HISTORY,
				    lc__history_layer(img, i), false};
		if (t.text)
			rc = fn(ud, &t);
	}
	return rc;
}
