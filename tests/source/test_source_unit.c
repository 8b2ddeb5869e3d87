/*
 * test_source_unit.c - unit tests of the image sources' internals: bounded JSON, platform
 * selection, config parsing, file and tar-member streams (offsets checked against
 * libarchive), the outer-tar index with links, and the rootfs walk (no symlink followed,
 * devices and FIFOs never opened, 64 KiB blocks, warnings for what cannot be read).
 */
#include "lc_private.h"
#include "../../src/lib/source/source.h"
#include "../helpers/tap.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmpdir[256];

static void put(const char *rel, const void *data, size_t len)
{
	char p[512];
	FILE *f;

	snprintf(p, sizeof p, "%s/%s", tmpdir, rel);
	f = fopen(p, "wb");
	if (f) {
		fwrite(data, 1, len, f);
		fclose(f);
	}
}

/* ---- JSON ---------------------------------------------------------------------------- */

static void test_json(lc_ctx *ctx)
{
	json_t *j = NULL;
	char *deep;
	size_t n = 1000000, i;
	lc_code rc;

	rc = lc__json_parse(ctx, "t", "{\"a\":[1,2,{\"b\":\"[[[[\"}]}", 24, &j);
	TAP_OK(rc == LC_OK && json_is_object(j), "small JSON parses (brackets inside strings ignored)");
	json_decref(j);
	j = NULL;

	deep = malloc(2 * n);
	for (i = 0; i < n; i++) {
		deep[i] = '[';
		deep[n + i] = ']';
	}
	rc = lc__json_parse(ctx, "deep doc", deep, 2 * n, &j);
	TAP_OK(rc == LC_EIMAGE && !j, "1,000,000-deep JSON refused");
	TAP_OK(strstr(lc_ctx_errmsg(ctx), "json-depth") && strstr(lc_ctx_errmsg(ctx), "deep doc"),
	       "depth error names the limit and the document: %s", lc_ctx_errmsg(ctx));
	free(deep);

	/* exactly at the limit is fine, one more is not */
	{
		int64_t lim = lc__limit(ctx, LC_LIM_JSON_DEPTH);
		char *b = malloc((size_t)(2 * lim + 4));

		for (i = 0; i < (size_t)lim; i++) {
			b[i] = '[';
			b[lim + i] = ']';
		}
		rc = lc__json_parse(ctx, "t", b, (size_t)(2 * lim), &j);
		TAP_OK(rc == LC_OK, "JSON at exactly json-depth parses");
		json_decref(j);
		j = NULL;
		memmove(b + 1, b, (size_t)(2 * lim));
		b[0] = '[';
		b[2 * lim + 1] = ']';
		rc = lc__json_parse(ctx, "t", b, (size_t)(2 * lim + 2), &j);
		TAP_OK(rc == LC_EIMAGE, "JSON one deeper than json-depth refused");
		free(b);
	}

	rc = lc__json_parse(ctx, "cfg", "{\"a\": ", 6, &j);
	TAP_OK(rc == LC_EIMAGE && strstr(lc_ctx_errmsg(ctx), "cfg"), "bad JSON -> LC_EIMAGE: %s",
	       lc_ctx_errmsg(ctx));
	rc = lc__json_parse_max(ctx, "m", "{\"a\":1234567}", 13, 12, "manifest-size", &j);
	TAP_OK(rc == LC_EIMAGE && strstr(lc_ctx_errmsg(ctx), "manifest-size"),
	       "size ceiling enforced: %s", lc_ctx_errmsg(ctx));

	TAP_OK(lc__digest_valid("sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"),
	       "valid digest");
	TAP_OK(!lc__digest_valid("sha256:../../../../etc/passwd") &&
		       !lc__digest_valid("sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef") &&
		       !lc__digest_valid("sha512:00") && !lc__digest_valid(NULL),
	       "invalid digests refused");
}

/* ---- platform ---------------------------------------------------------------------- */

static const char *pick(lc_ctx *ctx, json_t *idx, const char *want, lc_code *rc)
{
	json_t *d = NULL;

	*rc = lc__platform_select(ctx, idx, want, &d);
	return d ? json_string_value(json_object_get(d, "digest")) : NULL;
}

