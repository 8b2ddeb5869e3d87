/*
 * ioc.c - known-bad hosts and addresses (mining pools, C2, dynamic DNS, anonymisers)
 * in every file and in the image config. Each indicator is one literal in the shared
 * matcher; a hit counts only on label boundaries (`ath.cx` is not in `path.cxx`).
 * Feeds: the embedded default (data/ioc/default.csv, curated from maltrail and
 * minerchk, embedded parsed: ioc_pack.c) plus every --ioc FILE[:category].
 */
#include "lc_private.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

extern const lc_detector lc__det_ioc;

/* A feed larger than this is not a feed. */
#define FEED_FILE_MAX (256u << 20)
/* Distinct indicators reported per file; a file that is itself a blocklist (an
 * adblock hosts file) would otherwise flood the report. */
#define PER_FILE_MAX 16
/* Matcher rule id of the IPv4 "a.b.c." literals (other ids index the indicator set). */
#define RULE_IPV4 0xfffffff0u
/* Bytes before a host match: room for the longest host name it may end. */
#define HOST_WINDOW 260
/* Around an address's "a.b.c." literal: digits and dots before it (to see where the
 * dotted number starts), the last octet and a port after it. */
#define IPV4_BEFORE 24
#define IPV4_AFTER 16

typedef struct iw {
	const lc_entry *e;
	int layer;
	char path[512];
	const lc_ioc *seen[PER_FILE_MAX]; /* indicators already reported for this file */
	size_t nseen;
	bool capped;
} iw;

static lc_code on_match(void *shared, void *worker, lc_emitter *em, const lc_entry *e,
			const lc_match *m);

/* Length of "a.b.c." at the start of an IPv4 or ip:port indicator, 0 if it has none. */
static size_t ipv4_prefix_len(const char *v)
{
	size_t n = 0;
	for (int dots = 0; v[n] && n < 12; n++)
		if (v[n] == '.' && ++dots == 3)
			return n + 1;
	return 0;
}

/* "FILE:category" when the part after the last ':' names a category and FILE exists. */
static void split_feed_arg(const char *arg, char *path, size_t pathsz, const char **cat)
{
	const char *colon = strrchr(arg, ':');
	struct stat st;
	*cat = NULL;
	snprintf(path, pathsz, "%s", arg);
	if (!colon || strchr(colon, '/') || stat(arg, &st) == 0)
		return;
	if ((size_t)(colon - arg) < pathsz) {
		path[colon - arg] = '\0';
		*cat = colon + 1;
	}
}

