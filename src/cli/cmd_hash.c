/* pgfleet hash: writes each scope's pgfleet.sum from the working tree. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "pgfleet/common.h"
#include "pgfleet/log.h"
#include "pgfleet/manifest.h"

/* 0 unchanged, 1 written (or would be, with --check), -1 error. */
static int hash_scope(pgf_repo_ctx *ctx, const pgf_scope *scope, bool check, pgf_error **err)
{
	pgf_migration_set *set = NULL;
	if (pgf_migration_set_load(&set, ctx->src, scope, &ctx->load, err) != 0)
		return -1;

	pgf_manifest *m = pgf_manifest_from_set(set);
	char *text = pgf_manifest_format(m);
	char *rel = pgf_asprintf("%s/%s", scope->folder, PGF_MANIFEST_FILE);
	char *path = pgf_asprintf("%s%s", pgf_source_workdir(ctx->src), rel);

	pgf_buf old = PGF_BUF_INIT;
	pgf_error *rerr = NULL;
	bool same = pgf_file_read(&old, path, PGF_MANIFEST_MAX_BYTES, &rerr) == 0 && old.len == strlen(text) &&
	            memcmp(old.ptr, text, old.len) == 0;
	pgf_error_free(rerr);

	int rc = same ? 0 : 1;
	if (!same && !check && pgf_file_write_atomic(path, text, strlen(text), err) != 0)
		rc = -1;
	if (rc >= 0)
		printf("%s: %zu files, chain %.12s, %s\n", rel, m->count, m->chain,
		       same ? "unchanged" : check ? "out of date" : "written");

	pgf_buf_free(&old);
	free(path);
	free(rel);
	free(text);
	pgf_manifest_free(m);
	pgf_migration_set_free(set);
	return rc;
}

int pgf_cmd_hash(pgf_cli *cli)
{
	double started = pgf_now();
	pgf_error *err = NULL;
	pgf_repo_ctx ctx;
	if (pgf_repo_ctx_open(&ctx, cli, true, &err) != 0)
		return pgf_cli_fail(err);
	pgf_cli_begin(cli, pgf_source_label(ctx.src));

	size_t changed = 0, nscopes = ctx.nscopes;
	for (size_t i = 0; i < ctx.nscopes; i++) {
		int r = hash_scope(&ctx, ctx.scopes[i], cli->check, &err);
		if (r > 0)
			changed++;
	}
	pgf_repo_ctx_close(&ctx);

	int rc = err != NULL ? pgf_cli_fail(err) : cli->check && changed > 0 ? PGF_EXIT_FINDINGS : PGF_EXIT_OK;
	char counts[96];
	snprintf(counts, sizeof(counts), "%zu scopes, %zu %s", nscopes, changed,
	         cli->check ? "out of date" : "written");
	pgf_cli_end(cli, started, counts, rc);
	return rc;
}