static void test_platform(lc_ctx *ctx)
{
	json_error_t e;
	json_t *idx = json_loads(
		"{\"manifests\":["
		"{\"digest\":\"arm7\",\"platform\":{\"os\":\"linux\",\"architecture\":\"arm\",\"variant\":\"v7\"}},"
		"{\"digest\":\"arm64\",\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\",\"variant\":\"v8\"}},"
		"{\"digest\":\"amd64\",\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}},"
		"{\"digest\":\"att\",\"platform\":{\"os\":\"unknown\",\"architecture\":\"unknown\"}},"
		"{\"digest\":\"win\",\"platform\":{\"os\":\"windows\",\"architecture\":\"amd64\"}}]}",
		0, &e);
	json_t *one = json_loads("{\"manifests\":[{\"digest\":\"only\"}]}", 0, &e);
	const char *d;
	lc_code rc;

	d = pick(ctx, idx, NULL, &rc);
	TAP_OK(rc == LC_OK && d && !strcmp(d, "amd64"), "default platform is linux/amd64 (%s)",
	       d ? d : "none");
	d = pick(ctx, idx, "linux/arm64", &rc);
	TAP_OK(d && !strcmp(d, "arm64"), "linux/arm64 selects arm64/v8");
	d = pick(ctx, idx, "linux/arm64/v8", &rc);
	TAP_OK(d && !strcmp(d, "arm64"), "linux/arm64/v8 selects arm64/v8");
	d = pick(ctx, idx, "linux/arm/v7", &rc);
	TAP_OK(d && !strcmp(d, "arm7"), "linux/arm/v7");
	d = pick(ctx, idx, "linux/x86_64", &rc);
	TAP_OK(d && !strcmp(d, "amd64"), "x86_64 is an alias of amd64");
	d = pick(ctx, idx, "windows/amd64", &rc);
	TAP_OK(d && !strcmp(d, "win"), "windows/amd64");
	lc_ctx_set_option(ctx, "platform", "linux/arm/v7");
	d = pick(ctx, idx, NULL, &rc);
	TAP_OK(d && !strcmp(d, "arm7"), "ctx platform option is the default");
	lc_ctx_set_option(ctx, "platform", "linux/amd64");
	d = pick(ctx, idx, "linux/s390x", &rc);
	TAP_OK(rc == LC_EUSAGE && !d, "no match -> LC_EUSAGE");
	TAP_OK(strstr(lc_ctx_errmsg(ctx), "linux/arm/v7") && strstr(lc_ctx_errmsg(ctx), "linux/amd64") &&
		       strstr(lc_ctx_errmsg(ctx), "windows/amd64"),
	       "no-match error lists the platforms: %s", lc_ctx_errmsg(ctx));
	d = pick(ctx, idx, "linux", &rc);
	TAP_OK(rc == LC_EUSAGE, "bad platform syntax -> LC_EUSAGE");
	d = pick(ctx, one, "linux/s390x", &rc);
	TAP_OK(d && !strcmp(d, "only"), "a one-entry index without platform is taken");
	json_decref(idx);
	json_decref(one);
}

/* ---- config --------------------------------------------------------------------------- */

static lc_image *fake_image(lc_ctx *ctx, size_t nlayers)
{
	lc_image *img = calloc(1, sizeof *img);
	size_t i;

	img->magic = LC_MAGIC_IMAGE;
	img->ctx = ctx;
	img->reference = strdup("test");
	img->layers = calloc(nlayers ? nlayers : 1, sizeof *img->layers);
	img->nlayers = nlayers;
	for (i = 0; i < nlayers; i++)
		img->layers[i].history = -1;
	return img;
}

