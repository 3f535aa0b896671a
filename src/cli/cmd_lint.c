/* pgfleet lint: SQL safety rules over a commit's migration files, or over
 * files on disk. Exit 0 without an unwaived error finding, 1 with one, 2 on
 * bad input. */
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "lint_files.h"
#include "pgfleet/common.h"
#include "pgfleet/log.h"

static void print_rule(const pgf_lint_rule *r, bool json, json_t *arr)
{
	if (json) {
		json_array_append_new(arr, json_pack("{s:s, s:s, s:b, s:s, s:s, s:s}", "id", r->id, "severity",
		                                     pgf_lint_severity_name(r->severity), "configurable", !r->fixed,
		                                     "summary", r->summary, "why", r->why, "instead", r->instead));
		return;
	}
	printf("%s (%s%s): %s\n  why: %s\n  instead: %s\n", r->id, pgf_lint_severity_name(r->severity),
	       r->fixed ? ", fixed" : "", r->summary, r->why, r->instead);
}

static int list_rules(const pgf_cli *cli)
{
	size_t n;
	const pgf_lint_rule *rules = pgf_lint_rules(&n);
	const pgf_lint_rule *one = NULL;
	if (cli->explain != NULL) {
		one = pgf_lint_rule_find(cli->explain, NULL);
		if (one == NULL) {
			const char *near = pgf_lint_rule_suggest(cli->explain);
			fprintf(stderr, "pgfleet lint: --explain %s: unknown rule%s%s%s\n", cli->explain,
			        near ? " (did you mean '" : "", near ? near : "", near ? "'?)" : "");
			return PGF_EXIT_USAGE;
		}
	}
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++)
		if (one == NULL || one == &rules[i])
			print_rule(&rules[i], cli->json, arr);
	if (cli->json) {
		json_dumpf(one ? json_array_get(arr, 0) : arr, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
	}
	json_decref(arr);
	return PGF_EXIT_OK;
}

/* A string as jansson writes it (quoted, escaped), appended to out; false
 * only for NULL. Bytes that are not valid UTF-8 are written as "\xNN". */
static bool put_json_string(pgf_buf *out, const char *s)
{
	json_t *j = s ? pgf_json_text(s) : NULL;
	char *d = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;
	json_decref(j);
	if (d == NULL)
		return false;
	pgf_buf_puts(out, d);
	free(d);
	return true;
}

/* ",\n" and "key": value, indented as a finding's member, when there is a
 * value and jansson takes it (json_object_set_new sets nothing otherwise). */
static void put_json_member(pgf_buf *out, const char *key, const char *value)
{
	pgf_buf v = PGF_BUF_INIT;
	if (value != NULL && put_json_string(&v, value))
		pgf_buf_printf(out, ",\n      \"%s\": %s", key, v.ptr);
	pgf_buf_free(&v);
}

/* The rules' id, why and instead, and the severities' names, as JSON
 * strings: written once, read by every thread that renders (NULL: refused). */
static struct {
	char *id, *why, *instead;
} rule_json[PGF_LINT_MAX_RULES];
static char *severity_json[PGF_LINT_ERROR + 1];
static pthread_once_t rule_json_once = PTHREAD_ONCE_INIT;

static char *json_string_text(const char *s)
{
	pgf_buf b = PGF_BUF_INIT;
	if (!put_json_string(&b, s))
		pgf_buf_free(&b);
	return pgf_buf_detach(&b);
}

static void rule_json_init(void)
{
	size_t n;
	const pgf_lint_rule *rules = pgf_lint_rules(&n);
	for (size_t i = 0; i < n && i < PGF_LINT_MAX_RULES; i++) {
		rule_json[i].id = json_string_text(rules[i].id);
		rule_json[i].why = json_string_text(rules[i].why);
		rule_json[i].instead = json_string_text(rules[i].instead);
	}
	for (int s = PGF_LINT_OFF; s <= PGF_LINT_ERROR; s++)
		severity_json[s] = json_string_text(pgf_lint_severity_name((pgf_lint_severity)s));
}

/* Each finding as an item of the report's "findings" array: ",\n" and the
 * object as json_dumpf prints it at that depth (JSON_INDENT(2), keys in
 * order), strings escaped by jansson; text that is not UTF-8 (a file name,
 * a message quoting the file) keeps its other bytes as "\xNN". */
