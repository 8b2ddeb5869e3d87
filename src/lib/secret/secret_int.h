/*
 * secret_int.h - the secret engine's own structures, shared by rules_load.c (YAML) and
 * engine.c (compile, confirm).
 */
#ifndef LC_SECRET_INT_H
#define LC_SECRET_INT_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <stdatomic.h>
#include <pcre2.h>

/* Ceilings on what a rule file may ask for. */
#define SR_MAX_RULES 10000u
#define SR_MAX_KEYWORDS 64u
#define SR_MAX_ALLOW 256u
#define SR_MAX_STR (64u * 1024u)
#define SR_MAX_FILE (8u << 20)
#define SR_DEFAULT_WINDOW 512u
#define SR_MAX_WINDOW (32u * 1024u)

typedef struct sr_allow {
	char *id, *description;
	char *regex_src, *path_src;
	pcre2_code *regex, *path;
} sr_allow;

typedef struct sr_rule {
	char *id, *category, *title;
	lc_severity severity;
	char *regex_src;
	char *group_name;
	char **keywords; /* lower case, NULL-terminated */
	size_t nkeywords;
	char *path_src;
	char *prefilter;
	double entropy;
	bool binary;
	bool no_placeholder;
	size_t ident_prefix; /* the match extends back over this many identifier chars */
	bool generic;  /* describes no single provider: yields to a specific rule */
	bool disabled;
	bool builtin;
	size_t window;        /* bytes after the trigger a match may need */
	size_t window_before; /* bytes before the trigger's end (0: same as window) */
	sr_allow *allow;
	size_t nallow;
	/* compiled */
	pcre2_code *re, *path_re;
	atomic_bool jitted; /* re is JIT-compiled on first use (engine.c rule_re) */
	uint32_t group; /* capture number of the secret, 0 = whole match */
} sr_rule;

struct lc_secret_rules {
	sr_rule *v;
	size_t n, cap;
	sr_allow *gallow; /* global allow rules (custom-allow-rules / allow-rules at top level) */
	size_t ngallow, capgallow;
	char **disabled_allow; /* ids of built-in allow checks turned off */
	size_t ndisabled_allow;
	bool enable_builtin; /* false after enable-builtin-rules names a subset */
	bool finished;
	uint32_t max_groups;
	pcre2_code *lowconf_path; /* documentation, tests, examples */
};

struct lc_secret_scratch {
	pcre2_match_data *md;
	pcre2_match_context *mctx;
	pcre2_jit_stack *jit;
	uint8_t *lower; /* lower-cased copy for keyword checks */
	size_t lower_cap;
};

void lc__sr_rule_clear(sr_rule *r);
void lc__sr_allow_clear(sr_allow *a);
/* Add or replace (same id) a rule; takes ownership of r's fields. */
int lc__sr_rules_put(lc_secret_rules *rs, sr_rule *r);

#endif
