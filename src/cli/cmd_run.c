/* plan, reconcile, status, rollback, adopt: the commands that talk to the
 * fleet. One file: they share opening the commit, the policy, the master,
 * and the report. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "pgfleet/common.h"
#include "pgfleet/engine.h"
#include "pgfleet/ledger.h"
#include "pgfleet/log.h"
#include "pgfleet/pg.h"
#include "pgfleet/verify.h"

#define DEFAULT_JOBS 8

typedef struct reporter {
	pgf_mode mode;
	bool json;
	bool progress;  /* a live line on a terminal instead of a line per target */
	double started;
	size_t failed;
} reporter;

static void print_errors(const pgf_error *err)
{
	for (; err != NULL; err = err->next) {
		pgf_cli_print_text("  ", err->message);
		if (err->detail)
			pgf_cli_print_text("    detail: ", err->detail);
		if (err->hint)
			pgf_cli_print_text("    hint: ", err->hint);
	}
}

static void describe_outcome(const reporter *rp, const pgf_target_report *t, const pgf_scope_report *s,
                             const char *head, const char *cur, const char *last_failure);

static void describe_scope(const reporter *rp, const pgf_target_report *t, const pgf_scope_report *s)
{
	char head[256];
	snprintf(head, sizeof(head), "%s %s:", t->name, s->scope);
	const char *cur = s->after ? s->after : "none";
	/* a database's error message, read back by status */
	char *last_failure = s->last_failure ? pgf_str_printable(s->last_failure) : NULL;
	describe_outcome(rp, t, s, head, cur, last_failure);
	free(last_failure);
}

static void describe_outcome(const reporter *rp, const pgf_target_report *t, const pgf_scope_report *s,
                             const char *head, const char *cur, const char *last_failure)
{
	switch (s->outcome) {
	case PGF_OUTCOME_UP_TO_DATE:
		if (rp->mode == PGF_MODE_STATUS)
			printf("%s version %s, last applied %s, 0 pending%s%s\n", head, cur,
			       s->last_applied_at ? s->last_applied_at : "never", last_failure ? ", last failure: " : "",
			       last_failure ? last_failure : "");
		else if (rp->mode == PGF_MODE_ADOPT && s->files)
			printf("%s %s\n", head, s->files);
		else
			printf("%s up to date at %s\n", head, cur);
		return;
	case PGF_OUTCOME_CHANGED:
		switch (rp->mode) {
		case PGF_MODE_PLAN:
			printf("%s %zu pending after %s: %s\n", head, s->pending, cur, s->files ? s->files : "");
			return;
		case PGF_MODE_STATUS:
			printf("%s version %s, last applied %s, %zu pending%s%s\n", head, cur,
			       s->last_applied_at ? s->last_applied_at : "never", s->pending,
			       last_failure ? ", last failure: " : "", last_failure ? last_failure : "");
			return;
		case PGF_MODE_RECONCILE:
			printf("%s applied %zu (%s -> %s) in %.2fs\n", head, s->done, s->before ? s->before : "none", cur,
			       t->seconds);
			return;
		case PGF_MODE_ROLLBACK:
			printf("%s rolled back %zu (%s -> %s): %s\n", head, s->done, s->before ? s->before : "none", cur,
			       s->files ? s->files : "");
			return;
		case PGF_MODE_ADOPT:
			printf("%s baselined %zu: %s\n", head, s->done, s->files ? s->files : "");
			return;
		case PGF_MODE_DRIFT:
			return; /* cmd_drift.c */
		}
		return;
	case PGF_OUTCOME_SKIPPED:
	case PGF_OUTCOME_HELD: /* the reason starts with "held: " */
		printf("%s %s%s)\n", head, s->outcome == PGF_OUTCOME_SKIPPED ? "skipped (" : "not started (",
		       t->skip_reason ? t->skip_reason : "");
		return;
	case PGF_OUTCOME_BUSY:
		printf("%s busy: another reconciler holds the lock; try again later\n", head);
		return;
	case PGF_OUTCOME_REFUSED:
	case PGF_OUTCOME_FAILED:
		printf("%s %s%s%s\n", head, pgf_outcome_name(s->outcome),
		       s->done ? " after applying " : "", s->done ? (s->after ? s->after : "") : "");
		print_errors(s->err);
		return;
	}
}