static void render_json(pgf_buf *out, const char *path, const pgf_lint_findings *findings)
{
	if (findings->count == 0)
		return;
	pthread_once(&rule_json_once, rule_json_init);
	size_t nrules;
	const pgf_lint_rule *rules = pgf_lint_rules(&nrules);
	pgf_buf file = PGF_BUF_INIT, msg = PGF_BUF_INIT, extra = PGF_BUF_INIT;
	bool file_ok = put_json_string(&file, path);
	for (size_t k = 0; file_ok && k < findings->count; k++) {
		const pgf_lint_finding *f = &findings->items[k];
		size_t r = (size_t)(f->rule - rules);
		const char *sev = f->severity <= PGF_LINT_ERROR ? severity_json[f->severity] : NULL;
		pgf_buf_clear(&msg);
		if (r >= nrules || r >= PGF_LINT_MAX_RULES || rule_json[r].id == NULL || rule_json[r].why == NULL ||
		    rule_json[r].instead == NULL || sev == NULL || !put_json_string(&msg, f->message))
			continue;
		pgf_buf_clear(&extra);
		put_json_member(&extra, "waiver_reason", f->waiver_reason);
		put_json_member(&extra, "note", f->note);
		pgf_buf_printf(out,
		               ",\n    {\n      \"file\": %s,\n      \"line\": %lld,\n      \"column\": %lld,\n"
		               "      \"rule\": %s,\n      \"severity\": %s,\n      \"message\": %s,\n"
		               "      \"why\": %s,\n      \"fix\": %s,\n      \"waived\": %s%s\n    }",
		               file.ptr, (long long)f->line, (long long)f->column, rule_json[r].id, sev, msg.ptr,
		               rule_json[r].why, rule_json[r].instead, f->waived ? "true" : "false",
		               extra.ptr ? extra.ptr : "");
	}
	pgf_buf_free(&file);
	pgf_buf_free(&msg);
	pgf_buf_free(&extra);
}

static void render_text(pgf_buf *out, const char *file_path, const pgf_lint_findings *findings)
{
	char *path = pgf_str_printable(file_path);
	for (size_t k = 0; k < findings->count; k++) {
		const pgf_lint_finding *f = &findings->items[k];
		char *msg = pgf_str_printable(f->message);
		if (f->waived) {
			char *reason = pgf_str_printable(f->waiver_reason);
			pgf_buf_printf(out, "%s:%zu:%zu: waived: %s: %s (%s)\n", path, f->line, f->column, f->rule->id, msg,
			               reason);
			free(reason);
		} else {
			pgf_buf_printf(out, "%s:%zu:%zu: %s: %s: %s%s%s%s\n", path, f->line, f->column,
			               pgf_lint_severity_name(f->severity), f->rule->id, msg, f->note ? " (" : "",
			               f->note ? f->note : "", f->note ? ")" : "");
			pgf_buf_printf(out, "  why: %s\n  instead: %s\n", f->rule->why, f->rule->instead);
		}
		free(msg);
	}
	free(path);
}

void pgf_lint_render(pgf_buf *out, const char *path, const pgf_lint_findings *findings, pgf_lint_output how)
{
	if (how == PGF_LINT_OUTPUT_JSON)
		render_json(out, path, findings);
	else if (how == PGF_LINT_OUTPUT_TEXT)
		render_text(out, path, findings);
}

/* A file's output: as rendered by pgf_lint_paths, or rendered now. */
static void write_file(const pgf_lint_file *file, pgf_lint_output how)
{
	if (file->out.ptr != NULL && file->out_how == how) {
		fwrite(file->out.ptr, 1, file->out.len, stdout);
		return;
	}
	pgf_buf b = PGF_BUF_INIT;
	pgf_lint_render(&b, file->path, &file->findings, how);
	if (b.len > 0)
		fwrite(b.ptr, 1, b.len, stdout);
	pgf_buf_free(&b);
}

void pgf_lint_print_text(const pgf_lint_report *rep)
{
	for (size_t i = 0; i < rep->count; i++)
		write_file(&rep->files[i], PGF_LINT_OUTPUT_TEXT);
}

static void counts(const pgf_lint_report *rep, size_t c[3])
{
	c[0] = c[1] = c[2] = 0; /* errors, warnings, waived */
	for (size_t i = 0; i < rep->count; i++)
		for (size_t k = 0; k < rep->files[i].findings.count; k++) {
			const pgf_lint_finding *f = &rep->files[i].findings.items[k];
			c[f->waived ? 2 : f->severity == PGF_LINT_ERROR ? 0 : 1]++;
		}
}

/* The report as json_dumpf prints it, with every finding's object written
 * from the pieces render_json made (on pgf_lint_paths's threads): the root
 * is dumped with "findings": [] and the items go between the brackets. */
