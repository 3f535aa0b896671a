/* Option parsing: `pgfleet [options] <command> [options]`, GNU-style long
 * options (--name value, --name=value), checked against the command's table. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "pgfleet/common.h"
#include "pgfleet_config.h"

typedef struct opt_def {
	const char *name;
	char short_name;
	const char *arg;   /* NULL: a flag */
	const char *help;
} opt_def;

static const opt_def options[] = {
	{ "repo", 0, "PATH", "repository to read, bare or not (default: .)" },
	{ "commit", 0, "REV", "commit to read (default: HEAD)" },
	{ "pinned", 0, NULL, "pipeline mode: --commit must be a full 40-hex commit id" },
	{ "scope", 0, "NAME", "only this scope (repeatable)" },
	{ "since", 0, "REV", "check history from REV (inclusive) instead of the commit's first parents" },
	{ "max-file-size", 0, "BYTES", "largest migration file accepted (default: pgfleet.json, else 1048576)" },
	{ "check", 0, NULL, "write nothing; exit 1 if a manifest is out of date" },
	{ "master", 0, "CONNINFO", "master database (default: MASTER_DATABASE_URL)" },
	{ "tenant", 0, "SLUG", "only this tenant (repeatable)" },
	{ "shard", 0, "I/N", "only the tenants of shard I of N (0-based; by a hash of the tenant id)" },
	{ "jobs", 'j', "N", "databases at once (default: 8); for lint, files at once (default: the CPUs it may use)" },
	{ "policy", 0, "FILE", "policy file: approvals, lint severities, timeouts, out-of-order" },
	{ "trust", 0, "FILE", "allowed_signers: who may sign commits and approvals" },
	{ "key", 0, "FILE", "approve: sign with this key (through ssh-keygen)" },
	{ "as", 0, "NAME", "approve: the approver, in the signature's file name" },
	{ "no-ledger", 0, NULL, "write no ledger entries (local development; refused with --pinned)" },
	{ "checkpoint", 0, "FILE", "ledger verify: a saved checkpoint that must be a prefix of the ledger" },
	{ "with-state", 0, NULL, "ledger verify: also check every database's applied_migrations" },
	{ "allow-unknown", 0, NULL, "proceed where a database has versions the commit does not" },
	{ "to", 0, "VERSION", "rollback: the version to go back to (0: everything)" },
	{ "from-drizzle", 0, NULL, "adopt: baseline from drizzle.__drizzle_migrations" },
	{ "allow-rewind", 0, NULL, "--pinned: allow a commit that does not descend from the last one reconciled" },
	{ "rules", 0, NULL, "lint: list the rules (id, severity, why, instead) and exit" },
	{ "explain", 0, "RULE", "lint: explain one rule and exit" },
	{ "base", 0, "REV", "check: lint only files added or changed since REV; history is immutable from REV" },
	{ "format", 0, "FORMAT", "check: text, json, github (workflow annotations) or sarif (SARIF 2.1.0)" },
	{ "json", 0, NULL, "machine-readable output on stdout" },
	{ "quiet", 'q', NULL, "errors only on stderr" },
	{ "verbose", 'v', NULL, "more detail on stderr" },
	{ "help", 'h', NULL, "show this help" },
};
#define NOPTIONS (sizeof(options) / sizeof(options[0]))

static const char *const always[] = { "quiet", "verbose", "help" };

static const opt_def *find_long(const char *name, size_t len)
{
	for (size_t i = 0; i < NOPTIONS; i++)
		if (strlen(options[i].name) == len && memcmp(options[i].name, name, len) == 0)
			return &options[i];
	return NULL;
}

static bool accepted(const pgf_command *cmd, const char *name)
{
	for (size_t i = 0; i < sizeof(always) / sizeof(always[0]); i++)
		if (strcmp(always[i], name) == 0)
			return true;
	for (const char *const *o = cmd ? cmd->options : NULL; o && *o; o++)
		if (strcmp(*o, name) == 0)
			return true;
	return false;
}

static int usage_error(const char *cmd, const char *hint, const char *fmt, ...) PGF_PRINTF(3, 4);

