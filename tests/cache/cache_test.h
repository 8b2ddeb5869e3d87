/*
 * cache_test.h - fixtures shared by the layer cache tests: a private cache directory,
 * a context pointing at it, a file index and findings built in memory.
 */
#ifndef LC_CACHE_TEST_H
#define LC_CACHE_TEST_H

#include "lc_private.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DIFF_A "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define DIFF_B "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define FP_1 "1111111111111111111111111111111111111111111111111111111111111111"
#define FP_2 "2222222222222222222222222222222222222222222222222222222222222222"

/* A fresh directory under $TMPDIR, removed by ct_cleanup (kept with LCTEST_KEEP=1). */
static inline char *ct_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char *d = malloc(4096);

	snprintf(d, 4096, "%s/lc-cache-test-XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(d)) {
		perror("mkdtemp");
		exit(99);
	}
	return d;
}

static inline void ct_cleanup(char *dir)
{
	char cmd[4200];

	if (getenv("LCTEST_KEEP") && strcmp(getenv("LCTEST_KEEP"), "1") == 0) {
		printf("# kept %s\n", dir);
		free(dir);
		return;
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "# could not remove %s\n", dir);
	free(dir);
}

static inline lc_ctx *ct_ctx(const char *dir)
{
	lc_ctx *ctx = lc_ctx_new();

	if (!ctx || lc_ctx_set_option(ctx, "cache-dir", dir) != LC_OK) {
		fprintf(stderr, "# cannot make a context\n");
		exit(99);
	}
	return ctx;
}

/* Layer `layer` of ix gets n files ("usr/lib/fNNNNN.so") plus a few special entries. */
static inline void ct_fill(lc_fileidx *ix, int layer, const char *diff_id, size_t n)
{
	char path[128];
	lc_entry e = { .layer = layer, .layer_diff_id = diff_id };

	e.path = "etc";
	e.type = LC_FT_DIR;
	e.mode = 0755;
	lc__fileidx_add(ix, &e);
	e.path = "etc/passwd";
	e.type = LC_FT_REG;
	e.mode = 0644;
	e.size = 30;
	lc__fileidx_add(ix, &e);
	e.path = "usr/bin/sudo";
	e.mode = 04755;
	e.size = 123456;
	lc__fileidx_add(ix, &e);
	e.path = "bin/sh";
	e.type = LC_FT_SYMLINK;
	e.mode = 0777;
	e.size = 0;
	e.link = "/usr/bin/dash";
	lc__fileidx_add(ix, &e);
	e.link = NULL;
	e.path = "tmp/gone";
	e.type = LC_FT_WHITEOUT;
	e.mode = 0;
	lc__fileidx_add(ix, &e);
	for (size_t i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "usr/lib/x86_64-linux-gnu/f%06zu.so", i);
		e.path = path;
		e.type = LC_FT_REG;
		e.mode = 0644;
		e.uid = (uint32_t)(i % 3);
		e.gid = 1000;
		e.size = (int64_t)(i * 37);
		lc__fileidx_add(ix, &e);
	}
}

/* One finding like a detector would emit it: evidence already redacted. */
static inline void ct_finding(lc_finding *f, int layer, const char *evidence)
{
	memset(f, 0, sizeof(*f));
	strcpy(f->id, "0123456789abcdef0123456789abcdef");
	f->detector = strdup("secrets");
	f->rule_id = strdup("aws-access-key");
	f->severity = LC_SEV_HIGH;
	f->title = strdup("AWS access key");
	f->description = strdup("An AWS access key id in a file.");
	f->source = LC_SRC_FILE;
	f->layer = layer;
	f->removed_in = -1;
	f->path = strdup("app/.env");
	f->line = 3;
	f->offset = 42;
	f->evidence = strdup(evidence);
	f->details = json_pack("{s:s, s:i}", "kind", "access-key", "entropy_x100", 412);
	f->remediation = strdup("Rotate the key.");
}

static inline void ct_layer(lc_cache_layer *cl, int layer, const char *evidence)
{
	static const char passwd[] = "root:x:0:0:root:/root:/bin/sh\n";

	memset(cl, 0, sizeof(*cl));
	cl->complete = true;
	cl->findings = calloc(2, sizeof(lc_finding));
	ct_finding(&cl->findings[0], layer, evidence);
	ct_finding(&cl->findings[1], -1, "none");
	cl->findings[1].source = LC_SRC_IMAGE;
	free(cl->findings[1].path);
	cl->findings[1].path = NULL;
	json_decref(cl->findings[1].details);
	cl->findings[1].details = NULL;
	cl->nfindings = 2;
	lc__diag_add(&cl->warnings, "layer.duplicate_path", layer, "etc/hosts", "duplicate %s",
		     "etc/hosts");
	cl->captures = calloc(1, sizeof(lc_cache_capture));
	cl->captures[0].path = strdup("etc/passwd");
	cl->captures[0].data = (uint8_t *)strdup(passwd);
	cl->captures[0].len = sizeof(passwd) - 1;
	cl->ncaptures = 1;
	cl->tar_bytes = 10240;
	cl->entries = 5;
}

/* Does the file at path contain needle anywhere (binary-safe)? */
static inline int ct_file_contains(const char *path, const char *needle)
{
	FILE *f = fopen(path, "rb");
	size_t nl = strlen(needle), len = 0, cap = 0;
	char *buf = NULL;
	int found = 0;

	if (!f)
		return 0;
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 65536;
			buf = realloc(buf, cap);
		}
		size_t n = fread(buf + len, 1, cap - len, f);
		if (n == 0)
			break;
		len += n;
	}
	fclose(f);
	for (size_t i = 0; i + nl <= len && !found; i++)
		if (memcmp(buf + i, needle, nl) == 0)
			found = 1;
	free(buf);
	return found;
}

#endif
