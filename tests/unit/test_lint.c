/* lint.h: the library under the CLI — positions, waivers, severities. The
 * rule-by-rule corpus is tests/lint (run by tests/integration/lint.sh). */
#include "unit.h"

#include <pg_query.h>

#include "pgfleet/lint.h"
#include "pgfleet/policy.h"
#include "src/lint/tree.h"

static const pgf_lint_opts tx = { .transactional = true, .waivers_count = true };

static pgf_lint_findings lint(const char *sql, const pgf_lint_opts *opts)
{
	pgf_lint_findings f = { 0 };
	pgf_error *err = NULL;
	assert_int_equal(pgf_lint_text(&f, sql, strlen(sql), opts, &err), 0);
	assert_null(err);
	return f;
}

static void expect_one(const char *sql, const pgf_lint_opts *opts, const char *rule, size_t line, size_t column)
{
	pgf_lint_findings f = lint(sql, opts);
	if (f.count != 1)
		fail_msg("%s: expected one finding, got %zu (first: %s)", sql, f.count,
		         f.count ? f.items[0].rule->id : "none");
	assert_string_equal(f.items[0].rule->id, rule);
	assert_int_equal(f.items[0].line, line);
	assert_int_equal(f.items[0].column, column);
	pgf_lint_findings_free(&f);
}

static void test_rule_table(void **state)
{
	(void)state;
	size_t n, index = 99;
	const pgf_lint_rule *rules = pgf_lint_rules(&n);
	assert_true(n >= 28 && n <= PGF_LINT_MAX_RULES);
	for (size_t i = 0; i < n; i++) {
		assert_non_null(rules[i].why);
		assert_non_null(rules[i].instead);
		assert_true(rules[i].severity == PGF_LINT_ERROR || rules[i].severity == PGF_LINT_WARNING);
		for (const char *c = rules[i].id; *c; c++)
			assert_true((*c >= 'a' && *c <= 'z') || *c == '-');
		assert_ptr_equal(pgf_lint_rule_find(rules[i].id, &index), &rules[i]);
		assert_int_equal(index, i);
	}
	assert_null(pgf_lint_rule_find("ban-drop-tabel", NULL));
	assert_int_equal(pgf_lint_severity_parse("off"), PGF_LINT_OFF);
	assert_int_equal(pgf_lint_severity_parse("fatal"), -1);
}

static void test_syntax_error_position(void **state)
{
	(void)state;
	/* the cursor is a character position: two-byte characters before it */
	expect_one("SELECT 'äöü';\nSELECT 'é' FRM t;\n", &tx, "syntax-error", 2, 16);
	/* an unterminated string: at its opening quote */
	expect_one("SELECT 1;\n\n  SELECT 'abc\n", &tx, "syntax-error", 3, 10);
	/* a NUL byte is not text */
	pgf_lint_findings f = { 0 };
	assert_int_equal(pgf_lint_text(&f, "SELECT 1;\n\0DROP TABLE t;", 24, &tx, NULL), 0);
	assert_int_equal(f.count, 1);
	assert_string_equal(f.items[0].rule->id, "syntax-error");
	assert_int_equal(f.items[0].line, 2);
	assert_int_equal(f.items[0].column, 1);
	pgf_lint_findings_free(&f);
}

static void test_statement_positions(void **state)
{
	(void)state;
	/* after comments and blank lines, the statement's first token */
	expect_one("-- header\n/* block */\n\n   DROP TABLE t;\n", &tx, "ban-drop-table", 4, 4);
	/* CRLF line ends and a tab count as one column each */
	expect_one("SELECT 1;\r\n\tDROP TABLE t;\r\n", &tx, "ban-drop-table", 2, 2);
	/* the last statement without a semicolon */
	expect_one("SELECT 1; VACUUM FULL t", &tx, "ban-vacuum-full", 1, 11);
}

