/* drift.h: the objects that differ between two fingerprinted schemas, and
 * the comparison across databases. */
#include "unit.h"

#include "pgfleet/common.h"
#include "pgfleet/drift.h"

#define USERS_ID "column\tpublic.users.id\ttype bigint\tnullable no\tidentity always"
#define USERS_AGE "column\tpublic.users.age\ttype integer\tnullable yes"
#define USERS_EMAIL_IDX "index\tpublic.users_email_idx\tdefinition CREATE INDEX users_email_idx ON public.users USING btree (email)"
#define USERS "table\tpublic.users\tkind plain\tpersistence logged"

static char **diff(const char *a, const char *b, size_t *n)
{
	char **lines = NULL;
	*n = pgf_drift_diff(&lines, a, b);
	return lines;
}

static void test_identical(void **state)
{
	(void)state;
	size_t n = 0;
	char **l = diff(USERS "\n" USERS_AGE "\n" USERS_ID, USERS "\n" USERS_AGE "\n" USERS_ID, &n);
	assert_int_equal(n, 0);
	assert_null(l);
	l = diff("", "", &n);
	assert_int_equal(n, 0);
	assert_null(l);
	l = diff(NULL, NULL, &n);
	assert_int_equal(n, 0);
}

static void test_added_dropped_changed(void **state)
{
	(void)state;
	size_t n = 0;
	const char *was = USERS_AGE "\n" USERS_ID "\n" USERS_EMAIL_IDX "\n" USERS;
	const char *now = "column\tpublic.users.age\ttype bigint\tnullable yes\n"
	                  "column\tpublic.users.nickname\ttype text\tnullable yes\n" USERS_ID "\n" USERS;
	char **l = diff(was, now, &n);
	assert_int_equal(n, 3);
	/* in object order: kind, then name */
	assert_string_equal(l[0], "column public.users.age type changed: integer -> bigint");
	assert_string_equal(l[1], "column public.users.nickname added");
	assert_string_equal(l[2], "index public.users_email_idx dropped");
	pgf_drift_lines_free(l, n);
}

static void test_keys_added_removed_and_several(void **state)
{
	(void)state;
	size_t n = 0;
	char **l = diff("column\tpublic.t.c\ttype integer\tnullable yes\tdefault 0",
	                "column\tpublic.t.c\ttype bigint\tnullable no\tcollation C", &n);
	assert_int_equal(n, 1);
	assert_string_equal(l[0], "column public.t.c type changed: integer -> bigint; nullable changed: yes -> no; "
	                          "default removed (was 0); collation added: C");
	pgf_drift_lines_free(l, n);
}

static void test_order_of_input_does_not_matter(void **state)
{
	(void)state;
	size_t n = 0;
	/* the server sorts; the diff does not rely on it */
	char **l = diff(USERS "\n" USERS_ID "\n" USERS_AGE, USERS_AGE "\n" USERS "\n" USERS_ID "\n", &n);
	assert_int_equal(n, 0);
	/* a name that is a prefix of another is another object */
	l = diff("column\tpublic.t.a\ttype integer", "column\tpublic.t.ab\ttype integer\ncolumn\tpublic.t.a\ttype integer", &n);
	assert_int_equal(n, 1);
	assert_string_equal(l[0], "column public.t.ab added");
	pgf_drift_lines_free(l, n);
}

static void test_everything_added_or_dropped(void **state)
{
	(void)state;
	size_t n = 0;
	char **l = diff("", "schema\tapp\n" USERS, &n);
	assert_int_equal(n, 2);
	assert_string_equal(l[0], "schema app added");
	assert_string_equal(l[1], "table public.users added");
	pgf_drift_lines_free(l, n);
	l = diff("schema\tapp\n" USERS, NULL, &n);
	assert_int_equal(n, 2);
	assert_string_equal(l[0], "schema app dropped");
	assert_string_equal(l[1], "table public.users dropped");
	pgf_drift_lines_free(l, n);
}

static void test_long_values_are_cut(void **state)
{
	(void)state;
	size_t n = 0;
	char was[300], now[300];
	snprintf(was, sizeof(was), "view\tpublic.v\tdefinition SELECT %0100d", 1);
	snprintf(now, sizeof(now), "view\tpublic.v\tdefinition SELECT %0100d", 2);
	char **l = diff(was, now, &n);
	assert_int_equal(n, 1);
	assert_contains(l[0], "view public.v definition changed: SELECT 0000");
	assert_contains(l[0], "... -> SELECT 0000");
	assert_true(strlen(l[0]) < 200);
	pgf_drift_lines_free(l, n);
}

