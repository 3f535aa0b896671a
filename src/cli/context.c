/* Opening a repository for a command: the source, pgfleet.json, the scopes. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "pgfleet/common.h"

static int select_scopes(pgf_repo_ctx *ctx, const pgf_cli *cli, pgf_error **err)
{
	const pgf_config *cfg = ctx->cfg;
	if (cli->nscopes == 0) {
		for (size_t i = 0; i < cfg->nscopes && i < PGF_MAX_SCOPES; i++)
			ctx->scopes[ctx->nscopes++] = &cfg->scopes[i];
		return 0;
	}
	for (size_t i = 0; i < cli->nscopes; i++) {
		const pgf_scope *sc = pgf_config_scope(cfg, cli->scopes[i]);
		if (sc == NULL) {
			const char *names[PGF_MAX_SCOPES];
			size_t n = 0;
			for (; n < cfg->nscopes && n < PGF_MAX_SCOPES; n++)
				names[n] = cfg->scopes[n].name;
			pgf_error_set(err, PGF_ERR_USAGE, "--scope %s: no such scope in %s", cli->scopes[i], PGF_CONFIG_FILE);
			const char *near = pgf_suggest(cli->scopes[i], names, n);
			if (near != NULL)
				pgf_error_hint(err, "did you mean '%s'?", near);
			return -1;
		}
		ctx->scopes[ctx->nscopes++] = sc;
	}
	return 0;
}

int pgf_repo_ctx_open(pgf_repo_ctx *ctx, const pgf_cli *cli, bool worktree, pgf_error **err)
{
	memset(ctx, 0, sizeof(*ctx));
	int rc = worktree ? pgf_source_open_worktree(&ctx->src, cli->repo, err)
	                  : pgf_source_open_commit(&ctx->src, cli->repo, cli->commit, cli->pinned, err);
	if (rc != 0)
		return -1;

	pgf_buf text = PGF_BUF_INIT;
	pgf_error *e = NULL;
	if (pgf_source_read(ctx->src, PGF_CONFIG_FILE, PGF_CONFIG_MAX_BYTES, &text, &e) != 0) {
		if (e->code == PGF_ERR_NOTFOUND) {
			pgf_error_set(err, PGF_ERR_CONFIG, "%s: not found at %s", PGF_CONFIG_FILE,
			              pgf_source_label(ctx->src));
			pgf_error_hint(err, "pgfleet reads its scopes from pgfleet.json at the top of the repository");
			pgf_error_free(e);
		} else
			pgf_error_append(err, e);
		rc = -1;
	} else {
		rc = pgf_config_parse(&ctx->cfg, text.ptr, text.len, PGF_CONFIG_FILE, err);
	}
	pgf_buf_free(&text);
	if (rc == 0)
		rc = select_scopes(ctx, cli, err);
	if (rc != 0) {
		pgf_repo_ctx_close(ctx);
		return -1;
	}
	ctx->load.max_file_bytes = cli->max_file_bytes ? cli->max_file_bytes : ctx->cfg->max_file_bytes;
	return 0;
}

void pgf_repo_ctx_close(pgf_repo_ctx *ctx)
{
	pgf_config_free(ctx->cfg);
	pgf_source_free(ctx->src);
	memset(ctx, 0, sizeof(*ctx));
}
