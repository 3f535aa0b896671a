/* pgfleet-sshsig-tool: a thin command line over include/pgfleet/sshsig.h, so
 * that tests/integration/sshsig.sh can hold pgfleet's SSHSIG code against the
 * real ssh-keygen. Test-only: not installed.
 *
 *   verify SIGFILE MSGFILE NAMESPACE        prints "good KEYTYPE FINGERPRINT"
 *   fingerprint SIGFILE                     prints the signing key's SHA256: fingerprint
 *   sign KEYFILE MSGFILE NAMESPACE          prints the armored signature
 *   public KEYFILE                          prints "ssh-ed25519 AAAA..."
 *   key-fingerprint KEYFILE                 prints the private key's fingerprint
 *   find [--at UNIXTIME] ALLOWED_SIGNERS SIGFILE NAMESPACE [PRINCIPAL]
 *                                           prints the trusted principal
 *   check-allowed ALLOWED_SIGNERS           prints the number of signer lines
 *
 * Exit status: 0 success, 1 refused (each error on stderr, one line, with
 * "hint: " lines), 2 usage. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pgfleet/common.h"
#include "pgfleet/error.h"
#include "pgfleet/sshsig.h"

#define PROG "pgfleet-sshsig-tool"
#define MAX_MESSAGE (64 * 1024 * 1024)

static int usage(void)
{
	fprintf(stderr, "usage: " PROG " verify SIGFILE MSGFILE NAMESPACE\n"
	                "       " PROG " fingerprint SIGFILE\n"
	                "       " PROG " sign KEYFILE MSGFILE NAMESPACE\n"
	                "       " PROG " public KEYFILE\n"
	                "       " PROG " key-fingerprint KEYFILE\n"
	                "       " PROG " find [--at UNIXTIME] ALLOWED_SIGNERS SIGFILE NAMESPACE [PRINCIPAL]\n"
	                "       " PROG " check-allowed ALLOWED_SIGNERS\n");
	return 2;
}

static int fail(pgf_error *err)
{
	for (const pgf_error *e = err; e != NULL; e = e->next) {
		fprintf(stderr, PROG ": %s\n", e->message);
		if (e->hint != NULL)
			fprintf(stderr, "hint: %s\n", e->hint);
	}
	pgf_error_free(err);
	return 1;
}

static int load_sig(pgf_sshsig **sig, const char *path, pgf_error **err)
{
	pgf_buf b = PGF_BUF_INIT;
	int rc = pgf_file_read(&b, path, PGF_SSHSIG_MAX_ARMOR, err);
	if (rc == 0)
		rc = pgf_sshsig_parse(sig, b.ptr, b.len, err);
	pgf_buf_free(&b);
	return rc;
}

static int cmd_verify(int argc, char **argv)
{
	if (argc != 5)
		return usage();
	pgf_error *err = NULL;
	pgf_sshsig *sig = NULL;
	pgf_buf msg = PGF_BUF_INIT;
	if (load_sig(&sig, argv[2], &err) != 0 || pgf_file_read(&msg, argv[3], MAX_MESSAGE, &err) != 0 ||
	    pgf_sshsig_verify(sig, msg.ptr, msg.len, argv[4], &err) != 0) {
		pgf_sshsig_free(sig);
		pgf_buf_free(&msg);
		return fail(err);
	}
	char fp[PGF_FINGERPRINT_LEN];
	pgf_sshsig_fingerprint(sig, fp);
	printf("good %s %s\n", pgf_sshsig_key_type(sig), fp);
	pgf_sshsig_free(sig);
	pgf_buf_free(&msg);
	return 0;
}

static int cmd_fingerprint(int argc, char **argv)
{
	if (argc != 3)
		return usage();
	pgf_error *err = NULL;
	pgf_sshsig *sig = NULL;
	if (load_sig(&sig, argv[2], &err) != 0)
		return fail(err);
	char fp[PGF_FINGERPRINT_LEN];
	pgf_sshsig_fingerprint(sig, fp);
	printf("%s\n", fp);
	pgf_sshsig_free(sig);
	return 0;
}

static int cmd_sign(int argc, char **argv)
{
	if (argc != 5)
		return usage();
	pgf_error *err = NULL;
	pgf_signer *k = NULL;
	pgf_buf msg = PGF_BUF_INIT;
	char *armor = NULL;
	if (pgf_signer_load(&k, argv[2], &err) != 0 || pgf_file_read(&msg, argv[3], MAX_MESSAGE, &err) != 0 ||
	    pgf_signer_sign(&armor, k, msg.ptr, msg.len, argv[4], &err) != 0) {
		pgf_signer_free(k);
		pgf_buf_free(&msg);
		return fail(err);
	}
	fputs(armor, stdout);
	free(armor);
	pgf_signer_free(k);
	pgf_buf_free(&msg);
	return 0;
}

static int cmd_key(int argc, char **argv, bool fingerprint)
{
	if (argc != 3)
		return usage();
	pgf_error *err = NULL;
	pgf_signer *k = NULL;
	if (pgf_signer_load(&k, argv[2], &err) != 0)
		return fail(err);
	if (fingerprint) {
		char fp[PGF_FINGERPRINT_LEN];
		pgf_signer_fingerprint(k, fp);
		printf("%s\n", fp);
	} else {
		char *line = pgf_signer_public_line(k);
		printf("%s\n", line);
		free(line);
	}
	pgf_signer_free(k);
	return 0;
}

static int cmd_find(int argc, char **argv)
{
	int64_t when = (int64_t)time(NULL);
	int i = 2;
	if (argc > 3 && strcmp(argv[2], "--at") == 0) {
		char *end = NULL;
		errno = 0;
		long long v = strtoll(argv[3], &end, 10);
		if (errno != 0 || end == argv[3] || *end != '\0')
			return usage();
		when = v;
		i = 4;
	}
	if (argc - i != 3 && argc - i != 4)
		return usage();
	pgf_error *err = NULL;
	pgf_allowed_signers *as = NULL;
	pgf_sshsig *sig = NULL;
	const char *who = NULL;
	if (pgf_allowed_signers_load(&as, argv[i], &err) != 0 || load_sig(&sig, argv[i + 1], &err) != 0 ||
	    pgf_allowed_signers_find(&who, as, sig, argv[i + 2], when, argc - i == 4 ? argv[i + 3] : NULL, &err) != 0) {
		pgf_allowed_signers_free(as);
		pgf_sshsig_free(sig);
		return fail(err);
	}
	printf("%s\n", who);
	pgf_allowed_signers_free(as);
	pgf_sshsig_free(sig);
	return 0;
}

static int cmd_check_allowed(int argc, char **argv)
{
	if (argc != 3)
		return usage();
	pgf_error *err = NULL;
	pgf_allowed_signers *as = NULL;
	if (pgf_allowed_signers_load(&as, argv[2], &err) != 0)
		return fail(err);
	printf("%zu\n", pgf_allowed_signers_count(as));
	pgf_allowed_signers_free(as);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	const char *cmd = argv[1];
	if (strcmp(cmd, "verify") == 0)
		return cmd_verify(argc, argv);
	if (strcmp(cmd, "fingerprint") == 0)
		return cmd_fingerprint(argc, argv);
	if (strcmp(cmd, "sign") == 0)
		return cmd_sign(argc, argv);
	if (strcmp(cmd, "public") == 0)
		return cmd_key(argc, argv, false);
	if (strcmp(cmd, "key-fingerprint") == 0)
		return cmd_key(argc, argv, true);
	if (strcmp(cmd, "find") == 0)
		return cmd_find(argc, argv);
	if (strcmp(cmd, "check-allowed") == 0)
		return cmd_check_allowed(argc, argv);
	return usage();
}
