/* Ed25519 private keys and SSHSIG signing (the audit ledger signs natively:
 * one ssh-keygen process per entry would be too slow).
 *
 * Key files: OpenSSH's own format (PROTOCOL.key: "openssh-key-v1", as
 * `ssh-keygen -t ed25519 -N ''` writes it; only cipher "none") and PKCS#8
 * PEM (`openssl genpkey -algorithm ed25519`). Every buffer that held private
 * key bytes is wiped with OPENSSL_cleanse before it is freed; the EVP_PKEY
 * keeps OpenSSL's own copy, wiped by EVP_PKEY_free. */
#include "sshsig_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define OPENSSH_MAGIC "openssh-key-v1"  /* followed by a NUL in the file */
#define OPENSSH_LABEL "OPENSSH PRIVATE KEY"
#define PKCS8_LABEL "PRIVATE KEY"
#define ED25519_BLOB_LEN (4 + 11 + 4 + 32)

struct pgf_signer {
	EVP_PKEY *pkey;
	unsigned char blob[ED25519_BLOB_LEN];  /* string "ssh-ed25519", string pk */
	char fingerprint[PGF_FINGERPRINT_LEN];
};

static void wipe_free(void *p, size_t n)
{
	if (p != NULL) {
		OPENSSL_cleanse(p, n);
		free(p);
	}
}

/* Reads the whole key file into a buffer of exactly the right size (no
 * realloc leaving copies behind), after the permission check. */
static int read_key_file(char **out, size_t *outlen, const char *path, pgf_error **err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return pgf_error_set(err, errno == ENOENT ? PGF_ERR_NOTFOUND : PGF_ERR_IO, "%s: %s", path, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) != 0) {
		int e = errno;
		close(fd);
		return pgf_error_set(err, PGF_ERR_IO, "%s: %s", path, strerror(e));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return pgf_error_set(err, PGF_ERR_CONFIG, "%s: not a regular file", path);
	}
	if (st.st_mode & 077) {
		close(fd);
		pgf_error_set(err, PGF_ERR_CONFIG,
		              "%s: permissions %04o are too open: a private key must not be accessible by group or others",
		              path, (unsigned)(st.st_mode & 07777));
		pgf_error_hint(err, "chmod 600 %s", path);
		return -1;
	}
	if (st.st_size > PGF_SIGNER_MAX_FILE) {
		close(fd);
		return pgf_error_set(err, PGF_ERR_CONFIG, "%s: %lld bytes is too large for a private key file", path,
		                     (long long)st.st_size);
	}
	size_t cap = (size_t)st.st_size;
	char *buf = pgf_malloc(cap + 1);
	size_t n = 0;
	for (;;) {
		if (n == cap) {
			/* At the size fstat gave: one more byte means the file grew. */
			char extra;
			ssize_t r = read(fd, &extra, 1);
			if (r < 0 && errno == EINTR)
				continue;
			if (r != 0) {
				OPENSSL_cleanse(&extra, 1);
				close(fd);
				wipe_free(buf, cap + 1);
				return pgf_error_set(err, PGF_ERR_IO, "%s: file changed while being read", path);
			}
			break;
		}
		ssize_t r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			close(fd);
			wipe_free(buf, cap + 1);
			return pgf_error_set(err, PGF_ERR_IO, "%s: %s", path, strerror(e));
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	*out = buf;
	*outlen = cap + 1; /* the allocation size, for wiping */
	return 0;
}

static bool field_is(const unsigned char *p, size_t n, const char *s)
{
	return strlen(s) == n && memcmp(p, s, n) == 0;
}

static void make_blob(pgf_signer *k, const unsigned char pk[32])
{
	pgf_buf b = PGF_BUF_INIT;
	pgf_ssh_put_cstring(&b, "ssh-ed25519");
	pgf_ssh_put_string(&b, pk, 32);
	memcpy(k->blob, b.ptr, ED25519_BLOB_LEN);
	pgf_buf_free(&b);
	pgf_ssh_fingerprint(k->blob, ED25519_BLOB_LEN, k->fingerprint);
}

