/*
 * layer.h - what the files of the layer module share with each other: the hashing
 * blob reader and its decompressors (decompress.c), used by the tar walker (walk.c).
 * Nothing outside src/lib/layer includes this.
 */
#ifndef LC_LAYER_H
#define LC_LAYER_H

#include "lc_private.h"

/* Blocks read from the blob and handed to libarchive: big enough that per-call costs
 * vanish, small enough to stay in L2 next to the inflate window. */
#define LC_LAYER_BLOCK (128u * 1024u)

/*
 * A layer reader: pulls the raw blob from a stream, hashes it as read (blob digest),
 * decides the codec by magic bytes, decompresses, and hashes what comes out (diff_id).
 * Memory is fixed at open (two blocks plus the codec's state), plus rings of blocks
 * in flight when it offloads its hashing.
 */
typedef struct lc_layer_reader lc_layer_reader;

/* Takes ownership of s (closed by lc__layer_reader_free). Reads the first bytes to
 * pick the codec. Returns LC_OK, LC_EINTERNAL (no memory), or LC_EIMAGE with the
 * reason in errcode/errmsg (the raw stream failed). */
lc_code lc__layer_reader_open(lc_stream *s, int zstd_window_log, lc_layer_reader **out);
void lc__layer_reader_free(lc_layer_reader *r);
/* Let other threads hash for this reader (see lc_hash_offload) from the first block
 * after some thread could; call right after open. Without memory for it, or while no
 * thread could, the reader hashes inline as without it. off must outlive the reader. */
void lc__layer_reader_offload(lc_layer_reader *r, const lc_hash_offload *off);
/* "gzip", "zstd" or "none". */
const char *lc__layer_reader_codec(const lc_layer_reader *r);

/* Next decompressed block, borrowed until the next call: 1 with a block (len > 0),
 * 0 at the clean end of the compressed stream, -1 on error (errcode/errmsg). After an
 * error or the end, every further call returns the same. */
int lc__layer_reader_next(lc_layer_reader *r, const uint8_t **buf, size_t *len);

/* Read and hash the raw blob to its end without decompressing any further (after a
 * decode error the blob digest still decides between "corrupt" and "tampered").
 * Returns 0, or -1 when the raw stream itself failed. */
int lc__layer_reader_drain_raw(lc_layer_reader *r);

/* Byte counts so far. */
int64_t lc__layer_reader_raw_bytes(const lc_layer_reader *r);
int64_t lc__layer_reader_out_bytes(const lc_layer_reader *r);
/* Bytes after the last compressed member that were not another member (ignored, but
 * covered by the blob digest); the walker warns about them. */
int64_t lc__layer_reader_trailing(const lc_layer_reader *r);

/* "sha256:<hex>" of everything read so far (raw) and decompressed so far (out).
 * Call once the stream is drained; bufs of at least 72 bytes. */
void lc__layer_reader_digests(lc_layer_reader *r, char *blob, char *diff_id);

/* Why the last call failed: stable code ("layer.gzip_corrupt", "layer.gzip_truncated",
 * "layer.zstd_corrupt", "layer.zstd_truncated", "blob.read_error") and message. */
const char *lc__layer_reader_errcode(const lc_layer_reader *r);
const char *lc__layer_reader_errmsg(const lc_layer_reader *r);
/* True when the error came from the raw stream (I/O), not from the data. */
bool lc__layer_reader_io_error(const lc_layer_reader *r);

#endif
