/*
 * ref.c - image references read the way Docker reads them: an optional docker://
 * prefix, a registry host when the first component looks like one, the repository path,
 * a tag and a digest. Docker Hub names are normalised (ubuntu -> docker.io/library/ubuntu)
 * so that every later comparison sees one spelling.
 */
#include "lc_private.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* The spellings of Docker Hub a client resolves to the same place. */
static const char *const hub_hosts[] = {
	"docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com",
	NULL,
};

static lc_code fail(char *err, size_t errsz, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static lc_code fail(char *err, size_t errsz, const char *fmt, ...)
{
	va_list ap;
	if (err && errsz) {
		va_start(ap, fmt);
		vsnprintf(err, errsz, fmt, ap);
		va_end(ap);
	}
	return LC_EUSAGE;
}

/* Copy [s, s+n) into a bounded field; false when it does not fit. */
static bool field_set(char *dst, const char *s, size_t n)
{
	bool fits = n < LC_NAME_MAX;
	if (fits) {
		memcpy(dst, s, n);
		dst[n] = '\0';
	}
	return fits;
}

/* A path component: lowercase alphanumerics joined by '.', '_', '__' or dashes, as the
 * distribution reference grammar allows; anything else is refused with a reason. */
static const char *component_check(const char *c, size_t n)
{
	const char *why = NULL;

	if (n == 0) {
		why = "empty path component";
		goto out;
	}
	if (!isalnum((unsigned char)c[0]) || !isalnum((unsigned char)c[n - 1])) {
		why = "a path component must start and end with a letter or digit";
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)c[i];
		if (isupper(ch)) {
			why = "repository names must be lowercase";
			goto out;
		}
		if (!(islower(ch) || isdigit(ch) || ch == '.' || ch == '_' || ch == '-')) {
			why = "invalid character in repository name";
			goto out;
		}
		if (isalnum(ch))
			continue;
		/* A separator run: one '.', one or two '_', or any number of '-'. */
		size_t j = i;
		while (j < n && !isalnum((unsigned char)c[j]))
			j++;
		size_t run = j - i;
		bool dashes = strspn(c + i, "-") >= run;
		if (!(dashes || (run == 1) || (run == 2 && c[i] == '_' && c[i + 1] == '_'))) {
			why = "invalid separator in repository name";
			goto out;
		}
		i = j - 1;
	}
out:
	return why;
}

static bool looks_like_host(const char *c, size_t n)
{
	return memchr(c, '.', n) || memchr(c, ':', n) || (n == 9 && !memcmp(c, "localhost", 9));
}

static bool tag_ok(const char *t)
{
	size_t n = strlen(t);
	bool ok = n > 0 && n <= 128 && (isalnum((unsigned char)t[0]) || t[0] == '_');
	for (size_t i = 0; i < n && ok; i++)
		ok = isalnum((unsigned char)t[i]) || t[i] == '_' || t[i] == '.' || t[i] == '-';
	return ok;
}

static bool digest_ok(const char *d)
{
	const char *colon = strchr(d, ':');
	bool ok = colon && colon != d && strlen(colon + 1) >= 32;
	/* algorithm ":" hex, as in "sha256:..." */
	for (const char *p = d; ok && p < colon; p++)
		ok = islower((unsigned char)*p) || isdigit((unsigned char)*p) || strchr("+.-_", *p);
	for (const char *p = colon ? colon + 1 : d; ok && *p; p++)
		ok = isxdigit((unsigned char)*p);
	return ok;
}

lc_code lc__name_parse(const char *ref, lc_nameref *out, char *err, size_t errsz)
{
	lc_code rc = LC_OK;
	char buf[LC_NAME_MAX * 2];
	char *name, *at, *slash, *colon;
	size_t n;

	memset(out, 0, sizeof(*out));
	if (!ref || !*ref) {
		rc = fail(err, errsz, "empty reference");
		goto out;
	}
	if (strncmp(ref, "docker://", 9) == 0)
		ref += 9;
	n = strlen(ref);
	if (n >= sizeof(buf)) {
		rc = fail(err, errsz, "reference longer than %zu bytes", sizeof(buf) - 1);
		goto out;
	}
	memcpy(buf, ref, n + 1);
	name = buf;

	at = strchr(name, '@');
	if (at) {
		*at = '\0';
		if (!digest_ok(at + 1) || !field_set(out->digest, at + 1, strlen(at + 1))) {
			rc = fail(err, errsz, "invalid digest '%s'", at + 1);
			goto out;
		}
	}
	/* The tag is after the last ':' that follows the last '/': a ':' before it is a
	 * registry port. */
	slash = strrchr(name, '/');
	colon = strrchr(slash ? slash : name, ':');
	if (colon) {
		*colon = '\0';
		if (!tag_ok(colon + 1) || !field_set(out->tag, colon + 1, strlen(colon + 1))) {
			rc = fail(err, errsz, "invalid tag '%s'", colon + 1);
			goto out;
		}
	}

	slash = strchr(name, '/');
	if (slash && looks_like_host(name, (size_t)(slash - name))) {
		size_t hn = (size_t)(slash - name);
		if (!field_set(out->host, name, hn)) {
			rc = fail(err, errsz, "registry host too long");
			goto out;
		}
		for (char *p = out->host; *p; p++) {
			*p = (char)tolower((unsigned char)*p);
			if (!(isalnum((unsigned char)*p) || strchr(".-:[]", *p))) {
				rc = fail(err, errsz, "invalid registry host '%s'", out->host);
				goto out;
			}
		}
		name = slash + 1;
	} else {
		strcpy(out->host, "docker.io");
	}
	/* With or without a port ("docker.io:443"), these hosts are Docker Hub. */
	for (size_t i = 0; hub_hosts[i]; i++) {
		size_t hl = strlen(hub_hosts[i]);
		if (strncmp(out->host, hub_hosts[i], hl) == 0 &&
		    (out->host[hl] == '\0' || out->host[hl] == ':'))
			out->hub = true;
	}
	if (out->hub)
		strcpy(out->host, "docker.io");

	/* Validate every component of the path. */
	for (const char *c = name;;) {
		const char *end = strchr(c, '/');
		size_t cn = end ? (size_t)(end - c) : strlen(c);
		const char *why = component_check(c, cn);
		if (why) {
			rc = fail(err, errsz, "%s: '%.*s'", why, (int)(cn > 64 ? 64 : cn), c);
			goto out;
		}
		if (!end)
			break;
		c = end + 1;
	}
	if (out->hub && !strchr(name, '/')) {
		if (snprintf(out->path, LC_NAME_MAX, "library/%s", name) >= LC_NAME_MAX) {
			rc = fail(err, errsz, "repository name too long");
			goto out;
		}
	} else if (!field_set(out->path, name, strlen(name))) {
		rc = fail(err, errsz, "repository name too long");
		goto out;
	}
	slash = strrchr(out->path, '/');
	if (slash) {
		field_set(out->ns, out->path, (size_t)(slash - out->path));
		field_set(out->repo, slash + 1, strlen(slash + 1));
	} else {
		field_set(out->repo, out->path, strlen(out->path));
	}
out:
	return rc;
}

void lc__name_format(const lc_nameref *r, char *buf, size_t bufsz)
{
	snprintf(buf, bufsz, "%s/%s%s%s%s%s", r->host, r->path, r->tag[0] ? ":" : "", r->tag,
		 r->digest[0] ? "@" : "", r->digest);
}
