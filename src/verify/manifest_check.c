/* A folder against its pgfleet.sum: every file listed with the right hash,
 * nothing unlisted or absent, apply order kept, chain intact. */
#include <stdlib.h>
#include <string.h>

#include "pgfleet/common.h"
#include "pgfleet/verify.h"

typedef struct by_name {
	const pgf_manifest_entry *e;
	size_t index;
} by_name;

static int by_name_cmp(const void *a, const void *b)
{
	return strcmp(((const by_name *)a)->e->file, ((const by_name *)b)->e->file);
}

static by_name *index_by_name(const pgf_manifest *m)
{
	by_name *idx = pgf_calloc(m->count ? m->count : 1, sizeof(by_name));
	for (size_t i = 0; i < m->count; i++) {
		idx[i].e = &m->entries[i];
		idx[i].index = i;
	}
	if (m->count > 1)
		qsort(idx, m->count, sizeof(by_name), by_name_cmp);
	return idx;
}

static int file_by_name_cmp(const void *key, const void *b)
{
	return strcmp(key, ((const by_name *)b)->e->file);
}

static const by_name *lookup(const by_name *idx, size_t n, const char *file)
{
	return n ? bsearch(file, idx, n, sizeof(by_name), file_by_name_cmp) : NULL;
}

void pgf_verify_manifest(pgf_findings *out, const pgf_migration_set *set, const pgf_manifest *recorded)
{
	char *sum_path = pgf_asprintf("%s/%s", set->folder, PGF_MANIFEST_FILE);
	if (recorded == NULL) {
		pgf_findings_add(out, sum_path, "missing; run `pgfleet hash --scope %s` and commit it", set->scope);
		free(sum_path);
		return;
	}

	pgf_manifest *expected = pgf_manifest_from_set(set);
	by_name *rec_idx = index_by_name(recorded);
	by_name *exp_idx = index_by_name(expected);
	size_t before = out->count;

	for (size_t i = 0; i < expected->count; i++) {
		const pgf_manifest_entry *e = &expected->entries[i];
		char *path = pgf_asprintf("%s/%s", set->folder, e->file);
		const by_name *r = lookup(rec_idx, recorded->count, e->file);
		if (r == NULL)
			pgf_findings_add(out, path, "not listed in %s", PGF_MANIFEST_FILE);
		else if (strcmp(r->e->sha256, e->sha256) != 0)
			pgf_findings_add(out, path, "sha256 %.12s differs from %.12s listed in %s line %zu", e->sha256,
			                 r->e->sha256, PGF_MANIFEST_FILE, r->e->line);
		free(path);
	}
	for (size_t i = 0; i < recorded->count; i++) {
		const pgf_manifest_entry *r = &recorded->entries[i];
		if (lookup(exp_idx, expected->count, r->file) == NULL) {
			char *path = pgf_asprintf("%s/%s", set->folder, r->file);
			pgf_findings_add(out, path, "listed in %s line %zu but absent at this commit", PGF_MANIFEST_FILE,
			                 r->line);
			free(path);
		}
	}
	if (out->count == before) {
		/* Same files, same hashes: the order must be the apply order. */
		for (size_t i = 0; i < expected->count; i++) {
			if (strcmp(expected->entries[i].file, recorded->entries[i].file) != 0) {
				char *path = pgf_asprintf("%s/%s", set->folder, recorded->entries[i].file);
				pgf_findings_add(out, path, "listed at %s line %zu out of apply order (expected %s there)",
				                 PGF_MANIFEST_FILE, recorded->entries[i].line, expected->entries[i].file);
				free(path);
				break;
			}
		}
	}

	char chain[PGF_SHA256_HEX_LEN + 1];
	pgf_manifest_chain(recorded, chain);
	if (strcmp(chain, recorded->chain) != 0)
		pgf_findings_add(out, sum_path, "chain %.12s does not match its entries (computed %.12s): edited by hand?",
		                 recorded->chain, chain);

	free(rec_idx);
	free(exp_idx);
	pgf_manifest_free(expected);
	free(sum_path);
}
