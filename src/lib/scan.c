/*
 * scan.c - the orchestrator: stream every layer once (in parallel, one reader thread
 * per layer), dispatch each entry's bytes to the detectors that asked for them, then
 * resolve whiteouts, run the image-level hooks and assemble the report.
 */
#include "lc_private.h"

#include <openssl/evp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>


/* A captured copy of a file some detector asked for (etc/passwd, ...), per layer. */
typedef struct capture {
	char *path;
	int layer;
	uint8_t *data;
	size_t len;
} capture;

#define LC_MAX_DETECTORS 64

struct lc_run {
	lc_ctx *ctx;
	lc_image *img;
	lc_report *rep;
	unsigned flags;
	size_t ndet;
	pthread_mutex_t lock;
	lc_fileidx *idx;
	capture *caps;
	size_t ncaps, capcaps;
	const char **capture_paths; /* union of the detectors' capture lists */
	size_t ncapture_paths;
	/* every detector's path globs, classified once: detector i's are
	 * globs[glob_at[i] .. glob_at[i + 1]); none (NULL paths) means every file */
	lc_glob *globs;
	size_t glob_at[LC_MAX_DETECTORS + 1];
	lc_layer_result *results;
	lc_code *layer_rc;
	atomic_size_t next_layer;
	atomic_llong total_bytes;
	int64_t deadline_ms; /* 0 = none */
	atomic_bool stop;    /* a bound (time, total bytes, memory) ended the scan */
	bool timed_out;
	bool findings_capped;
	/* --max-memory: bytes of our own buffers (file buffers, work items) in use */
	atomic_llong mem_used;
	int64_t mem_budget; /* 0 = unbounded */
	bool mem_exceeded;
	/* files may be queued to helping threads (--parallel 2 or more); false: every file is
	 * scanned by its reader */
	bool queue_on;
	pthread_mutex_t qlock;
	pthread_cond_t qitems, qspace;
	struct item *qhead, *qtail;
	int64_t qbytes;
	bool qclosed;
	/* threads asleep on qitems / qspace: nobody is woken for nothing (a wake-up per
	 * item was a third of the kernel time of a 2-thread scan) */
	int qitems_waiters, qspace_waiters;
	/* Threads walking layers (the pool closes when the last one is done), and threads
	 * scanning queued files. A reader queues a file only when some thread helps: while
	 * every thread has a layer of its own, files are scanned where they are read. */
	size_t readers_active;
	atomic_size_t helpers;
	/* Hash offload (lc_hash_offload): a reader's chain with blocks nobody is hashing
	 * is listed in its worker (worker.chain); nchains counts them. Both under qlock.
	 * Threads that scan queued files hash listed chains first: the last layer's reader
	 * chain is the critical path. readers/nreaders are set before any thread starts
	 * and only read after. */
	struct worker *readers; /* the reader threads' workers, nreaders of them */
	size_t nreaders;
	size_t nchains;
	int64_t *pending; /* per layer: items not yet scanned */
	/* the layer cache (NULL: --no-cache or unavailable) */
	lc_cache *cache;
	char fingerprint[65];
	bool *from_cache;           /* per layer: loaded from the cache, not walked */
	lc_cache_layer *held;       /* per layer: a cached layer's file records (and count) */
	char image_key[80];         /* "image:<hex>" of the image-level record, "" = none */
	atomic_size_t next_cached;  /* the cache passes hand out layers like the readers */
	void (*pass_fn)(lc_run *, size_t); /* what layer_pass does to each */
	lc_cache_blob_id *blob_ids; /* per layer: blob identity taken before the walk */
	bool *blob_identified;
};

/* Per reader thread: the detectors' scratch state and the matcher's. */
typedef struct worker {
	lc_run *sc;
	void **det_workers;
	lc_matcher_worker *mw;
	uint8_t *buf; /* whole-file buffer for LC_WANT_BUFFER detectors and captures */
	size_t bufcap;
	lc_diag_list warnings, errors;
	bool mem_reported;
	lc_hash_chain *chain; /* this reader's chain while listed (qlock) */
	lc_hash_offload hash; /* this reader's hook, handed to the walk (set before threads) */
} worker;

/* Charge bytes of our own buffers to --max-memory; refuse past the budget. */
static lc_code mem_charge(lc_run *sc, int64_t n)
{
	int64_t now = atomic_fetch_add(&sc->mem_used, n) + n;
	if (sc->mem_budget > 0 && now > sc->mem_budget) {
		atomic_fetch_sub(&sc->mem_used, n);
		sc->mem_exceeded = true;
		atomic_store(&sc->stop, true);
		return LC_EINCOMPLETE;
	}
	return LC_OK;
}

static void mem_release(lc_run *sc, int64_t n)
{
	atomic_fetch_sub(&sc->mem_used, n);
}

/* Findings of the walker itself (path traversal, ...): not in the table, always on. */
static const lc_detector layer_pseudo = {
	.name = "layer",
	.description = "entries that are suspicious as tar entries (path traversal, links out)",
};

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- findings ---------------------------------------------------------------------- */

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static lc_source_kind pseudo_source(const lc_entry *e)
{
	if (e->layer >= 0)
		return LC_SRC_FILE;
	return strncmp(e->path, "history", 7) == 0 ? LC_SRC_HISTORY : LC_SRC_CONFIG;
}

lc_code lc__emit(lc_emitter *em, const lc_finding_in *in)
{
	lc_code rc = LC_OK;
	lc_run *sc = em->scan;
	lc_report *r = sc->rep;
	lc_finding f = {0};
	const lc_detector *det = em->det ? em->det : &layer_pseudo;

	f.source = in->source;
	f.layer = in->layer;
	f.removed_in = -1;
	f.line = in->line;
	f.offset = in->offset;
	f.severity = in->severity;
	const char *path = in->path;
	if (em->entry && in->layer < 0 && !in->path) {
		/* A finding about the entry being looked at: it names that entry. */
		path = em->entry->path;
		f.layer = em->entry->layer;
		if (in->source == LC_SRC_FILE)
			f.source = pseudo_source(em->entry);
	}
	if (f.layer >= 0 && (size_t)f.layer < sc->img->nlayers)
		f.layer_diff_id = dup_or_null(sc->img->layers[f.layer].diff_id);
	f.detector = strdup(det->name);
	f.rule_id = strdup(in->rule_id ? in->rule_id : det->name);
	f.title = strdup(in->title ? in->title : f.rule_id ? f.rule_id : "");
	f.description = dup_or_null(in->description);
	f.path = dup_or_null(path);
	f.evidence = dup_or_null(in->evidence);
	f.remediation = dup_or_null(in->remediation);
	f.details = in->details ? in->details : json_object();
	if (!f.detector || !f.rule_id || !f.title || !f.details) {
		rc = LC_EINTERNAL;
		goto out;
	}
	lc__finding_id(&f);

	pthread_mutex_lock(&sc->lock);
	if ((int64_t)r->nfindings >= lc__limit(sc->ctx, LC_LIM_FINDINGS)) {
		sc->findings_capped = true;
		pthread_mutex_unlock(&sc->lock);
		goto out;
	}
	if (r->nfindings == r->capfindings) {
		size_t cap = r->capfindings ? r->capfindings * 2 : 64;
		lc_finding *v = realloc(r->findings, cap * sizeof(*v));
		if (!v) {
			pthread_mutex_unlock(&sc->lock);
			rc = LC_EINTERNAL;
			goto out;
		}
		r->findings = v;
		r->capfindings = cap;
	}
	r->findings[r->nfindings++] = f;
	memset(&f, 0, sizeof(f));
	pthread_mutex_unlock(&sc->lock);
out:
	if (f.detector || f.details || f.rule_id)
		lc__finding_release(&f);
	else if (in->details && rc)
		json_decref(in->details);
	return rc;
}

void lc__scan_warn(lc_run *sc, const char *code, int layer, const char *path, const char *fmt,
		   ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&sc->lock);
	lc__diag_add(&sc->rep->warnings, code, layer, path, "%s", msg);
	pthread_mutex_unlock(&sc->lock);
}

bool lc__scan_show_secrets(const lc_run *sc)
{
	return sc && sc->ctx->show_secrets;
}

char *lc__redact(const lc_run *sc, const char *secret, size_t len)
{
	char *out;
	if (lc__scan_show_secrets(sc)) {
		out = malloc(len + 1);
		if (out) {
			memcpy(out, secret, len);
			out[len] = 0;
		}
		return out;
	}
	/* Four characters say which kind of token it is without giving it away. */
	size_t keep = len > 4 ? 4 : (len > 1 ? 1 : 0);
	out = malloc(keep + 5);
	if (out) {
		memcpy(out, secret, keep);
		memcpy(out + keep, "****", 5);
	}
	return out;
}

/* Severity first, then where: outputs are stable whatever the thread timing. */
static int finding_cmp(const void *a, const void *b)
{
	const lc_finding *x = a, *y = b;
	int c;
	if (x->severity != y->severity)
		return x->severity > y->severity ? -1 : 1;
	if (x->layer != y->layer)
		return x->layer < y->layer ? -1 : 1;
	if ((c = strcmp(x->path ? x->path : "", y->path ? y->path : "")))
		return c;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->offset != y->offset)
		return x->offset < y->offset ? -1 : 1;
	if ((c = strcmp(x->detector, y->detector)))
		return c;
	if ((c = strcmp(x->rule_id, y->rule_id)))
		return c;
	return strcmp(x->id, y->id);
}

/* Hidden flags are a property of the image: set once every layer is in the index. */
static void hidden_flags(lc_run *sc)
{
	lc_report *r = sc->rep;
	for (size_t i = 0; i < r->nfindings; i++) {
		lc_finding *f = &r->findings[i];
		if (f->source != LC_SRC_FILE || f->layer < 0 || !f->path || !sc->idx)
			continue;
		const lc_fileinfo *fi = lc__fileidx_find(sc->idx, f->layer, f->path);
		if (fi)
			f->removed_in = fi->removed_in;
	}
}