static void print_json(const pgf_lint_report *rep, const pgf_error *err, int rc)
{
	json_t *root = json_object(), *errors = json_array();
	for (; err != NULL; err = err->next)
		json_array_append_new(errors, pgf_json_text(err->message));
	json_object_set_new(root, "files", json_integer((json_int_t)rep->count));
	json_object_set_new(root, "findings", json_array());
	json_object_set_new(root, "errors", errors);
	json_object_set_new(root, "exit_code", json_integer(rc));
	char *s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (s == NULL)
		return;
	/* "files" is a number: the first "[]" is the findings' */
	char *empty = strstr(s, "\"findings\": []");
	size_t at = empty ? (size_t)(empty - s) + strlen("\"findings\": [") : strlen(s);
	fwrite(s, 1, at, stdout);
	bool first = true;
	for (size_t i = 0; empty != NULL && i < rep->count; i++) {
		const pgf_lint_file *file = &rep->files[i];
		if (file->findings.count == 0)
			continue;
		pgf_buf b = PGF_BUF_INIT;
		const pgf_buf *piece = &file->out;
		if (file->out.ptr == NULL || file->out_how != PGF_LINT_OUTPUT_JSON) {
			pgf_lint_render(&b, file->path, &file->findings, PGF_LINT_OUTPUT_JSON);
			piece = &b;
		}
		if (piece->len > 0) {
			/* the first item has no comma before it */
			fwrite(piece->ptr + first, 1, piece->len - first, stdout);
			first = false;
		}
		pgf_buf_free(&b);
	}
	if (!first)
		fputs("\n  ", stdout);
	fputs(s + at, stdout);
	fputc('\n', stdout);
	free(s);
}

int pgf_cmd_lint(pgf_cli *cli)
{
	if (cli->rules || cli->explain != NULL)
		return list_rules(cli);
	if (cli->nfiles > 0 && cli->commit_given) {
		fprintf(stderr, "pgfleet lint: --commit lints the commit's files: give no FILE with it\n");
		return PGF_EXIT_USAGE;
	}
	double started = pgf_now();
	pgf_error *err = NULL;
	pgf_lint_report rep = { 0 };
	pgf_trust_root tr;
	pgf_repo_ctx ctx = { 0 };
	int rc = 0;
	if (pgf_trust_root_open(&tr, cli, true, &err) != 0) {
		pgf_trust_root_close(&tr);
		return pgf_cli_fail(err);
	}
	if (cli->nfiles > 0) {
		if (cli->nscopes > 1)
			pgf_error_set(&err, PGF_ERR_USAGE, "with FILE arguments, --scope names one scope (for the policy)");
		else {
			char *what = pgf_asprintf("%zu files from disk", cli->nfiles);
			pgf_cli_begin(cli, what);
			free(what);
			pgf_lint_paths(&rep, cli->files, cli->nfiles, cli->nscopes ? cli->scopes[0] : NULL, &tr,
			               cli->max_file_bytes ? cli->max_file_bytes : PGF_DEFAULT_MAX_FILE_BYTES,
			               cli->jobs ? cli->jobs : pgf_lint_jobs_default(),
			               cli->json ? PGF_LINT_OUTPUT_JSON : PGF_LINT_OUTPUT_TEXT, &err);
		}
	} else if (pgf_repo_ctx_open(&ctx, cli, false, &err) == 0) {
		char *what = pgf_asprintf("%s, repo %s", pgf_source_label(ctx.src), cli->repo);
		pgf_cli_begin(cli, what);
		free(what);
		pgf_lint_commit(&rep, &ctx, &tr, NULL, NULL, NULL, NULL, &err);
	}
	pgf_trust_root_close(&tr);

	rc = err != NULL ? pgf_cli_exit_code(err) : pgf_lint_report_fail(&rep) ? PGF_EXIT_FINDINGS : PGF_EXIT_OK;
	if (rc == PGF_EXIT_OK && err != NULL)
		rc = PGF_EXIT_INTERNAL;
	if (cli->json)
		print_json(&rep, err, rc);
	else
		pgf_lint_print_text(&rep);
	pgf_log_error_chain(err);
	size_t c[3];
	counts(&rep, c);
	char summary[160];
	snprintf(summary, sizeof(summary), "%zu files, %zu errors, %zu warnings, %zu waived", rep.count, c[0], c[1],
	         c[2]);
	pgf_cli_end(cli, started, summary, rc);
	pgf_error_free(err);
	pgf_lint_report_free(&rep);
	if (ctx.src != NULL)
		pgf_repo_ctx_close(&ctx);
	return rc;
}
