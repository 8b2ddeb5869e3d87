/*
 * credentials.c - credential files recognised by path and parsed by format: SSH and other
 * private keys (passphrase-protected or not), cloud and registry logins, package-manager
 * tokens, kube configs, .pgpass, .env files, shell and database histories with passwords
 * on the command line, and /etc/shadow hashes that still open an account. A credential
 * file is reported wherever it sits: no documentation or test path lowers it.
 */
#include "lc_private.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <ctype.h>
#include <openssl/evp.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CRED_MAX_FILE (1 << 20)
#define CRED_MAX_PER_FILE 50
#define LINE_MAX_LEN 4096

static const char *const cred_paths[] = {
	"*id_rsa", "*id_dsa", "*id_ecdsa", "*id_ed25519", "*id_ecdsa_sk", "*id_ed25519_sk",
	"*.pem", "*.key", "*.ppk", "*.p12", "*.pfx", "*.jks", "*.keystore",
	"*.aws/credentials", "*.docker/config.json", "*containers/auth.json", "*.git-credentials",
	"*.netrc", "*_netrc", "*.npmrc", "*.pypirc", "*.kube/config", "*kubeconfig*",
	"etc/kubernetes/*.conf", "*.pgpass", "*.env", "*.env.*", "*.envrc",
	"*_history", "*.history", "*.dbshell", "*.s3cfg", "*.boto", "*.my.cnf", "*.git/config",
	"etc/shadow", "etc/gshadow", NULL};

static const char *const cred_captures[] = {"etc/shadow", "etc/passwd", NULL};

typedef struct cred_shared {
	pcre2_code *hist; /* passwords on a command line */
	pcre2_code *envkey;
} cred_shared;

typedef struct cred_worker {
	pcre2_match_data *md;
} cred_worker;

/* ---- helpers ------------------------------------------------------------------------ */

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

static bool ends_with(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);
	return a >= b && strcmp(s + a - b, suf) == 0;
}

/* Placeholders in credential files: ${VAR}, <token>, xxxx, empty. */
static bool placeholder(const char *v, size_t n)
{
	if (n == 0)
		return true;
	if (v[0] == '$' || v[0] == '<' || v[0] == '{' || v[0] == '%')
		return true;
	for (size_t i = 0; i + 3 < n; i++)
		if (strncasecmp(v + i, "xxxx", 4) == 0 || strncasecmp(v + i, "****", 4) == 0)
			return true;
	if (n >= 7) {
		for (size_t i = 0; i + 7 <= n; i++)
			if (strncasecmp(v + i, "example", 7) == 0 || strncasecmp(v + i, "changeme", 7) == 0)
				return true;
	}
	return false;
}

static char *redact(lc_emitter *em, const char *s, size_t n)
{
	return lc__secret_redact((const uint8_t *)s, n, lc__scan_show_secrets(em->scan));
}

static const char remediation[] =
	"Remove the credential file from the image (from every layer: a later deletion does not "
	"erase it) and revoke the credential. Mount credentials at run time instead.";

static lc_code emit(lc_emitter *em, const char *rule, lc_severity sev, const char *title,
		    const char *desc, int64_t line, const char *evidence, json_t *details)
{
	lc_finding_in f;
	memset(&f, 0, sizeof(f));
	f.rule_id = rule;
	f.severity = sev;
	f.title = title;
	f.description = desc;
	f.source = LC_SRC_FILE;
	f.layer = -1;
	f.line = line;
	f.offset = -1;
	f.evidence = evidence;
	f.remediation = remediation;
	f.details = details;
	return lc__emit(em, &f);
}

/* Iterate lines with a ceiling on each; returns false at the end. */
typedef struct lines {
	const char *p, *end;
	int64_t no;
} lines;

static bool next_line(lines *l, const char **s, size_t *n)
{
	if (l->p >= l->end)
		return false;
	const char *nl = memchr(l->p, '\n', (size_t)(l->end - l->p));
	const char *e = nl ? nl : l->end;
	*s = l->p;
	*n = (size_t)(e - l->p);
	if (*n && (*s)[*n - 1] == '\r')
		(*n)--;
	if (*n > LINE_MAX_LEN)
		*n = LINE_MAX_LEN;
	l->p = nl ? nl + 1 : l->end;
	l->no++;
	return true;
}

