/*
 * hs_matcher.c - the shared single-pass matcher: every content detector's expressions in
 * one Hyperscan streaming database, each regular file streamed through it once, matches
 * handed back to the owning detector with a window of bytes around the match end.
 * See docs/internals/MATCHER.md.
 */
#include "lc_private.h"
#include "match/hs_matcher_int.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A chunk larger than this is fed in slices, so the window buffer stays bounded. */
#define MATCHER_SLICE (1u << 20)
/* Matches waiting for their `after` bytes; beyond it they go out with a short window. */
#define MATCHER_MAX_PENDING 65536u
/* How much of the first chunk decides "binary". */
#define MATCHER_BINARY_PROBE 8192u
#define MATCHER_WORKER_MAGIC 0x6c636d7701u

typedef struct pending {
	unsigned pat;
	int64_t end;
} pending;

struct lc_matcher_worker {
	uint64_t magic;
	lc_matcher *m;
	hs_scratch_t *scratch;
	hs_stream_t *stream;
	const hs_database_t *db;
	const lc_entry *e;
	bool in_file, binary, binary_given, decided, dead;
	/* window buffer: file bytes [buf_off, buf_off + len) */
	uint8_t *buf;
	size_t len, cap;
	int64_t buf_off;
	int64_t fed; /* bytes of the file fed so far (= buf_off + len) */
	pending *pend;
	size_t npend, cappend;
	/* LC_M_RUN: end of the last match of each run pattern in this file */
	int64_t run_last[LC_MATCHER_MAX_RUNS];
	/* newline count of bytes before nl_off (nl_off >= buf_off after a trim) */
	int64_t nl_off, nl_count;
	/* per-delivery context */
	lc_run *sc;
	void **det_workers;
	lc_code err;
};

/* lc_match as delivered, with the way back to the worker for lc__match_line. */
typedef struct match_ex {
	lc_match pub;
	uint64_t magic;
	lc_matcher_worker *w;
} match_ex;

lc_matcher *lc__matcher_get(lc_ctx *ctx)
{
	lc_matcher *m = NULL;
	if (!ctx)
		return NULL;
	pthread_mutex_lock(&ctx->lock);
	if (!ctx->matcher) {
		ctx->matcher = calloc(1, sizeof(*ctx->matcher));
		if (ctx->matcher)
			pthread_mutex_init(&ctx->matcher->lock, NULL);
	}
	m = ctx->matcher;
	pthread_mutex_unlock(&ctx->lock);
	return m;
}

static size_t owner_index(const lc_detector *owner)
{
	for (size_t i = 0; lc__detectors[i]; i++)
		if (lc__detectors[i] == owner)
			return i;
	return (size_t)-1;
}

lc_code lc__matcher_add(lc_matcher *m, const lc_detector *owner, lc_match_fn fn, unsigned rule,
			const char *expr, unsigned flags, size_t before, size_t after)
{
	lc_code rc = LC_OK;
	if (!m || !fn || !expr || !*expr)
		return LC_EINTERNAL;
	/* a window wider than this would make every worker hold megabytes per file */
	if (before > LC_MATCHER_MAX_WINDOW)
		before = LC_MATCHER_MAX_WINDOW;
	if (after > LC_MATCHER_MAX_WINDOW)
		after = LC_MATCHER_MAX_WINDOW;
	pthread_mutex_lock(&m->lock);
	if (m->compiled) {
		rc = LC_EINTERNAL; /* patterns are frozen once the database exists */
		goto out;
	}
	if (m->npats == m->cappats) {
		size_t nc = m->cappats ? m->cappats * 2 : 256;
		if (nc > LC_MATCHER_MAX_PATTERNS) {
			rc = LC_EINTERNAL;
			goto out;
		}
		lc_mpat *np = realloc(m->pats, nc * sizeof(*np));
		if (!np) {
			rc = LC_EINTERNAL;
			goto out;
		}
		m->pats = np;
		m->cappats = nc;
	}
	lc_mpat *p = &m->pats[m->npats];
	memset(p, 0, sizeof(*p));
	p->expr = strdup(expr);
	if (!p->expr) {
		rc = LC_EINTERNAL;
		goto out;
	}
	if (flags & LC_M_RUN) {
		if (m->nruns >= LC_MATCHER_MAX_RUNS) {
			free(p->expr);
			rc = LC_EINTERNAL;
			goto out;
		}
		p->run_slot = m->nruns++;
	}
	p->owner = owner;
	p->det_index = owner_index(owner);
	p->fn = fn;
	p->rule = rule;
	p->flags = flags;
	p->before = before;
	p->after = after;
	if (before > m->max_before)
		m->max_before = before;
	if (after > m->max_after)
		m->max_after = after;
	m->npats++;
out:
	pthread_mutex_unlock(&m->lock);
	return rc;
}

