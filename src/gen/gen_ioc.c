/*
 * gen_ioc.c - build-time generator: parse the default IOC feed (data/ioc/default.csv)
 * with the library's own parser (ioc_feed.c), finish the set and write it packed
 * (ioc_pack.c) for embedding as ioc/default.iocb. Built for the build machine from the
 * same sources as the library, so the packed set is what a run-time parse would give;
 * before writing, the blob is unpacked again and compared with the set, so a build whose
 * loader would refuse its own output, or read it back differently, fails here.
 *   gen_ioc FEED.csv OUT.iocb
 */
#include "lc_private.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Far above the 3 MB feed; only a wrong input is larger. */
#define FEED_MAX (256u << 20)

/* The whole of path, NUL-terminated (the parser does not need it; a bound does). */
static int read_all(const char *path, char **out, size_t *outlen)
{
	int rc = -1;
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0;

	*out = NULL;
	*outlen = 0;
	if (!f) {
		fprintf(stderr, "gen_ioc: %s: %s\n", path, strerror(errno));
		goto out;
	}
	for (;;) {
		size_t got;
		if (cap - len < 65536) {
			char *nb;
			if (cap >= FEED_MAX) {
				fprintf(stderr, "gen_ioc: %s: larger than %u bytes\n", path, FEED_MAX);
				goto out;
			}
			cap = cap ? cap * 2 : (1u << 20);
			nb = realloc(buf, cap + 1);
			if (!nb) {
				fprintf(stderr, "gen_ioc: out of memory reading %s\n", path);
				goto out;
			}
			buf = nb;
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		fprintf(stderr, "gen_ioc: %s: read error\n", path);
		goto out;
	}
	buf[len] = '\0';
	*out = buf;
	*outlen = len;
	buf = NULL;
	rc = 0;
out:
	free(buf);
	if (f)
		fclose(f);
	return rc;
}

/* Same indicators, names and counts: what unpacking the blob gives is the parsed set. */
static bool same_set(const lc_ioc_set *a, const lc_ioc_set *b)
{
	bool same = a->n == b->n && a->skipped == b->skipped &&
		    a->categories.n == b->categories.n && a->sources.n == b->sources.n;
	for (size_t i = 0; same && i < a->categories.n; i++)
		same = strcmp(a->categories.v[i], b->categories.v[i]) == 0;
	for (size_t i = 0; same && i < a->sources.n; i++)
		same = strcmp(a->sources.v[i], b->sources.v[i]) == 0;
	for (size_t i = 0; same && i < a->n; i++)
		same = strcmp(a->v[i].value, b->v[i].value) == 0 && a->v[i].kind == b->v[i].kind &&
		       a->v[i].category == b->v[i].category && a->v[i].source == b->v[i].source;
	return same;
}

int main(int argc, char **argv)
{
	int status = 1;
	char *csv = NULL, err[512];
	size_t csvlen = 0, bloblen = 0;
	uint8_t *blob = NULL;
	lc_ioc_set set, back;
	FILE *f;
	bool written;
	lc_code rc;

	memset(&set, 0, sizeof set);
	memset(&back, 0, sizeof back);
	if (argc != 3) {
		fprintf(stderr, "usage: gen_ioc FEED.csv OUT.iocb\n");
		goto out;
	}
	if (read_all(argv[1], &csv, &csvlen) != 0)
		goto out;
	rc = lc__ioc_feed_parse(&set, csv, csvlen, LC_IOC_DEFAULT_FEED, NULL, err, sizeof err);
	if (rc != LC_OK) {
		fprintf(stderr, "gen_ioc: %s: %s\n", argv[1], err);
		goto out;
	}
	lc__ioc_set_finish(&set);
	if (lc__ioc_set_pack(&set, &blob, &bloblen, err, sizeof err) != LC_OK) {
		fprintf(stderr, "gen_ioc: %s\n", err);
		goto out;
	}
	if (lc__ioc_set_unpack(&back, blob, bloblen, err, sizeof err) != LC_OK) {
		fprintf(stderr, "gen_ioc: the loader refuses the packed set: %s\n", err);
		goto out;
	}
	if (!same_set(&set, &back)) {
		fprintf(stderr, "gen_ioc: the packed set reads back differently\n");
		goto out;
	}
	f = fopen(argv[2], "wb");
	written = f && fwrite(blob, 1, bloblen, f) == bloblen;
	if (f && fclose(f) != 0)
		written = false;
	if (!written) {
		fprintf(stderr, "gen_ioc: cannot write %s: %s\n", argv[2], strerror(errno));
		remove(argv[2]); /* no half blob for the next build to embed */
		goto out;
	}
	status = 0;
out:
	lc__ioc_set_free(&back);
	lc__ioc_set_free(&set);
	free(blob);
	free(csv);
	return status;
}
