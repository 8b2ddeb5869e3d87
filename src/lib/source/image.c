/*
 * image.c - the public image handle: resolve a reference (transport:spec, or a bare path
 * auto-detected by the sources' probes), open it through its source, free it. An existing
 * path always wins over any other reading of the reference.
 */
#include "source.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void lc__image_add_name(lc_image *img, const char *name)
{
	size_t i;

	for (i = 0; i < img->names.n; i++)
		if (!strcmp(img->names.v[i], name))
			return;
	lc__strlist_add(&img->names, name);
}

void lc__image_warn(lc_image *img, const char *code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	lc__diag_add(&img->warnings, code, -1, NULL, "%s", msg);
}

bool lc__parse_at_index(const char *s, long *n)
{
	char *end;
	long v;

	if (!s || s[0] != '@' || s[1] < '0' || s[1] > '9')
		return false;
	errno = 0;
	v = strtol(s + 1, &end, 10);
	if (errno || *end || v < 0)
		return false;
	*n = v;
	return true;
}

lc_code lc__split_path_ref(lc_ctx *ctx, const char *spec, char **path, char **ref)
{
	lc_code rc = LC_OK;
	struct stat st;
	const char *c;
	char *p = NULL;

	*path = NULL;
	*ref = NULL;
	if (!*spec) {
		rc = lc__fail(ctx, LC_EUSAGE, "empty path in image reference");
		goto out;
	}
	if (stat(spec, &st) == 0) {
		*path = strdup(spec);
		goto check;
	}
	/* "PATH:REF", where PATH itself may contain ':' (skopeo splits at the first colon;
	 * we take the first split whose path exists, which agrees whenever skopeo works). */
	for (c = strchr(spec, ':'); c; c = strchr(c + 1, ':')) {
		free(p);
		p = strndup(spec, (size_t)(c - spec));
		if (!p) {
			rc = lc__fail(ctx, LC_EINTERNAL, "out of memory");
			goto out;
		}
		if (*p && stat(p, &st) == 0) {
			*path = p;
			p = NULL;
			if (c[1] && !(*ref = strdup(c + 1))) {
				rc = lc__fail(ctx, LC_EINTERNAL, "out of memory");
				goto out;
			}
			goto check;
		}
	}
	rc = lc__fail(ctx, LC_EIMAGE, "%s: no such file or directory", spec);
	goto out;
check:
	if (!*path)
		rc = lc__fail(ctx, LC_EINTERNAL, "out of memory");
out:
	if (rc) {
		free(*path);
		free(*ref);
		*path = *ref = NULL;
	}
	free(p);
	return rc;
}

/* Which source a bare path is; LC_EUSAGE/LC_EIMAGE with a message when none. */
static lc_code detect(lc_ctx *ctx, const char *path, const lc_source_ops **out)
{
	struct stat st;
	const char *comp;
	size_t i;

	*out = NULL;
	if (stat(path, &st) < 0)
		return lc__fail(ctx, LC_EIMAGE, "%s: %s", path, strerror(errno));
	if (S_ISREG(st.st_mode) && (comp = lc__file_compression(path)))
		return lc__fail(ctx, LC_EUSAGE,
				"%s is %s-compressed (a compressed docker save or archive?); decompress it first and scan the tar",
				path, comp);
	for (i = 0; lc__sources[i]; i++)
		if (lc__sources[i]->probe && lc__sources[i]->probe(path)) {
			*out = lc__sources[i];
			return LC_OK;
		}
	if (S_ISREG(st.st_mode))
		return lc__fail(ctx, LC_EIMAGE,
				"%s is neither an OCI archive (index.json + oci-layout) nor a docker archive (manifest.json); for a tar of a root file system, extract it and use rootfs:DIR",
				path);
	return lc__fail(ctx, LC_EIMAGE, "%s: not a directory or an image archive", path);
}

/* Split "transport:rest" when transport names a source. */
static const lc_source_ops *by_transport(const char *ref, const char **spec)
{
	size_t i, n;

	for (i = 0; lc__sources[i]; i++) {
		n = strlen(lc__sources[i]->name);
		if (!strncmp(ref, lc__sources[i]->name, n) && ref[n] == ':') {
			*spec = ref + n + 1;
			return lc__sources[i];
		}
	}
	return NULL;
}

