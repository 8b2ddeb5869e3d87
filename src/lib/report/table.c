/*
 * table.c - the human report: image summary and layers, findings as an aligned table,
 * warnings and errors, then a one-line summary; with LC_OUT_FILES the merged file tree.
 * Everything printed is escaped first; on a terminal long cells end in an ellipsis.
 */
#include "lc_private.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define ELLIPSIS "\xe2\x80\xa6" /* U+2026 */
#define COL_GAP 2
/* Column ceilings: a single absurd path must not push every other row off screen. */
#define MAX_RULE_W 40
#define MAX_LAYER_W 24
#define MAX_PATH_W 48
#define MIN_TITLE_W 20
#define MIN_CUT_W 10 /* rule and path columns shrink no further on a narrow terminal */
#define CREATED_BY_W 72 /* created_by is abbreviated even off a terminal */

typedef struct tbl {
	FILE *out;
	bool color;
	bool tty;     /* truncate long cells */
	size_t width; /* terminal columns when tty */
} tbl;

static const char *sev_color(lc_severity s)
{
	switch (s) {
	case LC_SEV_CRITICAL:
		return "\033[1;31m";
	case LC_SEV_HIGH:
		return "\033[31m";
	case LC_SEV_MEDIUM:
		return "\033[33m";
	case LC_SEV_LOW:
		return "\033[36m";
	default:
		return "\033[2m";
	}
}

static size_t min_sz(size_t a, size_t b)
{
	return a < b ? a : b;
}

