/*
 * cmd_help.c - every help text of the CLI in one place (`laocoon --help`,
 * `laocoon help CMD`, `laocoon CMD --help`), so the wording stays consistent and
 * docs/cli.md has a single source to follow.
 */
#include "cli.h"

#include <string.h>

#define SCAN_OPTIONS                                                                      \
	"Output:\n"                                                                       \
	"  -f, --format FORMAT     table (default) or json\n"                              \
	"  -o, --output FILE       write the report to FILE (replaced atomically)\n"       \
	"      --fail-on SEVERITY  exit 1 when a finding is at or above SEVERITY\n"        \
	"                          (critical, high, medium, low, info, unknown; any case)\n" \
	"\n"                                                                              \
	"Image:\n"                                                                        \
	"      --platform OS/ARCH[/VARIANT]  pick from a multi-platform index\n"           \
	"                          (default linux/amd64)\n"                                \
	"\n"                                                                              \
	"Detectors:\n"                                                                    \
	"      --scanners A,B      run only these detectors (see 'laocoon detectors')\n"   \
	"      --show-secrets      print secrets in clear instead of redacted\n"           \
	"      --secret-config FILE  extra secret rules (repeatable)\n"                    \
	"      --yara-rules PATH   extra YARA rules, file or directory (repeatable)\n"    \
	"      --ioc FILE[:CATEGORY]  extra indicator feed (repeatable)\n"                 \
	"      --hash-db FILE      known-bad hash list (repeatable)\n"                     \
	"      --trusted NAME      trusted namespace or registry (repeatable)\n"           \
	"\n"                                                                              \
	"Resources:\n"                                                                    \
	"      --parallel N        worker threads (0 = one per core)\n"                    \
	"      --timeout DURATION  end the scan after DURATION (e.g. 500ms, 30s, 5m)\n"    \
	"      --max-memory SIZE   refuse work past SIZE of buffers (e.g. 512M)\n"         \
	"      --limit NAME=VALUE  change one input limit (repeatable; 'laocoon limits')\n" \
	"      --no-cache          neither read nor write the layer cache\n"               \
	"      --cache-dir DIR     layer cache location\n"                                 \
	"      --cache-max-size SIZE  evict least recently used layers past SIZE\n"        \
	"\n"                                                                              \
	"  -h, --help              this text\n"

#define EXIT_CODES                                                                        \
	"Exit codes:\n"                                                                   \
	"  0  no error (warnings allowed, listed in the report)\n"                        \
	"  1  a finding at or above --fail-on\n"                                          \
	"  2  usage error (bad option, bad or ambiguous reference)\n"                     \
	"  3  unreadable or invalid image\n"                                              \
	"  4  integrity failure (a digest did not match)\n"                               \
	"  5  internal error\n"                                                           \
	"  6  incomplete (a time or memory bound ended the scan)\n"                       \
	"Errors (3-6) take precedence over 1; the report is still written,\n"             \
	"marked complete: false.\n"

#define IMAGE_REFS                                                                        \
	"IMAGE is one of:\n"                                                              \
	"  oci:DIR[:TAG]                     an OCI image layout\n"                      \
	"  oci-archive:FILE[:TAG]            a tar of an OCI image layout\n"             \
	"  docker-archive:FILE[:NAME:TAG|:@N]  a `docker save` archive\n"                \
	"  dir:DIR                           skopeo's dir: transport\n"                  \
	"  rootfs:DIR                        a plain root filesystem (one layer)\n"      \
	"  PATH                              any of the above, detected\n"

typedef struct help_entry {
	const char *cmd;
	const char *synopsis;
	const char *text;
} help_entry;

