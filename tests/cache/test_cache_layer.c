/*
 * test_cache_layer.c - the cache against a real image (written by tests/helpers/imgwriter):
 * walk a layer, store it, record its blob; lc__cache_try_layer then loads it without a
 * walk; after a touch it re-hashes the blob and still hits; after a changed byte in the
 * blob it misses (a tampered blob never gets cached results).
 */
#include "cache_test.h"

#include <fcntl.h>
#include <sys/stat.h>

static lc_code on_entry(void *ud, const lc_entry *e, lc_content *c)
{
	(void)c;
	lc__fileidx_add(ud, e);
	return LC_OK;
}

/* Walk layer i into ix (as the scan would), returning the walk's result. */
static lc_code walk(lc_ctx *ctx, lc_image *img, size_t i, lc_fileidx *ix, lc_layer_result *res)
{
	lc_walk_cb cb = { .entry = on_entry, .ud = ix };
	lc_diag_list warn = { 0 }, err = { 0 };
	lc_code rc;

	memset(res, 0, sizeof(*res));
	rc = lc__layer_walk(ctx, img, i, &cb, res, &warn, &err);
	lc__diag_list_free(&warn);
	lc__diag_list_free(&err);
	return rc;
}

static const char *last_codec = "";
static char last_digest[72];
static int64_t last_bytes;

static int try_layer(lc_cache *c, lc_image *img, size_t i, size_t *records)
{
	lc_fileidx *ix = lc__fileidx_new(img->nlayers);
	lc_cache_layer out;
	bool hit = false;

	lc__cache_try_layer(c, img, i, FP_1, ix, &out, &hit);
	last_codec = hit && out.compression ? out.compression : "";
	last_bytes = hit ? out.blob_bytes : -1;
	snprintf(last_digest, sizeof(last_digest), "%s", hit ? out.blob_digest : "");
	lc__fileidx_resolve(ix);
	*records = lc__fileidx_layer_count(ix, (int)i);
	lc__cache_layer_free(&out);
	lc__fileidx_free(ix);
	return hit;
}

/* Walk + store + record layer 0 of ref, then try it again; then touch the file. */
static void archive_case(const char *dir, const char *ref, const char *file)
{
	lc_ctx *ctx = ct_ctx(dir);
	lc_image *img = NULL;
	lc_cache *c = NULL;
	lc_fileidx *ix;
	lc_layer_result res;
	lc_cache_blob_id id;
	lc_cache_layer data = { .complete = true };
	size_t n = 0;
	bool have;

	lc_cache_clean(ctx);
	if (lc_image_open(ctx, ref, &img) != LC_OK) {
		TAP_OK(0, "open %s: %s", ref, lc_ctx_errmsg(ctx));
		lc_ctx_free(ctx);
		return;
	}
	lc__cache_open(ctx, &c);
	have = lc__cache_layer_identify(img, 0, &id);
	ix = lc__fileidx_new(img->nlayers);
	walk(ctx, img, 0, ix, &res);
	lc__fileidx_resolve(ix);
	lc__cache_store(c, res.diff_id, FP_1, ix, 0, &data);
	lc__cache_blob_record(c, have ? &id : NULL, res.blob_digest, res.diff_id);
	lc__fileidx_free(ix);
	TAP_OK(have, "%s: the blob is a slice of the archive (offset %lld)", ref,
		       (long long)id.offset);
	TAP_OK(try_layer(c, img, 0, &n) && n > 0 && strcmp(last_codec, res.compression) == 0 &&
		       last_bytes == res.blob_bytes,
	       "%s: warm hit (%s, %lld bytes)", ref, last_codec, (long long)last_bytes);
	{
		struct timespec ts[2] = { { 0, UTIME_NOW }, { 12345, 0 } };

		utimensat(AT_FDCWD, file, ts, 0);
	}
	TAP_OK(try_layer(c, img, 0, &n) && n > 0, "%s: touched archive, re-hashed, hit", ref);
	lc__cache_close(c);
	lc_image_free(img);
	lc_ctx_free(ctx);
}

static void archives(const char *dir)
{
	char cmd[8400], ref[4400], file[4200];

	snprintf(cmd, sizeof(cmd),
		 "python3 -c \"import imgwriter as w; i = w.sample_image(); "
		 "i.write_oci_archive('%s/oci.tar'); i.write_docker_archive('%s/docker.tar')\"",
		 dir, dir);
	if (system(cmd) != 0) {
		TAP_OK(0, "write archives");
		return;
	}
	snprintf(file, sizeof(file), "%s/oci.tar", dir);
	snprintf(ref, sizeof(ref), "oci-archive:%s", file);
	archive_case(dir, ref, file);
	snprintf(file, sizeof(file), "%s/docker.tar", dir);
	snprintf(ref, sizeof(ref), "docker-archive:%s", file);
	archive_case(dir, ref, file);
}

