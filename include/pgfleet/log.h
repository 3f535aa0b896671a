/* Logs go to stderr, results to stdout. Messages are lower case, one line. */
#ifndef PGFLEET_LOG_H
#define PGFLEET_LOG_H

#include "pgfleet/error.h"

typedef enum pgf_log_level {
	PGF_LOG_QUIET = 0, /* errors only */
	PGF_LOG_INFO = 1,
	PGF_LOG_DEBUG = 2
} pgf_log_level;

void pgf_log_set_level(pgf_log_level level);
pgf_log_level pgf_log_get_level(void);
void pgf_log_info(const char *fmt, ...) PGF_PRINTF(1, 2);
void pgf_log_warn(const char *fmt, ...) PGF_PRINTF(1, 2);
void pgf_log_debug(const char *fmt, ...) PGF_PRINTF(1, 2);
/* Prints every error of the chain: "pgfleet: error: <tenant>: message",
 * then "detail: ..." and "hint: ..." lines. */
void pgf_log_error_chain(const pgf_error *err);

#endif
