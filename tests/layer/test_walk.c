/*
 * test_walk.c - lc__layer_walk over layers built in memory: codecs by magic, digests,
 * truncation at every structural point, umoci's unterminated layers, limits, hostile
 * names, whiteouts and hard links.
 */
#include "lt.h"
#include "tap.h"

static lc_ctx *ctx;

/* A small layer with one of everything. */
static lt_buf base_tar(void)
{
	lt_tar t;
	static char big[300000];
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)('a' + (i * 7919) % 26);
	lt_tar_begin(&t, 0);
	lt_dir(&t, "etc");
	lt_file(&t, "etc/passwd", "root:x:0:0:root:/root:/bin/sh\n");
	lt_dir(&t, "usr/bin/");
	lt_tar_entry(&t, "usr/bin/su", 'f', 04755, "ELF", 3, NULL);
	lt_tar_entry(&t, "usr/bin/big", 'f', 0644, big, sizeof(big), NULL);
	lt_tar_entry(&t, "usr/bin/link", 'h', 0755, NULL, 0, "usr/bin/su");
	lt_tar_entry(&t, "bin", 'l', 0777, NULL, 0, "/usr/bin");
	lt_tar_entry(&t, "dev/null", 'c', 0666, NULL, 0, NULL);
	lt_tar_entry(&t, "tmp", 'd', 01777, NULL, 0, NULL);
	lt_tar_entry(&t, "run/fifo", 'p', 0600, NULL, 0, NULL);
	return lt_tar_end(&t);
}

static lt_walk *walk_new(void)
{
	lt_walk *w = calloc(1, sizeof(*w));
	w->log.read_content = true;
	return w;
}

static void walk_done(lt_walk *w)
{
	lt_walk_free(w);
	free(w);
}

static void set_limit(lc_limit_id id, int64_t v)
{
	ctx->limits[id] = v;
}

/* Walk one blob as the only layer; claims taken from blob/tar unless overridden. */
static lt_walk *walk_blob(lt_buf blob, const lt_buf *tar, const char *mt, size_t chunk,
			  const char *digest_claim, const char *diffid_claim)
{
	lt_image li;
	lt_walk *w = walk_new();
	lt_image_init(&li, ctx);
	li.chunk = chunk;
	lt_image_add(&li, blob, tar, mt);
	if (digest_claim)
		li.desc[0].digest = (char *)digest_claim;
	if (diffid_claim)
		li.desc[0].diff_id = (char *)diffid_claim;
	lt_run(w, ctx, &li, 0);
	lt_image_free(&li);
	return w;
}

