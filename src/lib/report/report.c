/*
 * report.c - the report handle's public face: counting, the exit-code gate, freeing,
 * the report for an image that could not be opened, and the table of output formats
 * that lc_report_write dispatches through (sarif, cyclonedx join it later).
 */
#include "lc_private.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct report_format {
	const char *name;
	lc_code (*write)(lc_report *r, FILE *out, unsigned flags);
} report_format;

static const report_format formats[] = {
	{"table", lc__report_write_table},
	{"json", lc__report_write_json},
};

const char *lc__report_severity_label(lc_severity s)
{
	/* Spelled here, not through lc_severity_name, because the schema pins these
	 * exact upper-case strings whatever the display name becomes. */
	static const char *const names[] = {"UNKNOWN", "INFO", "LOW", "MEDIUM", "HIGH",
					    "CRITICAL"};
	return (unsigned)s > LC_SEV_CRITICAL ? "UNKNOWN" : names[s];
}

char *lc__escape_str(const char *s)
{
	return s ? lc__escape(s, strlen(s)) : NULL;
}

/* Does an ENV name say its value is a credential? Substrings, case-insensitive:
 * AWS_SECRET_ACCESS_KEY, GITHUB_TOKEN, DB_PASSWORD, NPM_AUTH ... */
static bool env_name_secret(const char *name, size_t n)
{
	static const char *const words[] = {"PASSWORD", "PASSWD", "PASS", "SECRET", "TOKEN",
					    "APIKEY", "API_KEY", "ACCESS_KEY", "PRIVATE_KEY",
					    "CREDENTIAL", "AUTH"};
	bool hit = false;

	for (size_t w = 0; w < sizeof(words) / sizeof(words[0]) && !hit; w++) {
		size_t wl = strlen(words[w]);
		for (size_t i = 0; i + wl <= n && !hit; i++)
			hit = strncasecmp(name + i, words[w], wl) == 0;
	}
	return hit;
}

/* Redact the values of credential-looking ENV entries in place (already escaped). */
static void env_redact(json_t *env)
{
	size_t i;
	json_t *el;

	json_array_foreach(env, i, el)
	{
		const char *kv = json_string_value(el);
		const char *eq = kv ? strchr(kv, '=') : NULL;
		size_t vlen, keep;
		char *red;

		if (!eq || !env_name_secret(kv, (size_t)(eq - kv)))
			continue;
		vlen = strlen(eq + 1);
		/* as lc__redact: four characters say what kind of token it is */
		keep = vlen > 8 ? 4 : 0;
		if (vlen == 0)
			continue;
		red = malloc((size_t)(eq - kv) + 1 + keep + 5);
		if (!red)
			continue;
		memcpy(red, kv, (size_t)(eq - kv) + 1 + keep);
		memcpy(red + (eq - kv) + 1 + keep, "****", 5);
		json_string_set(el, red);
		free(red);
	}
}

static bool report_ok(const lc_report *r);

json_t *lc__report_image(const lc_report *r)
{
	json_t *img = NULL;
	bool show = false;

	if (!report_ok(r) || !json_is_object(r->image)) {
		img = json_pack("{s:s}", "reference", "");
		goto out;
	}
	img = lc__json_escape(r->image);
	if (r->ctx && r->ctx->magic == LC_MAGIC_CTX)
		show = r->ctx->show_secrets;
	/* The secret detectors report these with redacted evidence; the image summary
	 * must not print in clear what the findings took care to hide. */
	if (img && !show)
		env_redact(json_object_get(json_object_get(img, "config"), "env"));
out:
	return img;
}

static bool report_ok(const lc_report *r)
{
	return r && r->magic == LC_MAGIC_REPORT;
}

size_t lc_report_finding_count(const lc_report *r)
{
	return report_ok(r) ? r->nfindings : 0;
}

lc_severity lc_report_max_severity(const lc_report *r)
{
	lc_severity max = LC_SEV_UNKNOWN;

	if (!report_ok(r))
		goto out;
	for (size_t i = 0; i < r->nfindings; i++)
		if (r->findings[i].severity > max)
			max = r->findings[i].severity;
out:
	return max;
}

int lc_report_complete(const lc_report *r)
{
	return report_ok(r) && r->complete ? 1 : 0;
}