static void on_target(void *ctx, const pgf_target_report *t, size_t finished, size_t total)
{
	reporter *rp = ctx;
	if (t->outcome >= PGF_OUTCOME_BUSY)
		rp->failed++;
	if (rp->json || rp->mode == PGF_MODE_DRIFT) /* drift prints once peers are compared */
		return;
	if (!rp->progress || t->outcome >= PGF_OUTCOME_BUSY) {
		if (rp->progress)
			fprintf(stderr, "\r\033[K");
		for (size_t i = 0; i < t->nscopes; i++)
			describe_scope(rp, t, &t->scopes[i]);
		fflush(stdout);
	}
	if (rp->progress) {
		double el = pgf_now() - rp->started;
		double rate = el > 0 ? (double)finished / el : 0;
		double eta = rate > 0 ? (double)(total - finished) / rate : 0;
		fprintf(stderr, "\r\033[K[%zu/%zu] %zu not converged, %.1f/s, eta %.0fs", finished, total, rp->failed, rate,
		        eta);
		if (finished == total)
			fputc('\n', stderr);
		fflush(stderr);
	}
}

static json_t *errors_json(const pgf_error *err)
{
	json_t *a = json_array();
	for (; err != NULL; err = err->next) {
		json_t *o = json_object();
		json_object_set_new(o, "message", pgf_json_text(err->message));
		if (err->detail)
			json_object_set_new(o, "detail", pgf_json_text(err->detail));
		if (err->hint)
			json_object_set_new(o, "hint", pgf_json_text(err->hint));
		if (err->sqlstate[0])
			json_object_set_new(o, "sqlstate", json_string(err->sqlstate));
		json_array_append_new(a, o);
	}
	return a;
}

static void print_json(const pgf_cli *cli, const char *commit, const pgf_run_report *r, json_t *fleet, int rc)
{
	json_t *root = json_object();
	json_object_set_new(root, "command", json_string(cli->command));
	json_object_set_new(root, "commit", json_string(commit));
	json_t *targets = json_array();
	for (size_t i = 0; i < r->count; i++) {
		const pgf_target_report *t = &r->targets[i];
		json_t *jt = json_object();
		json_object_set_new(jt, "target", pgf_json_text(t->name));
		json_object_set_new(jt, "master", json_boolean(t->master));
		json_object_set_new(jt, "where", pgf_json_text(t->where));
		json_object_set_new(jt, "outcome", json_string(pgf_outcome_name(t->outcome)));
		if (t->skip_reason)
			json_object_set_new(jt, t->outcome == PGF_OUTCOME_HELD ? "held" : "skipped", pgf_json_text(t->skip_reason));
		if (t->canary)
			json_object_set_new(jt, "canary", json_true());
		json_object_set_new(jt, "seconds", json_real(t->seconds));
		json_t *scopes = json_array();
		for (size_t k = 0; k < t->nscopes; k++) {
			const pgf_scope_report *s = &t->scopes[k];
			json_t *js = json_object();
			json_object_set_new(js, "scope", json_string(s->scope));
			json_object_set_new(js, "outcome", json_string(pgf_outcome_name(s->outcome)));
			json_object_set_new(js, "version_before", pgf_json_text(s->before));
			json_object_set_new(js, "version", pgf_json_text(s->after));
			json_object_set_new(js, "done", json_integer((json_int_t)s->done));
			json_object_set_new(js, "pending", json_integer((json_int_t)s->pending));
			if (s->files)
				json_object_set_new(js, "files", pgf_json_text(s->files));
			if (s->last_applied_at)
				json_object_set_new(js, "last_applied_at", json_string(s->last_applied_at));
			if (s->last_failure)
				json_object_set_new(js, "last_failure", pgf_json_text(s->last_failure));
			json_object_set_new(js, "errors", errors_json(s->err));
			json_array_append_new(scopes, js);
		}
		json_object_set_new(jt, "scopes", scopes);
		pgf_drift_json_add(jt, t);
		json_array_append_new(targets, jt);
	}
	json_object_set_new(root, "targets", targets);
	json_t *sum = json_object();
	for (int o = 0; o < PGF_OUTCOME_COUNT; o++)
		json_object_set_new(sum, pgf_outcome_name((pgf_outcome)o), json_integer((json_int_t)r->by_outcome[o]));
	json_object_set_new(root, "summary", sum);
	if (fleet != NULL)
		json_object_set(root, "fleet", fleet);
	json_object_set_new(root, "seconds", json_real(r->seconds));
	json_object_set_new(root, "exit_code", json_integer(rc));
	json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
	json_decref(root);
}