static lc_code load(lc_ctx *ctx, void **shared)
{
	lc_code rc = LC_OK;
	lc_ioc_set *set = calloc(1, sizeof *set);
	lc_matcher *m = lc__matcher_get(ctx);
	char err[512];
	size_t len;
	/* parsed and finished when laocoon was built (src/gen/gen_ioc.c) */
	const uint8_t *def = lc__data_get("ioc/default.iocb", &len);
	char last24[16] = "";

	if (!set || !m) {
		rc = lc__fail(ctx, LC_EINTERNAL, "out of memory");
		goto out;
	}
	if (def) {
		rc = lc__ioc_set_unpack(set, def, len, err, sizeof err);
		if (rc) {
			rc = lc__fail(ctx, rc, "embedded ioc/default.iocb: %s (a broken build)", err);
			goto out;
		}
	}
	for (size_t i = 0; i < ctx->iocs.n; i++) {
		char path[4096], *buf = NULL;
		const char *cat;
		size_t n = 0;
		split_feed_arg(ctx->iocs.v[i], path, sizeof path, &cat);
		if (cat && strcmp(lc__ioc_category_canonical(cat), "suspicious") == 0 &&
		    strcasecmp(cat, "suspicious") != 0) {
			rc = lc__fail(ctx, LC_EUSAGE,
				      "--ioc %s: unknown category '%s' (mining_pool, c2, malware, "
				      "dynamic_dns, anonymizer, suspicious)",
				      ctx->iocs.v[i], cat);
			goto out;
		}
		rc = lc__malware_read_file(ctx, "IOC feed", path, FEED_FILE_MAX, &buf, &n);
		if (rc)
			goto out;
		rc = lc__ioc_feed_parse(set, buf, n, path, cat, err, sizeof err);
		free(buf);
		if (rc) {
			rc = lc__fail(ctx, rc, "%s", err);
			goto out;
		}
	}
	/* the packed default comes finished; what the feeds added is merged into it as a
	 * parse of them all would have been */
	if (ctx->iocs.n)
		lc__ioc_set_finish(set);
	for (size_t i = 0; i < set->n && !rc; i++) {
		const lc_ioc *c = &set->v[i];
		char expr[300];
		if (c->kind == LC_IOC_IPV4 || c->kind == LC_IOC_IPPORT) {
			/* an address is found by its first three octets, "a.b.c.", one literal
			 * for each /24 the feeds name (9,200 for 50,000 addresses; the set is
			 * sorted, so one /24's addresses are neighbours), and on_match reads the
			 * whole dotted number and looks it up. A dotted-quad expression instead
			 * ran over every digit of every file: ~25 ms on the Debian bench image,
			 * the literals ~2 ms. */
			size_t plen = ipv4_prefix_len(c->value);
			if (plen && (plen != strlen(last24) || memcmp(last24, c->value, plen) != 0)) {
				memcpy(last24, c->value, plen);
				last24[plen] = '\0';
				rc = lc__matcher_add(m, &lc__det_ioc, on_match, RULE_IPV4, last24,
						     LC_M_LITERAL, IPV4_BEFORE, IPV4_AFTER);
			}
			continue;
		}
		/* a parent-domain indicator matches only with a label in front: ".duckdns.org" */
		snprintf(expr, sizeof expr, "%s%s", c->kind == LC_IOC_PARENT ? "." : "", c->value);
		rc = lc__matcher_add(m, &lc__det_ioc, on_match, (unsigned)i, expr,
				     LC_M_LITERAL | LC_M_CASELESS, HOST_WINDOW, 2);
	}
out:
	if (rc && set) {
		lc__ioc_set_free(set);
		free(set);
		set = NULL;
	}
	*shared = set;
	return rc;
}

static void unload(void *shared)
{
	if (shared) {
		lc__ioc_set_free(shared);
		free(shared);
	}
}

static lc_code worker_new(void *shared, void **worker)
{
	(void)shared;
	*worker = calloc(1, sizeof(iw));
	return *worker ? LC_OK : LC_EINTERNAL;
}

static void worker_free(void *worker)
{
	free(worker);
}

static const char *kind_name(lc_ioc_kind k)
{
	switch (k) {
	case LC_IOC_HOST: return "host";
	case LC_IOC_PARENT: return "parent-domain";
	case LC_IOC_IPV4: return "ipv4";
	case LC_IOC_IPV6: return "ipv6";
	case LC_IOC_IPPORT: return "ip:port";
	}
	return "?";
}

static const char *category_title(const char *cat)
{
	if (!strcmp(cat, "mining_pool"))
		return "Mining pool address";
	if (!strcmp(cat, "c2"))
		return "Command-and-control address";
	if (!strcmp(cat, "malware"))
		return "Malware infrastructure address";
	if (!strcmp(cat, "dynamic_dns"))
		return "Dynamic-DNS host name";
	if (!strcmp(cat, "anonymizer"))
		return "Anonymising proxy address";
	return "Address on an IOC list";
}

/* Package metadata and documentation: they name upstream homepages and maintainers'
 * addresses, some under dynamic-DNS providers, and run nothing. */
static const char *const doc_dirs[] = {"var/lib/apt/lists/", "var/lib/dpkg/", "var/cache/apt/",
				       "var/cache/debconf/", "usr/share/doc/", "usr/share/man/",
				       "usr/share/info/", "usr/share/common-licenses/",
				       "usr/share/locale/", "lib/apk/db/", "usr/share/licenses/",
				       NULL};

static bool in_doc_dir(const char *path)
{
	for (int i = 0; path && doc_dirs[i]; i++)
		if (strncmp(path, doc_dirs[i], strlen(doc_dirs[i])) == 0)
			return true;
	return false;
}

