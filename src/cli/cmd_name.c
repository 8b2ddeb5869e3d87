/*
 * cmd_name.c - `laocoon name REF`: judge an image name without pulling anything.
 * (placeholder until the name-analysis module lands)
 */
#include <stdio.h>

int cli_cmd_name(int argc, char **argv);

int cli_cmd_name(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "laocoon name: not available yet\n");
	return 2;
}
