/*
 * fileidx.c - the compact per-layer file index and the whiteout rules that turn a
 * stack of layers into one filesystem view. Nothing is deleted: a record hidden by a
 * later layer keeps its place and learns which layer hid it (removed_in).
 */
#include "lc_private.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

typedef struct fi_layer {
	lc_fileinfo *v;
	size_t n, cap;
	/* open addressing: low 32 bits index + 1 into v (0 = empty), high 32 bits the key's
	 * hash, so a probe and a rehash rarely touch a record or its path (a cache miss each:
	 * inserting was 500 ns a file) */
	uint64_t *slot;
	size_t scap;
	/* v[0 .. nslot) are in the table; a cached layer's records, unique by construction,
	 * are appended without it (lc__fileidx_add_unique) and slotted only if an ordinary
	 * add comes for that layer: a warm rescan hashed 10,000 paths for nothing */
	size_t nslot;
} fi_layer;

struct lc_fileidx {
	size_t nlayers;
	fi_layer *layers;
	uint64_t seed; /* random: hostile names cannot be chosen to collide */
	const lc_fileinfo **sorted;
	size_t nsorted;
	bool resolved;
};

lc_fileidx *lc__fileidx_new(size_t nlayers)
{
	lc_fileidx *ix = calloc(1, sizeof(*ix));
	if (!ix)
		goto out;
	ix->nlayers = nlayers;
	ix->layers = calloc(nlayers ? nlayers : 1, sizeof(*ix->layers));
	if (!ix->layers) {
		free(ix);
		ix = NULL;
		goto out;
	}
	if (getrandom(&ix->seed, sizeof(ix->seed), GRND_NONBLOCK) != sizeof(ix->seed))
		ix->seed = (uint64_t)(uintptr_t)ix;
out:
	return ix;
}

void lc__fileidx_free(lc_fileidx *ix)
{
	if (!ix)
		return;
	for (size_t l = 0; l < ix->nlayers; l++) {
		fi_layer *fl = &ix->layers[l];
		for (size_t i = 0; i < fl->n; i++) {
			free(fl->v[i].path);
			free(fl->v[i].link);
		}
		free(fl->v);
		free(fl->slot);
	}
	free(ix->layers);
	free(ix->sorted);
	free(ix);
}

/* Key = path plus "is an opaque marker": a directory and its opaque marker share the
 * path in one layer and are two records, not duplicates. */
static uint32_t key_hash(const lc_fileidx *ix, const char *path, bool opaque)
{
	uint64_t h = ix->seed ^ (opaque ? 0x5bd1e995ull : 0xcbf29ce484222325ull);
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		h ^= *p;
		h *= 0x100000001b3ull;
		h ^= h >> 29;
	}
	return (uint32_t)(h ^ (h >> 32));
}

static bool is_marker(lc_ftype t)
{
	return t == LC_FT_OPAQUE;
}

/* Slot holding (path, opaque) or the empty slot where it would go. */
static size_t slot_find(const lc_fileidx *ix, const fi_layer *fl, const char *path, bool opaque,
			uint32_t *hash)
{
	size_t mask = fl->scap - 1;
	uint32_t h = key_hash(ix, path, opaque);
	size_t i = h & mask;
	for (;; i = (i + 1) & mask) {
		uint64_t s = fl->slot[i];
		if (!s)
			break;
		if ((uint32_t)(s >> 32) != h)
			continue;
		const lc_fileinfo *f = &fl->v[(uint32_t)s - 1];
		if (is_marker(f->type) == opaque && strcmp(f->path, path) == 0)
			break;
	}
	if (hash)
		*hash = h;
	return i;
}

static int slot_grow(fi_layer *fl)
{
	int rc = 0;
	size_t cap = fl->scap ? fl->scap * 2 : 256;
	uint64_t *old = fl->slot;
	size_t oldcap = fl->scap;
	fl->slot = calloc(cap, sizeof(*fl->slot));
	if (!fl->slot) {
		fl->slot = old;
		rc = -1;
		goto out;
	}
	fl->scap = cap;
	for (size_t i = 0; i < oldcap; i++) {
		if (!old[i])
			continue;
		/* keys are unique: the first empty slot from the stored hash */
		size_t j = (uint32_t)(old[i] >> 32) & (cap - 1);
		while (fl->slot[j])
			j = (j + 1) & (cap - 1);
		fl->slot[j] = old[i];
	}
	free(old);
out:
	return rc;
}

/*
 * Tree order: '/' sorts before every other byte, so a directory's descendants follow
 * it contiguously ("a", "a/b", "a-c"), which lets resolve keep the ancestors on a
 * stack. Then layer, then the directory before its opaque marker.
 */