static void trim(const char **s, size_t *n)
{
	while (*n && isspace((unsigned char)**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n && isspace((unsigned char)(*s)[*n - 1]))
		(*n)--;
}

/* "key = value" / "key: value" / "key=value"; key compared case-insensitively. */
static bool kv_split(const char *s, size_t n, const char **k, size_t *kl, const char **v,
		     size_t *vl, const char *seps)
{
	for (size_t i = 0; i < n; i++) {
		if (strchr(seps, s[i])) {
			*k = s;
			*kl = i;
			*v = s + i + 1;
			*vl = n - i - 1;
			trim(k, kl);
			trim(v, vl);
			if (*vl >= 2 && ((**v == '"' && (*v)[*vl - 1] == '"') ||
					 (**v == '\'' && (*v)[*vl - 1] == '\''))) {
				(*v)++;
				*vl -= 2;
			}
			return *kl > 0;
		}
	}
	return false;
}

static bool key_is(const char *k, size_t kl, const char *want)
{
	return strlen(want) == kl && strncasecmp(k, want, kl) == 0;
}

/* ---- private keys ------------------------------------------------------------------- */

static lc_code check_private_keys(lc_emitter *em, const char *buf, size_t len)
{
	lc_code rc = LC_OK;
	const char *p = buf, *end = buf + len;
	int n = 0;
	while (!rc && n < CRED_MAX_PER_FILE && (p = memmem(p, (size_t)(end - p), "-----BEGIN ", 11))) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *le = eol ? eol : end;
		char begin[128];
		size_t bl = (size_t)(le - p);
		if (bl && p[bl - 1] == '\r')
			bl--;
		if (bl >= sizeof(begin))
			bl = sizeof(begin) - 1;
		memcpy(begin, p, bl);
		begin[bl] = 0;
		const char *next = le;
		if (!strstr(begin, "PRIVATE KEY")) {
			p = next;
			continue;
		}
		/* the block runs to its END line; the body decides encryption */
		const char *stop = memmem(le, (size_t)(end - le), "-----END ", 9);
		const char *body = le;
		size_t blen = stop ? (size_t)(stop - le) : (size_t)(end - le);
		bool encrypted = false;
		const char *kind = "PEM";
		const char *cipher = NULL;
		char cbuf[64] = "";
		if (blen < 40) { /* a header with no key in it */
			p = next;
			continue;
		}
		if (strstr(begin, "ENCRYPTED PRIVATE KEY") || memmem(body, blen, "Proc-Type: 4,ENCRYPTED", 22)) {
			encrypted = true;
		} else if (strstr(begin, "OPENSSH PRIVATE KEY")) {
			/* openssh-key-v1\0, then string ciphername: "none" = no passphrase */
			uint8_t raw[96];
			size_t take = blen > 120 ? 120 : blen;
			long got = lc__base64_decode_all(body, take, raw, sizeof(raw), true);
			kind = "OpenSSH";
			if (got >= 19 && memcmp(raw, "openssh-key-v1", 15) == 0) {
				uint32_t cl = (uint32_t)raw[15] << 24 | (uint32_t)raw[16] << 16 |
					      (uint32_t)raw[17] << 8 | raw[18];
				if (cl < sizeof(cbuf) && 19 + (long)cl <= got) {
					memcpy(cbuf, raw + 19, cl);
					cbuf[cl] = 0;
					cipher = cbuf;
					encrypted = strcmp(cbuf, "none") != 0;
				}
			}
		} else if (strstr(begin, "PGP PRIVATE KEY")) {
			kind = "PGP";
		}
		json_t *d = json_object();
		json_object_set_new(d, "key_format", json_string(kind));
		json_object_set_new(d, "passphrase_protected", json_boolean(encrypted));
		if (cipher)
			json_object_set_new(d, "cipher", json_string(cipher));
		char desc[256];
		snprintf(desc, sizeof(desc),
			 "A private key (%s) %s. Whoever pulls the image holds the key%s.", kind,
			 encrypted ? "protected by a passphrase" : "with no passphrase",
			 encrypted ? " and can attack the passphrase offline" : "");
		int64_t line = 1;
		for (const char *q = buf; q < p; q++)
			line += *q == '\n';
		rc = emit(em, encrypted ? "credential-private-key-encrypted" : "credential-private-key",
			  encrypted ? LC_SEV_HIGH : LC_SEV_CRITICAL,
			  encrypted ? "Private key file (passphrase-protected)"
				    : "Private key file without passphrase",
			  desc, line, begin, d);
		n++;
		p = stop ? stop + 9 : end;
	}
	return rc;
}

static lc_code check_ppk(lc_emitter *em, const char *buf, size_t len)
{
	if (len < 22 || memcmp(buf, "PuTTY-User-Key-File-", 20) != 0)
		return LC_OK;
	bool enc = !memmem(buf, len, "Encryption: none", 16);
	json_t *d = json_object();
	json_object_set_new(d, "key_format", json_string("PuTTY"));
	json_object_set_new(d, "passphrase_protected", json_boolean(enc));
	return emit(em, enc ? "credential-private-key-encrypted" : "credential-private-key",
		    enc ? LC_SEV_HIGH : LC_SEV_CRITICAL, "PuTTY private key file",
		    "A PuTTY private key is shipped in the image.", 1, "PuTTY-User-Key-File", d);
}

