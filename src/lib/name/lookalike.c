/*
 * lookalike.c - does a name imitate an image people trust? Compares a parsed reference
 * with Docker Hub's official and retired names, well-known publisher namespaces and the
 * big registries' hosts, by the techniques typosquatters use: another namespace, typing
 * slips (Damerau-Levenshtein), lookalike characters, delimiter changes, added words,
 * reordered words. Each verdict names what is imitated and the exact edit.
 */
#include "lc_private.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <stdarg.h>

/* snprintf whose truncation is intended: every text here is cut at its buffer's
 * ceiling rather than grown. */
static void sfmt(char *buf, size_t sz, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void sfmt(char *buf, size_t sz, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sz, fmt, ap);
	va_end(ap);
}

/* ---- techniques ---------------------------------------------------------------- */

/* Ordered by how specific the evidence is: with two candidate targets, the lower wins. */
typedef enum tech { T_NONE = 0, T_VISUAL, T_DELIM, T_REORDER, T_AFFIX, T_DL } tech;

typedef struct match {
	tech t;
	int score; /* 0 for visual/delimiter/reorder, 1 for an affix, the distance for DL */
	int distance;
	const char *target;
	lc_namelist_id list;
	bool weak; /* a distance match that is more often another word: LOW */
	char edit[LC_NAME_MAX];
} match;

static bool is_delim(char c)
{
	return c == '-' || c == '_' || c == '.';
}

/* Characters a reader takes for each other in most fonts: 0/o and 1/l/i. */
static char fold(char c)
{
	return c == '0' ? 'o' : (c == '1' || c == 'i') ? 'l' : c;
}

/* Two-for-one lookalikes, both ways round: "rn" reads as "m", "vv" as "w". */
static const struct {
	const char *many, *one;
} multi[] = {{"rn", "m"}, {"vv", "w"}};

static void edit_add(char *buf, size_t bufsz, const char *fmt, const char *a, const char *b)
{
	size_t used = strlen(buf);
	char one[96];
	sfmt(one, sizeof(one), fmt, a, b);
	if (used + 1 < bufsz)
		sfmt(buf + used, bufsz - used, "%s%s", used ? ", " : "", one);
}

static size_t delim_run(const char *s)
{
	size_t n = 0;
	while (s[n] && is_delim(s[n]))
		n++;
	return n;
}

/*
 * Equal up to lookalike characters and delimiter changes? Walks both names once,
 * writing each difference into edit; sets *visual when a lookalike character was used.
 * Returns false at the first difference of any other kind.
 */
static bool visual_walk(const char *name, const char *real, char *edit, size_t editsz,
			bool *visual)
{
	size_t i = 0, j = 0;
	bool same = true;
	char a[8], b[8];

	edit[0] = '\0';
	*visual = false;
	while (name[i] || real[j]) {
		size_t rn = delim_run(name + i), rr = delim_run(real + j);
		if (name[i] && name[i] == real[j] && !rn) {
			i++, j++;
			continue;
		}
		if (rn || rr) {
			/* Compare whole delimiter runs, so "__" for "-" is one edit. */
			if (rn > 6 || rr > 6) {
				same = false;
				break;
			}
			sfmt(a, sizeof(a), "%.*s", (int)rn, name + i);
			sfmt(b, sizeof(b), "%.*s", (int)rr, real + j);
			if (rn && rr && strcmp(a, b) != 0)
				edit_add(edit, editsz, "'%s' for '%s'", a, b);
			else if (rn && !rr)
				edit_add(edit, editsz, "extra '%s'%s", a, "");
			else if (!rn && rr)
				edit_add(edit, editsz, "missing '%s'%s", b, "");
			i += rn, j += rr;
			continue;
		}
		bool took = false;
		for (size_t k = 0; k < sizeof(multi) / sizeof(multi[0]) && !took; k++) {
			size_t lm = strlen(multi[k].many);
			if (strncmp(name + i, multi[k].many, lm) == 0 && real[j] == multi[k].one[0]) {
				edit_add(edit, editsz, "'%s' for '%s'", multi[k].many, multi[k].one);
				i += lm, j += 1, took = true;
			} else if (name[i] == multi[k].one[0] &&
				   strncmp(real + j, multi[k].many, lm) == 0) {
				edit_add(edit, editsz, "'%s' for '%s'", multi[k].one, multi[k].many);
				i += 1, j += lm, took = true;
			}
		}
		if (took) {
			*visual = true;
			continue;
		}
		if (name[i] && real[j] && fold(name[i]) == fold(real[j])) {
			sfmt(a, sizeof(a), "%c", name[i]);
			sfmt(b, sizeof(b), "%c", real[j]);
			edit_add(edit, editsz, "'%s' for '%s'", a, b);
			*visual = true;
			i++, j++;
			continue;
		}
		same = false;
		break;
	}
	return same && edit[0];
}

