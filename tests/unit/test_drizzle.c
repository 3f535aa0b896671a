/* migration.h: drizzle-kit journals and statement splitting.
 *
 * argv[1] is the fixture folder: a real drizzle-kit output, copied into
 * tests/fixtures/drizzle-kit-tenant. */
#include "unit.h"

#include "pgfleet/common.h"
#include "pgfleet/migration.h"

static const char *fixture_dir;

static char *read_fixture(const char *rel, size_t *len)
{
	char *path = pgf_asprintf("%s/%s", fixture_dir, rel);
	pgf_buf b = PGF_BUF_INIT;
	pgf_error *err = NULL;
	if (pgf_file_read(&b, path, 16 * 1024 * 1024, &err) != 0)
		fail_msg("cannot read fixture %s: %s", path, err ? err->message : "?");
	free(path);
	*len = b.len;
	return pgf_buf_detach(&b);
}

static size_t count_occurrences(const char *text, const char *needle)
{
	size_t n = 0;
	for (const char *p = strstr(text, needle); p != NULL; p = strstr(p + strlen(needle), needle))
		n++;
	return n;
}

/* ---- the real journal ---- */

static void test_real_journal(void **state)
{
	(void)state;
	static const char *const tags[] = {
		"0000_initial",           "0001_maintenance_logs",       "0002_well_field_name",
		"0003_equipment_status",  "0004_readings_metric_idx",    "0005_well_type_enum",
		"0006_alarms",            "0007_operator_contact_email", "0008_reading_unit",
		"0009_well_depth_status_idx",
	};
	static const int64_t whens[] = {
		1795540922308LL, 1795540922811LL, 1795540923296LL, 1795540923814LL, 1795540924302LL,
		1795540924808LL, 1795540925314LL, 1795540925815LL, 1795540926292LL, 1795540926775LL,
	};
	size_t len;
	char *text = read_fixture(PGF_DRIZZLE_JOURNAL, &len);
	pgf_drizzle_journal j;
	pgf_error *err = NULL;
	int rc = pgf_drizzle_journal_parse(&j, text, len, "meta/_journal.json", &err);
	if (rc != 0)
		fail_msg("parse failed: %s", err->message);
	assert_null(err);
	assert_int_equal(j.count, 10);
	for (size_t i = 0; i < j.count; i++) {
		assert_string_equal(j.entries[i].tag, tags[i]);
		assert_int_equal(j.entries[i].when, whens[i]);
		assert_true(j.entries[i].breakpoints);
		if (i > 0)
			assert_true(j.entries[i].when > j.entries[i - 1].when);
		/* every tag names a file of the folder */
		char *rel = pgf_asprintf("%s.sql", j.entries[i].tag);
		size_t flen;
		char *sql = read_fixture(rel, &flen);
		assert_true(flen > 0);
		pgf_migration_name nm;
		assert_int_equal(pgf_migration_name_parse(rel, &nm), PGF_NAME_OK);
		free(sql);
		free(rel);
	}
	pgf_drizzle_journal_free(&j);
	assert_null(j.entries);
	assert_int_equal(j.count, 0);
	free(text);
}

/* ---- journals written in the test ---- */

static int parse_text(pgf_drizzle_journal *j, const char *text, pgf_error **err)
{
	return pgf_drizzle_journal_parse(j, text, strlen(text), "meta/_journal.json", err);
}

static void expect_error(const char *text, const char *message)
{
	pgf_drizzle_journal j = { (pgf_drizzle_entry *)1, 99 }; /* reset by the parser */
	pgf_error *err = NULL;
	assert_int_equal(parse_text(&j, text, &err), -1);
	assert_non_null(err);
	assert_int_equal(pgf_error_count(err), 1);
	assert_int_equal(err->code, PGF_ERR_INPUT);
	assert_string_equal(err->message, message);
	/* nothing is left allocated, nothing is returned */
	assert_null(j.entries);
	assert_int_equal(j.count, 0);
	pgf_error_free(err);
}

