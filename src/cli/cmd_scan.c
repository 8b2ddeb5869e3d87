/*
 * cmd_scan.c - `laocoon scan IMAGE`: every selected detector over every layer, one
 * report, and the exit-code gate. cli_run_scan is shared with inspect, which is the
 * same walk with no detectors.
 */
#include "cli.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <unistd.h>

/* Sanitizer builds reserve terabytes of shadow address space: no rlimit for them. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define CLI_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer) || \
	__has_feature(thread_sanitizer)
#define CLI_SANITIZED 1
#endif
#endif

#ifndef CLI_SANITIZED
/* "512M" as the library accepted it (K/M/G/T, powers of 1024); -1 when unreadable. */
static int64_t size_value(const char *s)
{
	char *end = NULL;
	long long v = strtoll(s, &end, 10);
	int shift = 0;
	if (!end || end == s || v < 0)
		return -1;
	switch (toupper((unsigned char)*end)) {
	case 'K': shift = 10; break;
	case 'M': shift = 20; break;
	case 'G': shift = 30; break;
	case 'T': shift = 40; break;
	case 0: break;
	default: return -1;
	}
	if (v > (INT64_MAX >> (shift + 2)))
		return -1;
	return (int64_t)v << shift;
}
#endif

/*
 * --max-memory charges the buffers the scan owns (whole-file buffers, queued files);
 * libraries (libarchive, YARA, Hyperscan, SQLite, jansson) and the file index allocate
 * outside that account. An address-space limit backs the budget up (issue 7): generous
 * (twice the budget, plus a fixed allowance for code, compiled rules, and per thread a
 * stack and a malloc arena of address space), so it only stops runaway growth, which then
 * fails as "out of memory" (exit 5) instead of taking the host down. Never raised above
 * a limit already in place. Not in sanitizer builds (shadow memory).
 */
static void address_space_backstop(const cli_args *a)
{
#ifndef CLI_SANITIZED
	int64_t budget = -1, threads = 0, limit;
	struct rlimit rl;
	for (int i = 0; i < a->nsettings; i++) {
		if (a->settings[i].is_limit)
			continue;
		if (!strcmp(a->settings[i].name, "max-memory"))
			budget = size_value(a->settings[i].value);
		else if (!strcmp(a->settings[i].name, "parallel"))
			threads = atoll(a->settings[i].value);
	}
	if (budget <= 0)
		return;
	if (threads <= 0)
		threads = sysconf(_SC_NPROCESSORS_ONLN) > 0 ? sysconf(_SC_NPROCESSORS_ONLN) : 1;
	if (threads > 256)
		threads = 256;
	/* 2 GiB base + per thread 8 MiB of stack and a 64 MiB malloc arena reservation */
	limit = 2 * budget + (2ll << 30) + (threads + 2) * (72ll << 20);
	if (getrlimit(RLIMIT_AS, &rl) != 0)
		return;
	if (rl.rlim_cur != RLIM_INFINITY && (int64_t)rl.rlim_cur <= limit)
		return;
	if (rl.rlim_max != RLIM_INFINITY && (int64_t)rl.rlim_max < limit)
		limit = (int64_t)rl.rlim_max;
	rl.rlim_cur = (rlim_t)limit;
	(void)setrlimit(RLIMIT_AS, &rl); /* a backstop: failing to set it changes nothing */
#else
	(void)a;
#endif
}

/* Write r into the already opened output; LC_OK or LC_EINTERNAL (message printed). */
static int write_report(lc_report *r, const cli_args *a, cli_out *o, unsigned out_flags)
{
	int rc;

	if (cli_out_color(o))
		out_flags |= LC_OUT_COLOR;
	rc = lc_report_write(r, a->format ? a->format : "table", o->f, out_flags);
	if (rc != LC_OK) {
		cli_err("cannot write the report");
		cli_out_abort(o);
		rc = LC_EINTERNAL;
		goto out;
	}
	rc = cli_out_commit(o);
out:
	return rc;
}

int cli_run_scan(const cli_args *a, unsigned scan_flags, unsigned out_flags)
{
	int rc, wrc;
	lc_ctx *ctx = NULL;
	lc_image *img = NULL;
	lc_report *r = NULL;
	const char *ref;
	cli_out o = {0};

	if (a->npos != 1) {
		cli_err("%s: %s", a->cmd, a->npos ? "only one IMAGE, please" : "IMAGE is missing");
		fprintf(stderr, "%s\n", cli_command_synopsis(a->cmd));
		rc = LC_EUSAGE;
		goto out;
	}
	ref = a->pos[0];
	rc = cli_check_format(a->format);
	if (rc != LC_OK)
		goto out;
	ctx = lc_ctx_new();
	if (!ctx) {
		cli_err("out of memory");
		rc = LC_EINTERNAL;
		goto out;
	}
	rc = cli_apply(ctx, a);
	if (rc != LC_OK)
		goto out;
	address_space_backstop(a);
	/* Opened before the scan: an unwritable --output should not cost a scan. */
	rc = cli_out_open(&o, a->output);
	if (rc != LC_OK)
		goto out;
	rc = lc_image_open(ctx, ref, &img);
	if (rc != LC_OK) {
		const char *msg = lc_ctx_errmsg(ctx);
		cli_err("%s", msg && *msg ? msg : "cannot open the image");
		if (rc == LC_FINDINGS)
			rc = LC_EINTERNAL; /* not a code lc_image_open may return */
		/* A pipeline that asked for a machine-readable report still gets one,
		 * carrying the error, so it need not parse stderr. A failed write is
		 * reported, but the open error stays the exit code. */
		if (a->output || (a->format && strcasecmp(a->format, "table") != 0)) {
			r = lc_report_for_error(ctx, ref, (lc_code)rc);
			if (r)
				(void)write_report(r, a, &o, out_flags);
		}
		goto out;
	}
	rc = lc_scan(ctx, img, scan_flags, &r);
	if (rc != LC_OK) {
		const char *msg = lc_ctx_errmsg(ctx);
		cli_err("%s", msg && *msg ? msg : "the scan failed");
	}
	if (!r) {
		if (rc == LC_OK || rc == LC_FINDINGS)
			rc = LC_EINTERNAL;
		goto out;
	}
	wrc = write_report(r, a, &o, out_flags);
	/* The scan's own error says more than a failed write; otherwise the gate. */
	if (rc == LC_OK || rc == LC_FINDINGS)
		rc = wrc != LC_OK ? wrc : (int)lc_report_exit_code(r, a->fail_on);
out:
	/* Whatever was not committed leaves no temporary file behind. */
	cli_out_abort(&o);
	lc_report_free(r);
	lc_image_free(img);
	lc_ctx_free(ctx);
	return rc;
}

int cli_cmd_scan(int argc, char **argv)
{
	cli_args a;
	int rc;

	rc = cli_parse(argc, argv, CLI_O_OUTPUT | CLI_O_SCAN, &a);
	if (rc != LC_OK)
		goto out;
	if (a.help) {
		cli_command_help("scan", stdout);
		goto out;
	}
	rc = cli_run_scan(&a, 0, 0);
out:
	return rc;
}
