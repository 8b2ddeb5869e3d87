/*
 * rootfs.c - the rootfs:DIR transport: a plain root filesystem scanned as one pseudo-layer.
 * The walk never follows a symlink and never leaves the directory (openat with O_NOFOLLOW
 * everywhere, fstatat without following), is bounded in depth, path length and entries,
 * never opens device nodes, FIFOs or sockets (a real root holds dev/ and proc links), and
 * does not descend into kernel file systems (proc, sys) mounted inside it.
 */
#include "source.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* Each level holds one directory descriptor open: keep well under RLIMIT_NOFILE. */
#define ROOTFS_MAX_DEPTH 256
#define ROOTFS_BLOCK (64 * 1024)

typedef struct rootfs_state {
	char *dir;
	lc_source_warn_fn warn;
	void *warn_ud;
} rootfs_state;

typedef struct walker {
	lc_image *img;
	lc_ctx *ctx;
	rootfs_state *st;
	const lc_walk_cb *cb;
	char *path; /* pathmax + 1 bytes */
	uint8_t *buf;
	int64_t entries, maxentries, pathmax, linkmax, bytes, maxbytes;
	bool over_bytes;
	dev_t root_dev;
} walker;

typedef struct file_content {
	lc_content c;
	walker *w;
	int fd;
	int64_t off, size;
} file_content;

static void rwarn(walker *w, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void rwarn(walker *w, const char *code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (w->st->warn)
		w->st->warn(w->st->warn_ud, code, 0, w->path, msg);
	else
		lc__diag_add(&w->img->warnings, code, 0, w->path, "%s", msg);
}

void lc__image_set_warn_hook(lc_image *img, lc_source_warn_fn fn, void *ud)
{
	rootfs_state *st;

	if (!img || img->src != &lc__source_rootfs || !img->src_state)
		return;
	st = img->src_state;
	st->warn = fn;
	st->warn_ud = ud;
}

static int content_next(lc_content *c, const uint8_t **buf, size_t *len, int64_t *offset)
{
	file_content *fc = (file_content *)c;
	walker *w = fc->w;
	size_t want;
	ssize_t n;

	*buf = w->buf;
	*len = 0;
	*offset = fc->off;
	/* The entry said st_size bytes: never give more, even if the file grows. */
	if (fc->fd < 0 || fc->off >= fc->size)
		return 0;
	want = (size_t)(fc->size - fc->off < ROOTFS_BLOCK ? fc->size - fc->off : ROOTFS_BLOCK);
	do
		n = read(fc->fd, w->buf, want);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		rwarn(w, "rootfs.read_error", "read failed after %lld bytes: %s", (long long)fc->off,
		      strerror(errno));
		fc->off = fc->size;
		return 0;
	}
	if (n == 0) {
		rwarn(w, "rootfs.file_shrank", "file ended after %lld of %lld bytes",
		      (long long)fc->off, (long long)fc->size);
		fc->off = fc->size;
		return 0;
	}
	w->bytes += n;
	if (w->bytes > w->maxbytes) {
		w->over_bytes = true;
		return -1;
	}
	fc->off += n;
	*len = (size_t)n;
	return 1;
}

/* Kernel views mounted inside a root (proc, sys, ...): not the image's files, and some
 * are endless (proc/kcore claims 128 TB). Checked only where the device changes. */
