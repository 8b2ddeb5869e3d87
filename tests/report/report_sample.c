/*
 * report_sample.c - writes a hand-built report with hostile strings (escape sequences,
 * invalid UTF-8, hidden files, warnings, a file index) in the format named by argv[1],
 * so test_report_output.py can check both writers without needing a scan.
 * usage: report_sample FORMAT [files] [color]
 */
#include "lc_private.h"

#include <stdlib.h>
#include <string.h>

static void add_finding(lc_report *r, lc_severity sev, const char *rule, int layer,
			int removed_in, const char *path, int64_t line, const char *evidence)
{
	lc_finding *f = &r->findings[r->nfindings++];
	memset(f, 0, sizeof(*f));
	snprintf(f->id, sizeof(f->id), "%032x", (unsigned)r->nfindings);
	f->detector = strdup("permissions");
	f->rule_id = strdup(rule);
	f->severity = sev;
	f->title = strdup("a title long enough to need truncating on a narrow terminal, "
			  "with \x1b[31mcolour\x1b[0m");
	f->description = strdup("description\nwith a newline");
	f->source = LC_SRC_FILE;
	f->layer = layer;
	f->layer_diff_id = layer >= 0 ? strdup("sha256:"
					       "0123456789abcdef0123456789abcdef0123456789abcdef01"
					       "23456789abcdef")
				      : NULL;
	f->removed_in = removed_in;
	f->path = path ? strdup(path) : NULL;
	f->line = line;
	f->offset = line ? 120 : -1;
	f->evidence = evidence ? strdup(evidence) : NULL;
	f->details = json_pack("{s:i,s:s}", "mode", 04755, "raw", "\x1b]0;title\x07");
	f->remediation = strdup("remove it");
}

static void add_file(lc_fileidx *ix, const char *path, lc_ftype t, uint32_t mode, int64_t size,
		     const char *link, int layer)
{
	lc_entry e = {.path = path, .type = t, .mode = mode, .size = size, .link = link,
		      .layer = layer};
	lc__fileidx_add(ix, &e);
}

int main(int argc, char **argv)
{
	lc_report *r = calloc(1, sizeof(*r));
	unsigned flags = 0;
	json_t *img, *layers, *cfg;
	lc_code rc;

	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "files") == 0)
			flags |= LC_OUT_FILES;
		if (strcmp(argv[i], "color") == 0)
			flags |= LC_OUT_COLOR;
	}
	r->magic = LC_MAGIC_REPORT;
	r->code = LC_OK;
	r->complete = true;
	layers = json_pack("[{s:i,s:s,s:s,s:s,s:s,s:i,s:i,s:s,s:i,s:b},"
			   "{s:i,s:s,s:s,s:n,s:s,s:i,s:i,s:s,s:i,s:b}]",
			   "index", 0, "digest", "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "diff_id",
			   "sha256:bbbb", "media_type", "application/vnd.oci.image.layer.v1.tar+gzip",
			   "compression", "gzip", "size", 1234, "uncompressed_size", 10240,
			   "created_by", "/bin/sh -c #(nop) ADD file:\x1b[2J in / ", "files", 3,
			   "complete", 1,
			   "index", 1, "digest", "sha256:cccc", "diff_id", "sha256:dddd",
			   "media_type", "compression", "zstd", "size", 99, "uncompressed_size", 2048,
			   "created_by", "RUN rm /secret", "files", 1, "complete", 1);
	cfg = json_pack("{s:s,s:n,s:[s,s],s:n,s:[s,s,s],s:[s],s:{s:s}}", "user", "root",
			"working_dir", "entrypoint", "/bin/sh", "-c", "cmd", "env", "PATH=/bin",
			"AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY", "DB_PASS=pw",
			"exposed_ports",
			"3333/tcp", "labels", "evil\x1b", "yes\xe2\x80\xae");
	img = json_pack("{s:s,s:s,s:s,s:s,s:s,s:[s],s:o,s:o,s:[]}", "reference",
			"oci:/tmp/img\x1b[31m", "transport", "oci", "manifest_digest", "sha256:eeee",
			"config_digest", "sha256:ffff", "platform", "linux/amd64", "names",
			"example:latest", "layers", layers, "config", cfg, "history");
	/* json_pack refuses invalid UTF-8: add such a label by hand, as a source might. */
	json_object_set_new_nocheck(json_object_get(cfg, "labels"), "bad\xff",
				    json_stringn_nocheck("v\xfe", 2));
	r->image = img;
	r->scanners = calloc(2, sizeof(char *));
	r->scanners[0] = strdup("permissions");
	r->findings = calloc(4, sizeof(lc_finding));
	r->capfindings = 4;
	add_finding(r, LC_SEV_CRITICAL, "setuid-other", 0, 1, "secret/\x1b[2Jkey\xff", 3,
		    "AKIA****");
	add_finding(r, LC_SEV_HIGH, "world-writable", 0, -1,
		    "usr/share/a/very/long/path/that/keeps/going/and/going/and/going/file.txt", 0,
		    NULL);
	add_finding(r, LC_SEV_LOW, "config-root", -1, -1, "config.User", 0, "\xc2\x9b" "evil");
	lc__diag_add(&r->warnings, "layer.tar_unterminated", 1, "x\x1b", "layer %d: %s", 1,
		     "no end-of-archive blocks");
	lc__diag_add(&r->warnings, "image.odd", -1, NULL, "%s", "plain warning");
	if (flags & LC_OUT_FILES) {
		r->files = lc__fileidx_new(2);
		add_file(r->files, "bin", LC_FT_DIR, 0755, 0, NULL, 0);
		add_file(r->files, "bin/su", LC_FT_REG, 04755, 1000, NULL, 0);
		add_file(r->files, "bin/sh", LC_FT_SYMLINK, 0777, 0, "busybox", 0);
		add_file(r->files, "secret/\x1bkey\xff", LC_FT_REG, 0600, 40, NULL, 0);
		add_file(r->files, "secret/\x1bkey\xff", LC_FT_WHITEOUT, 0, 0, NULL, 1);
		lc__fileidx_resolve(r->files);
	}
	rc = lc_report_write(r, argv[1], stdout, flags);
	lc_report_free(r);
	return rc;
}