lc_code lc_image_open(lc_ctx *ctx, const char *reference, lc_image **out)
{
	lc_code rc = LC_OK;
	lc_image *img = NULL;
	const lc_source_ops *src = NULL;
	const char *spec = NULL;
	char *path = NULL, *ref = NULL;
	struct stat st;

	if (!ctx || ctx->magic != LC_MAGIC_CTX)
		return LC_EUSAGE;
	if (!out || !reference || !*reference) {
		rc = lc__fail(ctx, LC_EUSAGE, "no image reference given");
		goto out;
	}
	*out = NULL;
	img = calloc(1, sizeof *img);
	if (!img || !(img->reference = strdup(reference))) {
		rc = lc__fail(ctx, LC_EINTERNAL, "out of memory");
		goto out;
	}
	img->magic = LC_MAGIC_IMAGE;
	img->ctx = ctx;

	if (stat(reference, &st) == 0) {
		rc = detect(ctx, reference, &src);
		spec = reference;
	} else if ((src = by_transport(reference, &spec))) {
		if (!*spec)
			rc = lc__fail(ctx, LC_EUSAGE, "%s: missing path after '%s:'", reference, src->name);
	} else if (!strncmp(reference, "docker://", 9) || !strncmp(reference, "docker:", 7) ||
		   !strncmp(reference, "docker-daemon:", 14)) {
		rc = lc__fail(ctx, LC_EUSAGE,
			      "%s: registry and daemon references are not supported yet; save the image (skopeo copy ... oci-archive:FILE) and scan the file",
			      reference);
	} else if (lc__split_path_ref(ctx, reference, &path, &ref) == LC_OK) {
		/* A bare "PATH:TAG": detect PATH, pass the tag on. */
		rc = detect(ctx, path, &src);
		spec = reference;
	} else {
		rc = lc__fail(ctx, LC_EUSAGE,
			      "%s: no such file or directory, and not a transport:path reference (oci:, oci-archive:, docker-archive:, dir:, rootfs:); registry names are not supported yet",
			      reference);
	}
	if (rc)
		goto out;
	/* dir:DIR:TAG where DIR exists: a tag these transports cannot take. */
	if ((src == &lc__source_dir || src == &lc__source_rootfs) && !ref && stat(spec, &st) < 0) {
		free(path); /* the split above may have set it: split again from scratch */
		path = NULL;
		if (lc__split_path_ref(ctx, spec, &path, &ref) == LC_OK && !ref) {
			free(path);
			path = NULL;
		}
	}
	if ((src == &lc__source_dir || src == &lc__source_rootfs) && ref) {
		rc = lc__fail(ctx, LC_EUSAGE, "%s: a %s: image takes no tag", reference, src->name);
		goto out;
	}
	img->src = src;
	img->transport = strdup(src->name);
	if (!img->transport) {
		rc = lc__fail(ctx, LC_EINTERNAL, "out of memory");
		goto out;
	}
	rc = src->open(img, spec);
	if (rc)
		goto out;
	if (!img->path)
		img->path = strdup(spec);
	*out = img;
	img = NULL;
out:
	lc_image_free(img);
	free(path);
	free(ref);
	return rc;
}

static void free_strv(char **v)
{
	size_t i;

	for (i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

void lc_image_free(lc_image *img)
{
	lc_config *c;
	size_t i;

	if (!img || img->magic != LC_MAGIC_IMAGE)
		return;
	if (img->src && img->src->close)
		img->src->close(img);
	c = &img->config;
	free(c->os);
	free(c->architecture);
	free(c->variant);
	free(c->created);
	free(c->user);
	free(c->working_dir);
	free(c->stop_signal);
	free_strv(c->env);
	free_strv(c->entrypoint);
	free_strv(c->cmd);
	free_strv(c->exposed_ports);
	free_strv(c->volumes);
	free_strv(c->healthcheck);
	free_strv(c->onbuild);
	for (i = 0; i < img->nhistory; i++) {
		free(img->history[i].created);
		free(img->history[i].created_by);
		free(img->history[i].comment);
	}
	free(img->history);
	for (i = 0; i < img->nlayers; i++) {
		free(img->layers[i].digest);
		free(img->layers[i].media_type);
		free(img->layers[i].diff_id);
		free(img->layers[i].blob_ref);
	}
	free(img->layers);
	json_decref(img->config_json);
	lc__strlist_free(&img->names);
	lc__diag_list_free(&img->warnings);
	free(img->reference);
	free(img->transport);
	free(img->path);
	free(img->manifest_digest);
	free(img->manifest_media_type);
	free(img->config_digest);
	free(img->platform);
	img->magic = 0;
	free(img);
}

size_t lc_image_layer_count(const lc_image *img)
{
	if (!img || img->magic != LC_MAGIC_IMAGE)
		return 0;
	return img->nlayers;
}