/* ---- INI-style and line formats ------------------------------------------------------- */

static lc_code check_aws(lc_emitter *em, const char *buf, size_t len)
{
	lc_code rc = LC_OK;
	lines l = {buf, buf + len, 0};
	const char *s, *k, *v;
	size_t n, kl, vl;
	char profile[128] = "default", keyid[32] = "";
	int64_t kline = 0;
	int found = 0;
	while (!rc && found < CRED_MAX_PER_FILE && next_line(&l, &s, &n)) {
		trim(&s, &n);
		if (n > 2 && s[0] == '[' && s[n - 1] == ']') {
			snprintf(profile, sizeof(profile), "%.*s", (int)(n - 2), s + 1);
			keyid[0] = 0;
			continue;
		}
		if (!kv_split(s, n, &k, &kl, &v, &vl, "="))
			continue;
		if (key_is(k, kl, "aws_access_key_id")) {
			snprintf(keyid, sizeof(keyid), "%.*s", (int)(vl < 31 ? vl : 31), v);
			kline = l.no;
		} else if (key_is(k, kl, "aws_secret_access_key") && !placeholder(v, vl)) {
			char *ev = redact(em, v, vl), evidence[256];
			json_t *d = json_object();
			json_object_set_new(d, "provider", json_string("AWS"));
			json_object_set_new(d, "profile", json_string(profile));
			if (keyid[0]) {
				char *kid = redact(em, keyid, strlen(keyid));
				json_object_set_new(d, "access_key_id", json_string(kid ? kid : ""));
				free(kid);
			}
			snprintf(evidence, sizeof(evidence), "[%s] aws_secret_access_key = %s", profile,
				 ev ? ev : "");
			free(ev);
			rc = emit(em, "credential-aws-file", LC_SEV_CRITICAL, "AWS credentials file",
				  "An AWS credentials file with a secret access key: full use of the "
				  "account's permissions for anyone who pulls the image.",
				  kline ? kline : l.no, evidence, d);
			found++;
		}
	}
	return rc;
}

static lc_code check_docker_auths(lc_emitter *em, const char *buf, size_t len)
{
	lc_code rc = LC_OK;
	json_error_t jerr;
	json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	json_t *auths = root ? json_object_get(root, "auths") : NULL;
	const char *reg;
	json_t *ent;
	int found = 0;
	if (!auths || !json_is_object(auths))
		goto out;
	json_object_foreach(auths, reg, ent)
	{
		const char *auth = json_string_value(json_object_get(ent, "auth"));
		const char *idt = json_string_value(json_object_get(ent, "identitytoken"));
		char user[256] = "", evidence[512];
		char *ev = NULL;
		if (rc || found >= CRED_MAX_PER_FILE)
			break;
		if (auth && *auth) {
			uint8_t dec[1024];
			long dl = lc__base64_decode_all(auth, strlen(auth), dec, sizeof(dec) - 1, true);
			const char *colon;
			if (dl <= 0)
				continue;
			dec[dl] = 0;
			colon = memchr(dec, ':', (size_t)dl);
			if (!colon || (size_t)(colon - (char *)dec) + 1 >= (size_t)dl)
				continue;
			snprintf(user, sizeof(user), "%.*s", (int)(colon - (char *)dec), (char *)dec);
			ev = redact(em, colon + 1, (size_t)dl - (size_t)(colon - (char *)dec) - 1);
			snprintf(evidence, sizeof(evidence), "%s %s:%s", reg, user, ev ? ev : "");
		} else if (idt && *idt) {
			ev = redact(em, idt, strlen(idt));
			snprintf(evidence, sizeof(evidence), "%s identitytoken %s", reg, ev ? ev : "");
		} else {
			continue;
		}
		free(ev);
		json_t *d = json_object();
		json_object_set_new(d, "provider", json_string("container registry"));
		json_object_set_new(d, "registry", json_string(reg));
		if (user[0])
			json_object_set_new(d, "user", json_string(user));
		rc = emit(em, "credential-registry-auth", LC_SEV_CRITICAL,
			  "Container registry login stored in the image",
			  "A registry login (base64 user:password or identity token) is stored in a "
			  "docker/podman auth file: anyone can push or pull as this user.",
			  0, evidence, d);
		found++;
	}
out:
	json_decref(root);
	return rc;
}

