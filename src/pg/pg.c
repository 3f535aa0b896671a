#include "pgfleet/pg.h"

#include <assert.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgfleet/common.h"
#include "pgfleet/log.h"

struct pgf_pg {
	PGconn *conn;
	char *target;
};

struct pgf_pg_result {
	PGresult *res;
};

char *pgf_pg_redact(const char *conninfo)
{
	char *errmsg = NULL;
	PQconninfoOption *opts = PQconninfoParse(conninfo ? conninfo : "", &errmsg);
	/* libpq's message may quote the string: it is never shown. */
	PQfreemem(errmsg);
	if (opts == NULL)
		return pgf_strdup("(invalid connection string)");
	const char *host = NULL, *hostaddr = NULL, *port = NULL, *dbname = NULL, *service = NULL;
	for (PQconninfoOption *o = opts; o->keyword != NULL; o++) {
		if (o->val == NULL || o->val[0] == '\0')
			continue;
		if (strcmp(o->keyword, "host") == 0)
			host = o->val;
		else if (strcmp(o->keyword, "hostaddr") == 0)
			hostaddr = o->val;
		else if (strcmp(o->keyword, "port") == 0)
			port = o->val;
		else if (strcmp(o->keyword, "dbname") == 0)
			dbname = o->val;
		else if (strcmp(o->keyword, "service") == 0)
			service = o->val;
	}
	pgf_buf b = PGF_BUF_INIT;
	if (service != NULL)
		pgf_buf_printf(&b, "service=%s ", service);
	pgf_buf_printf(&b, "host=%s", host ? host : hostaddr ? hostaddr : "(default)");
	pgf_buf_printf(&b, " port=%s", port ? port : "(default)");
	pgf_buf_printf(&b, " dbname=%s", dbname ? dbname : "(default)");
	PQconninfoFree(opts);
	return pgf_buf_detach(&b);
}

/* libpq messages end with a newline and may hold several lines. */
static char *one_line(const char *msg)
{
	char *s = pgf_strdup(msg ? msg : "");
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' '))
		s[--n] = '\0';
	for (char *p = s; *p; p++)
		if (*p == '\n' || *p == '\t')
			*p = ' ';
	return s;
}

/* Server notices (e.g. "... does not exist, skipping") are detail for
 * --verbose, prefixed with the target, not noise on every run. */
static void on_notice(void *arg, const char *message)
{
	const pgf_pg *c = arg;
	char *msg = one_line(message);
	pgf_log_debug("%s: %s", c->target, msg);
	free(msg);
}

int pgf_pg_connect(pgf_pg **out, const char *conninfo, int connect_timeout, pgf_error **err)
{
	/* An empty string would connect wherever libpq's defaults point. */
	if (conninfo == NULL || conninfo[0] == '\0')
		return pgf_error_set(err, PGF_ERR_INPUT, "empty connection string: refusing libpq's default database");
	char *errmsg = NULL;
	PQconninfoOption *parsed = PQconninfoParse(conninfo, &errmsg);
	PQfreemem(errmsg);
	if (parsed == NULL)
		return pgf_error_set(err, PGF_ERR_INPUT, "invalid connection string (not shown: it may hold a password)");
	PQconninfoFree(parsed);

	char timeout[16];
	snprintf(timeout, sizeof(timeout), "%d", connect_timeout);
	/* The string is expanded last (expand_dbname), so its own settings win
	 * over these defaults; libpq's environment fills in the rest. */
	const char *keys[] = { "connect_timeout", "application_name", "dbname", NULL };
	const char *vals[] = { connect_timeout > 0 ? timeout : "", "pgfleet", conninfo, NULL };
	PGconn *conn = PQconnectdbParams(keys, vals, 1);
	pgf_pg *c = pgf_calloc(1, sizeof(*c));
	c->target = pgf_pg_redact(conninfo);
	if (conn == NULL || PQstatus(conn) != CONNECTION_OK) {
		char *msg = one_line(conn ? PQerrorMessage(conn) : "out of memory");
		pgf_error_set(err, PGF_ERR_UNREACHABLE, "%s: %s", c->target, msg);
		free(msg);
		PQfinish(conn);
		free(c->target);
		free(c);
		return -1;
	}
	c->conn = conn;
	PQsetNoticeProcessor(conn, on_notice, c);
	*out = c;
	return 0;
}

