/* The engine: master first, then every tenant, --jobs at a time.
 *
 * Threads, each with one blocking libpq connection, take tenants from a
 * shared index: at most jobs + 1 connections (the master's stays open).
 * Everything a tenant allocates is freed when it finishes, except its small
 * report. Migration files are read from git once, on first use, under a
 * lock (libgit2 handles are not shared between threads otherwise). */
#include "pgfleet/engine.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../apply/apply.h"
#include "pgfleet/common.h"
#include "pgfleet/drift.h"
#include "pgfleet/log.h"
#include "pgfleet/pg.h"
#include "pgfleet/plan.h"
#include "pgfleet/registry.h"
#include "pgfleet/sql.h"

typedef struct set_cache {
	const pgf_scope *scope;
	pgf_migration_set *set;
	pgf_content *up;      /* [set->count], text NULL until loaded */
	pgf_content *down;
} set_cache;

typedef struct engine {
	pgf_source *src;
	pgf_pg *master;
	const pgf_run_opts *opts;
	const char *commit;
	set_cache *sets;
	size_t nsets;
	pthread_mutex_t cache_lock;
	pthread_mutex_t event_lock;
	pthread_mutex_t report_lock;
	pgf_run_report *report;
	size_t finished;
	/* tenants */
	pgf_tenant_list tenants;
	const pgf_tenant **queue;
	pgf_target_report **slots;
	size_t nqueue;
	size_t next;
	pgf_drift_store *schemas; /* drift: one copy of each distinct schema seen (under report_lock) */
	/* the rollout: workers take queue[next..limit); canaries come first */
	size_t ncanary;
	size_t limit;
	char *hold_reason;  /* set: targets not yet started are held, with this reason */
} engine;

const char *pgf_outcome_name(pgf_outcome o)
{
	static const char *const names[] = { "up to date", "changed", "skipped", "busy", "refused", "failed", "held" };
	return names[o];
}

static bool mutating(const engine *e)
{
	return e->opts->mode == PGF_MODE_RECONCILE || e->opts->mode == PGF_MODE_ROLLBACK ||
	       e->opts->mode == PGF_MODE_ADOPT;
}

/* ---- events ---- */

static int emit(engine *e, pgf_event *ev, int64_t *entry, pgf_error **err)
{
	if (entry != NULL)
		*entry = -1;
	if (e->opts->sink.emit == NULL)
		return 0;
	ev->command = e->opts->command;
	ev->commit = e->commit;
	ev->master = e->master;
	if (e->opts->sink.concurrent)
		return e->opts->sink.emit(e->opts->sink.ctx, ev, entry, err);
	pthread_mutex_lock(&e->event_lock);
	int rc = e->opts->sink.emit(e->opts->sink.ctx, ev, entry, err);
	pthread_mutex_unlock(&e->event_lock);
	return rc;
}

/* ---- migration contents ---- */

static int load_content(engine *e, set_cache *sc, size_t i, bool down, const pgf_content **out, pgf_error **err)
{
	const pgf_migration *m = &sc->set->items[i];
	pgf_content *c = down ? &sc->down[i] : &sc->up[i];
	int rc = 0;
	pthread_mutex_lock(&e->cache_lock);
	if (c->text == NULL) {
		pgf_entry entry = { .name = down ? m->down_file : m->file, .kind = PGF_ENTRY_FILE };
		memcpy(entry.id, down ? m->down_id : m->id, sizeof(entry.id));
		pgf_buf buf = PGF_BUF_INIT;
		char *label = pgf_asprintf("%s/%s", sc->scope->folder, entry.name);
		char sha[PGF_SHA256_HEX_LEN + 1];
		unsigned flags = down ? m->down_flags : m->flags;
		rc = pgf_source_read_entry(e->src, sc->scope->folder, &entry, SIZE_MAX, &buf, err);
		if (rc == 0) {
			pgf_sha256_hex(buf.ptr, buf.len, sha);
			if (strcmp(sha, down ? m->down_sha256 : m->sha256) != 0)
				rc = pgf_error_set(err, PGF_ERR_INTERNAL, "%s: changed while pgfleet was reading it", label);
		}
		if (rc == 0 && (flags & PGF_DIRECTIVE_NO_TRANSACTION))
			rc = pgf_sql_split(&c->stmts, &c->nstmts, buf.ptr, label, err);
		else if (rc == 0)
			rc = pgf_sql_check_no_transaction_control(buf.ptr, label, err);
		if (rc == 0) {
			c->len = buf.len;
			c->text = pgf_buf_detach(&buf);
		}
		pgf_buf_free(&buf);
		free(label);
	}
	pthread_mutex_unlock(&e->cache_lock);
	*out = c;
	return rc;
}

/* ---- one scope in one database ---- */

static char *version_or_null(const char *v)
{
	return v ? pgf_strdup(v) : NULL;
}

/* *slot becomes v when v is higher (the version in effect stays the highest
 * after an out-of-order apply). */
static void raise_version(char **slot, const char *v)
{
	if (*slot == NULL || pgf_version_cmp_str(v, *slot) > 0) {
		free(*slot);
		*slot = pgf_strdup(v);
	}
}

static int find_version(const pgf_migration_set *set, const char *version)
{
	for (size_t i = 0; i < set->count; i++)
		if (pgf_version_cmp_str(set->items[i].version, version) == 0)
			return (int)i;
	return -1;
}

static void refuse_with_issues(pgf_scope_report *sr, const pgf_plan *plan, const char *folder)
{
	sr->outcome = PGF_OUTCOME_REFUSED;
	for (size_t i = 0; i < plan->nissues; i++) {
		char *msg = pgf_plan_issue_describe(&plan->issues[i], folder);
		pgf_error_set(&sr->err, PGF_ERR_DB, "%s", msg);
		free(msg);
	}
}

/* Runs one version (up, or down for rollback) between its two events.
 * Returns 0 when it took effect; on failure the scope is marked failed. */
