/*
 * placement.c - ELF programs where programs do not belong: tmp/, dev/shm/, var/tmp/,
 * hidden directories, names of kernel threads or of system daemons outside the system
 * directories, UPX-packed binaries, and static stripped binaries outside the
 * directories package managers own (by location, until package databases can say
 * which files a package installed).
 */
#include "lc_private.h"

#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* UPX puts "UPX!" in its loader header, within the first 1 KiB of the file. */
#define UPX_PROBE 1024
/* Section header tables larger than this are not worth collecting. */
#define SHDR_MAX (64u * 1024u)

typedef struct pw {
	bool in_file, elf, elf64, le, upx, is_static;
	uint64_t shoff;
	uint32_t shsize; /* shnum * shentsize, bounded by SHDR_MAX */
	uint16_t shentsize;
	uint8_t *sh; /* collected section headers */
	uint32_t shgot;
	bool sh_overflow;
} pw;

/* Directories that hold a system's programs. */
static const char *const system_dirs[] = {"bin/", "sbin/", "usr/bin/", "usr/sbin/", "usr/lib/",
					  "usr/lib64/", "usr/lib32/", "usr/libexec/", "lib/",
					  "lib64/", "lib32/", "usr/local/bin/", "usr/local/sbin/",
					  "usr/local/lib/", "usr/share/", "opt/", NULL};
/* What package managers install (usr/local and opt are the admin's). */
static const char *const package_dirs[] = {"bin/", "sbin/", "usr/bin/", "usr/sbin/", "usr/lib/",
					   "usr/lib64/", "usr/lib32/", "usr/libexec/", "lib/",
					   "lib64/", "lib32/", "usr/share/", NULL};
/* Where attackers drop binaries because anyone may write there. */
static const char *const drop_dirs[] = {"tmp/", "var/tmp/", "dev/shm/", "run/shm/", "dev/mqueue/",
					"run/user/", "var/run/user/", NULL};
/* Hidden directories toolchains and language runtimes put real programs in. */
static const char *const hidden_ok[] = {".cargo", ".rustup", ".local", ".npm", ".nvm", ".pyenv",
					".rbenv", ".sdkman", ".gradle", ".m2", ".dotnet", ".bun",
					".deno", ".cache", ".vscode-server", ".vscode", ".go",
					".nuget", ".conda", ".venv", ".git", ".linuxbrew", ".krew",
					".cabal", ".ghcup", ".stack", ".opam", ".volta", ".pulumi",
					".tfenv", ".asdf", ".wasmtime", ".foundry", ".build-id",
					".jenkins", ".rvm", ".platformio", ".espressif", ".bin",
					".pnpm", ".yarn", ".store", ".libs", ".dylibs", ".singularity.d",
					NULL};
/* Kernel thread names: never files. */
static const char *const kthreads[] = {"kworker", "kworkerd", "kthreadd", "ksoftirqd", "kswapd0",
				       "kswapd", "khugepaged", "kblockd", "kauditd", "kdevtmpfs",
				       "kdevtmpfsi", "migration", "rcu_sched", "rcu_bh", "watchdogd",
				       "jbd2", "kintegrityd", "khungtaskd", "kcompactd0", "ksmd",
				       "kpsmoused", "kthrotld", "irqbalanced", "kacpid", NULL};
/* Daemon names that belong in system directories only. */
static const char *const daemons[] = {"sshd", "crond", "cron", "systemd", "init", "dbus-daemon",
				      "rsyslogd", "syslogd", "atd", "udevd", "systemd-journald",
				      "systemd-logind", "polkitd", "agetty", "top", "ps", "netstat",
				      "lsof", NULL};