void pgf_pg_close(pgf_pg *c)
{
	if (c == NULL)
		return;
	PQfinish(c->conn);
	free(c->target);
	free(c);
}

const char *pgf_pg_target(const pgf_pg *c)
{
	return c->target;
}

int pgf_pg_server_version(const pgf_pg *c)
{
	return PQserverVersion(c->conn);
}

static pgf_error *last_error(pgf_error *e)
{
	while (e != NULL && e->next != NULL)
		e = e->next;
	return e;
}

/* Turns a failed result (or a lost connection) into an error; returns -1.
 * With a script, the error position becomes label:line. */
static int result_error(pgf_pg *c, PGresult *res, const char *script, size_t len, const char *label,
                        long line_shift, pgf_error **err)
{
	if (PQstatus(c->conn) == CONNECTION_BAD) {
		char *msg = one_line(PQerrorMessage(c->conn));
		pgf_error_set(err, PGF_ERR_UNREACHABLE, "%s: connection lost: %s", c->target, msg);
		free(msg);
		return -1;
	}
	const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	const char *severity = res ? PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED) : NULL;
	const char *sqlstate = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *position = res ? PQresultErrorField(res, PG_DIAG_STATEMENT_POSITION) : NULL;
	char *msg = one_line(primary ? primary : PQerrorMessage(c->conn));
	const char *sev = severity ? severity : "ERROR";
	if (script != NULL && position != NULL) {
		long line = (long)pgf_text_line_of_char(script, len, (size_t)strtoul(position, NULL, 10)) + line_shift;
		pgf_error_set(err, PGF_ERR_DB, "%s:%ld: %s: %s", label, line < 1 ? 1 : line, sev, msg);
	} else if (label != NULL && script != NULL && line_shift >= 0) {
		/* no position (e.g. a unique index build): the statement's first line */
		pgf_error_set(err, PGF_ERR_DB, "%s:%ld: %s: %s", label, line_shift + 1, sev, msg);
	} else if (label != NULL) {
		pgf_error_set(err, PGF_ERR_DB, "%s: %s: %s", label, sev, msg);
	} else {
		pgf_error_set(err, PGF_ERR_DB, "%s: %s", sev, msg);
	}
	free(msg);
	pgf_error *e = err != NULL ? last_error(*err) : NULL;
	if (e == NULL)
		return -1;
	if (sqlstate != NULL)
		snprintf(e->sqlstate, sizeof(e->sqlstate), "%s", sqlstate);
	const char *detail = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL) : NULL;
	const char *hint = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_HINT) : NULL;
	if (detail != NULL) {
		char *d = one_line(detail);
		pgf_error_detail(err, "%s", d);
		free(d);
	}
	if (hint != NULL) {
		char *h = one_line(hint);
		pgf_error_hint(err, "%s", h);
		free(h);
	}
	return -1;
}

static bool ok_status(ExecStatusType st)
{
	return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY;
}

/* Sends a simple query and drains every result: a multi-statement string
 * stops at its first error, which is the one reported. Rows are kept when
 * asked: of the first n statements that returned rows in keep[0..n-1], or
 * with last, of the last one in keep[0]; what came before an error stays. */
typedef struct rows_wanted {
	PGresult **keep;
	size_t n;
	bool last;
} rows_wanted;

static int simple_query(pgf_pg *c, const char *sql, size_t len, const char *label, long line_shift,
                        const rows_wanted *want, pgf_error **err)
{
	const char *script = label != NULL ? sql : NULL;
	size_t n = want != NULL ? want->n : 0, k = 0;
	bool last = want != NULL && want->last;
	for (size_t i = 0; i < n; i++)
		want->keep[i] = NULL;
	if (!PQsendQuery(c->conn, sql))
		return result_error(c, NULL, NULL, 0, label, line_shift, err);
	int rc = 0;
	PGresult *res;
	while ((res = PQgetResult(c->conn)) != NULL) {
		if (rc == 0 && !ok_status(PQresultStatus(res)))
			rc = result_error(c, res, script, len, label, line_shift, err);
		if (rc == 0 && PQresultStatus(res) == PGRES_TUPLES_OK && (last ? n > 0 : k < n)) {
			if (last)
				PQclear(want->keep[0]);
			want->keep[last ? 0 : k++] = res;
		} else
			PQclear(res);
	}
	if (rc == 0 && PQstatus(c->conn) == CONNECTION_BAD)
		rc = result_error(c, NULL, NULL, 0, label, line_shift, err);
	return rc;
}

