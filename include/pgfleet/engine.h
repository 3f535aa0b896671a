/* The engine: plan, reconcile, status, rollback and adopt across master and
 * every tenant, --jobs at a time, each target isolated from the others. */
#ifndef PGFLEET_ENGINE_H
#define PGFLEET_ENGINE_H

#include <stdbool.h>
#include <stddef.h>

#include "pgfleet/config.h"
#include "pgfleet/error.h"
#include "pgfleet/events.h"
#include "pgfleet/migration.h"
#include "pgfleet/policy.h"
#include "pgfleet/shard.h"
#include "pgfleet/source.h"

typedef enum pgf_mode {
	PGF_MODE_PLAN,
	PGF_MODE_RECONCILE,
	PGF_MODE_STATUS,
	PGF_MODE_ROLLBACK,
	PGF_MODE_ADOPT,
	PGF_MODE_DRIFT           /* read-only: schema fingerprints against the recorded ones and the peers' */
} pgf_mode;

/* Ordered from best to worst: a target's outcome is its worst scope's. */
typedef enum pgf_outcome {
	PGF_OUTCOME_UP_TO_DATE,
	PGF_OUTCOME_CHANGED,     /* applied, rolled back, baselined; plan/status: pending */
	PGF_OUTCOME_SKIPPED,     /* not a PostgreSQL tenant, or deleted */
	PGF_OUTCOME_BUSY,        /* another reconciler held the lock past the wait */
	PGF_OUTCOME_REFUSED,     /* checksum mismatch, unknown or out-of-order version, missing down file */
	PGF_OUTCOME_FAILED,      /* a migration failed, or the database was unreachable */
	PGF_OUTCOME_HELD,        /* not started: the rollout held it (a canary, master or, with on_error stop,
	                            an earlier target did not converge); last so the ledger's counts keep
	                            their order */
} pgf_outcome;

#define PGF_OUTCOME_COUNT (PGF_OUTCOME_HELD + 1)

const char *pgf_outcome_name(pgf_outcome o);

typedef struct pgf_scope_report {
	const char *scope;       /* borrowed from the config */
	pgf_outcome outcome;
	char *before;            /* highest applied version before (NULL: none) */
	char *after;             /* after the run */
	size_t done;             /* versions applied / rolled back / baselined */
	size_t pending;          /* still pending after the run */
	char *files;             /* plan: the pending files; rollback: the versions undone */
	char *last_applied_at;   /* status */
	char *last_failure;      /* status: the last failure recorded, if after the last success */
	pgf_error *err;          /* why it failed or was refused */
} pgf_scope_report;

typedef struct pgf_target_report {
	char *name;              /* "master" or the tenant slug */
	bool master;
	char *where;             /* redacted: host=... port=... dbname=... */
	pgf_outcome outcome;
	char *skip_reason;       /* skipped or held: why */
	bool canary;             /* in the rollout's canary group */
	pgf_scope_report *scopes;
	size_t nscopes;
	double seconds;
	struct pgf_drift_report *drift; /* PGF_MODE_DRIFT (drift.h); NULL otherwise */
} pgf_target_report;

typedef void (*pgf_report_cb)(void *ctx, const pgf_target_report *r, size_t finished, size_t total);

typedef struct pgf_run_opts {
	pgf_mode mode;
	const char *command;
	int jobs;
	pgf_policy policy;
	bool allow_unknown;
	bool verified;                  /* the commit passed verify (pinned mode) */
	bool allow_rewind;              /* recorded in the ledger's run_started */
	bool explicit_scopes;           /* --scope given: adopt refuses non-drizzle scopes instead of skipping */
	const char *rollback_to;        /* rollback: the version to go back to ("0": all) */
	const char *const *tenants;     /* --tenant filter (NULL: every tenant) */
	size_t ntenants;
	pgf_shard shard;                /* --shard: only the tenants of this shard (count 0: all) */
	pgf_report_cb on_target;        /* called for each finished target, one at a time */
	void *report_ctx;
	pgf_event_sink sink;            /* the ledger's seam; emit may be NULL */
} pgf_run_opts;

typedef struct pgf_run_report {
	pgf_target_report *targets;
	size_t count;
	size_t by_outcome[PGF_OUTCOME_COUNT];
	double seconds;
} pgf_run_report;

/* Runs mode over the scopes. Returns -1 (with err) only when the run cannot
 * start: bad migrations (PGF_ERR_INPUT), master unreachable
 * (PGF_ERR_UNREACHABLE), no tenants table, an unknown --tenant, --shard
 * without tenant ids, an unknown rollout column. Per-target failures are in
 * the report.
 *
 * Mutating modes follow the policy's rollout: master, then the canaries
 * (those of this run: within --shard and --tenant), then the rest only if
 * master and every canary converged; with on_error stop, no target starts
 * after one did not converge. Targets not started are reported held. */
int pgf_run(pgf_run_report *out, pgf_source *src, const pgf_config *cfg, const pgf_scope *const *scopes,
            size_t nscopes, const char *master_conninfo, const pgf_run_opts *opts, pgf_error **err);
void pgf_run_report_free(pgf_run_report *r);

#endif