static void test_statement_positions_without_scanner(void **state)
{
	(void)state;
	/* without a pgfleet: comment the file's tokens are not read: a
	 * statement's start is found after blanks, or by the scanner over the
	 * statement alone when a comment comes first */
	static const char *const texts[] = {
		"SELECT 1; -- a comment ; /* not closed\n/* one /* nested */ comment */ -- and one more\n  ALTER TABLE t DROP COLUMN c;\n",
		"SELECT 1 AS \"pgfleet:x\"; -- a quoted name\n/* one /* nested */ comment */ -- and one more\n  ALTER TABLE t DROP COLUMN c;\n",
		"SELECT 1; SELECT 'pgfleet:';\n/* one /* nested */ comment */ -- and one more\n  ALTER TABLE t DROP COLUMN c;\n",
	};
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		expect_one(texts[i], &tx, "ban-drop-column", 3, 3);
	expect_one("SELECT 1\n-\n-1;\nDROP TABLE t;", &tx, "ban-drop-table", 4, 1);
	expect_one("SELECT 1;-- x\nDROP TABLE t;", &tx, "ban-drop-table", 2, 1);
	expect_one("/**/DROP TABLE t", &tx, "ban-drop-table", 1, 5);
}

/* Statements of every kind the rules read, and the JSON writer's escapes. */
static const char *const trees[] = {
	"CREATE TABLE s.t (id bigserial PRIMARY KEY, n numeric(12, 2) DEFAULT -1.5e3, c char(3) NOT NULL,\n"
	"  flag boolean DEFAULT true, b bit(3) DEFAULT B'101', x text DEFAULT E'a\\tb\\nc\\\\d\\\"e\\u00e9',\n"
	"  u text DEFAULT 'ä€😀 <&> \"q\" \\', z int DEFAULT NULL, o int DEFAULT 0, big bigint DEFAULT 9223372036854775807,\n"
	"  CONSTRAINT ck CHECK (n > 0 AND c <> '' OR x IS NOT NULL) NOT VALID, UNIQUE (c, x)) PARTITION BY RANGE (id);",
	"CREATE UNLOGGED TABLE IF NOT EXISTS t2 (LIKE t INCLUDING ALL) WITH (fillfactor = 70);",
	"CREATE TABLE t3 AS SELECT a.id, count(*) FILTER (WHERE a.n > 2) FROM t a JOIN t2 b USING (id) GROUP BY 1 WITH NO DATA;",
	"ALTER TABLE ONLY t ADD COLUMN IF NOT EXISTS d timestamp(3) without time zone DEFAULT now() NOT NULL,\n"
	"  ALTER COLUMN c TYPE varchar(10) USING c::varchar, ALTER COLUMN n SET NOT NULL, DROP COLUMN x CASCADE,\n"
	"  ADD CONSTRAINT fk FOREIGN KEY (id) REFERENCES other (id) ON DELETE SET NULL NOT VALID, VALIDATE CONSTRAINT ck;",
	"ALTER TABLE t DETACH PARTITION t_2020 CONCURRENTLY; ALTER TABLE t RENAME COLUMN a TO b;",
	"CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS i ON t USING btree (lower(c) DESC NULLS LAST, n) INCLUDE (x) WHERE n > 0;",
	"DROP INDEX CONCURRENTLY IF EXISTS i, j CASCADE; DROP TABLE a.b, c; DROP DATABASE d; DROP TYPE e;",
	"REINDEX (VERBOSE) INDEX CONCURRENTLY i; REINDEX TABLE t;",
	"BEGIN ISOLATION LEVEL SERIALIZABLE; SAVEPOINT s; ROLLBACK TO s; COMMIT; START TRANSACTION; END;",
	"ALTER TABLE t RENAME TO u; ALTER INDEX i RENAME TO j; ALTER TYPE e RENAME VALUE 'a' TO 'b';",
	"TRUNCATE TABLE ONLY t, u RESTART IDENTITY CASCADE;",
	"WITH x AS (SELECT id FROM t WHERE n = $1) UPDATE t SET n = n + 1, c = DEFAULT FROM x WHERE t.id = x.id RETURNING *;",
	"DELETE FROM t WHERE id IN (SELECT id FROM t LIMIT 10); DELETE FROM t;",
	"VACUUM (FULL, ANALYZE) t (id); VACUUM FULL; ANALYZE t; CLUSTER t USING i; CLUSTER;",
	"LOCK TABLE t, u IN ACCESS EXCLUSIVE MODE NOWAIT;",
	"ALTER TYPE e ADD VALUE IF NOT EXISTS 'z' BEFORE 'a'; ALTER TYPE e ADD VALUE 'y';",
	"INSERT INTO t (id, c) VALUES (1, 'a'), (2, NULL) ON CONFLICT (id) DO UPDATE SET c = excluded.c;",
	"CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;",
	"SELECT CASE WHEN 1 = ANY(ARRAY[1, 2]) THEN 'x'::text ELSE NULL END, interval '1 day', '{1}'::int[], 1.0::float8",
	"ALTER TABLE t ALTER COLUMN a TYPE int[][], ALTER COLUMN b SET DEFAULT -42, ALTER COLUMN c SET (n_distinct = -1);",
	"",
};