int pgf_pg_exec_script(pgf_pg *c, const char *sql, size_t len, const char *label, long line_shift,
                       pgf_error **err)
{
	return simple_query(c, sql, len, label, line_shift, NULL, err);
}

int pgf_pg_exec(pgf_pg *c, const char *sql, pgf_error **err)
{
	return simple_query(c, sql, strlen(sql), NULL, 0, NULL, err);
}

static pgf_pg_result *wrap(PGresult *res)
{
	if (res == NULL)
		return NULL;
	pgf_pg_result *r = pgf_calloc(1, sizeof(*r));
	r->res = res;
	return r;
}

int pgf_pg_query(pgf_pg *c, pgf_pg_result **out, const char *sql, int nparams, const char *const *params,
                 pgf_error **err)
{
	PGresult *res = PQexecParams(c->conn, sql, nparams, NULL, params, NULL, NULL, 0);
	if (res == NULL || !ok_status(PQresultStatus(res))) {
		result_error(c, res, NULL, 0, NULL, 0, err);
		PQclear(res);
		return -1;
	}
	if (out == NULL) {
		PQclear(res);
		return 0;
	}
	*out = wrap(res);
	return 0;
}

int pgf_pg_query_simple(pgf_pg *c, pgf_pg_result **out, const char *sql, pgf_error **err)
{
	PGresult *rows;
	rows_wanted want = { &rows, 1, true };
	int rc = simple_query(c, sql, strlen(sql), NULL, 0, &want, err);
	if (rc != 0) {
		PQclear(rows);
		rows = NULL;
	}
	*out = wrap(rows);
	return rc;
}

int pgf_pg_query_simple_each(pgf_pg *c, pgf_pg_result **out, size_t n, const char *sql, pgf_error **err)
{
	PGresult *keep[8];
	assert(n <= sizeof(keep) / sizeof(keep[0]));
	rows_wanted want = { keep, n, false };
	int rc = simple_query(c, sql, strlen(sql), NULL, 0, &want, err);
	for (size_t i = 0; i < n; i++)
		out[i] = wrap(keep[i]);
	return rc;
}

char *pgf_pg_quote_literal(pgf_pg *c, const char *s, size_t len)
{
	char *q = PQescapeLiteral(c->conn, s, len);
	if (q == NULL) {
		/* only on invalid encoding or out of memory: never splice the raw text */
		return pgf_strdup("NULL");
	}
	char *out = pgf_strdup(q);
	PQfreemem(q);
	return out;
}

size_t pgf_pg_result_rows(const pgf_pg_result *r)
{
	return (size_t)PQntuples(r->res);
}

size_t pgf_pg_result_cols(const pgf_pg_result *r)
{
	return (size_t)PQnfields(r->res);
}

const char *pgf_pg_result_value(const pgf_pg_result *r, size_t row, size_t col)
{
	if (PQgetisnull(r->res, (int)row, (int)col))
		return NULL;
	return PQgetvalue(r->res, (int)row, (int)col);
}

void pgf_pg_result_free(pgf_pg_result *r)
{
	if (r == NULL)
		return;
	PQclear(r->res);
	free(r);
}

bool pgf_pg_error_is(const pgf_error *err, const char *sqlstate)
{
	for (; err != NULL; err = err->next)
		if (err->code == PGF_ERR_DB && strcmp(err->sqlstate, sqlstate) == 0)
			return true;
	return false;
}

bool pgf_pg_error_is_absent(const pgf_error *err)
{
	return pgf_pg_error_is(err, PGF_SQLSTATE_UNDEFINED_TABLE) || pgf_pg_error_is(err, PGF_SQLSTATE_INVALID_SCHEMA_NAME);
}
