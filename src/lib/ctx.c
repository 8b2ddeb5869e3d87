/*
 * ctx.c - the engine context: options, limits, the last error message, and the
 * detectors' compiled state (loaded once, shared read-only by every scan thread).
 */
#include "lc_private.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void lc__limits_init(int64_t *v);

lc_ctx *lc_ctx_new(void)
{
	lc_ctx *ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return NULL;
	ctx->magic = LC_MAGIC_CTX;
	lc__limits_init(ctx->limits);
	ctx->cache_max_size = (int64_t)2 << 30;
	pthread_mutex_init(&ctx->lock, NULL);
	return ctx;
}

void lc__ctx_unload(lc_ctx *ctx)
{
	size_t n = lc_detector_count();
	if (ctx->det_shared) {
		for (size_t i = 0; i < n; i++)
			if (ctx->det_shared[i] && lc__detectors[i]->unload)
				lc__detectors[i]->unload(ctx->det_shared[i]);
	}
	free(ctx->det_shared);
	free(ctx->det_enabled);
	ctx->det_shared = NULL;
	ctx->det_enabled = NULL;
	if (ctx->matcher)
		lc__matcher_free(ctx->matcher);
	ctx->matcher = NULL;
	ctx->loaded = false;
}

void lc_ctx_free(lc_ctx *ctx)
{
	if (!ctx || ctx->magic != LC_MAGIC_CTX)
		return;
	lc__ctx_unload(ctx);
	free(ctx->platform);
	free(ctx->scanners);
	free(ctx->cache_dir);
	lc__strlist_free(&ctx->secret_configs);
	lc__strlist_free(&ctx->yara_rules);
	lc__strlist_free(&ctx->iocs);
	lc__strlist_free(&ctx->hash_dbs);
	lc__strlist_free(&ctx->trusted);
	pthread_mutex_destroy(&ctx->lock);
	ctx->magic = 0;
	free(ctx);
}

const char *lc_ctx_errmsg(const lc_ctx *ctx)
{
	if (!ctx || ctx->magic != LC_MAGIC_CTX)
		return "invalid context";
	return ctx->errmsg;
}

/* Scan threads fail independently: each keeps its own last message, so a layer's error
 * is never another layer's text. ctx->errmsg (what lc_ctx_errmsg shows) gets a copy under
 * the lock. */
static _Thread_local char tls_errmsg[1024];

lc_code lc__fail(lc_ctx *ctx, lc_code code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(tls_errmsg, sizeof(tls_errmsg), fmt, ap);
	va_end(ap);
	if (ctx && ctx->magic == LC_MAGIC_CTX) {
		pthread_mutex_lock(&ctx->lock);
		memcpy(ctx->errmsg, tls_errmsg, sizeof(ctx->errmsg));
		pthread_mutex_unlock(&ctx->lock);
	}
	return code;
}

const char *lc__last_error(const lc_ctx *ctx)
{
	(void)ctx;
	return tls_errmsg;
}

void lc__clear_error(void)
{
	tls_errmsg[0] = 0;
}

static int set_str(char **dst, const char *v)
{
	char *d = v ? strdup(v) : NULL;
	if (v && !d)
		return -1;
	free(*dst);
	*dst = d;
	return 0;
}

static bool parse_bool(const char *v)
{
	return !v || !*v || strcmp(v, "1") == 0 || strcasecmp(v, "true") == 0 ||
	       strcasecmp(v, "yes") == 0;
}

/* Durations: plain milliseconds, or a number with ms/s/m/h. */
static int parse_duration_ms(const char *s, int64_t *out)
{
	char *end = NULL;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || v < 0)
		return -1;
	double mul = 1000.0; /* bare number: seconds, as timeout(1) reads it */
	if (strcmp(end, "ms") == 0)
		mul = 1;
	else if (strcmp(end, "s") == 0 || *end == 0)
		mul = 1000;
	else if (strcmp(end, "m") == 0)
		mul = 60000;
	else if (strcmp(end, "h") == 0)
		mul = 3600000;
	else
		return -1;
	*out = (int64_t)(v * mul);
	return 0;
}

