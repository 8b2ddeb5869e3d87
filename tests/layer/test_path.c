/*
 * test_path.c - lc__path_normalise, one table row per case; lc__glob_match against fnmatch.
 */
#include "lc_private.h"
#include "tap.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *in, *out; /* out NULL: climbs out (-1) */
	bool abs;
} cases[] = {
	{"a/b", "a/b", false},
	{"./a/b", "a/b", false},
	{"/a/b", "a/b", true},
	{"//a//b//", "a/b", true},
	{"a/./b/.", "a/b", false},
	{"./", "", false},
	{"/", "", true},
	{".", "", false},
	{"", "", false},
	{"a/../b", "b", false},
	{"a/b/../../c", "c", false},
	{"a/..", "", false},
	{"..", NULL, false},
	{"../x", NULL, false},
	{"a/../../x", NULL, false},
	{"/../etc/passwd", NULL, true},
	{"./../x", NULL, false},
	{"a/..b/c", "a/..b/c", false},
	{"...", "...", false},
	{"a/.wh.b", "a/.wh.b", false},
	{"usr/bin/", "usr/bin", false},
	{"\xff\x1b[31m/x", "\xff\x1b[31m/x", false},
};

int main(void)
{
	char out[256];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool abs = !cases[i].abs;
		int rc = lc__path_normalise(cases[i].in, out, sizeof(out), &abs);
		if (cases[i].out)
			TAP_OK(rc == 0 && strcmp(out, cases[i].out) == 0 && abs == cases[i].abs,
			       "normalise \"%s\" -> \"%s\" (got rc=%d \"%s\")", cases[i].in,
			       cases[i].out, rc, out);
		else
			TAP_OK(rc == -1 && abs == cases[i].abs, "\"%s\" climbs out (rc=%d)",
			       cases[i].in, rc);
	}
	/* A buffer exactly strlen+1 always suffices; a smaller one is refused. */
	char small[4];
	TAP_OK(lc__path_normalise("abc", small, sizeof(small), NULL) == 0 &&
		       strcmp(small, "abc") == 0,
	       "exact-size buffer");
	TAP_OK(lc__path_normalise("abcd", small, sizeof(small), NULL) == -2, "too small buffer");

	/* lc__glob_match is fnmatch(glob, path, 0): the detectors' globs on real paths, then
	 * random globs over a small alphabet (where backtracking matters) */
	static const char *const globs[] = {"*id_rsa", "*.env.*", "*kubeconfig*", "etc/shadow",
					    "etc/kubernetes/*.conf", "*.aws/credentials", "*", "",
					    "?", "a*b*c", "*a?", "**", "[ab]*", "*\\*", NULL};
	static const char *const paths[] = {"root/.ssh/id_rsa", "app/.env.local", "app/.env",
					    "home/u/.kube/kubeconfig.yaml", "etc/shadow",
					    "etc/shadow-", "etc/kubernetes/admin.conf", "", "a",
					    "abc", "axbyc", "ab", "b*", "x/.aws/credentials", NULL};
	int bad = 0;
	for (int i = 0; globs[i]; i++)
		for (int j = 0; paths[j]; j++)
			bad += lc__glob_match(globs[i], paths[j]) != (fnmatch(globs[i], paths[j], 0) == 0);
	TAP_OK(bad == 0, "detector globs: %d disagreements with fnmatch", bad);
	srand(7);
	bad = 0;
	for (int n = 0; n < 200000; n++) {
		char g[9], p[13];
		int gl = rand() % 9, pl = rand() % 13;
		for (int k = 0; k < gl; k++)
			g[k] = "ab*?/."[rand() % 6];
		for (int k = 0; k < pl; k++)
			p[k] = "ab/."[rand() % 4];
		g[gl] = p[pl] = '\0';
		if (lc__glob_match(g, p) != (fnmatch(g, p, 0) == 0) && bad++ == 0)
			printf("# differs: glob '%s' path '%s'\n", g, p);
	}
	TAP_OK(bad == 0, "200,000 random globs: %d disagreements with fnmatch", bad);
	return tap_done();
}
