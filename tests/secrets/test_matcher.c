/*
 * test_matcher.c - the shared matcher with the secret rules: secrets planted across every
 * chunk boundary (chunk sizes from 1 byte to 1 MiB) are found once each with the right
 * line; binary files skip text-only patterns; the compiled database comes back from the
 * on-disk cache (timed), and a corrupt cache file is rebuilt.
 */
#include "lc_private.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

typedef struct found {
	char rule[64];
	int64_t start, end, line;
} found;

static const lc_secret_rules *g_rs;
static lc_secret_scratch *g_s;
static found g_found[4096];
static size_t g_nfound;
static const lc_match *g_m;

static int sink(void *ud, const lc_secret_hit *h)
{
	(void)ud;
	for (size_t i = 0; i < g_nfound; i++)
		if (g_found[i].start == h->start && !strcmp(g_found[i].rule, h->rule_id))
			return 0; /* the same secret through an overlapping window */
	if (g_nfound < 4096) {
		found *f = &g_found[g_nfound++];
		snprintf(f->rule, sizeof(f->rule), "%s", h->rule_id);
		f->start = h->start;
		f->end = h->end;
		f->line = lc__match_line(g_m, h->start);
	}
	return 0;
}

static lc_code owner_fn(void *shared, void *worker, lc_emitter *em, const lc_entry *e,
			const lc_match *m)
{
	(void)shared;
	(void)worker;
	(void)em;
	g_m = m;
	lc__secret_confirm(g_rs, g_s, m->rule, m->win, m->win_len, m->win_off, e ? e->path : NULL,
			   sink, NULL);
	return LC_OK;
}

static int g_count;
static lc_code count_fn(void *shared, void *worker, lc_emitter *em, const lc_entry *e,
			const lc_match *m)
{
	(void)shared;
	(void)worker;
	(void)em;
	(void)e;
	(void)m;
	g_count++;
	return LC_OK;
}

/* A detector that is not in the table: the matcher passes it NULL state. */
static const lc_detector test_owner = {.name = "test-owner", .description = "test"};

static lc_matcher *make_matcher(lc_ctx *ctx, const lc_secret_rules *rs)
{
	lc_matcher *m = lc__matcher_get(ctx);
	for (size_t i = 0; i < lc__secret_rules_count(rs); i++) {
		const char *const *kw = lc__secret_rule_keywords(rs, i);
		const char *pre = lc__secret_rule_prefilter(rs, i);
		size_t win = lc__secret_rule_window(rs, i);
		size_t before = lc__secret_rule_window_before(rs, i);
		unsigned fl = lc__secret_rule_binary(rs, i) ? 0 : LC_M_TEXT_ONLY;
		if (!lc__secret_rule_active(rs, i))
			continue;
		if (pre)
			lc__matcher_add(m, &test_owner, owner_fn, (unsigned)i, pre, fl, before, win);
		else
			for (size_t k = 0; kw && kw[k]; k++)
				lc__matcher_add(m, &test_owner, owner_fn, (unsigned)i, kw[k],
						fl | LC_M_CASELESS | LC_M_LITERAL, before, win);
	}
	return m;
}

typedef struct plant {
	const char *rule;
	const char *text;
	int64_t off, line;
} plant;

static char pem[4096];

