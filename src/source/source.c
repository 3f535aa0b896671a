/* pgf_source: dispatch between a commit (git.c) and a working tree (here). */
#include "source_internal.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int entry_cmp(const void *a, const void *b)
{
	return strcmp(((const pgf_entry *)a)->name, ((const pgf_entry *)b)->name);
}

void pgf_entry_list_sort(pgf_entry_list *list)
{
	if (list->count > 1)
		qsort(list->items, list->count, sizeof(pgf_entry), entry_cmp);
}

static int name_entry_cmp(const void *key, const void *e)
{
	return strcmp(key, ((const pgf_entry *)e)->name);
}

const pgf_entry *pgf_entry_list_find(const pgf_entry_list *list, const char *name)
{
	return list->count ? bsearch(name, list->items, list->count, sizeof(pgf_entry), name_entry_cmp) : NULL;
}

void pgf_entry_list_free(pgf_entry_list *list)
{
	for (size_t i = 0; i < list->count; i++)
		free(list->items[i].name);
	free(list->items);
	list->items = NULL;
	list->count = 0;
}

int pgf_source_open_commit(pgf_source **out, const char *repo_path, const char *rev, bool pinned,
                           pgf_error **err)
{
	pgf_source *src = pgf_calloc(1, sizeof(*src));
	if (pgf_git_open(src, repo_path, rev, pinned, err) != 0) {
		free(src);
		return -1;
	}
	*out = src;
	return 0;
}

int pgf_source_open_worktree(pgf_source **out, const char *repo_path, pgf_error **err)
{
	char *wd = NULL;
	int rc = pgf_git_workdir(repo_path, &wd);
	if (rc == 1)
		return pgf_error_set(err, PGF_ERR_INPUT, "%s: a bare repository has no working tree", repo_path);
	if (rc < 0) {
		struct stat st;
		if (stat(repo_path, &st) != 0 || !S_ISDIR(st.st_mode))
			return pgf_error_set(err, PGF_ERR_NOTFOUND, "%s: no such folder", repo_path);
		size_t n = strlen(repo_path);
		wd = pgf_asprintf("%s%s", repo_path, n > 0 && repo_path[n - 1] == '/' ? "" : "/");
	}
	pgf_source *src = pgf_calloc(1, sizeof(*src));
	src->workdir = wd;
	src->label = pgf_asprintf("working tree %s", wd);
	*out = src;
	return 0;
}

void pgf_source_free(pgf_source *src)
{
	if (src == NULL)
		return;
	if (src->repo != NULL)
		pgf_git_close(src);
	free(src->workdir);
	free(src->label);
	free(src);
}

const char *pgf_source_commit_id(const pgf_source *src)
{
	return src->workdir == NULL ? src->commit_id : NULL;
}

const char *pgf_source_label(const pgf_source *src)
{
	return src->label;
}

const char *pgf_source_workdir(const pgf_source *src)
{
	return src->workdir;
}

static pgf_entry_kind kind_of_mode(mode_t mode)
{
	if (S_ISREG(mode))
		return PGF_ENTRY_FILE;
	if (S_ISDIR(mode))
		return PGF_ENTRY_DIR;
	if (S_ISLNK(mode))
		return PGF_ENTRY_SYMLINK;
	return PGF_ENTRY_OTHER;
}