static void findings_finish(lc_run *sc)
{
	lc_report *r = sc->rep;
	if (r->nfindings > 1)
		qsort(r->findings, r->nfindings, sizeof(*r->findings), finding_cmp);
	/* A path listed twice in one layer is seen twice: keep one finding per id. */
	size_t w = 0;
	for (size_t i = 0; i < r->nfindings; i++) {
		if (w > 0 && strcmp(r->findings[w - 1].id, r->findings[i].id) == 0) {
			lc__finding_release(&r->findings[i]);
			continue;
		}
		r->findings[w++] = r->findings[i];
	}
	r->nfindings = w;
}

/* ---- captures ---------------------------------------------------------------------- */

static bool wants_capture(const lc_run *sc, const char *path)
{
	for (size_t i = 0; i < sc->ncapture_paths; i++)
		if (strcmp(sc->capture_paths[i], path) == 0)
			return true;
	return false;
}

static void capture_store(lc_run *sc, const lc_entry *e, const uint8_t *buf, size_t len)
{
	uint8_t *copy = malloc(len + 1);
	char *path = strdup(e->path);
	if (!copy || !path)
		goto fail;
	memcpy(copy, buf, len);
	copy[len] = 0;
	pthread_mutex_lock(&sc->lock);
	if (sc->ncaps == sc->capcaps) {
		size_t cap = sc->capcaps ? sc->capcaps * 2 : 16;
		capture *v = realloc(sc->caps, cap * sizeof(*v));
		if (!v) {
			pthread_mutex_unlock(&sc->lock);
			goto fail;
		}
		sc->caps = v;
		sc->capcaps = cap;
	}
	sc->caps[sc->ncaps++] = (capture){path, e->layer, copy, len};
	pthread_mutex_unlock(&sc->lock);
	return;
fail:
	free(copy);
	free(path);
}

const uint8_t *lc__view_capture(const lc_view *v, const char *path, size_t *len, int *layer)
{
	const lc_run *sc = v->scan;
	if (!sc || !sc->idx)
		return NULL;
	/* The final view's copy: the topmost layer whose record is still visible. */
	for (int L = (int)sc->img->nlayers - 1; L >= 0; L--) {
		const lc_fileinfo *fi = lc__fileidx_find(sc->idx, L, path);
		if (!fi)
			continue;
		if (fi->removed_in >= 0 || fi->type != LC_FT_REG)
			return NULL;
		for (size_t i = 0; i < sc->ncaps; i++) {
			if (sc->caps[i].layer == L && strcmp(sc->caps[i].path, path) == 0) {
				if (len)
					*len = sc->caps[i].len;
				if (layer)
					*layer = L;
				return sc->caps[i].data;
			}
		}
		return NULL;
	}
	return NULL;
}

/* ---- per-entry dispatch ------------------------------------------------------------ */

static bool path_selected(const lc_run *sc, size_t det, const char *path, size_t plen)
{
	if (!lc__detectors[det]->paths)
		return true;
	for (size_t i = sc->glob_at[det]; i < sc->glob_at[det + 1]; i++)
		if (lc__glob_match_compiled(&sc->globs[i], path, plen))
			return true;
	return false;
}

/* Classify the detectors' path globs once per scan (lc__glob_compile). */
static lc_code globs_compile(lc_run *sc)
{
	size_t n = 0;
	for (size_t i = 0; i < sc->ndet; i++)
		for (size_t j = 0; lc__detectors[i]->paths && lc__detectors[i]->paths[j]; j++)
			n++;
	sc->globs = calloc(n + 1, sizeof(*sc->globs));
	if (!sc->globs)
		return LC_EINTERNAL;
	n = 0;
	for (size_t i = 0; i < sc->ndet; i++) {
		sc->glob_at[i] = n;
		for (size_t j = 0; lc__detectors[i]->paths && lc__detectors[i]->paths[j]; j++)
			lc__glob_compile(lc__detectors[i]->paths[j], &sc->globs[n++]);
	}
	sc->glob_at[sc->ndet] = n;
	return LC_OK;
}

static bool looks_binary(const uint8_t *buf, size_t len)
{
	return len > 0 && memchr(buf, 0, len > 8192 ? 8192 : len) != NULL;
}

/* What one regular file's bytes go to, decided once per file. */
typedef struct filectx {
	bool chunk_on[LC_MAX_DETECTORS], buf_on[LC_MAX_DETECTORS];
	bool any_chunk, any_buf, use_matcher, cap, begun;
	bool in_place; /* whole points into the walker's block: finish before the next read */
	size_t buflimit, buflen;
	const uint8_t *whole; /* the file's bytes when a work item carries them whole */
} filectx;

/* Returns false when nothing wants the file's content. */
static bool file_select(worker *w, const lc_entry *e, filectx *f)
{
	lc_run *sc = w->sc;
	lc_ctx *ctx = sc->ctx;
	int64_t fbuf = lc__limit(ctx, LC_LIM_FILE_BUFFER);
	size_t plen = strlen(e->path);
	memset(f, 0, sizeof(*f));
	for (size_t i = 0; i < sc->ndet; i++) {
		const lc_detector *d = lc__detectors[i];
		if (!ctx->det_enabled[i] || !path_selected(sc, i, e->path, plen))
			continue;
		if ((d->wants & LC_WANT_CHUNKS) && d->on_chunk)
			f->chunk_on[i] = f->any_chunk = true;
		if ((d->wants & LC_WANT_BUFFER) && d->on_file) {
			int64_t m = d->max_size > 0 && d->max_size < fbuf ? d->max_size : fbuf;
			f->buf_on[i] = f->any_buf = true;
			if ((size_t)m > f->buflimit)
				f->buflimit = (size_t)m;
		}
	}
	f->use_matcher = w->mw != NULL;
	f->cap = wants_capture(sc, e->path);
	if (f->cap && f->buflimit < (size_t)lc__limit(ctx, LC_LIM_CAPTURE_SIZE))
		f->buflimit = (size_t)lc__limit(ctx, LC_LIM_CAPTURE_SIZE);
	if (f->buflimit > (size_t)(e->size > 0 ? e->size : 0))
		f->buflimit = (size_t)(e->size > 0 ? e->size : 0);
	return f->any_chunk || f->any_buf || f->use_matcher || f->cap;
}

/* Buffers from this size on are asked for as transparent huge pages: one fault per 2 MiB
 * instead of per 4 KiB (the 50 MB apt list of a Debian image took 12,000 faults, ~4% of
 * its scan). */
#define BUF_HUGE_MIN (4u << 20)
#define BUF_HUGE_ALIGN (2u << 20)

/* Grow the worker's whole-file buffer to hold `need` bytes, keeping its first `keep`;
 * every byte of it is charged to the scan's budget. */
static lc_code buf_reserve(worker *w, size_t need, size_t limit, size_t keep)
{
	lc_code rc = LC_OK;
	uint8_t *nb;
	size_t ncap;
	if (need <= w->bufcap)
		goto out;
	ncap = w->bufcap ? w->bufcap : 65536;
	while (ncap < need)
		ncap *= 2;
	if (ncap > limit)
		ncap = limit;
	if (ncap >= BUF_HUGE_MIN)
		ncap = (ncap + BUF_HUGE_ALIGN - 1) / BUF_HUGE_ALIGN * BUF_HUGE_ALIGN;
	if (mem_charge(w->sc, (int64_t)(ncap - w->bufcap)) != LC_OK) {
		rc = LC_EINCOMPLETE;
		goto out;
	}
	if (ncap >= BUF_HUGE_MIN) {
		nb = aligned_alloc(BUF_HUGE_ALIGN, ncap);
		if (nb) {
			(void)madvise(nb, ncap, MADV_HUGEPAGE); /* a hint: ignored where THP is off */
			memcpy(nb, w->buf ? w->buf : nb, keep < w->bufcap ? keep : w->bufcap);
			free(w->buf);
		}
	} else {
		nb = realloc(w->buf, ncap);
	}
	if (!nb) {
		mem_release(w->sc, (int64_t)(ncap - w->bufcap));
		rc = LC_EINTERNAL;
		goto out;
	}
	w->buf = nb;
	w->bufcap = ncap;
out:
	return rc;
}

static lc_code file_block(worker *w, const lc_entry *e, filectx *f, const uint8_t *blk, size_t len,
			  int64_t off)
{
	lc_run *sc = w->sc;
	lc_ctx *ctx = sc->ctx;
	lc_code rc = LC_OK;
	if (!f->begun && f->use_matcher) {
		rc = lc__matcher_file_begin(w->mw, e, looks_binary(blk, len));
		if (rc)
			goto out;
	}
	f->begun = true;
	for (size_t i = 0; i < sc->ndet; i++) {
		if (!f->chunk_on[i])
			continue;
		lc_emitter em = {sc, lc__detectors[i], e};
		rc = lc__detectors[i]->on_chunk(ctx->det_shared[i], w->det_workers[i], &em, e, blk, len,
						off, false);
		if (rc)
			goto out;
	}
	if (f->use_matcher) {
		rc = lc__matcher_file_chunk(w->mw, sc, w->det_workers, blk, len);
		if (rc)
			goto out;
	}
	/* A file that arrives in one block (most small files) is handed to on_file in place:
	 * the scan finishes it before asking the walker for more (on_entry), so the block is
	 * still valid. Copying every file into the buffer was a memcpy and page faults per
	 * byte for a buffer YARA's prefilter then mostly did not need. */
	if (!f->whole && (f->any_buf || f->cap) && f->buflen == 0 && off == 0 && e->size > 0 &&
	    (int64_t)len == e->size && len <= f->buflimit) {
		f->whole = blk;
		f->in_place = true;
	}
	if (f->whole || !(f->any_buf || f->cap) || f->buflen >= f->buflimit)
		goto out;
	/* Sparse files arrive with holes: keep offsets, zero the gap. */
	size_t gap = 0;
	if (off >= 0 && (size_t)off > f->buflen)
		gap = (size_t)off - f->buflen;
	if (gap > f->buflimit - f->buflen)
		gap = f->buflimit - f->buflen;
	size_t take = len;
	if (take > f->buflimit - f->buflen - gap)
		take = f->buflimit - f->buflen - gap;
	/* the whole file at once: its size is known, so no growth copies on the way */
	rc = buf_reserve(w, f->buflimit > f->buflen + gap + take ? f->buflimit : f->buflen + gap + take,
			 f->buflimit, f->buflen);
	if (rc)
		goto out;
	memset(w->buf + f->buflen, 0, gap);
	memcpy(w->buf + f->buflen + gap, blk, take);
	f->buflen += gap + take;
out:
	return rc;
}

