/*
 * secrets.c - the secrets detector: every rule of the secret engine registered with the
 * shared matcher (keywords or a prefilter expression), confirmed on the window the matcher
 * hands back; image config (ENV, labels, history) through the same rules.
 */
#include "lc_private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define SECRETS_CONFIG_MAX (8u << 20)
#define SPAN_RING 32u

typedef struct sec_shared {
	lc_secret_rules *rs;
	int64_t per_file_max;
} sec_shared;

typedef struct span {
	int64_t start, end;
} span;

typedef struct sec_worker {
	const sec_shared *sh;
	lc_secret_scratch *s;
	/* the file being scanned: matches of one rule overlap, windows repeat */
	const lc_entry *cur;
	int cur_layer;
	char cur_path[4096];
	int64_t *last_end; /* per rule */
	span spans[SPAN_RING];
	size_t nspans;
	int64_t nfound;
	bool warned;
	bool system_library; /* a shared library of the system: self-test keys are common */
	bool credential_file; /* parsed by the credentials detector */
	/* per delivery */
	lc_emitter *em;
	const lc_match *m;
	lc_code err;
} sec_worker;


static char *read_file_bounded(const char *path, size_t max, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	struct stat st;
	if (!f)
		return NULL;
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size > max)
		goto out;
	buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		goto out;
	*len = fread(buf, 1, (size_t)st.st_size, f);
	buf[*len] = 0;
out:
	fclose(f);
	return buf;
}

static lc_code on_match(void *shared, void *worker, lc_emitter *em, const lc_entry *e,
			const lc_match *m);

static void sec_unload(void *shared)
{
	sec_shared *sh = shared;
	if (!sh)
		return;
	lc__secret_rules_free(sh->rs);
	free(sh);
}

static lc_code sec_load(lc_ctx *ctx, void **shared)
{
	lc_code rc = LC_OK;
	char err[512] = "";
	sec_shared *sh = calloc(1, sizeof(*sh));
	lc_matcher *m;
	*shared = NULL;
	if (!sh)
		return lc__fail(ctx, LC_EINTERNAL, "out of memory");
	rc = lc__secret_rules_builtin(&sh->rs, err, sizeof(err));
	if (rc) {
		rc = lc__fail(ctx, rc, "secrets: %s", err);
		goto out;
	}
	for (size_t i = 0; i < ctx->secret_configs.n; i++) {
		size_t len = 0;
		const char *path = ctx->secret_configs.v[i];
		char *buf = read_file_bounded(path, SECRETS_CONFIG_MAX, &len);
		if (!buf) {
			rc = lc__fail(ctx, LC_EUSAGE, "--secret-config %s: cannot read it (or larger than %u bytes)",
				      path, SECRETS_CONFIG_MAX);
			goto out;
		}
		rc = lc__secret_rules_apply_yaml(sh->rs, buf, len, path, err, sizeof(err));
		free(buf);
		if (rc) {
			rc = lc__fail(ctx, rc, "--secret-config %s", err);
			goto out;
		}
	}
	rc = lc__secret_rules_finish(sh->rs, err, sizeof(err));
	if (rc) {
		rc = lc__fail(ctx, rc, "secrets: %s", err);
		goto out;
	}
	sh->per_file_max = lc__limit(ctx, LC_LIM_FINDINGS_PER_FILE);
	m = lc__matcher_get(ctx);
	if (!m) {
		rc = lc__fail(ctx, LC_EINTERNAL, "out of memory");
		goto out;
	}
	/* One pass: every rule's trigger goes into the shared database. A rule whose format
	 * is ambiguous in binary data (bare hex, keyword context) is marked text-only. */
	for (size_t i = 0; i < lc__secret_rules_count(sh->rs); i++) {
		const char *const *kw = lc__secret_rule_keywords(sh->rs, i);
		const char *pre = lc__secret_rule_prefilter(sh->rs, i);
		size_t win = lc__secret_rule_window(sh->rs, i);
		size_t before = lc__secret_rule_window_before(sh->rs, i);
		unsigned fl = lc__secret_rule_binary(sh->rs, i) ? 0 : LC_M_TEXT_ONLY;
		if (!lc__secret_rule_active(sh->rs, i))
			continue;
		if (pre) {
			rc = lc__matcher_add(m, &lc__det_secrets, on_match, (unsigned)i, pre, fl, before,
					     win);
		} else if (kw && kw[0]) {
			for (size_t k = 0; kw[k] && !rc; k++)
				rc = lc__matcher_add(m, &lc__det_secrets, on_match, (unsigned)i, kw[k],
						     fl | LC_M_CASELESS | LC_M_LITERAL, before, win);
		} else {
			/* no keyword: the regex itself (the matcher takes it in prefilter mode
			 * when Hyperscan cannot run it as is) */
			rc = lc__matcher_add(m, &lc__det_secrets, on_match, (unsigned)i,
					     lc__secret_rule_regex(sh->rs, i), fl, win, win);
		}
		if (rc) {
			rc = lc__fail(ctx, rc, "secrets: cannot register rule %s",
				      lc__secret_rule_id(sh->rs, i));
			goto out;
		}
	}
	*shared = sh;
	sh = NULL;
out:
	sec_unload(sh);
	return rc;
}

