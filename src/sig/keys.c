/* SSH public keys and their signatures, checked with OpenSSL.
 *
 * Wire formats: RFC 4253 section 6.6 (ssh-rsa keys), RFC 8332 (rsa-sha2-256
 * and rsa-sha2-512 signatures), RFC 5656 section 3.1 (ecdsa-sha2-nistp*: key
 * is string curve, string Q; signature is string(mpint r, mpint s)), RFC 8709
 * (ssh-ed25519: 32-byte key, 64-byte signature). */
#include "sshsig_internal.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RSA_MIN_BITS 1024   /* OpenSSH's SSH_RSA_MINIMUM_MODULUS_SIZE */
#define RSA_MAX_BITS 16384  /* OpenSSH's SSHBUF_MAX_BIGNUM * 8 */

typedef enum key_kind { KEY_ED25519, KEY_ECDSA, KEY_RSA } key_kind;

typedef struct ecdsa_curve {
	const char *type;      /* key and signature type */
	const char *curve_id;  /* the blob's curve field */
	const char *group;     /* OpenSSL's group name */
	size_t field_bytes;
	int md_bits;           /* RFC 5656 6.2.1: the hash follows the curve size */
} ecdsa_curve;

static const ecdsa_curve curves[] = {
	{ "ecdsa-sha2-nistp256", "nistp256", "P-256", 32, 256 },
	{ "ecdsa-sha2-nistp384", "nistp384", "P-384", 48, 384 },
	{ "ecdsa-sha2-nistp521", "nistp521", "P-521", 66, 512 },
};

struct pgf_sshkey {
	key_kind kind;
	const char *type;  /* static */
	const ecdsa_curve *curve;
	size_t rsa_bytes;  /* modulus size */
	unsigned char *blob;
	size_t blob_len;
	EVP_PKEY *pkey;
};

/* ---- digests: fetched once (an implicit fetch per call is slow in OpenSSL 3) ---- */

static EVP_MD *md_sha256, *md_sha384, *md_sha512;
static pthread_once_t md_once = PTHREAD_ONCE_INIT;

static void md_fetch(void)
{
	md_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	md_sha384 = EVP_MD_fetch(NULL, "SHA384", NULL);
	md_sha512 = EVP_MD_fetch(NULL, "SHA512", NULL);
}

static const EVP_MD *md_bits(int bits)
{
	pthread_once(&md_once, md_fetch);
	const EVP_MD *md = bits == 256 ? md_sha256 : bits == 384 ? md_sha384 : bits == 512 ? md_sha512 : NULL;
	if (md == NULL) {
		/* Only a broken OpenSSL installation gets here. */
		fprintf(stderr, "pgfleet: fatal: sha-%d unavailable from openssl\n", bits);
		abort();
	}
	return md;
}

int pgf_ssh_hash(unsigned char *out, size_t *outlen, const char *alg, const void *data, size_t len)
{
	int bits = strcmp(alg, "sha256") == 0 ? 256 : strcmp(alg, "sha384") == 0 ? 384 : strcmp(alg, "sha512") == 0 ? 512 : 0;
	if (bits == 0)
		return -1;
	unsigned int n = 0;
	if (!EVP_Digest(data, len, out, &n, md_bits(bits), NULL)) {
		fprintf(stderr, "pgfleet: fatal: %s digest failed in openssl\n", alg);
		abort();
	}
	*outlen = n;
	return 0;
}

int pgf_ssh_openssl_error(pgf_error **err, pgf_error_code code, const char *what)
{
	unsigned long e = ERR_peek_last_error();
	char reason[256] = "unknown openssl error";
	if (e != 0)
		ERR_error_string_n(e, reason, sizeof(reason));
	ERR_clear_error();
	return pgf_error_set(err, code, "%s: %s", what, reason);
}

/* ---- key types ---- */

pgf_sshkey_class pgf_sshkey_classify(const char *t)
{
	static const char *const supported[] = { "ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256",
		                                 "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521" };
	static const char *const unsupported[] = { "ssh-dss", "sk-ssh-ed25519@openssh.com",
		                                   "sk-ecdsa-sha2-nistp256@openssh.com", "ssh-xmss@openssh.com" };
	for (size_t i = 0; i < sizeof(supported) / sizeof(supported[0]); i++)
		if (strcmp(t, supported[i]) == 0)
			return PGF_SSHKEY_SUPPORTED;
	for (size_t i = 0; i < sizeof(unsupported) / sizeof(unsupported[0]); i++)
		if (strcmp(t, unsupported[i]) == 0)
			return PGF_SSHKEY_UNSUPPORTED;
	if (pgf_str_has_suffix(t, "-cert-v01@openssh.com") || pgf_str_has_suffix(t, "-cert-v00@openssh.com"))
		return PGF_SSHKEY_CERTIFICATE;
	return PGF_SSHKEY_UNKNOWN;
}

