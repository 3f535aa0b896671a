/* main: dispatches commands; exit codes are decided in exit.c. */
#include <locale.h>
#include <stdio.h>

#include "cli.h"
#include "pgfleet/log.h"

static const char *const hash_opts[] = { "repo", "scope", "max-file-size", "check", NULL };
static const char *const verify_opts[] = { "repo", "commit", "pinned", "scope", "since", "max-file-size", "json",
	                                   NULL };

static const pgf_command commands[] = {
	{ "hash", "write or refresh each scope's pgfleet.sum in the working tree", "hash [--scope NAME] [--check]",
	  hash_opts, pgf_cmd_hash },
	{ "verify", "check manifests and the immutability of merged migrations at a commit",
	  "verify [--commit REV] [--pinned] [--since REV] [--scope NAME] [--json]", verify_opts, pgf_cmd_verify },
	{ "lint", "SQL safety rules with the PostgreSQL parser", "lint", NULL, NULL },
	{ "check", "CI gate: verify, lint and policy", "check", NULL, NULL },
	{ "plan", "what reconcile would apply where", "plan", NULL, NULL },
	{ "reconcile", "apply the difference to master and every tenant", "reconcile", NULL, NULL },
	{ "status", "each database's version and pending count", "status", NULL, NULL },
	{ "drift", "schema fingerprints against versions", "drift", NULL, NULL },
	{ "rollback", "apply down migrations to a version", "rollback", NULL, NULL },
	{ "approve", "print or sign a migration's approval", "approve", NULL, NULL },
	{ "ledger", "audit ledger tools", "ledger", NULL, NULL },
};

const pgf_command *pgf_cli_commands(size_t *n)
{
	*n = sizeof(commands) / sizeof(commands[0]);
	return commands;
}

int main(int argc, char **argv)
{
	setlocale(LC_ALL, "C");
	pgf_cli cli = { .repo = ".", .commit = "HEAD" };
	const pgf_command *cmd = NULL;
	int rc = pgf_cli_parse(&cli, &cmd, argc, argv);
	if (rc != 0)
		return rc < 0 ? PGF_EXIT_OK : rc;

	if (cmd->run == NULL) {
		fprintf(stderr, "pgfleet: '%s' is not available in this version yet\n", cmd->name);
		return PGF_EXIT_USAGE;
	}
	pgf_log_set_level(cli.quiet ? PGF_LOG_QUIET : cli.verbose ? PGF_LOG_DEBUG : PGF_LOG_INFO);
	return cmd->run(&cli);
}