static void test_minimal_journal(void **state)
{
	(void)state;
	pgf_drizzle_journal j;
	pgf_error *err = NULL;
	assert_int_equal(parse_text(&j,
	                            "{\"dialect\":\"postgresql\",\"entries\":["
	                            "{\"idx\":0,\"when\":1,\"tag\":\"0000_a\"},"
	                            "{\"idx\":1,\"when\":-5,\"tag\":\"0001_b\",\"breakpoints\":false},"
	                            "{\"idx\":2,\"when\":9007199254740993,\"tag\":\"0002_c\",\"breakpoints\":true}]}",
	                            &err),
	                 0);
	assert_null(err);
	assert_int_equal(j.count, 3);
	assert_string_equal(j.entries[0].tag, "0000_a");
	assert_true(j.entries[0].when == 1);
	assert_true(j.entries[0].breakpoints); /* absent means true */
	assert_string_equal(j.entries[1].tag, "0001_b");
	assert_true(j.entries[1].when == -5);
	assert_false(j.entries[1].breakpoints);
	assert_true(j.entries[2].when == 9007199254740993LL); /* 64-bit, not a double */
	assert_true(j.entries[2].breakpoints);
	pgf_drizzle_journal_free(&j);

	/* no entries at all */
	assert_int_equal(parse_text(&j, "{\"dialect\":\"postgresql\",\"entries\":[]}", &err), 0);
	assert_int_equal(j.count, 0);
	pgf_drizzle_journal_free(&j);
}

static void test_wrong_dialect(void **state)
{
	(void)state;
	expect_error("{\"version\":\"7\",\"dialect\":\"mysql\",\"entries\":[]}",
	             "meta/_journal.json: dialect is \"mysql\", expected \"postgresql\"");
	expect_error("{\"dialect\":\"sqlite\",\"entries\":[{\"idx\":0,\"when\":1,\"tag\":\"0000_a\"}]}",
	             "meta/_journal.json: dialect is \"sqlite\", expected \"postgresql\"");
	expect_error("{\"entries\":[]}", "meta/_journal.json: dialect is \"(missing)\", expected \"postgresql\"");
	expect_error("{\"dialect\":\"PostgreSQL\",\"entries\":[]}",
	             "meta/_journal.json: dialect is \"PostgreSQL\", expected \"postgresql\"");
}

static void test_idx_mismatch(void **state)
{
	(void)state;
	expect_error("{\"dialect\":\"postgresql\",\"entries\":["
	             "{\"idx\":0,\"when\":1,\"tag\":\"0000_a\"},"
	             "{\"idx\":2,\"when\":2,\"tag\":\"0002_c\"}]}",
	             "meta/_journal.json: entries[1]: idx does not match the entry's position");
	expect_error("{\"dialect\":\"postgresql\",\"entries\":[{\"idx\":1,\"when\":1,\"tag\":\"0000_a\"}]}",
	             "meta/_journal.json: entries[0]: idx does not match the entry's position");
	expect_error("{\"dialect\":\"postgresql\",\"entries\":[{\"idx\":\"0\",\"when\":1,\"tag\":\"0000_a\"}]}",
	             "meta/_journal.json: entries[0]: idx does not match the entry's position");
	expect_error("{\"dialect\":\"postgresql\",\"entries\":[{\"when\":1,\"tag\":\"0000_a\"}]}",
	             "meta/_journal.json: entries[0]: idx does not match the entry's position");
}

static void test_duplicate_tag(void **state)
{
	(void)state;
	expect_error("{\"dialect\":\"postgresql\",\"entries\":["
	             "{\"idx\":0,\"when\":1,\"tag\":\"0000_a\"},"
	             "{\"idx\":1,\"when\":2,\"tag\":\"0001_b\"},"
	             "{\"idx\":2,\"when\":3,\"tag\":\"0000_a\"}]}",
	             "meta/_journal.json: entries[2]: tag is listed twice");
}

static void test_bad_entries(void **state)
{
	(void)state;
	expect_error("{\"dialect\":\"postgresql\"}", "meta/_journal.json: entries: expected an array");
	expect_error("{\"dialect\":\"postgresql\",\"entries\":{}}", "meta/_journal.json: entries: expected an array");
	expect_error("{\"dialect\":\"postgresql\",\"entries\":[7]}", "meta/_journal.json: entries[0]: expected an object");
	expect_error("{\"dialect\":\"postgresql\",\"entries\":[{\"idx\":0,\"when\":1,\"tag\":5}]}",
	             "meta/_journal.json: entries[0]: tag: expected a string");
	expect_error("{\"dialect\":\"postgresql\",\"entries\":[{\"idx\":0,\"when\":\"1\",\"tag\":\"0000_a\"}]}",
	             "meta/_journal.json: entries[0]: when: expected an integer");
	expect_error("{\"dialect\":\"postgresql\",\"entries\":[{\"idx\":0,\"when\":1.5,\"tag\":\"0000_a\"}]}",
	             "meta/_journal.json: entries[0]: when: expected an integer");
	expect_error("{\"dialect\":\"postgresql\",\"entries\":[{\"idx\":0,\"when\":1,\"tag\":\"0000_a\","
	             "\"breakpoints\":\"yes\"}]}",
	             "meta/_journal.json: entries[0]: breakpoints: expected true or false");
	expect_error("{\"dialect\":\"postgresql\",\"entries\":[{\"idx\":0,\"when\":1,\"tag\":\"../0000_a\"}]}",
	             "meta/_journal.json: entries[0]: tag must be a plain file name");
	expect_error("{\"dialect\":\"postgresql\",\"entries\":[{\"idx\":0,\"when\":1,\"tag\":\"\"}]}",
	             "meta/_journal.json: entries[0]: tag must be a plain file name");
	expect_error("[1, 2]", "meta/_journal.json: expected a JSON object");
}

