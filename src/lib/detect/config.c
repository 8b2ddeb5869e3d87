/*
 * config.c - what the image will do when it starts and what its build did: the config
 * (Entrypoint, Cmd, Env, User, WorkingDir, ExposedPorts, Labels, Healthcheck, OnBuild)
 * and every history step, read for download-and-run, decode-and-run, reverse shells,
 * permission changes, root, miner ports; and the files that make persistence (cron,
 * systemd, sudoers, ld.so.preload) or leak the build (package caches, .git, .env).
 * Miner, Stratum and wallet findings are the malware detectors' (not repeated here).
 */
#include "lc_private.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Text looked at per config string or history step: a longer one is judged by its head
 * (commands that matter are short; a megabyte of ENV is an attack on the scanner). */
#define TEXT_MAX 65536
/* Bytes of a command quoted as evidence. */
#define EVIDENCE_MAX 300
/* Findings per file for line-based checks (sudoers, cron). */
#define LINES_MAX 8

/* ---- the command rules ------------------------------------------------------- */

/* Where a string comes from decides how much it matters: a build step ran once on the
 * builder, the config runs on every start of every container. */
typedef enum where { W_HISTORY = 0, W_CONFIG, W_DATA, W_FILE } where;

typedef struct text_rule {
	const char *id;
	const char *title;
	const char *re; /* POSIX extended, case-insensitive */
	lc_severity sev[4]; /* by where */
	const char *description;
	const char *remediation;
} text_rule;

#define SH "(/usr)?(/bin/)?(ba|da|z|k|a)?sh"
#define INTERP "((ba|da|z|k|a)?sh|python[0-9.]*|perl|ruby|node|php)"
#define END "([[:space:]]|$|[;&|)\"'])"
#define SUDO "(sudo[[:space:]]+(-[a-z]+[[:space:]]+)*)?(env[[:space:]]+)?"

static const char dl_desc[] =
	"A script fetched from the network is run without being verified: whoever controls "
	"the server (or the path to it) chooses the code. In the config it runs on every "
	"start, fetching whatever the server serves that day.";
static const char dl_fix[] = "Download at build time, verify a pinned checksum or signature, "
			     "then run the verified file.";
static const char b64_desc[] = "A base64 blob is decoded and executed: the usual way to hide a "
			       "payload from anyone reading the Dockerfile or the config.";
static const char b64_fix[] = "Decode the blob and inspect it; legitimate images have no "
			      "reason to hide their commands.";
static const char rs_desc[] = "A shell is connected to a remote host: an attacker's "
			      "interactive access to whatever runs this image.";
static const char rs_fix[] = "Treat the image as malicious; do not run it.";
static const char ww_desc[] = "chmod makes paths writable by every user, so any process in "
			      "the container can replace programs or data there.";
static const char ww_fix[] = "Grant write access to the user that needs it, not to all.";
static const char suid_desc[] = "chmod sets the setuid or setgid bit: the program then runs "
				"with its owner's rights (usually root) whoever starts it.";
static const char suid_fix[] = "Remove the setuid/setgid bit unless the program is designed "
			       "for it.";
static const char pre_desc[] = "/etc/ld.so.preload makes every dynamically linked program load "
			       "the listed library first: the classic userland rootkit hook "
			       "(used by Kinsing and TeamTNT to hide miners).";
static const char pre_fix[] = "Treat the image as compromised; no legitimate image uses "
			      "/etc/ld.so.preload.";
static const char ldp_desc[] = "LD_PRELOAD injects a library into every program the container "
			       "starts: a way to hook and hide.";
static const char ldp_fix[] = "Remove LD_PRELOAD unless you know the library and why it is "
			      "preloaded.";

