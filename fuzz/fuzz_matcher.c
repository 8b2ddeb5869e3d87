/* fuzz_matcher.c - the shared single-pass matcher (Hyperscan streaming) with the patterns
 * the secrets detector registers from the built-in rules, and the secret engine's
 * confirmation on each window it delivers. Each input is fed three times: whole, in
 * random chunk sizes (seeded from the input: one byte, a few KB, empty chunks, more than
 * the window), and as a standalone buffer. Properties:
 *  - the chunking changes nothing: the same (rule, end) matches, in any order;
 *  - every window is the file's own bytes at win_off, contains the match end, and is as
 *    wide as the pattern asked for (before/after, clipped at the file's ends);
 *  - lc__match_line agrees with a plain newline count. */
#include "fuzz_common.h"
#include "match/hs_matcher_int.h" /* LC_MATCHER_MAX_WINDOW: the clamp on before/after */

#define MAX_CHECKED 4096  /* matches whose window bytes and lines are compared */
#define MAX_CONFIRM 256   /* matches confirmed with PCRE2 (as the secrets detector does) */
#define MAX_RECORDED (1u << 20)

typedef struct rec {
	unsigned rule;
	int64_t end;
} rec;

static struct {
	lc_ctx *ctx;
	lc_secret_rules *rs;
	lc_secret_scratch *scr;
	lc_matcher *m;
	lc_matcher_worker *w;
	size_t *before, *after; /* per rule, as registered */
	/* per input */
	const uint8_t *p;
	size_t n;
	uint32_t *nl; /* nl[i] = newlines in p[0..i) */
	rec *recs;
	size_t nrecs, seen;
	bool confirm, strict;
} F;

static lc_code on_match(void *shared, void *worker, lc_emitter *em, const lc_entry *e,
			const lc_match *m);

static const lc_detector fuzz_owner = {.name = "fuzz", .description = "fuzz harness"};

static size_t clampw(size_t v)
{
	return v > LC_MATCHER_MAX_WINDOW ? LC_MATCHER_MAX_WINDOW : v;
}

static int confirm_sink(void *ud, const lc_secret_hit *h)
{
	const lc_match *m = ud;
	if (h->start >= 0)
		FUZZ_ASSERT(h->start >= m->win_off && h->end <= m->win_off + (int64_t)m->win_len);
	return 0;
}

static lc_code on_match(void *shared, void *worker, lc_emitter *em, const lc_entry *e,
			const lc_match *m)
{
	(void)shared, (void)worker;
	FUZZ_ASSERT(em && em->det == &fuzz_owner && e);
	FUZZ_ASSERT(m->rule < lc__secret_rules_count(F.rs));
	FUZZ_ASSERT(m->end >= 0 && (size_t)m->end <= F.n);
	FUZZ_ASSERT(m->win_off >= 0 && m->win_off <= m->end);
	FUZZ_ASSERT(m->end <= m->win_off + (int64_t)m->win_len);
	FUZZ_ASSERT((size_t)m->win_off + m->win_len <= F.n);
	if (F.nrecs < MAX_RECORDED) {
		F.recs[F.nrecs].rule = m->rule;
		F.recs[F.nrecs].end = m->end;
		F.nrecs++;
	}
	if (F.seen++ < MAX_CHECKED) {
		int64_t want_s = m->end - (int64_t)F.before[m->rule];
		int64_t want_e = m->end + (int64_t)F.after[m->rule];
		FUZZ_ASSERT(!memcmp(m->win, F.p + m->win_off, m->win_len));
		/* 64 Ki matches pending at once go out early with short windows: only when the
		 * file has fewer matches than that must every window be whole */
		if (F.strict) {
			FUZZ_ASSERT(m->win_off == (want_s < 0 ? 0 : want_s));
			FUZZ_ASSERT(m->win_off + (int64_t)m->win_len ==
				    (want_e > (int64_t)F.n ? (int64_t)F.n : want_e));
		}
		int64_t offs[3] = {m->end, m->win_off, m->win_off + (int64_t)m->win_len};
		for (int k = 0; k < 3; k++) {
			int64_t line = lc__match_line(m, offs[k]);
			FUZZ_ASSERT(line == (int64_t)F.nl[offs[k]] + 1);
		}
	}
	if (F.confirm && F.seen <= MAX_CONFIRM)
		lc__secret_confirm(F.rs, F.scr, m->rule, m->win, m->win_len, m->win_off, e->path,
				   confirm_sink, (void *)m);
	return LC_OK;
}

