/* fuzz_sshsig: the SSHSIG armor and blob parser (pgf_sshsig_parse), then
 * pgf_sshsig_verify on a fixed message and namespace.
 *
 * Input: an armored signature ("-----BEGIN SSH SIGNATURE-----" ...) as is, or
 * anything else as a raw SSHSIG blob, which the target armors itself (its own
 * base64 encoder, 70-column lines as ssh-keygen writes) so that mutations
 * reach the blob and key parsers without having to keep base64 valid.
 *
 * Invariants checked beyond "no crash, no sanitizer report":
 *  - a refusal comes with an error message and no object; success with none;
 *  - the getters of a parsed signature are sane (hash sha256/sha512, a
 *    "SHA256:" fingerprint of 50 characters, a key blob);
 *  - a signature never verifies a different message, nor another namespace;
 *  - a key pgf_sshsig_parse accepted is accepted in an allowed_signers line,
 *    and pgf_allowed_signers_find then names that line's principal exactly
 *    when the signature's namespace is the one the line allows. */
#include <stdbool.h>
#include <string.h>

#include "fuzz.h"
#include "pgfleet/sshsig.h"

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Standard padded base64 of d into out (room: 4 * ((n + 2) / 3) + 1); every
 * `wrap` characters (0: never) a newline. Returns the length. */
static size_t base64(char *out, const uint8_t *d, size_t n, size_t wrap)
{
	size_t o = 0, col = 0;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)d[i] << 16 | (i + 1 < n ? (uint32_t)d[i + 1] << 8 : 0) | (i + 2 < n ? d[i + 2] : 0);
		char q[4] = { b64[v >> 18], b64[(v >> 12) & 63], i + 1 < n ? b64[(v >> 6) & 63] : '=',
			      i + 2 < n ? b64[v & 63] : '=' };
		for (int k = 0; k < 4; k++) {
			if (wrap && col == wrap) {
				out[o++] = '\n';
				col = 0;
			}
			out[o++] = q[k];
			col++;
		}
	}
	out[o] = '\0';
	return o;
}

static char *armor(const uint8_t *blob, size_t n, size_t *len)
{
	static const char begin[] = "-----BEGIN SSH SIGNATURE-----\n", end[] = "\n-----END SSH SIGNATURE-----\n";
	size_t room = sizeof(begin) + sizeof(end) + 4 * ((n + 2) / 3) + 4 * ((n + 2) / 3) / 70 + 2;
	char *s = malloc(room);
	if (s == NULL)
		abort();
	size_t o = sizeof(begin) - 1;
	memcpy(s, begin, o);
	o += base64(s + o, blob, n, 70);
	memcpy(s + o, end, sizeof(end));
	*len = o + sizeof(end) - 1;
	return s;
}

static void check_trust(const pgf_sshsig *sig)
{
	size_t bloblen = 0;
	const unsigned char *blob = pgf_sshsig_key_blob(sig, &bloblen);
	const char *type = pgf_sshsig_key_type(sig);
	char *line = malloc(128 + strlen(type) + 4 * ((bloblen + 2) / 3) + 1);
	if (line == NULL)
		abort();
	int n = sprintf(line, "fuzz@example.com namespaces=\"" FUZZ_NAMESPACE "\" %s ", type);
	n += (int)base64(line + n, blob, bloblen, 0);
	line[n++] = '\n';

	pgf_allowed_signers *as = NULL;
	pgf_error *err = NULL;
	int rc = pgf_allowed_signers_parse(&as, line, (size_t)n, "fuzz", &err);
	FUZZ_CHECK(rc == 0, "allowed_signers refuses the key of a parsed signature: %s\n%.*s",
	           err ? err->message : "(no error)", n, line);
	FUZZ_CHECK(pgf_allowed_signers_count(as) == 1, "count %zu", pgf_allowed_signers_count(as));

	bool ours = strcmp(pgf_sshsig_namespace(sig), FUZZ_NAMESPACE) == 0;
	const char *who = NULL;
	rc = pgf_allowed_signers_find(&who, as, sig, FUZZ_NAMESPACE, 1735689600, NULL, &err);
	FUZZ_CHECK((rc == 0) == ours, "find returned %d for namespace \"%s\": %s", rc, pgf_sshsig_namespace(sig),
	           err ? err->message : "(no error)");
	FUZZ_CHECK(rc != 0 || (who != NULL && strcmp(who, "fuzz@example.com") == 0), "who = %s", who ? who : "NULL");
	rc = pgf_allowed_signers_find(&who, as, sig, FUZZ_NAMESPACE, 1735689600, "mallory@example.com", &err);
	FUZZ_CHECK(rc != 0, "a principal the line does not list was accepted");
	if (!ours) {
		/* its own namespace, which the line does not allow */
		rc = pgf_allowed_signers_find(&who, as, sig, pgf_sshsig_namespace(sig), 1735689600, NULL, &err);
		FUZZ_CHECK(rc != 0, "namespace \"%s\" accepted by namespaces=\"" FUZZ_NAMESPACE "\"",
		           pgf_sshsig_namespace(sig));
	}
	pgf_error_free(err);
	pgf_allowed_signers_free(as);
	free(line);
}