static const text_rule text_rules[] = {
	{"config.download_run", "downloads code and pipes it into an interpreter",
	 "(curl|wget|fetch)[[:space:]][^|;]{0,1024}\\|[[:space:]]*" SUDO "(/usr)?(/bin/)?" INTERP END,
	 {LC_SEV_MEDIUM, LC_SEV_HIGH, LC_SEV_MEDIUM, LC_SEV_HIGH}, dl_desc, dl_fix},
	{"config.download_run", "runs a downloaded script through command substitution",
	 "((ba|da|z|k)?sh[[:space:]]+(-[a-z]+[[:space:]]+)*-c[[:space:]]+[\"']?|eval[[:space:]]+"
	 "[\"']?|source[[:space:]]+|\\.[[:space:]]+|(ba|da|z|k)?sh[[:space:]]*)[<$]?\\([[:space:]]*"
	 "(curl|wget)[[:space:]]",
	 {LC_SEV_MEDIUM, LC_SEV_HIGH, LC_SEV_MEDIUM, LC_SEV_HIGH}, dl_desc, dl_fix},
	{"config.download_run", "downloads a file and runs it",
	 "(curl|wget)[[:space:]][^;&|]{0,1024}(&&|;)[[:space:]]*(" SUDO SH "[[:space:]]+[^-[:space:]]|"
	 "chmod[[:space:]]+[^;&|]{0,1024}\\+x[^;&|]{0,1024}(&&|;)[[:space:]]*(\\./|/)[^[:space:];&|]+" END ")",
	 {LC_SEV_MEDIUM, LC_SEV_HIGH, LC_SEV_MEDIUM, LC_SEV_HIGH}, dl_desc, dl_fix},
	{"config.base64_run", "decodes base64 and runs it",
	 "base64[[:space:]]+[^|;]{0,1024}(-d|--decode|-D)[^|;]{0,1024}\\|[[:space:]]*" SUDO "(/usr)?(/bin/)?"
	 INTERP END,
	 {LC_SEV_HIGH, LC_SEV_HIGH, LC_SEV_HIGH, LC_SEV_HIGH}, b64_desc, b64_fix},
	{"config.base64_run", "evaluates decoded base64",
	 "(eval|exec|(ba|da|z|k)?sh[[:space:]]+-c)[[:space:]]+[\"']?(\\$\\(|`)[^;&)]{0,1024}base64"
	 "[[:space:]]+(-[a-z]*d|--decode)",
	 {LC_SEV_HIGH, LC_SEV_HIGH, LC_SEV_HIGH, LC_SEV_HIGH}, b64_desc, b64_fix},
	{"config.base64_run", "executes decoded base64 in a script language",
	 "(exec|eval|system)[[:space:]]*\\([^)]{0,1024}(b64decode|base64_decode|decode_base64|atob)"
	 "[[:space:]]*\\(",
	 {LC_SEV_HIGH, LC_SEV_HIGH, LC_SEV_HIGH, LC_SEV_HIGH}, b64_desc, b64_fix},
	{"config.base64_run", "decodes with openssl and runs it",
	 "openssl[[:space:]]+(enc[[:space:]]+)?(-a|-base64|base64)[^|]{0,1024}-d[^|]{0,1024}\\|[[:space:]]*" SH
	 END,
	 {LC_SEV_HIGH, LC_SEV_HIGH, LC_SEV_HIGH, LC_SEV_HIGH}, b64_desc, b64_fix},
	/* /dev/tcp alone is also how health checks probe a port without curl
	 * ("</dev/tcp/localhost/8080"): a shell needs an interactive shell or the
	 * descriptor duplicated onto it, and a host that is not this one (devtcp_remote). */
	{"config.reverse_shell", "opens a reverse shell through /dev/tcp",
	 "(" SH "[[:space:]]+-i[^|;]{0,1024}[<>]&?[[:space:]]*/dev/(tcp|udp)/|/dev/(tcp|udp)/[^[:space:]/]+"
	 "/[0-9]+[[:space:]]+[0-9]?[<>]&[[:space:]]*[0-9]|[0-9]+<>[[:space:]]*/dev/(tcp|udp)/.{0,1024}"
	 "(ba|da|z|k)?sh[^;|]{0,1024}<&[[:space:]]*[0-9])",
	 {LC_SEV_HIGH, LC_SEV_CRITICAL, LC_SEV_HIGH, LC_SEV_CRITICAL}, rs_desc, rs_fix},
	{"config.reverse_shell", "connects a shell with netcat",
	 "(^|[^a-z0-9_.-])(nc|ncat|netcat)(\\.traditional|\\.openbsd)?[[:space:]]([^|;&]{0,1024}"
	 "[[:space:]])?(-[a-z]*[ec]|--(sh-)?exec|--lua-exec)([[:space:]]|$)",
	 {LC_SEV_HIGH, LC_SEV_CRITICAL, LC_SEV_HIGH, LC_SEV_CRITICAL}, rs_desc, rs_fix},
	{"config.reverse_shell", "connects a shell with socat",
	 "socat[[:space:]][^|;&]{0,1024}(exec|system):",
	 {LC_SEV_HIGH, LC_SEV_CRITICAL, LC_SEV_HIGH, LC_SEV_CRITICAL}, rs_desc, rs_fix},
	{"config.reverse_shell", "pipes an interactive shell to the network",
	 "(" SH "[[:space:]]+-i[^|;]{0,1024}\\|[[:space:]]*(nc|ncat|netcat|telnet|openssl)[[:space:]]|"
	 "mkfifo[^;&|]{0,1024}[;&|]+.{0,1024}(nc|ncat|netcat|telnet)[[:space:]])",
	 {LC_SEV_HIGH, LC_SEV_CRITICAL, LC_SEV_HIGH, LC_SEV_CRITICAL}, rs_desc, rs_fix},
	{"config.reverse_shell", "connects a shell from a script language",
	 "(socket\\.socket|tcpsocket\\.(new|open)|fsockopen|io::socket::inet|use[[:space:]]+"
	 "socket)[^\n]{0,1024}(dup2|pty\\.spawn|subprocess|/bin/(ba)?sh|exec)",
	 {LC_SEV_HIGH, LC_SEV_CRITICAL, LC_SEV_HIGH, LC_SEV_CRITICAL}, rs_desc, rs_fix},
	{"config.chmod_world_writable", "makes paths world-writable (chmod 777)",
	 "chmod[[:space:]]+(-[a-z]+[[:space:]]+)*([0246]?[0-7][0-7][2367]|[ugoa]*[oa][ugoa]*\\+"
	 "[rwxst]*w[rwxst]*)([[:space:]]|$|;)",
	 {LC_SEV_MEDIUM, LC_SEV_MEDIUM, LC_SEV_MEDIUM, LC_SEV_MEDIUM}, ww_desc, ww_fix},
	/* The setuid bit only: setgid alone is what directories shared by a group get
	 * (postgres's chmod 3777 /var/run/postgresql). */
	{"config.chmod_setuid", "sets the setuid bit (chmod u+s, 4755)",
	 "chmod[[:space:]]+(-[a-z]+[[:space:]]+)*([4-7][0-7][0-7][0-7]|(u|a|ug|gu|ugo|)\\+[rwx]*s"
	 "[rwx]*)([[:space:]]|$|;)",
	 {LC_SEV_MEDIUM, LC_SEV_MEDIUM, LC_SEV_MEDIUM, LC_SEV_MEDIUM}, suid_desc, suid_fix},
	{"config.ld_so_preload_write", "writes /etc/ld.so.preload", "/etc/ld\\.so\\.preload",
	 {LC_SEV_HIGH, LC_SEV_HIGH, LC_SEV_HIGH, LC_SEV_HIGH}, pre_desc, pre_fix},
	{"config.ld_preload", "sets LD_PRELOAD", "(^|[^a-z0-9_])LD_PRELOAD=[^[:space:]\"']",
	 {LC_SEV_MEDIUM, LC_SEV_HIGH, LC_SEV_HIGH, LC_SEV_HIGH}, ldp_desc, ldp_fix},
};
#define NRULES (sizeof(text_rules) / sizeof(text_rules[0]))

/* Run from a world-writable temporary directory or a hidden one: where droppers live.
 * Only looked for in cron and systemd entries, where nothing packaged does it. */
static const char tmp_exec_re[] =
	"(^|[;&|(]|(exec|nohup|sh|bash|dash|setsid|env)[[:space:]]+)[[:space:]]*"
	"((/tmp|/var/tmp|/dev/shm)/[^[:space:]]+|/[^[:space:]]*/\\.[a-z0-9][^/[:space:]]*/"
	"[^[:space:]]+)";

/* Rules run with PCRE2 under a match limit, and their fillers are bounded ({0,1024}):
 * an image config is attacker-written, and an unbounded filler searched from every
 * "curl" of a 64 KiB line is quadratic. */
#define MATCH_LIMIT 2000000

typedef struct config_shared {
	pcre2_code *re[NRULES];
	pcre2_code *tmp_exec;
	pcre2_code *add_url;
	pcre2_match_context *mctx;
} config_shared;

static void config_unload(void *p)
{
	config_shared *s = p;
	if (!s)
		return;
	for (size_t i = 0; i < NRULES; i++)
		pcre2_code_free(s->re[i]);
	pcre2_code_free(s->tmp_exec);
	pcre2_code_free(s->add_url);
	pcre2_match_context_free(s->mctx);
	free(s);
}