static void setup(void)
{
	char err[256];
	F.ctx = fuzz_ctx();
	if (lc__secret_rules_builtin(&F.rs, err, sizeof(err)) ||
	    lc__secret_rules_finish(F.rs, err, sizeof(err)) || !(F.scr = lc__secret_scratch_new(F.rs)))
		abort();
	F.m = lc__matcher_get(F.ctx);
	size_t nr = lc__secret_rules_count(F.rs);
	F.before = calloc(nr, sizeof(*F.before));
	F.after = calloc(nr, sizeof(*F.after));
	F.recs = malloc(MAX_RECORDED * sizeof(*F.recs));
	if (!F.m || !F.before || !F.after || !F.recs)
		abort();
	/* exactly what detect/secrets.c registers */
	for (size_t i = 0; i < nr; i++) {
		const char *const *kw = lc__secret_rule_keywords(F.rs, i);
		const char *pre = lc__secret_rule_prefilter(F.rs, i);
		size_t win = lc__secret_rule_window(F.rs, i);
		size_t before = lc__secret_rule_window_before(F.rs, i);
		unsigned fl = lc__secret_rule_binary(F.rs, i) ? 0 : LC_M_TEXT_ONLY;
		lc_code rc = LC_OK;
		if (!lc__secret_rule_active(F.rs, i))
			continue;
		if (pre) {
			rc = lc__matcher_add(F.m, &fuzz_owner, on_match, (unsigned)i, pre, fl, before, win);
		} else if (kw && kw[0]) {
			for (size_t k = 0; kw[k] && !rc; k++)
				rc = lc__matcher_add(F.m, &fuzz_owner, on_match, (unsigned)i, kw[k],
						     fl | LC_M_CASELESS | LC_M_LITERAL, before, win);
		} else {
			before = win;
			rc = lc__matcher_add(F.m, &fuzz_owner, on_match, (unsigned)i,
					     lc__secret_rule_regex(F.rs, i), fl, win, win);
		}
		if (rc)
			abort();
		F.before[i] = clampw(before);
		F.after[i] = clampw(win);
	}
	if (lc__matcher_compile(F.m, F.ctx) || lc__matcher_worker_new(F.m, &F.w))
		abort();
}

static bool rec_same(const rec *a, const rec *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i].rule != b[i].rule || a[i].end != b[i].end)
			return false;
	return true;
}

static int rec_cmp(const void *a, const void *b)
{
	const rec *x = a, *y = b;
	if (x->end != y->end)
		return x->end < y->end ? -1 : 1;
	return (x->rule > y->rule) - (x->rule < y->rule);
}

static uint32_t rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!F.m)
		setup();
	fuzz_in in = {data, size};
	unsigned mode = fuzz_byte(&in);
	uint32_t seed = fuzz_u16(&in) * 2654435761u + 1;
	lc_entry e = {.path = (mode & 1) ? "app/.env" : "usr/share/doc/x/notes.txt",
		      .type = LC_FT_REG, .size = (int64_t)in.n};
	bool binary = (mode & 2) || lc__matcher_is_binary(in.p, in.n);
	rec *whole = NULL;
	size_t nwhole = 0;

	F.p = in.p;
	F.n = in.n;
	F.nl = malloc((in.n + 1) * sizeof(*F.nl));
	if (!F.nl)
		return 0;
	F.nl[0] = 0;
	for (size_t i = 0; i < in.n; i++)
		F.nl[i + 1] = F.nl[i] + (in.p[i] == '\n');

	/* 1. the whole file in one chunk */
	F.nrecs = F.seen = 0;
	F.confirm = F.strict = false;
	FUZZ_ASSERT(lc__matcher_file_begin(F.w, &e, binary) == LC_OK);
	FUZZ_ASSERT(lc__matcher_file_chunk(F.w, NULL, NULL, in.p, in.n) == LC_OK);
	FUZZ_ASSERT(lc__matcher_file_end(F.w, NULL, NULL) == LC_OK);
	nwhole = F.nrecs;
	whole = malloc((nwhole + 1) * sizeof(*whole));
	if (!whole)
		goto out;
	memcpy(whole, F.recs, nwhole * sizeof(*whole));
	qsort(whole, nwhole, sizeof(*whole), rec_cmp);

	/* 2. random chunks; the secret engine confirms the first windows */
	F.nrecs = F.seen = 0;
	F.confirm = true;
	F.strict = nwhole < 65000;
	FUZZ_ASSERT(lc__matcher_file_begin(F.w, &e, binary) == LC_OK);
	for (size_t off = 0; off < in.n;) {
		uint32_t r = rnd(&seed), len;
		switch (r & 3) {
		case 0: len = 1 + (r >> 8) % 16; break;
		case 1: len = 1 + (r >> 8) % 4096; break;
		case 2: len = (r >> 8) % 3 == 0 ? 0 : 1 + (r >> 8) % 70000; break;
		default: len = 1 + (r >> 8) % 300; break;
		}
		if (len > in.n - off)
			len = (uint32_t)(in.n - off);
		FUZZ_ASSERT(lc__matcher_file_chunk(F.w, NULL, NULL, in.p + off, len) == LC_OK);
		off += len;
	}
	FUZZ_ASSERT(lc__matcher_file_end(F.w, NULL, NULL) == LC_OK);
	if (nwhole < MAX_RECORDED && F.nrecs < MAX_RECORDED) {
		qsort(F.recs, F.nrecs, sizeof(*F.recs), rec_cmp);
		FUZZ_ASSERT(F.nrecs == nwhole);
		FUZZ_ASSERT(rec_same(F.recs, whole, nwhole));
	}

	/* 3. a standalone buffer (config strings, history lines) */
	F.nrecs = F.seen = 0;
	F.confirm = false;
	FUZZ_ASSERT(lc__matcher_scan_buffer(F.w, NULL, NULL, &e, in.p, in.n) == LC_OK);
out:
	free(whole);
	free(F.nl);
	F.nl = NULL;
	return 0;
}
