/*
 * walk.c - stream one layer: the hashing reader (decompress.c) feeds libarchive's tar
 * reader through its read callback; each entry is normalised, screened (traversal,
 * absolute paths, hard links leaving the layer, whiteouts) and handed to the caller.
 * Nothing is written to disk and memory does not depend on the bytes of the layer.
 */
#include "layer.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

/* The ratio limit only bites after this much output, so tiny layers (a few KiB of
 * zeros compress 1000:1) never trip it. */
#define RATIO_FLOOR ((int64_t)1 << 20)

/* ---- a set of the paths seen in this layer, for hard-link targets ------------------ */
#define ARENA_CHUNK (64u * 1024u)

typedef struct arena_blk {
	struct arena_blk *next;
	size_t used, cap;
	char data[];
} arena_blk;

typedef struct pathset {
	const char **slot;
	size_t cap, n;
	arena_blk *blk;
	uint64_t seed; /* random per walk: a layer cannot pick colliding names in advance */
} pathset;

static uint64_t path_hash(const pathset *ps, const char *s)
{
	uint64_t h = ps->seed ^ 0x9e3779b97f4a7c15ull;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ull;
		h ^= h >> 29;
	}
	return h;
}

static const char *arena_strdup(pathset *ps, const char *s)
{
	size_t n = strlen(s) + 1;
	if (!ps->blk || ps->blk->cap - ps->blk->used < n) {
		size_t cap = n > ARENA_CHUNK ? n : ARENA_CHUNK;
		arena_blk *b = malloc(sizeof(*b) + cap);
		if (!b)
			return NULL;
		b->next = ps->blk;
		b->used = 0;
		b->cap = cap;
		ps->blk = b;
	}
	char *p = ps->blk->data + ps->blk->used;
	memcpy(p, s, n);
	ps->blk->used += n;
	return p;
}

static bool pathset_has(const pathset *ps, const char *s)
{
	if (!ps->cap)
		return false;
	for (size_t i = path_hash(ps, s) & (ps->cap - 1);; i = (i + 1) & (ps->cap - 1)) {
		if (!ps->slot[i])
			return false;
		if (strcmp(ps->slot[i], s) == 0)
			return true;
	}
}

static int pathset_add(pathset *ps, const char *s)
{
	int rc = 0;
	if (pathset_has(ps, s))
		goto out;
	if ((ps->n + 1) * 2 > ps->cap) {
		size_t cap = ps->cap ? ps->cap * 2 : 1024;
		const char **slot = calloc(cap, sizeof(*slot));
		if (!slot) {
			rc = -1;
			goto out;
		}
		for (size_t i = 0; i < ps->cap; i++) {
			if (!ps->slot[i])
				continue;
			size_t j = path_hash(ps, ps->slot[i]) & (cap - 1);
			while (slot[j])
				j = (j + 1) & (cap - 1);
			slot[j] = ps->slot[i];
		}
		free(ps->slot);
		ps->slot = slot;
		ps->cap = cap;
	}
	const char *copy = arena_strdup(ps, s);
	if (!copy) {
		rc = -1;
		goto out;
	}
	size_t i = path_hash(ps, s) & (ps->cap - 1);
	while (ps->slot[i])
		i = (i + 1) & (ps->cap - 1);
	ps->slot[i] = copy;
	ps->n++;
out:
	return rc;
}

static void pathset_free(pathset *ps)
{
	while (ps->blk) {
		arena_blk *n = ps->blk->next;
		free(ps->blk);
		ps->blk = n;
	}
	free(ps->slot);
}

