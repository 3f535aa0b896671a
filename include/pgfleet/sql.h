/* SQL text, read with the real PostgreSQL parser (src/lint is the only
 * libpg_query user). */
#ifndef PGFLEET_SQL_H
#define PGFLEET_SQL_H

#include <stddef.h>

#include "pgfleet/error.h"

typedef struct pgf_statement {
	size_t offset;  /* bytes into the text */
	size_t len;
	size_t line;    /* 1-based line where the statement's first token is */
} pgf_statement;

/* Splits text (NUL-terminated) into statements with the parser; comments and
 * blank pieces are dropped. A syntax error is PGF_ERR_INPUT naming
 * label:line. *out is allocated (free it); *n is set. */
int pgf_sql_split(pgf_statement **out, size_t *n, const char *text, const char *label, pgf_error **err);

/* The offset of the first token at or after i (before end): whitespace,
 * -- comments and nested C-style comments skipped, as PostgreSQL's lexer
 * skips them. end when there is none. */
size_t pgf_sql_skip_noise(const char *s, size_t i, size_t end);

/* A file that runs in pgfleet's transaction must not end or start one
 * itself (BEGIN, COMMIT, ROLLBACK, SAVEPOINT...): that would commit the
 * migration without its record. PGF_ERR_INPUT naming label:line. */
int pgf_sql_check_no_transaction_control(const char *text, const char *label, pgf_error **err);

#endif
