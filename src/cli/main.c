/*
 * main.c - the laocoon command: finds the subcommand in one table and hands it argv
 * from the command's name on. Exit codes are the library's lc_code values.
 */
#include "cli.h"

#include <string.h>

typedef struct command {
	const char *name;
	int (*run)(int argc, char **argv);
} command;

static const command commands[] = {
	{"scan", cli_cmd_scan},           {"inspect", cli_cmd_inspect},
	{"name", cli_cmd_name},           {"detectors", cli_cmd_detectors},
	{"limits", cli_cmd_limits},       {"version", cli_cmd_version},
	{"cache", cli_cmd_cache},         {"help", cli_cmd_help},
};

int main(int argc, char **argv)
{
	int rc = LC_OK;
	const command *c = NULL;

	if (argc < 2) {
		cli_usage(stderr);
		rc = LC_EUSAGE;
		goto out;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		cli_usage(stdout);
		goto out;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		rc = cli_cmd_version(1, argv + 1);
		goto out;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(commands[i].name, argv[1]) == 0) {
			c = &commands[i];
			break;
		}
	}
	if (!c) {
		cli_err("unknown command '%s'", argv[1]);
		fputs("Run 'laocoon --help' for the list of commands.\n", stderr);
		rc = LC_EUSAGE;
		goto out;
	}
	rc = c->run(argc - 1, argv + 1);
out:
	/* stdout may be a closed pipe or a full disk: a report that did not get out is
	 * not a success. */
	if (fflush(stdout) != 0 && rc == LC_OK)
		rc = LC_EINTERNAL;
	return rc;
}
