/*
 * rules_load.c - read secret rules from YAML (libyaml), in the fields of Trivy's secret
 * config plus laocoon's own (entropy, binary, window, prefilter, no-placeholder-check).
 * The file is hostile input (users download rule files): every string, list and count
 * has a ceiling, and aliases are never followed more than one level.
 */
#include "lc_private.h"
#include "secret/secret_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

typedef struct ld {
	yaml_document_t *doc;
	char *err;
	size_t errlen;
	const char *what;
	size_t visited; /* nodes looked at: bounds work on alias-heavy documents */
} ld;

#define LD_MAX_VISITS 2000000u

static int ld_fail(ld *l, yaml_node_t *n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int ld_fail(ld *l, yaml_node_t *n, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (l->err && l->errlen) {
		if (n)
			snprintf(l->err, l->errlen, "%s:%zu: %s", l->what, (size_t)n->start_mark.line + 1,
				 msg);
		else
			snprintf(l->err, l->errlen, "%s: %s", l->what, msg);
	}
	return -1;
}

static yaml_node_t *node(ld *l, int idx)
{
	if (++l->visited > LD_MAX_VISITS)
		return NULL;
	return yaml_document_get_node(l->doc, idx);
}

static const char *scalar(yaml_node_t *n)
{
	if (!n || n->type != YAML_SCALAR_NODE)
		return NULL;
	return (const char *)n->data.scalar.value;
}

static int dup_scalar(ld *l, yaml_node_t *n, const char *key, char **out)
{
	const char *s = scalar(n);
	if (!s)
		return ld_fail(l, n, "%s: expected a string", key);
	if (n->data.scalar.length > SR_MAX_STR || strlen(s) != n->data.scalar.length)
		return ld_fail(l, n, "%s: string too long or contains NUL", key);
	free(*out);
	*out = strdup(s);
	return *out ? 0 : ld_fail(l, n, "out of memory");
}

static int parse_bool(ld *l, yaml_node_t *n, const char *key, bool *out)
{
	const char *s = scalar(n);
	if (s && (!strcasecmp(s, "true") || !strcasecmp(s, "yes") || !strcmp(s, "1")))
		*out = true;
	else if (s && (!strcasecmp(s, "false") || !strcasecmp(s, "no") || !strcmp(s, "0")))
		*out = false;
	else
		return ld_fail(l, n, "%s: expected true or false", key);
	return 0;
}

static int parse_severity(const char *s, lc_severity *out)
{
	static const char *const names[] = {"UNKNOWN", "INFO", "LOW", "MEDIUM", "HIGH", "CRITICAL"};
	for (int i = 0; i < 6; i++) {
		if (s && !strcasecmp(s, names[i])) {
			*out = (lc_severity)i;
			return 0;
		}
	}
	return -1;
}

void lc__sr_allow_clear(sr_allow *a)
{
	free(a->id);
	free(a->description);
	free(a->regex_src);
	free(a->path_src);
	pcre2_code_free(a->regex);
	pcre2_code_free(a->path);
	memset(a, 0, sizeof(*a));
}

void lc__sr_rule_clear(sr_rule *r)
{
	free(r->id);
	free(r->category);
	free(r->title);
	free(r->regex_src);
	free(r->group_name);
	for (size_t i = 0; i < r->nkeywords; i++)
		free(r->keywords[i]);
	free(r->keywords);
	free(r->path_src);
	free(r->prefilter);
	for (size_t i = 0; i < r->nallow; i++)
		lc__sr_allow_clear(&r->allow[i]);
	free(r->allow);
	pcre2_code_free(r->re);
	pcre2_code_free(r->path_re);
	memset(r, 0, sizeof(*r));
}

static int parse_allow(ld *l, yaml_node_t *n, sr_allow *a)
{
	memset(a, 0, sizeof(*a));
	if (!n || n->type != YAML_MAPPING_NODE)
		return ld_fail(l, n, "allow rule: expected a mapping");
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = node(l, p->key), *v = node(l, p->value);
		const char *ks = scalar(k);
		int rc = 0;
		if (!ks || !v)
			return ld_fail(l, n, "allow rule: bad key");
		if (!strcmp(ks, "id"))
			rc = dup_scalar(l, v, ks, &a->id);
		else if (!strcmp(ks, "description"))
			rc = dup_scalar(l, v, ks, &a->description);
		else if (!strcmp(ks, "regex"))
			rc = dup_scalar(l, v, ks, &a->regex_src);
		else if (!strcmp(ks, "path"))
			rc = dup_scalar(l, v, ks, &a->path_src);
		/* unknown keys are ignored, as Trivy does, so newer files still load */
		if (rc)
			return rc;
	}
	if (!a->regex_src && !a->path_src)
		return ld_fail(l, n, "allow rule %s: needs regex or path", a->id ? a->id : "?");
	return 0;
}

