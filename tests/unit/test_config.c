/* config.h: pgfleet.json. */
#include "unit.h"

#include "pgfleet/common.h"
#include "pgfleet/config.h"

#define LABEL "pgfleet.json"

static int parse(pgf_config **cfg, const char *text, pgf_error **err)
{
	return pgf_config_parse(cfg, text, strlen(text), LABEL, err);
}

static pgf_config *parse_ok(const char *text)
{
	pgf_config *cfg = NULL;
	pgf_error *err = NULL;
	if (parse(&cfg, text, &err) != 0)
		fail_msg("unexpected error: %s", err ? err->message : "(none)");
	assert_null(err);
	assert_non_null(cfg);
	return cfg;
}

/* Parses text, expects exactly one error with this message (and hint, when
 * not NULL; "" means no hint). */
static void expect_error(const char *text, const char *message, const char *hint)
{
	pgf_config *cfg = (pgf_config *)&cfg; /* untouched on failure */
	pgf_error *err = NULL;
	assert_int_equal(parse(&cfg, text, &err), -1);
	assert_ptr_equal(cfg, (pgf_config *)&cfg);
	assert_non_null(err);
	if (pgf_error_count(err) != 1)
		fail_msg("expected one error, got %zu (first: %s)", pgf_error_count(err), err->message);
	assert_int_equal(err->code, PGF_ERR_CONFIG);
	assert_string_equal(err->message, message);
	if (hint != NULL && hint[0] == '\0')
		assert_null(err->hint);
	else if (hint != NULL)
		assert_string_equal(err->hint, hint);
	pgf_error_free(err);
}

/* A scopes array of one scope with this folder. */
static char *one_scope(const char *folder_json)
{
	return pgf_asprintf("{\"scopes\":[{\"name\":\"a\",\"folder\":%s,\"target\":\"master\"}]}", folder_json);
}

static void test_valid_two_scopes(void **state)
{
	(void)state;
	pgf_config *cfg = parse_ok("{\n"
	                           "  \"version\": 1,\n"
	                           "  \"scopes\": [\n"
	                           "    { \"name\": \"master\", \"folder\": \"migrations/master\", \"target\": \"master\" },\n"
	                           "    { \"name\": \"tenant\", \"folder\": \"drizzle/tenant\", \"target\": \"tenants\" }\n"
	                           "  ],\n"
	                           "  \"tenants_query\": \"SELECT slug, dsn FROM fleet.tenants WHERE active\",\n"
	                           "  \"max_file_bytes\": 2097152\n"
	                           "}\n");
	assert_int_equal(cfg->nscopes, 2);
	assert_string_equal(cfg->scopes[0].name, "master");
	assert_string_equal(cfg->scopes[0].folder, "migrations/master");
	assert_int_equal(cfg->scopes[0].target, PGF_TARGET_MASTER);
	assert_string_equal(cfg->scopes[1].name, "tenant");
	assert_string_equal(cfg->scopes[1].folder, "drizzle/tenant");
	assert_int_equal(cfg->scopes[1].target, PGF_TARGET_TENANTS);
	assert_string_equal(cfg->tenants_query, "SELECT slug, dsn FROM fleet.tenants WHERE active");
	assert_int_equal(cfg->max_file_bytes, 2097152);

	assert_ptr_equal(pgf_config_scope(cfg, "master"), &cfg->scopes[0]);
	assert_ptr_equal(pgf_config_scope(cfg, "tenant"), &cfg->scopes[1]);
	assert_null(pgf_config_scope(cfg, "tenants"));
	assert_null(pgf_config_scope(cfg, ""));
	assert_string_equal(pgf_target_name(cfg->scopes[0].target), "master");
	assert_string_equal(pgf_target_name(cfg->scopes[1].target), "tenants");
	pgf_config_free(cfg);
}