static lc_code file_finish(worker *w, const lc_entry *e, filectx *f)
{
	lc_run *sc = w->sc;
	lc_ctx *ctx = sc->ctx;
	lc_code rc = LC_OK;
	const uint8_t *data = f->whole ? f->whole : (w->buf ? w->buf : (const uint8_t *)"");
	size_t dlen = f->whole ? (size_t)e->size : f->buflen;
	bool truncated = e->size > (int64_t)dlen;

	if (!f->begun && f->use_matcher) {
		rc = lc__matcher_file_begin(w->mw, e, false);
		if (rc)
			goto out;
	}
	for (size_t i = 0; i < sc->ndet; i++) {
		if (!f->chunk_on[i])
			continue;
		lc_emitter em = {sc, lc__detectors[i], e};
		rc = lc__detectors[i]->on_chunk(ctx->det_shared[i], w->det_workers[i], &em, e, NULL, 0,
						e->size, true);
		if (rc)
			goto out;
	}
	if (f->use_matcher) {
		rc = lc__matcher_file_end(w->mw, sc, w->det_workers);
		if (rc)
			goto out;
	}
	for (size_t i = 0; i < sc->ndet; i++) {
		if (!f->buf_on[i])
			continue;
		lc_emitter em = {sc, lc__detectors[i], e};
		size_t dl = dlen;
		int64_t m = lc__detectors[i]->max_size;
		if (m > 0 && (size_t)m < dl)
			dl = (size_t)m;
		rc = lc__detectors[i]->on_file(ctx->det_shared[i], w->det_workers[i], &em, e, data, dl,
					       truncated || dl < dlen);
		if (rc)
			goto out;
	}
	if (f->cap && !truncated && dlen <= (size_t)lc__limit(ctx, LC_LIM_CAPTURE_SIZE))
		capture_store(sc, e, data, dlen);
out:
	return rc;
}

/* ---- the work-item pool: file contents scanned beside the tar stream ---------------- */

/* A small file's bytes and a copy of its entry, handed from a reader to the pool. */
typedef struct item {
	struct item *next;
	lc_entry e;
	char *path, *link;
	uint8_t *data;
	size_t len;
} item;

/* Files up to this size travel whole as work items; larger ones stream in the reader. */
#define ITEM_MAX ((size_t)1 << 20)
/* Bytes waiting in the queue at most: readers block beyond it (constant memory). */
#define QUEUE_MAX_BYTES ((int64_t)32 << 20)

static void item_free(item *it)
{
	free(it->path);
	free(it->link);
	free(it->data);
	free(it);
}

/* Take the oldest queued item; the caller holds qlock. NULL when the queue is empty. */
static item *pool_pop(lc_run *sc)
{
	item *it = sc->qhead;
	if (it) {
		sc->qhead = it->next;
		if (!sc->qhead)
			sc->qtail = NULL;
	}
	return it;
}

/* Scan one work item with this thread's detector state: a pool worker's, or a reader's
 * that helps instead of waiting. Called without qlock; frees the item. */
static void item_run(worker *w, item *it)
{
	lc_run *sc = w->sc;
	lc_code rc = LC_OK;
	int layer = it->e.layer;
	if (!atomic_load(&sc->stop)) {
		filectx f;
		if (file_select(w, &it->e, &f)) {
			f.whole = it->data ? it->data : (const uint8_t *)"";
			if (it->len)
				rc = file_block(w, &it->e, &f, it->data, it->len, 0);
			if (!rc)
				rc = file_finish(w, &it->e, &f);
		}
	}
	pthread_mutex_lock(&sc->qlock);
	sc->qbytes -= (int64_t)it->len;
	mem_release(sc, (int64_t)it->len);
	if (rc && sc->layer_rc[layer] == LC_OK)
		sc->layer_rc[layer] = rc;
	sc->pending[layer]--;
	if (sc->qspace_waiters)
		pthread_cond_broadcast(&sc->qspace);
	pthread_mutex_unlock(&sc->qlock);
	item_free(it);
}

/* ---- hash offload: the scheduler's side of lc_hash_offload ------------------------- */
static bool hash_helped(void *ud)
{
	worker *w = ud;
	return atomic_load(&w->sc->helpers) > 0;
}

/* qlock held (the hook's lock): list the reader's chain and wake one thread for it. */
static void hash_post(void *ud, lc_hash_chain *c)
{
	worker *w = ud;
	lc_run *sc = w->sc;
	w->chain = c;
	sc->nchains++;
	if (sc->qitems_waiters)
		pthread_cond_signal(&sc->qitems);
	else if (sc->qspace_waiters)
		pthread_cond_broadcast(&sc->qspace);
}

/* qlock held: the reader's chain goes away. */
static void hash_retire(void *ud, lc_hash_chain *c)
{
	worker *w = ud;
	(void)c;
	if (w->chain) {
		w->chain = NULL;
		w->sc->nchains--;
	}
}

/* qlock held: take a listed chain and hash it (the lock is dropped meanwhile). False
 * when none is listed. */
static bool chain_work(lc_run *sc)
{
	bool did = false;
	for (size_t t = 0; t < sc->nreaders && sc->nchains > 0 && !did; t++) {
		lc_hash_chain *c = sc->readers[t].chain;
		if (c) {
			sc->readers[t].chain = NULL;
			sc->nchains--;
			lc__hash_chain_work(c);
			did = true;
		}
	}
	return did;
}

/* While a reader waits (for room in the queue, for its layer's queued files) it hashes a
 * listed chain, or scans the oldest queued item itself, or sleeps when every queued item
 * is already being scanned. Called and returns with qlock held. */
static void help_or_wait(worker *w)
{
	lc_run *sc = w->sc;
	item *h;
	if (chain_work(sc))
		return;
	h = pool_pop(sc);
	if (h) {
		pthread_mutex_unlock(&sc->qlock);
		item_run(w, h);
		pthread_mutex_lock(&sc->qlock);
	} else {
		sc->qspace_waiters++;
		pthread_cond_wait(&sc->qspace, &sc->qlock);
		sc->qspace_waiters--;
	}
}

/* Queue a file for the pool. When the queue is full the reader scans the oldest item
 * itself rather than sleep: it has its own detector state, and two cores stay busy even
 * when a layer's reader is the slow part. */
static void pool_push(worker *w, item *it)
{
	lc_run *sc = w->sc;
	pthread_mutex_lock(&sc->qlock);
	while (sc->qbytes > 0 && sc->qbytes + (int64_t)it->len > QUEUE_MAX_BYTES)
		help_or_wait(w);
	it->next = NULL;
	if (sc->qtail)
		sc->qtail->next = it;
	else
		sc->qhead = it;
	sc->qtail = it;
	sc->qbytes += (int64_t)it->len;
	sc->pending[it->e.layer]++;
	if (sc->qitems_waiters)
		pthread_cond_signal(&sc->qitems);
	pthread_mutex_unlock(&sc->qlock);
}

static void *pool_thread(void *arg)
{
	worker *w = arg;
	lc_run *sc = w->sc;
	atomic_fetch_add(&sc->helpers, 1);
	for (;;) {
		pthread_mutex_lock(&sc->qlock);
		while (!sc->qhead && !sc->nchains && !sc->qclosed) {
			sc->qitems_waiters++;
			pthread_cond_wait(&sc->qitems, &sc->qlock);
			sc->qitems_waiters--;
		}
		if (chain_work(sc)) { /* first: it is on the critical path */
			pthread_mutex_unlock(&sc->qlock);
			continue;
		}
		item *it = pool_pop(sc);
		pthread_mutex_unlock(&sc->qlock);
		if (!it)
			break;
		item_run(w, it);
	}
	return NULL;
}

/* Copy a small file into a work item; false when it must be streamed in place. */
static lc_code item_make(worker *w, const lc_entry *e, lc_content *c, item **out)
{
	lc_code rc = LC_OK;
	item *it = calloc(1, sizeof(*it));
	size_t want = (size_t)(e->size > 0 ? e->size : 0);
	*out = NULL;
	if (!it)
		return LC_EINTERNAL;
	it->e = *e;
	it->path = strdup(e->path);
	it->link = e->link ? strdup(e->link) : NULL;
	if (!it->path || (e->link && !it->link)) {
		rc = LC_EINTERNAL;
		goto out;
	}
	it->e.path = it->path;
	it->e.link = it->link;
	if (want) {
		if (mem_charge(w->sc, (int64_t)want) != LC_OK) {
			rc = LC_EINCOMPLETE;
			goto out;
		}
		it->data = malloc(want); /* every byte is written below: copied, or zeroed */
		if (!it->data) {
			mem_release(w->sc, (int64_t)want);
			rc = LC_EINTERNAL;
			goto out;
		}
		it->len = want;
	}
	const uint8_t *blk;
	size_t len;
	int64_t off, pos = 0, filled = 0;
	int got;
	while ((got = lc__content_next(c, &blk, &len, &off)) == 1) {
		if (off < 0)
			off = pos;
		if ((size_t)off < want) {
			size_t take = len < want - (size_t)off ? len : want - (size_t)off;
			if (off > filled) /* a sparse hole */
				memset(it->data + filled, 0, (size_t)(off - filled));
			memcpy(it->data + off, blk, take);
			if (off + (int64_t)take > filled)
				filled = off + (int64_t)take;
		}
		pos = off + (int64_t)len;
	}
	if (it->data && (size_t)filled < want) /* a short or sparse tail */
		memset(it->data + filled, 0, want - (size_t)filled);
	/* got < 0: the layer broke inside this file. The walker sees it too and reports it
	 * with layer and path; the bytes that did arrive are still scanned. */
	(void)got;
out:
	if (rc) {
		if (it->data)
			mem_release(w->sc, (int64_t)it->len);
		item_free(it);
	} else {
		*out = it;
	}
	return rc;
}