static lc_code check_git_credentials(lc_emitter *em, const char *buf, size_t len)
{
	lc_code rc = LC_OK;
	lines l = {buf, buf + len, 0};
	const char *s;
	size_t n;
	int found = 0;
	while (!rc && found < CRED_MAX_PER_FILE && next_line(&l, &s, &n)) {
		trim(&s, &n);
		const char *sch = memmem(s, n, "://", 3);
		const char *at = sch ? memchr(sch, '@', n - (size_t)(sch - s)) : NULL;
		const char *colon = sch && at ? memchr(sch + 3, ':', (size_t)(at - sch - 3)) : NULL;
		if (!colon || colon + 1 >= at || placeholder(colon + 1, (size_t)(at - colon - 1)))
			continue;
		char *ev = redact(em, colon + 1, (size_t)(at - colon - 1)), evidence[512];
		snprintf(evidence, sizeof(evidence), "%.*s%s%.*s", (int)(colon + 1 - s), s, ev ? ev : "",
			 (int)(n - (size_t)(at - s) > 200 ? 200 : n - (size_t)(at - s)), at);
		free(ev);
		json_t *d = json_object();
		json_object_set_new(d, "provider", json_string("git"));
		rc = emit(em, "credential-git-credentials", LC_SEV_CRITICAL, "Git credentials file",
			  "A git credential store with a password or token in clear.", l.no, evidence,
			  d);
		found++;
	}
	return rc;
}

static lc_code check_netrc(lc_emitter *em, const char *buf, size_t len)
{
	lc_code rc = LC_OK;
	char machine[256] = "", login[256] = "", tok[512];
	const char *p = buf, *end = buf + len;
	int state = 0, found = 0; /* 1 machine, 2 login, 3 password */
	while (!rc && p < end && found < CRED_MAX_PER_FILE) {
		while (p < end && isspace((unsigned char)*p))
			p++;
		const char *t = p;
		while (p < end && !isspace((unsigned char)*p))
			p++;
		size_t tl = (size_t)(p - t);
		if (!tl)
			break;
		snprintf(tok, sizeof(tok), "%.*s", (int)(tl < sizeof(tok) - 1 ? tl : sizeof(tok) - 1), t);
		if (state == 1) {
			snprintf(machine, sizeof(machine), "%s", tok);
			state = 0;
		} else if (state == 2) {
			snprintf(login, sizeof(login), "%s", tok);
			state = 0;
		} else if (state == 3) {
			state = 0;
			if (placeholder(tok, strlen(tok)))
				continue;
			char *ev = redact(em, tok, strlen(tok)), evidence[700];
			snprintf(evidence, sizeof(evidence), "machine %s login %s password %s", machine,
				 login, ev ? ev : "");
			free(ev);
			json_t *d = json_object();
			json_object_set_new(d, "provider", json_string("netrc"));
			json_object_set_new(d, "machine", json_string(machine));
			rc = emit(em, "credential-netrc", LC_SEV_HIGH, ".netrc with a password",
				  "A .netrc file gives curl, git and ftp a password in clear.", 0,
				  evidence, d);
			found++;
		} else if (!strcmp(tok, "machine")) {
			state = 1;
		} else if (!strcmp(tok, "login")) {
			state = 2;
		} else if (!strcmp(tok, "password")) {
			state = 3;
		} else if (!strcmp(tok, "default")) {
			snprintf(machine, sizeof(machine), "default");
		}
	}
	return rc;
}

/* Line formats with "key = value": .npmrc, .pypirc, .s3cfg, .boto, .my.cnf, kubeconfig. */
typedef struct kvspec {
	const char *suffix; /* key ends with this (case-insensitive) */
	const char *rule, *title, *provider;
	lc_severity sev;
} kvspec;

static const kvspec npmrc_keys[] = {
	{"_authtoken", "credential-npmrc", ".npmrc with an auth token", "npm", LC_SEV_CRITICAL},
	{"_auth", "credential-npmrc", ".npmrc with basic auth", "npm", LC_SEV_CRITICAL},
	{"_password", "credential-npmrc", ".npmrc with a password", "npm", LC_SEV_CRITICAL},
	{NULL, NULL, NULL, NULL, 0}};
static const kvspec pypirc_keys[] = {
	{"password", "credential-pypirc", ".pypirc with a password or token", "PyPI", LC_SEV_CRITICAL},
	{NULL, NULL, NULL, NULL, 0}};
static const kvspec s3cfg_keys[] = {
	{"secret_key", "credential-s3cfg", "S3 client config with a secret key", "AWS", LC_SEV_CRITICAL},
	{"aws_secret_access_key", "credential-s3cfg", "Boto config with a secret key", "AWS", LC_SEV_CRITICAL},
	{"gs_secret_access_key", "credential-s3cfg", "Boto config with a GCS secret", "Google", LC_SEV_CRITICAL},
	{NULL, NULL, NULL, NULL, 0}};
static const kvspec mycnf_keys[] = {
	{"password", "credential-mysql-config", "MySQL client config with a password", "MySQL", LC_SEV_HIGH},
	{NULL, NULL, NULL, NULL, 0}};
