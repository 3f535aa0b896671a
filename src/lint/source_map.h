/* Positions in a file and its tokens (src/lint only). */
#ifndef PGFLEET_LINT_SOURCE_MAP_H
#define PGFLEET_LINT_SOURCE_MAP_H

#include <stdbool.h>
#include <stddef.h>

#include "pgfleet/error.h"

/* pg_query.proto's Token values the linter looks at */
#define PGF_TOKEN_SEMICOLON 59
#define PGF_TOKEN_SQL_COMMENT 275
#define PGF_TOKEN_C_COMMENT 276

typedef struct pgf_token {
	size_t start;  /* byte offsets, end exclusive */
	size_t end;
	int kind;
} pgf_token;

typedef struct pgf_srcmap {
	const char *text;
	size_t len;
	size_t *lines;     /* byte offset where each line starts */
	size_t nlines;
	pgf_token *tokens; /* after pgf_srcmap_scan, in order */
	size_t ntokens;
} pgf_srcmap;

void pgf_srcmap_init(pgf_srcmap *m, const char *text, size_t len);
void pgf_srcmap_free(pgf_srcmap *m);
/* Tokens, comments included (text must be NUL-terminated at len). */
int pgf_srcmap_scan(pgf_srcmap *m, pgf_error **err);
size_t pgf_srcmap_line(const pgf_srcmap *m, size_t offset);
/* 1-based line and column (in characters) of a byte offset. */
void pgf_srcmap_position(const pgf_srcmap *m, size_t offset, size_t *line, size_t *column);
/* The byte offset of a 1-based character position (PostgreSQL's cursor). */
size_t pgf_srcmap_char_to_offset(const pgf_srcmap *m, size_t charpos);
bool pgf_token_is_comment(const pgf_token *t);
/* Index of the first non-comment token starting at or after from (ntokens if none). */
size_t pgf_srcmap_first_token(const pgf_srcmap *m, size_t from);

#endif
