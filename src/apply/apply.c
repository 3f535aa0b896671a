/* Inside one database: lock, schema, state, and one migration at a time.
 *
 * Round trips are few on purpose: across a network each one costs a
 * latency. A transactional migration is one simple query: BEGIN, the
 * timeouts, the file, its applied_migrations and history rows, COMMIT. */
#include "apply.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgfleet/common.h"
#include "pgfleet/drift.h"

/* pgfleet's advisory lock: ('pgft', 1) in the two-key space. */
#define LOCK_KEYS "1885824628, 1"


static const char schema_sql[] =
	"BEGIN;\n"
	"CREATE SCHEMA IF NOT EXISTS pgfleet;\n"
	"CREATE TABLE IF NOT EXISTS pgfleet.meta (\n"
	"  key text PRIMARY KEY,\n"
	"  value text NOT NULL);\n"
	"CREATE TABLE IF NOT EXISTS pgfleet.applied_migrations (\n"
	"  scope text NOT NULL,\n"
	"  version text NOT NULL,\n"
	"  name text NOT NULL,\n"
	"  sha256 text NOT NULL,\n"
	"  applied_at timestamptz NOT NULL DEFAULT now(),\n"
	"  commit text NOT NULL,\n"
	"  duration_ms bigint NOT NULL DEFAULT 0,\n"
	"  ledger_entry bigint,\n"
	"  status text NOT NULL DEFAULT 'applied' CHECK (status IN ('applied', 'partial', 'baselined')),\n"
	"  statements_done integer,\n"
	"  PRIMARY KEY (scope, version));\n"
	"CREATE TABLE IF NOT EXISTS pgfleet.history (\n"
	"  id bigserial PRIMARY KEY,\n"
	"  at timestamptz NOT NULL DEFAULT clock_timestamp(),\n"
	"  scope text NOT NULL,\n"
	"  version text NOT NULL,\n"
	"  name text NOT NULL,\n"
	"  action text NOT NULL CHECK (action IN ('apply', 'rollback', 'baseline', 'failed')),\n"
	"  sha256 text NOT NULL,\n"
	"  commit text NOT NULL,\n"
	"  duration_ms bigint NOT NULL DEFAULT 0,\n"
	"  statements_done integer,\n"
	"  error text,\n"
	"  ledger_entry bigint);\n"
	/* version 2: the schema fingerprint recorded with a run's last version (drift) */
	"ALTER TABLE pgfleet.applied_migrations ADD COLUMN IF NOT EXISTS schema_fingerprint text;\n"
	"CREATE TABLE IF NOT EXISTS pgfleet.schema_snapshot (\n"
	"  one boolean PRIMARY KEY DEFAULT true CHECK (one),\n"
	"  scope text NOT NULL,\n"
	"  version text NOT NULL,\n"
	"  action text NOT NULL,\n"
	"  fingerprint text NOT NULL,\n"
	"  objects text NOT NULL,\n"
	"  recorded_at timestamptz NOT NULL DEFAULT now());\n"
	/* version 3: pgfleet.schema_objects() replaced; version 4: drift_check()
	 * hashes a SQL_ASCII database's bytes as they are (the functions follow
	 * this) */
	"INSERT INTO pgfleet.meta AS m (key, value) VALUES ('schema_version', '4') ON CONFLICT (key) DO UPDATE\n"
	"  SET value = EXCLUDED.value WHERE m.value::int < 4;\n";

/* The schema version and a scope's rows (meta always has a row); %s: the
 * scope, quoted, or $1. */
#define STATE_SQL                                                                                              \
	"SELECT m.value, a.version, a.name, a.sha256, a.status, a.statements_done, a.applied_at::text, "          \
	"a.ledger_entry FROM pgfleet.meta m LEFT JOIN pgfleet.applied_migrations a ON a.scope = %s "               \
	"WHERE m.key = 'schema_version'"

static int state_from_rows(pgf_pg_result *r, pgf_applied_list *out, pgf_error **err);