/* Busy, refused, failed or held: exit 1. */
static size_t not_converged(const pgf_run_report *r)
{
	size_t n = 0;
	for (int o = PGF_OUTCOME_BUSY; o < PGF_OUTCOME_COUNT; o++)
		n += r->by_outcome[o];
	return n;
}

static const char *changed_word(pgf_mode mode)
{
	switch (mode) {
	case PGF_MODE_PLAN:
	case PGF_MODE_STATUS:
		return "with pending";
	case PGF_MODE_RECONCILE:
		return "applied";
	case PGF_MODE_ROLLBACK:
		return "rolled back";
	case PGF_MODE_ADOPT:
		return "baselined";
	case PGF_MODE_DRIFT:
		return "with pending";
	}
	return "changed";
}

/* Anti-rollback: the pinned commit must descend from the last commit a
 * pinned run reconciled (from the ledger), so that an old, once-approved
 * commit cannot be replayed to undo newer migrations. Returns 0 to go on;
 * -1 with err on errors, or -1 with err NULL when refused (logged). */
static int check_no_rewind(pgf_repo_ctx *ctx, const pgf_cli *cli, const char *master, pgf_error **err)
{
	pgf_pg *conn = NULL;
	if (pgf_pg_connect(&conn, master, 10, err) != 0)
		return -1;
	pgf_pg_result *r = NULL;
	pgf_error *qe = NULL;
	int rc = 0;
	if (pgf_pg_query(conn, &r,
	                 "SELECT body::json->>'commit', seq FROM pgfleet.ledger WHERE body::json->>'kind' = 'run_started' "
	                 "AND body::json->>'verified' = 'pinned' ORDER BY seq DESC LIMIT 1",
	                 0, NULL, &qe) != 0) {
		/* no ledger yet: nothing was reconciled in pipeline mode */
		bool absent = pgf_pg_error_is_absent(qe);
		if (!absent) {
			pgf_error_append(err, qe);
			qe = NULL;
			rc = -1;
		}
		pgf_error_free(qe);
	} else if (pgf_pg_result_rows(r) == 1) {
		const char *last = pgf_pg_result_value(r, 0, 0);
		bool ok = false;
		pgf_error *de = NULL;
		if (pgf_source_descends_from(ctx->src, last, &ok, &de) != 0) {
			pgf_log_warn("the last reconciled commit %.12s (ledger entry %s) is not in this repository: %s", last,
			             pgf_pg_result_value(r, 0, 1), de->message);
			pgf_error_free(de);
		}
		if (!ok && !cli->allow_rewind) {
			printf("commit %s: does not descend from %s, the last commit reconciled in pipeline mode (ledger entry "
			       "%s); refusing to rewind (--allow-rewind, recorded in the ledger, overrides)\n",
			       pgf_source_commit_id(ctx->src), last, pgf_pg_result_value(r, 0, 1));
			rc = -1;
		} else if (!ok) {
			pgf_log_warn("--allow-rewind: %.12s does not descend from %.12s, the last reconciled commit",
			             pgf_source_commit_id(ctx->src), last);
		}
	}
	pgf_pg_result_free(r);
	pgf_pg_close(conn);
	return rc;
}