static void test_basic(void)
{
	lt_buf tar = base_tar();
	char diff[72];
	lt_sha256(tar.p, tar.n, diff);
	lt_walk *w = walk_blob(lt_copy(&tar), &tar, "application/vnd.oci.image.layer.v1.tar", 0,
			       NULL, NULL);
	TAP_OK(w->rc == LC_OK && w->res.complete, "plain layer: OK, complete (rc=%d)", w->rc);
	TAP_OK(strcmp(w->res.compression, "none") == 0, "plain: compression none");
	TAP_OK(strcmp(w->res.diff_id, diff) == 0 && strcmp(w->res.blob_digest, diff) == 0,
	       "plain: diff_id == blob digest == sha256(tar)");
	TAP_OK(w->res.entries == 10 && w->log.n == 10, "10 entries (got %lld)",
	       (long long)w->res.entries);
	TAP_OK(w->res.tar_bytes == (int64_t)tar.n && w->res.blob_bytes == (int64_t)tar.n,
	       "byte counts");
	TAP_OK(w->warn.n == 0 && w->err.n == 0, "no diagnostics");
	const lt_rec *r = lt_find(&w->log, "etc/passwd");
	TAP_OK(r && r->type == LC_FT_REG && r->data.n == 30 && r->uid == 1000 && r->gid == 1001 &&
		       r->layer == 0 && strcmp(r->diff_id, diff) == 0,
	       "regular file with content, ids, layer and diff_id");
	r = lt_find(&w->log, "usr/bin/su");
	TAP_OK(r && r->mode == 04755, "setuid bit kept (mode %o)", r ? r->mode : 0);
	r = lt_find(&w->log, "usr/bin/big");
	TAP_OK(r && r->data.n == 300000 && r->size == 300000 && r->data.p[299999] ==
		       (uint8_t)('a' + (299999ull * 7919) % 26),
	       "300 kB file read whole across blocks");
	r = lt_find(&w->log, "usr/bin/link");
	TAP_OK(r && r->type == LC_FT_HARDLINK && r->link && strcmp(r->link, "usr/bin/su") == 0,
	       "hard link to an earlier entry");
	r = lt_find(&w->log, "bin");
	TAP_OK(r && r->type == LC_FT_SYMLINK && strcmp(r->link, "/usr/bin") == 0,
	       "symlink recorded as stored");
	r = lt_find(&w->log, "dev/null");
	TAP_OK(r && r->type == LC_FT_CHR && r->maj == 1 && r->min == 3, "char device 1,3");
	r = lt_find(&w->log, "tmp");
	TAP_OK(r && r->type == LC_FT_DIR && r->mode == 01777, "sticky dir");
	r = lt_find(&w->log, "usr/bin");
	TAP_OK(r && r->type == LC_FT_DIR, "trailing slash stripped");
	r = lt_find(&w->log, "run/fifo");
	TAP_OK(r && r->type == LC_FT_FIFO, "fifo");
	walk_done(w);

	/* gzip and zstd by magic, whatever the media type claims, at odd read sizes. */
	static const size_t chunks[] = {0, 1, 7, 4096};
	for (size_t c = 0; c < 4; c++) {
		w = walk_blob(lt_gzip(tar.p, tar.n, 6), &tar,
			      "application/vnd.oci.image.layer.v1.tar+zstd", chunks[c], NULL, NULL);
		TAP_OK(w->rc == LC_OK && strcmp(w->res.compression, "gzip") == 0 &&
			       strcmp(w->res.diff_id, diff) == 0 && w->log.n == 10,
		       "gzip claimed as zstd, reads of %zu: rc=%d", chunks[c], w->rc);
		walk_done(w);
		w = walk_blob(lt_zstd(tar.p, tar.n), &tar,
			      "application/vnd.docker.image.rootfs.diff.tar.gzip", chunks[c], NULL,
			      NULL);
		TAP_OK(w->rc == LC_OK && strcmp(w->res.compression, "zstd") == 0 &&
			       strcmp(w->res.diff_id, diff) == 0 && w->log.n == 10,
		       "zstd claimed as gzip, reads of %zu: rc=%d", chunks[c], w->rc);
		walk_done(w);
	}
	w = walk_blob(lt_copy(&tar), &tar, "application/vnd.oci.image.layer.v1.tar+gzip", 0,
		      NULL, NULL);
	TAP_OK(w->rc == LC_OK && strcmp(w->res.compression, "none") == 0,
	       "plain tar claimed as gzip");
	walk_done(w);

	/* Multi-member gzip and multi-frame zstd. */
	size_t half = tar.n / 2;
	lt_buf g1 = lt_gzip(tar.p, half, 1), g2 = lt_gzip(tar.p + half, tar.n - half, 9);
	lt_put(&g1, g2.p, g2.n);
	free(g2.p);
	w = walk_blob(g1, &tar, NULL, 3, NULL, NULL);
	TAP_OK(w->rc == LC_OK && strcmp(w->res.diff_id, diff) == 0 && w->log.n == 10,
	       "two gzip members (rc=%d)", w->rc);
	walk_done(w);
	lt_buf z1 = lt_zstd(tar.p, half), z2 = lt_zstd(tar.p + half, tar.n - half);
	lt_put(&z1, z2.p, z2.n);
	free(z2.p);
	w = walk_blob(z1, &tar, NULL, 0, NULL, NULL);
	TAP_OK(w->rc == LC_OK && strcmp(w->res.diff_id, diff) == 0 && w->log.n == 10,
	       "two zstd frames (rc=%d)", w->rc);
	walk_done(w);

	/* zstd:chunked style: skippable frames (metadata) before and after the data. */
	{
		static const uint8_t skip[] = {0x50, 0x2a, 0x4d, 0x18, 4, 0, 0, 0, 'm', 'e', 't', 'a'};
		lt_buf zc = {0};
		lt_buf zd = lt_zstd(tar.p, tar.n);
		lt_put(&zc, skip, sizeof(skip));
		lt_put(&zc, zd.p, zd.n);
		lt_put(&zc, skip, sizeof(skip));
		free(zd.p);
		w = walk_blob(zc, &tar, NULL, 5, NULL, NULL);
		TAP_OK(w->rc == LC_OK && strcmp(w->res.compression, "zstd") == 0 &&
			       strcmp(w->res.diff_id, diff) == 0 && w->log.n == 10,
		       "zstd with skippable frames first and last (rc=%d)", w->rc);
		walk_done(w);
	}

	/* Trailing bytes after the gzip stream: covered by the blob digest, warned. */
	lt_buf gt = lt_gzip(tar.p, tar.n, 6);
	lt_put(&gt, "\0\0\0\0garbage", 11);
	w = walk_blob(gt, &tar, NULL, 0, NULL, NULL);
	TAP_OK(w->rc == LC_OK && lt_has_diag(&w->warn, "layer.gzip_trailing_data"),
	       "trailing data after gzip warned (rc=%d)", w->rc);
	walk_done(w);

	/* A reader that stops early: the walker drains the rest itself. */
	w = walk_new();
	w->log.read_limit = 1;
	{
		lt_image li;
		lt_image_init(&li, ctx);
		lt_image_add(&li, lt_gzip(tar.p, tar.n, 6), &tar, NULL);
		lc_walk_cb cb = {lt_on_entry, lt_on_susp, &w->log, NULL};
		w->rc = lc__layer_walk(ctx, &li.img, 0, &cb, &w->res, &w->warn, &w->err);
		lt_image_free(&li);
	}
	TAP_OK(w->rc == LC_OK && w->log.n == 10, "callbacks reading part of the data");
	walk_done(w);
	free(tar.p);
}

