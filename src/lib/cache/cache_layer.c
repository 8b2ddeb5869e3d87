/*
 * cache_layer.c - the scan's one-call use of the cache for a layer of an image: decide,
 * without decompressing, whether the layer's blob is the one whose results are cached,
 * and load them. Keeps the rule that a layer is never looked up by the config's claimed
 * diff_id alone: the blob must be trusted by identity or its digest checked first.
 */
#include "cache_int.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HASH_BUF (256 * 1024) /* read size while hashing a compressed blob */

/* Does a record exist for (diff_id, fingerprint)? Cheap: no blob is read. */
static bool has_record(lc_cache *c, const char *diff_id, const char *fp)
{
	bool found = false;
	sqlite3_stmt *st = NULL;

	pthread_mutex_lock(&c->lock);
	if (c->db && sqlite3_prepare_v2(c->db,
					"SELECT 1 FROM layers WHERE diff_id = ?1 AND fingerprint = ?2",
					-1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, diff_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, fp, -1, SQLITE_STATIC);
		found = sqlite3_step(st) == SQLITE_ROW;
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&c->lock);
	return found;
}

/* The codec name the layer reader would pick for these first bytes (its names). */
static const char *codec_of(const uint8_t *m, size_t n)
{
	if (n >= 2 && m[0] == 0x1f && m[1] == 0x8b)
		return "gzip";
	if (n >= 4 && m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd)
		return "zstd";
	return "none";
}

/* SHA-256 of the whole stream as "sha256:<hex>"; false on a read error or past max.
 * Also gives the length and the first bytes (for the codec). */
static bool hash_stream(lc_stream *s, int64_t max, char out[72], int64_t *len, uint8_t magic[4],
			size_t *nmagic)
{
	bool ok = false;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	uint8_t *buf = malloc(HASH_BUF), dg[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	int64_t total = 0;
	ssize_t r = 0;

	if (!md || !buf || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1)
		goto out;
	while ((r = s->read(s, buf, HASH_BUF)) > 0) {
		total += r;
		if (max >= 0 && total > max)
			goto out; /* longer than the manifest says: cannot match */
		if (EVP_DigestUpdate(md, buf, (size_t)r) != 1)
			goto out;
		for (ssize_t k = 0; *nmagic < 4 && k < r; k++)
			magic[(*nmagic)++] = buf[k];
	}
	*len = total;
	if (r < 0 || EVP_DigestFinal_ex(md, dg, &n) != 1 || n != 32)
		goto out;
	memcpy(out, "sha256:", 7);
	for (unsigned i = 0; i < 32; i++)
		snprintf(out + 7 + 2 * i, 3, "%02x", dg[i]);
	ok = true;
out:
	free(buf);
	EVP_MD_CTX_free(md);
	return ok;
}

/* What the raw blob must hash to: the manifest's digest, or for a blob the source names
 * no digest for (legacy docker-archive "ID/layer.tar", stored uncompressed) the diff_id:
 * raw bytes hashing to the diff_id are the uncompressed tar itself. */
static const char *expected_digest(const lc_layer_desc *d)
{
	return d->digest ? d->digest : d->diff_id;
}

lc_code lc__cache_try_layer(lc_cache *c, lc_image *img, size_t i, const char *fingerprint,
			    lc_fileidx *ix, lc_cache_layer *out, bool *hit)
{
	lc_code rc = LC_OK;
	const lc_layer_desc *d;
	const char *want;
	lc_stream *s = NULL;
	char did[72] = "", got[72];
	uint8_t magic[4];
	size_t nmagic = 0;
	int64_t blen = -1;

	*hit = false;
	memset(out, 0, sizeof(*out));
	if (!c || !img || i >= img->nlayers || !fingerprint || c->ctx->show_secrets)
		goto out;
	d = &img->layers[i];
	/* rootfs layers have neither: nothing to key on */
	if (!d->diff_id || !img->src || !img->src->open_blob || img->src->walk_dir)
		goto out;
	want = expected_digest(d);
	if (strncmp(want, "sha256:", 7) != 0)
		goto out;
	if (!has_record(c, d->diff_id, fingerprint))
		goto out; /* the common cold case costs one indexed query, no I/O on the blob */
	if (img->src->open_blob(img, i, &s) != LC_OK || !s)
		goto out; /* the walk reports a missing blob with its layer */
	if (lc__cache_blob_trusted(c, s, want, did)) {
		ssize_t r = 1;

		if (strcmp(did, d->diff_id) != 0)
			goto out; /* the config claims another diff_id: let the walk say so */
		blen = s->file_length;
		while (nmagic < sizeof(magic) && (r = s->read(s, magic + nmagic,
							     sizeof(magic) - nmagic)) > 0)
			nmagic += (size_t)r;
	} else {
		/* Not known by identity (moved, copied, another archive): hashing the
		 * compressed bytes is far cheaper than decompressing and scanning them. */
		if (strcmp(want, d->diff_id) == 0)
			snprintf(did, sizeof(did), "%s", want); /* an uncompressed blob is its tar */
		else if (!lc__cache_blob_diff_id(c, want, did) || strcmp(did, d->diff_id) != 0)
			goto out;
		if (!hash_stream(s, d->digest ? d->size : -1, got, &blen, magic, &nmagic) ||
		    strcmp(got, want) != 0)
			goto out;
	}
	rc = lc__cache_lookup(c, did, fingerprint, ix, (int)i, out, hit);
	if (*hit) {
		snprintf(out->blob_digest, sizeof(out->blob_digest), "%s", want);
		out->blob_bytes = blen;
		out->compression = codec_of(magic, nmagic);
	}
out:
	if (s)
		s->close(s);
	return rc;
}

/* Is the outer archive a plain tar? Opening a member of a compressed one means
 * decompressing everything before it, which would double a cold scan's work just to
 * learn an identity: those blobs are verified by hash on a rescan instead. */
static bool archive_is_plain_tar(const lc_image *img)
{
	uint8_t hdr[512];
	FILE *f;
	bool plain = false;

	if (!img->src->name || (strcmp(img->src->name, "oci-archive") != 0 &&
				strcmp(img->src->name, "docker-archive") != 0))
		return true; /* not an archive: blobs are files of their own */
	if (!img->path || !(f = fopen(img->path, "rb")))
		return false;
	plain = fread(hdr, 1, sizeof(hdr), f) == sizeof(hdr) && memcmp(hdr + 257, "ustar", 5) == 0;
	fclose(f);
	return plain;
}

bool lc__cache_layer_identify(lc_image *img, size_t i, lc_cache_blob_id *id)
{
	bool ok = false;
	lc_stream *s = NULL;

	memset(id, 0, sizeof(*id));
	if (!img || i >= img->nlayers || !img->src || !img->src->open_blob || img->src->walk_dir ||
	    (!img->layers[i].digest && !img->layers[i].diff_id) || !archive_is_plain_tar(img))
		return false;
	if (img->src->open_blob(img, i, &s) == LC_OK && s) {
		ok = lc__cache_blob_identify(s, id);
		s->close(s);
	}
	return ok;
}