/* Values spliced into SQL text come from checked alphabets only: scope
 * names, digit versions, names of [A-Za-z0-9_-], hex digests. */
static bool literal_safe(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_' ||
		      *s == '-'))
			return false;
	return true;
}

/* SQL that holds when one of set's versions has no row, or a partial one
 * (the plan will have something pending). */
static char *pending_sql(const pgf_migration_set *set)
{
	pgf_buf b = PGF_BUF_INIT;
	pgf_buf_printf(&b, "EXISTS (SELECT 1 FROM unnest(ARRAY[");
	for (size_t i = 0; i < set->count; i++) {
		assert(literal_safe(set->items[i].version));
		pgf_buf_printf(&b, "%s'%s'", i ? ", " : "", set->items[i].version);
	}
	assert(literal_safe(set->scope));
	pgf_buf_printf(&b, "]::text[]) v(version) WHERE NOT EXISTS (SELECT 1 FROM pgfleet.applied_migrations a WHERE "
	                   "a.scope = '%s' AND a.version = v.version AND a.status <> 'partial'))",
	               set->scope);
	return pgf_buf_detach(&b);
}

int pgf_apply_lock(pgf_pg *c, int64_t wait_ms, pgf_apply_prefetch *pf, pgf_error **err)
{
	pgf_error *e = NULL;
	const char *scope = pf != NULL ? pf->scope : NULL;
	const pgf_migration_set *drift_set = pf != NULL ? pf->drift_set : NULL;
	if (pf != NULL) {
		memset(pf, 0, sizeof(*pf));
	}
	if (wait_ms <= 0) {
		pgf_pg_result *r = NULL;
		if (pgf_pg_query(c, &r, "SELECT pg_try_advisory_lock(" LOCK_KEYS ")", 0, NULL, err) != 0)
			return -1;
		const char *v = pgf_pg_result_value(r, 0, 0);
		int busy = v == NULL || strcmp(v, "t") != 0;
		pgf_pg_result_free(r);
		return busy;
	}
	/* An advisory lock wait is a lock wait: lock_timeout bounds it. With a
	 * scope, its state comes in the same round trip, and with drift_set the
	 * drift check too (only run when something is pending). The statements
	 * run as one implicit transaction: when the state query fails (no
	 * schema pgfleet yet), the lock stays held (session advisory locks
	 * ignore rollbacks) and lock_timeout goes back to what it was. */
	char *quoted = scope != NULL ? pgf_pg_quote_literal(c, scope, strlen(scope)) : NULL;
	pgf_buf q = PGF_BUF_INIT;
	pgf_buf_printf(&q, "SET lock_timeout = '%lldms'; SELECT pg_advisory_lock(" LOCK_KEYS "); SET lock_timeout = 0",
	               (long long)wait_ms);
	if (quoted != NULL)
		pgf_buf_printf(&q, "; " STATE_SQL, quoted);
	if (quoted != NULL && drift_set != NULL) {
		char *cond = pending_sql(drift_set);
		char *check = pgf_drift_read_sql(false, cond);
		pgf_buf_printf(&q, "; %s", check);
		free(check);
		free(cond);
	}
	free(quoted);
	pgf_pg_result *r[3] = { NULL, NULL, NULL };
	int rc = pgf_pg_query_simple_each(c, r, 3, q.ptr, &e);
	pgf_buf_free(&q);
	if (rc != 0 && r[1] != NULL) {
		/* the state was read; the drift check failed (a database from
		 * before fingerprints): the engine checks on its own */
		pgf_error_free(e);
		e = NULL;
		rc = 0;
	}
	pgf_pg_result_free(r[0]);
	if (rc != 0 && pgf_pg_error_is(e, PGF_SQLSTATE_LOCK_NOT_AVAILABLE)) {
		pgf_error_free(e);
		return 1;
	}
	if (rc != 0 && scope != NULL && pgf_pg_error_is_absent(e)) {
		/* locked; nothing recorded in this database yet */
		pgf_error_free(e);
		pf->scope = scope;
		return 0;
	}
	if (rc != 0) {
		pgf_error_append(err, e);
		return -1;
	}
	if (scope != NULL) {
		pf->exists = true;
		if (state_from_rows(r[1], &pf->state, err) != 0) {
			pgf_pg_result_free(r[1]);
			pgf_pg_result_free(r[2]);
			pgf_applied_list_free(&pf->state);
			memset(pf, 0, sizeof(*pf));
			return -1;
		}
		pf->scope = scope;
		/* no row: nothing pending, nothing checked */
		if (r[2] != NULL && pgf_pg_result_rows(r[2]) == 1)
			pgf_drift_state_from(r[2], true, &pf->drift, NULL);
	}
	pgf_pg_result_free(r[1]);
	pgf_pg_result_free(r[2]);
	return 0;
}

