/*
 * test_path.c - lc__path_normalise, one table row per case.
 */
#include "lc_private.h"
#include "tap.h"

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
	return tap_done();
}
