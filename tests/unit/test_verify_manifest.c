/* verify.h: pgf_verify_manifest, a folder's migration set against its
 * pgfleet.sum, with the set built in memory. */
#include "unit.h"

#include "pgfleet/common.h"
#include "pgfleet/digest.h"
#include "pgfleet/manifest.h"
#include "pgfleet/migration.h"
#include "pgfleet/verify.h"

#define FOLDER "db/tenant"

static void hex_of(const char *content, char out[PGF_SHA256_HEX_LEN + 1])
{
	pgf_sha256_hex(content, strlen(content), out);
}

static void add_migration(pgf_migration_set *set, const char *version, const char *name, const char *content,
                          const char *down_content)
{
	set->items = pgf_realloc(set->items, (set->count + 1) * sizeof(pgf_migration));
	pgf_migration *m = &set->items[set->count++];
	memset(m, 0, sizeof(*m));
	m->version = pgf_strdup(version);
	m->name = pgf_strdup(name);
	m->file = pgf_asprintf("%s_%s.sql", version, name);
	hex_of(content, m->sha256);
	m->size = strlen(content);
	m->drizzle_when = -1;
	if (down_content != NULL) {
		m->down_file = pgf_asprintf("%s_%s.down.sql", version, name);
		hex_of(down_content, m->down_sha256);
	}
}

/* Three versions, the second with a down file:
 *   line 2 0001_create_wells.sql
 *   line 3 0002_add_name.sql
 *   line 4 0002_add_name.down.sql
 *   line 5 0003_idx.sql */
static pgf_migration_set *make_set(void)
{
	pgf_migration_set *set = pgf_calloc(1, sizeof(*set));
	set->scope = pgf_strdup("tenant");
	set->folder = pgf_strdup(FOLDER);
	add_migration(set, "0001", "create_wells", "CREATE TABLE wells (id int);\n", NULL);
	add_migration(set, "0002", "add_name", "ALTER TABLE wells ADD name text;\n", "ALTER TABLE wells DROP name;\n");
	add_migration(set, "0003", "idx", "CREATE INDEX CONCURRENTLY i ON wells (id);\n", NULL);
	set->has_manifest = true;
	return set;
}

static pgf_manifest *parse_text(const char *text)
{
	pgf_manifest *m = NULL;
	pgf_error *err = NULL;
	if (pgf_manifest_parse(&m, text, strlen(text), FOLDER "/pgfleet.sum", &err) != 0)
		fail_msg("manifest parse failed: %s", err->message);
	return m;
}

/* What `pgfleet hash` would write for set, parsed back (so lines are set). */
static pgf_manifest *recorded_for(const pgf_migration_set *set)
{
	pgf_manifest *m = pgf_manifest_from_set(set);
	char *text = pgf_manifest_format(m);
	pgf_manifest *r = parse_text(text);
	free(text);
	pgf_manifest_free(m);
	return r;
}

static void dump(const pgf_findings *f)
{
	for (size_t i = 0; i < f->count; i++)
		print_message("  finding %zu: %s: %s\n", i, f->items[i].path, f->items[i].message);
}

static void expect_count(const pgf_findings *f, size_t n)
{
	if (f->count != n) {
		dump(f);
		fail_msg("expected %zu findings, got %zu", n, f->count);
	}
}

static void test_clean(void **state)
{
	(void)state;
	pgf_migration_set *set = make_set();
	pgf_manifest *rec = recorded_for(set);
	assert_int_equal(rec->count, 4);
	pgf_findings f = { NULL, 0, 0 };
	pgf_verify_manifest(&f, set, rec);
	expect_count(&f, 0);
	pgf_findings_free(&f);
	pgf_manifest_free(rec);
	pgf_migration_set_free(set);
}

static void test_clean_empty(void **state)
{
	(void)state;
	pgf_migration_set *set = pgf_calloc(1, sizeof(*set));
	set->scope = pgf_strdup("master");
	set->folder = pgf_strdup("db/master");
	pgf_manifest *rec = parse_text("pgfleet.sum 1\nchain "
	                               "0000000000000000000000000000000000000000000000000000000000000000\n");
	pgf_findings f = { NULL, 0, 0 };
	pgf_verify_manifest(&f, set, rec);
	expect_count(&f, 0);
	pgf_findings_free(&f);
	pgf_manifest_free(rec);
	pgf_migration_set_free(set);
}

