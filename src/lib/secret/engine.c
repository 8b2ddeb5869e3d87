/*
 * engine.c - the secret rule engine: compile rules with PCRE2 (JIT), confirm a candidate
 * window (regex, secret group, entropy, placeholders, allow rules) and report secrets to a
 * sink. It knows nothing of images or the matcher, so fuzzers and tests call it on a plain
 * buffer.
 */
#include "lc_private.h"
#include "secret/secret_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Paths whose findings are less likely to be live credentials: documentation, tests,
 * examples. They lower confidence; they never hide a finding. */
static const char lowconf_src[] =
	"(?i)(?:^|/)(?:docs?|documentation|examples?|samples?|tests?|testdata|testing|"
	"fixtures?|spec|specs|__tests__|__mocks__|mocks?|demo)(?:/|$)|"
	"(?:^|/)[^/]*(?:_test\\.go|\\.test\\.[jt]sx?|\\.spec\\.[jt]sx?|_spec\\.rb|test_[^/]*\\.py)$|"
	"\\.(?:md|rst|adoc|markdown)$|(?:^|/)readme[^/]*$";

static pcre2_code *compile_re(const char *src, uint32_t opts, char *err, size_t errlen,
			      const char *what, bool jit)
{
	int ec = 0;
	PCRE2_SIZE eo = 0;
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)src, PCRE2_ZERO_TERMINATED, opts, &ec, &eo, NULL);
	if (!re) {
		PCRE2_UCHAR msg[256];
		pcre2_get_error_message(ec, msg, sizeof(msg));
		snprintf(err, errlen, "%s: regex error at offset %zu: %s", what, (size_t)eo,
			 (const char *)msg);
		return NULL;
	}
	/* JIT is an optimisation: when the platform refuses it, the interpreter still works */
	if (jit)
		(void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
	return re;
}

/*
 * A rule's regex, JIT-compiled the first time a candidate needs it: JIT-compiling all
 * 300 rules took ~3 ms of every start, and a scan confirms with a few of them. Every
 * match goes through here, so no thread runs the regex while another compiles it.
 */
static pthread_mutex_t jit_lock = PTHREAD_MUTEX_INITIALIZER;

static const pcre2_code *rule_re(const sr_rule *cr)
{
	sr_rule *r = (sr_rule *)cr; /* the JIT state is all that confirming changes */
	if (!atomic_load_explicit(&r->jitted, memory_order_acquire)) {
		pthread_mutex_lock(&jit_lock);
		if (!atomic_load_explicit(&r->jitted, memory_order_relaxed)) {
			(void)pcre2_jit_compile(r->re, PCRE2_JIT_COMPLETE);
			atomic_store_explicit(&r->jitted, true, memory_order_release);
		}
		pthread_mutex_unlock(&jit_lock);
	}
	return r->re;
}

static int compile_allow(sr_allow *a, char *err, size_t errlen)
{
	char what[160];
	snprintf(what, sizeof(what), "allow rule %s", a->id ? a->id : "?");
	if (a->regex_src && !a->regex && !(a->regex = compile_re(a->regex_src, 0, err, errlen, what, true)))
		return -1;
	if (a->path_src && !a->path && !(a->path = compile_re(a->path_src, 0, err, errlen, what, true)))
		return -1;
	return 0;
}

