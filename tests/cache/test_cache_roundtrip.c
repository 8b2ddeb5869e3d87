/*
 * test_cache_roundtrip.c - a layer stored and looked up again comes back the same
 * (files, findings, warnings, captures), under another layer index; a changed
 * fingerprint or diff_id misses; no-cache gives no handle; show-secrets stores nothing
 * and nothing secret reaches the database file.
 */
#include "cache_test.h"

#include <sys/stat.h>

/* Compare layer la of a with layer lb of b, record by record (both resolved). */
static int same_layer(const lc_fileidx *a, int la, const lc_fileidx *b, int lb)
{
	size_t na = lc__fileidx_count(a), checked = 0;

	if (lc__fileidx_layer_count(a, la) != lc__fileidx_layer_count(b, lb))
		return 0;
	for (size_t i = 0; i < na; i++) {
		const lc_fileinfo *x = lc__fileidx_get(a, i), *y;

		if (x->layer != la)
			continue;
		y = lc__fileidx_find(b, lb, x->path);
		if (!y || y->type != x->type || y->mode != x->mode || y->uid != x->uid ||
		    y->gid != x->gid || y->size != x->size || !x->link != !y->link ||
		    (x->link && strcmp(x->link, y->link) != 0)) {
			printf("# differs: %s\n", x->path);
			return 0;
		}
		checked++;
	}
	return checked == lc__fileidx_layer_count(a, la);
}