static const kvspec kube_keys[] = {
	{"token", "credential-kubeconfig", "Kubernetes config with a bearer token", "Kubernetes", LC_SEV_CRITICAL},
	{"client-key-data", "credential-kubeconfig", "Kubernetes config with a client key", "Kubernetes", LC_SEV_CRITICAL},
	{"password", "credential-kubeconfig", "Kubernetes config with a password", "Kubernetes", LC_SEV_CRITICAL},
	{"id-token", "credential-kubeconfig", "Kubernetes config with an OIDC token", "Kubernetes", LC_SEV_HIGH},
	{"refresh-token", "credential-kubeconfig", "Kubernetes config with a refresh token", "Kubernetes", LC_SEV_HIGH},
	{NULL, NULL, NULL, NULL, 0}};

static lc_code check_kv(lc_emitter *em, const char *buf, size_t len, const kvspec *spec,
			const char *seps)
{
	lc_code rc = LC_OK;
	lines l = {buf, buf + len, 0};
	const char *s, *k, *v;
	size_t n, kl, vl;
	int found = 0;
	while (!rc && found < CRED_MAX_PER_FILE && next_line(&l, &s, &n)) {
		trim(&s, &n);
		if (!n || s[0] == '#' || s[0] == ';')
			continue;
		if (n && s[0] == '-') { /* yaml list item: "- name: x" */
			s++;
			n--;
			trim(&s, &n);
		}
		if (!kv_split(s, n, &k, &kl, &v, &vl, seps))
			continue;
		for (const kvspec *sp = spec; sp->suffix; sp++) {
			size_t sl = strlen(sp->suffix);
			if (kl < sl || strncasecmp(k + kl - sl, sp->suffix, sl) != 0)
				continue;
			/* "_auth" must not match "_authToken" twice: exact suffix at a boundary */
			if (kl > sl && isalnum((unsigned char)k[kl - sl - 1]) && sp->suffix[0] != '_')
				continue;
			if (placeholder(v, vl) || vl < 4)
				break;
			char *ev = redact(em, v, vl), evidence[512];
			snprintf(evidence, sizeof(evidence), "%.*s = %s", (int)(kl > 200 ? 200 : kl), k,
				 ev ? ev : "");
			free(ev);
			json_t *d = json_object();
			json_object_set_new(d, "provider", json_string(sp->provider));
			rc = emit(em, sp->rule, sp->sev, sp->title,
				  "A credential stored in a client configuration file, in clear.", l.no,
				  evidence, d);
			found++;
			break;
		}
	}
	return rc;
}

static lc_code check_pgpass(lc_emitter *em, const char *buf, size_t len)
{
	lc_code rc = LC_OK;
	lines l = {buf, buf + len, 0};
	const char *s;
	size_t n;
	int found = 0;
	while (!rc && found < CRED_MAX_PER_FILE && next_line(&l, &s, &n)) {
		trim(&s, &n);
		if (!n || s[0] == '#')
			continue;
		/* host:port:database:user:password (\: escapes a colon) */
		int fields = 0;
		size_t pw = 0;
		for (size_t i = 0; i < n; i++) {
			if (s[i] == '\\') {
				i++;
				continue;
			}
			if (s[i] == ':' && ++fields == 4) {
				pw = i + 1;
				break;
			}
		}
		if (fields < 4 || pw >= n || placeholder(s + pw, n - pw))
			continue;
		char *ev = redact(em, s + pw, n - pw), evidence[512];
		snprintf(evidence, sizeof(evidence), "%.*s%s", (int)(pw > 200 ? 200 : pw), s, ev ? ev : "");
		free(ev);
		json_t *d = json_object();
		json_object_set_new(d, "provider", json_string("PostgreSQL"));
		rc = emit(em, "credential-pgpass", LC_SEV_HIGH, "PostgreSQL password file",
			  "A .pgpass entry with a database password in clear.", l.no, evidence, d);
		found++;
	}
	return rc;
}