static void sec_worker_free(void *worker)
{
	sec_worker *w = worker;
	if (!w)
		return;
	lc__secret_scratch_free(w->s);
	free(w->last_end);
	free(w);
}

static lc_code sec_worker_new(void *shared, void **worker)
{
	sec_shared *sh = shared;
	sec_worker *w = calloc(1, sizeof(*w));
	*worker = NULL;
	if (!w)
		return LC_EINTERNAL;
	w->sh = sh;
	w->s = lc__secret_scratch_new(sh->rs);
	w->last_end = calloc(lc__secret_rules_count(sh->rs) + 1, sizeof(int64_t));
	w->cur_layer = -1;
	if (!w->s || !w->last_end) {
		sec_worker_free(w);
		return LC_EINTERNAL;
	}
	*worker = w;
	return LC_OK;
}

/* Files the credentials detector parses by format: a generic "key = value" hit there
 * only repeats its finding. */
static bool credential_file(const char *path)
{
	static const char *const suffixes[] = {".docker/config.json", "containers/auth.json",
					       ".aws/credentials", "/.npmrc", "/.pypirc",
					       "/.netrc", "/.pgpass", "/.git-credentials",
					       ".kube/config", "/.env", NULL};
	size_t n = strlen(path);
	for (const char *const *s = suffixes; *s; s++) {
		size_t k = strlen(*s);
		if (n >= k && !strcmp(path + n - k, *s))
			return true;
		if (**s == '/' && !strcmp(path, *s + 1))
			return true;
	}
	return false;
}

/* usr/lib/.../libfoo.so.1 and friends: crypto libraries carry test keys and vectors */
static bool system_library(const char *path)
{
	const char *b = strrchr(path, '/');
	b = b ? b + 1 : path;
	if (!strstr(b, ".so"))
		return false;
	return !strncmp(path, "usr/lib", 7) || !strncmp(path, "lib", 3) ||
	       !strncmp(path, "usr/local/lib", 13);
}

static lc_severity lower(lc_severity s)
{
	return s > LC_SEV_LOW ? (lc_severity)(s - 1) : s;
}

static const char remediation[] =
	"Remove the secret from the image and rotate it: deleting the file in a later layer "
	"does not erase it from the earlier one. Pass secrets at run time (a secret mount, an "
	"orchestrator secret, a vault) instead of baking them into layers, ENV or build args.";

