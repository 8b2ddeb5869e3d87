/*
 * strlist.c - a growable list of owned strings. On its own so that build-time
 * generators (src/gen/) can link the parsers that use it without the whole context.
 */
#include "lc_private.h"

#include <stdlib.h>
#include <string.h>

int lc__strlist_add(lc_strlist *l, const char *s)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 4;
		char **v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return -1;
		l->v = v;
		l->cap = cap;
	}
	char *d = strdup(s);
	if (!d)
		return -1;
	l->v[l->n++] = d;
	return 0;
}

void lc__strlist_free(lc_strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}