static void test_defaults(void **state)
{
	(void)state;
	pgf_config *cfg = parse_ok("{\"scopes\":[{\"name\":\"t\",\"folder\":\"m\",\"target\":\"tenants\"}]}");
	assert_int_equal(cfg->nscopes, 1);
	assert_null(cfg->tenants_query);
	assert_int_equal(cfg->max_file_bytes, PGF_DEFAULT_MAX_FILE_BYTES);
	assert_int_equal(cfg->max_file_bytes, 1048576);
	pgf_config_free(cfg);
	pgf_config_free(NULL);
}

static void test_bad_json_position(void **state)
{
	(void)state;
	/* a trailing comma on line 3 */
	expect_error("{\n"
	             "  \"scopes\": [\n"
	             "    {\"name\": \"a\", \"folder\": \"m\", \"target\": \"master\",}\n"
	             "  ]\n"
	             "}\n",
	             LABEL ":3:53: string or '}' expected near '}'", "");

	/* the label and a line:column prefix, whatever the error */
	pgf_config *cfg = NULL;
	pgf_error *err = NULL;
	assert_int_equal(parse(&cfg, "{\n\n  \"scopes\": [\n", &err), -1);
	assert_contains(err->message, LABEL ":4:");
	pgf_error_free(err);

	err = NULL;
	assert_int_equal(parse(&cfg, "{\"version\": 1,\n \"version\": 1}", &err), -1);
	assert_contains(err->message, LABEL ":2:");
	assert_contains(err->message, "duplicate object key");
	pgf_error_free(err);

	err = NULL;
	assert_int_equal(pgf_config_parse(&cfg, "", 0, LABEL, &err), -1);
	assert_contains(err->message, LABEL ":");
	pgf_error_free(err);
}

static void test_unknown_key_with_hint(void **state)
{
	(void)state;
	expect_error("{\"scope\":[{\"name\":\"a\",\"folder\":\"m\",\"target\":\"master\"}]}",
	             LABEL ": top level: unknown key \"scope\"", "did you mean \"scopes\"?");
	expect_error("{\"tenant_query\":\"x\",\"scopes\":[{\"name\":\"a\",\"folder\":\"m\",\"target\":\"master\"}]}",
	             LABEL ": top level: unknown key \"tenant_query\"", "did you mean \"tenants_query\"?");
	expect_error("{\"scopes\":[{\"name\":\"a\",\"fodler\":\"m\",\"target\":\"master\"}]}",
	             LABEL ": scopes[0]: unknown key \"fodler\"", "did you mean \"folder\"?");
	expect_error("{\"scopes\":[{\"name\":\"a\",\"folder\":\"m\",\"target\":\"master\"},"
	             "{\"name\":\"b\",\"folder\":\"n\",\"targt\":\"master\"}]}",
	             LABEL ": scopes[1]: unknown key \"targt\"", "did you mean \"target\"?");
	/* far from every key: no hint */
	expect_error("{\"databases\":[],\"scopes\":[{\"name\":\"a\",\"folder\":\"m\",\"target\":\"master\"}]}",
	             LABEL ": top level: unknown key \"databases\"", "");
}

static void test_two_unknown_keys(void **state)
{
	(void)state;
	pgf_config *cfg = NULL;
	pgf_error *err = NULL;
	assert_int_equal(parse(&cfg, "{\"verison\":1,\"scopess\":[]}", &err), -1);
	assert_int_equal(pgf_error_count(err), 2);
	/* each error carries its own hint, whatever the iteration order */
	for (const pgf_error *e = err; e != NULL; e = e->next) {
		if (strcmp(e->message, LABEL ": top level: unknown key \"verison\"") == 0)
			assert_string_equal(e->hint, "did you mean \"version\"?");
		else if (strcmp(e->message, LABEL ": top level: unknown key \"scopess\"") == 0)
			assert_string_equal(e->hint, "did you mean \"scopes\"?");
		else
			fail_msg("unexpected error: %s", e->message);
	}
	assert_string_not_equal(err->message, err->next->message);
	pgf_error_free(err);
}

