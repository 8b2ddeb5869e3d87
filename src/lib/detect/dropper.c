/*
 * dropper.c - download-and-run in the files that run by themselves: cron entries,
 * shell profiles, init and rc scripts, systemd units, plus shell scripts anywhere.
 * `curl|wget ... | sh`, a shell of `$(curl ...)`, `base64 -d | sh`, and a download
 * made executable. In persistence locations it is how miners come back.
 */
#include "lc_private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Scripts and cron tables are small; a 1 MiB "script" is data. */
#define SCRIPT_MAX (1024 * 1024)

/* Files the system runs without being asked: cron, login shells, boot. */
static const char *const persistence_paths[] = {
	"etc/cron*", "var/spool/cron/*", "etc/anacrontab", "etc/profile", "etc/profile.d/*",
	"etc/bash.bashrc", "etc/bashrc", "etc/zsh/*", "etc/environment", "*/.bashrc",
	"*/.profile", "*/.bash_profile", "*/.bash_login", "*/.zshrc", "*/.zprofile", ".bashrc",
	".profile", "etc/rc.local", "etc/rc.d/*", "etc/init.d/*", "etc/systemd/system/*",
	"usr/lib/systemd/system/*", "lib/systemd/system/*", "etc/update-motd.d/*", "etc/xdg/autostart/*",
	NULL,
};

static const char *const script_paths[] = {
	"etc/cron*", "var/spool/cron/*", "etc/anacrontab", "etc/profile", "etc/profile.d/*",
	"etc/bash.bashrc", "etc/bashrc", "etc/zsh/*", "etc/environment", "*/.bashrc",
	"*/.profile", "*/.bash_profile", "*/.bash_login", "*/.zshrc", "*/.zprofile", ".bashrc",
	".profile", "etc/rc.local", "etc/rc.d/*", "etc/init.d/*", "etc/systemd/system/*",
	"usr/lib/systemd/system/*", "lib/systemd/system/*", "etc/update-motd.d/*", "etc/xdg/autostart/*",
	"*.sh", "*.bash", "*entrypoint*", "*/start", "*/run", "usr/local/bin/*", "*/.*", NULL,
};

typedef struct dctx {
	lc_emitter *em;
	bool persist;
	lc_code rc;
} dctx;

static bool matches_any(const char *const *globs, const char *path)
{
	for (int i = 0; globs[i]; i++)
		if (lc__glob_match(globs[i], path))
			return true;
	return false;
}

/* Scripts and the files the system runs by itself (shared with the ioc detector, so both
 * agree on what "would run" means). */
static const char *const runs_paths[] = {"*.sh", "*.bash", "*entrypoint*", "usr/local/bin/*",
					 NULL};

bool lc__malware_runs_path(const char *path)
{
	return matches_any(persistence_paths, path) || matches_any(runs_paths, path);
}

static bool on_hit(void *ud, const lc_dropper_hit *h)
{
	dctx *dc = ud;
	char *ev = lc__escape(h->evidence, strlen(h->evidence));
	lc_finding_in f;

	memset(&f, 0, sizeof f);
	f.rule_id = h->rule_id;
	f.severity = dc->persist ? LC_SEV_HIGH : LC_SEV_MEDIUM;
	f.title = h->title;
	f.description = dc->persist
		? "A file the system runs on its own (cron, login profile, boot script, unit) "
		  "downloads code and runs it: the usual way miners and bots persist."
		: "A script downloads code and runs it without checking what it got.";
	f.source = LC_SRC_FILE;
	f.layer = -1;
	f.line = h->line;
	f.offset = (int64_t)h->offset;
	f.evidence = ev ? ev : h->evidence;
	f.remediation = "Download at build time with a pinned digest, or remove the entry.";
	dc->rc = lc__emit(dc->em, &f);
	free(ev);
	return dc->rc == LC_OK;
}

static lc_code on_file(void *shared, void *worker, lc_emitter *em, const lc_entry *e,
		       const uint8_t *buf, size_t len, bool truncated)
{
	dctx dc = {em, false, LC_OK};
	(void)shared;
	(void)worker;
	(void)truncated;
	if (len == 0 || memchr(buf, 0, len < 4096 ? len : 4096))
		return LC_OK; /* binaries are other detectors' business */
	dc.persist = matches_any(persistence_paths, e->path);
	lc__dropper_scan_text((const char *)buf, len, on_hit, &dc);
	return dc.rc;
}

const lc_detector lc__det_dropper = {
	.name = "dropper",
	.description = "download-and-run in cron entries, profiles, boot scripts and shell scripts",
	.wants = LC_WANT_BUFFER,
	.paths = script_paths,
	.max_size = SCRIPT_MAX,
	.on_file = on_file,
};