static pcre2_code *rx_compile(const char *pat, bool caseless)
{
	int err;
	PCRE2_SIZE off;
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED,
				       caseless ? PCRE2_CASELESS : 0, &err, &off, NULL);
	if (re)
		(void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE); /* faster when available */
	return re;
}

/* Find re in text: true with the match's start offset. A match limit hit counts as no
 * match (the text is hostile; the other rules still run). */
static bool rx_find(const config_shared *s, const pcre2_code *re, const char *text,
		    size_t *start)
{
	bool found = false;
	pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);

	if (!md)
		goto out;
	if (pcre2_match(re, (PCRE2_SPTR)text, strlen(text), 0, 0, md, s->mctx) >= 0) {
		found = true;
		if (start)
			*start = pcre2_get_ovector_pointer(md)[0];
	}
out:
	pcre2_match_data_free(md);
	return found;
}

static lc_code config_load(lc_ctx *ctx, void **shared)
{
	lc_code rc = LC_OK;
	config_shared *s = calloc(1, sizeof(*s));

	if (!s) {
		rc = lc__fail(ctx, LC_EINTERNAL, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < NRULES; i++) {
		s->re[i] = rx_compile(text_rules[i].re, true);
		if (!s->re[i]) {
			rc = lc__fail(ctx, LC_EINTERNAL, "config rule %zu does not compile", i);
			goto out;
		}
	}
	s->tmp_exec = rx_compile(tmp_exec_re, true);
	/* ADD of a URL: BuildKit writes "ADD [--opts] URL DEST", the classic builder
	 * "#(nop) ADD URL in DEST". */
	s->add_url = rx_compile("(^|[[:space:]])ADD[[:space:]]+(--[a-z]+(=[^[:space:]]+)?"
				"[[:space:]]+){0,8}(https?|ftp)://[^[:space:]]+",
				false);
	s->mctx = pcre2_match_context_create(NULL);
	if (!s->tmp_exec || !s->add_url || !s->mctx) {
		rc = lc__fail(ctx, LC_EINTERNAL, "config patterns do not compile");
		goto out;
	}
	pcre2_set_match_limit(s->mctx, MATCH_LIMIT);
	pcre2_set_depth_limit(s->mctx, 10000);
out:
	if (rc != LC_OK) {
		config_unload(s);
		s = NULL;
	}
	*shared = s;
	return rc;
}

/* ---- emitting ------------------------------------------------------------------ */

static char *evidence_of(const char *s, size_t off)
{
	/* Quote the command around the match: a little before, the rest up to the bound. */
	size_t start = off > 60 ? off - 60 : 0;
	char *e = malloc(EVIDENCE_MAX + 8);
	if (e)
		snprintf(e, EVIDENCE_MAX + 8, "%s%.*s", start ? "..." : "", EVIDENCE_MAX, s + start);
	return e;
}

typedef struct spot {
	lc_source_kind source;
	const char *path; /* "config.Entrypoint", "history[3]", a file path */
	int layer;        /* -1 for config */
	int64_t line;
	const char *created_by; /* the history step, when there is one */
	where w;
} spot;

static lc_code emit(lc_emitter *em, const spot *sp, const char *rule, lc_severity sev,
		    const char *title, const char *desc, const char *fix, const char *evidence,
		    json_t *details)
{
	lc_finding_in f = {0};

	if (!details)
		details = json_object();
	if (details && sp->created_by)
		json_object_set_new(details, "created_by", json_string(sp->created_by));
	f.rule_id = rule;
	f.severity = sev;
	f.title = title;
	f.description = desc;
	f.remediation = fix;
	f.source = sp->source;
	f.layer = sp->layer;
	f.path = sp->path;
	f.line = sp->line;
	f.offset = -1;
	f.evidence = evidence;
	f.details = details;
	return lc__emit(em, &f);
}

/* Does any /dev/tcp or /dev/udp path in s name a host other than this one? */
static bool devtcp_remote(const char *s)
{
	static const char *const local[] = {"localhost/", "127.", "0.0.0.0/", "::1/", "[::1]/",
					    NULL};
	bool remote = false;

	for (const char *p = strstr(s, "/dev/"); p && !remote; p = strstr(p + 1, "/dev/")) {
		if (strncmp(p + 5, "tcp/", 4) != 0 && strncmp(p + 5, "udp/", 4) != 0)
			continue;
		const char *host = p + 9;
		bool is_local = false;
		for (size_t i = 0; local[i] && !is_local; i++)
			is_local = strncmp(host, local[i], strlen(local[i])) == 0;
		remote = !is_local;
	}
	return remote;
}

/* LD_PRELOAD of a memory allocator or a known wrapper is a tuning choice (jemalloc in
 * Ruby and Redis images, nss_wrapper on OpenShift), not a hook. */
static bool benign_preload(const char *libs)
{
	static const char *const ok[] = {"libjemalloc", "libtcmalloc", "libmimalloc",
					 "libnss_wrapper", "libeatmydata", NULL};
	bool all = libs[0] != '\0';
	char one[512];

	for (const char *p = libs; *p && all;) {
		size_t n = strcspn(p, ": \t\n");
		snprintf(one, sizeof(one), "%.*s", (int)(n < 511 ? n : 511), p);
		const char *base = strrchr(one, '/') ? strrchr(one, '/') + 1 : one;
		bool known = n == 0;
		for (size_t i = 0; ok[i] && !known; i++)
			known = strncmp(base, ok[i], strlen(ok[i])) == 0;
		all = known;
		p += n;
		p += strspn(p, ": \t\n");
	}
	return all;
}

/* Every rule over one string; one finding per rule id at this spot. */
static lc_code check_text(const config_shared *s, lc_emitter *em, const spot *sp,
			  const char *text)
{
	lc_code rc = LC_OK;
	char *buf = NULL;
	const char *done[NRULES];
	size_t ndone = 0;
	size_t n = strlen(text);

	if (n > TEXT_MAX) {
		buf = strndup(text, TEXT_MAX);
		if (!buf) {
			rc = LC_EINTERNAL;
			goto out;
		}
		text = buf;
	}
	for (size_t i = 0; i < NRULES && rc == LC_OK; i++) {
		const text_rule *r = &text_rules[i];
		size_t at = 0;
		bool seen = false;
		for (size_t j = 0; j < ndone; j++)
			seen = seen || strcmp(done[j], r->id) == 0;
		if (seen || !rx_find(s, s->re[i], text, &at))
			continue;
		if (strstr(r->title, "/dev/tcp") && !devtcp_remote(text))
			continue;
		if (!strcmp(r->id, "config.ld_preload") && strstr(text, "LD_PRELOAD=")) {
			/* The value is the word after '=' (quotes dropped). */
			char val[512];
			const char *p = strstr(text, "LD_PRELOAD=") + 11;
			p += strspn(p, "\"'");
			snprintf(val, sizeof(val), "%.*s", (int)strcspn(p, " \t\"';"), p);
			if (benign_preload(val))
				continue;
		}
		done[ndone++] = r->id;
		char title[256];
		const char *what = sp->source == LC_SRC_HISTORY ? "build step" : sp->path;
		snprintf(title, sizeof(title), "%s %s", what, r->title);
		char *ev = evidence_of(text, at);
		json_t *d = json_pack("{s:s}", "technique", r->title);
		rc = emit(em, sp, r->id, r->sev[sp->w], title, r->description, r->remediation, ev,
			  d);
		free(ev);
	}
out:
	free(buf);
	return rc;
}

/* ---- the config ------------------------------------------------------------------ */

static lc_code check_array(const config_shared *s, lc_emitter *em, const char *key, char **v,
			   where w)
{
	lc_code rc = LC_OK;
	char *text;
	spot sp = {LC_SRC_CONFIG, key, -1, 0, NULL, w};

	if (!v)
		goto out;
	text = lc__argv_join(v, TEXT_MAX);
	if (!text) {
		rc = LC_EINTERNAL;
		goto out;
	}
	rc = check_text(s, em, &sp, text);
	free(text);
out:
	return rc;
}

static bool is_root_user(const char *u)
{
	size_t n = strcspn(u, ":");
	return (n == 1 && u[0] == '0') || (n == 4 && strncmp(u, "root", 4) == 0);
}

static lc_code check_user(lc_emitter *em, const lc_config *c)
{
	lc_code rc = LC_OK;
	spot sp = {LC_SRC_CONFIG, "config.User", -1, 0, NULL, W_CONFIG};

	if (!c->user || !c->user[0]) {
		/* LOW: no USER is the default every base image ships with (they cannot know
		 * the application's user), and `docker run --user` can still choose one. */
		rc = emit(em, &sp, "config.runs_as_root", LC_SEV_LOW,
			  "runs as root: the config sets no USER",
			  "Without a USER the container's processes run as root (uid 0); a "
			  "compromise of the application is then root in the container, one "
			  "kernel bug away from the host. LOW because it is the default of base "
			  "images, which leave the choice to the images built on them.",
			  "Add a non-root USER to the image (or run it with --user).", "User: (unset)",
			  NULL);
	} else if (is_root_user(c->user)) {
		/* MEDIUM: someone chose root on purpose, often switching back after a
		 * non-root step; every container of the image inherits it. */
		char ev[300];
		snprintf(ev, sizeof(ev), "User: %.250s", c->user);
		rc = emit(em, &sp, "config.runs_as_root", LC_SEV_MEDIUM,
			  "runs as root: the config sets USER root explicitly",
			  "The image explicitly runs its processes as root (uid 0). MEDIUM rather "
			  "than LOW because it is a deliberate choice, not a base image's default.",
			  "Run as a non-root USER.", ev, NULL);
	}
	return rc;
}

/* Ports miners' pools listen on (Falco's miner_ports, without the web ports 25, 80xx,
 * 8888 and 9999 that ordinary services expose). */
static const int miner_ports[] = {3333, 3334, 3335, 3336, 3357, 4444, 5555, 5556, 5588,
				  5730, 6099, 6666, 7777, 7778, 8333, 14433, 14444, 45560,
				  45700};

static bool final_exists(const lc_view *v, const char *path)
{
	bool present = false;

	/* The topmost layer that has the path decides. */
	for (int L = v->files ? (int)v->img->nlayers - 1 : -1; L >= 0; L--) {
		const lc_fileinfo *fi = lc__fileidx_find(v->files, L, path);
		if (fi) {
			present = fi->removed_in < 0 && fi->type != LC_FT_WHITEOUT;
			break;
		}
	}
	return present;
}

static lc_code check_ports(lc_emitter *em, const lc_view *v)
{
	lc_code rc = LC_OK;
	char **ports = v->img->config.exposed_ports;
	spot sp = {LC_SRC_CONFIG, "config.ExposedPorts", -1, 0, NULL, W_CONFIG};
	bool sshd = final_exists(v, "usr/sbin/sshd") || final_exists(v, "sbin/sshd") ||
		    final_exists(v, "usr/bin/sshd");

	for (size_t i = 0; ports && ports[i] && rc == LC_OK; i++) {
		int port = atoi(ports[i]);
		char ev[128], title[160], key[128];
		/* One key per port, so two ports are two findings (ids differ by path). */
		snprintf(key, sizeof(key), "config.ExposedPorts.%.100s", ports[i]);
		sp.path = key;
		snprintf(ev, sizeof(ev), "EXPOSE %.100s", ports[i]);
		for (size_t k = 0; k < sizeof(miner_ports) / sizeof(miner_ports[0]); k++) {
			if (port != miner_ports[k])
				continue;
			snprintf(title, sizeof(title), "exposes port %d, a mining pool port", port);
			rc = emit(em, &sp, "config.miner_port", LC_SEV_MEDIUM, title,
				  "Mining pools and their proxies listen on these ports (Falco's "
				  "miner_ports list); an image exposing one may be a pool proxy or a "
				  "miner's relay.",
				  "Check which program listens on the port and why.", ev,
				  json_pack("{s:i}", "port", port));
		}
		if (port == 22 && sshd && rc == LC_OK)
			rc = emit(em, &sp, "config.ssh_exposed", LC_SEV_MEDIUM,
				  "exposes SSH (22) with an sshd in the image",
				  "An SSH daemon inside a container is a second way in that bypasses "
				  "the runtime's exec and logging, and a favourite of cryptojacking "
				  "campaigns for persistence.",
				  "Use `docker exec`/`kubectl exec` instead of sshd.", ev,
				  json_pack("{s:i}", "port", port));
	}
	return rc;
}

static lc_code check_config(const config_shared *s, lc_emitter *em, const lc_view *v)
{
	lc_code rc = LC_OK;
	const lc_config *c = &v->img->config;

	rc = check_array(s, em, "config.Entrypoint", c->entrypoint, W_CONFIG);
	if (rc == LC_OK)
		rc = check_array(s, em, "config.Cmd", c->cmd, W_CONFIG);
	if (rc == LC_OK)
		rc = check_array(s, em, "config.Healthcheck", c->healthcheck, W_CONFIG);
	if (rc == LC_OK)
		rc = check_array(s, em, "config.OnBuild", c->onbuild, W_HISTORY);
	for (size_t i = 0; c->env && c->env[i] && rc == LC_OK; i++) {
		const char *e = c->env[i];
		char key[128];
		snprintf(key, sizeof(key), "config.Env.%.*s", (int)(strcspn(e, "=") > 100 ? 100 : strcspn(e, "=")), e);
		spot sp = {LC_SRC_CONFIG, key, -1, 0, NULL, W_DATA};
		if (strncmp(e, "LD_PRELOAD=", 11) == 0 && e[11]) {
			char ev[300];
			bool benign = benign_preload(e + 11);
			snprintf(ev, sizeof(ev), "%.290s", e);
			rc = emit(em, &sp, "config.ld_preload", benign ? LC_SEV_LOW : LC_SEV_HIGH,
				  benign ? "the config's Env preloads a known allocator or wrapper"
					 : "the config's Env sets LD_PRELOAD for every process",
				  ldp_desc, ldp_fix, ev, NULL);
			continue;
		}
		rc = check_text(s, em, &sp, e);
	}
	if (rc == LC_OK && c->labels && json_is_object(c->labels)) {
		const char *k;
		json_t *val;
		char key[160];
		spot sp = {LC_SRC_CONFIG, key, -1, 0, NULL, W_DATA};
		json_object_foreach(c->labels, k, val) {
			if (rc != LC_OK)
				break;
			snprintf(key, sizeof(key), "config.Labels.%.140s", k);
			if (json_is_string(val))
				rc = check_text(s, em, &sp, json_string_value(val));
		}
	}
	if (rc == LC_OK && c->working_dir) {
		const char *wd = c->working_dir;
		spot sp = {LC_SRC_CONFIG, "config.WorkingDir", -1, 0, NULL, W_CONFIG};
		if (!strncmp(wd, "/tmp", 4) || !strncmp(wd, "/dev/shm", 8) ||
		    !strncmp(wd, "/var/tmp", 8)) {
			char ev[300];
			snprintf(ev, sizeof(ev), "WorkingDir: %.280s", wd);
			rc = emit(em, &sp, "config.workdir_tmp", LC_SEV_LOW,
				  "works in a world-writable temporary directory",
				  "The container starts in a directory every user can write to, where "
				  "droppers stage their files; a real application has a home of its own.",
				  "Set WORKDIR to a directory owned by the application.", ev, NULL);
		}
	}
	if (rc == LC_OK)
		rc = check_user(em, c);
	if (rc == LC_OK)
		rc = check_ports(em, v);
	return rc;
}

/* ---- history ----------------------------------------------------------------------- */

/* Instructions whose effect is the config (checked there, where it is final). */
static bool metadata_step(const char *cb)
{
	static const char *const meta[] = {"CMD", "ENTRYPOINT", "ENV", "LABEL", "HEALTHCHECK",
					   "USER", "EXPOSE", "WORKDIR", "ONBUILD", "STOPSIGNAL",
					   "VOLUME", "ARG", "SHELL", "MAINTAINER", NULL};
	const char *p = cb;
	if (strncmp(p, "/bin/sh -c ", 11) == 0)
		p += 11;
	while (*p == ' ')
		p++;
	if (strncmp(p, "#(nop)", 6) == 0) {
		p += 6;
		while (*p == ' ')
			p++;
	}
	bool meta_only = false;
	for (size_t i = 0; meta[i] && !meta_only; i++) {
		size_t n = strlen(meta[i]);
		meta_only = strncmp(p, meta[i], n) == 0 && (p[n] == ' ' || p[n] == '\0');
	}
	return meta_only;
}

/* ADD of a remote file that will be executed: the URL or destination names a program,
 * or the destination is a bin directory, or --chmod gives it execute bits. */
static bool add_is_executable(const char *cmd)
{
	char url[1024] = "", dest[1024] = "";
	const char *u = strstr(cmd, "://");
	bool exec = false;

	if (!u)
		goto out;
	while (u > cmd && u[-1] != ' ')
		u--;
	sscanf(u, "%1023s %1023s", url, dest);
	if (strcmp(dest, "in") == 0)
		sscanf(u, "%*s %*s %1023s", dest);
	const char *base = strrchr(dest, '/') ? strrchr(dest, '/') + 1 : dest;
	if (!*base) /* "ADD url /usr/local/bin/": the file keeps the URL's name */
		base = strrchr(url, '/') ? strrchr(url, '/') + 1 : url;
	static const char *const ext[] = {".sh", ".py", ".pl", ".bin", ".elf", ".run", ".exe",
					  ".appimage", NULL};
	for (size_t i = 0; ext[i]; i++) {
		size_t n = strlen(ext[i]), b = strlen(base);
		if (b > n && strcasecmp(base + b - n, ext[i]) == 0)
			exec = true;
	}
	exec = exec || strstr(dest, "/bin/") || strstr(dest, "/sbin/") ||
	       (base[0] && !strchr(base, '.'));
	if (strstr(cmd, "--chmod=") && strpbrk(strstr(cmd, "--chmod=") + 8, "1357x"))
		exec = true;
out:
	return exec;
}

/* The command of a RUN step without the builder's wrapper ("RUN |2 A=b /bin/sh -c "),
 * which would otherwise read as a "sh -c" of its own. */
static const char *step_command(const char *cb)
{
	const char *p = cb;
	if (strncmp(p, "RUN ", 4) == 0)
		p += 4;
	if (*p == '|') {
		const char *q = strstr(p, "/bin/sh -c ");
		if (q)
			p = q;
	}
	if (strncmp(p, "/bin/sh -c ", 11) == 0)
		p += 11;
	return p;
}

static lc_code check_history(const config_shared *s, lc_emitter *em, const lc_view *v)
{
	lc_code rc = LC_OK;
	const lc_image *img = v->img;

	for (size_t i = 0; i < img->nhistory && rc == LC_OK; i++) {
		const char *cb = img->history[i].created_by;
		char path[48];
		if (!cb || !*cb || metadata_step(cb))
			continue;
		snprintf(path, sizeof(path), "history[%zu]", i);
		spot sp = {LC_SRC_HISTORY, path, -1, 0, cb, W_HISTORY};
		rc = check_text(s, em, &sp, step_command(cb));
		size_t at = 0;
		if (rc == LC_OK && rx_find(s, s->add_url, cb, &at) && add_is_executable(cb + at)) {
			bool sum = strstr(cb, "--checksum=") != NULL;
			char *ev = evidence_of(cb, at);
			rc = emit(em, &sp, "config.add_remote_executable",
				  sum ? LC_SEV_LOW : LC_SEV_MEDIUM,
				  sum ? "build step ADDs an executable from a URL (checksum pinned)"
				      : "build step ADDs an executable from a URL without a checksum",
				  "ADD fetched a program from the network at build time; without "
				  "--checksum the image holds whatever the server sent that day.",
				  "Use ADD --checksum=sha256:... or download and verify in a RUN step.",
				  ev, NULL);
			free(ev);
		}
	}
	return rc;
}

/* ---- files: persistence, sudo, leftovers ------------------------------------------ */

static const char *layer_created_by(const lc_image *img, int layer)
{
	const char *cb = NULL;
	int h = layer >= 0 && (size_t)layer < img->nlayers ? img->layers[layer].history : -1;

	if (h >= 0 && (size_t)h < img->nhistory)
		cb = img->history[h].created_by;
	return cb;
}

/* Call fn for each line (without its newline), with its 1-based number. */
typedef lc_code (*line_fn)(void *ud, const char *line, int64_t no);
static lc_code each_line(const uint8_t *buf, size_t len, line_fn fn, void *ud)
{
	lc_code rc = LC_OK;
	char line[4096];
	int64_t no = 0;

	for (size_t off = 0; off < len && rc == LC_OK;) {
		const uint8_t *nl = memchr(buf + off, '\n', len - off);
		size_t n = nl ? (size_t)(nl - (buf + off)) : len - off;
		size_t keep = n < sizeof(line) - 1 ? n : sizeof(line) - 1;
		memcpy(line, buf + off, keep);
		line[keep] = '\0';
		for (size_t k = 0; k < keep; k++)
			if (line[k] == '\0' || line[k] == '\r')
				line[k] = ' ';
		no++;
		rc = fn(ud, line, no);
		off += n + 1;
	}
	return rc;
}

static bool comment_or_blank(const char *l)
{
	l += strspn(l, " \t");
	return *l == '\0' || *l == '#';
}

/* What a persistence file's lines are: a crontab (with or without the user field of
 * system crontabs), a script run by cron, or a systemd unit. */
typedef enum pkind { P_CRONTAB_USERFIELD, P_CRONTAB, P_SCRIPT, P_UNIT } pkind;

typedef struct file_ctx {
	const config_shared *s;
	lc_emitter *em;
	spot sp;
	int hits;
	bool user_crontab;
	bool every_minute;
	pkind kind;
} file_ctx;

static const char *skip_fields(const char *p, int n)
{
	for (int i = 0; i < n && *p; i++) {
		p += strspn(p, " \t");
		p += strcspn(p, " \t");
	}
	return p + strspn(p, " \t");
}

/* The command a line runs, or NULL when it runs none (settings, unit keys). */
static const char *line_command(const file_ctx *fc, const char *line)
{
	const char *p = line + strspn(line, " \t");
	const char *cmd = NULL;
	size_t first = strcspn(p, " \t");

	if (fc->kind == P_SCRIPT) {
		cmd = p;
	} else if (fc->kind == P_UNIT) {
		if (strncmp(p, "Exec", 4) == 0 && strchr(p, '=')) {
			cmd = strchr(p, '=') + 1;
			cmd += strspn(cmd, "-@+!: ");
		}
	} else if (!memchr(p, '=', first)) { /* NAME=value lines set the jobs' environment */
		cmd = *p == '@' ? skip_fields(p, 1) : skip_fields(p, 5);
		if (fc->kind == P_CRONTAB_USERFIELD)
			cmd = skip_fields(cmd, 1);
	}
	return cmd;
}

static lc_code sudoers_line(void *ud, const char *line, int64_t no)
{
	file_ctx *fc = ud;
	lc_code rc = LC_OK;

	if (comment_or_blank(line) || !strstr(line, "NOPASSWD") || fc->hits >= LINES_MAX)
		goto out;
	fc->hits++;
	fc->sp.line = no;
	bool all = strstr(line, "NOPASSWD: ALL") || strstr(line, "NOPASSWD:ALL");
	rc = emit(fc->em, &fc->sp, "config.sudo_nopasswd", LC_SEV_MEDIUM,
		  all ? "sudoers lets a user run anything as root without a password"
		      : "sudoers lets a user run commands as root without a password",
		  "A NOPASSWD sudo rule turns any foothold as that user into root inside the "
		  "container, with nothing to guess.",
		  "Drop sudo from the image; containers should not need to switch to root.", line,
		  NULL);
out:
	return rc;
}

/* Cron and systemd lines: the command rules at their strongest, plus programs run from
 * temporary or hidden directories. */
static lc_code persist_line(void *ud, const char *line, int64_t no)
{
	file_ctx *fc = ud;
	lc_code rc = LC_OK;

	if (comment_or_blank(line) || fc->hits >= LINES_MAX)
		goto out;
	fc->sp.line = no;
	if (fc->user_crontab && !fc->hits) {
		fc->hits++;
		rc = emit(fc->em, &fc->sp, "config.cron_user_crontab", LC_SEV_MEDIUM,
			  "user crontab in the image",
			  "A per-user crontab (var/spool/cron) is written by `crontab`, never by a "
			  "package: someone scheduled a command inside the image, the usual "
			  "persistence of miners and botnets.",
			  "Read the entry; schedule jobs outside the image.", line, NULL);
	}
	int before = fc->hits;
	const char *cmd = line_command(fc, line);
	if (!cmd || !*cmd)
		goto out;
	for (size_t i = 0; i < NRULES && rc == LC_OK && fc->hits == before; i++) {
		if (!rx_find(fc->s, fc->s->re[i], cmd, NULL))
			continue;
		/* Download-and-run and decode-and-run in these files are the dropper
		 * detector's (malware); chmod in a job is no persistence. */
		if (strcmp(text_rules[i].id, "config.chmod_world_writable") == 0 ||
		    strcmp(text_rules[i].id, "config.chmod_setuid") == 0 ||
		    strcmp(text_rules[i].id, "config.download_run") == 0 ||
		    strcmp(text_rules[i].id, "config.base64_run") == 0)
			continue;
		char title[256];
		snprintf(title, sizeof(title), "scheduled or service command %s",
			 text_rules[i].title);
		fc->hits++;
		rc = emit(fc->em, &fc->sp, "config.persistence", LC_SEV_HIGH, title,
			  "A cron job or systemd unit in the image runs this on a schedule or at "
			  "boot: persistence for whatever it fetches or connects to.",
			  text_rules[i].remediation, line,
			  json_pack("{s:s}", "technique", text_rules[i].title));
	}
	if (rc == LC_OK && fc->hits == before && rx_find(fc->s, fc->s->tmp_exec, cmd, NULL)) {
		fc->hits++;
		rc = emit(fc->em, &fc->sp, "config.persistence", LC_SEV_HIGH,
			  "scheduled or service command runs a program from a temporary or hidden "
			  "directory",
			  "Packaged jobs run programs from system paths; one run from /tmp, "
			  "/dev/shm or a hidden directory is a dropper's persistence.",
			  "Find what put the program there and remove both.", line,
			  json_pack("{s:s}", "technique", "runs from a temporary or hidden directory"));
	}
	if (rc == LC_OK && fc->hits == before && !fc->every_minute && fc->kind <= P_CRONTAB &&
	    strncmp(line + strspn(line, " \t"), "* * * * *", 9) == 0) {
		fc->every_minute = true;
		rc = emit(fc->em, &fc->sp, "config.cron_every_minute", LC_SEV_LOW,
			  "cron job runs every minute",
			  "A job scheduled every minute is how miners and bots respawn after being "
			  "killed; packaged jobs rarely need it.",
			  "Check the job's command.", line, NULL);
	}
out:
	return rc;
}

static bool is_cron_path(const char *p)
{
	return !strncmp(p, "etc/cron.", 9) || !strcmp(p, "etc/crontab") ||
	       !strncmp(p, "var/spool/cron/", 15);
}

static lc_code config_file(void *shared, void *worker, lc_emitter *em, const lc_entry *e,
			   const uint8_t *buf, size_t len, bool truncated)
{
	lc_code rc = LC_OK;
	file_ctx fc = {shared, em, {LC_SRC_FILE, e->path, e->layer, 0, NULL, W_FILE}, 0, false,
		       false, P_SCRIPT};

	(void)worker;
	(void)truncated;
	if (!strncmp(e->path, "etc/sudoers.d/", 14)) {
		rc = each_line(buf, len, sudoers_line, &fc);
	} else if (is_cron_path(e->path)) {
		fc.user_crontab = !strncmp(e->path, "var/spool/cron/", 15);
		fc.kind = fc.user_crontab		      ? P_CRONTAB
			  : !strncmp(e->path, "etc/cron.d/", 11) ? P_CRONTAB_USERFIELD
								 : P_SCRIPT;
		rc = each_line(buf, len, persist_line, &fc);
	} else if (!strncmp(e->path, "etc/systemd/system/", 19)) {
		fc.kind = P_UNIT;
		rc = each_line(buf, len, persist_line, &fc);
	}
	return rc;
}

/* Package manager caches: bytes the image ships for nothing, and a record of what was
 * installed from where. */
static const struct {
	const char *prefix, *what;
} caches[] = {
	{"var/cache/apt/archives/", "apt package archives (.deb)"},
	{"var/lib/apt/lists/", "apt package lists"},
	{"var/cache/apk/", "apk cache"},
	{"var/cache/yum/", "yum cache"},
	{"var/cache/dnf/", "dnf cache"},
	{"var/cache/zypp/", "zypper cache"},
	{"root/.cache/pip/", "pip cache"},
	{"root/.npm/_cacache/", "npm cache"},
	{"usr/local/share/.cache/yarn/", "yarn cache"},
	{"root/.cache/go-build/", "Go build cache"},
};
#define NCACHES (sizeof(caches) / sizeof(caches[0]))

static bool leftover_env(const char *path)
{
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	static const char *const templates[] = {".example", ".sample", ".template", ".dist",
						".defaults", ".tmpl", NULL};
	bool env = strcmp(base, ".env") == 0 || strncmp(base, ".env.", 5) == 0;

	for (size_t i = 0; templates[i] && env; i++)
		env = !strstr(base + 4, templates[i]);
	/* Packaged software carries sample .env files in its own trees. */
	return env && strncmp(path, "usr/", 4) != 0 && !strstr(path, "node_modules/") &&
	       !strstr(path, "site-packages/") && !strstr(path, "dist-packages/");
}

static lc_code check_files(lc_emitter *em, const lc_view *v)
{
	lc_code rc = LC_OK;
	int64_t cache_bytes[NCACHES] = {0}, cache_files[NCACHES] = {0};
	int cache_layer[NCACHES];
	size_t n = v->files ? lc__fileidx_count(v->files) : 0;
	char last_git[LC_NAME_MAX * 4] = "";
	int reported = 0;

	for (size_t c = 0; c < NCACHES; c++)
		cache_layer[c] = -1;
	for (size_t i = 0; i < n && rc == LC_OK; i++) {
		const lc_fileinfo *fi = lc__fileidx_get(v->files, i);
		if (!fi || fi->type == LC_FT_WHITEOUT || fi->type == LC_FT_OPAQUE)
			continue;
		/* Caches and units count as the image runs them (final view); a .git or
		 * .env removed later is still extractable, so every layer counts. */
		bool visible = fi->removed_in < 0;
		if (fi->type == LC_FT_REG && visible) {
			for (size_t c = 0; c < NCACHES; c++) {
				size_t pl = strlen(caches[c].prefix);
				if (strncmp(fi->path, caches[c].prefix, pl) != 0 ||
				    strstr(fi->path, "/partial") || strstr(fi->path, "/lock"))
					continue;
				if (fi->size <= 0)
					continue;
				cache_bytes[c] += fi->size;
				cache_files[c]++;
				if (fi->layer > cache_layer[c])
					cache_layer[c] = fi->layer;
			}
		}
		/* A .git directory: report its root once. */
		const char *g = strstr(fi->path, ".git");
		if (g && (g == fi->path || g[-1] == '/') && (g[4] == '\0' || g[4] == '/') &&
		    reported < LINES_MAX) {
			size_t rl = (size_t)(g - fi->path) + 4;
			if (rl < sizeof(last_git) &&
			    !(strlen(last_git) == rl && !strncmp(last_git, fi->path, rl)) &&
			    !strstr(fi->path, "node_modules/")) {
				snprintf(last_git, sizeof(last_git), "%.*s", (int)rl, fi->path);
				/* The first record under the root names it: the directory
				 * itself when the layer has its entry, so the scan can mark
				 * the finding hidden when a later layer removed it. */
				spot sp = {LC_SRC_FILE, fi->path, fi->layer, 0,
					   layer_created_by(v->img, fi->layer), W_FILE};
				reported++;
				rc = emit(em, &sp, "config.build_context_git", LC_SEV_MEDIUM,
					  "a .git directory was copied into the image",
					  "The repository's whole history is in the image: deleted "
					  "secrets, internal URLs and code the image was not meant to "
					  "ship. Typical of COPY . without a .dockerignore.",
					  "Add .git to .dockerignore and copy only what the image needs.",
					  last_git, NULL);
			}
		}
		if (rc == LC_OK && fi->type == LC_FT_REG && leftover_env(fi->path) &&
		    reported < LINES_MAX) {
			spot sp = {LC_SRC_FILE, fi->path, fi->layer, 0,
				   layer_created_by(v->img, fi->layer), W_FILE};
			reported++;
			rc = emit(em, &sp, "config.build_context_env", LC_SEV_MEDIUM,
				  "a .env file was copied into the image",
				  ".env files hold a project's local settings and secrets (database "
				  "passwords, API keys); in an image everyone who pulls it has them.",
				  "Add .env to .dockerignore and pass settings at run time.", fi->path,
				  NULL);
		}
		/* A unit written into the admin's directory, not installed by a package. */
		if (rc == LC_OK && fi->type == LC_FT_REG && visible &&
		    !strncmp(fi->path, "etc/systemd/system/", 19) &&
		    (strstr(fi->path, ".service") || strstr(fi->path, ".timer"))) {
			spot sp = {LC_SRC_FILE, fi->path, fi->layer, 0,
				   layer_created_by(v->img, fi->layer), W_FILE};
			rc = emit(em, &sp, "config.systemd_unit", LC_SEV_LOW,
				  "systemd unit written outside the package manager",
				  "Packages install units under lib/systemd/system and enable them with "
				  "symlinks; a regular unit file in etc/systemd/system was written by "
				  "hand, a common persistence step.",
				  "Check what the unit runs.", fi->path, NULL);
		}
	}
	for (size_t c = 0; c < NCACHES && rc == LC_OK; c++) {
		if (!cache_files[c])
			continue;
		char title[160], ev[160];
		spot sp = {LC_SRC_FILE, caches[c].prefix, cache_layer[c], 0,
			   layer_created_by(v->img, cache_layer[c]), W_FILE};
		snprintf(title, sizeof(title), "%s left in the image", caches[c].what);
		snprintf(ev, sizeof(ev), "%lld files, %lld bytes", (long long)cache_files[c],
			 (long long)cache_bytes[c]);
		rc = emit(em, &sp, "config.package_cache", LC_SEV_LOW, title,
			  "Package manager caches make the image bigger and record where its "
			  "software came from; clean them in the same step that installs.",
			  "Clean the cache in the installing RUN step (apt-get clean && rm -rf "
			  "/var/lib/apt/lists/*, apk --no-cache, pip --no-cache-dir...).",
			  ev, json_pack("{s:I, s:I}", "files", (json_int_t)cache_files[c], "bytes",
					(json_int_t)cache_bytes[c]));
	}
	return rc;
}

/* Captured whole files of the final view: sudoers, ld.so.preload, crontab. */
static lc_code check_captures(const config_shared *s, lc_emitter *em, const lc_view *v)
{
	lc_code rc = LC_OK;
	size_t len = 0;
	int layer = -1;
	const uint8_t *buf;

	buf = lc__view_capture(v, "etc/sudoers", &len, &layer);
	if (buf) {
		file_ctx fc = {s, em, {LC_SRC_FILE, "etc/sudoers", layer, 0, NULL, W_FILE}, 0, false,
			       false, P_SCRIPT};
		rc = each_line(buf, len, sudoers_line, &fc);
	}
	buf = lc__view_capture(v, "etc/crontab", &len, &layer);
	if (buf && rc == LC_OK) {
		file_ctx fc = {s, em, {LC_SRC_FILE, "etc/crontab", layer, 0, NULL, W_FILE}, 0, false,
			       false, P_CRONTAB_USERFIELD};
		rc = each_line(buf, len, persist_line, &fc);
	}
	buf = lc__view_capture(v, "etc/ld.so.preload", &len, &layer);
	if (buf && rc == LC_OK) {
		char first[256] = "";
		for (size_t i = 0, o = 0; i < len && o + 1 < sizeof(first); i++) {
			if (buf[i] == '\n' && o)
				break;
			if ((buf[i] > ' ' || (o && buf[i] == ' ')) && buf[i] < 0x7f)
				first[o++] = (char)buf[i];
			first[o] = '\0';
		}
		if (first[0] && first[0] != '#') {
			spot sp = {LC_SRC_FILE, "etc/ld.so.preload", layer, 0,
				   layer_created_by(v->img, layer), W_FILE};
			rc = emit(em, &sp, "config.ld_so_preload",
				  benign_preload(first) ? LC_SEV_LOW : LC_SEV_HIGH,
				  "etc/ld.so.preload preloads a library into every program", pre_desc,
				  pre_fix, first, NULL);
		}
	}
	return rc;
}

static lc_code config_image(void *shared, lc_emitter *em, const lc_view *v)
{
	const config_shared *s = shared;
	lc_code rc = check_config(s, em, v);
	if (rc == LC_OK)
		rc = check_history(s, em, v);
	if (rc == LC_OK)
		rc = check_captures(s, em, v);
	if (rc == LC_OK)
		rc = check_files(em, v);
	return rc;
}

static const char *const config_paths[] = {
	"etc/sudoers.d/*", "etc/cron.d/*",    "etc/cron.hourly/*",   "etc/cron.daily/*",
	"etc/cron.weekly/*", "etc/cron.monthly/*", "var/spool/cron/*", "etc/systemd/system/*",
	NULL,
};
static const char *const config_captures[] = {"etc/sudoers", "etc/crontab", "etc/ld.so.preload",
					      NULL};

const lc_detector lc__det_config = {
	.name = "config",
	.description = "config and build history: download-and-run, reverse shells, root, miner "
		       "ports, persistence (cron, systemd, sudo, ld.so.preload), leftovers",
	.wants = LC_WANT_BUFFER,
	.paths = config_paths,
	.max_size = 262144,
	.capture = config_captures,
	.load = config_load,
	.unload = config_unload,
	.on_file = config_file,
	.on_image = config_image,
};
