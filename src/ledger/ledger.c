/* The audit ledger: writing (an event sink), verifying, exporting,
 * checkpoints.
 *
 * Appends serialize on pgfleet.ledger_head, locked with SELECT ... FOR
 * UPDATE at READ COMMITTED: every writer reads (or, with the head it last
 * wrote, checks) the newest head under that lock, so concurrent reconcilers
 * extend one linear chain. Within one reconciler, the engine's workers share
 * appends (group commit): one transaction carries what they all queued. */
#include "pgfleet/ledger.h"

#include <jansson.h>
#include <pthread.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pgfleet/common.h"
#include "pgfleet/drift.h"
#include "pgfleet/digest.h"
#include "pgfleet/log.h"
#include "pgfleet/plan.h"
#include "pgfleet_config.h"

#define ZERO_HASH "0000000000000000000000000000000000000000000000000000000000000000"
#define DRIFT_OBJECTS 50 /* object lines kept in a drift_found entry */

static const char schema_sql[] =
	"BEGIN;\n"
	"SELECT pg_advisory_xact_lock(1885824628, 2);\n"
	"CREATE SCHEMA IF NOT EXISTS pgfleet;\n"
	"CREATE TABLE IF NOT EXISTS pgfleet.ledger (\n"
	"  seq bigint PRIMARY KEY CHECK (seq > 0),\n"
	"  body text NOT NULL,\n"
	"  prev_hash text NOT NULL,\n"
	"  hash text NOT NULL,\n"
	"  signature text NOT NULL,\n"
	"  key_fingerprint text NOT NULL);\n"
	"CREATE TABLE IF NOT EXISTS pgfleet.ledger_head (\n"
	"  one boolean PRIMARY KEY DEFAULT true CHECK (one),\n"
	"  seq bigint NOT NULL,\n"
	"  hash text NOT NULL);\n"
	"INSERT INTO pgfleet.ledger_head VALUES (true, 0, '" ZERO_HASH "') ON CONFLICT DO NOTHING;\n"
	/* intents without a result yet: derivable from the ledger, kept for
	 * cheap crash recovery (ledger verify --with-state cross-checks it) */
	"CREATE TABLE IF NOT EXISTS pgfleet.ledger_open_intents (\n"
	"  seq bigint PRIMARY KEY,\n"
	"  target text NOT NULL,\n"
	"  scope text NOT NULL,\n"
	"  version text NOT NULL,\n"
	"  action text NOT NULL);\n"
	/* version 2: the intent's action, to recover rollbacks */
	"ALTER TABLE pgfleet.ledger_open_intents ADD COLUMN IF NOT EXISTS action text NOT NULL DEFAULT 'apply';\n"
	"CREATE TABLE IF NOT EXISTS pgfleet.ledger_meta (key text PRIMARY KEY, value text NOT NULL);\n"
	/* version 3: the one-round-trip append checks the head it signed against */
	"CREATE OR REPLACE FUNCTION pgfleet.ledger_expect_head(want_seq bigint, want_hash text) RETURNS void\n"
	"LANGUAGE plpgsql AS $f$\n"
	"BEGIN\n"
	"  PERFORM 1 FROM pgfleet.ledger_head WHERE seq = want_seq AND hash = want_hash FOR UPDATE;\n"
	"  IF NOT FOUND THEN\n"
	"    RAISE EXCEPTION 'pgfleet.ledger_head moved' USING ERRCODE = 'serialization_failure';\n"
	"  END IF;\n"
	"END\n"
	"$f$;\n"
	"INSERT INTO pgfleet.ledger_meta VALUES ('ledger_version', '3')\n"
	"  ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value;\n"
	"CREATE OR REPLACE FUNCTION pgfleet.ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $f$\n"
	"BEGIN RAISE EXCEPTION 'pgfleet.ledger is append-only' USING ERRCODE = 'insufficient_privilege'; END\n"
	"$f$;\n"
	"DROP TRIGGER IF EXISTS ledger_no_update ON pgfleet.ledger;\n"
	"CREATE TRIGGER ledger_no_update BEFORE UPDATE OR DELETE ON pgfleet.ledger\n"
	"  FOR EACH ROW EXECUTE FUNCTION pgfleet.ledger_append_only();\n"
	"DROP TRIGGER IF EXISTS ledger_no_truncate ON pgfleet.ledger;\n"
	"CREATE TRIGGER ledger_no_truncate BEFORE TRUNCATE ON pgfleet.ledger\n"
	"  FOR EACH STATEMENT EXECUTE FUNCTION pgfleet.ledger_append_only();\n"
	"COMMIT;";