static int run_version(engine *e, set_cache *sc, size_t index, bool down, int resume_at, const char *target,
                       pgf_apply_ctx *actx, pgf_scope_report *sr)
{
	const pgf_migration *m = &sc->set->items[index];
	const pgf_content *content = NULL;
	pgf_event ev = { .kind = PGF_EVENT_VERSION_BEFORE, .target = target, .scope = sc->set->scope,
		         .action = down ? "rollback" : "apply", .version = m->version,
		         .file = down ? m->down_file : m->file, .sha256 = down ? m->down_sha256 : m->sha256 };
	double t0 = pgf_now();
	if (load_content(e, sc, index, down, &content, &sr->err) != 0 ||
	    emit(e, &ev, &actx->ledger_entry, &sr->err) != 0) {
		sr->outcome = PGF_OUTCOME_FAILED;
		return -1;
	}
	int rc = down ? pgf_apply_down(actx, m, content, &sr->err) : pgf_apply_up(actx, m, content, resume_at, &sr->err);
	ev.kind = rc == 0 ? PGF_EVENT_VERSION_APPLIED : PGF_EVENT_VERSION_FAILED;
	ev.error = sr->err;
	ev.seconds = pgf_now() - t0;
	ev.entry = actx->ledger_entry;
	emit(e, &ev, NULL, NULL);
	if (rc != 0)
		sr->outcome = PGF_OUTCOME_FAILED;
	return rc;
}

/* The recorded rows, for the ledger's crash recovery (under the lock). */
static int emit_state(engine *e, const char *target, const char *scope, const pgf_applied_list *state,
                      pgf_scope_report *sr)
{
	pgf_event ev = { .kind = PGF_EVENT_TARGET_STATE, .target = target, .scope = scope, .state = state };
	if (emit(e, &ev, NULL, &sr->err) != 0) {
		sr->outcome = PGF_OUTCOME_FAILED;
		return -1;
	}
	return 0;
}

/* A run stopped by a failure after it had applied (or undone) versions:
 * the schema they left, recorded with the last of them. Not recording it
 * costs the next run's drift check its judgement, not correctness. */
static void record_after_failure(const pgf_apply_ctx *actx, const char *target, const char *version,
                                 const char *action)
{
	pgf_error *err = NULL;
	if (pgf_apply_record_fingerprint(actx, version, action, &err) != 0) {
		pgf_log_warn("%s %s: recording the schema fingerprint after %s: %s", target, actx->scope, version,
		             err->message);
		pgf_error_free(err);
	}
}

/* pgfleet's schema is absent or older than this pgfleet writes. */
static bool outdated(bool exists, const pgf_applied_list *state)
{
	return !exists || state->schema_version < PGF_SCHEMA_VERSION;
}

/* Before applying: the schema against the fingerprint recorded last. A
 * difference is an event (the ledger's drift_found); the policy's on_drift
 * decides whether the scope is refused. Returns -1 when it is not applied. */
static int check_drift(engine *e, pgf_pg *conn, const char *target, const char *scope, pgf_drift_state *pre,
                       pgf_scope_report *sr)
{
	pgf_drift_state st;
	if (pre != NULL) {
		pgf_log_debug("%s %s: schema checked for drift in the lock's round trip", target, scope);
		st = *pre;
		memset(pre, 0, sizeof(*pre));
	} else if (pgf_drift_read(conn, false, &st, &sr->err) != 0) {
		sr->outcome = PGF_OUTCOME_FAILED;
		return -1;
	}
	int rc = 0;
	if (st.stale && st.recorded != NULL && strcmp(st.recorded, st.fingerprint) != 0)
		pgf_log_info("%s %s: the schema was last recorded after %s %s, and versions were applied since (an "
		             "interrupted run): not judged for drift; recorded again after this run", target, scope,
		             st.recorded_scope, st.recorded_version);
	else if (st.recorded != NULL && strcmp(st.recorded, st.fingerprint) != 0) {
		char **objects = NULL;
		size_t n = pgf_drift_diff(&objects, st.recorded_objects, st.objects);
		bool refuse = e->opts->policy.refuse_on_drift;
		pgf_event ev = { .kind = PGF_EVENT_DRIFT, .target = target, .scope = scope, .version = st.recorded_version,
			         .outcome = refuse ? "refuse" : "warn", .fingerprint_expected = st.recorded,
			         .fingerprint_actual = st.fingerprint, .objects = objects, .nobjects = n };
		char *list = pgf_drift_lines_join(objects, n, 10, true);
		if (emit(e, &ev, NULL, &sr->err) != 0) {
			sr->outcome = PGF_OUTCOME_FAILED;
			rc = -1;
		} else if (refuse) {
			sr->outcome = PGF_OUTCOME_REFUSED;
			pgf_error_set(&sr->err, PGF_ERR_DB, "schema drift since %s %s (%s): %zu objects differ; on_drift is refuse",
			              st.recorded_scope, st.recorded_version, st.recorded_action, n);
			pgf_error_detail(&sr->err, "%s", list);
			pgf_error_hint(&sr->err, "pgfleet drift names them; undo them, or make a migration of them");
			rc = -1;
		} else {
			pgf_log_warn("%s %s: schema drift since %s %s: %zu objects differ (on_drift warn: applying): %s", target,
			             scope, st.recorded_scope, st.recorded_version, n, list);
		}
		free(list);
		pgf_drift_lines_free(objects, n);
	}
	pgf_drift_state_free(&st);
	return rc;
}

/* drift_passed: the target's schema already passed the drift check in this
 * run (its recording is one per database, not per scope) */
