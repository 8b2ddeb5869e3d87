/*
 * lists.c - the name lists the lookalike judgement compares against: Docker Hub's
 * official images, the retired official names people still type, and well-known
 * publisher namespaces. They are embedded at build time (data/images/) and indexed once
 * into fixed tables, so judging a name never allocates.
 */
#include "lc_private.h"

#include <pthread.h>
#include <string.h>

/* Ceilings: the shipped lists hold 144, 42 and about 120 names; a list that grows past
 * these is cut (and a unit test notices, because it counts the official names). */
#define NAMES_PER_LIST 512
#define NAME_BYTES 65536

typedef struct namelist {
	const char *file;
	const char *v[NAMES_PER_LIST];
	size_t n;
} namelist;

static namelist lists[LC_NAMES__COUNT] = {
	[LC_NAMES_OFFICIAL] = {.file = "images/official-images.txt"},
	[LC_NAMES_RETIRED] = {.file = "images/official-images-removed.txt"},
	[LC_NAMES_PUBLISHERS] = {.file = "images/publisher-namespaces.txt"},
};
static char storage[NAME_BYTES];
static size_t storage_used;
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* One name per line; blank lines and '#' comments skipped; surrounding space trimmed. */
static void list_load(namelist *l)
{
	size_t len = 0;
	const char *p = (const char *)lc__data_get(l->file, &len);
	const char *end = p ? p + len : NULL;

	while (p && p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *e = eol ? eol : end;
		const char *s = p;
		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		const char *t = e;
		while (t > s && (t[-1] == ' ' || t[-1] == '\t' || t[-1] == '\r'))
			t--;
		size_t n = (size_t)(t - s);
		if (n > 0 && *s != '#' && n < LC_NAME_MAX && l->n < NAMES_PER_LIST &&
		    storage_used + n + 1 <= sizeof(storage)) {
			char *dst = storage + storage_used;
			memcpy(dst, s, n);
			dst[n] = '\0';
			storage_used += n + 1;
			l->v[l->n++] = dst;
		}
		p = e + 1;
	}
}

static void load_all(void)
{
	for (size_t i = 0; i < LC_NAMES__COUNT; i++)
		list_load(&lists[i]);
}

size_t lc__names_count(lc_namelist_id l)
{
	pthread_once(&once, load_all);
	return (unsigned)l < LC_NAMES__COUNT ? lists[l].n : 0;
}

const char *lc__names_get(lc_namelist_id l, size_t i)
{
	pthread_once(&once, load_all);
	return (unsigned)l < LC_NAMES__COUNT && i < lists[l].n ? lists[l].v[i] : NULL;
}

bool lc__names_has(lc_namelist_id l, const char *name)
{
	bool found = false;

	pthread_once(&once, load_all);
	if ((unsigned)l >= LC_NAMES__COUNT)
		goto out;
	for (size_t i = 0; i < lists[l].n; i++) {
		if (strcmp(lists[l].v[i], name) == 0) {
			found = true;
			break;
		}
	}
out:
	return found;
}
