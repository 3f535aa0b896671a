/* Loads a scope's migration folder from a source into an ordered set. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgfleet/common.h"
#include "pgfleet/log.h"
#include "pgfleet/manifest.h"
#include "pgfleet/migration.h"

typedef struct file_ref {
	const pgf_entry *entry;
	pgf_migration_name parsed;
} file_ref;

typedef struct loader {
	pgf_source *src;
	const pgf_scope *scope;
	size_t cap;
	pgf_migration_set *set;
	pgf_error **err;
	int rc;
	pgf_buf buf;
} loader;

static int bad(loader *ld, const char *file, const char *fmt, ...) PGF_PRINTF(3, 4);

static int bad(loader *ld, const char *file, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = pgf_vasprintf(fmt, ap);
	va_end(ap);
	pgf_error_set(ld->err, PGF_ERR_INPUT, "%s/%s: %s", ld->scope->folder, file, msg);
	free(msg);
	ld->rc = -1;
	return -1;
}

static int ref_version_cmp(const void *a, const void *b)
{
	const file_ref *x = a, *y = b;
	int c = pgf_version_cmp(x->parsed.version, x->parsed.version_len, y->parsed.version, y->parsed.version_len);
	return c != 0 ? c : strcmp(x->entry->name, y->entry->name);
}

/* Reads one file: hash and directives. */
static void read_file(loader *ld, const pgf_entry *e, char sha[PGF_SHA256_HEX_LEN + 1], unsigned *flags,
                      size_t *size)
{
	pgf_error *e1 = NULL;
	if (pgf_source_read_entry(ld->src, ld->scope->folder, e, ld->cap, &ld->buf, &e1) != 0) {
		pgf_error_append(ld->err, e1);
		ld->rc = -1;
		return;
	}
	pgf_sha256_hex(ld->buf.ptr, ld->buf.len, sha);
	if (size != NULL)
		*size = ld->buf.len;
	char *label = pgf_asprintf("%s/%s", ld->scope->folder, e->name);
	if (pgf_directives_parse(flags, ld->buf.ptr, ld->buf.len, label, ld->err) != 0)
		ld->rc = -1;
	free(label);
}

static void add_migration(loader *ld, const file_ref *up, const file_ref *down, int64_t when)
{
	pgf_migration_set *set = ld->set;
	pgf_migration *m = &set->items[set->count++];
	memset(m, 0, sizeof(*m));
	m->version = pgf_strndup(up->parsed.version, up->parsed.version_len);
	m->name = pgf_strndup(up->parsed.name, up->parsed.name_len);
	m->file = pgf_strdup(up->entry->name);
	m->drizzle_when = when;
	memcpy(m->id, up->entry->id, sizeof(m->id));
	read_file(ld, up->entry, m->sha256, &m->flags, &m->size);
	if (down != NULL) {
		m->down_file = pgf_strdup(down->entry->name);
		memcpy(m->down_id, down->entry->id, sizeof(m->down_id));
		read_file(ld, down->entry, m->down_sha256, &m->down_flags, NULL);
	}
}

/* Finds the down file of an up file: same version and name. */
static const file_ref *find_down(file_ref *downs, size_t ndowns, bool *used, const file_ref *up)
{
	for (size_t i = 0; i < ndowns; i++) {
		const pgf_migration_name *d = &downs[i].parsed;
		if (!used[i] && d->version_len == up->parsed.version_len && d->name_len == up->parsed.name_len &&
		    memcmp(d->version, up->parsed.version, d->version_len) == 0 &&
		    memcmp(d->name, up->parsed.name, d->name_len) == 0) {
			used[i] = true;
			return &downs[i];
		}
	}
	return NULL;
}