lc_code lc__secret_rules_finish(lc_secret_rules *rs, char *err, size_t errlen)
{
	lc_code rc = LC_OK;
	char what[160];
	if (!rs)
		return LC_EINTERNAL;
	if (rs->finished)
		return LC_OK;
	for (size_t i = 0; i < rs->n; i++) {
		sr_rule *r = &rs->v[i];
		snprintf(what, sizeof(what), "secret rule %s", r->id);
		if (r->regex_src && !r->re) {
			uint32_t cap = 0;
			r->re = compile_re(r->regex_src, 0, err, errlen, what, false);
			if (!r->re) {
				rc = LC_EUSAGE;
				goto out;
			}
			pcre2_pattern_info(r->re, PCRE2_INFO_CAPTURECOUNT, &cap);
			if (cap > rs->max_groups)
				rs->max_groups = cap;
			r->group = 0;
			if (r->group_name) {
				int g = pcre2_substring_number_from_name(r->re,
									 (PCRE2_SPTR)r->group_name);
				if (g < 0) {
					snprintf(err, errlen, "%s: no group named %s in its regex", what,
						 r->group_name);
					rc = LC_EUSAGE;
					goto out;
				}
				r->group = (uint32_t)g;
			}
		}
		if (r->path_src && !r->path_re &&
		    !(r->path_re = compile_re(r->path_src, 0, err, errlen, what, true))) {
			rc = LC_EUSAGE;
			goto out;
		}
		for (size_t j = 0; j < r->nallow; j++) {
			if (compile_allow(&r->allow[j], err, errlen) != 0) {
				rc = LC_EUSAGE;
				goto out;
			}
		}
	}
	for (size_t j = 0; j < rs->ngallow; j++) {
		if (compile_allow(&rs->gallow[j], err, errlen) != 0) {
			rc = LC_EUSAGE;
			goto out;
		}
	}
	if (!rs->lowconf_path &&
	    !(rs->lowconf_path = compile_re(lowconf_src, 0, err, errlen, "documentation paths", true))) {
		rc = LC_EINTERNAL;
		goto out;
	}
	rs->finished = true;
out:
	return rc;
}

void lc__secret_rules_free(lc_secret_rules *rs)
{
	if (!rs)
		return;
	for (size_t i = 0; i < rs->n; i++)
		lc__sr_rule_clear(&rs->v[i]);
	free(rs->v);
	for (size_t i = 0; i < rs->ngallow; i++)
		lc__sr_allow_clear(&rs->gallow[i]);
	free(rs->gallow);
	for (size_t i = 0; i < rs->ndisabled_allow; i++)
		free(rs->disabled_allow[i]);
	free(rs->disabled_allow);
	pcre2_code_free(rs->lowconf_path);
	free(rs);
}

size_t lc__secret_rules_count(const lc_secret_rules *rs)
{
	return rs ? rs->n : 0;
}

const char *const *lc__secret_rule_keywords(const lc_secret_rules *rs, size_t i)
{
	return i < rs->n ? (const char *const *)rs->v[i].keywords : NULL;
}

const char *lc__secret_rule_id(const lc_secret_rules *rs, size_t i)
{
	return i < rs->n ? rs->v[i].id : NULL;
}

bool lc__secret_rule_binary(const lc_secret_rules *rs, size_t i)
{
	return i < rs->n && rs->v[i].binary;
}

size_t lc__secret_rule_window(const lc_secret_rules *rs, size_t i)
{
	return i < rs->n ? rs->v[i].window : 0;
}

size_t lc__secret_rule_window_before(const lc_secret_rules *rs, size_t i)
{
	return i < rs->n ? rs->v[i].window_before : 0;
}

const char *lc__secret_rule_prefilter(const lc_secret_rules *rs, size_t i)
{
	return i < rs->n ? rs->v[i].prefilter : NULL;
}

const char *lc__secret_rule_regex(const lc_secret_rules *rs, size_t i)
{
	return i < rs->n ? rs->v[i].regex_src : NULL;
}

bool lc__secret_rule_active(const lc_secret_rules *rs, size_t i)
{
	return i < rs->n && !rs->v[i].disabled && rs->v[i].re;
}

lc_secret_scratch *lc__secret_scratch_new(const lc_secret_rules *rs)
{
	lc_secret_scratch *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->md = pcre2_match_data_create((rs ? rs->max_groups : 0) + 1, NULL);
	s->mctx = pcre2_match_context_create(NULL);
	s->jit = pcre2_jit_stack_create(32 * 1024, 512 * 1024, NULL);
	if (!s->md || !s->mctx) {
		lc__secret_scratch_free(s);
		return NULL;
	}
	/* a hostile window must not make one regex run for seconds */
	pcre2_set_match_limit(s->mctx, 2000000);
	pcre2_set_depth_limit(s->mctx, 5000);
	if (s->jit)
		pcre2_jit_stack_assign(s->mctx, NULL, s->jit);
	return s;
}