static bool pseudo_fs(int fd)
{
	struct statfs sf;

	if (fstatfs(fd, &sf) < 0)
		return false;
	switch ((unsigned long)sf.f_type) {
	case PROC_SUPER_MAGIC:
	case SYSFS_MAGIC:
	case DEVPTS_SUPER_MAGIC:
	case CGROUP_SUPER_MAGIC:
	case CGROUP2_SUPER_MAGIC:
	case DEBUGFS_MAGIC:
	case TRACEFS_MAGIC:
	case SECURITYFS_MAGIC:
	case BPF_FS_MAGIC:
	case PSTOREFS_MAGIC:
	case EFIVARFS_MAGIC:
	case BINFMTFS_MAGIC:
		return true;
	default:
		return false;
	}
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static lc_code walk_one(walker *w, int dirfd, const char *name, size_t plen, int depth);

/* Walk the directory open at dirfd, whose path (relative) fills w->path[0..plen). */
static lc_code walk_dir_fd(walker *w, int dirfd, size_t plen, int depth)
{
	lc_code rc = LC_OK;
	DIR *d = NULL;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	int fd2 = dup(dirfd);

	if (fd2 < 0 || !(d = fdopendir(fd2))) {
		if (fd2 >= 0)
			close(fd2);
		rwarn(w, "rootfs.unreadable", "cannot list directory: %s", strerror(errno));
		goto out;
	}
	/* Sorted, so reports do not depend on the file system's order. */
	while ((errno = 0, de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if ((int64_t)n + w->entries >= w->maxentries) {
			rc = lc__fail(w->ctx, LC_EIMAGE,
				      "rootfs %s: more than %lld entries (limit entries-per-layer)",
				      w->st->dir, (long long)w->maxentries);
			goto out;
		}
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 64;
			char **nv = realloc(names, nc * sizeof *nv);

			if (!nv) {
				rc = lc__fail(w->ctx, LC_EINTERNAL, "out of memory");
				goto out;
			}
			names = nv;
			cap = nc;
		}
		if (!(names[n] = strdup(de->d_name))) {
			rc = lc__fail(w->ctx, LC_EINTERNAL, "out of memory");
			goto out;
		}
		n++;
	}
	if (errno)
		rwarn(w, "rootfs.unreadable", "listing directory failed: %s", strerror(errno));
	/* Done listing: release the descriptor before descending (one fd per level). */
	closedir(d);
	d = NULL;
	if (n)
		qsort(names, n, sizeof *names, name_cmp);
	for (i = 0; i < n && !rc; i++)
		rc = walk_one(w, dirfd, names[i], plen, depth);
out:
	w->path[plen] = 0;
	if (d)
		closedir(d);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

static lc_code walk_one(walker *w, int dirfd, const char *name, size_t plen, int depth)
{
	lc_code rc = LC_OK;
	struct stat st, st2;
	lc_entry e;
	file_content fc;
	char *link = NULL;
	size_t nl = strlen(name), newlen = plen + (plen ? 1 : 0) + nl;
	int fd = -1;

	memset(&e, 0, sizeof e);
	memset(&fc, 0, sizeof fc);
	fc.fd = -1;
	if ((int64_t)newlen > w->pathmax) {
		rwarn(w, "rootfs.path_too_long", "entry %.100s... longer than %lld bytes skipped",
		      name, (long long)w->pathmax);
		goto out;
	}
	if (plen)
		w->path[plen] = '/';
	memcpy(w->path + plen + (plen ? 1 : 0), name, nl + 1);
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		rwarn(w, "rootfs.unreadable", "cannot stat: %s", strerror(errno));
		goto out;
	}
	w->entries++;
	e.path = w->path;
	e.mode = (uint32_t)(st.st_mode & 07777);
	e.uid = (uint32_t)st.st_uid;
	e.gid = (uint32_t)st.st_gid;
	e.size = 0;
	e.layer = 0;
	e.layer_diff_id = NULL;
	switch (st.st_mode & S_IFMT) {
	case S_IFREG:
		e.type = LC_FT_REG;
		e.size = (int64_t)st.st_size;
		break;
	case S_IFDIR:
		e.type = LC_FT_DIR;
		break;
	case S_IFLNK:
		e.type = LC_FT_SYMLINK;
		break;
	case S_IFCHR:
		e.type = LC_FT_CHR;
		break;
	case S_IFBLK:
		e.type = LC_FT_BLK;
		break;
	case S_IFIFO:
		e.type = LC_FT_FIFO;
		break;
	case S_IFSOCK:
		e.type = LC_FT_SOCK;
		break;
	default:
		e.type = LC_FT_OTHER;
		break;
	}
	if (e.type == LC_FT_CHR || e.type == LC_FT_BLK) {
		e.dev_major = major(st.st_rdev);
		e.dev_minor = minor(st.st_rdev);
	}
	if (e.type == LC_FT_SYMLINK) {
		ssize_t n;

		link = malloc((size_t)w->linkmax + 1);
		if (!link) {
			rc = lc__fail(w->ctx, LC_EINTERNAL, "out of memory");
			goto out;
		}
		n = readlinkat(dirfd, name, link, (size_t)w->linkmax + 1);
		if (n < 0) {
			rwarn(w, "rootfs.unreadable", "cannot read link: %s", strerror(errno));
			n = 0;
		} else if (n > w->linkmax) {
			rwarn(w, "rootfs.link_too_long", "link target longer than %lld bytes truncated",
			      (long long)w->linkmax);
			n = w->linkmax;
		}
		link[n] = 0;
		e.link = link;
	}
	if (e.type == LC_FT_REG) {
		fc.c.next = content_next;
		fc.w = w;
		fc.size = e.size;
		/* O_NONBLOCK: if the file was swapped for a FIFO since fstatat, do not hang. */
		fc.fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
		if (fc.fd < 0) {
			rwarn(w, "rootfs.unreadable", "cannot open: %s (scanned as empty)",
			      strerror(errno));
		} else if (fstat(fc.fd, &st2) < 0 || !S_ISREG(st2.st_mode) || st2.st_ino != st.st_ino ||
			   st2.st_dev != st.st_dev) {
			rwarn(w, "rootfs.changed", "file changed while scanning (scanned as empty)");
			close(fc.fd);
			fc.fd = -1;
		}
	}
	rc = w->cb->entry(w->cb->ud, &e, e.type == LC_FT_REG ? &fc.c : NULL);
	if (w->over_bytes) {
		rc = lc__fail(w->ctx, LC_EINCOMPLETE,
			      "rootfs %s: more than %lld bytes of file content (limit layer-bytes)",
			      w->st->dir, (long long)w->maxbytes);
		goto out;
	}
	if (rc || e.type != LC_FT_DIR)
		goto out;
	if (depth + 1 >= ROOTFS_MAX_DEPTH) {
		rwarn(w, "rootfs.too_deep", "directory deeper than %d levels not walked",
		      ROOTFS_MAX_DEPTH);
		goto out;
	}
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		rwarn(w, "rootfs.unreadable", "cannot open directory: %s", strerror(errno));
		goto out;
	}
	if (fstat(fd, &st2) < 0 || st2.st_ino != st.st_ino || st2.st_dev != st.st_dev) {
		rwarn(w, "rootfs.changed", "directory changed while scanning; not walked");
		goto out;
	}
	if (st2.st_dev != w->root_dev && pseudo_fs(fd)) {
		rwarn(w, "rootfs.pseudo_fs", "a kernel file system (proc, sys, ...) is mounted here; not walked");
		goto out;
	}
	rc = walk_dir_fd(w, fd, newlen, depth + 1);
out:
	if (fd >= 0)
		close(fd);
	if (fc.fd >= 0)
		close(fc.fd);
	free(link);
	w->path[plen] = 0;
	return rc;
}

