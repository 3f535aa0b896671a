/* common.h and error.h: edit distance, suggestions, buffers, strings, errors. */
#include "unit.h"

#include "pgfleet/common.h"
#include "pgfleet/error.h"

/* ---- pgf_levenshtein ---- */

static void test_levenshtein_values(void **state)
{
	(void)state;
	assert_int_equal(pgf_levenshtein("", ""), 0);
	assert_int_equal(pgf_levenshtein("abc", ""), 3);
	assert_int_equal(pgf_levenshtein("", "abcd"), 4);
	assert_int_equal(pgf_levenshtein("same", "same"), 0);
	assert_int_equal(pgf_levenshtein("a", "b"), 1);
	assert_int_equal(pgf_levenshtein("kitten", "sitting"), 3);
	assert_int_equal(pgf_levenshtein("flaw", "lawn"), 2);
	assert_int_equal(pgf_levenshtein("intention", "execution"), 5);
	assert_int_equal(pgf_levenshtein("no-transaction", "no-transacton"), 1);  /* deletion */
	assert_int_equal(pgf_levenshtein("scope", "scopes"), 1);                  /* insertion */
	assert_int_equal(pgf_levenshtein("fodler", "folder"), 2);                 /* transposition = 2 */
	assert_int_equal(pgf_levenshtein("abc", "xyz"), 3);                       /* substitutions */
	assert_int_equal(pgf_levenshtein("Abc", "abc"), 1);                       /* case-sensitive */
}

static void test_levenshtein_symmetric(void **state)
{
	(void)state;
	static const char *const words[] = { "", "a", "ab", "version", "versoin", "tenants_query", "max_file_bytes" };
	size_t n = sizeof(words) / sizeof(words[0]);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++)
			assert_int_equal(pgf_levenshtein(words[i], words[j]), pgf_levenshtein(words[j], words[i]));
}

/* ---- pgf_suggest ---- */

static const char *const config_keys[] = { "version", "scopes", "tenants_query", "max_file_bytes" };
#define NKEYS (sizeof(config_keys) / sizeof(config_keys[0]))

static void test_suggest_close_word(void **state)
{
	(void)state;
	assert_string_equal(pgf_suggest("scope", config_keys, NKEYS), "scopes");
	assert_string_equal(pgf_suggest("versoin", config_keys, NKEYS), "version");   /* 2 edits, limit 7/3 = 2 */
	assert_string_equal(pgf_suggest("tenant_query", config_keys, NKEYS), "tenants_query");
	assert_string_equal(pgf_suggest("max_file_byte", config_keys, NKEYS), "max_file_bytes");
	/* the exact word is its own suggestion */
	assert_string_equal(pgf_suggest("scopes", config_keys, NKEYS), "scopes");
	/* returns the candidate pointer itself */
	assert_ptr_equal(pgf_suggest("scope", config_keys, NKEYS), config_keys[1]);
}

static void test_suggest_far_word(void **state)
{
	(void)state;
	assert_null(pgf_suggest("zzzzzz", config_keys, NKEYS));
	assert_null(pgf_suggest("folder", config_keys, NKEYS));
	/* 3 edits on a 7-letter word: over the limit of 7/3 = 2 */
	assert_null(pgf_suggest("vrsoinn", config_keys, NKEYS));
	/* no candidates at all */
	assert_null(pgf_suggest("scopes", config_keys, 0));
}

static void test_suggest_short_words(void **state)
{
	(void)state;
	/* words shorter than 6 letters still allow one edit */
	static const char *const one[] = { "a", "xyz" };
	assert_string_equal(pgf_suggest("ab", one, 2), "a");
	static const char *const y[] = { "y" };
	assert_string_equal(pgf_suggest("x", y, 1), "y");
	static const char *const yy[] = { "yy" };
	assert_null(pgf_suggest("x", yy, 1));   /* two edits on a one-letter word */
	assert_null(pgf_suggest("", yy, 1));
	static const char *const empty[] = { "" };
	assert_string_equal(pgf_suggest("q", empty, 1), "");
	/* 5 letters: limit is still 1 */
	static const char *const tgt[] = { "target" };
	assert_null(pgf_suggest("trgte", tgt, 1));
}

static void test_suggest_limit_capped_at_three(void **state)
{
	(void)state;
	static const char *const q[] = { "tenants_query" };
	/* 17 letters: 17/3 = 5, capped at 3 */
	assert_string_equal(pgf_suggest("tenants_queryyy", q, 1), "tenants_query");   /* 2 edits */
	assert_string_equal(pgf_suggest("tenants_queryyyy", q, 1), "tenants_query");  /* 3 edits */
	assert_null(pgf_suggest("tenants_queryyyyy", q, 1));                          /* 4 edits */
	/* 12 letters: 12/3 = 4, capped at 3 */
	static const char *const four[] = { "abcdefghWXYZ" };
	static const char *const three[] = { "abcdefghiXYZ" };
	assert_int_equal(pgf_levenshtein("abcdefghijkl", four[0]), 4);
	assert_null(pgf_suggest("abcdefghijkl", four, 1));
	assert_string_equal(pgf_suggest("abcdefghijkl", three, 1), "abcdefghiXYZ");
}

