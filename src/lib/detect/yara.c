/*
 * yara.c - YARA rules over every regular file: the embedded default rules (data/yara/,
 * miners and Linux malware families, EICAR) plus every --yara-rules FILE or DIRECTORY.
 * Rules are compiled once per context and shared; each worker has its own scanner.
 * YARA re-reads blocks, so it gets the whole file: from the scan's buffer up to the
 * file-buffer limit, and from a private temporary file (never an image path) beyond.
 * libyara is called only for files some rule could match: the rules' literals ride in
 * the shared matcher, and malware/yara_cond.c decides (docs/internals/PERFORMANCE.md).
 * The compiled rules are cached on disk (malware/yara_cache.c): the sources are still
 * read at every start, for the prefilter and the fingerprint, but compiled only on a miss.
 */
#include "lc_private.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yara.h>

/* Larger files are not scanned by YARA (a warning says so); the other detectors
 * still see them. */
#define YARA_SPILL_MAX (1024ll << 20)
/* Per file; a rule that takes longer is broken or attacked. */
#define YARA_TIMEOUT_S 60
/* Directory walk bounds for --yara-rules DIR. */
#define RULES_DIR_DEPTH 4
#define RULES_DIR_FILES 10000
#define RULES_FILE_MAX (64u << 20)
/* All sources are held until compiled (or found in the cache). */
#define RULES_TOTAL_MAX (512ull << 20)
#define EVIDENCE_MAX 96
/* More literals than this would make the shared matcher slow to build and crowd out the
 * other detectors' patterns: the prefilter is then left off. */
#define PREFILTER_MAX_LITERALS 65536

extern const lc_detector lc__det_yara;

static const char *const default_rule_files[] = {"yara/miners.yar", "yara/linux_malware.yar",
						 "yara/eicar.yar", NULL};
/* The file being scanned, for rules that want to look at names; set per file. */
static const char *const externals[] = {"filepath", "filename", "extension", NULL};

/* yr_initialize/yr_finalize are process-wide: count the contexts using them. */
static pthread_mutex_t yr_lock = PTHREAD_MUTEX_INITIALIZER;
static int yr_refs;

typedef struct ys {
	YR_RULES *rules;
	bool acquired;
	int64_t buf_limit; /* the scan's file-buffer limit: larger files are spilled */
	lc_yc *yc;         /* the prefilter; NULL when off */
	bool debug;        /* LAOCOON_DEBUG: say on stderr how many files libyara skipped */
} ys;

typedef struct yw {
	YR_SCANNER *scanner;
	/* spill of a file larger than the buffer limit */
	char dir[4096];
	char file[4200];
	int fd;
	bool spilling, spill_failed;
	bool spill_ready; /* the last file's bytes are all in the spill, for on_file */
	int64_t spilled;
	/* per-scan callback state */
	lc_emitter *em;
	const lc_entry *e;
	lc_code rc;
	/* prefilter, per file: which strings' literals the matcher saw, and whether the
	 * blocks arrived back to back (a hole is zeros to libyara, nothing to the matcher) */
	uint64_t *seen;
	size_t nstr;
	uint8_t *vals;
	int64_t pos;
	bool gap;
	bool debug;
	unsigned long long files, skipped;
} yw;

/* One source in compile order: an embedded set (namespace "laocoon") or a --yara-rules
 * file (its path is its namespace, and its name for includes and messages). */
typedef struct rule_src {
	const char *name;
	char *path;       /* NULL for an embedded set */
	const char *text; /* NUL-terminated when embedded */
	char *owned;      /* a file's bytes, read once */
	size_t len;
} rule_src;

typedef struct compile_state {
	const char *name; /* current file or embedded rule set */
	char msg[1024];
	int errors;
	lc_yc *yc; /* every source is read by the prefilter too; NULL when it is off */
	rule_src *src;
	size_t nsrc, cap;
	unsigned long long total; /* bytes of all sources */
} compile_state;