static void test_bad_target(void **state)
{
	(void)state;
	const char *msg = LABEL ": scopes[0].target: expected \"master\" or \"tenants\"";
	expect_error("{\"scopes\":[{\"name\":\"a\",\"folder\":\"m\",\"target\":\"tenant\"}]}", msg, "");
	expect_error("{\"scopes\":[{\"name\":\"a\",\"folder\":\"m\",\"target\":\"Master\"}]}", msg, "");
	expect_error("{\"scopes\":[{\"name\":\"a\",\"folder\":\"m\",\"target\":1}]}", msg, "");
	expect_error("{\"scopes\":[{\"name\":\"a\",\"folder\":\"m\"}]}", msg, "");
	expect_error("{\"scopes\":[{\"name\":\"a\",\"folder\":\"m\",\"target\":\"master\"},"
	             "{\"name\":\"b\",\"folder\":\"n\",\"target\":\"all\"}]}",
	             LABEL ": scopes[1].target: expected \"master\" or \"tenants\"", "");
}

static void test_bad_scope_name(void **state)
{
	(void)state;
	const char *msg = LABEL ": scopes[0].name: expected a name of lower-case letters, digits, '_' and '-'";
	expect_error("{\"scopes\":[{\"name\":\"Master\",\"folder\":\"m\",\"target\":\"master\"}]}", msg, "");
	expect_error("{\"scopes\":[{\"name\":\"1st\",\"folder\":\"m\",\"target\":\"master\"}]}", msg, "");
	expect_error("{\"scopes\":[{\"name\":\"\",\"folder\":\"m\",\"target\":\"master\"}]}", msg, "");
	expect_error("{\"scopes\":[{\"name\":\"a b\",\"folder\":\"m\",\"target\":\"master\"}]}", msg, "");
	expect_error("{\"scopes\":[{\"folder\":\"m\",\"target\":\"master\"}]}", msg, "");
	/* 64 characters: one too many */
	char *text = pgf_asprintf("{\"scopes\":[{\"name\":\"a%063d\",\"folder\":\"m\",\"target\":\"master\"}]}", 0);
	expect_error(text, msg, "");
	free(text);
	/* 63 characters is the longest */
	text = pgf_asprintf("{\"scopes\":[{\"name\":\"a%062d\",\"folder\":\"m\",\"target\":\"master\"}]}", 0);
	pgf_config *cfg = parse_ok(text);
	assert_int_equal(strlen(cfg->scopes[0].name), 63);
	pgf_config_free(cfg);
	free(text);
	cfg = parse_ok("{\"scopes\":[{\"name\":\"a0_b-c\",\"folder\":\"m\",\"target\":\"master\"}]}");
	assert_string_equal(cfg->scopes[0].name, "a0_b-c");
	pgf_config_free(cfg);
}

static void test_duplicate_scope_name(void **state)
{
	(void)state;
	expect_error("{\"scopes\":["
	             "{\"name\":\"tenant\",\"folder\":\"a\",\"target\":\"tenants\"},"
	             "{\"name\":\"master\",\"folder\":\"b\",\"target\":\"master\"},"
	             "{\"name\":\"tenant\",\"folder\":\"c\",\"target\":\"tenants\"}]}",
	             LABEL ": scopes[2]: scope \"tenant\" is declared twice", "");
}

static void test_duplicate_folder(void **state)
{
	(void)state;
	expect_error("{\"scopes\":["
	             "{\"name\":\"a\",\"folder\":\"db/m\",\"target\":\"master\"},"
	             "{\"name\":\"b\",\"folder\":\"db/m\",\"target\":\"tenants\"}]}",
	             LABEL ": scopes[1]: folder \"db/m\" is already used by scope \"a\"", "");
	/* the same folder after normalisation */
	expect_error("{\"scopes\":["
	             "{\"name\":\"a\",\"folder\":\"db/m\",\"target\":\"master\"},"
	             "{\"name\":\"b\",\"folder\":\"db/m/\",\"target\":\"tenants\"}]}",
	             LABEL ": scopes[1]: folder \"db/m\" is already used by scope \"a\"", "");
}

