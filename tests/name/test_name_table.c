/*
 * test_name_table.c - the lookalike judgement over a table of names (names.tsv): every
 * technique's positives must be found (recall >= 95%) and no negative may give a
 * finding at LOW or above (zero false alarms). Misses are listed as TAP comments.
 */
#include "lc_private.h"
#include "tap.h"

#include <stdio.h>
#include <string.h>

typedef struct seen {
	char rules[512];
	char imitates[512];
	char titles[2048];
	int alarms; /* verdicts at LOW or above */
} seen;

static lc_code collect(void *ud, const lc_nameref *r, const lc_name_verdict *v)
{
	seen *s = ud;
	(void)r;
	if (v->severity < LC_SEV_LOW)
		return LC_OK;
	s->alarms++;
	snprintf(s->rules + strlen(s->rules), sizeof(s->rules) - strlen(s->rules), "%s ",
		 v->rule_id);
	snprintf(s->imitates + strlen(s->imitates), sizeof(s->imitates) - strlen(s->imitates),
		 "%s ", v->imitates);
	snprintf(s->titles + strlen(s->titles), sizeof(s->titles) - strlen(s->titles), "%s | ",
		 v->title);
	return LC_OK;
}

int main(int argc, char **argv)
{
	FILE *f = argc > 1 ? fopen(argv[1], "r") : NULL;
	char line[1024];
	int pos = 0, found = 0, exact = 0, neg = 0, false_alarms = 0, bad = 0;

	TAP_OK(f != NULL, "open the table %s", argc > 1 ? argv[1] : "(none)");
	while (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (!line[0] || line[0] == '#')
			continue;
		char *name = strtok(line, "\t"), *want = strtok(NULL, "\t"),
		     *imit = strtok(NULL, "\t");
		seen s = {0};
		char err[256] = "";
		if (!name || !want) {
			bad++;
			continue;
		}
		if (lc__name_judge(NULL, name, collect, &s, err, sizeof(err)) != LC_OK) {
			printf("# unparsable: %s (%s)\n", name, err);
			bad++;
			continue;
		}
		if (strcmp(want, "-") == 0) {
			neg++;
			if (s.alarms) {
				false_alarms++;
				printf("# FALSE ALARM: %s -> %s\n", name, s.titles);
			}
			continue;
		}
		pos++;
		if (!s.alarms) {
			printf("# MISSED: %s (want %s %s)\n", name, want, imit ? imit : "");
			continue;
		}
		found++;
		char wr[128];
		snprintf(wr, sizeof(wr), "%s ", want);
		bool right = strstr(s.rules, wr) != NULL;
		if (imit) {
			char wi[300];
			snprintf(wi, sizeof(wi), "%s ", imit);
			right = right && strstr(s.imitates, wi) != NULL;
		}
		if (right)
			exact++;
		else
			printf("# other judgement: %s -> %s(want %s %s)\n", name, s.titles, want,
			       imit ? imit : "");
		printf("# %s -> %s\n", name, s.titles);
	}
	if (f)
		fclose(f);
	double recall = pos ? (double)found / pos : 0;
	printf("# positives %d, found %d (recall %.1f%%), exact technique and target %d; "
	       "negatives %d, false alarms %d\n",
	       pos, found, 100.0 * recall, exact, neg, false_alarms);
	TAP_OK(bad == 0, "every row parses (%d bad)", bad);
	TAP_OK(pos + neg >= 100, "at least 100 names (%d)", pos + neg);
	TAP_OK(recall >= 0.95, "recall %.1f%% >= 95%%", 100.0 * recall);
	TAP_OK(false_alarms == 0, "no false alarm (%d)", false_alarms);
	TAP_OK(pos && (double)exact / pos >= 0.90, "technique and target right for %d of %d",
	       exact, pos);
	return tap_done();
}