static int parse_allow_list(ld *l, yaml_node_t *n, sr_allow **v, size_t *nv, size_t *cap)
{
	if (!n || n->type != YAML_SEQUENCE_NODE)
		return ld_fail(l, n, "allow-rules: expected a list");
	for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
	     it++) {
		sr_allow a;
		if (*nv >= SR_MAX_ALLOW)
			return ld_fail(l, n, "too many allow rules (limit %u)", SR_MAX_ALLOW);
		if (parse_allow(l, node(l, *it), &a) != 0) {
			lc__sr_allow_clear(&a);
			return -1;
		}
		if (*nv == *cap) {
			size_t nc = *cap ? *cap * 2 : 4;
			sr_allow *nw = realloc(*v, nc * sizeof(*nw));
			if (!nw) {
				lc__sr_allow_clear(&a);
				return ld_fail(l, n, "out of memory");
			}
			*v = nw;
			*cap = nc;
		}
		(*v)[(*nv)++] = a;
	}
	return 0;
}

static int parse_rule(ld *l, yaml_node_t *n, sr_rule *r)
{
	size_t capallow = 0;
	memset(r, 0, sizeof(*r));
	r->severity = LC_SEV_UNKNOWN;
	if (!n || n->type != YAML_MAPPING_NODE)
		return ld_fail(l, n, "rule: expected a mapping");
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = node(l, p->key), *v = node(l, p->value);
		const char *ks = scalar(k);
		int rc = 0;
		if (!ks || !v)
			return ld_fail(l, n, "rule: bad key");
		if (!strcmp(ks, "id")) {
			rc = dup_scalar(l, v, ks, &r->id);
		} else if (!strcmp(ks, "category")) {
			rc = dup_scalar(l, v, ks, &r->category);
		} else if (!strcmp(ks, "title")) {
			rc = dup_scalar(l, v, ks, &r->title);
		} else if (!strcmp(ks, "severity")) {
			if (parse_severity(scalar(v), &r->severity) != 0)
				rc = ld_fail(l, v, "severity: expected CRITICAL, HIGH, MEDIUM, LOW or INFO");
		} else if (!strcmp(ks, "regex")) {
			rc = dup_scalar(l, v, ks, &r->regex_src);
		} else if (!strcmp(ks, "secret-group-name")) {
			rc = dup_scalar(l, v, ks, &r->group_name);
		} else if (!strcmp(ks, "path")) {
			rc = dup_scalar(l, v, ks, &r->path_src);
		} else if (!strcmp(ks, "prefilter")) {
			rc = dup_scalar(l, v, ks, &r->prefilter);
		} else if (!strcmp(ks, "entropy")) {
			const char *s = scalar(v);
			char *end = NULL;
			r->entropy = s ? strtod(s, &end) : -1;
			if (!s || !end || *end || r->entropy < 0 || r->entropy > 8)
				rc = ld_fail(l, v, "entropy: expected a number from 0 to 8");
		} else if (!strcmp(ks, "window")) {
			const char *s = scalar(v);
			char *end = NULL;
			long w = s ? strtol(s, &end, 10) : -1;
			if (!s || !end || *end || w < 16 || w > (long)SR_MAX_WINDOW)
				rc = ld_fail(l, v, "window: expected 16 to %u", SR_MAX_WINDOW);
			else
				r->window = (size_t)w;
		} else if (!strcmp(ks, "window-before")) {
			const char *s = scalar(v);
			char *end = NULL;
			long w = s ? strtol(s, &end, 10) : -1;
			if (!s || !end || *end || w < 16 || w > (long)SR_MAX_WINDOW)
				rc = ld_fail(l, v, "window-before: expected 16 to %u", SR_MAX_WINDOW);
			else
				r->window_before = (size_t)w;
		} else if (!strcmp(ks, "identifier-prefix")) {
			const char *s = scalar(v);
			char *end = NULL;
			long w = s ? strtol(s, &end, 10) : -1;
			if (!s || !end || *end || w < 0 || w > 256)
				rc = ld_fail(l, v, "identifier-prefix: expected 0 to 256");
			else
				r->ident_prefix = (size_t)w;
		} else if (!strcmp(ks, "binary")) {
			rc = parse_bool(l, v, ks, &r->binary);
		} else if (!strcmp(ks, "no-placeholder-check")) {
			rc = parse_bool(l, v, ks, &r->no_placeholder);
		} else if (!strcmp(ks, "keywords")) {
			if (v->type != YAML_SEQUENCE_NODE)
				return ld_fail(l, v, "keywords: expected a list");
			size_t cnt = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
			if (cnt > SR_MAX_KEYWORDS)
				return ld_fail(l, v, "keywords: more than %u", SR_MAX_KEYWORDS);
			for (size_t i = 0; i < r->nkeywords; i++)
				free(r->keywords[i]);
			free(r->keywords);
			r->nkeywords = 0;
			r->keywords = calloc(cnt + 1, sizeof(char *));
			if (!r->keywords)
				return ld_fail(l, v, "out of memory");
			for (size_t i = 0; i < cnt; i++) {
				char *kw = NULL;
				if (dup_scalar(l, node(l, v->data.sequence.items.start[i]), ks, &kw) != 0)
					return -1;
				if (!*kw) {
					free(kw);
					return ld_fail(l, v, "keywords: empty keyword");
				}
				for (char *c = kw; *c; c++)
					if (*c >= 'A' && *c <= 'Z')
						*c = (char)(*c - 'A' + 'a');
				r->keywords[r->nkeywords++] = kw;
			}
		} else if (!strcmp(ks, "allow-rules")) {
			rc = parse_allow_list(l, v, &r->allow, &r->nallow, &capallow);
		}
		if (rc)
			return rc;
	}
	if (!r->id || !*r->id)
		return ld_fail(l, n, "rule without id");
	if (!r->regex_src && !r->path_src)
		return ld_fail(l, n, "rule %s: needs regex or path", r->id);
	if (!r->title && !(r->title = strdup(r->id)))
		return ld_fail(l, n, "out of memory");
	if (!r->category && !(r->category = strdup("general")))
		return ld_fail(l, n, "out of memory");
	if (r->severity == LC_SEV_UNKNOWN)
		r->severity = LC_SEV_MEDIUM;
	if (!r->window)
		r->window = SR_DEFAULT_WINDOW;
	if (!r->window_before)
		r->window_before = r->window;
	r->generic = !strncmp(r->id, "generic", 7) || !strcasecmp(r->category, "generic");
	return 0;
}

