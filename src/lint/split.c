#include <pg_query.h>
#include <stdlib.h>
#include <string.h>

#include "pgfleet/common.h"
#include "pgfleet/sql.h"

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

size_t pgf_sql_skip_noise(const char *s, size_t i, size_t end)
{
	while (i < end) {
		if (blank(s[i]))
			i++;
		else if (s[i] == '-' && i + 1 < end && s[i + 1] == '-') {
			while (i < end && s[i] != '\n')
				i++;
		} else if (s[i] == '/' && i + 1 < end && s[i + 1] == '*') {
			int depth = 0;
			do {
				if (s[i] == '/' && i + 1 < end && s[i + 1] == '*') {
					depth++;
					i += 2;
				} else if (s[i] == '*' && i + 1 < end && s[i + 1] == '/') {
					depth--;
					i += 2;
				} else
					i++;
			} while (i < end && depth > 0);
		} else
			break;
	}
	return i;
}

static size_t line_at(const char *s, size_t pos)
{
	size_t line = 1;
	for (size_t i = 0; i < pos; i++)
		if (s[i] == '\n')
			line++;
	return line;
}

int pgf_sql_split(pgf_statement **out, size_t *n, const char *text, const char *label, pgf_error **err)
{
	*out = NULL;
	*n = 0;
	PgQuerySplitResult r = pg_query_split_with_parser(text);
	if (r.error != NULL) {
		size_t line = pgf_text_line_of_char(text, strlen(text), (size_t)(r.error->cursorpos > 0 ? r.error->cursorpos : 1));
		pgf_error_set(err, PGF_ERR_INPUT, "%s:%zu: %s", label, line, r.error->message);
		pg_query_free_split_result(r);
		return -1;
	}
	pgf_statement *stmts = pgf_calloc((size_t)(r.n_stmts > 0 ? r.n_stmts : 1), sizeof(pgf_statement));
	size_t count = 0, textlen = strlen(text);
	for (int i = 0; i < r.n_stmts; i++) {
		size_t start = (size_t)r.stmts[i]->stmt_location;
		size_t end = start + (size_t)r.stmts[i]->stmt_len;
		if (r.stmts[i]->stmt_len == 0 || end > textlen)
			end = textlen; /* the last statement may run to the end */
		size_t first = pgf_sql_skip_noise(text, start, end);
		if (first >= end)
			continue;
		stmts[count].offset = first;
		stmts[count].len = end - first;
		stmts[count].line = line_at(text, first);
		count++;
	}
	pg_query_free_split_result(r);
	*out = stmts;
	*n = count;
	return 0;
}

int pgf_sql_check_no_transaction_control(const char *text, const char *label, pgf_error **err)
{
	pgf_statement *stmts = NULL;
	size_t n = 0;
	if (pgf_sql_split(&stmts, &n, text, label, err) != 0)
		return -1;
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		char *one = pgf_strndup(text + stmts[i].offset, stmts[i].len);
		PgQueryParseResult r = pg_query_parse(one);
		if (r.error == NULL && r.parse_tree != NULL && strstr(r.parse_tree, "{\"stmt\":{\"TransactionStmt\"") != NULL)
			rc = pgf_error_set(err, PGF_ERR_INPUT,
			                   "%s:%zu: transaction control in a file that runs in a transaction",
			                   label, stmts[i].line);
		if (rc != 0)
			pgf_error_hint(err, "remove it, or mark the file -- pgfleet:no-transaction");
		pg_query_free_parse_result(r);
		free(one);
	}
	free(stmts);
	return rc;
}
