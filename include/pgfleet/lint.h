/* `pgfleet lint`: SQL safety rules over migration files, read with the real
 * PostgreSQL parser (libpg_query; src/lint is its only user).
 *
 * The rule table (src/lint/rules.c) is pure and also read by the policy
 * module, which checks rule ids in a policy file. */
#ifndef PGFLEET_LINT_H
#define PGFLEET_LINT_H

#include <stdbool.h>
#include <stddef.h>

#include "pgfleet/error.h"

typedef enum pgf_lint_severity {
	PGF_LINT_OFF = 0,
	PGF_LINT_WARNING = 1,
	PGF_LINT_ERROR = 2
} pgf_lint_severity;

#define PGF_LINT_MAX_RULES 64

typedef struct pgf_lint_rule {
	const char *id;                 /* kebab-case, stable: policies and waivers name it */
	pgf_lint_severity severity;     /* the default */
	bool fixed;                     /* syntax and directive errors: not configurable, not waivable */
	const char *summary;            /* what it finds */
	const char *why;                /* one line: what goes wrong in production */
	const char *instead;            /* the safe alternative */
} pgf_lint_rule;

/* The rule table, in a stable order; *n is set. */
const pgf_lint_rule *pgf_lint_rules(size_t *n);
/* A rule by id, or NULL; *index (when not NULL) is its position in the table. */
const pgf_lint_rule *pgf_lint_rule_find(const char *id, size_t *index);
/* The rule id closest to a misspelt one, or NULL (for "did you mean"). */
const char *pgf_lint_rule_suggest(const char *id);
/* "off", "warning", "error" -> severity; -1 when none of them. */
int pgf_lint_severity_parse(const char *s);
const char *pgf_lint_severity_name(pgf_lint_severity s);

typedef struct pgf_lint_finding {
	const pgf_lint_rule *rule;
	size_t line;                    /* 1-based */
	size_t column;                  /* 1-based, in characters */
	pgf_lint_severity severity;     /* after the policy */
	char *message;
	bool waived;                    /* by an approved `-- pgfleet:allow` */
	char *waiver_reason;            /* the waiver's reason, when one names this finding */
	char *note;                     /* why a waiver did not count, or NULL */
} pgf_lint_finding;

typedef struct pgf_lint_findings {
	pgf_lint_finding *items;        /* in file order */
	size_t count;
	size_t cap;
} pgf_lint_findings;

void pgf_lint_findings_free(pgf_lint_findings *f);

/* What earlier files of a scope established, carried to later ones in
 * version order (today: NOT VALID constraints and validated
 * CHECK (col IS NOT NULL) constraints, per table). */
typedef struct pgf_lint_facts pgf_lint_facts;

pgf_lint_facts *pgf_lint_facts_new(void);
void pgf_lint_facts_free(pgf_lint_facts *facts);

typedef struct pgf_lint_opts {
	bool transactional;             /* the file runs in one transaction (no pgfleet:no-transaction) */
	/* per rule (indexed as pgf_lint_rules): -1 = the rule's default,
	 * else a pgf_lint_severity; NULL = every default */
	const signed char *severity;
	/* waivers count only when the file meets the approval policy; when they
	 * do not, waiver_note says why (e.g. "waiver needs 2 approvals") */
	bool waivers_count;
	const char *waiver_note;
	/* facts from the files linted before this one with the same facts, which
	 * this file's statements update; NULL: this file alone */
	pgf_lint_facts *facts;
} pgf_lint_opts;

/* Lints one file's text (len bytes; a NUL inside is a syntax error).
 * Findings are appended to out, sorted by position. Rule findings are never
 * errors: -1 only for an internal failure. */
int pgf_lint_text(pgf_lint_findings *out, const char *text, size_t len, const pgf_lint_opts *opts,
                  pgf_error **err);

/* pgf_lint_text in two steps, for linting files on several threads: the
 * parse (thread-safe; text must stay valid and NUL-terminated at len until
 * the parse is freed), then the rules, in the files' order (they share
 * opts->facts). pgf_lint_check does not free the parse. (libpg_query frees
 * a thread's parser memory when the thread exits.) */
typedef struct pgf_lint_parsed pgf_lint_parsed;

pgf_lint_parsed *pgf_lint_parse(const char *text, size_t len);
int pgf_lint_check(pgf_lint_parsed *p, pgf_lint_findings *out, const pgf_lint_opts *opts, pgf_error **err);
void pgf_lint_parsed_free(pgf_lint_parsed *p);

/* Whether any finding fails the gate (unwaived, error severity). */
bool pgf_lint_findings_fail(const pgf_lint_findings *f);

#endif