bool lc__matcher_empty(const lc_matcher *m)
{
	return !m || m->npats == 0;
}

void lc__matcher_free(lc_matcher *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->npats; i++)
		free(m->pats[i].expr);
	free(m->pats);
	lc__matcher_db_free(m->db_all, m->db_ours);
	lc__matcher_db_free(m->db_bin, m->db_ours);
	if (m->proto_scratch)
		hs_free_scratch(m->proto_scratch);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

void lc__matcher_stats(const lc_matcher *m, lc_matcher_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (!m)
		return;
	out->patterns = m->npats;
	out->from_cache = m->from_cache;
	out->compile_ms = m->compile_ms;
	snprintf(out->cache_path, sizeof(out->cache_path), "%s", m->cache_path);
}

bool lc__matcher_is_binary(const uint8_t *buf, size_t len)
{
	if (len > MATCHER_BINARY_PROBE)
		len = MATCHER_BINARY_PROBE;
	return buf && len && memchr(buf, 0, len) != NULL;
}

/* ---- compile ---------------------------------------------------------------------- */

/* Hyperscan wants a regex: a literal is escaped byte by byte (\xNN for anything not
 * alphanumeric, so no metacharacter survives, and a NUL byte can be named). */
static char *literal_to_regex(const uint8_t *lit, size_t n)
{
	static const char hx[] = "0123456789abcdef";
	char *out = malloc(n * 4 + 1);
	char *o = out;
	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		uint8_t ch = lit[i];
		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')) {
			*o++ = (char)ch;
		} else {
			*o++ = '\\';
			*o++ = 'x';
			*o++ = hx[ch >> 4];
			*o++ = hx[ch & 15];
		}
	}
	*o = 0;
	return out;
}

lc_code lc__matcher_add_bytes(lc_matcher *m, const lc_detector *owner, lc_match_fn fn,
			      unsigned rule, const uint8_t *lit, size_t len, unsigned flags,
			      size_t before, size_t after)
{
	lc_code rc = LC_EINTERNAL;
	char *expr = len ? literal_to_regex(lit, len) : NULL;
	if (expr)
		rc = lc__matcher_add(m, owner, fn, rule, expr, flags & ~LC_M_LITERAL, before, after);
	free(expr);
	return rc;
}

static unsigned hs_flags_of(unsigned f)
{
	unsigned h = 0;
	if (f & LC_M_CASELESS)
		h |= HS_FLAG_CASELESS;
	if (f & LC_M_DOTALL)
		h |= HS_FLAG_DOTALL;
	if (f & LC_M_MULTILINE)
		h |= HS_FLAG_MULTILINE;
	if (f & LC_M_ONCE)
		h |= HS_FLAG_SINGLEMATCH;
	return h;
}

/* Build one streaming database of the patterns selected by `binary` (true: only those
 * without LC_M_TEXT_ONLY). An expression Hyperscan cannot take as is gets a second try in
 * prefilter mode (a superset; owners confirm every match anyway). */
