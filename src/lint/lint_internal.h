/* The linter's internals, shared by its files (src/lint only). */
#ifndef PGFLEET_LINT_INTERNAL_H
#define PGFLEET_LINT_INTERNAL_H

#include <pg_query/pg_query.pb-c.h>

#include "pgfleet/lint.h"
#include "rules.h"
#include "source_map.h"

typedef struct pgf_lint_stmt {
	size_t start;      /* first token's byte offset */
	size_t end;        /* end of its last token */
	size_t semicolon;  /* end of its terminating ';', or end */
	size_t from, to;   /* the parser's extent: leading comments and blanks too */
	const PgQuery__Node *node; /* its tree, when a rule reads the statement */
	size_t base;       /* the byte offset the tree's locations count from */
} pgf_lint_stmt;

typedef struct pgf_raw_finding {
	int rule;          /* enum pgf_rule_index */
	size_t offset;
	size_t stmt;       /* index into the statements, or SIZE_MAX */
	char *message;
} pgf_raw_finding;

/* A relation's name as written: schema NULL when unqualified. Kept apart,
 * not joined with a dot: a quoted name may hold one. */
typedef struct pgf_lint_name {
	char *schema;
	char *name;
} pgf_lint_name;

typedef struct pgf_name_list {
	pgf_lint_name *items;
	size_t count, cap;
} pgf_name_list;

/* Whether two names may be the same relation: an unqualified name on either
 * side matches any schema. */
bool pgf_lint_name_match(const char *schema_a, const char *name_a, const char *schema_b, const char *name_b);

/* A constraint on a table, added NOT VALID or validated. */
typedef struct pgf_lint_fact {
	char *schema;      /* or NULL */
	char *table;
	char *conname;     /* or NULL (unnamed) */
	char *column;      /* a CHECK (column IS NOT NULL), or NULL */
	bool validated;
	unsigned file;     /* the facts' file number that added it */
} pgf_lint_fact;

struct pgf_lint_facts {
	pgf_lint_fact *items;
	size_t count, cap;
	unsigned files;    /* files linted so far: the current one's number */
};

typedef struct pgf_lint_run {
	const pgf_lint_opts *opts;
	pgf_srcmap map;
	pgf_lint_stmt *stmts;
	size_t nstmts;
	size_t cur;        /* the statement being checked */
	size_t base;       /* the byte offset its parse tree's locations count from */
	pgf_name_list tables;   /* created by this file so far */
	pgf_name_list indexes;
	pgf_lint_facts *facts;  /* opts->facts, or this file's own */
	pgf_raw_finding *raw;
	size_t nraw, rawcap;
} pgf_lint_run;

void pgf_lint_report(pgf_lint_run *run, int rule, size_t offset, const char *fmt, ...) PGF_PRINTF(4, 5);
/* Runs the statement rules on one parsed statement node. */
void pgf_lint_check_stmt(pgf_lint_run *run, const PgQuery__Node *stmt);
/* Whether a rule reads statements of a node type (PgQuery__Node__NodeCase):
 * only those are read into a tree. */
bool pgf_lint_reads(int node_case);
void pgf_name_list_free(pgf_name_list *l);

/* facts.c */
void pgf_lint_facts_clear(pgf_lint_facts *facts);
/* The latest fact about a named constraint of a table, or NULL. */
pgf_lint_fact *pgf_lint_fact_find(pgf_lint_facts *facts, const char *schema, const char *table, const char *conname);
void pgf_lint_fact_add(pgf_lint_facts *facts, const char *schema, const char *table, const char *conname,
                       const char *column, bool validated);
void pgf_lint_fact_drop(pgf_lint_facts *facts, const char *schema, const char *table, const char *conname);
/* Whether a validated CHECK (column IS NOT NULL) on the table is known. */
bool pgf_lint_fact_not_null(const pgf_lint_facts *facts, const char *schema, const char *table, const char *column);

#endif
