/*
 * cmd_cache.c - `laocoon cache info|prune|clean`: look at, shrink or empty the layer
 * cache through lc_cache_info/prune/clean. Its own options (--older-than, --max-size)
 * are parsed here; the location comes from --cache-dir or the usual default.
 */
#include "cli.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static const char cache_usage[] =
	"usage: laocoon cache info|prune|clean [OPTIONS]\n"
	"\n"
	"The layer cache keeps each scanned layer's file index and findings (never a\n"
	"secret in clear), so a rescan reads only new layers.\n"
	"\n"
	"  info                    where the cache is, its size, layers, hit statistics\n"
	"  prune                   evict least recently used layers down to the size bound;\n"
	"                          with --older-than also compiled rule files unused that long\n"
	"  clean                   delete every cached layer, blob verification and compiled\n"
	"                          rule file (Hyperscan databases, YARA rules)\n"
	"\n"
	"Options:\n"
	"      --format FMT        table (default) or json\n"
	"      --cache-dir DIR     the cache's directory (default $LAOCOON_CACHE_DIR,\n"
	"                          $XDG_CACHE_HOME/laocoon or ~/.cache/laocoon)\n"
	"      --cache-max-size SIZE, --max-size SIZE\n"
	"                          prune: the size bound (default 2G)\n"
	"      --older-than AGE    prune: also evict layers unused for AGE (30d, 12h, 90m,\n"
	"                          3600s; a bare number is seconds)\n"
	"  -h, --help              this text\n";

/* "30d", "12h", "90m", "45s", "2w" or bare seconds; -1 when malformed. */
static int64_t parse_age(const char *s)
{
	char *end = NULL;
	long long v;
	int64_t mul = 1;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || v < 0)
		return -1;
	if (*end && end[1])
		return -1;
	switch (*end) {
	case 0:
	case 's':
		break;
	case 'm':
		mul = 60;
		break;
	case 'h':
		mul = 3600;
		break;
	case 'd':
		mul = 86400;
		break;
	case 'w':
		mul = 7 * 86400;
		break;
	default:
		return -1;
	}
	if (v > INT64_MAX / mul / 1000) /* the library works in ms */
		return -1;
	return v * mul;
}

static void human(char *buf, size_t size, int64_t n)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)n;
	int u = 0;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, size, "%" PRId64 " B", n);
	else
		snprintf(buf, size, "%.1f %s", v, unit[u]);
}

static void when(char *buf, size_t size, int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (ms <= 0 || !gmtime_r(&t, &tm) || !strftime(buf, size, "%Y-%m-%d %H:%M:%S UTC", &tm))
		snprintf(buf, size, "-");
}

/* The path comes from the environment: no control character reaches the terminal. */
static void put_path(FILE *out, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c == 0x7f)
			fprintf(out, "\\x%02x", c);
		else
			fputc(c, out);
	}
}

static void info_table(FILE *out, const lc_cache_stats *s)
{
	char a[32], b[32], c[32], t1[40], t2[40];
	int64_t looks = s->hits + s->misses;

	fputs("Cache          ", out);
	put_path(out, s->path);
	fputs(s->exists ? "\n" : " (not created yet)\n", out);
	human(a, sizeof(a), s->file_bytes);
	human(b, sizeof(b), s->data_bytes);
	human(c, sizeof(c), s->max_bytes);
	fprintf(out, "On disk        %s (layer records %s, bound %s)\n", a, b, c);
	fprintf(out, "Layers         %" PRId64 " (%" PRId64 " entries)\n", s->layers, s->entries);
	fprintf(out, "Image records  %" PRId64 "\n", s->images);
	fprintf(out, "Findings       %" PRId64 "\n", s->findings);
	fprintf(out, "Trusted blobs  %" PRId64 "\n", s->trusted_blobs);
	fprintf(out, "Lookups        %" PRId64 " hits, %" PRId64 " misses", s->hits, s->misses);
	if (looks)
		fprintf(out, " (%.0f%% hit rate)", 100.0 * (double)s->hits / (double)looks);
	fprintf(out, "\nStores         %" PRId64 ", evictions %" PRId64 "\n", s->stores, s->evictions);
	when(t1, sizeof(t1), s->oldest_ms);
	when(t2, sizeof(t2), s->newest_ms);
	fprintf(out, "Last used      %s (least recent %s)\n", t2, t1);
}

static void info_json(FILE *out, const lc_cache_stats *s)
{
	fputs("{\n  \"path\": ", out);
	cli_json_str(out, s->path);
	fprintf(out,
		",\n  \"exists\": %s,\n  \"file_bytes\": %" PRId64 ",\n  \"data_bytes\": %" PRId64
		",\n  \"max_bytes\": %" PRId64 ",\n  \"layers\": %" PRId64
		",\n  \"images\": %" PRId64
		",\n  \"entries\": %" PRId64 ",\n  \"findings\": %" PRId64
		",\n  \"trusted_blobs\": %" PRId64 ",\n  \"hits\": %" PRId64
		",\n  \"misses\": %" PRId64 ",\n  \"stores\": %" PRId64
		",\n  \"evictions\": %" PRId64 ",\n  \"oldest_used_ms\": %" PRId64
		",\n  \"newest_used_ms\": %" PRId64 "\n}\n",
		s->exists ? "true" : "false", s->file_bytes, s->data_bytes, s->max_bytes, s->layers,
		s->images, s->entries, s->findings, s->trusted_blobs, s->hits, s->misses, s->stores,
		s->evictions, s->oldest_ms, s->newest_ms);
}

