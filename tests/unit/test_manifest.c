/* manifest.h: pgfleet.sum format, parse and chain. */
#include "unit.h"

#include "pgfleet/common.h"
#include "pgfleet/digest.h"
#include "pgfleet/manifest.h"
#include "pgfleet/migration.h"

#define LABEL "db/tenant/pgfleet.sum"
#define ZEROS "0000000000000000000000000000000000000000000000000000000000000000"

static void hex_of(const char *content, char out[PGF_SHA256_HEX_LEN + 1])
{
	pgf_sha256_hex(content, strlen(content), out);
}

/* The chain recomputed from the documented formula:
 *   c0 = 64 '0'; ci = sha256hex(c(i-1) "\n" "<hex>  <file>" "\n") */
static void chain_by_hand(char out[PGF_SHA256_HEX_LEN + 1], const char *const *hexes, const char *const *files,
                          size_t n)
{
	char c[PGF_SHA256_HEX_LEN + 1];
	memcpy(c, ZEROS, sizeof(c));
	for (size_t i = 0; i < n; i++) {
		size_t len = 64 + 1 + strlen(hexes[i]) + 2 + strlen(files[i]) + 1;
		char *input = malloc(len + 1);
		assert_non_null(input);
		char *p = input;
		memcpy(p, c, 64);
		p += 64;
		*p++ = '\n';
		memcpy(p, hexes[i], strlen(hexes[i]));
		p += strlen(hexes[i]);
		*p++ = ' ';
		*p++ = ' ';
		memcpy(p, files[i], strlen(files[i]));
		p += strlen(files[i]);
		*p++ = '\n';
		assert_int_equal((size_t)(p - input), len);
		pgf_sha256_hex(input, len, c);
		free(input);
	}
	memcpy(out, c, sizeof(c));
}

typedef struct fixture {
	char hex[4][PGF_SHA256_HEX_LEN + 1];
	const char *files[4];
} fixture;

static fixture fx;

static int setup(void **state)
{
	(void)state;
	hex_of("CREATE TABLE wells (id int);\n", fx.hex[0]);
	hex_of("ALTER TABLE wells ADD name text;\n", fx.hex[1]);
	hex_of("ALTER TABLE wells DROP name;\n", fx.hex[2]);
	hex_of("CREATE INDEX CONCURRENTLY i ON wells (id);\n", fx.hex[3]);
	fx.files[0] = "0001_create_wells.sql";
	fx.files[1] = "0002_add_name.sql";
	fx.files[2] = "0002_add_name.down.sql";
	fx.files[3] = "0003_idx.sql";
	return 0;
}

/* A manifest of fx entries in the given order. */
static pgf_manifest *build(const size_t *order, size_t n)
{
	pgf_manifest *m = pgf_manifest_new();
	for (size_t i = 0; i < n; i++)
		pgf_manifest_add(m, fx.files[order[i]], fx.hex[order[i]]);
	return m;
}

static void chain_of(const size_t *order, size_t n, char out[PGF_SHA256_HEX_LEN + 1])
{
	pgf_manifest *m = build(order, n);
	pgf_manifest_chain(m, out);
	pgf_manifest_free(m);
}

/* ---- digest sanity: the independent chain rests on pgf_sha256_hex ---- */

