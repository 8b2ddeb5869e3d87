/*
 * cache_codec.c - one layer's cache record as one zstd frame: file records (paths
 * prefix-compressed against the previous one), findings, warnings, captured files, and
 * for an image record the hidden flags of the image's findings.
 * Integers are LEB128 varints (signed ones zigzag), strings are length + bytes + NUL so
 * the decoder hands out pointers into its buffer without copying.
 */
#include "cache_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#define REC_MAGIC 0x4c434303u /* "LCC" + encoding revision, checked on decode */
#define ZSTD_LEVEL 3          /* ~3x smaller than raw and fast enough that a store is noise */

/* ---- writer: growable buffer with a ceiling ----------------------------------- */
typedef struct wbuf {
	uint8_t *p;
	size_t len, cap, max;
	bool failed; /* sticky: out of memory or over the ceiling */
} wbuf;

static void w_reserve(wbuf *w, size_t more)
{
	size_t need, ncap;
	uint8_t *np;

	if (w->failed)
		return;
	if (more > w->max || w->len > w->max - more) {
		w->failed = true;
		return;
	}
	need = w->len + more;
	if (need <= w->cap)
		return;
	ncap = w->cap ? w->cap : 4096;
	while (ncap < need)
		ncap = ncap > w->max / 2 ? w->max : ncap * 2;
	np = realloc(w->p, ncap);
	if (!np) {
		w->failed = true;
		return;
	}
	w->p = np;
	w->cap = ncap;
}

static void w_bytes(wbuf *w, const void *b, size_t n)
{
	w_reserve(w, n);
	if (w->failed || n == 0)
		return;
	memcpy(w->p + w->len, b, n);
	w->len += n;
}

static void w_u64(wbuf *w, uint64_t v)
{
	uint8_t b[10];
	size_t n = 0;

	do {
		b[n] = (uint8_t)(v & 0x7f);
		v >>= 7;
		if (v)
			b[n] |= 0x80;
		n++;
	} while (v);
	w_bytes(w, b, n);
}