/* --name value or --name=value; returns the value and advances *i, or NULL. */
static const char *opt_value(int argc, char **argv, int *i, const char *name)
{
	size_t n = strlen(name);
	const char *a = argv[*i];

	if (strncmp(a, name, n) != 0)
		return NULL;
	if (a[n] == '=')
		return a + n + 1;
	if (a[n] != 0)
		return NULL;
	if (*i + 1 >= argc) {
		cli_err("cache: %s needs a value", name);
		return "";
	}
	return argv[++*i];
}

int cli_cmd_cache(int argc, char **argv)
{
	int rc = LC_OK;
	lc_ctx *ctx = NULL;
	const char *action = NULL, *format = NULL, *v;
	int64_t older = -1;
	bool json = false;

	ctx = lc_ctx_new();
	if (!ctx) {
		cli_err("out of memory");
		rc = LC_EINTERNAL;
		goto out;
	}
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			fputs(cache_usage, stdout);
			goto out;
		} else if ((v = opt_value(argc, argv, &i, "--format")) != NULL) {
			format = v;
		} else if ((v = opt_value(argc, argv, &i, "--cache-dir")) != NULL) {
			if (!*v || lc_ctx_set_option(ctx, "cache-dir", v) != LC_OK) {
				cli_err("cache: bad --cache-dir");
				rc = LC_EUSAGE;
				goto out;
			}
		} else if ((v = opt_value(argc, argv, &i, "--cache-max-size")) != NULL ||
			   (v = opt_value(argc, argv, &i, "--max-size")) != NULL) {
			if (!*v || lc_ctx_set_option(ctx, "cache-max-size", v) != LC_OK) {
				cli_err("cache: %s", *v ? lc_ctx_errmsg(ctx) : "missing size");
				rc = LC_EUSAGE;
				goto out;
			}
		} else if ((v = opt_value(argc, argv, &i, "--older-than")) != NULL) {
			older = *v ? parse_age(v) : -1;
			if (older < 0) {
				cli_err("cache: --older-than wants an age such as 30d, 12h or 3600");
				rc = LC_EUSAGE;
				goto out;
			}
		} else if (a[0] == '-') {
			cli_err("cache: unknown option '%s'", a);
			rc = LC_EUSAGE;
			goto out;
		} else if (!action) {
			action = a;
		} else {
			cli_err("cache: one action only ('%s' given after '%s')", a, action);
			rc = LC_EUSAGE;
			goto out;
		}
	}
	if (!action) {
		fputs(cache_usage, stderr);
		rc = LC_EUSAGE;
		goto out;
	}
	if (format && strcasecmp(format, "json") == 0) {
		json = true;
	} else if (format && strcasecmp(format, "table") != 0) {
		cli_err("cache: --format wants table or json");
		rc = LC_EUSAGE;
		goto out;
	}
	if (older >= 0 && strcmp(action, "prune") != 0) {
		cli_err("cache: --older-than belongs to prune");
		rc = LC_EUSAGE;
		goto out;
	}

	if (strcmp(action, "info") == 0) {
		lc_cache_stats s;

		rc = lc_cache_info(ctx, &s);
		if (rc == LC_OK) {
			if (json)
				info_json(stdout, &s);
			else
				info_table(stdout, &s);
		}
	} else if (strcmp(action, "prune") == 0) {
		int64_t removed = 0, freed = 0;
		char b[32];

		rc = lc_cache_prune(ctx, -1, older, &removed, &freed);
		if (rc == LC_OK && json) {
			printf("{\n  \"removed_layers\": %" PRId64 ",\n  \"freed_bytes\": %" PRId64
			       "\n}\n",
			       removed, freed);
		} else if (rc == LC_OK) {
			human(b, sizeof(b), freed);
			printf("Pruned %" PRId64 " layer%s (%s)\n", removed, removed == 1 ? "" : "s", b);
		}
	} else if (strcmp(action, "clean") == 0) {
		rc = lc_cache_clean(ctx);
		if (rc == LC_OK)
			fputs(json ? "{\n  \"cleaned\": true\n}\n" : "Cache cleaned\n", stdout);
	} else {
		cli_err("cache: unknown action '%s' (info, prune or clean)", action);
		rc = LC_EUSAGE;
		goto out;
	}
	if (rc != LC_OK)
		cli_err("cache %s: %s", action, lc_ctx_errmsg(ctx));
out:
	lc_ctx_free(ctx);
	return rc;
}