static void test_integrity(void)
{
	lt_buf tar = base_tar();
	const char *bad = "sha256:0000000000000000000000000000000000000000000000000000000000000000";
	lt_walk *w = walk_blob(lt_gzip(tar.p, tar.n, 6), &tar, NULL, 0, bad, NULL);
	TAP_OK(w->rc == LC_EINTEGRITY && lt_has_diag(&w->err, "blob.digest_mismatch"),
	       "blob digest mismatch -> 4 (rc=%d)", w->rc);
	TAP_OK(w->log.n == 10, "entries still walked on a digest mismatch");
	walk_done(w);
	w = walk_blob(lt_gzip(tar.p, tar.n, 6), &tar, NULL, 0, NULL, bad);
	TAP_OK(w->rc == LC_EINTEGRITY && lt_has_diag(&w->err, "layer.diff_id_mismatch"),
	       "diff_id mismatch -> 4 (rc=%d)", w->rc);
	walk_done(w);

	/* Corrupt deflate data: with the blob's own digest -> 3, with the original -> 4. */
	lt_buf gz = lt_gzip(tar.p, tar.n, 6);
	char orig[72];
	lt_sha256(gz.p, gz.n, orig);
	for (size_t i = gz.n / 3; i < gz.n / 3 + 64; i++)
		gz.p[i] ^= 0x5a;
	w = walk_blob(lt_copy(&gz), &tar, NULL, 0, NULL, NULL);
	TAP_OK(w->rc == LC_EIMAGE && lt_has_diag(&w->err, "layer.gzip_corrupt") &&
		       !w->res.complete && w->res.blob_digest[0],
	       "corrupt gzip, right digest -> 3 (rc=%d)", w->rc);
	walk_done(w);
	w = walk_blob(lt_copy(&gz), &tar, NULL, 0, orig, NULL);
	TAP_OK(w->rc == LC_EINTEGRITY && lt_has_diag(&w->err, "blob.digest_mismatch"),
	       "corrupt gzip, wrong digest -> 4 (rc=%d)", w->rc);
	walk_done(w);
	free(gz.p);

	/* Corrupt zstd */
	lt_buf zs = lt_zstd(tar.p, tar.n);
	for (size_t i = zs.n / 2; i < zs.n / 2 + 64; i++)
		zs.p[i] ^= 0xa5;
	w = walk_blob(zs, &tar, NULL, 0, NULL, NULL);
	TAP_OK(w->rc == LC_EIMAGE && (lt_has_diag(&w->err, "layer.zstd_corrupt") ||
				      lt_has_diag(&w->err, "layer.tar_header")),
	       "corrupt zstd -> 3 (rc=%d)", w->rc);
	walk_done(w);

	/* A broken tar header (checksum) in the middle of the stream. */
	lt_buf bt = lt_copy(&tar);
	/* the second header: after the first entry (pax header + dir header) */
	size_t off = 0, hits = 0;
	for (size_t i = 512; i < bt.n; i += 512)
		if (memcmp(bt.p + i + 257, "ustar", 5) == 0 && ++hits == 3) {
			off = i;
			break;
		}
	bt.p[off + 148] ^= 0x07;
	w = walk_blob(bt, &tar, NULL, 0, NULL, "sha256:");
	TAP_OK(w->rc == LC_EIMAGE && lt_has_diag(&w->err, "layer.tar_header") && !w->res.complete,
	       "broken tar header -> layer.tar_header, 3 (rc=%d)", w->rc);
	walk_done(w);
	free(tar.p);
}

