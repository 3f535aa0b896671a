/* pgfleet.sum: the manifest of a scope folder (pure; see docs/manifest.md).
 *
 *     pgfleet.sum 1
 *     <sha256 hex>  <file>          one line per file, in apply order
 *     ...
 *     chain <sha256 hex>
 *
 * Entry lines are in sha256sum's format. The chain is
 *     c0 = 64 zeros,  ci = sha256hex(c(i-1) "\n" line_i "\n"),  chain = cN
 * so reordering, inserting or removing an entry changes it. */
#ifndef PGFLEET_MANIFEST_H
#define PGFLEET_MANIFEST_H

#include <stddef.h>

#include "pgfleet/digest.h"
#include "pgfleet/error.h"

#define PGF_MANIFEST_FILE "pgfleet.sum"
#define PGF_MANIFEST_HEADER "pgfleet.sum 1"
#define PGF_MANIFEST_MAX_BYTES (64 * 1024 * 1024)

typedef struct pgf_migration_set pgf_migration_set;

typedef struct pgf_manifest_entry {
	char *file;
	char sha256[PGF_SHA256_HEX_LEN + 1];
	size_t line;  /* 0 when computed, not parsed */
} pgf_manifest_entry;

typedef struct pgf_manifest {
	pgf_manifest_entry *entries;
	size_t count;
	size_t cap;
	char chain[PGF_SHA256_HEX_LEN + 1];  /* as written ("" when absent) */
} pgf_manifest;

pgf_manifest *pgf_manifest_new(void);
void pgf_manifest_add(pgf_manifest *m, const char *file, const char *sha256_hex);
/* The chained digest over the entries, in order. */
void pgf_manifest_chain(const pgf_manifest *m, char out[PGF_SHA256_HEX_LEN + 1]);
/* The manifest a migration set should have: the drizzle journal first (when
 * any), then each version's up file and its down file. Chain filled in. */
pgf_manifest *pgf_manifest_from_set(const pgf_migration_set *set);
/* Text form, with the chain computed. Caller frees. */
char *pgf_manifest_format(const pgf_manifest *m);
/* Parses the text form; errors name label and line. */
int pgf_manifest_parse(pgf_manifest **out, const char *text, size_t len, const char *label, pgf_error **err);
void pgf_manifest_free(pgf_manifest *m);

#endif
