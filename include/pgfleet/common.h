/* pgfleet's own small standard library: allocation that never returns NULL,
 * a growable buffer with a cap, string helpers. */
#ifndef PGFLEET_COMMON_H
#define PGFLEET_COMMON_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pgfleet/error.h"

void *pgf_malloc(size_t n);
void *pgf_calloc(size_t n, size_t size);
void *pgf_realloc(void *p, size_t n);
char *pgf_strdup(const char *s);
char *pgf_strndup(const char *s, size_t n);
char *pgf_asprintf(const char *fmt, ...) PGF_PRINTF(1, 2);
char *pgf_vasprintf(const char *fmt, va_list ap) PGF_PRINTF(1, 0);

/* Grows a dynamic array: ensures room for one more element. */
#define PGF_ARRAY_GROW(ptr, count, cap)                                          \
	do {                                                                     \
		if ((count) == (cap)) {                                          \
			(cap) = (cap) ? (cap) * 2 : 16;                          \
			(ptr) = pgf_realloc((ptr), (cap) * sizeof(*(ptr)));      \
		}                                                                \
	} while (0)

typedef struct pgf_buf {
	char *ptr;   /* always NUL-terminated when not NULL */
	size_t len;
	size_t cap;
} pgf_buf;

#define PGF_BUF_INIT { NULL, 0, 0 }

void pgf_buf_put(pgf_buf *b, const void *data, size_t len);
void pgf_buf_puts(pgf_buf *b, const char *s);
void pgf_buf_printf(pgf_buf *b, const char *fmt, ...) PGF_PRINTF(2, 3);
void pgf_buf_clear(pgf_buf *b);
/* Transfers ownership of the contents to the caller; the buffer is reset. */
char *pgf_buf_detach(pgf_buf *b);
void pgf_buf_free(pgf_buf *b);

/* A copy safe to print on one line: control characters, DEL and bytes that
 * are not valid UTF-8 become \xNN (names from a commit may hold newlines,
 * or another encoding). Caller frees. */
char *pgf_str_printable(const char *s);
/* A copy that is valid UTF-8 (what JSON needs): bytes that are not become
 * \xNN; everything else, newlines included, is kept. Caller frees. */
char *pgf_str_utf8(const char *s);
/* A JSON string (jansson's json_t) of text from outside pgfleet (file names,
 * server messages, catalog names): as it is when valid UTF-8, else made so
 * with pgf_str_utf8, so that no item vanishes from a report or an entry
 * because of its bytes; json null for NULL. */
struct json_t *pgf_json_text(const char *s);
bool pgf_str_has_suffix(const char *s, const char *suffix);
bool pgf_str_is_digits(const char *s, size_t n);

/* Edit distance, for "did you mean" suggestions. */
size_t pgf_levenshtein(const char *a, const char *b);
/* The candidate closest to word, or NULL if none is close enough. */
const char *pgf_suggest(const char *word, const char *const *candidates, size_t n);

/* Reads a whole regular file, refusing files larger than cap bytes. */
int pgf_file_read(pgf_buf *out, const char *path, size_t cap, pgf_error **err);
/* Writes a file atomically (temporary file, fsync, rename). */
int pgf_file_write_atomic(const char *path, const void *data, size_t len, pgf_error **err);

/* 1-based line of a 1-based character (not byte) position in UTF-8 text,
 * as PostgreSQL reports error positions. */
size_t pgf_text_line_of_char(const char *text, size_t len, size_t charpos);

/* Monotonic time in seconds. */
double pgf_now(void);

#endif
