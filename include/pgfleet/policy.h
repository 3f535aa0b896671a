/* The policy file (--policy): what a run requires and allows, and its
 * timeouts. It comes from the reconciler's configuration, never from the
 * commit under verification. */
#ifndef PGFLEET_POLICY_H
#define PGFLEET_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "pgfleet/error.h"
#include "pgfleet/lint.h"

#define PGF_POLICY_MAX_SCOPES 64

typedef struct pgf_policy_scope {
	char name[64];
	int min_approvals;          /* -1: the global value */
	char approval_baseline[33]; /* "": the global value */
	signed char lint[PGF_LINT_MAX_RULES]; /* per rule: -1 the global value, else a pgf_lint_severity */
} pgf_policy_scope;

typedef struct pgf_policy {
	bool loaded;                /* from a file, not the defaults */
	bool require_signed_commit;
	int min_approvals;
	char approval_baseline[33]; /* versions up to this one need no approvals ("": none) */
	pgf_policy_scope scopes[PGF_POLICY_MAX_SCOPES];
	size_t nscopes;
	bool allow_out_of_order;
	signed char lint[PGF_LINT_MAX_RULES]; /* per rule: -1 the rule's default, else a pgf_lint_severity */
	bool refuse_on_drift;           /* "on_drift": "refuse" (default "warn": record and apply) */
	int64_t lock_timeout_ms;        /* per statement of a migration; 0 = none */
	int64_t statement_timeout_ms;   /* per statement of a migration; 0 = none */
	int64_t advisory_lock_wait_ms;  /* how long to wait for another reconciler */
	int64_t connect_timeout_ms;
} pgf_policy;

/* The defaults used without --policy. */
void pgf_policy_defaults(pgf_policy *p);
/* Reads a policy file; errors name the file (and line:column for JSON). */
int pgf_policy_load(pgf_policy *p, const char *path, pgf_error **err);
/* The approvals a scope's migration of this version needs. */
int pgf_policy_approvals_needed(const pgf_policy *p, const char *scope, const char *version);

/* The lint severities for a scope (NULL: the global ones): per rule, -1
 * for the rule's default, else a pgf_lint_severity. */
void pgf_policy_lint_severities(const pgf_policy *p, const char *scope, signed char out[PGF_LINT_MAX_RULES]);

/* "250ms", "5s", "15min", "2h", "1d", or "0": milliseconds; -1 if invalid. */
int64_t pgf_duration_parse(const char *s);

#endif
