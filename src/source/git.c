/* The commit side of pgf_source: libgit2. */
#include "source_internal.h"

#include <git2.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static pthread_once_t git_once = PTHREAD_ONCE_INIT;

static void git_init_once(void)
{
	git_libgit2_init();
}

int pgf_git_error(pgf_error **err, pgf_error_code code, const char *what)
{
	const git_error *e = git_error_last();
	if (e != NULL && e->message != NULL)
		return pgf_error_set(err, code, "%s: %s", what, e->message);
	return pgf_error_set(err, code, "%s", what);
}

static bool is_full_hex_id(const char *rev)
{
	if (strlen(rev) != GIT_OID_HEXSZ)
		return false;
	for (const char *p = rev; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') || (*p >= 'A' && *p <= 'F')))
			return false;
	return true;
}

static int resolve_commit(git_commit **out, git_repository *repo, const char *rev, bool pinned,
                          pgf_error **err)
{
	if (pinned) {
		if (!is_full_hex_id(rev)) {
			pgf_error_set(err, PGF_ERR_USAGE,
			              "--commit '%s': pinned mode needs a full 40-hex commit id", rev);
			pgf_error_hint(err, "pass the full id, e.g. \"$(git rev-parse %s)\"", rev);
			return -1;
		}
		git_oid oid;
		if (git_oid_fromstr(&oid, rev) != 0 || git_commit_lookup(out, repo, &oid) != 0) {
			char *what = pgf_asprintf("commit %s not found in the repository", rev);
			pgf_error_set(err, PGF_ERR_NOTFOUND, "%s", what);
			free(what);
			return -1;
		}
		return 0;
	}
	git_object *obj = NULL;
	if (git_revparse_single(&obj, repo, rev) != 0)
		return pgf_error_set(err, PGF_ERR_NOTFOUND, "revision '%s' not found in the repository", rev);
	git_object *peeled = NULL;
	int rc = git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT);
	git_object_free(obj);
	if (rc != 0)
		return pgf_error_set(err, PGF_ERR_INPUT, "revision '%s' does not name a commit", rev);
	*out = (git_commit *)peeled;
	return 0;
}

int pgf_git_open(pgf_source *src, const char *repo_path, const char *rev, bool pinned, pgf_error **err)
{
	pthread_once(&git_once, git_init_once);

	git_repository *repo = NULL;
	if (git_repository_open_ext(&repo, repo_path, 0, NULL) != 0)
		return pgf_error_set(err, PGF_ERR_NOTFOUND, "%s: not a git repository", repo_path);

	git_commit *commit = NULL;
	if (resolve_commit(&commit, repo, rev, pinned, err) != 0) {
		git_repository_free(repo);
		return -1;
	}
	git_tree *tree = NULL;
	if (git_commit_tree(&tree, commit) != 0) {
		git_commit_free(commit);
		git_repository_free(repo);
		return pgf_git_error(err, PGF_ERR_GIT, "reading the commit's tree");
	}

	src->repo = repo;
	src->commit = commit;
	src->tree = tree;
	git_oid_tostr(src->commit_id, sizeof(src->commit_id), git_commit_id(commit));
	src->label = pgf_asprintf("commit %.12s", src->commit_id);
	return 0;
}

void pgf_git_close(pgf_source *src)
{
	git_tree_free(src->tree);
	git_commit_free(src->commit);
	git_repository_free(src->repo);
}

static pgf_entry_kind kind_of(git_filemode_t mode)
{
	switch (mode) {
	case GIT_FILEMODE_BLOB:
	case GIT_FILEMODE_BLOB_EXECUTABLE:
		return PGF_ENTRY_FILE;
	case GIT_FILEMODE_TREE:
		return PGF_ENTRY_DIR;
	case GIT_FILEMODE_LINK:
		return PGF_ENTRY_SYMLINK;
	case GIT_FILEMODE_COMMIT:
		return PGF_ENTRY_SUBMODULE;
	default:
		return PGF_ENTRY_OTHER;
	}
}