static void test_suggest_tie_first_wins(void **state)
{
	(void)state;
	static const char *const c[] = { "cat", "bat", "hat" };
	assert_ptr_equal(pgf_suggest("mat", c, 3), c[0]);
	assert_ptr_equal(pgf_suggest("bat", c, 3), c[1]);
}

/* ---- strings ---- */

static void test_strings(void **state)
{
	(void)state;
	assert_true(pgf_str_has_suffix("0001_x.sql", ".sql"));
	assert_true(pgf_str_has_suffix(".sql", ".sql"));
	assert_true(pgf_str_has_suffix("abc", ""));
	assert_false(pgf_str_has_suffix("sql", ".sql"));
	assert_false(pgf_str_has_suffix("0001_x.SQL", ".sql"));
	assert_false(pgf_str_has_suffix("0001_x.sql.bak", ".sql"));

	assert_true(pgf_str_is_digits("0123456789", 10));
	assert_true(pgf_str_is_digits("12ab", 2));
	assert_false(pgf_str_is_digits("12ab", 3));
	assert_false(pgf_str_is_digits("", 0));
	assert_false(pgf_str_is_digits("-1", 2));

	char *s = pgf_strndup("hello world", 5);
	assert_string_equal(s, "hello");
	free(s);
	s = pgf_strdup("");
	assert_string_equal(s, "");
	free(s);
	s = pgf_asprintf("%s:%zu:%d", "pgfleet.json", (size_t)12, -3);
	assert_string_equal(s, "pgfleet.json:12:-3");
	free(s);
}

static void test_array_grow(void **state)
{
	(void)state;
	int *a = NULL;
	size_t count = 0, cap = 0;
	for (int i = 0; i < 100; i++) {
		PGF_ARRAY_GROW(a, count, cap);
		a[count++] = i * i;
	}
	assert_int_equal(count, 100);
	assert_int_equal(cap, 128);  /* 16, 32, 64, 128 */
	for (int i = 0; i < 100; i++)
		assert_int_equal(a[i], i * i);
	free(a);
}

/* ---- pgf_buf ---- */

static void test_buf_growth(void **state)
{
	(void)state;
	pgf_buf b = PGF_BUF_INIT;
	assert_null(b.ptr);
	pgf_buf_puts(&b, "abc");
	assert_int_equal(b.len, 3);
	assert_int_equal(b.cap, 64);
	assert_string_equal(b.ptr, "abc");

	/* 1000 single bytes: the capacity doubles and the contents survive */
	for (int i = 0; i < 1000; i++) {
		char c = (char)('a' + i % 26);
		pgf_buf_put(&b, &c, 1);
		assert_int_equal(b.ptr[b.len], '\0');
		assert_true(b.cap > b.len);
	}
	assert_int_equal(b.len, 1003);
	assert_int_equal(b.cap, 1024);
	assert_int_equal(strlen(b.ptr), 1003);
	assert_memory_equal(b.ptr, "abc", 3);
	for (size_t i = 0; i < 1000; i++)
		assert_int_equal(b.ptr[3 + i], 'a' + (int)(i % 26));

	/* one large put grows past several doublings at once */
	char big[5000];
	memset(big, 'z', sizeof(big));
	pgf_buf_put(&b, big, sizeof(big));
	assert_int_equal(b.len, 6003);
	assert_int_equal(b.cap, 8192);
	assert_int_equal(b.ptr[6002], 'z');
	assert_int_equal(b.ptr[6003], '\0');

	/* clear keeps the allocation */
	pgf_buf_clear(&b);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 8192);
	assert_string_equal(b.ptr, "");

	pgf_buf_free(&b);
	assert_null(b.ptr);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
}

static void test_buf_binary(void **state)
{
	(void)state;
	pgf_buf b = PGF_BUF_INIT;
	pgf_buf_put(&b, "a\0b", 3);
	assert_int_equal(b.len, 3);
	assert_memory_equal(b.ptr, "a\0b\0", 4);
	pgf_buf_put(&b, NULL, 0);  /* zero-length put is fine */
	assert_int_equal(b.len, 3);
	pgf_buf_free(&b);

	/* a zero-length put on an empty buffer still yields "" */
	pgf_buf e = PGF_BUF_INIT;
	pgf_buf_put(&e, "", 0);
	assert_non_null(e.ptr);
	assert_string_equal(e.ptr, "");
	pgf_buf_free(&e);
}

