/* pgfleet ledger verify | export | checkpoint: the auditor's tools. They read
 * master only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "pgfleet/common.h"
#include "pgfleet/ledger.h"
#include "pgfleet/log.h"
#include "pgfleet/pg.h"

/* A finding may quote a stored field of a tampered entry: escaped, so that
 * no stored newline or terminal sequence can print a line of its own. */
static void on_finding(void *ctx, int64_t seq, const char *text)
{
	(void)ctx;
	char *message = pgf_str_printable(text);
	if (seq > 0 && strncmp(message, "target ", 7) != 0)
		printf("entry %lld: %s\n", (long long)seq, message);
	else if (seq > 0)
		printf("%s (entry %lld)\n", message, (long long)seq);
	else
		printf("%s\n", message);
	free(message);
}

static void on_line(void *ctx, const char *json)
{
	(void)ctx;
	puts(json);
}

int pgf_cmd_ledger(pgf_cli *cli)
{
	pgf_error *err = NULL;
	const char *sub = cli->file;
	if (sub == NULL || (strcmp(sub, "verify") != 0 && strcmp(sub, "export") != 0 && strcmp(sub, "checkpoint") != 0))
		return pgf_cli_fail((pgf_error_set(&err, PGF_ERR_USAGE, "ledger needs verify, export or checkpoint"), err));
	const char *master = cli->master ? cli->master : getenv("MASTER_DATABASE_URL");
	if (master == NULL || master[0] == '\0')
		return pgf_cli_fail((pgf_error_set(&err, PGF_ERR_USAGE,
		                                   "no master database: pass --master CONNINFO or set MASTER_DATABASE_URL"),
		                     err));
	if (cli->since != NULL && (!pgf_str_is_digits(cli->since, strlen(cli->since)) || strlen(cli->since) > 18))
		return pgf_cli_fail((pgf_error_set(&err, PGF_ERR_USAGE, "--since '%s': expected an entry number", cli->since),
		                     err));
	if (strcmp(sub, "checkpoint") == 0 && cli->key == NULL)
		return pgf_cli_fail((pgf_error_set(&err, PGF_ERR_USAGE, "ledger checkpoint signs: pass --key FILE"), err));

	pgf_allowed_signers *trust = NULL;
	char *checkpoint = NULL;
	if (strcmp(sub, "verify") == 0) {
		if (cli->trust == NULL)
			return pgf_cli_fail((pgf_error_set(&err, PGF_ERR_USAGE,
			                                   "ledger verify needs --trust FILE (allowed_signers with the "
			                                   "reconcilers' keys, namespace pgfleet-ledger)"),
			                     err));
		if (pgf_allowed_signers_load(&trust, cli->trust, &err) != 0)
			return pgf_cli_fail(err);
		if (cli->checkpoint != NULL) {
			pgf_buf b = PGF_BUF_INIT;
			if (pgf_file_read(&b, cli->checkpoint, 64 * 1024, &err) != 0) {
				pgf_allowed_signers_free(trust);
				return pgf_cli_fail(err);
			}
			checkpoint = pgf_buf_detach(&b);
		}
	}
	pgf_pg *conn = NULL;
	int rc = PGF_EXIT_OK;
	if (pgf_pg_connect(&conn, master, 10, &err) != 0) {
		rc = pgf_cli_fail(err);
	} else if (strcmp(sub, "verify") == 0) {
		pgf_ledger_report rep;
		if (pgf_ledger_verify(&rep, conn, trust, checkpoint, on_finding, NULL, &err) != 0 ||
		    (cli->with_state && pgf_ledger_check_state(conn, NULL, on_finding, NULL, &rep.findings, &err) != 0)) {
			rc = pgf_cli_fail(err);
		} else {
			printf("ledger: %lld entries, head %.12s, %lld findings\n", (long long)rep.entries, rep.head_hash,
			       (long long)rep.findings);
			rc = rep.findings ? PGF_EXIT_FINDINGS : PGF_EXIT_OK;
		}
	} else if (strcmp(sub, "export") == 0) {
		if (pgf_ledger_export(conn, cli->since_seq, on_line, NULL, &err) != 0)
			rc = pgf_cli_fail(err);
	} else {
		char *text = NULL;
		if (pgf_ledger_checkpoint(&text, conn, cli->key, &err) != 0)
			rc = pgf_cli_fail(err);
		else
			fputs(text, stdout);
		free(text);
	}
	pgf_pg_close(conn);
	pgf_allowed_signers_free(trust);
	free(checkpoint);
	return rc;
}
