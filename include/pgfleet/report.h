/* `pgfleet check`'s results and their output formats: GitHub workflow
 * commands and SARIF 2.1.0 (for code scanning). Pure: no git, no parser. */
#ifndef PGFLEET_REPORT_H
#define PGFLEET_REPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef enum pgf_report_level {
	PGF_LEVEL_ERROR,
	PGF_LEVEL_WARNING,
	PGF_LEVEL_NOTE      /* a waived finding */
} pgf_report_level;

typedef struct pgf_report_rule {
	const char *id;
	pgf_report_level level;   /* the default */
	const char *summary;
	const char *help;         /* why, and what to do instead */
} pgf_report_rule;

typedef struct pgf_report_item {
	const char *rule;         /* borrowed: a rule id */
	pgf_report_level level;
	char *path;               /* relative to the repository top; NULL: about the commit itself */
	size_t line, column;      /* 1-based; 0: the whole file */
	char *message;
	const char *why;          /* borrowed; NULL when none */
	const char *instead;
	char *waiver_reason;      /* a waived finding's reason */
} pgf_report_item;

typedef struct pgf_report {
	pgf_report_item *items;
	size_t count, cap;
	char **errors;            /* bad input that stopped part of the check */
	size_t nerrors, errcap;
} pgf_report;

/* Copies path, message and reason; rule, why and instead are borrowed. */
void pgf_report_add(pgf_report *r, const char *rule, pgf_report_level level, const char *path, size_t line,
                    size_t column, const char *message, const char *why, const char *instead, const char *reason);
void pgf_report_error(pgf_report *r, const char *message);
void pgf_report_free(pgf_report *r);
size_t pgf_report_count(const pgf_report *r, pgf_report_level level);

/* Every rule a report may name: verify's checks, then lint's rules. *n is set. */
const pgf_report_rule *pgf_report_rules(size_t *n);

/* ---- GitHub Actions workflow commands ---- */

/* Escapes for a command's message (% CR LF) and for a property value (also
 * : and ,). Caller frees. */
char *pgf_github_escape_data(const char *s);
char *pgf_github_escape_property(const char *s);
/* One line per item: "::error file=P,line=L,col=C,title=RULE::message";
 * ::warning for warnings, ::notice for waived findings, "::error::" for errors. */
void pgf_report_github(FILE *out, const pgf_report *r);

/* ---- SARIF 2.1.0 ---- */

/* A new reference: the whole log, one run. */
json_t *pgf_report_sarif(const pgf_report *r, const char *version, const char *information_uri);

#endif