static int path_cmp(const char *a, const char *b)
{
	const unsigned char *p = (const unsigned char *)a, *q = (const unsigned char *)b;
	int x, y;
	/* the order only matters at the first difference: skip the common prefix plainly
	 * (sorting and merging a cached image's index compares every neighbour) */
	while (*p == *q && *p) {
		p++;
		q++;
	}
	x = *p == '/' ? 1 : *p ? *p + 1 : 0;
	y = *q == '/' ? 1 : *q ? *q + 1 : 0;
	return x < y ? -1 : x > y ? 1 : 0;
}

/* Put v[nslot .. n) into the table (they are unique: the first empty slot). */
static int slots_sync(const lc_fileidx *ix, fi_layer *fl)
{
	int rc = 0;
	while ((fl->n + 1) * 2 > fl->scap && rc == 0)
		rc = slot_grow(fl);
	for (; rc == 0 && fl->nslot < fl->n; fl->nslot++) {
		const lc_fileinfo *f = &fl->v[fl->nslot];
		uint32_t h = key_hash(ix, f->path, is_marker(f->type));
		size_t j = h & (fl->scap - 1);
		while (fl->slot[j])
			j = (j + 1) & (fl->scap - 1);
		fl->slot[j] = (uint64_t)h << 32 | (uint32_t)(fl->nslot + 1);
	}
	return rc;
}

/* Make room for n more records of one layer at once (a cached layer knows its count):
 * without it the record array is reallocated at every doubling. 0, or -1 with the
 * index unchanged but still usable. */
int lc__fileidx_reserve(lc_fileidx *ix, int layer, size_t n)
{
	int rc = -1;
	fi_layer *fl;
	size_t want;

	if (!ix || layer < 0 || (size_t)layer >= ix->nlayers || n > ((size_t)1 << 30))
		goto out;
	fl = &ix->layers[layer];
	want = fl->n + n;
	if (want > fl->cap) {
		lc_fileinfo *v = realloc(fl->v, want * sizeof(*v));
		if (!v)
			goto out;
		fl->v = v;
		fl->cap = want;
	}
	rc = 0;
out:
	return rc;
}

bool lc__fileidx_follows(const char *prev, lc_ftype prev_type, const char *path, lc_ftype type)
{
	int c = path_cmp(prev, path);
	return c < 0 || (c == 0 && is_marker(prev_type) < is_marker(type));
}

/* 0 added, 1 replaced a same-layer duplicate (last one wins, as containerd applies
 * it), -1 on a bad layer index or no memory. */
static int add_record(lc_fileidx *ix, const lc_entry *e, bool unique)
{
	int rc = -1;
	fi_layer *fl;
	lc_fileinfo rec;
	size_t s = 0;
	uint32_t h = 0;

	if (!ix || !e || !e->path || e->layer < 0 || (size_t)e->layer >= ix->nlayers)
		goto out;
	fl = &ix->layers[e->layer];
	if (!unique && slots_sync(ix, fl) < 0)
		goto out;
	/* unslotted records must be unique: ask for them in strictly ascending tree order */
	if (unique && fl->n > 0 &&
	    !lc__fileidx_follows(fl->v[fl->n - 1].path, fl->v[fl->n - 1].type, e->path, e->type))
		goto out;
	memset(&rec, 0, sizeof(rec));
	rec.path = strdup(e->path);
	rec.link = e->link ? strdup(e->link) : NULL;
	if (!rec.path || (e->link && !rec.link)) {
		free(rec.path);
		free(rec.link);
		goto out;
	}
	rec.type = e->type;
	rec.mode = e->mode;
	rec.uid = e->uid;
	rec.gid = e->gid;
	rec.size = e->size;
	rec.layer = e->layer;
	rec.removed_in = -1;
	if (!unique)
		s = slot_find(ix, fl, e->path, is_marker(e->type), &h);
	if (!unique && fl->slot[s]) {
		lc_fileinfo *old = &fl->v[(uint32_t)fl->slot[s] - 1];
		free(old->path);
		free(old->link);
		*old = rec;
		rc = 1;
		goto out;
	}
	if (fl->n == fl->cap) {
		size_t cap = fl->cap ? fl->cap * 2 : 64;
		lc_fileinfo *v = realloc(fl->v, cap * sizeof(*v));
		if (!v) {
			free(rec.path);
			free(rec.link);
			goto out;
		}
		fl->v = v;
		fl->cap = cap;
	}
	fl->v[fl->n++] = rec;
	if (!unique) {
		fl->slot[s] = (uint64_t)h << 32 | (uint32_t)fl->n;
		fl->nslot = fl->n;
	}
	rc = 0;
out:
	/* ix itself is not written here: adds of different layers run concurrently.
	 * Adding after a resolve needs another resolve before count/get. */
	return rc;
}

int lc__fileidx_add(lc_fileidx *ix, const lc_entry *e)
{
	return add_record(ix, e, false);
}

