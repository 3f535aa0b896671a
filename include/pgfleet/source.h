/* Where migrations are read from: a commit's tree (through libgit2), or a
 * working tree on disk (only for `pgfleet hash`). src/source/ is the only
 * includer of git2.h; no libgit2 handle leaves this module. */
#ifndef PGFLEET_SOURCE_H
#define PGFLEET_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pgfleet/common.h"
#include "pgfleet/error.h"

typedef struct pgf_source pgf_source;

typedef enum pgf_entry_kind {
	PGF_ENTRY_FILE,
	PGF_ENTRY_DIR,
	PGF_ENTRY_SYMLINK,
	PGF_ENTRY_SUBMODULE,
	PGF_ENTRY_OTHER
} pgf_entry_kind;

#define PGF_OBJECT_ID_HEX 40

typedef struct pgf_entry {
	char *name;               /* name within its folder */
	pgf_entry_kind kind;
	char id[PGF_OBJECT_ID_HEX + 1]; /* git object id; "" in a working tree */
} pgf_entry;

typedef struct pgf_entry_list {
	pgf_entry *items;         /* sorted by name (byte order) */
	size_t count;
} pgf_entry_list;

void pgf_entry_list_free(pgf_entry_list *list);
/* Binary search by name; NULL when absent. */
const pgf_entry *pgf_entry_list_find(const pgf_entry_list *list, const char *name);

/* Opens the repository at repo_path (bare or not; parent folders are searched
 * like git does) and resolves rev to a commit. With pinned, rev must be a full
 * 40-hex commit id. */
int pgf_source_open_commit(pgf_source **out, const char *repo_path, const char *rev, bool pinned,
                           pgf_error **err);
/* The working tree of the repository at repo_path (or repo_path itself when it
 * is not in a repository). */
int pgf_source_open_worktree(pgf_source **out, const char *repo_path, pgf_error **err);
void pgf_source_free(pgf_source *src);

/* Full commit id (40 hex), or NULL for a working tree. Borrowed. */
const char *pgf_source_commit_id(const pgf_source *src);
/* "commit 1a2b3c4d5e6f" or "working tree /path". Borrowed. */
const char *pgf_source_label(const pgf_source *src);
/* The working tree folder; NULL for a commit source. Borrowed. */
const char *pgf_source_workdir(const pgf_source *src);

/* Lists a folder (path relative to the repository top, '/'-separated).
 * PGF_ERR_NOTFOUND when the folder does not exist or is not a folder. */
int pgf_source_list(pgf_source *src, const char *folder, pgf_entry_list *out, pgf_error **err);
/* Reads a file (path relative to the repository top), refusing files over
 * cap bytes. PGF_ERR_NOTFOUND when absent. */
int pgf_source_read(pgf_source *src, const char *path, size_t cap, pgf_buf *out, pgf_error **err);
/* Reads a file listed by pgf_source_list in folder; faster than by path. */
int pgf_source_read_entry(pgf_source *src, const char *folder, const pgf_entry *entry, size_t cap,
                          pgf_buf *out, pgf_error **err);

/* One run of consecutive commits on a first-parent chain in which a folder
 * had the same content. */
typedef struct pgf_history_run {
	const char *newest_commit;       /* 40 hex */
	const char *oldest_commit;       /* 40 hex: where this content first appeared */
	const pgf_entry_list *entries;   /* NULL when the folder was absent */
} pgf_history_run;

typedef int (*pgf_history_cb)(const pgf_history_run *run, void *payload, pgf_error **err);

/* Walks the first-parent chain from since_rev (inclusive), or from the first
 * parent of the source's commit when since_rev is NULL, down to the root, and
 * calls cb once per run, newest first. cb returns 0 to go on, 1 to stop
 * there (the walk then returns 0), -1 on error. */
int pgf_source_history(pgf_source *src, const char *since_rev, const char *folder, pgf_history_cb cb,
                       void *payload, pgf_error **err);

/* A commit's identity and its SSH/GPG signature, if any. */
typedef struct pgf_commit_info {
	char id[PGF_OBJECT_ID_HEX + 1];
	char *author_name;
	char *author_email;
	char *committer_email;
	int64_t committer_time;   /* unix seconds, as the committer wrote it */
	char *signature;          /* the gpgsig header's value (NULL: unsigned) */
	char *signed_data;        /* the exact bytes the signature covers */
	size_t signed_len;
} pgf_commit_info;

/* Reads the source's commit (commit_id NULL) or another commit. The
 * signature is taken from the commit's headers only: a "gpgsig" line inside
 * the message does not make a commit signed. */
int pgf_source_commit_info(pgf_source *src, const char *commit_id, pgf_commit_info *out, pgf_error **err);
void pgf_commit_info_free(pgf_commit_info *ci);
/* Whether the source's commit is ancestor_rev or descends from it. */
int pgf_source_descends_from(pgf_source *src, const char *ancestor_rev, bool *out, pgf_error **err);

#endif
