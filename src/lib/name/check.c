/*
 * check.c - lc_name_check: judge an image name without pulling anything, for admission
 * checks and shells. The verdicts become a report like any scan's (source "name"), so
 * every output format and the exit-code gate work on it unchanged.
 */
#include "lc_private.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>

typedef struct check_state {
	lc_report *rep;
	const char *ref; /* as the user gave it */
	lc_code rc;
} check_state;


/* The details every name finding carries, for programs reading the JSON. */
json_t *lc__name_details(const lc_nameref *r, const lc_name_verdict *v, const char *name)
{
	char norm[LC_NAME_MAX * 4];
	lc__name_format(r, norm, sizeof(norm));
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "name", name, "normalized", norm,
			 "registry", r->host, "repository", r->path, "imitates", v->imitates,
			 "technique", v->technique ? v->technique : "", "edit", v->edit);
}

static lc_code on_verdict(void *ud, const lc_nameref *r, const lc_name_verdict *v)
{
	check_state *st = ud;
	lc_report *rep = st->rep;
	lc_finding f;
	lc_code rc = LC_OK;

	memset(&f, 0, sizeof(f));
	if (rep->nfindings == rep->capfindings) {
		/* A name gets a handful of verdicts; the ceiling is the findings limit. */
		size_t cap = rep->capfindings ? rep->capfindings * 2 : 4;
		if ((int64_t)rep->nfindings >= lc__limit(rep->ctx, LC_LIM_FINDINGS))
			goto out;
		lc_finding *nv = realloc(rep->findings, cap * sizeof(*nv));
		if (!nv) {
			rc = LC_EINTERNAL;
			goto out;
		}
		rep->findings = nv;
		rep->capfindings = cap;
	}
	f.layer = -1;
	f.removed_in = -1;
	f.offset = -1;
	f.source = LC_SRC_NAME;
	f.severity = v->severity;
	f.detector = strdup("name");
	f.rule_id = strdup(v->rule_id);
	f.title = strdup(v->title);
	f.description = strdup(v->description);
	f.path = strdup(st->ref);
	f.evidence = strdup(st->ref);
	f.remediation = strdup(v->severity >= LC_SEV_LOW
				       ? "Check the exact name of the image you meant; pin it by digest "
					 "and allow only trusted namespaces (--trusted)."
				       : "Move to the maintained successor of the retired image.");
	f.details = lc__name_details(r, v, st->ref);
	if (!f.detector || !f.rule_id || !f.title || !f.description || !f.path || !f.evidence ||
	    !f.remediation || !f.details) {
		rc = LC_EINTERNAL;
		goto out;
	}
	lc__finding_id(&f);
	rep->findings[rep->nfindings++] = f;
	memset(&f, 0, sizeof(f));
out:
	lc__finding_release(&f);
	return rc;
}

static int by_severity(const void *a, const void *b)
{
	const lc_finding *x = a, *y = b;
	return x->severity != y->severity ? (x->severity > y->severity ? -1 : 1)
					  : strcmp(x->rule_id, y->rule_id);
}

lc_code lc_name_check(lc_ctx *ctx, const char *ref, lc_report **out)
{
	lc_code rc = LC_OK;
	lc_report *rep = NULL;
	check_state st;
	char err[512] = "", norm[LC_NAME_MAX * 4];
	char *esc = NULL;
	lc_nameref r;

	if (out)
		*out = NULL;
	if (!ctx || ctx->magic != LC_MAGIC_CTX || !out) {
		rc = LC_EINTERNAL;
		goto out;
	}
	if (!ref || lc__name_parse(ref, &r, err, sizeof(err)) != LC_OK) {
		esc = lc__escape_str(ref ? ref : "");
		rc = lc__fail(ctx, LC_EUSAGE, "not an image name '%s': %s", esc ? esc : "?", err);
		goto out;
	}
	rep = calloc(1, sizeof(*rep));
	if (!rep) {
		rc = LC_EINTERNAL;
		goto out;
	}
	rep->magic = LC_MAGIC_REPORT;
	rep->ctx = ctx;
	rep->complete = true;
	rep->scanners = calloc(2, sizeof(char *));
	if (rep->scanners)
		rep->scanners[0] = strdup("name");
	lc__name_format(&r, norm, sizeof(norm));
	rep->image = json_pack("{s:s, s:[s]}", "reference", ref, "names", norm);
	if (!rep->scanners || !rep->scanners[0] || !rep->image) {
		rc = lc__fail(ctx, LC_EINTERNAL, "out of memory");
		goto out;
	}
	st = (check_state){rep, ref, LC_OK};
	rc = lc__name_judge(&ctx->trusted, ref, on_verdict, &st, err, sizeof(err));
	if (rc != LC_OK) {
		lc__fail(ctx, rc, "name check of '%s' failed: %s", ref, err[0] ? err : "error");
		goto out;
	}
	if (rep->nfindings > 1)
		qsort(rep->findings, rep->nfindings, sizeof(*rep->findings), by_severity);
	*out = rep;
	rep = NULL;
out:
	lc_report_free(rep);
	free(esc);
	return rc;
}