bool pgf_apply_take_drift(pgf_apply_prefetch *pf, const char *scope, pgf_drift_state *out)
{
	if (pf == NULL || pf->drift.fingerprint == NULL || pf->scope == NULL || strcmp(pf->scope, scope) != 0)
		return false;
	*out = pf->drift;
	memset(&pf->drift, 0, sizeof(pf->drift));
	return true;
}

int pgf_apply_state(pgf_pg *c, pgf_apply_prefetch *pf, const char *scope, pgf_applied_list *out, bool *exists,
                    pgf_error **err)
{
	if (pf != NULL && pf->scope != NULL && strcmp(pf->scope, scope) == 0) {
		*out = pf->state;
		*exists = pf->exists;
		pgf_drift_state_free(&pf->drift); /* not taken: not wanted */
		memset(pf, 0, sizeof(*pf));
		return 0;
	}
	return pgf_apply_read_state(c, scope, out, exists, err);
}

void pgf_apply_prefetch_free(pgf_apply_prefetch *pf)
{
	if (pf != NULL && pf->scope != NULL)
		pgf_applied_list_free(&pf->state);
	if (pf != NULL)
		pgf_drift_state_free(&pf->drift);
	if (pf != NULL)
		memset(pf, 0, sizeof(*pf));
}

int pgf_apply_ensure_schema(pgf_pg *c, pgf_error **err)
{
	pgf_error *e = NULL;
	char *fn = pgf_drift_schema_sql();
	char *sql = pgf_asprintf("%s%sCOMMIT;", schema_sql, fn);
	int rc = pgf_pg_exec(c, sql, &e);
	free(sql);
	free(fn);
	if (rc == 0)
		return 0;
	pgf_pg_exec(c, "ROLLBACK", NULL);
	pgf_error_set(err, PGF_ERR_DB, "creating schema pgfleet: %s", e->message);
	pgf_error_free(e);
	return -1;
}

int pgf_apply_read_state(pgf_pg *c, const char *scope, pgf_applied_list *out, bool *exists, pgf_error **err)
{
	memset(out, 0, sizeof(*out));
	*exists = false;
	pgf_pg_result *r = NULL;
	pgf_error *e = NULL;
	const char *params[] = { scope };
	char *sql = pgf_asprintf(STATE_SQL, "$1");
	int rc = pgf_pg_query(c, &r, sql, 1, params, &e);
	free(sql);
	if (rc != 0) {
		if (pgf_pg_error_is_absent(e)) {
			pgf_error_free(e);
			return 0;
		}
		pgf_error_append(err, e);
		return -1;
	}
	*exists = true;
	rc = state_from_rows(r, out, err);
	pgf_pg_result_free(r);
	return rc;
}