static void test_long_values_are_cut_between_characters(void **state)
{
	(void)state;
	size_t n = 0;
	char was[400] = "view\tpublic.v\tdefinition ", now[400];
	for (int i = 0; i < 50; i++)
		strcat(was, "\xc3\xa9"); /* U+00E9, two bytes: the cut falls inside one unless it backs off */
	snprintf(now, sizeof(now), "%s", was);
	now[strlen(now) - 1] = '\xa8'; /* the last becomes U+00E8 */
	char **l = diff(was, now, &n);
	assert_int_equal(n, 1);
	char *utf8 = pgf_str_utf8(l[0]);
	assert_string_equal(utf8, l[0]); /* nothing to escape: no character cut in two */
	free(utf8);
	assert_contains(l[0], "\xc3\xa9... -> ");
	pgf_drift_lines_free(l, n);
}

static pgf_drift_report *report(const char *name, const char *fp, bool baseline, size_t self_changes)
{
	pgf_drift_report *r = calloc(1, sizeof(*r));
	r->name = strdup(name);
	r->fingerprint = strdup(fp);
	r->group = strdup("tenant=0003");
	r->baseline = baseline;
	r->nchanges = self_changes;
	if (self_changes) {
		r->changes = calloc(self_changes, sizeof(char *));
		for (size_t i = 0; i < self_changes; i++)
			r->changes[i] = strdup("x");
	}
	return r;
}

static void test_peers_majority(void **state)
{
	(void)state;
	pgf_drift_store *s = pgf_drift_store_new();
	pgf_drift_store_add(s, "aaa", USERS "\n" USERS_AGE);
	pgf_drift_store_add(s, "bbb", USERS "\n" USERS_AGE "\n" USERS_ID);
	pgf_drift_store_add(s, "aaa", "ignored: one copy per fingerprint");
	assert_string_equal(pgf_drift_store_get(s, "aaa"), USERS "\n" USERS_AGE);
	assert_null(pgf_drift_store_get(s, "ccc"));
	pgf_drift_report *r[5] = { report("one", "aaa", false, 0), report("two", "bbb", false, 0), NULL,
		                   report("three", "aaa", true, 0), report("four", "bbb", true, 2) };
	pgf_drift_compare_peers(r, 5, s);
	/* aaa: 2 of 4, bbb: 2 of 4: the tie goes to the one a clean recording vouches for */
	assert_null(r[0]->peer);
	assert_null(r[3]->peer);
	assert_int_equal(r[0]->peers, 2);
	assert_int_equal(r[0]->group_size, 4);
	assert_non_null(r[1]->peer);
	assert_string_equal(r[1]->peer, "three");
	assert_int_equal(r[1]->npeer_changes, 1);
	assert_string_equal(r[1]->peer_changes[0], "column public.users.id added");
	assert_true(pgf_drift_report_drifted(r[1]));
	assert_false(pgf_drift_report_drifted(r[0]));
	/* already named against its own recording: not repeated */
	assert_null(r[4]->peer);
	assert_true(pgf_drift_report_drifted(r[4]));
	for (size_t i = 0; i < 5; i++)
		pgf_drift_report_free(r[i]);
	pgf_drift_store_free(s);
}

static void test_peers_groups_apart(void **state)
{
	(void)state;
	pgf_drift_store *s = pgf_drift_store_new();
	pgf_drift_store_add(s, "aaa", USERS);
	pgf_drift_store_add(s, "bbb", USERS_AGE);
	pgf_drift_report *r[2] = { report("one", "aaa", false, 0), report("two", "bbb", false, 0) };
	free(r[1]->group);
	r[1]->group = strdup("tenant=0004");
	pgf_drift_compare_peers(r, 2, s);
	/* different versions are not compared */
	assert_null(r[0]->peer);
	assert_null(r[1]->peer);
	assert_int_equal(r[0]->group_size, 1);
	assert_int_equal(r[1]->group_size, 1);
	for (size_t i = 0; i < 2; i++)
		pgf_drift_report_free(r[i]);
	pgf_drift_store_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_identical),
		cmocka_unit_test(test_added_dropped_changed),
		cmocka_unit_test(test_keys_added_removed_and_several),
		cmocka_unit_test(test_order_of_input_does_not_matter),
		cmocka_unit_test(test_everything_added_or_dropped),
		cmocka_unit_test(test_long_values_are_cut),
		cmocka_unit_test(test_long_values_are_cut_between_characters),
		cmocka_unit_test(test_peers_majority),
		cmocka_unit_test(test_peers_groups_apart),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
