/* fuzz_yara_cond.c - the YARA prefilter's reading of rule sources (yara_cond.c): lexer,
 * rules, strings and their literals, conditions. The first byte picks the mode (bit 0:
 * the text is two sources, its halves, in one or two namespaces); the rest is the rule
 * text, and also the "file" the rules are evaluated on. Properties: literals are bounded
 * and name a real string; values are FALSE/MAYBE/TRUE; the decision with early exit
 * agrees with the full one; and evaluation is monotone: seeing more strings never turns
 * a decided rule into the opposite decision (a rule FALSE or TRUE with every string seen
 * has that value whatever is seen). */
#include "fuzz_common.h"

static int eval(const lc_yc *yc, const lc_yc_file *f, uint8_t *vals, uint8_t *vals2)
{
	int full = lc__yc_eval(yc, f, vals, true);
	int quick = lc__yc_eval(yc, f, vals2, false);
	FUZZ_ASSERT(full >= LC_YC_FALSE && full <= LC_YC_TRUE);
	FUZZ_ASSERT((full == LC_YC_FALSE) == (quick == LC_YC_FALSE));
	for (size_t r = 0; r < lc__yc_nrules(yc); r++)
		FUZZ_ASSERT(vals[r] <= LC_YC_TRUE);
	return full;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_in in = {data, size};
	unsigned mode = fuzz_byte(&in);
	lc_yc *yc = lc__yc_new();
	size_t half = (mode & 1) ? in.n / 2 : in.n;
	uint64_t *some = NULL, *all = NULL;
	uint8_t *vals = NULL, *vals2 = NULL, *vals_all = NULL;
	size_t nw;
	lc_yc_file f;

	if (!yc)
		return 0;
	(void)lc__yc_add_source(yc, (const char *)in.p, half, "a");
	if (mode & 1)
		(void)lc__yc_add_source(yc, (const char *)in.p + half, in.n - half,
					(mode & 2) ? "a" : "b");
	FUZZ_ASSERT(memchr(lc__yc_why_off(yc), 0, 200));
	if (!lc__yc_usable(yc)) {
		uint8_t v;
		FUZZ_ASSERT(lc__yc_eval(yc, NULL, &v, true) == LC_YC_MAYBE);
		goto out;
	}
	for (size_t i = 0; i < lc__yc_nlits(yc); i++) {
		const lc_yc_lit *l = lc__yc_lit(yc, i);
		FUZZ_ASSERT(l && l->len >= 3 && l->len <= 512 && l->str < lc__yc_nstrings(yc));
	}
	nw = lc__yc_nstrings(yc) / 64 + 1;
	some = calloc(nw, sizeof *some);
	all = malloc(nw * sizeof *all);
	vals = calloc(lc__yc_nrules(yc) + 1, 1);
	vals2 = calloc(lc__yc_nrules(yc) + 1, 1);
	vals_all = calloc(lc__yc_nrules(yc) + 1, 1);
	if (!some || !all || !vals || !vals2 || !vals_all)
		goto out;
	memset(all, 0xff, nw * sizeof *all);
	/* "seen" bits from the input's bytes, the input as the file */
	for (size_t i = 0; i < nw * 8 && i < in.n; i++)
		((uint8_t *)some)[i] = in.p[in.n - 1 - i];
	f.size = (int64_t)in.n;
	f.head = in.p;
	f.headlen = in.n;
	f.seen = all;
	(void)eval(yc, &f, vals_all, vals2);
	f.seen = some;
	(void)eval(yc, &f, vals, vals2);
	for (size_t r = 0; r < lc__yc_nrules(yc); r++)
		FUZZ_ASSERT(vals_all[r] == LC_YC_MAYBE || vals[r] == vals_all[r]);
out:
	free(some);
	free(all);
	free(vals);
	free(vals2);
	free(vals_all);
	lc__yc_free(yc);
	return 0;
}
