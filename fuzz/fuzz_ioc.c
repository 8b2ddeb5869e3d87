/* fuzz_ioc.c - IOC feeds in every format the loader accepts (--ioc): plain lists,
 * maltrail trails (`trail<TAB>family`, ip:port, URLs), hosts files ("0.0.0.0 name..."),
 * and CSV with a header naming the indicator, category and family columns. The input is
 * read as up to three feeds (split at "\nLCFEED\n") into one set, with or without a
 * category override; then the set is finished (sort, dedup) and every indicator must be
 * found again by lc__ioc_lookup, and every whitespace token of the input is looked up
 * and boundary-checked as the IOC detector does on file contents. */
#include "fuzz_common.h"

static void check_set(const lc_ioc_set *set)
{
	char key[300];
	for (size_t i = 0; i < set->n; i++) {
		const lc_ioc *e = &set->v[i];
		size_t n = strlen(e->value);
		FUZZ_ASSERT(e->category < set->categories.n && e->source < set->sources.n);
		FUZZ_ASSERT(n > 0);
		if (i)
			FUZZ_ASSERT(strcmp(set->v[i - 1].value, e->value) <= 0);
		if (e->kind == LC_IOC_PARENT)
			continue; /* only names under it match */
		const lc_ioc *hit = lc__ioc_lookup(set, e->value, n);
		FUZZ_ASSERT(hit && !strcmp(hit->value, e->value));
		if (e->kind == LC_IOC_HOST && n + 3 < sizeof(key)) {
			snprintf(key, sizeof(key), "x.%s", e->value);
			FUZZ_ASSERT(lc__ioc_lookup(set, key, n + 2));
		}
	}
}

static void lookup_tokens(const lc_ioc_set *set, const uint8_t *p, size_t n)
{
	size_t i = 0;
	while (i < n) {
		while (i < n && (p[i] <= ' ' || p[i] == ',' || p[i] == '"'))
			i++;
		size_t s = i;
		while (i < n && !(p[i] <= ' ' || p[i] == ',' || p[i] == '"'))
			i++;
		if (i == s)
			continue;
		const lc_ioc *hit = lc__ioc_lookup(set, (const char *)p + s, i - s);
		if (hit)
			(void)lc__ioc_boundary_ok(hit, p, n, s, i);
		/* the detector checks a match where the matcher found it, anywhere */
		if (set->n)
			(void)lc__ioc_boundary_ok(&set->v[(s * 31 + i) % set->n], p, n, s, i);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const cats[] = {NULL, "mining_pool", "Dynamic DNS", "c&c", "nonsense",
					   "ANONYMIZER", "", "malware"};
	static const char mark[] = "\nLCFEED\n";
	fuzz_in in = {data, size};
	unsigned mode = fuzz_byte(&in);
	lc_ioc_set set;
	char err[256];
	size_t start = 0, feeds = 0;
	memset(&set, 0, sizeof(set));
	for (size_t i = 0; i <= in.n && feeds < 3; i++) {
		bool end = i == in.n || (i + sizeof(mark) - 1 <= in.n &&
					 !memcmp(in.p + i, mark, sizeof(mark) - 1));
		if (!end)
			continue;
		char name[32];
		const char *cat = cats[(mode >> (3 * (feeds % 2))) & 7];
		snprintf(name, sizeof(name), "feed%zu", feeds);
		lc_code rc = lc__ioc_feed_parse(&set, (const char *)in.p + start, i - start,
						(mode & 0x40) ? NULL : name, cat, err, sizeof(err));
		FUZZ_ASSERT(rc == LC_OK || rc == LC_EUSAGE);
		FUZZ_ASSERT(memchr(err, 0, sizeof(err)));
		feeds++;
		start = i + sizeof(mark) - 1;
		i = start - 1;
	}
	for (size_t c = 0; c < set.categories.n; c++) {
		const char *canon = lc__ioc_category_canonical(set.categories.v[c]);
		FUZZ_ASSERT(canon && !strcmp(canon, lc__ioc_category_canonical(canon)));
		(void)lc__ioc_category_severity(canon);
	}
	lc__ioc_set_finish(&set);
	check_set(&set);
	lookup_tokens(&set, in.p, in.n);
	/* finishing twice (a second --ioc after the first finish) must keep the set valid */
	if (mode & 0x80) {
		lc__ioc_set_finish(&set);
		check_set(&set);
	}
	lc__ioc_set_free(&set);
	return 0;
}