int pgf_ledger_ensure(pgf_pg *master, pgf_error **err)
{
	pgf_pg_result *r = NULL;
	/* steady state: one query */
	if (pgf_pg_query(master, &r, "SELECT value FROM pgfleet.ledger_meta WHERE key = 'ledger_version'", 0, NULL,
	                 NULL) == 0) {
		const char *v = pgf_pg_result_rows(r) ? pgf_pg_result_value(r, 0, 0) : NULL;
		int version = v ? atoi(v) : 0;
		pgf_pg_result_free(r);
		if (version > PGF_LEDGER_VERSION)
			return pgf_error_set(err, PGF_ERR_DB, "pgfleet.ledger is at version %d, newer than this pgfleet (%d)",
			                     version, PGF_LEDGER_VERSION);
		if (version == PGF_LEDGER_VERSION)
			return 0;
	}
	pgf_error *e = NULL;
	if (pgf_pg_exec(master, schema_sql, &e) != 0) {
		pgf_pg_exec(master, "ROLLBACK", NULL);
		pgf_error_set(err, PGF_ERR_DB, "creating pgfleet.ledger: %s", e->message);
		pgf_error_free(e);
		return -1;
	}
	return 0;
}

/* ---- canonical bodies ---- */

static char *canonical(json_t *obj)
{
	return json_dumps(obj, JSON_SORT_KEYS | JSON_COMPACT | JSON_ENSURE_ASCII);
}

static void utc_now(char out[32])
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	gmtime_r(&ts.tv_sec, &tm);
	char base[24];
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, 32, "%.19s.%03dZ", base, (int)(ts.tv_nsec / 1000000) % 1000);
}

/* ---- the writer ---- */

/* A thread waiting for its entries to be durable. */
typedef struct waiter {
	bool done;
	int rc;
	int64_t seq;         /* the seq its entry got */
	char *error;         /* rc != 0: why (owned) */
} waiter;

typedef struct pending {
	json_t *body;        /* without seq and prev: filled in at append */
	bool open_intent;    /* an intent: also goes to ledger_open_intents */
	int64_t closes;      /* a result: removes this intent seq (0: none) */
	waiter *w;           /* NULL: nobody waits for this one alone */
} pending;

/* Group commit: engine workers call the sink concurrently. Each enqueues
 * its entry under mu; whoever finds no append in flight becomes the leader,
 * takes everything queued and appends it in one transaction while the
 * others wait on cv (and queue more for the next one). The master
 * connection is used only by the thread that set `busy`. */
struct pgf_ledger {
	pgf_signer *signer;
	char fingerprint[PGF_FINGERPRINT_LEN];
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool busy;           /* a thread is using the master connection */
	pending *queue;
	size_t nqueue, cap;
	uint64_t queued;     /* entries ever queued */
	uint64_t written;    /* of those, appended (or given up on) */
	char *lost;          /* the first error of a batch nobody waited on */
	/* the head as this writer last left it: the next append signs against
	 * it and only checks, in the same round trip, that it did not move */
	bool head_known;
	int64_t head_seq;
	char head_hash[65];
	int64_t run_seq;
	bool ready;
	/* "target\tscope" of every intent open when the run started: a target
	 * not in it needs no recovery query (a no-op run costs no master round
	 * trip per tenant). An intent opened later by another reconciler that
	 * then died is recovered by the next run. */
	char **open_keys;
	size_t nopen;
};

int pgf_ledger_new(pgf_ledger **out, const char *key_path, pgf_error **err)
{
	pgf_signer *k = NULL;
	if (pgf_signer_load(&k, key_path, err) != 0)
		return -1;
	pgf_ledger *l = pgf_calloc(1, sizeof(*l));
	l->signer = k;
	pgf_signer_fingerprint(k, l->fingerprint);
	pthread_mutex_init(&l->mu, NULL);
	pthread_cond_init(&l->cv, NULL);
	*out = l;
	return 0;
}

void pgf_ledger_free(pgf_ledger *l)
{
	if (l == NULL)
		return;
	for (size_t i = 0; i < l->nqueue; i++)
		json_decref(l->queue[i].body);
	free(l->queue);
	free(l->lost);
	for (size_t i = 0; i < l->nopen; i++)
		free(l->open_keys[i]);
	free(l->open_keys);
	pthread_mutex_destroy(&l->mu);
	pthread_cond_destroy(&l->cv);
	pgf_signer_free(l->signer);
	free(l);
}

/* The master connection, exclusively. */
static void conn_take(pgf_ledger *l)
{
	pthread_mutex_lock(&l->mu);
	while (l->busy)
		pthread_cond_wait(&l->cv, &l->mu);
	l->busy = true;
	pthread_mutex_unlock(&l->mu);
}

static void conn_give(pgf_ledger *l)
{
	pthread_mutex_lock(&l->mu);
	l->busy = false;
	pthread_cond_broadcast(&l->cv);
	pthread_mutex_unlock(&l->mu);
}

/* The ledger's objects, checked once per run (connection held). */
static int ensure_once(pgf_ledger *l, pgf_pg *master, pgf_error **err)
{
	if (l->ready)
		return 0;
	if (pgf_ledger_ensure(master, err) != 0)
		return -1;
	l->ready = true;
	return 0;
}

/* Queues an entry (mu held); returns its ticket. */
static uint64_t enqueue(pgf_ledger *l, json_t *body, bool open_intent, int64_t closes, waiter *w)
{
	char now[32];
	utc_now(now);
	json_object_set_new(body, "time", json_string(now));
	if (l->run_seq > 0)
		json_object_set_new(body, "run", json_integer(l->run_seq));
	PGF_ARRAY_GROW(l->queue, l->nqueue, l->cap);
	l->queue[l->nqueue++] = (pending){ body, open_intent, closes, w };
	return ++l->queued;
}