static lc_code on_entry(void *ud, const lc_entry *e, lc_content *c)
{
	worker *w = ud;
	lc_run *sc = w->sc;
	lc_ctx *ctx = sc->ctx;
	lc_code rc = LC_OK;
	filectx f;

	if (atomic_load(&sc->stop))
		return LC_EINCOMPLETE;
	if (sc->deadline_ms && now_ms() > sc->deadline_ms) {
		atomic_store(&sc->stop, true);
		sc->timed_out = true;
		return LC_EINCOMPLETE;
	}
	if (lc__fileidx_add(sc->idx, e) == 1)
		lc__diag_add(&w->warnings, "layer.duplicate_entry", e->layer, e->path,
			     "path listed twice in one layer; the last one wins");
	for (size_t i = 0; i < sc->ndet; i++) {
		const lc_detector *d = lc__detectors[i];
		if (!ctx->det_enabled[i] || !(d->wants & LC_WANT_META) || !d->on_entry)
			continue;
		lc_emitter em = {sc, d, e};
		rc = d->on_entry(ctx->det_shared[i], w->det_workers[i], &em, e);
		if (rc)
			goto out;
	}
	if (e->type != LC_FT_REG || !c || !file_select(w, e, &f))
		goto out;

	atomic_fetch_add(&sc->total_bytes, e->size > 0 ? e->size : 0);
	if (atomic_load(&sc->total_bytes) > lc__limit(ctx, LC_LIM_TOTAL_BYTES)) {
		lc__diag_add(&w->errors, "image.too_large", e->layer, NULL,
			     "more than %lld uncompressed bytes in the image (limit total-bytes)",
			     (long long)lc__limit(ctx, LC_LIM_TOTAL_BYTES));
		atomic_store(&sc->stop, true);
		rc = LC_EINCOMPLETE;
		goto out;
	}
	if (sc->queue_on && atomic_load(&sc->helpers) > 0 && e->size >= 0 &&
	    (size_t)e->size <= ITEM_MAX) {
		item *it = NULL;
		rc = item_make(w, e, c, &it);
		if (!rc)
			pool_push(w, it);
		goto out;
	}
	const uint8_t *blk;
	size_t len;
	int64_t off;
	int got;
	while ((got = lc__content_next(c, &blk, &len, &off)) == 1) {
		rc = file_block(w, e, &f, blk, len, off);
		if (rc)
			goto out;
		if (f.in_place)
			break; /* all of it arrived; the walker drains (and checks) the rest */
	}
	/* got < 0: the walker reports the broken layer; finish with what arrived so every
	 * detector's per-file state is closed the same way. */
	rc = file_finish(w, e, &f);
out:
	if (rc == LC_EINCOMPLETE && sc->mem_exceeded && !w->mem_reported) {
		w->mem_reported = true;
		lc__diag_add(&w->errors, "scan.memory_limit", e->layer, e->path,
			     "the memory bound (--max-memory) refused this work; the rest of the "
			     "layer was not scanned");
	}
	return rc;
}

static void on_suspicious(void *ud, int layer, const char *code, const char *raw_path,
			  const char *link)
{
	worker *w = ud;
	lc_emitter em = {w->sc, &layer_pseudo, NULL};
	const char *title = "tar entry with a suspicious path";
	lc_severity sev = LC_SEV_HIGH;
	if (strcmp(code, "layer.path_traversal") == 0)
		title = "tar entry climbs out of the layer root (path traversal)";
	else if (strcmp(code, "layer.path_absolute") == 0)
		title = "tar entry with an absolute path";
	else if (strcmp(code, "layer.hardlink_outside") == 0) {
		title = "hard link to a path outside the layer";
		sev = LC_SEV_MEDIUM;
	}
	json_t *details = json_object();
	char *esc = lc__escape(raw_path, strlen(raw_path));
	if (details && link) {
		char *el = lc__escape(link, strlen(link));
		json_object_set_new(details, "link", json_string(el ? el : ""));
		free(el);
	}
	lc_finding_in f = {
		.rule_id = code,
		.severity = sev,
		.title = title,
		.description = "The entry was kept out of the filesystem view: a layer that "
			       "tries to write outside its root is itself suspicious.",
		.source = LC_SRC_FILE,
		.layer = layer,
		.path = esc ? esc : "?",
		.offset = -1,
		.details = details,
		.remediation = "Do not use this image; rebuild it from a trusted source.",
	};
	lc__emit(&em, &f);
	free(esc);
}

/* ---- workers ----------------------------------------------------------------------- */

static lc_code worker_init(worker *w, lc_run *sc)
{
	lc_code rc = LC_OK;
	memset(w, 0, sizeof(*w));
	w->sc = sc;
	w->hash = (lc_hash_offload){&sc->qlock, w, hash_helped, hash_post, hash_retire};
	w->det_workers = calloc(sc->ndet + 1, sizeof(void *));
	if (!w->det_workers)
		return LC_EINTERNAL;
	for (size_t i = 0; i < sc->ndet; i++) {
		const lc_detector *d = lc__detectors[i];
		if (!sc->ctx->det_enabled[i] || !d->worker_new)
			continue;
		rc = d->worker_new(sc->ctx->det_shared[i], &w->det_workers[i]);
		if (rc)
			goto out;
	}
	if (sc->ctx->matcher && !lc__matcher_empty(sc->ctx->matcher))
		rc = lc__matcher_worker_new(sc->ctx->matcher, &w->mw);
out:
	return rc;
}

static void worker_fini(worker *w)
{
	lc_run *sc = w->sc;
	/* Pool workers' diagnostics (a refused buffer, ...) belong in the report too. */
	if (sc->rep) {
		pthread_mutex_lock(&sc->lock);
		lc__diag_move(&sc->rep->warnings, &w->warnings);
		lc__diag_move(&sc->rep->errors, &w->errors);
		pthread_mutex_unlock(&sc->lock);
	}
	if (w->det_workers) {
		for (size_t i = 0; i < sc->ndet; i++)
			if (w->det_workers[i] && lc__detectors[i]->worker_free)
				lc__detectors[i]->worker_free(w->det_workers[i]);
	}
	free(w->det_workers);
	if (w->mw)
		lc__matcher_worker_free(w->mw);
	mem_release(sc, (int64_t)w->bufcap);
	free(w->buf);
	lc__diag_list_free(&w->warnings);
	lc__diag_list_free(&w->errors);
}

/* ---- the layer cache ---------------------------------------------------------------- */

/* Move a record's findings into the report (caller holds sc->lock); what the findings
 * bound refuses stays in cl and is freed with it. */
static void append_cached_findings(lc_run *sc, lc_cache_layer *cl)
{
	lc_report *r = sc->rep;
	for (size_t k = 0; k < cl->nfindings; k++) {
		if ((int64_t)r->nfindings >= lc__limit(sc->ctx, LC_LIM_FINDINGS)) {
			sc->findings_capped = true;
			break;
		}
		if (r->nfindings == r->capfindings) {
			size_t cap = r->capfindings ? r->capfindings * 2 : 64;
			lc_finding *v = realloc(r->findings, cap * sizeof(*v));
			if (!v)
				break;
			r->findings = v;
			r->capfindings = cap;
		}
		r->findings[r->nfindings++] = cl->findings[k];
		memset(&cl->findings[k], 0, sizeof(cl->findings[k]));
	}
}

/* A layer seen before (same verified blob, same fingerprint) is loaded, not walked. */
static bool cache_load_layer(lc_run *sc, size_t i)
{
	lc_cache_layer cl = {0};
	bool hit = false;
	lc_layer_result *res = &sc->results[i];
	if (lc__cache_try_layer(sc->cache, sc->img, i, sc->fingerprint, NULL, &cl, &hit) ||
	    !hit) {
		lc__cache_layer_free(&cl);
		return false;
	}
	pthread_mutex_lock(&sc->lock);
	append_cached_findings(sc, &cl);
	for (size_t k = 0; k < cl.warnings.n; k++)
		lc__diag_add(&sc->rep->warnings, cl.warnings.v[k].code, (int)i, cl.warnings.v[k].path,
			     "%s", cl.warnings.v[k].message);
	pthread_mutex_unlock(&sc->lock);
	for (size_t k = 0; k < cl.ncaptures; k++) {
		lc_entry e = {.path = cl.captures[k].path, .layer = (int)i};
		capture_store(sc, &e, cl.captures[k].data, cl.captures[k].len);
	}
	res->complete = true;
	res->tar_bytes = cl.tar_bytes;
	res->entries = cl.entries;
	res->compression = cl.compression; /* from the blob's magic bytes, as verified */
	res->blob_bytes = cl.blob_bytes;
	if (cl.blob_digest[0])
		snprintf(res->blob_digest, sizeof(res->blob_digest), "%s", cl.blob_digest);
	else if (sc->img->layers[i].digest)
		snprintf(res->blob_digest, sizeof(res->blob_digest), "%s", sc->img->layers[i].digest);
	if (sc->img->layers[i].diff_id)
		snprintf(res->diff_id, sizeof(res->diff_id), "%s", sc->img->layers[i].diff_id);
	sc->from_cache[i] = true;
	sc->layer_rc[i] = LC_OK;
	/* the file records wait until something reads the index (files_load) */
	sc->held[i].nfiles = cl.nfiles;
	sc->held[i].files_raw = cl.files_raw;
	sc->held[i].files_at = cl.files_at;
	sc->held[i].files_len = cl.files_len;
	cl.files_raw = NULL;
	lc__cache_layer_free(&cl);
	return true;
}

