/*
 * platform.c - choosing one manifest from an OCI index or a Docker manifest list by
 * platform (os/arch[/variant], linux/amd64 by default). When nothing matches, the error
 * lists what the index offers, so the user can pass --platform.
 */
#include "source.h"

#include <stdio.h>
#include <string.h>

typedef struct plat {
	char os[64], arch[64], variant[64];
} plat;

/* Common spellings people type for an architecture. */
static const char *arch_alias(const char *a)
{
	if (!strcmp(a, "x86_64") || !strcmp(a, "x86-64"))
		return "amd64";
	if (!strcmp(a, "aarch64"))
		return "arm64";
	if (!strcmp(a, "i386") || !strcmp(a, "i686"))
		return "386";
	return a;
}

static int plat_parse(const char *s, plat *p)
{
	char tmp[200];
	char *a, *v;

	memset(p, 0, sizeof *p);
	if (!s || strlen(s) >= sizeof tmp)
		return -1;
	snprintf(tmp, sizeof tmp, "%s", s);
	a = strchr(tmp, '/');
	if (!a)
		return -1;
	*a++ = 0;
	v = strchr(a, '/');
	if (v)
		*v++ = 0;
	if (!*tmp || !*a || (v && (!*v || strchr(v, '/'))))
		return -1;
	if (strlen(tmp) >= sizeof p->os || strlen(a) >= sizeof p->arch ||
	    (v && strlen(v) >= sizeof p->variant))
		return -1;
	memcpy(p->os, tmp, strlen(tmp) + 1);
	a = (char *)arch_alias(a);
	memcpy(p->arch, a, strlen(a) + 1);
	if (v)
		memcpy(p->variant, v, strlen(v) + 1);
	return 0;
}

static void desc_plat(json_t *desc, plat *p)
{
	json_t *pl = json_object_get(desc, "platform");
	const char *s;

	memset(p, 0, sizeof *p);
	if ((s = json_string_value(json_object_get(pl, "os"))))
		snprintf(p->os, sizeof p->os, "%s", s);
	if ((s = json_string_value(json_object_get(pl, "architecture"))))
		snprintf(p->arch, sizeof p->arch, "%s", s);
	if ((s = json_string_value(json_object_get(pl, "variant"))))
		snprintf(p->variant, sizeof p->variant, "%s", s);
}

/* arm64 without a variant means v8 (as containerd normalises it). */
static const char *norm_variant(const plat *p)
{
	if (!strcmp(p->arch, "arm64") && !p->variant[0])
		return "v8";
	return p->variant;
}

/* 2 = exact, 1 = matches (want has no variant), 0 = no. */
static int plat_match(const plat *want, const plat *have)
{
	if (strcmp(want->os, have->os) || strcmp(want->arch, have->arch))
		return 0;
	if (!want->variant[0])
		return have->variant[0] && strcmp(norm_variant(have), norm_variant(want)) ? 1 : 2;
	return strcmp(norm_variant(want), norm_variant(have)) ? 0 : 2;
}

lc_code lc__platform_select(lc_ctx *ctx, json_t *index, const char *want, json_t **manifest_desc)
{
	lc_code rc = LC_OK;
	json_t *manifests = json_object_get(index, "manifests");
	json_t *d, *best = NULL;
	int best_score = 0;
	size_t i, n;
	plat w, h;
	char avail[700];
	size_t al = 0;

	*manifest_desc = NULL;
	if (!want)
		want = ctx->platform ? ctx->platform : "linux/amd64";
	if (plat_parse(want, &w) < 0) {
		rc = lc__fail(ctx, LC_EUSAGE, "bad platform '%s': expected os/arch[/variant]", want);
		goto out;
	}
	if (!json_is_array(manifests) || json_array_size(manifests) == 0) {
		rc = lc__fail(ctx, LC_EIMAGE, "the image index lists no manifests");
		goto out;
	}
	n = json_array_size(manifests);
	json_array_foreach(manifests, i, d) {
		int s;

		if (!json_is_object(d))
			continue;
		desc_plat(d, &h);
		s = plat_match(&w, &h);
		if (s > best_score) {
			best = d;
			best_score = s;
		}
	}
	/* A one-entry index without platform data: nothing to choose between. */
	if (!best && n == 1 && json_is_object(json_array_get(manifests, 0)) &&
	    !json_object_get(json_array_get(manifests, 0), "platform"))
		best = json_array_get(manifests, 0);
	if (!best) {
		avail[0] = 0;
		json_array_foreach(manifests, i, d) {
			int k;

			desc_plat(d, &h);
			k = snprintf(avail + al, sizeof avail - al, "%s%s/%s%s%s", al ? ", " : "",
				     h.os[0] ? h.os : "?", h.arch[0] ? h.arch : "?",
				     h.variant[0] ? "/" : "", h.variant);
			if (k < 0 || (size_t)k >= sizeof avail - al) {
				snprintf(avail + sizeof avail - 5, 5, "...");
				break;
			}
			al += (size_t)k;
		}
		rc = lc__fail(ctx, LC_EUSAGE,
			      "no image for platform %s in the index; available: %s (choose one with --platform)",
			      want, avail);
		goto out;
	}
	*manifest_desc = best;
out:
	return rc;
}