/* Display width of escaped text: code points (escaped text is valid UTF-8). */
static size_t dwidth(const char *s)
{
	size_t n = 0;
	for (; s && *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

/* Bytes of s that hold its first `cols` code points. */
static size_t dprefix(const char *s, size_t cols)
{
	size_t i = 0, n = 0;
	while (s[i]) {
		if (((unsigned char)s[i] & 0xc0) != 0x80) {
			if (n == cols)
				break;
			n++;
		}
		i++;
	}
	return i;
}

/* Print s in a cell `w` columns wide: padded when pad, cut with an ellipsis when
 * cut is set and s does not fit. Returns the columns written. */
static size_t put_cell(FILE *out, const char *s, size_t w, bool pad, bool cut)
{
	size_t sw = dwidth(s), written;

	if (cut && w > 0 && sw > w) {
		fwrite(s, 1, dprefix(s, w - 1), out);
		fputs(ELLIPSIS, out);
		written = w;
	} else {
		fputs(s, out);
		written = sw;
	}
	for (; pad && written < w; written++)
		fputc(' ', out);
	return written;
}

static const char *jget_str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static int64_t jget_int(const json_t *o, const char *key, int64_t dflt)
{
	json_t *v = json_object_get(o, key);
	return json_is_integer(v) ? (int64_t)json_integer_value(v) : dflt;
}

/* "12.3 MiB" style sizes; -1 prints as "-". */
static void fmt_size(char *buf, size_t sz, int64_t n)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	double v = (double)n;
	unsigned u = 0;

	if (n < 0) {
		snprintf(buf, sz, "-");
		return;
	}
	while (v >= 1024.0 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1024.0;
		u++;
	}
	if (u == 0)
		snprintf(buf, sz, "%lld B", (long long)n);
	else
		snprintf(buf, sz, "%.1f %s", v, units[u]);
}

/* "sha256:0123456789ab" - enough to tell layers apart on screen. */
static void fmt_digest(char *buf, size_t sz, const char *d)
{
	const char *colon;
	char *e;

	if (!d) {
		snprintf(buf, sz, "-");
		return;
	}
	e = lc__escape_str(d);
	colon = e ? strchr(e, ':') : NULL;
	if (e && colon && strlen(colon + 1) > 12)
		snprintf(buf, sz, "%.*s%.12s", (int)(colon - e + 1), e, colon + 1);
	else
		snprintf(buf, sz, "%s", e ? e : "?");
	free(e);
}

/* A labelled summary line, value escaped; skipped when absent. Digests are never cut:
 * people copy them. */
static void kv(tbl *t, const char *label, const char *value)
{
	char *e;
	bool cut = t->tty && strncmp(value ? value : "", "sha256:", 7) != 0;

	if (!value)
		return;
	e = lc__escape_str(value);
	fprintf(t->out, "%-12s", label);
	put_cell(t->out, e ? e : "?", t->tty && t->width > 13 ? t->width - 12 : 0, false, cut);
	fputc('\n', t->out);
	free(e);
}

/* A string array (entrypoint, cmd, ports) joined by spaces on one line. */
static void kv_array(tbl *t, const char *label, const json_t *a)
{
	size_t i, len = 0;
	json_t *el;
	char *joined = NULL;

	if (!json_is_array(a) || json_array_size(a) == 0)
		goto out;
	json_array_foreach(a, i, el)
		len += (json_is_string(el) ? json_string_length(el) : 0) + 1;
	joined = malloc(len + 1);
	if (!joined)
		goto out;
	joined[0] = '\0';
	len = 0;
	json_array_foreach(a, i, el)
	{
		/* Embedded NULs would cut the line short here; escaping happens on the
		 * joined string, so build it from the raw bytes. */
		size_t n = json_is_string(el) ? json_string_length(el) : 0;
		if (i > 0)
			joined[len++] = ' ';
		if (n)
			memcpy(joined + len, json_string_value(el), n);
		len += n;
	}
	{
		char *e = lc__escape(joined, len);
		if (e) {
			fprintf(t->out, "%-12s", label);
			put_cell(t->out, e, t->tty && t->width > 13 ? t->width - 12 : 0, false,
				 t->tty);
			fputc('\n', t->out);
		}
		free(e);
	}
out:
	free(joined);
}

/* Env and labels: one item per line under the label. */
static void kv_list(tbl *t, const char *label, const json_t *v)
{
	size_t i;
	json_t *el;
	bool first = true;

	if (json_is_array(v)) {
		json_array_foreach(v, i, el)
		{
			char *e = json_is_string(el) ? lc__escape(json_string_value(el),
								  json_string_length(el))
						     : NULL;
			if (!e)
				continue;
			fprintf(t->out, "%-12s", first ? label : "");
			put_cell(t->out, e, t->tty && t->width > 13 ? t->width - 12 : 0, false,
				 t->tty);
			fputc('\n', t->out);
			first = false;
			free(e);
		}
	} else if (json_is_object(v)) {
		for (void *it = json_object_iter((json_t *)v); it;
		     it = json_object_iter_next((json_t *)v, it)) {
			json_t *val = json_object_iter_value(it);
			char *k = lc__escape(json_object_iter_key(it), json_object_iter_key_len(it));
			char *e = json_is_string(val) ? lc__escape(json_string_value(val),
								   json_string_length(val))
						      : NULL;
			if (k) {
				fprintf(t->out, "%-12s%s=", first ? label : "", k);
				put_cell(t->out, e ? e : "",
					 t->tty && t->width > 14 + dwidth(k) ? t->width - 13 - dwidth(k)
									     : 0,
					 false, t->tty);
				fputc('\n', t->out);
				first = false;
			}
			free(k);
			free(e);
		}
	}
}

static void print_image(tbl *t, const json_t *img)
{
	const json_t *cfg = json_object_get(img, "config");
	const json_t *layers = json_object_get(img, "layers");
	const json_t *names = json_object_get(img, "names");

	kv(t, "Image:", jget_str(img, "reference"));
	kv(t, "Transport:", jget_str(img, "transport"));
	kv(t, "Platform:", jget_str(img, "platform"));
	kv_array(t, "Names:", names);
	kv(t, "Manifest:", jget_str(img, "manifest_digest"));
	kv(t, "Config:", jget_str(img, "config_digest"));
	if (json_is_object(cfg)) {
		kv(t, "User:", jget_str(cfg, "user"));
		kv(t, "WorkingDir:", jget_str(cfg, "working_dir"));
		kv_array(t, "Entrypoint:", json_object_get(cfg, "entrypoint"));
		kv_array(t, "Cmd:", json_object_get(cfg, "cmd"));
		kv_array(t, "Ports:", json_object_get(cfg, "exposed_ports"));
		kv_list(t, "Env:", json_object_get(cfg, "env"));
		kv_list(t, "Labels:", json_object_get(cfg, "labels"));
	}
	if (!json_is_array(layers))
		return;
	fprintf(t->out, "\nLayers (%zu)\n", json_array_size(layers));
	fprintf(t->out, "  %-3s  %-10s  %-10s  %-7s  %-19s  %s\n", "#", "SIZE", "UNPACKED", "FILES",
		"DIGEST", "CREATED BY");
	{
		size_t i;
		json_t *l;
		json_array_foreach(layers, i, l)
		{
			char size[32], usize[32], files[24], dig[96];
			const char *cb = jget_str(l, "created_by");
			char *e = lc__escape_str(cb ? cb : "");
			int64_t nf = jget_int(l, "files", -1);
			size_t used = 2 + 3 + 2 + 10 + 2 + 10 + 2 + 7 + 2 + 19 + 2;
			size_t cw = CREATED_BY_W;
			const json_t *c = json_object_get(l, "complete");

			fmt_size(size, sizeof(size), jget_int(l, "size", -1));
			fmt_size(usize, sizeof(usize), jget_int(l, "uncompressed_size", -1));
			if (nf >= 0)
				snprintf(files, sizeof(files), "%lld", (long long)nf);
			else
				snprintf(files, sizeof(files), "-");
			fmt_digest(dig, sizeof(dig), jget_str(l, "digest") ? jget_str(l, "digest")
									    : jget_str(l, "diff_id"));
			fprintf(t->out, "  %-3lld  %-10s  %-10s  %-7s  %-19s  ",
				(long long)jget_int(l, "index", (int64_t)i), size, usize, files, dig);
			const char *mark = json_is_false(c) ? "(incomplete) "
					   : json_is_true(json_object_get(l, "cached")) ? "(cached) "
											 : "";

			used += strlen(mark);
			if (t->tty)
				cw = t->width > used + 8 ? min_sz(cw, t->width - used) : 8;
			fputs(mark, t->out);
			put_cell(t->out, e ? e : "", cw, false, true);
			fputc('\n', t->out);
			free(e);
		}
	}
}

typedef struct row {
	char *rule, *layer, *path, *title, *evidence, *hidden;
	lc_severity sev;
} row;

static void row_free(row *w)
{
	free(w->rule);
	free(w->layer);
	free(w->path);
	free(w->title);
	free(w->evidence);
	free(w->hidden);
}

static char *dupf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *dupf(const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

static bool row_make(row *w, const lc_finding *f)
{
	char *det = lc__escape_str(f->detector ? f->detector : "");
	char *rule = lc__escape_str(f->rule_id ? f->rule_id : "");
	char *path = lc__escape_str(f->path ? f->path : "-");
	bool ok = false;

	memset(w, 0, sizeof(*w));
	w->sev = f->severity;
	if (!det || !rule || !path)
		goto out;
	w->rule = dupf("%s/%s", det, rule);
	if (f->layer < 0)
		w->layer = strdup("-");
	else if (f->removed_in >= 0)
		w->layer = dupf("%d, removed in %d", f->layer, f->removed_in);
	else
		w->layer = dupf("%d", f->layer);
	if (f->line > 0)
		w->path = dupf("%s:%lld", path, (long long)f->line);
	else
		w->path = strdup(path);
	w->title = lc__escape_str(f->title ? f->title : "");
	if (f->evidence && *f->evidence) {
		w->evidence = lc__escape_str(f->evidence);
		if (!w->evidence)
			goto out;
	}
	if (f->removed_in >= 0 && f->layer >= 0) {
		w->hidden = dupf("added in layer %d, removed in layer %d: still extractable "
				 "from the image",
				 f->layer, f->removed_in);
		if (!w->hidden)
			goto out;
	}
	ok = w->rule && w->layer && w->path && w->title;
out:
	free(det);
	free(rule);
	free(path);
	return ok;
}

static lc_code print_findings(tbl *t, const lc_report *r)
{
	lc_code rc = LC_OK;
	row *rows = NULL;
	size_t n = 0, wr = 4 + 1 + 4, wl = 5, wp = 11, wt = 5, indent;
	const size_t ws = 8; /* "CRITICAL" */

	if (r->nfindings == 0) {
		fputs("\nFindings: none\n", t->out);
		goto out;
	}
	rows = calloc(r->nfindings, sizeof(*rows));
	if (!rows) {
		rc = LC_EINTERNAL;
		goto out;
	}
	for (n = 0; n < r->nfindings; n++) {
		if (!row_make(&rows[n], &r->findings[n])) {
			n++;
			rc = LC_EINTERNAL;
			goto out;
		}
		wr = rows[n].rule && dwidth(rows[n].rule) > wr ? dwidth(rows[n].rule) : wr;
		wl = dwidth(rows[n].layer) > wl ? dwidth(rows[n].layer) : wl;
		wp = dwidth(rows[n].path) > wp ? dwidth(rows[n].path) : wp;
		wt = dwidth(rows[n].title) > wt ? dwidth(rows[n].title) : wt;
	}
	wr = min_sz(wr, MAX_RULE_W);
	wl = min_sz(wl, MAX_LAYER_W);
	wp = min_sz(wp, MAX_PATH_W);
	indent = ws + COL_GAP;
	if (t->tty) {
		size_t avail = t->width > ws + 4 * COL_GAP ? t->width - ws - 4 * COL_GAP : 0;
		/* Fit the screen: shrink the wider of rule and path (never the layer, whose
		 * "removed in" must stay readable) until the title keeps its minimum. */
		while (wr + wl + wp + MIN_TITLE_W > avail && (wr > MIN_CUT_W || wp > MIN_CUT_W)) {
			if (wp >= wr && wp > MIN_CUT_W)
				wp--;
			else
				wr--;
		}
		wt = avail > wr + wl + wp + MIN_TITLE_W ? avail - wr - wl - wp : MIN_TITLE_W;
	}
	fprintf(t->out, "\nFindings (%zu)\n", r->nfindings);
	fprintf(t->out, "%-*s  %-*s  %-*s  %-*s  %s\n", (int)ws, "SEVERITY", (int)wr,
		"DETECTOR/RULE", (int)wl, "LAYER", (int)wp, "PATH[:LINE]", "TITLE");
	for (size_t i = 0; i < n; i++) {
		const row *w = &rows[i];
		const char *sev = lc__report_severity_label(w->sev);
		if (t->color)
			fprintf(t->out, "%s%s\033[0m", sev_color(w->sev), sev);
		else
			fputs(sev, t->out);
		fprintf(t->out, "%*s", (int)(ws - strlen(sev) + COL_GAP), "");
		/* Off a terminal nothing is cut: a file or a pipe gets every byte. */
		put_cell(t->out, w->rule, wr, true, t->tty);
		fputs("  ", t->out);
		put_cell(t->out, w->layer, wl, true, t->tty);
		fputs("  ", t->out);
		put_cell(t->out, w->path, wp, true, t->tty);
		fputs("  ", t->out);
		put_cell(t->out, w->title, wt, false, t->tty);
		fputc('\n', t->out);
		if (w->evidence) {
			fprintf(t->out, "%*s", (int)indent, "");
			fputs("evidence: ", t->out);
			put_cell(t->out, w->evidence,
				 t->tty && t->width > indent + 20 ? t->width - indent - 10 : 0, false,
				 t->tty);
			fputc('\n', t->out);
		}
		if (w->hidden) {
			fprintf(t->out, "%*s", (int)indent, "");
			put_cell(t->out, w->hidden, t->tty && t->width > indent ? t->width - indent : 0,
				 false, t->tty);
			fputc('\n', t->out);
		}
	}
out:
	for (size_t i = 0; rows && i < n; i++)
		row_free(&rows[i]);
	free(rows);
	return rc;
}

static void print_diags(tbl *t, const char *title, const lc_diag_list *l)
{
	if (l->n == 0)
		return;
	fprintf(t->out, "\n%s (%zu)\n", title, l->n);
	for (size_t i = 0; i < l->n; i++) {
		const lc_diag *d = &l->v[i];
		char *code = lc__escape_str(d->code ? d->code : "");
		char *msg = lc__escape_str(d->message ? d->message : "");
		char *path = lc__escape_str(d->path);

		fprintf(t->out, "  %s", code ? code : "?");
		if (d->layer >= 0 || path) {
			fputs(" (", t->out);
			if (d->layer >= 0)
				fprintf(t->out, "layer %d%s", d->layer, path ? ", " : "");
			if (path)
				put_cell(t->out, path, t->tty ? MAX_PATH_W : 0, false, t->tty);
			fputc(')', t->out);
		}
		fprintf(t->out, ": %s\n", msg ? msg : "?");
		free(code);
		free(msg);
		free(path);
	}
}

/* "-rwsr-xr-x" from type and mode. */
static void fmt_mode(char *buf, lc_ftype type, uint32_t mode)
{
	static const char types[] = "-dlhcbpswo?"; /* in lc_ftype order (w, o: markers) */
	static const char rwx[] = "rwxrwxrwx";

	buf[0] = (unsigned)type < sizeof(types) - 1 ? types[type] : '?';
	for (int i = 0; i < 9; i++)
		buf[1 + i] = (mode & (0400u >> i)) ? rwx[i] : '-';
	if (mode & 04000)
		buf[3] = (mode & 0100) ? 's' : 'S';
	if (mode & 02000)
		buf[6] = (mode & 0010) ? 's' : 'S';
	if (mode & 01000)
		buf[9] = (mode & 0001) ? 't' : 'T';
	buf[10] = '\0';
}

/* Whiteout and opaque markers are not files: what they removed says "removed in". */
static bool is_marker(const lc_fileinfo *fi)
{
	return fi->type == LC_FT_WHITEOUT || fi->type == LC_FT_OPAQUE;
}

static void print_files(tbl *t, const lc_report *r)
{
	size_t n = r->files ? lc__fileidx_count(r->files) : 0, shown = 0;
	int wid = 7, wsz = 4;

	/* First pass only sizes the columns, so the tree stays aligned. */
	for (size_t i = 0; i < n; i++) {
		const lc_fileinfo *fi = lc__fileidx_get(r->files, i);
		char b[48];
		int k;
		if (!fi || is_marker(fi))
			continue;
		shown++;
		k = snprintf(b, sizeof(b), "%u:%u", (unsigned)fi->uid, (unsigned)fi->gid);
		wid = k > wid ? k : wid;
		k = snprintf(b, sizeof(b), "%lld", (long long)fi->size);
		wsz = k > wsz ? k : wsz;
	}
	fprintf(t->out, "\nFiles (%zu)\n", shown);
	fprintf(t->out, "%-10s  %-*s  %*s  %-5s  %s\n", "MODE", wid, "UID:GID", wsz, "SIZE", "LAYER",
		"PATH");
	for (size_t i = 0; i < n; i++) {
		const lc_fileinfo *fi = lc__fileidx_get(r->files, i);
		char mode[16], ug[48];
		char *path, *link;
		if (!fi || is_marker(fi))
			continue;
		fmt_mode(mode, fi->type, fi->mode);
		snprintf(ug, sizeof(ug), "%u:%u", (unsigned)fi->uid, (unsigned)fi->gid);
		path = lc__escape_str(fi->path ? fi->path : "");
		link = lc__escape_str(fi->link);
		fprintf(t->out, "%-10s  %-*s  %*lld  %-5d  %s", mode, wid, ug, wsz,
			(long long)fi->size, fi->layer, path ? path : "?");
		if (link)
			fprintf(t->out, " -> %s", link);
		if (fi->removed_in >= 0)
			fprintf(t->out, "  (removed in layer %d)", fi->removed_in);
		fputc('\n', t->out);
		free(path);
		free(link);
	}
}

static void print_summary(tbl *t, const lc_report *r)
{
	size_t count[LC_SEV_CRITICAL + 1] = {0};
	bool first = true;

	for (size_t i = 0; i < r->nfindings; i++) {
		unsigned s = (unsigned)r->findings[i].severity;
		count[s > LC_SEV_CRITICAL ? LC_SEV_UNKNOWN : s]++;
	}
	fputc('\n', t->out);
	/* inspect runs no detector: counting its findings would suggest it looked */
	if (r->scanners && r->scanners[0]) {
		fprintf(t->out, "%zu finding%s", r->nfindings, r->nfindings == 1 ? "" : "s");
		/* only the severities present: the line stays short enough for a terminal */
		for (int s = LC_SEV_CRITICAL; s >= LC_SEV_UNKNOWN; s--) {
			const char *name = lc__report_severity_label((lc_severity)s);
			if (!count[s])
				continue;
			fputs(first ? " (" : ", ", t->out);
			first = false;
			if (t->color)
				fprintf(t->out, "%s%zu %s\033[0m", sev_color((lc_severity)s), count[s],
					name);
			else
				fprintf(t->out, "%zu %s", count[s], name);
		}
		fputs(first ? "; " : "); ", t->out);
	} else if (r->nfindings > 0) {
		fprintf(t->out, "%zu finding%s; ", r->nfindings, r->nfindings == 1 ? "" : "s");
	}
	fprintf(t->out, "%zu warning%s, %zu error%s; complete: %s\n", r->warnings.n,
		r->warnings.n == 1 ? "" : "s", r->errors.n, r->errors.n == 1 ? "" : "s",
		r->complete ? "yes" : "no");
}

static size_t term_width(FILE *out)
{
	struct winsize ws;
	size_t w = 120;
	if (ioctl(fileno(out), TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 40)
		w = ws.ws_col;
	return w;
}

lc_code lc__report_write_table(lc_report *r, FILE *out, unsigned flags)
{
	lc_code rc = LC_OK;
	tbl t = {.out = out, .color = (flags & LC_OUT_COLOR) != 0};
	bool ran = r->scanners && r->scanners[0];
	json_t *img;

	t.tty = isatty(fileno(out)) == 1;
	t.width = t.tty ? term_width(out) : 0;
	img = lc__report_image(r);
	if (img)
		print_image(&t, img);
	if (flags & LC_OUT_FILES)
		print_files(&t, r);
	/* inspect runs no detector: a "Findings: none" line would suggest it looked. */
	if (ran || r->nfindings > 0)
		rc = print_findings(&t, r);
	print_diags(&t, "Warnings", &r->warnings);
	print_diags(&t, "Errors", &r->errors);
	print_summary(&t, r);
	if (fflush(out) != 0 || ferror(out))
		rc = LC_EINTERNAL;
	if (rc != LC_OK && r->ctx)
		lc__fail(r->ctx, rc, "cannot write the table report");
	if (img)
		json_decref(img);
	return rc;
}