/* After the whiteouts are resolved and before image-level hooks add their findings:
 * store each layer that was walked completely, with what it alone produced. */
static void cache_store_layers(lc_run *sc)
{
	for (size_t i = 0; i < sc->img->nlayers; i++) {
		const char *diff_id = sc->img->layers[i].diff_id;
		lc_layer_result *res = &sc->results[i];
		if (sc->from_cache[i] || sc->layer_rc[i] != LC_OK || !res->complete || !diff_id)
			continue;
		if (res->blob_digest[0] && res->diff_id[0])
			lc__cache_blob_record(sc->cache, sc->blob_identified[i] ? &sc->blob_ids[i] : NULL,
					      res->blob_digest, res->diff_id);
		/* A capped report lost findings at random: such a layer is not worth keeping. */
		if (sc->findings_capped)
			continue;
		lc_cache_layer d = {.complete = true, .tar_bytes = res->tar_bytes,
				    .entries = res->entries};
		lc_finding *fv = calloc(sc->rep->nfindings + 1, sizeof(*fv));
		lc_cache_capture *cv = calloc(sc->ncaps + 1, sizeof(*cv));
		if (!fv || !cv) {
			free(fv);
			free(cv);
			return;
		}
		/* Shallow copies: the cache encodes them, nothing is freed here. */
		for (size_t k = 0; k < sc->rep->nfindings; k++)
			if (sc->rep->findings[k].layer == (int)i)
				fv[d.nfindings++] = sc->rep->findings[k];
		for (size_t k = 0; k < sc->ncaps; k++)
			if (sc->caps[k].layer == (int)i)
				cv[d.ncaptures++] = (lc_cache_capture){sc->caps[k].path, sc->caps[k].data,
								      sc->caps[k].len};
		d.findings = fv;
		d.captures = cv;
		for (size_t k = 0; k < sc->rep->warnings.n; k++)
			if (sc->rep->warnings.v[k].layer == (int)i)
				lc__diag_add(&d.warnings, sc->rep->warnings.v[k].code, (int)i,
					     sc->rep->warnings.v[k].path, "%s",
					     sc->rep->warnings.v[k].message);
		if (lc__cache_store(sc->cache, diff_id, sc->fingerprint, sc->idx, (int)i, &d))
			lc__diag_add(&sc->rep->warnings, "cache.store_failed", (int)i, NULL,
				     "layer not cached: %s", lc__cache_errmsg(sc->cache));
		lc__diag_list_free(&d.warnings);
		free(fv);
		free(cv);
	}
}

/* The cache pass (cache_load_layer) and the file records' load (files_load) run one layer
 * at a time on up to nthr threads, this one included: the readers' pattern. */
static void *layer_pass_thread(void *arg)
{
	lc_run *sc = arg;
	for (;;) {
		size_t i = atomic_fetch_add(&sc->next_cached, 1);
		if (i >= sc->img->nlayers)
			break;
		sc->pass_fn(sc, i);
	}
	return NULL;
}

/* Decoding threads of a pass at most (beyond the cores, more only costs). */
#define CACHE_THREADS_MAX 64

static void layer_pass(lc_run *sc, size_t nthr, void (*fn)(lc_run *, size_t))
{
	size_t launched = 0;
	pthread_t th[CACHE_THREADS_MAX];

	sc->pass_fn = fn;
	atomic_store(&sc->next_cached, 0);
	if (nthr > sc->img->nlayers)
		nthr = sc->img->nlayers;
	if (nthr > CACHE_THREADS_MAX)
		nthr = CACHE_THREADS_MAX;
	for (size_t t = 1; t < nthr; t++) {
		if (pthread_create(&th[launched], NULL, layer_pass_thread, sc) != 0)
			break;
		launched++;
	}
	layer_pass_thread(sc);
	for (size_t t = 0; t < launched; t++)
		pthread_join(th[t], NULL);
}

/* The cache pass: every layer the cache has is loaded before anything else, so a scan
 * whose layers are all cached never loads a detector; no detector state is touched. */
static void cache_load(lc_run *sc, size_t i)
{
	lc__clear_error();
	cache_load_layer(sc, i);
}

/* A cached layer's file records into the index (each layer has its own part of it). */
static void files_load(lc_run *sc, size_t i)
{
	if (lc__cache_files_load(sc->ctx, &sc->held[i], sc->idx, (int)i,
				 sc->img->layers[i].diff_id) == LC_OK)
		return;
	pthread_mutex_lock(&sc->lock);
	lc__diag_add(&sc->rep->errors, "cache.load_failed", (int)i, NULL,
		     "out of memory loading the layer's cached file index");
	sc->layer_rc[i] = LC_EINTERNAL;
	pthread_mutex_unlock(&sc->lock);
}

/* Returns how many layers are still to be walked. */
static size_t cache_pass(lc_run *sc, size_t nthr)
{
	size_t left = 0;

	if (sc->cache)
		layer_pass(sc, nthr, cache_load);
	for (size_t i = 0; i < sc->img->nlayers; i++)
		left += !sc->from_cache[i];
	return left;
}

/*
 * The image-level record's key: everything the on_image hooks read besides the index
 * and the captures (which the layers' diff_ids fix): the config (authenticated by its
 * digest), the manifest's layer list, and the names the image goes by. The fingerprint
 * column adds the engine, rules and options. "" when the image cannot be keyed.
 */
static void image_key(lc_run *sc)
{
	const lc_image *img = sc->img;
	lc_cache_fp *fp = NULL;
	char hex[65] = "";

	sc->image_key[0] = 0;
	if (!sc->cache || !img->config_digest || !sc->fingerprint[0])
		goto out;
	fp = lc__cache_fp_new();
	if (!fp)
		goto out;
	lc__cache_fp_add_str(fp, "config", img->config_digest);
	lc__cache_fp_add_str(fp, "manifest", img->manifest_digest);
	lc__cache_fp_add_str(fp, "transport", img->transport);
	lc__cache_fp_add_str(fp, "reference", img->reference);
	lc__cache_fp_add_str(fp, "platform", img->platform);
	lc__cache_fp_add_int(fp, "names", (int64_t)img->names.n);
	for (size_t i = 0; i < img->names.n; i++)
		lc__cache_fp_add_str(fp, "name", img->names.v[i]);
	lc__cache_fp_add_int(fp, "layers", (int64_t)img->nlayers);
	for (size_t i = 0; i < img->nlayers; i++) {
		const lc_layer_desc *L = &img->layers[i];
		if (!L->diff_id)
			goto out; /* nothing verified to key on */
		lc__cache_fp_add_str(fp, "digest", L->digest);
		lc__cache_fp_add_str(fp, "diff_id", L->diff_id);
		lc__cache_fp_add_str(fp, "media_type", L->media_type);
		lc__cache_fp_add_int(fp, "size", L->size);
		lc__cache_fp_add_int(fp, "history", L->history);
	}
	lc__cache_fp_final(fp, hex);
	fp = NULL;
	if (hex[0])
		snprintf(sc->image_key, sizeof(sc->image_key), LC_CACHE_IMAGE_KEY "%s", hex);
out:
	if (fp)
		lc__cache_fp_final(fp, hex);
}

/* Every layer came from the cache: the image-level findings may too. */
static bool image_from_cache(lc_run *sc)
{
	lc_cache_layer cl = {0};
	bool hit = false, ok = false;

	if (!sc->image_key[0] ||
	    lc__cache_lookup(sc->cache, sc->image_key, sc->fingerprint, NULL, -1, &cl, &hit) ||
	    !hit)
		goto out;
	for (size_t k = 0; k < cl.nfindings; k++) {
		lc_finding *f = &cl.findings[k];
		if (f->layer >= (int)sc->img->nlayers)
			goto out; /* not this image's: recompute */
		if (f->layer >= 0 && !(f->layer_diff_id = strdup(sc->img->layers[f->layer].diff_id)))
			goto out;
	}
	for (size_t k = 0; k < cl.warnings.n; k++)
		if (cl.warnings.v[k].layer >= (int)sc->img->nlayers)
			goto out;
	pthread_mutex_lock(&sc->lock);
	append_cached_findings(sc, &cl);
	for (size_t k = 0; k < cl.warnings.n; k++)
		lc__diag_add(&sc->rep->warnings, cl.warnings.v[k].code, cl.warnings.v[k].layer,
			     cl.warnings.v[k].path, "%s", cl.warnings.v[k].message);
	/* the hidden flags as this image's index gave them, for the layers' findings too */
	for (size_t k = 0; k < sc->rep->nfindings; k++) {
		int h = lc__cache_hidden_find(&cl, sc->rep->findings[k].id);
		if (h >= 0)
			sc->rep->findings[k].removed_in = h;
	}
	pthread_mutex_unlock(&sc->lock);
	ok = true;
out:
	lc__cache_layer_free(&cl);
	return ok;
}

/* After the hooks ran on a complete scan: keep what they alone produced (findings from
 * f0, warnings from w0). Evidence is redacted as in layer records (no show-secrets). */
