/* shard.h: --shard I/N parsing and the partition by a hash of the id. */
#include "unit.h"

#include "pgfleet/shard.h"

static void parses(const char *text, uint32_t i, uint32_t n)
{
	pgf_shard s = { 99, 99 };
	const char *why = NULL;
	if (pgf_shard_parse(&s, text, &why) != 0)
		fail_msg("%s: refused: %s", text, why);
	assert_int_equal(s.index, i);
	assert_int_equal(s.count, n);
}

static void refuses(const char *text, const char *reason)
{
	pgf_shard s = { 0, 0 };
	const char *why = NULL;
	if (pgf_shard_parse(&s, text, &why) == 0)
		fail_msg("%s: accepted as %u/%u", text, s.index, s.count);
	assert_non_null(why);
	assert_contains(why, reason);
	assert_null(strchr(why, '\n'));
}

static void test_parse(void **state)
{
	(void)state;
	parses("0/1", 0, 1);
	parses("0/4", 0, 4);
	parses("3/4", 3, 4);
	parses("65535/65536", 65535, 65536);
	refuses("3/3", "0 to N-1");
	refuses("4/3", "0 to N-1");
	refuses("-1/2", "decimal");
	refuses("a/b", "decimal");
	refuses("1/0", "N must be");
	refuses("0/0", "N must be");
	refuses("0/65537", "N must be");
	refuses("1", "expected I/N");
	refuses("", "expected I/N");
	refuses("/4", "decimal");
	refuses("1/", "decimal");
	refuses(" 1/2", "decimal");
	refuses("1/2/3", "decimal");
	refuses("+1/2", "decimal");
	refuses("1/2x", "decimal");
	refuses("99999999999999999999/2", "decimal");
}

/* Known SHA-256 values: the key is their first 16 hex digits. */
static void test_key_is_sha256_prefix(void **state)
{
	(void)state;
	assert_true(pgf_shard_key("") == UINT64_C(0xe3b0c44298fc1c14));
	assert_true(pgf_shard_key("abc") == UINT64_C(0xba7816bf8f01cfea));
	assert_true(pgf_shard_key("00000000-0000-0000-0000-000000000001") == UINT64_C(0x7ac1b8d7010bb6cd));
	assert_int_equal(pgf_shard_of("abc", 4), (uint32_t)(UINT64_C(0xba7816bf8f01cfea) % 4));
	assert_int_equal(pgf_shard_of("abc", 7), (uint32_t)(UINT64_C(0xba7816bf8f01cfea) % 7));
}

static void id_of(char out[64], unsigned i)
{
	snprintf(out, 64, "00000000-0000-4000-8000-%012u", i);
}

/* Every id is in exactly one shard; adding ids never moves the others; the
 * shards are roughly balanced. */
static void test_partition(void **state)
{
	(void)state;
	enum { IDS = 4000, N = 4 };
	static uint32_t before[IDS];
	char id[64];
	unsigned per[N] = { 0 };
	for (unsigned i = 0; i < IDS / 2; i++) {
		id_of(id, i);
		before[i] = pgf_shard_of(id, N);
		unsigned in = 0;
		for (uint32_t k = 0; k < N; k++) {
			pgf_shard s = { k, N };
			in += pgf_shard_contains(&s, id);
		}
		assert_int_equal(in, 1);
	}
	/* "adding" the second half: the first half keeps its shards */
	for (unsigned i = 0; i < IDS; i++) {
		id_of(id, i);
		uint32_t k = pgf_shard_of(id, N);
		if (i < IDS / 2)
			assert_int_equal(k, before[i]);
		per[k]++;
	}
	for (unsigned k = 0; k < N; k++) /* expected 1000 each; 5 sigma is about 140 */
		if (per[k] < 800 || per[k] > 1200)
			fail_msg("shard %u holds %u of %d ids", k, per[k], IDS);
	pgf_shard all = { 0, 0 };
	assert_true(pgf_shard_contains(&all, "anything"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_key_is_sha256_prefix),
		cmocka_unit_test(test_partition),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
