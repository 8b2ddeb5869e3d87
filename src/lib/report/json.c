/*
 * json.c - the JSON report (docs/json-schema.json describes it exactly). Keys are
 * inserted in a fixed order and findings keep the scan's sort, so two runs over the
 * same image give byte-identical output. Every string passes through lc__escape.
 */
#include "lc_private.h"

#include <stdlib.h>
#include <string.h>

/* An escaped string, or JSON null for NULL. */
static json_t *jstr(const char *s)
{
	json_t *v = NULL;
	char *e = NULL;

	if (!s) {
		v = json_null();
		goto out;
	}
	e = lc__escape_str(s);
	v = e ? json_string(e) : NULL;
out:
	free(e);
	return v;
}

/* An integer, or null when it equals the "none" sentinel. */
static json_t *jint_or_null(int64_t v, int64_t none)
{
	return v == none ? json_null() : json_integer((json_int_t)v);
}

/* json_object_set_new that remembers the first failure (out of memory). */
static void put(json_t *o, const char *key, json_t *v, bool *bad)
{
	if (!v || json_object_set_new(o, key, v) != 0)
		*bad = true;
}

json_t *lc__json_escape(json_t *v)
{
	json_t *out = NULL;
	bool bad = false;

	if (!v)
		goto out;
	switch (json_typeof(v)) {
	case JSON_STRING: {
		char *e = lc__escape(json_string_value(v), json_string_length(v));
		out = e ? json_string(e) : NULL;
		free(e);
		break;
	}
	case JSON_ARRAY: {
		size_t i;
		json_t *el;
		out = json_array();
		if (!out)
			break;
		json_array_foreach(v, i, el)
		{
			if (json_array_append_new(out, lc__json_escape(el)) != 0)
				bad = true;
		}
		break;
	}
	case JSON_OBJECT: {
		out = json_object();
		if (!out)
			break;
		/* Keys come from the image too (labels): escape them, embedded NULs
		 * included, hence the explicit length. */
		for (void *it = json_object_iter(v); it; it = json_object_iter_next(v, it)) {
			char *k = lc__escape(json_object_iter_key(it), json_object_iter_key_len(it));
			json_t *ev = lc__json_escape(json_object_iter_value(it));
			if (!k || !ev || json_object_set_new(out, k, ev) != 0)
				bad = true;
			else
				ev = NULL;
			if (ev)
				json_decref(ev);
			free(k);
		}
		break;
	}
	default:
		/* numbers, booleans, null: nothing to escape */
		out = json_deep_copy(v);
		break;
	}
	if (bad && out) {
		json_decref(out);
		out = NULL;
	}
out:
	return out;
}

static int key_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A copy of v with object keys in sorted order, at every depth: details are built by
 * detectors or loaded back from the layer cache, and the output must not depend on
 * which. v is already escaped (keys hold no NUL). */
static json_t *json_sorted(json_t *v)
{
	json_t *out = NULL;
	const char **keys = NULL;
	size_t n = 0;
	bool bad = false;

	if (json_is_array(v)) {
		size_t i;
		json_t *el;
		out = json_array();
		json_array_foreach(v, i, el)
		{
			if (!out || json_array_append_new(out, json_sorted(el)) != 0)
				bad = true;
		}
		goto out;
	}
	if (!json_is_object(v)) {
		out = json_incref(v);
		goto out;
	}
	out = json_object();
	keys = malloc((json_object_size(v) + 1) * sizeof(*keys));
	if (!out || !keys) {
		bad = true;
		goto out;
	}
	for (void *it = json_object_iter(v); it; it = json_object_iter_next(v, it))
		keys[n++] = json_object_iter_key(it);
	qsort(keys, n, sizeof(*keys), key_cmp);
	for (size_t i = 0; i < n && !bad; i++)
		if (json_object_set_new(out, keys[i], json_sorted(json_object_get(v, keys[i]))) != 0)
			bad = true;
out:
	free(keys);
	if (bad && out) {
		json_decref(out);
		out = NULL;
	}
	return out;
}

static json_t *finding_json(const lc_finding *f)
{
	json_t *o = json_object();
	bool bad = false;

	if (!o)
		goto out;
	put(o, "id", json_string(f->id), &bad);
	put(o, "detector", jstr(f->detector ? f->detector : ""), &bad);
	put(o, "rule_id", jstr(f->rule_id ? f->rule_id : ""), &bad);
	put(o, "severity", json_string(lc__report_severity_label(f->severity)), &bad);
	put(o, "title", jstr(f->title ? f->title : ""), &bad);
	put(o, "description", jstr(f->description), &bad);
	put(o, "source", json_string(lc__source_kind_name(f->source)), &bad);
	put(o, "layer_index", jint_or_null(f->layer < 0 ? -1 : f->layer, -1), &bad);
	put(o, "layer_diff_id", jstr(f->layer_diff_id), &bad);
	put(o, "removed_in_layer", jint_or_null(f->removed_in < 0 ? -1 : f->removed_in, -1),
	    &bad);
	put(o, "path", jstr(f->path), &bad);
	put(o, "line", jint_or_null(f->line <= 0 ? 0 : f->line, 0), &bad);
	put(o, "offset", jint_or_null(f->offset < 0 ? -1 : f->offset, -1), &bad);
	put(o, "evidence", jstr(f->evidence), &bad);
	if (f->details && json_is_object(f->details)) {
		json_t *esc = lc__json_escape(f->details);
		put(o, "details", esc ? json_sorted(esc) : NULL, &bad);
		if (esc)
			json_decref(esc);
	} else
		put(o, "details", json_object(), &bad);
	put(o, "remediation", jstr(f->remediation), &bad);
	if (bad) {
		json_decref(o);
		o = NULL;
	}
out:
	return o;
}

