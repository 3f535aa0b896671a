/* The policy file (--policy): what a run requires and allows, and its
 * timeouts. It comes from the reconciler's configuration, never from the
 * commit under verification. */
#ifndef PGFLEET_POLICY_H
#define PGFLEET_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "pgfleet/error.h"

typedef struct pgf_policy {
	bool require_signed_commit;
	int min_approvals;
	bool allow_out_of_order;
	int64_t lock_timeout_ms;        /* per statement of a migration; 0 = none */
	int64_t statement_timeout_ms;   /* per statement of a migration; 0 = none */
	int64_t advisory_lock_wait_ms;  /* how long to wait for another reconciler */
	int64_t connect_timeout_ms;
} pgf_policy;

/* The defaults used without --policy. */
void pgf_policy_defaults(pgf_policy *p);
/* Reads a policy file; errors name the file (and line:column for JSON). */
int pgf_policy_load(pgf_policy *p, const char *path, pgf_error **err);
/* "250ms", "5s", "15min", "2h", "1d", or "0": milliseconds; -1 if invalid. */
int64_t pgf_duration_parse(const char *s);

#endif
