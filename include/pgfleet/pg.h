/* PostgreSQL connections (src/pg is the only includer of libpq-fe.h).
 *
 * Connection strings are secrets: nothing here prints, logs or keeps them.
 * Errors name the target as "host=... port=... dbname=..." only. */
#ifndef PGFLEET_PG_H
#define PGFLEET_PG_H

#include <stdbool.h>
#include <stddef.h>

#include "pgfleet/error.h"

typedef struct pgf_pg pgf_pg;
typedef struct pgf_pg_result pgf_pg_result;

#define PGF_SQLSTATE_LOCK_NOT_AVAILABLE "55P03"
#define PGF_SQLSTATE_QUERY_CANCELED "57014"
#define PGF_SQLSTATE_UNDEFINED_TABLE "42P01"
#define PGF_SQLSTATE_INVALID_SCHEMA_NAME "3F000"
#define PGF_SQLSTATE_UNDEFINED_FUNCTION "42883"

/* "host=H port=P dbname=D" from a conninfo or URL, never a password or any
 * other key. An unparsable string gives "(invalid connection string)".
 * Caller frees. */
char *pgf_pg_redact(const char *conninfo);

/* Connects with a connect timeout (seconds, 0 = libpq's default). Failures
 * are PGF_ERR_UNREACHABLE (PGF_ERR_INPUT for a malformed string). */
int pgf_pg_connect(pgf_pg **out, const char *conninfo, int connect_timeout, pgf_error **err);
void pgf_pg_close(pgf_pg *c);
/* The redacted target. Borrowed. */
const char *pgf_pg_target(const pgf_pg *c);
/* Server version number, e.g. 150018. */
int pgf_pg_server_version(const pgf_pg *c);

/* Runs SQL with no parameters and no rows wanted (may hold several
 * statements). Server errors are PGF_ERR_DB with sqlstate, detail, hint. */
int pgf_pg_exec(pgf_pg *c, const char *sql, pgf_error **err);
/* Runs one statement with text parameters (NULL = SQL NULL). */
int pgf_pg_query(pgf_pg *c, pgf_pg_result **out, const char *sql, int nparams, const char *const *params,
                 pgf_error **err);
/* Runs a migration script as one simple query. A server error names
 * label:line when the server gives an error position: the line within sql,
 * plus line_shift (negative when sql starts with lines of our own, positive
 * when sql is one statement from further down a file). */
int pgf_pg_exec_script(pgf_pg *c, const char *sql, size_t len, const char *label, long line_shift,
                       pgf_error **err);

/* Runs a simple query (several statements allowed) and returns the rows of
 * its last statement that returned rows (NULL when none did). */
int pgf_pg_query_simple(pgf_pg *c, pgf_pg_result **out, const char *sql, pgf_error **err);
/* Runs a simple query (several statements) and returns in out[0..n-1] the
 * rows of its first n statements that returned rows, in order (NULL for
 * those that did not run). On a server error, -1 with the rows of the
 * statements before it still in out. The caller frees each. */
int pgf_pg_query_simple_each(pgf_pg *c, pgf_pg_result **out, size_t n, const char *sql, pgf_error **err);
/* A quoted SQL string literal, escaped for this connection. Caller frees. */
char *pgf_pg_quote_literal(pgf_pg *c, const char *s, size_t len);

size_t pgf_pg_result_rows(const pgf_pg_result *r);
size_t pgf_pg_result_cols(const pgf_pg_result *r);
/* NULL for SQL NULL. Borrowed from the result. */
const char *pgf_pg_result_value(const pgf_pg_result *r, size_t row, size_t col);
void pgf_pg_result_free(pgf_pg_result *r);

/* True when the error is a server error with this SQLSTATE. */
bool pgf_pg_error_is(const pgf_error *err, const char *sqlstate);
/* The error of a table or schema that does not exist (pgfleet's schema or
 * its ledger not created yet in that database). */
bool pgf_pg_error_is_absent(const pgf_error *err);

#endif
