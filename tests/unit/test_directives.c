/* migration.h: "-- pgfleet:<key>" directives in the leading comment block. */
#include "unit.h"

#include "pgfleet/migration.h"

#define LABEL "tenant/0004_idx.sql"

static int parse(unsigned *flags, const char *text, pgf_error **err)
{
	return pgf_directives_parse(flags, text, strlen(text), LABEL, err);
}

static void expect_flags(const char *text, unsigned want)
{
	unsigned flags = 0xdead0000u; /* must be reset */
	pgf_error *err = NULL;
	int rc = parse(&flags, text, &err);
	if (rc != 0)
		fail_msg("unexpected error: %s", err ? err->message : "(none)");
	assert_null(err);
	assert_int_equal(flags, want);
}

static void test_first_line(void **state)
{
	(void)state;
	expect_flags("-- pgfleet:no-transaction\nCREATE INDEX CONCURRENTLY i ON t (c);\n", PGF_DIRECTIVE_NO_TRANSACTION);
	/* no space after "--", and surrounding blanks */
	expect_flags("--pgfleet:no-transaction\nSELECT 1;\n", PGF_DIRECTIVE_NO_TRANSACTION);
	expect_flags("   --\t pgfleet:no-transaction  \t\nSELECT 1;\n", PGF_DIRECTIVE_NO_TRANSACTION);
	/* the whole file is the directive, no trailing newline */
	expect_flags("-- pgfleet:no-transaction", PGF_DIRECTIVE_NO_TRANSACTION);
}

static void test_after_comments_and_blank_lines(void **state)
{
	(void)state;
	expect_flags("-- Adds the readings index without locking writers.\n"
	             "\n"
	             "--\n"
	             "   \n"
	             "-- pgfleet is great\n"
	             "\t-- pgfleet:no-transaction\n"
	             "CREATE INDEX CONCURRENTLY readings_metric_idx ON readings (metric);\n",
	             PGF_DIRECTIVE_NO_TRANSACTION);
	/* the same directive twice is harmless */
	expect_flags("-- pgfleet:no-transaction\n-- pgfleet:no-transaction\nSELECT 1;\n", PGF_DIRECTIVE_NO_TRANSACTION);
}

static void test_after_bom(void **state)
{
	(void)state;
	expect_flags("\xEF\xBB\xBF-- pgfleet:no-transaction\nSELECT 1;\n", PGF_DIRECTIVE_NO_TRANSACTION);
	expect_flags("\xEF\xBB\xBF\n-- note\n-- pgfleet:no-transaction\nSELECT 1;\n", PGF_DIRECTIVE_NO_TRANSACTION);
}

static void test_crlf(void **state)
{
	(void)state;
	expect_flags("-- header\r\n\r\n-- pgfleet:no-transaction\r\nSELECT 1;\r\n", PGF_DIRECTIVE_NO_TRANSACTION);
	expect_flags("\xEF\xBB\xBF-- pgfleet:no-transaction\r\nSELECT 1;\r\n", PGF_DIRECTIVE_NO_TRANSACTION);
}

static void test_none(void **state)
{
	(void)state;
	expect_flags("", 0);
	expect_flags("\n\n", 0);
	expect_flags("CREATE TABLE t (id int);\n", 0);
	expect_flags("-- just a comment\nSELECT 1;\n", 0);
	/* "pgfleet:" must open the comment */
	expect_flags("-- see pgfleet:no-transaction\nSELECT 1;\n", 0);
	/* a block comment is SQL, not part of the "--" block */
	expect_flags("/* header */\n-- pgfleet:no-transaction\nSELECT 1;\n", 0);
}

static void test_after_first_sql_line_is_not_a_directive(void **state)
{
	(void)state;
	expect_flags("SELECT 1;\n-- pgfleet:no-transaction\n", 0);
	expect_flags("-- header\n\nCREATE TABLE t (id int);\n-- pgfleet:no-transaction\nSELECT 1;\n", 0);
	/* nor is an unknown key after SQL an error: it is just a comment there */
	expect_flags("SELECT 1;\n-- pgfleet:no-transacton\n", 0);
	/* the line-comment opener must be "--", a lone "-" is SQL */
	expect_flags("-\n-- pgfleet:no-transaction\n", 0);
}

