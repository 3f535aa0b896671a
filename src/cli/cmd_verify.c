/* pgfleet verify: at a commit, each scope's files against its manifest, and
 * merged migrations against history. Exit 1 on findings, 2 on bad input. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "pgfleet/common.h"
#include "pgfleet/log.h"
#include "pgfleet/verify.h"

typedef struct scope_result {
	const char *scope;
	size_t migrations;
	char chain[PGF_SHA256_HEX_LEN + 1];
	bool loaded;
} scope_result;

static int read_manifest(pgf_manifest **out, pgf_source *src, const pgf_migration_set *set, pgf_error **err)
{
	*out = NULL;
	if (!set->has_manifest)
		return 0;
	char *path = pgf_asprintf("%s/%s", set->folder, PGF_MANIFEST_FILE);
	pgf_buf text = PGF_BUF_INIT;
	int rc = pgf_source_read(src, path, PGF_MANIFEST_MAX_BYTES, &text, err);
	if (rc == 0)
		rc = pgf_manifest_parse(out, text.ptr, text.len, path, err);
	pgf_buf_free(&text);
	free(path);
	return rc;
}

static int verify_scope(pgf_repo_ctx *ctx, const pgf_cli *cli, const pgf_scope *scope, scope_result *res,
                        pgf_findings *findings, pgf_error **err)
{
	pgf_migration_set *set = NULL;
	if (pgf_migration_set_load(&set, ctx->src, scope, &ctx->load, err) != 0)
		return -1;
	res->loaded = true;
	res->migrations = set->count;

	pgf_manifest *recorded = NULL;
	int rc = read_manifest(&recorded, ctx->src, set, err);
	if (rc == 0) {
		pgf_verify_manifest(findings, set, recorded);
		pgf_manifest *expected = pgf_manifest_from_set(set);
		memcpy(res->chain, expected->chain, sizeof(res->chain));
		pgf_manifest_free(expected);
		rc = pgf_verify_history(findings, ctx->src, set, cli->since, err);
	}
	pgf_manifest_free(recorded);
	pgf_migration_set_free(set);
	return rc;
}

static void print_json(const pgf_repo_ctx *ctx, const scope_result *res, size_t n, const pgf_findings *f,
                       const pgf_error *err, int rc)
{
	json_t *root = json_object();
	json_object_set_new(root, "commit", json_string(pgf_source_commit_id(ctx->src)));
	json_t *scopes = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *s = json_object();
		json_object_set_new(s, "scope", json_string(res[i].scope));
		json_object_set_new(s, "loaded", json_boolean(res[i].loaded));
		if (res[i].loaded) {
			json_object_set_new(s, "migrations", json_integer((json_int_t)res[i].migrations));
			json_object_set_new(s, "chain", json_string(res[i].chain));
		}
		json_array_append_new(scopes, s);
	}
	json_object_set_new(root, "scopes", scopes);
	json_t *items = json_array();
	for (size_t i = 0; i < f->count; i++)
		json_array_append_new(items, json_pack("{s:s, s:s}", "path", f->items[i].path, "message",
		                                       f->items[i].message));
	json_object_set_new(root, "findings", items);
	json_t *errors = json_array();
	for (; err != NULL; err = err->next)
		json_array_append_new(errors, json_string(err->message));
	json_object_set_new(root, "errors", errors);
	json_object_set_new(root, "exit_code", json_integer(rc));
	json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
	json_decref(root);
}

int pgf_cmd_verify(pgf_cli *cli)
{
	double started = pgf_now();
	pgf_error *err = NULL;
	pgf_repo_ctx ctx;
	if (pgf_repo_ctx_open(&ctx, cli, false, &err) != 0)
		return pgf_cli_fail(err);

	char *what = pgf_asprintf("%s, repo %s", pgf_source_label(ctx.src), cli->repo);
	pgf_cli_begin(cli, what);
	free(what);

	scope_result res[PGF_MAX_SCOPES] = { { 0 } };
	pgf_findings findings = { 0 };
	for (size_t i = 0; i < ctx.nscopes; i++) {
		res[i].scope = ctx.scopes[i]->name;
		verify_scope(&ctx, cli, ctx.scopes[i], &res[i], &findings, &err);
	}

	int rc = err != NULL ? pgf_cli_exit_code(err) : findings.count > 0 ? PGF_EXIT_FINDINGS : PGF_EXIT_OK;
	if (cli->json)
		print_json(&ctx, res, ctx.nscopes, &findings, err, rc);
	else
		for (size_t i = 0; i < findings.count; i++)
			printf("%s: %s\n", findings.items[i].path, findings.items[i].message);
	pgf_log_error_chain(err);

	char counts[128];
	snprintf(counts, sizeof(counts), "%zu scopes, %zu findings, %zu errors", ctx.nscopes, findings.count,
	         pgf_error_count(err));
	pgf_cli_end(cli, started, counts, rc);

	pgf_error_free(err);
	pgf_findings_free(&findings);
	pgf_repo_ctx_close(&ctx);
	return rc;
}
