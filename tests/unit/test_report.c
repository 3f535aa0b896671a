/* report.h: GitHub workflow command escaping, the rule list behind SARIF. */
#include "unit.h"

#include "pgfleet/lint.h"
#include "pgfleet/report.h"

static void expect_escape(const char *in, const char *data, const char *property)
{
	char *d = pgf_github_escape_data(in), *p = pgf_github_escape_property(in);
	assert_string_equal(d, data);
	assert_string_equal(p, property);
	free(d);
	free(p);
}

static void test_github_escaping(void **state)
{
	(void)state;
	expect_escape("", "", "");
	expect_escape("plain text", "plain text", "plain text");
	expect_escape("100%", "100%25", "100%25");
	expect_escape("a\r\nb", "a%0D%0Ab", "a%0D%0Ab");
	expect_escape("dir,x:1/f.sql", "dir,x:1/f.sql", "dir%2Cx%3A1/f.sql");
	/* an escape sequence in the input is escaped, not decoded */
	expect_escape("%0A", "%250A", "%250A");
}

static void test_github_lines(void **state)
{
	(void)state;
	pgf_report r = { 0 };
	pgf_report_add(&r, "ban-drop-table", PGF_LEVEL_ERROR, "m/t,1/0001_a.sql", 3, 7, "table a is dropped", "why",
	               "instead", NULL);
	pgf_report_add(&r, "verify-commit-signature", PGF_LEVEL_ERROR, NULL, 0, 0, "commit x: not signed", NULL, NULL,
	               NULL);
	pgf_report_add(&r, "ban-truncate", PGF_LEVEL_NOTE, "t.sql", 1, 1, "truncated", "w", "i", "disposable");
	pgf_report_error(&r, "bad\ninput");
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	pgf_report_github(f, &r);
	fclose(f);
	assert_string_equal(buf, "::error file=m/t%2C1/0001_a.sql,line=3,col=7,title=ban-drop-table::table a is dropped"
	                         "%0Awhy: why%0Ainstead: instead\n"
	                         "::error title=verify-commit-signature::commit x: not signed\n"
	                         "::notice file=t.sql,line=1,col=1,title=ban-truncate (waived)::truncated%0Awaiver: "
	                         "disposable\n"
	                         "::error title=pgfleet::bad%0Ainput\n");
	free(buf);
	assert_int_equal(pgf_report_count(&r, PGF_LEVEL_ERROR), 2);
	assert_int_equal(pgf_report_count(&r, PGF_LEVEL_NOTE), 1);
	pgf_report_free(&r);
}

static void test_rules(void **state)
{
	(void)state;
	size_t n, nl;
	const pgf_report_rule *rules = pgf_report_rules(&n);
	pgf_lint_rules(&nl);
	assert_int_equal(n, nl + 4);
	for (size_t i = 0; i < n; i++) {
		assert_non_null(rules[i].summary);
		assert_non_null(rules[i].help);
		for (size_t k = i + 1; k < n; k++)
			assert_string_not_equal(rules[i].id, rules[k].id);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_github_escaping),
		cmocka_unit_test(test_github_lines),
		cmocka_unit_test(test_rules),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
