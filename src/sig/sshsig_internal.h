/* Internal to src/sig (and its unit tests): the SSH wire format, base64,
 * OpenSSH patterns and times, and public keys. No OpenSSL types here, so the
 * tests need not include OpenSSL. */
#ifndef PGFLEET_SIG_SSHSIG_INTERNAL_H
#define PGFLEET_SIG_SSHSIG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pgfleet/common.h"
#include "pgfleet/error.h"
#include "pgfleet/sshsig.h"

/* Caps on fields of the wire format (bytes). */
#define PGF_SSH_MAX_KEY_BLOB 4096   /* an RSA-16384 key is about 2,070 bytes */
#define PGF_SSH_MAX_SIG_BLOB 4096   /* an RSA-16384 signature is about 2,070 bytes */
#define PGF_SSH_MAX_TYPE_NAME 64    /* "ecdsa-sha2-nistp256", ... */
#define PGF_SSHSIG_MAX_RESERVED 1024
#define PGF_SSHSIG_MAX_HASHALG 16

/* ---- reading the wire format (RFC 4251 section 5) ---- */

typedef struct pgf_ssh_reader {
	const unsigned char *p;
	size_t len;  /* bytes left */
} pgf_ssh_reader;

/* 0, or -1 when fewer than 4 bytes are left. */
int pgf_ssh_get_u32(pgf_ssh_reader *r, uint32_t *v);
/* A string: uint32 length, then that many bytes (borrowed from the reader's
 * buffer). 0; -1 when truncated; -2 when longer than max. */
int pgf_ssh_get_string(pgf_ssh_reader *r, const unsigned char **p, size_t *len, size_t max);
/* As pgf_ssh_get_string, naming the field in the error: "what: truncated
 * field \"name\"" or "... is N bytes, over the limit of M". */
int pgf_ssh_get_field(pgf_ssh_reader *r, const unsigned char **p, size_t *len, size_t max, const char *what,
                      const char *name, pgf_error **err);
/* Like pgf_ssh_get_field, for a text field: no NUL bytes; *out is a new
 * NUL-terminated copy. */
int pgf_ssh_get_text(pgf_ssh_reader *r, char **out, size_t max, const char *what, const char *name, pgf_error **err);

/* ---- writing ---- */

void pgf_ssh_put_u32(pgf_buf *b, uint32_t v);
void pgf_ssh_put_string(pgf_buf *b, const void *p, size_t len);
void pgf_ssh_put_cstring(pgf_buf *b, const char *s);

/* ---- base64 (RFC 4648, standard alphabet, padded) ---- */

/* Room pgf_ssh_b64_decode needs for n input characters. */
#define PGF_B64_DECODED_MAX(n) ((n) / 4 * 3 + 3)
/* Room pgf_ssh_b64_encode needs for n input bytes, with the NUL. */
#define PGF_B64_ENCODED_MAX(n) (((n) + 2) / 3 * 4 + 1)

/* Decodes strictly: the padding must be right ('=' only at the end, length a
 * multiple of 4) and the unused bits of the last character zero. With
 * skip_space, ASCII whitespace anywhere is skipped (armor lines). out must
 * hold PGF_B64_DECODED_MAX(len) bytes. 0; or -1 with *why (static text) and
 * *bad (offset of the offending character in `in`, or len). */
int pgf_ssh_b64_decode(unsigned char *out, size_t *outlen, const char *in, size_t len, bool skip_space,
                       const char **why, size_t *bad);
/* Encodes len bytes into out (PGF_B64_ENCODED_MAX(len) bytes), with or
 * without '=' padding; returns the number of characters, NUL excluded. */
size_t pgf_ssh_b64_encode(char *out, const unsigned char *in, size_t len, bool pad);

/* ---- OpenSSH patterns (ssh_config(5), PATTERNS) and times ---- */

/* '*' matches any run of characters, '?' one character; case-sensitive. */
bool pgf_ssh_match_pattern(const char *s, const char *pattern, size_t pattern_len);
/* A comma-separated pattern list, '!' negating one pattern:
 * 1 a pattern matched and no negated one did; -1 a negated pattern matched;
 * 0 nothing matched. (OpenSSH's match_pattern_list.) */
