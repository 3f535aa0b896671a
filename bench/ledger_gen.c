/* bench/ledger_gen: writes N valid, chained, signed ledger rows as COPY text
 * (seq, body, prev_hash, hash, signature, key_fingerprint) on stdout, for
 * bench/ledger.sh. Bodies are canonical JSON like pgfleet's own entries.
 *
 *   ledger_gen KEY N > rows.copy */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgfleet/digest.h"
#include "pgfleet/sshsig.h"

/* COPY text format: backslash, newline, tab and CR escaped */
static void copy_field(const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", stdout);
		else if (*s == '\n')
			fputs("\\n", stdout);
		else if (*s == '\t')
			fputs("\\t", stdout);
		else if (*s == '\r')
			fputs("\\r", stdout);
		else
			putchar(*s);
	}
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: ledger_gen KEY N\n");
		return 2;
	}
	pgf_error *err = NULL;
	pgf_signer *k = NULL;
	if (pgf_signer_load(&k, argv[1], &err) != 0) {
		fprintf(stderr, "ledger_gen: %s\n", err->message);
		return 2;
	}
	char fp[PGF_FINGERPRINT_LEN];
	pgf_signer_fingerprint(k, fp);
	long long n = atoll(argv[2]);
	char prev[65];
	memset(prev, '0', 64);
	prev[64] = '\0';
	for (long long seq = 1; seq <= n; seq++) {
		json_t *b = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:s}", "kind", seq % 2 ? "intent" : "applied",
		                      "target", "tenant-bench", "scope", "tenant", "version", "0001", "sha256",
		                      "ab39a15ef4be08c245b8dbb77d06301972454aca9dcb72adb4a4799d9ee4eac5", "prev", prev, "seq",
		                      (json_int_t)seq, "time", "2026-11-24T00:00:00.000Z");
		char *body = json_dumps(b, JSON_SORT_KEYS | JSON_COMPACT | JSON_ENSURE_ASCII);
		char hash[65];
		pgf_sha256_hex(body, strlen(body), hash);
		char *sig = NULL;
		if (pgf_signer_sign(&sig, k, body, strlen(body), "pgfleet-ledger", &err) != 0) {
			fprintf(stderr, "ledger_gen: %s\n", err->message);
			return 1;
		}
		printf("%lld\t", seq);
		copy_field(body);
		printf("\t%s\t%s\t", prev, hash);
		copy_field(sig);
		printf("\t%s\n", fp);
		memcpy(prev, hash, sizeof(prev));
		free(sig);
		free(body);
		json_decref(b);
	}
	fprintf(stderr, "%s\n", prev);
	pgf_signer_free(k);
	return 0;
}