/* Findings for one confirmed secret; shared by files (matcher) and config strings. */
static lc_code emit_hit(lc_emitter *em, const lc_secret_hit *h, lc_source_kind src, int layer,
			const char *path, int64_t line, int64_t offset, bool binary)
{
	char title[300], desc[600];
	char *ev;
	json_t *d;
	lc_finding_in f;
	bool show = lc__scan_show_secrets(em->scan);
	ev = lc__secret_redact(h->secret, h->secret_len, show);
	d = json_object();
	if (!ev || !d) {
		free(ev);
		json_decref(d);
		return LC_EINTERNAL;
	}
	/* details say what and how sure, never the secret itself */
	json_object_set_new(d, "provider", json_string(h->category));
	json_object_set_new(d, "confidence", json_string(h->low_confidence ? "low" : "high"));
	json_object_set_new(d, "secret_length", json_integer((json_int_t)h->secret_len));
	if (binary)
		json_object_set_new(d, "in_binary", json_true());
	if (h->low_confidence)
		json_object_set_new(d, "reason",
				    json_string(binary ? "inside a system shared library (test keys and "
							 "vectors are common there)"
						       : "documentation, test or example path"));
	snprintf(title, sizeof(title), "%s", h->title);
	snprintf(desc, sizeof(desc),
		 "A %s (%s) is stored in the image where anyone who pulls it can read it.", h->title,
		 h->category);
	memset(&f, 0, sizeof(f));
	f.rule_id = h->rule_id;
	f.severity = h->low_confidence ? lower(h->severity) : h->severity;
	f.title = title;
	f.description = desc;
	f.source = src;
	f.layer = layer;
	f.path = path;
	f.line = line;
	f.offset = offset;
	f.evidence = ev;
	f.remediation = remediation;
	f.details = d;
	lc_code rc = lc__emit(em, &f);
	free(ev);
	return rc;
}

/* ---- file content through the matcher ------------------------------------------------ */

static void file_reset(sec_worker *w, const lc_entry *e)
{
	size_t n = lc__secret_rules_count(w->sh->rs);
	w->cur = e;
	w->cur_layer = e ? e->layer : -1;
	snprintf(w->cur_path, sizeof(w->cur_path), "%s", e && e->path ? e->path : "");
	for (size_t i = 0; i < n; i++)
		w->last_end[i] = -1;
	w->nspans = 0;
	w->nfound = 0;
	w->warned = false;
}

static bool same_file(const sec_worker *w, const lc_entry *e)
{
	return w->cur == e && e && w->cur_layer == e->layer && e->path &&
	       strcmp(w->cur_path, e->path) == 0;
}

static int file_sink(void *ud, const lc_secret_hit *h)
{
	sec_worker *w = ud;
	size_t ri = h->rule;
	if (w->credential_file && !strncmp(h->rule_id, "generic", 7))
		return 0;
	/* the same secret seen again through an overlapping window, or by a second rule */
	for (size_t i = 0; i < w->nspans && i < SPAN_RING; i++)
		if (h->start < w->spans[i].end && h->end > w->spans[i].start)
			return 0;
	if (ri < lc__secret_rules_count(w->sh->rs)) {
		if (h->start < w->last_end[ri])
			return 0;
		w->last_end[ri] = h->end;
	}
	w->spans[w->nspans % SPAN_RING] = (span){h->start, h->end};
	w->nspans++;
	if (w->nfound >= w->sh->per_file_max) {
		if (!w->warned)
			lc__scan_warn(w->em->scan, "secrets.too_many", w->cur_layer, w->cur_path,
				      "more than %lld secrets in one file; the rest are not reported",
				      (long long)w->sh->per_file_max);
		w->warned = true;
		return 1;
	}
	w->nfound++;
	int64_t line = lc__match_line(w->m, h->start);
	if (w->system_library) {
		lc_secret_hit low = *h;
		low.low_confidence = true;
		if (low.severity > LC_SEV_MEDIUM)
			low.severity = LC_SEV_MEDIUM + 1; /* lowered once more by emit_hit */
		w->err = emit_hit(w->em, &low, LC_SRC_FILE, -1, NULL, line, h->start, true);
	} else {
		w->err = emit_hit(w->em, h, LC_SRC_FILE, -1, NULL, line, h->start, false);
	}
	return w->err ? 1 : 0;
}