static void scope_up(engine *e, pgf_pg *conn, pgf_apply_prefetch *pf, const char *target, set_cache *sc,
                     pgf_scope_report *sr, bool *drift_passed)
{
	pgf_applied_list state;
	bool exists = false;
	const pgf_migration_set *set = sc->set;
	bool apply = e->opts->mode == PGF_MODE_RECONCILE;
	/* the drift check that came with the lock, when it did */
	pgf_drift_state pre;
	bool have_pre = pgf_apply_take_drift(pf, set->scope, &pre);
	if (pgf_apply_state(conn, pf, set->scope, &state, &exists, &sr->err) != 0) {
		sr->outcome = PGF_OUTCOME_FAILED;
		if (have_pre)
			pgf_drift_state_free(&pre);
		return;
	}
	if (apply && outdated(exists, &state) && pgf_apply_ensure_schema(conn, &sr->err) != 0) {
		sr->outcome = PGF_OUTCOME_FAILED;
		goto free_state;
	}
	if (apply && emit_state(e, target, set->scope, &state, sr) != 0)
		goto free_state;
	if (e->opts->mode == PGF_MODE_STATUS && exists) {
		for (size_t i = 0; i < state.count; i++)
			if (sr->last_applied_at == NULL || strcmp(state.items[i].applied_at, sr->last_applied_at) > 0) {
				free(sr->last_applied_at);
				sr->last_applied_at = pgf_strdup(state.items[i].applied_at);
			}
		pgf_apply_last_failure(conn, set->scope, &sr->last_failure, NULL);
	}

	pgf_plan plan;
	pgf_plan_opts popts = { e->opts->allow_unknown, e->opts->policy.allow_out_of_order };
	pgf_plan_compute(&plan, set, &state, &popts);
	sr->before = version_or_null(plan.current);
	sr->after = version_or_null(plan.current);
	sr->pending = plan.npending;
	if (plan.refused) {
		refuse_with_issues(sr, &plan, set->folder);
		goto done;
	}
	/* Every pending file is read and checked (a file that would commit on
	 * its own, a statement the parser rejects) before anything runs. */
	for (size_t i = 0; i < plan.npending; i++) {
		const pgf_content *content = NULL;
		if (load_content(e, sc, plan.pending[i].index, false, &content, &sr->err) != 0)
			sr->outcome = PGF_OUTCOME_REFUSED;
	}
	if (sr->outcome == PGF_OUTCOME_REFUSED)
		goto done;
	if (!apply) {
		pgf_buf files = PGF_BUF_INIT;
		for (size_t i = 0; i < plan.npending; i++) {
			const pgf_migration *m = &set->items[plan.pending[i].index];
			pgf_buf_printf(&files, "%s%s", i ? " " : "", m->file);
			if (plan.pending[i].resume_at > 0)
				pgf_buf_printf(&files, "(resume at statement %d)", plan.pending[i].resume_at + 1);
		}
		sr->files = files.ptr ? pgf_buf_detach(&files) : NULL;
		sr->outcome = plan.npending ? PGF_OUTCOME_CHANGED : PGF_OUTCOME_UP_TO_DATE;
		goto done;
	}

	/* only a target with something to apply pays for the fingerprint */
	bool drift = !e->opts->policy.drift_off;
	if (drift && plan.npending > 0 && exists && !*drift_passed) {
		if (check_drift(e, conn, target, set->scope, have_pre ? &pre : NULL, sr) != 0)
			goto done;
		*drift_passed = true;
	}
	pgf_apply_ctx actx = { conn, &e->opts->policy, set->scope, set->folder, e->commit, -1, false };
	sr->outcome = PGF_OUTCOME_UP_TO_DATE;
	for (size_t i = 0; i < plan.npending; i++) {
		const pgf_plan_step *step = &plan.pending[i];
		const pgf_migration *m = &set->items[step->index];
		/* the fingerprint once, with the run's last version */
		actx.fingerprint = drift && i + 1 == plan.npending;
		if (run_version(e, sc, step->index, false, step->resume_at, target, &actx, sr) != 0) {
			/* a file run statement by statement recorded the schema it
			 * left; a transaction rolled back to the last one applied */
			if (drift && i > 0 && !(m->flags & PGF_DIRECTIVE_NO_TRANSACTION))
				record_after_failure(&actx, target, set->items[plan.pending[i - 1].index].version, "apply");
			break;
		}
		sr->done++;
		sr->pending--;
		raise_version(&sr->after, m->version);
		sr->outcome = PGF_OUTCOME_CHANGED;
	}
done:
	pgf_plan_free(&plan);
free_state:
	pgf_applied_list_free(&state);
	if (have_pre)
		pgf_drift_state_free(&pre);
}

static int version_desc(const void *a, const void *b)
{
	const pgf_applied *x = a, *y = b;
	return -pgf_version_cmp_str(x->version, y->version);
}

static void scope_rollback(engine *e, pgf_pg *conn, pgf_apply_prefetch *pf, const char *target, set_cache *sc,
                           pgf_scope_report *sr)
{
	const pgf_migration_set *set = sc->set;
	const char *to = e->opts->rollback_to;
	pgf_applied_list state;
	bool exists = false;
	if (pgf_apply_state(conn, pf, set->scope, &state, &exists, &sr->err) != 0) {
		sr->outcome = PGF_OUTCOME_FAILED;
		return;
	}
	if (emit_state(e, target, set->scope, &state, sr) != 0) {
		pgf_applied_list_free(&state);
		return;
	}
	if (exists && outdated(exists, &state) && pgf_apply_ensure_schema(conn, &sr->err) != 0) {
		sr->outcome = PGF_OUTCOME_FAILED;
		pgf_applied_list_free(&state);
		return;
	}
	/* Everything above the target version, newest first; all checked before
	 * anything runs. */
	pgf_applied_list undo = { 0 };
	for (size_t i = 0; i < state.count; i++) {
		const pgf_applied *a = &state.items[i];
		if (pgf_version_cmp_str(a->version, to) <= 0)
			continue;
		pgf_applied_list_add(&undo, a->version, a->name, a->sha256, a->status, a->statements_done, a->applied_at);
	}
	if (undo.count > 1)
		qsort(undo.items, undo.count, sizeof(pgf_applied), version_desc);
	sr->before = version_or_null(pgf_applied_highest(&state, NULL));
	sr->after = version_or_null(sr->before);
	sr->outcome = undo.count ? PGF_OUTCOME_CHANGED : PGF_OUTCOME_UP_TO_DATE;
	for (size_t i = 0; i < undo.count; i++) {
		const pgf_applied *a = &undo.items[i];
		int k = find_version(set, a->version);
		if (k < 0)
			pgf_error_set(&sr->err, PGF_ERR_DB, "version %s (%s) is applied but absent from the commit", a->version,
			              a->name);
		else if (strcmp(set->items[k].sha256, a->sha256) != 0)
			pgf_error_set(&sr->err, PGF_ERR_DB, "%s/%s: checksum mismatch: applied with sha256 %.12s", set->folder,
			              set->items[k].file, a->sha256);
		else if (set->items[k].down_file == NULL)
			pgf_error_set(&sr->err, PGF_ERR_DB, "%s/%s: no down file (%s_%s.down.sql) at the commit", set->folder,
			              set->items[k].file, set->items[k].version, set->items[k].name);
	}
	if (sr->err != NULL) {
		sr->outcome = PGF_OUTCOME_REFUSED;
		goto done;
	}

	pgf_apply_ctx actx = { conn, &e->opts->policy, set->scope, set->folder, e->commit, -1, false };
	pgf_buf undone = PGF_BUF_INIT;
	for (size_t i = 0; i < undo.count; i++) {
		size_t k = (size_t)find_version(set, undo.items[i].version);
		const pgf_migration *m = &set->items[k];
		actx.fingerprint = !e->opts->policy.drift_off && i + 1 == undo.count;
		if (run_version(e, sc, k, true, 0, target, &actx, sr) != 0) {
			if (!e->opts->policy.drift_off && i > 0)
				record_after_failure(&actx, target, undo.items[i - 1].version, "rollback");
			break;
		}
		sr->done++;
		pgf_buf_printf(&undone, "%s%s", undone.len ? " " : "", m->down_file);
	}
	/* The version now in effect: the next one down when a down file failed,
	 * else the highest applied at or below --to. */
	free(sr->after);
	sr->after = version_or_null(sr->done < undo.count ? undo.items[sr->done].version
	                                                  : pgf_applied_highest(&state, to));
	sr->files = undone.ptr ? pgf_buf_detach(&undone) : NULL;
done:
	pgf_applied_list_free(&undo);
	pgf_applied_list_free(&state);
}

