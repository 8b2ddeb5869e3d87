/*
 * cmd_limits.c - `laocoon limits`: every bound on hostile input, its default and what
 * it caps; `--limit NAME=VALUE` on scan and inspect changes one.
 */
#include "cli.h"

#include <inttypes.h>
#include <string.h>
#include <strings.h>

static void write_table(FILE *out)
{
	size_t n = lc_limit_count(), w = 4;

	for (size_t i = 0; i < n; i++)
		if (strlen(lc_limit_name(i)) > w)
			w = strlen(lc_limit_name(i));
	fprintf(out, "%-*s  %14s  %s\n", (int)w, "NAME", "DEFAULT", "DESCRIPTION");
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%-*s  %14" PRId64 "  %s\n", (int)w, lc_limit_name(i),
			lc_limit_default(i), lc_limit_description(i) ? lc_limit_description(i) : "");
}

static void write_json(FILE *out)
{
	size_t n = lc_limit_count();

	fputs("{\n  \"limits\": [", out);
	for (size_t i = 0; i < n; i++) {
		fputs(i ? ",\n    {\"name\": " : "\n    {\"name\": ", out);
		cli_json_str(out, lc_limit_name(i));
		fprintf(out, ", \"default\": %" PRId64 ", \"description\": ", lc_limit_default(i));
		cli_json_str(out, lc_limit_description(i) ? lc_limit_description(i) : "");
		fputc('}', out);
	}
	fputs(n ? "\n  ]\n}\n" : "]\n}\n", out);
}

int cli_cmd_limits(int argc, char **argv)
{
	cli_args a;
	cli_out o;
	int rc;
	bool json = false;

	rc = cli_parse(argc, argv, CLI_O_OUTPUT, &a);
	if (rc != LC_OK)
		goto out;
	if (a.help) {
		cli_command_help("limits", stdout);
		goto out;
	}
	if (a.npos > 0) {
		cli_err("limits: takes no arguments");
		rc = LC_EUSAGE;
		goto out;
	}
	if (a.format && strcasecmp(a.format, "json") == 0) {
		json = true;
	} else if (a.format && strcasecmp(a.format, "table") != 0) {
		cli_err("limits: unknown format '%s' (table, json)", a.format);
		rc = LC_EUSAGE;
		goto out;
	}
	rc = cli_out_open(&o, a.output);
	if (rc != LC_OK)
		goto out;
	if (json)
		write_json(o.f);
	else
		write_table(o.f);
	rc = cli_out_commit(&o);
out:
	return rc;
}