static lc_code emit_ioc(const lc_ioc_set *set, lc_emitter *em, const lc_ioc *c, const char *seen,
			size_t seenlen, lc_source_kind src, const char *path, int layer,
			int64_t line, int64_t off)
{
	const char *cat = set->categories.v[c->category];
	char rule[64], title[160];
	char *ev = lc__escape(seen, seenlen);
	lc_finding_in f;
	lc_code rc;

	snprintf(rule, sizeof rule, "ioc.%s", cat);
	if (c->kind == LC_IOC_PARENT)
		snprintf(title, sizeof title, "%s: %.*s", category_title(cat),
			 (int)(seenlen < 120 ? seenlen : 120), seen);
	else
		snprintf(title, sizeof title, "%s: %s", category_title(cat), c->value);
	memset(&f, 0, sizeof f);
	f.rule_id = rule;
	f.severity = lc__ioc_category_severity(cat);
	/* Below HIGH (dynamic DNS, proxies) a mention is weak: copyright files, release notes,
	 * encoding test data and DNS tools all name hosts under dynamic-DNS providers. It
	 * keeps its severity where it would run (config, history, scripts, cron, profiles),
	 * is LOW in other files and INFO in package metadata and documentation. */
	if (f.severity < LC_SEV_HIGH && src == LC_SRC_FILE && em->entry) {
		if (in_doc_dir(em->entry->path))
			f.severity = LC_SEV_INFO;
		else if (!lc__malware_runs_path(em->entry->path) && f.severity > LC_SEV_LOW)
			f.severity = LC_SEV_LOW;
	}
	f.title = title;
	f.description = "The image mentions a host or address that an indicator feed lists.";
	f.source = src;
	f.layer = layer;
	f.path = path;
	f.line = line;
	f.offset = off;
	f.evidence = ev ? ev : "";
	f.remediation = "Find out why the image contacts this address; remove what does.";
	f.details = json_pack("{s:s,s:s,s:s,s:s}", "indicator", c->value, "kind", kind_name(c->kind),
			      "category", cat, "feed", set->sources.v[c->source]);
	rc = lc__emit(em, &f);
	free(ev);
	return rc;
}

static bool host_ch(int ch)
{
	return isalnum(ch) || ch == '.' || ch == '-' || ch == '_';
}

/* Per-file dedup by indicator (a file naming a host ten times is one finding); false when
 * already reported or when the file has had its share. */
static bool first_time(iw *w, lc_emitter *em, const lc_entry *e, const lc_ioc *c)
{
	if (!(w->e == e && w->layer == e->layer && strncmp(w->path, e->path, sizeof w->path - 1) == 0)) {
		w->e = e;
		w->layer = e->layer;
		snprintf(w->path, sizeof w->path, "%s", e->path);
		w->nseen = 0;
		w->capped = false;
	}
	for (size_t i = 0; i < w->nseen; i++)
		if (w->seen[i] == c)
			return false;
	if (w->nseen == PER_FILE_MAX) {
		if (!w->capped)
			lc__scan_warn(em->scan, "ioc.per_file_limit", e->layer, e->path,
				      "more than %d distinct indicators in one file; the rest are not "
				      "reported", PER_FILE_MAX);
		w->capped = true;
		return false;
	}
	w->seen[w->nseen++] = c;
	return true;
}

static lc_code on_match(void *shared, void *worker, lc_emitter *em, const lc_entry *e,
			const lc_match *m)
{
	const lc_ioc_set *set = shared;
	iw *w = worker;
	const lc_ioc *c, *best;
	const uint8_t *b = m->win;
	size_t pos, start, end;
	lc_code rc = LC_OK;

	if (!set || !w || !m->win_len)
		goto out;
	pos = (size_t)(m->end - m->win_off);
	if (pos > m->win_len)
		goto out;
	if (m->rule == RULE_IPV4) {
		/* the whole dotted number, and a port after it */
		start = end = pos;
		while (start > 0 && (isdigit(b[start - 1]) || b[start - 1] == '.'))
			start--;
		while (end < m->win_len && isdigit(b[end]))
			end++;
		if (end + 1 < m->win_len && b[end] == ':' && isdigit(b[end + 1])) {
			size_t p = end + 1;
			while (p < m->win_len && isdigit(b[p]) && p - end <= 5)
				p++;
			best = lc__ioc_lookup(set, (const char *)b + start, p - start);
			if (best && best->kind == LC_IOC_IPPORT)
				end = p;
		} else {
			best = lc__ioc_lookup(set, (const char *)b + start, end - start);
		}
		if (!best || !lc__ioc_boundary_ok(best, b, m->win_len, start, end))
			goto out;
	} else {
		size_t vl;
		if (m->rule >= set->n)
			goto out;
		c = &set->v[m->rule];
		vl = strlen(c->value) + (c->kind == LC_IOC_PARENT ? 1 : 0);
		if (pos < vl)
			goto out;
		start = pos - vl;
		end = pos;
		if (!lc__ioc_boundary_ok(c, b, m->win_len, start, end))
			goto out;
		best = c;
		if (c->kind != LC_IOC_IPV6) {
			/* the whole host name: report its most specific indicator, once */
			while (start > 0 && host_ch(b[start - 1]) && pos - start < 253)
				start--;
			while (start < pos && b[start] == '.')
				start++;
			best = lc__ioc_lookup(set, (const char *)b + start, end - start);
			if (!best)
				best = c;
		}
	}
	if (!first_time(w, em, e, best))
		goto out;
	rc = emit_ioc(set, em, best, (const char *)b + start, end - start, LC_SRC_FILE, NULL, -1,
		      lc__match_line(m, m->win_off + (int64_t)start), m->win_off + (int64_t)start);
out:
	return rc;
}

