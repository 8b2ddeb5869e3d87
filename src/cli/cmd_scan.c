/*
 * cmd_scan.c - `laocoon scan IMAGE`: every selected detector over every layer, one
 * report, and the exit-code gate. cli_run_scan is shared with inspect, which is the
 * same walk with no detectors.
 */
#include "cli.h"

#include <string.h>
#include <strings.h>

/* Write r into the already opened output; LC_OK or LC_EINTERNAL (message printed). */
static int write_report(lc_report *r, const cli_args *a, cli_out *o, unsigned out_flags)
{
	int rc;

	if (cli_out_color(o))
		out_flags |= LC_OUT_COLOR;
	rc = lc_report_write(r, a->format ? a->format : "table", o->f, out_flags);
	if (rc != LC_OK) {
		cli_err("cannot write the report");
		cli_out_abort(o);
		rc = LC_EINTERNAL;
		goto out;
	}
	rc = cli_out_commit(o);
out:
	return rc;
}

int cli_run_scan(const cli_args *a, unsigned scan_flags, unsigned out_flags)
{
	int rc, wrc;
	lc_ctx *ctx = NULL;
	lc_image *img = NULL;
	lc_report *r = NULL;
	const char *ref;
	cli_out o = {0};

	if (a->npos != 1) {
		cli_err("%s: %s", a->cmd, a->npos ? "only one IMAGE, please" : "IMAGE is missing");
		fprintf(stderr, "%s\n", cli_command_synopsis(a->cmd));
		rc = LC_EUSAGE;
		goto out;
	}
	ref = a->pos[0];
	rc = cli_check_format(a->format);
	if (rc != LC_OK)
		goto out;
	ctx = lc_ctx_new();
	if (!ctx) {
		cli_err("out of memory");
		rc = LC_EINTERNAL;
		goto out;
	}
	rc = cli_apply(ctx, a);
	if (rc != LC_OK)
		goto out;
	/* Opened before the scan: an unwritable --output should not cost a scan. */
	rc = cli_out_open(&o, a->output);
	if (rc != LC_OK)
		goto out;
	rc = lc_image_open(ctx, ref, &img);
	if (rc != LC_OK) {
		const char *msg = lc_ctx_errmsg(ctx);
		cli_err("%s", msg && *msg ? msg : "cannot open the image");
		if (rc == LC_FINDINGS)
			rc = LC_EINTERNAL; /* not a code lc_image_open may return */
		/* A pipeline that asked for a machine-readable report still gets one,
		 * carrying the error, so it need not parse stderr. A failed write is
		 * reported, but the open error stays the exit code. */
		if (a->output || (a->format && strcasecmp(a->format, "table") != 0)) {
			r = lc_report_for_error(ctx, ref, (lc_code)rc);
			if (r)
				(void)write_report(r, a, &o, out_flags);
		}
		goto out;
	}
	rc = lc_scan(ctx, img, scan_flags, &r);
	if (rc != LC_OK) {
		const char *msg = lc_ctx_errmsg(ctx);
		cli_err("%s", msg && *msg ? msg : "the scan failed");
	}
	if (!r) {
		if (rc == LC_OK || rc == LC_FINDINGS)
			rc = LC_EINTERNAL;
		goto out;
	}
	wrc = write_report(r, a, &o, out_flags);
	/* The scan's own error says more than a failed write; otherwise the gate. */
	if (rc == LC_OK || rc == LC_FINDINGS)
		rc = wrc != LC_OK ? wrc : (int)lc_report_exit_code(r, a->fail_on);
out:
	/* Whatever was not committed leaves no temporary file behind. */
	cli_out_abort(&o);
	lc_report_free(r);
	lc_image_free(img);
	lc_ctx_free(ctx);
	return rc;
}

int cli_cmd_scan(int argc, char **argv)
{
	cli_args a;
	int rc;

	rc = cli_parse(argc, argv, CLI_O_OUTPUT | CLI_O_SCAN, &a);
	if (rc != LC_OK)
		goto out;
	if (a.help) {
		cli_command_help("scan", stdout);
		goto out;
	}
	rc = cli_run_scan(&a, 0, 0);
out:
	return rc;
}