/* Words typosquatters add to a trusted name to make it look more official, newer or
 * safer. Only these and version numbers count: "nginx-proxy" is a different project,
 * "nginx-official" is a lie. */
static const char *const deceptive_words[] = {
	"official", "offical", "officiel", "latest", "stable", "lts", "original", "orig",
	"real", "genuine", "verified", "trusted", "secure", "safe", "docker", "dockerhub",
	"hub", "image", "images", "img", "library", "new", "newest", "updated", "update",
	"patched", "fixed", "free", "pro", "premium", "full", "mirror", "release", "prod",
	"production", "main", "master", "inc", "io", "registry", "repo", "container",
	NULL,
};

static bool version_like(const char *w, size_t n)
{
	size_t i = n > 1 && w[0] == 'v' ? 1 : 0;
	bool digits = i < n;
	for (; i < n && digits; i++)
		digits = isdigit((unsigned char)w[i]);
	return digits;
}

/* Every word of s[0..n) (split on delimiters) is deceptive or a version. */
static bool all_deceptive(const char *s, size_t n)
{
	size_t words = 0;
	bool ok = true;
	for (size_t i = 0; i < n && ok;) {
		size_t j = i;
		while (j < n && !is_delim(s[j]))
			j++;
		if (j > i) {
			ok = version_like(s + i, j - i);
			for (size_t k = 0; deceptive_words[k] && !ok; k++)
				ok = strlen(deceptive_words[k]) == j - i &&
				     memcmp(deceptive_words[k], s + i, j - i) == 0;
			words++;
		}
		i = j + 1;
	}
	return ok && words > 0;
}

/* The real name with deceptive words or a version added before or after it. */
static bool affix_match(const char *name, const char *real, char *edit, size_t editsz)
{
	size_t n = strlen(name), m = strlen(real);
	bool found = false;

	edit[0] = '\0';
	if (m < 3 || n <= m)
		goto out;
	for (const char *p = strstr(name, real); p && !found; p = strstr(p + 1, real)) {
		size_t pre = (size_t)(p - name), post = n - pre - m;
		bool pre_ok = pre == 0 || all_deceptive(name, pre);
		bool post_ok = post == 0 || all_deceptive(p + m, post);
		if (!pre_ok || !post_ok)
			continue;
		char a[LC_NAME_MAX], b[LC_NAME_MAX];
		sfmt(a, sizeof(a), "%.*s", (int)pre, name);
		sfmt(b, sizeof(b), "%s", p + m);
		if (pre)
			edit_add(edit, editsz, "prefix '%s' added%s", a, "");
		if (post)
			edit_add(edit, editsz, "suffix '%s' added%s", b, "");
		found = true;
	}
out:
	return found;
}

/* The name without deceptive words (or versions) at its ends, split on delimiters:
 * "official-ubunut" -> "ubunut". False when nothing was stripped or nothing is left. */
static bool strip_deceptive(const char *name, char *stem, size_t stemsz, char *edit,
			    size_t editsz)
{
	size_t n = strlen(name), a = 0, b = n;
	bool stripped = false;
	char w[LC_NAME_MAX];

	edit[0] = '\0';
	for (;;) { /* leading words */
		size_t e = a;
		while (e < b && !is_delim(name[e]))
			e++;
		if (e >= b || !all_deceptive(name + a, e - a))
			break;
		sfmt(w, sizeof(w), "%.*s", (int)(e + 1 - a), name + a);
		edit_add(edit, editsz, "prefix '%s' added%s", w, "");
		a = e + 1;
		stripped = true;
	}
	for (;;) { /* trailing words */
		size_t e = b;
		while (e > a && !is_delim(name[e - 1]))
			e--;
		if (e <= a || !all_deceptive(name + e, b - e))
			break;
		sfmt(w, sizeof(w), "%.*s", (int)(b - e + 1), name + e - 1);
		edit_add(edit, editsz, "suffix '%s' added%s", w, "");
		b = e - 1;
		stripped = true;
	}
	sfmt(stem, stemsz, "%.*s", (int)(b - a), name + a);
	return stripped && b - a >= 3;
}