static void test_sha256_vectors(void **state)
{
	(void)state;
	char h[PGF_SHA256_HEX_LEN + 1];
	pgf_sha256_hex("", 0, h);
	assert_string_equal(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	pgf_sha256_hex("abc", 3, h);
	assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

/* ---- chain ---- */

static void test_chain_empty_is_zeros(void **state)
{
	(void)state;
	pgf_manifest *m = pgf_manifest_new();
	char c[PGF_SHA256_HEX_LEN + 1];
	memset(c, 'x', sizeof(c));
	pgf_manifest_chain(m, c);
	assert_string_equal(c, ZEROS);
	pgf_manifest_free(m);
}

static void test_chain_matches_formula(void **state)
{
	(void)state;
	static const size_t order[] = { 0, 1, 2, 3 };
	pgf_manifest *m = build(order, 4);
	char got[PGF_SHA256_HEX_LEN + 1], want[PGF_SHA256_HEX_LEN + 1];
	pgf_manifest_chain(m, got);
	const char *hexes[4] = { fx.hex[0], fx.hex[1], fx.hex[2], fx.hex[3] };
	chain_by_hand(want, hexes, fx.files, 4);
	assert_string_equal(got, want);
	assert_int_equal(strlen(got), 64);

	/* every prefix too */
	for (size_t n = 1; n <= 4; n++) {
		pgf_manifest *p = build(order, n);
		pgf_manifest_chain(p, got);
		chain_by_hand(want, hexes, fx.files, n);
		assert_string_equal(got, want);
		pgf_manifest_free(p);
	}

	/* one entry, spelled out completely */
	char one_in[256];
	snprintf(one_in, sizeof(one_in), "%s\n%s  %s\n", ZEROS, fx.hex[0], fx.files[0]);
	pgf_sha256_hex(one_in, strlen(one_in), want);
	pgf_manifest *p = build(order, 1);
	pgf_manifest_chain(p, got);
	assert_string_equal(got, want);
	pgf_manifest_free(p);
	pgf_manifest_free(m);
}

static void test_chain_changes(void **state)
{
	(void)state;
	static const size_t base[] = { 0, 1, 2, 3 };
	static const size_t swapped[] = { 0, 2, 1, 3 };
	static const size_t removed[] = { 0, 1, 3 };
	static const size_t removed_last[] = { 0, 1, 2 };
	char c_base[65], c_swap[65], c_rm[65], c_rm_last[65], c_ins[65], c_hash[65];
	chain_of(base, 4, c_base);
	chain_of(swapped, 4, c_swap);
	chain_of(removed, 3, c_rm);
	chain_of(removed_last, 3, c_rm_last);

	/* inserted: a new file between two existing ones */
	pgf_manifest *m = pgf_manifest_new();
	pgf_manifest_add(m, fx.files[0], fx.hex[0]);
	pgf_manifest_add(m, "0001_5_extra.sql", fx.hex[3]);
	pgf_manifest_add(m, fx.files[1], fx.hex[1]);
	pgf_manifest_add(m, fx.files[2], fx.hex[2]);
	pgf_manifest_add(m, fx.files[3], fx.hex[3]);
	pgf_manifest_chain(m, c_ins);
	pgf_manifest_free(m);

	/* one hash changed */
	m = build(base, 4);
	char other[65];
	hex_of("ALTER TABLE wells ADD name varchar;\n", other);
	memcpy(m->entries[1].sha256, other, 65);
	pgf_manifest_chain(m, c_hash);
	pgf_manifest_free(m);

	const char *all[] = { c_base, c_swap, c_rm, c_rm_last, c_ins, c_hash };
	for (size_t i = 0; i < 6; i++)
		for (size_t j = i + 1; j < 6; j++)
			if (strcmp(all[i], all[j]) == 0)
				fail_msg("chains %zu and %zu are equal: %s", i, j, all[i]);

	/* the base chain is stable */
	char again[65];
	chain_of(base, 4, again);
	assert_string_equal(again, c_base);

	/* a renamed file (same hash) changes it too */
	m = build(base, 4);
	free(m->entries[3].file);
	m->entries[3].file = pgf_strdup("0003_index.sql");
	pgf_manifest_chain(m, again);
	assert_string_not_equal(again, c_base);
	pgf_manifest_free(m);
}

/* ---- format and parse ---- */

static void test_format_exact(void **state)
{
	(void)state;
	static const size_t order[] = { 0, 1, 2 };
	pgf_manifest *m = build(order, 3);
	char chain[65];
	const char *hexes[3] = { fx.hex[0], fx.hex[1], fx.hex[2] };
	chain_by_hand(chain, hexes, fx.files, 3);
	char *text = pgf_manifest_format(m);
	char *want = pgf_asprintf("pgfleet.sum 1\n%s  %s\n%s  %s\n%s  %s\nchain %s\n", fx.hex[0], fx.files[0],
	                          fx.hex[1], fx.files[1], fx.hex[2], fx.files[2], chain);
	assert_string_equal(text, want);
	free(want);
	free(text);
	pgf_manifest_free(m);

	/* an empty manifest */
	m = pgf_manifest_new();
	text = pgf_manifest_format(m);
	assert_string_equal(text, "pgfleet.sum 1\nchain " ZEROS "\n");
	free(text);
	pgf_manifest_free(m);
}

static void test_round_trip(void **state)
{
	(void)state;
	static const size_t order[] = { 0, 1, 2, 3 };
	pgf_manifest *m = build(order, 4);
	char *text = pgf_manifest_format(m);

	pgf_manifest *p = NULL;
	pgf_error *err = NULL;
	if (pgf_manifest_parse(&p, text, strlen(text), LABEL, &err) != 0)
		fail_msg("parse failed: %s", err->message);
	assert_null(err);
	assert_int_equal(p->count, 4);
	for (size_t i = 0; i < 4; i++) {
		assert_string_equal(p->entries[i].file, fx.files[i]);
		assert_string_equal(p->entries[i].sha256, fx.hex[i]);
		assert_int_equal(p->entries[i].line, i + 2);
		assert_int_equal(m->entries[i].line, 0); /* computed, not parsed */
	}
	char chain[65];
	pgf_manifest_chain(m, chain);
	assert_string_equal(p->chain, chain);

	/* formatting the parsed manifest gives the same bytes */
	char *again = pgf_manifest_format(p);
	assert_string_equal(again, text);
	free(again);

	pgf_manifest_free(p);
	pgf_manifest_free(m);
	free(text);
}

static void test_parse_comments_blank_lines_crlf(void **state)
{
	(void)state;
	static const size_t order[] = { 0, 1 };
	char chain[65];
	chain_of(order, 2, chain);
	char *text = pgf_asprintf("# written by pgfleet hash\n"
	                          "\n"
	                          "pgfleet.sum 1\r\n"
	                          "# the up file\n"
	                          "%s  %s\r\n"
	                          "\n"
	                          "%s  %s\n"
	                          "#\n"
	                          "chain %s\r\n"
	                          "\n"
	                          "# trailing comment\n",
	                          fx.hex[0], fx.files[0], fx.hex[1], fx.files[1], chain);
	pgf_manifest *p = NULL;
	pgf_error *err = NULL;
	if (pgf_manifest_parse(&p, text, strlen(text), LABEL, &err) != 0)
		fail_msg("parse failed: %s", err->message);
	assert_int_equal(p->count, 2);
	assert_string_equal(p->entries[0].file, fx.files[0]);  /* no '\r' */
	assert_int_equal(p->entries[0].line, 5);
	assert_string_equal(p->entries[1].file, fx.files[1]);
	assert_int_equal(p->entries[1].line, 7);
	assert_string_equal(p->chain, chain);
	pgf_manifest_free(p);
	free(text);

	/* no trailing newline; a file name with a space */
	char *t2 = pgf_asprintf("pgfleet.sum 1\n%s  my file.sql\nchain %s", fx.hex[0], ZEROS);
	assert_int_equal(pgf_manifest_parse(&p, t2, strlen(t2), LABEL, &err), 0);
	assert_string_equal(p->entries[0].file, "my file.sql");
	assert_string_equal(p->chain, ZEROS); /* as written, not checked here */
	pgf_manifest_free(p);
	free(t2);

	/* header and chain only */
	const char *t3 = "pgfleet.sum 1\nchain " ZEROS "\n";
	assert_int_equal(pgf_manifest_parse(&p, t3, strlen(t3), LABEL, &err), 0);
	assert_int_equal(p->count, 0);
	assert_string_equal(p->chain, ZEROS);
	pgf_manifest_free(p);
}

static void expect_parse_error(const char *text, const char *message)
{
	pgf_manifest *p = (pgf_manifest *)&p;
	pgf_error *err = NULL;
	assert_int_equal(pgf_manifest_parse(&p, text, strlen(text), LABEL, &err), -1);
	assert_ptr_equal(p, (pgf_manifest *)&p); /* untouched */
	assert_non_null(err);
	assert_int_equal(pgf_error_count(err), 1);
	assert_int_equal(err->code, PGF_ERR_INPUT);
	assert_string_equal(err->message, message);
	pgf_error_free(err);
}

static void test_parse_missing_header(void **state)
{
	(void)state;
	char *t = pgf_asprintf("%s  %s\nchain %s\n", fx.hex[0], fx.files[0], ZEROS);
	expect_parse_error(t, LABEL ":1: expected the header \"pgfleet.sum 1\"");
	free(t);
	expect_parse_error("# comment\n\npgfleet.sum 2\nchain " ZEROS "\n",
	                   LABEL ":3: expected the header \"pgfleet.sum 1\"");
	expect_parse_error("pgfleet.sum 1 \nchain " ZEROS "\n", LABEL ":1: expected the header \"pgfleet.sum 1\"");
	expect_parse_error("", LABEL ": empty manifest");
	expect_parse_error("# only a comment\n\n", LABEL ": empty manifest");
}

static void test_parse_bad_hex(void **state)
{
	(void)state;
	const char *msg2 = LABEL ":2: expected \"<sha256 hex>  <file>\" or \"chain <sha256 hex>\"";
	char upper[65];
	memcpy(upper, fx.hex[0], 65);
	for (char *c = upper; *c; c++)
		if (*c >= 'a' && *c <= 'f')
			*c = (char)(*c - 'a' + 'A');
	assert_string_not_equal(upper, fx.hex[0]);
	char *t = pgf_asprintf("pgfleet.sum 1\n%s  %s\nchain %s\n", upper, fx.files[0], ZEROS);
	expect_parse_error(t, msg2);
	free(t);
	/* 63 digits */
	t = pgf_asprintf("pgfleet.sum 1\n%.63s  %s\nchain %s\n", fx.hex[0], fx.files[0], ZEROS);
	expect_parse_error(t, msg2);
	free(t);
	/* a non-hex letter */
	t = pgf_asprintf("pgfleet.sum 1\ng%.63s  %s\nchain %s\n", fx.hex[0], fx.files[0], ZEROS);
	expect_parse_error(t, msg2);
	free(t);
	/* one space instead of two */
	t = pgf_asprintf("pgfleet.sum 1\n%s %s\nchain %s\n", fx.hex[0], fx.files[0], ZEROS);
	expect_parse_error(t, msg2);
	free(t);
	/* sha256sum's binary marker is not accepted */
	t = pgf_asprintf("pgfleet.sum 1\n%s *%s\nchain %s\n", fx.hex[0], fx.files[0], ZEROS);
	expect_parse_error(t, msg2);
	free(t);
	/* no file name */
	t = pgf_asprintf("pgfleet.sum 1\n%s  \nchain %s\n", fx.hex[0], ZEROS);
	expect_parse_error(t, msg2);
	free(t);
	/* bad chain */
	const char *msgc = LABEL ":3: chain: expected 64 lower-case hex digits";
	t = pgf_asprintf("pgfleet.sum 1\n%s  %s\nchain %.63s\n", fx.hex[0], fx.files[0], ZEROS);
	expect_parse_error(t, msgc);
	free(t);
	t = pgf_asprintf("pgfleet.sum 1\n%s  %s\nchain %s0\n", fx.hex[0], fx.files[0], ZEROS);
	expect_parse_error(t, msgc);
	free(t);
	t = pgf_asprintf("pgfleet.sum 1\n%s  %s\nchain %s\n", fx.hex[0], fx.files[0], upper);
	expect_parse_error(t, msgc);
	free(t);
	expect_parse_error("pgfleet.sum 1\nchain\n", msg2);
}

static void test_parse_duplicate_file(void **state)
{
	(void)state;
	char *t = pgf_asprintf("pgfleet.sum 1\n%s  %s\n# c\n%s  %s\n%s  %s\nchain %s\n", fx.hex[0], fx.files[0],
	                       fx.hex[1], fx.files[1], fx.hex[2], fx.files[0], ZEROS);
	expect_parse_error(t, LABEL ":5: 0001_create_wells.sql is listed twice (also line 2)");
	free(t);
	/* three times, other files in between: the second listing is named */
	t = pgf_asprintf("pgfleet.sum 1\n%s  %s\n%s  %s\n%s  %s\n%s  %s\n%s  %s\nchain %s\n", fx.hex[3], fx.files[3],
	                 fx.hex[0], fx.files[0], fx.hex[1], fx.files[3], fx.hex[2], fx.files[2], fx.hex[1], fx.files[3],
	                 ZEROS);
	expect_parse_error(t, LABEL ":4: 0003_idx.sql is listed twice (also line 2)");
	free(t);
	/* the same name with a different hash is still a duplicate */
	t = pgf_asprintf("pgfleet.sum 1\n%s  x.sql\n%s  x.sql\nchain %s\n", fx.hex[0], fx.hex[1], ZEROS);
	expect_parse_error(t, LABEL ":3: x.sql is listed twice (also line 2)");
	free(t);
}

static void test_parse_line_after_chain(void **state)
{
	(void)state;
	char *t = pgf_asprintf("pgfleet.sum 1\n%s  %s\nchain %s\n%s  %s\n", fx.hex[0], fx.files[0], ZEROS, fx.hex[1],
	                       fx.files[1]);
	expect_parse_error(t, LABEL ":4: nothing may follow the chain line");
	free(t);
	t = pgf_asprintf("pgfleet.sum 1\nchain %s\n\nchain %s\n", ZEROS, ZEROS);
	expect_parse_error(t, LABEL ":4: nothing may follow the chain line");
	free(t);
}

static void test_parse_missing_chain(void **state)
{
	(void)state;
	char *t = pgf_asprintf("pgfleet.sum 1\n%s  %s\n%s  %s\n", fx.hex[0], fx.files[0], fx.hex[1], fx.files[1]);
	expect_parse_error(t, LABEL ": no chain line (truncated?)");
	free(t);
	expect_parse_error("pgfleet.sum 1\n", LABEL ": no chain line (truncated?)");
}

/* ---- from a migration set ---- */

static pgf_migration_set *make_set(bool drizzle)
{
	pgf_migration_set *set = pgf_calloc(1, sizeof(*set));
	set->scope = pgf_strdup("tenant");
	set->folder = pgf_strdup("db/tenant");
	set->drizzle = drizzle;
	if (drizzle)
		hex_of("{\"dialect\":\"postgresql\"}", set->journal_sha256);
	set->count = 2;
	set->items = pgf_calloc(2, sizeof(pgf_migration));
	set->items[0].version = pgf_strdup("0001");
	set->items[0].name = pgf_strdup("create_wells");
	set->items[0].file = pgf_strdup(fx.files[0]);
	memcpy(set->items[0].sha256, fx.hex[0], 65);
	set->items[1].version = pgf_strdup("0002");
	set->items[1].name = pgf_strdup("add_name");
	set->items[1].file = pgf_strdup(fx.files[1]);
	memcpy(set->items[1].sha256, fx.hex[1], 65);
	set->items[1].down_file = pgf_strdup(fx.files[2]);
	memcpy(set->items[1].down_sha256, fx.hex[2], 65);
	return set;
}

static void test_from_set(void **state)
{
	(void)state;
	pgf_migration_set *set = make_set(false);
	pgf_manifest *m = pgf_manifest_from_set(set);
	assert_int_equal(m->count, 3);
	assert_string_equal(m->entries[0].file, fx.files[0]);
	assert_string_equal(m->entries[1].file, fx.files[1]);
	assert_string_equal(m->entries[2].file, fx.files[2]); /* the down file follows its up file */
	assert_string_equal(m->entries[2].sha256, fx.hex[2]);
	const char *hexes[3] = { fx.hex[0], fx.hex[1], fx.hex[2] };
	char want[65];
	chain_by_hand(want, hexes, fx.files, 3);
	assert_string_equal(m->chain, want);
	pgf_manifest_free(m);
	pgf_migration_set_free(set);

	/* drizzle: the journal comes first */
	set = make_set(true);
	m = pgf_manifest_from_set(set);
	assert_int_equal(m->count, 4);
	assert_string_equal(m->entries[0].file, "meta/_journal.json");
	assert_string_equal(m->entries[0].sha256, set->journal_sha256);
	assert_string_equal(m->entries[1].file, fx.files[0]);
	const char *dh[4] = { set->journal_sha256, fx.hex[0], fx.hex[1], fx.hex[2] };
	const char *df[4] = { "meta/_journal.json", fx.files[0], fx.files[1], fx.files[2] };
	chain_by_hand(want, dh, df, 4);
	assert_string_equal(m->chain, want);
	pgf_manifest_free(m);
	pgf_migration_set_free(set);
}

/* Found by fuzz_manifest: a name with a control character (a CR before the
 * line's end, a NUL) did not survive format/parse; it is refused instead. */
static void test_parse_control_character_in_name(void **state)
{
	(void)state;
	static const char cr[] = "pgfleet.sum 1\n" ZEROS "  0001_a.sql\r\r\nchain " ZEROS "\n";
	static const char nul[] = "pgfleet.sum 1\n" ZEROS "  0001_a\0.sql\nchain " ZEROS "\n";
	pgf_manifest *m = NULL;
	pgf_error *err = NULL;
	assert_int_equal(pgf_manifest_parse(&m, cr, sizeof(cr) - 1, LABEL, &err), -1);
	assert_string_equal(err->message, LABEL ":2: a control character in a file name");
	pgf_error_free(err);
	err = NULL;
	assert_int_equal(pgf_manifest_parse(&m, nul, sizeof(nul) - 1, LABEL, &err), -1);
	assert_string_equal(err->message, LABEL ":2: a control character in a file name");
	pgf_error_free(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha256_vectors),
		cmocka_unit_test(test_chain_empty_is_zeros),
		cmocka_unit_test(test_chain_matches_formula),
		cmocka_unit_test(test_chain_changes),
		cmocka_unit_test(test_format_exact),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_parse_comments_blank_lines_crlf),
		cmocka_unit_test(test_parse_missing_header),
		cmocka_unit_test(test_parse_bad_hex),
		cmocka_unit_test(test_parse_duplicate_file),
		cmocka_unit_test(test_parse_line_after_chain),
		cmocka_unit_test(test_parse_missing_chain),
		cmocka_unit_test(test_from_set),
		cmocka_unit_test(test_parse_control_character_in_name),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