/* Lists a tree. Git sorts tree entries with folders as if they ended in '/',
 * so the list is sorted again in plain byte order for pgf_entry_list_find. */
static void list_tree(const git_tree *tree, pgf_entry_list *out)
{
	size_t n = git_tree_entrycount(tree);
	out->items = pgf_calloc(n, sizeof(pgf_entry));
	out->count = n;
	for (size_t i = 0; i < n; i++) {
		const git_tree_entry *te = git_tree_entry_byindex(tree, i);
		pgf_entry *e = &out->items[i];
		e->name = pgf_strdup(git_tree_entry_name(te));
		e->kind = kind_of(git_tree_entry_filemode(te));
		git_oid_tostr(e->id, sizeof(e->id), git_tree_entry_id(te));
	}
	pgf_entry_list_sort(out);
}

/* Finds the tree at folder; *out is NULL (and 0 returned) when absent. */
static int folder_tree(git_tree **out, git_repository *repo, const git_tree *root, const char *folder,
                       pgf_error **err)
{
	*out = NULL;
	git_tree_entry *te = NULL;
	int rc = git_tree_entry_bypath(&te, root, folder);
	if (rc == GIT_ENOTFOUND)
		return 0;
	if (rc != 0)
		return pgf_git_error(err, PGF_ERR_GIT, folder);
	if (git_tree_entry_type(te) != GIT_OBJECT_TREE) {
		git_tree_entry_free(te);
		return 0;
	}
	rc = git_tree_lookup(out, repo, git_tree_entry_id(te));
	git_tree_entry_free(te);
	if (rc != 0)
		return pgf_git_error(err, PGF_ERR_GIT, folder);
	return 0;
}

int pgf_git_list(pgf_source *src, const char *folder, pgf_entry_list *out, pgf_error **err)
{
	git_tree *tree = NULL;
	if (folder_tree(&tree, src->repo, src->tree, folder, err) != 0)
		return -1;
	if (tree == NULL)
		return pgf_error_set(err, PGF_ERR_NOTFOUND, "%s: no such folder at %s", folder, src->label);
	list_tree(tree, out);
	git_tree_free(tree);
	return 0;
}

static int read_blob(pgf_source *src, const git_oid *oid, const char *path, size_t cap, pgf_buf *out,
                     pgf_error **err)
{
	git_odb *odb = NULL;
	size_t size = 0;
	git_object_t type = GIT_OBJECT_INVALID;
	if (git_repository_odb(&odb, src->repo) != 0)
		return pgf_git_error(err, PGF_ERR_GIT, path);
	int rc = git_odb_read_header(&size, &type, odb, oid);
	git_odb_free(odb);
	if (rc != 0)
		return pgf_git_error(err, PGF_ERR_GIT, path);
	if (type != GIT_OBJECT_BLOB)
		return pgf_error_set(err, PGF_ERR_INPUT, "%s: not a file at %s", path, src->label);
	if (size > cap)
		return pgf_error_set(err, PGF_ERR_INPUT, "%s: file is %zu bytes, over the limit of %zu bytes",
		                     path, size, cap);

	git_blob *blob = NULL;
	if (git_blob_lookup(&blob, src->repo, oid) != 0)
		return pgf_git_error(err, PGF_ERR_GIT, path);
	pgf_buf_clear(out);
	pgf_buf_put(out, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob));
	git_blob_free(blob);
	return 0;
}

int pgf_git_read(pgf_source *src, const char *path, size_t cap, pgf_buf *out, pgf_error **err)
{
	git_tree_entry *te = NULL;
	int rc = git_tree_entry_bypath(&te, src->tree, path);
	if (rc == GIT_ENOTFOUND)
		return pgf_error_set(err, PGF_ERR_NOTFOUND, "%s: not found at %s", path, src->label);
	if (rc != 0)
		return pgf_git_error(err, PGF_ERR_GIT, path);
	pgf_entry_kind kind = kind_of(git_tree_entry_filemode(te));
	if (kind != PGF_ENTRY_FILE) {
		git_tree_entry_free(te);
		return pgf_error_set(err, PGF_ERR_INPUT, "%s: not a regular file at %s", path, src->label);
	}
	rc = read_blob(src, git_tree_entry_id(te), path, cap, out, err);
	git_tree_entry_free(te);
	return rc;
}

