/*
 * miner.c - cryptominers by what they say: Stratum URLs, Monero wallets, miner
 * options and program names, also base64-encoded, in every file (through the shared
 * matcher) and in the image config and history (ENTRYPOINT, CMD, ENV, created_by).
 * The matcher finds candidates; lc__miner_scan_text (malware/miner_text.c) confirms on
 * the window, so one rule set serves files, config and issue 5's config analysis.
 */
#include "lc_private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const lc_detector lc__det_miner;

/* Context each side of a hit: a command line or config block, or a base64 payload. */
#define WIN_TEXT 512
#define WIN_B64 8192
/* Findings remembered per file to drop the same hit seen through two patterns. */
#define SEEN_MAX 64

enum {
	R_STRATUM = 1,
	R_WALLET,
	R_FLAG,
	R_POOL,
	R_NAME,
	R_B64 /* rules R_B64.. are base64 cores */
};

typedef struct seen_hit {
	const char *rule;
	int64_t off;
} seen_hit;

typedef struct mw {
	/* dedup state for the file being scanned */
	const lc_entry *e;
	int layer;
	char path[512];
	seen_hit seen[SEEN_MAX];
	size_t nseen;
} mw;

/* Markers whose base64 forms are looked for directly. */
static const char *const b64_markers[] = {"stratum+tcp://", "stratum+ssl://", "stratum2+tcp://",
					  "--donate-level", "--cpu-max-threads-hint", "xmrig", NULL};

static lc_code on_match(void *shared, void *worker, lc_emitter *em, const lc_entry *e,
			const lc_match *m);