static void test_unknown_directive_with_hint(void **state)
{
	(void)state;
	unsigned flags = 0;
	pgf_error *err = NULL;
	int rc = parse(&flags, "-- Add an index\n-- pgfleet:no-transacton\nCREATE INDEX CONCURRENTLY i ON t (c);\n", &err);
	assert_int_equal(rc, -1);
	assert_non_null(err);
	assert_int_equal(pgf_error_count(err), 1);
	assert_int_equal(err->code, PGF_ERR_INPUT);
	assert_string_equal(err->message, LABEL ":2: unknown directive 'pgfleet:no-transacton'");
	assert_contains(err->message, LABEL);
	assert_contains(err->message, ":2:");
	assert_non_null(err->hint);
	assert_string_equal(err->hint, "did you mean 'pgfleet:no-transaction'?");
	assert_int_equal(flags, 0);
	pgf_error_free(err);
}

static void test_unknown_directive_far_word(void **state)
{
	(void)state;
	unsigned flags = 0;
	pgf_error *err = NULL;
	assert_int_equal(parse(&flags, "\n\n\n-- pgfleet:frobnicate\n", &err), -1);
	assert_int_equal(pgf_error_count(err), 1);
	assert_string_equal(err->message, LABEL ":4: unknown directive 'pgfleet:frobnicate'");
	assert_string_equal(err->hint, "known directives: pgfleet:no-transaction, pgfleet:allow RULE reason");
	pgf_error_free(err);
}

static void test_unknown_directive_line_numbers(void **state)
{
	(void)state;
	unsigned flags = 0;
	pgf_error *err = NULL;
	/* the BOM does not shift line numbers, CR is not part of the key */
	assert_int_equal(parse(&flags, "\xEF\xBB\xBF-- one\r\n-- pgfleet:no-transactio\r\n", &err), -1);
	assert_string_equal(err->message, LABEL ":2: unknown directive 'pgfleet:no-transactio'");
	assert_string_equal(err->hint, "did you mean 'pgfleet:no-transaction'?");
	pgf_error_free(err);
	err = NULL;

	/* every bad line is reported, a good one is still applied */
	assert_int_equal(parse(&flags,
	                       "-- pgfleet:notransaction\n"
	                       "-- pgfleet:no-transaction\n"
	                       "-- pgfleet:transaction-no=1\n"
	                       "SELECT 1;\n",
	                       &err),
	                 -1);
	assert_int_equal(pgf_error_count(err), 2);
	assert_string_equal(err->message, LABEL ":1: unknown directive 'pgfleet:notransaction'");
	assert_string_equal(err->hint, "did you mean 'pgfleet:no-transaction'?");
	assert_string_equal(err->next->message, LABEL ":3: unknown directive 'pgfleet:transaction-no'");
	assert_string_equal(err->next->hint, "known directives: pgfleet:no-transaction, pgfleet:allow RULE reason");
	assert_int_equal(flags, PGF_DIRECTIVE_NO_TRANSACTION);
	pgf_error_free(err);
}

static void test_empty_key(void **state)
{
	(void)state;
	unsigned flags = 0;
	pgf_error *err = NULL;
	assert_int_equal(parse(&flags, "-- pgfleet:\n", &err), -1);
	assert_string_equal(err->message, LABEL ":1: unknown directive 'pgfleet:'");
	pgf_error_free(err);
}

static void test_value_on_flag_directive(void **state)
{
	(void)state;
	unsigned flags = 0;
	pgf_error *err = NULL;
	assert_int_equal(parse(&flags, "-- x\n-- pgfleet:no-transaction=true\nSELECT 1;\n", &err), -1);
	assert_int_equal(pgf_error_count(err), 1);
	assert_int_equal(err->code, PGF_ERR_INPUT);
	assert_string_equal(err->message, LABEL ":2: directive pgfleet:no-transaction takes no value");
	assert_int_equal(flags, 0);
	pgf_error_free(err);

	err = NULL;
	assert_int_equal(parse(&flags, "-- pgfleet:no-transaction=\n", &err), -1);
	assert_string_equal(err->message, LABEL ":1: directive pgfleet:no-transaction takes no value");
	pgf_error_free(err);
}