/* drizzle-kit: the journal decides which files exist and in what order. */
static void order_by_journal(loader *ld, file_ref *ups, size_t nups, const pgf_drizzle_journal *j)
{
	bool *listed = pgf_calloc(nups ? nups : 1, sizeof(bool));
	file_ref *ordered = pgf_calloc(j->count ? j->count : 1, sizeof(file_ref));
	size_t n = 0;
	for (size_t i = 0; i < j->count; i++) {
		char *file = pgf_asprintf("%s.sql", j->entries[i].tag);
		size_t k = 0;
		while (k < nups && strcmp(ups[k].entry->name, file) != 0)
			k++;
		if (k == nups)
			bad(ld, file, "listed in " PGF_DRIZZLE_JOURNAL " but missing from the folder");
		else {
			listed[k] = true;
			if (n > 0 && pgf_version_cmp(ordered[n - 1].parsed.version, ordered[n - 1].parsed.version_len,
			                             ups[k].parsed.version, ups[k].parsed.version_len) >= 0)
				bad(ld, file, "version is not above the previous journal entry");
			ordered[n++] = ups[k];
		}
		free(file);
	}
	for (size_t k = 0; k < nups; k++)
		if (!listed[k])
			bad(ld, ups[k].entry->name, "not listed in " PGF_DRIZZLE_JOURNAL "");
	memcpy(ups, ordered, n * sizeof(file_ref));
	free(ordered);
	free(listed);
}

static void load_journal(loader *ld, pgf_drizzle_journal *j)
{
	char *path = pgf_asprintf("%s/%s", ld->scope->folder, PGF_DRIZZLE_JOURNAL);
	pgf_error *e = NULL;
	if (pgf_source_read(ld->src, path, ld->cap, &ld->buf, &e) != 0) {
		pgf_error_append(ld->err, e);
		ld->rc = -1;
	} else {
		ld->set->drizzle = true;
		pgf_sha256_hex(ld->buf.ptr, ld->buf.len, ld->set->journal_sha256);
		if (pgf_drizzle_journal_parse(j, ld->buf.ptr, ld->buf.len, path, ld->err) != 0)
			ld->rc = -1;
	}
	free(path);
}

static void classify(loader *ld, const pgf_entry_list *list, file_ref **ups, size_t *nups, file_ref **downs,
                     size_t *ndowns, bool *has_meta)
{
	size_t upcap = 0, downcap = 0;
	for (size_t i = 0; i < list->count; i++) {
		const pgf_entry *e = &list->items[i];
		switch (e->kind) {
		case PGF_ENTRY_SYMLINK:
			bad(ld, e->name, "is a symbolic link; migrations must be regular files");
			continue;
		case PGF_ENTRY_SUBMODULE:
			bad(ld, e->name, "is a submodule; migrations must be regular files");
			continue;
		case PGF_ENTRY_DIR:
			if (strcmp(e->name, "meta") == 0)
				*has_meta = true;
			else if (strcmp(e->name, "approvals") != 0)
				bad(ld, e->name, "unexpected folder (only approvals/ and drizzle-kit's meta/ belong here)");
			continue;
		case PGF_ENTRY_OTHER:
			bad(ld, e->name, "is not a regular file");
			continue;
		case PGF_ENTRY_FILE:
			break;
		}
		if (strcmp(e->name, PGF_MANIFEST_FILE) == 0) {
			ld->set->has_manifest = true;
			continue;
		}
		file_ref ref = { e, { 0 } };
		pgf_name_result r = pgf_migration_name_parse(e->name, &ref.parsed);
		if (r == PGF_NAME_NOT_SQL) {
			pgf_log_debug("%s/%s: not a .sql file, ignored", ld->scope->folder, e->name);
			continue;
		}
		if (r == PGF_NAME_INVALID) {
			bad(ld, e->name, "file name does not match <version>_<name>.sql or <version>_<name>.down.sql "
			                 "(version: digits; name: letters, digits, '_', '-')");
			continue;
		}
		if (ref.parsed.down) {
			PGF_ARRAY_GROW(*downs, *ndowns, downcap);
			(*downs)[(*ndowns)++] = ref;
		} else {
			PGF_ARRAY_GROW(*ups, *nups, upcap);
			(*ups)[(*nups)++] = ref;
		}
	}
}

