/* fuzz_secret_confirm.c - the secret engine's confirmation step on a buffer: the built-in
 * rules' PCRE2 regexes, entropy, placeholder and allow checks, group extraction and the
 * generic-vs-specific arbitration, on a window as the matcher hands it (one rule, an
 * offset base, a path) and on a whole buffer (every rule, keyword pre-check). The first
 * bytes pick the rule, the path and text/binary; the rest is the subject. */
#include "fuzz_common.h"

typedef struct subject {
	const uint8_t *p;
	size_t n;
	int64_t base;
	size_t hits;
} subject;

static int sink(void *ud, const lc_secret_hit *h)
{
	subject *s = ud;
	FUZZ_ASSERT(h->rule_id && h->title);
	if (h->start >= 0) {
		FUZZ_ASSERT(h->start >= s->base && h->start < h->end);
		FUZZ_ASSERT((size_t)(h->end - s->base) <= s->n);
		FUZZ_ASSERT(h->secret == s->p + (h->start - s->base));
		FUZZ_ASSERT(h->secret_len == (size_t)(h->end - h->start));
		FUZZ_ASSERT(h->match >= s->p && h->match + h->match_len <= s->p + s->n);
		FUZZ_ASSERT(h->match_start == s->base + (h->match - s->p));
		/* what the report would show: never more than the secret */
		char *r = lc__secret_redact(h->secret, h->secret_len, false);
		FUZZ_ASSERT(r && strlen(r) <= 4 + 100);
		free(r);
	}
	s->hits++;
	return s->hits > 1000; /* a real scan stops far earlier (findings-per-file) */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const paths[] = {NULL, "app/config.py", "home/u/.aws/credentials",
					    "usr/share/doc/x/README.md", "root/.ssh/id_rsa",
					    "app/tests/fixtures/keys.json", "etc/.env", ".npmrc"};
	static lc_secret_rules *rs;
	static lc_secret_scratch *scr;
	char err[256];
	fuzz_in in = {data, size};
	if (!rs) {
		if (lc__secret_rules_builtin(&rs, err, sizeof(err)) != LC_OK ||
		    lc__secret_rules_finish(rs, err, sizeof(err)) != LC_OK ||
		    !(scr = lc__secret_scratch_new(rs)))
			abort();
	}
	size_t nrules = lc__secret_rules_count(rs);
	size_t rule = fuzz_u16(&in) % (nrules + 1); /* == nrules: out of range, refused */
	unsigned flags = fuzz_byte(&in);
	const char *path = paths[flags & 7];
	subject s = {in.p, in.n, (int64_t)(flags >> 3) * 4093, 0};
	lc__secret_confirm(rs, scr, rule, in.p, in.n, s.base, path, sink, &s);
	s.base = 0;
	s.hits = 0;
	lc__secret_scan_buffer(rs, scr, in.p, in.n, path, (flags & 0x80) != 0, sink, &s);
	return 0;
}
