/*
 * test_offload.c - the layer reader's hash offload (lc_hash_offload): walks with a
 * helper thread hashing the reader's blocks must give exactly what inline hashing gives
 * (digests, byte counts, entries and their bytes, diagnostics, verdict) for plain, gzip
 * and zstd layers, at odd read sizes, when the helper is prompt, slow, or absent (the
 * reader then hashes its own chain), when help arrives in the middle of a layer, and on
 * corrupt, truncated, tampered and cut-short layers.
 */
#include "lt.h"
#include "tap.h"

#include <pthread.h>
#include <unistd.h>

static lc_ctx *ctx;

/* ---- a scheduler for one reader: a list of one chain and one helper thread ---------- */
typedef enum helper_mode {
	H_PROMPT, /* hashes as soon as a chain is listed */
	H_SLOW,   /* naps before each take: the rings fill, the reader hashes too */
	H_NONE,   /* helped() says yes but nobody comes: the reader hashes it all */
	H_LATE,   /* helped() says no for the first blocks: offload starts mid-layer */
} helper_mode;

typedef struct toff {
	lc_hash_offload off;
	pthread_mutex_t lock;
	pthread_cond_t cv;
	/* under lock */
	lc_hash_chain *listed;
	bool stop;
	size_t posts, works, retires;
	unsigned nap; /* pseudo-random naps (H_SLOW) */
	/* the reader's own (helped is called by the reader only) */
	helper_mode mode;
	int calls;
	pthread_t th;
	bool running;
} toff;

static bool t_helped(void *ud)
{
	toff *t = ud;
	return t->mode != H_LATE || ++t->calls > 5;
}

static void t_post(void *ud, lc_hash_chain *c)
{
	toff *t = ud;
	if (t->listed)
		printf("# post while listed\n"); /* the contract says never */
	t->listed = c;
	t->posts++;
	pthread_cond_signal(&t->cv);
}

static void t_retire(void *ud, lc_hash_chain *c)
{
	toff *t = ud;
	if (t->listed == c)
		t->listed = NULL;
	t->retires++;
}

static void *t_helper(void *arg)
{
	toff *t = arg;
	pthread_mutex_lock(&t->lock);
	while (!t->stop) {
		if (!t->listed) {
			pthread_cond_wait(&t->cv, &t->lock);
			continue;
		}
		if (t->mode == H_SLOW) {
			t->nap = t->nap * 1103515245u + 12345u;
			pthread_mutex_unlock(&t->lock);
			usleep(50 + (t->nap >> 16) % 400);
			pthread_mutex_lock(&t->lock);
			if (!t->listed)
				continue; /* retired meanwhile */
		}
		lc_hash_chain *c = t->listed;
		t->listed = NULL;
		t->works++;
		lc__hash_chain_work(c);
	}
	pthread_mutex_unlock(&t->lock);
	return NULL;
}

static void toff_start(toff *t, helper_mode mode)
{
	memset(t, 0, sizeof(*t));
	pthread_mutex_init(&t->lock, NULL);
	pthread_cond_init(&t->cv, NULL);
	t->mode = mode;
	t->nap = 7;
	t->off = (lc_hash_offload){&t->lock, t, t_helped, t_post, t_retire};
	if (mode != H_NONE)
		t->running = pthread_create(&t->th, NULL, t_helper, t) == 0;
}

static void toff_stop(toff *t)
{
	pthread_mutex_lock(&t->lock);
	t->stop = true;
	pthread_cond_broadcast(&t->cv);
	pthread_mutex_unlock(&t->lock);
	if (t->running)
		pthread_join(t->th, NULL);
	pthread_cond_destroy(&t->cv);
	pthread_mutex_destroy(&t->lock);
}

/* ---- walks --------------------------------------------------------------------------- */
typedef struct twalk {
	lt_walk w;
	size_t stop_at; /* the entry callback stops the walk at this entry (0: never) */
} twalk;

static lc_code stop_entry(void *ud, const lc_entry *e, lc_content *c)
{
	twalk *tw = ud;
	lc_code rc = lt_on_entry(&tw->w.log, e, c);
	if (tw->stop_at && tw->w.log.n >= tw->stop_at)
		rc = LC_EINCOMPLETE; /* as the scan's time bound does */
	return rc;
}