/* .env: KEY=VALUE where the key names a secret. */
static lc_code check_env(const cred_shared *sh, cred_worker *w, lc_emitter *em, const char *buf,
			 size_t len)
{
	lc_code rc = LC_OK;
	lines l = {buf, buf + len, 0};
	const char *s, *k, *v;
	size_t n, kl, vl;
	int found = 0;
	while (!rc && found < CRED_MAX_PER_FILE && next_line(&l, &s, &n)) {
		trim(&s, &n);
		if (n > 7 && !strncmp(s, "export ", 7)) {
			s += 7;
			n -= 7;
		}
		if (!n || s[0] == '#' || !kv_split(s, n, &k, &kl, &v, &vl, "="))
			continue;
		if (pcre2_match(sh->envkey, (PCRE2_SPTR)k, kl, 0, 0, w->md, NULL) < 0)
			continue;
		if (placeholder(v, vl) || vl < 6 || lc__entropy((const uint8_t *)v, vl) < 2.5)
			continue;
		char *ev = redact(em, v, vl), evidence[512];
		snprintf(evidence, sizeof(evidence), "%.*s=%s", (int)(kl > 200 ? 200 : kl), k, ev ? ev : "");
		free(ev);
		json_t *d = json_object();
		json_object_set_new(d, "provider", json_string("environment file"));
		json_object_set_new(d, "variable", json_stringn(k, kl));
		rc = emit(em, "credential-env-file", LC_SEV_HIGH, "Secret in an environment file",
			  "An .env file assigns a value to a variable that names a secret.", l.no,
			  evidence, d);
		found++;
	}
	return rc;
}

/* ---- detector ------------------------------------------------------------------------ */

static void cred_unload(void *shared)
{
	cred_shared *sh = shared;
	if (!sh)
		return;
	pcre2_code_free(sh->hist);
	pcre2_code_free(sh->envkey);
	free(sh);
}

static lc_code cred_load(lc_ctx *ctx, void **shared)
{
	int ec;
	PCRE2_SIZE eo;
	cred_shared *sh = calloc(1, sizeof(*sh));
	*shared = NULL;
	if (!sh)
		return lc__fail(ctx, LC_EINTERNAL, "out of memory");
	/* group 1 is the password */
	sh->hist = pcre2_compile(
		(PCRE2_SPTR) "(?i)(?:\\bmysql(?:dump|admin)?\\b.*?\\s-p([^\\s'\"-][^\\s'\"]{3,})|"
			     "--password[= ]['\"]?([^\\s'\"]{4,})|"
			     "\\bsshpass\\s+-p\\s*['\"]?([^\\s'\"]{4,})|"
			     "\\b(?:PGPASSWORD|MYSQL_PWD|REDISCLI_AUTH|[A-Z_]*(?:TOKEN|SECRET|PASSWORD|API_KEY))=['\"]?([^\\s'\"$]{6,})|"
			     "\\bdocker\\s+login\\b.*?\\s-p\\s+['\"]?([^\\s'\"$]{4,})|"
			     "\\bhtpasswd\\b.*?-b\\S*\\s+\\S+\\s+\\S+\\s+([^\\s'\"$]{4,})|"
			     "\\bcurl\\b.*?\\s(?:-u|--user)\\s+['\"]?[^\\s:'\"]+:([^\\s'\"$@]{4,})|"
			     "\\b(?:redis-cli\\b.*?\\s-a|sqlcmd\\b.*?\\s-P|psql\\b.*?password=)\\s*['\"]?([^\\s'\"$]{4,})|"
			     "://[^\\s:/@]+:([^\\s/@$]{4,})@)",
		PCRE2_ZERO_TERMINATED, PCRE2_DUPNAMES, &ec, &eo, NULL);
	sh->envkey = pcre2_compile((PCRE2_SPTR) "(?i)(?:pass(?:wd|word)?|secret|token|api_?key|"
						"access_?key|private_?key|auth|credential|pwd|(?:^|[_.-])keys?$)",
				   PCRE2_ZERO_TERMINATED, 0, &ec, &eo, NULL);
	if (!sh->hist || !sh->envkey) {
		cred_unload(sh);
		return lc__fail(ctx, LC_EINTERNAL, "credentials: internal regex does not compile");
	}
	pcre2_jit_compile(sh->hist, PCRE2_JIT_COMPLETE);
	*shared = sh;
	return LC_OK;
}

static lc_code cred_worker_new(void *shared, void **worker)
{
	cred_worker *w = calloc(1, sizeof(*w));
	(void)shared;
	*worker = NULL;
	if (!w)
		return LC_EINTERNAL;
	w->md = pcre2_match_data_create(16, NULL);
	if (!w->md) {
		free(w);
		return LC_EINTERNAL;
	}
	*worker = w;
	return LC_OK;
}

static void cred_worker_free(void *worker)
{
	cred_worker *w = worker;
	if (!w)
		return;
	pcre2_match_data_free(w->md);
	free(w);
}

/* The history regex has one group per alternative: the first set one is the password. */
static lc_code check_history_groups(const cred_shared *sh, cred_worker *w, lc_emitter *em,
				    const char *buf, size_t len);

