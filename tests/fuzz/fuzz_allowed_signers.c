/* fuzz_allowed_signers: pgf_allowed_signers_parse on arbitrary text, then
 * pgf_allowed_signers_find for a fixed ed25519 signature (the seed
 * corpus/sshsig/ed25519.sig) at several times, with and without a principal,
 * so that the principal patterns, namespaces and validity windows a mutated
 * file carries are exercised too.
 *
 * Invariants: a refusal comes with a message and no object; a successful
 * find names a non-empty principal (the caller's, when one was given). */
#include <string.h>

#include "fuzz.h"
#include "pgfleet/sshsig.h"

static const char sig_text[] =
#include "sshsig_ed25519.inc"
        ;
static pgf_sshsig *sig;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* allowed_signers times without Z are local time: make runs reproducible */
	setenv("TZ", "UTC", 1);
	pgf_error *err = NULL;
	if (pgf_sshsig_parse(&sig, sig_text, sizeof(sig_text) - 1, &err) != 0) {
		fprintf(stderr, "fuzz_allowed_signers: the built-in signature does not parse: %s\n", err->message);
		abort();
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pgf_allowed_signers *as = NULL;
	pgf_error *err = NULL;
	if (pgf_allowed_signers_parse(&as, (const char *)data, size, "allowed_signers", &err) != 0) {
		FUZZ_CHECK(as == NULL && err != NULL && err->message != NULL && err->message[0] != '\0',
		           "refusal without a message or with an object");
		pgf_error_free(err);
		return 0;
	}
	FUZZ_CHECK(as != NULL && err == NULL, "success with an error set");
	size_t lines = 1;
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	FUZZ_CHECK(pgf_allowed_signers_count(as) <= lines, "%zu signers in %zu lines", pgf_allowed_signers_count(as),
	           lines);

	static const int64_t times[] = { 1, 1704067200 /* 2024-01-01 */, 1735689600 /* 2025-01-01 */,
		                         4102444800 /* 2100-01-01 */ };
	static const char *const principals[] = { NULL, "alice@example.com", "mallory@example.com", "*" };
	static const char *const namespaces[] = { FUZZ_NAMESPACE, "git" };
	for (size_t t = 0; t < sizeof(times) / sizeof(times[0]); t++)
		for (size_t p = 0; p < sizeof(principals) / sizeof(principals[0]); p++)
			for (size_t n = 0; n < sizeof(namespaces) / sizeof(namespaces[0]); n++) {
				const char *who = NULL;
				int rc = pgf_allowed_signers_find(&who, as, sig, namespaces[n], times[t], principals[p], &err);
				if (rc == 0) {
					FUZZ_CHECK(n == 0, "the signature's namespace is " FUZZ_NAMESPACE ", found for %s",
					           namespaces[n]);
					FUZZ_CHECK(who != NULL && who[0] != '\0', "found, but no principal");
					FUZZ_CHECK(principals[p] == NULL || who == principals[p], "found %s for %s", who,
					           principals[p]);
					FUZZ_CHECK(principals[p] != NULL || who[0] != '!', "a negated pattern named: %s", who);
				} else {
					FUZZ_CHECK(err != NULL && err->message != NULL, "refused without a message");
				}
				pgf_error_free(err);
				err = NULL;
			}
	pgf_allowed_signers_free(as);
	return 0;
}