lc_code lc_report_exit_code(const lc_report *r, int fail_on)
{
	lc_code rc = LC_OK;

	if (!report_ok(r)) {
		rc = LC_EINTERNAL;
		goto out;
	}
	/* An error says the report cannot be trusted to be whole: it wins over the
	 * findings gate, so a CI job never passes or fails on half a scan. */
	if (r->code != LC_OK && r->code != LC_FINDINGS) {
		rc = r->code;
		goto out;
	}
	if (fail_on < 0)
		goto out;
	for (size_t i = 0; i < r->nfindings; i++) {
		if ((int)r->findings[i].severity >= fail_on) {
			rc = LC_FINDINGS;
			break;
		}
	}
out:
	return rc;
}

static const report_format *format_find(const char *name)
{
	const report_format *f = NULL;

	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		if (strcasecmp(formats[i].name, name) == 0) {
			f = &formats[i];
			break;
		}
	}
	return f;
}

/*
 * The format is checked before the handle, on purpose: lc_report_write(NULL, fmt,
 * NULL, 0) answers LC_EUSAGE for an unknown format and LC_EINTERNAL otherwise, which
 * lets the CLI reject a bad --format before spending a scan on it.
 */
lc_code lc_report_write(lc_report *r, const char *format, FILE *out, unsigned flags)
{
	const report_format *f;
	lc_code rc;

	f = format_find(format ? format : "table");
	if (!f) {
		rc = LC_EUSAGE;
		if (report_ok(r) && r->ctx) {
			char *esc = lc__escape_str(format);
			rc = lc__fail(r->ctx, LC_EUSAGE, "unknown format '%s' (known: table, json)",
				      esc ? esc : "?");
			free(esc);
		}
		goto out;
	}
	if (!report_ok(r) || !out) {
		rc = LC_EINTERNAL;
		goto out;
	}
	rc = f->write(r, out, flags);
out:
	return rc;
}

/* Stable dotted codes for an error that stopped the scan before any layer: all under
 * "image." since the image could not even be opened. */
static const char *error_code_name(lc_code code)
{
	switch (code) {
	case LC_EUSAGE:
		return "image.usage";
	case LC_EIMAGE:
		return "image.invalid";
	case LC_EINTEGRITY:
		return "image.integrity";
	case LC_EINCOMPLETE:
		return "image.incomplete";
	default:
		return "image.internal";
	}
}

static const char *error_default_message(lc_code code)
{
	switch (code) {
	case LC_EUSAGE:
		return "bad reference or option";
	case LC_EIMAGE:
		return "unreadable or invalid image";
	case LC_EINTEGRITY:
		return "a digest did not match";
	case LC_EINCOMPLETE:
		return "a time or memory bound ended the scan";
	default:
		return "internal error";
	}
}

lc_report *lc_report_for_error(lc_ctx *ctx, const char *reference, lc_code code)
{
	lc_report *r = NULL;
	char *ref = NULL;
	const char *msg = NULL;
	bool fail = true;

	r = calloc(1, sizeof(*r));
	if (!r)
		goto out;
	r->magic = LC_MAGIC_REPORT;
	r->ctx = ctx;
	/* A report for an error must never gate as success. */
	r->code = (code == LC_OK || code == LC_FINDINGS) ? LC_EINTERNAL : code;
	r->complete = false;
	r->scanners = calloc(1, sizeof(char *));
	r->image = json_object();
	ref = lc__escape_str(reference ? reference : "");
	if (!r->scanners || !r->image || !ref)
		goto out;
	if (json_object_set_new(r->image, "reference", json_string(ref)) != 0)
		goto out;
	if (ctx && ctx->magic == LC_MAGIC_CTX)
		msg = lc_ctx_errmsg(ctx);
	if (!msg || !*msg)
		msg = error_default_message(r->code);
	lc__diag_add(&r->errors, error_code_name(r->code), -1, NULL, "%s", msg);
	if (r->errors.n == 0)
		goto out;
	fail = false;
out:
	free(ref);
	if (fail && r) {
		lc_report_free(r);
		r = NULL;
	}
	return r;
}

void lc_report_free(lc_report *r)
{
	if (!report_ok(r))
		return;
	for (size_t i = 0; i < r->nfindings; i++)
		lc__finding_release(&r->findings[i]);
	free(r->findings);
	lc__diag_list_free(&r->warnings);
	lc__diag_list_free(&r->errors);
	if (r->image)
		json_decref(r->image);
	if (r->files)
		lc__fileidx_free(r->files);
	if (r->scanners) {
		for (size_t i = 0; r->scanners[i]; i++)
			free(r->scanners[i]);
		free(r->scanners);
	}
	/* Poison the magic so a second free or a use after free is refused. */
	r->magic = 0;
	free(r);
}