static int not_ed25519(const char *path, const char *type, pgf_error **err)
{
	pgf_error_set(err, PGF_ERR_CONFIG, "%s: %s key: only ed25519 keys can sign for pgfleet", path, type);
	pgf_error_hint(err, "make one with: ssh-keygen -t ed25519 -N '' -f FILE");
	return -1;
}

static int encrypted(const char *path, const char *cipher, pgf_error **err)
{
	pgf_error_set(err, PGF_ERR_CONFIG,
	              "%s: the private key is encrypted (%s); pgfleet signs the ledger with an unencrypted key file "
	              "(ssh-agent is not supported for the ledger)",
	              path, cipher);
	pgf_error_hint(err, "give the reconciler its own unencrypted ed25519 key, mode 0600: ssh-keygen -t ed25519 -N '' -f FILE");
	return -1;
}

/* PROTOCOL.key, unencrypted: the decoded armor in der/derlen. */
static int load_openssh(pgf_signer *k, const unsigned char *d, size_t dlen, const char *path, pgf_error **err)
{
	pgf_ssh_reader r = { d, dlen };
	const unsigned char *cipher, *kdf, *kdfopts, *pub, *priv;
	size_t ciphern, kdfn, kdfoptsn, pubn, privn;
	uint32_t nkeys;
	const size_t mlen = sizeof(OPENSSH_MAGIC); /* with its NUL */
	if (dlen < mlen || memcmp(d, OPENSSH_MAGIC, mlen) != 0)
		return pgf_error_set(err, PGF_ERR_CONFIG, "%s: not an openssh-key-v1 private key", path);
	r.p += mlen;
	r.len -= mlen;
	if (pgf_ssh_get_field(&r, &cipher, &ciphern, PGF_SSH_MAX_TYPE_NAME, path, "ciphername", err) != 0 ||
	    pgf_ssh_get_field(&r, &kdf, &kdfn, PGF_SSH_MAX_TYPE_NAME, path, "kdfname", err) != 0 ||
	    pgf_ssh_get_field(&r, &kdfopts, &kdfoptsn, 1024, path, "kdfoptions", err) != 0)
		return -1;
	if (!field_is(cipher, ciphern, "none")) {
		char name[PGF_SSH_MAX_TYPE_NAME + 1];
		size_t i = 0;
		for (; i < ciphern; i++)
			name[i] = cipher[i] >= 0x20 && cipher[i] < 0x7f ? (char)cipher[i] : '?';
		name[i] = '\0';
		return encrypted(path, name, err);
	}
	if (!field_is(kdf, kdfn, "none") || kdfoptsn != 0)
		return pgf_error_set(err, PGF_ERR_CONFIG, "%s: corrupt private key (a kdf without a cipher)", path);
	if (pgf_ssh_get_u32(&r, &nkeys) != 0)
		return pgf_error_set(err, PGF_ERR_CONFIG, "%s: truncated private key", path);
	if (nkeys != 1)
		return pgf_error_set(err, PGF_ERR_CONFIG, "%s: holds %lu keys; pgfleet reads files with exactly one",
		                     path, (unsigned long)nkeys);
	if (pgf_ssh_get_field(&r, &pub, &pubn, PGF_SSH_MAX_KEY_BLOB, path, "public key", err) != 0 ||
	    pgf_ssh_get_field(&r, &priv, &privn, PGF_SIGNER_MAX_FILE, path, "private keys", err) != 0)
		return -1;
	if (r.len != 0)
		return pgf_error_set(err, PGF_ERR_CONFIG, "%s: %zu unexpected bytes after the private key", path, r.len);

	char type[PGF_SSH_MAX_TYPE_NAME + 1];
	pgf_ssh_blob_type(type, pub, pubn);
	if (strcmp(type, "ssh-ed25519") != 0)
		return not_ed25519(path, type[0] ? type : "unknown", err);

	/* Private section: checkint, checkint, key, comment, padding 1, 2, 3... to
	 * a multiple of 8 (the block size of cipher "none"). */
	if (privn % 8 != 0)
		return pgf_error_set(err, PGF_ERR_CONFIG, "%s: corrupt private key (section length)", path);
	pgf_ssh_reader pr = { priv, privn };
	uint32_t check1, check2;
	const unsigned char *ptype, *ppk, *psk, *comment;
	size_t ptypen, ppkn, pskn, commentn;
	if (pgf_ssh_get_u32(&pr, &check1) != 0 || pgf_ssh_get_u32(&pr, &check2) != 0)
		return pgf_error_set(err, PGF_ERR_CONFIG, "%s: truncated private key", path);
	if (check1 != check2)
		return pgf_error_set(err, PGF_ERR_CONFIG, "%s: corrupt private key (check bytes differ)", path);
	if (pgf_ssh_get_field(&pr, &ptype, &ptypen, PGF_SSH_MAX_TYPE_NAME, path, "key type", err) != 0 ||
	    pgf_ssh_get_field(&pr, &ppk, &ppkn, 32, path, "ed25519 public key", err) != 0 ||
	    pgf_ssh_get_field(&pr, &psk, &pskn, 64, path, "ed25519 private key", err) != 0 ||
	    pgf_ssh_get_field(&pr, &comment, &commentn, 4096, path, "comment", err) != 0)
		return -1;
	if (!field_is(ptype, ptypen, "ssh-ed25519") || ppkn != 32 || pskn != 64)
		return pgf_error_set(err, PGF_ERR_CONFIG, "%s: corrupt ed25519 private key", path);
	for (size_t i = 0; i < pr.len; i++)
		if (pr.p[i] != (unsigned char)(i + 1))
			return pgf_error_set(err, PGF_ERR_CONFIG, "%s: corrupt private key (padding)", path);
	/* The public key three times: header, private section, second half of
	 * the 64-byte private key (seed || pk). All must agree. */
	unsigned char want_blob[ED25519_BLOB_LEN];
	pgf_buf b = PGF_BUF_INIT;
	pgf_ssh_put_cstring(&b, "ssh-ed25519");
	pgf_ssh_put_string(&b, ppk, 32);
	memcpy(want_blob, b.ptr, ED25519_BLOB_LEN);
	pgf_buf_free(&b);
	if (pubn != ED25519_BLOB_LEN || memcmp(pub, want_blob, ED25519_BLOB_LEN) != 0 || memcmp(psk + 32, ppk, 32) != 0)
		return pgf_error_set(err, PGF_ERR_CONFIG, "%s: corrupt private key (its public halves differ)", path);

	k->pkey = EVP_PKEY_new_raw_private_key_ex(NULL, "ED25519", NULL, psk, 32);
	if (k->pkey == NULL)
		return pgf_ssh_openssl_error(err, PGF_ERR_CONFIG, path);
	unsigned char derived[32];
	size_t dn = sizeof(derived);
	if (EVP_PKEY_get_raw_public_key(k->pkey, derived, &dn) != 1 || dn != 32)
		return pgf_ssh_openssl_error(err, PGF_ERR_INTERNAL, path);
	if (memcmp(derived, ppk, 32) != 0)
		return pgf_error_set(err, PGF_ERR_CONFIG, "%s: corrupt private key (it does not match its public key)", path);
	make_blob(k, derived);
	return 0;
}