static int state_from_rows(pgf_pg_result *r, pgf_applied_list *out, pgf_error **err)
{
	memset(out, 0, sizeof(*out));
	size_t n = pgf_pg_result_rows(r);
	const char *sv = n > 0 ? pgf_pg_result_value(r, 0, 0) : NULL;
	out->schema_version = sv ? atoi(sv) : 0;
	if (sv == NULL || atoi(sv) > PGF_SCHEMA_VERSION) {
		pgf_error_set(err, PGF_ERR_DB, "schema pgfleet is at version %s, newer than this pgfleet knows (%d)",
		              sv ? sv : "(none)", PGF_SCHEMA_VERSION);
		pgf_error_hint(err, "upgrade pgfleet");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		const char *version = pgf_pg_result_value(r, i, 1);
		if (version == NULL)
			continue; /* the meta row alone: nothing applied */
		const char *done = pgf_pg_result_value(r, i, 5);
		pgf_applied_list_add(out, version, pgf_pg_result_value(r, i, 2), pgf_pg_result_value(r, i, 3),
		                     pgf_pg_result_value(r, i, 4), done ? atoi(done) : 0, pgf_pg_result_value(r, i, 6));
		const char *entry = pgf_pg_result_value(r, i, 7);
		out->items[out->count - 1].ledger_entry = entry ? atoll(entry) : -1;
	}
	return 0;
}

int pgf_apply_last_failure(pgf_pg *c, const char *scope, char **out, pgf_error **err)
{
	*out = NULL;
	pgf_pg_result *r = NULL;
	const char *params[] = { scope };
	if (pgf_pg_query(c, &r,
	                 "SELECT action, version, name, coalesce(error, ''), at::text FROM pgfleet.history "
	                 "WHERE scope = $1 ORDER BY id DESC LIMIT 1",
	                 1, params, err) != 0)
		return -1;
	if (pgf_pg_result_rows(r) == 1 && strcmp(pgf_pg_result_value(r, 0, 0), "failed") == 0)
		*out = pgf_asprintf("%s_%s at %s: %s", pgf_pg_result_value(r, 0, 1), pgf_pg_result_value(r, 0, 2),
		                    pgf_pg_result_value(r, 0, 4), pgf_pg_result_value(r, 0, 3));
	pgf_pg_result_free(r);
	return 0;
}

/* The session settings a migration runs under, on exactly two lines (error
 * positions are shifted by them): the policy's timeouts, and a search_path
 * without schema pgfleet. A role named "pgfleet" has "$user" resolve to
 * pgfleet's own schema once it exists: the migration's unqualified names
 * must land where they would without pgfleet. */
static void put_timeouts(pgf_buf *b, const pgf_policy *p, const char *scope_kw)
{
	pgf_buf_printf(b,
	               "SET %slock_timeout = '%lldms'; SELECT set_config('search_path', coalesce((SELECT "
	               "string_agg(quote_ident(s), ', ') FROM unnest(current_schemas(false)) AS s WHERE s <> 'pgfleet'), "
	               "''), %s);\nSET %sstatement_timeout = '%lldms';\n",
	               scope_kw, (long long)p->lock_timeout_ms, scope_kw[0] ? "true" : "false", scope_kw,
	               (long long)p->statement_timeout_ms);
}

static void ledger_sql(char out[32], int64_t entry)
{
	if (entry < 0)
		snprintf(out, 32, "NULL");
	else
		snprintf(out, 32, "%lld", (long long)entry);
}

/* Records a failure in history, after the failed transaction is gone. */
static void record_failure(const pgf_apply_ctx *a, const pgf_migration *m, const char *sha, int done,
                           const pgf_error *e)
{
	char dbuf[16];
	snprintf(dbuf, sizeof(dbuf), "%d", done);
	const char *params[] = { a->scope, m->version, m->name, sha, a->commit, dbuf, e ? e->message : "" };
	pgf_pg_query(a->conn,
	             NULL,
	             "INSERT INTO pgfleet.history (scope, version, name, action, sha256, commit, statements_done, error) "
	             "VALUES ($1, $2, $3, 'failed', $4, $5, $6::int, $7)",
	             7, params, NULL);
}

/* The SQL that records the schema's fingerprint after version, or "" when
 * not wanted. Caller frees. */