static void image_store(lc_run *sc, size_t f0, size_t w0)
{
	lc_report *r = sc->rep;
	lc_cache_layer d = {.complete = true};

	if (!sc->image_key[0] || sc->findings_capped || sc->mem_exceeded || sc->timed_out)
		return;
	/* Every finding's hidden flag, the layers' too: a rescan then needs no index. */
	for (size_t k = 0; k < r->nfindings; k++)
		d.nhidden += r->findings[k].removed_in >= 0;
	if (d.nhidden && !(d.hidden = calloc(d.nhidden, sizeof(*d.hidden))))
		return;
	d.nhidden = 0;
	for (size_t k = 0; k < r->nfindings; k++) {
		if (r->findings[k].removed_in < 0)
			continue;
		memcpy(d.hidden[d.nhidden].id, r->findings[k].id, sizeof(d.hidden[0].id));
		d.hidden[d.nhidden++].removed_in = r->findings[k].removed_in;
	}
	/* (no arithmetic on a NULL array: an image without findings or warnings has none) */
	d.findings = r->findings ? r->findings + f0 : NULL;
	d.nfindings = r->nfindings - f0;
	/* Shallow: d.warnings borrows the report's entries and is never freed. */
	d.warnings.v = r->warnings.v ? r->warnings.v + w0 : NULL;
	d.warnings.n = r->warnings.n - w0;
	if (lc__cache_store(sc->cache, sc->image_key, sc->fingerprint, NULL, -1, &d))
		lc__diag_add(&r->warnings, "cache.store_failed", -1, NULL,
			     "image-level results not cached: %s", lc__cache_errmsg(sc->cache));
	free(d.hidden);
}

static void scan_layer(worker *w, size_t i)
{
	lc_run *sc = w->sc;
	lc_walk_cb cb = {on_entry, on_suspicious, w, sc->queue_on ? &w->hash : NULL};
	lc_layer_result *res = &sc->results[i];
	lc_code rc;

	if (sc->from_cache[i])
		return; /* settled by cache_pass, before any detector was loaded */
	memset(res, 0, sizeof(*res));
	lc__clear_error();
	if (sc->cache)
		sc->blob_identified[i] = lc__cache_layer_identify(sc->img, i, &sc->blob_ids[i]);
	rc = lc__layer_walk(sc->ctx, sc->img, i, &cb, res, &w->warnings, &w->errors);
	if (sc->queue_on) {
		/* The layer is done when the pool has scanned every file it was handed. */
		pthread_mutex_lock(&sc->qlock);
		while (sc->pending[i] > 0)
			help_or_wait(w);
		if (!rc && sc->layer_rc[i])
			rc = sc->layer_rc[i];
		pthread_mutex_unlock(&sc->qlock);
	}
	for (size_t d = 0; d < sc->ndet; d++) {
		const lc_detector *det = lc__detectors[d];
		if (!sc->ctx->det_enabled[d] || !det->on_layer_end)
			continue;
		lc_emitter em = {sc, det, NULL};
		lc_code r2 = det->on_layer_end(sc->ctx->det_shared[d], w->det_workers[d], &em, (int)i);
		if (r2 && !rc)
			rc = r2;
	}
	if (rc == LC_EINCOMPLETE && sc->timed_out)
		lc__diag_add(&w->errors, "scan.timeout", (int)i, NULL,
			     "the time bound (--timeout) ended the scan inside this layer");
	else if (rc && w->errors.n == 0)
		/* Every failed layer says why in the report, even when only a bound or a
		 * detector stopped it. */
		lc__diag_add(&w->errors, rc == LC_EINCOMPLETE ? "layer.incomplete" : "layer.failed",
			     (int)i, NULL, "layer %zu was not scanned completely (%s)", i,
			     lc__last_error(sc->ctx)[0] ? lc__last_error(sc->ctx) : "stopped");
	sc->layer_rc[i] = rc;
	pthread_mutex_lock(&sc->lock);
	lc__diag_move(&sc->rep->warnings, &w->warnings);
	lc__diag_move(&sc->rep->errors, &w->errors);
	pthread_mutex_unlock(&sc->lock);
}

static void *reader_thread(void *arg)
{
	worker *w = arg;
	lc_run *sc = w->sc;
	for (;;) {
		size_t i = atomic_fetch_add(&sc->next_layer, 1);
		if (i >= sc->img->nlayers)
			break;
		if (sc->from_cache[i])
			continue;
		if (atomic_load(&sc->stop)) {
			sc->layer_rc[i] = LC_EINCOMPLETE;
			pthread_mutex_lock(&sc->lock);
			lc__diag_add(&sc->rep->errors, "scan.not_scanned", (int)i, NULL,
				     "layer not scanned: a bound ended the scan earlier");
			pthread_mutex_unlock(&sc->lock);
			continue;
		}
		scan_layer(w, i);
	}
	/* No layer left: close the queue if this was the last reader, then help the readers
	 * still at work with their files. */
	pthread_mutex_lock(&sc->qlock);
	if (sc->readers_active > 0 && --sc->readers_active == 0) {
		sc->qclosed = true;
		pthread_cond_broadcast(&sc->qitems);
	}
	pthread_mutex_unlock(&sc->qlock);
	if (sc->queue_on)
		pool_thread(w);
	return NULL;
}

/* ---- report assembly --------------------------------------------------------------- */

static json_t *jstr(const char *s)
{
	if (!s)
		return json_null();
	char *e = lc__escape(s, strlen(s));
	json_t *j = json_string(e ? e : "");
	free(e);
	return j;
}

static json_t *jstrv(char **v)
{
	if (!v)
		return json_null();
	json_t *a = json_array();
	for (size_t i = 0; v[i]; i++)
		json_array_append_new(a, jstr(v[i]));
	return a;
}

/* A config string a secret was found in ("config.Env[3]", "history[5]", ...) is not
 * repeated in clear in the image summary: redacted everywhere, as the finding is. */
static bool secret_at(const lc_run *sc, const char *path)
{
	if (sc->ctx->show_secrets || !sc->rep)
		return false;
	for (size_t i = 0; i < sc->rep->nfindings; i++) {
		const lc_finding *f = &sc->rep->findings[i];
		if (f->source != LC_SRC_FILE && f->path && strcmp(f->path, path) == 0 &&
		    (strcmp(f->detector, "secrets") == 0 || strcmp(f->detector, "credentials") == 0))
			return true;
	}
	return false;
}

/* What stands for a config string or history step that holds a secret, wherever the
 * report would quote it. */
#define REDACTED_QUOTE "<redacted: holds a secret; see findings or --show-secrets>"

static json_t *jsecret(const lc_run *sc, const char *path, const char *s)
{
	if (s && secret_at(sc, path))
		return json_string(REDACTED_QUOTE);
	return jstr(s);
}

/* Does the config string at `path` hold a secret another finding reports? "config.Env"
 * (how ioc and miner name the place) covers "config.Env[3]" (how secrets names it). */
static bool holds_secret(const lc_run *sc, const char *path)
{
	size_t n = strlen(path);
	if (sc->ctx->show_secrets || !sc->rep)
		return false;
	for (size_t i = 0; i < sc->rep->nfindings; i++) {
		const lc_finding *f = &sc->rep->findings[i];
		if (f->source != LC_SRC_FILE && f->path && strncmp(f->path, path, n) == 0 &&
		    (f->path[n] == '\0' || f->path[n] == '[') &&
		    (strcmp(f->detector, "secrets") == 0 || strcmp(f->detector, "credentials") == 0))
			return true;
	}
	return false;
}

/*
 * Other detectors quote config strings and history steps too: the evidence of a finding
 * about one (config, ioc, miner), and details.created_by, the step that added a file.
 * When that string holds a secret, the quote is redacted as the image summary is. Runs
 * on the findings from `from` on, before the image-level record is stored.
 */
static void redact_quotes(lc_run *sc, size_t from)
{
	if (sc->ctx->show_secrets)
		return;
	for (size_t i = from; i < sc->rep->nfindings; i++) {
		lc_finding *f = &sc->rep->findings[i];
		const char *cb = json_string_value(json_object_get(f->details, "created_by"));
		if (strcmp(f->detector, "secrets") == 0 || strcmp(f->detector, "credentials") == 0)
			continue;
		if (f->source != LC_SRC_FILE && f->path && f->evidence && holds_secret(sc, f->path)) {
			char *e = strdup(REDACTED_QUOTE);
			if (e) {
				free(f->evidence);
				f->evidence = e;
			}
		}
		for (size_t h = 0; cb && h < sc->img->nhistory; h++) {
			char hp[48];
			if (!sc->img->history[h].created_by || strcmp(sc->img->history[h].created_by, cb))
				continue;
			snprintf(hp, sizeof(hp), "history[%zu]", h);
			if (secret_at(sc, hp)) {
				json_object_set_new(f->details, "created_by", json_string(REDACTED_QUOTE));
				break;
			}
		}
	}
}

static json_t *jstrv_secret(const lc_run *sc, const char *key, char **v)
{
	if (!v)
		return json_null();
	json_t *a = json_array();
	for (size_t i = 0; v[i]; i++) {
		char path[64];
		snprintf(path, sizeof(path), "config.%s[%zu]", key, i);
		const char *eq = strcmp(key, "Env") == 0 ? strchr(v[i], '=') : NULL;
		if (eq && secret_at(sc, path)) {
			/* keep the variable's name: it says what leaked */
			char *name = strndup(v[i], (size_t)(eq - v[i]));
			char *en = name ? lc__escape(name, strlen(name)) : NULL;
			json_array_append_new(a, json_sprintf("%s=<redacted: holds a secret>",
							      en ? en : "?"));
			free(en);
			free(name);
			continue;
		}
		json_array_append_new(a, jsecret(sc, path, v[i]));
	}
	return a;
}

static json_t *labels_json(const lc_run *sc, json_t *labels)
{
	json_t *o = lc__json_escape(labels);
	const char *k;
	json_t *v;
	if (!o || !json_is_object(labels))
		return o ? o : json_null();
	json_object_foreach(labels, k, v) {
		char path[160];
		snprintf(path, sizeof(path), "config.Labels[%.100s]", k);
		if (!secret_at(sc, path))
			continue;
		char *ek = lc__escape(k, strlen(k));
		if (ek)
			json_object_set_new(o, ek, jsecret(sc, path, "x"));
		free(ek);
	}
	return o;
}