static lc_code cred_on_file(void *shared, void *worker, lc_emitter *em, const lc_entry *e,
			    const uint8_t *ubuf, size_t len, bool truncated)
{
	const cred_shared *sh = shared;
	cred_worker *w = worker;
	const char *buf = (const char *)ubuf, *path = e->path, *b = base_name(e->path);
	(void)truncated;
	if (!sh || !w)
		return LC_OK;
	if (!strcmp(path, "etc/shadow") || !strcmp(path, "etc/gshadow"))
		return LC_OK; /* judged on the final view, with etc/passwd (on_image) */
	if (ends_with(path, ".p12") || ends_with(path, ".pfx") || ends_with(path, ".jks") ||
	    ends_with(path, ".keystore")) {
		json_t *d = json_object();
		json_object_set_new(d, "key_format", json_string("key store"));
		return emit(em, "credential-keystore", LC_SEV_HIGH, "Key store file",
			    "A PKCS#12 or Java key store (private keys, often with a weak or default "
			    "password) is shipped in the image.",
			    0, b, d);
	}
	if (ends_with(path, ".ppk"))
		return check_ppk(em, buf, len);
	if (ends_with(path, ".aws/credentials"))
		return check_aws(em, buf, len);
	if (ends_with(path, ".docker/config.json") || ends_with(path, "containers/auth.json"))
		return check_docker_auths(em, buf, len);
	if (ends_with(path, ".git-credentials"))
		return check_git_credentials(em, buf, len);
	if (!strcmp(b, ".netrc") || !strcmp(b, "_netrc"))
		return check_netrc(em, buf, len);
	if (!strcmp(b, ".npmrc"))
		return check_kv(em, buf, len, npmrc_keys, "=");
	if (!strcmp(b, ".pypirc"))
		return check_kv(em, buf, len, pypirc_keys, "=:");
	if (!strcmp(b, ".s3cfg") || !strcmp(b, ".boto"))
		return check_kv(em, buf, len, s3cfg_keys, "=:");
	if (!strcmp(b, ".my.cnf"))
		return check_kv(em, buf, len, mycnf_keys, "=");
	if (ends_with(path, ".kube/config") || strstr(b, "kubeconfig") ||
	    (!strncmp(path, "etc/kubernetes/", 15) && ends_with(path, ".conf")))
		return check_kv(em, buf, len, kube_keys, ":");
	if (ends_with(path, ".git/config"))
		return check_git_credentials(em, buf, len);
	if (!strcmp(b, ".pgpass"))
		return check_pgpass(em, buf, len);
	if (!strcmp(b, ".env") || ends_with(b, ".env") || !strncmp(b, ".env.", 5) ||
	    !strcmp(b, ".envrc"))
		return check_env(sh, w, em, buf, len);
	if (ends_with(b, "_history") || ends_with(b, ".history") || !strcmp(b, ".dbshell"))
		return check_history_groups(sh, w, em, buf, len);
	/* key files by name, or anything else selected: look for a private key block */
	return check_private_keys(em, buf, len);
}

static lc_code check_history_groups(const cred_shared *sh, cred_worker *w, lc_emitter *em,
				    const char *buf, size_t len)
{
	lc_code rc = LC_OK;
	lines l = {buf, buf + len, 0};
	const char *s;
	size_t n;
	int found = 0;
	while (!rc && found < CRED_MAX_PER_FILE && next_line(&l, &s, &n)) {
		int mrc = pcre2_match(sh->hist, (PCRE2_SPTR)s, n, 0, 0, w->md, NULL);
		if (mrc < 2)
			continue;
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(w->md);
		size_t ps = 0, pe = 0;
		for (int g = 1; g < mrc; g++) {
			if (ov[2 * g] != PCRE2_UNSET && ov[2 * g + 1] > ov[2 * g]) {
				ps = ov[2 * g];
				pe = ov[2 * g + 1];
				break;
			}
		}
		if (pe <= ps || placeholder(s + ps, pe - ps))
			continue;
		char *ev = redact(em, s + ps, pe - ps), evidence[600];
		snprintf(evidence, sizeof(evidence), "%.*s%s", (int)(ps > 200 ? 200 : ps), s, ev ? ev : "");
		free(ev);
		json_t *d = json_object();
		json_object_set_new(d, "provider", json_string("command history"));
		rc = emit(em, "credential-history-password", LC_SEV_HIGH,
			  "Password on a command line in a shell or client history",
			  "A history file kept a command with a password or token in its arguments.",
			  l.no, evidence, d);
		found++;
	}
	return rc;
}

/* ---- /etc/shadow on the final view ---------------------------------------------------- */

static const char *hash_kind(const char *h, size_t n)
{
	if (n >= 3 && h[0] == '$') {
		if (!strncmp(h, "$1$", 3))
			return "md5crypt";
		if (!strncmp(h, "$5$", 3))
			return "sha256crypt";
		if (!strncmp(h, "$6$", 3))
			return "sha512crypt";
		if (!strncmp(h, "$y$", 3))
			return "yescrypt";
		if (!strncmp(h, "$gy$", 4))
			return "gost-yescrypt";
		if (!strncmp(h, "$2", 2))
			return "bcrypt";
		if (!strncmp(h, "$7$", 3))
			return "scrypt";
		return "crypt";
	}
	if (n == 13)
		return "descrypt";
	return NULL;
}

