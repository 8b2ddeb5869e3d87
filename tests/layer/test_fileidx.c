/*
 * test_fileidx.c - the file index: duplicates, whiteouts, opaque directories,
 * replacement of directories, ordering, lookups, concurrent adds per layer.
 */
#include "lc_private.h"
#include "tap.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static int add(lc_fileidx *ix, int layer, const char *path, lc_ftype t)
{
	lc_entry e;
	memset(&e, 0, sizeof(e));
	e.path = path;
	e.type = t;
	e.layer = layer;
	e.mode = t == LC_FT_DIR ? 0755 : 0644;
	e.link = t == LC_FT_SYMLINK ? "target" : NULL;
	return lc__fileidx_add(ix, &e);
}

static int removed(const lc_fileidx *ix, int layer, const char *path)
{
	const lc_fileinfo *f = lc__fileidx_find(ix, layer, path);
	return f ? f->removed_in : -99;
}

#define R LC_FT_REG
#define D LC_FT_DIR
#define W LC_FT_WHITEOUT
#define O LC_FT_OPAQUE

typedef struct job {
	lc_fileidx *ix;
	int layer;
} job;

static void *adder(void *arg)
{
	job *j = arg;
	char p[64];
	for (int i = 0; i < 20000; i++) {
		snprintf(p, sizeof(p), "dir%d/file%05d", i % 7, i);
		add(j->ix, j->layer, p, R);
	}
	return NULL;
}

