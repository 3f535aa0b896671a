/* pgfleet check: the pull-request gate. verify (manifest, history,
 * approvals, commit signature) + lint + the policy, in one report: text,
 * JSON, GitHub workflow commands or SARIF. With --base REV, only files added
 * or changed since REV are linted, and history is immutable from REV on.
 * Exit 0 pass, 1 violations, 2 bad input. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "lint_files.h"
#include "pgfleet/common.h"
#include "pgfleet/log.h"
#include "pgfleet/report.h"
#include "pgfleet/verify.h"
#include "pgfleet_config.h"

typedef enum { FMT_TEXT, FMT_JSON, FMT_GITHUB, FMT_SARIF } check_format;

/* The files of each scope at the base, to lint only what changed. */
typedef struct base_files {
	pgf_source *src;
	const char *folder;       /* the scope being filtered */
	pgf_entry_list list;
	bool absent;              /* the folder does not exist at the base */
} base_files;

static int base_list(base_files *b, const pgf_scope *scope, pgf_error **err)
{
	pgf_entry_list_free(&b->list);
	b->folder = scope->folder;
	b->absent = false;
	pgf_error *e = NULL;
	if (pgf_source_list(b->src, scope->folder, &b->list, &e) == 0)
		return 0;
	if (e->code == PGF_ERR_NOTFOUND) {
		b->absent = true;
		pgf_error_free(e);
		return 0;
	}
	pgf_error_append(err, e);
	return -1;
}

static bool changed_since_base(const pgf_scope *scope, const pgf_migration *m, void *payload)
{
	base_files *b = payload;
	if (b->folder != scope->folder && base_list(b, scope, NULL) != 0)
		return true; /* unreadable at the base: lint it */
	if (b->absent)
		return true;
	const pgf_entry *e = pgf_entry_list_find(&b->list, m->file);
	return e == NULL || strcmp(e->id, m->id) != 0;
}

static void add_verify(pgf_report *rep, const pgf_findings *f)
{
	size_t n;
	const pgf_report_rule *rules = pgf_report_rules(&n);
	for (size_t i = 0; i < f->count; i++) {
		const char *rule = f->items[i].rule ? f->items[i].rule : PGF_VERIFY_MANIFEST;
		const char *help = NULL;
		for (size_t k = 0; k < n; k++)
			if (strcmp(rules[k].id, rule) == 0)
				help = rules[k].help;
		bool commit = strcmp(rule, PGF_VERIFY_SIGNATURE) == 0;
		char *msg = commit ? pgf_asprintf("%s: %s", f->items[i].path, f->items[i].message)
		                   : pgf_strdup(f->items[i].message);
		pgf_report_add(rep, rule, PGF_LEVEL_ERROR, commit ? NULL : f->items[i].path, 0, 0, msg, NULL, help, NULL);
		free(msg);
	}
}

static void add_lint(pgf_report *rep, const pgf_lint_report *lr)
{
	for (size_t i = 0; i < lr->count; i++)
		for (size_t k = 0; k < lr->files[i].findings.count; k++) {
			const pgf_lint_finding *f = &lr->files[i].findings.items[k];
			pgf_report_level level = f->waived                       ? PGF_LEVEL_NOTE
			                         : f->severity == PGF_LINT_ERROR ? PGF_LEVEL_ERROR
			                                                         : PGF_LEVEL_WARNING;
			char *msg = f->note ? pgf_asprintf("%s (%s)", f->message, f->note) : pgf_strdup(f->message);
			pgf_report_add(rep, f->rule->id, level, lr->files[i].path, f->line, f->column, msg, f->rule->why,
			               f->rule->instead, f->waived ? f->waiver_reason : NULL);
			free(msg);
		}
}

static void print_text(const pgf_report *rep)
{
	static const char *const level[] = { "error", "warning", "waived" };
	for (size_t i = 0; i < rep->count; i++) {
		const pgf_report_item *it = &rep->items[i];
		char *path = pgf_str_printable(it->path ? it->path : "commit");
		char *msg = pgf_str_printable(it->message);
		if (it->line > 0)
			printf("%s:%zu:%zu: %s: %s: %s", path, it->line, it->column, level[it->level], it->rule, msg);
		else
			printf("%s: %s: %s: %s", path, level[it->level], it->rule, msg);
		if (it->waiver_reason != NULL) {
			char *reason = pgf_str_printable(it->waiver_reason);
			printf(" (%s)\n", reason);
			free(reason);
		} else if (it->why != NULL)
			printf("\n  why: %s\n  instead: %s\n", it->why, it->instead);
		else
			printf("\n  fix: %s\n", it->instead ? it->instead : "");
		free(msg);
		free(path);
	}
}

