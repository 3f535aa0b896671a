#include "pgfleet/manifest.h"

#include <stdlib.h>
#include <string.h>

#include "pgfleet/common.h"
#include "pgfleet/migration.h"

pgf_manifest *pgf_manifest_new(void)
{
	return pgf_calloc(1, sizeof(pgf_manifest));
}

void pgf_manifest_add(pgf_manifest *m, const char *file, const char *sha256_hex)
{
	PGF_ARRAY_GROW(m->entries, m->count, m->cap);
	pgf_manifest_entry *e = &m->entries[m->count++];
	e->file = pgf_strdup(file);
	memcpy(e->sha256, sha256_hex, PGF_SHA256_HEX_LEN);
	e->sha256[PGF_SHA256_HEX_LEN] = '\0';
	e->line = 0;
}

void pgf_manifest_chain(const pgf_manifest *m, char out[PGF_SHA256_HEX_LEN + 1])
{
	memset(out, '0', PGF_SHA256_HEX_LEN);
	out[PGF_SHA256_HEX_LEN] = '\0';
	pgf_buf b = PGF_BUF_INIT;
	for (size_t i = 0; i < m->count; i++) {
		pgf_buf_clear(&b);
		pgf_buf_printf(&b, "%s\n%s  %s\n", out, m->entries[i].sha256, m->entries[i].file);
		pgf_sha256_hex(b.ptr, b.len, out);
	}
	pgf_buf_free(&b);
}

pgf_manifest *pgf_manifest_from_set(const pgf_migration_set *set)
{
	pgf_manifest *m = pgf_manifest_new();
	if (set->drizzle)
		pgf_manifest_add(m, PGF_DRIZZLE_JOURNAL, set->journal_sha256);
	for (size_t i = 0; i < set->count; i++) {
		const pgf_migration *mg = &set->items[i];
		pgf_manifest_add(m, mg->file, mg->sha256);
		if (mg->down_file != NULL)
			pgf_manifest_add(m, mg->down_file, mg->down_sha256);
	}
	pgf_manifest_chain(m, m->chain);
	return m;
}

char *pgf_manifest_format(const pgf_manifest *m)
{
	pgf_buf b = PGF_BUF_INIT;
	char chain[PGF_SHA256_HEX_LEN + 1];
	pgf_manifest_chain(m, chain);
	pgf_buf_puts(&b, PGF_MANIFEST_HEADER "\n");
	for (size_t i = 0; i < m->count; i++)
		pgf_buf_printf(&b, "%s  %s\n", m->entries[i].sha256, m->entries[i].file);
	pgf_buf_printf(&b, "chain %s\n", chain);
	return pgf_buf_detach(&b);
}

static bool is_hex64(const char *s, size_t n)
{
	if (n < PGF_SHA256_HEX_LEN)
		return false;
	for (size_t i = 0; i < PGF_SHA256_HEX_LEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

static int parse_line(pgf_manifest *m, const char *s, size_t n, size_t line, const char *label, pgf_error **err)
{
	if (m->chain[0] != '\0')
		return pgf_error_set(err, PGF_ERR_INPUT, "%s:%zu: nothing may follow the chain line", label, line);
	if (n > 6 && memcmp(s, "chain ", 6) == 0) {
		if (n != 6 + PGF_SHA256_HEX_LEN || !is_hex64(s + 6, n - 6))
			return pgf_error_set(err, PGF_ERR_INPUT, "%s:%zu: chain: expected 64 lower-case hex digits", label,
			                     line);
		memcpy(m->chain, s + 6, PGF_SHA256_HEX_LEN);
		m->chain[PGF_SHA256_HEX_LEN] = '\0';
		return 0;
	}
	if (!is_hex64(s, n) || n < PGF_SHA256_HEX_LEN + 3 || s[PGF_SHA256_HEX_LEN] != ' ' ||
	    s[PGF_SHA256_HEX_LEN + 1] != ' ')
		return pgf_error_set(err, PGF_ERR_INPUT,
		                     "%s:%zu: expected \"<sha256 hex>  <file>\" or \"chain <sha256 hex>\"", label, line);
	const char *name = s + PGF_SHA256_HEX_LEN + 2;
	size_t name_len = n - PGF_SHA256_HEX_LEN - 2;
	for (size_t i = 0; i < name_len; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
			return pgf_error_set(err, PGF_ERR_INPUT, "%s:%zu: a control character in a file name", label, line);
	char *file = pgf_strndup(name, name_len);
	pgf_manifest_add(m, file, s);
	m->entries[m->count - 1].line = line;
	free(file);
	return 0;
}

static int entry_file_cmp(const void *a, const void *b)
{
	const pgf_manifest_entry *x = *(const pgf_manifest_entry *const *)a;
	const pgf_manifest_entry *y = *(const pgf_manifest_entry *const *)b;
	int c = strcmp(x->file, y->file);
	return c != 0 ? c : (x->line > y->line) - (x->line < y->line);
}

/* A file listed twice is an error naming both lines (sorted, not quadratic). */
static int check_duplicates(const pgf_manifest *m, const char *label, pgf_error **err)
{
	if (m->count < 2)
		return 0;
	const pgf_manifest_entry **idx = pgf_calloc(m->count, sizeof(*idx));
	for (size_t i = 0; i < m->count; i++)
		idx[i] = &m->entries[i];
	qsort(idx, m->count, sizeof(*idx), entry_file_cmp);
	int rc = 0;
	for (size_t i = 1; i < m->count && rc == 0; i++)
		if (strcmp(idx[i - 1]->file, idx[i]->file) == 0)
			rc = pgf_error_set(err, PGF_ERR_INPUT, "%s:%zu: %s is listed twice (also line %zu)", label,
			                   idx[i]->line, idx[i]->file, idx[i - 1]->line);
	free(idx);
	return rc;
}

int pgf_manifest_parse(pgf_manifest **out, const char *text, size_t len, const char *label, pgf_error **err)
{
	pgf_manifest *m = pgf_manifest_new();
	size_t pos = 0, line = 0;
	bool header = false;
	int rc = 0;
	while (pos < len && rc == 0) {
		line++;
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len;
		const char *s = text + pos;
		size_t n = end - pos;
		pos = end + 1;
		if (n > 0 && s[n - 1] == '\r')
			n--;
		if (n == 0 || s[0] == '#')
			continue;
		if (!header) {
			if (n != strlen(PGF_MANIFEST_HEADER) || memcmp(s, PGF_MANIFEST_HEADER, n) != 0)
				rc = pgf_error_set(err, PGF_ERR_INPUT, "%s:%zu: expected the header \"%s\"", label, line,
				                   PGF_MANIFEST_HEADER);
			header = true;
			continue;
		}
		rc = parse_line(m, s, n, line, label, err);
	}
	if (rc == 0 && !header)
		rc = pgf_error_set(err, PGF_ERR_INPUT, "%s: empty manifest", label);
	if (rc == 0)
		rc = check_duplicates(m, label, err);
	if (rc == 0 && m->chain[0] == '\0')
		rc = pgf_error_set(err, PGF_ERR_INPUT, "%s: no chain line (truncated?)", label);
	if (rc != 0) {
		pgf_manifest_free(m);
		return -1;
	}
	*out = m;
	return 0;
}

void pgf_manifest_free(pgf_manifest *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->count; i++)
		free(m->entries[i].file);
	free(m->entries);
	free(m);
}