int main(void)
{
	char *dir = ct_tmpdir();
	char cmd[8400], ref[4200];
	lc_ctx *ctx = ct_ctx(dir);
	lc_image *img = NULL;
	lc_cache *c = NULL;
	lc_fileidx *ix;
	lc_layer_result res;
	lc_cache_blob_id id;
	lc_cache_layer data = { .complete = true };
	size_t n = 0, want;
	lc_code rc;
	char blob[4400];

	snprintf(cmd, sizeof(cmd),
		 "python3 -c \"import imgwriter as w; w.sample_image().write_oci('%s/img')\"", dir);
	if (system(cmd) != 0) {
		printf("1..0 # SKIP cannot write a test image (imgwriter)\n");
		ct_cleanup(dir);
		return 0;
	}
	snprintf(ref, sizeof(ref), "oci:%s/img", dir);
	rc = lc_image_open(ctx, ref, &img);
	TAP_OK(rc == LC_OK && img && img->nlayers == 3, "open the sample image (%s)",
	       lc_ctx_errmsg(ctx));
	if (rc != LC_OK)
		return tap_done();
	lc__cache_open(ctx, &c);

	TAP_OK(!try_layer(c, img, 1, &n), "cold: no record, no hit");

	/* the scan's side: identity before, walk, store after resolve, record the blob */
	TAP_OK(lc__cache_layer_identify(img, 1, &id), "layer 1's blob is a plain file slice");
	ix = lc__fileidx_new(img->nlayers);
	rc = walk(ctx, img, 1, ix, &res);
	TAP_OK(rc == LC_OK && res.complete && strcmp(res.diff_id, img->layers[1].diff_id) == 0,
	       "walk layer 1 (%s)", lc_ctx_errmsg(ctx));
	lc__fileidx_resolve(ix);
	want = lc__fileidx_layer_count(ix, 1);
	data.entries = res.entries;
	data.tar_bytes = res.tar_bytes;
	TAP_OK(lc__cache_store(c, res.diff_id, FP_1, ix, 1, &data) == LC_OK, "store layer 1");
	lc__cache_blob_record(c, &id, res.blob_digest, res.diff_id);
	lc__fileidx_free(ix);

	TAP_OK(try_layer(c, img, 1, &n) && n == want, "warm: trusted blob, hit, %zu/%zu records",
	       n, want);
	TAP_OK(strcmp(last_codec, res.compression) == 0 && last_bytes == res.blob_bytes &&
		       strcmp(last_digest, res.blob_digest) == 0,
	       "hit gives the blob's figures: %s %lld %s", last_codec, (long long)last_bytes,
	       last_digest);
	TAP_OK(!try_layer(c, img, 0, &n), "another layer: miss");

	/* touched: identity changed, so the blob is hashed (not decompressed) and still hits */
	snprintf(blob, sizeof(blob), "%s/img/blobs/sha256/%s", dir, img->layers[1].digest + 7);
	{
		struct timespec ts[2] = { { 0, UTIME_NOW }, { 12345, 0 } };

		TAP_OK(utimensat(AT_FDCWD, blob, ts, 0) == 0, "touch the blob");
	}
	TAP_OK(try_layer(c, img, 1, &n) && n == want, "touched: re-hashed, same digest, hit");
	TAP_OK(strcmp(last_codec, res.compression) == 0 && last_bytes == res.blob_bytes,
	       "re-hashed hit gives the blob's figures too: %s %lld", last_codec,
	       (long long)last_bytes);

	/* one changed byte: the digest no longer matches, never a hit */
	{
		FILE *f = fopen(blob, "r+b");
		int ch;

		fseek(f, 40, SEEK_SET);
		ch = fgetc(f);
		fseek(f, 40, SEEK_SET);
		fputc(ch ^ 0x20, f);
		fclose(f);
	}
	TAP_OK(!try_layer(c, img, 1, &n), "tampered blob: miss");

	/* show-secrets: never from the cache */
	lc_ctx_set_option(ctx, "show-secrets", "true");
	TAP_OK(!try_layer(c, img, 1, &n), "show-secrets: miss");

	lc__cache_close(c);
	lc__cache_layer_free(&data);
	lc_image_free(img);
	lc_ctx_free(ctx);

	/* the same through archives: the blob is a slice of the archive file */
	archives(dir);
	ct_cleanup(dir);
	return tap_done();
}
