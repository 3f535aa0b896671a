/* Which commit added each of a folder's files: one first-parent history walk
 * for all of them (see pgf_files_added in approvals.h). */
#include <stdlib.h>
#include <string.h>

#include "pgfleet/approvals.h"
#include "pgfleet/common.h"

typedef struct added_walk {
	const char *const *files;
	char (*added)[PGF_OBJECT_ID_HEX + 1];
	size_t *open; /* indexes of the files still present in every run so far */
	size_t nopen;
} added_walk;

static int on_run(const pgf_history_run *run, void *payload, pgf_error **err)
{
	(void)err;
	added_walk *w = payload;
	size_t kept = 0;
	for (size_t k = 0; k < w->nopen; k++) {
		size_t i = w->open[k];
		const pgf_entry *e = run->entries ? pgf_entry_list_find(run->entries, w->files[i]) : NULL;
		if (e == NULL || e->kind != PGF_ENTRY_FILE)
			continue; /* absent here: its newest stretch ended in the previous run */
		memcpy(w->added[i], run->oldest_commit, PGF_OBJECT_ID_HEX + 1);
		w->open[kept++] = i;
	}
	w->nopen = kept;
	return kept == 0 ? 1 : 0; /* every file's stretch ended: stop the walk */
}

int pgf_files_added(pgf_source *src, const char *folder, const char *const *files, size_t n,
                    char (*added)[PGF_OBJECT_ID_HEX + 1], pgf_error **err)
{
	for (size_t i = 0; i < n; i++)
		added[i][0] = '\0';
	const char *head = pgf_source_commit_id(src);
	if (head == NULL || n == 0)
		return 0;
	added_walk w = { .files = files, .added = added, .open = pgf_calloc(n, sizeof(size_t)), .nopen = n };
	for (size_t i = 0; i < n; i++)
		w.open[i] = i;
	int rc = pgf_source_history(src, head, folder, on_run, &w, err);
	free(w.open);
	return rc;
}