/* Split on delimiters into at most `max` words of at most LC_NAME_MAX bytes. */
static size_t split_words(const char *s, char words[][LC_NAME_MAX], size_t max)
{
	size_t nw = 0;
	for (size_t i = 0; s[i] && nw <= max;) {
		size_t j = i;
		while (s[j] && !is_delim(s[j]))
			j++;
		if (j > i) {
			if (nw == max) {
				nw = max + 1; /* too many words: the caller gives up */
				break;
			}
			sfmt(words[nw++], LC_NAME_MAX, "%.*s", (int)(j - i), s + i);
		}
		i = s[j] ? j + 1 : j;
	}
	return nw;
}

static void strip_delims(const char *s, char *out, size_t outsz)
{
	size_t o = 0;
	for (; *s && o + 1 < outsz; s++)
		if (!is_delim(*s))
			out[o++] = *s;
	out[o] = '\0';
}

/* The real name's words in another order ("express-mongo" for "mongo-express"). */
#define REORDER_WORDS 4
static bool reorder_match(const char *name, const char *real, char *edit, size_t editsz)
{
	char rw[REORDER_WORDS][LC_NAME_MAX];
	char flat[LC_NAME_MAX], cand[LC_NAME_MAX], rflat[LC_NAME_MAX];
	size_t nw = split_words(real, rw, REORDER_WORDS);
	bool found = false;

	edit[0] = '\0';
	if (nw < 2 || nw > REORDER_WORDS)
		goto out;
	strip_delims(name, flat, sizeof(flat));
	strip_delims(real, rflat, sizeof(rflat));
	if (strcmp(flat, rflat) == 0)
		goto out; /* same order: a delimiter change, judged elsewhere */
	/* All orders of up to four words, by Heap's algorithm (iterative). */
	size_t idx[REORDER_WORDS] = {0, 1, 2, 3}, c[REORDER_WORDS] = {0};
	for (size_t k = 1; k < nw && !found;) {
		if (c[k] < k) {
			size_t a = (k % 2 == 0) ? 0 : c[k];
			size_t t = idx[a];
			idx[a] = idx[k];
			idx[k] = t;
			cand[0] = '\0';
			for (size_t w = 0; w < nw; w++)
				strncat(cand, rw[idx[w]], sizeof(cand) - strlen(cand) - 1);
			if (strcmp(cand, flat) == 0)
				found = true;
			c[k]++;
			k = 1;
		} else {
			c[k] = 0;
			k++;
		}
	}
	if (found)
		edit_add(edit, editsz, "words reordered: '%s' for '%s'", name, real);
out:
	return found;
}

/*
 * Two slips in one name: typists keep the first letter, so two edits that also change
 * the first letter (unless by swapping the first two) are more often another word.
 */
static bool plausible_double_slip(const char *name, const char *real)
{
	return name[0] == real[0] || (name[0] && name[1] == real[0] && name[0] == real[1]);
}

/* Thresholds of the issue: distance 1 for names of 4 or more, 2 for 5 or more. */
static int dl_allowed(const char *real)
{
	size_t m = strlen(real);
	return m >= 5 ? 2 : m >= 4 ? 1 : 0;
}

/* How `name` imitates `real`, or T_NONE. */
static void compare_dl(const char *name, const char *real, lc_namelist_id list,
		       bool allow_affix, bool allow_reorder, int max, match *out)
{
	char edit[LC_NAME_MAX], stem[LC_NAME_MAX], more[LC_NAME_MAX];
	bool visual = false;

	memset(out, 0, sizeof(*out));
	if (strcmp(name, real) == 0)
		goto out;
	if (visual_walk(name, real, edit, sizeof(edit), &visual)) {
		out->t = visual ? T_VISUAL : T_DELIM;
		out->score = 0;
	} else if (allow_reorder && reorder_match(name, real, edit, sizeof(edit))) {
		out->t = T_REORDER;
		out->score = 0;
	} else if (allow_affix && affix_match(name, real, edit, sizeof(edit))) {
		out->t = T_AFFIX;
		out->score = 1;
	} else if (allow_affix && strip_deceptive(name, stem, sizeof(stem), edit, sizeof(edit)) &&
		   strcmp(stem, real) != 0 &&
		   (visual_walk(stem, real, more, sizeof(more), &visual) ||
		    (max > 0 && lc__name_distance(stem, real, 1) <= 1 &&
		     lc__name_distance_explain(stem, real, more, sizeof(more)) > 0))) {
		/* Both tricks at once: a deceptive word around a misspelt name. */
		out->t = T_AFFIX;
		out->score = 1 + (visual ? 0 : lc__name_distance(stem, real, max));
		edit_add(edit, sizeof(edit), "%s%s", more, "");
	} else {
		int d = max > 0 ? lc__name_distance(name, real, max) : max + 1;
		if (d <= max) {
			out->distance = lc__name_distance_explain(name, real, edit, sizeof(edit));
			out->t = T_DL;
			out->score = out->distance;
			/* Still a verdict (the thresholds are the official name's length), but
			 * a weak one when the candidate itself is short or starts elsewhere:
			 * "shor" and "storm", "brute" and "crate" are mostly other words. */
			out->weak = (d == 1 && strlen(name) < 4) ||
				    (d == 2 && (strlen(name) < 5 || !plausible_double_slip(name, real)));
		}
	}
	if (out->t != T_NONE) {
		out->target = real;
		out->list = list;
		sfmt(out->edit, sizeof(out->edit), "%s", edit);
		if (out->t != T_DL)
			out->distance = -1;
	}
out:
	return;
}