static char *quoted(pgf_pg *master, json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));
	return pgf_pg_quote_literal(master, s, strlen(s));
}

/* The statements that append batch[0..n) after head (seq, prev), each body
 * signed; the new head is left in seq and prev. */
static int build_append(pgf_ledger *l, pgf_pg *master, pending *batch, size_t n, int64_t *seq, char prev[65],
                        pgf_buf *q, pgf_error **err)
{
	pgf_buf_puts(q, "INSERT INTO pgfleet.ledger (seq, body, prev_hash, hash, signature, key_fingerprint) VALUES ");
	pgf_buf side = PGF_BUF_INIT;
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		pending *p = &batch[i];
		++*seq;
		json_object_set_new(p->body, "seq", json_integer(*seq));
		json_object_set_new(p->body, "prev", json_string(prev));
		char *body = canonical(p->body);
		char hash[65];
		pgf_sha256_hex(body, strlen(body), hash);
		char *sig = NULL;
		rc = pgf_signer_sign(&sig, l->signer, body, strlen(body), PGF_LEDGER_NAMESPACE, err);
		if (rc == 0) {
			char *qb = pgf_pg_quote_literal(master, body, strlen(body));
			char *qs = pgf_pg_quote_literal(master, sig, strlen(sig));
			pgf_buf_printf(q, "%s(%lld, %s, '%s', '%s', %s, '%s')", i ? ", " : "", (long long)*seq, qb, prev, hash,
			               qs, l->fingerprint);
			free(qb);
			free(qs);
			if (p->open_intent) {
				char *qt = quoted(master, p->body, "target"), *qsc = quoted(master, p->body, "scope"),
				     *qv = quoted(master, p->body, "version");
				const char *action = json_string_value(json_object_get(p->body, "action"));
				pgf_buf_printf(&side, "INSERT INTO pgfleet.ledger_open_intents VALUES (%lld, %s, %s, %s, '%s');\n",
				               (long long)*seq, qt, qsc, qv, strcmp(action, "rollback") == 0 ? "rollback" : "apply");
				free(qt);
				free(qsc);
				free(qv);
			}
			if (p->closes > 0)
				pgf_buf_printf(&side, "DELETE FROM pgfleet.ledger_open_intents WHERE seq = %lld;\n",
				               (long long)p->closes);
			snprintf(prev, 65, "%s", hash);
		}
		free(sig);
		free(body);
	}
	if (rc == 0)
		pgf_buf_printf(q, ";\n%sUPDATE pgfleet.ledger_head SET seq = %lld, hash = '%s';\nCOMMIT;",
		               side.ptr ? side.ptr : "", (long long)*seq, prev);
	pgf_buf_free(&side);
	return rc;
}

/* Appends batch[0..n) in one transaction (connection held). With the head
 * known from this writer's last append, one round trip: the transaction
 * starts by checking, under the head's row lock, that nobody moved it.
 * Otherwise (first append, or another reconciler appended since) the head
 * is read under the lock first and the batch signed against it. */
static int append(pgf_ledger *l, pgf_pg *master, pending *batch, size_t n, pgf_error **err)
{
	if (ensure_once(l, master, err) != 0)
		return -1;
	for (int attempt = 0; attempt < 2; attempt++) {
		bool fast = attempt == 0 && l->head_known;
		int64_t seq;
		char prev[65];
		pgf_buf q = PGF_BUF_INIT;
		if (fast) {
			seq = l->head_seq;
			snprintf(prev, sizeof(prev), "%s", l->head_hash);
			pgf_buf_printf(&q, "BEGIN; SELECT pgfleet.ledger_expect_head(%lld, '%s');\n", (long long)seq, prev);
		} else {
			pgf_pg_result *r = NULL;
			if (pgf_pg_query_simple(master, &r, "BEGIN; SELECT seq, hash FROM pgfleet.ledger_head FOR UPDATE",
			                        err) != 0 ||
			    r == NULL || pgf_pg_result_rows(r) != 1) {
				pgf_pg_result_free(r);
				pgf_pg_exec(master, "ROLLBACK", NULL);
				pgf_buf_free(&q);
				return err && *err ? -1 : pgf_error_set(err, PGF_ERR_DB, "pgfleet.ledger_head has no row");
			}
			seq = atoll(pgf_pg_result_value(r, 0, 0));
			snprintf(prev, sizeof(prev), "%s", pgf_pg_result_value(r, 0, 1));
			pgf_pg_result_free(r);
		}
		int64_t first = seq + 1;
		pgf_error *e = NULL;
		int rc = build_append(l, master, batch, n, &seq, prev, &q, &e);
		if (rc == 0)
			rc = pgf_pg_exec(master, q.ptr, &e);
		pgf_buf_free(&q);
		if (rc == 0) {
			l->head_known = true;
			l->head_seq = seq;
			snprintf(l->head_hash, sizeof(l->head_hash), "%s", prev);
			for (size_t i = 0; i < n; i++)
				if (batch[i].w != NULL)
					batch[i].w->seq = first + (int64_t)i;
			return 0;
		}
		pgf_pg_exec(master, "ROLLBACK", NULL);
		l->head_known = false;
		if (!fast) {
			pgf_error_append(err, e);
			return -1;
		}
		/* the head moved (another reconciler appended) or the connection
		 * failed: read the head under its lock and sign again */
		pgf_log_debug("ledger: %s; appending again from the current head", e->message);
		pgf_error_free(e);
	}
	return -1;
}

