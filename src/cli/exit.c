/* The one place that maps errors to exit codes:
 * 0 done/clean, 1 findings, 2 usage/input/configuration, 3 internal or
 * master unreachable. */
#include <stdio.h>

#include "cli.h"
#include "pgfleet/log.h"
#include "pgfleet_config.h"

static int code_for(pgf_error_code code)
{
	switch (code) {
	case PGF_ERR_USAGE:
	case PGF_ERR_INPUT:
	case PGF_ERR_CONFIG:
	case PGF_ERR_NOTFOUND:
		return PGF_EXIT_USAGE;
	case PGF_ERR_DB:
		return PGF_EXIT_FINDINGS;
	case PGF_ERR_GIT:
	case PGF_ERR_IO:
	case PGF_ERR_UNREACHABLE:
	case PGF_ERR_INTERNAL:
		return PGF_EXIT_INTERNAL;
	}
	return PGF_EXIT_INTERNAL;
}

int pgf_cli_exit_code(const pgf_error *err)
{
	int worst = PGF_EXIT_OK;
	for (; err != NULL; err = err->next) {
		int c = code_for(err->code);
		/* internal (3) outranks usage (2) outranks findings (1) */
		if (c > worst)
			worst = c;
	}
	return worst;
}

int pgf_cli_fail(pgf_error *err)
{
	pgf_log_error_chain(err);
	int rc = pgf_cli_exit_code(err);
	pgf_error_free(err);
	return rc;
}

void pgf_cli_begin(const pgf_cli *cli, const char *what)
{
	pgf_log_info("%s begin: pgfleet %s, %s", cli->command, PGFLEET_VERSION, what);
}

void pgf_cli_end(const pgf_cli *cli, double started, const char *counts, int exit_code)
{
	pgf_log_info("%s end: %s in %.2fs, exit %d", cli->command, counts, pgf_now() - started, exit_code);
}
