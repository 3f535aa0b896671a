/* Errors: an int return plus a pgf_error ** out-parameter.
 *
 * Functions return 0 on success and -1 on failure, after setting *err (when
 * err is not NULL). Errors may be chained (next) so that a loader can report
 * every bad file in one run. There is no global "last error": many tenants run
 * at once, each with its own error slot. */
#ifndef PGFLEET_ERROR_H
#define PGFLEET_ERROR_H

#include <stdarg.h>
#include <stddef.h>

typedef enum pgf_error_code {
	PGF_ERR_USAGE = 1,   /* bad command line */
	PGF_ERR_INPUT,       /* bad input: a file, a name, a manifest, JSON */
	PGF_ERR_CONFIG,      /* bad configuration (pgfleet.json, policy, trust) */
	PGF_ERR_NOTFOUND,    /* a revision, file or folder that does not exist */
	PGF_ERR_GIT,         /* the repository could not be read */
	PGF_ERR_IO,          /* the filesystem refused */
	PGF_ERR_DB,          /* a database refused */
	PGF_ERR_UNREACHABLE, /* a database could not be reached */
	PGF_ERR_INTERNAL     /* a bug or an exhausted resource */
} pgf_error_code;

typedef struct pgf_error {
	pgf_error_code code;
	char *message;  /* one line, lower case, no trailing period */
	char *detail;   /* optional */
	char *hint;     /* optional */
	char sqlstate[6];
	char *tenant;   /* optional: the tenant slug the error belongs to */
	struct pgf_error *next;
} pgf_error;

#if defined(__GNUC__)
#define PGF_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define PGF_PRINTF(a, b)
#endif

/* Appends a new error to the chain at *err (if err is not NULL); returns -1. */
int pgf_error_set(pgf_error **err, pgf_error_code code, const char *fmt, ...) PGF_PRINTF(3, 4);
int pgf_error_vset(pgf_error **err, pgf_error_code code, const char *fmt, va_list ap) PGF_PRINTF(3, 0);
/* Sets the hint or detail of the last error in the chain at *err; like
 * pgf_error_set, a NULL err (or an empty chain) is accepted and ignored. */
void pgf_error_hint(pgf_error **err, const char *fmt, ...) PGF_PRINTF(2, 3);
void pgf_error_detail(pgf_error **err, const char *fmt, ...) PGF_PRINTF(2, 3);
/* Moves the chain src to the end of *dst. */
void pgf_error_append(pgf_error **dst, pgf_error *src);
size_t pgf_error_count(const pgf_error *err);
void pgf_error_free(pgf_error *err);

#endif