/* Waits until every entry up to ticket is appended, appending as the
 * leader when nobody else is (mu held on entry and on return). */
static void wait_written(pgf_ledger *l, pgf_pg *master, uint64_t ticket)
{
	while (l->written < ticket) {
		if (l->busy) {
			pthread_cond_wait(&l->cv, &l->mu);
			continue;
		}
		l->busy = true;
		pending *batch = l->queue;
		size_t n = l->nqueue;
		uint64_t upto = l->queued;
		l->queue = NULL;
		l->nqueue = l->cap = 0;
		pthread_mutex_unlock(&l->mu);

		pgf_error *e = NULL;
		int rc = n ? append(l, master, batch, n, &e) : 0;
		bool someone = false;
		for (size_t i = 0; i < n; i++) {
			if (batch[i].w != NULL) {
				batch[i].w->rc = rc;
				batch[i].w->error = rc ? pgf_strdup(e->message) : NULL;
				batch[i].w->done = true;
				someone = true;
			}
			json_decref(batch[i].body);
		}
		free(batch);

		pthread_mutex_lock(&l->mu);
		if (rc != 0 && !someone && l->lost == NULL)
			l->lost = pgf_strdup(e->message);
		pgf_error_free(e);
		l->written = upto;
		l->busy = false;
		pthread_cond_broadcast(&l->cv);
	}
}

/* Queues body and returns once it is appended; *seq (may be NULL) gets its
 * seq. An earlier batch that failed with nobody waiting is reported here. */
static int append_now(pgf_ledger *l, pgf_pg *master, json_t *body, bool open_intent, int64_t closes, int64_t *seq,
                      pgf_error **err)
{
	waiter w = { 0 };
	pthread_mutex_lock(&l->mu);
	uint64_t t = body ? enqueue(l, body, open_intent, closes, &w) : l->queued;
	wait_written(l, master, t);
	/* a lost batch is reported by the first caller that can report it (a
	 * target's end takes no error; the run's end does) */
	char *lost = err != NULL ? l->lost : NULL;
	if (err != NULL)
		l->lost = NULL;
	pthread_mutex_unlock(&l->mu);
	int rc = 0;
	if (body != NULL && w.rc != 0) {
		rc = pgf_error_set(err, PGF_ERR_DB, "appending to pgfleet.ledger: %s", w.error);
	} else if (lost != NULL) {
		rc = pgf_error_set(err, PGF_ERR_DB, "appending to pgfleet.ledger: %s", lost);
	}
	free(w.error);
	free(lost);
	if (rc == 0 && seq != NULL)
		*seq = w.seq;
	return rc;
}

/* Queues body to go with the next append. */
static void append_later(pgf_ledger *l, json_t *body, int64_t closes)
{
	pthread_mutex_lock(&l->mu);
	enqueue(l, body, false, closes, NULL);
	pthread_mutex_unlock(&l->mu);
}

static const char *kind_of_result(const char *action, bool ok)
{
	if (!ok)
		return "failed";
	if (strcmp(action, "rollback") == 0)
		return "rolled_back";
	if (strcmp(action, "baseline") == 0)
		return "adopted";
	return "applied";
}

/* Crash recovery, under the target's lock: an open intent whose version is
 * recorded in the database (with that intent) took effect: "recovered";
 * otherwise it never did: "abandoned". */
static int load_open_keys(pgf_ledger *l, pgf_pg *master, pgf_error **err)
{
	pgf_pg_result *r = NULL;
	if (pgf_pg_query(master, &r, "SELECT DISTINCT target || E'\\t' || scope FROM pgfleet.ledger_open_intents", 0,
	                 NULL, err) != 0)
		return -1;
	l->nopen = pgf_pg_result_rows(r);
	l->open_keys = pgf_calloc(l->nopen ? l->nopen : 1, sizeof(char *));
	for (size_t i = 0; i < l->nopen; i++)
		l->open_keys[i] = pgf_strdup(pgf_pg_result_value(r, i, 0));
	pgf_pg_result_free(r);
	return 0;
}

static bool maybe_open(const pgf_ledger *l, const char *target, const char *scope)
{
	size_t tn = strlen(target);
	for (size_t i = 0; i < l->nopen; i++)
		if (strncmp(l->open_keys[i], target, tn) == 0 && l->open_keys[i][tn] == '\t' &&
		    strcmp(l->open_keys[i] + tn + 1, scope) == 0)
			return true;
	return false;
}

/* A body json_pack could not build (text that is not UTF-8 where pgfleet
 * expects its own names): an error, never an entry silently left out. A
 * caller that takes no error (a result, a target's end) gets it from the
 * next append, as a batch nobody waited on. */
