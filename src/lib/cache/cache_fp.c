/*
 * cache_fp.c - the fingerprint half of a cache key: SHA-256 over everything that can
 * change what a layer scan reports (engine version, detectors, limits, rule contents).
 * Each value goes in as (name, length, bytes) so no two different inputs collide.
 */
#include "cache_int.h"

#include <dirent.h>
#include <elf.h>
#include <link.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A rule directory deeper than this is hashed only down to here (loops, symlink farms). */
#define FP_DIR_DEPTH 8
/* Entries of one directory considered; beyond that they go in as a count only. */
#define FP_DIR_ENTRIES 100000

struct lc_cache_fp {
	EVP_MD_CTX *md;
	bool failed;
};

lc_cache_fp *lc__cache_fp_new(void)
{
	lc_cache_fp *fp = calloc(1, sizeof(*fp));

	if (!fp)
		return NULL;
	fp->md = EVP_MD_CTX_new();
	if (!fp->md || EVP_DigestInit_ex(fp->md, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(fp->md);
		free(fp);
		return NULL;
	}
	return fp;
}

static void fp_raw(lc_cache_fp *fp, const void *data, size_t len)
{
	if (len && EVP_DigestUpdate(fp->md, data, len) != 1)
		fp->failed = true;
}

static void fp_len(lc_cache_fp *fp, uint64_t n)
{
	uint8_t b[8];

	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(n >> (8 * i));
	fp_raw(fp, b, sizeof(b));
}

void lc__cache_fp_add(lc_cache_fp *fp, const char *name, const void *data, size_t len)
{
	size_t nl = strlen(name);

	fp_len(fp, nl);
	fp_raw(fp, name, nl);
	fp_len(fp, len);
	fp_raw(fp, data, len);
}

void lc__cache_fp_add_str(lc_cache_fp *fp, const char *name, const char *s)
{
	/* NULL and "" differ: NULL goes in as a length no string can have. */
	if (!s) {
		size_t nl = strlen(name);

		fp_len(fp, nl);
		fp_raw(fp, name, nl);
		fp_len(fp, UINT64_MAX);
		return;
	}
	lc__cache_fp_add(fp, name, s, strlen(s));
}

void lc__cache_fp_add_int(lc_cache_fp *fp, const char *name, int64_t v)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%lld", (long long)v);

	lc__cache_fp_add(fp, name, buf, (size_t)n);
}

/* Content of one regular file, streamed (rule databases can be large). */
static int fp_file_content(lc_cache_fp *fp, const char *name, int fd)
{
	int rc = 0;
	uint8_t buf[65536];
	struct stat st;
	ssize_t n;
	uint64_t total = 0;

	if (fstat(fd, &st) != 0)
		return -1;
	/* The length first keeps (name, content) unambiguous without buffering the file. */
	lc__cache_fp_add(fp, name, "file", 4);
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		fp_raw(fp, buf, (size_t)n);
		total += (uint64_t)n;
	}
	if (n < 0)
		rc = -1;
	fp_len(fp, total);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int fp_path(lc_cache_fp *fp, const char *name, const char *path, int depth);

/* A directory as its sorted names and their contents, so file order on disk does not
 * matter but any added, removed or edited rule file does. */
static int fp_dir(lc_cache_fp *fp, const char *name, const char *path, int depth)
{
	int rc = 0;
	DIR *d = opendir(path);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0, skipped = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)) != NULL) {
		char **nv;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (n >= FP_DIR_ENTRIES) {
			skipped++;
			continue;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			nv = realloc(names, cap * sizeof(*names));
			if (!nv) {
				rc = -1;
				goto out;
			}
			names = nv;
		}
		names[n] = strdup(de->d_name);
		if (!names[n]) {
			rc = -1;
			goto out;
		}
		n++;
	}
	qsort(names, n, sizeof(*names), cmp_str);
	lc__cache_fp_add(fp, name, "dir", 3);
	for (size_t i = 0; i < n; i++) {
		char sub[4096];

		if ((size_t)snprintf(sub, sizeof(sub), "%s/%s", path, names[i]) >= sizeof(sub)) {
			rc = -1;
			continue;
		}
		lc__cache_fp_add_str(fp, "entry", names[i]);
		if (fp_path(fp, "content", sub, depth + 1) != 0)
			rc = -1;
	}
	lc__cache_fp_add_int(fp, "skipped", (int64_t)skipped);
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return rc;
}

static int fp_path(lc_cache_fp *fp, const char *name, const char *path, int depth)
{
	int rc = 0, fd = -1;
	struct stat st;

	if (depth > FP_DIR_DEPTH) {
		lc__cache_fp_add(fp, name, "deep", 4);
		return 0;
	}
	if (stat(path, &st) != 0) {
		rc = -1;
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		rc = fp_dir(fp, name, path, depth);
		goto out;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 || fp_file_content(fp, name, fd) != 0)
		rc = -1;
out:
	if (rc != 0)
		lc__cache_fp_add(fp, name, "unreadable", 10);
	if (fd >= 0)
		close(fd);
	return rc;
}

int lc__cache_fp_add_file(lc_cache_fp *fp, const char *name, const char *path)
{
	lc__cache_fp_add_str(fp, "path", path);
	return fp_path(fp, name, path, 0);
}

