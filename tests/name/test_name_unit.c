/*
 * test_name_unit.c - reference parsing and normalisation, the Damerau-Levenshtein
 * distance and its explanation, the shipped lists.
 */
#include "lc_private.h"
#include "tap.h"

#include <string.h>

static void parse_case(const char *ref, const char *host, const char *path, const char *tag,
		       bool hub)
{
	lc_nameref r;
	char err[256] = "";
	lc_code rc = lc__name_parse(ref, &r, err, sizeof(err));
	TAP_OK(rc == LC_OK && strcmp(r.host, host) == 0 && strcmp(r.path, path) == 0 &&
		       strcmp(r.tag, tag) == 0 && r.hub == hub,
	       "parse %s -> %s/%s:%s (got %s/%s:%s %s)", ref, host, path, tag, r.host, r.path,
	       r.tag, err);
}

static void parse_bad(const char *ref)
{
	lc_nameref r;
	char err[256] = "";
	TAP_OK(lc__name_parse(ref, &r, err, sizeof(err)) == LC_EUSAGE && err[0],
	       "refuse '%s' (%s)", ref, err);
}

static void explain_case(const char *name, const char *real, int dist, const char *edit)
{
	char buf[256];
	int d = lc__name_distance_explain(name, real, buf, sizeof(buf));
	TAP_OK(d == dist && strcmp(buf, edit) == 0, "%s vs %s: %d \"%s\" (got %d \"%s\")", name,
	       real, dist, edit, d, buf);
}


static int alarms;
static lc_code count_alarm(void *ud, const lc_nameref *r, const lc_name_verdict *v)
{
	(void)ud;
	(void)r;
	if (v->severity >= LC_SEV_LOW)
		alarms++;
	return LC_OK;
}

/* Every official name, bare and under library/, every retired name bare, and a
 * repository under every publisher namespace: no alarm at all. */
static void sweep(void)
{
	char ref[LC_NAME_MAX * 2], err[256];
	int bad = 0;
	for (size_t i = 0; i < lc__names_count(LC_NAMES_OFFICIAL); i++) {
		const char *n = lc__names_get(LC_NAMES_OFFICIAL, i);
		alarms = 0;
		lc__name_judge(NULL, n, count_alarm, NULL, err, sizeof(err));
		snprintf(ref, sizeof(ref), "docker.io/library/%s:latest", n);
		lc__name_judge(NULL, ref, count_alarm, NULL, err, sizeof(err));
		if (alarms) {
			printf("# alarm on official %s\n", n);
			bad++;
		}
	}
	for (size_t i = 0; i < lc__names_count(LC_NAMES_RETIRED); i++) {
		alarms = 0;
		lc__name_judge(NULL, lc__names_get(LC_NAMES_RETIRED, i), count_alarm, NULL, err,
			       sizeof(err));
		bad += alarms;
	}
	for (size_t i = 0; i < lc__names_count(LC_NAMES_PUBLISHERS); i++) {
		alarms = 0;
		snprintf(ref, sizeof(ref), "%s/nginx", lc__names_get(LC_NAMES_PUBLISHERS, i));
		lc__name_judge(NULL, ref, count_alarm, NULL, err, sizeof(err));
		if (alarms) {
			printf("# alarm on publisher %s\n", ref);
			bad++;
		}
	}
	TAP_OK(bad == 0, "no alarm on official, retired or publisher names (%d)", bad);
}

int main(void)
{
	sweep();
	parse_case("ubuntu", "docker.io", "library/ubuntu", "", true);
	parse_case("ubuntu:22.04", "docker.io", "library/ubuntu", "22.04", true);
	parse_case("docker://ubuntu", "docker.io", "library/ubuntu", "", true);
	parse_case("docker.io/ubuntu", "docker.io", "library/ubuntu", "", true);
	parse_case("index.docker.io/library/ubuntu:latest", "docker.io", "library/ubuntu",
		   "latest", true);
	parse_case("user/x:tag", "docker.io", "user/x", "tag", true);
	parse_case("localhost:5000/a/b:1", "localhost:5000", "a/b", "1", false);
	parse_case("Registry.Example.com:443/team/app", "registry.example.com:443", "team/app",
		   "", false);
	parse_case("ghcr.io/owner/img@sha256:"
		   "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		   "ghcr.io", "owner/img", "", false);
	parse_case("mongo_express", "docker.io", "library/mongo_express", "", true);
	parse_case("docker.io:443/someuser/ubuntu", "docker.io", "someuser/ubuntu", "", true);
	parse_case("some__user/a--b", "docker.io", "some__user/a--b", "", true);
	parse_bad("");
	parse_bad("Ubuntu");
	parse_bad("user//x");
	parse_bad("-x");
	parse_bad("a/b:");
	parse_bad("a@sha256:zz");
	parse_bad("a/b c");
	parse_bad("a/b\x1b[31m");
	parse_bad("a._b");

	lc_nameref r;
	char buf[LC_NAME_MAX * 4];
	lc__name_parse("nginx:1.25", &r, NULL, 0);
	lc__name_format(&r, buf, sizeof(buf));
	TAP_OK(strcmp(buf, "docker.io/library/nginx:1.25") == 0, "format %s", buf);

	TAP_OK(lc__name_distance("drupal", "drupal", 2) == 0, "distance 0");
	TAP_OK(lc__name_distance("drupa1", "drupal", 2) == 1, "distance 1");
	TAP_OK(lc__name_distance("ubnutu", "ubuntu", 2) == 1, "transposition counts 1");
	TAP_OK(lc__name_distance("abcdefgh", "xyz", 2) == 3, "far is max+1");
	explain_case("drupa1", "drupal", 1, "'1' for 'l'");
	explain_case("ubnutu", "ubuntu", 1, "'nu' for 'un'");
	explain_case("ngnx", "nginx", 1, "missing 'i'");
	explain_case("nginxx", "nginx", 1, "extra 'x'");
	explain_case("postgis", "postgres", 2, "missing 'r', 'i' for 'e'");

	TAP_OK(lc__names_count(LC_NAMES_OFFICIAL) == 144, "144 official names (%zu)",
	       lc__names_count(LC_NAMES_OFFICIAL));
	TAP_OK(lc__names_count(LC_NAMES_RETIRED) == 42, "42 retired names (%zu)",
	       lc__names_count(LC_NAMES_RETIRED));
	TAP_OK(lc__names_count(LC_NAMES_PUBLISHERS) >= 100, "publisher namespaces (%zu)",
	       lc__names_count(LC_NAMES_PUBLISHERS));
	TAP_OK(lc__names_has(LC_NAMES_OFFICIAL, "eclipse-temurin") &&
		       lc__names_has(LC_NAMES_RETIRED, "centos") &&
		       lc__names_has(LC_NAMES_PUBLISHERS, "bitnami") &&
		       !lc__names_has(LC_NAMES_OFFICIAL, "# comment"),
	       "lookups");
	return tap_done();
}
