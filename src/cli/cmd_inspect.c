/*
 * cmd_inspect.c - `laocoon inspect IMAGE [--files]`: what the image is (layers, sizes,
 * config, and with --files the merged tree with hidden files marked) without running
 * any detector; it still reads and verifies every layer.
 */
#include "cli.h"

int cli_cmd_inspect(int argc, char **argv)
{
	cli_args a;
	int rc;
	unsigned scan_flags = LC_SCAN_NO_DETECTORS, out_flags = 0;

	rc = cli_parse(argc, argv, CLI_O_OUTPUT | CLI_O_SCAN | CLI_O_FILES, &a);
	if (rc != LC_OK)
		goto out;
	if (a.help) {
		cli_command_help("inspect", stdout);
		goto out;
	}
	if (a.files) {
		scan_flags |= LC_SCAN_FILE_INDEX;
		out_flags |= LC_OUT_FILES;
	}
	rc = cli_run_scan(&a, scan_flags, out_flags);
out:
	return rc;
}