int lc__fileidx_add_unique(lc_fileidx *ix, const lc_entry *e)
{
	return add_record(ix, e, true);
}

static int rec_cmp(const void *pa, const void *pb)
{
	const lc_fileinfo *a = *(const lc_fileinfo *const *)pa;
	const lc_fileinfo *b = *(const lc_fileinfo *const *)pb;
	int c = path_cmp(a->path, b->path);
	if (c)
		return c;
	if (a->layer != b->layer)
		return a->layer < b->layer ? -1 : 1;
	return (int)is_marker(a->type) - (int)is_marker(b->type);
}

/* Is run v[0..n) in rec_cmp order already? */
static bool run_sorted(const lc_fileinfo **v, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (rec_cmp(&v[i - 1], &v[i]) > 0)
			return false;
	return true;
}

/*
 * ix->sorted holds each layer's records as one run, layer after layer. Sort each run
 * that is not sorted yet (a layer from the cache arrives sorted: it was stored in this
 * order), then merge runs pairwise: log2(layers) linear passes instead of a qsort of
 * the whole image. Ties cannot cross runs wrongly: rec_cmp orders by layer after path.
 * -1 when out of memory (the caller falls back to qsort).
 */
static int sort_runs(lc_fileidx *ix, size_t total)
{
	int rc = -1;
	size_t nruns = 0, *start = NULL;
	const lc_fileinfo **tmp = NULL, **src = ix->sorted, **dst;

	start = malloc((ix->nlayers + 2) * sizeof(*start));
	tmp = malloc((total ? total : 1) * sizeof(*tmp));
	if (!start || !tmp)
		goto out;
	for (size_t l = 0, at = 0; l < ix->nlayers; l++) {
		size_t n = ix->layers[l].n;
		if (!n)
			continue;
		if (!run_sorted(src + at, n))
			qsort(src + at, n, sizeof(*src), rec_cmp);
		start[nruns++] = at;
		at += n;
	}
	start[nruns] = total;
	dst = tmp;
	while (nruns > 1) {
		size_t w = 0;
		for (size_t r = 0; r < nruns; r += 2) {
			size_t a = start[r], am = start[r + 1];
			size_t bm = r + 2 <= nruns ? start[r + 2] : am, b = am, o = a;
			while (a < am && b < bm)
				dst[o++] = rec_cmp(&src[b], &src[a]) < 0 ? src[b++] : src[a++];
			while (a < am)
				dst[o++] = src[a++];
			while (b < bm)
				dst[o++] = src[b++];
			start[w++] = start[r];
		}
		start[w] = total;
		nruns = w;
		const lc_fileinfo **t = src;
		src = dst;
		dst = t;
	}
	if (src != ix->sorted)
		memcpy(ix->sorted, src, total * sizeof(*src));
	rc = 0;
out:
	free(start);
	free(tmp);
	return rc;
}

static bool is_ancestor(const char *anc, size_t alen, const char *p)
{
	if (alen == 0)
		return p[0] != '\0'; /* the root "" (an opaque marker at the top) */
	return strncmp(p, anc, alen) == 0 && p[alen] == '/';
}

/* First layer > from set in bits, or -1. */
static int next_bit(const uint64_t *bits, size_t words, int from)
{
	for (size_t w = (size_t)from / 64; w < words; w++) {
		uint64_t v = bits[w];
		if (w == (size_t)from / 64)
			v &= ~(uint64_t)0 << (from % 64);
		if (v)
			return (int)(w * 64 + (size_t)__builtin_ctzll(v));
	}
	return -1;
}

/*
 * One pass in tree order. For every path on the ancestor stack we keep the set of
 * layers that hide what lies beneath it from lower layers: a whiteout of it, an
 * opaque marker in it, or a non-directory put in its place. A record of layer L is
 * hidden by the first such layer above L among its ancestors, or by the first later
 * layer that puts anything (a whiteout included) at its exact path.
 */