int lc__sr_rules_put(lc_secret_rules *rs, sr_rule *r)
{
	for (size_t i = 0; i < rs->n; i++) {
		if (!strcmp(rs->v[i].id, r->id)) {
			lc__sr_rule_clear(&rs->v[i]);
			rs->v[i] = *r;
			return 0;
		}
	}
	if (rs->n >= SR_MAX_RULES)
		return -1;
	if (rs->n == rs->cap) {
		size_t nc = rs->cap ? rs->cap * 2 : 256;
		sr_rule *nv = realloc(rs->v, nc * sizeof(*nv));
		if (!nv)
			return -1;
		rs->v = nv;
		rs->cap = nc;
	}
	rs->v[rs->n++] = *r;
	return 0;
}

static int id_list(ld *l, yaml_node_t *n, const char *key, char ***out, size_t *nout)
{
	if (!n || n->type != YAML_SEQUENCE_NODE)
		return ld_fail(l, n, "%s: expected a list of rule ids", key);
	size_t cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	if (cnt > SR_MAX_RULES)
		return ld_fail(l, n, "%s: too many entries", key);
	char **v = calloc(cnt + 1, sizeof(char *));
	if (!v)
		return ld_fail(l, n, "out of memory");
	*out = v;
	*nout = 0;
	for (size_t i = 0; i < cnt; i++) {
		if (dup_scalar(l, node(l, n->data.sequence.items.start[i]), key, &v[i]) != 0)
			return -1;
		(*nout)++;
	}
	return 0;
}

