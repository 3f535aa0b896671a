/* pgfleet verify: at a commit, each scope's files against its manifest, and
 * merged migrations against history. Exit 1 on findings, 2 on bad input. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>

#include "cli.h"
#include "pgfleet/common.h"
#include "pgfleet/log.h"
#include "pgfleet/approvals.h"
#include "pgfleet/verify.h"

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

static int verify_scope(pgf_repo_ctx *ctx, const pgf_cli *cli, const pgf_trust_root *tr, const pgf_scope *scope,
                        pgf_scope_verified *res, pgf_findings *findings, pgf_findings *info, pgf_error **err)
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
		pgf_findings_tag(findings, PGF_VERIFY_MANIFEST);
		pgf_manifest *expected = pgf_manifest_from_set(set);
		memcpy(res->chain, expected->chain, sizeof(res->chain));
		pgf_manifest_free(expected);
		rc = pgf_verify_history(findings, ctx->src, set, cli->since, err);
		pgf_findings_tag(findings, PGF_VERIFY_HISTORY);
	}
	if (rc == 0 && tr->trust != NULL) {
		rc = pgf_verify_approvals(findings, info, ctx->src, set, &tr->policy, tr->trust, tr->now, err);
		res->approvals_checked = rc == 0;
	}
	pgf_findings_tag(findings, PGF_VERIFY_APPROVALS);
	pgf_manifest_free(recorded);
	pgf_migration_set_free(set);
	return rc;
}

static json_t *findings_json(const pgf_findings *f)
{
	json_t *items = json_array();
	for (size_t i = 0; i < f->count; i++)
		json_array_append_new(items, json_pack("{s:s, s:s}", "path", f->items[i].path, "message",
		                                       f->items[i].message));
	return items;
}

static void print_json(const pgf_repo_ctx *ctx, const pgf_scope_verified *res, size_t n, const pgf_findings *f,
                       const pgf_findings *info, const pgf_error *err, int rc)
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
	json_object_set_new(root, "findings", findings_json(f));
	json_object_set_new(root, "verified", findings_json(info));
	json_t *errors = json_array();
	for (; err != NULL; err = err->next)
		json_array_append_new(errors, pgf_json_text(err->message));
	json_object_set_new(root, "errors", errors);
	json_object_set_new(root, "exit_code", json_integer(rc));
	json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
	json_decref(root);
}

int pgf_trust_root_open(pgf_trust_root *tr, const pgf_cli *cli, bool warn_if_absent, pgf_error **err)
{
	memset(tr, 0, sizeof(*tr));
	pgf_policy_defaults(&tr->policy);
	tr->now = (int64_t)time(NULL);
	if (cli->pinned && (cli->policy == NULL || cli->trust == NULL)) {
		pgf_error_set(err, PGF_ERR_USAGE, "--pinned needs --policy and --trust");
		pgf_error_hint(err, "the trust root comes from the reconciler's configuration, never from the commit");
		return -1;
	}
	if (cli->policy != NULL && pgf_policy_load(&tr->policy, cli->policy, err) != 0)
		return -1;
	if (cli->trust != NULL && pgf_allowed_signers_load(&tr->trust, cli->trust, err) != 0)
		return -1;
	bool requires = tr->policy.require_signed_commit || tr->policy.min_approvals > 0;
	for (size_t i = 0; i < tr->policy.nscopes; i++)
		requires = requires || tr->policy.scopes[i].min_approvals > 0;
	if (requires && tr->trust == NULL) {
		pgf_allowed_signers_free(tr->trust);
		return pgf_error_set(err, PGF_ERR_USAGE, "%s requires signatures or approvals: pass --trust FILE "
		                                         "(allowed_signers)", cli->policy);
	}
	if (cli->policy == NULL && warn_if_absent)
		pgf_log_warn("no --policy: commit signatures and approvals are not required");
	return 0;
}

void pgf_trust_root_close(pgf_trust_root *tr)
{
	pgf_allowed_signers_free(tr->trust);
	tr->trust = NULL;
}

int pgf_verify_commit(pgf_repo_ctx *ctx, const pgf_cli *cli, const pgf_trust_root *tr, pgf_findings *findings,
                      pgf_findings *info, pgf_scope_verified *res, pgf_error **err)
{
	int rc = 0;
	if (tr->trust != NULL && tr->policy.require_signed_commit)
		rc = pgf_verify_commit_signature(findings, info, ctx->src, tr->trust, tr->now, err);
	pgf_findings_tag(findings, PGF_VERIFY_SIGNATURE);
	for (size_t i = 0; i < ctx->nscopes; i++) {
		pgf_scope_verified dummy = { 0 };
		pgf_scope_verified *r = res ? &res[i] : &dummy;
		r->scope = ctx->scopes[i]->name;
		if (verify_scope(ctx, cli, tr, ctx->scopes[i], r, findings, info, err) != 0)
			rc = -1;
	}
	return rc;
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

	pgf_scope_verified res[PGF_MAX_SCOPES] = { { 0 } };
	pgf_findings findings = { 0 }, info = { 0 };
	pgf_trust_root tr;
	if (pgf_trust_root_open(&tr, cli, true, &err) == 0)
		pgf_verify_commit(&ctx, cli, &tr, &findings, &info, res, &err);
	pgf_trust_root_close(&tr);

	int rc = err != NULL ? pgf_cli_exit_code(err) : findings.count > 0 ? PGF_EXIT_FINDINGS : PGF_EXIT_OK;
	if (cli->json)
		print_json(&ctx, res, ctx.nscopes, &findings, &info, err, rc);
	else {
		for (size_t i = 0; i < info.count; i++)
			pgf_log_info("%s: %s", info.items[i].path, info.items[i].message);
		for (size_t i = 0; i < findings.count; i++)
			printf("%s: %s\n", findings.items[i].path, findings.items[i].message);
	}
	pgf_log_error_chain(err);

	char counts[128];
	snprintf(counts, sizeof(counts), "%zu scopes, %zu findings, %zu errors", ctx.nscopes, findings.count,
	         pgf_error_count(err));
	pgf_cli_end(cli, started, counts, rc);

	pgf_error_free(err);
	pgf_findings_free(&findings);
	pgf_findings_free(&info);
	pgf_repo_ctx_close(&ctx);
	return rc;
}
