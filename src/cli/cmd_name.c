/*
 * cmd_name.c - `laocoon name REF [--trusted NS_OR_REGISTRY]...`: judge an image name
 * without pulling anything, for admission checks and shells. Exit 1 when the name is a
 * lookalike, 0 otherwise, 2 on usage errors; the report goes through the same writers
 * (--format, --output) as every other command's.
 */
#include "cli.h"

#include <string.h>

/* Of the context options only --trusted means something to a name. */
static int only_trusted(const cli_args *a)
{
	int rc = LC_OK;

	for (int i = 0; i < a->nsettings; i++) {
		const cli_setting *s = &a->settings[i];
		if (s->is_limit || strcmp(s->name, "trusted") != 0) {
			cli_err("name: unknown option '--%s'", s->is_limit ? "limit" : s->name);
			fprintf(stderr, "%s\n", cli_command_synopsis("name"));
			rc = LC_EUSAGE;
			break;
		}
	}
	if (rc == LC_OK && a->fail_on >= 0) {
		cli_err("name: unknown option '--fail-on'");
		rc = LC_EUSAGE;
	}
	return rc;
}

int cli_cmd_name(int argc, char **argv)
{
	int rc;
	cli_args a;
	lc_ctx *ctx = NULL;
	lc_report *r = NULL;
	cli_out o = {0};

	rc = cli_parse(argc, argv, CLI_O_OUTPUT | CLI_O_SCAN, &a);
	if (rc != LC_OK)
		goto out;
	if (a.help) {
		cli_command_help("name", stdout);
		goto out;
	}
	if (a.npos != 1) {
		cli_err("name: %s", a.npos ? "only one REF, please" : "REF is missing");
		fprintf(stderr, "%s\n", cli_command_synopsis("name"));
		rc = LC_EUSAGE;
		goto out;
	}
	rc = only_trusted(&a);
	if (rc != LC_OK)
		goto out;
	rc = cli_check_format(a.format);
	if (rc != LC_OK)
		goto out;
	ctx = lc_ctx_new();
	if (!ctx) {
		cli_err("out of memory");
		rc = LC_EINTERNAL;
		goto out;
	}
	rc = cli_apply(ctx, &a);
	if (rc != LC_OK)
		goto out;
	rc = lc_name_check(ctx, a.pos[0], &r);
	if (rc != LC_OK) {
		cli_err("%s", lc_ctx_errmsg(ctx));
		goto out;
	}
	rc = cli_out_open(&o, a.output);
	if (rc != LC_OK)
		goto out;
	rc = lc_report_write(r, a.format ? a.format : "table", o.f,
			     cli_out_color(&o) ? LC_OUT_COLOR : 0);
	if (rc != LC_OK) {
		cli_err("cannot write the report");
		cli_out_abort(&o);
		rc = LC_EINTERNAL;
		goto out;
	}
	rc = cli_out_commit(&o);
	if (rc != LC_OK)
		goto out;
	/* A lookalike is any finding at LOW or above; a retired official name is INFO. */
	rc = lc_report_exit_code(r, LC_SEV_LOW);
out:
	lc_report_free(r);
	lc_ctx_free(ctx);
	return rc;
}