void lc__secret_scratch_free(lc_secret_scratch *s)
{
	if (!s)
		return;
	pcre2_match_data_free(s->md);
	pcre2_match_context_free(s->mctx);
	if (s->jit)
		pcre2_jit_stack_free(s->jit);
	free(s->lower);
	free(s);
}

/* ---- placeholders ------------------------------------------------------------------- */

static inline uint8_t lc_lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c | 0x20) : c;
}

/* needle is lower case already */
static bool contains_ci(const uint8_t *s, size_t n, const char *needle)
{
	size_t k = strlen(needle);
	if (k == 0 || k > n)
		return false;
	for (size_t i = 0; i + k <= n; i++) {
		size_t j = 0;
		while (j < k && lc_lower(s[i + j]) == (uint8_t)needle[j])
			j++;
		if (j == k)
			return true;
	}
	return false;
}

static bool allow_disabled(const lc_secret_rules *rs, const char *id)
{
	for (size_t i = 0; i < rs->ndisabled_allow; i++)
		if (!strcmp(rs->disabled_allow[i], id))
			return true;
	return false;
}

/* Values people write in place of a secret: EXAMPLE, xxxx, ${VAR}, <your-key>, all one
 * letter, repeated characters. */
static bool is_placeholder(const uint8_t *s, size_t n)
{
	static const char *const words[] = {"example", "xxxx", "changeme", "placeholder",
					     "redacted", "dummy", "replace_me", "replaceme",
					     "your_", "your-", "yourkey", "insert_", "abcdefghij",
					     "qwertyuiop", "****", "...", NULL};
	bool seen[256] = {false};
	size_t distinct = 0;
	if (n == 0)
		return true;
	for (const char *const *w = words; *w; w++)
		if (contains_ci(s, n, *w))
			return true;
	for (size_t i = 0; i + 1 < n; i++) {
		if ((s[i] == '$' && (s[i + 1] == '{' || s[i + 1] == '(')) ||
		    (s[i] == '{' && s[i + 1] == '{'))
			return true;
	}
	if (s[0] == '$' || s[0] == '<' || (s[0] == '%' && s[n - 1] == '%'))
		return true;
	if (n >= 4 && s[0] == '{' && s[n - 1] == '}')
		return true;
	for (size_t i = 0; i < n; i++) {
		if (!seen[s[i]]) {
			seen[s[i]] = true;
			distinct++;
		}
	}
	return n >= 8 && distinct <= 3;
}

static bool allow_match(pcre2_code *re, lc_secret_scratch *s, const uint8_t *p, size_t n)
{
	if (!re)
		return true; /* an absent condition does not restrict */
	return pcre2_match(re, (PCRE2_SPTR)p, n, 0, 0, s->md, s->mctx) >= 0;
}

/* An allow rule matches when all its given conditions hold: regex on the whole match,
 * path on the file path. */
static bool allowed_by(const sr_allow *a, size_t na, lc_secret_scratch *s, const uint8_t *m,
		       size_t mlen, const char *path)
{
	for (size_t i = 0; i < na; i++) {
		if (a[i].path && !path)
			continue;
		if (!allow_match(a[i].regex, s, m, mlen))
			continue;
		if (a[i].path && !allow_match(a[i].path, s, (const uint8_t *)path, strlen(path)))
			continue;
		return true;
	}
	return false;
}

static bool path_ok(const sr_rule *r, lc_secret_scratch *s, const char *path)
{
	if (!r->path_re)
		return true;
	if (!path)
		return false;
	return pcre2_match(r->path_re, (PCRE2_SPTR)path, strlen(path), 0, 0, s->md, s->mctx) >= 0;
}

