/*
 * limits.c - the table of bounds on hostile input. Each row: name (as --limit takes
 * it), default, meaning. The order matches lc_limit_id.
 */
#include "lc_private.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

typedef struct limit_row {
	const char *name;
	int64_t def;
	const char *desc;
} limit_row;

#define KiB (int64_t)1024
#define MiB (1024 * KiB)
#define GiB (1024 * MiB)

static const limit_row limits[LC_LIM__COUNT] = {
	[LC_LIM_PATH_LEN] = {"path-length", 4096, "bytes in one entry path"},
	[LC_LIM_ENTRIES_PER_LAYER] = {"entries-per-layer", 2000000, "tar entries in one layer"},
	[LC_LIM_LAYERS] = {"layers", 512, "layers in one image"},
	[LC_LIM_TOTAL_BYTES] = {"total-bytes", 64 * GiB, "uncompressed bytes over the whole image"},
	[LC_LIM_LAYER_BYTES] = {"layer-bytes", 32 * GiB, "uncompressed bytes in one layer"},
	[LC_LIM_RATIO] = {"decompression-ratio", 200, "decompressed/compressed bytes of a layer"},
	[LC_LIM_JSON_SIZE] = {"json-size", 8 * MiB, "bytes of an image config or other JSON document"},
	[LC_LIM_JSON_DEPTH] = {"json-depth", 64, "nesting depth of a JSON document"},
	[LC_LIM_MANIFEST_SIZE] = {"manifest-size", 4 * MiB, "bytes of a manifest or index"},
	[LC_LIM_INDEX_DEPTH] = {"index-depth", 4, "nested image indexes followed"},
	[LC_LIM_FILE_BUFFER] = {"file-buffer", 64 * MiB, "bytes of one file held whole in memory for a detector"},
	[LC_LIM_CAPTURE_SIZE] = {"capture-size", 1 * MiB, "bytes of one captured file (etc/passwd, ...)"},
	[LC_LIM_LINK_LEN] = {"link-length", 4096, "bytes in a link target"},
	[LC_LIM_FINDINGS] = {"findings", 100000, "findings in one report"},
	[LC_LIM_FINDINGS_PER_FILE] = {"findings-per-file", 100, "findings one detector may report for one file"},
	[LC_LIM_ARCHIVE_MEMBERS] = {"archive-members", 100000, "members of an outer archive (oci-archive, docker-archive)"},
	[LC_LIM_ZSTD_WINDOW_LOG] = {"zstd-window-log", 27, "log2 of the zstd window a layer may need (decoder memory)"},
};

size_t lc_limit_count(void)
{
	return LC_LIM__COUNT;
}

const char *lc_limit_name(size_t i)
{
	return i < LC_LIM__COUNT ? limits[i].name : NULL;
}

const char *lc_limit_description(size_t i)
{
	return i < LC_LIM__COUNT ? limits[i].desc : NULL;
}

int64_t lc_limit_default(size_t i)
{
	return i < LC_LIM__COUNT ? limits[i].def : -1;
}

int64_t lc__limit(const lc_ctx *ctx, lc_limit_id id)
{
	if (!ctx || (unsigned)id >= LC_LIM__COUNT)
		return 0;
	return ctx->limits[id];
}

void lc__limits_init(int64_t *v)
{
	for (size_t i = 0; i < LC_LIM__COUNT; i++)
		v[i] = limits[i].def;
}

/* Sizes accept K/M/G suffixes (powers of 1024) so "--limit file-buffer=16M" reads well. */
int lc__parse_size(const char *s, int64_t *out)
{
	char *end = NULL;
	int rc = -1;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || end == s || v < 0)
		goto out;
	int64_t mul = 1;
	if (*end) {
		switch (*end) {
		case 'k': case 'K': mul = KiB; break;
		case 'm': case 'M': mul = MiB; break;
		case 'g': case 'G': mul = GiB; break;
		case 't': case 'T': mul = 1024 * GiB; break;
		default: goto out;
		}
		end++;
		if (*end == 'i' || *end == 'I')
			end++;
		if (*end == 'b' || *end == 'B')
			end++;
		if (*end)
			goto out;
	}
	if (v > INT64_MAX / mul)
		goto out;
	*out = (int64_t)v * mul;
	rc = 0;
out:
	return rc;
}

lc_code lc_ctx_set_limit(lc_ctx *ctx, const char *name, const char *value)
{
	if (!ctx || ctx->magic != LC_MAGIC_CTX || !name || !value)
		return LC_EUSAGE;
	for (size_t i = 0; i < LC_LIM__COUNT; i++) {
		if (strcmp(limits[i].name, name) != 0)
			continue;
		int64_t v;
		if (lc__parse_size(value, &v) != 0 || v == 0)
			return lc__fail(ctx, LC_EUSAGE, "limit %s: '%s' is not a positive number", name,
					value);
		ctx->limits[i] = v;
		return LC_OK;
	}
	return lc__fail(ctx, LC_EUSAGE, "unknown limit '%s' (see `laocoon limits`)", name);
}

int64_t lc_ctx_get_limit(const lc_ctx *ctx, const char *name)
{
	if (!ctx || ctx->magic != LC_MAGIC_CTX || !name)
		return -1;
	for (size_t i = 0; i < LC_LIM__COUNT; i++)
		if (strcmp(limits[i].name, name) == 0)
			return ctx->limits[i];
	return -1;
}