static void check_text(const char *text, size_t len)
{
	pgf_sshsig *sig = NULL;
	pgf_error *err = NULL;
	if (pgf_sshsig_parse(&sig, text, len, &err) != 0) {
		FUZZ_CHECK(sig == NULL && err != NULL && err->message != NULL && err->message[0] != '\0',
		           "refusal without a message or with an object");
		pgf_error_free(err);
		return;
	}
	FUZZ_CHECK(sig != NULL && err == NULL, "success with an error set");

	const char *ns = pgf_sshsig_namespace(sig), *alg = pgf_sshsig_hash_algorithm(sig);
	FUZZ_CHECK(ns != NULL && ns[0] != '\0', "empty namespace");
	FUZZ_CHECK(strcmp(alg, "sha256") == 0 || strcmp(alg, "sha512") == 0, "hash algorithm %s", alg);
	FUZZ_CHECK(pgf_sshsig_key_type(sig) != NULL, "no key type");
	size_t bloblen = 0;
	FUZZ_CHECK(pgf_sshsig_key_blob(sig, &bloblen) != NULL && bloblen > 0, "no key blob");
	char fp[PGF_FINGERPRINT_LEN];
	pgf_sshsig_fingerprint(sig, fp);
	FUZZ_CHECK(strlen(fp) == PGF_FINGERPRINT_LEN - 1 && strncmp(fp, "SHA256:", 7) == 0, "fingerprint %s", fp);

	/* The fixed message: real seeds verify, mutated ones must be refused
	 * cleanly. Either way, never a different message or namespace. */
	static const char msg[] = FUZZ_MESSAGE;
	int good = pgf_sshsig_verify(sig, msg, sizeof(msg) - 1, FUZZ_NAMESPACE, &err);
	FUZZ_CHECK(good != 0 || strcmp(ns, FUZZ_NAMESPACE) == 0, "verified under another namespace");
	pgf_error_free(err);
	err = NULL;
	char other[sizeof(msg)];
	memcpy(other, msg, sizeof(msg));
	other[sizeof(msg) - 3] ^= 1; /* the last hex digit of the sha256 line */
	FUZZ_CHECK(pgf_sshsig_verify(sig, other, sizeof(msg) - 1, ns, &err) != 0, "a different message verified");
	pgf_error_free(err);
	err = NULL;
	FUZZ_CHECK(pgf_sshsig_verify(sig, msg, sizeof(msg) - 1, "pgfleet-approvaL", &err) != 0,
	           "verified against a namespace that is not the signature's");
	pgf_error_free(err);

	check_trust(sig);
	pgf_sshsig_free(sig);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	setenv("TZ", "UTC", 1);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size >= 5 && memcmp(data, "-----", 5) == 0) {
		check_text((const char *)data, size);
	} else if (size <= PGF_SSHSIG_MAX_ARMOR / 2) {
		size_t len = 0;
		char *text = armor(data, size, &len);
		check_text(text, len);
		free(text);
	}
	return 0;
}
