/* main: dispatches commands; exit codes are decided in exit.c. */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "pgfleet/log.h"

static const char *const hash_opts[] = { "repo", "scope", "max-file-size", "check", NULL };
static const char *const verify_opts[] = { "repo", "commit", "pinned", "scope", "since", "max-file-size", "json",
	                                   "policy", "trust", NULL };

static const char *const plan_opts[] = { "repo", "commit", "pinned", "scope", "master", "tenant", "shard", "jobs", "policy",
	                                 "trust", "allow-unknown", "json", "max-file-size", "since", NULL };
static const char *const reconcile_opts[] = { "repo", "commit", "pinned", "scope", "master", "tenant", "shard", "jobs",
	                                      "policy", "trust", "allow-unknown", "json", "max-file-size", "since",
	                                      "key", "no-ledger", "allow-rewind", NULL };
static const char *const rollback_opts[] = { "repo", "commit", "pinned", "scope", "master", "tenant", "shard", "jobs",
	                                     "policy", "trust", "to", "json", "max-file-size", "since", "key",
	                                     "no-ledger", "allow-rewind", NULL };
static const char *const adopt_opts[] = { "repo", "commit", "pinned", "scope", "master", "tenant", "shard", "jobs", "policy",
	                                  "trust", "from-drizzle", "json", "max-file-size", "since", "key",
	                                  "no-ledger", "allow-rewind", NULL };

static const char *const lint_opts[] = { "repo", "commit", "scope", "policy", "trust", "json", "max-file-size", "jobs",
	                                 "rules", "explain", NULL };

static const char *const check_opts[] = { "repo", "commit", "pinned", "scope", "base", "policy", "trust", "json",
	                                  "format", "max-file-size", NULL };
static const char *const drift_opts[] = { "repo", "commit", "scope", "master", "tenant", "jobs", "policy", "trust",
	                                  "json", "max-file-size", NULL };

static const char *const approve_opts[] = { "repo", "commit", "key", "as", "max-file-size", NULL };

static const char *const ledger_opts[] = { "master", "trust", "checkpoint", "key", "since", "with-state", NULL };

static const pgf_command commands[] = {
	{ "hash", "write or refresh each scope's pgfleet.sum in the working tree", "hash [--scope NAME] [--check]",
	  hash_opts, pgf_cmd_hash },
	{ "verify", "check manifests and the immutability of merged migrations at a commit",
	  "verify [--commit REV] [--pinned] [--policy FILE --trust FILE] [--since REV] [--scope NAME] [--json]", verify_opts, pgf_cmd_verify },
	{ "lint", "SQL safety rules with the PostgreSQL parser, with approved waivers",
	  "lint [--commit REV] [--scope NAME] [--policy FILE --trust FILE] [--json] [--jobs N] [FILE...] | lint --rules | "
	  "lint --explain RULE",
	  lint_opts, pgf_cmd_lint },
	{ "check", "CI gate: verify, lint and policy in one report",
	  "check [--commit REV] [--base REV] [--policy FILE --trust FILE] [--format text|json|github|sarif]",
	  check_opts, pgf_cmd_check },
	{ "plan", "what reconcile would apply where; changes nothing", "plan [--scope NAME] [--tenant SLUG | --shard I/N] [--json]",
	  plan_opts, pgf_cmd_plan },
	{ "reconcile", "apply the difference to master and every tenant",
	  "reconcile --key FILE [--commit SHA --pinned] [--master CONNINFO] [--jobs N] [--tenant SLUG | --shard I/N] [--scope NAME]",
	  reconcile_opts,
	  pgf_cmd_reconcile },
	{ "status", "each database's version, last applied, pending count, last failure",
	  "status [--tenant SLUG | --shard I/N] [--json]", plan_opts, pgf_cmd_status },
	{ "rollback", "run down migrations back to a version, newest first",
	  "rollback --scope NAME --to VERSION [--tenant SLUG | --shard I/N]", rollback_opts, pgf_cmd_rollback },
	{ "adopt", "baseline databases already migrated by drizzle-orm", "adopt --from-drizzle [--tenant SLUG | --shard I/N]",
	  adopt_opts, pgf_cmd_adopt },
	{ "drift", "each database's schema against the fingerprint recorded for its version, and against its peers",
	  "drift [--commit REV] [--scope NAME] [--tenant SLUG] [--jobs N] [--json]", drift_opts, pgf_cmd_drift },
	{ "approve", "print a migration's approval message, or sign it with ssh-keygen",
	  "approve FILE [--key KEY --as NAME] [--commit REV]", approve_opts, pgf_cmd_approve },
	{ "ledger", "the audit ledger: verify (chain, signatures, checkpoint), export (JSON lines), checkpoint",
	  "ledger verify --trust FILE [--checkpoint FILE] | ledger export [--since SEQ] | ledger checkpoint --key FILE",
	  ledger_opts, pgf_cmd_ledger },
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
	if (rc != 0) {
		free(cli.files);
		return rc < 0 ? PGF_EXIT_OK : rc;
	}

	if (cmd->run == NULL) {
		free(cli.files);
		fprintf(stderr, "pgfleet: '%s' is not available in this version yet\n", cmd->name);
		return PGF_EXIT_USAGE;
	}
	pgf_log_set_level(cli.quiet ? PGF_LOG_QUIET : cli.verbose ? PGF_LOG_DEBUG : PGF_LOG_INFO);
	rc = cmd->run(&cli);
	free(cli.files);
	return rc;
}