/* ---- walk state ------------------------------------------------------------------- */
typedef struct walk {
	lc_ctx *ctx;
	int layer;
	const char *diff_id_claim;
	const lc_walk_cb *cb;
	lc_layer_reader *rd;
	lc_diag_list *warnings, *errors;
	struct archive *a;
	int64_t lim_path, lim_link, lim_entries, lim_bytes, lim_ratio;
	/* what the read callback saw */
	bool stream_end;  /* the decompressed stream ended cleanly */
	bool dec_err;     /* the decompressor (or the raw stream) failed */
	const char *limit_code; /* a limit stopped the stream */
	lc_code limit_rc;
	char limit_msg[200];
	/* the entry being read, to tell a missing end from missing data */
	int64_t data_start, got;
	int64_t last_end; /* offset just past the last entry's padded data; -1 unknown */
	bool cb_stopped;  /* the entry callback asked to stop (time bound, its own error) */
	/* the last block handed to libarchive, to look at what follows the end blocks */
	const uint8_t *blk;
	size_t blk_len;
	int64_t blk_off;
	bool after_end; /* non-zero bytes after the end-of-archive blocks */
	pathset seen;
	char *pbuf, *lbuf;
	size_t pbufsz, lbufsz;
} walk;

typedef struct tar_content {
	lc_content base; /* first: the callback sees only this */
	walk *w;
	bool done, failed;
} tar_content;

static bool over(int64_t v, int64_t lim)
{
	return lim > 0 && v > lim;
}

/* Pull one decompressed block and apply the stream limits. */
static int pull(walk *w, const uint8_t **buf, size_t *len)
{
	int r = lc__layer_reader_next(w->rd, buf, len);
	if (r == 0) {
		w->stream_end = true;
	} else if (r < 0) {
		w->dec_err = true;
	} else {
		int64_t out = lc__layer_reader_out_bytes(w->rd);
		int64_t in = lc__layer_reader_raw_bytes(w->rd);
		if (over(out, w->lim_bytes)) {
			w->limit_code = "layer.too_large";
			w->limit_rc = LC_EINCOMPLETE;
			snprintf(w->limit_msg, sizeof(w->limit_msg),
				 "layer %d holds more than %lld uncompressed bytes (limit layer-bytes)",
				 w->layer, (long long)w->lim_bytes);
			r = -1;
		} else if (w->lim_ratio > 0 && out >= RATIO_FLOOR && in > 0 &&
			   out / in >= w->lim_ratio) {
			w->limit_code = "layer.decompression_bomb";
			w->limit_rc = LC_EIMAGE;
			snprintf(w->limit_msg, sizeof(w->limit_msg),
				 "layer %d decompresses more than %lld:1 (%lld bytes from %lld; "
				 "limit decompression-ratio)",
				 w->layer, (long long)w->lim_ratio, (long long)out, (long long)in);
			r = -1;
		}
	}
	return r;
}

static la_ssize_t tar_read_cb(struct archive *a, void *ud, const void **buf)
{
	walk *w = ud;
	const uint8_t *p = NULL;
	size_t len = 0;
	la_ssize_t rc;
	int r = pull(w, &p, &len);
	if (r < 0) {
		archive_set_error(a, EIO, "%s",
				  w->limit_code ? w->limit_msg : lc__layer_reader_errmsg(w->rd));
		rc = ARCHIVE_FATAL;
	} else {
		*buf = p;
		rc = (la_ssize_t)len;
		w->blk = p;
		w->blk_len = len;
		w->blk_off = lc__layer_reader_out_bytes(w->rd) - (int64_t)len;
	}
	return rc;
}

static int content_next(lc_content *c, const uint8_t **buf, size_t *len, int64_t *offset)
{
	tar_content *tc = (tar_content *)c;
	int rc = 0;
	*buf = NULL;
	*len = 0;
	if (tc->failed) {
		rc = -1;
		goto out;
	}
	while (!tc->done) {
		const void *b;
		size_t l;
		la_int64_t off;
		int r = archive_read_data_block(tc->w->a, &b, &l, &off);
		if (r == ARCHIVE_EOF) {
			tc->done = true;
			break;
		}
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
			tc->failed = true;
			rc = -1;
			break;
		}
		if (l == 0)
			continue;
		tc->w->got += (int64_t)l;
		*buf = b;
		*len = l;
		if (offset)
			*offset = off;
		rc = 1;
		break;
	}
out:
	return rc;
}

/* ---- how a read failed ------------------------------------------------------------- */
typedef enum fail_at { AT_HEADER, AT_DATA } fail_at;

