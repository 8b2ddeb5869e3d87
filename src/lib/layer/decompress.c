/*
 * decompress.c - the hashing layer reader: raw blob -> SHA-256 (blob digest) -> codec
 * chosen by magic bytes (gzip via ISA-L, zstd via libzstd, else plain) -> SHA-256
 * (diff_id). One small codec table, libarchive-filter style; media types are ignored.
 * With a hash offload (lc_hash_offload) the two SHA-256 may run on another thread.
 */
#include "layer.h"

#include <isa-l/igzip_lib.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdarg.h>
#include <string.h>
#include <zstd.h>

/* zstd's own decoder default: windows above 128 MiB need `--memory` on the command
 * line too, so no ordinary tool writes them; this caps the decoder's memory. */
/* zstd's decoder window is the one allocation an attacker sizes: the limit
 * zstd-window-log caps it (2^27 = 128 MiB by default, zstd's own ceiling without --long). */
#define ZSTD_WINDOW_LOG_DEFAULT 27

typedef enum rstate { RS_OK = 0, RS_END, RS_ERR } rstate;

/* Blocks a reader keeps in flight while another thread hashes them: inflated blocks
 * (handed on to libarchive meanwhile) and raw blocks. Only readers that offload have
 * them: (OUT + RAW) x LC_LAYER_BLOCK, 1.5 MiB. OUT covers a helper's pause of a
 * millisecond or so (one queued file) before the reader hashes for itself. */
#define HASH_OUT_BLOCKS 8u
#define HASH_RAW_BLOCKS 4u
/* Pieces queued for hashing at most: the blocks above, plus raw reads, which a stream
 * may return in small pieces; past it the reader hashes the oldest itself. */
#define HASH_QUEUE 32u

typedef struct hash_piece {
	EVP_MD_CTX *md;
	const uint8_t *p;
	size_t n;
} hash_piece;

/*
 * What a reader shares with the threads that hash for it. Every field after `off` is
 * guarded by *off->lock. The bytes a piece points at are written by the reader before it
 * queues the piece and not again until head has passed it (the reader's rings); the
 * two EVP contexts are used only by the thread that holds `busy` (or, once the chain is
 * quiet and taken off the list, by the reader alone).
 */
struct lc_hash_chain {
	const lc_hash_offload *off; /* set at attach, read-only after */
	hash_piece q[HASH_QUEUE];   /* pieces [head, tail) wait, at q[seq % HASH_QUEUE] */
	uint64_t head, tail;        /* head moves only with busy held; tail only by the reader */
	bool busy;    /* a thread hashes q[head] with the lock dropped */
	bool posted;  /* on the scheduler's list (post called, work not yet) */
	bool waiting; /* the reader sleeps on cv for head to move */
	pthread_cond_t cv;
};

struct codec_ops;

struct lc_layer_reader {
	lc_stream *s;
	const struct codec_ops *codec;
	/* raw input: [pos, len) not yet consumed */
	uint8_t *raw;
	size_t pos, len;
	bool raw_eof, io_error;
	int64_t raw_bytes;
	/* decompressed output block */
	uint8_t *out;
	int64_t out_bytes;
	/* Hash offload; everything here but *ch is the reader thread's own. Once offloading,
	 * a block is never written again before the chain has hashed it: raw and out then
	 * rotate through rings (slot 0 is the block above), and rdone/odone hold the piece
	 * count after a slot's last queued piece. */
	lc_hash_chain *ch;  /* NULL: inline hashing */
	bool offloading;    /* sticky: pieces go through ch from the first one queued */
	uint64_t queued;    /* pieces queued so far (== ch->tail) */
	uint64_t seen_head; /* ch->head as last seen under the lock */
	uint8_t *rblk[HASH_RAW_BLOCKS], *oblk[HASH_OUT_BLOCKS];
	uint64_t rdone[HASH_RAW_BLOCKS], odone[HASH_OUT_BLOCKS];
	unsigned rcur, ocur;
	int64_t trailing;
	rstate state;
	bool pending_err; /* error found after some output: report on the next call */
	EVP_MD_CTX *md_raw, *md_out;
	char errcode[32];
	char errmsg[256];
	/* codec state */
	struct inflate_state *gz;
	struct isal_gzip_header gzh; /* persists: a header may span reads */
	bool gz_hdr_done; /* this member's header is parsed; inflate the deflate data */
	bool gz_between; /* a member finished; the next bytes decide what follows */
	ZSTD_DCtx *zs;
	int zstd_window_log; /* 0 = default */
	size_t zs_last; /* last ZSTD_decompressStream hint: 0 = frame complete */
	bool zs_any;
};