/* Rejects what pgfleet does not verify, with a message for each case. */
static int check_type(const char *t, const char *what, pgf_error **err)
{
	switch (pgf_sshkey_classify(t)) {
	case PGF_SSHKEY_SUPPORTED:
		return 0;
	case PGF_SSHKEY_CERTIFICATE:
		pgf_error_set(err, PGF_ERR_INPUT, "%s: OpenSSH certificates (%s) are not supported", what, t);
		pgf_error_hint(err, "sign with the plain key and list that key in the allowed signers file");
		return -1;
	case PGF_SSHKEY_UNSUPPORTED:
		pgf_error_set(err, PGF_ERR_INPUT, "%s: key type %s is not supported", what, t);
		pgf_error_hint(err, "use an ssh-ed25519, ecdsa-sha2-nistp256 or rsa (rsa-sha2-512) key");
		return -1;
	case PGF_SSHKEY_UNKNOWN:
		break;
	}
	return pgf_error_set(err, PGF_ERR_INPUT, "%s: unknown key type \"%s\"", what, t);
}

/* An mpint (RFC 4251): two's complement, big-endian; must be non-negative.
 * Leading zero bytes are skipped, as OpenSSH does. */
static int get_mpint(pgf_ssh_reader *r, const unsigned char **p, size_t *len, size_t max, const char *what,
                     const char *name, pgf_error **err)
{
	const unsigned char *v;
	size_t n;
	if (pgf_ssh_get_field(r, &v, &n, max + 1, what, name, err) != 0)
		return -1;
	if (n > 0 && (v[0] & 0x80))
		return pgf_error_set(err, PGF_ERR_INPUT, "%s: %s is negative", what, name);
	while (n > 0 && v[0] == 0) {
		v++;
		n--;
	}
	if (n > max)
		return pgf_error_set(err, PGF_ERR_INPUT, "%s: %s is %zu bytes, over the limit of %zu", what, name, n, max);
	*p = v;
	*len = n;
	return 0;
}

static int no_trailing(const pgf_ssh_reader *r, const char *what, const char *where, pgf_error **err)
{
	if (r->len != 0)
		return pgf_error_set(err, PGF_ERR_INPUT, "%s: %zu unexpected bytes after the %s", what, r->len, where);
	return 0;
}

/* Ed25519 keys recently seen: building an EVP_PKEY through OpenSSL 3's
 * provider lookup costs as much as a verification, and a ledger is signed by
 * one or two keys. Holds a reference to each (freed at exit by the process). */
#define ED25519_CACHE 8
static struct {
	unsigned char pk[32];
	EVP_PKEY *pkey;
} ed_cache[ED25519_CACHE];
static size_t ed_next;
static pthread_mutex_t ed_lock = PTHREAD_MUTEX_INITIALIZER;

static EVP_PKEY *ed25519_cached(const unsigned char pk[32])
{
	EVP_PKEY *key = NULL;
	pthread_mutex_lock(&ed_lock);
	for (size_t i = 0; i < ED25519_CACHE && key == NULL; i++)
		if (ed_cache[i].pkey != NULL && memcmp(ed_cache[i].pk, pk, 32) == 0 && EVP_PKEY_up_ref(ed_cache[i].pkey))
			key = ed_cache[i].pkey;
	if (key == NULL) {
		key = EVP_PKEY_new_raw_public_key_ex(NULL, "ED25519", NULL, pk, 32);
		if (key != NULL && EVP_PKEY_up_ref(key)) {
			size_t slot = ed_next++ % ED25519_CACHE;
			EVP_PKEY_free(ed_cache[slot].pkey);
			memcpy(ed_cache[slot].pk, pk, 32);
			ed_cache[slot].pkey = key;
		}
	}
	pthread_mutex_unlock(&ed_lock);
	return key;
}

