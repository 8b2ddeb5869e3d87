/*
 * lt.h - helpers for the layer tests: build tar layers in memory with libarchive's
 * writer, compress them (zlib gzip, libzstd), serve them through a fake lc_image whose
 * source hands out memory streams, and record what the walker reports.
 */
#ifndef LT_H
#define LT_H

#include "lc_private.h"

#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

/* ---- growable byte buffer ------------------------------------------------------ */
typedef struct lt_buf {
	uint8_t *p;
	size_t n, cap;
} lt_buf;

static inline void lt_put(lt_buf *b, const void *d, size_t n)
{
	if (n == 0)
		return;
	if (b->n + n > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->n + n)
			cap *= 2;
		b->p = realloc(b->p, cap);
		if (!b->p)
			abort();
		b->cap = cap;
	}
	memcpy(b->p + b->n, d, n);
	b->n += n;
}

/* ---- tar writer ------------------------------------------------------------------ */
typedef struct lt_tar {
	struct archive *a;
	lt_buf out;
} lt_tar;

static inline la_ssize_t lt_tar_write_cb(struct archive *a, void *ud, const void *buf, size_t n)
{
	(void)a;
	lt_put(&((lt_tar *)ud)->out, buf, n);
	return (la_ssize_t)n;
}

/* format: ARCHIVE_FORMAT_TAR_PAX_RESTRICTED by default (0). */
static inline void lt_tar_begin(lt_tar *t, int format)
{
	memset(t, 0, sizeof(*t));
	t->a = archive_write_new();
	archive_write_set_format(t->a, format ? format : ARCHIVE_FORMAT_TAR_PAX_RESTRICTED);
	archive_write_set_bytes_per_block(t->a, 10240);
	archive_write_open(t->a, t, NULL, lt_tar_write_cb, NULL);
}

static inline void lt_tar_entry(lt_tar *t, const char *path, int type, unsigned mode,
				const void *data, size_t len, const char *link)
{
	struct archive_entry *e = archive_entry_new();
	archive_entry_copy_pathname(e, path);
	if (type == 'h') {
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_copy_hardlink(e, link);
	} else {
		archive_entry_set_filetype(e, type == 'd'   ? AE_IFDIR
					      : type == 'l' ? AE_IFLNK
					      : type == 'c' ? AE_IFCHR
					      : type == 'b' ? AE_IFBLK
					      : type == 'p' ? AE_IFIFO
							    : AE_IFREG);
		if (type == 'l')
			archive_entry_copy_symlink(e, link);
	}
	archive_entry_set_perm(e, mode);
	archive_entry_set_uid(e, 1000);
	archive_entry_set_gid(e, 1001);
	if (type == 'c' || type == 'b') {
		archive_entry_set_rdevmajor(e, 1);
		archive_entry_set_rdevminor(e, 3);
	}
	archive_entry_set_size(e, type == 'f' ? (la_int64_t)len : 0);
	archive_write_header(t->a, e);
	if (type == 'f' && len)
		archive_write_data(t->a, data, len);
	archive_entry_free(e);
}

static inline void lt_file(lt_tar *t, const char *path, const char *text)
{
	lt_tar_entry(t, path, 'f', 0644, text, strlen(text), NULL);
}

static inline void lt_dir(lt_tar *t, const char *path)
{
	lt_tar_entry(t, path, 'd', 0755, NULL, 0, NULL);
}

/* Finish; the caller owns the returned buffer. */
static inline lt_buf lt_tar_end(lt_tar *t)
{
	archive_write_close(t->a);
	archive_write_free(t->a);
	return t->out;
}

/* Raw ustar header + data (no padding) written by hand, for what libarchive's writer
 * will not produce (names with "..", absolute names, umoci's unterminated layers). */
