/* What a database needs: the recorded state against a scope's migrations at
 * the commit (pure). */
#ifndef PGFLEET_PLAN_H
#define PGFLEET_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pgfleet/migration.h"

/* A row of pgfleet.applied_migrations. */
typedef struct pgf_applied {
	char *version;
	char *name;
	char *sha256;
	char *status;          /* "applied", "partial" (no-transaction file stopped half way), "baselined" */
	int statements_done;   /* partial rows: statements that took effect */
	char *applied_at;
	int64_t ledger_entry;  /* the ledger entry that announced it, -1: none */
} pgf_applied;

typedef struct pgf_applied_list {
	pgf_applied *items;
	size_t count;
	size_t cap;
	int schema_version;    /* pgfleet's schema in the database when read (0: absent) */
} pgf_applied_list;

void pgf_applied_list_add(pgf_applied_list *l, const char *version, const char *name, const char *sha256,
                          const char *status, int statements_done, const char *applied_at);
void pgf_applied_list_free(pgf_applied_list *l);
/* The highest version that took effect completely (not partial), at most
 * at_most when that is not NULL; NULL when there is none. Borrowed. */
const char *pgf_applied_highest(const pgf_applied_list *l, const char *at_most);

typedef enum pgf_issue_kind {
	PGF_ISSUE_MISMATCH,     /* recorded sha256 differs from the file at the commit */
	PGF_ISSUE_UNKNOWN,      /* recorded version absent from the commit */
	PGF_ISSUE_OUT_OF_ORDER  /* pending version below the highest applied */
} pgf_issue_kind;

typedef struct pgf_plan_issue {
	pgf_issue_kind kind;
	const char *version;    /* borrowed from the set or the applied list */
	const char *file;       /* NULL for unknown versions */
	const char *recorded;   /* recorded sha256 (mismatch) or name (unknown) */
} pgf_plan_issue;

typedef struct pgf_plan_step {
	size_t index;           /* into set->items */
	int resume_at;          /* 0, or the first statement to run of a partial file */
} pgf_plan_step;

typedef struct pgf_plan {
	pgf_plan_step *pending; /* in apply order */
	size_t npending;
	size_t applied;         /* recorded and matching */
	pgf_plan_issue *issues;
	size_t nissues;
	const char *current;    /* highest applied version, NULL when none */
	bool refused;           /* an issue that is not allowed */
} pgf_plan;

typedef struct pgf_plan_opts {
	bool allow_unknown;
	bool allow_out_of_order;
} pgf_plan_opts;

void pgf_plan_compute(pgf_plan *out, const pgf_migration_set *set, const pgf_applied_list *applied,
                      const pgf_plan_opts *opts);
/* One line describing an issue. Caller frees. */
char *pgf_plan_issue_describe(const pgf_plan_issue *issue, const char *folder);
void pgf_plan_free(pgf_plan *plan);

#endif
