/* SSHSIG signatures: armor, blob and verification (OpenSSH PROTOCOL.sshsig).
 *
 *   blob:        "SSHSIG" uint32 version(1) string publickey string namespace
 *                string reserved string hash_algorithm string signature
 *   signed data: "SSHSIG" string namespace string reserved string hash_algorithm
 *                string H(message)
 *
 * The reserved field is ignored as the protocol says, and the signed data
 * always carries an empty one, as OpenSSH's sshsig.c does: ssh-keygen and
 * pgfleet accept exactly the same signatures. */
#include "sshsig_internal.h"

#include <stdlib.h>
#include <string.h>

#define MAGIC "SSHSIG"
#define MAGIC_LEN 6
#define ARMOR_LABEL "SSH SIGNATURE"
#define WHAT "ssh signature"

struct pgf_sshsig {
	pgf_sshkey *key;
	char *namespace;
	char *hashalg;
	unsigned char *sig;  /* the signature field: string type, string bytes */
	size_t sig_len;
	char fingerprint[PGF_FINGERPRINT_LEN];
};

static bool namespace_ok(const unsigned char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

int pgf_sshsig_parse_blob(pgf_sshsig **out, const unsigned char *blob, size_t len, pgf_error **err)
{
	*out = NULL;
	pgf_ssh_reader r = { blob, len };
	if (len < MAGIC_LEN || memcmp(blob, MAGIC, MAGIC_LEN) != 0)
		return pgf_error_set(err, PGF_ERR_INPUT, "%s: not an SSHSIG blob (no \"SSHSIG\" magic)", WHAT);
	r.p += MAGIC_LEN;
	r.len -= MAGIC_LEN;
	uint32_t version;
	if (pgf_ssh_get_u32(&r, &version) != 0)
		return pgf_error_set(err, PGF_ERR_INPUT, "%s: truncated field \"version\"", WHAT);
	if (version != 1)
		return pgf_error_set(err, PGF_ERR_INPUT, "%s: unsupported version %lu (only version 1 exists)", WHAT,
		                     (unsigned long)version);

	const unsigned char *key, *ns, *reserved, *sig;
	size_t keylen, nslen, reservedlen, siglen;
	char *hashalg = NULL;
	if (pgf_ssh_get_field(&r, &key, &keylen, PGF_SSH_MAX_KEY_BLOB, WHAT, "publickey", err) != 0 ||
	    pgf_ssh_get_field(&r, &ns, &nslen, PGF_SSHSIG_MAX_NAMESPACE, WHAT, "namespace", err) != 0 ||
	    pgf_ssh_get_field(&r, &reserved, &reservedlen, PGF_SSHSIG_MAX_RESERVED, WHAT, "reserved", err) != 0 ||
	    pgf_ssh_get_text(&r, &hashalg, PGF_SSHSIG_MAX_HASHALG, WHAT, "hash_algorithm", err) != 0)
		return -1;
	(void)reserved;
	if (pgf_ssh_get_field(&r, &sig, &siglen, PGF_SSH_MAX_SIG_BLOB, WHAT, "signature", err) != 0)
		goto fail;
	if (r.len != 0) {
		pgf_error_set(err, PGF_ERR_INPUT, "%s: %zu unexpected bytes after the signature", WHAT, r.len);
		goto fail;
	}
	if (!namespace_ok(ns, nslen)) {
		pgf_error_set(err, PGF_ERR_INPUT, "%s: namespace is empty or contains control characters", WHAT);
		goto fail;
	}
	if (strcmp(hashalg, "sha256") != 0 && strcmp(hashalg, "sha512") != 0) {
		char shown[PGF_SSHSIG_MAX_HASHALG + 1];
		size_t i = 0;
		for (; i < PGF_SSHSIG_MAX_HASHALG && hashalg[i] != '\0'; i++)
			shown[i] = hashalg[i] >= 0x20 && hashalg[i] < 0x7f ? hashalg[i] : '?';
		shown[i] = '\0';
		pgf_error_set(err, PGF_ERR_INPUT, "%s: unsupported hash algorithm \"%s\" (sha256 or sha512)", WHAT, shown);
		goto fail;
	}

	pgf_sshkey *k = NULL;
	if (pgf_sshkey_from_blob(&k, key, keylen, WHAT, err) != 0)
		goto fail;

	pgf_sshsig *s = pgf_calloc(1, sizeof(*s));
	s->key = k;
	s->namespace = pgf_strndup((const char *)ns, nslen);
	s->hashalg = hashalg;
	s->sig = pgf_malloc(siglen ? siglen : 1);
	memcpy(s->sig, sig, siglen);
	s->sig_len = siglen;
	pgf_ssh_fingerprint(key, keylen, s->fingerprint);
	*out = s;
	return 0;
fail:
	free(hashalg);
	return -1;
}

int pgf_sshsig_parse(pgf_sshsig **out, const char *armored, size_t len, pgf_error **err)
{
	*out = NULL;
	if (len > PGF_SSHSIG_MAX_ARMOR)
		return pgf_error_set(err, PGF_ERR_INPUT, "%s: %zu bytes, over the limit of %d", WHAT, len,
		                     PGF_SSHSIG_MAX_ARMOR);
	unsigned char *blob = NULL;
	size_t bloblen = 0;
	if (pgf_ssh_dearmor(&blob, &bloblen, armored, len, ARMOR_LABEL, WHAT, err) != 0)
		return -1;
	int rc = pgf_sshsig_parse_blob(out, blob, bloblen, err);
	free(blob);
	return rc;
}

const char *pgf_sshsig_namespace(const pgf_sshsig *s)
{
	return s->namespace;
}

const char *pgf_sshsig_hash_algorithm(const pgf_sshsig *s)
{
	return s->hashalg;
}

const char *pgf_sshsig_key_type(const pgf_sshsig *s)
{
	return pgf_sshkey_type(s->key);
}

const unsigned char *pgf_sshsig_key_blob(const pgf_sshsig *s, size_t *len)
{
	return pgf_sshkey_blob(s->key, len);
}

void pgf_sshsig_fingerprint(const pgf_sshsig *s, char out[PGF_FINGERPRINT_LEN])
{
	memcpy(out, s->fingerprint, PGF_FINGERPRINT_LEN);
}

int pgf_sshsig_verify(const pgf_sshsig *s, const void *msg, size_t len, const char *namespace, pgf_error **err)
{
	if (namespace == NULL || namespace[0] == '\0')
		return pgf_error_set(err, PGF_ERR_INTERNAL, "%s: no namespace to verify against", WHAT);
	if (strcmp(namespace, s->namespace) != 0)
		return pgf_error_set(err, PGF_ERR_INPUT, "%s: namespace is \"%s\", expected \"%s\"", WHAT, s->namespace,
		                     namespace);
	unsigned char h[PGF_SSH_MAX_DIGEST];
	size_t hlen = 0;
	if (pgf_ssh_hash(h, &hlen, s->hashalg, msg, len) != 0)
		return pgf_error_set(err, PGF_ERR_INTERNAL, "%s: hash algorithm \"%s\"", WHAT, s->hashalg);

	pgf_buf data = PGF_BUF_INIT;
	pgf_buf_put(&data, MAGIC, MAGIC_LEN);
	pgf_ssh_put_cstring(&data, s->namespace);
	pgf_ssh_put_string(&data, "", 0); /* reserved */
	pgf_ssh_put_cstring(&data, s->hashalg);
	pgf_ssh_put_string(&data, h, hlen);
	int rc = pgf_sshkey_verify(s->key, s->sig, s->sig_len, (const unsigned char *)data.ptr, data.len, err);
	pgf_buf_free(&data);
	return rc;
}

void pgf_sshsig_free(pgf_sshsig *s)
{
	if (s == NULL)
		return;
	pgf_sshkey_free(s->key);
	free(s->namespace);
	free(s->hashalg);
	free(s->sig);
	free(s);
}