static int unencodable(pgf_ledger *l, pgf_error **err, const char *kind, const pgf_event *ev)
{
	char *msg = pgf_asprintf("the %s entry for %s could not be encoded (text that is not UTF-8)", kind,
	                         ev->target ? ev->target : "the run");
	if (err == NULL) {
		pthread_mutex_lock(&l->mu);
		if (l->lost == NULL)
			l->lost = msg, msg = NULL;
		pthread_mutex_unlock(&l->mu);
		free(msg);
		return -1;
	}
	pgf_error_set(err, PGF_ERR_INPUT, "ledger: %s", msg);
	free(msg);
	return -1;
}

static int recover(pgf_ledger *l, const pgf_event *ev, pgf_error **err)
{
	if (!maybe_open(l, ev->target, ev->scope))
		return 0;
	pgf_pg_result *r = NULL;
	const char *params[] = { ev->target, ev->scope };
	conn_take(l);
	int rc = pgf_pg_query(ev->master, &r,
	                      "SELECT seq, version, action FROM pgfleet.ledger_open_intents WHERE target = $1 AND "
	                      "scope = $2 ORDER BY seq",
	                      2, params, err);
	conn_give(l);
	if (rc != 0)
		return -1;
	size_t n = pgf_pg_result_rows(r);
	for (size_t i = 0; i < n; i++) {
		int64_t seq = atoll(pgf_pg_result_value(r, i, 0));
		const char *version = pgf_pg_result_value(r, i, 1);
		/* an apply took effect when its row names this intent; a rollback,
		 * when the version's row is gone (it existed when the intent was
		 * written) */
		bool rollback = strcmp(pgf_pg_result_value(r, i, 2), "rollback") == 0;
		bool named = false, present = false;
		for (size_t k = 0; ev->state != NULL && k < ev->state->count; k++) {
			bool same = strcmp(ev->state->items[k].version, version) == 0;
			present = present || same;
			named = named || (same && ev->state->items[k].ledger_entry == seq);
		}
		bool took_effect = rollback ? !present : named;
		json_t *b = json_pack("{s:s, s:I, s:s, s:s, s:s}", "kind", took_effect ? "recovered" : "abandoned", "intent",
		                      (json_int_t)seq, "target", ev->target, "scope", ev->scope, "version", version);
		if (b == NULL) {
			pgf_pg_result_free(r);
			return unencodable(l, err, took_effect ? "recovered" : "abandoned", ev);
		}
		append_later(l, b, seq);
	}
	pgf_pg_result_free(r);
	return n > 0 ? append_now(l, ev->master, NULL, false, 0, NULL, err) : 0;
}

static char *hostname_user(void)
{
	char host[256] = "";
	gethostname(host, sizeof(host) - 1);
	struct passwd *pw = getpwuid(getuid());
	char *who = pgf_asprintf("%s@%s", pw && pw->pw_name ? pw->pw_name : "?", host);
	char *utf8 = pgf_str_utf8(who); /* the system's names, in whatever bytes */
	free(who);
	return utf8;
}

/* Called by the engine's workers concurrently (the sink is marked
 * concurrent); the master connection is only used under conn_take or as
 * the group-commit leader. */