/* Truncations: each blob claims its own digest, so the verdict is 3, never 4. */
static void test_truncation(void)
{
	lt_buf tar = base_tar();
	lt_buf cut = {0};
	/* find the data of usr/bin/big: the 300000-byte entry */
	size_t big_hdr = 0;
	for (size_t i = 0; i + 512 <= tar.n; i += 512)
		if (strcmp((char *)tar.p + i, "usr/bin/big") == 0)
			big_hdr = i;
	TAP_OK(big_hdr > 0, "found the big entry header at %zu", big_hdr);

	lt_put(&cut, tar.p, big_hdr + 100);
	lt_walk *w = walk_blob(cut, &tar, NULL, 0, NULL, NULL);
	TAP_OK(w->rc == LC_EIMAGE && lt_has_diag(&w->err, "layer.truncated") && !w->res.complete,
	       "plain tar cut inside a header -> layer.truncated (rc=%d)", w->rc);
	TAP_OK(lt_find(&w->log, "usr/bin/su") != NULL, "entries before the cut were walked");
	walk_done(w);

	memset(&cut, 0, sizeof(cut));
	lt_put(&cut, tar.p, big_hdr + 512 + 150000);
	w = walk_blob(cut, &tar, NULL, 0, NULL, NULL);
	TAP_OK(w->rc == LC_EIMAGE && lt_has_diag(&w->err, "layer.truncated") &&
		       !lt_has_diag(&w->warn, "layer.tar_unterminated") && !w->res.complete,
	       "plain tar cut inside data -> layer.truncated (rc=%d)", w->rc);
	const lt_rec *r = lt_find(&w->log, "usr/bin/big");
	TAP_OK(r && r->content_rc == -1 && r->data.n == 150000,
	       "content reader sees -1 after the bytes that exist");
	walk_done(w);

	/* gzip cut inside the compressed data, and inside the 8-byte trailer */
	lt_buf gz = lt_gzip(tar.p, tar.n, 6);
	memset(&cut, 0, sizeof(cut));
	lt_put(&cut, gz.p, gz.n / 2);
	w = walk_blob(cut, &tar, NULL, 0, NULL, NULL);
	TAP_OK(w->rc == LC_EIMAGE && lt_has_diag(&w->err, "layer.gzip_truncated") &&
		       !w->res.complete && w->res.diff_id[0] == 0,
	       "gzip cut in the middle -> layer.gzip_truncated (rc=%d)", w->rc);
	walk_done(w);
	memset(&cut, 0, sizeof(cut));
	lt_put(&cut, gz.p, gz.n - 3);
	w = walk_blob(cut, &tar, NULL, 1, NULL, NULL);
	TAP_OK(w->rc == LC_EIMAGE && lt_has_diag(&w->err, "layer.gzip_truncated"),
	       "gzip cut inside the trailer -> layer.gzip_truncated (rc=%d)", w->rc);
	TAP_OK(w->log.n == 10, "all entries seen before the trailer cut (%zu)", w->log.n);
	walk_done(w);
	memset(&cut, 0, sizeof(cut));
	lt_put(&cut, gz.p, 5);
	w = walk_blob(cut, &tar, NULL, 0, NULL, NULL);
	TAP_OK(w->rc == LC_EIMAGE && lt_has_diag(&w->err, "layer.gzip_truncated"),
	       "gzip cut inside its header (rc=%d)", w->rc);
	walk_done(w);
	free(gz.p);

	lt_buf zs = lt_zstd(tar.p, tar.n);
	memset(&cut, 0, sizeof(cut));
	lt_put(&cut, zs.p, zs.n - 10);
	w = walk_blob(cut, &tar, NULL, 0, NULL, NULL);
	TAP_OK(w->rc == LC_EIMAGE && lt_has_diag(&w->err, "layer.zstd_truncated"),
	       "zstd cut near its end -> layer.zstd_truncated (rc=%d)", w->rc);
	walk_done(w);
	free(zs.p);
	free(tar.p);
}

/* umoci 0.4.7 `insert`: a first entry "/", and the last entry's data without padding
 * or end-of-archive blocks. */
static void test_umoci(void)
{
	lt_buf t = {0};
	lt_raw_header(&t, "/", '5', 0, NULL);
	lt_raw_header(&t, "etc/", '5', 0, NULL);
	lt_raw_header(&t, "etc/motd", '0', 6, NULL);
	lt_put(&t, "hello\n", 6);
	lt_raw_pad(&t);
	lt_raw_header(&t, "etc/last", '0', 11, NULL);
	lt_put(&t, "hello world", 11);
	for (int gz = 0; gz < 2; gz++) {
		lt_walk *w = walk_blob(gz ? lt_gzip(t.p, t.n, 6) : lt_copy(&t), &t, NULL, 0, NULL,
				       NULL);
		const lt_rec *r = lt_find(&w->log, "etc/last");
		TAP_OK(w->rc == LC_OK && w->res.complete &&
			       lt_has_diag(&w->warn, "layer.tar_unterminated") && w->err.n == 0,
		       "umoci layer (%s): complete with warning (rc=%d)", gz ? "gzip" : "plain",
		       w->rc);
		TAP_OK(r && r->data.n == 11 && w->log.n == 3 && !lt_find(&w->log, ""),
		       "last entry's data read, root entry skipped silently");
		TAP_OK(w->res.diff_id[0] && w->res.tar_bytes == (int64_t)t.n, "diff_id computed");
		walk_done(w);
	}
	/* same, but the callback does not read the data (the skip path) */
	lt_walk *w = walk_new();
	w->log.read_content = false;
	{
		lt_image li;
		lt_image_init(&li, ctx);
		lt_image_add(&li, lt_copy(&t), &t, NULL);
		lc_walk_cb cb = {lt_on_entry, lt_on_susp, &w->log, NULL};
		w->rc = lc__layer_walk(ctx, &li.img, 0, &cb, &w->res, &w->warn, &w->err);
		lt_image_free(&li);
	}
	TAP_OK(w->rc == LC_OK && w->res.complete && lt_has_diag(&w->warn, "layer.tar_unterminated"),
	       "umoci layer, data not read by the callback");
	walk_done(w);

	/* Cut one byte short of the last data: an error, not a warning. */
	lt_buf cut = {0};
	lt_put(&cut, t.p, t.n - 1);
	w = walk_blob(cut, &cut, NULL, 0, NULL, NULL);
	TAP_OK(w->rc == LC_EIMAGE && lt_has_diag(&w->err, "layer.truncated") && !w->res.complete,
	       "one byte short of the last data -> layer.truncated (rc=%d)", w->rc);
	walk_done(w);

	/* Ends on a header boundary (last entry a directory), no end blocks. */
	lt_buf d = {0};
	lt_raw_header(&d, "./", '5', 0, NULL);
	lt_raw_header(&d, "a/", '5', 0, NULL);
	lt_raw_header(&d, "a/f", '0', 3, NULL);
	lt_put(&d, "abc", 3);
	lt_raw_pad(&d);
	lt_raw_header(&d, "b/", '5', 0, NULL);
	w = walk_blob(lt_copy(&d), &d, NULL, 0, NULL, NULL);
	TAP_OK(w->rc == LC_OK && w->res.complete && lt_has_diag(&w->warn, "layer.tar_unterminated") &&
		       w->log.n == 3,
	       "no end blocks after a directory: warning (rc=%d, %zu entries)", w->rc, w->log.n);
	walk_done(w);
	lt_raw_end(&d);
	w = walk_blob(lt_copy(&d), &d, NULL, 0, NULL, NULL);
	TAP_OK(w->rc == LC_OK && w->warn.n == 0, "with end blocks: no warning");
	walk_done(w);
	free(d.p);

	/* A second archive hidden after the end blocks: readers stop, we warn. */
	lt_buf hid = {0};
	lt_raw_header(&hid, "visible", '0', 0, NULL);
	lt_raw_end(&hid);
	lt_raw_header(&hid, "hidden", '0', 0, NULL);
	lt_raw_end(&hid);
	for (int gz = 0; gz < 2; gz++) {
		w = walk_blob(gz ? lt_gzip(hid.p, hid.n, 6) : lt_copy(&hid), &hid, NULL, 0, NULL,
			      NULL);
		TAP_OK(w->rc == LC_OK && lt_has_diag(&w->warn, "layer.data_after_end") &&
			       w->log.n == 1,
		       "data after the end blocks warned (%s)", gz ? "gzip" : "plain");
		walk_done(w);
	}
	free(hid.p);

	/* Empty streams */
	lt_buf empty = {0};
	w = walk_blob(lt_copy(&empty), &empty, NULL, 0, NULL, NULL);
	TAP_OK(w->rc == LC_OK && w->log.n == 0 && w->res.complete, "zero-byte layer (rc=%d)",
	       w->rc);
	walk_done(w);
	lt_buf z = {0};
	lt_raw_end(&z);
	w = walk_blob(lt_gzip(z.p, z.n, 6), &z, NULL, 0, NULL, NULL);
	TAP_OK(w->rc == LC_OK && w->log.n == 0 && w->warn.n == 0, "empty tar (end blocks only)");
	walk_done(w);
	free(z.p);
	free(t.p);
}