static void expect_bad_folder(const char *folder_json, const char *shown)
{
	char *text = one_scope(folder_json);
	char *msg = pgf_asprintf(LABEL ": scopes[0].folder: \"%s\" must be a relative path inside the repository", shown);
	expect_error(text, msg, "");
	free(msg);
	free(text);
}

static void test_absolute_folder(void **state)
{
	(void)state;
	expect_bad_folder("\"/etc/migrations\"", "/etc/migrations");
	expect_bad_folder("\"/\"", "/");
	expect_bad_folder("\"\"", "");
}

static void test_dotdot_and_bad_components(void **state)
{
	(void)state;
	expect_bad_folder("\"..\"", "..");
	expect_bad_folder("\"../other\"", "../other");
	expect_bad_folder("\"db/../../etc\"", "db/../../etc");
	expect_bad_folder("\"db/..\"", "db/..");
	expect_bad_folder("\"db/../\"", "db/../");
	expect_bad_folder("\".\"", ".");
	expect_bad_folder("\"./db\"", "./db");
	expect_bad_folder("\"db//m\"", "db//m");
	expect_bad_folder("\"db\\\\m\"", "db\\m");

	/* ".." inside a component name is an ordinary name */
	char *text = one_scope("\"db/..m/m..\"");
	pgf_config *cfg = parse_ok(text);
	assert_string_equal(cfg->scopes[0].folder, "db/..m/m..");
	pgf_config_free(cfg);
	free(text);

	expect_error("{\"scopes\":[{\"name\":\"a\",\"folder\":7,\"target\":\"master\"}]}",
	             LABEL ": scopes[0].folder: expected a string", "");
}

static void test_trailing_slash_normalized(void **state)
{
	(void)state;
	static const char *const cases[][2] = {
		{ "\"migrations/\"", "migrations" },
		{ "\"migrations///\"", "migrations" },
		{ "\"db/tenant/\"", "db/tenant" },
		{ "\"db/tenant\"", "db/tenant" },
		{ "\"m\"", "m" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *text = one_scope(cases[i][0]);
		pgf_config *cfg = parse_ok(text);
		assert_string_equal(cfg->scopes[0].folder, cases[i][1]);
		pgf_config_free(cfg);
		free(text);
	}
}

static void test_version(void **state)
{
	(void)state;
	const char *msg = LABEL ": version: this pgfleet reads version 1";
	expect_error("{\"version\":2,\"scopes\":[{\"name\":\"a\",\"folder\":\"m\",\"target\":\"master\"}]}", msg, "");
	expect_error("{\"version\":0,\"scopes\":[{\"name\":\"a\",\"folder\":\"m\",\"target\":\"master\"}]}", msg, "");
	expect_error("{\"version\":\"1\",\"scopes\":[{\"name\":\"a\",\"folder\":\"m\",\"target\":\"master\"}]}", msg, "");
	expect_error("{\"version\":1.0,\"scopes\":[{\"name\":\"a\",\"folder\":\"m\",\"target\":\"master\"}]}", msg, "");
	pgf_config *cfg = parse_ok("{\"version\":1,\"scopes\":[{\"name\":\"a\",\"folder\":\"m\",\"target\":\"master\"}]}");
	pgf_config_free(cfg);
}

static void test_max_file_bytes_bounds(void **state)
{
	(void)state;
	const char *msg = LABEL ": max_file_bytes: expected an integer from 1 to 268435456";
	static const char *const bad[] = { "0", "-1", "268435457", "1e6", "1.5", "\"1024\"", "null", "true" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *text = pgf_asprintf(
			"{\"max_file_bytes\":%s,\"scopes\":[{\"name\":\"a\",\"folder\":\"m\",\"target\":\"master\"}]}", bad[i]);
		expect_error(text, msg, "");
		free(text);
	}
	static const struct {
		const char *json;
		size_t want;
	} good[] = { { "1", 1 }, { "268435456", 268435456 }, { "4096", 4096 } };
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		char *text = pgf_asprintf(
			"{\"max_file_bytes\":%s,\"scopes\":[{\"name\":\"a\",\"folder\":\"m\",\"target\":\"master\"}]}",
			good[i].json);
		pgf_config *cfg = parse_ok(text);
		assert_int_equal(cfg->max_file_bytes, good[i].want);
		pgf_config_free(cfg);
		free(text);
	}
}