static void test_malformed_json(void **state)
{
	(void)state;
	pgf_drizzle_journal j;
	pgf_error *err = NULL;
	/* a trailing comma on line 4 */
	const char *text = "{\n"
	                   "  \"dialect\": \"postgresql\",\n"
	                   "  \"entries\": [\n"
	                   "    {\"idx\": 0, \"when\": 1, \"tag\": \"0000_a\",}\n"
	                   "  ]\n"
	                   "}\n";
	assert_int_equal(parse_text(&j, text, &err), -1);
	assert_int_equal(pgf_error_count(err), 1);
	assert_int_equal(err->code, PGF_ERR_INPUT);
	/* label:line:column: jansson's text */
	assert_string_equal(err->message, "meta/_journal.json:4:43: string or '}' expected near '}'");
	assert_null(j.entries);
	pgf_error_free(err);

	/* truncated file */
	err = NULL;
	assert_int_equal(parse_text(&j, "{\n  \"dialect\": \"postgresql\",\n  \"entries\": [\n", &err), -1);
	assert_contains(err->message, "meta/_journal.json:4:");
	pgf_error_free(err);

	/* duplicate keys are rejected with a position */
	err = NULL;
	assert_int_equal(parse_text(&j, "{\"dialect\":\"postgresql\",\n\"dialect\":\"mysql\",\"entries\":[]}", &err), -1);
	assert_contains(err->message, "meta/_journal.json:2:");
	assert_contains(err->message, "duplicate object key");
	pgf_error_free(err);

	/* empty text */
	err = NULL;
	assert_int_equal(pgf_drizzle_journal_parse(&j, "", 0, "meta/_journal.json", &err), -1);
	assert_contains(err->message, "meta/_journal.json:");
	pgf_error_free(err);
}

/* ---- pgf_drizzle_split ---- */

static void test_split_real_initial(void **state)
{
	(void)state;
	size_t len;
	char *text = read_fixture("0000_initial.sql", &len);
	size_t markers = count_occurrences(text, PGF_DRIZZLE_BREAKPOINT);
	assert_int_equal(markers, 10);

	pgf_span *spans = NULL;
	size_t n = pgf_drizzle_split(&spans, text, len);
	assert_int_equal(n, markers + 1);
	assert_int_equal(n, 11);
	assert_non_null(spans);

	/* the pieces tile the file exactly, separated by the markers */
	const size_t bplen = strlen(PGF_DRIZZLE_BREAKPOINT);
	assert_int_equal(spans[0].offset, 0);
	for (size_t i = 0; i < n; i++) {
		assert_true(spans[i].len > 0);
		assert_true(spans[i].offset + spans[i].len <= len);
		char *piece = pgf_strndup(text + spans[i].offset, spans[i].len);
		assert_null(strstr(piece, "statement-breakpoint"));
		/* drizzle-kit puts one statement per piece */
		const char *p = piece;
		while (*p == '\n' || *p == ' ')
			p++;
		if (strncmp(p, "CREATE", 6) != 0 && strncmp(p, "ALTER", 5) != 0)
			fail_msg("statement %zu starts with \"%.20s\"", i, p);
		free(piece);
		if (i + 1 < n) {
			assert_int_equal(spans[i + 1].offset, spans[i].offset + spans[i].len + bplen);
			assert_memory_equal(text + spans[i].offset + spans[i].len, PGF_DRIZZLE_BREAKPOINT, bplen);
		}
	}
	assert_int_equal(spans[n - 1].offset + spans[n - 1].len, len);
	assert_memory_equal(text, "CREATE TABLE \"equipment\"", 24);
	free(spans);
	free(text);
}

static void test_split_every_real_file(void **state)
{
	(void)state;
	/* every file of the fixture: markers + 1 statements (no file ends in a marker) */
	static const char *const files[] = {
		"0000_initial.sql",           "0001_maintenance_logs.sql",       "0002_well_field_name.sql",
		"0003_equipment_status.sql",  "0004_readings_metric_idx.sql",    "0005_well_type_enum.sql",
		"0006_alarms.sql",            "0007_operator_contact_email.sql", "0008_reading_unit.sql",
		"0009_well_depth_status_idx.sql",
	};
	static const size_t want[] = { 11, 3, 1, 1, 1, 2, 3, 2, 1, 2 };
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		size_t len;
		char *text = read_fixture(files[i], &len);
		pgf_span *spans = NULL;
		size_t n = pgf_drizzle_split(&spans, text, len);
		if (n != count_occurrences(text, PGF_DRIZZLE_BREAKPOINT) + 1 || n != want[i])
			fail_msg("%s: %zu statements, want %zu", files[i], n, want[i]);
		free(spans);
		free(text);
	}
}

