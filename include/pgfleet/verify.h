/* `pgfleet verify`: the manifest and the immutability of merged migrations. */
#ifndef PGFLEET_VERIFY_H
#define PGFLEET_VERIFY_H

#include <stddef.h>

#include "pgfleet/error.h"
#include "pgfleet/manifest.h"
#include "pgfleet/migration.h"
#include "pgfleet/source.h"

typedef struct pgf_finding {
	char *path;     /* the file the finding is about, relative to the repository */
	char *message;  /* one line */
	const char *rule; /* which check found it (a static string), or NULL */
} pgf_finding;

typedef struct pgf_findings {
	pgf_finding *items;
	size_t count;
	size_t cap;
} pgf_findings;

void pgf_findings_add(pgf_findings *f, const char *path, const char *fmt, ...) PGF_PRINTF(3, 4);
void pgf_findings_free(pgf_findings *f);
/* Names the check behind the findings that have none yet. */
void pgf_findings_tag(pgf_findings *f, const char *rule);

/* The checks' names (pgf_finding.rule), as check reports them. */
#define PGF_VERIFY_SIGNATURE "verify-commit-signature"
#define PGF_VERIFY_MANIFEST "verify-manifest"
#define PGF_VERIFY_HISTORY "verify-history"
#define PGF_VERIFY_APPROVALS "verify-approvals"

/* Compares a folder's files with its recorded manifest (NULL: no
 * pgfleet.sum in the folder). */
void pgf_verify_manifest(pgf_findings *out, const pgf_migration_set *set, const pgf_manifest *recorded);

/* Every migration file that exists at an ancestor (first-parent chain of the
 * source's commit, or of since_rev inclusive) must be byte-identical at the
 * source's commit. */
int pgf_verify_history(pgf_findings *out, pgf_source *src, const pgf_migration_set *set, const char *since_rev,
                       pgf_error **err);

#endif
