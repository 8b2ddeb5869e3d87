/*
 * test_report_unit.c - escaping, the exit-code gate, severity names, format dispatch
 * and the JSON shape of a hand-built report (report/ module).
 */
#include "lc_private.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

static int esc_is(const char *in, size_t len, const char *want)
{
	char *got = lc__escape(in, len);
	int ok = got && strcmp(got, want) == 0;
	if (!ok)
		printf("# escape: got '%s', want '%s'\n", got ? got : "(null)", want);
	free(got);
	return ok;
}
#define ESC(in, want) esc_is(in, sizeof(in) - 1, want)

static void test_escape(void)
{
	TAP_OK(ESC("usr/bin/ls", "usr/bin/ls"), "plain ASCII kept");
	TAP_OK(ESC("a\\b", "a\\b"), "backslash kept (escaping is idempotent)");
	TAP_OK(ESC("\x1b[31mred\x1b[0m", "\\x1b[31mred\\x1b[0m"), "ESC sequences escaped");
	TAP_OK(ESC("a\tb\nc\r", "a\\x09b\\x0ac\\x0d"), "tab, newline, CR escaped");
	TAP_OK(ESC("x\x7fy", "x\\x7fy"), "DEL escaped");
	TAP_OK(ESC("a\0b", "a\\x00b"), "embedded NUL escaped");
	TAP_OK(ESC("caf\xc3\xa9", "caf\xc3\xa9"), "valid 2-byte UTF-8 kept");
	TAP_OK(ESC("\xe6\x97\xa5\xe6\x9c\xac", "\xe6\x97\xa5\xe6\x9c\xac"), "valid 3-byte UTF-8 kept");
	TAP_OK(ESC("\xf0\x9f\x90\x8d", "\xf0\x9f\x90\x8d"), "valid 4-byte UTF-8 kept");
	TAP_OK(ESC("\xff", "\\xff"), "invalid byte escaped");
	TAP_OK(ESC("\xff\xc3\xa9", "\\xff\xc3\xa9"), "valid char after a stray byte kept");
	TAP_OK(ESC("\xc2\x9b" "31m", "\\xc2\\x9b31m"), "C1 CSI (U+009B) escaped");
	TAP_OK(ESC("\xc2\x85", "\\xc2\\x85"), "C1 NEL escaped");
	TAP_OK(ESC("\x9b", "\\x9b"), "raw 8-bit CSI byte escaped");
	TAP_OK(ESC("\xc0\xaf", "\\xc0\\xaf"), "overlong encoding escaped");
	TAP_OK(ESC("\xe0\x80\xaf", "\\xe0\\x80\\xaf"), "3-byte overlong escaped");
	TAP_OK(ESC("\xed\xa0\x80", "\\xed\\xa0\\x80"), "UTF-16 surrogate escaped");
	TAP_OK(ESC("\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80"), "above U+10FFFF escaped");
	TAP_OK(ESC("ab\xe2\x82", "ab\\xe2\\x82"), "truncated sequence at the end escaped");
	TAP_OK(ESC("\xe2\x80\xae" "txt.exe", "\\xe2\\x80\\xaetxt.exe"), "bidi override escaped");
	TAP_OK(ESC("a\xe2\x80\xa8" "b", "a\\xe2\\x80\\xa8b"), "line separator escaped");
	TAP_OK(ESC("\xc2\xa0", "\xc2\xa0"), "U+00A0 (printable) kept");
	{
		const char *nasty = "\x1b]0;pwned\x07\xff\xc2\x9b\xe2\x80\xae";
		char *a = lc__escape(nasty, strlen(nasty));
		char *b = a ? lc__escape(a, strlen(a)) : NULL;
		TAP_OK(a && b && strcmp(a, b) == 0, "escape is idempotent");
		free(a);
		free(b);
	}
	{
		char *e = lc__escape("", 0);
		TAP_OK(e && e[0] == '\0', "empty string");
		free(e);
		TAP_OK(lc__escape(NULL, 3) == NULL && lc__escape_str(NULL) == NULL, "NULL stays NULL");
	}
}