/* The shell of `user` in etc/passwd; "" when unknown. */
static void passwd_shell(const uint8_t *pw, size_t pwlen, const char *user, char *out, size_t outsz)
{
	lines l = {(const char *)pw, (const char *)pw + pwlen, 0};
	const char *s;
	size_t n, ul = strlen(user);
	out[0] = 0;
	while (pw && next_line(&l, &s, &n)) {
		if (n > ul && !strncmp(s, user, ul) && s[ul] == ':') {
			const char *sh = s + n;
			while (sh > s && sh[-1] != ':')
				sh--;
			snprintf(out, outsz, "%.*s", (int)(s + n - sh), sh);
			return;
		}
	}
}

static bool login_shell(const char *sh)
{
	return sh[0] && !strstr(sh, "nologin") && !ends_with(sh, "/false") && strcmp(sh, "/bin/sync");
}

static lc_code cred_on_image(void *shared, lc_emitter *em, const lc_view *v)
{
	lc_code rc = LC_OK;
	size_t len = 0, pwlen = 0;
	int layer = -1;
	const uint8_t *sh = lc__view_capture(v, "etc/shadow", &len, &layer);
	const uint8_t *pw = lc__view_capture(v, "etc/passwd", &pwlen, NULL);
	lines l = {(const char *)sh, sh ? (const char *)sh + len : NULL, 0};
	const char *s;
	size_t n;
	int found = 0;
	(void)shared;
	while (sh && !rc && found < CRED_MAX_PER_FILE && next_line(&l, &s, &n)) {
		const char *c1 = memchr(s, ':', n);
		if (!c1)
			continue;
		const char *h = c1 + 1;
		const char *c2 = memchr(h, ':', n - (size_t)(h - s));
		size_t hl = c2 ? (size_t)(c2 - h) : n - (size_t)(h - s);
		char user[128], shell[256];
		snprintf(user, sizeof(user), "%.*s", (int)((size_t)(c1 - s) < 127 ? (size_t)(c1 - s) : 127), s);
		passwd_shell(pw, pwlen, user, shell, sizeof(shell));
		bool root = !strcmp(user, "root");
		bool empty = hl == 0;
		const char *kind = empty ? "none" : hash_kind(h, hl);
		/* locked (!, *), disabled, or a shell that lets nobody in: not usable */
		if (!kind || (!root && !login_shell(shell)))
			continue;
		char evidence[300];
		char *ev = empty ? strdup("(empty)") : lc__secret_redact((const uint8_t *)h, hl, lc__scan_show_secrets(em->scan));
		snprintf(evidence, sizeof(evidence), "%s:%s", user, ev ? ev : "");
		free(ev);
		json_t *d = json_object();
		json_object_set_new(d, "user", json_string(user));
		json_object_set_new(d, "hash", json_string(kind));
		if (shell[0])
			json_object_set_new(d, "shell", json_string(shell));
		lc_finding_in f;
		memset(&f, 0, sizeof(f));
		f.rule_id = empty ? "shadow-empty-password" : "shadow-password-hash";
		f.severity = root || empty ? LC_SEV_CRITICAL : LC_SEV_HIGH;
		f.title = empty ? "Account with an empty password" : "Usable password hash in /etc/shadow";
		f.description = empty ? "An account in etc/shadow has no password: anyone can log in as it."
				      : "The image sets a password for an account that can log in; the "
					"hash can be cracked offline and the same password often opens "
					"other systems.";
		f.source = LC_SRC_FILE;
		f.layer = layer;
		f.path = "etc/shadow";
		f.line = l.no;
		f.offset = -1;
		f.evidence = evidence;
		f.remediation = "Lock the account (passwd -l) or remove the password at build time; "
				"use keys or a secret injected at run time.";
		f.details = d;
		rc = lc__emit(em, &f);
		found++;
	}
	return rc;
}

const lc_detector lc__det_credentials = {
	.name = "credentials",
	.description = "Credential files by path and format: private keys, cloud, registry, git, "
		       "npm, PyPI, kube configs, .pgpass, .env, histories, /etc/shadow",
	.wants = LC_WANT_BUFFER,
	.paths = cred_paths,
	.max_size = CRED_MAX_FILE,
	.capture = cred_captures,
	.load = cred_load,
	.unload = cred_unload,
	.worker_new = cred_worker_new,
	.worker_free = cred_worker_free,
	.on_file = cred_on_file,
	.on_image = cred_on_image,
};