int pgf_migration_set_load(pgf_migration_set **out, pgf_source *src, const pgf_scope *scope,
                           const pgf_load_opts *opts, pgf_error **err)
{
	pgf_entry_list list = { NULL, 0 };
	pgf_error *e = NULL;
	if (pgf_source_list(src, scope->folder, &list, &e) != 0) {
		if (e->code == PGF_ERR_NOTFOUND) {
			pgf_error_set(err, PGF_ERR_INPUT, "scope \"%s\": folder %s not found at %s", scope->name,
			              scope->folder, pgf_source_label(src));
			pgf_error_free(e);
		} else
			pgf_error_append(err, e);
		return -1;
	}

	pgf_migration_set *set = pgf_calloc(1, sizeof(*set));
	set->scope = pgf_strdup(scope->name);
	set->folder = pgf_strdup(scope->folder);
	loader ld = { src, scope, opts->max_file_bytes, set, err, 0, PGF_BUF_INIT };

	file_ref *ups = NULL, *downs = NULL;
	size_t nups = 0, ndowns = 0;
	bool has_meta = false;
	classify(&ld, &list, &ups, &nups, &downs, &ndowns, &has_meta);

	pgf_drizzle_journal journal = { NULL, 0 };
	char *journal_path = pgf_asprintf("%s/%s", scope->folder, PGF_DRIZZLE_JOURNAL);
	if (has_meta) {
		pgf_buf probe = PGF_BUF_INIT;
		pgf_error *pe = NULL;
		/* meta/ without a journal is an unexpected folder like any other. */
		if (pgf_source_read(src, journal_path, 1, &probe, &pe) != 0 && pe->code == PGF_ERR_NOTFOUND)
			bad(&ld, "meta", "unexpected folder (no %s)", "meta/_journal.json");
		else
			load_journal(&ld, &journal);
		pgf_error_free(pe);
		pgf_buf_free(&probe);
	}
	free(journal_path);

	if (set->drizzle)
		order_by_journal(&ld, ups, nups, &journal);
	else if (nups > 1)
		qsort(ups, nups, sizeof(file_ref), ref_version_cmp);
	if (set->drizzle && ld.rc != 0)
		nups = 0; /* the journal and the folder disagree: nothing to order */

	for (size_t i = 1; i < nups; i++)
		if (pgf_version_cmp(ups[i - 1].parsed.version, ups[i - 1].parsed.version_len, ups[i].parsed.version,
		                    ups[i].parsed.version_len) == 0)
			bad(&ld, ups[i].entry->name, "duplicate version (also %s)", ups[i - 1].entry->name);

	bool *used = pgf_calloc(ndowns ? ndowns : 1, sizeof(bool));
	set->items = pgf_calloc(nups ? nups : 1, sizeof(pgf_migration));
	for (size_t i = 0; i < nups; i++) {
		const file_ref *down = find_down(downs, ndowns, used, &ups[i]);
		/* With no error, ups and journal entries are aligned one to one. */
		int64_t when = set->drizzle ? journal.entries[i].when : -1;
		add_migration(&ld, &ups[i], down, when);
	}
	for (size_t i = 0; i < ndowns; i++)
		if (!used[i])
			bad(&ld, downs[i].entry->name, "down file without its up file");

	free(used);
	free(ups);
	free(downs);
	pgf_drizzle_journal_free(&journal);
	pgf_entry_list_free(&list);
	pgf_buf_free(&ld.buf);
	if (ld.rc != 0) {
		pgf_migration_set_free(set);
		return -1;
	}
	*out = set;
	return 0;
}

void pgf_migration_set_free(pgf_migration_set *set)
{
	if (set == NULL)
		return;
	for (size_t i = 0; i < set->count; i++) {
		pgf_migration *m = &set->items[i];
		free(m->version);
		free(m->name);
		free(m->file);
		free(m->down_file);
	}
	free(set->items);
	free(set->scope);
	free(set->folder);
	free(set);
}
