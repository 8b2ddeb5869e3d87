/*
 * data.c - look up a data file embedded at build time (rules, feeds, name lists).
 */
#include "lc_private.h"

#include <string.h>

const uint8_t *lc__data_get(const char *name, size_t *len)
{
	for (const lc_embedded *e = lc__embedded; e->name; e++) {
		if (strcmp(e->name, name) == 0) {
			if (len)
				*len = e->len;
			return e->data;
		}
	}
	return NULL;
}