static void test_config(lc_ctx *ctx)
{
	static const char *cfgtext =
		"{\"architecture\":\"arm64\",\"os\":\"linux\",\"variant\":\"v8\",\"created\":\"2024-01-01T00:00:00Z\","
		"\"config\":{\"User\":\"1000:1000\",\"WorkingDir\":\"/app\",\"Env\":[\"A=b\",\"PATH=/bin\"],"
		"\"Entrypoint\":[\"/bin/sh\",\"-c\"],\"Cmd\":[\"run\"],\"ExposedPorts\":{\"3333/tcp\":{}},"
		"\"Volumes\":{\"/data\":{}},\"Labels\":{\"k\":\"v\"},\"StopSignal\":\"SIGKILL\","
		"\"Healthcheck\":{\"Test\":[\"CMD\",\"true\"]},\"OnBuild\":[\"RUN x\"]},"
		"\"container_config\":{\"Cmd\":[\"/bin/sh\",\"-c\",\"#(nop) secret build step\"]},"
		"\"rootfs\":{\"type\":\"layers\",\"diff_ids\":["
		"\"sha256:1111111111111111111111111111111111111111111111111111111111111111\","
		"\"sha256:2222222222222222222222222222222222222222222222222222222222222222\"]},"
		"\"history\":[{\"created_by\":\"ADD file\"},{\"created_by\":\"ENV A=b\",\"empty_layer\":true},"
		"{\"created_by\":\"RUN make\",\"comment\":\"c\"}]}";
	json_error_t e;
	json_t *cfg = json_loads(cfgtext, 0, &e);
	lc_image *img = fake_image(ctx, 2);
	lc_config *c = &img->config;
	lc_code rc;
	json_t *big;
	size_t i;
	char d[80];

	img->config_json = cfg;
	rc = lc__config_parse(img, cfg);
	TAP_OK(rc == LC_OK, "config parses: %s", lc_ctx_errmsg(ctx));
	TAP_OK(c->user && !strcmp(c->user, "1000:1000") && c->working_dir &&
		       !strcmp(c->working_dir, "/app"),
	       "User, WorkingDir");
	TAP_OK(c->env && !strcmp(c->env[1], "PATH=/bin") && !c->env[2], "Env");
	TAP_OK(c->entrypoint && !strcmp(c->entrypoint[0], "/bin/sh") && c->cmd &&
		       !strcmp(c->cmd[0], "run") && !c->cmd[1],
	       "Entrypoint and Cmd (container_config ignored)");
	TAP_OK(c->exposed_ports && !strcmp(c->exposed_ports[0], "3333/tcp") && c->volumes &&
		       !strcmp(c->volumes[0], "/data"),
	       "ExposedPorts and Volumes keys");
	TAP_OK(c->labels && !strcmp(json_string_value(json_object_get(c->labels, "k")), "v"), "Labels");
	TAP_OK(c->stop_signal && !strcmp(c->stop_signal, "SIGKILL") && c->healthcheck &&
		       !strcmp(c->healthcheck[1], "true") && c->onbuild && !strcmp(c->onbuild[0], "RUN x"),
	       "StopSignal, Healthcheck.Test, OnBuild");
	TAP_OK(c->os && !strcmp(c->os, "linux") && !strcmp(c->architecture, "arm64") &&
		       !strcmp(c->variant, "v8") && c->created,
	       "os/architecture/variant/created");
	TAP_OK(img->nhistory == 3 && img->history[1].empty_layer && img->history[2].comment,
	       "history entries");
	TAP_OK(img->layers[0].history == 0 && img->layers[1].history == 2,
	       "non-empty history steps map to layers (0->0, 1->2)");
	TAP_OK(img->layers[1].diff_id && !strncmp(img->layers[1].diff_id, "sha256:2222", 11),
	       "diff_ids copied to layers");
	lc_image_free(img);

	/* count mismatch */
	cfg = json_loads(cfgtext, 0, &e);
	img = fake_image(ctx, 3);
	img->config_json = cfg;
	rc = lc__config_parse(img, cfg);
	TAP_OK(rc == LC_EIMAGE && strstr(lc_ctx_errmsg(ctx), "3 layers"),
	       "layer count != diff_ids count -> LC_EIMAGE: %s", lc_ctx_errmsg(ctx));
	lc_image_free(img);

	/* 10,000 diff_ids: refused by the layers limit before any per-layer work */
	big = json_pack("{s:{s:s,s:[]}}", "rootfs", "type", "layers", "diff_ids");
	for (i = 0; i < 10000; i++) {
		snprintf(d, sizeof d, "sha256:%064zx", i);
		json_array_append_new(json_object_get(json_object_get(big, "rootfs"), "diff_ids"),
				      json_string(d));
	}
	img = fake_image(ctx, 10000);
	img->config_json = big;
	rc = lc__config_parse(img, big);
	TAP_OK(rc == LC_EIMAGE && strstr(lc_ctx_errmsg(ctx), "10000") &&
		       strstr(lc_ctx_errmsg(ctx), "limit"),
	       "10,000 diff_ids refused by the limit: %s", lc_ctx_errmsg(ctx));
	lc_image_free(img);

	/* a non-string in Env is skipped with a warning, not a crash */
	cfg = json_loads("{\"config\":{\"Env\":[1,\"A=b\",null]},\"rootfs\":{\"diff_ids\":[]}}", 0, &e);
	img = fake_image(ctx, 0);
	img->config_json = cfg;
	rc = lc__config_parse(img, cfg);
	TAP_OK(rc == LC_OK && img->config.env && !strcmp(img->config.env[0], "A=b") &&
		       !img->config.env[1] && img->warnings.n == 2,
	       "non-string Env items skipped with warnings");
	lc_image_free(img);
}

