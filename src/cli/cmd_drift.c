/* drift's report: one line per database, its differing objects indented
 * under it; or the same in --json. The run itself is cmd_run.c's. */
#include <jansson.h>
#include <stdio.h>

#include "cli.h"
#include "pgfleet/drift.h"
#include "pgfleet/engine.h"

/* Object names come from the database's catalog: in a SQL_ASCII database
 * they may hold any byte, escaped here as in every text output. */
static void print_lines(char *const *lines, size_t n)
{
	for (size_t i = 0; i < n; i++)
		pgf_cli_print_text("  ", lines[i]);
}

static void print_errors(const pgf_target_report *t)
{
	for (size_t i = 0; i < t->nscopes; i++)
		for (const pgf_error *e = t->scopes[i].err; e != NULL; e = e->next) {
			printf("  %s: ", t->scopes[i].scope);
			pgf_cli_print_text("", e->message);
		}
}

static void print_target(const pgf_target_report *t)
{
	const pgf_drift_report *d = t->drift;
	if (t->outcome == PGF_OUTCOME_SKIPPED) {
		printf("%s: skipped (%s)\n", t->name, t->skip_reason ? t->skip_reason : "");
		return;
	}
	if (d == NULL || d->fingerprint == NULL) {
		printf("%s: %s: schema not compared\n", t->name, pgf_outcome_name(t->outcome));
		print_errors(t);
		return;
	}
	if (d->nchanges > 0) {
		printf("%s: drift: %zu object%s differ%s from the schema recorded after %s %s%s\n", t->name, d->nchanges,
		       d->nchanges == 1 ? "" : "s", d->nchanges == 1 ? "s" : "", d->recorded_scope, d->recorded_version,
		       d->stale ? " (versions applied since were not recorded: an interrupted run; they count here "
		                  "until a reconcile records the schema again)" : "");
		print_lines(d->changes, d->nchanges);
	} else if (d->peer != NULL) {
		printf("%s: drift: %s%zu object%s differ%s from %zu of %zu databases at %s (compared with %s)\n", t->name,
		       d->baseline ? "" : "no baseline, but ", d->npeer_changes, d->npeer_changes == 1 ? "" : "s",
		       d->npeer_changes == 1 ? "s" : "", d->peers, d->group_size, d->group, d->peer);
		print_lines(d->peer_changes, d->npeer_changes);
	} else if (d->baseline) {
		printf("%s: clean at %s (fingerprint %.12s)\n", t->name, d->group, d->fingerprint);
	} else {
		printf("%s: no baseline: no fingerprint recorded yet at %s (fingerprint %.12s, same as %zu of %zu "
		       "databases)\n",
		       t->name, d->group, d->fingerprint, d->peers, d->group_size);
	}
}

size_t pgf_drift_count(const pgf_run_report *r)
{
	size_t n = 0;
	for (size_t i = 0; i < r->count; i++)
		n += pgf_drift_report_drifted(r->targets[i].drift);
	return n;
}

void pgf_drift_print(const pgf_run_report *r)
{
	size_t clean = 0, nobase = 0;
	for (size_t i = 0; i < r->count; i++) {
		const pgf_target_report *t = &r->targets[i];
		print_target(t);
		const pgf_drift_report *d = t->drift;
		if (d != NULL && d->fingerprint != NULL && !pgf_drift_report_drifted(d)) {
			clean += d->baseline;
			nobase += !d->baseline;
		}
	}
	printf("drift: %zu targets: %zu drifted, %zu clean, %zu no baseline, %zu skipped, %zu failed in %.2fs\n",
	       r->count, pgf_drift_count(r), clean, nobase, r->by_outcome[PGF_OUTCOME_SKIPPED],
	       r->by_outcome[PGF_OUTCOME_BUSY] + r->by_outcome[PGF_OUTCOME_REFUSED] + r->by_outcome[PGF_OUTCOME_FAILED],
	       r->seconds);
}

static json_t *lines_json(char *const *lines, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, pgf_json_text(lines[i]));
	return a;
}

void pgf_drift_json_add(void *target_json, const pgf_target_report *t)
{
	const pgf_drift_report *d = t->drift;
	if (d == NULL || d->fingerprint == NULL)
		return;
	json_t *o = json_object();
	json_object_set_new(o, "drifted", json_boolean(pgf_drift_report_drifted(d)));
	json_object_set_new(o, "fingerprint", json_string(d->fingerprint));
	json_object_set_new(o, "baseline", json_boolean(d->baseline));
	if (d->baseline) {
		json_object_set_new(o, "recorded_scope", json_string(d->recorded_scope));
		json_object_set_new(o, "recorded_version", json_string(d->recorded_version));
		json_object_set_new(o, "recorded_stale", json_boolean(d->stale));
	}
	json_object_set_new(o, "changes", lines_json(d->changes, d->nchanges));
	json_object_set_new(o, "group", json_string(d->group));
	json_object_set_new(o, "group_size", json_integer((json_int_t)d->group_size));
	json_object_set_new(o, "majority", json_integer((json_int_t)d->peers));
	json_object_set_new(o, "peer", d->peer ? json_string(d->peer) : json_null());
	json_object_set_new(o, "peer_changes", lines_json(d->peer_changes, d->npeer_changes));
	json_object_set_new(target_json, "drift", o);
}
