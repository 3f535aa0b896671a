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
	signed char forbid_author_approval; /* -1: the global value, else 0 or 1 */
	signed char lint[PGF_LINT_MAX_RULES]; /* per rule: -1 the global value, else a pgf_lint_severity */
} pgf_policy_scope;

#define PGF_ROLLOUT_MAX_SLUGS 64

/* "rollout": a canary group reconciled first (after master); the rest only
 * when master and every canary converged. on_error "stop": after the first
 * target that does not converge, no new target starts. */
typedef struct pgf_rollout {
	char slugs[PGF_ROLLOUT_MAX_SLUGS][64]; /* canary slugs (nslugs > 0), or: */
	size_t nslugs;
	char column[64];                       /* canary when this column ... ("": none) */
	char value[256];                       /* ... has this value (as text) */
	bool stop_on_error;
} pgf_rollout;

typedef struct pgf_policy {
	bool loaded;                /* from a file, not the defaults */
	bool require_signed_commit;
	int min_approvals;
	char approval_baseline[33]; /* versions up to this one need no approvals ("": none) */
	bool forbid_author_approval; /* the author of the commit that added a file cannot approve it */
	pgf_policy_scope scopes[PGF_POLICY_MAX_SCOPES];
	size_t nscopes;
	bool allow_out_of_order;
	signed char lint[PGF_LINT_MAX_RULES]; /* per rule: -1 the rule's default, else a pgf_lint_severity */
	bool refuse_on_drift;           /* "on_drift": "refuse" (default "warn": record and apply) */
	bool drift_off;                 /* "on_drift": "off": reconcile and rollback neither check
	                                   nor record the schema fingerprint (adopt still does) */
	int64_t lock_timeout_ms;        /* per statement of a migration; 0 = none */
	int64_t statement_timeout_ms;   /* per statement of a migration; 0 = none */
	int64_t advisory_lock_wait_ms;  /* how long to wait for another reconciler */
	int64_t connect_timeout_ms;
	pgf_rollout rollout;
} pgf_policy;

/* The defaults used without --policy. */
void pgf_policy_defaults(pgf_policy *p);
/* Reads a policy file; errors name the file (and line:column for JSON). */
int pgf_policy_load(pgf_policy *p, const char *path, pgf_error **err);
/* The approvals a scope's migration of this version needs. */
int pgf_policy_approvals_needed(const pgf_policy *p, const char *scope, const char *version);
/* The scope's min_approvals, else the global one (scope NULL: the global). */
int pgf_policy_min_approvals(const pgf_policy *p, const char *scope);
/* "forbid_author_approval" for a scope (its own value, else the global one). */
bool pgf_policy_forbids_author_approval(const pgf_policy *p, const char *scope);

/* The lint severities for a scope (NULL: the global ones): per rule, -1
 * for the rule's default, else a pgf_lint_severity. */
void pgf_policy_lint_severities(const pgf_policy *p, const char *scope, signed char out[PGF_LINT_MAX_RULES]);
/* A canary group is defined. */
bool pgf_rollout_has_canaries(const pgf_rollout *r);
/* The tenant with this slug, and column value (NULL: none), is a canary. */
bool pgf_rollout_is_canary(const pgf_rollout *r, const char *slug, const char *column_value);

/* "250ms", "5s", "15min", "2h", "1d", or "0": milliseconds; -1 if invalid. */
int64_t pgf_duration_parse(const char *s);

#endif
