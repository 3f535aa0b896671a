/* History immutability: a migration file that exists at an ancestor commit
 * must be byte-identical (same blob) at the pinned commit. Edits, deletions
 * and renames are reported with the commit that introduced the file. */
#include <stdlib.h>
#include <string.h>

#include "pgfleet/common.h"
#include "pgfleet/verify.h"

typedef struct pinned_file {
	const char *file;
	const char *id;
	char introduced[PGF_OBJECT_ID_HEX + 1];
	char old_id[PGF_OBJECT_ID_HEX + 1];  /* the merged content, when changed */
	bool changed;
} pinned_file;

typedef struct gone_file {
	char *file;
	char id[PGF_OBJECT_ID_HEX + 1];
	char introduced[PGF_OBJECT_ID_HEX + 1];
} gone_file;

typedef struct walk_state {
	pinned_file *pinned;   /* sorted by file */
	size_t npinned;
	pinned_file **by_id;   /* sorted by id */
	gone_file *gone;
	size_t ngone, gonecap;
} walk_state;

static int file_cmp(const void *a, const void *b)
{
	return strcmp(((const pinned_file *)a)->file, ((const pinned_file *)b)->file);
}

static int id_cmp(const void *a, const void *b)
{
	return strcmp((*(pinned_file *const *)a)->id, (*(pinned_file *const *)b)->id);
}

static void on_file(walk_state *st, const pgf_entry *e, const char *oldest_commit)
{
	pinned_file key = { .file = e->name };
	pinned_file *p = st->npinned ? bsearch(&key, st->pinned, st->npinned, sizeof(pinned_file), file_cmp) : NULL;
	if (p != NULL) {
		memcpy(p->introduced, oldest_commit, sizeof(p->introduced));
		if (strcmp(p->id, e->id) != 0) {
			p->changed = true;
			memcpy(p->old_id, e->id, sizeof(p->old_id));
		}
		return;
	}
	for (size_t i = 0; i < st->ngone; i++) {
		if (strcmp(st->gone[i].file, e->name) == 0) {
			memcpy(st->gone[i].introduced, oldest_commit, sizeof(st->gone[i].introduced));
			memcpy(st->gone[i].id, e->id, sizeof(st->gone[i].id));
			return;
		}
	}
	PGF_ARRAY_GROW(st->gone, st->ngone, st->gonecap);
	gone_file *g = &st->gone[st->ngone++];
	g->file = pgf_strdup(e->name);
	memcpy(g->id, e->id, sizeof(g->id));
	memcpy(g->introduced, oldest_commit, sizeof(g->introduced));
}

static int on_run(const pgf_history_run *run, void *payload, pgf_error **err)
{
	(void)err;
	walk_state *st = payload;
	if (run->entries == NULL)
		return 0;
	for (size_t i = 0; i < run->entries->count; i++) {
		const pgf_entry *e = &run->entries->items[i];
		pgf_migration_name parsed;
		if (e->kind == PGF_ENTRY_FILE && pgf_migration_name_parse(e->name, &parsed) == PGF_NAME_OK)
			on_file(st, e, run->oldest_commit);
	}
	return 0;
}

static const pinned_file *find_by_id(const walk_state *st, const char *id)
{
	pinned_file key = { .id = id };
	pinned_file *kp = &key;
	pinned_file **p = st->npinned ? bsearch(&kp, st->by_id, st->npinned, sizeof(pinned_file *), id_cmp) : NULL;
	return p ? *p : NULL;
}

int pgf_verify_history(pgf_findings *out, pgf_source *src, const pgf_migration_set *set, const char *since_rev,
                       pgf_error **err)
{
	walk_state st = { 0 };
	size_t cap = set->count * 2 + 1;
	st.pinned = pgf_calloc(cap, sizeof(pinned_file));
	for (size_t i = 0; i < set->count; i++) {
		const pgf_migration *m = &set->items[i];
		st.pinned[st.npinned++] = (pinned_file){ .file = m->file, .id = m->id };
		if (m->down_file != NULL)
			st.pinned[st.npinned++] = (pinned_file){ .file = m->down_file, .id = m->down_id };
	}
	qsort(st.pinned, st.npinned, sizeof(pinned_file), file_cmp);
	st.by_id = pgf_calloc(cap, sizeof(pinned_file *));
	for (size_t i = 0; i < st.npinned; i++)
		st.by_id[i] = &st.pinned[i];
	qsort(st.by_id, st.npinned, sizeof(pinned_file *), id_cmp);

	int rc = pgf_source_history(src, since_rev, set->folder, on_run, &st, err);
	if (rc == 0) {
		for (size_t i = 0; i < st.npinned; i++) {
			const pinned_file *p = &st.pinned[i];
			if (!p->changed)
				continue;
			char *path = pgf_asprintf("%s/%s", set->folder, p->file);
			pgf_findings_add(out, path,
			                 "changed after it was merged (introduced in commit %.12s, merged blob %.12s); "
			                 "add a new migration instead",
			                 p->introduced, p->old_id);
			free(path);
		}
		for (size_t i = 0; i < st.ngone; i++) {
			const gone_file *g = &st.gone[i];
			const pinned_file *moved = find_by_id(&st, g->id);
			char *path = pgf_asprintf("%s/%s", set->folder, g->file);
			if (moved != NULL)
				pgf_findings_add(out, path, "renamed to %s after it was merged (introduced in commit %.12s)",
				                 moved->file, g->introduced);
			else
				pgf_findings_add(out, path, "removed after it was merged (introduced in commit %.12s)",
				                 g->introduced);
			free(path);
		}
	}
	for (size_t i = 0; i < st.ngone; i++)
		free(st.gone[i].file);
	free(st.gone);
	free(st.by_id);
	free(st.pinned);
	return rc;
}