static lc_code rootfs_walk(lc_image *img, size_t i, lc_walk_cb *cb)
{
	lc_ctx *ctx = img->ctx;
	lc_code rc = LC_OK;
	walker w;
	int fd = -1;

	memset(&w, 0, sizeof w);
	if (i != 0 || !img->src_state || !cb || !cb->entry) {
		rc = lc__fail(ctx, LC_EINTERNAL, "rootfs has one layer (asked for %zu)", i);
		goto out;
	}
	w.img = img;
	w.ctx = ctx;
	w.st = img->src_state;
	w.cb = cb;
	w.maxentries = lc__limit(ctx, LC_LIM_ENTRIES_PER_LAYER);
	w.pathmax = lc__limit(ctx, LC_LIM_PATH_LEN);
	w.linkmax = lc__limit(ctx, LC_LIM_LINK_LEN);
	w.maxbytes = lc__limit(ctx, LC_LIM_LAYER_BYTES);
	w.path = calloc(1, (size_t)w.pathmax + 2);
	w.buf = malloc(ROOTFS_BLOCK);
	if (!w.path || !w.buf) {
		rc = lc__fail(ctx, LC_EINTERNAL, "out of memory");
		goto out;
	}
	fd = open(w.st->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		rc = lc__fail(ctx, LC_EIMAGE, "rootfs %s: cannot open: %s", w.st->dir, strerror(errno));
		goto out;
	}
	{
		struct stat rs;

		if (fstat(fd, &rs) == 0)
			w.root_dev = rs.st_dev;
	}
	rc = walk_dir_fd(&w, fd, 0, 0);
out:
	if (fd >= 0)
		close(fd);
	free(w.path);
	free(w.buf);
	return rc;
}

static bool rootfs_probe(const char *path)
{
	struct stat st;

	/* Last in the table: any directory the layout probes did not claim. */
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static lc_code rootfs_open(lc_image *img, const char *spec)
{
	lc_ctx *ctx = img->ctx;
	lc_code rc = LC_OK;
	rootfs_state *st = NULL;
	struct stat sb;

	if (stat(spec, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
		rc = lc__fail(ctx, LC_EIMAGE, "%s: not a directory (rootfs: expects a root file system)",
			      spec);
		goto out;
	}
	st = calloc(1, sizeof *st);
	img->layers = calloc(1, sizeof *img->layers);
	if (!st || !img->layers) {
		rc = lc__fail(ctx, LC_EINTERNAL, "out of memory");
		goto out;
	}
	st->dir = realpath(spec, NULL);
	if (!st->dir || !(img->path = strdup(st->dir))) {
		rc = lc__fail(ctx, LC_EIMAGE, "%s: %s", spec, strerror(errno));
		goto out;
	}
	img->src_state = st;
	st = NULL;
	img->nlayers = 1;
	img->layers[0].size = -1;
	img->layers[0].history = -1;
out:
	if (st) {
		free(st->dir);
		free(st);
	}
	return rc;
}

static lc_code rootfs_open_blob(lc_image *img, size_t i, lc_stream **out)
{
	*out = NULL;
	return lc__fail(img->ctx, LC_EINTERNAL, "rootfs layer %zu has no blob: walk it with walk_dir",
			i);
}

static void rootfs_close(lc_image *img)
{
	rootfs_state *st = img->src_state;

	if (st) {
		free(st->dir);
		free(st);
	}
	img->src_state = NULL;
}

const lc_source_ops lc__source_rootfs = {
	.name = "rootfs",
	.probe = rootfs_probe,
	.open = rootfs_open,
	.open_blob = rootfs_open_blob,
	.walk_dir = rootfs_walk,
	.close = rootfs_close,
};