/* RFC 8410 section 7, the form `openssl genpkey -algorithm ed25519` writes:
 * SEQUENCE { INTEGER 0, SEQUENCE { OID 1.3.101.112 }, OCTET STRING { OCTET
 * STRING (32 bytes) } }. Read directly, so that no copy of the key is left
 * unwiped in OpenSSL's ASN.1 decoder; other forms (with attributes or the
 * public key) go through OpenSSL. */
static const unsigned char pkcs8_ed25519_prefix[16] = { 0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06,
	                                                0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20 };

static int load_pkcs8(pgf_signer *k, const unsigned char *der, size_t derlen, const char *path, pgf_error **err)
{
	if (derlen == sizeof(pkcs8_ed25519_prefix) + 32 &&
	    memcmp(der, pkcs8_ed25519_prefix, sizeof(pkcs8_ed25519_prefix)) == 0) {
		k->pkey = EVP_PKEY_new_raw_private_key_ex(NULL, "ED25519", NULL, der + sizeof(pkcs8_ed25519_prefix), 32);
		unsigned char pk[32];
		size_t n = sizeof(pk);
		if (k->pkey == NULL || EVP_PKEY_get_raw_public_key(k->pkey, pk, &n) != 1 || n != 32)
			return pgf_ssh_openssl_error(err, PGF_ERR_CONFIG, path);
		make_blob(k, pk);
		return 0;
	}
	const unsigned char *p = der;
	PKCS8_PRIV_KEY_INFO *p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, (long)derlen);
	if (p8 == NULL) {
		ERR_clear_error();
		return pgf_error_set(err, PGF_ERR_CONFIG, "%s: not a PKCS#8 private key", path);
	}
	/* PKCS8_PRIV_KEY_INFO_free wipes the key octets it holds. */
	int rc = -1;
	if ((size_t)(p - der) != derlen) {
		pgf_error_set(err, PGF_ERR_CONFIG, "%s: unexpected bytes after the PKCS#8 private key", path);
		goto done;
	}
	k->pkey = EVP_PKCS82PKEY_ex(p8, NULL, NULL);
	if (k->pkey == NULL) {
		pgf_ssh_openssl_error(err, PGF_ERR_CONFIG, path);
		goto done;
	}
	if (!EVP_PKEY_is_a(k->pkey, "ED25519")) {
		not_ed25519(path, EVP_PKEY_get0_type_name(k->pkey) ? EVP_PKEY_get0_type_name(k->pkey) : "non-ed25519", err);
		goto done;
	}
	unsigned char pk[32];
	size_t n = sizeof(pk);
	if (EVP_PKEY_get_raw_public_key(k->pkey, pk, &n) != 1 || n != 32) {
		pgf_ssh_openssl_error(err, PGF_ERR_INTERNAL, path);
		goto done;
	}
	make_blob(k, pk);
	rc = 0;