/* libpg_query 15-4.0's JSON writes an Integer's ival only when it is
 * positive: what the JSON route gives for the negative ones (no rule reads
 * an Integer's value). */
static void zero_negative_integers(ProtobufCMessage *m)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;
	if (strcmp(d->name, "pg_query.Integer") == 0 && ((PgQuery__Integer *)m)->ival < 0)
		((PgQuery__Integer *)m)->ival = 0;
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		if (f->type != PROTOBUF_C_TYPE_MESSAGE)
			continue;
		char *at = (char *)m + f->offset;
		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			ProtobufCMessage **items = *(ProtobufCMessage ***)at;
			for (size_t k = 0; k < *(size_t *)((char *)m + f->quantifier_offset); k++)
				zero_negative_integers(items[k]);
		} else if (*(ProtobufCMessage **)at != NULL &&
		           (!(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) ||
		            *(uint32_t *)((char *)m + f->quantifier_offset) == f->id))
			zero_negative_integers(*(ProtobufCMessage **)at);
	}
}

static bool every(int node_case)
{
	(void)node_case;
	return true;
}

/* Trees read from pg_query_parse's JSON are the structs that unpacking
 * pg_query_parse_protobuf's answer makes: both pack to the same bytes
 * (but for negative Integers, above). */
static void test_tree_from_json(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(trees) / sizeof(trees[0]); i++) {
		PgQueryParseResult json = pg_query_parse(trees[i]);
		PgQueryProtobufParseResult pb = pg_query_parse_protobuf(trees[i]);
		assert_null(json.error);
		assert_null(pb.error);
		pgf_arena *arena = NULL;
		ProtobufCMessage *m = pgf_tree_message(json.parse_tree, &pg_query__parse_result__descriptor, &arena);
		if (m == NULL)
			fail_msg("not read: %s", trees[i]);
		size_t n = protobuf_c_message_get_packed_size(m);
		uint8_t *packed = malloc(n + 1);
		assert_int_equal(protobuf_c_message_pack(m, packed), n);
		PgQuery__ParseResult *want =
		        pg_query__parse_result__unpack(NULL, pb.parse_tree.len, (const uint8_t *)pb.parse_tree.data);
		assert_non_null(want);
		zero_negative_integers(&want->base);
		size_t wn = protobuf_c_message_get_packed_size(&want->base);
		uint8_t *wanted = malloc(wn + 1);
		assert_int_equal(protobuf_c_message_pack(&want->base, wanted), wn);
		if (n != wn || memcmp(packed, wanted, n) != 0)
			fail_msg("packed differently (%zu bytes against %zu): %s", n, wn, trees[i]);
		free(wanted);
		pg_query__parse_result__free_unpacked(want, NULL);
		/* the statements: where they are, their types, each one's tree */
		pgf_tree_stmt *st = NULL;
		size_t count = 0;
		assert_int_equal(pgf_tree_statements(json.parse_tree, every, &arena, &st, &count), 0);
		PgQuery__ParseResult *r = (PgQuery__ParseResult *)m;
		assert_int_equal(count, r->n_stmts);
		for (size_t k = 0; k < count; k++) {
			assert_int_equal(st[k].location, r->stmts[k]->stmt_location);
			assert_int_equal(st[k].len, r->stmts[k]->stmt_len);
			assert_int_equal(st[k].node_case, r->stmts[k]->stmt->node_case);
			PgQuery__Node *node = pgf_tree_node(&st[k], &arena);
			assert_non_null(node);
			assert_non_null(st[k].node);
			assert_int_equal(protobuf_c_message_get_packed_size(&node->base),
			                 protobuf_c_message_get_packed_size(&r->stmts[k]->stmt->base));
			assert_int_equal(protobuf_c_message_get_packed_size(&st[k].node->base),
			                 protobuf_c_message_get_packed_size(&r->stmts[k]->stmt->base));
		}
		free(st);
		free(packed);
		pgf_arena_release(arena);
		pg_query_free_parse_result(json);
		pg_query_free_protobuf_parse_result(pb);
	}
	/* what does not fit a message type is not read */
	static const char *const bad[] = {
		"{\"stmts\":[{\"stmt\":{\"NoSuchStmt\":{}}}]}", "{\"stmts\":[{\"stmt_len\":\"x\"}]}",
		"{\"version\":150001,\"stmts\":[", "{\"stmts\":[{\"stmt\":{\"String\":{\"sval\":\"x}}}]}", "",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		pgf_arena *arena = NULL;
		assert_null(pgf_tree_message(bad[i], &pg_query__parse_result__descriptor, &arena));
		pgf_arena_release(arena);
	}
	pgf_tree_stmt *st = NULL;
	size_t count = 1;
	assert_int_equal(pgf_tree_statements("{\"stmts\":[{\"stmt_len\":-1}]}", NULL, NULL, &st, &count), -1);
	assert_null(st);
	assert_int_equal(count, 0);
}