static void free_list(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

static bool in_list(char **v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i], s))
			return true;
	return false;
}

/* libyaml's time grows with the square of the nesting depth: a rule file nests three or
 * four levels, so refuse deep flow nesting and deep indentation before parsing. */
#define SR_MAX_FLOW_DEPTH 64
#define SR_MAX_INDENT 512

static int nesting_ok(const char *buf, size_t len)
{
	int depth = 0;
	size_t col = 0;
	char quote = 0;
	bool indent = true;
	for (size_t i = 0; i < len; i++) {
		char c = buf[i];
		if (c == '\n') {
			col = 0;
			indent = true;
			quote = 0; /* a scalar rarely spans lines in a rule file; stay conservative */
			continue;
		}
		if (indent && (c == ' ' || c == '\t')) {
			if (++col > SR_MAX_INDENT)
				return 0;
			continue;
		}
		indent = false;
		if (quote) {
			if (c == quote)
				quote = 0;
			continue;
		}
		if (c == '"' || c == '\'')
			quote = c;
		else if (c == '#')
			while (i + 1 < len && buf[i + 1] != '\n')
				i++;
		else if ((c == '[' || c == '{') && ++depth > SR_MAX_FLOW_DEPTH)
			return 0;
		else if ((c == ']' || c == '}') && depth > 0)
			depth--;
	}
	return 1;
}