void lc__cache_fp_final(lc_cache_fp *fp, char out[65])
{
	static const char hex[] = "0123456789abcdef";
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	out[0] = 0;
	if (!fp)
		return;
	if (EVP_DigestFinal_ex(fp->md, md, &n) != 1 || n != 32)
		fp->failed = true;
	if (!fp->failed) {
		for (unsigned i = 0; i < 32; i++) {
			out[2 * i] = hex[md[i] >> 4];
			out[2 * i + 1] = hex[md[i] & 15];
		}
		out[64] = 0;
	}
	EVP_MD_CTX_free(fp->md);
	free(fp);
}

static void fp_list(lc_cache_fp *fp, const char *name, const lc_strlist *l)
{
	lc__cache_fp_add_int(fp, name, (int64_t)l->n);
	for (size_t i = 0; i < l->n; i++)
		lc__cache_fp_add_file(fp, name, l->v[i]);
}

/* The build-id of the object this code is linked into: a rebuilt engine (any detector's
 * code changed) must not be served the results of the old one, even at the same version. */
typedef struct build_id_search {
	uintptr_t addr;
	uint8_t id[64];
	size_t len;
} build_id_search;

static int build_id_cb(struct dl_phdr_info *info, size_t size, void *ud)
{
	build_id_search *b = ud;
	(void)size;
	bool mine = false;
	for (int i = 0; i < info->dlpi_phnum && !mine; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
		mine = ph->p_type == PT_LOAD && b->addr >= lo && b->addr < lo + ph->p_memsz;
	}
	if (!mine)
		return 0;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_NOTE)
			continue;
		const uint8_t *p = (const uint8_t *)(info->dlpi_addr + ph->p_vaddr);
		const uint8_t *end = p + ph->p_memsz;
		while (p + sizeof(ElfW(Nhdr)) <= end) {
			const ElfW(Nhdr) *nh = (const ElfW(Nhdr) *)p;
			const uint8_t *name = p + sizeof(*nh);
			const uint8_t *desc = name + ((nh->n_namesz + 3) & ~3u);
			if (desc + nh->n_descsz > end)
				break;
			if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 &&
			    memcmp(name, "GNU", 4) == 0 && nh->n_descsz <= sizeof(b->id)) {
				memcpy(b->id, desc, nh->n_descsz);
				b->len = nh->n_descsz;
				return 1;
			}
			p = desc + ((nh->n_descsz + 3) & ~3u);
		}
	}
	return 1;
}

static void add_build_id(lc_cache_fp *fp)
{
	build_id_search b = {.addr = (uintptr_t)&add_build_id};
	dl_iterate_phdr(build_id_cb, &b);
	if (b.len)
		lc__cache_fp_add(fp, "build-id", b.id, b.len);
}

lc_code lc__cache_fp_add_ctx(lc_cache_fp *fp, lc_ctx *ctx)
{
	lc__cache_fp_add_str(fp, "engine", LC_VERSION_STRING);
	add_build_id(fp);
	lc__cache_fp_add_int(fp, "schema", LC_CACHE_SCHEMA_VERSION);
	lc__cache_fp_add_str(fp, "report", LC_REPORT_SCHEMA_VERSION);
	/* Detectors by name, so a detector added to the table changes the key. */
	for (size_t i = 0; lc__detectors[i]; i++) {
		lc__cache_fp_add_str(fp, "detector", lc__detectors[i]->name);
		if (ctx->det_enabled)
			lc__cache_fp_add_int(fp, "enabled", ctx->det_enabled[i]);
	}
	lc__cache_fp_add_str(fp, "scanners", ctx->scanners);
	lc__cache_fp_add_int(fp, "show-secrets", ctx->show_secrets);
	for (int i = 0; i < LC_LIM__COUNT; i++)
		lc__cache_fp_add_int(fp, "limit", ctx->limits[i]);
	fp_list(fp, "secret-config", &ctx->secret_configs);
	fp_list(fp, "yara-rules", &ctx->yara_rules);
	fp_list(fp, "ioc", &ctx->iocs);
	fp_list(fp, "hash-db", &ctx->hash_dbs);
	fp_list(fp, "trusted", &ctx->trusted);
	/* Shipped rules and feeds: a data update without a version bump still re-scans.
	 * Hashed at build time (scripts/embed.py): hashing 3 MB here cost every start. */
	if (strlen(lc__embedded_digest) != 64)
		fp->failed = true;
	lc__cache_fp_add_str(fp, "embedded", lc__embedded_digest);
	return fp->failed ? lc__fail(ctx, LC_EINTERNAL, "cache: fingerprint hash failed") : LC_OK;
}

lc_code lc__cache_fingerprint(lc_ctx *ctx, char out[65])
{
	lc_code rc;
	lc_cache_fp *fp = lc__cache_fp_new();

	out[0] = 0;
	if (!fp)
		return lc__fail(ctx, LC_EINTERNAL, "cache: out of memory");
	rc = lc__cache_fp_add_ctx(fp, ctx);
	lc__cache_fp_final(fp, out);
	if (rc == LC_OK && !out[0])
		rc = lc__fail(ctx, LC_EINTERNAL, "cache: fingerprint hash failed");
	return rc;
}