int pgf_ledger_emit(void *ctx, const pgf_event *ev, int64_t *entry_id, pgf_error **err)
{
	pgf_ledger *l = ctx;
	if (entry_id != NULL)
		*entry_id = -1;
	json_t *b = NULL;
	switch (ev->kind) {
	case PGF_EVENT_RUN_START: {
		char *who = hostname_user();
		b = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "kind", "run_started", "command", ev->command, "commit",
		              ev->commit, "verified", ev->verified ? ev->verified : "no", "by", who, "pgfleet",
		              PGFLEET_VERSION);
		free(who);
		if (b == NULL)
			return unencodable(l, err, "run_started", ev);
		if (ev->allow_rewind)
			json_object_set_new(b, "allow_rewind", json_string("yes"));
		if (ev->shard != NULL)
			json_object_set_new(b, "shard", json_string(ev->shard));
		l->run_seq = 0;
		int64_t seq = 0;
		if (append_now(l, ev->master, b, false, 0, &seq, err) != 0)
			return -1;
		l->run_seq = seq;
		conn_take(l);
		int rc = load_open_keys(l, ev->master, err);
		conn_give(l);
		return rc;
	}
	case PGF_EVENT_TARGET_STATE:
		return recover(l, ev, err);
	case PGF_EVENT_VERSION_BEFORE:
		b = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "kind", "intent", "action", ev->action, "target",
		              ev->target, "scope", ev->scope, "version", ev->version, "file", ev->file, "sha256", ev->sha256);
		if (b == NULL)
			return unencodable(l, err, "intent", ev);
		/* durable before the version runs */
		return append_now(l, ev->master, b, true, 0, entry_id, err);
	case PGF_EVENT_VERSION_APPLIED:
	case PGF_EVENT_VERSION_FAILED: {
		bool ok = ev->kind == PGF_EVENT_VERSION_APPLIED;
		b = json_pack("{s:s, s:s, s:s, s:s, s:I}", "kind", kind_of_result(ev->action, ok), "target", ev->target,
		              "scope", ev->scope, "version", ev->version, "duration_ms", (json_int_t)(ev->seconds * 1000));
		if (b == NULL)
			return unencodable(l, err, kind_of_result(ev->action, ok), ev);
		if (ev->entry > 0)
			json_object_set_new(b, "intent", json_integer(ev->entry));
		if (!ok && ev->error != NULL) {
			const pgf_error *e = ev->error;
			while (e->next != NULL)
				e = e->next;
			json_object_set_new(b, "error", pgf_json_text(e->message));
		}
		append_later(l, b, ev->entry > 0 ? ev->entry : 0);
		return 0;
	}
	case PGF_EVENT_TARGET_FINISH:
		/* Results are written before the target's lock is released: another
		 * reconciler taking the lock next must not see this run's intents
		 * open, or it would close them a second time. */
		if (ev->outcome == NULL || strcmp(ev->outcome, "up to date") == 0 || strcmp(ev->outcome, "changed") == 0)
			return append_now(l, ev->master, NULL, false, 0, NULL, err);
		b = json_pack("{s:s, s:s}", "kind", strcmp(ev->outcome, "unreachable") == 0 ? "failed" : ev->outcome, "target",
		              ev->target);
		if (b == NULL) {
			/* the target's results still go before its lock is released */
			append_now(l, ev->master, NULL, false, 0, NULL, err);
			return unencodable(l, err, ev->outcome, ev);
		}
		if (ev->reason != NULL)
			json_object_set_new(b, "reason", pgf_json_text(ev->reason));
		if (ev->error != NULL)
			json_object_set_new(b, "error", pgf_json_text(ev->error->message));
		return append_now(l, ev->master, b, false, 0, NULL, err);
	case PGF_EVENT_RUN_FINISH: {
		/* engine.h's pgf_outcome order */
		static const char *const names[] = { "up_to_date", "changed", "skipped", "busy", "refused", "failed", "held" };
		b = json_pack("{s:s, s:s}", "kind", "run_finished", "outcome", ev->outcome ? ev->outcome : "");
		for (size_t i = 0; ev->counts != NULL && i < sizeof(names) / sizeof(names[0]); i++)
			json_object_set_new(b, names[i], json_integer((json_int_t)ev->counts[i]));
		return append_now(l, ev->master, b, false, 0, NULL, err);
	}
	case PGF_EVENT_DRIFT: {
		/* the schema differs from the fingerprint recorded after version;
		 * the objects as one string (bodies hold strings and integers), in
		 * UTF-8 (a SQL_ASCII database's names may hold any byte; an entry
		 * json_pack refused would be lost) */
		char *joined = pgf_drift_lines_join(ev->objects, ev->nobjects, DRIFT_OBJECTS, false);
		char *objects = pgf_str_utf8(joined);
		free(joined);
		b = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I}", "kind", "drift_found", "target", ev->target,
		              "scope", ev->scope, "version", ev->version ? ev->version : "", "expected",
		              ev->fingerprint_expected, "actual", ev->fingerprint_actual, "policy", ev->outcome, "objects",
		              objects, "objects_total", (json_int_t)ev->nobjects);
		free(objects);
		if (b == NULL)
			return unencodable(l, err, "drift_found", ev);
		return append_now(l, ev->master, b, false, 0, NULL, err);
	}
	case PGF_EVENT_TARGET_START:
		return 0;
	}
	return 0;
}

/* ---- the auditor's side ---- */

typedef struct verifier {
	const pgf_allowed_signers *trust;
	pgf_ledger_finding_cb cb;
	void *ctx;
	int64_t findings;
	int64_t expect_seq;
	int64_t entries;
	char prev[65];
} verifier;

static void finding(verifier *v, int64_t seq, const char *fmt, ...) PGF_PRINTF(3, 4);

static void finding(verifier *v, int64_t seq, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = pgf_vasprintf(fmt, ap);
	va_end(ap);
	v->findings++;
	if (v->cb != NULL)
		v->cb(v->ctx, seq, msg);
	free(msg);
}

/* One entry: its place in the chain, its hash, its body's own seq and prev,
 * its signature and signer. */
/* "2026-11-24T21:28:01.123Z" (utc_now's form) as seconds since the epoch;
 * -1 when absent or not in that form. */
static int64_t entry_time(const char *s)
{
	struct tm tm = { 0 };
	int n = 0;
	if (s == NULL || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
	                        &tm.tm_min, &tm.tm_sec, &n) != 6 || n != 19 || (s[19] != '.' && s[19] != 'Z'))
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (int64_t)timegm(&tm);
}