int main(void)
{
	lc_fileidx *ix = lc__fileidx_new(4);

	/* layer 0: the base */
	add(ix, 0, "a", D);
	add(ix, 0, "a/x", R);
	add(ix, 0, "a/sub", D);
	add(ix, 0, "a/sub/deep", R);
	add(ix, 0, "etc", D);
	add(ix, 0, "etc/passwd", R);
	add(ix, 0, "d", D);
	add(ix, 0, "d/1", R);
	add(ix, 0, "d/2", R);
	add(ix, 0, "g", D);
	add(ix, 0, "g/h", R);
	add(ix, 0, "a-b", R);
	add(ix, 0, "nothing", W); /* whiteout in the first layer: harmless */
	add(ix, 0, "keep", D);
	add(ix, 0, "keep", O); /* opaque in the first layer: harmless */
	add(ix, 0, "keep/k", R);
	/* layer 1 */
	TAP_OK(add(ix, 1, "etc/passwd", R) == 0, "first add in layer 1");
	TAP_OK(add(ix, 1, "etc/passwd", R) == 1, "duplicate in one layer reported");
	add(ix, 1, "a", W);   /* remove directory a and all below */
	add(ix, 1, "d", D);
	add(ix, 1, "d", O);   /* opaque: lower d/1, d/2 hidden, own d/3 kept */
	add(ix, 1, "d/3", R);
	add(ix, 1, "g", R);   /* directory replaced by a file */
	add(ix, 1, "etc", D); /* re-declared directory: contents stay */
	/* layer 2: recreate a, remove g (the file) */
	add(ix, 2, "a", D);
	add(ix, 2, "a/z", R);
	add(ix, 2, "g", W);
	/* layer 3: a path under a whiteout of the same layer is not hidden by it */
	add(ix, 3, "n", W);
	add(ix, 3, "n/new", R);

	lc__fileidx_resolve(ix);

	TAP_OK(removed(ix, 0, "a") == 1, "whited-out directory removed in 1");
	TAP_OK(removed(ix, 0, "a/x") == 1, "file under whited-out directory removed in 1");
	TAP_OK(removed(ix, 0, "a/sub/deep") == 1, "deep file under whiteout removed in 1");
	TAP_OK(removed(ix, 1, "a") == 2, "the whiteout record is shadowed by the re-creation");
	TAP_OK(removed(ix, 2, "a") == -1 && removed(ix, 2, "a/z") == -1,
	       "re-created directory and its new file visible");
	TAP_OK(removed(ix, 0, "a-b") == -1, "sibling a-b untouched by whiteout of a");
	TAP_OK(removed(ix, 0, "etc/passwd") == 1 && removed(ix, 1, "etc/passwd") == -1,
	       "overwritten file shadowed by layer 1");
	TAP_OK(removed(ix, 0, "etc") == 1, "re-declared directory: lower record shadowed");
	TAP_OK(removed(ix, 0, "d/1") == 1 && removed(ix, 0, "d/2") == 1,
	       "opaque directory hides lower contents");
	TAP_OK(removed(ix, 1, "d/3") == -1, "opaque directory keeps its own layer's files");
	TAP_OK(removed(ix, 0, "d") == 1 && removed(ix, 1, "d") == -1,
	       "opaque dir: directory itself stays (lower record shadowed)");
	TAP_OK(removed(ix, 0, "g/h") == 1, "file under a directory replaced by a file is hidden");
	TAP_OK(removed(ix, 1, "g") == 2, "file removed by whiteout in 2");
	TAP_OK(removed(ix, 0, "keep/k") == -1 && removed(ix, 0, "nothing") == -1,
	       "whiteout and opaque in the first layer are harmless");
	TAP_OK(removed(ix, 3, "n/new") == -1, "whiteout does not hide its own layer");
	const lc_fileinfo *op = lc__fileidx_find(ix, 1, "d");
	TAP_OK(op && op->type == D, "find prefers the directory over its opaque marker");
	TAP_OK(lc__fileidx_layer_count(ix, 1) == 7, "layer 1 has 7 records (dup collapsed), got %zu",
	       lc__fileidx_layer_count(ix, 1));
	TAP_OK(lc__fileidx_find(ix, 0, "missing") == NULL, "find of a missing path");

	/* Sorted: path (tree order), then layer. */
	size_t n = lc__fileidx_count(ix);
	bool ordered = n == 28;
	for (size_t i = 1; i < n; i++) {
		const lc_fileinfo *p = lc__fileidx_get(ix, i - 1), *q = lc__fileidx_get(ix, i);
		int c = strcmp(p->path, q->path);
		if (c == 0 && p->layer > q->layer)
			ordered = false;
	}
	TAP_OK(ordered, "count %zu, layers ascending within a path", n);
	TAP_OK(strcmp(lc__fileidx_get(ix, 0)->path, "a") == 0 &&
		       strcmp(lc__fileidx_get(ix, 3)->path, "a/sub") == 0 &&
		       strcmp(lc__fileidx_get(ix, 7)->path, "a-b") == 0,
	       "tree order keeps a directory's descendants together");
	const lc_fileinfo *wo = lc__fileidx_find(ix, 1, "a");
	TAP_OK(wo && wo->type == W, "whiteout records kept for inspect --files");
	lc__fileidx_free(ix);

	/* Whiteout of the root and opaque at the root. */
	ix = lc__fileidx_new(2);
	add(ix, 0, "x", R);
	add(ix, 0, "y", R);
	add(ix, 1, "", W);
	lc__fileidx_resolve(ix);
	TAP_OK(removed(ix, 0, "x") == -1, "whiteout of / is harmless");
	lc__fileidx_free(ix);
	ix = lc__fileidx_new(2);
	add(ix, 0, "x", R);
	add(ix, 1, "", O);
	add(ix, 1, "z", R);
	lc__fileidx_resolve(ix);
	TAP_OK(removed(ix, 0, "x") == 1 && removed(ix, 1, "z") == -1, "opaque root hides lower");
	lc__fileidx_free(ix);

	/* Concurrent adds, one thread per layer, then a resolve of 80k records. */
	ix = lc__fileidx_new(4);
	pthread_t th[4];
	job jobs[4];
	for (int i = 0; i < 4; i++) {
		jobs[i].ix = ix;
		jobs[i].layer = i;
		pthread_create(&th[i], NULL, adder, &jobs[i]);
	}
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	lc__fileidx_resolve(ix);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	TAP_OK(lc__fileidx_count(ix) == 80000 && lc__fileidx_layer_count(ix, 2) == 20000,
	       "concurrent adds per layer");
	TAP_OK(removed(ix, 0, "dir3/file00003") == 1 && removed(ix, 3, "dir3/file00003") == -1,
	       "same path in 4 layers shadowed by the next");
	printf("# resolve of 80000 records: %.1f ms\n",
	       (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6);
	lc__fileidx_free(ix);
	return tap_done();
}