static void test_created_in_file(void **state)
{
	(void)state;
	pgf_lint_findings f = lint("CREATE TABLE s.t (id bigint PRIMARY KEY);\n"
	                           "CREATE INDEX t_i ON t (id);\n"          /* unqualified: same table */
	                           "ALTER TABLE s.t ADD COLUMN c int NOT NULL;\n"
	                           "DROP INDEX s.t_i;\n",
	                           &tx);
	assert_int_equal(f.count, 0);
	pgf_lint_findings_free(&f);
	/* another schema's table of the same name existed before */
	expect_one("CREATE TABLE s.t (id bigint PRIMARY KEY);\nCREATE INDEX i ON other.t (id);\n", &tx,
	           "require-concurrent-index-creation", 2, 1);
	/* IF NOT EXISTS may have kept an existing table */
	expect_one("CREATE TABLE IF NOT EXISTS t (id bigint);\nALTER TABLE t ALTER COLUMN id SET NOT NULL;\n", &tx,
	           "setting-not-null", 2, 1);
	/* CREATE TABLE AS and CREATE MATERIALIZED VIEW create tables; seed
	 * INSERTs, grants and views around them change nothing */
	f = lint("CREATE TABLE s.copy AS SELECT id FROM t;\nINSERT INTO s.copy VALUES (1), (2);\n"
	         "CREATE OR REPLACE VIEW v AS SELECT * FROM t;\nGRANT SELECT ON s.copy TO r;\n"
	         "CREATE MATERIALIZED VIEW mv AS SELECT 1 AS x;\n"
	         "CREATE INDEX i1 ON s.copy (id);\nCREATE INDEX i2 ON mv (x);\n",
	         &tx);
	assert_int_equal(f.count, 0);
	pgf_lint_findings_free(&f);
	expect_one("INSERT INTO t VALUES (1);\nselect 1;\n  delete from t;\n", &tx, "update-delete-without-where", 3, 3);
	/* a quoted name may hold a dot: it is one name, not schema and name */
	f = lint("CREATE TABLE \"a.b\" (id bigint);\nCREATE INDEX i ON \"a.b\" (id);\nDROP TABLE \"a.b\";\n", &tx);
	assert_int_equal(f.count, 0);
	pgf_lint_findings_free(&f);
	expect_one("CREATE TABLE \"a.b\" (id bigint);\nDROP TABLE a.b;\n", &tx, "ban-drop-table", 2, 1);
	expect_one("CREATE TABLE a.b (id bigint);\nCREATE INDEX i ON \"a.b\" (id);\n", &tx,
	           "require-concurrent-index-creation", 2, 1);
	/* created after the statement does not count */
	expect_one("CREATE INDEX i ON t (id);\nCREATE TABLE t (id bigint);\n", &tx,
	           "require-concurrent-index-creation", 1, 1);
}

static const char *const step[] = {
	"ALTER TABLE t ADD CONSTRAINT t_c_nn CHECK (c IS NOT NULL) NOT VALID;\n",
	"ALTER TABLE t VALIDATE CONSTRAINT t_c_nn;\n",
	"ALTER TABLE t ALTER COLUMN c SET NOT NULL;\n",
};

