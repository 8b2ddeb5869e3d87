/*
 * fuzz_common.h - shared by the libFuzzer harnesses: one context per process with small
 * limits (so a fuzzer finds bounds, not the machine's memory), and a memory-backed
 * image source for feeding layers without files.
 */
#ifndef LC_FUZZ_COMMON_H
#define LC_FUZZ_COMMON_H

#include "lc_private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static inline lc_ctx *fuzz_ctx(void)
{
	static lc_ctx *ctx;
	if (!ctx) {
		ctx = lc_ctx_new();
		lc_ctx_set_limit(ctx, "json-size", "1M");
		lc_ctx_set_limit(ctx, "manifest-size", "1M");
		lc_ctx_set_limit(ctx, "layer-bytes", "64M");
		lc_ctx_set_limit(ctx, "total-bytes", "128M");
		lc_ctx_set_limit(ctx, "entries-per-layer", "20000");
		lc_ctx_set_limit(ctx, "file-buffer", "1M");
		lc_ctx_set_option(ctx, "no-cache", "1");
		lc_ctx_set_option(ctx, "parallel", "1");
	}
	ctx->errmsg[0] = 0;
	return ctx;
}

/* ---- a memory source: blobs served from the fuzz input --------------------------- */
typedef struct fuzz_stream {
	lc_stream base;
	const uint8_t *p;
	size_t n, off;
} fuzz_stream;

static inline ssize_t fuzz_stream_read(lc_stream *s, void *buf, size_t len)
{
	fuzz_stream *f = (fuzz_stream *)s;
	size_t left = f->n - f->off;
	/* Odd read sizes exercise every boundary of the readers above. */
	if (len > 4093)
		len = 4093;
	if (len > left)
		len = left;
	memcpy(buf, f->p + f->off, len);
	f->off += len;
	return (ssize_t)len;
}

static inline void fuzz_stream_close(lc_stream *s)
{
	free(s);
}

#define FUZZ_MAX_LAYERS 4
typedef struct fuzz_image {
	lc_image img;
	lc_layer_desc desc[FUZZ_MAX_LAYERS];
	const uint8_t *blob[FUZZ_MAX_LAYERS];
	size_t len[FUZZ_MAX_LAYERS];
} fuzz_image;

static inline lc_code fuzz_open_blob(lc_image *img, size_t i, lc_stream **out)
{
	fuzz_image *fi = (fuzz_image *)img;
	fuzz_stream *s = calloc(1, sizeof(*s));
	if (!s)
		return LC_EINTERNAL;
	s->base.read = fuzz_stream_read;
	s->base.close = fuzz_stream_close;
	s->p = fi->blob[i];
	s->n = fi->len[i];
	*out = &s->base;
	return LC_OK;
}

static const lc_source_ops fuzz_source = {
	.name = "memory",
	.open_blob = fuzz_open_blob,
};

static inline void fuzz_image_init(fuzz_image *fi, lc_ctx *ctx)
{
	memset(fi, 0, sizeof(*fi));
	fi->img.magic = LC_MAGIC_IMAGE;
	fi->img.ctx = ctx;
	fi->img.layers = fi->desc;
	fi->img.src = &fuzz_source;
	fi->img.transport = (char *)"memory";
	for (size_t i = 0; i < FUZZ_MAX_LAYERS; i++)
		fi->desc[i].history = -1;
}

/* Split the input into up to FUZZ_MAX_LAYERS layers at a marker line. */
static inline void fuzz_image_split(fuzz_image *fi, const uint8_t *data, size_t size)
{
	static const char mark[] = "\nLCLAYER\n";
	const size_t ml = sizeof(mark) - 1;
	size_t start = 0;
	for (size_t i = 0; i + ml <= size && fi->img.nlayers < FUZZ_MAX_LAYERS - 1; i++) {
		if (memcmp(data + i, mark, ml) != 0)
			continue;
		fi->blob[fi->img.nlayers] = data + start;
		fi->len[fi->img.nlayers++] = i - start;
		start = i + ml;
		i += ml - 1;
	}
	fi->blob[fi->img.nlayers] = data + start;
	fi->len[fi->img.nlayers++] = size - start;
}
/* ---- taking parameters off the front of the input --------------------------------- */
/* Harnesses that need a few knobs (a rule index, a chunk size, a mode) take them from the
 * first bytes, so one input is always one deterministic run. */
typedef struct fuzz_in {
	const uint8_t *p;
	size_t n;
} fuzz_in;

static inline unsigned fuzz_byte(fuzz_in *in)
{
	if (!in->n)
		return 0;
	in->n--;
	return *in->p++;
}

static inline unsigned fuzz_u16(fuzz_in *in)
{
	unsigned hi = fuzz_byte(in);
	return hi << 8 | fuzz_byte(in);
}

/* A NUL-terminated copy of the input (most text parsers want one). free() it. */
static inline char *fuzz_strdup(const uint8_t *p, size_t n)
{
	char *s = malloc(n + 1);
	if (s) {
		if (n)
			memcpy(s, p, n);
		s[n] = 0;
	}
	return s;
}

/* A property every harness may check: abort() so libFuzzer keeps the input. */
#define FUZZ_ASSERT(c)                                                                    \
	do {                                                                              \
		if (!(c)) {                                                               \
			fprintf(stderr, "%s:%d: fuzz property failed: %s\n", __FILE__, __LINE__, \
				#c);                                                      \
			abort();                                                          \
		}                                                                         \
	} while (0)
#endif
