/* fuzz_secret_rules.c - a user's secret config (--secret-config, Trivy-compatible YAML):
 * rules with regexes, keywords, paths, entropy and allow rules, disable/enable lists. The
 * set is loaded on top of the built-in rules or on its own, compiled, then run over the
 * input itself (the rule text holds the strings its own regexes look for). */
#include "fuzz_common.h"
#include "secret/secret_int.h"

static int sink(void *ud, const lc_secret_hit *h)
{
	const fuzz_in *subj = ud;
	FUZZ_ASSERT(h->rule_id);
	if (h->start >= 0) {
		FUZZ_ASSERT(h->start <= h->end && (size_t)h->end <= subj->n);
		FUZZ_ASSERT(h->secret == subj->p + h->start && h->secret_len == (size_t)(h->end - h->start));
		FUZZ_ASSERT(h->match >= subj->p && h->match + h->match_len <= subj->p + subj->n);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const paths[] = {NULL, "app/.env", "docs/example/config.yaml",
					    "usr/lib/python3/site-packages/x.py", "id_rsa"};
	fuzz_in in = {data, size};
	unsigned mode = fuzz_byte(&in);
	lc_secret_rules *rs = NULL;
	lc_secret_scratch *s = NULL;
	char err[256];
	/* The built-ins cost a YAML parse and a hundred PCRE2 JIT compiles per run (10 ms):
	 * modes 0 and 0x80 start from them (replacing, disabling, allow-listing built-in
	 * ids); the rest start from an empty set, made as lc__secret_rules_builtin makes its
	 * own (the engine has no constructor for an empty set: secret_int.h). */
	if ((mode & 0x7f) == 0) {
		if (lc__secret_rules_builtin(&rs, err, sizeof(err)) != LC_OK)
			abort(); /* the embedded rules must always load */
	} else {
		rs = calloc(1, sizeof(*rs));
		if (!rs)
			return 0;
		rs->enable_builtin = true;
	}
	if (lc__secret_rules_apply_yaml(rs, (const char *)in.p, in.n, "fuzz.yaml", err,
					sizeof(err)) != LC_OK)
		goto out;
	FUZZ_ASSERT(memchr(err, 0, sizeof(err)));
	if (mode & 8)
		(void)lc__secret_rules_apply_yaml(rs, (const char *)in.p, in.n, "again.yaml", err,
						  sizeof(err));
	if (lc__secret_rules_finish(rs, err, sizeof(err)) != LC_OK)
		goto out;
	for (size_t i = 0; i < lc__secret_rules_count(rs); i++) {
		const char *const *kw = lc__secret_rule_keywords(rs, i);
		FUZZ_ASSERT(lc__secret_rule_id(rs, i));
		for (size_t k = 0; kw && kw[k]; k++)
			FUZZ_ASSERT(strlen(kw[k]) < (1u << 20));
		(void)lc__secret_rule_window(rs, i);
		(void)lc__secret_rule_window_before(rs, i);
		(void)lc__secret_rule_prefilter(rs, i);
		(void)lc__secret_rule_active(rs, i);
	}
	s = lc__secret_scratch_new(rs);
	if (s)
		lc__secret_scan_buffer(rs, s, in.p, in.n, paths[(mode >> 4) % 5], (mode & 0x80) != 0,
				       sink, &in);
out:
	lc__secret_scratch_free(s);
	lc__secret_rules_free(rs);
	return 0;
}
