/*
 * diag.c - warnings and errors with stable dotted codes, and the names of the enums
 * that outputs print (severity, source kind, file type).
 */
#include "lc_private.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* A diagnostic list never grows without bound: past this, one summary line says so. */
#define DIAG_MAX 10000

void lc__diag_add(lc_diag_list *l, const char *code, int layer, const char *path,
		  const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	if (!l)
		return;
	if (l->n >= DIAG_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		lc_diag *v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return;
		l->v = v;
		l->cap = cap;
	}
	lc_diag *d = &l->v[l->n];
	d->code = strdup(code ? code : "unknown");
	d->message = strdup(msg);
	d->layer = layer;
	d->path = path ? strdup(path) : NULL;
	if (!d->code || !d->message) {
		free(d->code);
		free(d->message);
		free(d->path);
		return;
	}
	l->n++;
	if (l->n == DIAG_MAX) {
		/* Say once that the rest was dropped, keeping the list bounded. */
		lc__diag_add(l, "report.too_many_diagnostics", -1, NULL,
			     "more than %d diagnostics; the rest are not listed", DIAG_MAX);
	}
}

/* Moves every diagnostic of src to the end of dst (src is left empty). */
void lc__diag_move(lc_diag_list *dst, lc_diag_list *src)
{
	for (size_t i = 0; i < src->n; i++) {
		lc_diag *d = &src->v[i];
		lc__diag_add(dst, d->code, d->layer, d->path, "%s", d->message);
	}
	lc__diag_list_free(src);
}

void lc__diag_list_free(lc_diag_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].code);
		free(l->v[i].message);
		free(l->v[i].path);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static const char *const sev_names[] = {"UNKNOWN", "INFO", "LOW", "MEDIUM", "HIGH", "CRITICAL"};

const char *lc_severity_name(lc_severity s)
{
	if ((unsigned)s > LC_SEV_CRITICAL)
		return "UNKNOWN";
	return sev_names[s];
}

int lc_severity_parse(const char *name)
{
	if (!name)
		return -1;
	for (int i = 0; i <= LC_SEV_CRITICAL; i++)
		if (strcasecmp(name, sev_names[i]) == 0)
			return i;
	return -1;
}

const char *lc__source_kind_name(lc_source_kind k)
{
	static const char *const names[] = {"file",  "config",  "history", "name",
					    "image", "package", "runtime"};
	if ((unsigned)k > LC_SRC_RUNTIME)
		return "file";
	return names[k];
}

const char *lc__ftype_name(lc_ftype t)
{
	static const char *const names[] = {"file", "dir",  "symlink",  "hardlink",
					    "char", "block", "fifo", "socket",
					    "whiteout", "opaque", "other"};
	if ((unsigned)t > LC_FT_OTHER)
		return "other";
	return names[t];
}
