/* The command line: one option table, one command table, one place that
 * decides exit codes. */
#ifndef PGFLEET_CLI_H
#define PGFLEET_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "pgfleet/config.h"
#include "pgfleet/error.h"
#include "pgfleet/migration.h"
#include "pgfleet/policy.h"
#include "pgfleet/shard.h"
#include "pgfleet/source.h"

enum {
	PGF_EXIT_OK = 0,
	PGF_EXIT_FINDINGS = 1,
	PGF_EXIT_USAGE = 2,
	PGF_EXIT_INTERNAL = 3
};

#define PGF_MAX_SCOPES 64

typedef struct pgf_cli {
	const char *command;
	const char *repo;
	const char *commit;
	const char *since;
	const char *scopes[PGF_MAX_SCOPES];
	size_t nscopes;
	size_t max_file_bytes;  /* 0: from pgfleet.json */
	const char *tenants[PGF_MAX_SCOPES];
	size_t ntenants;
	pgf_shard shard;        /* --shard I/N (count 0: none) */
	const char *master;
	const char *policy;
	const char *trust;
	const char *key;
	const char *as;
	const char *file;       /* approve: the positional argument */
	char **files;           /* lint: FILE arguments (allocated; main frees it) */
	size_t nfiles;
	const char *explain;    /* lint --explain RULE */
	bool rules;             /* lint --rules */
	const char *format;     /* check --format */
	const char *base;       /* check --base */
	bool commit_given;
	bool no_ledger;
	bool allow_rewind;
	bool with_state;
	const char *checkpoint;
	long long since_seq;
	const char *to;
	int jobs;
	bool allow_unknown;
	bool from_drizzle;
	bool pinned;
	bool json;
	bool check;
	bool quiet;
	bool verbose;
	bool help;
} pgf_cli;

typedef struct pgf_command {
	const char *name;
	const char *summary;
	const char *usage;
	const char *const *options;  /* names accepted besides help/quiet/verbose */
	int (*run)(pgf_cli *cli);    /* NULL: not built yet */
} pgf_command;

/* Parses argv into cli and finds the command. Returns 0, or an exit code
 * after printing a one-line error. */
int pgf_cli_parse(pgf_cli *cli, const pgf_command **cmd, int argc, char **argv);
void pgf_cli_print_help(const pgf_command *cmd);
void pgf_cli_print_usage(void);
const pgf_command *pgf_cli_commands(size_t *n);

/* The exit code for an error chain: the most severe of its errors. */
int pgf_cli_exit_code(const pgf_error *err);
/* Logs the chain and returns its exit code. */
int pgf_cli_fail(pgf_error *err);

/* What every command that reads migrations opens first. */
typedef struct pgf_repo_ctx {
	pgf_source *src;
	pgf_config *cfg;
	const pgf_scope *scopes[PGF_MAX_SCOPES];
	size_t nscopes;
	pgf_load_opts load;
} pgf_repo_ctx;

int pgf_repo_ctx_open(pgf_repo_ctx *ctx, const pgf_cli *cli, bool worktree, pgf_error **err);
void pgf_repo_ctx_close(pgf_repo_ctx *ctx);

/* The trust root: --policy and --trust, from the reconciler's configuration. */
struct pgf_allowed_signers;
typedef struct pgf_trust_root {
	pgf_policy policy;
	struct pgf_allowed_signers *trust;  /* NULL without --trust */
	int64_t now;
} pgf_trust_root;

int pgf_trust_root_open(pgf_trust_root *tr, const pgf_cli *cli, bool warn_if_absent, pgf_error **err);
void pgf_trust_root_close(pgf_trust_root *tr);

/* What verify saw of one scope. */
typedef struct pgf_scope_verified {
	const char *scope;
	size_t migrations;
	char chain[PGF_SHA256_HEX_LEN + 1];
	bool loaded;
	bool approvals_checked; /* its approval shortfalls are in verify's findings */
} pgf_scope_verified;

/* verify's checks at the context's commit: commit signature, then per scope
 * manifest, history, approvals. results: NULL or an array of nscopes. */
typedef struct pgf_findings pgf_findings;
int pgf_verify_commit(pgf_repo_ctx *ctx, const pgf_cli *cli, const pgf_trust_root *tr, pgf_findings *findings,
                      pgf_findings *info, pgf_scope_verified *results, pgf_error **err);

/* Prints lead, then text from outside pgfleet as pgf_str_printable makes it,
 * then a newline (text.c). */
void pgf_cli_print_text(const char *lead, const char *text);

/* Begin and end log lines of a command. */
void pgf_cli_begin(const pgf_cli *cli, const char *what);
void pgf_cli_end(const pgf_cli *cli, double started, const char *counts, int exit_code);

/* status: the fleet summary (per scope: databases per version, pending,
 * failed; the ledger's last run), as JSON; and printed as text. */
struct json_t;
struct pgf_run_report;
struct json_t *pgf_fleet_summary(const struct pgf_run_report *r, const char *master);
void pgf_fleet_summary_print(struct json_t *fleet);

int pgf_cmd_hash(pgf_cli *cli);
int pgf_cmd_verify(pgf_cli *cli);
int pgf_cmd_plan(pgf_cli *cli);
int pgf_cmd_reconcile(pgf_cli *cli);
int pgf_cmd_status(pgf_cli *cli);
int pgf_cmd_rollback(pgf_cli *cli);
int pgf_cmd_adopt(pgf_cli *cli);
int pgf_cmd_approve(pgf_cli *cli);
int pgf_cmd_ledger(pgf_cli *cli);
int pgf_cmd_lint(pgf_cli *cli);
int pgf_cmd_check(pgf_cli *cli);
int pgf_cmd_drift(pgf_cli *cli);

/* drift's report (cmd_drift.c): text lines per database, JSON, counts. */
struct pgf_run_report;
struct pgf_target_report;
void pgf_drift_print(const struct pgf_run_report *r);
void pgf_drift_json_add(void *target_json, const struct pgf_target_report *t);
/* Databases that drifted. */
size_t pgf_drift_count(const struct pgf_run_report *r);

#endif
