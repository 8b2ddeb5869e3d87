/*
 * finding.c - what every producer of findings shares: the stable id and the release of
 * a finding's fields. The scan, `laocoon name` and the report all use these, so an id
 * means the same thing wherever a finding comes from.
 */
#include "lc_private.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The id hashes what identifies a finding independently of how the image was stored:
 * detector, rule, the layer's diff_id, path, position and source. */
void lc__finding_id(lc_finding *f)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char pos[64];
	EVP_MD_CTX *h = EVP_MD_CTX_new();
	snprintf(pos, sizeof(pos), "%lld:%lld", (long long)f->line, (long long)f->offset);
	const char *parts[] = {f->detector, f->rule_id, f->layer_diff_id, f->path, pos,
			       lc__source_kind_name(f->source)};
	if (h && EVP_DigestInit_ex(h, EVP_sha256(), NULL)) {
		for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
			const char *p = parts[i] ? parts[i] : "";
			EVP_DigestUpdate(h, p, strlen(p) + 1);
		}
		EVP_DigestFinal_ex(h, md, &mdlen);
	}
	EVP_MD_CTX_free(h);
	for (size_t i = 0; i < 16; i++)
		snprintf(f->id + 2 * i, 3, "%02x", i < mdlen ? md[i] : 0);
}

void lc__finding_release(lc_finding *f)
{
	free(f->detector);
	free(f->rule_id);
	free(f->title);
	free(f->description);
	free(f->layer_diff_id);
	free(f->path);
	free(f->evidence);
	free(f->remediation);
	json_decref(f->details);
	memset(f, 0, sizeof(*f));
}
