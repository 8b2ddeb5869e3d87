/*
 * cli.h - what the CLI's subcommand files share: option parsing into one struct,
 * report output (stdout or an atomically replaced file), escaped error messages.
 * The CLI sees the library only through laocoon.h.
 */
#ifndef LC_CLI_H
#define LC_CLI_H

#include "laocoon.h"

#include <stdbool.h>
#include <stdio.h>

/* Subcommands; each takes argv with argv[0] = the command's name. */
int cli_cmd_scan(int argc, char **argv);
int cli_cmd_inspect(int argc, char **argv);
int cli_cmd_detectors(int argc, char **argv);
int cli_cmd_limits(int argc, char **argv);
int cli_cmd_version(int argc, char **argv);
int cli_cmd_help(int argc, char **argv);
int cli_cmd_name(int argc, char **argv);  /* cmd_name.c */
int cli_cmd_cache(int argc, char **argv); /* cmd_cache.c */

/* Help text (cmd_help.c): the general usage, or one command's; 0 when unknown. */
void cli_usage(FILE *out);
int cli_command_help(const char *cmd, FILE *out);
/* One line: "usage: laocoon scan [OPTIONS] IMAGE"; NULL when unknown. */
const char *cli_command_synopsis(const char *cmd);

/* Which options a command accepts (bit set). */
#define CLI_O_OUTPUT 0x1u  /* --format, --output */
#define CLI_O_SCAN 0x2u    /* every lc_ctx option, --limit, --fail-on */
#define CLI_O_FILES 0x4u   /* --files (inspect) */

#define CLI_MAX_POSITIONAL 4
#define CLI_MAX_SETTINGS 256 /* --limit and context options given on one command line */

typedef struct cli_setting {
	const char *name; /* library name (lc_ctx_set_option) or limit name */
	const char *value;
	bool is_limit;
} cli_setting;

typedef struct cli_args {
	const char *cmd;
	const char *format; /* NULL = table */
	const char *output; /* NULL = stdout */
	int fail_on;        /* -1 = never */
	bool files;
	bool help;
	const char *pos[CLI_MAX_POSITIONAL];
	int npos;
	cli_setting settings[CLI_MAX_SETTINGS];
	int nsettings;
} cli_args;

/*
 * Parse argv (argv[0] = command) accepting the options in `accept`. Options may come
 * before or after positionals; "--" ends them; "--name=value" and "--name value".
 * Returns 0, or LC_EUSAGE after printing why and the command's usage to stderr.
 */
int cli_parse(int argc, char **argv, unsigned accept, cli_args *a);

/* Apply the settings to a context; LC_EUSAGE (message printed) on a bad one. */
int cli_apply(lc_ctx *ctx, const cli_args *a);

/* Reject an unknown --format before any work; prints the error. */
int cli_check_format(const char *format);

/*
 * Report output: stdout, or a temporary file next to --output that cli_out_commit
 * renames into place, so a reader never sees half a report and a failure leaves the
 * old file untouched.
 */
typedef struct cli_out {
	FILE *f;
	char *tmp;          /* temporary path, NULL for stdout */
	const char *target; /* --output */
} cli_out;
int cli_out_open(cli_out *o, const char *path);
int cli_out_commit(cli_out *o); /* LC_OK or LC_EINTERNAL (message printed) */
void cli_out_abort(cli_out *o);
/* Whether the table may use color: a terminal and NO_COLOR unset. */
bool cli_out_color(const cli_out *o);

/* "laocoon: <message>" on stderr, with control characters and invalid UTF-8 escaped. */
void cli_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* scan and inspect: open the image, scan, write the report; returns the exit code. */
int cli_run_scan(const cli_args *a, unsigned scan_flags, unsigned out_flags);

/* Minimal JSON string writer for the listings (detectors, limits). */
void cli_json_str(FILE *out, const char *s);
/* detectors/limits: parse, pick table or json, write to --output. */
int cli_run_listing(int argc, char **argv, const char *cmd, void (*table)(FILE *),
		    void (*json)(FILE *));

#endif
