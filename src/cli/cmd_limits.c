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
	return cli_run_listing(argc, argv, "limits", write_table, write_json);
}