static void scope_adopt(engine *e, pgf_pg *conn, pgf_apply_prefetch *pf, const char *target, set_cache *sc,
                        pgf_scope_report *sr)
{
	const pgf_migration_set *set = sc->set;
	if (!set->drizzle) {
		sr->outcome = PGF_OUTCOME_REFUSED;
		pgf_error_set(&sr->err, PGF_ERR_DB, "scope %s: %s is not a drizzle-kit folder (no %s)", set->scope,
		              set->folder, PGF_DRIZZLE_JOURNAL);
		return;
	}
	pgf_pg_result *r = NULL;
	pgf_error *qe = NULL;
	if (pgf_pg_query(conn, &r, "SELECT hash, created_at::text FROM drizzle.__drizzle_migrations ORDER BY id", 0,
	                 NULL, &qe) != 0) {
		bool absent = pgf_pg_error_is_absent(qe);
		sr->outcome = absent ? PGF_OUTCOME_UP_TO_DATE : PGF_OUTCOME_FAILED;
		if (absent) {
			sr->files = pgf_strdup("no drizzle.__drizzle_migrations: nothing to adopt");
			pgf_error_free(qe);
		} else
			pgf_error_append(&sr->err, qe);
		return;
	}
	pgf_applied_list state;
	bool exists = false;
	if (pgf_apply_state(conn, pf, set->scope, &state, &exists, &sr->err) != 0 ||
	    emit_state(e, target, set->scope, &state, sr) != 0) {
		sr->outcome = PGF_OUTCOME_FAILED;
		pgf_pg_result_free(r);
		pgf_applied_list_free(&state);
		return;
	}
	size_t n = pgf_pg_result_rows(r);
	const pgf_migration **todo = pgf_calloc(n ? n : 1, sizeof(*todo));
	size_t ntodo = 0;
	for (size_t i = 0; i < n; i++) {
		const char *hash = pgf_pg_result_value(r, i, 0);
		const char *created = pgf_pg_result_value(r, i, 1);
		long long when = created ? atoll(created) : -1;
		const pgf_migration *m = NULL;
		for (size_t k = 0; k < set->count && m == NULL; k++)
			if (set->items[k].drizzle_when == when)
				m = &set->items[k];
		if (m == NULL) {
			pgf_error_set(&sr->err, PGF_ERR_DB,
			              "drizzle migration created_at %s (hash %.12s) has no journal entry at the commit",
			              created ? created : "NULL", hash ? hash : "NULL");
			continue;
		}
		if (hash == NULL || strcmp(hash, m->sha256) != 0) {
			pgf_error_set(&sr->err, PGF_ERR_DB,
			              "%s/%s: drizzle applied a different file (hash %.12s, the commit has %.12s)", set->folder,
			              m->file, hash ? hash : "NULL", m->sha256);
			continue;
		}
		bool recorded = false;
		for (size_t k = 0; k < state.count; k++)
			recorded = recorded || strcmp(state.items[k].version, m->version) == 0;
		if (!recorded)
			todo[ntodo++] = m;
	}
	pgf_pg_result_free(r);
	pgf_apply_ctx actx = { conn, &e->opts->policy, set->scope, set->folder, e->commit, -1 };
	sr->before = version_or_null(pgf_applied_highest(&state, NULL));
	sr->after = version_or_null(sr->before);
	if (sr->err != NULL) {
		sr->outcome = PGF_OUTCOME_REFUSED; /* nothing is baselined when anything disagrees */
	} else if (ntodo > 0 && outdated(exists, &state) && pgf_apply_ensure_schema(conn, &sr->err) != 0) {
		sr->outcome = PGF_OUTCOME_FAILED;
	} else {
		sr->outcome = ntodo ? PGF_OUTCOME_CHANGED : PGF_OUTCOME_UP_TO_DATE;
		pgf_buf files = PGF_BUF_INIT;
		for (size_t i = 0; i < ntodo; i++) {
			pgf_event ev = { .kind = PGF_EVENT_VERSION_BEFORE, .target = target, .scope = set->scope,
				         .action = "baseline", .version = todo[i]->version, .file = todo[i]->file,
				         .sha256 = todo[i]->sha256 };
			if (emit(e, &ev, &actx.ledger_entry, &sr->err) != 0 ||
			    pgf_apply_baseline(&actx, &todo[i], 1, &sr->err) != 0) {
				sr->outcome = PGF_OUTCOME_FAILED;
				break;
			}
			ev.kind = PGF_EVENT_VERSION_APPLIED;
			ev.entry = actx.ledger_entry;
			emit(e, &ev, NULL, NULL);
			sr->done++;
			pgf_buf_printf(&files, "%s%s", files.len ? " " : "", todo[i]->file);
			raise_version(&sr->after, todo[i]->version);
		}
		sr->files = files.ptr ? pgf_buf_detach(&files) : NULL;
	}
	free(todo);
	pgf_applied_list_free(&state);
}