static int ed25519_from(pgf_sshkey *k, pgf_ssh_reader *r, const char *what, pgf_error **err)
{
	const unsigned char *pk;
	size_t n;
	if (pgf_ssh_get_field(r, &pk, &n, 32, what, "ed25519 public key", err) != 0)
		return -1;
	if (n != 32)
		return pgf_error_set(err, PGF_ERR_INPUT, "%s: ed25519 public key is %zu bytes, not 32", what, n);
	if (no_trailing(r, what, "public key", err) != 0)
		return -1;
	k->pkey = ed25519_cached(pk);
	if (k->pkey == NULL)
		return pgf_ssh_openssl_error(err, PGF_ERR_INPUT, what);
	return 0;
}

static int ecdsa_from(pgf_sshkey *k, pgf_ssh_reader *r, const char *what, pgf_error **err)
{
	const unsigned char *id, *q;
	size_t idn, qn;
	if (pgf_ssh_get_field(r, &id, &idn, PGF_SSH_MAX_TYPE_NAME, what, "curve", err) != 0)
		return -1;
	if (strlen(k->curve->curve_id) != idn || memcmp(id, k->curve->curve_id, idn) != 0)
		return pgf_error_set(err, PGF_ERR_INPUT, "%s: %s key names another curve", what, k->type);
	if (pgf_ssh_get_field(r, &q, &qn, 1 + 2 * k->curve->field_bytes, what, "ecdsa public key", err) != 0)
		return -1;
	/* Uncompressed points only, as OpenSSH writes them. */
	if (qn != 1 + 2 * k->curve->field_bytes || q[0] != 0x04)
		return pgf_error_set(err, PGF_ERR_INPUT, "%s: ecdsa public key is not an uncompressed %s point", what,
		                     k->curve->curve_id);
	if (no_trailing(r, what, "public key", err) != 0)
		return -1;

	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)(uintptr_t)k->curve->group, 0),
		OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void *)(uintptr_t)q, qn),
		OSSL_PARAM_construct_end(),
	};
	int rc = -1;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	EVP_PKEY_CTX *check = NULL;
	if (ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1) {
		pgf_ssh_openssl_error(err, PGF_ERR_INTERNAL, what);
		goto done;
	}
	/* fromdata refuses a point off the curve; public_check also wants it in
	 * the right subgroup and not at infinity. */
	if (EVP_PKEY_fromdata(ctx, &k->pkey, EVP_PKEY_PUBLIC_KEY, params) != 1 ||
	    (check = EVP_PKEY_CTX_new_from_pkey(NULL, k->pkey, NULL)) == NULL || EVP_PKEY_public_check(check) != 1) {
		ERR_clear_error();
		pgf_error_set(err, PGF_ERR_INPUT, "%s: ecdsa public key is not a valid %s point", what, k->curve->curve_id);
		goto done;
	}
	rc = 0;
done:
	EVP_PKEY_CTX_free(check);
	EVP_PKEY_CTX_free(ctx);
	return rc;
}

static int rsa_from(pgf_sshkey *k, pgf_ssh_reader *r, const char *what, pgf_error **err)
{
	const unsigned char *e, *n;
	size_t en, nn;
	if (get_mpint(r, &e, &en, 8, what, "rsa exponent", err) != 0 ||
	    get_mpint(r, &n, &nn, RSA_MAX_BITS / 8, what, "rsa modulus", err) != 0 ||
	    no_trailing(r, what, "public key", err) != 0)
		return -1;
	if (en == 0 || !(e[en - 1] & 1))
		return pgf_error_set(err, PGF_ERR_INPUT, "%s: rsa exponent is not odd", what);

	int rc = -1;
	BIGNUM *bn_e = BN_bin2bn(e, (int)en, NULL), *bn_n = BN_bin2bn(n, (int)nn, NULL);
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	if (bn_e == NULL || bn_n == NULL) {
		pgf_ssh_openssl_error(err, PGF_ERR_INTERNAL, what);
		goto done;
	}
	int bits = BN_num_bits(bn_n);
	if (bits < RSA_MIN_BITS) {
		pgf_error_set(err, PGF_ERR_INPUT, "%s: rsa key of %d bits is too small (the minimum is %d)", what, bits,
		              RSA_MIN_BITS);
		goto done;
	}
	k->rsa_bytes = (size_t)(bits + 7) / 8;
	bld = OSSL_PARAM_BLD_new();
	if (bld == NULL || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e) || (params = OSSL_PARAM_BLD_to_param(bld)) == NULL) {
		pgf_ssh_openssl_error(err, PGF_ERR_INTERNAL, what);
		goto done;
	}
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	if (ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &k->pkey, EVP_PKEY_PUBLIC_KEY, params) != 1) {
		pgf_ssh_openssl_error(err, PGF_ERR_INPUT, what);
		goto done;
	}
	rc = 0;