static int run(pgf_cli *cli, pgf_mode mode)
{
	double started = pgf_now();
	pgf_error *err = NULL;
	pgf_run_opts opts = { .mode = mode, .command = cli->command, .jobs = cli->jobs ? cli->jobs : DEFAULT_JOBS,
		              .allow_unknown = cli->allow_unknown, .explicit_scopes = cli->nscopes > 0, .rollback_to = cli->to, .tenants = cli->tenants,
		              .ntenants = cli->ntenants };
	opts.shard = cli->shard;
	if (cli->shard.count > 0 && cli->ntenants > 0)
		return pgf_cli_fail((pgf_error_set(&err, PGF_ERR_USAGE, "--shard and --tenant exclude each other"), err));
	if (mode == PGF_MODE_ROLLBACK && cli->nscopes != 1)
		return pgf_cli_fail((pgf_error_set(&err, PGF_ERR_USAGE, "rollback needs exactly one --scope"), err));
	if (mode == PGF_MODE_ROLLBACK && cli->to == NULL)
		return pgf_cli_fail((pgf_error_set(&err, PGF_ERR_USAGE, "rollback needs --to VERSION"), err));
	if (mode == PGF_MODE_ADOPT && !cli->from_drizzle)
		return pgf_cli_fail((pgf_error_set(&err, PGF_ERR_USAGE, "adopt needs --from-drizzle (the only source so far)"),
		                     err));
	const char *master = cli->master ? cli->master : getenv("MASTER_DATABASE_URL");
	if (master == NULL || master[0] == '\0') {
		pgf_error_set(&err, PGF_ERR_USAGE, "no master database: pass --master CONNINFO or set MASTER_DATABASE_URL");
		return pgf_cli_fail(err);
	}

	pgf_trust_root tr;
	bool reads = mode == PGF_MODE_PLAN || mode == PGF_MODE_STATUS || mode == PGF_MODE_DRIFT;
	if (pgf_trust_root_open(&tr, cli, !reads, &err) != 0)
		return pgf_cli_fail(err);
	opts.policy = tr.policy;
	bool writes = mode == PGF_MODE_RECONCILE || mode == PGF_MODE_ROLLBACK || mode == PGF_MODE_ADOPT;
	pgf_ledger *ledger = NULL;
	if (writes && cli->no_ledger) {
		if (cli->pinned) {
			pgf_trust_root_close(&tr);
			return pgf_cli_fail((pgf_error_set(&err, PGF_ERR_USAGE, "--pinned writes the ledger: drop --no-ledger"),
			                     err));
		}
		pgf_log_warn("--no-ledger: this run is not recorded in pgfleet.ledger");
	} else if (writes) {
		if (cli->key == NULL) {
			pgf_trust_root_close(&tr);
			pgf_error_set(&err, PGF_ERR_USAGE, "%s writes a signed ledger: pass --key FILE (an Ed25519 key)",
			              cli->command);
			pgf_error_hint(&err, "--no-ledger runs without one, for local development");
			return pgf_cli_fail(err);
		}
		if (pgf_ledger_new(&ledger, cli->key, &err) != 0) {
			pgf_trust_root_close(&tr);
			return pgf_cli_fail(err);
		}
		opts.sink.emit = pgf_ledger_emit;
		opts.sink.ctx = ledger;
		opts.sink.concurrent = true;
	}
	opts.verified = cli->pinned;
	opts.allow_rewind = cli->allow_rewind;

	pgf_repo_ctx ctx;
	if (pgf_repo_ctx_open(&ctx, cli, false, &err) != 0) {
		pgf_trust_root_close(&tr);
		pgf_ledger_free(ledger);
		return pgf_cli_fail(err);
	}
	/* Pipeline mode: the commit must pass verify before any database is
	 * touched (manifest, history, commit signature, approvals), and must
	 * not rewind the fleet to an older commit. */
	if (cli->pinned && writes && check_no_rewind(&ctx, cli, master, &err) != 0) {
		int code = err != NULL ? pgf_cli_fail(err) : PGF_EXIT_FINDINGS;
		pgf_trust_root_close(&tr);
		pgf_repo_ctx_close(&ctx);
		pgf_ledger_free(ledger);
		return code;
	}
	if (cli->pinned && !reads) {
		pgf_findings findings = { 0 }, info = { 0 };
		int vrc = pgf_verify_commit(&ctx, cli, &tr, &findings, &info, NULL, &err);
		for (size_t i = 0; i < info.count; i++)
			pgf_log_info("%s: %s", info.items[i].path, info.items[i].message);
		for (size_t i = 0; i < findings.count; i++)
			printf("%s: %s\n", findings.items[i].path, findings.items[i].message);
		size_t nfind = findings.count;
		pgf_findings_free(&findings);
		pgf_findings_free(&info);
		if (vrc != 0 || nfind > 0) {
			pgf_trust_root_close(&tr);
			pgf_repo_ctx_close(&ctx);
			pgf_ledger_free(ledger);
			if (vrc != 0)
				return pgf_cli_fail(err);
			pgf_log_info("%s refused: the commit does not pass verify (%zu findings); no database was touched",
			             cli->command, nfind);
			return PGF_EXIT_FINDINGS;
		}
	}
	pgf_trust_root_close(&tr);
	char *redacted = pgf_pg_redact(master);
	char *what = pgf_asprintf("%s, master %s, jobs %d", pgf_source_label(ctx.src), redacted, opts.jobs);
	pgf_cli_begin(cli, what);
	free(what);
	free(redacted);

	reporter rp = { mode, cli->json, !cli->json && !cli->verbose && !cli->quiet && isatty(STDERR_FILENO), started, 0 };
	opts.on_target = on_target;
	opts.report_ctx = &rp;
	pgf_run_report report;
	int rc = pgf_run(&report, ctx.src, ctx.cfg, ctx.scopes, ctx.nscopes, master, &opts, &err);
	if (rc != 0) {
		rc = pgf_cli_fail(err);
		err = NULL;
	} else {
		size_t drifted = mode == PGF_MODE_DRIFT ? pgf_drift_count(&report) : 0;
		rc = not_converged(&report) || drifted ? PGF_EXIT_FINDINGS : PGF_EXIT_OK;
		json_t *fleet = mode == PGF_MODE_STATUS ? pgf_fleet_summary(&report, master) : NULL;
		if (cli->json)
			print_json(cli, pgf_source_commit_id(ctx.src), &report, fleet, rc);
		else if (mode == PGF_MODE_DRIFT)
			pgf_drift_print(&report);
		else
			printf("%s: %zu targets: %zu %s, %zu up to date, %zu skipped, %zu busy, %zu refused, %zu failed in %.2fs\n",
			       cli->command, report.count, report.by_outcome[PGF_OUTCOME_CHANGED], changed_word(mode),
			       report.by_outcome[PGF_OUTCOME_UP_TO_DATE], report.by_outcome[PGF_OUTCOME_SKIPPED],
			       report.by_outcome[PGF_OUTCOME_BUSY], report.by_outcome[PGF_OUTCOME_REFUSED],
			       report.by_outcome[PGF_OUTCOME_FAILED], report.seconds);
		if (!cli->json && report.by_outcome[PGF_OUTCOME_HELD] > 0)
			printf("%s: %zu held by the rollout (not started)\n", cli->command, report.by_outcome[PGF_OUTCOME_HELD]);
		if (!cli->json && fleet != NULL)
			pgf_fleet_summary_print(fleet);
		json_decref(fleet);
	}
	char counts[160];
	snprintf(counts, sizeof(counts), "%zu targets, %zu not converged", report.count, not_converged(&report));
	pgf_cli_end(cli, started, counts, rc);
	pgf_run_report_free(&report);
	pgf_repo_ctx_close(&ctx);
	pgf_ledger_free(ledger);
	return rc;
}

int pgf_cmd_plan(pgf_cli *cli)
{
	return run(cli, PGF_MODE_PLAN);
}

int pgf_cmd_reconcile(pgf_cli *cli)
{
	return run(cli, PGF_MODE_RECONCILE);
}

int pgf_cmd_status(pgf_cli *cli)
{
	return run(cli, PGF_MODE_STATUS);
}

int pgf_cmd_rollback(pgf_cli *cli)
{
	return run(cli, PGF_MODE_ROLLBACK);
}

int pgf_cmd_adopt(pgf_cli *cli)
{
	return run(cli, PGF_MODE_ADOPT);
}

int pgf_cmd_drift(pgf_cli *cli)
{
	return run(cli, PGF_MODE_DRIFT);
}