/* ---- one target ---- */

static bool converged(pgf_outcome o)
{
	return o < PGF_OUTCOME_BUSY;
}

static void finish_target(engine *e, pgf_target_report *t)
{
	t->outcome = PGF_OUTCOME_UP_TO_DATE;
	for (size_t i = 0; i < t->nscopes; i++)
		if (t->scopes[i].outcome > t->outcome)
			t->outcome = t->scopes[i].outcome;
	pthread_mutex_lock(&e->report_lock);
	if (mutating(e) && e->opts->policy.rollout.stop_on_error && !converged(t->outcome) &&
	    t->outcome != PGF_OUTCOME_HELD && e->hold_reason == NULL)
		e->hold_reason = pgf_asprintf("on_error stop: %s %s", t->name, pgf_outcome_name(t->outcome));
	e->report->by_outcome[t->outcome]++;
	e->finished++;
	if (e->opts->on_target != NULL)
		e->opts->on_target(e->opts->report_ctx, t, e->finished, e->report->count);
	pthread_mutex_unlock(&e->report_lock);
}

static void all_scopes(pgf_target_report *t, pgf_outcome o, const pgf_error *err)
{
	for (size_t i = 0; i < t->nscopes; i++) {
		t->scopes[i].outcome = o;
		for (const pgf_error *x = err; x != NULL; x = x->next)
			pgf_error_set(&t->scopes[i].err, x->code, "%s", x->message);
	}
}

/* ---- drift ---- */

/* drift: this database's schema against its recording; its schema kept
 * once per fingerprint for the comparison across databases. */
static void drift_target(engine *e, pgf_target_report *t, pgf_pg *conn)
{
	pgf_drift_report *d = pgf_calloc(1, sizeof(*d));
	t->drift = d;
	d->name = pgf_strdup(t->name);
	pgf_buf group = PGF_BUF_INIT;
	for (size_t i = 0; i < t->nscopes; i++) {
		const pgf_scope_report *s = &t->scopes[i];
		if (s->outcome >= PGF_OUTCOME_SKIPPED) {
			pgf_buf_free(&group);
			return; /* reported as it is */
		}
		pgf_buf_printf(&group, "%s%s=%s", i ? " " : "", s->scope, s->after ? s->after : "none");
	}
	/* the object lists only when the fingerprints differ, or when this
	 * schema is the first of its fingerprint (the peers' comparison keeps
	 * one copy of each): a clean fleet sends one list, not two per tenant */
	pgf_drift_state st;
	pgf_error *err = NULL;
	int rc = pgf_drift_read(conn, false, &st, &err);
	if (rc == 0 && st.objects == NULL) {
		pthread_mutex_lock(&e->report_lock);
		bool known = pgf_drift_store_get(e->schemas, st.fingerprint) != NULL;
		pthread_mutex_unlock(&e->report_lock);
		if (!known) {
			pgf_drift_state_free(&st);
			rc = pgf_drift_read(conn, true, &st, &err);
		}
	}
	if (rc != 0) {
		all_scopes(t, PGF_OUTCOME_FAILED, err);
		pgf_error_free(err);
		pgf_buf_free(&group);
		return;
	}
	/* labels read from the database's pgfleet tables, made printable once
	 * here for every report (text and JSON) */
	char *raw = pgf_buf_detach(&group);
	d->group = pgf_str_printable(raw);
	free(raw);
	d->fingerprint = pgf_strdup(st.fingerprint);
	d->baseline = st.recorded != NULL;
	if (d->baseline) {
		d->recorded_scope = st.recorded_scope ? pgf_str_printable(st.recorded_scope) : NULL;
		d->recorded_version = st.recorded_version ? pgf_str_printable(st.recorded_version) : NULL;
		d->stale = st.stale;
		if (strcmp(st.recorded, st.fingerprint) != 0)
			d->nchanges = pgf_drift_diff(&d->changes, st.recorded_objects, st.objects);
	}
	pthread_mutex_lock(&e->report_lock);
	if (st.objects != NULL)
		pgf_drift_store_add(e->schemas, st.fingerprint, st.objects);
	pthread_mutex_unlock(&e->report_lock);
	pgf_drift_state_free(&st);
}

static void drift_compare(engine *e)
{
	pgf_run_report *r = e->report;
	pgf_drift_report **all = pgf_calloc(r->count ? r->count : 1, sizeof(*all));
	for (size_t i = 0; i < r->count; i++)
		all[i] = r->targets[i].drift;
	pgf_drift_compare_peers(all, r->count, e->schemas);
	free(all);
}