/* A report built by hand; every string malloc'd as lc_report_free expects. */
static lc_report *report_with(lc_code code, const lc_severity *sev, size_t n)
{
	lc_report *r = calloc(1, sizeof(*r));
	r->magic = LC_MAGIC_REPORT;
	r->code = code;
	r->complete = code == LC_OK;
	r->image = json_pack("{s:s}", "reference", "oci:/x");
	r->scanners = calloc(2, sizeof(char *));
	r->scanners[0] = strdup("permissions");
	r->findings = calloc(n ? n : 1, sizeof(lc_finding));
	r->nfindings = r->capfindings = n;
	for (size_t i = 0; i < n; i++) {
		lc_finding *f = &r->findings[i];
		memset(f->id, 'a', 32);
		f->detector = strdup("permissions");
		f->rule_id = strdup("setuid-other");
		f->severity = sev[i];
		f->title = strdup("setuid binary");
		f->layer = -1;
		f->removed_in = -1;
		f->offset = -1;
	}
	return r;
}

static void test_exit_codes(void)
{
	lc_severity high[] = {LC_SEV_HIGH, LC_SEV_INFO};
	lc_severity info[] = {LC_SEV_INFO};
	lc_report *r;

	r = report_with(LC_OK, high, 2);
	TAP_OK(lc_report_exit_code(r, LC_SEV_HIGH) == LC_FINDINGS, "HIGH finding, --fail-on high -> 1");
	TAP_OK(lc_report_exit_code(r, LC_SEV_MEDIUM) == LC_FINDINGS, "--fail-on medium -> 1");
	TAP_OK(lc_report_exit_code(r, LC_SEV_CRITICAL) == LC_OK, "--fail-on critical -> 0");
	TAP_OK(lc_report_exit_code(r, -1) == LC_OK, "no --fail-on -> 0");
	TAP_OK(lc_report_finding_count(r) == 2, "finding count");
	TAP_OK(lc_report_max_severity(r) == LC_SEV_HIGH, "max severity");
	TAP_OK(lc_report_complete(r) == 1, "complete");
	lc_report_free(r);

	r = report_with(LC_OK, info, 1);
	TAP_OK(lc_report_exit_code(r, LC_SEV_UNKNOWN) == LC_FINDINGS, "--fail-on unknown: any finding");
	TAP_OK(lc_report_exit_code(r, LC_SEV_LOW) == LC_OK, "INFO below LOW -> 0");
	lc_report_free(r);

	for (lc_code c = LC_EIMAGE; c <= LC_EINCOMPLETE; c++) {
		r = report_with(c, high, 2);
		TAP_OK(lc_report_exit_code(r, LC_SEV_INFO) == c, "error %d wins over findings", c);
		TAP_OK(lc_report_exit_code(r, -1) == c, "error %d without --fail-on", c);
		TAP_OK(lc_report_complete(r) == 0, "error %d report incomplete", c);
		lc_report_free(r);
	}
	r = report_with(LC_OK, NULL, 0);
	TAP_OK(lc_report_exit_code(r, LC_SEV_UNKNOWN) == LC_OK, "no findings -> 0");
	TAP_OK(lc_report_max_severity(r) == LC_SEV_UNKNOWN, "max severity of nothing");
	lc_report_free(r);
	TAP_OK(lc_report_exit_code(NULL, 0) == LC_EINTERNAL, "NULL report -> 5");
	TAP_OK(lc_report_finding_count(NULL) == 0 && !lc_report_complete(NULL), "NULL report counts");
	{
		lc_report fake = {.magic = 42};
		TAP_OK(lc_report_exit_code(&fake, 0) == LC_EINTERNAL, "bad magic refused");
		lc_report_free(&fake); /* must not free a handle it does not recognise */
	}
}

