/*
 * hashes.c - known-bad files by hash. A file's MD5/SHA-1/SHA-256 is computed while
 * it streams past, and only when a loaded list has an entry of that file's size (lists
 * without sizes make every file a candidate). Lists: the embedded default
 * (data/hashes/default.hsb) plus every --hash-db FILE.
 */
#include "lc_private.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* A hash list larger than this is not a list we were meant to load whole. */
#define HASHDB_FILE_MAX (512u << 20)

extern const lc_detector lc__det_hashes;

typedef struct hw {
	EVP_MD_CTX *md[3]; /* md5, sha1, sha256: only the kinds the lists hold */
	bool in_file; /* between a file's first block and its last call */
	bool active;  /* hashing this file */
	int64_t expect; /* next file offset; sparse holes are hashed as zeros */
} hw;

static const char *const alg_name[3] = {"md5", "sha1", "sha256"};
static const size_t alg_len[3] = {16, 20, 32};

static lc_code load(lc_ctx *ctx, void **shared)
{
	lc_code rc = LC_OK;
	lc_hashdb *db = calloc(1, sizeof *db);
	char err[512];
	size_t len;
	const uint8_t *def = lc__data_get("hashes/default.hsb", &len);

	if (!db) {
		rc = lc__fail(ctx, LC_EINTERNAL, "out of memory");
		goto out;
	}
	if (def) {
		rc = lc__hashdb_parse(db, (const char *)def, len, "laocoon default", err, sizeof err);
		if (rc) {
			rc = lc__fail(ctx, LC_EINTERNAL, "%s", err);
			goto out;
		}
	}
	for (size_t i = 0; i < ctx->hash_dbs.n; i++) {
		char *buf = NULL;
		size_t n = 0;
		rc = lc__malware_read_file(ctx, "hash list", ctx->hash_dbs.v[i], HASHDB_FILE_MAX, &buf, &n);
		if (rc)
			goto out;
		rc = lc__hashdb_parse(db, buf, n, ctx->hash_dbs.v[i], err, sizeof err);
		free(buf);
		if (rc) {
			rc = lc__fail(ctx, rc, "%s", err);
			goto out;
		}
	}
	lc__hashdb_finish(db);
out:
	if (rc && db) {
		lc__hashdb_free(db);
		free(db);
		db = NULL;
	}
	*shared = db;
	return rc;
}

static void unload(void *shared)
{
	if (shared) {
		lc__hashdb_free(shared);
		free(shared);
	}
}

static lc_code worker_new(void *shared, void **worker)
{
	lc_code rc = LC_OK;
	const lc_hashdb *db = shared;
	hw *w = calloc(1, sizeof *w);
	if (!w) {
		rc = LC_EINTERNAL;
		goto out;
	}
	for (int a = 0; a < 3; a++) {
		if (!db->has_len[a])
			continue;
		w->md[a] = EVP_MD_CTX_new();
		if (!w->md[a]) {
			rc = LC_EINTERNAL;
			goto out;
		}
	}
out:
	if (rc && w) {
		for (int a = 0; a < 3; a++)
			EVP_MD_CTX_free(w->md[a]);
		free(w);
		w = NULL;
	}
	*worker = w;
	return rc;
}

static void worker_free(void *worker)
{
	hw *w = worker;
	if (!w)
		return;
	for (int a = 0; a < 3; a++)
		EVP_MD_CTX_free(w->md[a]);
	free(w);
}

static const EVP_MD *alg_md(int a)
{
	return a == 0 ? EVP_md5() : a == 1 ? EVP_sha1() : EVP_sha256();
}

static void update(hw *w, const void *buf, size_t len)
{
	for (int a = 0; a < 3; a++)
		if (w->md[a])
			EVP_DigestUpdate(w->md[a], buf, len);
}