/* Namespaces are people's user names, and short ones sit one edit from each other
 * ("king" and "kong", "toby" and "moby"; "hacker" is two from "docker"): against a
 * publisher namespace a distance of 1 needs five letters and 2 needs seven. Lookalike
 * characters and delimiter changes count at any length. */
static int dl_allowed_namespace(const char *real)
{
	size_t m = strlen(real);
	return m >= 7 ? 2 : m >= 5 ? 1 : 0;
}

static bool better(const match *a, const match *b)
{
	bool yes;

	if (a->t == T_NONE || b->t == T_NONE)
		yes = a->t != T_NONE;
	else if (a->score != b->score)
		yes = a->score < b->score;
	else if (a->weak != b->weak)
		yes = !a->weak;
	else
		yes = a->t < b->t;
	return yes;
}

/* The best target in the given lists (first found wins ties: lists are in order). */
static void best_of(const char *name, const lc_namelist_id *lists, size_t nlists,
		    bool allow_affix, bool allow_reorder, bool nspace, match *best)
{
	match m;
	memset(best, 0, sizeof(*best));
	for (size_t l = 0; l < nlists; l++) {
		for (size_t i = 0; i < lc__names_count(lists[l]); i++) {
			const char *real = lc__names_get(lists[l], i);
			compare_dl(name, real, lists[l], allow_affix, allow_reorder,
				   nspace ? dl_allowed_namespace(real) : dl_allowed(real), &m);
			if (better(&m, best))
				*best = m;
		}
	}
}

/* Rule ids and technique names, by technique (index = tech). */
static const char *const tech_rules[] = {"name.typo", "name.ascii_lookalike",
					 "name.delimiter_change", "name.reordered_words",
					 "name.affix", "name.typo"};
static const char *const tech_names[] = {"", "ASCII lookalike characters", "delimiter change",
					 "reordered words", "prefix or suffix added", ""};

static const char *tech_rule(const match *m)
{
	return tech_rules[m->t];
}

static const char *tech_name(const match *m)
{
	const char *name = tech_names[m->t];
	if (m->t == T_DL)
		name = m->distance == 1 ? "Damerau-Levenshtein distance 1"
					: "Damerau-Levenshtein distance 2";
	return name;
}

/* Lookalike characters and typing slips are made to fool; an added word or another
 * order might be a different project that picked a close name. */
static lc_severity tech_severity(const match *m)
{
	lc_severity sev = LC_SEV_MEDIUM;
	if (m->weak)
		sev = LC_SEV_LOW;
	else if (m->t == T_VISUAL || m->t == T_DELIM || (m->t == T_DL && m->distance == 1))
		sev = LC_SEV_HIGH;
	return sev;
}

/* ---- registry hosts ---------------------------------------------------------- */

/* Domains of the registries people pull from: a host equal to or under one is theirs. */
static const char *const registry_domains[] = {
	"docker.io", "docker.com", "ghcr.io", "quay.io", "gcr.io", "k8s.io", "microsoft.com",
	"azurecr.io", "ecr.aws", "amazonaws.com", "gitlab.com", "github.com", "elastic.co",
	"nvcr.io", "redhat.io", "redhat.com", "lscr.io", "cgr.dev", "pkg.dev", "suse.com",
	"github.io", "gitlab.io",
	"oracle.com", "icr.io", "jfrog.io", NULL,
};

/* Registry hosts a lookalike may embed as its own subdomains (docker.io.evil.com). */
static const char *const registry_hosts[] = {
	"registry-1.docker.io", "index.docker.io", "registry.hub.docker.com", "hub.docker.com",
	"registry.k8s.io", "k8s.gcr.io", "mcr.microsoft.com", "public.ecr.aws",
	"registry.gitlab.com", "registry.redhat.io", NULL,
};

