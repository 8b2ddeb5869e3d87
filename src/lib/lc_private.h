/*
 * lc_private.h - what the library's files share with each other and nobody else.
 * Names here use the lc__ prefix. The CLI must not include this file.
 */
#ifndef LC_PRIVATE_H
#define LC_PRIVATE_H

#ifndef LC_BUILDING_LIBRARY
#error "lc_private.h is internal to liblaocoon"
#endif

#include "laocoon.h"

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* ---- magic values guard handles against misuse ---------------------------- */
#define LC_MAGIC_CTX 0x6c63747801u
#define LC_MAGIC_IMAGE 0x6c63696d01u
#define LC_MAGIC_REPORT 0x6c63727001u

/* ---- limits --------------------------------------------------------------- */
/* One enum entry per row of the limits table in limits.c (same order). */
typedef enum lc_limit_id {
	LC_LIM_PATH_LEN,          /* bytes in one entry path */
	LC_LIM_ENTRIES_PER_LAYER, /* tar entries in one layer */
	LC_LIM_LAYERS,            /* layers in one image */
	LC_LIM_TOTAL_BYTES,       /* uncompressed bytes over the whole image */
	LC_LIM_LAYER_BYTES,       /* uncompressed bytes in one layer */
	LC_LIM_RATIO,             /* decompressed/compressed ratio */
	LC_LIM_JSON_SIZE,         /* bytes of a config or other JSON document */
	LC_LIM_JSON_DEPTH,        /* nesting depth of a JSON document */
	LC_LIM_MANIFEST_SIZE,     /* bytes of a manifest or index */
	LC_LIM_INDEX_DEPTH,       /* nested indexes followed */
	LC_LIM_FILE_BUFFER,       /* bytes of one file held whole in memory for a detector */
	LC_LIM_CAPTURE_SIZE,      /* bytes of one captured file (etc/passwd ...) */
	LC_LIM_LINK_LEN,          /* bytes in a link target */
	LC_LIM_FINDINGS,          /* findings in one report */
	LC_LIM_FINDINGS_PER_FILE, /* findings one detector may emit for one file */
	LC_LIM_ARCHIVE_MEMBERS,   /* members of an outer archive (oci-archive, docker-archive) */
	LC_LIM_ZSTD_WINDOW_LOG,   /* log2 of the largest zstd window a layer may ask for */
	LC_LIM__COUNT
} lc_limit_id;

/* ---- errors and warnings on a handle -------------------------------------- */
/* A diagnostic: stable dotted code (e.g. "layer.tar_unterminated"), message, and where. */
typedef struct lc_diag {
	char *code;
	char *message;
	int layer; /* -1 when not about a layer */
	char *path; /* NULL when not about a path */
} lc_diag;

typedef struct lc_diag_list {
	lc_diag *v;
	size_t n, cap;
} lc_diag_list;

/* ---- context -------------------------------------------------------------- */
typedef struct lc_strlist {
	char **v;
	size_t n, cap;
} lc_strlist;

struct lc_ctx {
	uint64_t magic;
	char errmsg[1024];
	int64_t limits[LC_LIM__COUNT];
	/* single-valued options */
	char *platform;  /* "os/arch[/variant]" or NULL (linux/amd64) */
	char *scanners;  /* comma list or NULL (all) */
	int parallel;    /* 0 = number of cores */
	bool show_secrets;
	bool no_cache;
	char *cache_dir;
	int64_t cache_max_size;
	int64_t timeout_ms;
	int64_t max_memory;
	/* repeatable options */
	lc_strlist secret_configs, yara_rules, iocs, hash_dbs, trusted;
	/* detectors' loaded shared state (compiled rules), index = detector table index */
	void **det_shared;
	bool *det_enabled;
	bool loaded;
	struct lc_matcher *matcher; /* shared single-pass matcher, NULL when no detector uses it */
	pthread_mutex_t lock;
};