/* Does a provider-specific rule claim the same bytes? Then a generic hit yields to it. */
static bool claimed_by_specific(const lc_secret_rules *rs, lc_secret_scratch *s,
				const uint8_t *subj, size_t len, size_t ms, size_t me, size_t ss,
				size_t se, const char *path)
{
	bool claimed = false;
	for (size_t i = 0; i < rs->n && !claimed; i++) {
		const sr_rule *r = &rs->v[i];
		bool kw = r->nkeywords == 0;
		if (r->generic || r->disabled || !r->re || !path_ok(r, s, path))
			continue;
		for (size_t k = 0; k < r->nkeywords && !kw; k++) {
			size_t kl = strlen(r->keywords[k]);
			/* a value in a provider's own prefix that its rule rejected is a
			 * malformed or placeholder token, not a generic secret */
			if (kl >= 4 && se - ss >= kl && contains_ci(subj + ss, kl, r->keywords[k]))
				return true;
			/* PROVIDER_TOKEN = value that the provider's own rule rejected */
			if (kl >= 4 && ms < ss && contains_ci(subj + ms, ss - ms, r->keywords[k]))
				return true;
			/* the specific rule must cover the same bytes: its keyword sits in the
			 * generic match (identifier or value), not anywhere in the window */
			kw = contains_ci(subj + ms, me - ms, r->keywords[k]);
		}
		if (!kw)
			continue;
		PCRE2_SIZE off = 0;
		while (off <= len) {
			int mrc = pcre2_match(rule_re(r), (PCRE2_SPTR)subj, len, off, 0, s->md, s->mctx);
			if (mrc < 0)
				break;
			PCRE2_SIZE *ov = pcre2_get_ovector_pointer(s->md);
			if (ov[0] < se && ov[1] > ss) {
				claimed = true;
				break;
			}
			off = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
		}
	}
	return claimed;
}