static void test_severity(void)
{
	TAP_OK(lc_severity_parse("high") == LC_SEV_HIGH, "parse high");
	TAP_OK(lc_severity_parse("HiGh") == LC_SEV_HIGH, "parse HiGh");
	TAP_OK(lc_severity_parse("CRITICAL") == LC_SEV_CRITICAL, "parse CRITICAL");
	TAP_OK(lc_severity_parse("info") == LC_SEV_INFO, "parse info");
	TAP_OK(lc_severity_parse("unknown") == LC_SEV_UNKNOWN, "parse unknown");
	TAP_OK(lc_severity_parse("bogus") == -1 && lc_severity_parse("") == -1 &&
		       lc_severity_parse(NULL) == -1,
	       "bad names -> -1");
	TAP_OK(strcmp(lc__report_severity_label(LC_SEV_MEDIUM), "MEDIUM") == 0 &&
		       strcmp(lc__report_severity_label((lc_severity)99), "UNKNOWN") == 0,
	       "report labels");
}

static void test_formats(void)
{
	lc_severity high[] = {LC_SEV_HIGH};
	lc_report *r = report_with(LC_OK, high, 1);
	FILE *devnull = fopen("/dev/null", "w");

	TAP_OK(lc_report_write(r, "xml", devnull, 0) == LC_EUSAGE, "unknown format -> usage");
	TAP_OK(lc_report_write(NULL, "xml", NULL, 0) == LC_EUSAGE, "format checked first");
	TAP_OK(lc_report_write(NULL, "json", NULL, 0) == LC_EINTERNAL, "known format, no report");
	TAP_OK(lc_report_write(r, "json", devnull, 0) == LC_OK, "json");
	TAP_OK(lc_report_write(r, "JSON", devnull, 0) == LC_OK, "format names are case-insensitive");
	TAP_OK(lc_report_write(r, "table", devnull, LC_OUT_COLOR) == LC_OK, "table");
	TAP_OK(lc_report_write(r, NULL, devnull, 0) == LC_OK, "NULL format is table");
	fclose(devnull);
	lc_report_free(r);
}

static void test_json_shape(void)
{
	lc_severity sev[] = {LC_SEV_CRITICAL};
	lc_report *r = report_with(LC_OK, sev, 1);
	lc_finding *f = &r->findings[0];
	json_t *j, *jf;
	const char *key;
	json_t *v;
	static const char *const order[] = {"id", "detector", "rule_id", "severity", "title",
		"description", "source", "layer_index", "layer_diff_id", "removed_in_layer", "path",
		"line", "offset", "evidence", "details", "remediation"};
	size_t k = 0;
	bool in_order = true;

	f->layer = 1;
	f->removed_in = 3;
	f->path = strdup("etc/\x1b[2Jevil\xff");
	f->line = 7;
	f->details = json_pack("{s:s}", "k\x01", "v\x1b");
	json_object_set_new(r->image, "labels", json_pack("{s:s}", "a", "b"));
	j = lc__report_to_json(r, 0);
	TAP_OK(j != NULL, "report to json");
	jf = json_array_get(json_object_get(j, "findings"), 0);
	json_object_foreach(jf, key, v)
	{
		if (k >= sizeof(order) / sizeof(order[0]) || strcmp(key, order[k]) != 0)
			in_order = false;
		k++;
	}
	TAP_OK(in_order && k == 16, "finding keys in schema order");
	TAP_OK(strcmp(json_string_value(json_object_get(jf, "path")), "etc/\\x1b[2Jevil\\xff") == 0,
	       "path escaped in JSON");
	TAP_OK(json_integer_value(json_object_get(jf, "removed_in_layer")) == 3 &&
		       json_integer_value(json_object_get(jf, "layer_index")) == 1,
	       "layer and removed_in_layer");
	TAP_OK(json_is_null(json_object_get(jf, "offset")) &&
		       json_integer_value(json_object_get(jf, "line")) == 7,
	       "offset null, line 7");
	TAP_OK(json_string_value(json_object_get(json_object_get(jf, "details"), "k\\x01")) &&
		       strcmp(json_string_value(json_object_get(json_object_get(jf, "details"),
								"k\\x01")),
			      "v\\x1b") == 0,
	       "details keys and values escaped");
	TAP_OK(strcmp(json_string_value(json_object_get(jf, "severity")), "CRITICAL") == 0,
	       "severity label");
	TAP_OK(json_integer_value(json_object_get(json_object_get(j, "summary"), "CRITICAL")) == 1 &&
		       json_integer_value(json_object_get(json_object_get(j, "summary"), "total")) == 1,
	       "summary counts");
	TAP_OK(json_object_get(j, "files") == NULL, "no files without LC_OUT_FILES");
	json_decref(j);
	{
		/* the streamed file list, with no index at all: still one valid document */
		FILE *tf = tmpfile();
		json_error_t err;
		TAP_OK(tf && lc_report_write(r, "json", tf, LC_OUT_FILES) == LC_OK, "json with files");
		rewind(tf);
		j = json_loadf(tf, 0, &err);
		TAP_OK(j && json_is_array(json_object_get(j, "files")) &&
			       json_array_size(json_object_get(j, "files")) == 0 &&
			       json_array_size(json_object_get(j, "findings")) == 1,
		       "streamed files list parses (%s)", j ? "ok" : err.text);
		json_decref(j);
		fclose(tf);
	}
	lc_report_free(r);
}

