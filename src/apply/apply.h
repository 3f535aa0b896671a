/* What pgfleet does inside one database: its lock, its schema, its state,
 * and applying or undoing one migration. Internal to the engine. */
#ifndef PGFLEET_APPLY_H
#define PGFLEET_APPLY_H

#include <stdint.h>

#include "pgfleet/drift.h"
#include "pgfleet/error.h"
#include "pgfleet/migration.h"
#include "pgfleet/pg.h"
#include "pgfleet/plan.h"
#include "pgfleet/policy.h"
#include "pgfleet/sql.h"

/* 2: applied_migrations.schema_fingerprint and pgfleet.schema_snapshot;
 * 3: pgfleet.schema_objects() cheaper to plan (the same lines) */
#define PGF_SCHEMA_VERSION 4

/* A migration file's text and, for no-transaction files, its statements. */
typedef struct pgf_content {
	char *text;
	size_t len;
	pgf_statement *stmts;
	size_t nstmts;
} pgf_content;

/* A scope's state read with the lock, in the same round trip; with
 * drift_set, also the schema against its recording (pgf_drift_read without
 * objects) when a version of drift_set is not applied yet. */
typedef struct pgf_apply_prefetch {
	const char *scope;       /* the scope read (NULL: none) */
	const pgf_migration_set *drift_set; /* the caller's: the scope's versions */
	pgf_applied_list state;
	bool exists;
	pgf_drift_state drift;   /* the check (fingerprint NULL: not run, or failed) */
} pgf_apply_prefetch;

/* Takes pgfleet's session advisory lock, waiting up to wait_ms.
 * Returns 0, 1 when another session holds it (busy), -1 on error. With pf
 * (pf->scope set by the caller), also reads that scope's state, in the same
 * round trip when wait_ms > 0; on return pf->scope is NULL when it was not. */
int pgf_apply_lock(pgf_pg *c, int64_t wait_ms, pgf_apply_prefetch *pf, pgf_error **err);
/* A scope's state: pf's when it holds that scope's (handed over), else
 * pgf_apply_read_state. */
int pgf_apply_state(pgf_pg *c, pgf_apply_prefetch *pf, const char *scope, pgf_applied_list *out, bool *exists,
                    pgf_error **err);
/* Hands over pf's drift check when it holds one for scope: true and *out
 * filled (the caller frees), else false. */
bool pgf_apply_take_drift(pgf_apply_prefetch *pf, const char *scope, pgf_drift_state *out);
void pgf_apply_prefetch_free(pgf_apply_prefetch *pf);
/* Creates schema pgfleet and its tables if absent, or upgrades them to
 * PGF_SCHEMA_VERSION (idempotent). */
int pgf_apply_ensure_schema(pgf_pg *c, pgf_error **err);
/* Reads a scope's rows. *exists is false when pgfleet's schema is absent
 * (then the list is empty and nothing was created); out->schema_version
 * below PGF_SCHEMA_VERSION needs pgf_apply_ensure_schema before writing. */
int pgf_apply_read_state(pgf_pg *c, const char *scope, pgf_applied_list *out, bool *exists, pgf_error **err);
/* status: when the last action was a failure, a one-line description. */
int pgf_apply_last_failure(pgf_pg *c, const char *scope, char **out, pgf_error **err);

typedef struct pgf_apply_ctx {
	pgf_pg *conn;
	const pgf_policy *policy;
	const char *scope;
	const char *folder;
	const char *commit;
	int64_t ledger_entry;   /* -1: none */
	bool fingerprint;       /* record the schema fingerprint with this version:
	                           the engine sets it on the last of a run's versions */
} pgf_apply_ctx;

/* Applies one migration (in a transaction with its row, or statement by
 * statement from resume_at for no-transaction files). */
int pgf_apply_up(const pgf_apply_ctx *a, const pgf_migration *m, const pgf_content *content, int resume_at,
                 pgf_error **err);
/* Runs one migration's down file and deletes its row. */
int pgf_apply_down(const pgf_apply_ctx *a, const pgf_migration *m, const pgf_content *content, pgf_error **err);
/* Records the schema as it is now after (scope, version), in a transaction
 * of its own: after a failure stopped a run before the version that would
 * have recorded it. action as for pgf_drift_record_sql. */
int pgf_apply_record_fingerprint(const pgf_apply_ctx *a, const char *version, const char *action, pgf_error **err);
/* Records versions as applied without running them (adoption), with one
 * fingerprint of the schema as it is, recorded with the last of them. */
int pgf_apply_baseline(const pgf_apply_ctx *a, const pgf_migration *const *ms, size_t n, pgf_error **err);

#endif
