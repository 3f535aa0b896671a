/* Schema drift: a fingerprint of each database's schema, recorded after
 * the last version each run applies to a database (or undoes, or adopts;
 * and after a failure, for the schema the failure left), and the objects that differ when a
 * database no longer matches it (or its peers).
 *
 * The fingerprint is computed by the server in one catalog query over the
 * managed schemas (every schema except pg_catalog, information_schema,
 * pg_toast*, pg_temp* and pgfleet): one line per object,
 *   kind TAB name TAB key value [TAB key value ...]
 * with whitespace inside values collapsed, nothing volatile (no OIDs,
 * owners, sequence values or statistics), sorted byte-wise. The
 * fingerprint is the SHA-256 (hex) of the lines joined by '\n'. Recording
 * is SQL spliced into the transaction that records a version, so it costs
 * no extra round trip and commits or rolls back with the version. */
#ifndef PGFLEET_DRIFT_H
#define PGFLEET_DRIFT_H

#include <stdbool.h>
#include <stddef.h>

#include "pgfleet/error.h"
#include "pgfleet/pg.h"

/* The DDL of pgfleet.schema_objects(), the query as a function (one line
 * per object, unsorted), part of pgfleet's schema. Caller frees. */
char *pgf_drift_schema_sql(void);

/* SQL that stores the current schema as pgfleet.schema_snapshot (one row:
 * the latest) and its fingerprint in the row of (scope, version) when it
 * exists. action: "apply", "rollback", "baseline", "partial" (a file run
 * statement by statement stopped part way). Every argument must be
 * from a checked alphabet (scope names, digit versions). Caller frees. */
char *pgf_drift_record_sql(const char *scope, const char *version, const char *action);

/* What one database has now and what pgfleet recorded last. */
typedef struct pgf_drift_state {
	char *fingerprint;       /* now */
	char *objects;           /* now: the sorted lines, '\n'-separated ("" when none) */
	char *recorded;          /* the last recorded fingerprint; NULL: no baseline */
	char *recorded_objects;
	char *recorded_scope;    /* what the recording followed */
	char *recorded_version;
	char *recorded_action;
	bool stale;              /* versions were applied after the recording (a run
	                            interrupted before its last version recorded the
	                            schema): a difference includes their effects */
} pgf_drift_state;

/* Reads the current schema and the last recording (absent in a database
 * that pgfleet never recorded a fingerprint in). objects false: the object
 * lists (objects, recorded_objects) are read only when the fingerprints
 * differ, NULL otherwise. */
int pgf_drift_read(pgf_pg *c, bool objects, pgf_drift_state *out, pgf_error **err);
void pgf_drift_state_free(pgf_drift_state *s);
/* The query of pgf_drift_read as a call of pgfleet.drift_check() (pgfleet's
 * schema version 3), returning its one row only when cond (SQL; NULL:
 * always) holds — when it does not, the server only parses a function
 * call — to run in a round trip with other statements. Caller frees. */
char *pgf_drift_read_sql(bool objects, const char *cond);
/* Fills out from that query's row (with_snapshot false: from the inline
 * query of a database without pgfleet's recording). */
int pgf_drift_state_from(const pgf_pg_result *r, bool with_snapshot, pgf_drift_state *out, pgf_error **err);
/* The errors of a database without the recording (no schema pgfleet, no
 * snapshot table or function): read it with the inline query instead. */
bool pgf_drift_error_is_layout(const pgf_error *e);

/* The differences from expected to actual (both sorted line lists as
 * above, '\n'-separated), one readable line per object, in object order:
 *   "column public.users.nickname added"
 *   "index public.users_email_idx dropped"
 *   "column public.users.age type changed: integer -> bigint"
 * An object with several changed keys gives one line, the changes joined
 * by "; ". Returns the count; *out (caller frees with pgf_drift_lines_free)
 * is NULL when there is none. */
size_t pgf_drift_diff(char ***out, const char *expected, const char *actual);
void pgf_drift_lines_free(char **lines, size_t n);
/* The first max of n lines joined by "; ", then "; and K more" when
 * and_more and lines were left out. Never NULL. Caller frees. */
char *pgf_drift_lines_join(char *const *lines, size_t n, size_t max, bool and_more);

/* What drift found for one database (engine.h's target report holds it). */
typedef struct pgf_drift_report {
	char *name;              /* the target ("master" or the tenant slug) */
	char *fingerprint;       /* NULL when the database could not be read */
	bool baseline;           /* a fingerprint was recorded */
	char *recorded_scope;
	char *recorded_version;
	bool stale;              /* see pgf_drift_state */
	char **changes;          /* against the recording */
	size_t nchanges;
	char *group;             /* "scope=version ..." the database is compared within */
	char *peer;              /* the majority member compared against (NULL: in the majority) */
	size_t peers, group_size; /* databases with the majority's fingerprint, and in the group */
	char **peer_changes;     /* from the peer's schema to this one */
	size_t npeer_changes;
} pgf_drift_report;

void pgf_drift_report_free(pgf_drift_report *r);
/* True when the database drifted from its recording or from its peers. */
bool pgf_drift_report_drifted(const pgf_drift_report *r);

/* The schemas seen in a run, one copy per distinct fingerprint (a healthy
 * fleet has few, so 10,000 tenants cost no more than one). Not thread-safe:
 * the caller serializes. */
typedef struct pgf_drift_store pgf_drift_store;

pgf_drift_store *pgf_drift_store_new(void);
void pgf_drift_store_add(pgf_drift_store *s, const char *fingerprint, const char *objects);
/* Borrowed; NULL when absent. */
const char *pgf_drift_store_get(const pgf_drift_store *s, const char *fingerprint);
void pgf_drift_store_free(pgf_drift_store *s);

/* Across databases: within each group (same scopes at the same versions),
 * the fingerprint most databases share is the reference (ties go to one
 * that matches its own recording); every database with another one that is
 * not already explained by its own recording gets peer, peers, group_size
 * and peer_changes against a member of the majority. NULL entries (failed
 * or skipped targets) are ignored. */
void pgf_drift_compare_peers(pgf_drift_report *const *reports, size_t n, const pgf_drift_store *s);

#endif