void lc__fileidx_resolve(lc_fileidx *ix)
{
	size_t total = 0, k = 0, maxdepth = 1, words, sp = 0;
	uint64_t *bits = NULL;
	const char **spath = NULL;
	size_t *slen = NULL;

	if (!ix)
		return;
	for (size_t l = 0; l < ix->nlayers; l++)
		total += ix->layers[l].n;
	free(ix->sorted);
	ix->nsorted = 0;
	ix->sorted = malloc((total ? total : 1) * sizeof(*ix->sorted));
	if (!ix->sorted)
		goto out;
	for (size_t l = 0; l < ix->nlayers; l++) {
		for (size_t i = 0; i < ix->layers[l].n; i++) {
			lc_fileinfo *f = &ix->layers[l].v[i];
			size_t d = 2;
			for (const char *p = f->path; *p; p++)
				d += *p == '/';
			if (d > maxdepth)
				maxdepth = d;
			f->removed_in = -1;
			ix->sorted[k++] = f;
		}
	}
	ix->nsorted = total;
	if (sort_runs(ix, total) != 0)
		qsort(ix->sorted, total, sizeof(*ix->sorted), rec_cmp);

	words = (ix->nlayers + 63) / 64;
	if (!words)
		words = 1;
	bits = calloc((maxdepth + 1) * words, sizeof(*bits));
	spath = calloc(maxdepth + 1, sizeof(*spath));
	slen = calloc(maxdepth + 1, sizeof(*slen));
	if (!bits || !spath || !slen)
		goto out; /* records stay visible: a degraded view, never a crash */

	for (size_t g = 0; g < total;) {
		const char *path = ix->sorted[g]->path;
		size_t end = g + 1;
		while (end < total && strcmp(ix->sorted[end]->path, path) == 0)
			end++;
		while (sp > 0 && !is_ancestor(spath[sp - 1], slen[sp - 1], path))
			sp--;
		const uint64_t *up = sp > 0 ? bits + (sp - 1) * words : NULL;
		for (size_t i = g; i < end; i++) {
			lc_fileinfo *f = (lc_fileinfo *)ix->sorted[i];
			int m = up ? next_bit(up, words, f->layer + 1) : -1;
			/* An opaque marker hides what is below its directory, not the
			 * directory itself; anything else at the same path replaces it. */
			for (size_t j = i + 1; j < end; j++) {
				const lc_fileinfo *h = ix->sorted[j];
				if (h->layer > f->layer && !is_marker(h->type)) {
					if (m < 0 || h->layer < m)
						m = h->layer;
					break;
				}
			}
			f->removed_in = m;
		}
		if (sp < maxdepth) {
			uint64_t *mine = bits + sp * words;
			if (up)
				memcpy(mine, up, words * sizeof(*mine));
			else
				memset(mine, 0, words * sizeof(*mine));
			for (size_t i = g; i < end; i++) {
				const lc_fileinfo *f = ix->sorted[i];
				/* a whiteout of the root itself is meaningless: ignored */
				if (f->type == LC_FT_DIR || (f->type == LC_FT_WHITEOUT && !*path))
					continue;
				mine[(size_t)f->layer / 64] |= (uint64_t)1 << (f->layer % 64);
			}
			spath[sp] = path;
			slen[sp] = strlen(path);
			sp++;
		}
		g = end;
	}
	ix->resolved = true;
out:
	free(bits);
	free(spath);
	free(slen);
}

size_t lc__fileidx_count(const lc_fileidx *ix)
{
	return ix && ix->resolved ? ix->nsorted : 0;
}

const lc_fileinfo *lc__fileidx_get(const lc_fileidx *ix, size_t i)
{
	return ix && ix->resolved && i < ix->nsorted ? ix->sorted[i] : NULL;
}

/* After resolve, by binary search in tree order (path, layer, the directory before its
 * marker); before it, by hash in the layer's own table plus a look at the records not
 * slotted yet. A directory is preferred over its opaque marker when both exist. */
const lc_fileinfo *lc__fileidx_find(const lc_fileidx *ix, int layer, const char *path)
{
	const lc_fileinfo *f = NULL;
	const fi_layer *fl;
	size_t total = 0;
	if (!ix || !path || layer < 0 || (size_t)layer >= ix->nlayers)
		goto out;
	fl = &ix->layers[layer];
	for (size_t l = 0; l < ix->nlayers; l++)
		total += ix->layers[l].n;
	if (ix->resolved && ix->nsorted == total) { /* no add since the resolve */
		size_t lo = 0, hi = ix->nsorted;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			const lc_fileinfo *m = ix->sorted[mid];
			int c = path_cmp(m->path, path);
			if (c < 0 || (c == 0 && m->layer < layer))
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < ix->nsorted && ix->sorted[lo]->layer == layer &&
		    strcmp(ix->sorted[lo]->path, path) == 0)
			f = ix->sorted[lo];
		goto out;
	}
	for (int opaque = 0; opaque < 2 && !f && fl->scap; opaque++) {
		size_t s = slot_find(ix, fl, path, opaque, NULL);
		if (fl->slot[s])
			f = &fl->v[(uint32_t)fl->slot[s] - 1];
	}
	/* records not slotted yet: the directory if there is one, else its marker */
	for (size_t i = fl->nslot; i < fl->n && !(f && !is_marker(f->type)); i++)
		if (strcmp(fl->v[i].path, path) == 0 && (!f || !is_marker(fl->v[i].type)))
			f = &fl->v[i];
out:
	return f;
}

size_t lc__fileidx_layer_count(const lc_fileidx *ix, int layer)
{
	if (!ix || layer < 0 || (size_t)layer >= ix->nlayers)
		return 0;
	return ix->layers[layer].n;
}
