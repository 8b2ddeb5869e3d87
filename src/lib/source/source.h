/*
 * source.h - what the image sources share among themselves and nobody else: the blob
 * store abstraction (a directory or an archive's members), bounded blob reads with digest
 * checks, the manifest and OCI layout readers, and the outer-tar member index.
 */
#ifndef LC_SOURCE_H
#define LC_SOURCE_H

#include "lc_private.h"

/* Sources by name (registry.c lists them in lc__sources). */
extern const lc_source_ops lc__source_oci, lc__source_oci_archive, lc__source_docker_archive,
	lc__source_dir, lc__source_rootfs;

/* "sha256:" + 64 lowercase hex: the only digest form we accept. */
bool lc__digest_valid(const char *d);
/* Hex of a digest (after "sha256:"); d must be valid. */
static inline const char *lc__digest_hex(const char *d)
{
	return d + 7;
}

/*
 * Where blobs come from: files under a directory, or members of an outer tar. Names are
 * relative ("index.json", "blobs/sha256/HEX"). The layout and manifest readers only see
 * this, so the directory and archive transports share them.
 */
typedef struct lc_blobsrc lc_blobsrc;
struct lc_blobsrc {
	lc_image *img;
	char what[512]; /* "oci layout /path" for messages */
	/* Opens a member; missing -> LC_EIMAGE with a message naming it. */
	lc_code (*open)(lc_blobsrc *b, const char *name, lc_stream **out);
	/* Size of a member: -1 when absent, -2 when present but refused (a symlink on
	 * the way, or not a regular file). */
	int64_t (*size)(lc_blobsrc *b, const char *name);
	void *ud;
};

/*
 * Read member `name` whole, at most `max` bytes (limit_name in the message); when
 * want_digest is set, verify its sha256 (LC_EINTEGRITY naming `label`), and when
 * want_size >= 0 its size. The buffer is NUL-terminated; got_digest (may be NULL)
 * receives the computed digest.
 */
lc_code lc__blob_read(lc_blobsrc *b, const char *name, const char *label, int64_t max,
		      const char *limit_name, const char *want_digest, int64_t want_size,
		      char **buf, size_t *len, char got_digest[72]);

/* Read a whole stream (at most max bytes), optionally hashing it. */
lc_code lc__stream_slurp(lc_ctx *ctx, lc_stream *s, const char *label, int64_t max,
			 const char *limit_name, char **buf, size_t *len, char digest[72]);
void lc__stream_close(lc_stream *s); /* NULL-safe */

/* json.c: parse with an explicit size ceiling (manifests use LC_LIM_MANIFEST_SIZE). */
lc_code lc__json_parse_max(lc_ctx *ctx, const char *what, const char *buf, size_t len,
			   int64_t max_size, const char *limit_name, json_t **out);

/* Media types we recognise. */
bool lc__mt_is_index(const char *mt);
bool lc__mt_is_manifest(const char *mt);
/* Is this parsed document an index (by mediaType, or by having "manifests")? */
bool lc__json_is_index(json_t *doc);

/*
 * manifest.c: from a parsed image manifest (OCI or Docker schema 2) fill img->layers
 * (blob_ref = prefix + hex), check every layer blob exists, read and verify the config,
 * parse it. prefix: "blobs/sha256/" for layouts, "" for dir:.
 */
lc_code lc__manifest_load(lc_blobsrc *b, json_t *manifest, const char *prefix);
/* Read config member `name`, verify against digest (when non-NULL), parse into img. */
lc_code lc__config_load(lc_blobsrc *b, const char *name, const char *digest, int64_t size);

/*
 * layout.c: open an OCI image layout through b: check oci-layout, read index.json,
 * choose by tag (NULL = the only image) or by @N (index >= 0), follow nested indexes by
 * platform, verify manifest and config, fill img.
 */
lc_code lc__layout_open(lc_blobsrc *b, const char *tag, long index);
/* Follow a descriptor chosen from an index down to an image manifest (nested indexes by
 * platform, cycles refused), verifying every blob; then load it. `depth` counts indexes
 * already followed. Used by layout.c and dir.c. */
lc_code lc__follow_descriptor(lc_blobsrc *b, json_t *desc, const char *prefix,
			      const char *name_suffix, int depth);

/* Parse "oci"-style "PATH[:TAG]" spec against the filesystem: the first prefix ending at a
 * ':' that exists wins, so paths with colons still work. Returns malloc'd path and tag. */
lc_code lc__split_path_ref(lc_ctx *ctx, const char *spec, char **path, char **ref);
/* Is s "@N"? stores N. */
bool lc__parse_at_index(const char *s, long *n);

/* ---- tar index of an outer archive (oci-archive, docker-archive) ---- */
typedef struct lc_tar_member {
	char *name;     /* without leading "./" */
	char type;      /* 'f' regular, 'l' symlink, 'h' hardlink, 'd' dir, 'o' other */
	int64_t size;
	int64_t offset; /* data offset in the file, -1 unknown (then stream via libarchive) */
	char *link;     /* link target */
} lc_tar_member;

typedef struct lc_tar_index {
	char *path;
	lc_tar_member *v;
	size_t n;
} lc_tar_index;

/* Scan the archive's headers once (bounded by LC_LIM_ARCHIVE_MEMBERS). */
lc_code lc__tar_index_load(lc_ctx *ctx, const char *path, lc_tar_index **out);
void lc__tar_index_free(lc_tar_index *ix);
/* Find a regular member by name, following symlinks/hardlinks inside the archive. */
const lc_tar_member *lc__tar_index_find(const lc_tar_index *ix, const char *name);
/* A blob store over an archive (b->ud = ix). */
void lc__tar_blobsrc_init(lc_blobsrc *b, lc_image *img, lc_tar_index *ix, const char *what);
/* A blob store over a directory (b->ud = the directory path, borrowed); refuses to
 * follow symlinks inside it. */
void lc__dir_blobsrc_init(lc_blobsrc *b, lc_image *img, const char *dir, const char *what);

/* The state of the blob-store transports (oci, oci-archive, docker-archive, dir): one
 * blob store; open_blob hands out layers[i].blob_ref through it. */
typedef struct lc_src_state {
	lc_blobsrc b;
	char *dir;          /* directory transports */
	lc_tar_index *ix;   /* archive transports */
} lc_src_state;
lc_code lc__src_state_new(lc_image *img, lc_src_state **out);
lc_code lc__src_open_blob(lc_image *img, size_t i, lc_stream **out);
void lc__src_close(lc_image *img);
/* Open an archive transport's index after refusing compressed files (LC_EUSAGE). */
lc_code lc__src_load_archive(lc_image *img, lc_src_state *st, const char *path,
			     const char *what);

/* Which of the named members a tar holds (bit i for names[i]); 0 when not a tar. Bounded
 * by the default member limit; no context needed, for probes. */
unsigned lc__tar_probe(const char *path, const char *const *names, size_t n);

/* Is the file compressed (gzip or zstd magic)? Returns "gzip"/"zstd" or NULL. */
const char *lc__file_compression(const char *path);

/* Record an image name once (img->names). */
void lc__image_add_name(lc_image *img, const char *name);
/* Add an open-time warning to img->warnings. */
void lc__image_warn(lc_image *img, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
#endif