/* `pgfleet:allow RULE reason` is a statement's lint waiver: known here (the
 * linter checks its words), never a flag; other keys take no words. */
static void test_allow_waiver(void **state)
{
	(void)state;
	expect_flags("-- pgfleet:allow ban-drop-table archived in OPS-12\nDROP TABLE t;\n", 0);
	expect_flags("-- pgfleet:no-transaction\n-- pgfleet:allow require-concurrent-reindex small\nREINDEX INDEX i;\n",
	             PGF_DIRECTIVE_NO_TRANSACTION);
	unsigned flags = 0;
	pgf_error *err = NULL;
	assert_int_equal(parse(&flags, "-- pgfleet:no-transaction please\nSELECT 1;\n", &err), -1);
	assert_string_equal(err->message, LABEL ":1: directive pgfleet:no-transaction takes no value");
	pgf_error_free(err);
	err = NULL;
	assert_int_equal(parse(&flags, "-- pgfleet:alow ban-drop-table x\nSELECT 1;\n", &err), -1);
	assert_string_equal(err->message, LABEL ":1: unknown directive 'pgfleet:alow'");
	assert_string_equal(err->hint, "did you mean 'pgfleet:allow'?");
	pgf_error_free(err);
}

static void test_length_is_respected(void **state)
{
	(void)state;
	/* only len bytes are read */
	const char *text = "-- pgfleet:no-transaction\nSELECT 1;\n";
	unsigned flags = 0;
	pgf_error *err = NULL;
	assert_int_equal(pgf_directives_parse(&flags, text, 0, LABEL, &err), 0);
	assert_int_equal(flags, 0);
	assert_int_equal(pgf_directives_parse(&flags, text, 10, LABEL, &err), 0);
	assert_int_equal(flags, 0); /* "-- pgfleet" */
	assert_int_equal(pgf_directives_parse(&flags, text, 25, LABEL, &err), 0);
	assert_int_equal(flags, PGF_DIRECTIVE_NO_TRANSACTION);
	/* cut inside the key: "no-transac" is unknown */
	assert_int_equal(pgf_directives_parse(&flags, text, 21, LABEL, &err), -1);
	assert_string_equal(err->message, LABEL ":1: unknown directive 'pgfleet:no-transac'");
	pgf_error_free(err);
}

/* error.h: "Functions return 0 on success and -1 on failure, after setting
 * *err (when err is not NULL)". */
static int unknown_directive_without_err(void *arg)
{
	(void)arg;
	unsigned flags = 0;
	const char *text = "-- pgfleet:no-transacton\n";
	return pgf_directives_parse(&flags, text, strlen(text), LABEL, NULL) == -1 ? 0 : 1;
}

static void test_unknown_directive_null_err(void **state)
{
	(void)state;
	/* A NULL err slot is accepted everywhere: the call fails cleanly. */
	int ok = unit_runs_cleanly(unknown_directive_without_err, NULL);
	assert_int_equal(ok, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_line),
		cmocka_unit_test(test_after_comments_and_blank_lines),
		cmocka_unit_test(test_after_bom),
		cmocka_unit_test(test_crlf),
		cmocka_unit_test(test_none),
		cmocka_unit_test(test_after_first_sql_line_is_not_a_directive),
		cmocka_unit_test(test_unknown_directive_with_hint),
		cmocka_unit_test(test_unknown_directive_far_word),
		cmocka_unit_test(test_unknown_directive_line_numbers),
		cmocka_unit_test(test_empty_key),
		cmocka_unit_test(test_value_on_flag_directive),
		cmocka_unit_test(test_length_is_respected),
		cmocka_unit_test(test_allow_waiver),
		cmocka_unit_test(test_unknown_directive_null_err),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
