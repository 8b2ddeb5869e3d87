/*
 * cmd_version.c - `laocoon version`: the tool's version and the report schema version
 * it writes, so a consumer can tell what to expect.
 */
#include "cli.h"

int cli_cmd_version(int argc, char **argv)
{
	cli_args a;
	int rc;

	rc = cli_parse(argc, argv, 0, &a);
	if (rc != LC_OK)
		goto out;
	if (a.help) {
		cli_command_help("version", stdout);
		goto out;
	}
	if (a.npos > 0) {
		cli_err("version: takes no arguments");
		rc = LC_EUSAGE;
		goto out;
	}
	printf("laocoon %s\nreport schema %s\n", LC_VERSION_STRING, LC_REPORT_SCHEMA_VERSION);
	if (fflush(stdout) != 0)
		rc = LC_EINTERNAL;
out:
	return rc;
}