static char *record_sql(const pgf_apply_ctx *a, const char *version, const char *action, bool wanted)
{
	return wanted ? pgf_drift_record_sql(a->scope, version, action) : pgf_strdup("");
}

static int apply_in_transaction(const pgf_apply_ctx *a, const pgf_migration *m, const pgf_content *content,
                                pgf_error **err)
{
	char ledger[32];
	ledger_sql(ledger, a->ledger_entry);
	pgf_buf q = PGF_BUF_INIT;
	pgf_buf_puts(&q, "BEGIN;\n");
	put_timeouts(&q, a->policy, "LOCAL ");
	const long prefix_lines = 3;
	pgf_buf_put(&q, content->text, content->len);
	/* a newline first: the file may end inside a -- comment */
	pgf_buf_printf(&q,
	               "\n;\nSET LOCAL statement_timeout = 0;\n"
	               "INSERT INTO pgfleet.applied_migrations (scope, version, name, sha256, commit, duration_ms, "
	               "ledger_entry, status, statements_done) VALUES ('%s', '%s', '%s', '%s', '%s', "
	               "(extract(epoch FROM clock_timestamp() - now()) * 1000)::bigint, %s, 'applied', NULL);\n"
	               "INSERT INTO pgfleet.history (scope, version, name, action, sha256, commit, duration_ms, "
	               "ledger_entry) VALUES ('%s', '%s', '%s', 'apply', '%s', '%s', "
	               "(extract(epoch FROM clock_timestamp() - now()) * 1000)::bigint, %s);\n",
	               a->scope, m->version, m->name, m->sha256, a->commit, ledger, a->scope, m->version, m->name,
	               m->sha256, a->commit, ledger);
	char *record = record_sql(a, m->version, "apply", a->fingerprint);
	pgf_buf_puts(&q, record);
	free(record);
	pgf_buf_puts(&q, "COMMIT;");
	char *label = pgf_asprintf("%s/%s", a->folder, m->file);
	pgf_error *e = NULL;
	int rc = pgf_pg_exec_script(a->conn, q.ptr, q.len, label, -prefix_lines, &e);
	if (rc != 0) {
		pgf_pg_exec(a->conn, "ROLLBACK", NULL);
		record_failure(a, m, m->sha256, 0, e);
		pgf_error_append(err, e);
	}
	free(label);
	pgf_buf_free(&q);
	return rc;
}

/* Runs content's statements from *next on, outside a transaction, under
 * the policy's timeouts (reset after). *next ends at the first that failed. */
static int run_statements(const pgf_apply_ctx *a, const pgf_content *content, size_t *next, const char *label,
                          pgf_error **err)
{
	pgf_buf q = PGF_BUF_INIT;
	put_timeouts(&q, a->policy, "");
	int rc = pgf_pg_exec(a->conn, q.ptr, err);
	pgf_buf_free(&q);
	for (; rc == 0 && *next < content->nstmts; ++*next) {
		const pgf_statement *st = &content->stmts[*next];
		char *sql = pgf_strndup(content->text + st->offset, st->len);
		rc = pgf_pg_exec_script(a->conn, sql, st->len, label, (long)st->line - 1, err);
		free(sql);
		if (rc != 0)
			break;
	}
	pgf_pg_exec(a->conn, "RESET lock_timeout; RESET statement_timeout; RESET search_path", NULL);
	return rc;
}