int pgf_git_read_entry(pgf_source *src, const char *path, const pgf_entry *entry, size_t cap, pgf_buf *out,
                       pgf_error **err)
{
	git_oid oid;
	if (git_oid_fromstr(&oid, entry->id) != 0)
		return pgf_error_set(err, PGF_ERR_INTERNAL, "%s: bad object id", path);
	return read_blob(src, &oid, path, cap, out, err);
}

/* History: first-parent chain, grouped into runs of equal folder trees. */
typedef struct run_state {
	git_oid tree_id;          /* zero when the folder is absent */
	bool open;
	char newest[GIT_OID_HEXSZ + 1];
	char oldest[GIT_OID_HEXSZ + 1];
} run_state;

static int flush_run(pgf_source *src, run_state *run, pgf_history_cb cb, void *payload, pgf_error **err)
{
	if (!run->open)
		return 0;
	run->open = false;
	pgf_history_run hr = { run->newest, run->oldest, NULL };
	pgf_entry_list list = { NULL, 0 };
	if (!git_oid_is_zero(&run->tree_id)) {
		git_tree *tree = NULL;
		if (git_tree_lookup(&tree, src->repo, &run->tree_id) != 0)
			return pgf_git_error(err, PGF_ERR_GIT, "reading history");
		list_tree(tree, &list);
		git_tree_free(tree);
		hr.entries = &list;
	}
	int rc = cb(&hr, payload, err);
	pgf_entry_list_free(&list);
	return rc;
}

int pgf_git_history(pgf_source *src, const char *since_rev, const char *folder, pgf_history_cb cb,
                    void *payload, pgf_error **err)
{
	git_commit *start = NULL;
	if (since_rev != NULL) {
		if (resolve_commit(&start, src->repo, since_rev, false, err) != 0)
			return -1;
	} else if (git_commit_parentcount(src->commit) == 0) {
		return 0;
	} else if (git_commit_parent(&start, src->commit, 0) != 0) {
		return pgf_git_error(err, PGF_ERR_GIT, "reading the commit's parent");
	}

	git_revwalk *walk = NULL;
	int rc = -1;
	if (git_revwalk_new(&walk, src->repo) != 0 || git_revwalk_push(walk, git_commit_id(start)) != 0) {
		pgf_git_error(err, PGF_ERR_GIT, "walking history");
		goto done;
	}
	git_revwalk_sorting(walk, GIT_SORT_NONE);
	git_revwalk_simplify_first_parent(walk);

	run_state run = { .open = false };
	git_oid oid;
	int next;
	while ((next = git_revwalk_next(&oid, walk)) == 0) {
		git_commit *c = NULL;
		git_tree *root = NULL, *ft = NULL;
		if (git_commit_lookup(&c, src->repo, &oid) != 0 || git_commit_tree(&root, c) != 0) {
			git_commit_free(c);
			pgf_git_error(err, PGF_ERR_GIT, "walking history");
			goto done;
		}
		int frc = folder_tree(&ft, src->repo, root, folder, err);
		git_tree_free(root);
		git_commit_free(c);
		if (frc != 0)
			goto done;
		git_oid tid;
		if (ft != NULL)
			git_oid_cpy(&tid, git_tree_id(ft));
		else
			memset(&tid, 0, sizeof(tid));
		git_tree_free(ft);

		if (!run.open || !git_oid_equal(&tid, &run.tree_id)) {
			int crc = flush_run(src, &run, cb, payload, err);
			if (crc > 0)
				rc = 0; /* the callback has what it wanted */
			if (crc != 0)
				goto done;
			run.open = true;
			git_oid_cpy(&run.tree_id, &tid);
			git_oid_tostr(run.newest, sizeof(run.newest), &oid);
		}
		git_oid_tostr(run.oldest, sizeof(run.oldest), &oid);
	}
	if (next != GIT_ITEROVER) {
		pgf_git_error(err, PGF_ERR_GIT, "walking history");
		goto done;
	}
	rc = flush_run(src, &run, cb, payload, err);
	if (rc > 0)
		rc = 0;
done:
	git_revwalk_free(walk);
	git_commit_free(start);
	return rc;
}

