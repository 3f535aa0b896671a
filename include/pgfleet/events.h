/* The engine's events: the seam the audit ledger plugs into.
 *
 * The engine calls the sink from one thread at a time (it serializes calls)
 * unless the sink says it is concurrent; per target, calls come
 * in this order: TARGET_START, TARGET_STATE per scope (mutating
 * commands), DRIFT when a scope with pending versions finds the schema
 * changed since the last recorded fingerprint, then per version BEFORE and
 * then APPLIED or FAILED, then TARGET_FINISH; RUN_START first and RUN_FINISH last.
 * A sink that fails BEFORE stops that version from running (the target
 * fails); the entry id it returns is stored with the applied row. */
#ifndef PGFLEET_EVENTS_H
#define PGFLEET_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pgfleet/error.h"

struct pgf_applied_list;
struct pgf_pg;

typedef enum pgf_event_kind {
	PGF_EVENT_RUN_START,
	PGF_EVENT_TARGET_START,
	PGF_EVENT_TARGET_STATE,   /* a scope's recorded rows, read under the target's lock */
	PGF_EVENT_VERSION_BEFORE,
	PGF_EVENT_VERSION_APPLIED,
	PGF_EVENT_VERSION_FAILED,
	PGF_EVENT_TARGET_FINISH,
	PGF_EVENT_RUN_FINISH,
	PGF_EVENT_DRIFT           /* before applying: the schema differs from the last recorded fingerprint */
} pgf_event_kind;

typedef struct pgf_event {
	pgf_event_kind kind;
	const char *command;    /* "reconcile", "rollback", "adopt" */
	const char *commit;     /* 40 hex */
	const char *target;     /* "master" or a tenant slug */
	const char *scope;
	const char *action;     /* "apply", "rollback", "baseline" */
	const char *version;
	const char *file;
	const char *sha256;
	const char *outcome;    /* TARGET_FINISH / RUN_FINISH: a summary word */
	const char *reason;     /* TARGET_FINISH when skipped */
	const pgf_error *error; /* VERSION_FAILED */
	double seconds;
	const struct pgf_applied_list *state; /* TARGET_STATE */
	struct pgf_pg *master;  /* the master connection, idle during the call */
	const char *verified;   /* RUN_START: "pinned" when the commit passed verify, else "no" */
	bool allow_rewind;      /* RUN_START: --allow-rewind was given */
	const char *shard;      /* RUN_START: --shard "I/N" (NULL: every tenant) */
	const size_t *counts;   /* RUN_FINISH: per outcome (engine.h's pgf_outcome order) */
	int64_t entry;          /* APPLIED/FAILED: the entry id BEFORE returned (-1: none) */
	/* DRIFT: version is the recorded one, outcome the policy ("warn", "refuse") */
	const char *fingerprint_expected;
	const char *fingerprint_actual;
	char *const *objects;   /* the objects that differ, one line each */
	size_t nobjects;
} pgf_event;

typedef struct pgf_event_sink {
	/* entry_id may be NULL; set it to the id of the record written, or -1. */
	int (*emit)(void *ctx, const pgf_event *ev, int64_t *entry_id, pgf_error **err);
	void *ctx;
	/* false: the engine calls emit from one thread at a time; true: the
	 * sink takes concurrent calls and serializes its own use of master */
	bool concurrent;
} pgf_event_sink;

#endif
