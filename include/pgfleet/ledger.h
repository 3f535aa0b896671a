/* The audit ledger in master: pgfleet.ledger, append-only, hash-chained,
 * every entry signed (SSHSIG, namespace pgfleet-ledger) by the reconciler.
 *
 * An entry's body is canonical JSON (keys sorted, no whitespace, ASCII with
 * \u escapes in upper-case hex as jansson writes them, integers and strings
 * only) that carries its own seq and the
 * previous entry's hash ("prev"), so the signature covers the chain link:
 *     hash = sha256hex(body), signature = SSHSIG(body).
 * The genesis entry's prev is 64 zeros. */
#ifndef PGFLEET_LEDGER_H
#define PGFLEET_LEDGER_H

#include <stdbool.h>
#include <stdint.h>

#include "pgfleet/error.h"
#include "pgfleet/events.h"
#include "pgfleet/pg.h"
#include "pgfleet/sshsig.h"

#define PGF_LEDGER_NAMESPACE "pgfleet-ledger"
#define PGF_CHECKPOINT_NAMESPACE "pgfleet-checkpoint"
#define PGF_LEDGER_VERSION 3

/* Creates pgfleet.ledger and its helpers in master if absent. */
int pgf_ledger_ensure(pgf_pg *master, pgf_error **err);

/* ---- the writer: an event sink ---- */

typedef struct pgf_ledger pgf_ledger;

/* key_path: the reconciler's Ed25519 key. */
int pgf_ledger_new(pgf_ledger **out, const char *key_path, pgf_error **err);
/* The event sink (pgf_event_sink.emit, concurrent): intents are durable
 * before it returns; results are batched until their target finishes.
 * Concurrent callers share appends (group commit). */
int pgf_ledger_emit(void *ledger, const pgf_event *ev, int64_t *entry_id, pgf_error **err);
void pgf_ledger_free(pgf_ledger *l);

/* ---- the auditor's side ---- */

typedef struct pgf_ledger_report {
	int64_t entries;
	int64_t findings;
	char head_hash[65];
} pgf_ledger_report;

typedef void (*pgf_ledger_finding_cb)(void *ctx, int64_t seq, const char *message);

/* Checks the whole chain: seq continuity, prev links, hashes, every
 * signature against trust (namespace pgfleet-ledger). With a checkpoint
 * (its text), that it is a prefix of the ledger, with its signature. */
int pgf_ledger_verify(pgf_ledger_report *out, pgf_pg *master, const pgf_allowed_signers *trust,
                      const char *checkpoint, pgf_ledger_finding_cb cb, void *ctx, pgf_error **err);

/* --with-state: every database's applied_migrations (master, then each
 * tenant of tenants_query, NULL: the default) against the ledger, both ways. */
int pgf_ledger_check_state(pgf_pg *master, const char *tenants_query, pgf_ledger_finding_cb cb, void *ctx,
                           int64_t *findings, pgf_error **err);

/* Every entry after seq since, in order, a page at a time. */
typedef struct pgf_ledger_entry {
	int64_t seq;
	const char *body, *prev_hash, *hash, *signature, *key_fingerprint;
} pgf_ledger_entry;
typedef void (*pgf_ledger_entry_cb)(void *ctx, const pgf_ledger_entry *e);
int pgf_ledger_each(pgf_pg *master, int64_t since, pgf_ledger_entry_cb cb, void *ctx, int64_t *last,
                    pgf_error **err);

/* One JSON object per line from seq since+1 on. */
int pgf_ledger_export(pgf_pg *master, int64_t since, void (*line)(void *ctx, const char *json), void *ctx,
                      pgf_error **err);

/* The newest run_finished entry's body and its run's run_started body
 * (both NULL when there is no ledger or no finished run; started NULL when
 * its entry is missing). Caller frees. */
int pgf_ledger_last_run(char **started, char **finished, pgf_pg *master, pgf_error **err);

/* A signed checkpoint: "<origin>\n<size>\n<head hash>\n" followed by the
 * armored SSHSIG (namespace pgfleet-checkpoint) over those three lines. */
int pgf_ledger_checkpoint(char **out, pgf_pg *master, const char *key_path, pgf_error **err);

#endif