static int apply_statements(const pgf_apply_ctx *a, const pgf_migration *m, const pgf_content *content,
                            int resume_at, pgf_error **err)
{
	char *label = pgf_asprintf("%s/%s", a->folder, m->file);
	size_t i = resume_at > 0 ? (size_t)resume_at : 0;
	pgf_error *e = NULL;
	int rc = run_statements(a, content, &i, label, &e);
	char ledger[32];
	ledger_sql(ledger, a->ledger_entry);
	if (rc != 0) {
		/* Statements before i took effect and cannot be undone: record
		 * how far the file got, so the next run resumes at statement i. */
		/* with the schema as the statements left it, so the resumed run
		 * does not take their effects for drift */
		char *record = record_sql(a, m->version, "partial", !a->policy->drift_off);
		char *row = pgf_asprintf(
			"BEGIN;\nINSERT INTO pgfleet.applied_migrations (scope, version, name, sha256, commit, ledger_entry, "
			"status, statements_done) VALUES ('%s', '%s', '%s', '%s', '%s', %s, 'partial', %zu) "
			"ON CONFLICT (scope, version) DO UPDATE SET statements_done = EXCLUDED.statements_done, "
			"commit = EXCLUDED.commit, applied_at = now();\n%sCOMMIT;",
			a->scope, m->version, m->name, m->sha256, a->commit, ledger, i, record);
		if (pgf_pg_exec(a->conn, row, NULL) != 0)
			pgf_pg_exec(a->conn, "ROLLBACK", NULL);
		free(row);
		free(record);
		record_failure(a, m, m->sha256, (int)i, e);
		/* the server's detail first, then what pgfleet recorded */
		pgf_error *last = e;
		while (last != NULL && last->next != NULL)
			last = last->next;
		char *server = last != NULL && last->detail != NULL ? pgf_strdup(last->detail) : NULL;
		pgf_error_append(err, e);
		pgf_error_detail(err, "%s%sstatement %zu of %zu failed; statements before it took effect and are recorded "
		                      "(status partial): the next reconcile resumes at statement %zu",
		                 server ? server : "", server ? "; " : "", i + 1, content->nstmts, i + 1);
		free(server);
		free(label);
		return -1;
	}
	/* the schema right after the file, recorded with its row */
	char *record = record_sql(a, m->version, "apply", a->fingerprint);
	char *row = pgf_asprintf(
		"BEGIN;\n"
		"INSERT INTO pgfleet.applied_migrations (scope, version, name, sha256, commit, ledger_entry, status, "
		"statements_done) VALUES ('%s', '%s', '%s', '%s', '%s', %s, 'applied', %zu) "
		"ON CONFLICT (scope, version) DO UPDATE SET status = 'applied', statements_done = EXCLUDED.statements_done, "
		"commit = EXCLUDED.commit, applied_at = now(), ledger_entry = EXCLUDED.ledger_entry;\n"
		"INSERT INTO pgfleet.history (scope, version, name, action, sha256, commit, statements_done, ledger_entry) "
		"VALUES ('%s', '%s', '%s', 'apply', '%s', '%s', %zu, %s);\n"
		"%sCOMMIT;",
		a->scope, m->version, m->name, m->sha256, a->commit, ledger, content->nstmts, a->scope, m->version, m->name,
		m->sha256, a->commit, content->nstmts, ledger, record);
	free(record);
	rc = pgf_pg_exec(a->conn, row, err);
	free(row);
	free(label);
	return rc;
}

int pgf_apply_up(const pgf_apply_ctx *a, const pgf_migration *m, const pgf_content *content, int resume_at,
                 pgf_error **err)
{
	assert(literal_safe(a->scope) && literal_safe(m->version) && literal_safe(m->name) &&
	       literal_safe(m->sha256) && literal_safe(a->commit));
	if (m->flags & PGF_DIRECTIVE_NO_TRANSACTION)
		return apply_statements(a, m, content, resume_at, err);
	return apply_in_transaction(a, m, content, err);
}