static inline void lt_raw_header(lt_buf *b, const char *name, char type, size_t size,
				 const char *link)
{
	uint8_t h[512];
	unsigned sum = 0;
	memset(h, 0, sizeof(h));
	snprintf((char *)h, 100, "%s", name);
	snprintf((char *)h + 100, 8, "%07o", type == '5' ? 0755u : 0644u);
	snprintf((char *)h + 108, 8, "%07o", 0u);
	snprintf((char *)h + 116, 8, "%07o", 0u);
	snprintf((char *)h + 124, 12, "%011zo", size);
	snprintf((char *)h + 136, 12, "%011o", 0u);
	memset(h + 148, ' ', 8);
	h[156] = (uint8_t)type;
	if (link)
		snprintf((char *)h + 157, 100, "%s", link);
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	for (int i = 0; i < 512; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
	lt_put(b, h, 512);
}

static inline void lt_raw_pad(lt_buf *b)
{
	static const uint8_t z[512];
	if (b->n % 512)
		lt_put(b, z, 512 - b->n % 512);
}

static inline void lt_raw_end(lt_buf *b)
{
	static const uint8_t z[1024];
	lt_put(b, z, 1024);
}

/* ---- compression ---------------------------------------------------------------- */
/* Append p compressed by zlib: window_bits 15 + 16 for a gzip member, -15 for raw deflate. */
static inline void lt_deflate(lt_buf *b, const uint8_t *p, size_t n, int level, int window_bits)
{
	z_stream z;
	uint8_t out[65536];
	memset(&z, 0, sizeof(z));
	deflateInit2(&z, level, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY);
	z.next_in = (Bytef *)p;
	z.avail_in = (uInt)n;
	int r;
	do {
		z.next_out = out;
		z.avail_out = sizeof(out);
		r = deflate(&z, Z_FINISH);
		lt_put(b, out, sizeof(out) - z.avail_out);
	} while (r == Z_OK);
	deflateEnd(&z);
}

static inline lt_buf lt_gzip(const uint8_t *p, size_t n, int level)
{
	lt_buf b = {0};
	lt_deflate(&b, p, n, level, 15 + 16);
	return b;
}

static inline lt_buf lt_zstd(const uint8_t *p, size_t n)
{
	lt_buf b = {0};
	size_t cap = ZSTD_compressBound(n);
	b.p = malloc(cap);
	b.cap = cap;
	b.n = ZSTD_compress(b.p, cap, p, n, 3);
	return b;
}

static inline void lt_sha256(const uint8_t *p, size_t n, char out[72])
{
	unsigned char d[32];
	unsigned int dn = 0;
	EVP_Digest(p, n, d, &dn, EVP_sha256(), NULL);
	memcpy(out, "sha256:", 7);
	for (int i = 0; i < 32; i++)
		snprintf(out + 7 + 2 * i, 3, "%02x", d[i]);
}

/* ---- memory streams and a fake image ------------------------------------------------ */
typedef struct lt_stream {
	lc_stream base;
	const uint8_t *p;
	size_t n, pos;
	size_t chunk; /* max bytes per read: exercises every boundary */
} lt_stream;

static inline ssize_t lt_stream_read(lc_stream *s, void *buf, size_t len)
{
	lt_stream *m = (lt_stream *)s;
	size_t k = m->n - m->pos;
	if (k > len)
		k = len;
	if (m->chunk && k > m->chunk)
		k = m->chunk;
	if (k)
		memcpy(buf, m->p + m->pos, k);
	m->pos += k;
	return (ssize_t)k;
}

static inline void lt_stream_close(lc_stream *s)
{
	free(s);
}

#define LT_MAX_LAYERS 8
typedef struct lt_image {
	lc_image img;
	lc_layer_desc desc[LT_MAX_LAYERS];
	lt_buf blob[LT_MAX_LAYERS];
	char digest[LT_MAX_LAYERS][72], diff_id[LT_MAX_LAYERS][72];
	size_t chunk;
} lt_image;

static inline lc_code lt_open_blob(lc_image *img, size_t i, lc_stream **out)
{
	lt_image *li = (lt_image *)img;
	lt_stream *s = calloc(1, sizeof(*s));
	s->base.read = lt_stream_read;
	s->base.close = lt_stream_close;
	s->p = li->blob[i].p;
	s->n = li->blob[i].n;
	s->chunk = li->chunk;
	*out = &s->base;
	return LC_OK;
}

static const lc_source_ops lt_source = {
	.name = "memory",
	.open_blob = lt_open_blob,
};

static inline void lt_image_init(lt_image *li, lc_ctx *ctx)
{
	memset(li, 0, sizeof(*li));
	li->img.magic = LC_MAGIC_IMAGE;
	li->img.ctx = ctx;
	li->img.layers = li->desc;
	li->img.src = &lt_source;
}

/* Add a layer: blob (taken over) with its true digest and the diff_id of tar. */
static inline size_t lt_image_add(lt_image *li, lt_buf blob, const lt_buf *tar,
				  const char *media_type)
{
	size_t i = li->img.nlayers++;
	li->blob[i] = blob;
	lt_sha256(blob.p, blob.n, li->digest[i]);
	lt_sha256(tar->p, tar->n, li->diff_id[i]);
	li->desc[i].digest = li->digest[i];
	li->desc[i].diff_id = li->diff_id[i];
	li->desc[i].media_type = (char *)media_type;
	li->desc[i].size = (int64_t)blob.n;
	li->desc[i].history = -1;
	return i;
}

static inline lt_buf lt_copy(const lt_buf *b)
{
	lt_buf c = {0};
	lt_put(&c, b->p, b->n);
	return c;
}

static inline void lt_image_free(lt_image *li)
{
	for (size_t i = 0; i < li->img.nlayers; i++)
		free(li->blob[i].p);
}

/* ---- recording callbacks ---------------------------------------------------------- */
typedef struct lt_rec {
	char *path;
	lc_ftype type;
	uint32_t mode, uid, gid, maj, min;
	int64_t size;
	char *link;
	int layer;
	char diff_id[72]; /* copied: the claim lives in the image */
	lt_buf data; /* content read through lc_content */
	int content_rc; /* last lc_content result */
} lt_rec;

typedef struct lt_log {
	lt_rec e[256];
	size_t n;
	char susp[32][3][256]; /* code, raw path, link */
	size_t nsusp;
	bool read_content;
	size_t read_limit; /* stop reading after this many bytes (0 = all) */
	lc_fileidx *ix;    /* when set, every entry is added */
	int dups;
} lt_log;

static inline lc_code lt_on_entry(void *ud, const lc_entry *e, lc_content *c)
{
	lt_log *lg = ud;
	if (lg->ix && lc__fileidx_add(lg->ix, e) == 1)
		lg->dups++;
	if (lg->n >= 256)
		return LC_OK;
	lt_rec *r = &lg->e[lg->n++];
	memset(r, 0, sizeof(*r));
	r->path = strdup(e->path);
	r->type = e->type;
	r->mode = e->mode;
	r->uid = e->uid;
	r->gid = e->gid;
	r->size = e->size;
	r->maj = e->dev_major;
	r->min = e->dev_minor;
	r->link = e->link ? strdup(e->link) : NULL;
	r->layer = e->layer;
	snprintf(r->diff_id, sizeof(r->diff_id), "%s", e->layer_diff_id ? e->layer_diff_id : "");
	if (c && lg->read_content) {
		const uint8_t *b;
		size_t l;
		int64_t off;
		int k;
		while ((k = lc__content_next(c, &b, &l, &off)) == 1) {
			lt_put(&r->data, b, l);
			if (lg->read_limit && r->data.n >= lg->read_limit)
				break;
		}
		r->content_rc = k;
	}
	return LC_OK;
}

static inline void lt_on_susp(void *ud, int layer, const char *code, const char *raw,
			      const char *link)
{
	lt_log *lg = ud;
	(void)layer;
	if (lg->nsusp >= 32)
		return;
	snprintf(lg->susp[lg->nsusp][0], 256, "%s", code);
	snprintf(lg->susp[lg->nsusp][1], 256, "%s", raw);
	snprintf(lg->susp[lg->nsusp][2], 256, "%s", link ? link : "");
	lg->nsusp++;
}

static inline void lt_log_free(lt_log *lg)
{
	for (size_t i = 0; i < lg->n; i++) {
		free(lg->e[i].path);
		free(lg->e[i].link);
		free(lg->e[i].data.p);
	}
	memset(lg, 0, sizeof(*lg));
}

static inline const lt_rec *lt_find(const lt_log *lg, const char *path)
{
	for (size_t i = 0; i < lg->n; i++)
		if (strcmp(lg->e[i].path, path) == 0)
			return &lg->e[i];
	return NULL;
}

static inline bool lt_has_diag(const lc_diag_list *l, const char *code)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].code, code) == 0)
			return true;
	return false;
}

static inline void lt_print_diags(const char *what, const lc_diag_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		printf("# %s: %s layer=%d path=%s: %s\n", what, l->v[i].code, l->v[i].layer,
		       l->v[i].path ? l->v[i].path : "-", l->v[i].message);
}

/* One walk of layer i with a fresh log and fresh diagnostic lists. */
typedef struct lt_walk {
	lc_code rc;
	lc_layer_result res;
	lc_diag_list warn, err;
	lt_log log;
} lt_walk;

static inline void lt_run(lt_walk *w, lc_ctx *ctx, lt_image *li, size_t i)
{
	lc_walk_cb cb = {lt_on_entry, lt_on_susp, &w->log, NULL};
	w->rc = lc__layer_walk(ctx, &li->img, i, &cb, &w->res, &w->warn, &w->err);
	if (getenv("LT_VERBOSE")) {
		lt_print_diags("warning", &w->warn);
		lt_print_diags("error", &w->err);
	}
}

static inline void lt_walk_free(lt_walk *w)
{
	lc__diag_list_free(&w->warn);
	lc__diag_list_free(&w->err);
	lt_log_free(&w->log);
}

#endif