static bool has_prefix(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

static bool under(const char *path, const char *const *dirs)
{
	for (int i = 0; dirs[i]; i++)
		if (has_prefix(path, dirs[i]))
			return true;
	return false;
}

static bool in_list(const char *const *l, const char *s)
{
	for (int i = 0; l[i]; i++)
		if (strcmp(l[i], s) == 0)
			return true;
	return false;
}

/* The first hidden directory on the path that no toolchain explains, or NULL.
 * Written into buf. */
static const char *odd_hidden_dir(const char *path, char *buf, size_t bufsz)
{
	const char *p = path;
	while (*p) {
		const char *slash = strchr(p, '/');
		if (!slash)
			break; /* the file name itself */
		if (p[0] == '.') {
			size_t n = (size_t)(slash - p);
			if (n >= bufsz)
				n = bufsz - 1;
			memcpy(buf, p, n);
			buf[n] = '\0';
			/* a hidden directory at the root of the filesystem explains itself never */
			if (p == path || !in_list(hidden_ok, buf))
				return buf;
		}
		p = slash + 1;
	}
	return NULL;
}

static lc_code emit(lc_emitter *em, const char *rule, lc_severity sev, const char *title,
		    const char *desc, const char *evidence)
{
	lc_finding_in f;
	memset(&f, 0, sizeof f);
	f.rule_id = rule;
	f.severity = sev;
	f.title = title;
	f.description = desc;
	f.source = LC_SRC_FILE;
	f.layer = -1;
	f.offset = -1;
	f.evidence = evidence;
	f.remediation = "Find out what put this program there; programs an image needs live in "
			"system directories and come from packages.";
	return lc__emit(em, &f);
}

static lc_code worker_new(void *shared, void **worker)
{
	(void)shared;
	*worker = calloc(1, sizeof(pw));
	return *worker ? LC_OK : LC_EINTERNAL;
}

static void worker_free(void *worker)
{
	pw *w = worker;
	if (w)
		free(w->sh);
	free(w);
}

static uint64_t rd(const uint8_t *p, int n, bool le)
{
	uint64_t v = 0;
	for (int i = 0; i < n; i++)
		v |= (uint64_t)p[le ? i : n - 1 - i] << (8 * i);
	return v;
}

/* Parse the ELF header and program headers found in the first block. */
static void elf_head(pw *w, const uint8_t *b, size_t len)
{
	uint64_t phoff;
	uint16_t phnum, phentsize, shnum;
	w->elf = len >= 64 && memcmp(b, ELFMAG, SELFMAG) == 0;
	if (!w->elf)
		return;
	w->elf64 = b[EI_CLASS] == ELFCLASS64;
	w->le = b[EI_DATA] != ELFDATA2MSB;
	w->upx = memmem(b, len < UPX_PROBE ? len : UPX_PROBE, "UPX!", 4) != NULL;
	if (w->elf64) {
		phoff = rd(b + 32, 8, w->le);
		w->shoff = rd(b + 40, 8, w->le);
		phentsize = (uint16_t)rd(b + 54, 2, w->le);
		phnum = (uint16_t)rd(b + 56, 2, w->le);
		w->shentsize = (uint16_t)rd(b + 58, 2, w->le);
		shnum = (uint16_t)rd(b + 60, 2, w->le);
	} else {
		phoff = rd(b + 28, 4, w->le);
		w->shoff = rd(b + 32, 4, w->le);
		phentsize = (uint16_t)rd(b + 42, 2, w->le);
		phnum = (uint16_t)rd(b + 44, 2, w->le);
		w->shentsize = (uint16_t)rd(b + 46, 2, w->le);
		shnum = (uint16_t)rd(b + 48, 2, w->le);
	}
	/* static: no PT_INTERP among the program headers we can see */
	w->is_static = true;
	for (uint32_t i = 0; i < phnum; i++) {
		uint64_t o = phoff + (uint64_t)i * phentsize;
		/* o < phoff: the sum wrapped; a hostile header must not steer the read */
		if (phentsize < 4 || o < phoff || o > len || len - o < 4) {
			w->is_static = false; /* cannot tell: say nothing */
			break;
		}
		if (rd(b + o, 4, w->le) == PT_INTERP) {
			w->is_static = false;
			break;
		}
	}
	if (phnum == 0)
		w->is_static = false; /* a relocatable object, not a program */
	w->shsize = (uint32_t)shnum * w->shentsize;
	w->sh_overflow = w->shsize == 0 || w->shsize > SHDR_MAX || w->shentsize < 8;
	w->shgot = 0;
}

/* Collect the section header table as it streams past. */
static void collect_sh(pw *w, const uint8_t *b, size_t len, int64_t off)
{
	uint64_t s = w->shoff, e = w->shoff + w->shsize, bs = (uint64_t)off, be = bs + len, lo, hi;
	if (w->sh_overflow || be <= s || bs >= e)
		return;
	if (!w->sh) {
		w->sh = malloc(SHDR_MAX);
		if (!w->sh) {
			w->sh_overflow = true;
			return;
		}
	}
	lo = bs > s ? bs : s;
	hi = be < e ? be : e;
	memcpy(w->sh + (lo - s), b + (lo - bs), (size_t)(hi - lo));
	w->shgot += (uint32_t)(hi - lo);
}

static bool stripped(const pw *w)
{
	if (w->sh_overflow || w->shgot != w->shsize)
		return false; /* unknown */
	for (uint32_t o = 0; o + w->shentsize <= w->shsize; o += w->shentsize)
		if (rd(w->sh + o + 4, 4, w->le) == SHT_SYMTAB)
			return false;
	return true;
}

static lc_code judge(pw *w, lc_emitter *em, const lc_entry *e)
{
	lc_code rc = LC_OK;
	const char *base = strrchr(e->path, '/');
	char hid[128], ev[600];
	bool sys = under(e->path, system_dirs);

	base = base ? base + 1 : e->path;
	snprintf(ev, sizeof ev, "ELF %s%s%s", w->elf64 ? "64-bit" : "32-bit", w->upx ? ", UPX-packed" : "",
		 w->is_static ? ", static" : "");
	if (under(e->path, drop_dirs))
		rc = emit(em, "placement.elf_in_temp_dir", LC_SEV_HIGH,
			  "Program in a world-writable temporary directory",
			  "An ELF program ships in tmp/, var/tmp/ or dev/shm/: droppers put miners "
			  "and bots there.",
			  ev);
	else if (odd_hidden_dir(e->path, hid, sizeof hid))
		rc = emit(em, "placement.elf_in_hidden_dir", sys ? LC_SEV_MEDIUM : LC_SEV_HIGH,
			  "Program in a hidden directory",
			  "An ELF program ships inside a hidden directory that no known toolchain "
			  "uses; malware hides there.",
			  ev);
	if (rc)
		goto out;
	{
		char name[256];
		size_t n = strlen(base);
		/* "kworker/0:1" style names and kworker123 both count */
		snprintf(name, sizeof name, "%s", base);
		while (n > 0 && ((name[n - 1] >= '0' && name[n - 1] <= '9') || name[n - 1] == '.'))
			name[--n] = '\0';
		if (in_list(kthreads, base) || (n >= 5 && in_list(kthreads, name))) {
			rc = emit(em, "placement.kernel_thread_name", LC_SEV_HIGH,
				  "Program named like a kernel thread",
				  "Kernel threads are not files; a program named like one (kworkerd, "
				  "kdevtmpfsi, kthreadd) is disguising itself in process lists.",
				  ev);
		} else if (in_list(daemons, base) && !sys) {
			rc = emit(em, "placement.daemon_name_outside_system", LC_SEV_HIGH,
				  "System program name outside the system directories",
				  "A program named like a system daemon or tool lives outside bin/, "
				  "sbin/, usr/ and lib/.",
				  ev);
		}
	}
	if (rc)
		goto out;
	if (w->upx)
		rc = emit(em, "placement.upx_packed", under(e->path, package_dirs) ? LC_SEV_MEDIUM : LC_SEV_HIGH,
			  "UPX-packed program",
			  "The program is compressed with UPX, which hides its code from inspection; "
			  "miners and bots are often shipped that way.",
			  ev);
	else if (w->is_static && !under(e->path, package_dirs) && stripped(w))
		rc = emit(em, "placement.static_stripped_elf", LC_SEV_LOW,
			  "Static, stripped program outside package directories",
			  "A statically linked program without symbols, outside the directories "
			  "packages install to. Go and Rust tools look like this too; check where it "
			  "came from.",
			  ev);
out:
	return rc;
}

static lc_code on_chunk(void *shared, void *worker, lc_emitter *em, const lc_entry *e,
			const uint8_t *buf, size_t len, int64_t offset, bool last)
{
	pw *w = worker;
	lc_code rc = LC_OK;
	(void)shared;

	if (!last && !w->in_file) {
		w->in_file = true;
		w->elf = false;
		if (offset == 0)
			elf_head(w, buf, len);
	}
	if (!last) {
		if (w->elf && !w->sh_overflow)
			collect_sh(w, buf, len, offset);
		goto out;
	}
	if (w->in_file && w->elf)
		rc = judge(w, em, e);
	w->in_file = false;
	w->elf = false;
out:
	return rc;
}

const lc_detector lc__det_placement = {
	.name = "placement",
	.description = "programs where programs do not belong: tmp/, hidden directories, kernel "
		       "thread names, UPX, static stripped binaries outside package directories",
	.wants = LC_WANT_CHUNKS,
	.worker_new = worker_new,
	.worker_free = worker_free,
	.on_chunk = on_chunk,
};