static json_t *diags_json(const lc_diag_list *l)
{
	json_t *a = json_array();
	bool bad = false;

	for (size_t i = 0; a && i < l->n; i++) {
		const lc_diag *d = &l->v[i];
		json_t *o = json_object();
		if (!o) {
			bad = true;
			break;
		}
		put(o, "code", jstr(d->code ? d->code : ""), &bad);
		put(o, "message", jstr(d->message ? d->message : ""), &bad);
		put(o, "layer", jint_or_null(d->layer < 0 ? -1 : d->layer, -1), &bad);
		put(o, "path", jstr(d->path), &bad);
		if (json_array_append_new(a, o) != 0)
			bad = true;
	}
	if (bad && a) {
		json_decref(a);
		a = NULL;
	}
	return a;
}

static json_t *summary_json(const lc_report *r)
{
	size_t count[LC_SEV_CRITICAL + 1] = {0};
	json_t *o = json_object();
	bool bad = false;

	if (!o)
		goto out;
	for (size_t i = 0; i < r->nfindings; i++) {
		unsigned s = (unsigned)r->findings[i].severity;
		count[s > LC_SEV_CRITICAL ? LC_SEV_UNKNOWN : s]++;
	}
	for (int s = LC_SEV_CRITICAL; s >= LC_SEV_UNKNOWN; s--)
		put(o, lc__report_severity_label((lc_severity)s),
		    json_integer((json_int_t)count[s]), &bad);
	put(o, "total", json_integer((json_int_t)r->nfindings), &bad);
	if (bad) {
		json_decref(o);
		o = NULL;
	}
out:
	return o;
}

static json_t *scanners_json(const lc_report *r)
{
	json_t *a = json_array();
	bool bad = false;

	for (size_t i = 0; a && r->scanners && r->scanners[i]; i++)
		if (json_array_append_new(a, jstr(r->scanners[i])) != 0)
			bad = true;
	if (bad && a) {
		json_decref(a);
		a = NULL;
	}
	return a;
}

/* Mode as a four-digit octal string ("0755", "4755"): what people read and type,
 * and it keeps setuid/setgid/sticky visible. */
static json_t *mode_json(uint32_t mode)
{
	char buf[16];
	snprintf(buf, sizeof(buf), "%04o", (unsigned)(mode & 07777));
	return json_string(buf);
}

/* Whiteout and opaque markers are not files: what they removed carries
 * removed_in_layer instead. */
static bool file_listed(const lc_fileinfo *fi)
{
	return fi && fi->type != LC_FT_WHITEOUT && fi->type != LC_FT_OPAQUE;
}

static json_t *file_json(const lc_fileinfo *fi)
{
	json_t *o = json_object();
	bool bad = false;

	if (!o)
		goto out;
	put(o, "path", jstr(fi->path ? fi->path : ""), &bad);
	put(o, "type", json_string(lc__ftype_name(fi->type)), &bad);
	put(o, "mode", mode_json(fi->mode), &bad);
	put(o, "uid", json_integer(fi->uid), &bad);
	put(o, "gid", json_integer(fi->gid), &bad);
	put(o, "size", json_integer((json_int_t)fi->size), &bad);
	put(o, "link", jstr(fi->link), &bad);
	put(o, "layer", json_integer(fi->layer), &bad);
	put(o, "removed_in_layer", jint_or_null(fi->removed_in < 0 ? -1 : fi->removed_in, -1), &bad);
	if (bad) {
		json_decref(o);
		o = NULL;
	}
out:
	return o;
}

static json_t *files_json(const lc_report *r)
{
	json_t *a = json_array();
	bool bad = false;
	size_t n = r->files ? lc__fileidx_count(r->files) : 0;

	for (size_t i = 0; a && i < n && !bad; i++) {
		const lc_fileinfo *fi = lc__fileidx_get(r->files, i);
		if (file_listed(fi) && json_array_append_new(a, file_json(fi)) != 0)
			bad = true;
	}
	if (bad && a) {
		json_decref(a);
		a = NULL;
	}
	return a;
}

