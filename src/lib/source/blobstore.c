/*
 * blobstore.c - the two blob stores sources read through: files below a directory (oci:,
 * dir:), where no symlink is followed, so a hostile layout cannot point a blob at a host
 * file; and members of an outer tar (oci-archive:, docker-archive:), served as file slices
 * when the member's data offset is known, else streamed through libarchive.
 */
#include "source.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- directory ---------------------------------------------------------------------- */

/* Stat `name` below dir, refusing symlinks and ".." anywhere on the way. Returns 0 with st
 * filled, -1 (errno) otherwise; ELOOP means a symlink was met. */
static int dir_stat(const char *dir, const char *name, struct stat *st)
{
	char tmp[4096];
	char *p, *slash;
	int fd, nfd, r = -1, saved = 0;

	if (snprintf(tmp, sizeof tmp, "%s", name) >= (int)sizeof tmp) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	p = tmp;
	while ((slash = strchr(p, '/'))) {
		*slash = 0;
		if (!*p || !strcmp(p, "..") || !strcmp(p, ".")) {
			saved = EINVAL;
			goto out;
		}
		nfd = openat(fd, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0) {
			saved = errno == ENOTDIR ? ELOOP : errno;
			goto out;
		}
		close(fd);
		fd = nfd;
		p = slash + 1;
	}
	if (!*p || !strcmp(p, "..") || !strcmp(p, ".")) {
		saved = EINVAL;
		goto out;
	}
	if (fstatat(fd, p, st, AT_SYMLINK_NOFOLLOW) < 0) {
		saved = errno;
		goto out;
	}
	if (S_ISLNK(st->st_mode)) {
		saved = ELOOP;
		goto out;
	}
	r = 0;
out:
	close(fd);
	if (r)
		errno = saved;
	return r;
}

static int64_t dir_size(lc_blobsrc *b, const char *name)
{
	struct stat st;

	if (dir_stat(b->ud, name, &st) < 0)
		return errno == ELOOP ? -2 : -1;
	if (!S_ISREG(st.st_mode))
		return -2;
	return (int64_t)st.st_size;
}

static lc_code dir_open(lc_blobsrc *b, const char *name, lc_stream **out)
{
	lc_ctx *ctx = b->img->ctx;
	lc_code rc = LC_OK;
	struct stat st;
	char *path = NULL;
	size_t n;

	*out = NULL;
	if (dir_stat(b->ud, name, &st) < 0) {
		if (errno == ELOOP)
			rc = lc__fail(ctx, LC_EIMAGE, "%s: %s is a symbolic link; refusing to follow it",
				      b->what, name);
		else
			rc = lc__fail(ctx, LC_EIMAGE, "%s: %s: %s", b->what, name, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = lc__fail(ctx, LC_EIMAGE, "%s: %s is not a regular file", b->what, name);
		goto out;
	}
	n = strlen(b->ud) + strlen(name) + 2;
	path = malloc(n);
	if (!path) {
		rc = lc__fail(ctx, LC_EINTERNAL, "out of memory");
		goto out;
	}
	snprintf(path, n, "%s/%s", (const char *)b->ud, name);
	rc = lc__stream_file(ctx, path, 0, -1, out);
out:
	free(path);
	return rc;
}

void lc__dir_blobsrc_init(lc_blobsrc *b, lc_image *img, const char *dir, const char *what)
{
	memset(b, 0, sizeof *b);
	b->img = img;
	snprintf(b->what, sizeof b->what, "%s", what);
	b->open = dir_open;
	b->size = dir_size;
	b->ud = (void *)dir;
}

/* ---- archive members -------------------------------------------------------------- */

static int64_t tar_size(lc_blobsrc *b, const char *name)
{
	const lc_tar_member *m = lc__tar_index_find(b->ud, name);

	return m ? m->size : -1;
}

static lc_code tar_open(lc_blobsrc *b, const char *name, lc_stream **out)
{
	lc_tar_index *ix = b->ud;
	const lc_tar_member *m = lc__tar_index_find(ix, name);
	lc_ctx *ctx = b->img->ctx;

	*out = NULL;
	if (!m)
		return lc__fail(ctx, LC_EIMAGE, "%s: no member %s", b->what, name);
	if (m->offset >= 0)
		return lc__stream_file(ctx, ix->path, m->offset, m->size, out);
	return lc__stream_tar_member(ctx, ix->path, m->name, out);
}

void lc__tar_blobsrc_init(lc_blobsrc *b, lc_image *img, lc_tar_index *ix, const char *what)
{
	memset(b, 0, sizeof *b);
	b->img = img;
	snprintf(b->what, sizeof b->what, "%s", what);
	b->open = tar_open;
	b->size = tar_size;
	b->ud = ix;
}

/* ---- shared transport state ------------------------------------------------------ */

lc_code lc__src_state_new(lc_image *img, lc_src_state **out)
{
	lc_src_state *st = calloc(1, sizeof *st);

	*out = st;
	if (!st)
		return lc__fail(img->ctx, LC_EINTERNAL, "out of memory");
	img->src_state = st;
	return LC_OK;
}

lc_code lc__src_open_blob(lc_image *img, size_t i, lc_stream **out)
{
	lc_src_state *st = img->src_state;

	*out = NULL;
	if (!st || i >= img->nlayers || !img->layers[i].blob_ref)
		return lc__fail(img->ctx, LC_EINTERNAL, "no layer %zu", i);
	if (st->b.size(&st->b, img->layers[i].blob_ref) == -1)
		return lc__fail(img->ctx, LC_EIMAGE, "%s: layer %zu blob %s is missing", st->b.what, i,
				img->layers[i].digest ? img->layers[i].digest
						      : img->layers[i].blob_ref);
	return st->b.open(&st->b, img->layers[i].blob_ref, out);
}

void lc__src_close(lc_image *img)
{
	lc_src_state *st = img->src_state;

	if (!st)
		return;
	free(st->dir);
	lc__tar_index_free(st->ix);
	free(st);
	img->src_state = NULL;
}

lc_code lc__src_load_archive(lc_image *img, lc_src_state *st, const char *path,
			     const char *what)
{
	lc_ctx *ctx = img->ctx;
	const char *comp = lc__file_compression(path);
	struct stat sb;
	lc_code rc;

	if (stat(path, &sb) < 0)
		return lc__fail(ctx, LC_EIMAGE, "%s: %s", path, strerror(errno));
	if (!S_ISREG(sb.st_mode))
		return lc__fail(ctx, LC_EIMAGE, "%s: not a regular file (%s expects a tar file)", path,
				img->transport);
	if (comp)
		return lc__fail(ctx, LC_EUSAGE,
				"%s is %s-compressed; decompress it first (e.g. %s -dk %s) and scan the tar",
				path, comp, !strcmp(comp, "gzip") ? "gzip" : comp, path);
	rc = lc__tar_index_load(ctx, path, &st->ix);
	if (rc)
		return rc;
	lc__tar_blobsrc_init(&st->b, img, st->ix, what);
	return LC_OK;
}
