/*
 * distance.c - Damerau-Levenshtein distance (the optimal-string-alignment variant: each
 * substring is edited once, which is what a typing slip is) between two short names,
 * and the list of edits in words, so a finding can say "'1' for 'l'" instead of "2".
 */
#include "lc_private.h"

#include <stdio.h>
#include <string.h>
#include <stdarg.h>

/* snprintf whose truncation is intended: every text here is cut at its buffer's
 * ceiling rather than grown. */
static void sfmt(char *buf, size_t sz, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void sfmt(char *buf, size_t sz, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sz, fmt, ap);
	va_end(ap);
}

/* Names compared here are repository names, namespaces and host labels; official names
 * are at most 20 characters, so anything longer than this is no typo of one. */
#define DL_MAX 64

typedef struct dl_table {
	unsigned char d[DL_MAX + 1][DL_MAX + 1];
	size_t n, m;
} dl_table;

static unsigned char min3(unsigned a, unsigned b, unsigned c)
{
	unsigned m = a < b ? a : b;
	return (unsigned char)(m < c ? m : c);
}

/* Fill the table; false when a string is too long to compare. */
static bool dl_fill(dl_table *t, const char *a, const char *b)
{
	bool fits;

	t->n = strlen(a);
	t->m = strlen(b);
	fits = t->n <= DL_MAX && t->m <= DL_MAX;
	if (!fits)
		goto out;
	for (size_t i = 0; i <= t->n; i++)
		t->d[i][0] = (unsigned char)i;
	for (size_t j = 0; j <= t->m; j++)
		t->d[0][j] = (unsigned char)j;
	for (size_t i = 1; i <= t->n; i++) {
		for (size_t j = 1; j <= t->m; j++) {
			unsigned cost = a[i - 1] != b[j - 1];
			unsigned char v = min3(t->d[i - 1][j] + 1u, t->d[i][j - 1] + 1u,
					       t->d[i - 1][j - 1] + cost);
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    t->d[i - 2][j - 2] + 1u < v)
				v = (unsigned char)(t->d[i - 2][j - 2] + 1u);
			t->d[i][j] = v;
		}
	}
out:
	return fits;
}

int lc__name_distance(const char *a, const char *b, int max)
{
	dl_table t;
	int dist = max + 1;
	size_t la = strlen(a), lb = strlen(b);

	/* The length difference is a lower bound: skip the table when it already says no. */
	if ((la > lb ? la - lb : lb - la) > (size_t)max)
		goto out;
	if (!dl_fill(&t, a, b))
		goto out;
	if (t.d[t.n][t.m] <= max)
		dist = t.d[t.n][t.m];
out:
	return dist;
}

static void append(char *buf, size_t bufsz, const char *s)
{
	size_t used = strlen(buf);
	if (used + 1 < bufsz)
		sfmt(buf + used, bufsz - used, "%s%s", used ? ", " : "", s);
}

int lc__name_distance_explain(const char *name, const char *real, char *buf, size_t bufsz)
{
	dl_table t;
	int dist = -1;
	/* Edits found walking back from the end; printed in reading order. */
	char edits[DL_MAX * 2][32];
	size_t nedits = 0;

	if (bufsz)
		buf[0] = '\0';
	if (!dl_fill(&t, name, real))
		goto out;
	dist = t.d[t.n][t.m];
	for (size_t i = t.n, j = t.m; (i > 0 || j > 0) && nedits < DL_MAX * 2;) {
		unsigned char cur = t.d[i][j];
		char *e = edits[nedits];
		if (i > 0 && j > 0 && name[i - 1] == real[j - 1] && cur == t.d[i - 1][j - 1]) {
			i--, j--;
			continue;
		}
		if (i > 1 && j > 1 && name[i - 1] == real[j - 2] && name[i - 2] == real[j - 1] &&
		    cur == t.d[i - 2][j - 2] + 1) {
			sfmt(e, 32, "'%c%c' for '%c%c'", name[i - 2], name[i - 1], real[j - 2],
				 real[j - 1]);
			i -= 2, j -= 2;
		} else if (i > 0 && j > 0 && cur == t.d[i - 1][j - 1] + 1) {
			sfmt(e, 32, "'%c' for '%c'", name[i - 1], real[j - 1]);
			i--, j--;
		} else if (i > 0 && cur == t.d[i - 1][j] + 1) {
			sfmt(e, 32, "extra '%c'", name[i - 1]);
			i--;
		} else {
			sfmt(e, 32, "missing '%c'", real[j - 1]);
			j--;
		}
		nedits++;
	}
	while (nedits > 0)
		append(buf, bufsz, edits[--nedits]);
out:
	return dist;
}
