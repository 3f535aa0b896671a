/* Policy file parsing: forbid_author_approval, global and per scope. */
#include "unit.h"

#include "pgfleet/policy.h"

/* Loads json as a policy file; returns pgf_policy_load's result, the error
 * (if any) in *err and the file's path in path. */
static int load(pgf_policy *p, const char *json, char path[32], pgf_error **err)
{
	snprintf(path, 32, "/tmp/pgfleet-policy-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, json, strlen(json)), (ssize_t)strlen(json));
	close(fd);
	int rc = pgf_policy_load(p, path, err);
	unlink(path);
	return rc;
}

static void test_forbid_author_approval(void **state)
{
	(void)state;
	pgf_policy p;
	pgf_error *err = NULL;
	char path[32];
	pgf_policy_defaults(&p);
	assert_false(pgf_policy_forbids_author_approval(&p, "tenant"));

	assert_int_equal(load(&p, "{\"min_approvals\": 1}", path, &err), 0);
	assert_false(pgf_policy_forbids_author_approval(&p, "tenant"));

	assert_int_equal(load(&p, "{\"forbid_author_approval\": true, \"scopes\": {\"master\": {\"forbid_author_approval\": "
	                          "false}, \"tenant\": {\"min_approvals\": 2}}}",
	                      path, &err),
	                 0);
	assert_false(pgf_policy_forbids_author_approval(&p, "master"));
	assert_true(pgf_policy_forbids_author_approval(&p, "tenant")); /* the scope does not set it */
	assert_true(pgf_policy_forbids_author_approval(&p, "other"));

	assert_int_equal(load(&p, "{\"scopes\": {\"master\": {\"forbid_author_approval\": true}}}", path, &err), 0);
	assert_true(pgf_policy_forbids_author_approval(&p, "master"));
	assert_false(pgf_policy_forbids_author_approval(&p, "tenant"));
}

static void expect_error(const char *json, const char *where)
{
	pgf_policy p;
	pgf_error *err = NULL;
	char path[32];
	assert_int_equal(load(&p, json, path, &err), -1);
	assert_non_null(err);
	assert_int_equal(err->code, PGF_ERR_CONFIG);
	char want[160];
	snprintf(want, sizeof(want), "%s: %s: expected true or false", path, where);
	assert_string_equal(err->message, want);
	pgf_error_free(err);
}

static void test_forbid_author_approval_errors(void **state)
{
	(void)state;
	expect_error("{\"forbid_author_approval\": \"yes\"}", "forbid_author_approval");
	expect_error("{\"forbid_author_approval\": 1}", "forbid_author_approval");
	expect_error("{\"scopes\": {\"tenant\": {\"forbid_author_approval\": null}}}",
	             "scopes.tenant.forbid_author_approval");
	/* the other booleans share the check */
	expect_error("{\"require_signed_commit\": \"true\"}", "require_signed_commit");
	expect_error("{\"allow_out_of_order\": 0}", "allow_out_of_order");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forbid_author_approval),
		cmocka_unit_test(test_forbid_author_approval_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