static void test_buf_printf(void **state)
{
	(void)state;
	pgf_buf b = PGF_BUF_INIT;
	pgf_buf_printf(&b, "%s:%d:", "file.sql", 42);
	assert_string_equal(b.ptr, "file.sql:42:");
	assert_int_equal(b.len, 12);
	pgf_buf_printf(&b, " %05.1f|%-4s|%x", 3.14159, "ab", 255u);
	assert_string_equal(b.ptr, "file.sql:42: 003.1|ab  |ff");
	assert_int_equal(b.len, strlen(b.ptr));

	/* a printf that needs more than the current capacity */
	char word[300];
	memset(word, 'w', sizeof(word) - 1);
	word[sizeof(word) - 1] = '\0';
	pgf_buf_printf(&b, "[%s]", word);
	assert_int_equal(b.len, 26 + 301);
	assert_int_equal(b.ptr[26], '[');
	assert_int_equal(b.ptr[26 + 300], ']');
	assert_int_equal(b.ptr[b.len], '\0');
	assert_true(b.cap >= b.len + 1);

	/* an empty expansion changes nothing */
	size_t len = b.len;
	pgf_buf_printf(&b, "%s", "");
	assert_int_equal(b.len, len);
	pgf_buf_free(&b);
}

static void test_buf_detach(void **state)
{
	(void)state;
	pgf_buf b = PGF_BUF_INIT;
	pgf_buf_printf(&b, "chain %s", "abc");
	char *s = pgf_buf_detach(&b);
	assert_string_equal(s, "chain abc");
	assert_null(b.ptr);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
	free(s);

	/* the buffer is usable again after detaching */
	pgf_buf_puts(&b, "again");
	assert_string_equal(b.ptr, "again");
	s = pgf_buf_detach(&b);
	assert_string_equal(s, "again");
	free(s);

	/* detaching a never-used buffer gives an allocated "" */
	pgf_buf e = PGF_BUF_INIT;
	s = pgf_buf_detach(&e);
	assert_non_null(s);
	assert_string_equal(s, "");
	free(s);
}

/* ---- pgf_error ---- */

static void test_error_set_and_count(void **state)
{
	(void)state;
	pgf_error *err = NULL;
	assert_int_equal(pgf_error_count(err), 0);
	assert_int_equal(pgf_error_set(&err, PGF_ERR_INPUT, "%s:%d: bad name", "0001-x.sql", 1), -1);
	assert_non_null(err);
	assert_int_equal(err->code, PGF_ERR_INPUT);
	assert_string_equal(err->message, "0001-x.sql:1: bad name");
	assert_null(err->hint);
	assert_null(err->detail);
	assert_null(err->next);
	assert_int_equal(pgf_error_count(err), 1);

	assert_int_equal(pgf_error_set(&err, PGF_ERR_CONFIG, "second"), -1);
	assert_int_equal(pgf_error_count(err), 2);
	/* the chain keeps insertion order */
	assert_string_equal(err->message, "0001-x.sql:1: bad name");
	assert_string_equal(err->next->message, "second");
	assert_int_equal(err->next->code, PGF_ERR_CONFIG);
	pgf_error_free(err);

	/* err == NULL: nothing is recorded, -1 is still returned */
	assert_int_equal(pgf_error_set(NULL, PGF_ERR_IO, "ignored %d", 1), -1);
	pgf_error_free(NULL);
}

static void test_error_hint_detail_on_last(void **state)
{
	(void)state;
	pgf_error *err = NULL;
	pgf_error_set(&err, PGF_ERR_CONFIG, "first");
	pgf_error_set(&err, PGF_ERR_CONFIG, "second");
	pgf_error_hint(&err, "did you mean \"%s\"?", "scopes");
	pgf_error_detail(&err, "line %d", 7);
	assert_null(err->hint);
	assert_null(err->detail);
	assert_string_equal(err->next->hint, "did you mean \"scopes\"?");
	assert_string_equal(err->next->detail, "line 7");

	/* a second hint replaces the first */
	pgf_error_hint(&err, "other %s", "hint");
	assert_string_equal(err->next->hint, "other hint");

	/* after a third error, the hint goes to the third */
	pgf_error_set(&err, PGF_ERR_INPUT, "third");
	pgf_error_hint(&err, "h3");
	assert_string_equal(err->next->hint, "other hint");
	assert_string_equal(err->next->next->hint, "h3");
	pgf_error_free(err);

	/* a hint on no error, or with no error slot, is a no-op */
	pgf_error *none = NULL;
	pgf_error_hint(&none, "nothing");
	assert_null(none);
	pgf_error_hint(NULL, "nothing");
	pgf_error_detail(NULL, "nothing");
}