/*
 * inspect runs no detector, but its image summary still must not print a secret from
 * ENV, labels or history in clear: the secrets detector judges those strings (no layer
 * content) and its findings only steer the redaction. Returns how many it added.
 */
static size_t redaction_pass(lc_run *sc)
{
	size_t n0 = sc->rep->nfindings, i = lc__detector_index("secrets");
	lc_ctx *ctx = sc->ctx;
	void *shared = NULL;
	if (i == (size_t)-1 || ctx->show_secrets || !lc__detectors[i]->on_image)
		return 0;
	const lc_detector *d = lc__detectors[i];
	if (d->load && d->load(ctx, &shared) != LC_OK) {
		lc__diag_add(&sc->rep->warnings, "inspect.redaction_unavailable", -1, NULL,
			     "config strings are shown as they are: %s", ctx->errmsg);
		goto out;
	}
	lc_view v = {sc->img, sc->idx, sc};
	lc_emitter em = {sc, d, NULL};
	d->on_image(shared, &em, &v);
out:
	if (shared && d->unload)
		d->unload(shared);
	if (ctx->matcher) {
		lc__matcher_free(ctx->matcher); /* registered but never compiled: drop it */
		ctx->matcher = NULL;
	}
	return sc->rep->nfindings - n0;
}

static json_t *image_json(lc_run *sc)
{
	lc_image *img = sc->img;
	const lc_config *c = &img->config;
	json_t *o = json_object();
	json_object_set_new(o, "reference", jstr(img->reference));
	json_object_set_new(o, "transport", jstr(img->transport));
	json_object_set_new(o, "manifest_digest", jstr(img->manifest_digest));
	json_object_set_new(o, "config_digest", jstr(img->config_digest));
	json_object_set_new(o, "platform", jstr(img->platform));
	json_t *names = json_array();
	for (size_t i = 0; i < img->names.n; i++)
		json_array_append_new(names, jstr(img->names.v[i]));
	json_object_set_new(o, "names", names);

	json_t *layers = json_array();
	for (size_t i = 0; i < img->nlayers; i++) {
		const lc_layer_desc *L = &img->layers[i];
		const lc_layer_result *R = sc->results ? &sc->results[i] : NULL;
		json_t *l = json_object();
		json_object_set_new(l, "index", json_integer((json_int_t)i));
		json_object_set_new(l, "digest", jstr(L->digest ? L->digest
						      : (R && R->blob_digest[0] ? R->blob_digest : NULL)));
		json_object_set_new(l, "diff_id", jstr(L->diff_id ? L->diff_id
						       : (R && R->diff_id[0] ? R->diff_id : NULL)));
		json_object_set_new(l, "media_type", jstr(L->media_type));
		json_object_set_new(l, "compression", jstr(R ? R->compression : NULL));
		json_object_set_new(l, "size", L->size >= 0 ? json_integer(L->size)
						: (R ? json_integer(R->blob_bytes) : json_null()));
		json_object_set_new(l, "uncompressed_size", R ? json_integer(R->tar_bytes) : json_null());
		const char *cb = NULL;
		if (L->history >= 0 && (size_t)L->history < img->nhistory)
			cb = img->history[L->history].created_by;
		char hp[32];
		snprintf(hp, sizeof(hp), "history[%d]", L->history);
		json_object_set_new(l, "created_by", jsecret(sc, hp, cb));
		/* a cached layer's count is its record's, whether they entered the index or not */
		json_t *nf = json_null();
		if (sc->held && sc->from_cache && sc->from_cache[i])
			nf = json_integer((json_int_t)sc->held[i].nfiles);
		else if (sc->idx)
			nf = json_integer((json_int_t)lc__fileidx_layer_count(sc->idx, (int)i));
		json_object_set_new(l, "files", nf);
		json_object_set_new(l, "complete", json_boolean(R && R->complete));
		json_object_set_new(l, "cached", json_boolean(sc->from_cache && sc->from_cache[i]));
		json_array_append_new(layers, l);
	}
	json_object_set_new(o, "layers", layers);

	json_t *cfg = json_object();
	json_object_set_new(cfg, "os", jstr(c->os));
	json_object_set_new(cfg, "architecture", jstr(c->architecture));
	json_object_set_new(cfg, "user", jstr(c->user));
	json_object_set_new(cfg, "working_dir", jstr(c->working_dir));
	json_object_set_new(cfg, "entrypoint", jstrv_secret(sc, "Entrypoint", c->entrypoint));
	json_object_set_new(cfg, "cmd", jstrv_secret(sc, "Cmd", c->cmd));
	json_object_set_new(cfg, "env", jstrv_secret(sc, "Env", c->env));
	json_object_set_new(cfg, "exposed_ports", jstrv(c->exposed_ports));
	json_object_set_new(cfg, "labels", c->labels ? labels_json(sc, c->labels) : json_null());
	json_object_set_new(o, "config", cfg);

	json_t *hist = json_array();
	for (size_t i = 0; i < img->nhistory; i++) {
		json_t *h = json_object();
		json_object_set_new(h, "created", jstr(img->history[i].created));
		char hp[32];
		snprintf(hp, sizeof(hp), "history[%zu]", i);
		json_object_set_new(h, "created_by", jsecret(sc, hp, img->history[i].created_by));
		json_object_set_new(h, "empty_layer", json_boolean(img->history[i].empty_layer));
		json_array_append_new(hist, h);
	}
	json_object_set_new(o, "history", hist);
	return o;
}

static lc_report *report_new(lc_ctx *ctx)
{
	lc_report *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->magic = LC_MAGIC_REPORT;
	r->ctx = ctx;
	r->complete = true;
	return r;
}

/* Errors: integrity wins (someone tampered), then internal, unreadable, incomplete. */
static lc_code worse(lc_code a, lc_code b)
{
	static const int rank[] = {[LC_OK] = 0, [LC_FINDINGS] = 0, [LC_EUSAGE] = 1,
				   [LC_EINCOMPLETE] = 2, [LC_EIMAGE] = 3, [LC_EINTERNAL] = 4,
				   [LC_EINTEGRITY] = 5};
	if ((unsigned)a > LC_EINCOMPLETE || (unsigned)b > LC_EINCOMPLETE)
		return a ? a : b;
	return rank[b] > rank[a] ? b : a;
}

static int cpu_count(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (int)n : 1;
}