static lc_code load(lc_ctx *ctx, void **shared)
{
	lc_code rc = LC_OK;
	lc_matcher *m = lc__matcher_get(ctx);
	static const struct {
		unsigned rule;
		const char *expr;
		unsigned flags;
		size_t win;
	} pats[] = {
		{R_STRATUM, "stratum[12]?\\+[a-z]{2,8}://", LC_M_CASELESS, WIN_TEXT},
		/* 95 base58 characters: a plain class run is what Hyperscan does fast (6 GB/s;
		 * a leading word boundary or [48] makes it 1 GB/s, the costliest pattern of the
		 * scan); word boundaries, length and checksum are confirmed on the window */
		{R_WALLET, "[1-9A-HJ-NP-Za-km-z]{95}", LC_M_RUN, WIN_TEXT},
		{R_FLAG, "--(donate-level|donate-over-proxy|cpu-max-threads-hint|randomx-1gb-pages|"
			 "randomx-mode|max-cpu-usage|rig-id|nicehash)",
		 0, WIN_TEXT},
		{R_FLAG, "(-a|--algo)[= ]['\"]?(rx/|cn/|cn-|cryptonight|randomx|argon2|kawpow|ethash|"
			 "ghostrider|astrobwt)",
		 LC_M_TEXT_ONLY, WIN_TEXT},
		{R_POOL, "(-o|--url)[= ]+['\"]?[a-z0-9+./:-]{4,128}:[0-9]{2,5}",
		 LC_M_TEXT_ONLY | LC_M_CASELESS, WIN_TEXT},
		{R_NAME, "(xmrig|xmr-stak|cpuminer|minerd|ccminer|kdevtmpfsi|nbminer|lolminer|"
			 "phoenixminer|teamredminer|srbminer|xmrig-proxy)",
		 LC_M_CASELESS, WIN_TEXT},
	};

	*shared = NULL;
	if (!m) {
		rc = lc__fail(ctx, LC_EINTERNAL, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < sizeof pats / sizeof pats[0] && !rc; i++)
		rc = lc__matcher_add(m, &lc__det_miner, on_match, pats[i].rule, pats[i].expr,
				     pats[i].flags, pats[i].win, pats[i].win);
	for (int k = 0; b64_markers[k] && !rc; k++) {
		for (size_t shift = 0; shift < 3 && !rc; shift++) {
			char core[64];
			if (lc__base64_core(b64_markers[k], shift, core, sizeof core) < 6)
				continue;
			rc = lc__matcher_add(m, &lc__det_miner, on_match, R_B64, core,
					     LC_M_LITERAL | LC_M_TEXT_ONLY, WIN_B64, WIN_B64);
		}
	}
out:
	return rc;
}

static lc_code worker_new(void *shared, void **worker)
{
	(void)shared;
	*worker = calloc(1, sizeof(mw));
	return *worker ? LC_OK : LC_EINTERNAL;
}

static void worker_free(void *worker)
{
	free(worker);
}

/* Forget hits of the previous file. */
static void dedup_file(mw *w, const lc_entry *e)
{
	if (w->e == e && w->layer == e->layer && strncmp(w->path, e->path, sizeof w->path - 1) == 0)
		return;
	w->e = e;
	w->layer = e->layer;
	snprintf(w->path, sizeof w->path, "%s", e->path);
	w->nseen = 0;
}

static bool seen_before(mw *w, const char *rule, int64_t off)
{
	for (size_t i = 0; i < w->nseen; i++)
		if (w->seen[i].off == off && strcmp(w->seen[i].rule, rule) == 0)
			return true;
	if (w->nseen < SEEN_MAX) {
		w->seen[w->nseen].rule = rule;
		w->seen[w->nseen].off = off;
		w->nseen++;
	}
	return false;
}

static const char *describe(const char *rule)
{
	if (!strcmp(rule, "miner.stratum_url"))
		return "A Stratum URL tells a miner which pool to work for.";
	if (!strcmp(rule, "miner.wallet"))
		return "A valid cryptocurrency wallet address (checksum verified): mining rewards go "
		       "there.";
	if (!strcmp(rule, "miner.flags"))
		return "An option only cryptominers take (XMRig and its forks, xmr-stak, cpuminer).";
	if (!strcmp(rule, "miner.pool_option"))
		return "A miner command line: a pool address (-o/--url) with a user (-u/--user).";
	if (!strcmp(rule, "miner.name"))
		return "The name of a cryptominer program.";
	return "Base64-encoded text that decodes to a miner command line or configuration.";
}

static json_t *hit_details(const lc_miner_hit *h)
{
	json_t *d = json_object();
	if (h->encoded) {
		json_object_set_new(d, "encoding", json_string("base64"));
		json_object_set_new(d, "decoded_rule", json_string(h->inner_rule));
		json_object_set_new(d, "decoded", json_string(h->evidence));
	}
	return d;
}

typedef struct file_ctx {
	mw *w;
	lc_emitter *em;
	const lc_match *m;
	size_t pos; /* match end, relative to the window */
	lc_code rc;
} file_ctx;

static bool file_hit(void *ud, const lc_miner_hit *h)
{
	file_ctx *fc = ud;
	int64_t off = fc->m->win_off + (int64_t)h->offset;
	char *ev;
	lc_finding_in f;

	/* only the hit this match points at; others get their own match */
	if (!(h->offset < fc->pos && fc->pos <= h->offset + h->length))
		return true;
	/* a program name is one finding per file however often it appears (package lists) */
	if (seen_before(fc->w, h->rule_id, strcmp(h->rule_id, "miner.name") == 0 ? -1 : off))
		return true;
	ev = lc__escape(h->evidence, strlen(h->evidence));
	memset(&f, 0, sizeof f);
	f.rule_id = h->rule_id;
	f.severity = h->severity;
	f.title = h->title;
	f.description = describe(h->rule_id);
	f.source = LC_SRC_FILE;
	f.layer = -1;
	f.line = lc__match_line(fc->m, off);
	f.offset = off;
	f.evidence = ev ? ev : h->evidence;
	f.remediation = "Find out how the miner got into the image; rebuild it from a trusted base.";
	f.details = hit_details(h);
	fc->rc = lc__emit(fc->em, &f);
	free(ev);
	return fc->rc == LC_OK;
}

static lc_code on_match(void *shared, void *worker, lc_emitter *em, const lc_entry *e,
			const lc_match *m)
{
	file_ctx fc;
	(void)shared;
	memset(&fc, 0, sizeof fc);
	if (!worker || !m->win_len)
		return LC_OK;
	fc.w = worker;
	fc.em = em;
	fc.m = m;
	fc.pos = (size_t)(m->end - m->win_off);
	dedup_file(fc.w, e);
	lc__miner_scan_text((const char *)m->win, m->win_len, file_hit, &fc);
	return fc.rc;
}

/* ---- config and history -------------------------------------------------------- */

typedef struct cfg_ctx {
	lc_emitter *em;
	lc_source_kind source;
	const char *path;
	int layer;
	bool runs; /* ENTRYPOINT/CMD: the image runs it on start */
	lc_code rc;
} cfg_ctx;

static bool cfg_hit(void *ud, const lc_miner_hit *h)
{
	cfg_ctx *cc = ud;
	char title[160];
	char *ev = lc__escape(h->evidence, strlen(h->evidence));
	lc_finding_in f;
	lc_severity sev = h->severity;

	/* in ENTRYPOINT/CMD the miner starts with the container */
	if (cc->runs && sev < LC_SEV_CRITICAL)
		sev++;
	snprintf(title, sizeof title, "%s in %s", h->title, cc->path);
	memset(&f, 0, sizeof f);
	f.rule_id = h->rule_id;
	f.severity = sev;
	f.title = title;
	f.description = describe(h->rule_id);
	f.source = cc->source;
	f.layer = cc->layer;
	f.path = cc->path;
	f.offset = -1;
	f.evidence = ev ? ev : h->evidence;
	f.remediation = "Do not run this image; find out who published it and how.";
	f.details = hit_details(h);
	cc->rc = lc__emit(cc->em, &f);
	free(ev);
	return cc->rc == LC_OK;
}

static lc_code scan_cfg_text(lc_emitter *em, const char *text, lc_source_kind src,
			     const char *path, int layer, bool runs)
{
	cfg_ctx cc = {em, src, path, layer, runs, LC_OK};
	size_t len;
	if (!text)
		return LC_OK;
	len = strnlen(text, LC_CONFIG_TEXT_MAX);
	lc__miner_scan_text(text, len, cfg_hit, &cc);
	return cc.rc;
}

/* Entrypoint, Cmd and Healthcheck as one command line each (a miner's options span the
 * array's elements); the rest string by string. */
static lc_code cfg_text(void *ud, const lc_config_text *t)
{
	char path[32];

	if (t->source == LC_SRC_HISTORY)
		snprintf(path, sizeof(path), "history[%zu]", t->index);
	else
		snprintf(path, sizeof(path), "config.%s", t->field);
	return scan_cfg_text(ud, t->text, t->source, path, t->layer, t->joined);
}

static lc_code on_image(void *shared, lc_emitter *em, const lc_view *v)
{
	(void)shared;
	return lc__config_texts(v->img, LC_CONFIG_JOIN, cfg_text, em);
}

const lc_detector lc__det_miner = {
	.name = "miner",
	.description = "cryptominers: Stratum URLs, wallets, miner options and names (also base64) "
		       "in files, config and history",
	.wants = LC_WANT_MATCHER,
	.load = load,
	.worker_new = worker_new,
	.worker_free = worker_free,
	.on_image = on_image,
};