static size_t build_corpus(char *buf, size_t cap, plant *pl, size_t npl, const size_t *at)
{
	size_t n = 0, k = 0;
	int64_t line = 1;
	unsigned seed = 12345;
	while (n + 8000 < cap) {
		if (k < npl && n + strlen(pl[k].text) + 40 >= at[k]) {
			/* pad up to the requested offset with a comment line, then the secret */
			while (n < at[k] - 8) {
				char ch = (n % 61 == 60) ? '\n' : (char)('a' + n % 23);
				buf[n++] = ch;
				if (ch == '\n')
					line++;
			}
			n += (size_t)sprintf(buf + n, "\nkey: ");
			line++;
			pl[k].off = (int64_t)n;
			pl[k].line = line;
			size_t tl = strlen(pl[k].text);
			memcpy(buf + n, pl[k].text, tl);
			for (size_t i = 0; i < tl; i++)
				line += pl[k].text[i] == '\n';
			n += tl;
			buf[n++] = '\n';
			line++;
			k++;
			continue;
		}
		/* ordinary text: words and numbers, no secrets */
		seed = seed * 1103515245u + 12345u;
		n += (size_t)sprintf(buf + n, "line %u of the corpus with words and numbers %u\n",
				     (unsigned)line, seed % 100000u);
		line++;
	}
	return n;
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(void)
{
	char err[512] = "", dir[] = "/tmp/lc-matcher-test-XXXXXX";
	lc_secret_rules *rs = NULL;
	lc_ctx *ctx = NULL, *ctx2 = NULL, *ctx3 = NULL;
	lc_matcher *m;
	lc_matcher_worker *w = NULL;
	lc_matcher_stats st1, st2, st3;
	size_t cap = 3u << 20;
	char *buf = malloc(cap);
	lc_entry e = {.path = "app/config.txt", .type = LC_FT_REG, .layer = 0};
	plant pl[] = {
		{"aws-access-token", "AKIAQYLPMN5HHHFPZAM2", 0, 0},
		{"github-pat", "ghp_R7fK2mXq9LzT4vB8nW1cY6pJ3hD5sA0eQ2gU", 0, 0},
		{"private-key", pem, 0, 0},
		{"slack-bot-token", "xoxb-263594206564-2343594206574-FGqddMF8t08v8N7Oq4i57vs1", 0, 0},
		{"stripe-access-token", "sk_live_4eC39HqLyjWDarjtT1zdp7dc1a2B3c4D", 0, 0},
		{"npm-access-token", "npm_Ab3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF3hJ6", 0, 0},
		/* its trigger is the base64 of the bot id's first digits, not the token's shape */
		{"discord-bot-token", "MTIzNDU2Nzg5MDEyMzQ1Njc4.GhWx3k.Zp0Xq7LmN2vB8cR4tY6uI1oP9aS3dF5gH7jK0l", 0, 0},
	};
	size_t npl = sizeof(pl) / sizeof(pl[0]);
	/* Offsets chosen to straddle 4 KiB, 64 KiB and 1 MiB boundaries. */
	size_t at[] = {4096 - 7, 65536 - 1500, 1048576 - 10, 1048576 + 65536 - 20,
		       2 * 1048576 - 3, 2 * 1048576 + 4096 * 3 - 11, 2 * 1048576 + 524288 - 5};
	size_t chunks[] = {1, 7, 1000, 4096, 65536, 1 << 20, 3u << 20};

	/* an RSA-sized PEM block: several KB, longer than most chunks here */
	{
		size_t n = (size_t)sprintf(pem, "-----BEGIN RSA PRIVATE KEY-----\n");
		unsigned seed = 7;
		for (int l = 0; l < 40; l++) {
			for (int i = 0; i < 64; i++) {
				static const char b64[] =
					"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
				seed = seed * 1103515245u + 12345u;
				pem[n++] = b64[(seed >> 16) % 64];
			}
			pem[n++] = '\n';
		}
		n += (size_t)sprintf(pem + n, "-----END RSA PRIVATE KEY-----");
	}
	TAP_OK(mkdtemp(dir) != NULL, "temporary cache directory");
	TAP_OK(lc__secret_rules_builtin(&rs, err, sizeof(err)) == LC_OK &&
		       lc__secret_rules_finish(rs, err, sizeof(err)) == LC_OK,
	       "rules %s", err);
	g_rs = rs;
	g_s = lc__secret_scratch_new(rs);

	ctx = lc_ctx_new();
	lc_ctx_set_option(ctx, "cache-dir", dir);
	m = make_matcher(ctx, rs);
	TAP_OK(!lc__matcher_empty(m), "patterns registered");
	TAP_OK(lc__matcher_compile(m, ctx) == LC_OK, "compile: %s", lc_ctx_errmsg(ctx));
	lc__matcher_stats(m, &st1);
	printf("# cold compile: %zu patterns in %.1f ms (from cache: %d)\n", st1.patterns,
	       st1.compile_ms, st1.from_cache);
	TAP_OK(!st1.from_cache && st1.cache_path[0], "first compile builds and writes %s",
	       st1.cache_path);
	TAP_OK(lc__matcher_worker_new(m, &w) == LC_OK, "worker");

	size_t len = build_corpus(buf, cap, pl, npl, at);
	for (size_t c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
		size_t cs = chunks[c];
		size_t limit = cs == 1 ? 70000 : len; /* byte-at-a-time over the first part only */
		double t0 = now_ms();
		g_nfound = 0;
		lc__matcher_file_begin(w, &e, false);
		for (size_t off = 0; off < limit; off += cs)
			lc__matcher_file_chunk(w, NULL, NULL, (const uint8_t *)buf + off,
					       off + cs > limit ? limit - off : cs);
		lc__matcher_file_end(w, NULL, NULL);
		double t1 = now_ms();
		size_t want = 0, ok = 0;
		for (size_t k = 0; k < npl; k++) {
			if ((size_t)pl[k].off + strlen(pl[k].text) > limit)
				continue;
			want++;
			int hits = 0;
			bool line_ok = false;
			for (size_t i = 0; i < g_nfound; i++) {
				if (!strcmp(g_found[i].rule, pl[k].rule) && g_found[i].start == pl[k].off) {
					hits++;
					line_ok = g_found[i].line == pl[k].line;
				}
			}
			if (hits == 1 && line_ok)
				ok++;
			else
				printf("# chunk %zu: %s at %lld line %lld: %d hits, line %s\n", cs,
				       pl[k].rule, (long long)pl[k].off, (long long)pl[k].line, hits,
				       line_ok ? "ok" : "wrong");
		}
		size_t extra = g_nfound > want ? g_nfound - want : 0;
		TAP_OK(ok == want && extra == 0,
		       "chunks of %zu bytes: %zu/%zu planted secrets found once with their line, %zu "
		       "other findings (%.0f MB/s)",
		       cs, ok, want, extra, (double)limit / 1e6 / ((t1 - t0) / 1e3));
		for (size_t i = 0; extra && i < g_nfound; i++)
			printf("#   found %s at %lld\n", g_found[i].rule, (long long)g_found[i].start);
	}

	/* binary: NUL in the first block; text-only rules (keyword context) stay quiet */
	{
		char bin[512];
		memset(bin, 0, sizeof(bin));
		size_t n = 16;
		n += (size_t)sprintf(bin + n, "AKIAQYLPMN5HHHFPZAM2");
		n++;
		n += (size_t)sprintf(bin + n, "twitter_token = \"giz9v0rt1zwla9tqo9evj9mr2\"");
		g_nfound = 0;
		lc__matcher_file_begin(w, &e, false); /* the matcher decides from the bytes */
		lc__matcher_file_chunk(w, NULL, NULL, (const uint8_t *)bin, n + 1);
		lc__matcher_file_end(w, NULL, NULL);
		bool aws = false, tw = false;
		for (size_t i = 0; i < g_nfound; i++) {
			aws |= !strcmp(g_found[i].rule, "aws-access-token");
			tw |= !strncmp(g_found[i].rule, "twitter", 7);
		}
		TAP_OK(aws && !tw, "binary file: binary-safe rule found, text-only rule skipped");
		g_nfound = 0;
		lc__matcher_scan_buffer(w, NULL, NULL, &e, (const uint8_t *)bin + 16 + 21,
					strlen(bin + 16 + 21));
		tw = false;
		for (size_t i = 0; i < g_nfound; i++)
			tw |= !strncmp(g_found[i].rule, "twitter", 7);
		TAP_OK(tw, "scan_buffer of a text string uses every rule");
	}
	lc__matcher_worker_free(w);

	/* warm start: the same patterns in a new context read the cached database */
	ctx2 = lc_ctx_new();
	lc_ctx_set_option(ctx2, "cache-dir", dir);
	double t0 = now_ms();
	m = make_matcher(ctx2, rs);
	TAP_OK(lc__matcher_compile(m, ctx2) == LC_OK, "warm compile");
	double t1 = now_ms();
	lc__matcher_stats(m, &st2);
	printf("# warm start: %.1f ms (register + load %.1f ms), cold was %.1f ms\n", st2.compile_ms,
	       t1 - t0, st1.compile_ms);
	TAP_OK(st2.from_cache, "second compile reads the cache");
	TAP_OK(st2.compile_ms < 100.0, "warm start under 100 ms (%.1f ms)", st2.compile_ms);

	/* a corrupt cache file is ignored and rebuilt */
	FILE *f = fopen(st2.cache_path, "r+b");
	if (f) {
		fseek(f, 200, SEEK_SET);
		fputs("garbage", f);
		fclose(f);
	}
	ctx3 = lc_ctx_new();
	lc_ctx_set_option(ctx3, "cache-dir", dir);
	m = make_matcher(ctx3, rs);
	TAP_OK(lc__matcher_compile(m, ctx3) == LC_OK, "compile over a corrupt cache file");
	lc__matcher_stats(m, &st3);
	TAP_OK(!st3.from_cache, "corrupt cache file not used");
	if (lc__matcher_worker_new(m, &w) == LC_OK) {
		g_nfound = 0;
		lc__matcher_scan_buffer(w, NULL, NULL, &e, (const uint8_t *)"x = AKIAQYLPMN5HHHFPZAM2\n", 25);
		TAP_OK(g_nfound == 1, "rebuilt database works");
		lc__matcher_worker_free(w);
	}
	/* one flipped byte deep in the bytecode: the file carries no checksum of ours, so this
	 * is Hyperscan's own CRC-32C refusing it (hs_deserialize_database) */
	{
		struct stat sb;
		lc_matcher_stats st4;
		lc_ctx *c6 = lc_ctx_new();
		lc_ctx_set_option(c6, "cache-dir", dir);
		if (stat(st3.cache_path, &sb) == 0 && (f = fopen(st3.cache_path, "r+b")) != NULL) {
			int ch;
			fseek(f, (long)sb.st_size / 2, SEEK_SET);
			ch = fgetc(f);
			fseek(f, (long)sb.st_size / 2, SEEK_SET);
			fputc(ch ^ 0x01, f);
			fclose(f);
		}
		lc_matcher *m6 = make_matcher(c6, rs);
		TAP_OK(lc__matcher_compile(m6, c6) == LC_OK, "compile over a cache file with a flipped byte");
		lc__matcher_stats(m6, &st4);
		TAP_OK(!st4.from_cache, "a flipped byte in the middle of the database is detected");
		lc_ctx_free(c6);
	}
	/* an expression Hyperscan cannot run as is (lookbehind) goes in as a prefilter */
	{
		lc_ctx *c4 = lc_ctx_new();
		lc_ctx_set_option(c4, "no-cache", "true");
		lc_matcher *m4 = lc__matcher_get(c4);
		lc_matcher_worker *w4 = NULL;
		lc__matcher_add(m4, &test_owner, count_fn, 1, "(?<![a-z])zzqq[0-9]{4}", 0, 16, 16);
		TAP_OK(lc__matcher_compile(m4, c4) == LC_OK && lc__matcher_worker_new(m4, &w4) == LC_OK,
		       "lookbehind expression compiles (prefilter mode): %s", lc_ctx_errmsg(c4));
		g_count = 0;
		if (w4)
			lc__matcher_scan_buffer(w4, NULL, NULL, &e, (const uint8_t *)"a zzqq1234 b", 12);
		TAP_OK(g_count >= 1, "prefilter expression delivers its candidate (%d)", g_count);
		lc__matcher_worker_free(w4);
		lc_ctx_free(c4);
	}
	/* LC_M_RUN: a run of 5,000 matching bytes fed in odd chunks is one delivery; a second
	 * run after a break is another; without the flag every end is delivered */
	for (int run = 0; run < 2; run++) {
		lc_ctx *c5 = lc_ctx_new();
		lc_ctx_set_option(c5, "no-cache", "true");
		lc_matcher *m5 = lc__matcher_get(c5);
		lc_matcher_worker *w5 = NULL;
		static uint8_t txt[12000];
		memset(txt, 'a', sizeof txt);
		txt[5000] = ' ';
		lc__matcher_add(m5, &test_owner, count_fn, 1, "[a-z]{95}", run ? LC_M_RUN : 0, 8, 8);
		TAP_OK(lc__matcher_compile(m5, c5) == LC_OK && lc__matcher_worker_new(m5, &w5) == LC_OK,
		       "run pattern compiles (%s)", run ? "LC_M_RUN" : "plain");
		g_count = 0;
		if (w5 && lc__matcher_file_begin(w5, &e, false) == LC_OK) {
			for (size_t off = 0; off < sizeof txt; off += 777) {
				size_t n = sizeof txt - off < 777 ? sizeof txt - off : 777;
				lc__matcher_file_chunk(w5, NULL, NULL, txt + off, n);
			}
			lc__matcher_file_end(w5, NULL, NULL);
		}
		if (run)
			TAP_OK(g_count == 2, "LC_M_RUN: two runs, two deliveries (%d)", g_count);
		else
			TAP_OK(g_count == (5000 - 94) + (6999 - 94), "plain: every end delivered (%d)",
			       g_count);
		lc__matcher_worker_free(w5);
		lc_ctx_free(c5);
	}
	lc_ctx_free(ctx);
	lc_ctx_free(ctx2);
	lc_ctx_free(ctx3);
	lc__secret_scratch_free(g_s);
	lc__secret_rules_free(rs);
	free(buf);
	{
		char cmd[256];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			printf("# could not remove %s\n", dir);
	}
	return tap_done();
}
