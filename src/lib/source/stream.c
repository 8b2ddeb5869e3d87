/*
 * stream.c - byte streams over local blobs: a file or a slice of it (pread, so several
 * streams may share a file), and a member of an outer tar read through libarchive with
 * only the tar format enabled and seekable callbacks, so skipping members costs a seek.
 */
#include "source.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- file slices ---------------------------------------------------------------- */

typedef struct file_stream {
	lc_stream s;
	int fd;
	int64_t pos, end; /* absolute offsets */
	char *path;
} file_stream;

static ssize_t file_read(lc_stream *s, void *buf, size_t len)
{
	file_stream *f = (file_stream *)s;
	ssize_t n;

	if (f->pos >= f->end)
		return 0;
	if ((int64_t)len > f->end - f->pos)
		len = (size_t)(f->end - f->pos);
	do
		n = pread(f->fd, buf, len, (off_t)f->pos);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		snprintf(s->errbuf, sizeof s->errbuf, "%s: read: %s", f->path, strerror(errno));
		return -1;
	}
	if (n == 0) {
		/* The file shrank under us: a truncated blob, not a clean end. */
		snprintf(s->errbuf, sizeof s->errbuf, "%s: unexpected end of file at offset %lld",
			 f->path, (long long)f->pos);
		return -1;
	}
	f->pos += n;
	return n;
}

static void file_close(lc_stream *s)
{
	file_stream *f = (file_stream *)s;

	if (f->fd >= 0)
		close(f->fd);
	free(f->path);
	free(f);
}