/* Brand labels whose misspellings and other TLDs are lookalikes, with the real host. */
static const struct {
	const char *label, *host;
} brands[] = {
	{"docker", "docker.io"}, {"quay", "quay.io"},     {"ghcr", "ghcr.io"},
	{"gcr", "gcr.io"},       {"github", "ghcr.io"},   {"gitlab", "registry.gitlab.com"},
	{"azurecr", "azurecr.io"}, {"amazonaws", "amazonaws.com"}, {"nvcr", "nvcr.io"},
	{"redhat", "registry.redhat.io"}, {"lscr", "lscr.io"}, {"k8s", "registry.k8s.io"},
};

/* Words glued to a brand to make a registry-sounding host (dockerhub.io, docker-io.com). */
static const char *const registry_words[] = {
	"hub", "registry", "reg", "io", "cr", "images", "image", "index", "cdn", "mirror",
	"repo", "containers", "container", "pull", "cloud", "official", "inc", "com", "net",
	"org", "hq", NULL,
};

static void skeleton(const char *s, size_t n, char *out, size_t outsz)
{
	size_t o = 0;
	for (size_t i = 0; i < n && s[i] && o + 1 < outsz; i++) {
		if (is_delim(s[i]))
			continue;
		/* "rn" and "vv" read as "m" and "w": fold them before single characters. */
		if (s[i] == 'r' && i + 1 < n && s[i + 1] == 'n') {
			out[o++] = 'm';
			i++;
		} else if (s[i] == 'v' && i + 1 < n && s[i + 1] == 'v') {
			out[o++] = 'w';
			i++;
		} else {
			out[o++] = fold(s[i]);
		}
	}
	out[o] = '\0';
}

static bool under_domain(const char *host, const char *dom)
{
	size_t h = strlen(host), d = strlen(dom);
	return h == d ? strcmp(host, dom) == 0
		      : h > d && host[h - d - 1] == '.' && strcmp(host + h - d, dom) == 0;
}

static bool host_is_address(const char *h)
{
	bool digits_dots = true;
	for (const char *p = h; *p; p++)
		if (!isdigit((unsigned char)*p) && *p != '.')
			digits_dots = false;
	return digits_dots || h[0] == '[' || strcmp(h, "localhost") == 0 || !strchr(h, '.');
}

/* Does the label glue a registry word to the brand ("dockerhub", "hub-docker")? */
static bool brand_plus_word(const char *label, const char *brand, char *word, size_t wsz)
{
	char flat[LC_NAME_MAX];
	size_t bl = strlen(brand), fl;

	const char *rest = NULL;
	bool glued = false;

	strip_delims(label, flat, sizeof(flat));
	fl = strlen(flat);
	if (fl > bl && strncmp(flat, brand, bl) == 0) {
		rest = flat + bl;
	} else if (fl > bl && strcmp(flat + fl - bl, brand) == 0) {
		flat[fl - bl] = '\0';
		rest = flat;
	}
	for (size_t i = 0; rest && registry_words[i] && !glued; i++)
		glued = strcmp(rest, registry_words[i]) == 0;
	if (glued)
		sfmt(word, wsz, "%s", rest);
	return glued;
}

