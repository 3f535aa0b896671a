/* migration.h: file names and version ordering. */
#include "unit.h"

#include "pgfleet/migration.h"

static void check_ok(const char *file, const char *version, const char *name, bool down)
{
	pgf_migration_name n;
	memset(&n, 0, sizeof(n));
	pgf_name_result r = pgf_migration_name_parse(file, &n);
	if (r != PGF_NAME_OK)
		fail_msg("%s: expected PGF_NAME_OK, got %d", file, (int)r);
	assert_ptr_equal(n.version, file); /* points into the file name */
	assert_int_equal(n.version_len, strlen(version));
	assert_memory_equal(n.version, version, n.version_len);
	assert_ptr_equal(n.name, file + strlen(version) + 1);
	assert_int_equal(n.name_len, strlen(name));
	assert_memory_equal(n.name, name, n.name_len);
	assert_int_equal(n.down, down);
}

static void check_result(const char *file, pgf_name_result want)
{
	pgf_migration_name n;
	memset(&n, 0, sizeof(n));
	pgf_name_result r = pgf_migration_name_parse(file, &n);
	if (r != want)
		fail_msg("%s: expected %d, got %d", file, (int)want, (int)r);
}

static void test_valid_names(void **state)
{
	(void)state;
	check_ok("0001_create_wells.sql", "0001", "create_wells", false);
	check_ok("20261124120000_add_x.sql", "20261124120000", "add_x", false);
	check_ok("0001_x.down.sql", "0001", "x", true);
	check_ok("1_a.sql", "1", "a", false);
	check_ok("0042_Add-Index_2.sql", "0042", "Add-Index_2", false);
	check_ok("0003_equipment_status.sql", "0003", "equipment_status", false);
	check_ok("0001_a_b.down.sql", "0001", "a_b", true);
	/* the name may itself start with digits */
	check_ok("0001_2nd.sql", "0001", "2nd", false);
	/* "down" as the whole name is not a down file */
	check_ok("0001_down.sql", "0001", "down", false);
	check_ok("0001_down.down.sql", "0001", "down", true);
	/* 32 digits is the longest version */
	check_ok("12345678901234567890123456789012_x.sql", "12345678901234567890123456789012", "x", false);
}

static void test_not_sql(void **state)
{
	(void)state;
	check_result("README.md", PGF_NAME_NOT_SQL);
	check_result("0001_x.SQL", PGF_NAME_NOT_SQL);
	check_result("0001_x.sql.orig", PGF_NAME_NOT_SQL);
	check_result("0001_x", PGF_NAME_NOT_SQL);
	check_result("pgfleet.sum", PGF_NAME_NOT_SQL);
	check_result("_journal.json", PGF_NAME_NOT_SQL);
	check_result("", PGF_NAME_NOT_SQL);
	check_result("sql", PGF_NAME_NOT_SQL);
}

static void test_invalid_names(void **state)
{
	(void)state;
	check_result("1.sql", PGF_NAME_INVALID);          /* no name */
	check_result("_x.sql", PGF_NAME_INVALID);         /* no version */
	check_result("0001-x.sql", PGF_NAME_INVALID);     /* '-' instead of '_' */
	check_result("0001_.sql", PGF_NAME_INVALID);      /* empty name */
	check_result("0001_a b.sql", PGF_NAME_INVALID);   /* space in name */
	check_result("abc_x.sql", PGF_NAME_INVALID);      /* version not digits */
	check_result(".sql", PGF_NAME_INVALID);
	check_result("0001.sql", PGF_NAME_INVALID);
	check_result("0001_.down.sql", PGF_NAME_INVALID);
	check_result("0001.down.sql", PGF_NAME_INVALID);
	check_result(".down.sql", PGF_NAME_INVALID);
	check_result("0001_a.b.sql", PGF_NAME_INVALID);   /* '.' in name */
	check_result("0001_a/b.sql", PGF_NAME_INVALID);
	check_result("0001_caf\xc3\xa9.sql", PGF_NAME_INVALID); /* non-ASCII */
	check_result("0001__x.sql", PGF_NAME_OK);             /* '_' is a name character */
	/* 33 digits: over the limit */
	check_result("123456789012345678901234567890123_x.sql", PGF_NAME_INVALID);
	check_result("000000000000000000000000000000001_x.sql", PGF_NAME_INVALID);
}

static void test_invalid_leaves_output_untouched(void **state)
{
	(void)state;
	pgf_migration_name n = { "sentinel", 8, "sentinel", 8, true };
	assert_int_equal(pgf_migration_name_parse("0001-x.sql", &n), PGF_NAME_INVALID);
	assert_string_equal(n.version, "sentinel");
	assert_int_equal(n.version_len, 8);
	assert_int_equal(pgf_migration_name_parse("notes.txt", &n), PGF_NAME_NOT_SQL);
	assert_string_equal(n.name, "sentinel");
}

static int vcmp(const char *a, const char *b)
{
	return pgf_version_cmp(a, strlen(a), b, strlen(b));
}

static void test_version_cmp(void **state)
{
	(void)state;
	assert_int_equal(vcmp("0002", "2"), 0);
	assert_int_equal(vcmp("2", "0002"), 0);
	assert_int_equal(vcmp("9", "10"), -1);
	assert_int_equal(vcmp("10", "9"), 1);
	assert_int_equal(vcmp("0010", "0009"), 1);
	assert_int_equal(vcmp("0009", "0010"), -1);
	assert_int_equal(vcmp("20261124120000", "0001"), 1);
	assert_int_equal(vcmp("0001", "20261124120000"), -1);
	/* equal lengths compare digit by digit */
	assert_int_equal(vcmp("1234", "1243"), -1);
	assert_int_equal(vcmp("1243", "1234"), 1);
	assert_int_equal(vcmp("0001", "0001"), 0);
	assert_int_equal(vcmp("20261124120000", "20261124120001"), -1);
	/* zero */
	assert_int_equal(vcmp("0", "0000"), 0);
	assert_int_equal(vcmp("0", "1"), -1);
	assert_int_equal(vcmp("000", "01"), -1);
	/* 32-digit versions */
	assert_int_equal(vcmp("99999999999999999999999999999999", "100000000000000000000000000000000"), -1);
}

static void test_version_cmp_uses_lengths(void **state)
{
	(void)state;
	/* only the given lengths are read: the parsed version of a file name */
	pgf_migration_name a, b;
	assert_int_equal(pgf_migration_name_parse("0010_b.sql", &a), PGF_NAME_OK);
	assert_int_equal(pgf_migration_name_parse("9_a.sql", &b), PGF_NAME_OK);
	assert_int_equal(pgf_version_cmp(a.version, a.version_len, b.version, b.version_len), 1);
	assert_int_equal(pgf_version_cmp(b.version, b.version_len, a.version, a.version_len), -1);
	assert_int_equal(pgf_version_cmp("12xx", 2, "012yy", 3), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_names),
		cmocka_unit_test(test_not_sql),
		cmocka_unit_test(test_invalid_names),
		cmocka_unit_test(test_invalid_leaves_output_untouched),
		cmocka_unit_test(test_version_cmp),
		cmocka_unit_test(test_version_cmp_uses_lengths),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