lc_code lc__stream_file(lc_ctx *ctx, const char *path, int64_t off, int64_t len, lc_stream **out)
{
	lc_code rc = LC_OK;
	file_stream *f = NULL;
	struct stat st;
	char *real = NULL;

	*out = NULL;
	f = calloc(1, sizeof *f);
	if (!f) {
		rc = lc__fail(ctx, LC_EINTERNAL, "out of memory");
		goto out;
	}
	f->fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (f->fd < 0) {
		rc = lc__fail(ctx, LC_EIMAGE, "%s: cannot open: %s", path, strerror(errno));
		goto out;
	}
	if (fstat(f->fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		rc = lc__fail(ctx, LC_EIMAGE, "%s: not a regular file", path);
		goto out;
	}
	if (off < 0 || off > st.st_size || (len >= 0 && len > st.st_size - off)) {
		rc = lc__fail(ctx, LC_EIMAGE, "%s: slice %lld+%lld lies outside the file (%lld bytes)",
			      path, (long long)off, (long long)len, (long long)st.st_size);
		goto out;
	}
	f->pos = off;
	f->end = len < 0 ? st.st_size : off + len;
	/* The trust cache keys on the file's identity: prefer the canonical path. */
	real = realpath(path, NULL);
	f->path = real ? real : strdup(path);
	real = NULL;
	if (!f->path) {
		rc = lc__fail(ctx, LC_EINTERNAL, "out of memory");
		goto out;
	}
	f->s.read = file_read;
	f->s.close = file_close;
	f->s.file_path = f->path;
	f->s.file_offset = off;
	f->s.file_length = f->end - off;
	*out = &f->s;
	f = NULL;
out:
	if (f)
		file_close(&f->s);
	return rc;
}

/* ---- tar members ------------------------------------------------------------------- */

typedef struct tar_stream {
	lc_stream s;
	int fd;
	struct archive *a;
	char *archive;
	char *member;
	uint8_t buf[64 * 1024];
} tar_stream;

static la_ssize_t tar_cb_read(struct archive *a, void *ud, const void **buf)
{
	tar_stream *t = ud;
	ssize_t n;

	do
		n = read(t->fd, t->buf, sizeof t->buf);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		archive_set_error(a, errno, "read: %s", strerror(errno));
	*buf = t->buf;
	return n;
}

static la_int64_t tar_cb_seek(struct archive *a, void *ud, la_int64_t off, int whence)
{
	tar_stream *t = ud;
	off_t r = lseek(t->fd, (off_t)off, whence);

	if (r < 0) {
		archive_set_error(a, errno, "seek: %s", strerror(errno));
		return ARCHIVE_FATAL;
	}
	return (la_int64_t)r;
}

static la_int64_t tar_cb_skip(struct archive *a, void *ud, la_int64_t req)
{
	tar_stream *t = ud;
	off_t cur = lseek(t->fd, 0, SEEK_CUR);

	if (cur < 0 || lseek(t->fd, (off_t)req, SEEK_CUR) < 0) {
		archive_set_error(a, errno, "seek: %s", strerror(errno));
		return 0; /* libarchive then reads through instead */
	}
	return req;
}

static ssize_t tar_read(lc_stream *s, void *buf, size_t len)
{
	tar_stream *t = (tar_stream *)s;
	la_ssize_t n = archive_read_data(t->a, buf, len);

	if (n < 0) {
		snprintf(s->errbuf, sizeof s->errbuf, "%s: member %s: %s", t->archive, t->member,
			 archive_error_string(t->a) ? archive_error_string(t->a) : "read error");
		return -1;
	}
	return (ssize_t)n;
}

static void tar_close(lc_stream *s)
{
	tar_stream *t = (tar_stream *)s;

	if (t->a)
		archive_read_free(t->a);
	if (t->fd >= 0)
		close(t->fd);
	free(t->archive);
	free(t->member);
	free(t);
}

/* Member names in an archive: "./x" and "x" are the same member. */
static const char *strip_dot(const char *p)
{
	while (p[0] == '.' && p[1] == '/')
		p += 2;
	while (*p == '/')
		p++;
	return p;
}

/* Open an archive for header walking with seekable callbacks. */
static lc_code tar_open_archive(lc_ctx *ctx, tar_stream *t, const char *archive)
{
	lc_code rc = LC_OK;

	t->fd = open(archive, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (t->fd < 0) {
		rc = lc__fail(ctx, LC_EIMAGE, "%s: cannot open: %s", archive, strerror(errno));
		goto out;
	}
	t->a = archive_read_new();
	if (!t->a) {
		rc = lc__fail(ctx, LC_EINTERNAL, "out of memory");
		goto out;
	}
	archive_read_support_format_tar(t->a);
	archive_read_set_read_callback(t->a, tar_cb_read);
	archive_read_set_seek_callback(t->a, tar_cb_seek);
	archive_read_set_skip_callback(t->a, tar_cb_skip);
	archive_read_set_callback_data(t->a, t);
	if (archive_read_open1(t->a) != ARCHIVE_OK) {
		rc = lc__fail(ctx, LC_EIMAGE, "%s: not a tar archive: %s", archive,
			      archive_error_string(t->a) ? archive_error_string(t->a) : "?");
		goto out;
	}
out:
	return rc;
}

lc_code lc__stream_tar_member(lc_ctx *ctx, const char *archive, const char *member,
			      lc_stream **out)
{
	lc_code rc = LC_OK;
	tar_stream *t = NULL;
	struct archive_entry *e;
	int64_t n = 0, max = lc__limit(ctx, LC_LIM_ARCHIVE_MEMBERS);
	const char *want = strip_dot(member);
	int r;

	*out = NULL;
	t = calloc(1, sizeof *t);
	if (!t) {
		rc = lc__fail(ctx, LC_EINTERNAL, "out of memory");
		goto out;
	}
	t->fd = -1;
	t->archive = strdup(archive);
	t->member = strdup(want);
	if (!t->archive || !t->member) {
		rc = lc__fail(ctx, LC_EINTERNAL, "out of memory");
		goto out;
	}
	rc = tar_open_archive(ctx, t, archive);
	if (rc)
		goto out;
	for (;;) {
		r = archive_read_next_header(t->a, &e);
		if (r == ARCHIVE_EOF) {
			rc = lc__fail(ctx, LC_EIMAGE, "%s: no member %s", archive, want);
			goto out;
		}
		if (r < ARCHIVE_WARN) {
			rc = lc__fail(ctx, LC_EIMAGE, "%s: broken tar header: %s", archive,
				      archive_error_string(t->a) ? archive_error_string(t->a) : "?");
			goto out;
		}
		if (++n > max) {
			rc = lc__fail(ctx, LC_EIMAGE,
				      "%s: more than %lld members (limit archive-members)", archive,
				      (long long)max);
			goto out;
		}
		if (archive_entry_pathname(e) && !strcmp(strip_dot(archive_entry_pathname(e)), want))
			break;
	}
	if (archive_entry_filetype(e) != AE_IFREG) {
		rc = lc__fail(ctx, LC_EIMAGE, "%s: member %s is not a regular file", archive, want);
		goto out;
	}
	t->s.read = tar_read;
	t->s.close = tar_close;
	/* The data of a plain member is contiguous right after its headers: report where,
	 * so the trust cache can key on the file slice. Sparse members are not contiguous. */
	if (archive_entry_sparse_count(e) == 0 && archive_entry_size_is_set(e)) {
		t->s.file_path = t->archive;
		t->s.file_offset = archive_filter_bytes(t->a, 0);
		t->s.file_length = archive_entry_size(e);
	}
	*out = &t->s;
	t = NULL;
out:
	if (t)
		tar_close(&t->s);
	return rc;
}

/* ---- the outer-tar index --------------------------------------------------------- */

void lc__tar_index_free(lc_tar_index *ix)
{
	size_t i;

	if (!ix)
		return;
	for (i = 0; i < ix->n; i++) {
		free(ix->v[i].name);
		free(ix->v[i].link);
	}
	free(ix->v);
	free(ix->path);
	free(ix);
}

lc_code lc__tar_index_load(lc_ctx *ctx, const char *path, lc_tar_index **out)
{
	lc_code rc = LC_OK;
	tar_stream t;
	lc_tar_index *ix = NULL;
	struct archive_entry *e;
	size_t cap = 0;
	int64_t max = lc__limit(ctx, LC_LIM_ARCHIVE_MEMBERS);
	int64_t pathmax = lc__limit(ctx, LC_LIM_PATH_LEN);
	int r;

	*out = NULL;
	memset(&t, 0, sizeof t);
	t.fd = -1;
	ix = calloc(1, sizeof *ix);
	if (!ix || !(ix->path = strdup(path))) {
		rc = lc__fail(ctx, LC_EINTERNAL, "out of memory");
		goto out;
	}
	rc = tar_open_archive(ctx, &t, path);
	if (rc)
		goto out;
	for (;;) {
		lc_tar_member *m;
		const char *name, *link;
		mode_t ft;

		r = archive_read_next_header(t.a, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN) {
			rc = lc__fail(ctx, LC_EIMAGE, "%s: broken tar header after %zu members: %s",
				      path, ix->n,
				      archive_error_string(t.a) ? archive_error_string(t.a) : "?");
			goto out;
		}
		if ((int64_t)ix->n >= max) {
			rc = lc__fail(ctx, LC_EIMAGE,
				      "%s: more than %lld members (limit archive-members)", path,
				      (long long)max);
			goto out;
		}
		name = archive_entry_pathname(e);
		if (!name || (int64_t)strlen(name) > pathmax)
			continue; /* nothing we will ever look up */
		if (ix->n == cap) {
			size_t nc = cap ? cap * 2 : 32;
			lc_tar_member *nv = realloc(ix->v, nc * sizeof *nv);

			if (!nv) {
				rc = lc__fail(ctx, LC_EINTERNAL, "out of memory");
				goto out;
			}
			ix->v = nv;
			cap = nc;
		}
		m = &ix->v[ix->n];
		memset(m, 0, sizeof *m);
		m->offset = -1;
		ft = archive_entry_filetype(e);
		link = NULL;
		if (archive_entry_hardlink(e)) {
			m->type = 'h';
			link = archive_entry_hardlink(e);
		} else if (ft == AE_IFLNK) {
			m->type = 'l';
			link = archive_entry_symlink(e);
		} else if (ft == AE_IFREG) {
			m->type = 'f';
		} else if (ft == AE_IFDIR) {
			m->type = 'd';
		} else {
			m->type = 'o';
		}
		m->size = archive_entry_size(e);
		if (m->type == 'f' && archive_entry_sparse_count(e) == 0)
			m->offset = archive_filter_bytes(t.a, 0);
		m->name = strdup(strip_dot(name));
		m->link = link ? strdup(link) : NULL;
		if (!m->name || (link && !m->link)) {
			free(m->name);
			free(m->link);
			rc = lc__fail(ctx, LC_EINTERNAL, "out of memory");
			goto out;
		}
		ix->n++;
	}
	*out = ix;
	ix = NULL;
out:
	if (t.a)
		archive_read_free(t.a);
	if (t.fd >= 0)
		close(t.fd);
	lc__tar_index_free(ix);
	return rc;
}

static const lc_tar_member *find_exact(const lc_tar_index *ix, const char *name)
{
	const lc_tar_member *hit = NULL;
	size_t i;

	/* The last one wins, as when a tar is extracted. */
	for (i = 0; i < ix->n; i++)
		if (!strcmp(ix->v[i].name, name))
			hit = &ix->v[i];
	return hit;
}

/* Resolve "dir/../x" style link targets lexically, never above the archive root. */
static int join_link(const char *member, const char *target, char *out, size_t outsz)
{
	char tmp[PATH_MAX];
	char *parts[256];
	size_t np = 0, i, o = 0;
	char *save = NULL, *tok;
	int n;

	if (target[0] == '/') {
		n = snprintf(tmp, sizeof tmp, "%s", target);
	} else {
		const char *slash = strrchr(member, '/');
		int dl = slash ? (int)(slash - member) : 0;

		n = snprintf(tmp, sizeof tmp, "%.*s/%s", dl, member, target);
	}
	if (n < 0 || (size_t)n >= sizeof tmp)
		return -1;
	for (tok = strtok_r(tmp, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
		if (!strcmp(tok, "."))
			continue;
		if (!strcmp(tok, "..")) {
			if (np == 0)
				return -1;
			np--;
			continue;
		}
		if (np == sizeof parts / sizeof parts[0])
			return -1;
		parts[np++] = tok;
	}
	for (i = 0; i < np; i++) {
		n = snprintf(out + o, outsz - o, "%s%s", i ? "/" : "", parts[i]);
		if (n < 0 || (size_t)n >= outsz - o)
			return -1;
		o += (size_t)n;
	}
	if (o == 0 && outsz)
		out[0] = 0;
	return 0;
}

const lc_tar_member *lc__tar_index_find(const lc_tar_index *ix, const char *name)
{
	const lc_tar_member *m = find_exact(ix, strip_dot(name));
	char cur[PATH_MAX], next[PATH_MAX];
	int hops;

	/* docker save deduplicates layers with links (id/layer.tar -> ../other.tar). */
	for (hops = 0; m && m->type != 'f' && hops < 16; hops++) {
		if (m->type == 'l') {
			snprintf(cur, sizeof cur, "%s", m->name);
			if (join_link(cur, m->link, next, sizeof next) < 0)
				return NULL;
		} else if (m->type == 'h') {
			snprintf(next, sizeof next, "%s", strip_dot(m->link));
		} else {
			return NULL;
		}
		m = find_exact(ix, next);
	}
	return m && m->type == 'f' ? m : NULL;
}

/* ---- reading whole blobs ---------------------------------------------------------- */

void lc__stream_close(lc_stream *s)
{
	if (s)
		s->close(s);
}

lc_code lc__stream_slurp(lc_ctx *ctx, lc_stream *s, const char *label, int64_t max,
			 const char *limit_name, char **bufp, size_t *lenp, char digest[72])
{
	lc_code rc = LC_OK;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	EVP_MD_CTX *md = NULL;
	unsigned char h[32];
	unsigned int hl = 0;
	int i;

	*bufp = NULL;
	*lenp = 0;
	if (digest) {
		md = EVP_MD_CTX_new();
		if (!md || !EVP_DigestInit_ex(md, EVP_sha256(), NULL)) {
			rc = lc__fail(ctx, LC_EINTERNAL, "sha256 unavailable");
			goto out;
		}
	}
	for (;;) {
		ssize_t n;

		/* Read at most max+1 bytes: one more than allowed proves the excess without
		 * touching the rest of a (possibly sparse, huge) file. */
		if (cap - len < 2) {
			size_t nc = cap ? cap * 2 : 4096;
			char *nb;

			if ((int64_t)nc > max + 2)
				nc = (size_t)max + 2;
			if (nc <= cap) {
				rc = lc__fail(ctx, LC_EIMAGE, "%s is larger than %lld bytes (limit %s)",
					      label, (long long)max, limit_name);
				goto out;
			}
			nb = realloc(buf, nc);
			if (!nb) {
				rc = lc__fail(ctx, LC_EINTERNAL, "out of memory");
				goto out;
			}
			buf = nb;
			cap = nc;
		}
		n = s->read(s, buf + len, cap - len - 1);
		if (n < 0) {
			rc = lc__fail(ctx, LC_EIMAGE, "%s: %s", label, s->errbuf);
			goto out;
		}
		if (n == 0)
			break;
		if (md)
			EVP_DigestUpdate(md, buf + len, (size_t)n);
		len += (size_t)n;
		if ((int64_t)len > max) {
			rc = lc__fail(ctx, LC_EIMAGE, "%s is larger than %lld bytes (limit %s)", label,
				      (long long)max, limit_name);
			goto out;
		}
	}
	if (!buf && !(buf = malloc(1))) {
		rc = lc__fail(ctx, LC_EINTERNAL, "out of memory");
		goto out;
	}
	buf[len] = 0;
	if (md) {
		EVP_DigestFinal_ex(md, h, &hl);
		memcpy(digest, "sha256:", 7);
		for (i = 0; i < 32; i++)
			snprintf(digest + 7 + 2 * i, 3, "%02x", h[i]);
	}
	*bufp = buf;
	*lenp = len;
	buf = NULL;
out:
	EVP_MD_CTX_free(md);
	free(buf);
	return rc;
}

const char *lc__file_compression(const char *path)
{
	unsigned char m[4] = {0};
	const char *res = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	ssize_t n;

	if (fd < 0)
		return NULL;
	n = read(fd, m, sizeof m);
	if (n >= 2 && m[0] == 0x1f && m[1] == 0x8b)
		res = "gzip";
	else if (n == 4 && m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd)
		res = "zstd";
	else if (n >= 3 && m[0] == 'B' && m[1] == 'Z' && m[2] == 'h')
		res = "bzip2";
	else if (n >= 4 && m[0] == 0xfd && m[1] == '7' && m[2] == 'z' && m[3] == 'X')
		res = "xz";
	close(fd);
	return res;
}

unsigned lc__tar_probe(const char *path, const char *const *names, size_t n)
{
	tar_stream t;
	struct archive_entry *e;
	unsigned found = 0;
	int64_t seen = 0, max = lc_limit_default(LC_LIM_ARCHIVE_MEMBERS);
	size_t i;

	memset(&t, 0, sizeof t);
	t.fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (t.fd < 0)
		return 0;
	t.a = archive_read_new();
	if (!t.a)
		goto out;
	archive_read_support_format_tar(t.a);
	archive_read_set_read_callback(t.a, tar_cb_read);
	archive_read_set_seek_callback(t.a, tar_cb_seek);
	archive_read_set_skip_callback(t.a, tar_cb_skip);
	archive_read_set_callback_data(t.a, &t);
	if (archive_read_open1(t.a) != ARCHIVE_OK)
		goto out;
	while (seen++ < max && archive_read_next_header(t.a, &e) >= ARCHIVE_WARN) {
		const char *p = archive_entry_pathname(e);

		for (i = 0; p && i < n && i < 32; i++)
			if (!strcmp(strip_dot(p), names[i]))
				found |= 1u << i;
	}
out:
	if (t.a)
		archive_read_free(t.a);
	close(t.fd);
	return found;
}