int pgf_git_workdir(const char *repo_path, char **out)
{
	pthread_once(&git_once, git_init_once);
	git_repository *repo = NULL;
	*out = NULL;
	if (git_repository_open_ext(&repo, repo_path, 0, NULL) != 0)
		return -1;
	const char *wd = git_repository_workdir(repo);
	if (wd != NULL)
		*out = pgf_strdup(wd);
	git_repository_free(repo);
	return wd != NULL ? 0 : 1;
}

int pgf_git_commit_info(pgf_source *src, const char *commit_id, pgf_commit_info *out, pgf_error **err)
{
	git_commit *commit = src->commit;
	git_commit *owned = NULL;
	if (commit_id != NULL) {
		git_oid oid;
		if (git_oid_fromstr(&oid, commit_id) != 0 || git_commit_lookup(&owned, src->repo, &oid) != 0)
			return pgf_error_set(err, PGF_ERR_NOTFOUND, "commit %s not found", commit_id);
		commit = owned;
	}
	git_oid_tostr(out->id, sizeof(out->id), git_commit_id(commit));
	const git_signature *a = git_commit_author(commit);
	const git_signature *c = git_commit_committer(commit);
	out->author_name = pgf_strdup(a && a->name ? a->name : "");
	out->author_email = pgf_strdup(a && a->email ? a->email : "");
	out->committer_email = pgf_strdup(c && c->email ? c->email : "");
	out->committer_time = (int64_t)git_commit_time(commit);

	/* The header, not git_commit_extract_signature alone: libgit2 1.5's
	 * extractor also matches a "gpgsig " line inside the message. */
	git_buf header = GIT_BUF_INIT;
	int rc = 0;
	if (git_commit_header_field(&header, commit, "gpgsig") == 0) {
		git_buf sig = GIT_BUF_INIT, data = GIT_BUF_INIT;
		git_oid id;
		git_oid_cpy(&id, git_commit_id(commit));
		if (git_commit_extract_signature(&sig, &data, src->repo, &id, "gpgsig") != 0) {
			rc = pgf_git_error(err, PGF_ERR_GIT, "reading the commit's signature");
		} else if (strcmp(sig.ptr, header.ptr) != 0) {
			rc = pgf_error_set(err, PGF_ERR_INPUT, "commit %.12s: its gpgsig header and signature disagree",
			                   out->id);
		} else {
			out->signature = pgf_strndup(sig.ptr, sig.size);
			out->signed_data = pgf_strndup(data.ptr, data.size);
			out->signed_len = data.size;
		}
		git_buf_dispose(&sig);
		git_buf_dispose(&data);
	}
	git_buf_dispose(&header);
	git_commit_free(owned);
	if (rc != 0)
		pgf_commit_info_free(out);
	return rc;
}

int pgf_git_descends_from(pgf_source *src, const char *ancestor_rev, bool *out, pgf_error **err)
{
	git_commit *anc = NULL;
	if (resolve_commit(&anc, src->repo, ancestor_rev, false, err) != 0)
		return -1;
	const git_oid *a = git_commit_id(anc);
	const git_oid *c = git_commit_id(src->commit);
	int rc = 0;
	if (git_oid_equal(a, c))
		*out = true;
	else {
		int r = git_graph_descendant_of(src->repo, c, a);
		if (r < 0)
			rc = pgf_git_error(err, PGF_ERR_GIT, "checking ancestry");
		else
			*out = r == 1;
	}
	git_commit_free(anc);
	return rc;
}