lc_code lc__secret_rules_apply_yaml(lc_secret_rules *rs, const char *buf, size_t len,
				    const char *what, char *err, size_t errlen)
{
	lc_code rc = LC_OK;
	yaml_parser_t parser;
	yaml_document_t doc;
	bool have_parser = false, have_doc = false;
	char **disable = NULL, **enable = NULL, **dis_allow = NULL;
	size_t ndisable = 0, nenable = 0, ndis_allow = 0;
	bool saw_enable = false;
	ld l = {&doc, err, errlen, what ? what : "secret config", 0};
	yaml_node_t *root;
	if (err && errlen)
		err[0] = 0;
	if (!rs || !buf || rs->finished) {
		rc = LC_EINTERNAL;
		goto out;
	}
	if (len > SR_MAX_FILE) {
		ld_fail(&l, NULL, "larger than %u bytes", SR_MAX_FILE);
		rc = LC_EUSAGE;
		goto out;
	}
	if (!nesting_ok(buf, len)) {
		ld_fail(&l, NULL, "nested deeper than %d levels or indented more than %d columns",
			SR_MAX_FLOW_DEPTH, SR_MAX_INDENT);
		rc = LC_EUSAGE;
		goto out;
	}
	if (!yaml_parser_initialize(&parser)) {
		rc = LC_EINTERNAL;
		goto out;
	}
	have_parser = true;
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	if (!yaml_parser_load(&parser, &doc)) {
		ld_fail(&l, NULL, "YAML error at line %zu: %s", (size_t)parser.problem_mark.line + 1,
			parser.problem ? parser.problem : "unknown");
		rc = LC_EUSAGE;
		goto out;
	}
	have_doc = true;
	root = yaml_document_get_root_node(&doc);
	if (!root) /* an empty file changes nothing */
		goto out;
	if (root->type != YAML_MAPPING_NODE) {
		ld_fail(&l, root, "expected a mapping at the top");
		rc = LC_EUSAGE;
		goto out;
	}
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = node(&l, p->key), *v = node(&l, p->value);
		const char *ks = scalar(k);
		int r = 0;
		if (!ks || !v) {
			ld_fail(&l, root, "bad top-level key");
			rc = LC_EUSAGE;
			goto out;
		}
		if (!strcmp(ks, "rules")) {
			if (v->type != YAML_SEQUENCE_NODE) {
				ld_fail(&l, v, "rules: expected a list");
				rc = LC_EUSAGE;
				goto out;
			}
			for (yaml_node_item_t *it = v->data.sequence.items.start;
			     it < v->data.sequence.items.top; it++) {
				sr_rule rule;
				if (parse_rule(&l, node(&l, *it), &rule) != 0) {
					lc__sr_rule_clear(&rule);
					rc = LC_EUSAGE;
					goto out;
				}
				rule.builtin = false;
				if (lc__sr_rules_put(rs, &rule) != 0) {
					lc__sr_rule_clear(&rule);
					ld_fail(&l, v, "too many rules (limit %u)", SR_MAX_RULES);
					rc = LC_EUSAGE;
					goto out;
				}
			}
		} else if (!strcmp(ks, "disable-rules")) {
			free_list(disable, ndisable);
			disable = NULL;
			r = id_list(&l, v, ks, &disable, &ndisable);
		} else if (!strcmp(ks, "enable-builtin-rules")) {
			free_list(enable, nenable);
			enable = NULL;
			saw_enable = true;
			r = id_list(&l, v, ks, &enable, &nenable);
		} else if (!strcmp(ks, "disable-allow-rules")) {
			free_list(dis_allow, ndis_allow);
			dis_allow = NULL;
			r = id_list(&l, v, ks, &dis_allow, &ndis_allow);
		} else if (!strcmp(ks, "allow-rules") || !strcmp(ks, "custom-allow-rules")) {
			r = parse_allow_list(&l, v, &rs->gallow, &rs->ngallow, &rs->capgallow);
		}
		if (r) {
			rc = LC_EUSAGE;
			goto out;
		}
	}
	/* enable-builtin-rules keeps only the listed built-ins; the user's own rules stay */
	for (size_t i = 0; i < rs->n; i++) {
		if (saw_enable && rs->v[i].builtin && !in_list(enable, nenable, rs->v[i].id))
			rs->v[i].disabled = true;
		if (in_list(disable, ndisable, rs->v[i].id))
			rs->v[i].disabled = true;
	}
	for (size_t i = 0; i < ndis_allow; i++) {
		char **nv = realloc(rs->disabled_allow, (rs->ndisabled_allow + 1) * sizeof(char *));
		if (!nv) {
			rc = LC_EINTERNAL;
			goto out;
		}
		rs->disabled_allow = nv;
		rs->disabled_allow[rs->ndisabled_allow++] = dis_allow[i];
		dis_allow[i] = NULL;
	}
out:
	free_list(disable, ndisable);
	free_list(enable, nenable);
	free_list(dis_allow, ndis_allow);
	if (have_doc)
		yaml_document_delete(&doc);
	if (have_parser)
		yaml_parser_delete(&parser);
	return rc;
}

lc_code lc__secret_rules_builtin(lc_secret_rules **out, char *err, size_t errlen)
{
	lc_code rc = LC_OK;
	size_t len = 0;
	const uint8_t *data = lc__data_get("secrets/rules.yaml", &len);
	lc_secret_rules *rs = calloc(1, sizeof(*rs));
	*out = NULL;
	if (!rs)
		return LC_EINTERNAL;
	rs->enable_builtin = true;
	if (!data) {
		snprintf(err, errlen, "built-in secret rules are not embedded");
		rc = LC_EINTERNAL;
		goto out;
	}
	rc = lc__secret_rules_apply_yaml(rs, (const char *)data, len, "secrets/rules.yaml", err,
					 errlen);
	if (rc)
		goto out;
	for (size_t i = 0; i < rs->n; i++)
		rs->v[i].builtin = true;
	*out = rs;
	rs = NULL;
out:
	lc__secret_rules_free(rs);
	return rc;
}