int pgf_apply_down(const pgf_apply_ctx *a, const pgf_migration *m, const pgf_content *content, pgf_error **err)
{
	assert(literal_safe(a->scope) && literal_safe(m->version) && literal_safe(m->name) &&
	       literal_safe(m->down_sha256) && literal_safe(a->commit));
	char ledger[32];
	ledger_sql(ledger, a->ledger_entry);
	char *label = pgf_asprintf("%s/%s", a->folder, m->down_file);
	char *drift = record_sql(a, m->version, "rollback", a->fingerprint);
	char *record = pgf_asprintf(
		"DELETE FROM pgfleet.applied_migrations WHERE scope = '%s' AND version = '%s';\n"
		"INSERT INTO pgfleet.history (scope, version, name, action, sha256, commit, ledger_entry) "
		"VALUES ('%s', '%s', '%s', 'rollback', '%s', '%s', %s);\n%s",
		a->scope, m->version, a->scope, m->version, m->name, m->down_sha256, a->commit, ledger, drift);
	free(drift);
	pgf_buf q = PGF_BUF_INIT;
	pgf_error *e = NULL;
	int rc = 0;
	if (m->down_flags & PGF_DIRECTIVE_NO_TRANSACTION) {
		size_t next = 0;
		rc = run_statements(a, content, &next, label, &e);
		if (rc == 0) {
			pgf_buf_clear(&q);
			pgf_buf_printf(&q, "BEGIN;\n%sCOMMIT;", record);
			rc = pgf_pg_exec(a->conn, q.ptr, &e);
		}
	} else {
		pgf_buf_puts(&q, "BEGIN;\n");
		put_timeouts(&q, a->policy, "LOCAL ");
		pgf_buf_put(&q, content->text, content->len);
		pgf_buf_printf(&q, "\n;\n%sCOMMIT;", record);
		rc = pgf_pg_exec_script(a->conn, q.ptr, q.len, label, -3, &e);
		if (rc != 0)
			pgf_pg_exec(a->conn, "ROLLBACK", NULL);
	}
	if (rc != 0) {
		record_failure(a, m, m->down_sha256, 0, e);
		pgf_error_append(err, e);
	}
	pgf_buf_free(&q);
	free(record);
	free(label);
	return rc;
}

int pgf_apply_record_fingerprint(const pgf_apply_ctx *a, const char *version, const char *action, pgf_error **err)
{
	assert(literal_safe(a->scope) && literal_safe(version));
	char *record = pgf_drift_record_sql(a->scope, version, action);
	char *sql = pgf_asprintf("BEGIN;\n%sCOMMIT;", record);
	int rc = pgf_pg_exec(a->conn, sql, err);
	if (rc != 0)
		pgf_pg_exec(a->conn, "ROLLBACK", NULL);
	free(sql);
	free(record);
	return rc;
}

int pgf_apply_baseline(const pgf_apply_ctx *a, const pgf_migration *const *ms, size_t n, pgf_error **err)
{
	char ledger[32];
	ledger_sql(ledger, a->ledger_entry);
	pgf_buf q = PGF_BUF_INIT;
	pgf_buf_puts(&q, "BEGIN;\n");
	for (size_t i = 0; i < n; i++) {
		const pgf_migration *m = ms[i];
		assert(literal_safe(m->version) && literal_safe(m->name) && literal_safe(m->sha256));
		pgf_buf_printf(&q,
		               "INSERT INTO pgfleet.applied_migrations (scope, version, name, sha256, commit, ledger_entry, "
		               "status) VALUES ('%s', '%s', '%s', '%s', '%s', %s, 'baselined');\n"
		               "INSERT INTO pgfleet.history (scope, version, name, action, sha256, commit, ledger_entry) "
		               "VALUES ('%s', '%s', '%s', 'baseline', '%s', '%s', %s);\n",
		               a->scope, m->version, m->name, m->sha256, a->commit, ledger, a->scope, m->version, m->name,
		               m->sha256, a->commit, ledger);
	}
	if (n > 0) {
		/* adoption takes the schema as it is for the baseline: one
		 * fingerprint, recorded with the highest version */
		char *record = pgf_drift_record_sql(a->scope, ms[n - 1]->version, "baseline");
		pgf_buf_puts(&q, record);
		free(record);
	}
	pgf_buf_puts(&q, "COMMIT;");
	int rc = pgf_pg_exec(a->conn, q.ptr, err);
	if (rc != 0)
		pgf_pg_exec(a->conn, "ROLLBACK", NULL);
	pgf_buf_free(&q);
	return rc;
}