/* Judge the registry host; true with v filled when it imitates a known registry. */
static bool host_judge(const char *host_port, lc_name_verdict *v)
{
	char host[LC_NAME_MAX], label[LC_NAME_MAX], sk[LC_NAME_MAX], ksk[LC_NAME_MAX];
	const char *labels[32];
	size_t nl = 0;
	bool hit = false;

	sfmt(host, sizeof(host), "%s", host_port);
	char *colon = strchr(host, ':');
	if (colon)
		*colon = '\0';
	if (host_is_address(host))
		goto out;
	for (size_t i = 0; registry_domains[i]; i++)
		if (under_domain(host, registry_domains[i]))
			goto out;
	/* A known registry's name used as the start of someone else's domain. */
	for (int pass = 0; pass < 2 && !hit; pass++) {
		const char *const *list = pass ? registry_hosts : registry_domains;
		for (size_t i = 0; list[i] && !hit; i++) {
			size_t n = strlen(list[i]);
			if (strncmp(host, list[i], n) == 0 && host[n] == '.') {
				sfmt(v->imitates, sizeof(v->imitates), "%s", list[i]);
				sfmt(v->edit, sizeof(v->edit), "'%s' put in front of '%s'",
					 list[i], host + n + 1);
				v->technique = "registry host embedded in another domain";
				hit = true;
			}
		}
	}
	/* Split into labels; the registrable label is the one before the last. */
	for (char *p = host; *p && nl < 32;) {
		labels[nl++] = p;
		char *dot = strchr(p, '.');
		if (!dot)
			break;
		p = dot + 1;
	}
	if (hit || nl < 2)
		goto out;
	size_t reg = nl - 2;
	sfmt(label, sizeof(label), "%.*s", (int)(labels[reg + 1] - labels[reg] - 1),
		 labels[reg]);
	const char *tld = labels[nl - 1];
	skeleton(label, strlen(label), sk, sizeof(sk));

	for (size_t b = 0; b < sizeof(brands) / sizeof(brands[0]) && !hit; b++) {
		const char *brand = brands[b].label, *real = brands[b].host;
		char bsk[LC_NAME_MAX], word[64], edit[LC_NAME_MAX];
		bool visual = false;
		skeleton(brand, strlen(brand), bsk, sizeof(bsk));
		skeleton(real, strlen(real), ksk, sizeof(ksk));
		sfmt(v->imitates, sizeof(v->imitates), "%s", real);
		if (strcmp(label, brand) == 0) {
			sfmt(v->edit, sizeof(v->edit), "'%s' for '%s'", host, real);
			v->technique = "another top-level domain";
			hit = true;
		} else if (strcmp(sk, ksk) == 0) {
			sfmt(v->edit, sizeof(v->edit), "'%s' for '%s'", host, real);
			v->technique = "delimiter change";
			hit = true;
		} else if (strcmp(sk, bsk) == 0 &&
			   visual_walk(label, brand, edit, sizeof(edit), &visual)) {
			sfmt(v->edit, sizeof(v->edit), "%s", edit);
			v->technique = visual ? "ASCII lookalike characters" : "delimiter change";
			hit = true;
		} else if (brand_plus_word(label, brand, word, sizeof(word))) {
			sfmt(v->edit, sizeof(v->edit), "'%s' added to '%s' in '%s'", word,
				 brand, host);
			v->technique = "registry word added";
			hit = true;
		} else if (dl_allowed(brand) > 0 &&
			   lc__name_distance(label, brand, dl_allowed(brand)) <=
				   dl_allowed(brand)) {
			v->distance = lc__name_distance_explain(label, brand, edit, sizeof(edit));
			sfmt(v->edit, sizeof(v->edit), "%s", edit);
			v->technique = "Damerau-Levenshtein distance";
			hit = true;
		}
	}
	/* A subdomain label spelling a registry ("docker-io.evil.com"). */
	for (size_t l = 0; l < reg && !hit; l++) {
		char one[LC_NAME_MAX];
		sfmt(one, sizeof(one), "%.*s", (int)(labels[l + 1] - labels[l] - 1), labels[l]);
		skeleton(one, strlen(one), sk, sizeof(sk));
		for (size_t b = 0; b < sizeof(brands) / sizeof(brands[0]) && !hit; b++) {
			skeleton(brands[b].host, strlen(brands[b].host), ksk, sizeof(ksk));
			if (strcmp(sk, ksk) == 0) {
				sfmt(v->imitates, sizeof(v->imitates), "%s", brands[b].host);
				sfmt(v->edit, sizeof(v->edit), "'%s' spelled as a label of '%s'",
					 brands[b].host, host);
				v->technique = "registry host embedded in another domain";
				hit = true;
			}
		}
	}
	(void)tld;
out:
	return hit;
}

/* ---- trust ------------------------------------------------------------------- */

/* Is `prefix` a leading run of whole components of `s`? */
static bool component_prefix(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);
	return n > 0 && strncmp(s, prefix, n) == 0 && (s[n] == '\0' || s[n] == '/');
}