lc_code lc_ctx_set_option(lc_ctx *ctx, const char *name, const char *value)
{
	lc_code rc = LC_OK;
	int64_t n = 0;
	if (!ctx || ctx->magic != LC_MAGIC_CTX || !name)
		return LC_EUSAGE;
	/* Rule sets change what is loaded: the next scan reloads. */
	if (ctx->loaded)
		lc__ctx_unload(ctx);
	if (strcmp(name, "platform") == 0) {
		if (!value || !strchr(value, '/'))
			return lc__fail(ctx, LC_EUSAGE, "--platform wants os/arch[/variant], got '%s'",
					value ? value : "");
		rc = set_str(&ctx->platform, value) ? LC_EINTERNAL : LC_OK;
	} else if (strcmp(name, "scanners") == 0) {
		rc = set_str(&ctx->scanners, value) ? LC_EINTERNAL : LC_OK;
	} else if (strcmp(name, "parallel") == 0) {
		char *end = NULL;
		long p = value ? strtol(value, &end, 10) : -1;
		if (!value || *end || p < 0 || p > 256)
			return lc__fail(ctx, LC_EUSAGE, "--parallel wants 0..256");
		ctx->parallel = (int)p;
	} else if (strcmp(name, "show-secrets") == 0) {
		ctx->show_secrets = parse_bool(value);
	} else if (strcmp(name, "no-cache") == 0) {
		ctx->no_cache = parse_bool(value);
	} else if (strcmp(name, "cache-dir") == 0) {
		rc = set_str(&ctx->cache_dir, value) ? LC_EINTERNAL : LC_OK;
	} else if (strcmp(name, "cache-max-size") == 0) {
		if (!value || lc__parse_size(value, &n))
			return lc__fail(ctx, LC_EUSAGE, "--cache-max-size wants a size such as 2G");
		ctx->cache_max_size = n;
	} else if (strcmp(name, "timeout") == 0) {
		if (!value || parse_duration_ms(value, &n))
			return lc__fail(ctx, LC_EUSAGE, "--timeout wants a duration such as 30s or 5m");
		ctx->timeout_ms = n;
	} else if (strcmp(name, "max-memory") == 0) {
		if (!value || lc__parse_size(value, &n))
			return lc__fail(ctx, LC_EUSAGE, "--max-memory wants a size such as 512M");
		ctx->max_memory = n;
	} else {
		lc_strlist *l = NULL;
		if (strcmp(name, "secret-config") == 0)
			l = &ctx->secret_configs;
		else if (strcmp(name, "yara-rules") == 0)
			l = &ctx->yara_rules;
		else if (strcmp(name, "ioc") == 0)
			l = &ctx->iocs;
		else if (strcmp(name, "hash-db") == 0)
			l = &ctx->hash_dbs;
		else if (strcmp(name, "trusted") == 0)
			l = &ctx->trusted;
		if (!l)
			return lc__fail(ctx, LC_EUSAGE, "unknown option '%s'", name);
		if (!value || !*value)
			return lc__fail(ctx, LC_EUSAGE, "--%s wants a value", name);
		rc = lc__strlist_add(l, value) ? LC_EINTERNAL : LC_OK;
	}
	return rc;
}

const char *lc_ctx_get_option(const lc_ctx *ctx, const char *name)
{
	if (!ctx || ctx->magic != LC_MAGIC_CTX || !name)
		return NULL;
	if (strcmp(name, "platform") == 0)
		return ctx->platform;
	if (strcmp(name, "scanners") == 0)
		return ctx->scanners;
	if (strcmp(name, "cache-dir") == 0)
		return ctx->cache_dir;
	if (strcmp(name, "show-secrets") == 0)
		return ctx->show_secrets ? "true" : "false";
	if (strcmp(name, "no-cache") == 0)
		return ctx->no_cache ? "true" : "false";
	return NULL;
}

/*
 * Which detectors run, from --scanners; nothing is loaded. The cache fingerprint needs
 * only this, so a warm rescan decides everything before any rule is compiled.
 */
lc_code lc__ctx_select(lc_ctx *ctx)
{
	lc_code rc = LC_OK;
	size_t n = lc_detector_count();
	char *list = NULL, *save = NULL;

	/* Recomputed until loaded: options (and inspect's all-off table) may have changed. */
	if (ctx->loaded)
		return LC_OK;
	free(ctx->det_enabled);
	free(ctx->det_shared);
	ctx->det_shared = calloc(n + 1, sizeof(void *));
	ctx->det_enabled = calloc(n + 1, sizeof(bool));
	if (!ctx->det_shared || !ctx->det_enabled) {
		rc = lc__fail(ctx, LC_EINTERNAL, "out of memory");
		goto out;
	}
	if (!ctx->scanners || !*ctx->scanners) {
		for (size_t i = 0; i < n; i++)
			ctx->det_enabled[i] = true;
		goto out;
	}
	list = strdup(ctx->scanners);
	if (!list) {
		rc = lc__fail(ctx, LC_EINTERNAL, "out of memory");
		goto out;
	}
	for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		while (*t == ' ')
			t++;
		size_t i = lc__detector_index(t);
		if (i == (size_t)-1) {
			rc = lc__fail(ctx, LC_EUSAGE, "unknown scanner '%s' (see `laocoon detectors`)",
				      t);
			goto out;
		}
		ctx->det_enabled[i] = true;
	}
out:
	free(list);
	if (rc) {
		free(ctx->det_shared);
		free(ctx->det_enabled);
		ctx->det_shared = NULL;
		ctx->det_enabled = NULL;
	}
	return rc;
}

/*
 * Load the enabled detectors once per context: their rules compile here (slow), and
 * the shared matcher is built from every pattern they registered. The scan calls this
 * only when some layer missed the cache or the image-level results are not cached.
 */
lc_code lc__ctx_load(lc_ctx *ctx)
{
	lc_code rc = LC_OK;
	size_t n = lc_detector_count();
	if (ctx->loaded)
		return LC_OK;
	rc = lc__ctx_select(ctx);
	if (rc)
		goto out;
	for (size_t i = 0; i < n; i++) {
		if (!ctx->det_enabled[i] || !lc__detectors[i]->load)
			continue;
		rc = lc__detectors[i]->load(ctx, &ctx->det_shared[i]);
		if (rc) {
			if (!ctx->errmsg[0])
				lc__fail(ctx, rc, "detector %s failed to load", lc__detectors[i]->name);
			goto out;
		}
	}
	if (ctx->matcher && !lc__matcher_empty(ctx->matcher)) {
		rc = lc__matcher_compile(ctx->matcher, ctx);
		if (rc)
			goto out;
	}
	ctx->loaded = true;
out:
	if (rc && !ctx->loaded)
		lc__ctx_unload(ctx);
	return rc;
}
