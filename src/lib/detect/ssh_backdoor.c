/*
 * ssh_backdoor.c - every authorized_keys / authorized_keys2 shipped in an image: an entry
 * lets whoever holds the matching private key log in as that user. Each key is reported
 * with its SHA256 fingerprint (as ssh-keygen -l prints it) and the account it opens.
 */
#include "lc_private.h"

#include <ctype.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AK_MAX_FILE (1 << 20)
#define AK_MAX_KEYS 100
#define AK_MAX_BLOB 16384

static const char *const ak_paths[] = {"*authorized_keys", "*authorized_keys2",
				       "etc/ssh/authorized_keys/*", "etc/dropbear/authorized_keys",
				       NULL};

static const char *const key_types[] = {
	"ssh-rsa", "ssh-dss", "ssh-ed25519", "ssh-ed448", "ecdsa-sha2-nistp256",
	"ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "sk-ssh-ed25519@openssh.com",
	"sk-ecdsa-sha2-nistp256@openssh.com", "ssh-rsa-cert-v01@openssh.com",
	"ssh-ed25519-cert-v01@openssh.com", "ecdsa-sha2-nistp256-cert-v01@openssh.com", NULL};

/* "SHA256:" + unpadded base64 of SHA-256(blob), as ssh-keygen prints it. */
static void fingerprint(const uint8_t *blob, size_t len, char *out, size_t outsz)
{
	uint8_t md[32];
	unsigned mdlen = 0;
	unsigned char b64[64];
	EVP_Digest(blob, len, md, &mdlen, EVP_sha256(), NULL);
	int n = EVP_EncodeBlock(b64, md, (int)mdlen);
	while (n > 0 && b64[n - 1] == '=')
		n--;
	b64[n > 0 ? n : 0] = 0;
	snprintf(out, outsz, "SHA256:%s", (const char *)b64);
}

/* The account a path opens: root/.ssh/..., home/NAME/.ssh/..., etc/ssh/authorized_keys/NAME. */
static void owner_of(const char *path, char *out, size_t outsz)
{
	const char *p;
	if (!strncmp(path, "root/", 5)) {
		snprintf(out, outsz, "root");
	} else if (!strncmp(path, "home/", 5) && (p = strchr(strchr(path, '/') + 1, '/'))) {
		snprintf(out, outsz, "%.*s", (int)(p - path - 5), path + 5);
	} else if (!strncmp(path, "etc/ssh/authorized_keys/", 24)) {
		snprintf(out, outsz, "%s", path + 24);
	} else if (!strncmp(path, "etc/dropbear/", 13)) {
		snprintf(out, outsz, "root");
	} else {
		snprintf(out, outsz, "unknown (%s)", path);
	}
}

/* Skip options: comma-separated, values may be double-quoted with spaces inside. */
static const char *skip_options(const char *s, const char *end)
{
	bool q = false;
	while (s < end) {
		if (*s == '\\' && s + 1 < end) {
			s += 2;
			continue;
		}
		if (*s == '"')
			q = !q;
		else if (!q && (*s == ' ' || *s == '\t'))
			break;
		s++;
	}
	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	return s;
}

static const char *type_at(const char *s, const char *end)
{
	for (const char *const *t = key_types; *t; t++) {
		size_t tl = strlen(*t);
		if ((size_t)(end - s) > tl && !strncmp(s, *t, tl) && (s[tl] == ' ' || s[tl] == '\t'))
			return *t;
	}
	return NULL;
}

static lc_code ak_on_file(void *shared, void *worker, lc_emitter *em, const lc_entry *e,
			  const uint8_t *ubuf, size_t len, bool truncated)
{
	lc_code rc = LC_OK;
	const char *buf = (const char *)ubuf, *p = buf, *end = buf + len;
	char user[256];
	int64_t lineno = 0;
	int nkeys = 0;
	uint8_t *blob = malloc(AK_MAX_BLOB);
	(void)shared;
	(void)worker;
	(void)truncated;
	if (!blob)
		return LC_EINTERNAL;
	owner_of(e->path, user, sizeof(user));
	while (!rc && p < end && nkeys < AK_MAX_KEYS) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end, *s = p, *opts = NULL;
		size_t optlen = 0;
		const char *type;
		p = nl ? nl + 1 : end;
		lineno++;
		while (s < le && isspace((unsigned char)*s))
			s++;
		if (s >= le || *s == '#')
			continue;
		if (!(type = type_at(s, le))) {
			opts = s;
			s = skip_options(s, le);
			optlen = (size_t)(s - opts);
			while (optlen && isspace((unsigned char)opts[optlen - 1]))
				optlen--;
			if (!(type = type_at(s, le)))
				continue;
		}
		s += strlen(type);
		while (s < le && (*s == ' ' || *s == '\t'))
			s++;
		const char *b64 = s;
		while (s < le && !isspace((unsigned char)*s))
			s++;
		long bl = lc__base64_decode_all(b64, (size_t)(s - b64), blob, AK_MAX_BLOB, false);
		if (bl < 8)
			continue;
		while (s < le && isspace((unsigned char)*s))
			s++;
		size_t cl = (size_t)(le - s);
		while (cl && isspace((unsigned char)s[cl - 1]))
			cl--;
		char fp[80], evidence[512], desc[512];
		fingerprint(blob, (size_t)bl, fp, sizeof(fp));
		json_t *d = json_object();
		json_object_set_new(d, "user", json_string(user));
		json_object_set_new(d, "key_type", json_string(type));
		json_object_set_new(d, "fingerprint", json_string(fp));
		if (cl)
			json_object_set_new(d, "comment", json_stringn(s, cl > 200 ? 200 : cl));
		if (optlen)
			json_object_set_new(d, "options", json_stringn(opts, optlen > 300 ? 300 : optlen));
		snprintf(evidence, sizeof(evidence), "%s %s %.*s", type, fp, (int)(cl > 100 ? 100 : cl), s);
		snprintf(desc, sizeof(desc),
			 "The image authorizes the SSH key %s to log in as %s: whoever holds the "
			 "private key has a way in to every container started from it.", fp, user);
		lc_finding_in f;
		memset(&f, 0, sizeof(f));
		f.rule_id = "ssh-authorized-key";
		f.severity = !strcmp(user, "root") ? LC_SEV_CRITICAL : LC_SEV_HIGH;
		f.title = "SSH authorized key shipped in the image";
		f.description = desc;
		f.source = LC_SRC_FILE;
		f.layer = -1;
		f.line = lineno;
		f.offset = -1;
		f.evidence = evidence;
		f.remediation = "Remove authorized_keys from the image; provision access at run time "
				"if a container needs SSH at all.";
		f.details = d;
		rc = lc__emit(em, &f);
		nkeys++;
	}
	free(blob);
	return rc;
}

const lc_detector lc__det_ssh_backdoor = {
	.name = "ssh-backdoor",
	.description = "authorized_keys files: each key's SHA256 fingerprint and the account it opens",
	.wants = LC_WANT_BUFFER,
	.paths = ak_paths,
	.max_size = AK_MAX_FILE,
	.on_file = ak_on_file,
};