static void susp(void *ud, int layer, const char *code, const char *raw, const char *link)
{
	lt_on_susp(&((twalk *)ud)->w.log, layer, code, raw, link);
}

/* Walk blob (a copy is taken) as the only layer, with off or inline (off NULL). */
static twalk *walk(const lt_buf *blob, const lt_buf *tar, size_t chunk, const char *digest_claim,
		   const char *diffid_claim, size_t stop_at, const lc_hash_offload *off)
{
	lt_image li;
	twalk *tw = calloc(1, sizeof(*tw));
	tw->w.log.read_content = true;
	tw->stop_at = stop_at;
	lt_image_init(&li, ctx);
	li.chunk = chunk;
	lt_image_add(&li, lt_copy(blob), tar, NULL);
	if (digest_claim)
		li.desc[0].digest = (char *)digest_claim;
	if (diffid_claim)
		li.desc[0].diff_id = (char *)diffid_claim;
	lc_walk_cb cb = {stop_entry, susp, tw, off};
	tw->w.rc = lc__layer_walk(ctx, &li.img, 0, &cb, &tw->w.res, &tw->w.warn, &tw->w.err);
	lt_image_free(&li);
	return tw;
}

static void twalk_free(twalk *tw)
{
	lt_walk_free(&tw->w);
	free(tw);
}

static bool same_diags(const lc_diag_list *a, const lc_diag_list *b)
{
	bool same = a->n == b->n;
	for (size_t i = 0; same && i < a->n; i++)
		same = strcmp(a->v[i].code, b->v[i].code) == 0 &&
		       strcmp(a->v[i].message, b->v[i].message) == 0;
	return same;
}

/* Everything the walk tells its caller, compared; prints the first difference. */
static bool same_walk(const twalk *x, const twalk *y, const char *what)
{
	const lt_walk *a = &x->w, *b = &y->w;
	const char *diff = NULL;
	if (a->rc != b->rc)
		diff = "rc";
	else if (strcmp(a->res.blob_digest, b->res.blob_digest) != 0)
		diff = "blob digest";
	else if (strcmp(a->res.diff_id, b->res.diff_id) != 0)
		diff = "diff_id";
	else if (a->res.blob_bytes != b->res.blob_bytes || a->res.tar_bytes != b->res.tar_bytes)
		diff = "byte counts";
	else if (a->res.entries != b->res.entries || a->res.complete != b->res.complete)
		diff = "entries or completeness";
	else if (strcmp(a->res.compression, b->res.compression) != 0)
		diff = "compression";
	else if (!same_diags(&a->warn, &b->warn) || !same_diags(&a->err, &b->err))
		diff = "diagnostics";
	else if (a->log.n != b->log.n || a->log.nsusp != b->log.nsusp)
		diff = "entries seen";
	for (size_t i = 0; !diff && i < a->log.n; i++) {
		const lt_rec *p = &a->log.e[i], *q = &b->log.e[i];
		if (strcmp(p->path, q->path) != 0 || p->size != q->size ||
		    p->content_rc != q->content_rc || p->data.n != q->data.n ||
		    (p->data.n && memcmp(p->data.p, q->data.p, p->data.n) != 0))
			diff = "an entry's bytes";
	}
	if (diff)
		printf("# %s: %s differs (rc %d vs %d)\n", what, diff, a->rc, b->rc);
	return diff == NULL;
}

/* ---- layers -------------------------------------------------------------------------- */
/* About 4 MB of tar in 48 files, half-compressible: many raw and inflated blocks, so the
 * rings wrap many times, plus one 1.5 MB file read across blocks. */
static lt_buf big_tar(void)
{
	lt_tar t;
	size_t n = 80 * 1024;
	uint8_t *d = malloc(1536 * 1024);
	uint32_t x = 2463534242u;
	char name[64];
	lt_tar_begin(&t, 0);
	lt_dir(&t, "data");
	for (int f = 0; f < 49; f++) {
		size_t len = f == 24 ? 1536 * 1024 : n;
		for (size_t i = 0; i < len; i++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			d[i] = (uint8_t)("etaoinshrdlucmfw"[x & 15]);
		}
		snprintf(name, sizeof(name), "data/f%02d", f);
		lt_tar_entry(&t, name, 'f', 0644, d, len, NULL);
	}
	free(d);
	return lt_tar_end(&t);
}