static lc_code build_db(lc_matcher *m, lc_ctx *ctx, bool binary, hs_database_t **out)
{
	lc_code rc = LC_OK;
	size_t n = 0;
	const char **exprs = calloc(m->npats + 1, sizeof(*exprs));
	char **owned = calloc(m->npats + 1, sizeof(*owned));
	unsigned *flags = calloc(m->npats + 1, sizeof(*flags));
	unsigned *ids = calloc(m->npats + 1, sizeof(*ids));
	hs_compile_error_t *cerr = NULL;
	*out = NULL;
	if (!exprs || !owned || !flags || !ids) {
		rc = lc__fail(ctx, LC_EINTERNAL, "out of memory building the matcher");
		goto out;
	}
	for (size_t i = 0; i < m->npats; i++) {
		const lc_mpat *p = &m->pats[i];
		if (binary && (p->flags & LC_M_TEXT_ONLY))
			continue;
		if (p->flags & LC_M_LITERAL) {
			owned[n] = literal_to_regex((const uint8_t *)p->expr, strlen(p->expr));
			if (!owned[n]) {
				rc = lc__fail(ctx, LC_EINTERNAL, "out of memory building the matcher");
				goto out;
			}
			exprs[n] = owned[n];
		} else {
			exprs[n] = p->expr;
		}
		flags[n] = hs_flags_of(p->flags) | (m->pats[i].prefilter ? HS_FLAG_PREFILTER : 0);
		/* a cheap parse first: an expression Hyperscan cannot take as is goes in as a
		 * prefilter now, rather than costing a whole failed compile below */
		if (!(flags[n] & HS_FLAG_PREFILTER)) {
			hs_expr_info_t *info = NULL;
			hs_compile_error_t *ie = NULL;
			if (hs_expression_info(exprs[n], flags[n], &info, &ie) != HS_SUCCESS) {
				flags[n] |= HS_FLAG_PREFILTER;
				m->pats[i].prefilter = true;
			}
			free(info); /* allocated with the default allocator */
			if (ie)
				hs_free_compile_error(ie);
		}
		ids[n] = (unsigned)i;
		n++;
	}
	if (n == 0)
		goto out;
	for (int attempt = 0; attempt < 64; attempt++) {
		if (hs_compile_multi(exprs, flags, ids, (unsigned)n, HS_MODE_STREAM, NULL, out, &cerr) ==
		    HS_SUCCESS)
			goto out;
		int bad = cerr ? cerr->expression : -1;
		if (bad < 0 || (size_t)bad >= n || (flags[bad] & HS_FLAG_PREFILTER)) {
			const lc_mpat *p = bad >= 0 && (size_t)bad < n ? &m->pats[ids[bad]] : NULL;
			rc = lc__fail(ctx, LC_EUSAGE, "matcher: cannot compile pattern %s of %s: %s",
				      p ? p->expr : "?", p && p->owner ? p->owner->name : "?",
				      cerr ? cerr->message : "unknown error");
			goto out;
		}
		flags[bad] |= HS_FLAG_PREFILTER;
		m->pats[ids[bad]].prefilter = true;
		hs_free_compile_error(cerr);
		cerr = NULL;
	}
	rc = lc__fail(ctx, LC_EUSAGE, "matcher: too many patterns need prefilter mode");
out:
	if (cerr)
		hs_free_compile_error(cerr);
	for (size_t i = 0; owned && i < n; i++)
		free(owned[i]);
	free(owned);
	free(exprs);
	free(flags);
	free(ids);
	return rc;
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

lc_code lc__matcher_compile(lc_matcher *m, lc_ctx *ctx)
{
	lc_code rc = LC_OK;
	double t0 = now_ms();
	bool text_only_seen = false;
	if (!m)
		return LC_OK;
	pthread_mutex_lock(&m->lock);
	if (m->compiled)
		goto out;
	m->ctx = ctx;
	if (m->npats == 0) {
		m->compiled = true;
		goto out;
	}
	for (size_t i = 0; i < m->npats; i++)
		text_only_seen |= (m->pats[i].flags & LC_M_TEXT_ONLY) != 0;
	lc__matcher_fingerprint(m);
	if (lc__matcher_cache_load(m, ctx) != 0) {
		/* a prefilter retry marks patterns, which changes nothing in the fingerprint:
		 * the fingerprint covers what was asked for, not how it was compiled */
		rc = build_db(m, ctx, false, &m->db_all);
		if (rc)
			goto out;
		if (text_only_seen) {
			rc = build_db(m, ctx, true, &m->db_bin);
			if (rc)
				goto out;
		}
		lc__matcher_cache_store(m, ctx);
	}
	if (hs_alloc_scratch(m->db_all, &m->proto_scratch) != HS_SUCCESS ||
	    (m->db_bin && hs_alloc_scratch(m->db_bin, &m->proto_scratch) != HS_SUCCESS)) {
		rc = lc__fail(ctx, LC_EINTERNAL, "matcher: cannot allocate scratch space");
		goto out;
	}
	m->compiled = true;
out:
	m->compile_ms = now_ms() - t0;
	pthread_mutex_unlock(&m->lock);
	return rc;
}

/* ---- workers ------------------------------------------------------------------------ */

lc_code lc__matcher_worker_new(lc_matcher *m, lc_matcher_worker **out)
{
	lc_code rc = LC_OK;
	lc_matcher_worker *w = calloc(1, sizeof(*w));
	*out = NULL;
	if (!w)
		return LC_EINTERNAL;
	w->magic = MATCHER_WORKER_MAGIC;
	w->m = m;
	if (m && m->compiled && m->proto_scratch &&
	    hs_clone_scratch(m->proto_scratch, &w->scratch) != HS_SUCCESS) {
		rc = LC_EINTERNAL;
		goto out;
	}
	*out = w;
	w = NULL;
out:
	free(w);
	return rc;
}

void lc__matcher_worker_free(lc_matcher_worker *w)
{
	if (!w)
		return;
	if (w->stream)
		hs_close_stream(w->stream, NULL, NULL, NULL);
	if (w->scratch)
		hs_free_scratch(w->scratch);
	free(w->buf);
	free(w->pend);
	w->magic = 0;
	free(w);
}

/* Every byte a file streams through the matcher is counted here (findings carry line
 * numbers). memchr per line was 1.5-2% of a scan on text with short lines (apt lists);
 * sixteen byte-wide counters, flushed before they can wrap, are a loop compilers turn
 * into vector compares: about 5x faster on such text. */
static int64_t count_nl(const uint8_t *p, size_t n)
{
	int64_t c = 0;
	while (n > 0) {
		size_t k = n < 255 * 16 ? n : 255 * 16, i = 0;
		uint8_t acc[16] = {0};
		for (; i + 16 <= k; i += 16)
			for (size_t j = 0; j < 16; j++)
				acc[j] = (uint8_t)(acc[j] + (p[i + j] == '\n'));
		for (size_t j = 0; j < 16; j++)
			c += acc[j];
		for (; i < k; i++)
			c += p[i] == '\n';
		p += k;
		n -= k;
	}
	return c;
}

int64_t lc__match_line(const lc_match *pm, int64_t off)
{
	const match_ex *mx = (const match_ex *)pm;
	lc_matcher_worker *w;
	if (!pm || mx->magic != MATCHER_WORKER_MAGIC)
		return 0;
	w = mx->w;
	if (off < w->buf_off || off > w->fed)
		return 0;
	if (off < w->nl_off) /* asked backwards: count down without moving the cache */
		return w->nl_count - count_nl(w->buf + (off - w->buf_off),
					      (size_t)(w->nl_off - off)) + 1;
	/* advance the cache: owners ask in increasing order most of the time */
	w->nl_count += count_nl(w->buf + (w->nl_off - w->buf_off), (size_t)(off - w->nl_off));
	w->nl_off = off;
	return w->nl_count + 1;
}

static void deliver(lc_matcher_worker *w, unsigned pat, int64_t end)
{
	lc_matcher *m = w->m;
	const lc_mpat *p = &m->pats[pat];
	match_ex mx;
	int64_t ws = end - (int64_t)p->before, we = end + (int64_t)p->after;
	void *shared = NULL, *worker = NULL;
	lc_emitter em = {w->sc, p->owner, w->e};
	lc_code rc;
	if (w->err)
		return;
	if (ws < w->buf_off)
		ws = w->buf_off;
	if (we > w->fed)
		we = w->fed;
	if (end > we)
		end = we;
	if (ws > end)
		ws = end;
	memset(&mx, 0, sizeof(mx));
	mx.pub.rule = p->rule;
	mx.pub.end = end;
	mx.pub.win = w->buf + (ws - w->buf_off);
	mx.pub.win_off = ws;
	mx.pub.win_len = (size_t)(we - ws);
	mx.magic = MATCHER_WORKER_MAGIC;
	mx.w = w;
	if (p->det_index != (size_t)-1) {
		if (m->ctx && m->ctx->det_shared)
			shared = m->ctx->det_shared[p->det_index];
		if (w->det_workers)
			worker = w->det_workers[p->det_index];
	}
	rc = p->fn(shared, worker, &em, w->e, &mx.pub);
	if (rc)
		w->err = rc;
}

static int on_hs_match(unsigned id, unsigned long long from, unsigned long long to,
		       unsigned flags, void *ctx)
{
	lc_matcher_worker *w = ctx;
	const lc_mpat *p = &w->m->pats[id];
	(void)from;
	(void)flags;
	if (p->flags & LC_M_RUN) {
		/* the same run, one byte longer: its first match already went out */
		bool more = w->run_last[p->run_slot] == (int64_t)to - 1;
		w->run_last[p->run_slot] = (int64_t)to;
		if (more)
			return 0;
	}
	if ((int64_t)to + (int64_t)p->after <= w->fed || w->npend >= MATCHER_MAX_PENDING) {
		deliver(w, id, (int64_t)to);
	} else {
		if (w->npend == w->cappend) {
			size_t nc = w->cappend ? w->cappend * 2 : 64;
			pending *np = realloc(w->pend, nc * sizeof(*np));
			if (!np) {
				w->err = LC_EINTERNAL;
				return 1;
			}
			w->pend = np;
			w->cappend = nc;
		}
		w->pend[w->npend].pat = id;
		w->pend[w->npend].end = (int64_t)to;
		w->npend++;
	}
	return w->err ? 1 : 0;
}

/* Deliver pending matches whose window is complete (all of them at end of file). */
static void flush_pending(lc_matcher_worker *w, bool eof)
{
	size_t k = 0;
	for (size_t i = 0; i < w->npend; i++) {
		const lc_mpat *p = &w->m->pats[w->pend[i].pat];
		if (eof || w->pend[i].end + (int64_t)p->after <= w->fed)
			deliver(w, w->pend[i].pat, w->pend[i].end);
		else
			w->pend[k++] = w->pend[i];
	}
	w->npend = k;
}

lc_code lc__matcher_file_begin(lc_matcher_worker *w, const lc_entry *e, bool binary)
{
	lc_code rc = LC_OK;
	if (!w || w->magic != MATCHER_WORKER_MAGIC)
		return LC_EINTERNAL;
	if (w->stream) {
		hs_close_stream(w->stream, NULL, NULL, NULL);
		w->stream = NULL;
	}
	w->e = e;
	w->in_file = true;
	w->binary = binary;
	w->binary_given = binary;
	w->decided = binary;
	w->dead = false;
	w->len = 0;
	w->buf_off = 0;
	w->fed = 0;
	w->npend = 0;
	w->nl_off = 0;
	w->nl_count = 0;
	w->err = LC_OK;
	w->db = NULL;
	for (unsigned i = 0; i < LC_MATCHER_MAX_RUNS; i++)
		w->run_last[i] = -2;
	if (!w->m || !w->m->compiled || !w->m->db_all)
		w->dead = true; /* nothing registered: every call is a no-op */
	return rc;
}

/* Open the stream once the file's kind is known (first chunk). */
static lc_code open_stream(lc_matcher_worker *w, const uint8_t *buf, size_t len)
{
	if (!w->decided) {
		w->binary = lc__matcher_is_binary(buf, len);
		w->decided = true;
	}
	w->db = (w->binary && w->m->db_bin) ? w->m->db_bin : w->m->db_all;
	if (hs_open_stream(w->db, 0, &w->stream) != HS_SUCCESS)
		return LC_EINTERNAL;
	return LC_OK;
}

/* Keep only the bytes a pending or future match can still need. */
static void trim(lc_matcher_worker *w)
{
	size_t keep = w->m->max_before + w->m->max_after + 1;
	/* amortised: move the tail only once the buffer holds a good deal more than it */
	if (w->len <= 2 * keep + 65536)
		return;
	size_t drop = w->len - keep;
	int64_t new_off = w->buf_off + (int64_t)drop;
	if (w->nl_off < new_off) {
		w->nl_count += count_nl(w->buf + (w->nl_off - w->buf_off), (size_t)(new_off - w->nl_off));
		w->nl_off = new_off;
	}
	memmove(w->buf, w->buf + drop, keep);
	w->len = keep;
	w->buf_off = new_off;
}

static lc_code feed_slice(lc_matcher_worker *w, const uint8_t *buf, size_t len)
{
	if (w->len + len > w->cap) {
		size_t nc = w->len + len + 4096;
		uint8_t *nb = realloc(w->buf, nc);
		if (!nb)
			return LC_EINTERNAL;
		w->buf = nb;
		w->cap = nc;
	}
	memcpy(w->buf + w->len, buf, len);
	w->len += len;
	w->fed += (int64_t)len;
	flush_pending(w, false);
	if (!w->err) {
		hs_error_t he = hs_scan_stream(w->stream, (const char *)w->buf + w->len - len,
					       (unsigned)len, 0, w->scratch, on_hs_match, w);
		if (he != HS_SUCCESS && he != HS_SCAN_TERMINATED && !w->err)
			w->err = LC_EINTERNAL;
	}
	if (w->err)
		return w->err;
	trim(w);
	return LC_OK;
}

lc_code lc__matcher_file_chunk(lc_matcher_worker *w, lc_run *sc, void **det_workers,
			       const uint8_t *buf, size_t len)
{
	lc_code rc = LC_OK;
	if (!w || w->magic != MATCHER_WORKER_MAGIC || !w->in_file)
		return LC_EINTERNAL;
	if (w->dead || len == 0)
		goto out;
	w->sc = sc;
	w->det_workers = det_workers;
	if (!w->stream) {
		rc = open_stream(w, buf, len);
		if (rc) {
			w->dead = true;
			goto out;
		}
	}
	while (len > 0) {
		size_t n = len > MATCHER_SLICE ? MATCHER_SLICE : len;
		rc = feed_slice(w, buf, n);
		if (rc) {
			w->dead = true; /* the stream stopped; the rest of the file is skipped */
			goto out;
		}
		buf += n;
		len -= n;
	}
out:
	return rc;
}

lc_code lc__matcher_file_end(lc_matcher_worker *w, lc_run *sc, void **det_workers)
{
	lc_code rc = LC_OK;
	if (!w || w->magic != MATCHER_WORKER_MAGIC)
		return LC_EINTERNAL;
	w->sc = sc;
	w->det_workers = det_workers;
	if (w->stream) {
		/* end-of-data matches ($ anchors) arrive here */
		hs_close_stream(w->stream, w->scratch, w->dead ? NULL : on_hs_match, w);
		w->stream = NULL;
	}
	if (!w->dead)
		flush_pending(w, true);
	rc = w->dead ? LC_OK : w->err;
	if (w->dead && w->err)
		rc = w->err;
	w->in_file = false;
	w->npend = 0;
	w->e = NULL;
	/* a huge chunk may have grown the buffer: give the memory back between files */
	if (w->cap > 4 * (w->m ? w->m->max_before + w->m->max_after + MATCHER_SLICE : 0) &&
	    w->cap > (8u << 20)) {
		free(w->buf);
		w->buf = NULL;
		w->cap = 0;
	}
	w->len = 0;
	return rc;
}

lc_code lc__matcher_scan_buffer(lc_matcher_worker *w, lc_run *sc, void **det_workers,
				const lc_entry *pseudo, const uint8_t *buf, size_t len)
{
	lc_code rc = lc__matcher_file_begin(w, pseudo, false);
	lc_code rc2;
	if (rc)
		return rc;
	rc = lc__matcher_file_chunk(w, sc, det_workers, buf, len);
	rc2 = lc__matcher_file_end(w, sc, det_workers);
	return rc ? rc : rc2;
}
