/*
 * hs_matcher_int.h - what the matcher's own files (hs_matcher.c, hs_cache.c) share.
 */
#ifndef LC_HS_MATCHER_INT_H
#define LC_HS_MATCHER_INT_H

#include <hs/hs.h>

/* Ceilings: a window wider than 64 KiB or more than a million expressions is a bug. */
#define LC_MATCHER_MAX_WINDOW (64u * 1024u)
#define LC_MATCHER_MAX_PATTERNS (1u << 20)
/* Patterns with LC_M_RUN: each has a slot of per-file state in every worker. */
#define LC_MATCHER_MAX_RUNS 8u
/* A cached database larger than this is not trusted (and not written). */
#define LC_MATCHER_MAX_CACHE_BYTES (512ll << 20)

typedef struct lc_mpat {
	const lc_detector *owner;
	size_t det_index; /* index in lc__detectors, (size_t)-1 when not in the table */
	lc_match_fn fn;
	unsigned rule;
	char *expr;
	unsigned flags;
	size_t before, after;
	bool prefilter; /* Hyperscan took it only in prefilter mode */
	unsigned run_slot; /* LC_M_RUN: index of its state in the worker */
} lc_mpat;

struct lc_matcher {
	pthread_mutex_t lock;
	lc_ctx *ctx;
	lc_mpat *pats;
	size_t npats, cappats;
	size_t max_before, max_after;
	unsigned nruns; /* patterns with LC_M_RUN */
	bool compiled;
	hs_database_t *db_all; /* every pattern: text files */
	hs_database_t *db_bin; /* without LC_M_TEXT_ONLY: binary files (NULL: use db_all) */
	/* databases read from the cache live in memory of ours (free, not hs_free_database) */
	bool db_ours;
	hs_scratch_t *proto_scratch; /* cloned per worker */
	uint8_t fingerprint[32];
	bool from_cache;
	double compile_ms;
	char cache_path[1024];
};

void lc__matcher_fingerprint(lc_matcher *m);
/* 0 when both databases came from the cache. */
int lc__matcher_cache_load(lc_matcher *m, lc_ctx *ctx);
void lc__matcher_cache_store(lc_matcher *m, lc_ctx *ctx);
/* Free a database: ours or Hyperscan's. */
void lc__matcher_db_free(hs_database_t *db, bool ours);

#endif