static const char *mode_name(helper_mode m)
{
	return m == H_PROMPT ? "prompt helper" : m == H_SLOW ? "slow helper"
	       : m == H_NONE ? "no helper"     : "late helper";
}

/* Walk with each helper mode and compare with the inline walk; returns the mismatches. */
static size_t compare_modes(const lt_buf *blob, const lt_buf *tar, size_t chunk,
			    const char *dclaim, const char *fclaim, size_t stop_at,
			    const char *what, size_t *works, bool want_posts)
{
	size_t bad = 0;
	twalk *ref = walk(blob, tar, chunk, dclaim, fclaim, stop_at, NULL);
	for (helper_mode m = H_PROMPT; m <= H_LATE; m++) {
		toff t;
		char label[160];
		toff_start(&t, m);
		twalk *got = walk(blob, tar, chunk, dclaim, fclaim, stop_at, &t.off);
		toff_stop(&t);
		snprintf(label, sizeof(label), "%s, %s, reads of %zu", what, mode_name(m), chunk);
		if (!same_walk(ref, got, label))
			bad++;
		if (want_posts && t.posts == 0) {
			printf("# %s: the chain was never used\n", label);
			bad++;
		}
		if (t.listed) {
			printf("# %s: a chain still listed after the walk\n", label);
			bad++;
		}
		*works += t.works;
		twalk_free(got);
	}
	twalk_free(ref);
	return bad;
}

static void test_same_as_inline(void)
{
	lt_buf tar = big_tar();
	lt_buf gz = lt_gzip(tar.p, tar.n, 6), zs = lt_zstd(tar.p, tar.n);
	const lt_buf *blobs[] = {&tar, &gz, &zs};
	const char *names[] = {"plain", "gzip", "zstd"};
	static const size_t chunks[] = {0, 4099};
	size_t works = 0;
	for (int k = 0; k < 3; k++) {
		for (size_t c = 0; c < 2; c++) {
			size_t bad = compare_modes(blobs[k], &tar, chunks[c], NULL, NULL, 0, names[k],
						   &works, true);
			TAP_OK(bad == 0, "%s layer of %zu bytes, reads of %zu: with each helper "
					 "the same digests, entries and verdict as inline",
			       names[k], tar.n, chunks[c]);
		}
	}
	/* tiny reads: hundreds of raw pieces per block, the queue fills before the rings */
	size_t bad = compare_modes(&gz, &tar, 61, NULL, NULL, 0, "gzip", &works, true);
	TAP_OK(bad == 0, "gzip layer read 61 bytes at a time: same as inline");
	TAP_OK(works > 0, "helpers hashed for the readers (%zu chains taken)", works);

	/* the walk's result as such: digests of the right bytes */
	toff t;
	char diff[72], blob[72];
	lt_sha256(tar.p, tar.n, diff);
	lt_sha256(gz.p, gz.n, blob);
	toff_start(&t, H_PROMPT);
	twalk *w = walk(&gz, &tar, 0, NULL, NULL, 0, &t.off);
	toff_stop(&t);
	TAP_OK(w->w.rc == LC_OK && w->w.res.complete && strcmp(w->w.res.diff_id, diff) == 0 &&
		       strcmp(w->w.res.blob_digest, blob) == 0 && w->w.log.n == 50,
	       "offloaded gzip walk: OK, complete, blob digest and diff_id right (rc=%d)",
	       w->w.rc);
	twalk_free(w);
	free(gz.p);
	free(zs.p);
	free(tar.p);
}