static void test_hash_mismatch(void **state)
{
	(void)state;
	pgf_migration_set *set = make_set();
	pgf_manifest *rec = recorded_for(set);
	char old[65];
	memcpy(old, set->items[1].sha256, 65);
	/* the file was edited after pgfleet.sum was written */
	hex_of("ALTER TABLE wells ADD name varchar(80);\n", set->items[1].sha256);

	pgf_findings f = { NULL, 0, 0 };
	pgf_verify_manifest(&f, set, rec);
	expect_count(&f, 1);
	assert_string_equal(f.items[0].path, FOLDER "/0002_add_name.sql");
	char *msg = pgf_asprintf("sha256 %.12s differs from %.12s listed in pgfleet.sum line 3", set->items[1].sha256,
	                         old);
	assert_string_equal(f.items[0].message, msg);
	free(msg);
	pgf_findings_free(&f);

	/* a down file's hash is checked too */
	memcpy(set->items[1].sha256, old, 65);
	hex_of("-- edited\n", set->items[1].down_sha256);
	pgf_verify_manifest(&f, set, rec);
	expect_count(&f, 1);
	assert_string_equal(f.items[0].path, FOLDER "/0002_add_name.down.sql");
	assert_contains(f.items[0].message, "listed in pgfleet.sum line 4");
	pgf_findings_free(&f);

	pgf_manifest_free(rec);
	pgf_migration_set_free(set);
}

static void test_file_not_listed(void **state)
{
	(void)state;
	pgf_migration_set *set = make_set();
	pgf_manifest *rec = recorded_for(set);
	/* a new migration committed without re-running pgfleet hash */
	add_migration(set, "0004", "alarms", "CREATE TABLE alarms (id int);\n", NULL);

	pgf_findings f = { NULL, 0, 0 };
	pgf_verify_manifest(&f, set, rec);
	expect_count(&f, 1);
	assert_string_equal(f.items[0].path, FOLDER "/0004_alarms.sql");
	assert_string_equal(f.items[0].message, "not listed in pgfleet.sum");
	pgf_findings_free(&f);
	pgf_manifest_free(rec);
	pgf_migration_set_free(set);
}

static void test_listed_but_absent(void **state)
{
	(void)state;
	pgf_migration_set *set = make_set();
	pgf_manifest *rec = recorded_for(set);
	/* 0003_idx.sql deleted from the folder */
	pgf_migration *last = &set->items[--set->count];
	free(last->version);
	free(last->name);
	free(last->file);
	free(last->down_file);

	pgf_findings f = { NULL, 0, 0 };
	pgf_verify_manifest(&f, set, rec);
	expect_count(&f, 1);
	assert_string_equal(f.items[0].path, FOLDER "/0003_idx.sql");
	assert_string_equal(f.items[0].message, "listed in pgfleet.sum line 5 but absent at this commit");
	pgf_findings_free(&f);

	/* a removed down file */
	free(set->items[1].down_file);
	set->items[1].down_file = NULL;
	pgf_verify_manifest(&f, set, rec);
	expect_count(&f, 2);
	assert_string_equal(f.items[0].path, FOLDER "/0002_add_name.down.sql");
	assert_string_equal(f.items[0].message, "listed in pgfleet.sum line 4 but absent at this commit");
	assert_string_equal(f.items[1].path, FOLDER "/0003_idx.sql");
	pgf_findings_free(&f);

	pgf_manifest_free(rec);
	pgf_migration_set_free(set);
}

static void test_out_of_order(void **state)
{
	(void)state;
	pgf_migration_set *set = make_set();
	/* same files and hashes, lines 2 and 5 swapped, chain recomputed so it
	 * is self-consistent: only the order is wrong */
	pgf_manifest *m = pgf_manifest_from_set(set);
	pgf_manifest_entry tmp = m->entries[0];
	m->entries[0] = m->entries[3];
	m->entries[3] = tmp;
	char *text = pgf_manifest_format(m);
	pgf_manifest *rec = parse_text(text);
	assert_string_equal(rec->entries[0].file, "0003_idx.sql");

	pgf_findings f = { NULL, 0, 0 };
	pgf_verify_manifest(&f, set, rec);
	expect_count(&f, 1);
	assert_string_equal(f.items[0].path, FOLDER "/0003_idx.sql");
	assert_string_equal(f.items[0].message,
	                    "listed at pgfleet.sum line 2 out of apply order (expected 0001_create_wells.sql there)");
	pgf_findings_free(&f);
	pgf_manifest_free(rec);
	free(text);

	/* an up file and its down file swapped */
	pgf_manifest_free(m);
	m = pgf_manifest_from_set(set);
	tmp = m->entries[1];
	m->entries[1] = m->entries[2];
	m->entries[2] = tmp;
	text = pgf_manifest_format(m);
	rec = parse_text(text);
	pgf_verify_manifest(&f, set, rec);
	expect_count(&f, 1);
	assert_string_equal(f.items[0].path, FOLDER "/0002_add_name.down.sql");
	assert_string_equal(f.items[0].message,
	                    "listed at pgfleet.sum line 3 out of apply order (expected 0002_add_name.sql there)");
	pgf_findings_free(&f);
	pgf_manifest_free(rec);
	free(text);
	pgf_manifest_free(m);
	pgf_migration_set_free(set);
}