/* One line on stderr: "pgfleet <cmd>: <message> (did you mean '<hint>'?)". */
static int usage_error(const char *cmd, const char *hint, const char *fmt, ...)
{
	fprintf(stderr, "pgfleet%s%s: ", cmd ? " " : "", cmd ? cmd : "");
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (hint != NULL)
		fprintf(stderr, " (did you mean '%s'?)", hint);
	fprintf(stderr, "\n");
	return PGF_EXIT_USAGE;
}

static int parse_size(size_t *out, const char *s)
{
	char *end = NULL;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v == 0 || v > 256ull * 1024 * 1024 || s[0] == '-')
		return -1;
	*out = (size_t)v;
	return 0;
}

static int set_option(pgf_cli *cli, const opt_def *o, const char *value)
{
	const char *n = o->name;
	if (strcmp(n, "repo") == 0)
		cli->repo = value;
	else if (strcmp(n, "commit") == 0) {
		cli->commit = value;
		cli->commit_given = true;
	}
	else if (strcmp(n, "since") == 0) {
		cli->since = value;
		cli->since_seq = atoll(value);
	}
	else if (strcmp(n, "pinned") == 0)
		cli->pinned = true;
	else if (strcmp(n, "json") == 0)
		cli->json = true;
	else if (strcmp(n, "base") == 0)
		cli->base = value;
	else if (strcmp(n, "format") == 0)
		cli->format = value;
	else if (strcmp(n, "rules") == 0)
		cli->rules = true;
	else if (strcmp(n, "explain") == 0)
		cli->explain = value;
	else if (strcmp(n, "check") == 0)
		cli->check = true;
	else if (strcmp(n, "quiet") == 0)
		cli->quiet = true;
	else if (strcmp(n, "verbose") == 0)
		cli->verbose = true;
	else if (strcmp(n, "help") == 0)
		cli->help = true;
	else if (strcmp(n, "master") == 0)
		cli->master = value;
	else if (strcmp(n, "policy") == 0)
		cli->policy = value;
	else if (strcmp(n, "trust") == 0)
		cli->trust = value;
	else if (strcmp(n, "key") == 0)
		cli->key = value;
	else if (strcmp(n, "no-ledger") == 0)
		cli->no_ledger = true;
	else if (strcmp(n, "allow-rewind") == 0)
		cli->allow_rewind = true;
	else if (strcmp(n, "with-state") == 0)
		cli->with_state = true;
	else if (strcmp(n, "checkpoint") == 0)
		cli->checkpoint = value;
	else if (strcmp(n, "as") == 0)
		cli->as = value;
	else if (strcmp(n, "to") == 0) {
		if (!pgf_str_is_digits(value, strlen(value)))
			return usage_error(cli->command, NULL, "--to '%s': expected a version (digits)", value);
		cli->to = value;
	} else if (strcmp(n, "allow-unknown") == 0)
		cli->allow_unknown = true;
	else if (strcmp(n, "from-drizzle") == 0)
		cli->from_drizzle = true;
	else if (strcmp(n, "jobs") == 0) {
		char *end = NULL;
		long j = strtol(value, &end, 10);
		if (end == value || *end != '\0' || j < 1 || j > 256)
			return usage_error(cli->command, NULL, "--jobs '%s': expected a number from 1 to 256", value);
		cli->jobs = (int)j;
	} else if (strcmp(n, "shard") == 0) {
		const char *why = NULL;
		if (pgf_shard_parse(&cli->shard, value, &why) != 0)
			return usage_error(cli->command, NULL, "--shard '%s': %s", value, why);
	} else if (strcmp(n, "tenant") == 0) {
		if (cli->ntenants == PGF_MAX_SCOPES)
			return usage_error(cli->command, NULL, "too many --tenant options");
		cli->tenants[cli->ntenants++] = value;
	} else if (strcmp(n, "scope") == 0) {
		if (cli->nscopes == PGF_MAX_SCOPES)
			return usage_error(cli->command, NULL, "too many --scope options");
		cli->scopes[cli->nscopes++] = value;
	} else if (strcmp(n, "max-file-size") == 0) {
		if (parse_size(&cli->max_file_bytes, value) != 0)
			return usage_error(cli->command, NULL, "--max-file-size '%s': expected bytes from 1 to 268435456",
			                   value);
	}
	return 0;
}