static size_t count_rule(const pgf_lint_findings *f, const char *rule)
{
	size_t n = 0;
	for (size_t i = 0; i < f->count; i++)
		n += strcmp(f->items[i].rule->id, rule) == 0;
	return n;
}

static void test_facts_across_files(void **state)
{
	(void)state;
	/* the three-step NOT NULL over three files sharing facts: clean */
	pgf_lint_facts *facts = pgf_lint_facts_new();
	pgf_lint_opts o = tx;
	o.facts = facts;
	for (size_t i = 0; i < 3; i++) {
		pgf_lint_findings f = lint(step[i], &o);
		assert_int_equal(f.count, 0);
		pgf_lint_findings_free(&f);
	}
	/* dropping the constraint forgets it */
	pgf_lint_findings f = lint("ALTER TABLE t DROP CONSTRAINT t_c_nn;\nALTER TABLE t ALTER COLUMN c SET NOT NULL;\n", &o);
	assert_int_equal(count_rule(&f, "setting-not-null"), 1);
	pgf_lint_findings_free(&f);
	pgf_lint_facts_free(facts);
	/* without the facts, each file alone: step 3 is flagged */
	expect_one(step[2], &tx, "setting-not-null", 1, 1);
	/* skipping VALIDATE: flagged */
	facts = pgf_lint_facts_new();
	o.facts = facts;
	f = lint(step[0], &o);
	pgf_lint_findings_free(&f);
	expect_one(step[2], &o, "setting-not-null", 1, 1);
	pgf_lint_facts_free(facts);
	/* all three in one transactional file: the VALIDATE holds the ADD's lock */
	char all[256];
	snprintf(all, sizeof(all), "%s%s%s", step[0], step[1], step[2]);
	expect_one(all, &tx, "validate-in-same-transaction", 2, 1);
	/* in a no-transaction file each statement commits: clean */
	f = lint(all, &(pgf_lint_opts){ .transactional = false });
	assert_int_equal(f.count, 0);
	pgf_lint_findings_free(&f);
	/* a validated CHECK added in one step also proves the column */
	f = lint("ALTER TABLE t ADD CONSTRAINT k CHECK (c IS NOT NULL);\nALTER TABLE t ALTER COLUMN c SET NOT NULL;\n", &tx);
	assert_int_equal(count_rule(&f, "constraint-missing-not-valid"), 1);
	assert_int_equal(count_rule(&f, "setting-not-null"), 0);
	pgf_lint_findings_free(&f);
	/* ADD COLUMN ... REFERENCES validates the new key at once */
	expect_one("ALTER TABLE t ADD COLUMN u_id bigint REFERENCES u (id);\n", &tx, "constraint-missing-not-valid", 1, 38);
}

static void test_severity_and_waivers(void **state)
{
	(void)state;
	size_t index = 0;
	assert_non_null(pgf_lint_rule_find("ban-drop-table", &index));
	signed char sev[PGF_LINT_MAX_RULES];
	memset(sev, -1, sizeof(sev));
	sev[index] = PGF_LINT_WARNING;
	pgf_lint_opts o = tx;
	o.severity = sev;
	pgf_lint_findings f = lint("DROP TABLE t;", &o);
	assert_int_equal(f.count, 1);
	assert_int_equal(f.items[0].severity, PGF_LINT_WARNING);
	assert_false(pgf_lint_findings_fail(&f));
	pgf_lint_findings_free(&f);
	sev[index] = PGF_LINT_OFF;
	f = lint("-- pgfleet:allow ban-drop-table gone\nDROP TABLE t;", &o);
	assert_int_equal(f.count, 0); /* off: no finding, and the waiver is not "unused" */
	pgf_lint_findings_free(&f);

	/* a waiver that does not count: the finding stays, with the note */
	o = tx;
	o.waivers_count = false;
	o.waiver_note = "waiver needs 2 approvals";
	f = lint("DROP TABLE t; -- pgfleet:allow ban-drop-table archived\n", &o);
	assert_int_equal(f.count, 1);
	assert_false(f.items[0].waived);
	assert_string_equal(f.items[0].note, "waiver needs 2 approvals");
	assert_string_equal(f.items[0].waiver_reason, "archived");
	assert_true(pgf_lint_findings_fail(&f));
	pgf_lint_findings_free(&f);

	/* a waiver inside a statement, in a block comment; the other rule stays */
	f = lint("ALTER TABLE t /* pgfleet:allow ban-drop-column unused since v41 */ DROP COLUMN a,\n"
	         "  ADD COLUMN b int NOT NULL;\n",
	         &tx);
	assert_int_equal(f.count, 2);
	assert_true(f.items[0].waived);
	assert_string_equal(f.items[0].rule->id, "ban-drop-column");
	assert_string_equal(f.items[0].waiver_reason, "unused since v41");
	assert_false(f.items[1].waived);
	assert_string_equal(f.items[1].rule->id, "adding-required-column");
	pgf_lint_findings_free(&f);
}