static void test_limits(void)
{
	/* A gzip bomb: 64 MiB of zeros compress about 1000:1. */
	size_t n = 64u << 20;
	uint8_t *zeros = calloc(1, n);
	lt_tar t;
	lt_tar_begin(&t, 0);
	lt_tar_entry(&t, "zeros", 'f', 0644, zeros, n, NULL);
	lt_buf tar = lt_tar_end(&t);
	free(zeros);
	lt_walk *w = walk_blob(lt_gzip(tar.p, tar.n, 9), &tar, NULL, 0, NULL, NULL);
	TAP_OK(w->rc == LC_EIMAGE && lt_has_diag(&w->err, "layer.decompression_bomb") &&
		       !w->res.complete && w->res.tar_bytes < (int64_t)n,
	       "gzip bomb over the ratio limit -> 3 (rc=%d, stopped after %lld bytes)", w->rc,
	       (long long)w->res.tar_bytes);
	walk_done(w);
	/* A tiny layer of zeros has a high ratio too, but stays under the 1 MiB floor. */
	lt_tar_begin(&t, 0);
	static uint8_t small[100000];
	lt_tar_entry(&t, "small", 'f', 0644, small, sizeof(small), NULL);
	lt_buf st = lt_tar_end(&t);
	w = walk_blob(lt_gzip(st.p, st.n, 9), &st, NULL, 0, NULL, NULL);
	TAP_OK(w->rc == LC_OK, "small compressible layer is fine (rc=%d)", w->rc);
	walk_done(w);
	set_limit(LC_LIM_LAYER_BYTES, 1 << 20);
	w = walk_blob(lt_gzip(tar.p, tar.n, 1), &tar, NULL, 0, NULL, NULL);
	TAP_OK(w->rc == LC_EINCOMPLETE && lt_has_diag(&w->err, "layer.too_large") &&
		       !w->res.complete,
	       "layer-bytes limit -> 6 (rc=%d)", w->rc);
	walk_done(w);
	set_limit(LC_LIM_LAYER_BYTES, lc_limit_default(LC_LIM_LAYER_BYTES));
	free(tar.p);
	free(st.p);

	/* Too many entries */
	lt_tar_begin(&t, 0);
	for (int i = 0; i < 10; i++) {
		char p[16];
		snprintf(p, sizeof(p), "f%d", i);
		lt_file(&t, p, "x");
	}
	tar = lt_tar_end(&t);
	set_limit(LC_LIM_ENTRIES_PER_LAYER, 5);
	w = walk_blob(lt_copy(&tar), &tar, NULL, 0, NULL, NULL);
	TAP_OK(w->rc == LC_EINCOMPLETE && lt_has_diag(&w->err, "layer.too_many_entries") &&
		       !w->res.complete && w->log.n == 5,
	       "too many entries -> 6 after 5 (rc=%d, %zu)", w->rc, w->log.n);
	walk_done(w);
	set_limit(LC_LIM_ENTRIES_PER_LAYER, lc_limit_default(LC_LIM_ENTRIES_PER_LAYER));
	free(tar.p);

	/* Path and link length */
	char longp[200], longl[200];
	memset(longp, 'p', sizeof(longp) - 1);
	longp[199] = 0;
	memset(longl, 'l', sizeof(longl) - 1);
	longl[199] = 0;
	lt_tar_begin(&t, 0);
	lt_file(&t, longp, "x");
	lt_tar_entry(&t, "sym", 'l', 0777, NULL, 0, longl);
	lt_file(&t, "ok", "x");
	tar = lt_tar_end(&t);
	set_limit(LC_LIM_PATH_LEN, 100);
	set_limit(LC_LIM_LINK_LEN, 100);
	w = walk_blob(lt_copy(&tar), &tar, NULL, 0, NULL, NULL);
	TAP_OK(w->rc == LC_OK && lt_has_diag(&w->warn, "layer.path_too_long") &&
		       lt_has_diag(&w->warn, "layer.link_too_long") && w->log.n == 1,
	       "over-long path and link skipped with warnings (rc=%d, %zu)", w->rc, w->log.n);
	walk_done(w);
	set_limit(LC_LIM_PATH_LEN, lc_limit_default(LC_LIM_PATH_LEN));
	set_limit(LC_LIM_LINK_LEN, lc_limit_default(LC_LIM_LINK_LEN));
	free(tar.p);
}