static void test_out_of_order_with_earlier_findings(void **state)
{
	(void)state;
	/* findings already in out (from another scope) do not hide the order check */
	pgf_migration_set *set = make_set();
	pgf_manifest *m = pgf_manifest_from_set(set);
	pgf_manifest_entry tmp = m->entries[0];
	m->entries[0] = m->entries[1];
	m->entries[1] = tmp;
	char *text = pgf_manifest_format(m);
	pgf_manifest *rec = parse_text(text);

	pgf_findings f = { NULL, 0, 0 };
	pgf_findings_add(&f, "db/master/0001_x.sql", "an earlier finding");
	pgf_verify_manifest(&f, set, rec);
	expect_count(&f, 2);
	assert_string_equal(f.items[0].message, "an earlier finding");
	assert_string_equal(f.items[1].path, FOLDER "/0002_add_name.sql");
	assert_contains(f.items[1].message, "out of apply order (expected 0001_create_wells.sql there)");
	pgf_findings_free(&f);
	pgf_manifest_free(rec);
	free(text);
	pgf_manifest_free(m);
	pgf_migration_set_free(set);
}

/* Replaces the chain line of text with chain <hex>. */
static char *with_chain(const char *text, const char *hex)
{
	const char *c = strstr(text, "\nchain ");
	assert_non_null(c);
	return pgf_asprintf("%.*s\nchain %s\n", (int)(c - text), text, hex);
}

static void test_hand_edited_chain(void **state)
{
	(void)state;
	pgf_migration_set *set = make_set();
	pgf_manifest *m = pgf_manifest_from_set(set);
	char *text = pgf_manifest_format(m);
	char forged[65];
	hex_of("forged", forged);
	char *edited = with_chain(text, forged);
	pgf_manifest *rec = parse_text(edited);
	assert_string_equal(rec->chain, forged);

	pgf_findings f = { NULL, 0, 0 };
	pgf_verify_manifest(&f, set, rec);
	expect_count(&f, 1);
	assert_string_equal(f.items[0].path, FOLDER "/pgfleet.sum");
	char *msg = pgf_asprintf("chain %.12s does not match its entries (computed %.12s): edited by hand?", forged,
	                         m->chain);
	assert_string_equal(f.items[0].message, msg);
	free(msg);
	pgf_findings_free(&f);
	pgf_manifest_free(rec);
	free(edited);

	/* an entry's hash edited by hand to match a changed file, chain left
	 * alone: the files check out, the chain does not */
	hex_of("ALTER TABLE wells ADD name varchar(80);\n", set->items[1].sha256);
	const char *line = strstr(text, "  0002_add_name.sql\n");
	assert_non_null(line);
	edited = pgf_strdup(text);
	memcpy(edited + (line - text) - 64, set->items[1].sha256, 64);
	rec = parse_text(edited);
	pgf_verify_manifest(&f, set, rec);
	expect_count(&f, 1);
	assert_string_equal(f.items[0].path, FOLDER "/pgfleet.sum");
	assert_contains(f.items[0].message, "does not match its entries");
	assert_contains(f.items[0].message, "edited by hand?");
	pgf_findings_free(&f);
	pgf_manifest_free(rec);
	free(edited);

	/* lines swapped by hand, chain left alone: order and chain both reported */
	char orig_chain[65];
	memcpy(orig_chain, m->chain, 65);
	pgf_manifest_free(m);
	pgf_migration_set_free(set);
	set = make_set();
	m = pgf_manifest_from_set(set);
	assert_string_equal(m->chain, orig_chain);
	pgf_manifest_entry tmp = m->entries[0];
	m->entries[0] = m->entries[3];
	m->entries[3] = tmp;
	char *swapped = pgf_manifest_format(m);
	char *stale = with_chain(swapped, orig_chain);
	rec = parse_text(stale);
	assert_string_equal(rec->chain, orig_chain);
	pgf_verify_manifest(&f, set, rec);
	expect_count(&f, 2);
	assert_string_equal(f.items[0].path, FOLDER "/0003_idx.sql");
	assert_contains(f.items[0].message, "out of apply order");
	assert_string_equal(f.items[1].path, FOLDER "/pgfleet.sum");
	assert_contains(f.items[1].message, "edited by hand?");
	pgf_findings_free(&f);
	pgf_manifest_free(rec);
	free(stale);
	free(swapped);
	pgf_manifest_free(m);
	free(text);
	pgf_migration_set_free(set);
}

