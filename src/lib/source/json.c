/*
 * json.c - bounded JSON for image metadata: a size ceiling, and a depth ceiling enforced
 * by a flat pre-scan before jansson sees the text, so a million nested brackets cost one
 * linear pass and no recursion. Also digest and media-type predicates.
 */
#include "source.h"

#include <string.h>

/* Deepest bracket nesting outside strings; stops counting once past limit. */
static int64_t json_depth(const char *buf, size_t len, int64_t limit)
{
	int64_t d = 0, maxd = 0;
	bool in_str = false;
	size_t i;

	for (i = 0; i < len; i++) {
		char c = buf[i];

		if (in_str) {
			if (c == '\\')
				i++; /* the escaped char cannot end the string */
			else if (c == '"')
				in_str = false;
			continue;
		}
		if (c == '"') {
			in_str = true;
		} else if (c == '[' || c == '{') {
			if (++d > maxd) {
				maxd = d;
				if (maxd > limit)
					break;
			}
		} else if (c == ']' || c == '}') {
			d--;
		}
	}
	return maxd;
}

lc_code lc__json_parse_max(lc_ctx *ctx, const char *what, const char *buf, size_t len,
			   int64_t max_size, const char *limit_name, json_t **out)
{
	lc_code rc = LC_OK;
	int64_t maxdepth = lc__limit(ctx, LC_LIM_JSON_DEPTH);
	json_error_t err;
	json_t *j = NULL;

	*out = NULL;
	if ((int64_t)len > max_size) {
		rc = lc__fail(ctx, LC_EIMAGE, "%s: %zu bytes exceeds the limit of %lld (%s)", what, len,
			      (long long)max_size, limit_name);
		goto out;
	}
	if (json_depth(buf, len, maxdepth) > maxdepth) {
		rc = lc__fail(ctx, LC_EIMAGE, "%s: JSON nested deeper than %lld levels (limit json-depth)",
			      what, (long long)maxdepth);
		goto out;
	}
	/* Duplicate keys: the last wins, as in Go's encoding/json that wrote the image. */
	j = json_loadb(buf, len, 0, &err);
	if (!j) {
		rc = lc__fail(ctx, LC_EIMAGE, "%s: invalid JSON at line %d column %d: %s", what,
			      err.line, err.column, err.text);
		goto out;
	}
	*out = j;
	j = NULL;
out:
	json_decref(j);
	return rc;
}

lc_code lc__json_parse(lc_ctx *ctx, const char *what, const char *buf, size_t len, json_t **out)
{
	return lc__json_parse_max(ctx, what, buf, len, lc__limit(ctx, LC_LIM_JSON_SIZE), "json-size",
				  out);
}

bool lc__digest_valid(const char *d)
{
	size_t i;

	if (!d || strncmp(d, "sha256:", 7) || strlen(d) != 71)
		return false;
	for (i = 7; i < 71; i++)
		if (!((d[i] >= '0' && d[i] <= '9') || (d[i] >= 'a' && d[i] <= 'f')))
			return false;
	return true;
}

bool lc__mt_is_index(const char *mt)
{
	return mt && (!strcmp(mt, "application/vnd.oci.image.index.v1+json") ||
		      !strcmp(mt, "application/vnd.docker.distribution.manifest.list.v2+json"));
}

bool lc__mt_is_manifest(const char *mt)
{
	return mt && (!strcmp(mt, "application/vnd.oci.image.manifest.v1+json") ||
		      !strcmp(mt, "application/vnd.docker.distribution.manifest.v2+json"));
}

bool lc__json_is_index(json_t *doc)
{
	const char *mt = json_string_value(json_object_get(doc, "mediaType"));

	if (mt)
		return lc__mt_is_index(mt);
	/* OCI allows the mediaType to be absent: an index is what lists manifests. */
	return json_is_array(json_object_get(doc, "manifests")) && !json_object_get(doc, "layers");
}