int main(void)
{
	char *dir = ct_tmpdir();
	char db[4200], fp[65], fp2[65];
	lc_ctx *ctx = ct_ctx(dir);
	lc_cache *c = NULL;
	lc_fileidx *ix = lc__fileidx_new(2), *ix2 = lc__fileidx_new(3);
	lc_cache_layer in, out;
	bool hit = true;
	lc_code rc;
	struct stat st;

	snprintf(db, sizeof(db), "%s/cache.db", dir);

	/* fingerprints: deterministic, and sensitive to what changes results */
	TAP_OK(lc__cache_fingerprint(ctx, fp) == LC_OK && strlen(fp) == 64, "fingerprint %s", fp);
	TAP_OK(lc__cache_fingerprint(ctx, fp2) == LC_OK && strcmp(fp, fp2) == 0,
	       "fingerprint is deterministic");
	lc_ctx_set_limit(ctx, "file-buffer", "1234567");
	lc__cache_fingerprint(ctx, fp2);
	TAP_OK(strcmp(fp, fp2) != 0 || lc_ctx_get_limit(ctx, "file-buffer") != 1234567,
	       "a changed limit changes the fingerprint");
	{
		char rules[4200], fp3[65];
		FILE *f;

		snprintf(rules, sizeof(rules), "%s/rules.yar", dir);
		f = fopen(rules, "w");
		fputs("rule a { condition: true }\n", f);
		fclose(f);
		lc_ctx_set_option(ctx, "yara-rules", rules);
		lc__cache_fingerprint(ctx, fp2);
		f = fopen(rules, "w");
		fputs("rule b { condition: true }\n", f);
		fclose(f);
		lc__cache_fingerprint(ctx, fp3);
		TAP_OK(strcmp(fp2, fp3) != 0, "editing a rule file changes the fingerprint");
		lc_ctx_free(ctx);
		ctx = ct_ctx(dir);
	}

	rc = lc__cache_open(ctx, &c);
	TAP_OK(rc == LC_OK && c, "open creates the cache (%s)", lc_ctx_errmsg(ctx));
	TAP_OK(stat(db, &st) == 0 && (st.st_mode & 077) == 0, "database is private (0%o)",
	       (unsigned)(st.st_mode & 0777));

	ct_fill(ix, 1, DIFF_A, 100);
	ct_fill(ix, 0, DIFF_B, 3);
	lc__fileidx_resolve(ix);
	ct_layer(&in, 1, "AKIA****");

	rc = lc__cache_lookup(c, DIFF_A, FP_1, ix2, 0, &out, &hit);
	TAP_OK(rc == LC_OK && !hit, "empty cache misses");

	in.complete = false;
	rc = lc__cache_store(c, DIFF_A, FP_1, ix, 1, &in);
	lc__cache_lookup(c, DIFF_A, FP_1, ix2, 0, &out, &hit);
	TAP_OK(rc == LC_OK && !hit, "an incomplete layer is not stored");
	in.complete = true;

	rc = lc__cache_store(c, DIFF_A, FP_1, ix, 1, &in);
	TAP_OK(rc == LC_OK, "store (%s)", lc_ctx_errmsg(ctx));

	/* the same layer now at index 2 of another image */
	rc = lc__cache_lookup(c, DIFF_A, FP_1, ix2, 2, &out, &hit);
	TAP_OK(rc == LC_OK && hit, "lookup hits");
	lc__fileidx_resolve(ix2);
	TAP_OK(same_layer(ix, 1, ix2, 2), "file records round-trip (%zu)",
	       lc__fileidx_layer_count(ix2, 2));
	TAP_OK(out.nfindings == 2, "two findings back");
	if (out.nfindings == 2) {
		lc_finding *f = &out.findings[0], *g = &out.findings[1];
		char *d = f->details ? json_dumps(f->details, JSON_SORT_KEYS | JSON_COMPACT) : NULL;

		TAP_OK(strcmp(f->id, in.findings[0].id) == 0 && strcmp(f->detector, "secrets") == 0 &&
			       strcmp(f->rule_id, "aws-access-key") == 0 &&
			       f->severity == LC_SEV_HIGH && strcmp(f->title, "AWS access key") == 0 &&
			       strcmp(f->description, in.findings[0].description) == 0 &&
			       f->source == LC_SRC_FILE && strcmp(f->path, "app/.env") == 0 &&
			       f->line == 3 && f->offset == 42 &&
			       strcmp(f->evidence, "AKIA****") == 0 &&
			       strcmp(f->remediation, "Rotate the key.") == 0,
		       "finding fields round-trip");
		TAP_OK(f->layer == 2 && f->layer_diff_id && strcmp(f->layer_diff_id, DIFF_A) == 0 &&
			       f->removed_in == -1,
		       "finding takes this image's layer index");
		TAP_OK(d && strcmp(d, "{\"entropy_x100\":412,\"kind\":\"access-key\"}") == 0,
		       "details JSON round-trips (%s)", d ? d : "null");
		TAP_OK(g->layer == -1 && !g->layer_diff_id && !g->path && !g->details &&
			       g->source == LC_SRC_IMAGE,
		       "a finding without layer/path/details stays so");
		free(d);
	}
	TAP_OK(out.warnings.n == 1 && strcmp(out.warnings.v[0].code, "layer.duplicate_path") == 0 &&
		       out.warnings.v[0].layer == 2 &&
		       strcmp(out.warnings.v[0].path, "etc/hosts") == 0,
	       "warning round-trips");
	TAP_OK(out.ncaptures == 1 && strcmp(out.captures[0].path, "etc/passwd") == 0 &&
		       out.captures[0].len == in.captures[0].len &&
		       memcmp(out.captures[0].data, in.captures[0].data, out.captures[0].len) == 0,
	       "captured etc/passwd round-trips");
	TAP_OK(out.tar_bytes == 10240 && out.entries == 5, "layer figures round-trip");
	TAP_OK(out.nfiles == (int64_t)lc__fileidx_layer_count(ix, 1) && !out.files_raw,
	       "file records counted (%lld), none held when an index was given",
	       (long long)out.nfiles);
	lc__cache_layer_free(&out);

	/* without an index the records wait, validated, until lc__cache_files_load */
	{
		lc_fileidx *ix3 = lc__fileidx_new(3);

		rc = lc__cache_lookup(c, DIFF_A, FP_1, NULL, 2, &out, &hit);
		TAP_OK(rc == LC_OK && hit && out.files_raw && out.nfindings == 2 &&
			       out.nfiles == (int64_t)lc__fileidx_layer_count(ix, 1),
		       "lookup without an index holds the file records (%lld)", (long long)out.nfiles);
		rc = lc__cache_files_load(ctx, &out, ix3, 2, DIFF_A);
		lc__fileidx_resolve(ix3);
		TAP_OK(rc == LC_OK && !out.files_raw && same_layer(ix, 1, ix3, 2),
		       "loaded later, they equal the records loaded at once");
		lc__cache_layer_free(&out);
		lc__fileidx_free(ix3);
	}

	/* an image record keeps the findings' hidden flags, found by id */
	{
		lc_cache_hidden hv[3] = { { "ffff", 4 }, { "0a0a", 2 }, { "7777", 0 } };
		lc_cache_layer im = { .complete = true, .hidden = hv, .nhidden = 3 };

		rc = lc__cache_store(c, "image:hidden", FP_1, NULL, -1, &im);
		lc__cache_lookup(c, "image:hidden", FP_1, NULL, -1, &out, &hit);
		TAP_OK(rc == LC_OK && hit && out.nhidden == 3 && out.nfiles == 0 && !out.files_raw,
		       "image record with three hidden flags round-trips");
		TAP_OK(lc__cache_hidden_find(&out, "0a0a") == 2 &&
			       lc__cache_hidden_find(&out, "ffff") == 4 &&
			       lc__cache_hidden_find(&out, "7777") == 0 &&
			       lc__cache_hidden_find(&out, "1234") == -2 &&
			       lc__cache_hidden_find(&out, NULL) == -2,
		       "each found by id, an unknown id has none");
		lc__cache_layer_free(&out);
	}

	rc = lc__cache_lookup(c, DIFF_A, FP_2, ix2, 1, &out, &hit);
	TAP_OK(rc == LC_OK && !hit && out.nfindings == 0 && lc__fileidx_layer_count(ix2, 1) == 0,
	       "another fingerprint misses and adds nothing");
	rc = lc__cache_lookup(c, DIFF_B, FP_1, ix2, 1, &out, &hit);
	TAP_OK(rc == LC_OK && !hit, "another diff_id misses");

	/* The image-level record (layer -1, no index): findings and warnings keep the
	 * image's layer indexes, and it lives beside the layers under its own key. */
	{
		lc_cache_layer im = in, back;
		lc_finding fv[2];
		lc_diag_list wl = {0};

		fv[0] = in.findings[0];
		fv[0].layer = 2;
		fv[1] = in.findings[1];
		lc__diag_add(&wl, "config.odd", 1, NULL, "odd");
		im.findings = fv;
		im.nfindings = 2;
		im.warnings = wl;
		im.ncaptures = 0;
		rc = lc__cache_store(c, "image:" FP_2, FP_1, NULL, -1, &im);
		TAP_OK(rc == LC_OK, "image record stored");
		rc = lc__cache_lookup(c, "image:" FP_2, FP_1, NULL, -1, &back, &hit);
		TAP_OK(rc == LC_OK && hit && back.nfindings == 2 && back.findings[0].layer == 2 &&
			       !back.findings[0].layer_diff_id && back.findings[1].layer == -1 &&
			       back.warnings.n == 1 && back.warnings.v[0].layer == 1 &&
			       back.ncaptures == 0,
		       "image record keeps layer indexes");
		lc__cache_layer_free(&back);
		rc = lc__cache_lookup(c, "image:" FP_2, FP_2, NULL, -1, &back, &hit);
		TAP_OK(rc == LC_OK && !hit, "image record under another fingerprint misses");
		lc__cache_layer_free(&back);
		lc__diag_list_free(&wl);
	}

	/* storing again replaces, not duplicates */
	rc = lc__cache_store(c, DIFF_A, FP_1, ix, 1, &in);
	TAP_OK(rc == LC_OK, "store again");
	lc__cache_close(c);
	c = NULL;

	{
		lc_cache_stats s;

		rc = lc_cache_info(ctx, &s);
		/* one layer record and two image records (no entries), 2+2 findings; their
		 * stores, hits and misses count with the layer's */
		TAP_OK(rc == LC_OK && s.exists && s.layers == 1 && s.images == 2 && s.entries == 105 &&
			       s.findings == 4 && s.hits == 4 && s.misses == 5 && s.stores == 4 &&
			       s.data_bytes > 0 && s.file_bytes >= s.data_bytes,
		       "info: %lld layers, %lld entries, %lld hits, %lld misses, %lld stores",
		       (long long)s.layers, (long long)s.entries, (long long)s.hits,
		       (long long)s.misses, (long long)s.stores);
	}

	/* no-cache: no handle, and the calls take NULL */
	lc_ctx_set_option(ctx, "no-cache", "true");
	rc = lc__cache_open(ctx, &c);
	TAP_OK(rc == LC_OK && c == NULL, "no-cache opens nothing");
	rc = lc__cache_lookup(NULL, DIFF_A, FP_1, ix2, 1, &out, &hit);
	TAP_OK(rc == LC_OK && !hit && lc__cache_store(NULL, DIFF_A, FP_1, ix, 1, &in) == LC_OK,
	       "lookup/store on a NULL cache are no-ops");
	lc_ctx_set_option(ctx, "no-cache", "false");

	/* show-secrets: the evidence is in clear, so nothing may be stored or served */
	{
		static const char secret[] = "AKIAZZZQ3EXAMPLE7SECRETXYZ";
		lc_cache_layer clear;

		lc_ctx_set_option(ctx, "show-secrets", "true");
		TAP_OK(ctx->show_secrets, "show-secrets set");
		lc__cache_open(ctx, &c);
		ct_layer(&clear, 1, secret);
		rc = lc__cache_store(c, DIFF_B, FP_1, ix, 1, &clear);
		TAP_OK(rc == LC_OK, "store under show-secrets returns OK");
		rc = lc__cache_lookup(c, DIFF_A, FP_1, ix2, 1, &out, &hit);
		TAP_OK(rc == LC_OK && !hit, "show-secrets never hits (cached evidence is redacted)");
		lc__cache_close(c);
		c = NULL;
		lc_ctx_set_option(ctx, "show-secrets", "false");
		lc__cache_open(ctx, &c);
		rc = lc__cache_lookup(c, DIFF_B, FP_1, ix2, 1, &out, &hit);
		TAP_OK(rc == LC_OK && !hit, "nothing was stored under show-secrets");
		lc__cache_close(c);
		c = NULL;
		{
			char wal[4300];

			snprintf(wal, sizeof(wal), "%s-wal", db);
			TAP_OK(!ct_file_contains(db, secret) && !ct_file_contains(wal, secret) &&
				       !ct_file_contains(db, "AKIAZZZQ"),
			       "the raw secret is nowhere in the database files");
		}
		lc__cache_layer_free(&clear);
	}

	/* clean empties it */
	{
		lc_cache_stats s;

		rc = lc_cache_clean(ctx);
		lc_cache_info(ctx, &s);
		TAP_OK(rc == LC_OK && s.exists && s.layers == 0 && s.hits == 0,
		       "clean deletes every record");
	}

	lc__cache_layer_free(&in);
	lc__fileidx_free(ix);
	lc__fileidx_free(ix2);
	lc_ctx_free(ctx);
	ct_cleanup(dir);
	return tap_done();
}
