/* fuzz_manifest: pgf_manifest_parse (pgfleet.sum) on arbitrary text; when it
 * parses, a format/parse round trip must give the same manifest:
 *
 *     m1 = parse(input); t1 = format(m1); m2 = parse(t1)
 *     m2 parses, has m1's entries in m1's order, m2's chain (as written by
 *     format) is pgf_manifest_chain(m1), and format(m2) == t1.
 *
 * Any difference aborts with the two sides printed. */
#include <string.h>

#include "fuzz.h"
#include "pgfleet/manifest.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pgf_manifest *m1 = NULL;
	pgf_error *err = NULL;
	if (pgf_manifest_parse(&m1, (const char *)data, size, "pgfleet.sum", &err) != 0) {
		FUZZ_CHECK(err != NULL && err->message != NULL && err->message[0] != '\0', "refusal without a message");
		pgf_error_free(err);
		return 0;
	}
	FUZZ_CHECK(m1 != NULL && err == NULL, "success with an error set");
	FUZZ_CHECK(strlen(m1->chain) == PGF_SHA256_HEX_LEN, "chain \"%s\"", m1->chain);
	for (size_t i = 0; i < m1->count; i++)
		FUZZ_CHECK(strlen(m1->entries[i].sha256) == PGF_SHA256_HEX_LEN && m1->entries[i].line > 0,
		           "entry %zu: sha256 %s, line %zu", i, m1->entries[i].sha256, m1->entries[i].line);

	char *t1 = pgf_manifest_format(m1);
	pgf_manifest *m2 = NULL;
	int rc = pgf_manifest_parse(&m2, t1, strlen(t1), "formatted", &err);
	FUZZ_CHECK(rc == 0, "the formatted manifest does not parse: %s\n--- formatted:\n%s",
	           err ? err->message : "(no error)", t1);
	FUZZ_CHECK(m2->count == m1->count, "%zu entries became %zu\n--- formatted:\n%s", m1->count, m2->count, t1);
	for (size_t i = 0; i < m1->count; i++) {
		const pgf_manifest_entry *a = &m1->entries[i], *b = &m2->entries[i];
		char x[256], y[256];
		FUZZ_CHECK(strcmp(a->file, b->file) == 0 && strcmp(a->sha256, b->sha256) == 0,
		           "entry %zu (input line %zu): \"%s\" %s became \"%s\" %s", i, a->line,
		           fuzz_escape(x, sizeof(x), a->file), a->sha256, fuzz_escape(y, sizeof(y), b->file), b->sha256);
	}
	char chain[PGF_SHA256_HEX_LEN + 1];
	pgf_manifest_chain(m1, chain);
	FUZZ_CHECK(strcmp(chain, m2->chain) == 0, "chain %s, formatted as %s", chain, m2->chain);
	char *t2 = pgf_manifest_format(m2);
	FUZZ_CHECK(strcmp(t1, t2) == 0, "format(parse(format(m))) != format(m)\n--- first:\n%s--- second:\n%s", t1, t2);
	free(t2);
	pgf_manifest_free(m2);
	free(t1);
	pgf_manifest_free(m1);
	return 0;
}