static lc_code on_match(void *shared, void *worker, lc_emitter *em, const lc_entry *e,
			const lc_match *m)
{
	sec_shared *sh = shared;
	sec_worker *w = worker;
	if (!sh || !w || !e)
		return LC_OK;
	if (!same_file(w, e)) {
		file_reset(w, e);
		w->system_library = system_library(e->path);
		w->credential_file = credential_file(e->path);
	}
	if (w->nfound >= sh->per_file_max)
		return LC_OK;
	w->em = em;
	w->m = m;
	w->err = LC_OK;
	lc__secret_confirm(sh->rs, w->s, m->rule, m->win, m->win_len, m->win_off, e->path,
			   file_sink, w);
	return w->err;
}

/* ---- image config: every string of it, and the history -------------------------------- */

typedef struct cfg_ctx {
	lc_emitter *em;
	lc_source_kind src;
	int layer;
	const char *path;
	lc_code err;
	int n;
} cfg_ctx;

static int cfg_sink(void *ud, const lc_secret_hit *h)
{
	cfg_ctx *c = ud;
	if (c->n++ >= 20) /* one string, a few secrets at most */
		return 1;
	c->err = emit_hit(c->em, h, c->src, c->layer, c->path, 0, -1, false);
	return c->err ? 1 : 0;
}

static lc_code scan_string(const sec_shared *sh, lc_secret_scratch *s, lc_emitter *em,
			   lc_source_kind src, int layer, const char *path, const char *str)
{
	cfg_ctx c = {em, src, layer, path, LC_OK, 0};
	if (!str || !*str)
		return LC_OK;
	lc__secret_scan_buffer(sh->rs, s, (const uint8_t *)str, strlen(str), NULL, false, cfg_sink,
			       &c);
	return c.err;
}

typedef struct cfg_walk {
	sec_shared *sh;
	lc_secret_scratch *s;
	lc_emitter *em;
} cfg_walk;

/* Each string on its own; a label as "key=value", so that the key gives the context the
 * rules look for. */
static lc_code cfg_text(void *ud, const lc_config_text *t)
{
	const cfg_walk *cc = ud;
	char path[128], *kv = NULL;
	const char *text = t->text;
	lc_code rc = LC_OK;

	if (t->key) {
		size_t n = strlen(t->key) + strlen(t->text) + 2;
		if (!(kv = malloc(n))) {
			rc = LC_EINTERNAL;
			goto out;
		}
		snprintf(kv, n, "%s=%s", t->key, t->text);
		text = kv;
		snprintf(path, sizeof(path), "config.Labels[%.100s]", t->key);
	} else if (t->source == LC_SRC_HISTORY) {
		snprintf(path, sizeof(path), "history[%zu]", t->index);
	} else {
		snprintf(path, sizeof(path), "config.%s[%zu]", t->field, t->index);
	}
	rc = scan_string(cc->sh, cc->s, cc->em, t->source, t->layer, path, text);
out:
	free(kv);
	return rc;
}

static lc_code sec_on_image(void *shared, lc_emitter *em, const lc_view *v)
{
	cfg_walk cc = {shared, NULL, em};
	lc_code rc = LC_OK;

	if (!cc.sh || !v || !v->img)
		goto out;
	if (!(cc.s = lc__secret_scratch_new(cc.sh->rs))) {
		rc = LC_EINTERNAL;
		goto out;
	}
	rc = lc__config_texts(v->img, 0, cfg_text, &cc);
	lc__secret_scratch_free(cc.s);
out:
	return rc;
}

const lc_detector lc__det_secrets = {
	.name = "secrets",
	.description = "API tokens, cloud keys, private keys and passwords in files, binaries, "
		       "ENV, labels and build history (300 rules, one pass)",
	.wants = LC_WANT_MATCHER,
	.paths = NULL,
	.load = sec_load,
	.unload = sec_unload,
	.worker_new = sec_worker_new,
	.worker_free = sec_worker_free,
	.on_image = sec_on_image,
};