static const pgf_command *find_command(const char *name)
{
	size_t n;
	const pgf_command *cmds = pgf_cli_commands(&n);
	for (size_t i = 0; i < n; i++)
		if (strcmp(cmds[i].name, name) == 0)
			return &cmds[i];
	return NULL;
}

static int unknown_command(const char *name)
{
	size_t n;
	const pgf_command *cmds = pgf_cli_commands(&n);
	const char *names[64];
	for (size_t i = 0; i < n && i < 64; i++)
		names[i] = cmds[i].name;
	usage_error(NULL, pgf_suggest(name, names, n < 64 ? n : 64), "unknown command '%s'", name);
	fprintf(stderr, "pgfleet: run 'pgfleet --help' for the list of commands\n");
	return PGF_EXIT_USAGE;
}

static int unknown_option(const pgf_command *cmd, const char *arg, size_t len)
{
	const char *names[NOPTIONS];
	size_t n = 0;
	for (size_t i = 0; i < NOPTIONS; i++)
		if (accepted(cmd, options[i].name))
			names[n++] = options[i].name;
	char *word = pgf_strndup(arg + 2, len);
	const char *near = pgf_suggest(word, names, n);
	char *hint = near ? pgf_asprintf("--%s", near) : NULL;
	usage_error(cmd ? cmd->name : NULL, hint, "unknown option '%s'", arg);
	free(hint);
	free(word);
	return PGF_EXIT_USAGE;
}

/* Options are collected first and checked once the command is known, since
 * they may come before it. */
typedef struct pending {
	const opt_def *def;
	const char *value;
	const char *arg;
} pending;