static void print_json(const pgf_report *rep, const char *commit, const char *base, int rc)
{
	json_t *items = json_array();
	static const char *const level[] = { "error", "warning", "note" };
	for (size_t i = 0; i < rep->count; i++) {
		const pgf_report_item *it = &rep->items[i];
		json_t *o = json_pack("{s:s, s:s, s:s}", "rule", it->rule, "severity", level[it->level], "message",
		                      it->message);
		json_object_set_new(o, "file", it->path ? json_string(it->path) : json_null());
		if (it->line > 0) {
			json_object_set_new(o, "line", json_integer((json_int_t)it->line));
			json_object_set_new(o, "column", json_integer((json_int_t)it->column));
		}
		if (it->why)
			json_object_set_new(o, "why", json_string(it->why));
		if (it->instead)
			json_object_set_new(o, "fix", json_string(it->instead));
		json_object_set_new(o, "waived", json_boolean(it->waiver_reason != NULL));
		if (it->waiver_reason)
			json_object_set_new(o, "waiver_reason", json_string(it->waiver_reason));
		json_array_append_new(items, o);
	}
	json_t *errors = json_array();
	for (size_t i = 0; i < rep->nerrors; i++)
		json_array_append_new(errors, json_string(rep->errors[i]));
	json_t *root = json_pack("{s:s?, s:s?, s:o, s:o, s:i}", "commit", commit, "base", base, "results", items, "errors",
	                         errors, "exit_code", rc);
	json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
	json_decref(root);
}

static int parse_format(check_format *out, const pgf_cli *cli)
{
	static const char *const names[] = { "text", "json", "github", "sarif" };
	*out = cli->json ? FMT_JSON : FMT_TEXT;
	if (cli->format == NULL)
		return 0;
	for (size_t i = 0; i < 4; i++)
		if (strcmp(cli->format, names[i]) == 0) {
			if (cli->json && i != FMT_JSON)
				break;
			*out = (check_format)i;
			return 0;
		}
	const char *near = pgf_suggest(cli->format, names, 4);
	fprintf(stderr, "pgfleet check: --format %s: expected text, json, github or sarif%s%s%s\n", cli->format,
	        near ? " (did you mean '" : "", near ? near : "", near ? "'?)" : "");
	return -1;
}

/* verify and lint into rep; errors (bad input) to err. */
static void run_checks(pgf_report *rep, pgf_repo_ctx *ctx, const pgf_cli *cli, const pgf_trust_root *tr,
                       pgf_error **err)
{
	pgf_cli vcli = *cli;
	if (cli->base != NULL)
		vcli.since = cli->base; /* immutability against the base */
	pgf_findings findings = { 0 }, info = { 0 };
	pgf_scope_verified scopes[PGF_MAX_SCOPES] = { { 0 } };
	pgf_verify_commit(ctx, &vcli, tr, &findings, &info, scopes, err);
	for (size_t i = 0; i < info.count; i++)
		pgf_log_info("%s: %s", info.items[i].path, info.items[i].message);
	add_verify(rep, &findings);
	pgf_findings_free(&info);

	base_files base = { 0 };
	if (cli->base != NULL && pgf_source_open_commit(&base.src, cli->repo, cli->base, false, err) != 0) {
		pgf_findings_free(&findings);
		return;
	}
	pgf_lint_report lr = { 0 };
	pgf_error *lerr = NULL;
	/* waivers count by the approval verdicts verify just gave */
	pgf_lint_commit(&lr, ctx, tr, base.src ? changed_since_base : NULL, &base, &findings, scopes, &lerr);
	pgf_findings_free(&findings);
	/* a scope that fails to load is already reported by verify */
	pgf_error_free(lerr);
	add_lint(rep, &lr);
	pgf_lint_report_free(&lr);
	pgf_entry_list_free(&base.list);
	pgf_source_free(base.src);
}

int pgf_cmd_check(pgf_cli *cli)
{
	check_format fmt;
	if (parse_format(&fmt, cli) != 0)
		return PGF_EXIT_USAGE;
	double started = pgf_now();
	pgf_error *err = NULL;
	pgf_repo_ctx ctx;
	if (pgf_repo_ctx_open(&ctx, cli, false, &err) != 0)
		return pgf_cli_fail(err);
	char *what = pgf_asprintf("%s, repo %s%s%s", pgf_source_label(ctx.src), cli->repo, cli->base ? ", base " : "",
	                          cli->base ? cli->base : "");
	pgf_cli_begin(cli, what);
	free(what);

	pgf_report rep = { 0 };
	pgf_trust_root tr;
	if (pgf_trust_root_open(&tr, cli, true, &err) == 0)
		run_checks(&rep, &ctx, cli, &tr, &err);
	pgf_trust_root_close(&tr);
	for (const pgf_error *e = err; e != NULL; e = e->next)
		pgf_report_error(&rep, e->message);

	size_t errors = pgf_report_count(&rep, PGF_LEVEL_ERROR);
	int rc = err != NULL ? pgf_cli_exit_code(err) : errors > 0 ? PGF_EXIT_FINDINGS : PGF_EXIT_OK;
	if (fmt == FMT_JSON)
		print_json(&rep, pgf_source_commit_id(ctx.src), cli->base, rc);
	else if (fmt == FMT_GITHUB)
		pgf_report_github(stdout, &rep);
	else if (fmt == FMT_SARIF) {
		json_t *log = pgf_report_sarif(&rep, PGFLEET_VERSION, PGFLEET_HOMEPAGE);
		json_dumpf(log, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
		json_decref(log);
	} else
		print_text(&rep);
	pgf_log_error_chain(err);

	char counts[160];
	snprintf(counts, sizeof(counts), "%zu errors, %zu warnings, %zu waived, %zu input errors", errors,
	         pgf_report_count(&rep, PGF_LEVEL_WARNING), pgf_report_count(&rep, PGF_LEVEL_NOTE),
	         pgf_error_count(err));
	pgf_cli_end(cli, started, counts, rc);
	pgf_error_free(err);
	pgf_report_free(&rep);
	pgf_repo_ctx_close(&ctx);
	return rc;
}