json_t *lc__report_to_json(lc_report *r, unsigned flags)
{
	json_t *root = NULL, *findings = NULL;
	bool bad = false;

	if (!r || r->magic != LC_MAGIC_REPORT)
		goto out;
	root = json_object();
	findings = json_array();
	if (!root || !findings) {
		bad = true;
		goto out;
	}
	put(root, "schema_version", json_string(LC_REPORT_SCHEMA_VERSION), &bad);
	put(root, "image", lc__report_image(r), &bad);
	put(root, "complete", json_boolean(r->complete), &bad);
	put(root, "summary", summary_json(r), &bad);
	put(root, "scanners", scanners_json(r), &bad);
	/* Findings are already sorted by the scan; keep that order. */
	for (size_t i = 0; i < r->nfindings && !bad; i++)
		if (json_array_append_new(findings, finding_json(&r->findings[i])) != 0)
			bad = true;
	put(root, "findings", findings, &bad);
	findings = NULL;
	put(root, "warnings", diags_json(&r->warnings), &bad);
	put(root, "errors", diags_json(&r->errors), &bad);
	if (flags & LC_OUT_FILES)
		put(root, "files", files_json(r), &bad);
out:
	if (findings)
		json_decref(findings);
	if (bad && root) {
		json_decref(root);
		root = NULL;
	}
	return root;
}

/* json_dumpf writes every token with its own fwrite (~20,000 for a report of 100
 * findings, a millisecond of locking and copying): gather them in a bounded buffer. */
typedef struct dumpbuf {
	FILE *out;
	size_t n;
	char b[1 << 16];
} dumpbuf;

static int dump_flush(dumpbuf *d)
{
	int rc = d->n && fwrite(d->b, 1, d->n, d->out) != d->n ? -1 : 0;
	d->n = 0;
	return rc;
}

static int dump_put(const char *buf, size_t size, void *ud)
{
	dumpbuf *d = ud;
	if (size > sizeof(d->b) - d->n && dump_flush(d) != 0)
		return -1;
	if (size > sizeof(d->b))
		return fwrite(buf, 1, size, d->out) == size ? 0 : -1;
	memcpy(d->b + d->n, buf, size);
	d->n += size;
	return 0;
}

static int dump_str(dumpbuf *d, const char *str)
{
	return dump_put(str, strlen(str), d);
}

static dumpbuf *dump_new(FILE *out)
{
	dumpbuf *d = malloc(sizeof(*d));
	if (d) {
		d->out = out;
		d->n = 0;
	}
	return d;
}

/*
 * The file list is streamed, one record per line, after the rest of the document: an
 * image may hold millions of files, and a jansson array holding all of them would cost
 * several times the file index itself.
 */
static lc_code write_files_streamed(lc_report *r, json_t *root, dumpbuf *d)
{
	lc_code rc = LC_OK;
	char *text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	size_t len = text ? strlen(text) : 0;
	size_t n = r->files ? lc__fileidx_count(r->files) : 0;
	bool first = true;

	/* json_dumps of a non-empty object with JSON_INDENT ends in "\n}". */
	if (len < 2 || text[len - 1] != '}' || text[len - 2] != '\n') {
		rc = LC_EINTERNAL;
		goto out;
	}
	dump_put(text, len - 2, d);
	dump_str(d, ",\n  \"files\": [");
	for (size_t i = 0; i < n && rc == LC_OK; i++) {
		const lc_fileinfo *fi = lc__fileidx_get(r->files, i);
		json_t *o;
		if (!file_listed(fi))
			continue;
		o = file_json(fi);
		dump_str(d, first ? "\n    " : ",\n    ");
		first = false;
		if (!o || json_dump_callback(o, dump_put, d, JSON_PRESERVE_ORDER) != 0)
			rc = LC_EINTERNAL;
		if (o)
			json_decref(o);
	}
	dump_str(d, first ? "]\n}" : "\n  ]\n}");
out:
	free(text);
	return rc;
}

lc_code lc__report_write_json(lc_report *r, FILE *out, unsigned flags)
{
	lc_code rc = LC_OK;
	json_t *root = lc__report_to_json(r, flags & ~LC_OUT_FILES);
	dumpbuf *d = NULL;

	if (!root) {
		rc = LC_EINTERNAL;
		goto out;
	}
	if (!(d = dump_new(out))) {
		rc = LC_EINTERNAL;
		goto out;
	}
	/* Insertion order is the key order (jansson >= 2.8 keeps it). */
	if (flags & LC_OUT_FILES)
		rc = write_files_streamed(r, root, d);
	else if (json_dump_callback(root, dump_put, d, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0)
		rc = LC_EINTERNAL;
	if (dump_str(d, "\n") != 0 || dump_flush(d) != 0 || fflush(out) != 0 || ferror(out))
		rc = LC_EINTERNAL;
out:
	free(d);
	if (rc != LC_OK && r && r->magic == LC_MAGIC_REPORT && r->ctx)
		lc__fail(r->ctx, rc, "cannot write the JSON report");
	if (root)
		json_decref(root);
	return rc;
}
