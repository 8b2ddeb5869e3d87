/*
 * test_cache_blob.c - local blob trust: a verified blob whose file is unchanged is
 * trusted without reading; touching, rewriting, moving or a different slice or digest
 * is not; a file that changed while being verified is not recorded.
 */
#include "cache_test.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>

static void write_blob(const char *path, const char *content)
{
	FILE *f = fopen(path, "wb");

	fputs(content, f);
	fclose(f);
}

#define DG "sha256:1234123412341234123412341234123412341234123412341234123412341234"

int main(void)
{
	char *dir = ct_tmpdir();
	char blob[4200], other[4200], got[72];
	lc_ctx *ctx = ct_ctx(dir);
	lc_cache *c = NULL;
	lc_stream s = { 0 };
	lc_cache_blob_id id;

	snprintf(blob, sizeof(blob), "%s/blob", dir);
	snprintf(other, sizeof(other), "%s/blob2", dir);
	write_blob(blob, "compressed layer bytes");
	lc__cache_open(ctx, &c);
	s.file_path = blob;
	s.file_offset = 0;
	s.file_length = 22;

	TAP_OK(!lc__cache_blob_trusted(c, &s, DG, got), "unknown blob is not trusted");
	TAP_OK(lc__cache_blob_identify(&s, &id), "identify a plain file");
	lc__cache_blob_record(c, &id, DG, DIFF_A);
	TAP_OK(lc__cache_blob_trusted(c, &s, DG, got) && strcmp(got, DIFF_A) == 0,
	       "recorded blob is trusted, diff_id given back");
	TAP_OK(!lc__cache_blob_trusted(c, &s, DIFF_B, got), "another expected digest: not trusted");
	TAP_OK(lc__cache_blob_diff_id(c, DG, got) && strcmp(got, DIFF_A) == 0,
	       "a verified blob digest maps to its diff_id (any path)");
	TAP_OK(!lc__cache_blob_diff_id(c, DIFF_B, got) && !got[0], "an unknown digest does not");
	s.file_offset = 1;
	TAP_OK(!lc__cache_blob_trusted(c, &s, DG, got), "another slice: not trusted");
	s.file_offset = 0;

	/* trust survives closing: it is in the database, for the next process */
	lc__cache_close(c);
	lc__cache_open(ctx, &c);
	TAP_OK(lc__cache_blob_trusted(c, &s, DG, NULL), "trusted across processes");

	/* touch: same content, new mtime */
	{
		struct timespec ts[2] = { { 0, UTIME_NOW }, { 1000000, 0 } };

		utimensat(AT_FDCWD, blob, ts, 0);
		TAP_OK(!lc__cache_blob_trusted(c, &s, DG, got), "touched file is not trusted");
	}
	/* re-record, then forge the old mtime back: ctime still gives it away */
	lc__cache_blob_identify(&s, &id);
	lc__cache_blob_record(c, &id, DG, DIFF_A);
	TAP_OK(lc__cache_blob_trusted(c, &s, DG, NULL), "re-verified file trusted again");
	{
		struct stat st;
		struct timespec ts[2];
		struct timespec pause = { 0, 20000000 };

		stat(blob, &st);
		ts[0] = st.st_atim;
		ts[1] = st.st_mtim;
		nanosleep(&pause, NULL);
		write_blob(blob, "compressed layer BYTES");
		utimensat(AT_FDCWD, blob, ts, 0);
		TAP_OK(!lc__cache_blob_trusted(c, &s, DG, NULL),
		       "rewritten file with its old mtime forged back is not trusted");
	}
	/* replaced by another file (new inode) */
	lc__cache_blob_identify(&s, &id);
	lc__cache_blob_record(c, &id, DG, DIFF_A);
	write_blob(other, "compressed layer BYTES");
	rename(other, blob);
	TAP_OK(!lc__cache_blob_trusted(c, &s, DG, NULL), "replaced file is not trusted");

	/* changed while being verified: nothing recorded */
	lc__cache_blob_identify(&s, &id);
	{
		struct timespec pause = { 0, 20000000 };

		nanosleep(&pause, NULL);
	}
	write_blob(blob, "compressed layer bytes, now longer");
	lc__cache_blob_record(c, &id, DG, DIFF_A);
	TAP_OK(!lc__cache_blob_trusted(c, &s, DG, NULL), "changed during verification: not recorded");

	/* no identity at all (a compressed archive, a registry body): the digest still maps */
	lc__cache_blob_record(c, NULL, DIFF_B, DIFF_A);
	TAP_OK(lc__cache_blob_diff_id(c, DIFF_B, got) && strcmp(got, DIFF_A) == 0,
	       "a verification without identity still maps digest -> diff_id");

	/* not a plain file */
	s.file_path = NULL;
	TAP_OK(!lc__cache_blob_identify(&s, &id) && !lc__cache_blob_trusted(c, &s, DG, NULL),
	       "a stream without a file is never trusted");
	TAP_OK(!lc__cache_blob_trusted(NULL, &s, DG, NULL), "no cache, no trust");

	lc__cache_close(c);
	lc_ctx_free(ctx);
	ct_cleanup(dir);
	return tap_done();
}