typedef struct codec_ops {
	const char *name;
	bool (*match)(const uint8_t *p, size_t n);
	int (*init)(lc_layer_reader *r);
	/* Fill up to cap bytes: 1 with *got > 0, 0 at the clean end, -1 on error. */
	int (*read)(lc_layer_reader *r, uint8_t *out, size_t cap, size_t *got);
} codec_ops;

/* Messages are cut at the buffer's size on purpose (vsnprintf: no truncation warning). */
static void set_err(lc_layer_reader *r, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void set_err(lc_layer_reader *r, const char *code, const char *fmt, ...)
{
	va_list ap;
	snprintf(r->errcode, sizeof(r->errcode), "%s", code);
	va_start(ap, fmt);
	vsnprintf(r->errmsg, sizeof(r->errmsg), fmt, ap);
	va_end(ap);
}

/* ---- hash offload ---------------------------------------------------------------- */
/* Lock held, busy free: hash pieces [head, upto) in order, the lock dropped meanwhile.
 * Whatever is still queued afterwards goes back on the scheduler's list. */
static void chain_hash(lc_hash_chain *c, uint64_t upto)
{
	c->busy = true;
	while (c->head < upto && c->head < c->tail) {
		hash_piece pc = c->q[c->head % HASH_QUEUE];
		pthread_mutex_unlock(c->off->lock);
		EVP_DigestUpdate(pc.md, pc.p, pc.n);
		pthread_mutex_lock(c->off->lock);
		c->head++;
		if (c->waiting)
			pthread_cond_signal(&c->cv);
	}
	c->busy = false;
	if (c->head < c->tail && !c->posted) {
		c->posted = true;
		c->off->post(c->off->ud, c);
	}
}

void lc__hash_chain_work(lc_hash_chain *c)
{
	c->posted = false; /* the scheduler has just taken it off its list */
	if (!c->busy)
		chain_hash(c, UINT64_MAX);
}

/* Lock held, by the reader: return once pieces [0, upto) are hashed. The reader hashes
 * them itself when nobody is; it sleeps only while another thread is at it. */
static void chain_sync_locked(lc_layer_reader *r, uint64_t upto)
{
	lc_hash_chain *c = r->ch;
	while (c->head < upto) {
		if (!c->busy) {
			chain_hash(c, upto);
		} else {
			c->waiting = true;
			pthread_cond_wait(&c->cv, c->off->lock);
			c->waiting = false;
		}
	}
	r->seen_head = c->head;
}

/* Before the reader writes a block again: the pieces up to upto must be hashed. */
static void chain_sync(lc_layer_reader *r, uint64_t upto)
{
	if (upto > r->seen_head) { /* else known done: no lock */
		pthread_mutex_lock(r->ch->off->lock);
		chain_sync_locked(r, upto);
		pthread_mutex_unlock(r->ch->off->lock);
	}
}

/* Queue n bytes at p for md. The caller keeps them unchanged until hashed. */
static void chain_push(lc_layer_reader *r, EVP_MD_CTX *md, const uint8_t *p, size_t n)
{
	lc_hash_chain *c = r->ch;
	pthread_mutex_lock(c->off->lock);
	if (r->queued - c->head >= HASH_QUEUE)
		chain_sync_locked(r, r->queued - HASH_QUEUE + 1);
	c->q[r->queued % HASH_QUEUE] = (hash_piece){md, p, n};
	c->tail = ++r->queued;
	r->seen_head = c->head; /* spares chain_sync a lock when the helper keeps up */
	if (!c->busy && !c->posted) {
		c->posted = true;
		c->off->post(c->off->ud, c);
	}
	pthread_mutex_unlock(c->off->lock);
}

/* The chain quiet and off the scheduler's list: every queued piece hashed (or, with
 * discard, dropped: the reader is going away and nobody reads its digests). After this
 * no other thread touches the chain or the EVP contexts until the next piece. */
static void chain_quiesce(lc_layer_reader *r, bool discard)
{
	lc_hash_chain *c = r->ch;
	pthread_mutex_lock(c->off->lock);
	while (c->busy) {
		c->waiting = true;
		pthread_cond_wait(&c->cv, c->off->lock);
		c->waiting = false;
	}
	if (discard)
		c->head = c->tail;
	chain_sync_locked(r, c->tail);
	if (c->posted) {
		c->posted = false;
		c->off->retire(c->off->ud, c);
	}
	pthread_mutex_unlock(c->off->lock);
}

/* The first time some thread could hash: the rings. Without memory for them the reader
 * keeps hashing inline; that is only slower. */
static bool offload_start(lc_layer_reader *r)
{
	bool ok = true;
	for (unsigned i = 1; i < HASH_RAW_BLOCKS && ok; i++)
		ok = (r->rblk[i] = calloc(1, LC_LAYER_BLOCK)) != NULL;
	for (unsigned i = 1; i < HASH_OUT_BLOCKS && ok; i++)
		ok = (r->oblk[i] = calloc(1, LC_LAYER_BLOCK)) != NULL;
	if (!ok) {
		pthread_cond_destroy(&r->ch->cv);
		free(r->ch);
		r->ch = NULL; /* never posted: nobody else knows it */
	}
	return ok;
}

/* Hash n new bytes at p: inline, or queued once some thread could take them. */
static void hash_bytes(lc_layer_reader *r, EVP_MD_CTX *md, const uint8_t *p, size_t n)
{
	if (r->ch && !r->offloading && r->ch->off->helped(r->ch->off->ud))
		r->offloading = offload_start(r);
	if (r->offloading)
		chain_push(r, md, p, n);
	else
		EVP_DigestUpdate(md, p, n);
}

/* Compacts the unconsumed input to the front and reads more: 1 new bytes, 0 at the end
 * of the stream, -1 on a stream error. Hashes everything as it arrives. Offloading, the
 * rest moves by copy to the next raw slot instead, once that slot's bytes are hashed. */
static int raw_fill(lc_layer_reader *r)
{
	ssize_t n;
	int rc = 0;
	if (r->raw_eof)
		goto out;
	if (r->pos > 0 && r->offloading) {
		unsigned next = (r->rcur + 1) % HASH_RAW_BLOCKS;
		chain_sync(r, r->rdone[next]);
		memcpy(r->rblk[next], r->raw + r->pos, r->len - r->pos);
		r->rcur = next;
		r->raw = r->rblk[next];
		r->len -= r->pos;
		r->pos = 0;
	} else if (r->pos > 0) {
		memmove(r->raw, r->raw + r->pos, r->len - r->pos);
		r->len -= r->pos;
		r->pos = 0;
	}
	if (r->len == LC_LAYER_BLOCK) {
		rc = 1; /* already full: the caller consumes first */
		goto out;
	}
	n = r->s->read(r->s, r->raw + r->len, LC_LAYER_BLOCK - r->len);
	if (n < 0) {
		r->io_error = true;
		set_err(r, "blob.read_error", "reading the blob failed: %s",
			r->s->errbuf[0] ? r->s->errbuf : "I/O error");
		rc = -1;
		goto out;
	}
	if (n == 0) {
		r->raw_eof = true;
		goto out;
	}
	hash_bytes(r, r->md_raw, r->raw + r->len, (size_t)n);
	if (r->offloading)
		r->rdone[r->rcur] = r->queued;
	r->raw_bytes += n;
	r->len += (size_t)n;
	rc = 1;
out:
	return rc;
}

/* ---- none ---------------------------------------------------------------------- */
static bool none_match(const uint8_t *p, size_t n)
{
	(void)p;
	(void)n;
	return true;
}

static int none_init(lc_layer_reader *r)
{
	(void)r;
	return 0;
}

/* Unused: plain tar is handed out zero-copy from the raw buffer (see next). */
static int none_read(lc_layer_reader *r, uint8_t *out, size_t cap, size_t *got)
{
	(void)r;
	(void)out;
	(void)cap;
	*got = 0;
	return 0;
}

/* ---- gzip (ISA-L) -------------------------------------------------------------- */
static bool gz_match(const uint8_t *p, size_t n)
{
	return n >= 2 && p[0] == 0x1f && p[1] == 0x8b;
}

static int gz_init(lc_layer_reader *r)
{
	/* zeroed: on corrupt gzip input, bytes of this state that isal_inflate_init does
	 * not set reach the output and so the diff_id hash (valgrind, fuzz corpus
	 * layer/gzip with one byte flipped): stale heap would make the result vary */
	r->gz = calloc(1, sizeof(*r->gz));
	if (!r->gz)
		return -1;
	isal_inflate_init(r->gz);
	isal_gzip_header_init(&r->gzh);
	/* The header is parsed here with our own (initialised) header record: isal_inflate
	 * in ISAL_GZIP mode parses it with one on its stack that valgrind shows is read
	 * uninitialised on damaged headers. Then inflate checks the CRC-32/ISIZE trailer. */
	r->gz->crc_flag = ISAL_GZIP_NO_HDR_VER;
	return 0;
}

static const char *gz_errname(int ret)
{
	switch (ret) {
	case ISAL_INVALID_BLOCK: return "invalid deflate block";
	case ISAL_INVALID_SYMBOL: return "invalid deflate symbol";
	case ISAL_INVALID_LOOKBACK: return "invalid back-reference distance";
	case ISAL_INVALID_WRAPPER: return "invalid gzip header";
	case ISAL_UNSUPPORTED_METHOD: return "unsupported compression method";
	case ISAL_INCORRECT_CHECKSUM: return "CRC-32 of the data does not match the trailer";
	case ISAL_NEED_DICT: return "preset dictionary required";
	default: return "inflate failed";
	}
}

/* Everything after the last gzip member that is not another member: consumed (so the
 * blob digest covers it) and counted, never decompressed. */
static int swallow_trailing(lc_layer_reader *r)
{
	int rc = 0;
	for (;;) {
		r->trailing += (int64_t)(r->len - r->pos);
		r->pos = r->len;
		rc = raw_fill(r);
		if (rc <= 0)
			break;
	}
	return rc;
}

static int gz_read(lc_layer_reader *r, uint8_t *out, size_t cap, size_t *got)
{
	struct inflate_state *st = r->gz;
	int rc = 0;
	size_t produced = 0;

	while (produced < cap) {
		size_t avail = r->len - r->pos;
		if (r->gz_between) {
			/* Multi-member gzip (pigz, concatenated streams): another member
			 * begins only with the gzip magic. */
			if (avail < 2 && !r->raw_eof) {
				if (raw_fill(r) < 0) {
					rc = -1;
					goto out;
				}
				continue;
			}
			if (avail == 0)
				break; /* clean end */
			if (gz_match(r->raw + r->pos, avail)) {
				isal_inflate_reset(st);
				isal_gzip_header_init(&r->gzh);
				st->crc_flag = ISAL_GZIP_NO_HDR_VER;
				r->gz_hdr_done = false;
				r->gz_between = false;
				continue;
			}
			if (swallow_trailing(r) < 0) {
				rc = -1;
				goto out;
			}
			break;
		}
		if (avail == 0 && !r->raw_eof) {
			if (raw_fill(r) < 0) {
				rc = -1;
				goto out;
			}
			continue;
		}
		st->next_in = r->raw + r->pos;
		st->avail_in = (uint32_t)avail;
		if (!r->gz_hdr_done) {
			int h = isal_read_gzip_header(st, &r->gzh);
			r->pos += avail - st->avail_in;
			if (h == ISAL_DECOMP_OK) {
				r->gz_hdr_done = true;
			} else if (h < 0) {
				set_err(r, "layer.gzip_corrupt", "gzip data is corrupt: %s",
					h == ISAL_INCORRECT_CHECKSUM
						? "the header CRC does not match the header"
						: gz_errname(h));
				rc = -1;
				goto out;
			} else if (avail == st->avail_in && r->pos == 0 &&
				   r->len == LC_LAYER_BLOCK) {
				/* a full buffer and no progress would spin forever */
				set_err(r, "layer.gzip_corrupt", "gzip data is corrupt: %s",
					"the member header made no progress");
				rc = -1;
				goto out;
			} else if (r->raw_eof) {
				set_err(r, "layer.gzip_truncated", "%s",
					"gzip stream ends inside a member header");
				rc = -1;
				goto out;
			} else if (raw_fill(r) < 0) {
				rc = -1;
				goto out;
			}
			continue;
		}
		st->next_out = out + produced;
		st->avail_out = (uint32_t)(cap - produced);
		int ret = isal_inflate(st);
		size_t in_used = avail - st->avail_in;
		size_t out_made = (cap - produced) - st->avail_out;
		r->pos += in_used;
		produced += out_made;
		if (ret < 0) {
			set_err(r, "layer.gzip_corrupt", "gzip data is corrupt: %s", gz_errname(ret));
			rc = -1;
			goto out;
		}
		if (st->block_state == ISAL_BLOCK_FINISH) {
			r->gz_between = true;
			continue;
		}
		if (in_used == 0 && out_made == 0) {
			if (r->raw_eof) {
				set_err(r, "layer.gzip_truncated",
					"gzip stream ends before its end (%s)",
					st->block_state == ISAL_CHECKSUM_CHECK ||
							st->block_state == ISAL_BLOCK_INPUT_DONE
						? "inside the trailer"
						: "inside the compressed data");
				rc = -1;
				goto out;
			}
			/* Needs more input than is buffered; a full buffer that yields
			 * nothing would spin forever, so call it corrupt. */
			if (r->pos == 0 && r->len == LC_LAYER_BLOCK) {
				set_err(r, "layer.gzip_corrupt", "gzip data is corrupt: %s",
					"the decoder made no progress");
				rc = -1;
				goto out;
			}
			if (raw_fill(r) < 0) {
				rc = -1;
				goto out;
			}
		}
	}
out:
	*got = produced;
	if (rc == 0 && produced > 0)
		rc = 1;
	else if (rc < 0 && produced > 0) {
		r->pending_err = true;
		rc = 1;
	}
	return rc;
}

/* ---- zstd ---------------------------------------------------------------------- */
static bool zs_match(const uint8_t *p, size_t n)
{
	if (n < 4)
		return false;
	if (p[0] == 0x28 && p[1] == 0xb5 && p[2] == 0x2f && p[3] == 0xfd)
		return true;
	/* A skippable frame first (zstd:chunked and seekable writers put metadata there). */
	return (p[0] & 0xf0) == 0x50 && p[1] == 0x2a && p[2] == 0x4d && p[3] == 0x18;
}

static int zs_init(lc_layer_reader *r)
{
	r->zs = ZSTD_createDCtx();
	if (!r->zs)
		return -1;
	int wl = r->zstd_window_log > 0 ? r->zstd_window_log : ZSTD_WINDOW_LOG_DEFAULT;
	if (ZSTD_isError(ZSTD_DCtx_setParameter(r->zs, ZSTD_d_windowLogMax, wl)))
		return -1;
	return 0;
}

static int zs_read(lc_layer_reader *r, uint8_t *out, size_t cap, size_t *got)
{
	int rc = 0;
	size_t produced = 0;

	while (produced < cap) {
		size_t avail = r->len - r->pos;
		if (avail == 0 && !r->raw_eof) {
			if (raw_fill(r) < 0) {
				rc = -1;
				goto out;
			}
			continue;
		}
		ZSTD_inBuffer in = {r->raw + r->pos, avail, 0};
		ZSTD_outBuffer o = {out + produced, cap - produced, 0};
		size_t ret = ZSTD_decompressStream(r->zs, &o, &in);
		r->pos += in.pos;
		produced += o.pos;
		if (ZSTD_isError(ret)) {
			set_err(r, "layer.zstd_corrupt", "zstd data is corrupt: %s",
				ZSTD_getErrorName(ret));
			rc = -1;
			goto out;
		}
		if (in.pos > 0 || o.pos > 0) {
			r->zs_last = ret;
			r->zs_any = true;
		}
		if (in.pos == 0 && o.pos == 0 && r->pos < r->len) {
			set_err(r, "layer.zstd_corrupt", "zstd data is corrupt: %s",
				"the decoder made no progress");
			rc = -1;
			goto out;
		}
		if (in.pos == 0 && o.pos == 0 && r->pos == r->len && r->raw_eof) {
			/* Nothing more to flush and nothing more to read. */
			if (r->zs_last != 0 || !r->zs_any) {
				set_err(r, "layer.zstd_truncated", "%s",
					"zstd stream ends inside a frame");
				rc = -1;
			}
			break;
		}
	}
out:
	*got = produced;
	if (rc == 0 && produced > 0)
		rc = 1;
	else if (rc < 0 && produced > 0) {
		r->pending_err = true;
		rc = 1;
	}
	return rc;
}

/* Order matters: the plain codec matches anything and comes last. */
static const codec_ops codecs[] = {
	{"gzip", gz_match, gz_init, gz_read},
	{"zstd", zs_match, zs_init, zs_read},
	{"none", none_match, none_init, none_read},
};
#define CODEC_NONE (&codecs[2])

/* ---- the reader ---------------------------------------------------------------- */
lc_code lc__layer_reader_open(lc_stream *s, int zstd_window_log, lc_layer_reader **out)
{
	lc_code rc = LC_OK;
	lc_layer_reader *r = calloc(1, sizeof(*r));
	*out = NULL;
	if (!r) {
		if (s)
			s->close(s);
		rc = LC_EINTERNAL;
		goto out;
	}
	r->s = s;
	r->zstd_window_log = zstd_window_log > 10 && zstd_window_log <= 31 ? zstd_window_log : 0;
	/* zeroed for the same reason as the inflate state: a corrupt back-reference must
	 * never copy stale heap into the output (and so into the diff_id) */
	r->raw = r->rblk[0] = calloc(1, LC_LAYER_BLOCK);
	r->out = r->oblk[0] = calloc(1, LC_LAYER_BLOCK);
	r->md_raw = EVP_MD_CTX_new();
	r->md_out = EVP_MD_CTX_new();
	if (!r->raw || !r->out || !r->md_raw || !r->md_out ||
	    !EVP_DigestInit_ex(r->md_raw, EVP_sha256(), NULL) ||
	    !EVP_DigestInit_ex(r->md_out, EVP_sha256(), NULL)) {
		rc = LC_EINTERNAL;
		goto out;
	}
	/* Enough bytes to tell the codecs apart (streams may return short reads). */
	while (r->len < 4 && !r->raw_eof) {
		if (raw_fill(r) < 0) {
			r->state = RS_ERR;
			rc = LC_EIMAGE;
			goto out;
		}
	}
	for (size_t i = 0; i < sizeof(codecs) / sizeof(codecs[0]); i++) {
		if (codecs[i].match(r->raw, r->len)) {
			r->codec = &codecs[i];
			break;
		}
	}
	if (r->codec->init(r) < 0) {
		rc = LC_EINTERNAL;
		goto out;
	}
out:
	if (rc == LC_EINTERNAL) {
		lc__layer_reader_free(r);
		r = NULL;
	}
	*out = r;
	return rc;
}

void lc__layer_reader_offload(lc_layer_reader *r, const lc_hash_offload *off)
{
	lc_hash_chain *c = calloc(1, sizeof(*c));
	/* without it the reader hashes inline: only slower */
	if (c && pthread_cond_init(&c->cv, NULL) == 0) {
		c->off = off;
		r->ch = c;
	} else {
		free(c);
	}
}

void lc__layer_reader_free(lc_layer_reader *r)
{
	if (!r)
		return;
	if (r->ch) {
		/* nothing may point into the blocks or the contexts freed below */
		chain_quiesce(r, true);
		pthread_cond_destroy(&r->ch->cv);
		free(r->ch);
	}
	if (r->s)
		r->s->close(r->s);
	free(r->gz);
	ZSTD_freeDCtx(r->zs);
	EVP_MD_CTX_free(r->md_raw);
	EVP_MD_CTX_free(r->md_out);
	for (unsigned i = 0; i < HASH_RAW_BLOCKS; i++)
		free(r->rblk[i]);
	for (unsigned i = 0; i < HASH_OUT_BLOCKS; i++)
		free(r->oblk[i]);
	free(r);
}

const char *lc__layer_reader_codec(const lc_layer_reader *r)
{
	return r->codec ? r->codec->name : "none";
}

int lc__layer_reader_next(lc_layer_reader *r, const uint8_t **buf, size_t *len)
{
	int rc;
	size_t got = 0;
	*buf = NULL;
	*len = 0;
	if (r->state == RS_END) {
		rc = 0;
		goto out;
	}
	if (r->state == RS_ERR || r->pending_err) {
		r->state = RS_ERR;
		rc = -1;
		goto out;
	}
	if (r->codec == CODEC_NONE) {
		/* Plain tar: hand out the raw buffer itself; it is already hashed (or queued,
		 * and raw_fill then reads into the next slot). */
		if (r->pos == r->len) {
			if (!r->offloading)
				r->pos = r->len = 0;
			if (raw_fill(r) < 0) {
				r->state = RS_ERR;
				rc = -1;
				goto out;
			}
		}
		if (r->pos == r->len) {
			r->state = RS_END;
			rc = 0;
			goto out;
		}
		*buf = r->raw + r->pos;
		*len = r->len - r->pos;
		r->pos = r->len;
		r->out_bytes += (int64_t)*len;
		rc = 1;
		goto out;
	}
	if (r->offloading) {
		/* the next slot, once its last block is hashed (libarchive let go of it at
		 * the call after it was handed out: the ring has more than two slots) */
		r->ocur = (r->ocur + 1) % HASH_OUT_BLOCKS;
		r->out = r->oblk[r->ocur];
		chain_sync(r, r->odone[r->ocur]);
	}
	rc = r->codec->read(r, r->out, LC_LAYER_BLOCK, &got);
	if (rc == 1) {
		hash_bytes(r, r->md_out, r->out, got);
		if (r->offloading)
			r->odone[r->ocur] = r->queued;
		r->out_bytes += (int64_t)got;
		*buf = r->out;
		*len = got;
	} else {
		r->state = rc == 0 ? RS_END : RS_ERR;
	}
out:
	return rc;
}

int lc__layer_reader_drain_raw(lc_layer_reader *r)
{
	int rc = 0;
	if (r->io_error) {
		rc = -1;
		goto out;
	}
	for (;;) {
		r->pos = r->len;
		int f = raw_fill(r);
		if (f < 0) {
			rc = -1;
			break;
		}
		if (f == 0)
			break;
	}
out:
	return rc;
}

int64_t lc__layer_reader_raw_bytes(const lc_layer_reader *r)
{
	return r->raw_bytes;
}

int64_t lc__layer_reader_out_bytes(const lc_layer_reader *r)
{
	return r->out_bytes;
}

int64_t lc__layer_reader_trailing(const lc_layer_reader *r)
{
	return r->trailing;
}

static void hexdigest(EVP_MD_CTX *md, char *out)
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	EVP_MD_CTX *copy = EVP_MD_CTX_new();
	/* Finalise a copy so the running context stays usable (and idempotent). */
	if (!copy || !EVP_MD_CTX_copy_ex(copy, md) || !EVP_DigestFinal_ex(copy, d, &n))
		n = 0;
	EVP_MD_CTX_free(copy);
	memcpy(out, "sha256:", 7);
	for (unsigned int i = 0; i < n && i < 32; i++)
		snprintf(out + 7 + 2 * i, 3, "%02x", d[i]);
	out[7 + 2 * (n < 32 ? n : 32)] = '\0';
}

void lc__layer_reader_digests(lc_layer_reader *r, char *blob, char *diff_id)
{
	if (r->ch)
		chain_quiesce(r, false); /* final: every queued piece hashed */
	hexdigest(r->md_raw, blob);
	if (r->codec == CODEC_NONE)
		memcpy(diff_id, blob, 72);
	else
		hexdigest(r->md_out, diff_id);
}

const char *lc__layer_reader_errcode(const lc_layer_reader *r)
{
	return r->errcode[0] ? r->errcode : "layer.read_error";
}

const char *lc__layer_reader_errmsg(const lc_layer_reader *r)
{
	return r->errmsg[0] ? r->errmsg : "reading the layer failed";
}

bool lc__layer_reader_io_error(const lc_layer_reader *r)
{
	return r->io_error;
}