done:
	PKCS8_PRIV_KEY_INFO_free(p8);
	return rc;
}

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

int pgf_signer_load(pgf_signer **out, const char *path, pgf_error **err)
{
	*out = NULL;
	char *text = NULL;
	size_t textcap = 0;
	if (read_key_file(&text, &textcap, path, err) != 0 || text == NULL)
		return -1;
	size_t len = strlen(text);  /* a NUL byte ends the text: the armor check then fails */
	const char *t = text;
	while (*t == ' ' || *t == '\t' || *t == '\r' || *t == '\n')
		t++;
	len -= (size_t)(t - text);

	pgf_signer *k = pgf_calloc(1, sizeof(*k));
	unsigned char *der = NULL;
	size_t derlen = 0;
	int rc = -1;
	if (starts_with(t, "-----BEGIN " OPENSSH_LABEL "-----")) {
		if (pgf_ssh_dearmor(&der, &derlen, t, len, OPENSSH_LABEL, path, err) != 0)
			goto done;
		rc = load_openssh(k, der, derlen, path, err);
	} else if (starts_with(t, "-----BEGIN " PKCS8_LABEL "-----")) {
		if (pgf_ssh_dearmor(&der, &derlen, t, len, PKCS8_LABEL, path, err) != 0)
			goto done;
		rc = load_pkcs8(k, der, derlen, path, err);
	} else if (starts_with(t, "-----BEGIN ENCRYPTED PRIVATE KEY-----")) {
		encrypted(path, "PKCS#8", err);
	} else if (starts_with(t, "-----BEGIN RSA PRIVATE KEY-----")) {
		not_ed25519(path, "an rsa", err);
	} else if (starts_with(t, "-----BEGIN EC PRIVATE KEY-----")) {
		not_ed25519(path, "an ecdsa", err);
	} else if (starts_with(t, "-----BEGIN DSA PRIVATE KEY-----")) {
		not_ed25519(path, "a dsa", err);
	} else if (starts_with(t, "ssh-") || starts_with(t, "ecdsa-") || starts_with(t, "sk-")) {
		pgf_error_set(err, PGF_ERR_CONFIG, "%s: is a public key; pgfleet needs the private key to sign", path);
	} else {
		pgf_error_set(err, PGF_ERR_CONFIG, "%s: not an ed25519 private key in OpenSSH or PKCS#8 PEM format", path);
	}
done:
	wipe_free(der, derlen);  /* the decoded bytes; the rest of the allocation was never written */
	wipe_free(text, textcap);
	if (rc != 0) {
		pgf_signer_free(k);
		return -1;
	}
	*out = k;
	return 0;
}