static void test_missing_manifest(void **state)
{
	(void)state;
	pgf_migration_set *set = make_set();
	set->has_manifest = false;
	pgf_findings f = { NULL, 0, 0 };
	pgf_verify_manifest(&f, set, NULL);
	expect_count(&f, 1);
	assert_string_equal(f.items[0].path, FOLDER "/pgfleet.sum");
	assert_string_equal(f.items[0].message, "missing; run `pgfleet hash --scope tenant` and commit it");
	assert_contains(f.items[0].path, "pgfleet.sum");
	pgf_findings_free(&f);
	pgf_migration_set_free(set);
}

static void test_drizzle_journal_listed(void **state)
{
	(void)state;
	pgf_migration_set *set = make_set();
	set->drizzle = true;
	hex_of("{\"dialect\":\"postgresql\",\"entries\":[]}", set->journal_sha256);
	for (size_t i = 0; i < set->count; i++)
		set->items[i].drizzle_when = 1795540922308LL + (int64_t)i;

	/* a manifest written before the folder became a drizzle folder */
	set->drizzle = false;
	pgf_manifest *rec = recorded_for(set);
	set->drizzle = true;
	pgf_findings f = { NULL, 0, 0 };
	pgf_verify_manifest(&f, set, rec);
	expect_count(&f, 1);
	assert_string_equal(f.items[0].path, FOLDER "/meta/_journal.json");
	assert_string_equal(f.items[0].message, "not listed in pgfleet.sum");
	pgf_findings_free(&f);
	pgf_manifest_free(rec);

	/* the journal edited */
	rec = recorded_for(set);
	assert_string_equal(rec->entries[0].file, "meta/_journal.json");
	char old[65];
	memcpy(old, set->journal_sha256, 65);
	hex_of("{\"dialect\":\"postgresql\",\"entries\":[{}]}", set->journal_sha256);
	pgf_verify_manifest(&f, set, rec);
	expect_count(&f, 1);
	assert_string_equal(f.items[0].path, FOLDER "/meta/_journal.json");
	char *msg = pgf_asprintf("sha256 %.12s differs from %.12s listed in pgfleet.sum line 2", set->journal_sha256,
	                         old);
	assert_string_equal(f.items[0].message, msg);
	free(msg);
	pgf_findings_free(&f);
	pgf_manifest_free(rec);
	pgf_migration_set_free(set);
}

static void test_several_findings_at_once(void **state)
{
	(void)state;
	pgf_migration_set *set = make_set();
	pgf_manifest *rec = recorded_for(set);
	hex_of("changed", set->items[0].sha256);                          /* mismatch */
	add_migration(set, "0004", "alarms", "CREATE TABLE alarms ();\n", NULL); /* unlisted */
	free(set->items[1].down_file);                                     /* absent */
	set->items[1].down_file = NULL;

	pgf_findings f = { NULL, 0, 0 };
	pgf_verify_manifest(&f, set, rec);
	expect_count(&f, 3);
	/* expected files in apply order first, then absent ones */
	assert_string_equal(f.items[0].path, FOLDER "/0001_create_wells.sql");
	assert_contains(f.items[0].message, "listed in pgfleet.sum line 2");
	assert_string_equal(f.items[1].path, FOLDER "/0004_alarms.sql");
	assert_string_equal(f.items[1].message, "not listed in pgfleet.sum");
	assert_string_equal(f.items[2].path, FOLDER "/0002_add_name.down.sql");
	assert_string_equal(f.items[2].message, "listed in pgfleet.sum line 4 but absent at this commit");
	pgf_findings_free(&f);
	pgf_manifest_free(rec);
	pgf_migration_set_free(set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean),
		cmocka_unit_test(test_clean_empty),
		cmocka_unit_test(test_hash_mismatch),
		cmocka_unit_test(test_file_not_listed),
		cmocka_unit_test(test_listed_but_absent),
		cmocka_unit_test(test_out_of_order),
		cmocka_unit_test(test_out_of_order_with_earlier_findings),
		cmocka_unit_test(test_hand_edited_chain),
		cmocka_unit_test(test_missing_manifest),
		cmocka_unit_test(test_drizzle_journal_listed),
		cmocka_unit_test(test_several_findings_at_once),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
