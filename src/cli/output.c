/*
 * output.c - where the CLI's words go: reports to stdout or to a file replaced
 * atomically (temporary file + rename), and errors to stderr as "laocoon: ..." with
 * anything an image could have put in the message escaped.
 */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define CLI_MSG_MAX 4096 /* longer messages are cut: stderr is for people */

/* Length of a valid, printable UTF-8 sequence at p, or 0 (then the byte is escaped).
 * C1 controls (U+0080..U+009F) count as unprintable. */
static size_t utf8_ok(const unsigned char *p, size_t avail)
{
	size_t n = 0;
	unsigned char lo = 0x80, hi = 0xbf;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4;
	if (n == 0 || avail < n)
		return 0;
	if (p[0] == 0xe0)
		lo = 0xa0;
	else if (p[0] == 0xed)
		hi = 0x9f;
	else if (p[0] == 0xf0)
		lo = 0x90;
	else if (p[0] == 0xf4)
		hi = 0x8f;
	else if (p[0] == 0xc2)
		lo = 0xa0; /* C2 80..9F are the C1 controls */
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	/* As lc__escape: direction marks (U+200E/F, U+061C), line and paragraph separators
	 * (U+2028/9), bidi embeddings, overrides and isolates reorder or split the line. */
	if (n == 3 && p[0] == 0xe2 &&
	    ((p[1] == 0x80 && (p[2] == 0x8e || p[2] == 0x8f || (p[2] >= 0xa8 && p[2] <= 0xae))) ||
	     (p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9)))
		return 0;
	if (n == 2 && p[0] == 0xd8 && p[1] == 0x9c)
		return 0;
	return n;
}

void cli_err(const char *fmt, ...)
{
	char buf[CLI_MSG_MAX];
	va_list ap;
	size_t len, i = 0;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	len = strlen(buf);
	fputs("laocoon: ", stderr);
	while (i < len) {
		unsigned char c = (unsigned char)buf[i];
		size_t n;
		if (c >= 0x20 && c < 0x7f) {
			fputc(c, stderr);
			i++;
		} else if (c >= 0x80 && (n = utf8_ok((const unsigned char *)buf + i, len - i))) {
			fwrite(buf + i, 1, n, stderr);
			i += n;
		} else {
			fprintf(stderr, "\\x%02x", c);
			i++;
		}
	}
	fputc('\n', stderr);
}

void cli_json_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

int cli_out_open(cli_out *o, const char *path)
{
	int rc = LC_OK, fd = -1;
	size_t len;
	mode_t mask;

	memset(o, 0, sizeof(*o));
	if (!path) {
		o->f = stdout;
		goto out;
	}
	o->target = path;
	/* Not a regular file (/dev/null, /dev/stdout, a FIFO): written in place. Renaming a
	 * temporary file over it would replace the device node (as root: /dev/null became a
	 * regular file), and its fsync cost a warm rescan 0.13 s. */
	struct stat st;
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		o->f = fopen(path, "w");
		if (!o->f) {
			cli_err("cannot open %s: %s", path, strerror(errno));
			rc = LC_EINTERNAL;
		}
		goto out;
	}
	len = strlen(path);
	o->tmp = malloc(len + sizeof(".tmpXXXXXX"));
	if (!o->tmp) {
		cli_err("out of memory");
		rc = LC_EINTERNAL;
		goto out;
	}
	/* Same directory as the target, so rename(2) is atomic. */
	memcpy(o->tmp, path, len);
	memcpy(o->tmp + len, ".tmpXXXXXX", sizeof(".tmpXXXXXX"));
	fd = mkstemp(o->tmp);
	if (fd < 0) {
		cli_err("cannot create %s: %s", o->tmp, strerror(errno));
		rc = LC_EINTERNAL;
		goto out;
	}
	/* mkstemp makes 0600; a report gets the permissions the user's umask asks for. */
	mask = umask(0);
	umask(mask);
	if (fchmod(fd, 0666 & ~mask) != 0) {
		/* not fatal: the file is merely more private than asked */
	}
	o->f = fdopen(fd, "w");
	if (!o->f) {
		cli_err("cannot open %s: %s", o->tmp, strerror(errno));
		close(fd);
		unlink(o->tmp);
		rc = LC_EINTERNAL;
	}
out:
	if (rc != LC_OK) {
		free(o->tmp);
		o->tmp = NULL;
		o->f = NULL;
	}
	return rc;
}

int cli_out_commit(cli_out *o)
{
	int rc = LC_OK;

	if (!o->f) {
		rc = LC_EINTERNAL;
		goto out;
	}
	if (!o->tmp) {
		if (fflush(o->f) != 0 || ferror(o->f)) {
			cli_err("cannot write the report: %s", strerror(errno));
			rc = LC_EINTERNAL;
		}
		if (o->f != stdout) {
			fclose(o->f);
			o->f = NULL;
		}
		goto out;
	}
	if (fflush(o->f) != 0 || ferror(o->f) || fsync(fileno(o->f)) != 0) {
		cli_err("cannot write %s: %s", o->target, strerror(errno));
		rc = LC_EINTERNAL;
	}
	if (fclose(o->f) != 0 && rc == LC_OK) {
		cli_err("cannot write %s: %s", o->target, strerror(errno));
		rc = LC_EINTERNAL;
	}
	o->f = NULL;
	if (rc == LC_OK && rename(o->tmp, o->target) != 0) {
		cli_err("cannot write %s: %s", o->target, strerror(errno));
		rc = LC_EINTERNAL;
	}
	if (rc != LC_OK)
		unlink(o->tmp);
	free(o->tmp);
	o->tmp = NULL;
out:
	return rc;
}

void cli_out_abort(cli_out *o)
{
	if (o->tmp) {
		if (o->f)
			fclose(o->f);
		unlink(o->tmp);
		free(o->tmp);
	} else if (o->f && o->f != stdout) {
		fclose(o->f);
	}
	memset(o, 0, sizeof(*o));
}

bool cli_out_color(const cli_out *o)
{
	const char *nc = getenv("NO_COLOR");
	return o->f == stdout && !o->tmp && isatty(STDOUT_FILENO) && !(nc && *nc);
}

/* `detectors`, `limits`: commands that print a fixed table, as a table or JSON. */
int cli_run_listing(int argc, char **argv, const char *cmd, void (*table)(FILE *),
		    void (*json)(FILE *))
{
	cli_args a;
	cli_out o;
	int rc;
	bool as_json = false;

	rc = cli_parse(argc, argv, CLI_O_OUTPUT, &a);
	if (rc != LC_OK)
		goto out;
	if (a.help) {
		cli_command_help(cmd, stdout);
		goto out;
	}
	if (a.npos > 0) {
		cli_err("%s: takes no arguments", cmd);
		rc = LC_EUSAGE;
		goto out;
	}
	if (a.format && strcasecmp(a.format, "json") == 0) {
		as_json = true;
	} else if (a.format && strcasecmp(a.format, "table") != 0) {
		cli_err("%s: unknown format '%s' (table, json)", cmd, a.format);
		rc = LC_EUSAGE;
		goto out;
	}
	rc = cli_out_open(&o, a.output);
	if (rc != LC_OK)
		goto out;
	(as_json ? json : table)(o.f);
	rc = cli_out_commit(&o);
out:
	return rc;
}