void pgf_signer_fingerprint(const pgf_signer *k, char out[PGF_FINGERPRINT_LEN])
{
	memcpy(out, k->fingerprint, PGF_FINGERPRINT_LEN);
}

const unsigned char *pgf_signer_key_blob(const pgf_signer *k, size_t *len)
{
	*len = ED25519_BLOB_LEN;
	return k->blob;
}

char *pgf_signer_public_line(const pgf_signer *k)
{
	char enc[PGF_B64_ENCODED_MAX(ED25519_BLOB_LEN)];
	pgf_ssh_b64_encode(enc, k->blob, ED25519_BLOB_LEN, true);
	return pgf_asprintf("ssh-ed25519 %s", enc);
}

int pgf_signer_sign(char **armored, const pgf_signer *k, const void *msg, size_t len, const char *namespace,
                    pgf_error **err)
{
	*armored = NULL;
	size_t nslen = namespace != NULL ? strlen(namespace) : 0;
	if (nslen == 0 || nslen > PGF_SSHSIG_MAX_NAMESPACE)
		return pgf_error_set(err, PGF_ERR_INTERNAL, "sign: namespace is empty or longer than %d bytes",
		                     PGF_SSHSIG_MAX_NAMESPACE);
	for (size_t i = 0; i < nslen; i++)
		if ((unsigned char)namespace[i] < 0x20 || namespace[i] == 0x7f)
			return pgf_error_set(err, PGF_ERR_INTERNAL, "sign: namespace contains control characters");

	unsigned char h[PGF_SSH_MAX_DIGEST];
	size_t hlen = 0;
	pgf_ssh_hash(h, &hlen, "sha512", msg, len);

	pgf_buf data = PGF_BUF_INIT, blob = PGF_BUF_INIT, sigfield = PGF_BUF_INIT, out = PGF_BUF_INIT;
	pgf_buf_put(&data, "SSHSIG", 6);
	pgf_ssh_put_cstring(&data, namespace);
	pgf_ssh_put_string(&data, "", 0); /* reserved */
	pgf_ssh_put_cstring(&data, "sha512");
	pgf_ssh_put_string(&data, h, hlen);

	int rc = -1;
	unsigned char sig[64];
	size_t siglen = sizeof(sig);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (ctx == NULL || EVP_DigestSignInit(ctx, NULL, NULL, NULL, k->pkey) != 1 ||
	    EVP_DigestSign(ctx, sig, &siglen, (const unsigned char *)data.ptr, data.len) != 1 || siglen != 64) {
		pgf_ssh_openssl_error(err, PGF_ERR_INTERNAL, "ed25519 signing");
		goto done;
	}
	pgf_ssh_put_cstring(&sigfield, "ssh-ed25519");
	pgf_ssh_put_string(&sigfield, sig, siglen);

	pgf_buf_put(&blob, "SSHSIG", 6);
	pgf_ssh_put_u32(&blob, 1);
	pgf_ssh_put_string(&blob, k->blob, ED25519_BLOB_LEN);
	pgf_ssh_put_cstring(&blob, namespace);
	pgf_ssh_put_string(&blob, "", 0); /* reserved */
	pgf_ssh_put_cstring(&blob, "sha512");
	pgf_ssh_put_string(&blob, sigfield.ptr, sigfield.len);

	pgf_ssh_armor(&out, (const unsigned char *)blob.ptr, blob.len, "SSH SIGNATURE");
	*armored = pgf_buf_detach(&out);
	rc = 0;
done:
	EVP_MD_CTX_free(ctx);
	pgf_buf_free(&data);
	pgf_buf_free(&blob);
	pgf_buf_free(&sigfield);
	pgf_buf_free(&out);
	return rc;
}

void pgf_signer_free(pgf_signer *k)
{
	if (k == NULL)
		return;
	EVP_PKEY_free(k->pkey);
	OPENSSL_cleanse(k, sizeof(*k));
	free(k);
}
