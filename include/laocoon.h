/*
 * laocoon.h - the whole public API of liblaocoon, a container-image threat scanner.
 *
 * Handles are opaque. Every call returns an lc_code (0 = LC_OK); the message of the
 * last failure lives on the context (lc_ctx_errmsg), never in a global.
 */
#ifndef LAOCOON_H
#define LAOCOON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(LC_BUILDING_LIBRARY)
#define LC_API __attribute__((visibility("default")))
#else
#define LC_API
#endif

#define LC_VERSION_STRING "0.1.0"
#define LC_REPORT_SCHEMA_VERSION "1.0"

/* Result codes. The numeric values are also the CLI's exit codes: never renumber. */
typedef enum lc_code {
	LC_OK = 0,
	LC_FINDINGS = 1,   /* findings at or above the --fail-on threshold */
	LC_EUSAGE = 2,     /* bad option, bad reference syntax, ambiguous reference */
	LC_EIMAGE = 3,     /* unreadable or invalid image */
	LC_EINTEGRITY = 4, /* a digest did not match */
	LC_EINTERNAL = 5,  /* out of memory, bug, I/O error on our side */
	LC_EINCOMPLETE = 6 /* a time or memory bound ended the scan */
} lc_code;

typedef enum lc_severity {
	LC_SEV_UNKNOWN = 0,
	LC_SEV_INFO,
	LC_SEV_LOW,
	LC_SEV_MEDIUM,
	LC_SEV_HIGH,
	LC_SEV_CRITICAL
} lc_severity;

typedef struct lc_ctx lc_ctx;       /* engine: options, limits, loaded rule sets */
typedef struct lc_image lc_image;   /* an opened image: manifest, config, layers */
typedef struct lc_report lc_report; /* the result of inspect or scan */

/* ---- context -------------------------------------------------------------- */
LC_API lc_ctx *lc_ctx_new(void);
LC_API void lc_ctx_free(lc_ctx *ctx);
LC_API const char *lc_ctx_errmsg(const lc_ctx *ctx);

/*
 * Options, by name, as the CLI spells them without the dashes. Repeatable options
 * (yara-rules, ioc, hash-db, secret-config, trusted) accumulate.
 * Known names: platform, scanners, parallel, show-secrets, secret-config, yara-rules,
 * ioc, hash-db, trusted, no-cache, cache-dir, cache-max-size, timeout, max-memory.
 */
LC_API lc_code lc_ctx_set_option(lc_ctx *ctx, const char *name, const char *value);
LC_API const char *lc_ctx_get_option(const lc_ctx *ctx, const char *name);

/* Limits: every bound on hostile input is one named, documented number. */
LC_API size_t lc_limit_count(void);
LC_API const char *lc_limit_name(size_t i);
LC_API const char *lc_limit_description(size_t i);
LC_API int64_t lc_limit_default(size_t i);
LC_API lc_code lc_ctx_set_limit(lc_ctx *ctx, const char *name, const char *value);
LC_API int64_t lc_ctx_get_limit(const lc_ctx *ctx, const char *name);

/* The detector table. */
LC_API size_t lc_detector_count(void);
LC_API const char *lc_detector_name(size_t i);
LC_API const char *lc_detector_description(size_t i);

/* Severity names: case-insensitive parse; returns -1 when unknown. */
LC_API int lc_severity_parse(const char *name);
LC_API const char *lc_severity_name(lc_severity s);

/* ---- images --------------------------------------------------------------- */
/*
 * Resolve a reference (oci:DIR[:TAG], oci-archive:FILE[:TAG],
 * docker-archive:FILE[:NAME:TAG|:@N], dir:DIR, rootfs:DIR, or a bare path) and read
 * its manifest and config. No layer is read yet.
 */
LC_API lc_code lc_image_open(lc_ctx *ctx, const char *reference, lc_image **out);
LC_API void lc_image_free(lc_image *img);
LC_API size_t lc_image_layer_count(const lc_image *img);

/* ---- inspect and scan ----------------------------------------------------- */
#define LC_SCAN_FILE_INDEX 0x1u /* keep the merged file tree in the report (inspect --files) */
#define LC_SCAN_NO_DETECTORS 0x2u

/*
 * Stream every layer once through the selected detectors. The report is produced
 * even when the result code is an error (3-6): it is then marked complete=false.
 */
LC_API lc_code lc_scan(lc_ctx *ctx, lc_image *img, unsigned flags, lc_report **out);

/* A report for an image that could not be opened (carries the error). */
LC_API lc_report *lc_report_for_error(lc_ctx *ctx, const char *reference, lc_code code);
LC_API void lc_report_free(lc_report *r);
LC_API size_t lc_report_finding_count(const lc_report *r);
LC_API lc_severity lc_report_max_severity(const lc_report *r);
LC_API int lc_report_complete(const lc_report *r);

/* Formats: "table", "json" (more come later: sarif, cyclonedx). */
#define LC_OUT_COLOR 0x1u
#define LC_OUT_FILES 0x2u
LC_API lc_code lc_report_write(lc_report *r, const char *format, FILE *out, unsigned flags);

/* Exit code for a CLI gate: error codes win, then LC_FINDINGS when a finding is at or
 * above fail_on (pass -1 to never fail on findings), else LC_OK. */
LC_API lc_code lc_report_exit_code(const lc_report *r, int fail_on);

/* ---- cache ---- */
/* The layer cache (laocoon cache info|prune|clean). Location and bound come from ctx
 * (options cache-dir, cache-max-size). */
typedef struct lc_cache_stats {
	char path[4096];      /* the database file */
	int exists;           /* 0: no cache yet (the other figures are 0) */
	int64_t file_bytes;   /* database + WAL on disk */
	int64_t data_bytes;   /* compressed layer records (what max_bytes bounds) */
	int64_t max_bytes;
	int64_t layers, entries, findings; /* layer records (findings: images' too) */
	int64_t images;        /* image-level records (config, history, names) */
	int64_t trusted_blobs;
	int64_t hits, misses, stores, evictions; /* since the cache was created */
	int64_t oldest_ms, newest_ms;            /* last use, ms since the epoch; 0 if none */
} lc_cache_stats;
LC_API lc_code lc_cache_info(lc_ctx *ctx, lc_cache_stats *out);
/* Evict least recently used layers down to max_bytes (< 0: the ctx bound), and, when
 * older_than_s >= 0, every layer unused for that many seconds. Counts what went. */
LC_API lc_code lc_cache_prune(lc_ctx *ctx, int64_t max_bytes, int64_t older_than_s,
			      int64_t *removed_layers, int64_t *freed_bytes);
/* Delete every record and the blob trust table; the file shrinks. */
LC_API lc_code lc_cache_clean(lc_ctx *ctx);

/* ---- names ---- */
/*
 * Judge an image name without pulling anything (`laocoon name REF`): is it a lookalike of
 * a Docker Hub official image, a well-known publisher namespace or a big registry's
 * host? The report's findings (source "name") say what is imitated and the exact edit;
 * names under --trusted namespaces or registries get none. LC_EUSAGE when ref is no
 * valid image reference (message on ctx). Gate with lc_report_exit_code(r, LC_SEV_LOW).
 */
LC_API lc_code lc_name_check(lc_ctx *ctx, const char *ref, lc_report **out);

#ifdef __cplusplus
}
#endif
#endif
