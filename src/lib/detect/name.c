/*
 * name.c - the image-level detector that judges the names an image carries (docker
 * archive RepoTags, OCI ref.name/base.name annotations) and the reference the user gave
 * when it is a registry name: typosquats and impersonation of official images,
 * publishers and registries (the judgement itself lives in name/).
 */
#include "lc_private.h"

#include <string.h>

/* Names judged per image; an archive listing more tags than this is odd already. */
#define NAMES_MAX 32

typedef struct name_ctx {
	lc_emitter *em;
	const char *name; /* as the image or the user spelled it */
} name_ctx;

static lc_code on_verdict(void *ud, const lc_nameref *r, const lc_name_verdict *v)
{
	name_ctx *nc = ud;
	lc_finding_in f = {0};

	f.rule_id = v->rule_id;
	f.severity = v->severity;
	f.title = v->title;
	f.description = v->description;
	f.source = LC_SRC_NAME;
	f.layer = -1;
	f.path = nc->name;
	f.offset = -1;
	f.evidence = nc->name;
	f.remediation = v->severity >= LC_SEV_LOW
				? "Check that this is the image you meant; pull official images by "
				  "their exact name, pin by digest, allow only trusted namespaces."
				: "Move to the maintained successor of the retired image.";
	f.details = lc__name_details(r, v, nc->name);
	return lc__emit(nc->em, &f);
}

/* An OCI ref.name is often only a tag ("latest", "1.0"): that is no name to judge. */
static bool is_name(const char *s)
{
	return strchr(s, '/') || strchr(s, ':') || strchr(s, '@');
}

static bool is_registry_ref(const lc_image *img)
{
	return (img->transport && strcmp(img->transport, "docker") == 0) ||
	       (img->reference && strncmp(img->reference, "docker://", 9) == 0);
}

static lc_code name_image(void *shared, lc_emitter *em, const lc_view *v)
{
	lc_code rc = LC_OK;
	const lc_image *img = v->img;
	const char *todo[NAMES_MAX + 1];
	char norm[NAMES_MAX + 1][LC_NAME_MAX * 4];
	size_t n = 0;
	char err[256];

	(void)shared;
	if (is_registry_ref(img) && img->reference)
		todo[n++] = img->reference;
	for (size_t i = 0; i < img->names.n && n <= NAMES_MAX; i++)
		if (img->names.v[i] && is_name(img->names.v[i]))
			todo[n++] = img->names.v[i];
	for (size_t i = 0; i < n && rc == LC_OK; i++) {
		lc_nameref r;
		bool dup = false;
		/* The same name often comes twice (RepoTags and an annotation). */
		if (lc__name_parse(todo[i], &r, err, sizeof(err)) != LC_OK) {
			norm[i][0] = '\0';
			continue;
		}
		lc__name_format(&r, norm[i], sizeof(norm[i]));
		for (size_t j = 0; j < i && !dup; j++)
			dup = strcmp(norm[i], norm[j]) == 0;
		if (dup)
			continue;
		name_ctx nc = {em, todo[i]};
		rc = lc__name_judge(&img->ctx->trusted, todo[i], on_verdict, &nc, err, sizeof(err));
		if (rc == LC_EUSAGE)
			rc = LC_OK; /* an unparsable name was skipped above; never fails a scan */
	}
	return rc;
}

const lc_detector lc__det_name = {
	.name = "name",
	.description = "image names that imitate official images, publishers or registries "
		       "(typosquatting)",
	.on_image = name_image,
};