/* ---- streams and the tar index ----------------------------------------------------- */

static void add_member(struct archive *a, const char *name, char type, const char *data,
		       size_t len, const char *link)
{
	struct archive_entry *e = archive_entry_new();

	archive_entry_set_pathname(e, name);
	archive_entry_set_perm(e, 0644);
	if (type == 'l') {
		archive_entry_set_filetype(e, AE_IFLNK);
		archive_entry_set_symlink(e, link);
	} else if (type == 'h') {
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_hardlink(e, link);
	} else if (type == 'd') {
		archive_entry_set_filetype(e, AE_IFDIR);
	} else {
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_size(e, (la_int64_t)len);
	}
	archive_write_header(a, e);
	if (type == 'f' && len)
		archive_write_data(a, data, len);
	archive_entry_free(e);
}

static char *slurp(lc_ctx *ctx, lc_stream *s, size_t *len)
{
	char *buf = NULL;

	if (lc__stream_slurp(ctx, s, "t", 1 << 24, "x", &buf, len, NULL))
		return NULL;
	return buf;
}

static void test_streams(lc_ctx *ctx)
{
	char tarpath[512], longname[400], *big = malloc(300000), *got;
	struct archive *a = archive_write_new();
	lc_stream *s = NULL;
	lc_tar_index *ix = NULL;
	const lc_tar_member *m;
	size_t len, i;
	lc_code rc;

	for (i = 0; i < 300000; i++)
		big[i] = (char)(i * 7 + i / 300);
	memset(longname, 'n', sizeof longname);
	memcpy(longname, "deep/", 5);
	longname[300] = 0;
	snprintf(tarpath, sizeof tarpath, "%s/outer.tar", tmpdir);
	archive_write_set_format_pax_restricted(a);
	archive_write_open_filename(a, tarpath);
	add_member(a, "./first", 'f', "hello", 5, NULL);
	add_member(a, "blobs/", 'd', NULL, 0, NULL);
	add_member(a, "blobs/big", 'f', big, 300000, NULL);
	add_member(a, longname, 'f', "pax long name", 13, NULL);
	add_member(a, "id/layer.tar", 'l', NULL, 0, "../blobs/big");
	add_member(a, "hard", 'h', NULL, 0, "first");
	add_member(a, "loop", 'l', NULL, 0, "loop");
	add_member(a, "out", 'l', NULL, 0, "../../etc/passwd");
	add_member(a, "first", 'f', "HELLO!", 6, NULL); /* a later duplicate wins */
	archive_write_close(a);
	archive_write_free(a);

	rc = lc__stream_tar_member(ctx, tarpath, "blobs/big", &s);
	TAP_OK(rc == LC_OK && s, "tar member opens: %s", lc_ctx_errmsg(ctx));
	if (s) {
		TAP_OK(s->file_path && s->file_length == 300000 && s->file_offset > 0 &&
			       s->file_offset % 512 == 0,
		       "tar member stream reports its data slice (%lld+%lld)",
		       (long long)s->file_offset, (long long)s->file_length);
		{
			int64_t off = s->file_offset;

			got = slurp(ctx, s, &len);
			TAP_OK(got && len == 300000 && !memcmp(got, big, len), "tar member content");
			free(got);
			lc__stream_close(s);
			s = NULL;
			/* the reported slice really is the member's data */
			rc = lc__stream_file(ctx, tarpath, off, 300000, &s);
			got = s ? slurp(ctx, s, &len) : NULL;
			TAP_OK(got && len == 300000 && !memcmp(got, big, len),
			       "file slice at the reported offset is the member");
			free(got);
			lc__stream_close(s);
			s = NULL;
		}
	}
	rc = lc__stream_tar_member(ctx, tarpath, "nope", &s);
	TAP_OK(rc == LC_EIMAGE && strstr(lc_ctx_errmsg(ctx), "nope"), "missing member named: %s",
	       lc_ctx_errmsg(ctx));

	rc = lc__tar_index_load(ctx, tarpath, &ix);
	TAP_OK(rc == LC_OK && ix, "tar index loads");
	if (ix) {
		m = lc__tar_index_find(ix, longname);
		TAP_OK(m && m->offset > 0 && m->size == 13, "pax long-name member indexed with offset");
		if (m) {
			rc = lc__stream_file(ctx, tarpath, m->offset, m->size, &s);
			got = s ? slurp(ctx, s, &len) : NULL;
			TAP_OK(got && len == 13 && !memcmp(got, "pax long name", 13),
			       "pax member offset correct");
			free(got);
			lc__stream_close(s);
			s = NULL;
		}
		m = lc__tar_index_find(ix, "id/layer.tar");
		TAP_OK(m && !strcmp(m->name, "blobs/big"), "symlink member resolved inside the archive");
		m = lc__tar_index_find(ix, "./first");
		TAP_OK(m && m->size == 6, "\"./\" prefix ignored; last duplicate wins");
		m = lc__tar_index_find(ix, "hard");
		TAP_OK(m && !strcmp(m->name, "first"), "hard link resolved");
		TAP_OK(!lc__tar_index_find(ix, "loop"), "symlink loop ends (not found)");
		TAP_OK(!lc__tar_index_find(ix, "out"), "link climbing out of the archive refused");
		lc__tar_index_free(ix);
	}

	/* file slices */
	put("f.bin", "0123456789", 10);
	{
		char p[512];

		snprintf(p, sizeof p, "%s/f.bin", tmpdir);
		rc = lc__stream_file(ctx, p, 2, 5, &s);
		got = s ? slurp(ctx, s, &len) : NULL;
		TAP_OK(got && len == 5 && !memcmp(got, "23456", 5) && s->file_offset == 2 &&
			       s->file_length == 5,
		       "file slice");
		free(got);
		lc__stream_close(s);
		s = NULL;
		rc = lc__stream_file(ctx, p, 8, 5, &s);
		TAP_OK(rc == LC_EIMAGE && !s, "slice past the end refused");
		rc = lc__stream_file(ctx, p, 0, -1, &s);
		TAP_OK(rc == LC_OK && s && s->file_length == 10, "whole file");
		/* slurp ceiling: reads at most max+1 bytes */
		got = NULL;
		rc = lc__stream_slurp(ctx, s, "f.bin", 4, "tiny", &got, &len, NULL);
		TAP_OK(rc == LC_EIMAGE && !got && strstr(lc_ctx_errmsg(ctx), "tiny"),
		       "slurp refuses more than its ceiling");
		lc__stream_close(s);
		s = NULL;
	}
	free(big);
}