/* Sets ctx->errmsg (printf-style) and returns code, for `return lc__fail(...)`. */
lc_code lc__fail(lc_ctx *ctx, lc_code code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The calling thread's last lc__fail message ("" when none since lc__clear_error): scan
 * threads read this, never ctx->errmsg, which any thread may overwrite. */
const char *lc__last_error(const lc_ctx *ctx);
void lc__clear_error(void);
/* Load the enabled detectors and compile the matcher (once); unload frees them. */
lc_code lc__ctx_load(lc_ctx *ctx);
void lc__ctx_unload(lc_ctx *ctx);
/* "512M", "2G", "4096": sizes with optional K/M/G/T suffix; 0 on success. */
int lc__parse_size(const char *s, int64_t *out);
int64_t lc__limit(const lc_ctx *ctx, lc_limit_id id);
int lc__strlist_add(lc_strlist *l, const char *s);
void lc__strlist_free(lc_strlist *l);

/* ---- byte streams ----------------------------------------------------------- */
/*
 * A source hands out blobs as streams: a file, a member of an outer tar, later an HTTP
 * body. Read returns bytes read, 0 at end, -1 on error (message in errbuf).
 */
typedef struct lc_stream lc_stream;
struct lc_stream {
	ssize_t (*read)(lc_stream *s, void *buf, size_t len);
	void (*close)(lc_stream *s);
	char errbuf[256];
	/* for the local-blob trust cache (issue 6): identity of the backing file, if any */
	const char *file_path; /* NULL when not a plain file */
	int64_t file_offset, file_length;
};

/* Open a whole file, or a slice of it, as a stream. */
lc_code lc__stream_file(lc_ctx *ctx, const char *path, int64_t off, int64_t len, lc_stream **out);
/* Stream a member of a tar archive on disk (oci-archive, docker-archive). */
lc_code lc__stream_tar_member(lc_ctx *ctx, const char *archive, const char *member,
			      lc_stream **out);

/* ---- the image model -------------------------------------------------------- */
typedef struct lc_history {
	char *created;
	char *created_by;
	char *comment;
	bool empty_layer;
} lc_history;

typedef struct lc_layer_desc {
	char *digest;     /* "sha256:..." of the blob as stored (NULL for rootfs) */
	char *media_type; /* as claimed; compression is decided by magic bytes */
	int64_t size;     /* claimed compressed size, -1 if unknown */
	char *diff_id;    /* from config rootfs.diff_ids (NULL for rootfs) */
	int history;      /* index into img->history of the step that made it, -1 if none */
	char *blob_ref;   /* source-private: file path or archive member name */
} lc_layer_desc;

/* What the config says the image does. Arrays are NULL-terminated; NULL when absent. */
typedef struct lc_config {
	char *os, *architecture, *variant;
	char *created;
	char *user;
	char *working_dir;
	char **env;
	char **entrypoint;
	char **cmd;
	char **exposed_ports; /* "3333/tcp" */
	char **volumes;
	char *stop_signal;
	char **healthcheck; /* Test array */
	json_t *labels;     /* object or NULL; borrowed from img->config_json */
	char **onbuild;
} lc_config;

struct lc_source_ops;
struct lc_walk_cb;

struct lc_image {
	uint64_t magic;
	lc_ctx *ctx;
	char *reference;  /* as the user gave it */
	char *transport;  /* "oci", "oci-archive", "docker-archive", "dir", "rootfs" */
	char *path;       /* the directory or file */
	char *manifest_digest; /* NULL when the source has none (rootfs) */
	char *manifest_media_type;
	char *config_digest;
	char *platform;   /* "linux/amd64" as chosen */
	lc_strlist names; /* RepoTags, ref.name / base.name annotations */
	json_t *config_json; /* parsed config, owned */
	lc_config config;
	lc_history *history;
	size_t nhistory;
	lc_layer_desc *layers;
	size_t nlayers;
	lc_diag_list warnings; /* found while opening (e.g. odd manifest) */
	const struct lc_source_ops *src;
	void *src_state;
};

/* A source: one file per transport, registered in source/registry.c. */
typedef struct lc_source_ops {
	const char *name; /* transport name, as skopeo spells it */
	/* Does a bare path look like this source? (for auto-detection); may be NULL */
	bool (*probe)(const char *path);
	/* Parse `spec` (the part after "name:"), read manifest and config, fill img. */
	lc_code (*open)(lc_image *img, const char *spec);
	/* Open layer i's blob as a raw (still compressed) stream. */
	lc_code (*open_blob)(lc_image *img, size_t i, lc_stream **out);
	/* For rootfs: walk the directory instead of a tar stream. NULL otherwise. */
	lc_code (*walk_dir)(lc_image *img, size_t i, struct lc_walk_cb *cb);
	void (*close)(lc_image *img);
} lc_source_ops;

extern const lc_source_ops *const lc__sources[]; /* NULL-terminated */

/* The layer history step h made, or -1 (an empty_layer step, or no such layer). */
int lc__history_layer(const lc_image *img, size_t h);
/* Fill img->config/history from the parsed config JSON (shared by all sources). */
lc_code lc__config_parse(lc_image *img, json_t *config);
/* Bounded JSON parse of a document: size and depth limits from ctx; names `what` in errors. */
lc_code lc__json_parse(lc_ctx *ctx, const char *what, const char *buf, size_t len, json_t **out);
/* Choose a manifest from an OCI index / docker manifest list by platform. */
lc_code lc__platform_select(lc_ctx *ctx, json_t *index, const char *want, json_t **manifest_desc);

/* ---- entries and the layer walk --------------------------------------------- */
typedef enum lc_ftype {
	LC_FT_REG = 0,
	LC_FT_DIR,
	LC_FT_SYMLINK,
	LC_FT_HARDLINK,
	LC_FT_CHR,
	LC_FT_BLK,
	LC_FT_FIFO,
	LC_FT_SOCK,
	LC_FT_WHITEOUT, /* .wh.NAME: path is the removed NAME */
	LC_FT_OPAQUE,   /* .wh..wh..opq: path is the directory */
	LC_FT_OTHER
} lc_ftype;

/* One tar entry, borrowed by callbacks until they return. */
typedef struct lc_entry {
	const char *path;  /* normalised: relative, no leading "/", no "." or ".." parts */
	lc_ftype type;
	uint32_t mode;     /* permission bits incl. setuid/setgid/sticky */
	uint32_t uid, gid;
	int64_t size;
	const char *link;  /* symlink or hardlink target, else NULL */
	uint32_t dev_major, dev_minor;
	int layer;         /* 0-based */
	const char *layer_diff_id; /* as claimed by the config; NULL for rootfs */
} lc_entry;

/* Pull-style access to the current entry's content; zero-copy blocks borrowed until
 * the next call. next returns 1 with a block, 0 at end of data, -1 on error (the layer
 * is broken; the walker reports it). Implemented by the tar walker and by rootfs. */
typedef struct lc_content lc_content;
struct lc_content {
	int (*next)(lc_content *c, const uint8_t **buf, size_t *len, int64_t *offset);
};
static inline int lc__content_next(lc_content *c, const uint8_t **buf, size_t *len,
				   int64_t *offset)
{
	return c->next(c, buf, len, offset);
}

/*
 * Hash offload (layer/decompress.c hashes, scan.c schedules). A layer's reader inflates
 * and hashes on one thread; with threads to spare, the SHA-256 of its blocks (blob and
 * diff_id) can run on another. The reader then appends each block it reads or inflates,
 * in order, to its hash chain, and keeps the block until it is hashed (a few blocks in
 * flight). Whoever gets there first hashes the chain in order: a thread the scheduler
 * hands it to, or the reader itself when it needs a block back or at the end. Digests
 * are the same as inline hashing: same bytes, same order, one context each.
 */
typedef struct lc_hash_chain lc_hash_chain;
typedef struct lc_hash_offload {
	/* The scheduler's lock: it guards every chain's queue, so that a thread can sleep
	 * on one condition for files and for chains. Never held while hashing. */
	pthread_mutex_t *lock;
	void *ud;
	/* Some thread could hash now. Read without the lock, once per block, until true:
	 * while false the reader hashes inline (no lock, no delay). */
	bool (*helped)(void *ud);
	/* With *lock held: c has blocks nobody is hashing. The scheduler lists c and wakes
	 * a thread, which calls lc__hash_chain_work(c) under the same lock hold in which it
	 * takes c off the list. Not called again for c until then. */
	void (*post)(void *ud, lc_hash_chain *c);
	/* With *lock held: c goes away; take it off the list if it is listed. */
	void (*retire)(void *ud, lc_hash_chain *c);
} lc_hash_offload;

/* Called with *lock held, for a chain just taken off the scheduler's list: hashes its
 * blocks in order, dropping the lock while hashing; returns with the lock held again
 * (at once when another thread is hashing c). */
void lc__hash_chain_work(lc_hash_chain *c);

typedef struct lc_walk_cb {
	/* Called once per entry; may read content through c (NULL for non-regular). */
	lc_code (*entry)(void *ud, const lc_entry *e, lc_content *c);
	/* An entry kept out of the view because it is itself suspicious: its path climbs
	 * out ("layer.path_traversal"), is absolute ("layer.path_absolute"), or a hard link
	 * points outside the layer ("layer.hardlink_outside"). raw_path is as stored (not
	 * escaped). The scan turns these into findings. May be NULL. */
	void (*suspicious)(void *ud, int layer, const char *code, const char *raw_path,
			   const char *link);
	void *ud;
	/* May be NULL: the layer's reader hashes inline. Must outlive the walk. */
	const lc_hash_offload *hash;
} lc_walk_cb;

typedef struct lc_layer_result {
	char blob_digest[72];   /* computed "sha256:..." of the raw blob */
	char diff_id[72];       /* computed "sha256:..." of the uncompressed tar */
	int64_t blob_bytes, tar_bytes;
	int64_t entries;
	const char *compression; /* "gzip", "zstd", "none" */
	bool complete;
} lc_layer_result;

/*
 * Stream layer i once: verify blob digest and diff_id, decompress, walk the tar, call
 * cb->entry per entry. Warnings and errors go to diags (with layer and path).
 * Returns LC_OK, LC_EIMAGE (unreadable), LC_EINTEGRITY (digest mismatch), LC_EINCOMPLETE.
 */
lc_code lc__layer_walk(lc_ctx *ctx, lc_image *img, size_t i, const lc_walk_cb *cb,
		       lc_layer_result *res, lc_diag_list *warnings, lc_diag_list *errors);

/* Path normalisation: returns 0 and writes a normalised relative path, or -1 when the
 * path climbs out ("../") which the caller reports. Absolute paths are made relative,
 * with *was_absolute set. */
int lc__path_normalise(const char *in, char *out, size_t outsz, bool *was_absolute);
/* fnmatch(glob, path, 0) == 0, without its cost for globs of only '*' and '?'. */
bool lc__glob_match(const char *glob, const char *path);
/* The same, with the glob classified once: a literal compare for "LIT", "*LIT", "LIT*" and
 * "*LIT*". The glob's text must outlive g. */
typedef enum lc_glob_kind {
	LC_GLOB_EXACT, LC_GLOB_SUFFIX, LC_GLOB_PREFIX, LC_GLOB_INFIX, LC_GLOB_WILD, LC_GLOB_FNMATCH
} lc_glob_kind;
typedef struct lc_glob {
	const char *glob, *lit;
	size_t len;
	lc_glob_kind kind;
} lc_glob;
void lc__glob_compile(const char *glob, lc_glob *g);
bool lc__glob_match_compiled(const lc_glob *g, const char *path, size_t path_len);

/* ---- the file index and whiteouts ------------------------------------------- */
/* Compact per-layer record: what inspect --files and the image hooks see. */
typedef struct lc_fileinfo {
	char *path;
	lc_ftype type;
	uint32_t mode, uid, gid;
	int64_t size;
	char *link;
	int layer;
	int removed_in; /* -1 when present in the final view */
} lc_fileinfo;

typedef struct lc_fileidx lc_fileidx;
lc_fileidx *lc__fileidx_new(size_t nlayers);
void lc__fileidx_free(lc_fileidx *ix);
/* Record an entry of layer L (thread-safe per layer: each layer has its own list).
 * Returns 1 when it replaced a duplicate path in the same layer (caller warns). */
int lc__fileidx_add(lc_fileidx *ix, const lc_entry *e);
/* The same for records known unique, given in strictly ascending tree order (a cached
 * layer's): no duplicate check and no hashing until an ordinary add needs the layer's
 * table. 0, or -1 (out of order: not unique; bad layer; no memory). */
int lc__fileidx_add_unique(lc_fileidx *ix, const lc_entry *e);
/* Would (path, type) be accepted by lc__fileidx_add_unique right after (prev, prev_type)? */
bool lc__fileidx_follows(const char *prev, lc_ftype prev_type, const char *path, lc_ftype type);
/* Apply whiteouts and opaque markers across layers; sets removed_in. */
void lc__fileidx_resolve(lc_fileidx *ix);
/* After resolve: all records (every layer), sorted by path then layer. */
size_t lc__fileidx_count(const lc_fileidx *ix);
const lc_fileinfo *lc__fileidx_get(const lc_fileidx *ix, size_t i);
/* The record for (layer, path), or NULL. */
const lc_fileinfo *lc__fileidx_find(const lc_fileidx *ix, int layer, const char *path);
size_t lc__fileidx_layer_count(const lc_fileidx *ix, int layer);

/* ---- findings ----------------------------------------------------------------- */
typedef enum lc_source_kind {
	LC_SRC_FILE = 0,
	LC_SRC_CONFIG,
	LC_SRC_HISTORY,
	LC_SRC_NAME,
	LC_SRC_IMAGE,
	LC_SRC_PACKAGE,
	LC_SRC_RUNTIME
} lc_source_kind;

/* What a detector fills in to report a finding; lc__emit copies everything. */
typedef struct lc_finding_in {
	const char *rule_id;
	lc_severity severity;
	const char *title;
	const char *description;
	lc_source_kind source;
	int layer;          /* -1 for none; for file findings, from the entry by default */
	const char *path;   /* file path, or config key ("config.Entrypoint"), or history index */
	int64_t line;       /* 1-based, 0 for none */
	int64_t offset;     /* byte offset in the file, -1 for none */
	const char *evidence; /* already redacted by the detector where secret */
	const char *remediation;
	json_t *details;    /* object; ownership passes to lc__emit (may be NULL) */
} lc_finding_in;

typedef struct lc_run lc_run; /* one scan in progress (scan.c); lc_scan() is the public call */
struct lc_detector;

/* Where findings go; one per callback, carrying the detector. */
typedef struct lc_emitter {
	lc_run *scan;
	const struct lc_detector *det;
	const lc_entry *entry; /* NULL outside file callbacks */
} lc_emitter;

/* Thread-safe. Fills layer/path from em->entry when the finding leaves them unset
 * (layer < 0 and path NULL with source FILE). */
lc_code lc__emit(lc_emitter *em, const lc_finding_in *f);
/* Add a warning to the scan's report (thread-safe). */
void lc__scan_warn(lc_run *sc, const char *code, int layer, const char *path, const char *fmt,
		   ...) __attribute__((format(printf, 5, 6)));
bool lc__scan_show_secrets(const lc_run *sc);

/* Redact a secret for output: first 4 characters then "****" (unless show-secrets). */
char *lc__redact(const lc_run *sc, const char *secret, size_t len);

/* ---- the image-level view ------------------------------------------------------ */
typedef struct lc_view {
	const lc_image *img;
	const lc_fileidx *files; /* resolved: removed_in is set */
	const lc_run *scan;     /* for lc__view_capture */
} lc_view;

/* Contents of a path a detector asked for in advance (lc_detector.capture), as the
 * final view has it (layer = where it came from). Returns NULL when absent. */
const uint8_t *lc__view_capture(const lc_view *v, const char *path, size_t *len, int *layer);

/*
 * The config's and the history's strings, one call of fn each, for detectors that look for
 * text in them: Entrypoint, Cmd, Env, OnBuild, Healthcheck (element by element, or with
 * LC_CONFIG_JOIN the command arrays Entrypoint, Cmd and Healthcheck joined by spaces, at
 * most LC_CONFIG_TEXT_MAX bytes), every string label, every history step. Stops at the
 * first non-LC_OK return of fn and returns it; LC_EINTERNAL when a join runs out of memory.
 */
#define LC_CONFIG_JOIN 0x1u
#define LC_CONFIG_TEXT_MAX (256u * 1024u)
typedef struct lc_config_text {
	const char *field;     /* "Entrypoint", "Cmd", "Env", "OnBuild", "Healthcheck", "Labels",
				* "history" */
	const char *text;
	const char *key;       /* a label's key, NULL for the rest */
	size_t index;          /* the element's or the history step's position */
	lc_source_kind source; /* LC_SRC_CONFIG, or LC_SRC_HISTORY */
	int layer;             /* a history step's layer (lc__history_layer), else -1 */
	bool joined;           /* a whole command array joined (LC_CONFIG_JOIN) */
} lc_config_text;
lc_code lc__config_texts(const lc_image *img, unsigned flags,
			 lc_code (*fn)(void *ud, const lc_config_text *t), void *ud);
/* An exec-form array as one command line (elements joined by a space), at most max bytes,
 * so that a pattern spanning elements still matches. malloc'd; NULL without memory. */
char *lc__argv_join(char **argv, size_t max);

/* ---- detectors ------------------------------------------------------------------ */
#define LC_WANT_META 0x1u    /* on_entry for every entry (all types) */
#define LC_WANT_CHUNKS 0x2u  /* on_chunk with every block of regular files it selects */
#define LC_WANT_BUFFER 0x4u  /* on_file with the whole file (up to max_size) */
#define LC_WANT_MATCHER 0x8u /* registers patterns with the shared matcher */

typedef struct lc_detector {
	const char *name; /* canonical, used by --scanners */
	const char *description;
	unsigned wants;
	/* Which regular files to give content of: fnmatch(3) globs on the normalised path
	 * (FNM_PATHNAME not set, so '*' crosses '/'); NULL = every regular file. */
	const char *const *paths;
	int64_t max_size;              /* files above are given as truncated buffer; 0 = limit */
	const char *const *capture;    /* exact paths to capture for on_image (final view) */

	/* Once per ctx: compile rules (read-only afterwards, shared by threads). */
	lc_code (*load)(lc_ctx *ctx, void **shared);
	void (*unload)(void *shared);
	/* Per worker thread: scratch space. */
	lc_code (*worker_new)(void *shared, void **worker);
	void (*worker_free)(void *worker);

	lc_code (*on_entry)(void *shared, void *worker, lc_emitter *em, const lc_entry *e);
	/* Blocks of one file in order; last=true once with len possibly 0. */
	lc_code (*on_chunk)(void *shared, void *worker, lc_emitter *em, const lc_entry *e,
			    const uint8_t *buf, size_t len, int64_t offset, bool last);
	lc_code (*on_file)(void *shared, void *worker, lc_emitter *em, const lc_entry *e,
			   const uint8_t *buf, size_t len, bool truncated);
	lc_code (*on_layer_end)(void *shared, void *worker, lc_emitter *em, int layer);
	lc_code (*on_image)(void *shared, lc_emitter *em, const lc_view *v);
} lc_detector;

extern const lc_detector *const lc__detectors[]; /* NULL-terminated, detect/registry.c */
size_t lc__detector_index(const char *name);       /* (size_t)-1 when unknown */

/* ---- the shared single-pass matcher (match/) ------------------------------------- */
/*
 * Detectors register regexes in load(); the scan streams each regular file once through
 * one Hyperscan database and calls back the owner of each pattern with a window of
 * bytes around the match, so it can confirm (PCRE2, entropy, boundaries).
 */
typedef struct lc_matcher lc_matcher;
#define LC_M_CASELESS 0x1u
#define LC_M_DOTALL 0x2u
#define LC_M_MULTILINE 0x4u
#define LC_M_TEXT_ONLY 0x8u /* skip this pattern in binary files */
#define LC_M_LITERAL 0x10u  /* expression is a literal, not a regex */
/* A run pattern (a character class repeated): of matches ending at consecutive offsets,
 * only the first is delivered, so one long run costs one callback to the owner. At most
 * LC_MATCHER_MAX_RUNS such patterns. */
#define LC_M_RUN 0x20u
#define LC_M_ONCE 0x40u     /* presence only: at most one match per file, no window */

typedef struct lc_match {
	unsigned rule;       /* the owner's own id for the pattern */
	int64_t end;         /* offset in the file just after the match */
	const uint8_t *win;  /* bytes [win_off, win_off + win_len) of the file */
	int64_t win_off;
	size_t win_len;      /* ends at least `after` bytes past `end` unless at EOF */
} lc_match;

typedef lc_code (*lc_match_fn)(void *shared, void *worker, lc_emitter *em, const lc_entry *e,
			       const lc_match *m);

lc_matcher *lc__matcher_get(lc_ctx *ctx); /* created on first use */
/* before/after: bytes of context the owner needs to confirm around a match end. */
lc_code lc__matcher_add(lc_matcher *m, const lc_detector *owner, lc_match_fn fn,
			unsigned rule, const char *expr, unsigned flags, size_t before,
			size_t after);
/* A literal of any bytes (NUL included), matched as such; LC_M_LITERAL is implied. */
lc_code lc__matcher_add_bytes(lc_matcher *m, const lc_detector *owner, lc_match_fn fn,
			      unsigned rule, const uint8_t *lit, size_t len, unsigned flags,
			      size_t before, size_t after);


/* Used by the scan (scan.c) only. */
lc_code lc__matcher_compile(lc_matcher *m, lc_ctx *ctx); /* uses the on-disk cache */
bool lc__matcher_empty(const lc_matcher *m);
void lc__matcher_free(lc_matcher *m);
typedef struct lc_matcher_worker lc_matcher_worker;
lc_code lc__matcher_worker_new(lc_matcher *m, lc_matcher_worker **out);
void lc__matcher_worker_free(lc_matcher_worker *w);
/* Feed one file: begin, chunks in order, end. det_shared/det_workers are indexed by
 * detector table index, so matches reach the owner's state. */
lc_code lc__matcher_file_begin(lc_matcher_worker *w, const lc_entry *e, bool binary);
lc_code lc__matcher_file_chunk(lc_matcher_worker *w, lc_run *sc, void **det_workers,
			       const uint8_t *buf, size_t len);
lc_code lc__matcher_file_end(lc_matcher_worker *w, lc_run *sc, void **det_workers);
/* Scan a standalone buffer (config strings, history lines) through the same patterns. */
lc_code lc__matcher_scan_buffer(lc_matcher_worker *w, lc_run *sc, void **det_workers,
				const lc_entry *pseudo, const uint8_t *buf, size_t len);

/* ---- the report ------------------------------------------------------------------ */
typedef struct lc_finding {
	char id[33]; /* 32 hex chars: stable across formats and runs */
	char *detector;
	char *rule_id;
	lc_severity severity;
	char *title;
	char *description;
	lc_source_kind source;
	int layer;          /* -1 = none */
	char *layer_diff_id;
	int removed_in;     /* -1 = still in the final view or not a file */
	char *path;
	int64_t line;       /* 0 = none */
	int64_t offset;     /* -1 = none */
	char *evidence;
	json_t *details;
	char *remediation;
} lc_finding;

struct lc_report {
	uint64_t magic;
	lc_ctx *ctx;
	lc_code code;          /* the scan's own result (0 or 3-6) */
	bool complete;
	json_t *image;         /* reference, digests, platform, layers, config summary */
	lc_finding *findings;  /* sorted: severity desc, layer, path, line, rule */
	size_t nfindings, capfindings;
	lc_diag_list warnings, errors;
	lc_fileidx *files;     /* kept when LC_SCAN_FILE_INDEX */
	char **scanners;       /* names of detectors that ran, NULL-terminated */
};

/* finding.c: the stable id (from detector, rule, diff_id, path, position, source; set
 * those first) and the release of every field (the struct itself is not freed). */
void lc__finding_id(lc_finding *f);
void lc__finding_release(lc_finding *f);

void lc__diag_add(lc_diag_list *l, const char *code, int layer, const char *path,
		  const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void lc__diag_list_free(lc_diag_list *l);
/* Append all of src to dst and empty src. */
void lc__diag_move(lc_diag_list *dst, lc_diag_list *src);
const char *lc__source_kind_name(lc_source_kind k);
const char *lc__ftype_name(lc_ftype t);
/* Escape a byte string for terminal or JSON text: non-UTF-8 bytes and control
 * characters become \xNN, so nothing an image names reaches a terminal raw.
 * Returns a malloc'd string. */
char *lc__escape(const char *s, size_t len);

/* Report writers (report/), one per format. */
lc_code lc__report_write_json(lc_report *r, FILE *out, unsigned flags);
lc_code lc__report_write_table(lc_report *r, FILE *out, unsigned flags);
json_t *lc__report_to_json(lc_report *r, unsigned flags);

/* ---- embedded data (data.c, generated embedded_data.c) ----------------------- */
typedef struct lc_embedded {
	const char *name; /* path under data/, e.g. "secrets/rules.yaml" */
	const uint8_t *data; /* NUL-terminated for convenience; len excludes the NUL */
	size_t len;
} lc_embedded;
extern const lc_embedded lc__embedded[];
/* The embedded file `name`, or NULL. */
const uint8_t *lc__data_get(const char *name, size_t *len);

/* ---- report ---- */
/* "CRITICAL" ... "UNKNOWN": severities exactly as every output and the schema spell them. */
const char *lc__report_severity_label(lc_severity s);
/* lc__escape of a NUL-terminated string; NULL stays NULL. */
char *lc__escape_str(const char *s);
/* A deep copy of v with every string and object key passed through lc__escape, so
 * image-controlled JSON (labels, config) is valid UTF-8 and free of controls. */
json_t *lc__json_escape(json_t *v);
/* The report's image object as every writer shows it: escaped, and with the values of
 * ENV entries whose names say they hold a credential redacted (unless show-secrets). */
json_t *lc__report_image(const lc_report *r);

/* ---- secrets ---- */
/* Matcher extras (match/). scan.c may pass binary=false to file_begin: the matcher then
 * decides itself from the first chunk (a NUL byte in its first 8 KiB). */
bool lc__matcher_is_binary(const uint8_t *buf, size_t len);
/* 1-based line number of file offset `off` (inside m->win), for a match being delivered. */
int64_t lc__match_line(const lc_match *m, int64_t off);
typedef struct lc_matcher_stats {
	size_t patterns;   /* expressions registered */
	bool from_cache;   /* the database was read from the on-disk cache */
	double compile_ms; /* wall time of lc__matcher_compile */
	char cache_path[1024]; /* the cache file used or written ("" when none) */
} lc_matcher_stats;
void lc__matcher_stats(const lc_matcher *m, lc_matcher_stats *out);
/* Shannon entropy in bits per byte of s[0..len). */
double lc__entropy(const uint8_t *s, size_t len);

/* The secret rule engine (secret/): rules from YAML (Trivy-compatible fields plus
 * entropy), PCRE2 confirmation on a window. Callable on a plain buffer (fuzzing, tests,
 * image config strings). */
typedef struct lc_secret_rules lc_secret_rules;
typedef struct lc_secret_scratch lc_secret_scratch;
typedef struct lc_secret_hit {
	const char *rule_id, *category, *title;
	lc_severity severity;
	bool low_confidence;    /* a placeholder-looking path (docs, tests, examples) */
	int64_t start, end;     /* offsets of the secret in the scanned subject */
	const uint8_t *secret;  /* borrowed, not NUL-terminated */
	size_t secret_len;
	const uint8_t *match;   /* the whole rule match */
	size_t match_len;
	int64_t match_start;
	size_t rule; /* index of the rule */
} lc_secret_hit;
/* Return non-zero to stop. */
typedef int (*lc_secret_sink)(void *ud, const lc_secret_hit *h);
/* The built-in rules (embedded secrets/rules.yaml). */
lc_code lc__secret_rules_builtin(lc_secret_rules **out, char *err, size_t errlen);
/* Apply a Trivy-style secret config (rules, disable-rules, enable-builtin-rules,
 * allow-rules, custom-allow-rules) held in buf. `what` names it in errors. */
lc_code lc__secret_rules_apply_yaml(lc_secret_rules *rs, const char *buf, size_t len,
				    const char *what, char *err, size_t errlen);
/* Compile regexes after loading; must be called before use. */
lc_code lc__secret_rules_finish(lc_secret_rules *rs, char *err, size_t errlen);
void lc__secret_rules_free(lc_secret_rules *rs);
size_t lc__secret_rules_count(const lc_secret_rules *rs);
/* Rule i's keywords (NULL-terminated) and whether it applies to binary files. */
const char *const *lc__secret_rule_keywords(const lc_secret_rules *rs, size_t i);
const char *lc__secret_rule_id(const lc_secret_rules *rs, size_t i);
bool lc__secret_rule_binary(const lc_secret_rules *rs, size_t i);
size_t lc__secret_rule_window(const lc_secret_rules *rs, size_t i);
size_t lc__secret_rule_window_before(const lc_secret_rules *rs, size_t i);
const char *lc__secret_rule_prefilter(const lc_secret_rules *rs, size_t i); /* or NULL */
const char *lc__secret_rule_regex(const lc_secret_rules *rs, size_t i);     /* or NULL */
bool lc__secret_rule_active(const lc_secret_rules *rs, size_t i); /* enabled, has a regex */
lc_secret_scratch *lc__secret_scratch_new(const lc_secret_rules *rs);
void lc__secret_scratch_free(lc_secret_scratch *s);
/* Confirm rule i on subject[0..len) (offset base `base`), calling sink per secret that
 * passes regex, entropy and allow rules. path may be NULL. Returns hits reported. */
int lc__secret_confirm(const lc_secret_rules *rs, lc_secret_scratch *s, size_t rule,
		       const uint8_t *subj, size_t len, int64_t base, const char *path,
		       lc_secret_sink sink, void *ud);
/* Every rule over a whole buffer (keyword pre-check, then confirm). */
int lc__secret_scan_buffer(const lc_secret_rules *rs, lc_secret_scratch *s,
			   const uint8_t *buf, size_t len, const char *path, bool binary,
			   lc_secret_sink sink, void *ud);
/* The secrets module's detectors (detect/secrets.c, credentials.c, ssh_backdoor.c). */
extern const lc_detector lc__det_secrets;
extern const lc_detector lc__det_credentials;
extern const lc_detector lc__det_ssh_backdoor;
/* "abcd****" (or the whole secret when show is true); malloc'd. */
char *lc__secret_redact(const uint8_t *secret, size_t len, bool show);

/* ---- cache ---- */
/*
 * The layer cache (src/lib/cache/, docs/internals/CACHE.md): a layer's file index,
 * findings, warnings and captured files, keyed by (diff_id, fingerprint), in SQLite at
 * ctx->cache_dir or $XDG_CACHE_HOME/laocoon/cache.db; plus the local blob trust table.
 * One handle may be shared by the scan's threads (calls are serialised inside).
 */
typedef struct lc_cache lc_cache;

/* The fingerprint: SHA-256 over named values; everything that changes results goes in. */
typedef struct lc_cache_fp lc_cache_fp;
lc_cache_fp *lc__cache_fp_new(void); /* NULL when out of memory */
void lc__cache_fp_add(lc_cache_fp *fp, const char *name, const void *data, size_t len);
void lc__cache_fp_add_str(lc_cache_fp *fp, const char *name, const char *s); /* s may be NULL */
void lc__cache_fp_add_int(lc_cache_fp *fp, const char *name, int64_t v);
/* Hash a file's content, or a directory's sorted tree (names and contents). Returns -1
 * (and adds an "unreadable" marker) when it cannot be read. */
int lc__cache_fp_add_file(lc_cache_fp *fp, const char *name, const char *path);
/* Writes 64 hex characters + NUL to out and frees fp. */
void lc__cache_fp_final(lc_cache_fp *fp, char out[65]);
/* Adds what ctx knows: engine version, report schema, enabled detectors (det_enabled
 * when loaded, else the scanners option), show-secrets, every limit, the contents of
 * every rule set / feed / database option (secret-config, yara-rules, ioc, hash-db,
 * trusted) and of the embedded data. The scan adds anything else of its own. */
lc_code lc__cache_fp_add_ctx(lc_cache_fp *fp, lc_ctx *ctx);
/* Shorthand: a fresh fingerprint of ctx alone. */
lc_code lc__cache_fingerprint(lc_ctx *ctx, char out[65]);

/* Open the cache for ctx. *out = NULL (and LC_OK) when ctx->no_cache. A damaged database
 * file is deleted and rebuilt, a schema mismatch rebuilds the tables. On error (e.g. an
 * unwritable directory) returns LC_EINTERNAL with the message on ctx: the scan should
 * warn ("cache.unavailable") and go on without a cache. */
lc_code lc__cache_open(lc_ctx *ctx, lc_cache **out);
/* Where every cache lives (layer database, matcher database, YARA rules): ctx->cache_dir,
 * $LAOCOON_CACHE_DIR, $XDG_CACHE_HOME/laocoon or ~/.cache/laocoon. 0, or -1 when none. */
int lc__cache_dir(const lc_ctx *ctx, char *dir, size_t size);
int lc__mkdirs(const char *path); /* mkdir -p, mode 0700; 0 or -1 */
/* A cache file whole (regular, not through a symlink, min < size <= max), or NULL; mapped
 * read-only: give it back with lc__cache_file_release. */
uint8_t *lc__cache_file_read(const char *path, size_t min, int64_t max, size_t *len);
void lc__cache_file_release(uint8_t *data, size_t len);
struct iovec;
/* Write it whole: a temporary file in dir, fsync'ed, renamed onto path. 0 or -1. */
int lc__cache_file_write(const char *dir, const char *path, const struct iovec *parts,
			 size_t nparts);
void lc__cache_close(lc_cache *c); /* NULL is fine */

/* A file a detector asked to capture (lc_detector.capture), as this layer has it. */
typedef struct lc_cache_capture {
	char *path;
	uint8_t *data;
	size_t len;
} lc_cache_capture;

/* A finding's hidden flag, as an image record keeps it. */
typedef struct lc_cache_hidden {
	char id[33];
	int removed_in;
} lc_cache_hidden;

/* What a layer contributes besides its file index. The scan fills one for store; lookup
 * fills one (owned by the caller, freed with lc__cache_layer_free). */
typedef struct lc_cache_layer {
	bool complete;         /* store refuses a layer unless true */
	lc_finding *findings;  /* of this layer only (layer == the layer, or -1 for none) */
	size_t nfindings;
	lc_diag_list warnings; /* per-layer warnings (layer field ignored, set on load) */
	lc_cache_capture *captures;
	size_t ncaptures;
	int64_t tar_bytes;     /* lc_layer_result figures, given back on a hit */
	int64_t entries;
	/* Image records: the hidden flags of every finding of the image, by id (a warm
	 * rescan then needs no file index to set them). Sorted by id on a lookup. */
	lc_cache_hidden *hidden;
	size_t nhidden;
	/* Lookup: how many file records the layer has. Without an index they stay encoded
	 * in files_raw (validated) until lc__cache_files_load: a warm rescan whose report
	 * needs no index never decodes them. */
	int64_t nfiles;
	uint8_t *files_raw;
	size_t files_at, files_len;
	/* Filled by lc__cache_try_layer on a hit (the blob's, not the record's): */
	char blob_digest[72];    /* as verified (trusted identity or re-hashed) */
	int64_t blob_bytes;
	const char *compression; /* "gzip", "zstd", "none" from the blob's magic bytes */
} lc_cache_layer;
void lc__cache_layer_free(lc_cache_layer *cl); /* frees the contents, not cl */

/*
 * Look the layer up. On a hit (*hit = true): every file record is added to ix through
 * lc__fileidx_add with e.layer = layer and e.layer_diff_id = diff_id (removed_in is
 * left for lc__fileidx_resolve) or, when ix is NULL, kept for lc__cache_files_load;
 * out gets findings (layer, layer_diff_id set for
 * this image, removed_in = -1; the scan recomputes hidden flags and, if its id formula
 * depends on the layer index, the finding ids), warnings (layer = layer) and captures.
 * The record is touched for LRU. A miss or a damaged record leaves ix and out empty.
 * With ctx->show_secrets it always misses (cached evidence is redacted).
 */
lc_code lc__cache_lookup(lc_cache *c, const char *diff_id, const char *fingerprint,
			 lc_fileidx *ix, int layer, lc_cache_layer *out, bool *hit);
/*
 * Store a layer scanned completely (d->complete), after lc__fileidx_resolve: the
 * records of `layer` in ix plus d. Nothing is stored with ctx->show_secrets (evidence
 * would be in clear) or when the layer is incomplete. Evicts least recently used
 * layers beyond the size bound afterwards. Failures leave the cache as it was.
 */
lc_code lc__cache_store(lc_cache *c, const char *diff_id, const char *fingerprint,
			const lc_fileidx *ix, int layer, const lc_cache_layer *d);
/* Add the file records a lookup without an index kept (see above) to ix, and free them.
 * The record was validated by the lookup: only memory can fail (LC_EINTERNAL). */
lc_code lc__cache_files_load(const lc_ctx *ctx, lc_cache_layer *cl, lc_fileidx *ix, int layer,
			     const char *diff_id);
/* The hidden flag an image record keeps for finding id, or -2 when it has none. */
int lc__cache_hidden_find(const lc_cache_layer *cl, const char *id);
/* Evict least recently used layers until the records total at most max_bytes. */
lc_code lc__cache_evict(lc_cache *c, int64_t max_bytes);
/* The last failure of lookup/store/evict on this handle. These run on scan threads, so
 * they leave ctx->errmsg alone; a failed store is worth a warning, not an error. */
const char *lc__cache_errmsg(lc_cache *c);

/*
 * Local blob trust: a blob verified once, read from a plain file whose identity has not
 * changed since, is trusted without re-hashing. Identity = (real path, offset, length,
 * size, mtime_ns, ctime_ns, inode, dev); any difference means "verify again".
 */
typedef struct lc_cache_blob_id {
	char path[4096]; /* realpath of s->file_path */
	int64_t offset, length;
	int64_t size, mtime_ns, ctime_ns;
	uint64_t inode, dev;
} lc_cache_blob_id;
/* Fill id from a stream backed by a plain file (stat now). false when not a file. */
bool lc__cache_blob_identify(const lc_stream *s, lc_cache_blob_id *id);
/* true when the stream's file is unchanged since it was verified as expected_digest;
 * diff_id (may be NULL) then gets the verified diff_id of its content. */
bool lc__cache_blob_trusted(lc_cache *c, const lc_stream *s, const char *expected_digest,
			    char diff_id[72]);
/* Record a verification: always digest -> diff_id (for lc__cache_blob_diff_id); and,
 * when before (the identity taken before reading; may be NULL) is given and the file has
 * not changed meanwhile, the identity for lc__cache_blob_trusted. */
void lc__cache_blob_record(lc_cache *c, const lc_cache_blob_id *before, const char *digest,
			   const char *diff_id);
/* The diff_id a blob of this digest was verified to have before (any path): after hashing
 * a compressed blob that is not trusted by identity, this saves decompressing it. */
bool lc__cache_blob_diff_id(lc_cache *c, const char *blob_digest, char diff_id[72]);
/* The scan's one call per layer (cache_layer.c): when layer i of img has a record under
 * fingerprint AND its blob is trusted by identity or re-hashed to the manifest digest, with
 * the verified diff_id equal to the config's, load it as lc__cache_lookup does (no
 * decompression). Otherwise *hit = false and the scan walks the layer. Never looks a
 * layer up by the config's claimed diff_id alone (a tampered blob would get clean results). */
lc_code lc__cache_try_layer(lc_cache *c, lc_image *img, size_t i, const char *fingerprint,
			    lc_fileidx *ix, lc_cache_layer *out, bool *hit);
/* Before walking layer i: the identity of its blob file, for lc__cache_blob_record after
 * the walk verified it (false for rootfs or a blob that is not a plain file slice). */
bool lc__cache_layer_identify(lc_image *img, size_t i, lc_cache_blob_id *id);


/* ---- names ---- */
/* Image names (name/): Docker reference parsing and lookalike judgement, shared by
 * lc_name_check and the `name` detector. Every buffer is bounded by LC_NAME_MAX, the
 * longest repository name Docker accepts plus its NUL. */
#define LC_NAME_MAX 256
typedef struct lc_nameref {
	char host[LC_NAME_MAX];   /* lowercased, port kept; "docker.io" for Docker Hub */
	char path[LC_NAME_MAX];   /* "library/ubuntu" */
	char ns[LC_NAME_MAX];     /* path without its last component ("library") */
	char repo[LC_NAME_MAX];   /* last component ("ubuntu") */
	char tag[LC_NAME_MAX];    /* "" when absent */
	char digest[LC_NAME_MAX]; /* "" when absent */
	bool hub;                 /* Docker Hub (docker.io and its aliases) */
} lc_nameref;
/* Parse a reference as Docker does (docker:// prefix, host[:port], tag, digest) and
 * normalise Docker Hub names (ubuntu -> docker.io/library/ubuntu). LC_EUSAGE with a
 * message in err when it is no valid reference. */
lc_code lc__name_parse(const char *ref, lc_nameref *out, char *err, size_t errsz);
/* "docker.io/library/ubuntu:22.04" (tag and digest when present) into buf. */
void lc__name_format(const lc_nameref *r, char *buf, size_t bufsz);

/* Optimal-string-alignment Damerau-Levenshtein distance, computed up to `max`
 * (returns max + 1 when the distance is larger or a string is longer than 64). */
int lc__name_distance(const char *a, const char *b, int max);
/* The edits turning the real name `real` into `name`, in words ("'1' for 'l'",
 * "missing 'e'", "extra 'x'", "'ab' for 'ba'"); returns the distance, -1 when too far. */
int lc__name_distance_explain(const char *name, const char *real, char *buf, size_t bufsz);

/* The shipped name lists (embedded data/images/), loaded once. */
typedef enum lc_namelist_id {
	LC_NAMES_OFFICIAL = 0,
	LC_NAMES_RETIRED,
	LC_NAMES_PUBLISHERS,
	LC_NAMES__COUNT
} lc_namelist_id;
size_t lc__names_count(lc_namelist_id l);
const char *lc__names_get(lc_namelist_id l, size_t i);
bool lc__names_has(lc_namelist_id l, const char *name);

/* One judgement on a name: what it imitates and how. */
typedef struct lc_name_verdict {
	const char *rule_id;   /* "name.typo", "name.namespace_impersonation", ... */
	const char *technique; /* "Damerau-Levenshtein distance 1", "ASCII lookalike", ... */
	lc_severity severity;
	char imitates[LC_NAME_MAX]; /* "library/drupal", "bitnami", "docker.io" */
	char edit[LC_NAME_MAX];     /* "'1' for 'l'" */
	int distance;               /* edit distance, -1 when the technique has none */
	char title[768];            /* "looks like library/drupal: '1' for 'l'" */
	char description[1024];
} lc_name_verdict;
typedef lc_code (*lc_name_verdict_fn)(void *ud, const lc_nameref *ref, const lc_name_verdict *v);
/*
 * Judge one reference: zero or more verdicts through fn. A name whose registry host or
 * namespace is in `trusted` (may be NULL) gets none. LC_EUSAGE (message in err) when
 * the reference does not parse; fn's own error code stops the judgement.
 */
lc_code lc__name_judge(const lc_strlist *trusted, const char *ref, lc_name_verdict_fn fn,
		       void *ud, char *err, size_t errsz);
/* The details object of a name finding: name, normalized, registry, repository,
 * imitates, technique, edit. NULL when out of memory. */
json_t *lc__name_details(const lc_nameref *r, const lc_name_verdict *v, const char *name);
/* The detectors of names and of config/history (detect/name.c, detect/config.c). */
extern const lc_detector lc__det_name;
extern const lc_detector lc__det_config;

/* ---- malware ---- */
/* Miner, IOC, hash-list and placement helpers (src/lib/malware/); the detectors are
 * detect/yara.c, miner.c, miner_config.c, ioc.c, hashes.c, placement.c, dropper.c. */

/* wallet.c: Monero addresses validated by block base58, prefix and Keccak checksum. */
typedef enum lc_wallet_kind {
	LC_WALLET_NONE = 0,
	LC_WALLET_XMR,
	LC_WALLET_XMR_SUBADDRESS,
	LC_WALLET_XMR_INTEGRATED,
	LC_WALLET_ETH,         /* 0x + 40 hex (EIP-55 checked when mixed case) */
	LC_WALLET_SEGWIT,      /* bc1/ltc1, bech32 or bech32m checksum */
	LC_WALLET_BASE58CHECK  /* Bitcoin-style: version + 20 bytes + SHA-256d checksum */
} lc_wallet_kind;
lc_wallet_kind lc__wallet_check(const char *s, size_t len); /* Monero only */
/* Monero, then the other shapes; those prove little alone (a donation line in a README),
 * so callers use them only as the value of a pool user option. */
lc_wallet_kind lc__wallet_check_any(const char *s, size_t len);
const char *lc__wallet_kind_name(lc_wallet_kind k);
bool lc__is_base58_char(int ch);
void lc__keccak256(const uint8_t *in, size_t len, uint8_t out[32]);

/* base64.c */
bool lc__is_base64_char(int ch);
/* Bytes written (at most cap), or (size_t)-1 on a character outside the alphabet. */
size_t lc__base64_decode(const char *in, size_t len, uint8_t *out, size_t cap);
/* Whole-value decoding (PEM, SSH keys, auths): bytes written, or -1 (foreign character,
 * out too small); whitespace skipped when skip_ws. */
long lc__base64_decode_all(const char *in, size_t len, uint8_t *out, size_t cap, bool skip_ws);
/* The characters of base64(P + s) that depend only on s, for a prefix of shift bytes. */
size_t lc__base64_core(const char *s, size_t shift, char *out, size_t cap);

/* miner_text.c: miner rules over text (config strings, history, script lines). */
typedef struct lc_miner_hit {
	const char *rule_id;   /* "miner.stratum_url", "miner.wallet", "miner.flags",
				  "miner.pool_option", "miner.name", "miner.base64_command" */
	lc_severity severity;
	char title[96];
	size_t offset, length; /* in the text given: the match, or the whole encoded run */
	bool encoded;          /* found by decoding a base64 run */
	char inner_rule[32];   /* for encoded hits: the rule that matched the decoded text */
	char evidence[128];    /* printable ASCII (decoded text for encoded hits) */
} lc_miner_hit;
/* Return false to stop the scan. */
typedef bool (*lc_miner_hit_fn)(void *ud, const lc_miner_hit *h);
/* Calls fn for every hit; returns the number of hits. Needs no loaded state. */
size_t lc__miner_scan_text(const char *text, size_t len, lc_miner_hit_fn fn, void *ud);

/* miner_config.c: does this JSON/INI/YAML text configure a miner? Returns the number
 * of miner keys seen when it does (names listed in keys, comma-separated), else 0. */
int lc__miner_config_check(const char *buf, size_t len, char *keys, size_t keyssz);

/* dropper_text.c: download-and-run in scripts (curl|wget ... | sh, chmod +x of a
 * download, base64 -d | sh). Calls fn like lc__miner_scan_text (line = 1-based). */
typedef struct lc_dropper_hit {
	const char *rule_id;
	const char *title;
	size_t offset, length;
	int64_t line;
	char evidence[128];
} lc_dropper_hit;
typedef bool (*lc_dropper_hit_fn)(void *ud, const lc_dropper_hit *h);
size_t lc__dropper_scan_text(const char *text, size_t len, lc_dropper_hit_fn fn, void *ud);

/* ioc_feed.c: indicators of compromise from feeds (plain, maltrail, hosts, CSV). */
typedef enum lc_ioc_kind {
	LC_IOC_HOST = 0, /* the host and every host under it */
	LC_IOC_PARENT,   /* only host names under it (dynamic-DNS providers) */
	LC_IOC_IPV4,
	LC_IOC_IPV6,
	LC_IOC_IPPORT    /* "a.b.c.d:port" */
} lc_ioc_kind;
/* Longest indicator value: a host name (RFC 1035); addresses are shorter. */
#define LC_IOC_VALUE_MAX 253
typedef struct lc_ioc {
	const char *value; /* lower case; malloc'd when owned, else in a packed set's blob */
	lc_ioc_kind kind;
	uint32_t category; /* index into set->categories */
	uint32_t source;   /* index into set->sources (feed and family) */
	bool owned;        /* value is the set's to free (parsed), not the blob's (packed) */
} lc_ioc;
typedef struct lc_ioc_set {
	lc_ioc *v;
	size_t n, cap;
	lc_strlist categories, sources;
	size_t skipped; /* lines that held no usable indicator (paths, junk) */
} lc_ioc_set;
/* Parse one feed; category overrides the feed's own (NULL: from the feed, else
 * "suspicious"). Returns LC_OK, LC_EUSAGE (message in err) or LC_EINTERNAL. */
lc_code lc__ioc_feed_parse(lc_ioc_set *set, const char *buf, size_t len, const char *feed_name,
			   const char *category, char *err, size_t errsz);
/* Sort, drop duplicates (keeping the most severe category). */
void lc__ioc_set_finish(lc_ioc_set *set);
void lc__ioc_set_free(lc_ioc_set *set);
/* ioc_pack.c: a finished set as one blob, so the default feed is parsed when laocoon is
 * built (src/gen/gen_ioc.c, embedded as ioc/default.iocb) and not at every start.
 * lc__ioc_set_pack: *out is malloc'd; LC_EINTERNAL (message in err) when out of memory
 * or a count does not fit the format. */
lc_code lc__ioc_set_pack(const lc_ioc_set *set, uint8_t **out, size_t *outlen, char *err,
			 size_t errsz);
/* Fill an empty set from a blob: finished as it was packed, values pointing into blob
 * (which must outlive the set). Every count, offset, index and string is checked, and the
 * order lookups rely on; a malformed blob gives LC_EINTERNAL, the message in err and the
 * set left empty. More feeds may be parsed into the set afterwards (then finish again). */
lc_code lc__ioc_set_unpack(lc_ioc_set *set, const uint8_t *blob, size_t len, char *err,
			   size_t errsz);
/* The feed name (source) of the embedded default feed, "laocoon:<family>" per family. */
#define LC_IOC_DEFAULT_FEED "laocoon"
/* Canonical category and severity ("mining_pool" CRITICAL, "dynamic_dns" MEDIUM ...). */
const char *lc__ioc_category_canonical(const char *name);
lc_severity lc__ioc_category_severity(const char *canonical);
/* After finish: the indicator for a host name (exact or a parent), IP or ip:port. */
const lc_ioc *lc__ioc_lookup(const lc_ioc_set *set, const char *token, size_t len);
/* Label-boundary check for a host/IP match at [start, end) of buf (the indicator). */
bool lc__ioc_boundary_ok(const lc_ioc *ioc, const uint8_t *buf, size_t len, size_t start,
			 size_t end);

/* hashdb.c: known-bad hash lists (ClamAV .hsb/.hdb HASH:SIZE:NAME, plain lists). */
typedef struct lc_hash_entry {
	uint8_t digest[32];
	uint8_t dlen;     /* 16 md5, 20 sha1, 32 sha256 */
	int64_t size;     /* -1 when the list gives none */
	uint32_t name;    /* index into db->names */
	uint32_t source;  /* index into db->sources */
} lc_hash_entry;
typedef struct lc_hashdb {
	lc_hash_entry *v;
	size_t n, cap;
	int64_t *sizes;  /* sorted, unique */
	size_t nsizes;
	bool any_unsized;
	bool has_len[3]; /* md5, sha1, sha256 present */
	lc_strlist names, sources;
} lc_hashdb;
lc_code lc__hashdb_parse(lc_hashdb *db, const char *buf, size_t len, const char *source,
			 char *err, size_t errsz);
void lc__hashdb_finish(lc_hashdb *db);
void lc__hashdb_free(lc_hashdb *db);
bool lc__hashdb_wants_size(const lc_hashdb *db, int64_t size);
const lc_hash_entry *lc__hashdb_lookup(const lc_hashdb *db, const uint8_t *digest, size_t dlen,
				       int64_t size);
/* feed_file.c: read a user's rule/feed/list file whole (at most max bytes);
 * LC_EUSAGE naming the file when it cannot. *out is NUL-terminated, free() it. */
lc_code lc__malware_read_file(lc_ctx *ctx, const char *what, const char *path, size_t max,
			      char **out, size_t *outlen);
/* detect/dropper.c: is path a script or a file the system runs by itself (cron, profile,
 * rc/init, systemd unit, *.sh, entrypoints, usr/local/bin)? */
bool lc__malware_runs_path(const char *path);

/* ---- sources ---- */
/*
 * rootfs walk_dir meets per-file problems (unreadable file, over-long path or link, a
 * file changing under it) that lc_walk_cb cannot carry. They go to the hook set here
 * (call before walk_dir; codes "rootfs.*", layer 0, the entry's path), or, when no hook
 * is set, to img->warnings. No-op for other transports.
 */
typedef void (*lc_source_warn_fn)(void *ud, const char *code, int layer, const char *path,
				  const char *msg);
void lc__image_set_warn_hook(lc_image *img, lc_source_warn_fn fn, void *ud);

/* ---- the warm path (scan.c, ctx.c, cache/) ---- */
/* SHA-256 (hex) of every embedded data file, computed by scripts/embed.py at build
 * time: the cache fingerprint covers the shipped data without reading it. */
extern const char lc__embedded_digest[65];
/* Resolve --scanners into ctx->det_enabled without loading anything (cheap; LC_EUSAGE
 * for an unknown name). lc__ctx_load calls it too. */
lc_code lc__ctx_select(lc_ctx *ctx);
/* Room for n more records of one layer in one step (a cached layer knows its count), so
 * the record array is not reallocated at every doubling. 0, or -1 (the index stays
 * usable). */
int lc__fileidx_reserve(lc_fileidx *ix, int layer, size_t n);
/* The image-level record lives in the layers table under the key "image:<hex>" and is
 * read and written with lc__cache_lookup / lc__cache_store with layer = -1 and no index:
 * findings and warnings keep their layer indexes (layer_diff_id left NULL), no files.
 * cache info counts the rows by this prefix. */
#define LC_CACHE_IMAGE_KEY "image:"
/* ---- the YARA prefilter (malware/yara_cond.c) -------------------------------------- */
/*
 * Reads YARA rule sources (as libyara compiles them: one namespace per source name) into
 * per-rule strings and condition trees, and evaluates them three-valued for one file from
 * which strings' literals the shared matcher saw and the file's exact size and first
 * bytes. FALSE for every public rule proves libyara would report nothing. Anything not
 * understood is MAYBE; a source it cannot read at all (include, bounds) turns it off.
 */
#define LC_YC_FALSE 0
#define LC_YC_MAYBE 1
#define LC_YC_TRUE 2
typedef struct lc_yc lc_yc;
/* A literal every match of string `str` contains (a form of it: plain, wide, a hex run). */
typedef struct lc_yc_lit {
	const uint8_t *bytes;
	size_t len;
	bool caseless;
	unsigned str;
} lc_yc_lit;
typedef struct lc_yc_file {
	const uint64_t *seen; /* bit i: a literal of string i occurs (NULL: all may) */
	int64_t size;         /* filesize as libyara will see it */
	const uint8_t *head;  /* the file's first headlen bytes */
	size_t headlen;
} lc_yc_file;
lc_yc *lc__yc_new(void);
void lc__yc_free(lc_yc *yc);
/* Read one source into namespace ns; false once the prefilter is off (lc__yc_why_off). */
bool lc__yc_add_source(lc_yc *yc, const char *src, size_t len, const char *ns);
bool lc__yc_usable(const lc_yc *yc);
const char *lc__yc_why_off(const lc_yc *yc);
size_t lc__yc_nstrings(const lc_yc *yc);
size_t lc__yc_nrules(const lc_yc *yc);
size_t lc__yc_nlits(const lc_yc *yc);
const lc_yc_lit *lc__yc_lit(const lc_yc *yc, size_t i);
size_t lc__yc_rule_index(const lc_yc *yc, const char *ns, const char *name); /* -1: none */
/* The highest value of a public rule (MAYBE when off); vals[nrules] receives each rule's
 * value (all=false stops at the first public rule that is not FALSE). */
int lc__yc_eval(const lc_yc *yc, const lc_yc_file *f, uint8_t *vals, bool all);

/* ---- YARA compiled-rules cache (malware/yara_cache.c) ---- */
/*
 * Compiled rules saved with yr_rules_save_stream in <cache>/yara-<fingerprint>.yarc (the
 * matcher cache's directory, --no-cache turns both off). The fingerprint covers libyara's
 * version and ABI, every source's namespace and bytes in compile order, and the external
 * variables; a source that says "include" makes the rules uncacheable.
 */
typedef struct lc_yr_key lc_yr_key;
struct YR_RULES;
lc_yr_key *lc__yr_key_new(void); /* NULL when out of memory: the cache is skipped */
void lc__yr_key_source(lc_yr_key *k, const char *ns, const void *src, size_t len);
void lc__yr_key_external(lc_yr_key *k, const char *name, const char *value);
/* Frees k (NULL is fine); false when the rules must not be cached. */
bool lc__yr_key_final(lc_yr_key *k, uint8_t fp[32]);
/* True and *out set on a hit; any unusable file is a miss (the caller compiles). */
bool lc__yr_cache_load(lc_ctx *ctx, const uint8_t fp[32], struct YR_RULES **out);
/* Best effort: a failure leaves no file behind and is not reported. */
void lc__yr_cache_store(lc_ctx *ctx, const uint8_t fp[32], struct YR_RULES *rules);

#endif