static void test_for_error(void)
{
	lc_ctx *ctx = lc_ctx_new();
	lc_report *r;
	json_t *j;

	lc__fail(ctx, LC_EIMAGE, "no such image: /nope");
	r = lc_report_for_error(ctx, "oci:/nope\x1b", LC_EIMAGE);
	TAP_OK(r != NULL, "report for error");
	TAP_OK(lc_report_exit_code(r, -1) == LC_EIMAGE && !lc_report_complete(r), "carries the code");
	j = lc__report_to_json(r, 0);
	TAP_OK(j && json_is_false(json_object_get(j, "complete")), "complete false");
	TAP_OK(j && strcmp(json_string_value(json_object_get(json_object_get(j, "image"),
							      "reference")),
			   "oci:/nope\\x1b") == 0,
	       "reference escaped");
	{
		json_t *e = json_array_get(json_object_get(j, "errors"), 0);
		TAP_OK(e && strcmp(json_string_value(json_object_get(e, "code")), "image.invalid") == 0 &&
			       strstr(json_string_value(json_object_get(e, "message")), "/nope"),
		       "error code and message");
	}
	json_decref(j);
	lc_report_free(r);

	/* ENV credentials: redacted in the image summary unless show-secrets. */
	r = lc_report_for_error(ctx, "x", LC_EIMAGE);
	json_object_set_new(r->image, "config",
			    json_pack("{s:[s,s]}", "env", "GITHUB_TOKEN=ghp_0123456789abcdef", "HOME=/root"));
	j = lc__report_image(r);
	TAP_OK(j && strcmp(json_string_value(json_array_get(
				   json_object_get(json_object_get(j, "config"), "env"), 0)),
			   "GITHUB_TOKEN=ghp_****") == 0,
	       "credential ENV value redacted");
	TAP_OK(j && strcmp(json_string_value(json_array_get(
				   json_object_get(json_object_get(j, "config"), "env"), 1)),
			   "HOME=/root") == 0,
	       "other ENV kept");
	json_decref(j);
	lc_ctx_set_option(ctx, "show-secrets", "1");
	j = lc__report_image(r);
	TAP_OK(j && strcmp(json_string_value(json_array_get(
				   json_object_get(json_object_get(j, "config"), "env"), 0)),
			   "GITHUB_TOKEN=ghp_0123456789abcdef") == 0,
	       "--show-secrets shows it");
	json_decref(j);
	lc_report_free(r);

	r = lc_report_for_error(NULL, NULL, LC_OK);
	TAP_OK(r && lc_report_exit_code(r, -1) == LC_EINTERNAL, "an error report never gates as OK");
	lc_report_free(r);
	lc_ctx_free(ctx);
}

int main(void)
{
	test_escape();
	test_exit_codes();
	test_severity();
	test_formats();
	test_json_shape();
	test_for_error();
	return tap_done();
}