/* ---- rootfs ------------------------------------------------------------------------ */

typedef struct seen {
	char paths[64][128];
	lc_ftype types[64];
	int64_t content[64];
	int n;
	size_t maxblock;
	int content_for_special;
	int order_ok;
	char link[64][128];
} seen;

static lc_code on_entry(void *ud, const lc_entry *e, lc_content *c)
{
	seen *s = ud;
	const uint8_t *b;
	size_t l;
	int64_t off, total = 0;

	if (s->n >= 64)
		return LC_OK;
	snprintf(s->paths[s->n], sizeof s->paths[0], "%s", e->path);
	s->types[s->n] = e->type;
	snprintf(s->link[s->n], sizeof s->link[0], "%s", e->link ? e->link : "");
	if (e->type != LC_FT_REG && c)
		s->content_for_special++;
	if (c) {
		while (lc__content_next(c, &b, &l, &off) == 1) {
			if (off != total)
				total = -1000000;
			total += (int64_t)l;
			if (l > s->maxblock)
				s->maxblock = l;
		}
	}
	s->content[s->n] = c ? total : -1;
	s->n++;
	return LC_OK;
}

static int find(const seen *s, const char *p)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->paths[i], p))
			return i;
	return -1;
}

static int hook_calls;
static void hook(void *ud, const char *code, int layer, const char *path, const char *msg)
{
	(void)ud;
	(void)msg;
	if (!strcmp(code, "rootfs.unreadable") && layer == 0 && path && strstr(path, "secret"))
		hook_calls++;
}

