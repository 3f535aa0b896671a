/* A scope's migrations at a commit: names, order, hashes and directives. */
#ifndef PGFLEET_MIGRATION_H
#define PGFLEET_MIGRATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pgfleet/config.h"
#include "pgfleet/digest.h"
#include "pgfleet/error.h"
#include "pgfleet/source.h"

/* ---- file names (pure) ---- */

typedef struct pgf_migration_name {
	const char *version;   /* points into the file name */
	size_t version_len;
	const char *name;
	size_t name_len;
	bool down;             /* <version>_<name>.down.sql */
} pgf_migration_name;

typedef enum pgf_name_result {
	PGF_NAME_OK = 0,
	PGF_NAME_NOT_SQL = 1,  /* not a .sql file: not a migration */
	PGF_NAME_INVALID = -1  /* a .sql file whose name does not match */
} pgf_name_result;

pgf_name_result pgf_migration_name_parse(const char *file, pgf_migration_name *out);
/* Compares digit strings numerically ("0002" == "2" < "10"). */
int pgf_version_cmp(const char *a, size_t alen, const char *b, size_t blen);
/* The same for NUL-terminated versions. */
int pgf_version_cmp_str(const char *a, const char *b);

/* ---- directives (pure) ---- */

#define PGF_DIRECTIVE_NO_TRANSACTION 0x1u

/* Reads the "-- pgfleet:<key>[=<value>]" lines of the leading comment block.
 * An unknown key or a bad value is an error naming label and line. */
int pgf_directives_parse(unsigned *flags, const char *text, size_t len, const char *label, pgf_error **err);

/* ---- drizzle-kit folders (pure) ---- */

#define PGF_DRIZZLE_JOURNAL "meta/_journal.json"
#define PGF_DRIZZLE_BREAKPOINT "--> statement-breakpoint"

typedef struct pgf_drizzle_entry {
	char *tag;          /* "0003_equipment_status": the file is <tag>.sql */
	int64_t when;       /* journal "when": drizzle's created_at */
	bool breakpoints;
} pgf_drizzle_entry;

typedef struct pgf_drizzle_journal {
	pgf_drizzle_entry *entries; /* in journal (idx) order */
	size_t count;
} pgf_drizzle_journal;

int pgf_drizzle_journal_parse(pgf_drizzle_journal *out, const char *text, size_t len, const char *label,
                              pgf_error **err);
void pgf_drizzle_journal_free(pgf_drizzle_journal *j);

typedef struct pgf_span {
	size_t offset;
	size_t len;
} pgf_span;

/* Splits a drizzle-kit file on "--> statement-breakpoint" exactly as
 * drizzle-orm's migrator does; empty (whitespace-only) pieces are dropped.
 * *out is allocated; returns the number of statements. */
size_t pgf_drizzle_split(pgf_span **out, const char *text, size_t len);

/* ---- a scope's migration set (reads the source) ---- */

typedef struct pgf_migration {
	char *version;      /* digits as written */
	char *name;
	char *file;         /* file name within the folder */
	char *down_file;    /* NULL when there is no reverse migration */
	char sha256[PGF_SHA256_HEX_LEN + 1];
	char down_sha256[PGF_SHA256_HEX_LEN + 1];
	char id[PGF_OBJECT_ID_HEX + 1];      /* git blob id of file */
	char down_id[PGF_OBJECT_ID_HEX + 1];
	unsigned flags;     /* PGF_DIRECTIVE_* */
	unsigned down_flags;
	size_t size;
	int64_t drizzle_when; /* -1 outside drizzle folders */
} pgf_migration;

typedef struct pgf_migration_set {
	char *scope;
	char *folder;
	bool drizzle;                  /* a drizzle-kit folder (meta/_journal.json) */
	char journal_sha256[PGF_SHA256_HEX_LEN + 1];
	pgf_migration *items;          /* in apply order */
	size_t count;
	bool has_manifest;             /* pgfleet.sum present in the folder */
} pgf_migration_set;

typedef struct pgf_load_opts {
	size_t max_file_bytes;
} pgf_load_opts;

/* Loads a scope's folder: every problem (bad name, duplicate version, orphan
 * down file, symlink, submodule, oversize file, bad directive) is reported,
 * each naming its file, as a chain in *err. */
int pgf_migration_set_load(pgf_migration_set **out, pgf_source *src, const pgf_scope *scope,
                           const pgf_load_opts *opts, pgf_error **err);
void pgf_migration_set_free(pgf_migration_set *set);

#endif