static void test_broken(void)
{
	lt_buf tar = big_tar();
	lt_buf gz = lt_gzip(tar.p, tar.n, 6), zs = lt_zstd(tar.p, tar.n);
	const lt_buf *blobs[] = {&gz, &zs};
	const char *names[] = {"gzip", "zstd"};
	size_t works = 0, n = 0, bad = 0;
	char wrong[72];
	snprintf(wrong, sizeof(wrong), "sha256:%064d", 1);

	/* tampered: the claims do not match what is read */
	for (int k = 0; k < 2; k++) {
		bad = compare_modes(blobs[k], &tar, 0, wrong, NULL, 0, names[k], &works, true);
		twalk *w = walk(blobs[k], &tar, 0, wrong, NULL, 0, NULL);
		TAP_OK(bad == 0 && w->w.rc == LC_EINTEGRITY &&
			       lt_has_diag(&w->w.err, "blob.digest_mismatch"),
		       "%s: wrong blob digest -> blob.digest_mismatch, 4, with and without helpers",
		       names[k]);
		twalk_free(w);
		bad = compare_modes(blobs[k], &tar, 0, NULL, wrong, 0, names[k], &works, true);
		w = walk(blobs[k], &tar, 0, NULL, wrong, 0, NULL);
		TAP_OK(bad == 0 && w->w.rc == LC_EINTEGRITY &&
			       lt_has_diag(&w->w.err, "layer.diff_id_mismatch"),
		       "%s: wrong diff_id -> layer.diff_id_mismatch, 4, with and without helpers",
		       names[k]);
		twalk_free(w);
	}

	/* corrupt and cut at spread positions: the same verdict, codes and digests */
	bad = 0;
	for (int k = 0; k < 2; k++) {
		const lt_buf *b = blobs[k];
		for (size_t i = 7; i < b->n; i += b->n / 23 + 1) {
			lt_buf c = lt_copy(b);
			c.p[i] ^= 0x5a;
			bad += compare_modes(&c, &tar, 0, NULL, NULL, 0, names[k], &works, false);
			lt_buf cut = {0};
			lt_put(&cut, b->p, i);
			bad += compare_modes(&cut, &tar, 0, NULL, NULL, 0, names[k], &works, false);
			free(c.p);
			free(cut.p);
			n += 2;
		}
	}
	TAP_OK(bad == 0, "%zu corrupt and cut gzip and zstd layers: the same result with each "
			 "helper as inline", n);

	/* a tampered blob that is also corrupt: still 4, the digest decides */
	lt_buf c = lt_copy(&gz);
	c.p[c.n / 2] ^= 0x5a;
	bad = compare_modes(&c, &tar, 0, NULL, NULL, 0, "gzip", &works, false);
	{
		twalk *w = walk(&c, &tar, 0, NULL, NULL, 0, NULL);
		char claim[72];
		lt_sha256(gz.p, gz.n, claim);
		twalk_free(w);
		toff t;
		toff_start(&t, H_PROMPT);
		w = walk(&c, &tar, 0, claim, NULL, 0, &t.off);
		toff_stop(&t);
		TAP_OK(bad == 0 && w->w.rc == LC_EINTEGRITY &&
			       lt_has_diag(&w->w.err, "blob.digest_mismatch") &&
			       lt_has_diag(&w->w.err, "layer.gzip_corrupt"),
		       "corrupt and tampered gzip, offloaded: layer.gzip_corrupt and "
		       "blob.digest_mismatch, 4 (rc=%d)", w->w.rc);
		twalk_free(w);
	}
	free(c.p);

	/* cut short by the callback (the time bound): same result, nothing left behind */
	bad = 0;
	for (int k = 0; k < 2; k++)
		for (size_t at = 1; at <= 40; at += 13)
			bad += compare_modes(blobs[k], &tar, 0, NULL, NULL, at, names[k], &works,
					     false);
	TAP_OK(bad == 0, "walks stopped by the entry callback: the same with each helper");

	/* limits stop the stream inside the chain's work */
	ctx->limits[LC_LIM_LAYER_BYTES] = 1000000;
	bad = compare_modes(&gz, &tar, 0, NULL, NULL, 0, "gzip over layer-bytes", &works, true);
	twalk *w = walk(&gz, &tar, 0, NULL, NULL, 0, NULL);
	TAP_OK(bad == 0 && w->w.rc == LC_EINCOMPLETE && lt_has_diag(&w->w.err, "layer.too_large"),
	       "layer-bytes stops the layer: the same with each helper (rc=%d)", w->w.rc);
	twalk_free(w);
	ctx->limits[LC_LIM_LAYER_BYTES] = lc_limit_default(LC_LIM_LAYER_BYTES);
	free(gz.p);
	free(zs.p);
	free(tar.p);
}

int main(void)
{
	ctx = lc_ctx_new();
	test_same_as_inline();
	test_broken();
	lc_ctx_free(ctx);
	return tap_done();
}