static void run_target(engine *e, pgf_target_report *t, pgf_pg *conn, bool master)
{
	double t0 = pgf_now();
	pgf_error *err = NULL;
	pgf_apply_prefetch pf = { 0 };
	if (mutating(e)) {
		/* the first scope's state comes with the lock: one round trip */
		for (size_t i = 0; i < e->nsets && pf.scope == NULL; i++)
			if ((e->sets[i].scope->target == PGF_TARGET_MASTER) == master) {
				pf.scope = e->sets[i].set->scope;
				/* and the drift check, paid only when a version is pending */
				if (e->opts->mode == PGF_MODE_RECONCILE && !e->opts->policy.drift_off)
					pf.drift_set = e->sets[i].set;
			}
		int busy = pgf_apply_lock(conn, e->opts->policy.advisory_lock_wait_ms, &pf, &err);
		if (busy != 0) {
			if (busy > 0)
				pgf_error_set(&err, PGF_ERR_DB, "busy: another reconciler holds pgfleet's lock on %s", t->where);
			all_scopes(t, busy > 0 ? PGF_OUTCOME_BUSY : PGF_OUTCOME_FAILED, err);
			pgf_event ev = { .kind = PGF_EVENT_TARGET_FINISH, .target = t->name,
				         .outcome = pgf_outcome_name(busy > 0 ? PGF_OUTCOME_BUSY : PGF_OUTCOME_FAILED),
				         .error = err };
			emit(e, &ev, NULL, NULL);
			pgf_error_free(err);
			t->seconds = pgf_now() - t0;
			finish_target(e, t);
			return;
		}
		pgf_event ev = { .kind = PGF_EVENT_TARGET_START, .target = t->name };
		emit(e, &ev, NULL, NULL);
	}
	size_t k = 0;
	bool drift_passed = false;
	for (size_t i = 0; i < e->nsets; i++) {
		set_cache *sc = &e->sets[i];
		if ((sc->scope->target == PGF_TARGET_MASTER) != master)
			continue;
		pgf_scope_report *sr = &t->scopes[k++];
		switch (e->opts->mode) {
		case PGF_MODE_PLAN:
		case PGF_MODE_STATUS:
		case PGF_MODE_RECONCILE:
		case PGF_MODE_DRIFT:
			scope_up(e, conn, &pf, t->name, sc, sr, &drift_passed);
			break;
		case PGF_MODE_ROLLBACK:
			scope_rollback(e, conn, &pf, t->name, sc, sr);
			break;
		case PGF_MODE_ADOPT:
			scope_adopt(e, conn, &pf, t->name, sc, sr);
			break;
		}
	}
	pgf_apply_prefetch_free(&pf);
	if (e->opts->mode == PGF_MODE_DRIFT)
		drift_target(e, t, conn);
	t->seconds = pgf_now() - t0;
	if (mutating(e)) {
		pgf_event ev = { .kind = PGF_EVENT_TARGET_FINISH, .target = t->name, .seconds = t->seconds };
		/* the outcome is known once every scope ran */
		pgf_outcome worst = PGF_OUTCOME_UP_TO_DATE;
		for (size_t i = 0; i < t->nscopes; i++)
			if (t->scopes[i].outcome > worst)
				worst = t->scopes[i].outcome;
		ev.outcome = pgf_outcome_name(worst);
		for (size_t i = 0; i < t->nscopes && ev.error == NULL; i++)
			ev.error = t->scopes[i].err;
		emit(e, &ev, NULL, NULL);
		if (master)
			pgf_pg_exec(conn, "SELECT pg_advisory_unlock(" "1885824628, 1" ")", NULL);
	}
	finish_target(e, t);
}

static pgf_target_report *new_target(engine *e, const char *name, bool master, const char *conninfo)
{
	pgf_target_report *t = &e->report->targets[e->report->count++];
	t->name = pgf_strdup(name);
	t->master = master;
	t->where = pgf_pg_redact(conninfo);
	for (size_t i = 0; i < e->nsets; i++)
		if ((e->sets[i].scope->target == PGF_TARGET_MASTER) == master)
			t->nscopes++;
	t->scopes = pgf_calloc(t->nscopes ? t->nscopes : 1, sizeof(pgf_scope_report));
	size_t k = 0;
	for (size_t i = 0; i < e->nsets; i++)
		if ((e->sets[i].scope->target == PGF_TARGET_MASTER) == master)
			t->scopes[k++].scope = e->sets[i].scope->name;
	return t;
}

static int connect_timeout_s(const engine *e)
{
	int64_t ms = e->opts->policy.connect_timeout_ms;
	return ms <= 0 ? 0 : (int)((ms + 999) / 1000 < 2 ? 2 : (ms + 999) / 1000); /* libpq's minimum is 2 */
}

/* A target that is not started: skipped, or held by the rollout (recorded
 * in the ledger as skipped too, with the reason). Takes reason. */
static void not_started(engine *e, pgf_target_report *t, pgf_outcome o, char *reason)
{
	t->skip_reason = reason;
	all_scopes(t, o, NULL);
	if (mutating(e)) {
		pgf_event ev = { .kind = PGF_EVENT_TARGET_FINISH, .target = t->name, .outcome = "skipped",
			         .reason = t->skip_reason };
		emit(e, &ev, NULL, NULL);
	}
	finish_target(e, t);
}

static void *worker(void *arg)
{
	engine *e = arg;
	for (;;) {
		pthread_mutex_lock(&e->report_lock);
		size_t i = e->next < e->limit ? e->next++ : e->limit;
		char *hold = e->hold_reason ? pgf_strdup(e->hold_reason) : NULL;
		pthread_mutex_unlock(&e->report_lock);
		if (i >= e->limit) {
			free(hold);
			return NULL;
		}
		const pgf_tenant *tn = e->queue[i];
		pgf_target_report *t = e->slots[i];
		if (hold != NULL) {
			not_started(e, t, PGF_OUTCOME_HELD, pgf_asprintf("held: %s", hold));
			free(hold);
			continue;
		}
		pgf_pg *conn = NULL;
		pgf_error *err = NULL;
		double t0 = pgf_now();
		if (pgf_pg_connect(&conn, tn->conninfo, connect_timeout_s(e), &err) != 0) {
			all_scopes(t, PGF_OUTCOME_FAILED, err);
			if (mutating(e)) {
				pgf_event ev = { .kind = PGF_EVENT_TARGET_FINISH, .target = t->name, .outcome = "unreachable",
					         .error = err };
				emit(e, &ev, NULL, NULL);
			}
			pgf_error_free(err);
			t->seconds = pgf_now() - t0;
			finish_target(e, t);
			continue;
		}
		run_target(e, t, conn, false);
		pgf_pg_close(conn);
	}
}

/* ---- the run ---- */