/* ---- config and history -------------------------------------------------------- */

/* Every host-like token, IPv4, ip:port and IPv6 token of text, looked up in the set. */
static lc_code scan_cfg_text(const lc_ioc_set *set, lc_emitter *em, const char *text,
			     lc_source_kind src, const char *path, int layer)
{
	lc_code rc = LC_OK;
	size_t len = text ? strnlen(text, LC_CONFIG_TEXT_MAX) : 0;
	for (size_t i = 0; i < len && !rc;) {
		size_t j = i;
		const lc_ioc *c = NULL;
		if (!host_ch((unsigned char)text[i]) && text[i] != ':') {
			i++;
			continue;
		}
		/* IPv6: hex digits and colons */
		while (j < len && (isxdigit((unsigned char)text[j]) || text[j] == ':'))
			j++;
		if (j - i >= 3 && memchr(text + i, ':', j - i) && (j == len || !host_ch((unsigned char)text[j])))
			c = lc__ioc_lookup(set, text + i, j - i);
		if (!c) {
			j = i;
			while (j < len && host_ch((unsigned char)text[j]))
				j++;
			if (j == i) {
				i++;
				continue;
			}
			/* ip:port first, then the bare token */
			if (j < len && text[j] == ':') {
				size_t k = j + 1;
				while (k < len && isdigit((unsigned char)text[k]))
					k++;
				if (k > j + 1)
					c = lc__ioc_lookup(set, text + i, k - i);
				if (c && c->kind == LC_IOC_IPPORT)
					j = k;
			}
			if (!c)
				c = lc__ioc_lookup(set, text + i, j - i);
			/* a bare parent domain is how documentation names a provider */
			if (c && c->kind == LC_IOC_PARENT && strlen(c->value) == j - i)
				c = NULL;
		}
		if (c)
			rc = emit_ioc(set, em, c, text + i, j - i, src, path, layer, 0, -1);
		i = j > i ? j : i + 1;
	}
	return rc;
}

typedef struct cfg_ctx {
	const lc_ioc_set *set;
	lc_emitter *em;
} cfg_ctx;

static lc_code cfg_text(void *ud, const lc_config_text *t)
{
	const cfg_ctx *cc = ud;
	char path[32];

	if (t->source == LC_SRC_HISTORY)
		snprintf(path, sizeof(path), "history[%zu]", t->index);
	else
		snprintf(path, sizeof(path), "config.%s", t->field);
	return scan_cfg_text(cc->set, cc->em, t->text, t->source, path, t->layer);
}

static lc_code on_image(void *shared, lc_emitter *em, const lc_view *v)
{
	cfg_ctx cc = {shared, em};

	if (!cc.set || cc.set->n == 0)
		return LC_OK;
	return lc__config_texts(v->img, 0, cfg_text, &cc);
}

const lc_detector lc__det_ioc = {
	.name = "ioc",
	.description = "known-bad hosts and addresses (mining pools, C2, dynamic DNS, anonymisers) "
		       "in files and config (--ioc)",
	.wants = LC_WANT_MATCHER,
	.load = load,
	.unload = unload,
	.worker_new = worker_new,
	.worker_free = worker_free,
	.on_image = on_image,
};