static bool has_susp(const lt_walk *w, const char *code, const char *raw)
{
	for (size_t i = 0; i < w->log.nsusp; i++)
		if (strcmp(w->log.susp[i][0], code) == 0 && strcmp(w->log.susp[i][1], raw) == 0)
			return true;
	return false;
}

static void test_hostile_names(void)
{
	lt_buf t = {0};
	lt_raw_header(&t, "ok", '0', 0, NULL);
	lt_raw_header(&t, "../evil", '0', 0, NULL);
	lt_raw_header(&t, "a/../../evil2", '0', 0, NULL);
	lt_raw_header(&t, "/etc/abs", '0', 0, NULL);
	lt_raw_header(&t, "hl_in", '1', 0, "ok");
	lt_raw_header(&t, "hl_later", '1', 0, "later");
	lt_raw_header(&t, "hl_out", '1', 0, "../../etc/shadow");
	lt_raw_header(&t, "hl_abs", '1', 0, "/ok");
	lt_raw_header(&t, "later", '0', 0, NULL);
	lt_raw_header(&t, "sym_out", '2', 0, "../../../etc/shadow");
	lt_raw_header(&t, "bad\xff\xfe-utf8", '0', 0, NULL);
	lt_raw_header(&t, "esc\x1b[2J\x07name", '0', 0, NULL);
	lt_raw_header(&t, ".wh.gone", '0', 0, NULL);
	lt_raw_header(&t, "dir/.wh..wh..opq", '0', 0, NULL);
	lt_raw_header(&t, ".wh..wh..opq", '0', 0, NULL);
	lt_raw_header(&t, ".wh..wh.plnk", '5', 0, NULL);
	lt_raw_header(&t, "x/.wh...", '0', 0, NULL);
	lt_raw_header(&t, "dup", '0', 0, NULL);
	lt_raw_header(&t, "./dup", '0', 0, NULL);
	lt_raw_end(&t);
	lt_walk *w = walk_new();
	lc_fileidx *ix = lc__fileidx_new(1);
	w->log.ix = ix;
	lt_image li;
	lt_image_init(&li, ctx);
	lt_image_add(&li, lt_copy(&t), &t, NULL);
	lt_run(w, ctx, &li, 0);
	lt_image_free(&li);
	TAP_OK(w->rc == LC_OK, "hostile names layer reads (rc=%d)", w->rc);
	TAP_OK(has_susp(w, "layer.path_traversal", "../evil") &&
		       has_susp(w, "layer.path_traversal", "a/../../evil2") &&
		       !lt_find(&w->log, "evil") && !lt_find(&w->log, "evil2"),
	       "traversal reported, kept out of the view");
	TAP_OK(has_susp(w, "layer.path_absolute", "/etc/abs") && !lt_find(&w->log, "etc/abs"),
	       "absolute path reported, kept out");
	const lt_rec *r = lt_find(&w->log, "hl_in");
	TAP_OK(r && r->type == LC_FT_HARDLINK && strcmp(r->link, "ok") == 0, "hard link inside");
	TAP_OK(has_susp(w, "layer.hardlink_outside", "hl_later") &&
		       has_susp(w, "layer.hardlink_outside", "hl_out") &&
		       !lt_find(&w->log, "hl_later") && !lt_find(&w->log, "hl_out"),
	       "hard links to a later entry or outside: reported, kept out");
	r = lt_find(&w->log, "hl_abs");
	TAP_OK(r && strcmp(r->link, "ok") == 0, "hard link with a leading / to an earlier entry");
	r = lt_find(&w->log, "sym_out");
	TAP_OK(r && r->type == LC_FT_SYMLINK && strcmp(r->link, "../../../etc/shadow") == 0,
	       "symlink out of the root recorded, not followed");
	TAP_OK(lt_find(&w->log, "bad\xff\xfe-utf8") && lt_find(&w->log, "esc\x1b[2J\x07name"),
	       "invalid UTF-8 and escape sequences passed raw");
	r = lt_find(&w->log, "gone");
	TAP_OK(r && r->type == LC_FT_WHITEOUT, "whiteout .wh.gone -> WHITEOUT gone");
	r = lt_find(&w->log, "dir");
	TAP_OK(r && r->type == LC_FT_OPAQUE, "opaque marker -> OPAQUE dir");
	r = lt_find(&w->log, "");
	TAP_OK(r && r->type == LC_FT_OPAQUE, "opaque marker at the root -> OPAQUE \"\"");
	TAP_OK(!lt_find(&w->log, ".wh..wh.plnk") && !lt_find(&w->log, "plnk"),
	       "aufs metadata skipped");
	TAP_OK(lt_has_diag(&w->warn, "layer.whiteout_invalid") && !lt_find(&w->log, "x"),
	       "whiteout of .. refused");
	TAP_OK(w->log.dups == 1, "duplicate path in a layer reported by the index");
	lc__fileidx_free(ix);
	walk_done(w);
	free(t.p);
}