done:
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(bn_e);
	BN_free(bn_n);
	return rc;
}

int pgf_sshkey_from_blob(pgf_sshkey **out, const unsigned char *blob, size_t len, const char *what, pgf_error **err)
{
	*out = NULL;
	if (len > PGF_SSH_MAX_KEY_BLOB)
		return pgf_error_set(err, PGF_ERR_INPUT, "%s: public key is %zu bytes, over the limit of %d", what, len,
		                     PGF_SSH_MAX_KEY_BLOB);
	pgf_ssh_reader r = { blob, len };
	char *type = NULL;
	if (pgf_ssh_get_text(&r, &type, PGF_SSH_MAX_TYPE_NAME, what, "key type", err) != 0)
		return -1;
	if (check_type(type, what, err) != 0) {
		free(type);
		return -1;
	}
	pgf_sshkey *k = pgf_calloc(1, sizeof(*k));
	int rc;
	if (strcmp(type, "ssh-ed25519") == 0) {
		k->kind = KEY_ED25519;
		k->type = "ssh-ed25519";
		rc = ed25519_from(k, &r, what, err);
	} else if (strcmp(type, "ssh-rsa") == 0) {
		k->kind = KEY_RSA;
		k->type = "ssh-rsa";
		rc = rsa_from(k, &r, what, err);
	} else {
		k->kind = KEY_ECDSA;
		for (size_t i = 0; i < sizeof(curves) / sizeof(curves[0]); i++)
			if (strcmp(type, curves[i].type) == 0)
				k->curve = &curves[i];
		k->type = k->curve->type;
		rc = ecdsa_from(k, &r, what, err);
	}
	free(type);
	if (rc != 0) {
		pgf_sshkey_free(k);
		return -1;
	}
	k->blob = pgf_malloc(len);
	memcpy(k->blob, blob, len);
	k->blob_len = len;
	*out = k;
	return 0;
}

const char *pgf_sshkey_type(const pgf_sshkey *k)
{
	return k->type;
}

const unsigned char *pgf_sshkey_blob(const pgf_sshkey *k, size_t *len)
{
	*len = k->blob_len;
	return k->blob;
}

void pgf_sshkey_free(pgf_sshkey *k)
{
	if (k == NULL)
		return;
	EVP_PKEY_free(k->pkey);
	free(k->blob);
	free(k);
}

/* ---- verification ---- */

/* 1 valid, 0 invalid (OpenSSL's errors, if any, are dropped: a malformed
 * signature is just an invalid one). */
static int evp_verify(EVP_PKEY *pkey, const EVP_MD *md, const unsigned char *sig, size_t siglen,
                      const unsigned char *data, size_t datalen)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = ctx != NULL && EVP_DigestVerifyInit(ctx, NULL, md, NULL, pkey) == 1 &&
	         EVP_DigestVerify(ctx, sig, siglen, data, datalen) == 1;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		ERR_clear_error();
	return ok;
}

static int ecdsa_der(unsigned char **der, size_t *derlen, const pgf_sshkey *k, const unsigned char *inner,
                     size_t innerlen, pgf_error **err)
{
	const char *what = "ecdsa signature";
	pgf_ssh_reader r = { inner, innerlen };
	const unsigned char *rp, *sp;
	size_t rn, sn;
	if (get_mpint(&r, &rp, &rn, k->curve->field_bytes, what, "r", err) != 0 ||
	    get_mpint(&r, &sp, &sn, k->curve->field_bytes, what, "s", err) != 0 ||
	    no_trailing(&r, what, "s value", err) != 0)
		return -1;
	int rc = -1;
	ECDSA_SIG *es = ECDSA_SIG_new();
	BIGNUM *br = BN_bin2bn(rp, (int)rn, NULL), *bs = BN_bin2bn(sp, (int)sn, NULL);
	if (es == NULL || br == NULL || bs == NULL || !ECDSA_SIG_set0(es, br, bs)) {
		BN_free(br);
		BN_free(bs);
		pgf_ssh_openssl_error(err, PGF_ERR_INTERNAL, what);
		goto done;
	}
	/* es owns br and bs now */
	unsigned char *p = NULL;
	int n = i2d_ECDSA_SIG(es, &p);
	if (n <= 0) {
		pgf_ssh_openssl_error(err, PGF_ERR_INTERNAL, what);
		goto done;
	}
	*der = pgf_malloc((size_t)n);
	memcpy(*der, p, (size_t)n);
	*derlen = (size_t)n;
	OPENSSL_free(p);
	rc = 0;
done:
	ECDSA_SIG_free(es);
	return rc;
}

