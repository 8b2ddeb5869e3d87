/*
 * cmd_detectors.c - `laocoon detectors`: the registered detectors, straight from the
 * library's table, with the canonical names --scanners takes.
 */
#include "cli.h"

#include <string.h>
#include <strings.h>

static void write_table(FILE *out)
{
	size_t n = lc_detector_count(), w = 4;

	for (size_t i = 0; i < n; i++)
		if (strlen(lc_detector_name(i)) > w)
			w = strlen(lc_detector_name(i));
	fprintf(out, "%-*s  %s\n", (int)w, "NAME", "DESCRIPTION");
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%-*s  %s\n", (int)w, lc_detector_name(i),
			lc_detector_description(i) ? lc_detector_description(i) : "");
}

static void write_json(FILE *out)
{
	size_t n = lc_detector_count();

	fputs("{\n  \"detectors\": [", out);
	for (size_t i = 0; i < n; i++) {
		fputs(i ? ",\n    {\"name\": " : "\n    {\"name\": ", out);
		cli_json_str(out, lc_detector_name(i));
		fputs(", \"description\": ", out);
		cli_json_str(out, lc_detector_description(i) ? lc_detector_description(i) : "");
		fputc('}', out);
	}
	fputs(n ? "\n  ]\n}\n" : "]\n}\n", out);
}

int cli_cmd_detectors(int argc, char **argv)
{
	cli_args a;
	cli_out o;
	int rc;
	bool json = false;

	rc = cli_parse(argc, argv, CLI_O_OUTPUT, &a);
	if (rc != LC_OK)
		goto out;
	if (a.help) {
		cli_command_help("detectors", stdout);
		goto out;
	}
	if (a.npos > 0) {
		cli_err("detectors: takes no arguments");
		rc = LC_EUSAGE;
		goto out;
	}
	if (a.format && strcasecmp(a.format, "json") == 0) {
		json = true;
	} else if (a.format && strcasecmp(a.format, "table") != 0) {
		cli_err("detectors: unknown format '%s' (table, json)", a.format);
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
