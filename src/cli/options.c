/*
 * options.c - the one option table every subcommand parses with. Library options pass
 * through by name to lc_ctx_set_option / lc_ctx_set_limit, so a new library option
 * needs one row here and nothing else.
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef enum opt_kind {
	K_FORMAT,
	K_OUTPUT,
	K_HELP,
	K_FILES,
	K_LIMIT,
	K_FAIL_ON,
	K_CTX /* passed to lc_ctx_set_option under its own name */
} opt_kind;

typedef struct opt_def {
	const char *name; /* as typed, without the dashes */
	char shortname;   /* 0 when none */
	bool has_arg;
	unsigned group; /* CLI_O_*, 0 = every command */
	opt_kind kind;
} opt_def;

static const opt_def opts[] = {
	{"help", 'h', false, 0, K_HELP},
	{"format", 'f', true, CLI_O_OUTPUT, K_FORMAT},
	{"output", 'o', true, CLI_O_OUTPUT, K_OUTPUT},
	{"files", 0, false, CLI_O_FILES, K_FILES},
	{"limit", 0, true, CLI_O_SCAN, K_LIMIT},
	{"fail-on", 0, true, CLI_O_SCAN, K_FAIL_ON},
	{"platform", 0, true, CLI_O_SCAN, K_CTX},
	{"scanners", 0, true, CLI_O_SCAN, K_CTX},
	{"parallel", 0, true, CLI_O_SCAN, K_CTX},
	{"show-secrets", 0, false, CLI_O_SCAN, K_CTX},
	{"secret-config", 0, true, CLI_O_SCAN, K_CTX},
	{"yara-rules", 0, true, CLI_O_SCAN, K_CTX},
	{"ioc", 0, true, CLI_O_SCAN, K_CTX},
	{"hash-db", 0, true, CLI_O_SCAN, K_CTX},
	{"trusted", 0, true, CLI_O_SCAN, K_CTX},
	{"timeout", 0, true, CLI_O_SCAN, K_CTX},
	{"max-memory", 0, true, CLI_O_SCAN, K_CTX},
	{"no-cache", 0, false, CLI_O_SCAN, K_CTX},
	{"cache-dir", 0, true, CLI_O_SCAN, K_CTX},
	{"cache-max-size", 0, true, CLI_O_SCAN, K_CTX},
};

static const opt_def *opt_long(const char *name, size_t len)
{
	const opt_def *d = NULL;
	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		if (strlen(opts[i].name) == len && strncmp(opts[i].name, name, len) == 0) {
			d = &opts[i];
			break;
		}
	}
	return d;
}

static const opt_def *opt_short(char c)
{
	const opt_def *d = NULL;
	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		if (opts[i].shortname && opts[i].shortname == c) {
			d = &opts[i];
			break;
		}
	}
	return d;
}

static int usage_error(const char *cmd)
{
	const char *syn = cli_command_synopsis(cmd);
	if (syn)
		fprintf(stderr, "%s\n", syn);
	fprintf(stderr, "Try 'laocoon help %s' for more information.\n", cmd);
	return LC_EUSAGE;
}

static int add_setting(cli_args *a, const char *name, const char *value, bool is_limit)
{
	int rc = LC_OK;

	if (a->nsettings >= CLI_MAX_SETTINGS) {
		cli_err("too many options (at most %d)", CLI_MAX_SETTINGS);
		rc = LC_EUSAGE;
		goto out;
	}
	a->settings[a->nsettings].name = name;
	a->settings[a->nsettings].value = value;
	a->settings[a->nsettings].is_limit = is_limit;
	a->nsettings++;
out:
	return rc;
}

/* Record one option and its value (NULL for flags). */
static int take(cli_args *a, const opt_def *d, const char *value)
{
	int rc = LC_OK;

	switch (d->kind) {
	case K_HELP:
		a->help = true;
		break;
	case K_FORMAT:
		a->format = value;
		break;
	case K_OUTPUT:
		/* "-" is stdout, as usual */
		a->output = strcmp(value, "-") == 0 ? NULL : value;
		break;
	case K_FILES:
		a->files = true;
		break;
	case K_LIMIT: {
		const char *eq = strchr(value, '=');
		if (!eq || eq == value || !eq[1]) {
			cli_err("--limit wants NAME=VALUE (see 'laocoon limits'), got '%s'", value);
			rc = LC_EUSAGE;
			break;
		}
		/* The name is the part before '=': argv is writable, cut it there. */
		*(char *)eq = '\0';
		rc = add_setting(a, value, eq + 1, true);
		break;
	}
	case K_FAIL_ON:
		if (strcasecmp(value, "none") == 0 || strcasecmp(value, "never") == 0) {
			a->fail_on = -1;
		} else {
			a->fail_on = lc_severity_parse(value);
			if (a->fail_on < 0) {
				cli_err("--fail-on wants a severity (critical, high, medium, low, "
					"info, unknown, or none), got '%s'",
					value);
				rc = LC_EUSAGE;
			}
		}
		break;
	case K_CTX:
		rc = add_setting(a, d->name, value ? value : "1", false);
		break;
	}
	return rc;
}