static void w_i64(wbuf *w, int64_t v)
{
	w_u64(w, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

/* Nullable string: 0 = NULL, else length + 1, then the bytes and a NUL. */
static void w_str(wbuf *w, const char *s)
{
	size_t n;

	if (!s) {
		w_u64(w, 0);
		return;
	}
	n = strlen(s);
	w_u64(w, (uint64_t)n + 1);
	w_bytes(w, s, n + 1);
}

static void w_blob(wbuf *w, const uint8_t *b, size_t n)
{
	static const uint8_t nul = 0;

	w_u64(w, (uint64_t)n);
	w_bytes(w, b, n);
	w_bytes(w, &nul, 1);
}

/* ---- reader: every read checks the remaining length ----------------------------- */
typedef struct rbuf {
	const uint8_t *p;
	size_t len, pos;
	bool bad;
} rbuf;

static uint64_t r_u64(rbuf *r)
{
	uint64_t v = 0;
	unsigned shift = 0;

	while (!r->bad) {
		uint8_t b;

		if (r->pos >= r->len || shift > 63) {
			r->bad = true;
			break;
		}
		b = r->p[r->pos++];
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return v;
		shift += 7;
	}
	return 0;
}

static int64_t r_i64(rbuf *r)
{
	uint64_t u = r_u64(r);

	return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

static const char *r_str(rbuf *r)
{
	uint64_t n = r_u64(r);
	const char *s;

	if (r->bad || n == 0)
		return NULL;
	if (n > r->len - r->pos || r->p[r->pos + n - 1] != 0) {
		r->bad = true;
		return NULL;
	}
	s = (const char *)r->p + r->pos;
	r->pos += n;
	return s;
}

static const uint8_t *r_blob(rbuf *r, size_t *n)
{
	uint64_t len = r_u64(r);
	const uint8_t *b;

	*n = 0;
	if (r->bad || len >= r->len - r->pos || r->p[r->pos + len] != 0) {
		r->bad = true;
		return NULL;
	}
	b = r->p + r->pos;
	r->pos += len + 1;
	*n = (size_t)len;
	return b;
}

/* A count of records that each take at least min_bytes: more cannot be in the buffer. */
static uint64_t r_count(rbuf *r, size_t min_bytes)
{
	uint64_t n = r_u64(r);

	if (!r->bad && n > (r->len - r->pos) / min_bytes)
		r->bad = true;
	return r->bad ? 0 : n;
}

/* r_count, and a zeroed array of that many elements (NULL for none; *oom on failure). */
static void *r_array(rbuf *r, size_t min_bytes, size_t size, uint64_t *n, bool *oom)
{
	void *v = NULL;

	*n = r_count(r, min_bytes);
	if (*n && !(v = calloc((size_t)*n, size)))
		*oom = true;
	return v;
}

static size_t common_prefix(const char *a, const char *b)
{
	size_t i = 0;

	while (a[i] && a[i] == b[i])
		i++;
	return i;
}

/* Errors go to the caller's buffer, not the context: several scan threads encode and
 * decode at once, and a cache miss must not overwrite the scan's own error message. */
static lc_code cfail(char *err, lc_code code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static lc_code cfail(char *err, lc_code code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, LC_CACHE_ERRSZ, fmt, ap);
	va_end(ap);
	return code;
}

lc_code lc__cache_encode(const lc_fileidx *ix, int layer, const lc_cache_layer *d, uint8_t **out,
			 size_t *out_len, size_t *raw_len, int64_t *nentries, char *err)
{
	lc_code rc = LC_OK;
	wbuf w = { .max = (size_t)LC_CACHE_MAX_RAW };
	ZSTD_CCtx *zc = NULL;
	uint8_t *z = NULL;
	size_t total, n = 0, zcap, zlen;
	const char *prev = "";

	*out = NULL;
	*out_len = *raw_len = 0;
	w_u64(&w, REC_MAGIC);
	/* The index holds every layer; count ours first so the decoder can size arrays. */
	total = lc__fileidx_count(ix);
	for (size_t i = 0; i < total; i++)
		if (lc__fileidx_get(ix, i)->layer == layer)
			n++;
	w_u64(&w, n);
	for (size_t i = 0; i < total; i++) {
		const lc_fileinfo *fi = lc__fileidx_get(ix, i);
		size_t pre, slen;

		if (fi->layer != layer)
			continue;
		pre = common_prefix(prev, fi->path);
		slen = strlen(fi->path + pre);
		w_u64(&w, pre);
		w_u64(&w, slen);
		w_bytes(&w, fi->path + pre, slen);
		w_u64(&w, (uint64_t)fi->type);
		w_u64(&w, fi->mode);
		w_u64(&w, fi->uid);
		w_u64(&w, fi->gid);
		w_i64(&w, fi->size);
		w_str(&w, fi->link);
		prev = fi->path;
	}
	*nentries = (int64_t)n;

	w_u64(&w, d->nfindings);
	for (size_t i = 0; i < d->nfindings; i++) {
		const lc_finding *f = &d->findings[i];
		char *details = NULL;

		if (f->details) {
			details = json_dumps(f->details, JSON_COMPACT | JSON_SORT_KEYS |
								 JSON_ENCODE_ANY);
			if (!details)
				w.failed = true;
		}
		w_str(&w, f->id);
		w_str(&w, f->detector);
		w_str(&w, f->rule_id);
		w_u64(&w, (uint64_t)f->severity);
		w_str(&w, f->title);
		w_str(&w, f->description);
		w_u64(&w, (uint64_t)f->source);
		/* index + 1, 0 = none. A layer record's decoder puts its own findings in the
		 * layer being loaded (the index is the image's, not the layer's); an image
		 * record (layer < 0) keeps the index, for the same image's layer list. */
		w_u64(&w, f->layer >= 0 ? (uint64_t)f->layer + 1 : 0);
		w_str(&w, f->path);
		w_i64(&w, f->line);
		w_i64(&w, f->offset);
		w_str(&w, f->evidence);
		w_str(&w, details);
		w_str(&w, f->remediation);
		free(details);
	}

	w_u64(&w, d->warnings.n);
	for (size_t i = 0; i < d->warnings.n; i++) {
		w_i64(&w, d->warnings.v[i].layer);
		w_str(&w, d->warnings.v[i].code);
		w_str(&w, d->warnings.v[i].message);
		w_str(&w, d->warnings.v[i].path);
	}

	w_u64(&w, d->ncaptures);
	for (size_t i = 0; i < d->ncaptures; i++) {
		w_str(&w, d->captures[i].path);
		w_blob(&w, d->captures[i].data, d->captures[i].len);
	}
	w_i64(&w, d->tar_bytes);
	w_i64(&w, d->entries);
	w_u64(&w, d->nhidden);
	for (size_t i = 0; i < d->nhidden; i++) {
		w_str(&w, d->hidden[i].id);
		w_u64(&w, (uint64_t)d->hidden[i].removed_in);
	}

	if (w.failed) {
		rc = cfail(err, LC_EINTERNAL, "cache: layer record too large or out of memory");
		goto out;
	}
	zc = ZSTD_createCCtx();
	zcap = ZSTD_compressBound(w.len);
	z = malloc(zcap);
	if (!zc || !z) {
		rc = cfail(err, LC_EINTERNAL, "cache: out of memory");
		goto out;
	}
	/* The frame carries its size (decoder allocates exactly) and a checksum (a damaged
	 * record is a miss, not garbage in the report). */
	ZSTD_CCtx_setParameter(zc, ZSTD_c_compressionLevel, ZSTD_LEVEL);
	ZSTD_CCtx_setParameter(zc, ZSTD_c_checksumFlag, 1);
	ZSTD_CCtx_setParameter(zc, ZSTD_c_contentSizeFlag, 1);
	zlen = ZSTD_compress2(zc, z, zcap, w.p, w.len);
	if (ZSTD_isError(zlen)) {
		rc = cfail(err, LC_EINTERNAL, "cache: zstd: %s", ZSTD_getErrorName(zlen));
		goto out;
	}
	*out = z;
	*out_len = zlen;
	*raw_len = w.len;
	z = NULL;
out:
	free(z);
	ZSTD_freeCCtx(zc);
	free(w.p);
	return rc;
}

void lc__cache_layer_free(lc_cache_layer *cl)
{
	if (!cl)
		return;
	for (size_t i = 0; i < cl->nfindings; i++)
		lc__finding_release(&cl->findings[i]);
	free(cl->findings);
	lc__diag_list_free(&cl->warnings);
	for (size_t i = 0; i < cl->ncaptures; i++) {
		free(cl->captures[i].path);
		free(cl->captures[i].data);
	}
	free(cl->captures);
	free(cl->hidden);
	free(cl->files_raw);
	memset(cl, 0, sizeof(*cl));
}

static char *dup_or_null(const char *s, bool *oom)
{
	char *d;

	if (!s)
		return NULL;
	d = strdup(s);
	if (!d)
		*oom = true;
	return d;
}

/*
 * Walk the file records. With ix == NULL only validates, order included (and leaves r
 * just past them); otherwise adds each to ix. Paths are rebuilt in a scratch buffer as
 * long as the path limit allows.
 */
static uint64_t decode_files(rbuf *r, const lc_ctx *ctx, lc_fileidx *ix, int layer,
			     const char *diff_id)
{
	uint64_t n = r_count(r, 8);
	size_t cap = (size_t)lc__limit(ctx, LC_LIM_PATH_LEN) + 1;
	size_t plen = 0;
	char *path, *prev = NULL;
	lc_ftype prev_type = LC_FT_REG;

	if (cap < 4096)
		cap = 4096;
	path = malloc(cap);
	if (!ix)
		prev = malloc(cap); /* the order is checked here, not only when adding */
	if (!path || (!ix && !prev)) {
		r->bad = true;
		goto out;
	}
	path[0] = 0;
	if (ix && n)
		lc__fileidx_reserve(ix, layer, (size_t)n); /* only a speed-up: failure is fine */
	for (uint64_t i = 0; i < n && !r->bad; i++) {
		uint64_t pre = r_u64(r), slen = r_u64(r);
		lc_entry e = { 0 };

		/* a NUL inside would make the stored path shorter than the one checked */
		if (r->bad || pre > plen || slen >= cap - pre || slen > r->len - r->pos ||
		    memchr(r->p + r->pos, 0, slen)) {
			r->bad = true;
			break;
		}
		memcpy(path + pre, r->p + r->pos, slen);
		r->pos += slen;
		plen = pre + slen;
		path[plen] = 0;
		e.path = path;
		e.type = (lc_ftype)r_u64(r);
		e.mode = (uint32_t)r_u64(r);
		e.uid = (uint32_t)r_u64(r);
		e.gid = (uint32_t)r_u64(r);
		e.size = r_i64(r);
		e.link = r_str(r);
		e.layer = layer;
		e.layer_diff_id = diff_id;
		if ((unsigned)e.type > (unsigned)LC_FT_OTHER)
			r->bad = true;
		/* stored in tree order, one record per path: out of order is damage */
		if (!r->bad && ix && lc__fileidx_add_unique(ix, &e) != 0)
			r->bad = true;
		/* prev and path agree up to pre (path was rebuilt from prev): compare and copy
		 * the tails only */
		if (!r->bad && prev) {
			if (i > 0 && !lc__fileidx_follows(prev + pre, prev_type, path + pre, e.type))
				r->bad = true;
			memcpy(prev + pre, path + pre, slen + 1);
			prev_type = e.type;
		}
	}
out:
	free(path);
	free(prev);
	return n;
}

static int hidden_cmp(const void *a, const void *b)
{
	return strcmp(((const lc_cache_hidden *)a)->id, ((const lc_cache_hidden *)b)->id);
}

int lc__cache_hidden_find(const lc_cache_layer *cl, const char *id)
{
	lc_cache_hidden key;
	const lc_cache_hidden *h;

	if (!cl->nhidden || !id || strlen(id) >= sizeof(key.id))
		return -2;
	strcpy(key.id, id);
	h = bsearch(&key, cl->hidden, cl->nhidden, sizeof(key), hidden_cmp);
	return h ? h->removed_in : -2;
}

lc_code lc__cache_decode(const lc_ctx *ctx, const uint8_t *z, size_t z_len, lc_fileidx *ix,
			 int layer, const char *diff_id, lc_cache_layer *out, char *err)
{
	lc_code rc = LC_OK;
	unsigned long long raw = ZSTD_getFrameContentSize(z, z_len);
	uint8_t *buf = NULL;
	rbuf r = { 0 };
	size_t got, files_at;
	bool oom = false;
	uint64_t n;

	memset(out, 0, sizeof(*out));
	if (raw == ZSTD_CONTENTSIZE_UNKNOWN || raw == ZSTD_CONTENTSIZE_ERROR ||
	    raw > (unsigned long long)LC_CACHE_MAX_RAW || raw == 0) {
		rc = cfail(err, LC_EIMAGE, "cache: damaged record (frame header)");
		goto out;
	}
	buf = malloc((size_t)raw);
	if (!buf) {
		rc = cfail(err, LC_EINTERNAL, "cache: out of memory");
		goto out;
	}
	got = ZSTD_decompress(buf, (size_t)raw, z, z_len);
	if (ZSTD_isError(got) || got != raw) {
		rc = cfail(err, LC_EIMAGE, "cache: damaged record (%s)",
			      ZSTD_isError(got) ? ZSTD_getErrorName(got) : "short");
		goto out;
	}
	r.p = buf;
	r.len = got;
	if (r_u64(&r) != REC_MAGIC || r.bad) {
		rc = cfail(err, LC_EIMAGE, "cache: damaged record (magic)");
		goto out;
	}
	/* Validate the file records first: ix must stay untouched if anything is wrong. */
	files_at = r.pos;
	out->nfiles = (int64_t)decode_files(&r, ctx, NULL, layer, diff_id);
	/* An image record holds no files: they would enter the index with no layer. */
	if (layer < 0 && r.pos != files_at + 1)
		r.bad = true;

	out->findings = r_array(&r, 14, sizeof(lc_finding), &n, &oom);
	for (uint64_t i = 0; i < n && !r.bad && !oom; i++) {
		lc_finding *f = &out->findings[out->nfindings];
		const char *id = r_str(&r), *details;

		f->detector = dup_or_null(r_str(&r), &oom);
		f->rule_id = dup_or_null(r_str(&r), &oom);
		f->severity = (lc_severity)r_u64(&r);
		f->title = dup_or_null(r_str(&r), &oom);
		f->description = dup_or_null(r_str(&r), &oom);
		f->source = (lc_source_kind)r_u64(&r);
		uint64_t L = r_u64(&r);

		if (layer >= 0)
			f->layer = L ? layer : -1;
		else if (L > (uint64_t)INT32_MAX)
			r.bad = true;
		else
			f->layer = (int)L - 1; /* image record: the caller checks the range */
		f->layer_diff_id = f->layer >= 0 && layer >= 0 ? dup_or_null(diff_id, &oom) : NULL;
		f->removed_in = -1;
		f->path = dup_or_null(r_str(&r), &oom);
		f->line = r_i64(&r);
		f->offset = r_i64(&r);
		f->evidence = dup_or_null(r_str(&r), &oom);
		details = r_str(&r);
		f->remediation = dup_or_null(r_str(&r), &oom);
		out->nfindings++;
		if (id && strlen(id) < sizeof(f->id))
			strcpy(f->id, id);
		if (details && !r.bad) {
			json_error_t jerr;

			f->details = json_loads(details, JSON_DECODE_ANY, &jerr);
			if (!f->details)
				r.bad = true;
		}
		if ((unsigned)f->severity > (unsigned)LC_SEV_CRITICAL ||
		    (unsigned)f->source > (unsigned)LC_SRC_RUNTIME)
			r.bad = true;
	}

	n = r_count(&r, 4);
	for (uint64_t i = 0; i < n && !r.bad && !oom; i++) {
		int64_t wl = r_i64(&r);
		const char *code = r_str(&r), *msg = r_str(&r), *path = r_str(&r);

		if (wl < -1 || wl > INT32_MAX)
			r.bad = true;
		if (!r.bad)
			lc__diag_add(&out->warnings, code ? code : "cache.warning",
				     layer >= 0 ? layer : (int)wl, path,
				     "%s", msg ? msg : "");
	}

	out->captures = r_array(&r, 3, sizeof(lc_cache_capture), &n, &oom);
	for (uint64_t i = 0; i < n && !r.bad && !oom; i++) {
		lc_cache_capture *c = &out->captures[out->ncaptures];
		const char *path = r_str(&r);
		size_t len;
		const uint8_t *data = r_blob(&r, &len);

		if (r.bad || !path)
			break;
		out->ncaptures++;
		c->path = dup_or_null(path, &oom);
		c->data = malloc(len + 1); /* NUL-terminated for detectors that parse text */
		if (!c->data) {
			oom = true;
			break;
		}
		memcpy(c->data, data, len);
		c->data[len] = 0;
		c->len = len;
	}
	out->tar_bytes = r_i64(&r);
	out->entries = r_i64(&r);

	out->hidden = r_array(&r, 3, sizeof(lc_cache_hidden), &n, &oom);
	for (uint64_t i = 0; i < n && !r.bad && !oom; i++) {
		const char *id = r_str(&r);
		uint64_t in = r_u64(&r);

		if (!id || strlen(id) >= sizeof(out->hidden[i].id) || in > INT32_MAX) {
			r.bad = true;
			break;
		}
		strcpy(out->hidden[i].id, id);
		out->hidden[i].removed_in = (int)in;
		out->nhidden++;
	}
	if (out->nhidden > 1)
		qsort(out->hidden, out->nhidden, sizeof(*out->hidden), hidden_cmp);
	if (!r.bad && r.pos != r.len)
		r.bad = true;

	if (oom) {
		rc = cfail(err, LC_EINTERNAL, "cache: out of memory");
		goto out;
	}
	if (r.bad) {
		rc = cfail(err, LC_EIMAGE, "cache: damaged record");
		goto out;
	}
	/* Everything checked: now the file records go into the index, or wait for it. */
	if (ix) {
		r.pos = files_at;
		decode_files(&r, ctx, ix, layer, diff_id);
	} else if (layer >= 0 && out->nfiles > 0) {
		out->files_raw = buf;
		out->files_at = files_at;
		out->files_len = got;
		buf = NULL;
	}
	out->complete = true;
out:
	if (rc)
		lc__cache_layer_free(out);
	free(buf);
	return rc;
}

lc_code lc__cache_files_load(const lc_ctx *ctx, lc_cache_layer *cl, lc_fileidx *ix, int layer,
			     const char *diff_id)
{
	rbuf r = { .p = cl->files_raw, .len = cl->files_len, .pos = cl->files_at };

	if (cl->files_raw)
		decode_files(&r, ctx, ix, layer, diff_id);
	free(cl->files_raw);
	cl->files_raw = NULL;
	return r.bad ? LC_EINTERNAL : LC_OK;
}