static bool trusted_ref(const lc_strlist *trusted, const lc_nameref *r)
{
	char full[LC_NAME_MAX * 2], t[LC_NAME_MAX * 2];
	bool yes = false;

	if (!trusted)
		goto out;
	sfmt(full, sizeof(full), "%s/%s", r->host, r->path);
	for (size_t i = 0; i < trusted->n && !yes; i++) {
		const char *e = trusted->v[i];
		if (strncmp(e, "docker://", 9) == 0)
			e += 9;
		sfmt(t, sizeof(t), "%s", e);
		size_t n = strlen(t);
		while (n > 0 && t[n - 1] == '/')
			t[--n] = '\0';
		for (char *p = t; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		/* "index.docker.io/acme" and "docker.io/acme" name the same namespace. */
		if (strncmp(t, "index.docker.io", 15) == 0 && (t[15] == '/' || !t[15]))
			memmove(t, t + 6, strlen(t + 6) + 1);
		yes = component_prefix(full, t) || component_prefix(r->path, t) ||
		      strcmp(r->host, t) == 0;
	}
out:
	return yes;
}

/* ---- the judgement ---------------------------------------------------------- */

static void verdict_from_match(lc_name_verdict *v, const match *m, const char *what,
			       const char *prefix)
{
	v->rule_id = tech_rule(m);
	v->technique = tech_name(m);
	v->severity = tech_severity(m);
	v->distance = m->distance;
	sfmt(v->imitates, sizeof(v->imitates), "%s%s", prefix, m->target);
	sfmt(v->edit, sizeof(v->edit), "%s", m->edit);
	sfmt(v->title, sizeof(v->title), "%s looks like %s%s: %s", what, v->imitates,
		 m->list == LC_NAMES_RETIRED ? " (a retired official image)" : "", v->edit);
	sfmt(v->description, sizeof(v->description),
		 "The name differs from %s by %s (%s). Typosquatted images are published "
		 "under names users type by habit, often carrying cryptominers; pull the "
		 "image you meant by its exact name.",
		 v->imitates, v->edit, v->technique);
}

/* The namespace pretends to be Docker's own: "official", or a lookalike of library. */
static bool namespace_claims_official(const char *ns)
{
	char sk[LC_NAME_MAX];
	skeleton(ns, strlen(ns), sk, sizeof(sk));
	/* "official" folded: i -> l. */
	return strstr(sk, "offlclal") != NULL || strstr(sk, "offlcal") != NULL;
}

/* Namespace checks (a repository under someone's namespace); true when a verdict was
 * given, which settles the name. */
static lc_code namespace_judge(const lc_nameref *r, lc_name_verdict_fn fn, void *ud,
			       bool *done)
{
	lc_code rc = LC_OK;
	lc_name_verdict v;
	match m, lib;
	static const lc_namelist_id pub[] = {LC_NAMES_PUBLISHERS};

	*done = false;
	memset(&v, 0, sizeof(v));
	if (lc__names_has(LC_NAMES_PUBLISHERS, r->ns)) {
		*done = true; /* the publisher's own repository: nothing to judge */
		goto out;
	}
	best_of(r->ns, pub, 1, true, false, true, &m);
	/* "library" is the official namespace: a lookalike of it is the worst kind. */
	compare_dl(r->ns, "library", LC_NAMES_PUBLISHERS, true, false,
		   dl_allowed_namespace("library"), &lib);
	if (lib.t != T_NONE && !better(&m, &lib)) {
		lib.target = "library";
		m = lib;
	}
	if (m.t != T_NONE) {
		verdict_from_match(&v, &m, "namespace", "");
		v.rule_id = "name.publisher_lookalike";
		v.severity = LC_SEV_HIGH;
		sfmt(v.title, sizeof(v.title), "namespace '%s' looks like %s%s: %s", r->ns,
			 strcmp(m.target, "library") == 0 ? "the official namespace " : "publisher ",
			 m.target, v.edit);
		sfmt(v.description, sizeof(v.description),
			 "The namespace '%s' differs from the well-known namespace '%s' by %s "
			 "(%s). Images published under a misspelt publisher namespace impersonate "
			 "that publisher.",
			 r->ns, m.target, v.edit, v.technique);
		rc = fn(ud, r, &v);
		*done = true;
		goto out;
	}
	if (namespace_claims_official(r->ns)) {
		v.rule_id = "name.official_namespace_claim";
		v.technique = "namespace claims official status";
		v.severity = LC_SEV_HIGH;
		v.distance = -1;
		sfmt(v.imitates, sizeof(v.imitates), "library/%s", r->repo);
		sfmt(v.edit, sizeof(v.edit), "namespace '%s' for 'library'", r->ns);
		sfmt(v.title, sizeof(v.title),
			 "namespace '%s' claims to be official: official images live under "
			 "library/",
			 r->ns);
		sfmt(v.description, sizeof(v.description),
			 "Docker Hub's official images are published only under library/ (or as a "
			 "bare name); a namespace calling itself official is impersonation.");
		rc = fn(ud, r, &v);
		*done = true;
	}
out:
	return rc;
}

static lc_code repo_judge(const lc_nameref *r, bool official_ns, lc_name_verdict_fn fn,
			  void *ud)
{
	lc_code rc = LC_OK;
	lc_name_verdict v;
	match m;
	static const lc_namelist_id targets[] = {LC_NAMES_OFFICIAL, LC_NAMES_RETIRED};
	char what[LC_NAME_MAX * 2];

	memset(&v, 0, sizeof(v));
	v.distance = -1;
	sfmt(what, sizeof(what), "%s", r->path);
	if (lc__names_has(LC_NAMES_OFFICIAL, r->repo)) {
		if (official_ns)
			goto out;
		v.rule_id = "name.namespace_impersonation";
		v.technique = "official name under another namespace";
		v.severity = LC_SEV_MEDIUM;
		sfmt(v.imitates, sizeof(v.imitates), "library/%s", r->repo);
		sfmt(v.edit, sizeof(v.edit), "namespace '%s' for 'library'", r->ns);
		sfmt(v.title, sizeof(v.title), "%s looks like library/%s: %s", what, r->repo,
			 v.edit);
		sfmt(v.description, sizeof(v.description),
			 "'%s' is the name of a Docker Hub official image, published here under "
			 "the namespace '%s', which is neither Docker's nor a known publisher's. "
			 "Attackers publish miners as someuser/ubuntu or someuser/golang for users "
			 "who search by name; the official image is library/%s.",
			 r->repo, r->ns, r->repo);
		rc = fn(ud, r, &v);
		goto out;
	}
	if (lc__names_has(LC_NAMES_RETIRED, r->repo)) {
		sfmt(v.imitates, sizeof(v.imitates), "library/%s", r->repo);
		if (official_ns) {
			v.rule_id = "name.retired_official";
			v.technique = "retired official image";
			v.severity = LC_SEV_INFO;
			sfmt(v.title, sizeof(v.title),
				 "library/%s is a retired official image: it gets no updates",
				 r->repo);
			sfmt(v.description, sizeof(v.description),
				 "Docker retired the official image '%s'; its last build stays "
				 "pullable but unpatched. Move to its maintained successor.",
				 r->repo);
		} else {
			v.rule_id = "name.retired_reregistered";
			v.technique = "retired official name under another namespace";
			v.severity = LC_SEV_MEDIUM;
			sfmt(v.edit, sizeof(v.edit), "namespace '%s' for 'library'", r->ns);
			sfmt(v.title, sizeof(v.title),
				 "%s re-uses the retired official name library/%s", what, r->repo);
			sfmt(v.description, sizeof(v.description),
				 "'%s' was a Docker Hub official image until it was retired; users "
				 "still type it, and others have re-registered it under their own "
				 "namespace ('%s'). This is not the official image nor its "
				 "maintained successor.",
				 r->repo, r->ns);
		}
		rc = fn(ud, r, &v);
		goto out;
	}
	best_of(r->repo, targets, 2, true, true, false, &m);
	if (m.t != T_NONE) {
		verdict_from_match(&v, &m, what, "library/");
		rc = fn(ud, r, &v);
		goto out;
	}
	/* A misspelt publisher's product under someone else's namespace (someuser/lifreay
	 * for liferay's images). Only misspellings: a repository merely named after a
	 * product (someuser/grafana) is common and no lookalike by itself. */
	if (!official_ns) {
		static const lc_namelist_id pubs[] = {LC_NAMES_PUBLISHERS};
		best_of(r->repo, pubs, 1, false, false, true, &m);
		if (m.t == T_VISUAL || (m.t == T_DL && !m.weak)) {
			verdict_from_match(&v, &m, what, "");
			sfmt(v.imitates, sizeof(v.imitates), "%s/ (publisher)", m.target);
			sfmt(v.title, sizeof(v.title), "%s looks like the images of publisher %s: %s",
			     what, m.target, v.edit);
			rc = fn(ud, r, &v);
		}
	}
out:
	return rc;
}

lc_code lc__name_judge(const lc_strlist *trusted, const char *ref, lc_name_verdict_fn fn,
		       void *ud, char *err, size_t errsz)
{
	lc_code rc;
	lc_nameref r;
	lc_name_verdict v;
	bool done = false;

	rc = lc__name_parse(ref, &r, err, errsz);
	if (rc != LC_OK)
		goto out;
	if (trusted_ref(trusted, &r))
		goto out;
	if (!r.hub) {
		memset(&v, 0, sizeof(v));
		v.distance = -1;
		if (host_judge(r.host, &v)) {
			v.rule_id = "name.registry_lookalike";
			v.severity = LC_SEV_HIGH;
			sfmt(v.title, sizeof(v.title), "registry host '%s' looks like %s: %s",
				 r.host, v.imitates, v.edit);
			sfmt(v.description, sizeof(v.description),
				 "The image is pulled from '%s', which imitates the registry %s "
				 "(%s). A lookalike registry serves whatever its owner wants under "
				 "familiar image names.",
				 r.host, v.imitates, v.technique);
			rc = fn(ud, &r, &v);
		}
		/* Names on other registries are that registry's business: Docker Hub's
		 * official names mean nothing there. */
		goto out;
	}
	if (r.ns[0] && strcmp(r.ns, "library") != 0) {
		rc = namespace_judge(&r, fn, ud, &done);
		if (rc != LC_OK || done)
			goto out;
	}
	rc = repo_judge(&r, strcmp(r.ns, "library") == 0, fn, ud);
out:
	return rc;
}