static const help_entry helps[] = {
	{"scan", "usage: laocoon scan [OPTIONS] IMAGE",
	 "Scan every layer of IMAGE once with every registered detector (or those named\n"
	 "with --scanners) and report what was found, where, and in which layer, hidden\n"
	 "files included.\n\n" IMAGE_REFS "\n" SCAN_OPTIONS "\n" EXIT_CODES},
	{"inspect", "usage: laocoon inspect [OPTIONS] IMAGE [--files]",
	 "Describe IMAGE without running detectors: digests, platform, layers (size,\n"
	 "created_by, file count) and config. Every layer is still read and verified.\n\n"
	 "      --files             also list the merged file tree: every record with the\n"
	 "                          layer it came from, hidden ones marked\n\n" IMAGE_REFS
	 "\n" SCAN_OPTIONS "\n" EXIT_CODES},
	{"detectors", "usage: laocoon detectors [--format table|json] [--output FILE]",
	 "List the registered detectors and their canonical names (what --scanners takes).\n"},
	{"limits", "usage: laocoon limits [--format table|json] [--output FILE]",
	 "List every limit on hostile input with its default; change one on scan or\n"
	 "inspect with --limit NAME=VALUE.\n"},
	{"name", "usage: laocoon name [OPTIONS] REF",
	 "Judge an image name without pulling anything: typosquats, lookalikes and\n"
	 "impersonation of official images and well-known publishers. Exit 1 when a\n"
	 "lookalike is found, 0 otherwise.\n\n"
	 "  -f, --format FORMAT     table (default) or json\n"
	 "  -o, --output FILE       write the result to FILE\n"
	 "      --trusted NAME      trusted namespace or registry (repeatable)\n"},
	{"cache", "usage: laocoon cache info|prune|clean [OPTIONS]",
	 "Look at, shrink or empty the layer cache (each scanned layer's file index and\n"
	 "findings, keyed by diff_id). Run 'laocoon cache --help' for its options.\n"},
	{"version", "usage: laocoon version", "Print the version and the report schema version.\n"},
	{"help", "usage: laocoon help [COMMAND]", "Print help for laocoon or for one command.\n"},
};

static const help_entry *help_find(const char *cmd)
{
	const help_entry *h = NULL;
	for (size_t i = 0; cmd && i < sizeof(helps) / sizeof(helps[0]); i++) {
		if (strcmp(helps[i].cmd, cmd) == 0) {
			h = &helps[i];
			break;
		}
	}
	return h;
}

const char *cli_command_synopsis(const char *cmd)
{
	const help_entry *h = help_find(cmd);
	return h ? h->synopsis : "usage: laocoon COMMAND [OPTIONS]";
}

int cli_command_help(const char *cmd, FILE *out)
{
	const help_entry *h = help_find(cmd);
	if (h)
		fprintf(out, "%s\n\n%s", h->synopsis, h->text);
	return h != NULL;
}

void cli_usage(FILE *out)
{
	fputs("usage: laocoon COMMAND [OPTIONS] [ARGS]\n"
	      "\n"
	      "laocoon scans container images for what attackers hide in them: secrets,\n"
	      "malware and miners, hostile configuration, lookalike names, in every layer,\n"
	      "including files a later layer deleted.\n"
	      "\n"
	      "Commands:\n"
	      "  scan IMAGE        run the detectors over every layer and report findings\n"
	      "  inspect IMAGE     describe layers, config and (--files) the merged file tree\n"
	      "  name REF          judge an image name for typosquatting\n"
	      "  detectors         list the detectors (names for --scanners)\n"
	      "  limits            list the input limits and their defaults\n"
	      "  cache ACTION      info, prune or clean the layer cache\n"
	      "  version           print the version\n"
	      "  help [COMMAND]    this text, or a command's\n"
	      "\n"
	      "Run 'laocoon help COMMAND' or 'laocoon COMMAND --help' for a command's options.\n"
	      "\n" EXIT_CODES,
	      out);
}

int cli_cmd_help(int argc, char **argv)
{
	int rc = LC_OK;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		cli_usage(stdout);
		goto out;
	}
	if (argc > 2) {
		cli_err("help: one COMMAND at most");
		rc = LC_EUSAGE;
		goto out;
	}
	if (!cli_command_help(argv[1], stdout)) {
		cli_err("help: unknown command '%s'", argv[1]);
		fputs("Run 'laocoon --help' for the list of commands.\n", stderr);
		rc = LC_EUSAGE;
	}
out:
	return rc;
}