static size_t split(pgf_span **spans, const char *text)
{
	return pgf_drizzle_split(spans, text, strlen(text));
}

static void test_split_edge_cases(void **state)
{
	(void)state;
	pgf_span *s = NULL;

	/* no breakpoint: one statement, the whole text */
	assert_int_equal(split(&s, "SELECT 1;\n"), 1);
	assert_int_equal(s[0].offset, 0);
	assert_int_equal(s[0].len, 10);
	free(s);

	/* trailing breakpoint followed by whitespace: the empty piece is dropped */
	assert_int_equal(split(&s, "SELECT 1;\n--> statement-breakpoint\n  \t\r\n"), 1);
	assert_int_equal(s[0].offset, 0);
	assert_int_equal(s[0].len, 10);
	free(s);

	/* the text is exactly the breakpoint: nothing */
	s = (pgf_span *)1;
	assert_int_equal(split(&s, "--> statement-breakpoint"), 0);
	assert_null(s);

	/* empty and blank texts: nothing */
	s = (pgf_span *)1;
	assert_int_equal(pgf_drizzle_split(&s, "", 0), 0);
	assert_null(s);
	assert_int_equal(split(&s, " \n\t\r\n"), 0);
	free(s);

	/* a leading breakpoint */
	assert_int_equal(split(&s, "--> statement-breakpoint\nSELECT 1;"), 1);
	assert_int_equal(s[0].offset, 24);
	assert_int_equal(s[0].len, 10);
	free(s);

	/* two statements, consecutive breakpoints produce no empty statement */
	const char *t = "A;\n--> statement-breakpoint\n--> statement-breakpoint\nB;";
	assert_int_equal(split(&s, t), 2);
	assert_int_equal(s[0].offset, 0);
	assert_int_equal(s[0].len, 3);
	assert_int_equal(s[1].offset, 3 + 24 + 1 + 24);
	assert_int_equal(s[1].len, 3);
	assert_memory_equal(t + s[1].offset, "\nB;", 3);
	free(s);

	/* the marker need not be on its own line (drizzle splits on the string) */
	assert_int_equal(split(&s, "A;--> statement-breakpointB;"), 2);
	assert_int_equal(s[0].len, 2);
	assert_int_equal(s[1].offset, 26);
	assert_int_equal(s[1].len, 2);
	free(s);

	/* near misses are not markers */
	assert_int_equal(split(&s, "A;\n-- > statement-breakpoint\nB;\n--> statement-break"), 1);
	free(s);
	assert_int_equal(split(&s, "A;\n--> Statement-Breakpoint\nB;"), 1);
	free(s);

	/* only len bytes are read: a marker past len does not count */
	const char *u = "SELECT 1;--> statement-breakpoint";
	assert_int_equal(pgf_drizzle_split(&s, u, 9), 1);
	assert_int_equal(s[0].len, 9);
	free(s);
	/* a marker cut by len is not a marker */
	assert_int_equal(pgf_drizzle_split(&s, u, strlen(u) - 1), 1);
	assert_int_equal(s[0].len, strlen(u) - 1);
	free(s);

	/* many statements grow the span array */
	pgf_buf b = PGF_BUF_INIT;
	for (int i = 0; i < 100; i++)
		pgf_buf_printf(&b, "SELECT %d;\n--> statement-breakpoint\n", i);
	assert_int_equal(pgf_drizzle_split(&s, b.ptr, b.len), 100);
	assert_memory_equal(b.ptr + s[99].offset, "\nSELECT 99;\n", 12);
	free(s);
	pgf_buf_free(&b);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s FIXTURE_DIR (tests/fixtures/drizzle-kit-tenant)\n", argv[0]);
		return 2;
	}
	fixture_dir = argv[1];
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_journal),
		cmocka_unit_test(test_minimal_journal),
		cmocka_unit_test(test_wrong_dialect),
		cmocka_unit_test(test_idx_mismatch),
		cmocka_unit_test(test_duplicate_tag),
		cmocka_unit_test(test_bad_entries),
		cmocka_unit_test(test_malformed_json),
		cmocka_unit_test(test_split_real_initial),
		cmocka_unit_test(test_split_every_real_file),
		cmocka_unit_test(test_split_edge_cases),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
