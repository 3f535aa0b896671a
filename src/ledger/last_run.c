/* The last finished run, read back from the ledger for `status`. */
#include <stdlib.h>

#include "pgfleet/common.h"
#include "pgfleet/ledger.h"

int pgf_ledger_last_run(char **started, char **finished, pgf_pg *master, pgf_error **err)
{
	*started = *finished = NULL;
	pgf_pg_result *r = NULL;
	pgf_error *qe = NULL;
	/* Bodies are canonical JSON: "kind":"run_finished" appears literally
	 * only as the kind (quotes inside strings are escaped), so the newest
	 * one is found scanning back from the head. */
	if (pgf_pg_query(master, &r,
	                 "SELECT f.body, s.body FROM (SELECT body FROM pgfleet.ledger "
	                 "WHERE body LIKE '%\"kind\":\"run_finished\"%' AND body::json->>'kind' = 'run_finished' "
	                 "ORDER BY seq DESC LIMIT 1) f "
	                 "LEFT JOIN pgfleet.ledger s ON s.seq = (f.body::json->>'run')::bigint",
	                 0, NULL, &qe) != 0) {
		if (pgf_pg_error_is_absent(qe)) { /* no ledger */
			pgf_error_free(qe);
			return 0;
		}
		pgf_error_append(err, qe);
		return -1;
	}
	if (pgf_pg_result_rows(r) == 1) {
		const char *f = pgf_pg_result_value(r, 0, 0), *s = pgf_pg_result_value(r, 0, 1);
		*finished = f ? pgf_strdup(f) : NULL;
		*started = s ? pgf_strdup(s) : NULL;
	}
	pgf_pg_result_free(r);
	return 0;
}
