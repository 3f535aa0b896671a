#ifndef PGFLEET_SOURCE_INTERNAL_H
#define PGFLEET_SOURCE_INTERNAL_H

#include "pgfleet/source.h"

struct git_repository;
struct git_commit;
struct git_tree;

struct pgf_source {
	/* commit source */
	struct git_repository *repo;
	struct git_commit *commit;
	struct git_tree *tree;
	char commit_id[PGF_OBJECT_ID_HEX + 1];
	/* working tree source */
	char *workdir;
	char *label;
};

void pgf_entry_list_sort(pgf_entry_list *list);

int pgf_git_error(pgf_error **err, pgf_error_code code, const char *what);
int pgf_git_open(pgf_source *src, const char *repo_path, const char *rev, bool pinned, pgf_error **err);
void pgf_git_close(pgf_source *src);
int pgf_git_list(pgf_source *src, const char *folder, pgf_entry_list *out, pgf_error **err);
int pgf_git_read(pgf_source *src, const char *path, size_t cap, pgf_buf *out, pgf_error **err);
int pgf_git_read_entry(pgf_source *src, const char *path, const pgf_entry *entry, size_t cap, pgf_buf *out,
                       pgf_error **err);
int pgf_git_history(pgf_source *src, const char *since_rev, const char *folder, pgf_history_cb cb,
                    void *payload, pgf_error **err);
int pgf_git_commit_info(pgf_source *src, const char *commit_id, pgf_commit_info *out, pgf_error **err);
int pgf_git_descends_from(pgf_source *src, const char *ancestor_rev, bool *out, pgf_error **err);
/* 0: *out is the work tree (with a trailing '/'); 1: a bare repository;
 * -1: not in a repository. */
int pgf_git_workdir(const char *repo_path, char **out);

#endif