int pgf_cli_parse(pgf_cli *cli, const pgf_command **cmd_out, int argc, char **argv)
{
	pending *seen = pgf_calloc((size_t)argc + 1, sizeof(pending));
	size_t nseen = 0;
	const pgf_command *cmd = NULL;
	bool version = false;
	int rc = 0;

	for (int i = 1; i < argc && rc == 0; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--version") == 0 || strcmp(a, "-V") == 0) {
			version = true;
			continue;
		}
		if (a[0] == '-' && a[1] == '-' && a[2] != '\0') {
			const char *eq = strchr(a, '=');
			size_t len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
			const opt_def *o = find_long(a + 2, len);
			if (o == NULL) {
				if (cmd != NULL)
					rc = unknown_option(cmd, a, len);
				else /* reported once the command, and so its options, is known */
					seen[nseen++] = (pending){ NULL, NULL, a };
				continue;
			}
			const char *value = NULL;
			if (o->arg != NULL) {
				if (eq != NULL)
					value = eq + 1;
				else if (i + 1 < argc)
					value = argv[++i];
				else {
					rc = usage_error(cmd ? cmd->name : NULL, NULL, "option '--%s' needs a value", o->name);
					continue;
				}
			} else if (eq != NULL) {
				rc = usage_error(cmd ? cmd->name : NULL, NULL, "option '--%s' takes no value", o->name);
				continue;
			}
			seen[nseen++] = (pending){ o, value, a };
		} else if (a[0] == '-' && a[1] != '\0' && a[1] != '-' && a[2] == '\0') {
			const opt_def *o = NULL;
			for (size_t k = 0; k < NOPTIONS; k++)
				if (options[k].short_name == a[1])
					o = &options[k];
			if (o == NULL) {
				rc = usage_error(cmd ? cmd->name : NULL, NULL, "unknown option '%s'", a);
				continue;
			}
			const char *value = NULL;
			if (o->arg != NULL) {
				if (i + 1 >= argc) {
					rc = usage_error(cmd ? cmd->name : NULL, NULL, "option '%s' needs a value", a);
					continue;
				}
				value = argv[++i];
			}
			seen[nseen++] = (pending){ o, value, a };
		} else if (cmd == NULL) {
			cmd = find_command(a);
			if (cmd == NULL)
				rc = unknown_command(a);
			cli->command = a;
		} else if ((strcmp(cmd->name, "approve") == 0 || strcmp(cmd->name, "ledger") == 0) && cli->file == NULL) {
			cli->file = a;
		} else if (strcmp(cmd->name, "lint") == 0) {
			if (cli->files == NULL)
				cli->files = pgf_calloc((size_t)argc, sizeof(char *));
			cli->files[cli->nfiles++] = argv[i];
		} else {
			rc = usage_error(cmd->name, NULL, "unexpected argument '%s'", a);
		}
	}

	for (size_t i = 0; i < nseen && rc == 0; i++) {
		if (seen[i].def == NULL) {
			const char *eq = strchr(seen[i].arg, '=');
			rc = unknown_option(cmd, seen[i].arg, eq ? (size_t)(eq - seen[i].arg - 2) : strlen(seen[i].arg + 2));
		} else if (cmd == NULL ? strcmp(seen[i].def->name, "help") != 0 && strcmp(seen[i].def->name, "quiet") != 0 &&
		                                 strcmp(seen[i].def->name, "verbose") != 0
		                       : !accepted(cmd, seen[i].def->name)) {
			rc = usage_error(cmd ? cmd->name : NULL, NULL, "option '--%s' does not apply here",
			                 seen[i].def->name);
		} else {
			rc = set_option(cli, seen[i].def, seen[i].value);
		}
	}
	free(seen);
	if (rc != 0)
		return rc;

	if (version && !cli->help) {
		printf("pgfleet %s\n", PGFLEET_VERSION);
		return -1;
	}
	if (cmd == NULL) {
		if (cli->help) {
			pgf_cli_print_usage();
			return -1;
		}
		fprintf(stderr, "pgfleet: no command given\n");
		fprintf(stderr, "pgfleet: run 'pgfleet --help' for the list of commands\n");
		return PGF_EXIT_USAGE;
	}
	if (cli->help) {
		pgf_cli_print_help(cmd);
		return -1;
	}
	*cmd_out = cmd;
	return 0;
}

void pgf_cli_print_help(const pgf_command *cmd)
{
	printf("usage: pgfleet %s\n\n%s\n\noptions:\n", cmd->usage, cmd->summary);
	for (size_t i = 0; i < NOPTIONS; i++) {
		if (!accepted(cmd, options[i].name))
			continue;
		char left[64];
		if (options[i].short_name)
			snprintf(left, sizeof(left), "-%c, --%s%s%s", options[i].short_name, options[i].name,
			         options[i].arg ? " " : "", options[i].arg ? options[i].arg : "");
		else
			snprintf(left, sizeof(left), "    --%s%s%s", options[i].name, options[i].arg ? " " : "",
			         options[i].arg ? options[i].arg : "");
		printf("  %-26s %s\n", left, options[i].help);
	}
	printf("\nexit codes: 0 clean, 1 findings, 2 usage or input error, 3 internal failure\n");
}

void pgf_cli_print_usage(void)
{
	size_t n;
	const pgf_command *cmds = pgf_cli_commands(&n);
	printf("usage: pgfleet [options] <command> [options]\n\n"
	       "pgfleet keeps the schemas of a PostgreSQL fleet (a master and one database per\n"
	       "tenant) at what a pinned git commit describes.\n\ncommands:\n");
	for (size_t i = 0; i < n; i++)
		if (cmds[i].run != NULL)
			printf("  %-10s %s\n", cmds[i].name, cmds[i].summary);
	printf("\nplanned, not in this version yet:\n ");
	for (size_t i = 0; i < n; i++)
		if (cmds[i].run == NULL)
			printf(" %s", cmds[i].name);
	printf("\n\nrun 'pgfleet <command> --help' for a command's options; 'pgfleet --version'.\n"
	       "exit codes: 0 clean, 1 findings, 2 usage or input error, 3 internal failure\n");
}