/* Decide what a libarchive failure means, from what the read callback saw. Returns
 * 1 when the layer is in fact complete (umoci's unterminated last entry). */
static int classify(walk *w, fail_at at, const char *path, int64_t size, lc_code *rc)
{
	int complete = 0;
	if (w->limit_code) {
		lc__diag_add(w->errors, w->limit_code, w->layer, NULL, "%s", w->limit_msg);
		*rc = w->limit_rc;
	} else if (w->dec_err) {
		lc__diag_add(w->errors, lc__layer_reader_errcode(w->rd), w->layer, path,
			     "layer %d: %s", w->layer, lc__layer_reader_errmsg(w->rd));
		*rc = LC_EIMAGE;
	} else if (at == AT_DATA && w->stream_end && w->got >= size) {
		/* Every data byte arrived; only the padding and end blocks are missing. */
		lc__diag_add(w->warnings, "layer.tar_unterminated", w->layer, path,
			     "layer %d ends right after the data of its last entry (no padding, "
			     "no end-of-archive blocks)", w->layer);
		complete = 1;
	} else if (at == AT_DATA && w->stream_end) {
		lc__diag_add(w->errors, "layer.truncated", w->layer, path,
			     "layer %d is truncated inside the data of an entry (%lld of %lld bytes)",
			     w->layer, (long long)w->got, (long long)size);
		*rc = LC_EIMAGE;
	} else if (w->stream_end && w->last_end >= 0 &&
		   lc__layer_reader_out_bytes(w->rd) <= w->last_end) {
		/* The same, found while libarchive skipped the padding of the last entry. */
		lc__diag_add(w->warnings, "layer.tar_unterminated", w->layer, path,
			     "layer %d ends right after the data of its last entry (no padding, "
			     "no end-of-archive blocks)", w->layer);
		complete = 1;
	} else if (w->stream_end) {
		lc__diag_add(w->errors, "layer.truncated", w->layer, path,
			     "layer %d is truncated inside a tar header", w->layer);
		*rc = LC_EIMAGE;
	} else {
		const char *msg = archive_error_string(w->a);
		lc__diag_add(w->errors, "layer.tar_header", w->layer, path,
			     "layer %d: broken tar %s: %s", w->layer,
			     at == AT_DATA ? "entry data" : "header", msg ? msg : "unreadable");
		*rc = LC_EIMAGE;
	}
	return complete;
}

/* ---- entries ------------------------------------------------------------------------ */
static lc_ftype map_type(struct archive_entry *ae)
{
	switch (archive_entry_filetype(ae)) {
	case AE_IFREG: return LC_FT_REG;
	case AE_IFDIR: return LC_FT_DIR;
	case AE_IFLNK: return LC_FT_SYMLINK;
	case AE_IFCHR: return LC_FT_CHR;
	case AE_IFBLK: return LC_FT_BLK;
	case AE_IFIFO: return LC_FT_FIFO;
	case AE_IFSOCK: return LC_FT_SOCK;
	default: return LC_FT_OTHER;
	}
}