static void test_rootfs(lc_ctx *ctx)
{
	char root[512], p[600], ref[600], *big = calloc(1, 200000);
	lc_image *img = NULL;
	lc_walk_cb cb;
	seen *s = calloc(1, sizeof *s);
	lc_code rc;
	int i, setup_ok = 1;

	snprintf(root, sizeof root, "%s/root", tmpdir);
	mkdir(root, 0755);
	snprintf(p, sizeof p, "%s/etc", root);
	mkdir(p, 0755);
	snprintf(p, sizeof p, "%s/usr", root);
	mkdir(p, 0755);
	snprintf(p, sizeof p, "%s/usr/bin", root);
	mkdir(p, 0755);
	snprintf(p, sizeof p, "%s/run", root);
	mkdir(p, 0755);
	put("root/etc/passwd", "root:x:0:0::/root:/bin/sh\n", 26);
	put("root/usr/bin/big", big, 200000);
	put("root/etc/secret", "s3cr3t", 6);
	snprintf(p, sizeof p, "%s/escape", root);
	setup_ok &= symlink("/etc", p) == 0;
	snprintf(p, sizeof p, "%s/bin", root);
	setup_ok &= symlink("usr/bin", p) == 0;
	snprintf(p, sizeof p, "%s/loop", root);
	setup_ok &= symlink("loop", p) == 0;
	snprintf(p, sizeof p, "%s/run/fifo", root);
	setup_ok &= mkfifo(p, 0644) == 0; /* opening it would block forever */
	snprintf(p, sizeof p, "%s/etc/secret", root);
	setup_ok &= chmod(p, 0) == 0;
	TAP_OK(setup_ok, "rootfs fixture made");

	snprintf(ref, sizeof ref, "rootfs:%s", root);
	rc = lc_image_open(ctx, ref, &img);
	TAP_OK(rc == LC_OK && img && lc_image_layer_count(img) == 1 &&
		       !strcmp(img->transport, "rootfs") && !img->layers[0].digest &&
		       !img->layers[0].diff_id,
	       "rootfs opens as one pseudo-layer without digests");
	if (!img)
		goto out;
	if (geteuid() != 0)
		lc__image_set_warn_hook(img, hook, NULL);
	memset(&cb, 0, sizeof cb);
	cb.entry = on_entry;
	cb.ud = s;
	rc = img->src->walk_dir(img, 0, &cb);
	TAP_OK(rc == LC_OK, "walk_dir succeeds");
	TAP_OK(find(s, "etc/passwd") >= 0 && s->content[find(s, "etc/passwd")] == 26,
	       "regular file content delivered");
	i = find(s, "escape");
	TAP_OK(i >= 0 && s->types[i] == LC_FT_SYMLINK && !strcmp(s->link[i], "/etc"),
	       "absolute symlink recorded with its target");
	TAP_OK(find(s, "escape/passwd") < 0 && find(s, "bin/big") < 0,
	       "no symlink followed (not out of the root, not inside it)");
	i = find(s, "loop");
	TAP_OK(i >= 0 && s->types[i] == LC_FT_SYMLINK, "self-loop symlink is just an entry");
	i = find(s, "run/fifo");
	TAP_OK(i >= 0 && s->types[i] == LC_FT_FIFO && s->content[i] == -1 &&
		       !s->content_for_special,
	       "FIFO reported, never opened");
	i = find(s, "usr/bin/big");
	TAP_OK(i >= 0 && s->content[i] == 200000 && s->maxblock == 64 * 1024,
	       "large file in 64 KiB blocks, offsets continuous");
	{
		int sorted = 1;

		for (i = 0; i < s->n; i++)
			if (s->paths[i][0] == '/' || strstr(s->paths[i], "./") || strstr(s->paths[i], ".."))
				sorted = 0;
		TAP_OK(sorted && find(s, "bin") < find(s, "etc") && find(s, "etc") < find(s, "etc/passwd"),
		       "paths relative, normalised, in sorted depth-first order");
	}
	if (geteuid() != 0) {
		TAP_OK(hook_calls == 1, "unreadable file goes to the warning hook");
	} else {
		printf("ok %d # SKIP unreadable files cannot be made as root\n", ++tap_n);
	}
	/* problems the walk cannot hand to the callback become warnings on the image */
	put("root/etc/a-very-long-file-name", "x", 1);
	lc_ctx_set_limit(ctx, "path-length", "20");
	memset(s, 0, sizeof *s);
	lc__image_set_warn_hook(img, NULL, NULL);
	lc__diag_list_free(&img->warnings);
	rc = img->src->walk_dir(img, 0, &cb);
	TAP_OK(rc == LC_OK && find(s, "etc/a-very-long-file-name") < 0 && find(s, "etc/passwd") >= 0,
	       "over-long path skipped, the rest walked");
	TAP_OK(img->warnings.n >= 1 && !strcmp(img->warnings.v[0].code, "rootfs.path_too_long") &&
		       img->warnings.v[0].layer == 0,
	       "over-long path becomes a rootfs.path_too_long warning");
	lc_ctx_set_limit(ctx, "path-length", "4096");
	lc_ctx_set_limit(ctx, "entries-per-layer", "5");
	memset(s, 0, sizeof *s);
	rc = img->src->walk_dir(img, 0, &cb);
	TAP_OK(rc == LC_EIMAGE && strstr(lc_ctx_errmsg(ctx), "entries-per-layer"),
	       "entries-per-layer bounds the walk: %s", lc_ctx_errmsg(ctx));
	lc_ctx_set_limit(ctx, "entries-per-layer", "2000000");
	/* a rootfs takes no tag, and a missing directory is LC_EIMAGE */
	lc_image_free(img);
	img = NULL;
	snprintf(ref, sizeof ref, "rootfs:%s/nope", tmpdir);
	rc = lc_image_open(ctx, ref, &img);
	TAP_OK(rc == LC_EIMAGE && !img, "rootfs: of a missing directory -> LC_EIMAGE");
out:
	lc_image_free(img);
	snprintf(p, sizeof p, "%s/etc/secret", root);
	chmod(p, 0600);
	free(big);
	free(s);
}