/* A whiteout of a directory and its re-creation, through the walker and the index. */
static void test_layers_whiteout(void)
{
	lt_image li;
	lt_tar t;
	lt_image_init(&li, ctx);
	lt_tar_begin(&t, 0);
	lt_dir(&t, "app");
	lt_file(&t, "app/secret", "AKIA...");
	lt_file(&t, "app/keep", "k");
	lt_buf l0 = lt_tar_end(&t);
	lt_tar_begin(&t, 0);
	lt_file(&t, ".wh.app", "");
	lt_buf l1 = lt_tar_end(&t);
	lt_tar_begin(&t, 0);
	lt_dir(&t, "app");
	lt_file(&t, "app/new", "n");
	lt_buf l2 = lt_tar_end(&t);
	lt_image_add(&li, lt_gzip(l0.p, l0.n, 6), &l0, NULL);
	lt_image_add(&li, lt_zstd(l1.p, l1.n), &l1, NULL);
	lt_image_add(&li, lt_copy(&l2), &l2, NULL);
	lc_fileidx *ix = lc__fileidx_new(3);
	bool ok = true;
	for (size_t i = 0; i < 3; i++) {
		lt_walk *w = walk_new();
		w->log.ix = ix;
		lt_run(w, ctx, &li, i);
		ok = ok && w->rc == LC_OK;
		walk_done(w);
	}
	TAP_OK(ok, "three layers walked");
	lc__fileidx_resolve(ix);
	const lc_fileinfo *f = lc__fileidx_find(ix, 0, "app/secret");
	TAP_OK(f && f->removed_in == 1, "app/secret added in 0, removed in 1");
	f = lc__fileidx_find(ix, 2, "app/new");
	TAP_OK(f && f->removed_in == -1, "re-created app/new visible");
	f = lc__fileidx_find(ix, 1, "app");
	TAP_OK(f && f->type == LC_FT_WHITEOUT && f->removed_in == 2, "whiteout record kept");
	lc__fileidx_free(ix);
	lt_image_free(&li);
	free(l0.p);
	free(l1.p);
	free(l2.p);
}

/* Failure on purpose: flip bytes and cut everywhere; every outcome must be a clean
 * verdict (0, 3 or 4: a changed tar may still parse, and then its diff_id is wrong),
 * never a crash, a hang, a leak or another code. */
static size_t try_blob(lt_buf c, const lt_buf *tar, const char *what, size_t at)
{
	lt_walk *w = walk_blob(c, tar, NULL, 0, NULL, NULL);
	size_t bad = !(w->rc == LC_OK || w->rc == LC_EIMAGE || w->rc == LC_EINTEGRITY);
	if (bad)
		printf("# %s at %zu: rc=%d\n", what, at, w->rc);
	walk_done(w);
	return bad;
}

static void test_corrupt_everywhere(void)
{
	lt_tar t;
	lt_tar_begin(&t, ARCHIVE_FORMAT_TAR_GNUTAR);
	lt_dir(&t, "etc");
	lt_file(&t, "etc/passwd", "root:x:0:0:root:/root:/bin/sh\n");
	lt_tar_entry(&t, "bin", 'l', 0777, NULL, 0, "/usr/bin");
	lt_tar_entry(&t, "etc/hl", 'h', 0644, NULL, 0, "etc/passwd");
	lt_file(&t, "a/very/long/name/that/needs/a/gnu/longname/header/because/it/is/longer/than/"
		    "one/hundred/bytes/in/total/file.txt",
		"data");
	lt_buf tar = lt_tar_end(&t);
	lt_buf gz = lt_gzip(tar.p, tar.n, 6), zs = lt_zstd(tar.p, tar.n);
	size_t n = 0, bad = 0;
	const lt_buf *blobs[] = {&tar, &gz, &zs};
	const char *names[] = {"plain", "gzip", "zstd"};
	for (int k = 0; k < 3; k++) {
		const lt_buf *b = blobs[k];
		size_t step = k == 0 ? 5 : 1, lim = k == 0 ? 4096 : b->n;
		for (size_t i = 0; i < b->n && i < lim; i += step) {
			lt_buf c = lt_copy(b);
			c.p[i] ^= (uint8_t)(0x41 + i % 31);
			bad += try_blob(c, &tar, names[k], i);
			lt_buf cut = {0};
			lt_put(&cut, b->p, i);
			bad += try_blob(cut, &tar, names[k], i);
			n += 2;
		}
	}
	TAP_OK(bad == 0, "%zu corruptions and cuts of plain, gzip and zstd layers: clean "
			 "verdicts (%zu unexpected)", n, bad);
	free(gz.p);
	free(zs.p);
	free(tar.p);
}