static int load_sets(engine *e, const pgf_config *cfg, const pgf_scope *const *scopes, size_t nscopes,
                     pgf_error **err)
{
	e->sets = pgf_calloc(nscopes ? nscopes : 1, sizeof(set_cache));
	pgf_load_opts lopts = { cfg->max_file_bytes };
	int rc = 0;
	/* master scopes first */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < nscopes; i++) {
			if ((scopes[i]->target == PGF_TARGET_MASTER) != (pass == 0))
				continue;
			set_cache *sc = &e->sets[e->nsets];
			sc->scope = scopes[i];
			if (pgf_migration_set_load(&sc->set, e->src, scopes[i], &lopts, err) != 0) {
				rc = -1;
				continue;
			}
			if (e->opts->mode == PGF_MODE_ADOPT && !e->opts->explicit_scopes && !sc->set->drizzle) {
				/* adopt: only drizzle-kit folders, unless a scope is named */
				pgf_migration_set_free(sc->set);
				sc->set = NULL;
				continue;
			}
			sc->up = pgf_calloc(sc->set->count ? sc->set->count : 1, sizeof(pgf_content));
			sc->down = pgf_calloc(sc->set->count ? sc->set->count : 1, sizeof(pgf_content));
			e->nsets++;
		}
	}
	return rc;
}

static void free_sets(engine *e)
{
	for (size_t i = 0; i < e->nsets; i++) {
		set_cache *sc = &e->sets[i];
		for (size_t k = 0; sc->set != NULL && k < sc->set->count; k++) {
			free(sc->up[k].text);
			free(sc->up[k].stmts);
			free(sc->down[k].text);
			free(sc->down[k].stmts);
		}
		free(sc->up);
		free(sc->down);
		pgf_migration_set_free(sc->set);
	}
	free(e->sets);
}

static bool has_target(const engine *e, pgf_target kind)
{
	for (size_t i = 0; i < e->nsets; i++)
		if (e->sets[i].scope->target == kind)
			return true;
	return false;
}

/* Chooses the tenants to run; deleted tenants are left out silently unless
 * named by --tenant, non-PostgreSQL ones are reported as skipped. */
static int queue_tenants(engine *e, pgf_error **err)
{
	const pgf_run_opts *o = e->opts;
	for (size_t i = 0; i < o->ntenants; i++) {
		if (pgf_registry_find(&e->tenants, o->tenants[i]) != NULL)
			continue;
		const char *names[64];
		size_t n = 0;
		for (; n < e->tenants.count && n < 64; n++)
			names[n] = e->tenants.items[n].slug;
		pgf_error_set(err, PGF_ERR_USAGE, "--tenant %s: no such tenant in master", o->tenants[i]);
		const char *near = pgf_suggest(o->tenants[i], names, n);
		if (near != NULL)
			pgf_error_hint(err, "did you mean '%s'?", near);
		return -1;
	}
	size_t cap = e->tenants.count;
	e->queue = pgf_calloc(cap ? cap : 1, sizeof(*e->queue));
	e->slots = pgf_calloc(cap ? cap : 1, sizeof(*e->slots));
	for (size_t i = 0; i < e->tenants.count; i++) {
		const pgf_tenant *tn = &e->tenants.items[i];
		bool named = false;
		for (size_t k = 0; k < o->ntenants; k++)
			named = named || strcmp(o->tenants[k], tn->slug) == 0;
		if (o->ntenants > 0 && !named)
			continue;
		if (tn->deleted && !named)
			continue;
		if (o->shard.count > 0 && tn->id == NULL) {
			pgf_error_set(err, PGF_ERR_CONFIG, "--shard: tenant %s has no id: the tenants query returns no fifth column",
			              tn->slug);
			pgf_error_hint(err, "--shard partitions by the tenant id; add it as tenants_query's fifth column");
			return -1;
		}
		if (!pgf_shard_contains(&o->shard, tn->id ? tn->id : ""))
			continue;
		pgf_target_report *t = new_target(e, tn->slug, false, tn->conninfo);
		t->canary = mutating(e) && pgf_rollout_is_canary(&o->policy.rollout, tn->slug, tn->column);
		if (tn->deleted || strcmp(tn->type, "POSTGRESQL") != 0) {
			/* the registry's value, made printable once for every report */
			char *type = pgf_str_printable(tn->type);
			not_started(e, t, PGF_OUTCOME_SKIPPED,
			            tn->deleted ? pgf_strdup("deleted") : pgf_asprintf("database_type %s", type));
			free(type);
			continue;
		}
		e->queue[e->nqueue] = tn;
		e->slots[e->nqueue++] = t;
	}
	/* canaries first, each group in the registry's order */
	const pgf_tenant **q = pgf_calloc(cap ? cap : 1, sizeof(*q));
	pgf_target_report **s = pgf_calloc(cap ? cap : 1, sizeof(*s));
	size_t n = 0;
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < e->nqueue; i++)
			if (e->slots[i]->canary == (pass == 0)) {
				q[n] = e->queue[i];
				s[n++] = e->slots[i];
				e->ncanary += pass == 0;
			}
	free(e->queue);
	free(e->slots);
	e->queue = q;
	e->slots = s;
	return 0;
}

/* Workers take queue[next..upto), --jobs at a time. */
static void run_pool(engine *e, size_t upto)
{
	e->limit = upto;
	if (e->next >= upto)
		return;
	int jobs = e->opts->jobs > 0 ? e->opts->jobs : 1;
	if ((size_t)jobs > upto - e->next)
		jobs = (int)(upto - e->next);
	if (e->hold_reason != NULL)
		jobs = 0; /* every target left is held: no connection needed */
	pthread_t *threads = pgf_calloc((size_t)(jobs ? jobs : 1), sizeof(pthread_t));
	int nthreads = 0;
	for (; nthreads < jobs; nthreads++)
		if (pthread_create(&threads[nthreads], NULL, worker, e) != 0)
			break;
	if (nthreads == 0)
		worker(e); /* no thread could start, or none is needed: run here */
	for (int i = 0; i < nthreads; i++)
		pthread_join(threads[i], NULL);
	free(threads);
}

/* The rollout's gate after master and the canaries: the rest start only if
 * they all converged. */
