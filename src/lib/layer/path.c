/*
 * path.c - lexical normalisation of tar entry names. Layers are applied relative to
 * the image root; a name that climbs above it is rejected here and reported by the
 * walker, never resolved against anything on the host.
 */
#include "lc_private.h"

#include <fnmatch.h>
#include <string.h>

/*
 * Returns 0 with the normalised path in out ("" for the root itself), -1 when ".."
 * climbs above the root, -2 when out is too small (never happens when outsz is at
 * least strlen(in) + 1: normalising only shortens). Purely lexical: symlinks are not
 * consulted, so "a/../b" is "b" as every layer applier reads it.
 */
int lc__path_normalise(const char *in, char *out, size_t outsz, bool *was_absolute)
{
	int rc = 0;
	size_t o = 0;
	const char *p = in;

	if (was_absolute)
		*was_absolute = (in[0] == '/');
	if (outsz == 0) {
		rc = -2;
		goto out;
	}
	while (*p) {
		const char *seg = p;
		size_t n;
		while (*p && *p != '/')
			p++;
		n = (size_t)(p - seg);
		while (*p == '/')
			p++;
		if (n == 0 || (n == 1 && seg[0] == '.'))
			continue;
		if (n == 2 && seg[0] == '.' && seg[1] == '.') {
			if (o == 0) {
				rc = -1;
				goto out;
			}
			/* Drop the last component written (and its separator). */
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
			continue;
		}
		if (o + (o > 0) + n + 1 > outsz) {
			rc = -2;
			goto out;
		}
		if (o > 0)
			out[o++] = '/';
		memcpy(out + o, seg, n);
		o += n;
	}
out:
	if (outsz > 0)
		out[rc == 0 ? o : 0] = '\0';
	return rc;
}

/* The general case of lc__glob_match: '*' and '?' only. Greedy with one backtrack
 * point (the last '*' absorbs one more byte on a mismatch): exact, O(|glob| * |path|) at
 * worst. */
static bool wild_match(const char *g, const char *p)
{
	const char *star = NULL, *resume = NULL;
	while (*p) {
		if (*g == '*') {
			star = ++g;
			resume = p;
		} else if (*g == '?' || *g == *p) {
			g++;
			p++;
		} else if (star) {
			g = star;
			p = ++resume;
		} else {
			return false;
		}
	}
	while (*g == '*')
		g++;
	return *g == '\0';
}

/*
 * fnmatch(glob, path, 0), fast for the globs detectors use ("*id_rsa", "*kubeconfig*",
 * "etc/shadow"): glibc's fnmatch decodes multibyte characters and retries '*' at every
 * position, which made path selection ~4% of a scan of many small files (every file
 * meets ~100 globs). Globs with brackets or escapes go to fnmatch itself; '*' and '?'
 * have the same meaning here (flags 0: '*' crosses '/', no special leading '.'; bytes,
 * as in the C locale). The common shapes "*LIT", "LIT*", "*LIT*" and "LIT" cost one
 * comparison. A glob is classified once (lc__glob_compile): the scan compiles every
 * detector's globs at its start, so a file costs one strlen and one comparison per glob.
 */
void lc__glob_compile(const char *glob, lc_glob *g)
{
	size_t m = 0, nstar = 0, first_star = 0, last_star = 0;
	bool qmark = false, bracket = false;

	for (const char *p = glob; *p; p++, m++) {
		if (*p == '*') {
			if (nstar++ == 0)
				first_star = m;
			last_star = m;
		} else if (*p == '?') {
			qmark = true;
		} else if (*p == '[' || *p == '\\') {
			bracket = true;
		}
	}
	g->glob = glob;
	g->lit = glob;
	g->len = m;
	if (bracket) {
		g->kind = LC_GLOB_FNMATCH;
	} else if (qmark) {
		g->kind = LC_GLOB_WILD;
	} else if (nstar == 0) {
		g->kind = LC_GLOB_EXACT;
	} else if (nstar == 1 && first_star == 0) { /* "*LIT" */
		g->kind = LC_GLOB_SUFFIX;
		g->lit = glob + 1;
		g->len = m - 1;
	} else if (nstar == 1 && first_star == m - 1) { /* "LIT*" */
		g->kind = LC_GLOB_PREFIX;
		g->len = m - 1;
	} else if (nstar == 2 && first_star == 0 && last_star == m - 1) { /* "*LIT*" */
		g->kind = LC_GLOB_INFIX;
		g->lit = glob + 1;
		g->len = m - 2;
	} else {
		g->kind = LC_GLOB_WILD;
	}
}

bool lc__glob_match_compiled(const lc_glob *g, const char *path, size_t lp)
{
	switch (g->kind) {
	case LC_GLOB_EXACT: return g->len == lp && memcmp(g->lit, path, lp) == 0;
	case LC_GLOB_SUFFIX: return lp >= g->len && memcmp(path + lp - g->len, g->lit, g->len) == 0;
	case LC_GLOB_PREFIX: return lp >= g->len && memcmp(path, g->lit, g->len) == 0;
	case LC_GLOB_INFIX: return memmem(path, lp, g->lit, g->len) != NULL;
	case LC_GLOB_WILD: return wild_match(g->glob, path);
	default: return fnmatch(g->glob, path, 0) == 0;
	}
}

bool lc__glob_match(const char *glob, const char *path)
{
	lc_glob g;
	lc__glob_compile(glob, &g);
	return lc__glob_match_compiled(&g, path, strlen(path));
}