lc_code lc_scan(lc_ctx *ctx, lc_image *img, unsigned flags, lc_report **out)
{
	lc_code rc = LC_OK;
	lc_run sc = {0};
	worker *workers = NULL;
	pthread_t *threads = NULL;
	size_t nthreads = 0, nextra = 0;

	if (!ctx || ctx->magic != LC_MAGIC_CTX || !img || img->magic != LC_MAGIC_IMAGE || !out)
		return LC_EUSAGE;
	*out = NULL;
	sc.ctx = ctx;
	sc.img = img;
	sc.flags = flags;
	sc.ndet = lc_detector_count();
	pthread_mutex_init(&sc.lock, NULL);
	sc.rep = report_new(ctx);
	if (!sc.rep)
		return lc__fail(ctx, LC_EINTERNAL, "out of memory");
	if (ctx->timeout_ms > 0)
		sc.deadline_ms = now_ms() + ctx->timeout_ms;
	sc.mem_budget = ctx->max_memory;
	pthread_mutex_init(&sc.qlock, NULL);
	pthread_cond_init(&sc.qitems, NULL);
	pthread_cond_init(&sc.qspace, NULL);
	if (sc.ndet > LC_MAX_DETECTORS) {
		rc = lc__fail(ctx, LC_EINTERNAL, "too many detectors in the table");
		goto fatal;
	}

	if (flags & LC_SCAN_NO_DETECTORS) {
		/* inspect: no detector runs, but the table must exist for dispatch */
		if (!ctx->det_enabled) {
			ctx->det_enabled = calloc(sc.ndet + 1, sizeof(bool));
			ctx->det_shared = calloc(sc.ndet + 1, sizeof(void *));
			if (!ctx->det_enabled || !ctx->det_shared) {
				rc = lc__fail(ctx, LC_EINTERNAL, "out of memory");
				goto fatal;
			}
		} else {
			lc__ctx_unload(ctx);
			ctx->det_enabled = calloc(sc.ndet + 1, sizeof(bool));
			ctx->det_shared = calloc(sc.ndet + 1, sizeof(void *));
			if (!ctx->det_enabled || !ctx->det_shared) {
				rc = lc__fail(ctx, LC_EINTERNAL, "out of memory");
				goto fatal;
			}
		}
	} else {
		/* Only which detectors run: loading them waits until something needs them. */
		rc = lc__ctx_select(ctx);
		if (rc)
			goto fatal;
	}
	/* The names of what ran, and the union of the paths they want captured. */
	sc.rep->scanners = calloc(sc.ndet + 1, sizeof(char *));
	sc.capture_paths = calloc(256, sizeof(char *));
	if (!sc.rep->scanners || !sc.capture_paths) {
		rc = lc__fail(ctx, LC_EINTERNAL, "out of memory");
		goto fatal;
	}
	for (size_t i = 0, k = 0; i < sc.ndet; i++) {
		if (!ctx->det_enabled[i])
			continue;
		sc.rep->scanners[k++] = strdup(lc__detectors[i]->name);
		for (size_t j = 0; lc__detectors[i]->capture && lc__detectors[i]->capture[j]; j++)
			if (sc.ncapture_paths < 255)
				sc.capture_paths[sc.ncapture_paths++] = lc__detectors[i]->capture[j];
	}

	if (globs_compile(&sc) != LC_OK) {
		rc = lc__fail(ctx, LC_EINTERNAL, "out of memory");
		goto fatal;
	}

	sc.idx = lc__fileidx_new(img->nlayers);
	sc.results = calloc(img->nlayers + 1, sizeof(*sc.results));
	sc.layer_rc = calloc(img->nlayers + 1, sizeof(*sc.layer_rc));
	sc.from_cache = calloc(img->nlayers + 1, sizeof(*sc.from_cache));
	sc.held = calloc(img->nlayers + 1, sizeof(*sc.held));
	sc.blob_ids = calloc(img->nlayers + 1, sizeof(*sc.blob_ids));
	sc.blob_identified = calloc(img->nlayers + 1, sizeof(*sc.blob_identified));
	if (!sc.idx || !sc.results || !sc.layer_rc || !sc.from_cache || !sc.held || !sc.blob_ids ||
	    !sc.blob_identified) {
		rc = lc__fail(ctx, LC_EINTERNAL, "out of memory");
		goto fatal;
	}

	/* Evidence shown in clear must never reach the cache; rootfs has no diff_ids. */
	if (!ctx->no_cache && !ctx->show_secrets && !(img->transport && strcmp(img->transport, "rootfs") == 0)) {
		if (lc__cache_fingerprint(ctx, sc.fingerprint) != LC_OK ||
		    lc__cache_open(ctx, &sc.cache) != LC_OK) {
			lc__diag_add(&sc.rep->warnings, "cache.unavailable", -1, NULL,
				     "scanning without the layer cache: %s", ctx->errmsg);
			ctx->errmsg[0] = 0;
			sc.cache = NULL;
		}
	}

	/* One reader thread per layer, up to --parallel (gzip streams cannot be split); with
	 * two or more threads, small files go to a pool of --parallel scanners, so a single
	 * large layer is scanned in parallel too. Findings do not depend on either number. */
	size_t nthr = ctx->parallel > 0 ? (size_t)ctx->parallel : (size_t)cpu_count();
	/* Cached layers first. When all are, and the image-level results too, no detector
	 * is loaded and no worker started: a warm rescan only stats blobs and reads rows. */
	size_t to_walk = cache_pass(&sc, nthr);
	bool image_cached = false;
	if (!(flags & LC_SCAN_NO_DETECTORS)) {
		image_key(&sc);
		image_cached = to_walk == 0 && image_from_cache(&sc);
		if (!image_cached) {
			rc = lc__ctx_load(ctx);
			if (rc)
				goto fatal;
		}
	}
	/* The cached layers' file records enter the index only for a reader of it: the
	 * image-level hooks (none run without detectors: inspect), or a caller that keeps
	 * it. A warm rescan decodes none. */
	bool index_read = (!image_cached && !(flags & LC_SCAN_NO_DETECTORS)) ||
			  (flags & LC_SCAN_FILE_INDEX);
	if (index_read && sc.cache && to_walk < img->nlayers)
		layer_pass(&sc, nthr, files_load);
	/* nthr threads in all: one per layer while there are layers, the rest (and every
	 * reader out of layers) scan the files the readers queue */
	nthreads = nthr < to_walk ? nthr : to_walk;
	nextra = nthr >= 2 && to_walk ? nthr - nthreads : 0;
	/* with two threads or more, files may be queued (once some thread helps) */
	sc.queue_on = nthr >= 2 && to_walk;
	sc.readers_active = nthreads;
	workers = calloc(nthreads + nextra + 1, sizeof(*workers));
	threads = calloc(nthreads + nextra + 1, sizeof(*threads));
	sc.pending = calloc(img->nlayers + 1, sizeof(*sc.pending));
	if (!workers || !threads || !sc.pending) {
		rc = lc__fail(ctx, LC_EINTERNAL, "out of memory");
		goto fatal;
	}
	size_t started = 0;
	for (size_t t = 0; t < nthreads + nextra; t++) {
		rc = worker_init(&workers[t], &sc);
		started++;
		if (rc)
			goto join;
	}
	sc.readers = workers;
	sc.nreaders = nthreads;
	size_t nextra_run = 0;
	for (size_t t = 0; t < nextra; t++) {
		if (pthread_create(&threads[nthreads + t], NULL, pool_thread, &workers[nthreads + t]))
			break;
		nextra_run++;
	}
	if (nthreads == 0) {
		/* every layer came from the cache */
	} else if (nthreads == 1) {
		reader_thread(&workers[0]);
	} else {
		size_t launched = 0;
		for (size_t t = 0; t < nthreads; t++) {
			if (pthread_create(&threads[t], NULL, reader_thread, &workers[t]) != 0)
				break;
			launched++;
		}
		/* readers that did not start never close the queue: count them out */
		pthread_mutex_lock(&sc.qlock);
		sc.readers_active -= nthreads - (launched ? launched : 1);
		pthread_mutex_unlock(&sc.qlock);
		if (launched == 0)
			reader_thread(&workers[0]);
		for (size_t t = 0; t < launched; t++)
			pthread_join(threads[t], NULL);
	}
	pthread_mutex_lock(&sc.qlock);
	sc.qclosed = true;
	pthread_cond_broadcast(&sc.qitems);
	pthread_mutex_unlock(&sc.qlock);
	for (size_t t = 0; t < nextra_run; t++)
		pthread_join(threads[nthreads + t], NULL);
join:
	if (rc) {
		for (size_t t = 0; t < started; t++)
			worker_fini(&workers[t]);
		goto fatal;
	}

	for (size_t i = 0; i < img->nlayers; i++) {
		if (sc.layer_rc[i] != LC_OK) {
			rc = worse(rc, sc.layer_rc[i]);
			sc.rep->complete = false;
		}
	}
	if (sc.mem_exceeded)
		rc = worse(rc, LC_EINCOMPLETE);
	if (sc.findings_capped)
		lc__diag_add(&sc.rep->warnings, "report.findings_capped", -1, NULL,
			     "more than %lld findings; the rest were dropped (limit findings)",
			     (long long)lc__limit(ctx, LC_LIM_FINDINGS));

	lc__fileidx_resolve(sc.idx);
	if (sc.cache)
		cache_store_layers(&sc);

	/* Image-level hooks: config, history, names, and the merged view; from the cache
	 * when every layer and the image were seen under this fingerprint. */
	if (!image_cached) {
		size_t f0 = sc.rep->nfindings, w0 = sc.rep->warnings.n, e0 = sc.rep->errors.n;
		lc_view v = {img, sc.idx, &sc};
		for (size_t i = 0; i < sc.ndet; i++) {
			const lc_detector *d = lc__detectors[i];
			if (!ctx->det_enabled[i] || !d->on_image)
				continue;
			lc_emitter em = {&sc, d, NULL};
			lc_code r2 = d->on_image(ctx->det_shared[i], &em, &v);
			if (r2) {
				lc__diag_add(&sc.rep->errors, "detector.failed", -1, NULL,
					     "detector %s failed on the image config (%d)", d->name, r2);
				rc = worse(rc, r2);
			}
		}
		redact_quotes(&sc, f0);
		hidden_flags(&sc);
		if (sc.cache && !(flags & LC_SCAN_NO_DETECTORS) && rc == LC_OK &&
		    sc.rep->errors.n == e0 && sc.rep->complete)
			image_store(&sc, f0, w0);
	}
	for (size_t t = 0; t < started; t++)
		worker_fini(&workers[t]);

	findings_finish(&sc);
	/* Warnings found while opening the image come first. */
	{
		lc_diag_list w = {0};
		for (size_t i = 0; i < img->warnings.n; i++)
			lc__diag_add(&w, img->warnings.v[i].code, img->warnings.v[i].layer,
				     img->warnings.v[i].path, "%s", img->warnings.v[i].message);
		lc__diag_move(&w, &sc.rep->warnings);
		sc.rep->warnings = w;
	}
	if (flags & LC_SCAN_NO_DETECTORS) {
		size_t keep = sc.rep->nfindings, added = redaction_pass(&sc);
		sc.rep->image = image_json(&sc);
		for (size_t k = keep; k < keep + added; k++)
			lc__finding_release(&sc.rep->findings[k]);
		sc.rep->nfindings = keep;
	} else {
		sc.rep->image = image_json(&sc);
	}
	sc.rep->code = rc;
	if (rc)
		sc.rep->complete = false;
	if (flags & LC_SCAN_FILE_INDEX) {
		sc.rep->files = sc.idx;
		sc.idx = NULL;
	}
	*out = sc.rep;
	sc.rep = NULL;
	goto out;

fatal:
	if (sc.rep) {
		sc.rep->code = rc;
		sc.rep->complete = false;
		lc__diag_add(&sc.rep->errors, rc == LC_EUSAGE ? "scan.usage" : "scan.failed", -1, NULL,
			     "%s", ctx->errmsg[0] ? ctx->errmsg : "scan failed");
		sc.rep->image = image_json(&sc);
		*out = sc.rep;
		sc.rep = NULL;
	}
out:
	for (size_t i = 0; i < sc.ncaps; i++) {
		free(sc.caps[i].path);
		free(sc.caps[i].data);
	}
	free(sc.caps);
	free(sc.capture_paths);
	free(sc.globs);
	free(sc.results);
	free(sc.layer_rc);
	free(sc.pending);
	free(sc.from_cache);
	for (size_t i = 0; sc.held && i < img->nlayers; i++)
		lc__cache_layer_free(&sc.held[i]);
	free(sc.held);
	free(sc.blob_ids);
	free(sc.blob_identified);
	lc__cache_close(sc.cache);
	pthread_cond_destroy(&sc.qitems);
	pthread_cond_destroy(&sc.qspace);
	pthread_mutex_destroy(&sc.qlock);
	free(workers);
	free(threads);
	if (sc.idx)
		lc__fileidx_free(sc.idx);
	pthread_mutex_destroy(&sc.lock);
	return rc;
}