static void gate_after_canaries(engine *e, bool ran_master)
{
	if (!mutating(e) || !pgf_rollout_has_canaries(&e->opts->policy.rollout) || e->hold_reason != NULL)
		return;
	const pgf_target_report *first = NULL;
	size_t bad = 0;
	if (ran_master && !converged(e->report->targets[0].outcome)) {
		first = &e->report->targets[0];
		bad++;
	}
	for (size_t i = 0; i < e->ncanary; i++)
		if (!converged(e->slots[i]->outcome)) {
			first = first ? first : e->slots[i];
			bad++;
		}
	if (first == NULL)
		return;
	char more[64] = "";
	if (bad > 1)
		snprintf(more, sizeof(more), " (and %zu more not converged)", bad - 1);
	e->hold_reason = pgf_asprintf("%s%s %s%s", first->master ? "" : "canary ", first->name,
	                              pgf_outcome_name(first->outcome), more);
}

int pgf_run(pgf_run_report *out, pgf_source *src, const pgf_config *cfg, const pgf_scope *const *scopes,
            size_t nscopes, const char *master_conninfo, const pgf_run_opts *opts, pgf_error **err)
{
	memset(out, 0, sizeof(*out));
	double t0 = pgf_now();
	engine e = { .src = src, .opts = opts, .commit = pgf_source_commit_id(src), .report = out,
		     .schemas = opts->mode == PGF_MODE_DRIFT ? pgf_drift_store_new() : NULL };
	pthread_mutex_init(&e.cache_lock, NULL);
	pthread_mutex_init(&e.event_lock, NULL);
	pthread_mutex_init(&e.report_lock, NULL);
	pgf_pg *master = NULL;
	int rc = -1;
	bool started = false; /* RUN_START emitted, RUN_FINISH not yet */

	if (load_sets(&e, cfg, scopes, nscopes, err) != 0)
		goto done;
	if (e.nsets == 0) {
		pgf_error_set(err, PGF_ERR_USAGE, "no scope to %s%s", opts->command,
		              opts->mode == PGF_MODE_ADOPT ? ": no drizzle-kit folder (meta/_journal.json) among the scopes" : "");
		goto done;
	}
	if (pgf_pg_connect(&master, master_conninfo, connect_timeout_s(&e), err) != 0) {
		pgf_error_hint(err, "--master or MASTER_DATABASE_URL");
		goto done;
	}
	e.master = master;

	char shard[32] = "";
	if (opts->shard.count > 0)
		snprintf(shard, sizeof(shard), "%u/%u", (unsigned)opts->shard.index, (unsigned)opts->shard.count);
	pgf_event ev = { .kind = PGF_EVENT_RUN_START, .verified = opts->verified ? "pinned" : "no",
		         .allow_rewind = opts->allow_rewind, .shard = shard[0] ? shard : NULL };
	if (mutating(&e) && emit(&e, &ev, NULL, err) != 0)
		goto done;
	started = mutating(&e);

	bool want_master = has_target(&e, PGF_TARGET_MASTER) && opts->ntenants == 0;
	bool want_tenants = has_target(&e, PGF_TARGET_TENANTS);
	/* One report for master, then (once the registry is read) one per tenant. */
	out->targets = pgf_calloc(1, sizeof(pgf_target_report));
	if (want_master) {
		run_target(&e, new_target(&e, "master", true, master_conninfo), master, true);
	}
	if (want_tenants) {
		const char *column = mutating(&e) && opts->policy.rollout.column[0] ? opts->policy.rollout.column : NULL;
		if (pgf_registry_load_column(&e.tenants, master, cfg->tenants_query, column, err) != 0)
			goto done;
		size_t have = out->count;
		out->targets = pgf_realloc(out->targets, (have + e.tenants.count + 1) * sizeof(pgf_target_report));
		memset(out->targets + have, 0, (e.tenants.count + 1) * sizeof(pgf_target_report));
		if (queue_tenants(&e, err) != 0)
			goto done;
		run_pool(&e, e.ncanary);
		gate_after_canaries(&e, want_master);
		run_pool(&e, e.nqueue);
	}
	if (opts->mode == PGF_MODE_DRIFT)
		drift_compare(&e);
	out->seconds = pgf_now() - t0;
	ev = (pgf_event){ .kind = PGF_EVENT_RUN_FINISH, .seconds = out->seconds, .counts = out->by_outcome,
		          .outcome = out->by_outcome[PGF_OUTCOME_FAILED] || out->by_outcome[PGF_OUTCOME_REFUSED] ||
		                                     out->by_outcome[PGF_OUTCOME_BUSY]
		                             ? "incomplete"
		                             : "converged" };
	if (mutating(&e) && emit(&e, &ev, NULL, err) != 0)
		goto done;
	rc = 0;
	started = false;
done:
	if (started) {
		/* the run stopped early: say so, and write what is batched */
		ev = (pgf_event){ .kind = PGF_EVENT_RUN_FINISH, .outcome = "aborted", .counts = out->by_outcome };
		emit(&e, &ev, NULL, NULL);
	}
	pgf_pg_close(master);
	free(e.queue);
	free(e.slots);
	free(e.hold_reason);
	pgf_registry_free(&e.tenants);
	free_sets(&e);
	pgf_drift_store_free(e.schemas);
	pthread_mutex_destroy(&e.cache_lock);
	pthread_mutex_destroy(&e.event_lock);
	pthread_mutex_destroy(&e.report_lock);
	out->seconds = pgf_now() - t0;
	return rc;
}

void pgf_run_report_free(pgf_run_report *r)
{
	for (size_t i = 0; i < r->count; i++) {
		pgf_target_report *t = &r->targets[i];
		for (size_t k = 0; k < t->nscopes; k++) {
			pgf_scope_report *s = &t->scopes[k];
			free(s->before);
			free(s->after);
			free(s->files);
			free(s->last_applied_at);
			free(s->last_failure);
			pgf_error_free(s->err);
		}
		free(t->scopes);
		free(t->name);
		free(t->where);
		free(t->skip_reason);
		pgf_drift_report_free(t->drift);
	}
	free(r->targets);
	memset(r, 0, sizeof(*r));
}
