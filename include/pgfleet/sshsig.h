/* OpenSSH signatures (SSHSIG, as made by `ssh-keygen -Y sign`), verified and
 * made natively with OpenSSL; git/OpenSSH allowed_signers files.
 *
 * Verifying: pgf_sshsig_parse the armored text, pgf_sshsig_verify it against
 * the message and the expected namespace, then ask the trust root
 * (pgf_allowed_signers_find) who may have made it. Both steps are needed:
 * verify proves the key in the signature signed the message, find proves the
 * key is trusted for that namespace, principal and time.
 *
 * Key types verified: ssh-ed25519, ecdsa-sha2-nistp256/384/521, ssh-rsa keys
 * with rsa-sha2-256 or rsa-sha2-512 signatures (>= 1024 bits). Refused with a
 * clear error: ssh-rsa (SHA-1) signatures, certificates, security keys (sk-*),
 * DSA and unknown types.
 *
 * Signing (the audit ledger): an unencrypted Ed25519 private key, in OpenSSH
 * format (`ssh-keygen -t ed25519 -N ''`) or PKCS#8 PEM (`openssl genpkey
 * -algorithm ed25519`). The output is byte-for-byte what `ssh-keygen -Y sign`
 * writes for the same key, message and namespace (hash sha512; Ed25519 is
 * deterministic), so `ssh-keygen -Y verify` accepts it.
 *
 * Everything here is safe to use from several threads at once, on different
 * objects or (read-only: verify, find, sign) on the same object. */
#ifndef PGFLEET_SSHSIG_H
#define PGFLEET_SSHSIG_H

#include <stddef.h>
#include <stdint.h>

#include "pgfleet/error.h"

/* "SHA256:" + 43 base64 characters (no padding) + NUL: as `ssh-keygen -l` prints it. */
#define PGF_FINGERPRINT_LEN 51

/* Size caps (inputs larger than these are refused, never truncated). */
#define PGF_SSHSIG_MAX_ARMOR (64 * 1024)            /* an armored signature */
#define PGF_SSHSIG_MAX_NAMESPACE 256                /* a namespace, in bytes */
#define PGF_SIGNER_MAX_FILE (64 * 1024)             /* a private key file */
#define PGF_ALLOWED_SIGNERS_MAX_FILE (1024 * 1024)  /* an allowed_signers file */

/* ---- signatures ---- */

typedef struct pgf_sshsig pgf_sshsig;

/* Parses an armored signature ("-----BEGIN SSH SIGNATURE-----" ... "-----END
 * SSH SIGNATURE-----", optionally followed by whitespace only). Checks the
 * structure and the public key (type, size, curve point), not the signature. */
int pgf_sshsig_parse(pgf_sshsig **out, const char *armored, size_t len, pgf_error **err);

/* Borrowed getters, valid until pgf_sshsig_free. */
const char *pgf_sshsig_namespace(const pgf_sshsig *s);
const char *pgf_sshsig_hash_algorithm(const pgf_sshsig *s);  /* "sha256" or "sha512" */
const char *pgf_sshsig_key_type(const pgf_sshsig *s);        /* "ssh-ed25519", "ssh-rsa", ... */
/* The public key blob in SSH wire format (what allowed_signers lines hold in base64). */
const unsigned char *pgf_sshsig_key_blob(const pgf_sshsig *s, size_t *len);
/* out receives "SHA256:..." and a NUL. */
void pgf_sshsig_fingerprint(const pgf_sshsig *s, char out[PGF_FINGERPRINT_LEN]);

/* 0 when the signature's key signed msg under namespace (which must equal the
 * signature's own namespace); -1 with the reason otherwise. Says nothing about
 * whether the key is trusted: see pgf_allowed_signers_find. */
int pgf_sshsig_verify(const pgf_sshsig *s, const void *msg, size_t len, const char *namespace, pgf_error **err);

void pgf_sshsig_free(pgf_sshsig *s);

/* ---- signing ---- */

typedef struct pgf_signer pgf_signer;

/* Loads an unencrypted Ed25519 private key. Refuses a file that group or
 * others can access (mode & 077), like ssh does, an encrypted key, and any
 * other key type. The key's bytes are wiped from pgfleet's memory after
 * loading; OpenSSL keeps (and wipes on free) its own copy. */
int pgf_signer_load(pgf_signer **out, const char *path, pgf_error **err);

void pgf_signer_fingerprint(const pgf_signer *k, char out[PGF_FINGERPRINT_LEN]);
const unsigned char *pgf_signer_key_blob(const pgf_signer *k, size_t *len);
/* "ssh-ed25519 AAAA..." (no comment), for an allowed_signers or authorized_keys
 * line. Owned by the caller (free()). */
char *pgf_signer_public_line(const pgf_signer *k);

/* *armored receives an armored SSHSIG (hash sha512, 70-column base64 lines,
 * ending in a newline), owned by the caller (free()). */
int pgf_signer_sign(char **armored, const pgf_signer *k, const void *msg, size_t len, const char *namespace,
                    pgf_error **err);

void pgf_signer_free(pgf_signer *k);

/* ---- allowed_signers (ssh-keygen(1), section ALLOWED SIGNERS) ---- */

typedef struct pgf_allowed_signers pgf_allowed_signers;

/* Each line: principals [options] keytype base64-key [comment]. Options:
 * namespaces="pattern-list", valid-after="YYYYMMDD[HHMM[SS]][Z]",
 * valid-before="...", each value quoted as OpenSSH requires; times without Z
 * (or UTC) are local time. cert-authority is refused as not supported. Every
 * bad line is reported (chained errors), each as "label:line: ...". */
int pgf_allowed_signers_load(pgf_allowed_signers **out, const char *path, pgf_error **err);
int pgf_allowed_signers_parse(pgf_allowed_signers **out, const char *text, size_t len, const char *label,
                              pgf_error **err);

/* Number of signer lines (comments and blank lines excluded). */
size_t pgf_allowed_signers_count(const pgf_allowed_signers *as);

/* The principal trusted to have made sig for namespace at unix time `when`:
 * the first line (in file order) whose key is the signature's key, whose
 * namespaces allow namespace, whose validity window contains when and, when
 * principal is not NULL, whose principal patterns match principal (a negated
 * pattern that matches excludes the line).
 *   principal != NULL: *who = principal (the caller's pointer).
 *   principal == NULL: *who = the line's first non-negated principal pattern
 *                      (borrowed from as).
 * The signature's own namespace must equal namespace. Does not check the
 * signature itself: call pgf_sshsig_verify too. -1 with the reason (the
 * most specific one: wrong namespace, expired, not yet valid, unknown key). */
int pgf_allowed_signers_find(const char **who, const pgf_allowed_signers *as, const pgf_sshsig *sig,
                             const char *namespace, int64_t when, const char *principal, pgf_error **err);

void pgf_allowed_signers_free(pgf_allowed_signers *as);

#endif