/* A gzip member with every optional header field (FEXTRA, a 1 MB FNAME, FCOMMENT,
 * FHCRC), written by hand around raw deflate data. */
static lt_buf gzip_fancy(const lt_buf *tar, size_t namelen)
{
	lt_buf b = {0};
	uint8_t h[10] = {0x1f, 0x8b, 8, 0x02 | 0x04 | 0x08 | 0x10, 0, 0, 0, 0, 0, 3};
	static const uint8_t extra[] = {6, 0, 'A', 'B', 2, 0, 'z', 'z'};
	lt_put(&b, h, sizeof(h));
	lt_put(&b, extra, sizeof(extra));
	for (size_t i = 0; i < namelen; i++)
		lt_put(&b, "n", 1);
	lt_put(&b, "\0a comment\0", 11);
	uint32_t hcrc = (uint32_t)crc32(0, b.p, (uInt)b.n);
	uint8_t hc[2] = {(uint8_t)hcrc, (uint8_t)(hcrc >> 8)};
	lt_put(&b, hc, 2);
	lt_deflate(&b, tar->p, tar->n, 6, -15);
	uint32_t crc = (uint32_t)crc32(0, tar->p, (uInt)tar->n), isz = (uint32_t)tar->n;
	uint8_t tr[8] = {(uint8_t)crc, (uint8_t)(crc >> 8), (uint8_t)(crc >> 16), (uint8_t)(crc >> 24),
			 (uint8_t)isz, (uint8_t)(isz >> 8), (uint8_t)(isz >> 16), (uint8_t)(isz >> 24)};
	lt_put(&b, tr, 8);
	return b;
}

static void test_gzip_headers(void)
{
	lt_buf tar = base_tar();
	static const size_t names[] = {8, 1u << 20};
	for (int i = 0; i < 2; i++) {
		lt_walk *w = walk_blob(gzip_fancy(&tar, names[i]), &tar, NULL, i ? 0 : 1, NULL, NULL);
		TAP_OK(w->rc == LC_OK && w->log.n == 10,
		       "gzip header with FEXTRA, a %zu-byte FNAME, FCOMMENT, FHCRC (rc=%d)",
		       names[i], w->rc);
		walk_done(w);
	}
	lt_buf bad = gzip_fancy(&tar, 8);
	bad.p[10 + 8 + 8 + 11] ^= 1; /* the header CRC */
	lt_walk *w = walk_blob(bad, &tar, NULL, 0, NULL, NULL);
	TAP_OK(w->rc == LC_EIMAGE && lt_has_diag(&w->err, "layer.gzip_corrupt"),
	       "wrong header CRC -> layer.gzip_corrupt (rc=%d)", w->rc);
	walk_done(w);
	free(tar.p);
}

/* rootfs: the walker hands the callbacks to the source's directory walk. */
static lc_code fake_walk_dir(lc_image *img, size_t i, lc_walk_cb *cb)
{
	lc_entry e;
	(void)img;
	memset(&e, 0, sizeof(e));
	e.path = "etc/hostname";
	e.type = LC_FT_REG;
	e.layer = (int)i;
	return cb->entry(cb->ud, &e, NULL);
}

static void test_rootfs_delegation(void)
{
	static const lc_source_ops rootfs = {.name = "rootfs", .walk_dir = fake_walk_dir};
	lc_layer_desc d;
	lc_image img;
	memset(&d, 0, sizeof(d));
	memset(&img, 0, sizeof(img));
	img.magic = LC_MAGIC_IMAGE;
	img.ctx = ctx;
	img.layers = &d;
	img.nlayers = 1;
	img.src = &rootfs;
	lt_walk *w = walk_new();
	lc_walk_cb cb = {lt_on_entry, lt_on_susp, &w->log, NULL};
	w->rc = lc__layer_walk(ctx, &img, 0, &cb, &w->res, &w->warn, &w->err);
	TAP_OK(w->rc == LC_OK && w->res.complete && w->log.n == 1 &&
		       strcmp(w->res.compression, "none") == 0,
	       "rootfs: delegated to walk_dir");
	walk_done(w);
}

int main(void)
{
	ctx = lc_ctx_new();
	test_basic();
	test_integrity();
	test_truncation();
	test_umoci();
	test_limits();
	test_hostile_names();
	test_layers_whiteout();
	test_corrupt_everywhere();
	test_rootfs_delegation();
	test_gzip_headers();
	lc_ctx_free(ctx);
	return tap_done();
}