static void test_transactional(void **state)
{
	(void)state;
	pgf_lint_opts notx = { .transactional = false, .waivers_count = true };
	pgf_lint_findings f = lint("CREATE INDEX CONCURRENTLY i ON t (c);\nBEGIN;\n", &notx);
	assert_int_equal(f.count, 0);
	pgf_lint_findings_free(&f);
	expect_one("ALTER TABLE p DETACH PARTITION p1 CONCURRENTLY;", &tx, "ban-concurrent-in-transaction", 1, 1);
	/* ADD VALUE last in its file is safe; followed by more, it is not */
	f = lint("ALTER TYPE e ADD VALUE 'x';", &tx);
	assert_int_equal(f.count, 0);
	pgf_lint_findings_free(&f);
	expect_one("ALTER TYPE e ADD VALUE 'x';\nSELECT 1;", &tx, "adding-enum-value", 1, 1);
	f = lint("ALTER TYPE e ADD VALUE 'x';\nSELECT 1;", &notx);
	assert_int_equal(f.count, 0);
	pgf_lint_findings_free(&f);
}

static void test_policy_lint(void **state)
{
	(void)state;
	char path[] = "/tmp/pgfleet-test-policy-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	const char *json = "{\"lint\": {\"rules\": {\"ban-drop-table\": \"warning\"},"
	                   " \"scopes\": {\"master\": {\"rules\": {\"ban-drop-table\": \"off\", \"ban-truncate\": \"warning\"}}}},"
	                   " \"scopes\": {\"master\": {\"min_approvals\": 2}}}";
	assert_int_equal(write(fd, json, strlen(json)), (ssize_t)strlen(json));
	close(fd);
	pgf_policy p;
	pgf_error *err = NULL;
	assert_int_equal(pgf_policy_load(&p, path, &err), 0);
	unlink(path);
	size_t drop = 0, trunc = 0, col = 0;
	pgf_lint_rule_find("ban-drop-table", &drop);
	pgf_lint_rule_find("ban-truncate", &trunc);
	pgf_lint_rule_find("ban-drop-column", &col);
	signed char sev[PGF_LINT_MAX_RULES];
	pgf_policy_lint_severities(&p, NULL, sev);
	assert_int_equal(sev[drop], PGF_LINT_WARNING);
	assert_int_equal(sev[trunc], -1);
	pgf_policy_lint_severities(&p, "tenant", sev);
	assert_int_equal(sev[drop], PGF_LINT_WARNING);
	pgf_policy_lint_severities(&p, "master", sev);
	assert_int_equal(sev[drop], PGF_LINT_OFF);
	assert_int_equal(sev[trunc], PGF_LINT_WARNING);
	assert_int_equal(sev[col], -1);
	/* the lint scope and the approvals scope are one entry */
	assert_int_equal(p.nscopes, 1);
	assert_int_equal(pgf_policy_approvals_needed(&p, "master", "1"), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rule_table),
		cmocka_unit_test(test_syntax_error_position),
		cmocka_unit_test(test_statement_positions),
		cmocka_unit_test(test_statement_positions_without_scanner),
		cmocka_unit_test(test_tree_from_json),
		cmocka_unit_test(test_created_in_file),
		cmocka_unit_test(test_facts_across_files),
		cmocka_unit_test(test_severity_and_waivers),
		cmocka_unit_test(test_transactional),
		cmocka_unit_test(test_policy_lint),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