int cli_parse(int argc, char **argv, unsigned accept, cli_args *a)
{
	int rc = LC_OK;
	bool opts_done = false;

	memset(a, 0, sizeof(*a));
	a->cmd = argc > 0 ? argv[0] : "";
	a->fail_on = -1;
	for (int i = 1; i < argc && rc == LC_OK; i++) {
		char *arg = argv[i];
		const opt_def *d = NULL;
		const char *value = NULL;
		bool inline_value = false;

		if (opts_done || arg[0] != '-' || arg[1] == '\0') {
			if (a->npos >= CLI_MAX_POSITIONAL) {
				cli_err("%s: too many arguments", a->cmd);
				rc = usage_error(a->cmd);
				break;
			}
			a->pos[a->npos++] = arg;
			continue;
		}
		if (strcmp(arg, "--") == 0) {
			opts_done = true;
			continue;
		}
		if (arg[1] == '-') {
			const char *eq = strchr(arg + 2, '=');
			size_t len = eq ? (size_t)(eq - (arg + 2)) : strlen(arg + 2);
			d = opt_long(arg + 2, len);
			if (eq) {
				value = eq + 1;
				inline_value = true;
			}
		} else {
			d = opt_short(arg[1]);
			if (d && arg[2]) {
				value = arg + 2; /* -ofile */
				inline_value = true;
			}
		}
		if (!d || (d->group && !(d->group & accept))) {
			cli_err("%s: unknown option '%s'", a->cmd, arg);
			rc = usage_error(a->cmd);
			break;
		}
		if (d->has_arg && !inline_value) {
			if (i + 1 >= argc) {
				cli_err("%s: option '%s' needs a value", a->cmd, arg);
				rc = usage_error(a->cmd);
				break;
			}
			value = argv[++i];
		} else if (!d->has_arg && inline_value) {
			cli_err("%s: option '--%s' takes no value", a->cmd, d->name);
			rc = usage_error(a->cmd);
			break;
		}
		rc = take(a, d, value);
	}
	return rc;
}

/* --scanners names are checked against the table up front, so a typo costs no scan. */
static int check_scanners(const char *list)
{
	int rc = LC_OK;
	char *copy = strdup(list), *save = NULL;

	if (!copy) {
		rc = LC_EINTERNAL;
		goto out;
	}
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		bool known = false;
		while (*t == ' ')
			t++;
		for (size_t i = 0; i < lc_detector_count(); i++)
			if (strcmp(lc_detector_name(i), t) == 0)
				known = true;
		if (!known) {
			cli_err("unknown scanner '%s' (see 'laocoon detectors')", t);
			rc = LC_EUSAGE;
			break;
		}
	}
out:
	free(copy);
	return rc;
}

int cli_apply(lc_ctx *ctx, const cli_args *a)
{
	int rc = LC_OK;

	for (int i = 0; i < a->nsettings && rc == LC_OK; i++) {
		const cli_setting *s = &a->settings[i];
		if (s->is_limit) {
			rc = lc_ctx_set_limit(ctx, s->name, s->value);
			if (rc != LC_OK)
				cli_err("--limit %s=%s: %s", s->name, s->value, lc_ctx_errmsg(ctx));
			continue;
		}
		if (strcmp(s->name, "scanners") == 0) {
			rc = check_scanners(s->value);
			if (rc != LC_OK)
				break;
		}
		rc = lc_ctx_set_option(ctx, s->name, s->value);
		if (rc != LC_OK)
			cli_err("--%s: %s", s->name, lc_ctx_errmsg(ctx));
	}
	/* Whatever the library said, a bad option is the user's mistake. */
	if (rc != LC_OK && rc != LC_EINTERNAL)
		rc = LC_EUSAGE;
	return rc;
}

int cli_check_format(const char *format)
{
	int rc = LC_OK;

	/* lc_report_write checks the format name before the report handle, so asking
	 * with no report tells a known format (LC_EINTERNAL) from an unknown one. */
	if (format && lc_report_write(NULL, format, NULL, 0) == LC_EUSAGE) {
		cli_err("unknown format '%s' (table, json)", format);
		rc = LC_EUSAGE;
	}
	return rc;
}