static bool yr_acquire(void)
{
	bool ok = true;
	pthread_mutex_lock(&yr_lock);
	if (yr_refs == 0 && yr_initialize() != ERROR_SUCCESS)
		ok = false;
	if (ok)
		yr_refs++;
	pthread_mutex_unlock(&yr_lock);
	return ok;
}

static void yr_release(void)
{
	pthread_mutex_lock(&yr_lock);
	if (yr_refs > 0 && --yr_refs == 0)
		yr_finalize();
	pthread_mutex_unlock(&yr_lock);
}

static void compile_cb(int level, const char *file, int line, const YR_RULE *rule,
		       const char *message, void *ud)
{
	compile_state *cs = ud;
	(void)rule;
	if (level != YARA_ERROR_LEVEL_ERROR)
		return; /* warnings (slow rules) do not stop a scan */
	if (cs->errors++ == 0)
		snprintf(cs->msg, sizeof cs->msg, "%s:%d: %s", file ? file : cs->name, line, message);
}

static bool rule_file_name(const char *name)
{
	size_t n = strlen(name);
	return (n > 4 && strcmp(name + n - 4, ".yar") == 0) ||
	       (n > 5 && strcmp(name + n - 5, ".yara") == 0);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Takes text (owned, may be NULL when embedded) whatever happens. */
static lc_code src_add(lc_ctx *ctx, compile_state *cs, const char *name, const char *path,
		       const char *text, char *owned, size_t len)
{
	lc_code rc = LC_OK;
	char *p = NULL;
	if (cs->nsrc == cs->cap) {
		size_t nc = cs->cap ? cs->cap * 2 : 8;
		rule_src *ns = realloc(cs->src, nc * sizeof *ns);
		if (!ns) {
			rc = lc__fail(ctx, LC_EINTERNAL, "out of memory");
			goto out;
		}
		cs->src = ns;
		cs->cap = nc;
	}
	if (path && !(p = strdup(path))) {
		rc = lc__fail(ctx, LC_EINTERNAL, "out of memory");
		goto out;
	}
	cs->src[cs->nsrc].name = p ? p : name;
	cs->src[cs->nsrc].path = p;
	cs->src[cs->nsrc].text = text;
	cs->src[cs->nsrc].owned = owned;
	cs->src[cs->nsrc].len = len;
	cs->nsrc++;
	owned = NULL;
out:
	free(owned);
	return rc;
}

static void src_free(compile_state *cs)
{
	for (size_t i = 0; i < cs->nsrc; i++) {
		free(cs->src[i].path);
		free(cs->src[i].owned);
	}
	free(cs->src);
	cs->src = NULL;
	cs->nsrc = cs->cap = 0;
}

static lc_code add_rules_file(lc_ctx *ctx, compile_state *cs, const char *path)
{
	lc_code rc = LC_OK;
	FILE *f = fopen(path, "r");
	struct stat st;
	char *text = NULL;
	size_t n = 0, got;
	if (!f || fstat(fileno(f), &st) != 0) {
		rc = lc__fail(ctx, LC_EUSAGE, "--yara-rules %s: %s", path, strerror(errno));
		goto out;
	}
	if (st.st_size > (off_t)RULES_FILE_MAX) {
		rc = lc__fail(ctx, LC_EUSAGE, "--yara-rules %s: larger than %u bytes", path,
			      RULES_FILE_MAX);
		goto out;
	}
	cs->total += (unsigned long long)st.st_size;
	if (cs->total > RULES_TOTAL_MAX) {
		rc = lc__fail(ctx, LC_EUSAGE, "--yara-rules: more than %llu bytes of rules in all",
			      RULES_TOTAL_MAX);
		goto out;
	}
	/* read once, and give libyara these very bytes: the prefilter must see what libyara
	 * compiles, even if the file changes meanwhile */
	text = malloc((size_t)st.st_size + 1);
	if (!text) {
		rc = lc__fail(ctx, LC_EINTERNAL, "out of memory");
		goto out;
	}
	while ((got = fread(text + n, 1, (size_t)st.st_size + 1 - n, f)) > 0 &&
	       n + got <= (size_t)st.st_size)
		n += got;
	if (got > 0 || ferror(f)) {
		rc = lc__fail(ctx, LC_EUSAGE, "--yara-rules %s: %s", path,
			      got > 0 ? "the file grew while read" : strerror(errno));
		goto out;
	}
	text[n] = '\0';
	if (cs->yc)
		lc__yc_add_source(cs->yc, text, n, path);
	rc = src_add(ctx, cs, path, path, text, text, n);
	text = NULL;
out:
	if (f)
		fclose(f);
	free(text);
	return rc;
}

static lc_code add_rules_path(lc_ctx *ctx, compile_state *cs, const char *path, int depth,
			      size_t *nfiles)
{
	lc_code rc = LC_OK;
	struct stat st;
	DIR *d = NULL;
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;

	if (stat(path, &st) != 0) {
		rc = lc__fail(ctx, LC_EUSAGE, "--yara-rules %s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISDIR(st.st_mode)) {
		if (++*nfiles > RULES_DIR_FILES) {
			rc = lc__fail(ctx, LC_EUSAGE, "--yara-rules: more than %d rule files", RULES_DIR_FILES);
			goto out;
		}
		rc = add_rules_file(ctx, cs, path);
		goto out;
	}
	if (depth > RULES_DIR_DEPTH)
		goto out;
	d = opendir(path);
	if (!d) {
		rc = lc__fail(ctx, LC_EUSAGE, "--yara-rules %s: %s", path, strerror(errno));
		goto out;
	}
	/* sorted, so the same directory always compiles to the same rules */
	while ((de = readdir(d)) != NULL) {
		char *full;
		struct stat cst;
		if (de->d_name[0] == '.')
			continue;
		if (asprintf(&full, "%s/%s", path, de->d_name) < 0) {
			rc = lc__fail(ctx, LC_EINTERNAL, "out of memory");
			goto out;
		}
		if (stat(full, &cst) != 0 || (!S_ISDIR(cst.st_mode) && !rule_file_name(de->d_name))) {
			free(full);
			continue;
		}
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 32;
			char **nn = nc > RULES_DIR_FILES ? NULL : realloc(names, nc * sizeof *nn);
			if (!nn) {
				free(full);
				rc = lc__fail(ctx, nc > RULES_DIR_FILES ? LC_EUSAGE : LC_EINTERNAL,
					      "--yara-rules %s: too many entries (or out of memory)", path);
				goto out;
			}
			names = nn;
			cap = nc;
		}
		names[n++] = full;
	}
	qsort(names, n, sizeof *names, name_cmp);
	for (size_t i = 0; i < n && !rc; i++)
		rc = add_rules_path(ctx, cs, names[i], depth + 1, nfiles);
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (d)
		closedir(d);
	return rc;
}

/* The matcher saw a literal of string m->rule in this file. */
static lc_code on_match(void *shared, void *worker, lc_emitter *em, const lc_entry *e,
			const lc_match *m)
{
	yw *w = worker;
	(void)shared;
	(void)em;
	(void)e;
	if (w && w->seen && m->rule < w->nstr)
		w->seen[m->rule / 64] |= (uint64_t)1 << (m->rule % 64);
	return LC_OK;
}

/* Every literal of the prefilter into the shared matcher; presence is all it needs, so
 * no window and one match per file. On failure the prefilter is dropped: extra
 * registered patterns only cost a little time. */
static void prefilter_register(lc_ctx *ctx, ys *s)
{
	lc_matcher *m = lc__matcher_get(ctx);
	bool ok = m != NULL && lc__yc_nlits(s->yc) <= PREFILTER_MAX_LITERALS;
	for (size_t i = 0; ok && i < lc__yc_nlits(s->yc); i++) {
		const lc_yc_lit *l = lc__yc_lit(s->yc, i);
		ok = lc__matcher_add_bytes(m, &lc__det_yara, on_match, l->str, l->bytes, l->len,
					   LC_M_ONCE | (l->caseless ? LC_M_CASELESS : 0), 0, 0) == LC_OK;
	}
	if (!ok) {
		if (s->debug)
			fprintf(stderr, "laocoon: yara prefilter off: %zu literals, cannot register them\n",
				lc__yc_nlits(s->yc));
		lc__yc_free(s->yc);
		s->yc = NULL;
	}
}

/* libyara's compile of the gathered sources, on a cache miss. */
static lc_code compile_rules(lc_ctx *ctx, compile_state *cs, YR_RULES **out)
{
	lc_code rc = LC_OK;
	YR_COMPILER *c = NULL;
	FILE *mf = NULL;

	if (yr_compiler_create(&c) != ERROR_SUCCESS) {
		rc = lc__fail(ctx, LC_EINTERNAL, "cannot create a YARA compiler");
		goto out;
	}
	yr_compiler_set_callback(c, compile_cb, cs);
	for (int i = 0; externals[i]; i++) {
		if (yr_compiler_define_string_variable(c, externals[i], "") != ERROR_SUCCESS) {
			rc = lc__fail(ctx, LC_EINTERNAL, "cannot define YARA external variables");
			goto out;
		}
	}
	for (size_t i = 0; i < cs->nsrc; i++) {
		const rule_src *r = &cs->src[i];
		int err;
		cs->name = r->name;
		if (!r->path) {
			if (yr_compiler_add_string(c, r->text, "laocoon") != 0 || cs->errors) {
				rc = lc__fail(ctx, LC_EINTERNAL, "embedded YARA rules %s", cs->msg);
				goto out;
			}
			continue;
		}
		/* as a file, so that includes resolve beside it; an empty one is nothing */
		if (r->len > 0 && !(mf = fmemopen(r->owned, r->len, "r"))) {
			rc = lc__fail(ctx, LC_EINTERNAL, "--yara-rules %s: %s", r->path, strerror(errno));
			goto out;
		}
		/* the user's rules get a namespace each, so their names cannot clash with ours */
		err = mf ? yr_compiler_add_file(c, mf, r->path, r->path)
			 : yr_compiler_add_string(c, "", r->path);
		if (mf)
			fclose(mf);
		mf = NULL;
		if (err != 0 || cs->errors) {
			rc = lc__fail(ctx, LC_EUSAGE, "YARA rules %s", cs->msg[0] ? cs->msg : r->path);
			goto out;
		}
	}
	if (yr_compiler_get_rules(c, out) != ERROR_SUCCESS)
		rc = lc__fail(ctx, LC_EINTERNAL, "cannot build the YARA rules");
out:
	if (c)
		yr_compiler_destroy(c);
	return rc;
}

/* The compiled rules from the cache, else compiled now and cached. */
static lc_code rules_get(lc_ctx *ctx, compile_state *cs, ys *s)
{
	lc_code rc = LC_OK;
	lc_yr_key *k = lc__yr_key_new();
	uint8_t fp[32];
	bool cacheable;

	for (size_t i = 0; i < cs->nsrc; i++)
		lc__yr_key_source(k, cs->src[i].path ? cs->src[i].path : "laocoon", cs->src[i].text,
				  cs->src[i].len);
	for (int i = 0; externals[i]; i++)
		lc__yr_key_external(k, externals[i], "");
	cacheable = lc__yr_key_final(k, fp);
	if (cacheable && lc__yr_cache_load(ctx, fp, &s->rules)) {
		if (s->debug)
			fprintf(stderr, "laocoon: yara rules from the cache\n");
		goto out;
	}
	rc = compile_rules(ctx, cs, &s->rules);
	if (rc == LC_OK && cacheable)
		lc__yr_cache_store(ctx, fp, s->rules);
out:
	return rc;
}

static lc_code load(lc_ctx *ctx, void **shared)
{
	lc_code rc = LC_OK;
	ys *s = calloc(1, sizeof *s);
	compile_state cs;
	size_t nfiles = 0;

	memset(&cs, 0, sizeof cs);
	if (!s) {
		rc = lc__fail(ctx, LC_EINTERNAL, "out of memory");
		goto out;
	}
	if (!yr_acquire()) {
		rc = lc__fail(ctx, LC_EINTERNAL, "cannot initialise libyara");
		goto out;
	}
	s->acquired = true;
	s->buf_limit = lc__limit(ctx, LC_LIM_FILE_BUFFER);
	s->debug = getenv("LAOCOON_DEBUG") && *getenv("LAOCOON_DEBUG");
	/* LAOCOON_YARA_PREFILTER=0: libyara sees every file (tests compare both ways) */
	const char *pf = getenv("LAOCOON_YARA_PREFILTER");
	if (!pf || strcmp(pf, "0") != 0) {
		s->yc = lc__yc_new();
		cs.yc = s->yc;
	}
	for (int i = 0; default_rule_files[i] && !rc; i++) {
		size_t len;
		const uint8_t *src = lc__data_get(default_rule_files[i], &len);
		if (!src)
			continue;
		if (cs.yc)
			lc__yc_add_source(cs.yc, (const char *)src, len, "laocoon");
		rc = src_add(ctx, &cs, default_rule_files[i], NULL, (const char *)src, NULL, len);
	}
	for (size_t i = 0; i < ctx->yara_rules.n && !rc; i++)
		rc = add_rules_path(ctx, &cs, ctx->yara_rules.v[i], 0, &nfiles);
	if (rc)
		goto out;
	rc = rules_get(ctx, &cs, s);
	if (rc)
		goto out;
	if (s->yc && !lc__yc_usable(s->yc)) {
		if (s->debug)
			fprintf(stderr, "laocoon: yara prefilter off: %s\n", lc__yc_why_off(s->yc));
		lc__yc_free(s->yc);
		s->yc = NULL;
	}
	if (s->yc)
		prefilter_register(ctx, s);
out:
	src_free(&cs);
	if (rc && s) {
		if (s->acquired)
			yr_release();
		if (s->rules)
			yr_rules_destroy(s->rules);
		lc__yc_free(s->yc);
		free(s);
		s = NULL;
	}
	*shared = s;
	return rc;
}

static void unload(void *shared)
{
	ys *s = shared;
	if (!s)
		return;
	if (s->rules)
		yr_rules_destroy(s->rules);
	if (s->acquired)
		yr_release();
	lc__yc_free(s->yc);
	free(s);
}

static lc_code worker_new(void *shared, void **worker)
{
	ys *s = shared;
	yw *w = calloc(1, sizeof *w);
	lc_code rc = LC_OK;
	if (!w) {
		rc = LC_EINTERNAL;
		goto out;
	}
	w->fd = -1;
	if (yr_scanner_create(s->rules, &w->scanner) != ERROR_SUCCESS) {
		rc = LC_EINTERNAL;
		goto out;
	}
	yr_scanner_set_flags(w->scanner, SCAN_FLAGS_FAST_MODE);
	yr_scanner_set_timeout(w->scanner, YARA_TIMEOUT_S);
	w->debug = s->debug;
	if (s->yc) {
		w->nstr = lc__yc_nstrings(s->yc);
		w->seen = calloc(w->nstr / 64 + 1, sizeof *w->seen);
		w->vals = calloc(lc__yc_nrules(s->yc) + 1, 1);
		if (!w->seen || !w->vals) {
			rc = LC_EINTERNAL;
			goto out;
		}
	}
out:
	if (rc && w) {
		if (w->scanner)
			yr_scanner_destroy(w->scanner);
		free(w->seen);
		free(w->vals);
		free(w);
		w = NULL;
	}
	*worker = w;
	return rc;
}

static void spill_cleanup(yw *w)
{
	if (w->fd >= 0) {
		close(w->fd);
		w->fd = -1;
		unlink(w->file);
	}
	if (w->dir[0]) {
		rmdir(w->dir);
		w->dir[0] = '\0';
	}
}

static void worker_free(void *worker)
{
	yw *w = worker;
	if (!w)
		return;
	if (w->debug && w->files)
		fprintf(stderr, "laocoon: yara prefilter: %llu files, %llu scanned by libyara, %llu skipped\n",
			w->files, w->files - w->skipped, w->skipped);
	if (w->scanner)
		yr_scanner_destroy(w->scanner);
	spill_cleanup(w);
	free(w->seen);
	free(w->vals);
	free(w);
}

static const char *meta_string(const YR_RULE *rule, const char *name)
{
	const YR_META *meta;
	yr_rule_metas_foreach(rule, meta)
	{
		if (meta->type == META_TYPE_STRING && strcmp(meta->identifier, name) == 0)
			return meta->string;
	}
	return NULL;
}

/* "$s1: <bytes>" of the first match, printable. libyara 4.2 keeps YR_MATCH records in a
 * notebook without 8-byte alignment, so they are copied out (memcpy) instead of read in
 * place as yr_string_matches_foreach would (UBSan: misaligned member access). */
static void first_match(YR_SCAN_CONTEXT *sctx, const YR_RULE *rule, char *out, size_t outsz,
			int64_t *offset)
{
	const YR_STRING *str;
	out[0] = '\0';
	*offset = -1;
	yr_rule_strings_foreach(rule, str)
	{
		const void *p = sctx->matches[str->idx].head;
		while (p) {
			YR_MATCH m;
			size_t n, k;
			memcpy(&m, p, sizeof m);
			p = m.next;
			if (m.is_private)
				continue;
			n = m.data_length > 0 ? (size_t)m.data_length : 0;
			if (n > EVIDENCE_MAX)
				n = EVIDENCE_MAX;
			k = (size_t)snprintf(out, outsz, "%s: ", str->identifier);
			for (size_t i = 0; i < n && k + 1 < outsz; i++) {
				uint8_t ch = m.data[i];
				out[k++] = (ch >= 0x20 && ch < 0x7f) ? (char)ch : '.';
			}
			out[k < outsz ? k : outsz - 1] = '\0';
			*offset = m.base + m.offset;
			return;
		}
	}
}

static int scan_cb(YR_SCAN_CONTEXT *sctx, int message, void *data, void *ud)
{
	yw *w = ud;
	const YR_RULE *rule = data;
	const char *sev_s, *desc, *ref, *author;
	char ev[EVIDENCE_MAX + 80], title[300];
	char *esc;
	int sev;
	int64_t off;
	json_t *d, *tags;
	const char *tag;
	lc_finding_in f;

	if (message != CALLBACK_MSG_RULE_MATCHING)
		return CALLBACK_CONTINUE;
	sev_s = meta_string(rule, "severity");
	sev = sev_s ? lc_severity_parse(sev_s) : -1;
	if (sev <= 0)
		sev = LC_SEV_HIGH;
	desc = meta_string(rule, "description");
	ref = meta_string(rule, "reference");
	author = meta_string(rule, "author");
	first_match(sctx, rule, ev, sizeof ev, &off);
	esc = lc__escape(ev, strlen(ev));
	snprintf(title, sizeof title, "YARA rule %s%s%s", rule->identifier, desc ? ": " : "",
		 desc ? desc : "");
	d = json_object();
	json_object_set_new(d, "rule", json_string(rule->identifier));
	json_object_set_new(d, "namespace", json_string(rule->ns->name));
	if (author)
		json_object_set_new(d, "author", json_string(author));
	if (ref)
		json_object_set_new(d, "reference", json_string(ref));
	tags = json_array();
	yr_rule_tags_foreach(rule, tag)
	{
		json_array_append_new(tags, json_string(tag));
	}
	json_object_set_new(d, "tags", tags);
	memset(&f, 0, sizeof f);
	f.rule_id = rule->identifier;
	f.severity = (lc_severity)sev;
	f.title = title;
	f.description = desc ? desc : "The file matches a YARA rule.";
	f.source = LC_SRC_FILE;
	f.layer = -1;
	f.offset = off;
	f.evidence = esc ? esc : ev;
	f.remediation = "Remove the file and find out how it got into the image.";
	f.details = d;
	w->rc = lc__emit(w->em, &f);
	free(esc);
	return w->rc == LC_OK ? CALLBACK_CONTINUE : CALLBACK_ABORT;
}

static void set_externals(yw *w, const lc_entry *e)
{
	const char *base = strrchr(e->path, '/'), *dot;
	base = base ? base + 1 : e->path;
	dot = strrchr(base, '.');
	yr_scanner_define_string_variable(w->scanner, "filepath", e->path);
	yr_scanner_define_string_variable(w->scanner, "filename", base);
	yr_scanner_define_string_variable(w->scanner, "extension", dot && dot != base ? dot + 1 : "");
}

static void scan_result(yw *w, int r, const lc_entry *e)
{
	if (r == ERROR_SCAN_TIMEOUT)
		lc__scan_warn(w->em->scan, "yara.timeout", e->layer, e->path,
			      "YARA gave up on this file after %d seconds", YARA_TIMEOUT_S);
	else if (r != ERROR_SUCCESS && r != ERROR_CALLBACK_ERROR)
		lc__scan_warn(w->em->scan, "yara.error", e->layer, e->path, "YARA scan failed (error %d)",
			      r);
}

/* Could any rule match this file? Only a FALSE from the prefilter says no. */
static bool worth_scanning(ys *s, yw *w, const lc_entry *e, const uint8_t *buf, size_t len,
			   int64_t size)
{
	lc_yc_file f;
	/* a hole inside the file, or more bytes than its size: the matcher did not see what
	 * libyara will */
	if (!s->yc || w->gap || w->pos > e->size)
		return true;
	/* A short file (a layer cut short, a sparse tail): past the bytes that arrived libyara
	 * sees zeros (the spill is extended to the size), so only a literal that ends in zero
	 * bytes can match there, even across the boundary: count each such literal as seen.
	 * (A decompression bomb's 256 MB of zeros then no longer goes through libyara.) */
	if (w->pos < e->size) {
		for (size_t i = 0; i < lc__yc_nlits(s->yc); i++) {
			const lc_yc_lit *l = lc__yc_lit(s->yc, i);
			if (l->len && l->bytes[l->len - 1] == 0)
				w->seen[l->str / 64] |= 1ull << (l->str % 64);
		}
	}
	f.seen = w->seen;
	f.size = size;
	f.head = buf;
	f.headlen = len;
	return lc__yc_eval(s->yc, &f, w->vals, false) != LC_YC_FALSE;
}

static lc_code on_file(void *shared, void *worker, lc_emitter *em, const lc_entry *e,
		       const uint8_t *buf, size_t len, bool truncated)
{
	yw *w = worker;
	ys *s = shared;
	int r = ERROR_SUCCESS;
	bool whole = !truncated || e->size <= (int64_t)len;
	w->rc = LC_OK;
	/* an empty file matches only rules about nothing; a million of them cost seconds */
	if (e->size == 0 && len == 0)
		goto out;
	w->files++;
	/* the size libyara sees: the buffer's, or the spill's (the whole file) */
	if (!worth_scanning(s, w, e, buf, len, whole ? (int64_t)len : e->size)) {
		w->skipped++;
		goto out;
	}
	w->em = em;
	w->e = e;
	set_externals(w, e);
	yr_scanner_set_callback(w->scanner, scan_cb, w);
	/* the scan may hand even a large file whole; only a cut buffer needs the spill */
	if (whole)
		r = yr_scanner_scan_mem(w->scanner, buf, len);
	else if (w->spill_ready)
		r = yr_scanner_scan_fd(w->scanner, w->fd);
	/* else the spill failed and said so */
	scan_result(w, r, e);
out:
	if (w->spill_ready) {
		w->spill_ready = false;
		if (ftruncate(w->fd, 0) != 0)
			spill_cleanup(w);
	}
	/* the next file starts from nothing seen; matches only ever arrive before the
	 * on_file of their own file, so clearing here loses none */
	if (w->seen)
		memset(w->seen, 0, (w->nstr / 64 + 1) * sizeof *w->seen);
	w->pos = 0;
	w->gap = false;
	return w->rc;
}

static bool spill_open(yw *w)
{
	const char *tmp = getenv("TMPDIR");
	if (w->fd >= 0)
		return ftruncate(w->fd, 0) == 0;
	if (!tmp || !*tmp || strlen(tmp) > 3000)
		tmp = "/tmp";
	/* a private directory: nobody can swap the file under us, no image name is used */
	snprintf(w->dir, sizeof w->dir, "%s/laocoon-yara-XXXXXX", tmp);
	if (!mkdtemp(w->dir)) {
		w->dir[0] = '\0';
		return false;
	}
	snprintf(w->file, sizeof w->file, "%s/spill", w->dir);
	w->fd = open(w->file, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (w->fd < 0) {
		rmdir(w->dir);
		w->dir[0] = '\0';
		return false;
	}
	return true;
}

static lc_code on_chunk(void *shared, void *worker, lc_emitter *em, const lc_entry *e,
			const uint8_t *buf, size_t len, int64_t offset, bool last)
{
	yw *w = worker;
	ys *s = shared;
	int64_t limit = s->buf_limit;
	lc_code rc = LC_OK;

	/* blocks must follow each other with no hole (the last call, with the file's size as
	 * its offset, says where the file ends: short of it is a short file, not a hole) */
	if (!last && offset >= 0 && offset != w->pos)
		w->gap = true;
	if (!last)
		w->pos = (offset >= 0 ? offset : w->pos) + (int64_t)len;
	if (e->size <= limit)
		goto out;
	if (!last) {
		if (!w->spilling && !w->spill_failed) {
			if (e->size > YARA_SPILL_MAX) {
				lc__scan_warn(em->scan, "yara.file_too_large", e->layer, e->path,
					      "larger than %lld bytes: not scanned with YARA",
					      (long long)YARA_SPILL_MAX);
				w->spill_failed = true;
			} else if (!spill_open(w)) {
				lc__scan_warn(em->scan, "yara.spill_failed", e->layer, e->path,
					      "cannot create a temporary file (%s): not scanned with YARA",
					      strerror(errno));
				w->spill_failed = true;
			} else {
				w->spilling = true;
			}
		}
		if (w->spilling && pwrite(w->fd, buf, len, offset) != (ssize_t)len) {
			lc__scan_warn(em->scan, "yara.spill_failed", e->layer, e->path,
				      "writing the temporary file failed (%s): not scanned with YARA",
				      strerror(errno));
			w->spilling = false;
			w->spill_failed = true;
		}
		goto out;
	}
	/* a sparse tail: make the size right; on_file, called next, scans it */
	if (w->spilling && ftruncate(w->fd, e->size) == 0)
		w->spill_ready = true;
	w->spilling = false;
	w->spill_failed = false;
out:
	return rc;
}

const lc_detector lc__det_yara = {
	.name = "yara",
	.description = "YARA rules: miners and Linux malware families, EICAR, and --yara-rules",
	.wants = LC_WANT_BUFFER | LC_WANT_CHUNKS | LC_WANT_MATCHER,
	.max_size = 0,
	.load = load,
	.unload = unload,
	.worker_new = worker_new,
	.worker_free = worker_free,
	.on_chunk = on_chunk,
	.on_file = on_file,
};