static lc_code report(const lc_hashdb *db, lc_emitter *em, const lc_hash_entry *h, int a,
		      const uint8_t *digest)
{
	char hex[65], ev[400], title[300];
	const char *name = db->names.v[h->name];
	bool test = strcasestr(name, "eicar") != NULL;
	json_t *d = json_object();
	lc_finding_in f;

	for (size_t i = 0; i < alg_len[a]; i++)
		snprintf(hex + 2 * i, 3, "%02x", digest[i]);
	snprintf(ev, sizeof ev, "%s:%s", alg_name[a], hex);
	snprintf(title, sizeof title, "%s: %s", test ? "Anti-virus test file" : "Known malicious file",
		 *name ? name : "listed hash");
	json_object_set_new(d, alg_name[a], json_string(hex));
	json_object_set_new(d, "name", json_string(name));
	json_object_set_new(d, "list", json_string(db->sources.v[h->source]));
	memset(&f, 0, sizeof f);
	f.rule_id = test ? "hashes.test_file" : "hashes.known_bad";
	/* EICAR proves the pipeline works; it harms nothing */
	f.severity = test ? LC_SEV_LOW : LC_SEV_CRITICAL;
	f.title = title;
	f.description = test ? "The file's hash is listed as an anti-virus test file (EICAR)."
			     : "The file's hash is on a known-bad hash list.";
	f.source = LC_SRC_FILE;
	f.layer = -1;
	f.offset = -1;
	f.evidence = ev;
	f.remediation = test ? "Remove the test file from the image."
			     : "Remove the file and rebuild the image from a trusted base; treat the "
			       "image and anything it ran on as compromised.";
	f.details = d;
	return lc__emit(em, &f);
}

static lc_code on_chunk(void *shared, void *worker, lc_emitter *em, const lc_entry *e,
			const uint8_t *buf, size_t len, int64_t offset, bool last)
{
	static const uint8_t zeros[4096];
	const lc_hashdb *db = shared;
	hw *w = worker;
	lc_code rc = LC_OK;

	if (!w->in_file && !last) {
		w->in_file = true;
		w->active = e->size > 0 && lc__hashdb_wants_size(db, e->size);
		w->expect = 0;
		for (int a = 0; a < 3 && w->active; a++)
			if (w->md[a] && EVP_DigestInit_ex(w->md[a], alg_md(a), NULL) != 1)
				w->active = false;
	}
	if (last)
		w->in_file = false;
	if (!w->active)
		goto out;
	if (!last) {
		while (w->expect < offset) {
			int64_t gap = offset - w->expect;
			size_t n = gap > (int64_t)sizeof zeros ? sizeof zeros : (size_t)gap;
			update(w, zeros, n);
			w->expect += (int64_t)n;
		}
		update(w, buf, len);
		w->expect += (int64_t)len;
		goto out;
	}
	/* end of file: a sparse tail is zeros too */
	while (w->expect < e->size) {
		int64_t gap = e->size - w->expect;
		size_t n = gap > (int64_t)sizeof zeros ? sizeof zeros : (size_t)gap;
		update(w, zeros, n);
		w->expect += (int64_t)n;
	}
	w->active = false;
	for (int a = 0; a < 3 && !rc; a++) {
		uint8_t dg[EVP_MAX_MD_SIZE];
		unsigned dl = 0;
		const lc_hash_entry *h;
		if (!w->md[a] || EVP_DigestFinal_ex(w->md[a], dg, &dl) != 1 || dl != alg_len[a])
			continue;
		h = lc__hashdb_lookup(db, dg, dl, e->size);
		if (h)
			rc = report(db, em, h, a, dg);
	}
out:
	return rc;
}

const lc_detector lc__det_hashes = {
	.name = "hashes",
	.description = "known-bad files by MD5/SHA-1/SHA-256 (ClamAV .hsb/.hdb and plain lists, "
		       "--hash-db)",
	.wants = LC_WANT_CHUNKS,
	.load = load,
	.unload = unload,
	.worker_new = worker_new,
	.worker_free = worker_free,
	.on_chunk = on_chunk,
};
