/* fuzz_name.c - image-name analysis (`laocoon name`, the name detector): Docker reference
 * parsing and normalisation, the lookalike judge (distance, homoglyphs, namespace and
 * registry impersonation) and the distance explainer. Input: the reference on the first
 * line, then --trusted entries one a line. Properties: a parsed name formats to a
 * reference that parses again to the same name; verdict texts are NUL-terminated in
 * their buffers; the distance is symmetric. */
#include "fuzz_common.h"

static lc_code on_verdict(void *ud, const lc_nameref *r, const lc_name_verdict *v)
{
	int *n = ud;
	FUZZ_ASSERT(r && v && v->rule_id && v->technique);
	FUZZ_ASSERT(memchr(v->imitates, 0, sizeof(v->imitates)) && memchr(v->edit, 0, sizeof(v->edit)));
	FUZZ_ASSERT(memchr(v->title, 0, sizeof(v->title)) &&
		    memchr(v->description, 0, sizeof(v->description)));
	FUZZ_ASSERT(v->severity >= LC_SEV_INFO && v->severity <= LC_SEV_CRITICAL);
	json_t *d = lc__name_details(r, v, "fuzz");
	json_decref(d);
	return ++*n > 64 ? LC_EUSAGE : LC_OK; /* fn's own error stops the judgement */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_strdup(data, size), *ref, *nl, err[256], buf[4 * LC_NAME_MAX];
	lc_strlist trusted = {0};
	lc_nameref r, r2;
	int n = 0;
	if (!text)
		return 0;
	ref = text;
	nl = strchr(text, '\n');
	if (nl) {
		*nl = 0;
		for (char *t = nl + 1; *t && trusted.n < 16;) {
			char *e = strchr(t, '\n');
			if (e)
				*e = 0;
			lc__strlist_add(&trusted, t);
			if (!e)
				break;
			t = e + 1;
		}
	}
	if (lc__name_parse(ref, &r, err, sizeof(err)) == LC_OK) {
		lc__name_format(&r, buf, sizeof(buf));
		FUZZ_ASSERT(strlen(buf) < sizeof(buf));
		/* what we print must read back as the same name */
		if (lc__name_parse(buf, &r2, err, sizeof(err)) == LC_OK) {
			FUZZ_ASSERT(!strcmp(r.host, r2.host) && !strcmp(r.path, r2.path));
			FUZZ_ASSERT(!strcmp(r.tag, r2.tag) && !strcmp(r.digest, r2.digest));
		}
		int d1 = lc__name_distance(r.repo, r.ns, 3), d2 = lc__name_distance(r.ns, r.repo, 3);
		FUZZ_ASSERT(d1 == d2 && d1 >= 0 && d1 <= 4);
		(void)lc__name_distance_explain(r.repo, r.ns, buf, sizeof(buf));
		FUZZ_ASSERT(memchr(buf, 0, sizeof(buf)));
	}
	(void)lc__name_judge(&trusted, ref, on_verdict, &n, err, sizeof(err));
	/* the same through the public call, as `laocoon name` runs it */
	{
		lc_ctx *ctx = lc_ctx_new();
		lc_report *rep = NULL;
		for (size_t i = 0; ctx && i < trusted.n; i++)
			lc_ctx_set_option(ctx, "trusted", trusted.v[i]);
		if (ctx && lc_name_check(ctx, ref, &rep) == LC_OK) {
			(void)lc_report_exit_code(rep, LC_SEV_LOW);
			if (size & 1) { /* every writer escapes what the name holds */
				FILE *f = fopen("/dev/null", "w");
				if (f) {
					lc_report_write(rep, (size & 2) ? "json" : "table", f, 0);
					fclose(f);
				}
			}
		}
		lc_report_free(rep);
		lc_ctx_free(ctx);
	}
	lc__strlist_free(&trusted);
	free(text);
	return 0;
}
