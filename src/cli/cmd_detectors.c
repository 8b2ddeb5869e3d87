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
	return cli_run_listing(argc, argv, "detectors", write_table, write_json);
}