static void check_entry(verifier *v, int64_t seq, const char *body, const char *prev_hash, const char *hash,
                        const char *signature, const char *fingerprint)
{
	if (seq != v->expect_seq) {
		finding(v, seq, "sequence gap: expected entry %lld", (long long)v->expect_seq);
		v->expect_seq = seq;
	}
	v->expect_seq++;
	if (strcmp(prev_hash, v->prev) != 0)
		finding(v, seq, "prev_hash %.12s does not link to the previous entry's hash %.12s", prev_hash, v->prev);
	char computed[65];
	pgf_sha256_hex(body, strlen(body), computed);
	if (strcmp(computed, hash) != 0)
		finding(v, seq, "hash %.12s is not the body's sha256 (%.12s): body or hash modified", hash, computed);
	json_error_t jerr;
	json_t *b = json_loads(body, JSON_REJECT_DUPLICATES, &jerr);
	/* a key's validity window (allowed_signers valid-after/valid-before) is
	 * judged at the entry's own time, as git judges a commit's signature at
	 * the commit's time: retiring a key does not invalidate what it signed */
	int64_t when = b != NULL ? entry_time(json_string_value(json_object_get(b, "time"))) : -1;
	if (when < 0)
		when = (int64_t)time(NULL);
	if (b == NULL) {
		finding(v, seq, "body is not JSON: %s", jerr.text);
	} else {
		char *canon = canonical(b);
		if (strcmp(canon, body) != 0)
			finding(v, seq, "body is not in canonical form");
		free(canon);
		json_t *js = json_object_get(b, "seq"), *jp = json_object_get(b, "prev");
		if (!json_is_integer(js) || json_integer_value(js) != seq)
			finding(v, seq, "the body's own seq is not %lld: entry moved", (long long)seq);
		if (!json_is_string(jp) || strcmp(json_string_value(jp), prev_hash) != 0)
			finding(v, seq, "the body's own prev does not match prev_hash: entry moved or forged");
		json_decref(b);
	}
	pgf_error *e = NULL;
	pgf_sshsig *sig = NULL;
	const char *who = NULL;
	if (pgf_sshsig_parse(&sig, signature, strlen(signature), &e) != 0 ||
	    pgf_sshsig_verify(sig, body, strlen(body), PGF_LEDGER_NAMESPACE, &e) != 0 ||
	    (v->trust != NULL &&
	     pgf_allowed_signers_find(&who, v->trust, sig, PGF_LEDGER_NAMESPACE, when, NULL, &e) != 0)) {
		finding(v, seq, "signature: %s", e ? e->message : "invalid");
	} else {
		char fp[PGF_FINGERPRINT_LEN];
		pgf_sshsig_fingerprint(sig, fp);
		if (strcmp(fp, fingerprint) != 0)
			finding(v, seq, "key_fingerprint %s is not the signing key's (%s)", fingerprint, fp);
	}
	pgf_error_free(e);
	pgf_sshsig_free(sig);
	snprintf(v->prev, sizeof(v->prev), "%s", hash);
}

/* A checkpoint: three lines, then its armored signature. */
static int check_checkpoint(verifier *v, pgf_pg *master, const char *text, pgf_error **err)
{
	char origin[256] = "", hash[65] = "";
	long long size = -1;
	const char *armor = strstr(text, "-----BEGIN SSH SIGNATURE-----");
	if (armor == NULL || sscanf(text, "%255[^\n]\n%lld\n%64s\n", origin, &size, hash) != 3 || size < 0)
		return pgf_error_set(err, PGF_ERR_INPUT, "checkpoint: expected origin, size and hash lines, then a signature");
	size_t note_len = (size_t)(armor - text);
	pgf_sshsig *sig = NULL;
	pgf_error *e = NULL;
	const char *who = NULL;
	if (pgf_sshsig_parse(&sig, armor, strlen(armor), &e) != 0 ||
	    pgf_sshsig_verify(sig, text, note_len, PGF_CHECKPOINT_NAMESPACE, &e) != 0 ||
	    (v->trust != NULL &&
	     pgf_allowed_signers_find(&who, v->trust, sig, PGF_CHECKPOINT_NAMESPACE, (int64_t)time(NULL), NULL, &e) != 0))
		finding(v, size, "checkpoint signature: %s", e ? e->message : "invalid");
	pgf_error_free(e);
	pgf_sshsig_free(sig);
	if (size == 0)
		return 0;
	char seqtext[32];
	snprintf(seqtext, sizeof(seqtext), "%lld", size);
	const char *params[] = { seqtext };
	pgf_pg_result *r = NULL;
	if (pgf_pg_query(master, &r, "SELECT hash FROM pgfleet.ledger WHERE seq = $1::bigint", 1, params, err) != 0)
		return -1;
	if (pgf_pg_result_rows(r) == 0)
		finding(v, size, "checkpoint: the ledger has no entry %lld: truncated", size);
	else if (strcmp(pgf_pg_result_value(r, 0, 0), hash) != 0)
		finding(v, size, "checkpoint: entry %lld has hash %.12s, the checkpoint says %.12s: history rewritten", size,
		        pgf_pg_result_value(r, 0, 0), hash);
	pgf_pg_result_free(r);
	return 0;
}

