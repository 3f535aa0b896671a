/* pgfleet approve FILE: prints the approval message of a migration file, or
 * signs it with ssh-keygen (so agents, hardware and encrypted keys work) and
 * stores the signature under the scope's approvals/ folder. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "pgfleet/approvals.h"
#include "pgfleet/common.h"
#include "pgfleet/log.h"

static bool approver_name_ok(const char *s)
{
	if (*s == '\0' || strlen(s) > 128)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '.' ||
		      *s == '_' || *s == '-' || *s == '@' || *s == '+'))
			return false;
	return true;
}

/* Runs ssh-keygen -Y sign on a file; the signature lands in FILE.sig. */
static int ssh_keygen_sign(const char *key, const char *file, pgf_error **err)
{
	pid_t pid = fork();
	if (pid < 0)
		return pgf_error_set(err, PGF_ERR_IO, "fork: %s", strerror(errno));
	if (pid == 0) {
		execlp("ssh-keygen", "ssh-keygen", "-q", "-Y", "sign", "-n", PGF_APPROVAL_NAMESPACE, "-f", key, file,
		       (char *)NULL);
		fprintf(stderr, "pgfleet: ssh-keygen: %s\n", strerror(errno));
		_exit(127);
	}
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return pgf_error_set(err, PGF_ERR_INPUT, "ssh-keygen -Y sign with %s failed (exit %d)", key,
		                     WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	return 0;
}

static int mkdir_p(const char *dir, pgf_error **err)
{
	char *p = pgf_strdup(dir);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		mkdir(p, 0755);
		*s = '/';
	}
	int rc = 0;
	if (mkdir(p, 0755) != 0 && errno != EEXIST)
		rc = pgf_error_set(err, PGF_ERR_IO, "%s: %s", p, strerror(errno));
	free(p);
	return rc;
}

/* Which scope's folder holds path ("<folder>/<file>"). */
static const pgf_scope *scope_of(const pgf_config *cfg, const char *path, const char **file)
{
	for (size_t i = 0; i < cfg->nscopes; i++) {
		size_t n = strlen(cfg->scopes[i].folder);
		if (strncmp(path, cfg->scopes[i].folder, n) == 0 && path[n] == '/' && strchr(path + n + 1, '/') == NULL) {
			*file = path + n + 1;
			return &cfg->scopes[i];
		}
	}
	return NULL;
}

int pgf_cmd_approve(pgf_cli *cli)
{
	pgf_error *err = NULL;
	if (cli->file == NULL)
		return pgf_cli_fail((pgf_error_set(&err, PGF_ERR_USAGE, "approve needs a migration file, e.g. "
		                                                        "migrations/tenant/0004_x.sql"),
		                     err));
	if (cli->key != NULL && (cli->as == NULL || !approver_name_ok(cli->as)))
		return pgf_cli_fail((pgf_error_set(&err, PGF_ERR_USAGE, "--key needs --as NAME (letters, digits, . _ - @ +): "
		                                                        "the approver part of the signature's file name"),
		                     err));
	/* the working tree unless a commit is named: the reviewer approves the bytes reviewed */
	pgf_repo_ctx ctx;
	if (pgf_repo_ctx_open(&ctx, cli, cli->commit_given ? false : true, &err) != 0)
		return pgf_cli_fail(err);
	const char *file = NULL;
	const pgf_scope *scope = scope_of(ctx.cfg, cli->file, &file);
	pgf_buf text = PGF_BUF_INIT;
	pgf_migration_name parsed;
	int rc = 0;
	if (scope == NULL) {
		rc = pgf_error_set(&err, PGF_ERR_INPUT, "%s: not in a scope folder of %s", cli->file, PGF_CONFIG_FILE);
	} else if (pgf_migration_name_parse(file, &parsed) != PGF_NAME_OK) {
		rc = pgf_error_set(&err, PGF_ERR_INPUT, "%s: not a migration file name", cli->file);
	} else {
		rc = pgf_source_read(ctx.src, cli->file, ctx.load.max_file_bytes, &text, &err);
	}
	if (rc != 0) {
		pgf_buf_free(&text);
		pgf_repo_ctx_close(&ctx);
		return pgf_cli_fail(err);
	}
	char sha[PGF_SHA256_HEX_LEN + 1];
	pgf_sha256_hex(text.ptr, text.len, sha);
	char *msg = pgf_approval_message(scope->name, file, sha);
	if (cli->key == NULL) {
		fputs(msg, stdout);
	} else {
		const char *wd = pgf_source_workdir(ctx.src);
		char *dir = pgf_asprintf("%s%s/%s", wd ? wd : "./", scope->folder, PGF_APPROVALS_DIR);
		char *tmp = pgf_asprintf("%s/.%s.%s.msg", dir, file, cli->as);
		char *sig = pgf_asprintf("%s.sig", tmp);
		char *dest = pgf_asprintf("%s/%s.%s.sig", dir, file, cli->as);
		pgf_buf sigtext = PGF_BUF_INIT;
		if (wd == NULL)
			rc = pgf_error_set(&err, PGF_ERR_USAGE, "approve --key writes into a working tree: drop --commit");
		else if (mkdir_p(dir, &err) != 0 || pgf_file_write_atomic(tmp, msg, strlen(msg), &err) != 0 ||
		         ssh_keygen_sign(cli->key, tmp, &err) != 0 ||
		         pgf_file_read(&sigtext, sig, 64 * 1024, &err) != 0 ||
		         pgf_file_write_atomic(dest, sigtext.ptr, sigtext.len, &err) != 0)
			rc = -1;
		unlink(tmp);
		unlink(sig);
		if (rc == 0) {
			printf("%s/%s/%s.%s.sig\n", scope->folder, PGF_APPROVALS_DIR, file, cli->as);
			pgf_log_info("check it: pgfleet approve %s | ssh-keygen -Y verify -f ALLOWED_SIGNERS -I PRINCIPAL "
			             "-n %s -s %s/%s/%s.%s.sig",
			             cli->file, PGF_APPROVAL_NAMESPACE, scope->folder, PGF_APPROVALS_DIR, file, cli->as);
		}
		pgf_buf_free(&sigtext);
		free(dest);
		free(sig);
		free(tmp);
		free(dir);
	}
	free(msg);
	pgf_buf_free(&text);
	pgf_repo_ctx_close(&ctx);
	return rc != 0 ? pgf_cli_fail(err) : PGF_EXIT_OK;
}