/* ---- references -------------------------------------------------------------------- */

static void test_refs(lc_ctx *ctx)
{
	lc_image *img = NULL;
	char *path = NULL, *ref = NULL, d[600], r[700];
	lc_code rc;
	long n = -1;

	TAP_OK(lc__parse_at_index("@12", &n) && n == 12, "@N parses");
	TAP_OK(!lc__parse_at_index("@", &n) && !lc__parse_at_index("@1x", &n) &&
		       !lc__parse_at_index("@-1", &n) && !lc__parse_at_index("v1", &n),
	       "bad @N refused");
	snprintf(d, sizeof d, "%s/with:colon", tmpdir);
	mkdir(d, 0755);
	snprintf(r, sizeof r, "%s:v1", d);
	rc = lc__split_path_ref(ctx, r, &path, &ref);
	TAP_OK(rc == LC_OK && path && !strcmp(path, d) && ref && !strcmp(ref, "v1"),
	       "a path containing ':' splits where the path exists");
	free(path);
	free(ref);
	rc = lc__split_path_ref(ctx, d, &path, &ref);
	TAP_OK(rc == LC_OK && !ref && !strcmp(path, d), "an existing path wins whole");
	free(path);
	free(ref);

	rc = lc_image_open(ctx, "docker://alpine:3.19", &img);
	TAP_OK(rc == LC_EUSAGE && !img && strstr(lc_ctx_errmsg(ctx), "not supported"),
	       "docker:// -> LC_EUSAGE: %s", lc_ctx_errmsg(ctx));
	rc = lc_image_open(ctx, "no-such-word-image", &img);
	TAP_OK(rc == LC_EUSAGE && !img, "a bare word that is no path -> LC_EUSAGE: %s",
	       lc_ctx_errmsg(ctx));
	rc = lc_image_open(ctx, "", &img);
	TAP_OK(rc == LC_EUSAGE, "empty reference -> LC_EUSAGE");
	TAP_OK(lc_image_layer_count(NULL) == 0, "layer count of NULL is 0");
	lc_image_free(NULL);
}

int main(void)
{
	lc_ctx *ctx = lc_ctx_new();

	snprintf(tmpdir, sizeof tmpdir, "/tmp/lc-source-unit-XXXXXX");
	if (!ctx || !mkdtemp(tmpdir)) {
		printf("Bail out! setup\n");
		return 1;
	}
	test_json(ctx);
	test_platform(ctx);
	test_config(ctx);
	test_streams(ctx);
	test_rootfs(ctx);
	test_refs(ctx);
	lc_ctx_free(ctx);
	{
		char cmd[300];

		snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
		if (system(cmd) != 0)
			printf("# could not remove %s\n", tmpdir);
	}
	return tap_done();
}