int pgf_ledger_each(pgf_pg *master, int64_t since, pgf_ledger_entry_cb cb, void *ctx, int64_t *last,
                    pgf_error **err)
{
	/* in pages, so that memory does not grow with the ledger */
	int64_t after = since;
	for (;;) {
		char a[32];
		snprintf(a, sizeof(a), "%lld", (long long)after);
		const char *params[] = { a };
		pgf_pg_result *r = NULL;
		if (pgf_pg_query(master, &r,
		                 "SELECT seq, body, prev_hash, hash, signature, key_fingerprint FROM pgfleet.ledger "
		                 "WHERE seq > $1::bigint ORDER BY seq LIMIT 5000",
		                 1, params, err) != 0)
			return -1;
		size_t n = pgf_pg_result_rows(r);
		for (size_t i = 0; i < n; i++) {
			pgf_ledger_entry e = { atoll(pgf_pg_result_value(r, i, 0)), pgf_pg_result_value(r, i, 1),
				               pgf_pg_result_value(r, i, 2), pgf_pg_result_value(r, i, 3),
				               pgf_pg_result_value(r, i, 4), pgf_pg_result_value(r, i, 5) };
			after = e.seq;
			cb(ctx, &e);
		}
		pgf_pg_result_free(r);
		if (n == 0)
			break;
	}
	if (last != NULL)
		*last = after;
	return 0;
}

static void verify_one(void *ctx, const pgf_ledger_entry *e)
{
	verifier *v = ctx;
	check_entry(v, e->seq, e->body, e->prev_hash, e->hash, e->signature, e->key_fingerprint);
	v->entries++;
}

int pgf_ledger_verify(pgf_ledger_report *out, pgf_pg *master, const pgf_allowed_signers *trust,
                      const char *checkpoint, pgf_ledger_finding_cb cb, void *ctx, pgf_error **err)
{
	memset(out, 0, sizeof(*out));
	verifier v = { .trust = trust, .cb = cb, .ctx = ctx, .expect_seq = 1 };
	snprintf(v.prev, sizeof(v.prev), "%s", ZERO_HASH);
	int64_t after = 0;
	if (pgf_ledger_each(master, 0, verify_one, &v, &after, err) != 0)
		return -1;
	out->entries = v.entries;
	/* the head row must be the last entry */
	pgf_pg_result *h = NULL;
	if (pgf_pg_query(master, &h, "SELECT seq, hash FROM pgfleet.ledger_head", 0, NULL, err) != 0)
		return -1;
	if (pgf_pg_result_rows(h) == 1 && (atoll(pgf_pg_result_value(h, 0, 0)) != after ||
	                                   strcmp(pgf_pg_result_value(h, 0, 1), v.prev) != 0))
		finding(&v, after, "ledger_head (seq %s) is not the last entry (seq %lld): entries removed or added "
		                   "outside pgfleet",
		        pgf_pg_result_value(h, 0, 0), (long long)after);
	pgf_pg_result_free(h);
	if (checkpoint != NULL && check_checkpoint(&v, master, checkpoint, err) != 0)
		return -1;
	out->findings = v.findings;
	snprintf(out->head_hash, sizeof(out->head_hash), "%s", v.prev);
	return 0;
}

typedef struct export_ctx {
	void (*line)(void *ctx, const char *json);
	void *ctx;
} export_ctx;

static void export_one(void *ctx, const pgf_ledger_entry *e)
{
	export_ctx *x = ctx;
	/* the stored text as it is; bytes that are not UTF-8 (only an edit in a
	 * SQL_ASCII master can leave them) as \xNN, which the entry's hash
	 * then no longer matches */
	json_t *o = json_pack("{s:I, s:o, s:o, s:o, s:o, s:o}", "seq", (json_int_t)e->seq, "body", pgf_json_text(e->body),
	                      "prev_hash", pgf_json_text(e->prev_hash), "hash", pgf_json_text(e->hash), "signature",
	                      pgf_json_text(e->signature), "key_fingerprint", pgf_json_text(e->key_fingerprint));
	char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	x->line(x->ctx, s);
	free(s);
	json_decref(o);
}

int pgf_ledger_export(pgf_pg *master, int64_t since, void (*line)(void *ctx, const char *json), void *ctx,
                      pgf_error **err)
{
	export_ctx x = { line, ctx };
	return pgf_ledger_each(master, since, export_one, &x, NULL, err);
}

int pgf_ledger_checkpoint(char **out, pgf_pg *master, const char *key_path, pgf_error **err)
{
	pgf_signer *k = NULL;
	if (pgf_signer_load(&k, key_path, err) != 0)
		return -1;
	pgf_pg_result *r = NULL;
	int rc = pgf_pg_query(master, &r,
	                      "SELECT h.seq, h.hash, current_database(), coalesce(inet_server_addr()::text, 'local') "
	                      "FROM pgfleet.ledger_head h",
	                      0, NULL, err);
	if (rc == 0 && pgf_pg_result_rows(r) != 1)
		rc = pgf_error_set(err, PGF_ERR_DB, "pgfleet.ledger has no head row: no ledger in this database");
	if (rc == 0) {
		char *note = pgf_asprintf("pgfleet ledger %s/%s\n%s\n%s\n", pgf_pg_result_value(r, 0, 3),
		                          pgf_pg_result_value(r, 0, 2), pgf_pg_result_value(r, 0, 0),
		                          pgf_pg_result_value(r, 0, 1));
		char *sig = NULL;
		rc = pgf_signer_sign(&sig, k, note, strlen(note), PGF_CHECKPOINT_NAMESPACE, err);
		if (rc == 0)
			*out = pgf_asprintf("%s%s", note, sig);
		free(sig);
		free(note);
	}
	pgf_pg_result_free(r);
	pgf_signer_free(k);
	return rc;
}