int pgf_sshkey_verify(const pgf_sshkey *k, const unsigned char *sig, size_t siglen, const unsigned char *data,
                      size_t datalen, pgf_error **err)
{
	const char *what = "ssh signature";
	pgf_ssh_reader r = { sig, siglen };
	char *sigtype = NULL;
	const unsigned char *inner;
	size_t innerlen;
	int rc = -1, ok = 0;
	if (pgf_ssh_get_text(&r, &sigtype, PGF_SSH_MAX_TYPE_NAME, what, "signature type", err) != 0)
		return -1;
	if (pgf_ssh_get_field(&r, &inner, &innerlen, PGF_SSH_MAX_SIG_BLOB, what, "signature", err) != 0 ||
	    no_trailing(&r, what, "signature", err) != 0)
		goto done;

	switch (k->kind) {
	case KEY_ED25519:
		if (strcmp(sigtype, "ssh-ed25519") != 0) {
			pgf_error_set(err, PGF_ERR_INPUT, "%s: %s signature from an ssh-ed25519 key", what, sigtype);
			goto done;
		}
		if (innerlen != 64) {
			pgf_error_set(err, PGF_ERR_INPUT, "%s: ed25519 signature is %zu bytes, not 64", what, innerlen);
			goto done;
		}
		ok = evp_verify(k->pkey, NULL, inner, innerlen, data, datalen);
		break;
	case KEY_ECDSA: {
		if (strcmp(sigtype, k->type) != 0) {
			pgf_error_set(err, PGF_ERR_INPUT, "%s: %s signature from an %s key", what, sigtype, k->type);
			goto done;
		}
		unsigned char *der = NULL;
		size_t derlen = 0;
		if (ecdsa_der(&der, &derlen, k, inner, innerlen, err) != 0)
			goto done;
		ok = evp_verify(k->pkey, md_bits(k->curve->md_bits), der, derlen, data, datalen);
		free(der);
		break;
	}
	case KEY_RSA: {
		int bits;
		if (strcmp(sigtype, "rsa-sha2-512") == 0) {
			bits = 512;
		} else if (strcmp(sigtype, "rsa-sha2-256") == 0) {
			bits = 256;
		} else if (strcmp(sigtype, "ssh-rsa") == 0) {
			pgf_error_set(err, PGF_ERR_INPUT, "%s: ssh-rsa (SHA-1) signatures are not accepted", what);
			pgf_error_hint(err, "sign again with rsa-sha2-512, which ssh-keygen -Y sign uses since OpenSSH 8.2");
			goto done;
		} else {
			pgf_error_set(err, PGF_ERR_INPUT, "%s: %s signature from an ssh-rsa key", what, sigtype);
			goto done;
		}
		if (innerlen > k->rsa_bytes) {
			pgf_error_set(err, PGF_ERR_INPUT, "%s: rsa signature is %zu bytes, longer than the %zu-byte modulus",
			              what, innerlen, k->rsa_bytes);
			goto done;
		}
		/* RFC 8332 section 3: a signer may drop leading zero bytes; restore them. */
		unsigned char *padded = pgf_calloc(1, k->rsa_bytes);
		memcpy(padded + (k->rsa_bytes - innerlen), inner, innerlen);
		ok = evp_verify(k->pkey, md_bits(bits), padded, k->rsa_bytes, data, datalen);
		free(padded);
		break;
	}
	}
	if (!ok) {
		char fp[PGF_FINGERPRINT_LEN];
		pgf_ssh_fingerprint(k->blob, k->blob_len, fp);
		pgf_error_set(err, PGF_ERR_INPUT, "signature does not match the message (%s key %s)", k->type, fp);
		goto done;
	}
	rc = 0;
done:
	free(sigtype);
	return rc;
}