static int worktree_list(pgf_source *src, const char *folder, pgf_entry_list *out, pgf_error **err)
{
	char *dir = pgf_asprintf("%s%s", src->workdir, folder);
	DIR *d = opendir(dir);
	if (d == NULL) {
		int e = errno;
		pgf_error_set(err, e == ENOENT || e == ENOTDIR ? PGF_ERR_NOTFOUND : PGF_ERR_IO,
		              "%s: %s", folder, e == ENOENT ? "no such folder in the working tree" : strerror(e));
		free(dir);
		return -1;
	}
	size_t cap = 0;
	out->items = NULL;
	out->count = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		char *path = pgf_asprintf("%s/%s", dir, de->d_name);
		struct stat st;
		pgf_entry_kind kind = PGF_ENTRY_OTHER;
		if (lstat(path, &st) == 0) {
			kind = kind_of_mode(st.st_mode);
			if (kind == PGF_ENTRY_DIR) {
				/* A nested repository is what a submodule looks like on disk. */
				char *dotgit = pgf_asprintf("%s/.git", path);
				if (lstat(dotgit, &st) == 0)
					kind = PGF_ENTRY_SUBMODULE;
				free(dotgit);
			}
		}
		free(path);
		PGF_ARRAY_GROW(out->items, out->count, cap);
		pgf_entry *e = &out->items[out->count++];
		e->name = pgf_strdup(de->d_name);
		e->kind = kind;
		e->id[0] = '\0';
	}
	closedir(d);
	free(dir);
	pgf_entry_list_sort(out);
	return 0;
}

int pgf_source_list(pgf_source *src, const char *folder, pgf_entry_list *out, pgf_error **err)
{
	out->items = NULL;
	out->count = 0;
	if (src->workdir != NULL)
		return worktree_list(src, folder, out, err);
	return pgf_git_list(src, folder, out, err);
}

int pgf_source_read(pgf_source *src, const char *path, size_t cap, pgf_buf *out, pgf_error **err)
{
	if (src->workdir == NULL)
		return pgf_git_read(src, path, cap, out, err);
	char *full = pgf_asprintf("%s%s", src->workdir, path);
	struct stat st;
	int rc;
	if (lstat(full, &st) == 0 && S_ISLNK(st.st_mode))
		rc = pgf_error_set(err, PGF_ERR_INPUT, "%s: is a symbolic link", path);
	else if (lstat(full, &st) != 0)
		rc = pgf_error_set(err, PGF_ERR_NOTFOUND, "%s: not found in the working tree", path);
	else {
		pgf_error *e = NULL;
		rc = pgf_file_read(out, full, cap, &e);
		if (rc != 0) {
			/* Name the file relative to the repository, not the absolute path. */
			pgf_error_set(err, e->code, "%s%s", path, strchr(e->message, ':') ? strchr(e->message, ':') : "");
			pgf_error_free(e);
		}
	}
	free(full);
	return rc;
}

int pgf_source_read_entry(pgf_source *src, const char *folder, const pgf_entry *entry, size_t cap,
                          pgf_buf *out, pgf_error **err)
{
	char *path = pgf_asprintf("%s/%s", folder, entry->name);
	int rc = src->workdir == NULL && entry->id[0] != '\0'
	                 ? pgf_git_read_entry(src, path, entry, cap, out, err)
	                 : pgf_source_read(src, path, cap, out, err);
	free(path);
	return rc;
}

int pgf_source_history(pgf_source *src, const char *since_rev, const char *folder, pgf_history_cb cb,
                       void *payload, pgf_error **err)
{
	if (src->workdir != NULL)
		return pgf_error_set(err, PGF_ERR_INTERNAL, "history needs a commit source");
	return pgf_git_history(src, since_rev, folder, cb, payload, err);
}

int pgf_source_commit_info(pgf_source *src, const char *commit_id, pgf_commit_info *out, pgf_error **err)
{
	memset(out, 0, sizeof(*out));
	if (src->workdir != NULL)
		return pgf_error_set(err, PGF_ERR_INTERNAL, "commit information needs a commit source");
	return pgf_git_commit_info(src, commit_id, out, err);
}

void pgf_commit_info_free(pgf_commit_info *ci)
{
	free(ci->author_name);
	free(ci->author_email);
	free(ci->committer_email);
	free(ci->signature);
	free(ci->signed_data);
	memset(ci, 0, sizeof(*ci));
}

int pgf_source_descends_from(pgf_source *src, const char *ancestor_rev, bool *out, pgf_error **err)
{
	*out = false;
	if (src->workdir != NULL)
		return pgf_error_set(err, PGF_ERR_INTERNAL, "ancestry needs a commit source");
	return pgf_git_descends_from(src, ancestor_rev, out, err);
}