static uint32_t clamp_id(la_int64_t v)
{
	return v < 0 ? 0 : v > (la_int64_t)UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

typedef enum entry_verdict { EV_PASS, EV_SKIP } entry_verdict;

/*
 * Screen one entry and fill e; EV_SKIP when it must not reach the view (reported
 * here). pbuf receives the normalised path, lbuf a normalised hard-link target.
 */
static entry_verdict screen(walk *w, struct archive_entry *ae, const char *raw,
			    lc_entry *e, lc_code *rc)
{
	entry_verdict v = EV_SKIP;
	bool abs = false;
	const char *rawlink = archive_entry_hardlink(ae);
	bool hard = rawlink != NULL;
	const char *base;
	int nr;

	if (!hard && archive_entry_filetype(ae) == AE_IFLNK)
		rawlink = archive_entry_symlink(ae);
	if (over((int64_t)strlen(raw), w->lim_path)) {
		lc__diag_add(w->warnings, "layer.path_too_long", w->layer, NULL,
			     "layer %d: an entry path of %zu bytes is over the limit path-length "
			     "(%lld); entry skipped", w->layer, strlen(raw), (long long)w->lim_path);
		goto out;
	}
	nr = lc__path_normalise(raw, w->pbuf, w->pbufsz, &abs);
	if (nr == 0 && w->pbuf[0] == '\0')
		goto out; /* the root itself ("/", "./"): umoci writes it, nothing to see */
	if (nr < 0 || abs) {
		if (w->cb->suspicious)
			w->cb->suspicious(w->cb->ud, w->layer,
					  nr < 0 ? "layer.path_traversal" : "layer.path_absolute",
					  raw, rawlink);
		goto out;
	}
	if (rawlink && over((int64_t)strlen(rawlink), w->lim_link)) {
		lc__diag_add(w->warnings, "layer.link_too_long", w->layer, w->pbuf,
			     "layer %d: a link target of %zu bytes is over the limit link-length "
			     "(%lld); entry skipped", w->layer, strlen(rawlink),
			     (long long)w->lim_link);
		goto out;
	}

	memset(e, 0, sizeof(*e));
	e->path = w->pbuf;
	e->type = hard ? LC_FT_HARDLINK : map_type(ae);
	e->mode = (uint32_t)archive_entry_mode(ae) & 07777;
	e->uid = clamp_id(archive_entry_uid(ae));
	e->gid = clamp_id(archive_entry_gid(ae));
	e->size = archive_entry_size(ae);
	e->link = hard ? NULL : rawlink; /* symlinks: as stored, never resolved */
	if (e->type == LC_FT_CHR || e->type == LC_FT_BLK) {
		e->dev_major = (uint32_t)archive_entry_rdevmajor(ae);
		e->dev_minor = (uint32_t)archive_entry_rdevminor(ae);
	}

	/* Whiteouts: the marker names what it removes from the layers below. */
	base = strrchr(w->pbuf, '/');
	base = base ? base + 1 : w->pbuf;
	if (strncmp(base, ".wh.", 4) == 0) {
		size_t dirlen = (size_t)(base - w->pbuf);
		if (strcmp(base, ".wh..wh..opq") == 0) {
			w->pbuf[dirlen ? dirlen - 1 : 0] = '\0';
			e->type = LC_FT_OPAQUE;
		} else if (strncmp(base, ".wh..wh.", 8) == 0) {
			/* aufs bookkeeping (.wh..wh.plnk, .wh..wh.aufs): never applied */
			goto out;
		} else {
			const char *name = base + 4;
			if (!*name || strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
				lc__diag_add(w->warnings, "layer.whiteout_invalid", w->layer, raw,
					     "layer %d: whiteout names no file; entry skipped",
					     w->layer);
				goto out;
			}
			memmove(w->pbuf + dirlen, name, strlen(name) + 1);
			e->type = LC_FT_WHITEOUT;
		}
		e->link = NULL;
		e->size = 0;
	} else if (hard) {
		/* A hard link may only name an earlier entry of this very layer. */
		bool labs = false;
		if (lc__path_normalise(rawlink, w->lbuf, w->lbufsz, &labs) < 0 ||
		    !pathset_has(&w->seen, w->lbuf)) {
			if (w->cb->suspicious)
				w->cb->suspicious(w->cb->ud, w->layer, "layer.hardlink_outside",
						  raw, rawlink);
			goto out;
		}
		e->link = w->lbuf;
	}
	if (e->type != LC_FT_DIR && e->type != LC_FT_WHITEOUT && e->type != LC_FT_OPAQUE &&
	    pathset_add(&w->seen, w->pbuf) < 0) {
		*rc = LC_EINTERNAL;
		goto out;
	}
	v = EV_PASS;
out:
	return v;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	/* word at a time would be faster; this runs on the tail of one layer only */
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

static int64_t padded(int64_t n)
{
	return (n + 511) & ~(int64_t)511;
}

/* The tar part: returns LC_OK or an error; *complete when every entry was read. */
static lc_code walk_tar(walk *w, lc_layer_result *res, bool *complete)
{
	lc_code rc = LC_OK;
	int64_t nentries = 0;
	struct archive_entry *ae;

	*complete = false;
	w->a = archive_read_new();
	if (!w->a) {
		rc = LC_EINTERNAL;
		goto out;
	}
	archive_read_support_format_tar(w->a);
	if (archive_read_open(w->a, w, NULL, tar_read_cb, NULL) != ARCHIVE_OK) {
		if (!w->limit_code && !w->dec_err && w->stream_end &&
		    lc__layer_reader_out_bytes(w->rd) == 0) {
			/* An empty stream: no entries, and no end-of-archive marker either. */
			lc__diag_add(w->warnings, "layer.tar_unterminated", w->layer, NULL,
				     "layer %d is empty (not even end-of-archive blocks)", w->layer);
			*complete = true;
		} else {
			classify(w, AT_HEADER, NULL, 0, &rc);
		}
		goto out;
	}
	for (;;) {
		int r = archive_read_next_header(w->a, &ae);
		if (r == ARCHIVE_EOF) {
			int64_t end = archive_filter_bytes(w->a, 0);
			if (w->last_end >= 0 && end <= w->last_end)
				lc__diag_add(w->warnings, "layer.tar_unterminated", w->layer, NULL,
					     "layer %d has no end-of-archive blocks", w->layer);
			/* What libarchive read ahead past the end blocks is still in the
			 * last block: a tar reader ignores it, so it must be zeros. */
			if (w->blk && end >= w->blk_off && end < w->blk_off + (int64_t)w->blk_len)
				w->after_end = !all_zero(w->blk + (end - w->blk_off),
							 w->blk_len - (size_t)(end - w->blk_off));
			*complete = true;
			break;
		}
		if (r < ARCHIVE_WARN || r == ARCHIVE_RETRY) {
			if (classify(w, AT_HEADER, NULL, 0, &rc))
				*complete = true;
			break;
		}
		const char *raw = archive_entry_pathname(ae);
		if (r == ARCHIVE_WARN) {
			/* Names that are not valid in the locale come back raw, which is what
			 * we want; any other warning is worth passing on. */
			const char *msg = archive_error_string(w->a);
			if (msg && !strstr(msg, "can't be converted"))
				lc__diag_add(w->warnings, "layer.tar_warning", w->layer, raw,
					     "layer %d: %s", w->layer, msg);
		}
		if (++nentries > w->lim_entries && w->lim_entries > 0) {
			lc__diag_add(w->errors, "layer.too_many_entries", w->layer, NULL,
				     "layer %d has more than %lld entries (limit entries-per-layer); "
				     "the rest was not read", w->layer, (long long)w->lim_entries);
			rc = LC_EINCOMPLETE;
			break;
		}
		if (!raw) {
			lc__diag_add(w->warnings, "layer.tar_header", w->layer, NULL,
				     "layer %d: an entry without a name; skipped", w->layer);
			raw = "";
		}
		w->data_start = archive_filter_bytes(w->a, 0);
		w->got = 0;
		int64_t size = archive_entry_size(ae);
		lc_entry e;
		tar_content tc = {{content_next}, w, false, false};
		if (*raw && screen(w, ae, raw, &e, &rc) == EV_PASS) {
			e.layer = w->layer;
			e.layer_diff_id = w->diff_id_claim;
			rc = w->cb->entry ? w->cb->entry(w->cb->ud, &e,
							 e.type == LC_FT_REG ? &tc.base : NULL)
					  : LC_OK;
			res->entries++;
			w->cb_stopped = rc != LC_OK;
		}
		if (rc != LC_OK)
			break;
		/* Drain what the callback left, counting, so truncation is told apart
		 * from a merely missing end. Blocks are borrowed, nothing is copied. */
		const uint8_t *b;
		size_t l;
		while (content_next(&tc.base, &b, &l, NULL) == 1)
			;
		if (tc.failed) {
			if (classify(w, AT_DATA, raw, size, &rc))
				*complete = true;
			break;
		}
		w->last_end = archive_entry_sparse_count(ae) > 0
				      ? -1
				      : w->data_start + padded(w->got);
	}
out:
	return rc;
}

/* Compares a computed "sha256:hex" with a claimed digest; 1 equal, 0 different, -1
 * when the claim uses another algorithm (not checked, warned). */
static int digest_eq(const char *computed, const char *claim)
{
	if (strncmp(claim, "sha256:", 7) != 0)
		return -1;
	return strcasecmp(computed, claim) == 0;
}

lc_code lc__layer_walk(lc_ctx *ctx, lc_image *img, size_t i, const lc_walk_cb *cb,
		       lc_layer_result *res, lc_diag_list *warnings, lc_diag_list *errors)
{
	lc_code rc = LC_OK;
	lc_stream *s = NULL;
	walk w;
	bool complete = false, raw_ok = false, decode_failed;
	const lc_layer_desc *ld = &img->layers[i];

	memset(res, 0, sizeof(*res));
	memset(&w, 0, sizeof(w));
	res->compression = "none";
	if (img->src->walk_dir) {
		/* rootfs: a directory, not a stream; nothing to hash or decompress */
		rc = img->src->walk_dir(img, i, (lc_walk_cb *)cb);
		res->complete = rc == LC_OK;
		goto out;
	}
	w.ctx = ctx;
	w.layer = (int)i;
	w.diff_id_claim = ld->diff_id;
	w.cb = cb;
	w.warnings = warnings;
	w.errors = errors;
	w.last_end = -1;
	w.lim_path = lc__limit(ctx, LC_LIM_PATH_LEN);
	w.lim_link = lc__limit(ctx, LC_LIM_LINK_LEN);
	w.lim_entries = lc__limit(ctx, LC_LIM_ENTRIES_PER_LAYER);
	w.lim_bytes = lc__limit(ctx, LC_LIM_LAYER_BYTES);
	w.lim_ratio = lc__limit(ctx, LC_LIM_RATIO);
	if (getrandom(&w.seen.seed, sizeof(w.seen.seed), GRND_NONBLOCK) != sizeof(w.seen.seed))
		w.seen.seed = (uint64_t)(uintptr_t)&w ^ (uint64_t)i;
	/* Names over the limits are skipped before normalising, so these suffice. */
	w.pbufsz = (size_t)(w.lim_path > 0 ? w.lim_path : 65536) + 1;
	w.lbufsz = (size_t)(w.lim_link > 0 ? w.lim_link : 65536) + 1;
	w.pbuf = malloc(w.pbufsz);
	w.lbuf = malloc(w.lbufsz);
	if (!w.pbuf || !w.lbuf) {
		rc = LC_EINTERNAL;
		goto out;
	}

	rc = img->src->open_blob(img, i, &s);
	if (rc == LC_OK && !s)
		rc = lc__fail(ctx, LC_EINTERNAL, "the source gave no stream for layer %zu", i);
	if (rc != LC_OK) {
		lc__diag_add(errors, "blob.unreadable", w.layer, NULL, "layer %zu (%s): %s", i,
			     ld->digest ? ld->digest : "?",
			     lc__last_error(ctx)[0] ? lc__last_error(ctx) : "cannot open the blob");
		goto out;
	}
	rc = lc__layer_reader_open(s, (int)lc__limit(ctx, LC_LIM_ZSTD_WINDOW_LOG), &w.rd);
	s = NULL;
	if (rc == LC_EINTERNAL)
		goto out;
	if (rc == LC_OK && cb->hash)
		lc__layer_reader_offload(w.rd, cb->hash);
	res->compression = lc__layer_reader_codec(w.rd);
	if (rc != LC_OK) {
		w.dec_err = true;
		classify(&w, AT_HEADER, NULL, 0, &rc);
	} else {
		rc = walk_tar(&w, res, &complete);
	}

	/* The rest of the decompressed stream (tar record padding, anything after the
	 * end blocks) belongs to the diff_id; limits still apply to it. */
	if (rc == LC_OK && !w.dec_err && !w.limit_code) {
		const uint8_t *b;
		size_t l;
		int r;
		while ((r = pull(&w, &b, &l)) == 1)
			if (!w.after_end && !all_zero(b, l))
				w.after_end = true;
		if (w.after_end)
			lc__diag_add(warnings, "layer.data_after_end", w.layer, NULL,
				     "layer %d carries data after its end-of-archive blocks; tar "
				     "readers ignore it (hidden payload?)", w.layer);
		if (r < 0) {
			complete = complete && !w.limit_code;
			classify(&w, AT_HEADER, NULL, 0, &rc);
		}
	}
	/* A callback's own failure stops everything; otherwise read the blob to its end
	 * so the blob digest can say whether a broken layer was also tampered with. */
	if (w.rd && !w.cb_stopped && (rc == LC_OK || rc == LC_EIMAGE || rc == LC_EINCOMPLETE)) {
		raw_ok = lc__layer_reader_drain_raw(w.rd) == 0;
		if (!raw_ok && !w.dec_err) {
			lc__diag_add(errors, lc__layer_reader_errcode(w.rd), w.layer, NULL,
				     "layer %d: %s", w.layer, lc__layer_reader_errmsg(w.rd));
			rc = LC_EIMAGE;
		}
		raw_ok = raw_ok && !lc__layer_reader_io_error(w.rd);
	}
	decode_failed = rc == LC_EIMAGE;
	if (w.rd) {
		char blob[72], diff[72];
		lc__layer_reader_digests(w.rd, blob, diff);
		res->blob_bytes = lc__layer_reader_raw_bytes(w.rd);
		res->tar_bytes = lc__layer_reader_out_bytes(w.rd);
		if (raw_ok)
			memcpy(res->blob_digest, blob, sizeof(blob));
		if (w.stream_end)
			memcpy(res->diff_id, diff, sizeof(diff));
		if (lc__layer_reader_trailing(w.rd) > 0)
			lc__diag_add(warnings, "layer.gzip_trailing_data", w.layer, NULL,
				     "layer %d: %lld bytes after the last gzip member were ignored",
				     w.layer, (long long)lc__layer_reader_trailing(w.rd));
		if (raw_ok && ld->digest) {
			int eq = digest_eq(blob, ld->digest);
			if (eq == 0) {
				lc__diag_add(errors, "blob.digest_mismatch", w.layer, NULL,
					     "blob %s of layer %d has digest %s", ld->digest,
					     w.layer, blob);
				rc = LC_EINTEGRITY;
			} else if (eq < 0) {
				lc__diag_add(warnings, "blob.digest_unchecked", w.layer, NULL,
					     "layer %d: digest %s uses an algorithm laocoon does "
					     "not verify", w.layer, ld->digest);
			}
		}
		/* After a decode error the blob digest alone decides (3 or 4): the tar is
		 * known to be broken, so its digest cannot tell anything more. */
		if (w.stream_end && ld->diff_id && !decode_failed) {
			int eq = digest_eq(diff, ld->diff_id);
			if (eq == 0) {
				lc__diag_add(errors, "layer.diff_id_mismatch", w.layer, NULL,
					     "layer %d (blob %s): uncompressed content has digest %s, "
					     "the config says %s", w.layer,
					     ld->digest ? ld->digest : "?", diff, ld->diff_id);
				rc = LC_EINTEGRITY;
			} else if (eq < 0) {
				lc__diag_add(warnings, "layer.diff_id_unchecked", w.layer, NULL,
					     "layer %d: diff_id %s uses an algorithm laocoon does "
					     "not verify", w.layer, ld->diff_id);
			}
		}
	}
	res->complete = complete && (rc == LC_OK || rc == LC_EINTEGRITY || rc == LC_EIMAGE);
out:
	if (w.a)
		archive_read_free(w.a);
	lc__layer_reader_free(w.rd);
	if (s)
		s->close(s);
	pathset_free(&w.seen);
	free(w.pbuf);
	free(w.lbuf);
	return rc;
}