static void test_error_append(void **state)
{
	(void)state;
	pgf_error *a = NULL, *b = NULL;
	pgf_error_set(&a, PGF_ERR_INPUT, "a1");
	pgf_error_set(&a, PGF_ERR_INPUT, "a2");
	pgf_error_set(&b, PGF_ERR_GIT, "b1");
	pgf_error_set(&b, PGF_ERR_GIT, "b2");
	pgf_error_set(&b, PGF_ERR_GIT, "b3");
	pgf_error_append(&a, b);
	assert_int_equal(pgf_error_count(a), 5);
	const char *want[] = { "a1", "a2", "b1", "b2", "b3" };
	size_t i = 0;
	for (const pgf_error *e = a; e != NULL; e = e->next, i++)
		assert_string_equal(e->message, want[i]);
	assert_int_equal(i, 5);

	/* appending to an empty chain adopts it */
	pgf_error *c = NULL;
	pgf_error *d = NULL;
	pgf_error_set(&d, PGF_ERR_IO, "d1");
	pgf_error_append(&c, d);
	assert_ptr_equal(c, d);
	assert_int_equal(pgf_error_count(c), 1);

	/* appending nothing changes nothing */
	pgf_error_append(&c, NULL);
	assert_int_equal(pgf_error_count(c), 1);

	/* appending to no destination frees the source (checked by ASan's leak check) */
	pgf_error *e = NULL;
	pgf_error_set(&e, PGF_ERR_IO, "dropped");
	pgf_error_append(NULL, e);

	pgf_error_free(a);
	pgf_error_free(c);
}

static void test_error_long_message(void **state)
{
	(void)state;
	char word[2000];
	memset(word, 'x', sizeof(word) - 1);
	word[sizeof(word) - 1] = '\0';
	pgf_error *err = NULL;
	pgf_error_set(&err, PGF_ERR_INTERNAL, "<%s>", word);
	assert_int_equal(strlen(err->message), 2001);
	assert_int_equal(err->message[0], '<');
	assert_int_equal(err->message[2000], '>');
	pgf_error_free(err);
}

static void check_escaped(char *(*fn)(const char *), const char *in, const char *want)
{
	char *got = fn(in);
	assert_string_equal(got, want);
	free(got);
}

/* Valid UTF-8 is kept whole; a byte outside a valid sequence becomes \xNN:
 * stray continuation bytes, truncated sequences, overlong forms, UTF-16
 * surrogates and code points above U+10FFFF. */
static void test_str_utf8(void **state)
{
	(void)state;
	check_escaped(pgf_str_utf8, "", "");
	check_escaped(pgf_str_utf8, "plain\tline\n", "plain\tline\n");
	check_escaped(pgf_str_utf8, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\x98", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\x98");
	check_escaped(pgf_str_utf8, "caf\xe9", "caf\\xe9");
	check_escaped(pgf_str_utf8, "\x80x", "\\x80x");
	check_escaped(pgf_str_utf8, "\xe2\x82", "\\xe2\\x82");
	check_escaped(pgf_str_utf8, "\xc0\xaf", "\\xc0\\xaf");
	check_escaped(pgf_str_utf8, "\xe0\x80\xaf", "\\xe0\\x80\\xaf");
	check_escaped(pgf_str_utf8, "\xed\xa0\x80", "\\xed\\xa0\\x80");
	check_escaped(pgf_str_utf8, "\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80");
	check_escaped(pgf_str_utf8, "\xf5\x80\x80\x80", "\\xf5\\x80\\x80\\x80");
	/* printable: the same, and control characters too */
	check_escaped(pgf_str_printable, "a\nb\x7f caf\xc3\xa9 \xff", "a\\x0ab\\x7f caf\xc3\xa9 \\xff");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_levenshtein_values),
		cmocka_unit_test(test_levenshtein_symmetric),
		cmocka_unit_test(test_suggest_close_word),
		cmocka_unit_test(test_suggest_far_word),
		cmocka_unit_test(test_suggest_short_words),
		cmocka_unit_test(test_suggest_limit_capped_at_three),
		cmocka_unit_test(test_suggest_tie_first_wins),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_array_grow),
		cmocka_unit_test(test_buf_growth),
		cmocka_unit_test(test_buf_binary),
		cmocka_unit_test(test_buf_printf),
		cmocka_unit_test(test_buf_detach),
		cmocka_unit_test(test_error_set_and_count),
		cmocka_unit_test(test_error_hint_detail_on_last),
		cmocka_unit_test(test_error_append),
		cmocka_unit_test(test_error_long_message),
		cmocka_unit_test(test_str_utf8),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