int pgf_ssh_match_list(const char *s, const char *list);

/* "YYYYMMDD", "YYYYMMDDHHMM" or "YYYYMMDDHHMMSS", optionally followed by "Z"
 * or "UTC" (either case) for UTC; local time otherwise. Years 1970-9999,
 * real calendar dates only. 0 and *out (unix seconds, > 0), or -1. */
int pgf_ssh_parse_time(int64_t *out, const char *s);

/* ---- public keys ---- */

typedef struct pgf_sshkey pgf_sshkey;

typedef enum pgf_sshkey_class {
	PGF_SSHKEY_SUPPORTED,    /* ssh-ed25519, ecdsa-sha2-nistp*, ssh-rsa */
	PGF_SSHKEY_UNSUPPORTED,  /* a plain OpenSSH key type pgfleet does not verify (DSA, sk-*) */
	PGF_SSHKEY_CERTIFICATE,  /* *-cert-v01@openssh.com */
	PGF_SSHKEY_UNKNOWN
} pgf_sshkey_class;

pgf_sshkey_class pgf_sshkey_classify(const char *type_name);

/* Parses and checks a public key blob (wire format). "what" prefixes errors. */
int pgf_sshkey_from_blob(pgf_sshkey **out, const unsigned char *blob, size_t len, const char *what,
                         pgf_error **err);
const char *pgf_sshkey_type(const pgf_sshkey *k);
const unsigned char *pgf_sshkey_blob(const pgf_sshkey *k, size_t *len);
/* Checks an SSH signature blob (string sigtype, string sig) over data. */
int pgf_sshkey_verify(const pgf_sshkey *k, const unsigned char *sig, size_t siglen, const unsigned char *data,
                      size_t datalen, pgf_error **err);
void pgf_sshkey_free(pgf_sshkey *k);

/* "SHA256:" + unpadded base64 of SHA-256(blob). */
void pgf_ssh_fingerprint(const unsigned char *blob, size_t len, char out[PGF_FINGERPRINT_LEN]);

/* A type name from a blob's first field, for messages: a NUL-terminated,
 * printable copy (at most PGF_SSH_MAX_TYPE_NAME bytes) in out, or "" when the
 * blob does not start with a string. */
void pgf_ssh_blob_type(char out[PGF_SSH_MAX_TYPE_NAME + 1], const unsigned char *blob, size_t len);

/* ---- hashing and OpenSSL errors (keys.c) ---- */

#define PGF_SSH_MAX_DIGEST 64
/* H(data) for "sha256", "sha384" or "sha512" into out (PGF_SSH_MAX_DIGEST
 * bytes); 0, or -1 for another name. */
int pgf_ssh_hash(unsigned char *out, size_t *outlen, const char *alg, const void *data, size_t len);
/* Sets "what: <OpenSSL's reason>" and empties OpenSSL's (per-thread) error
 * queue; returns -1. */
int pgf_ssh_openssl_error(pgf_error **err, pgf_error_code code, const char *what);

/* ---- signatures ---- */

/* Parses the binary SSHSIG blob (the armor's base64, decoded). */
int pgf_sshsig_parse_blob(pgf_sshsig **out, const unsigned char *blob, size_t len, pgf_error **err);

/* Reads the PEM-style block "-----BEGIN <label>-----" (the first line of
 * text) ... "-----END <label>-----" and decodes its base64 body into a new buffer of *outlen
 * bytes (*out; owned by the caller, who must wipe it if it is secret).
 * Only whitespace may follow the END line. "what" prefixes errors. */
int pgf_ssh_dearmor(unsigned char **out, size_t *outlen, const char *text, size_t len, const char *label,
                    const char *what, pgf_error **err);
/* Appends the armor of blob (70-column base64 lines, as OpenSSH writes). */
void pgf_ssh_armor(pgf_buf *b, const unsigned char *blob, size_t len, const char *label);

#endif
