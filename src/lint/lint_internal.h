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
} pgf_lint_stmt;

typedef struct pgf_raw_finding {
	int rule;          /* enum pgf_rule_index */
	size_t offset;
	size_t stmt;       /* index into the statements, or SIZE_MAX */
	char *message;
} pgf_raw_finding;

typedef struct pgf_name_list {
	char **items;      /* "schema.name" or "name" */
	size_t count, cap;
} pgf_name_list;

typedef struct pgf_lint_run {
	const pgf_lint_opts *opts;
	pgf_srcmap map;
	pgf_lint_stmt *stmts;
	size_t nstmts;
	size_t cur;        /* the statement being checked */
	pgf_name_list tables;   /* created by this file so far */
	pgf_name_list indexes;
	pgf_raw_finding *raw;
	size_t nraw, rawcap;
} pgf_lint_run;

void pgf_lint_report(pgf_lint_run *run, int rule, size_t offset, const char *fmt, ...) PGF_PRINTF(4, 5);
/* Runs the statement rules on one parsed statement node. */
void pgf_lint_check_stmt(pgf_lint_run *run, const PgQuery__Node *stmt);
void pgf_name_list_free(pgf_name_list *l);

#endif