static void test_tenants_query_type(void **state)
{
	(void)state;
	const char *msg = LABEL ": tenants_query: expected a non-empty string";
	static const char *const bad[] = { "42", "\"\"", "null", "[\"SELECT 1\"]", "{}", "false" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *text = pgf_asprintf(
			"{\"tenants_query\":%s,\"scopes\":[{\"name\":\"a\",\"folder\":\"m\",\"target\":\"master\"}]}", bad[i]);
		expect_error(text, msg, "");
		free(text);
	}
}

static void test_scopes_shape(void **state)
{
	(void)state;
	const char *msg = LABEL ": scopes: expected a non-empty array";
	expect_error("{}", msg, "");
	expect_error("{\"scopes\":[]}", msg, "");
	expect_error("{\"scopes\":{\"name\":\"a\"}}", msg, "");
	expect_error("{\"scopes\":[\"a\"]}", LABEL ": scopes[0]: expected an object", "");
	expect_error("[{\"name\":\"a\"}]", LABEL ": expected a JSON object at the top", "");
	/* a bare string is rejected by the JSON reader itself, with a position */
	expect_error("\"pgfleet\"", LABEL ":1:9: '[' or '{' expected near '\"pgfleet\"'", "");
}

static void test_label_is_used(void **state)
{
	(void)state;
	pgf_config *cfg = NULL;
	pgf_error *err = NULL;
	const char *text = "{\"version\":3,\"scopes\":[]}";
	assert_int_equal(pgf_config_parse(&cfg, text, strlen(text), "repo@abc123:pgfleet.json", &err), -1);
	assert_string_equal(err->message, "repo@abc123:pgfleet.json: version: this pgfleet reads version 1");
	pgf_error_free(err);
}

/* error.h allows err == NULL. */
static int unknown_key_without_err(void *arg)
{
	(void)arg;
	pgf_config *cfg = NULL;
	const char *text = "{\"scope\":[]}";
	return pgf_config_parse(&cfg, text, strlen(text), LABEL, NULL) == -1 ? 0 : 1;
}

static void test_unknown_key_null_err(void **state)
{
	(void)state;
	/* A NULL err slot is accepted everywhere: the call fails cleanly. */
	int ok = unit_runs_cleanly(unknown_key_without_err, NULL);
	assert_int_equal(ok, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_two_scopes),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_bad_json_position),
		cmocka_unit_test(test_unknown_key_with_hint),
		cmocka_unit_test(test_two_unknown_keys),
		cmocka_unit_test(test_bad_target),
		cmocka_unit_test(test_bad_scope_name),
		cmocka_unit_test(test_duplicate_scope_name),
		cmocka_unit_test(test_duplicate_folder),
		cmocka_unit_test(test_absolute_folder),
		cmocka_unit_test(test_dotdot_and_bad_components),
		cmocka_unit_test(test_trailing_slash_normalized),
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_max_file_bytes_bounds),
		cmocka_unit_test(test_tenants_query_type),
		cmocka_unit_test(test_scopes_shape),
		cmocka_unit_test(test_label_is_used),
		cmocka_unit_test(test_unknown_key_null_err),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