int lc__secret_confirm(const lc_secret_rules *rs, lc_secret_scratch *s, size_t rule,
		       const uint8_t *subj, size_t len, int64_t base, const char *path,
		       lc_secret_sink sink, void *ud)
{
	int hits = 0;
	const sr_rule *r;
	PCRE2_SIZE off = 0;
	bool lowconf = false;
	if (!rs || !s || rule >= rs->n)
		return 0;
	r = &rs->v[rule];
	if (r->disabled || !r->re || !path_ok(r, s, path))
		return 0;
	if (path && rs->lowconf_path && !allow_disabled(rs, "docs-paths"))
		lowconf = pcre2_match(rs->lowconf_path, (PCRE2_SPTR)path, strlen(path), 0, 0, s->md,
				      s->mctx) >= 0;
	while (off <= len) {
		int mrc = pcre2_match(rule_re(r), (PCRE2_SPTR)subj, len, off, 0, s->md, s->mctx);
		PCRE2_SIZE *ov;
		size_t ms, me, ss, se;
		if (mrc < 0)
			break;
		ov = pcre2_get_ovector_pointer(s->md);
		ms = ov[0];
		me = ov[1];
		ss = ms;
		se = me;
		if (r->group && (int)r->group < mrc && ov[2 * r->group] != PCRE2_UNSET) {
			ss = ov[2 * r->group];
			se = ov[2 * r->group + 1];
		}
		off = me > ms ? me : ms + 1;
		if (se <= ss)
			continue;
		/* a rule that starts at its keyword: the identifier it sits in begins earlier
		 * (publicToken, csrf-token), and allow rules judge the whole identifier */
		for (size_t k = 0; k < r->ident_prefix && ms > 0; k++) {
			uint8_t c = subj[ms - 1];
			if (!(c == '_' || c == '.' || c == '-' || (c >= '0' && c <= '9') ||
			      (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
				break;
			ms--;
		}
		if (r->entropy > 0 && lc__entropy(subj + ss, se - ss) < r->entropy)
			continue;
		if (!r->no_placeholder && !allow_disabled(rs, "placeholders") &&
		    is_placeholder(subj + ss, se - ss))
			continue;
		if (allowed_by(r->allow, r->nallow, s, subj + ms, me - ms, path))
			continue;
		if (allowed_by(rs->gallow, rs->ngallow, s, subj + ss, se - ss, path))
			continue;
		if (r->generic && claimed_by_specific(rs, s, subj, len, ms, me, ss, se, path))
			continue;
		lc_secret_hit h = {
			.rule_id = r->id,
			.category = r->category,
			.title = r->title,
			.severity = r->severity,
			.low_confidence = lowconf,
			.start = base + (int64_t)ss,
			.end = base + (int64_t)se,
			.secret = subj + ss,
			.secret_len = se - ss,
			.match = subj + ms,
			.match_len = me - ms,
			.match_start = base + (int64_t)ms,
			.rule = rule,
		};
		hits++;
		if (sink && sink(ud, &h) != 0)
			break;
	}
	return hits;
}

int lc__secret_scan_buffer(const lc_secret_rules *rs, lc_secret_scratch *s,
			   const uint8_t *buf, size_t len, const char *path, bool binary,
			   lc_secret_sink sink, void *ud)
{
	int hits = 0;
	if (!rs || !s || !buf)
		return 0;
	/* keywords are case-insensitive: compare against one lower-cased copy */
	if (len + 1 > s->lower_cap) {
		uint8_t *nl = realloc(s->lower, len + 1);
		if (!nl)
			return 0;
		s->lower = nl;
		s->lower_cap = len + 1;
	}
	for (size_t i = 0; i < len; i++)
		s->lower[i] = (buf[i] >= 'A' && buf[i] <= 'Z') ? (uint8_t)(buf[i] | 0x20) : buf[i];
	s->lower[len] = 0;
	for (size_t i = 0; i < rs->n; i++) {
		const sr_rule *r = &rs->v[i];
		bool kw = r->nkeywords == 0;
		if (r->disabled || (binary && !r->binary))
			continue;
		if (!r->re) { /* path-only rule: the file's name is the finding */
			if (r->path_re && path && path_ok(r, s, path)) {
				lc_secret_hit h = {.rule_id = r->id, .category = r->category,
						   .title = r->title, .severity = r->severity,
						   .start = -1, .end = -1, .match_start = -1,
						   .rule = i};
				hits++;
				if (sink && sink(ud, &h) != 0)
					break;
			}
			continue;
		}
		for (size_t k = 0; k < r->nkeywords && !kw; k++)
			kw = memmem(s->lower, len, r->keywords[k], strlen(r->keywords[k])) != NULL;
		if (!kw)
			continue;
		hits += lc__secret_confirm(rs, s, i, buf, len, 0, path, sink, ud);
	}
	return hits;
}

char *lc__secret_redact(const uint8_t *secret, size_t len, bool show)
{
	char *out;
	size_t keep;
	if (!secret)
		return strdup("");
	if (show) {
		out = malloc(len + 1);
		if (out) {
			memcpy(out, secret, len);
			out[len] = 0;
		}
		return out;
	}
	/* a private key block: only its BEGIN line says what it is */
	if (len > 10 && !memcmp(secret, "-----BEGIN", 10)) {
		const uint8_t *nl = memchr(secret, '\n', len);
		keep = nl ? (size_t)(nl - secret) : len;
		if (keep > 0 && secret[keep - 1] == '\r')
			keep--;
		if (keep > 100)
			keep = 100;
		out = malloc(keep + 1);
		if (out) {
			memcpy(out, secret, keep);
			out[keep] = 0;
		}
		return out;
	}
	keep = len < 4 ? len : 4;
	if (len <= 8) /* a short secret shows less of itself */
		keep = len < 2 ? 0 : 1;
	out = malloc(keep + 5);
	if (out) {
		memcpy(out, secret, keep);
		memcpy(out + keep, "****", 5);
	}
	return out;
}
