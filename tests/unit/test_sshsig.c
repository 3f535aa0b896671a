/* src/sig SSHSIG support: base64, the blob parser on hand-built malformed
 * blobs, patterns, times, private key files and allowed_signers, with fixed
 * inputs (signatures made once by ssh-keygen, the RFC 8032 test key). The
 * comparison with the real ssh-keygen is tests/integration/sshsig.sh. */
#include "unit.h"

#include <sys/stat.h>
#include <time.h>

#include "pgfleet/common.h"
#include "pgfleet/error.h"
#include "pgfleet/sshsig.h"
#include "src/sig/sshsig_internal.h"

/* `printf 'hello\n' | ssh-keygen -Y sign -n ns -f k` with an ssh-ed25519 key
 * whose fingerprint is ED_FP. */
static const char ED_SIG[] = "-----BEGIN SSH SIGNATURE-----\n"
                             "U1NIU0lHAAAAAQAAADMAAAALc3NoLWVkMjU1MTkAAAAg6Fbu8vIIbOj0z3zQxQjwniZ4Z8\n"
                             "7Z2R0NdHxXpDIGMl0AAAACbnMAAAAAAAAABnNoYTUxMgAAAFMAAAALc3NoLWVkMjU1MTkA\n"
                             "AABAFIwFZ0yu928mYggzHwgl8kkJvhDY0DG86iXyCgssWGkSOyzhvwxOnLS7HKK2tec0pX\n"
                             "EeZmTPThzPH7Vg6AvCBA==\n"
                             "-----END SSH SIGNATURE-----\n";
static const char ED_FP[] = "SHA256:3/e9Et9U5WXTDrnwT1UqxQo2g6fLjpMMGq0JE8ppxq4";
static const char ED_PUB[] = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOhW7vLyCGzo9M980MUI8J4meGfO2dkdDXR8V6QyBjJd";

/* The same message signed with an ecdsa-sha2-nistp256 key. */
static const char EC_SIG[] = "-----BEGIN SSH SIGNATURE-----\n"
                             "U1NIU0lHAAAAAQAAAGgAAAATZWNkc2Etc2hhMi1uaXN0cDI1NgAAAAhuaXN0cDI1NgAAAE\n"
                             "EErywHDHKKX5Xdic4ihvHmHSStjrTCLYwSz+iGZVcYOvfsfQeyBiGtWu68eymf+iXquv8m\n"
                             "jp05jCM38g2DpjexJgAAAAJucwAAAAAAAAAGc2hhNTEyAAAAZAAAABNlY2RzYS1zaGEyLW\n"
                             "5pc3RwMjU2AAAASQAAACEA6s6cyQU6HXu99bIS/w31i0HxFAdhYwFb9L96IiXnJowAAAAg\n"
                             "NN9/iqyUhJpq18nrSqltt9IP6DoI1VWpsX0eoobhiY4=\n"
                             "-----END SSH SIGNATURE-----\n";
static const char EC_FP[] = "SHA256:J07W4GW4pek8irbh6em8WaBVOXC0nfUOuq+JhYIgTkY";

static const char MSG[] = "hello\n";
#define MSG_LEN (sizeof(MSG) - 1)

/* RFC 8032 section 7.1, TEST 1. */
static const unsigned char RFC_SEED[32] = {
	0x9d, 0x61, 0xb1, 0x9d, 0xef, 0xfd, 0x5a, 0x60, 0xba, 0x84, 0x4a, 0xf4, 0x92, 0xec, 0x2c, 0xc4,
	0x44, 0x49, 0xc5, 0x69, 0x7b, 0x32, 0x69, 0x19, 0x70, 0x3b, 0xac, 0x03, 0x1c, 0xae, 0x7f, 0x60,
};
static const unsigned char RFC_PUB[32] = {
	0xd7, 0x5a, 0x98, 0x01, 0x82, 0xb1, 0x0a, 0xb7, 0xd5, 0x4b, 0xfe, 0xd3, 0xc9, 0x64, 0x07, 0x3a,
	0x0e, 0xe1, 0x72, 0xf3, 0xda, 0xa6, 0x23, 0x25, 0xaf, 0x02, 0x1a, 0x68, 0xf7, 0x07, 0x51, 0x1a,
};

/* ---- helpers ---- */

static char *first_message(pgf_error *err)
{
	static char buf[1024];
	snprintf(buf, sizeof(buf), "%s", err != NULL && err->message != NULL ? err->message : "(no error)");
	return buf;
}

/* The fields of an SSHSIG blob, to rebuild it with one change. */
typedef struct fields {
	uint32_t version;
	pgf_buf f[5];  /* publickey, namespace, reserved, hash_algorithm, signature */
} fields;

static void fields_from(fields *out, const char *armor)
{
	unsigned char *blob = NULL;
	size_t len = 0;
	pgf_error *err = NULL;
	assert_int_equal(pgf_ssh_dearmor(&blob, &len, armor, strlen(armor), "SSH SIGNATURE", "t", &err), 0);
	pgf_ssh_reader r = { blob + 6, len - 6 };
	memset(out, 0, sizeof(*out));
	assert_int_equal(pgf_ssh_get_u32(&r, &out->version), 0);
	for (int i = 0; i < 5; i++) {
		const unsigned char *p;
		size_t n;
		assert_int_equal(pgf_ssh_get_string(&r, &p, &n, 100000), 0);
		pgf_buf_put(&out->f[i], p, n);
	}
	assert_int_equal(r.len, 0);
	free(blob);
}

static void fields_free(fields *f)
{
	for (int i = 0; i < 5; i++)
		pgf_buf_free(&f->f[i]);
}

static void set_field(fields *f, int i, const void *p, size_t n)
{
	pgf_buf_clear(&f->f[i]);
	pgf_buf_put(&f->f[i], p, n);
}

static void build(pgf_buf *out, const fields *f, const void *trailing, size_t tlen)
{
	pgf_buf_clear(out);
	pgf_buf_put(out, "SSHSIG", 6);
	pgf_ssh_put_u32(out, f->version);
	for (int i = 0; i < 5; i++)
		pgf_ssh_put_string(out, f->f[i].ptr, f->f[i].len);
	pgf_buf_put(out, trailing, tlen);
}

/* Parses blob; on success also verifies MSG under "ns". Returns 0 when
 * both succeed; the first error message in *msg otherwise. */
static int parse_verify(const pgf_buf *blob, const char **msg)
{
	pgf_error *err = NULL;
	pgf_sshsig *s = NULL;
	int rc = pgf_sshsig_parse_blob(&s, (const unsigned char *)blob->ptr, blob->len, &err);
	if (rc == 0)
		rc = pgf_sshsig_verify(s, MSG, MSG_LEN, "ns", &err);
	if (msg != NULL)
		*msg = first_message(err);
	pgf_sshsig_free(s);
	pgf_error_free(err);
	return rc;
}

static void expect_blob_error(const fields *f, const void *trailing, size_t tlen, const char *want)
{
	pgf_buf b = PGF_BUF_INIT;
	build(&b, f, trailing, tlen);
	const char *msg = NULL;
	assert_int_equal(parse_verify(&b, &msg), -1);
	assert_contains(msg, want);
	pgf_buf_free(&b);
}

/* ---- base64 ---- */

static int b64(const char *in, bool space, char *out, size_t *outlen, const char **why)
{
	size_t bad = 0;
	unsigned char buf[256];
	int rc = pgf_ssh_b64_decode(buf, outlen, in, strlen(in), space, why, &bad);
	if (rc == 0) {
		memcpy(out, buf, *outlen);
		out[*outlen] = '\0';
	}
	return rc;
}

static void test_base64_vectors(void **state)
{
	(void)state;
	/* RFC 4648 section 10 */
	static const char *const vec[][2] = { { "", "" },         { "Zg==", "f" },         { "Zm8=", "fo" },
		                              { "Zm9v", "foo" },  { "Zm9vYg==", "foob" }, { "Zm9vYmE=", "fooba" },
		                              { "Zm9vYmFy", "foobar" } };
	for (size_t i = 0; i < sizeof(vec) / sizeof(vec[0]); i++) {
		char out[64];
		size_t n = 0;
		const char *why = NULL;
		assert_int_equal(b64(vec[i][0], false, out, &n, &why), 0);
		assert_string_equal(out, vec[i][1]);
		char enc[64];
		pgf_ssh_b64_encode(enc, (const unsigned char *)vec[i][1], strlen(vec[i][1]), true);
		assert_string_equal(enc, vec[i][0]);
	}
	char enc[64];
	pgf_ssh_b64_encode(enc, (const unsigned char *)"f", 1, false);
	assert_string_equal(enc, "Zg");
	/* every byte value and length round-trips */
	unsigned char all[256], back[PGF_B64_DECODED_MAX(400)];
	char text[PGF_B64_ENCODED_MAX(256)];
	for (int i = 0; i < 256; i++)
		all[i] = (unsigned char)i;
	for (size_t len = 0; len <= 256; len += 1) {
		size_t n = pgf_ssh_b64_encode(text, all, len, true), outlen = 0, bad = 0;
		const char *why = NULL;
		assert_int_equal(pgf_ssh_b64_decode(back, &outlen, text, n, false, &why, &bad), 0);
		assert_int_equal(outlen, len);
		assert_memory_equal(back, all, len);
	}
}

static void test_base64_errors(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		bool space;
		const char *why;
	} bad[] = {
		{ "Zg", false, "length not a multiple of 4" },
		{ "Zg=", false, "missing '=' padding" },
		{ "Zm9", false, "length not a multiple of 4" },
		{ "Z", false, "length not a multiple of 4" },
		{ "=", false, "misplaced '='" },
		{ "Z===", false, "misplaced '='" },
		{ "Zm9v=", false, "misplaced '='" },
		{ "Zg===", false, "misplaced '='" },
		{ "Zm=v", false, "data after '=' padding" },
		{ "Zg==Zg==", false, "data after '=' padding" },
		{ "Zh==", false, "unused bits set" },
		{ "Zm9=", false, "unused bits set" },
		{ "Zm9v!", false, "invalid base64 character" },
		{ "Zm9v\n", false, "invalid base64 character" },
		{ "Zm-v", false, "invalid base64 character" },  /* base64url is not base64 */
		{ "Zm_v", false, "invalid base64 character" },
		{ "Zm9v\x80", true, "invalid base64 character" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char out[64];
		size_t n = 0;
		const char *why = NULL;
		if (b64(bad[i].in, bad[i].space, out, &n, &why) != -1)
			fail_msg("\"%s\" decoded", bad[i].in);
		assert_contains(why, bad[i].why);
	}
	/* whitespace, when allowed, is skipped anywhere */
	char out[64];
	size_t n = 0;
	const char *why = NULL;
	assert_int_equal(b64(" Zm9v\r\nYm\tFy \n", true, out, &n, &why), 0);
	assert_string_equal(out, "foobar");
	assert_int_equal(b64("Zg=\n=", true, out, &n, &why), 0);
	assert_string_equal(out, "f");
	/* the offset of the bad character */
	size_t bad_at = 0;
	unsigned char buf[16];
	assert_int_equal(pgf_ssh_b64_decode(buf, &n, "Zm9v*mFy", 8, false, &why, &bad_at), -1);
	assert_int_equal(bad_at, 4);
}

/* ---- armor ---- */

static void test_armor(void **state)
{
	(void)state;
	pgf_error *err = NULL;
	pgf_sshsig *s = NULL;
	assert_int_equal(pgf_sshsig_parse(&s, ED_SIG, strlen(ED_SIG), &err), 0);
	char fp[PGF_FINGERPRINT_LEN];
	pgf_sshsig_fingerprint(s, fp);
	assert_string_equal(fp, ED_FP);
	assert_string_equal(pgf_sshsig_namespace(s), "ns");
	assert_string_equal(pgf_sshsig_hash_algorithm(s), "sha512");
	assert_string_equal(pgf_sshsig_key_type(s), "ssh-ed25519");
	size_t kl = 0;
	const unsigned char *kb = pgf_sshsig_key_blob(s, &kl);
	char enc[PGF_B64_ENCODED_MAX(64)];
	pgf_ssh_b64_encode(enc, kb, kl, true);
	assert_string_equal(enc, strchr(ED_PUB, ' ') + 1);
	assert_int_equal(pgf_sshsig_verify(s, MSG, MSG_LEN, "ns", &err), 0);
	assert_int_equal(pgf_sshsig_verify(s, "hello", 5, "ns", &err), -1);
	assert_contains(first_message(err), "signature does not match the message (ssh-ed25519 key SHA256:3/e9");
	pgf_error_free(err);
	err = NULL;
	assert_int_equal(pgf_sshsig_verify(s, MSG, MSG_LEN, "git", &err), -1);
	assert_string_equal(first_message(err), "ssh signature: namespace is \"ns\", expected \"git\"");
	pgf_error_free(err);
	err = NULL;
	pgf_sshsig_free(s);

	/* the armor re-made by pgf_ssh_armor is ssh-keygen's, byte for byte */
	unsigned char *blob = NULL;
	size_t len = 0;
	assert_int_equal(pgf_ssh_dearmor(&blob, &len, ED_SIG, strlen(ED_SIG), "SSH SIGNATURE", "t", &err), 0);
	pgf_buf b = PGF_BUF_INIT;
	pgf_ssh_armor(&b, blob, len, "SSH SIGNATURE");
	assert_string_equal(b.ptr, ED_SIG);
	pgf_buf_free(&b);
	free(blob);

	/* every prefix of the armor is refused, none crashes */
	for (size_t i = 0; i < strlen(ED_SIG) - 1; i++) {
		/* the last newline is optional: strlen - 1 parses */
		assert_int_equal(pgf_sshsig_parse(&s, ED_SIG, i, &err), -1);
		assert_null(s);
		assert_int_equal(pgf_error_count(err), 1);
		pgf_error_free(err);
		err = NULL;
	}
	assert_int_equal(pgf_sshsig_parse(&s, ED_SIG, strlen(ED_SIG) - 1, NULL), 0);
	pgf_sshsig_free(s);

	static const struct {
		const char *text;
		const char *want;
	} bad[] = {
		{ "", "does not start with \"-----BEGIN SSH SIGNATURE-----\"" },
		{ " -----BEGIN SSH SIGNATURE-----\n", "does not start with" },
		{ "-----BEGIN SSH SIGNATURE-----", "no line break after" },
		{ "-----BEGIN SSH SIGNATURE-----\nU1NI\n", "truncated armor: no \"-----END SSH SIGNATURE-----\" line" },
		{ "-----BEGIN SSH SIGNATURE-----\n-----END SSH SIGNATURE-----\n", "empty armor" },
		{ "-----BEGIN SSH SIGNATURE-----\nU1NI!0lH\n-----END SSH SIGNATURE-----\n",
		  "invalid base64 character at line 2, column 5" },
		{ "-----BEGIN SSH SIGNATURE-----\nU1NIU0lH\n-----END SSH SIGNATURE-----\nx",
		  "unexpected text after \"-----END SSH SIGNATURE-----\"" },
		{ "-----BEGIN SSH SIGNATURE-----\nU1NIU0lH\n-----END SSH SIGNATURE-----\n",
		  "truncated field \"version\"" },
		{ "-----BEGIN SSH SIGNATURE-----\nU1NIU0lHAAAAAQ==\n-----END SSH SIGNATURE-----\n",
		  "truncated field \"publickey\"" },
		{ "-----BEGIN SSH SIGNATURE-----\nU1NIU0lI\n-----END SSH SIGNATURE-----\n", "no \"SSHSIG\" magic" },
		{ "-----BEGIN SSH SIGNATURE-----\nAAAA\n-----END SSH SIGNATURE-----\n", "no \"SSHSIG\" magic" },
		{ "-----BEGIN PGP SIGNATURE-----\nAAAA\n-----END PGP SIGNATURE-----\n", "does not start with" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(pgf_sshsig_parse(&s, bad[i].text, strlen(bad[i].text), &err), -1);
		assert_contains(first_message(err), bad[i].want);
		pgf_error_free(err);
		err = NULL;
	}
	/* the size cap */
	char *big = pgf_malloc(PGF_SSHSIG_MAX_ARMOR + 2);
	memset(big, 'A', PGF_SSHSIG_MAX_ARMOR + 1);
	big[PGF_SSHSIG_MAX_ARMOR + 1] = '\0';
	assert_int_equal(pgf_sshsig_parse(&s, big, PGF_SSHSIG_MAX_ARMOR + 1, &err), -1);
	assert_contains(first_message(err), "over the limit of 65536");
	pgf_error_free(err);
	free(big);
}

/* ---- the blob parser ---- */

static void test_blob_malformed(void **state)
{
	(void)state;
	fields f;
	fields_from(&f, ED_SIG);
	pgf_buf b = PGF_BUF_INIT;
	build(&b, &f, NULL, 0);
	const char *msg = NULL;
	assert_int_equal(parse_verify(&b, &msg), 0);

	/* every truncation is refused */
	for (size_t i = 0; i < b.len; i++) {
		pgf_buf t = PGF_BUF_INIT;
		pgf_buf_put(&t, b.ptr, i);
		assert_int_equal(parse_verify(&t, NULL), -1);
		pgf_buf_free(&t);
	}
	/* every single-bit change is refused: nothing in the blob is unprotected
	 * (its reserved field is empty) */
	for (size_t i = 0; i < b.len; i++)
		for (int bit = 0; bit < 8; bit++) {
			b.ptr[i] ^= (char)(1 << bit);
			if (parse_verify(&b, NULL) != -1)
				fail_msg("bit %d of byte %zu changed and the signature still verifies", bit, i);
			b.ptr[i] ^= (char)(1 << bit);
		}
	assert_int_equal(parse_verify(&b, NULL), 0);
	pgf_buf_free(&b);

	expect_blob_error(&f, "\0", 1, "1 unexpected bytes after the signature");
	expect_blob_error(&f, "junk", 4, "4 unexpected bytes after the signature");
	f.version = 2;
	expect_blob_error(&f, NULL, 0, "unsupported version 2");
	f.version = 0;
	expect_blob_error(&f, NULL, 0, "unsupported version 0");
	f.version = 1;

	set_field(&f, 1, "", 0);
	expect_blob_error(&f, NULL, 0, "namespace is empty or contains control characters");
	set_field(&f, 1, "n\ns", 3);
	expect_blob_error(&f, NULL, 0, "namespace is empty or contains control characters");
	set_field(&f, 1, "n\0s", 3);
	expect_blob_error(&f, NULL, 0, "namespace is empty or contains control characters");
	set_field(&f, 1, "nt", 2);
	expect_blob_error(&f, NULL, 0, "namespace is \"nt\", expected \"ns\"");
	char longns[PGF_SSHSIG_MAX_NAMESPACE + 1];
	memset(longns, 'n', sizeof(longns));
	set_field(&f, 1, longns, sizeof(longns));
	expect_blob_error(&f, NULL, 0, "field \"namespace\" is 257 bytes, over the limit of 256");
	set_field(&f, 1, "ns", 2);

	/* a non-empty reserved field is ignored, as OpenSSH does */
	set_field(&f, 2, "tag", 3);
	pgf_buf r = PGF_BUF_INIT;
	build(&r, &f, NULL, 0);
	assert_int_equal(parse_verify(&r, NULL), 0);
	pgf_buf_free(&r);
	char longres[PGF_SSHSIG_MAX_RESERVED + 1];
	memset(longres, 'r', sizeof(longres));
	set_field(&f, 2, longres, sizeof(longres));
	expect_blob_error(&f, NULL, 0, "field \"reserved\" is 1025 bytes");
	set_field(&f, 2, "", 0);

	set_field(&f, 3, "md5", 3);
	expect_blob_error(&f, NULL, 0, "unsupported hash algorithm \"md5\"");
	set_field(&f, 3, "sha256", 6); /* a valid name, but not what was signed */
	expect_blob_error(&f, NULL, 0, "signature does not match the message");
	set_field(&f, 3, "sha512\0", 7);
	expect_blob_error(&f, NULL, 0, "field \"hash_algorithm\" contains a NUL byte");
	set_field(&f, 3, "sha512", 6);

	/* the signature field: type, length, trailing bytes */
	fields g;
	fields_from(&g, ED_SIG);
	pgf_buf sig = PGF_BUF_INIT;
	pgf_ssh_reader sr = { (const unsigned char *)g.f[4].ptr, g.f[4].len };
	const unsigned char *st, *sb;
	size_t stn, sbn;
	assert_int_equal(pgf_ssh_get_string(&sr, &st, &stn, 64), 0);
	assert_int_equal(pgf_ssh_get_string(&sr, &sb, &sbn, 64), 0);
	assert_int_equal(sbn, 64);
	pgf_ssh_put_cstring(&sig, "ssh-ed25519");
	pgf_ssh_put_string(&sig, sb, 63);
	set_field(&f, 4, sig.ptr, sig.len);
	expect_blob_error(&f, NULL, 0, "ed25519 signature is 63 bytes, not 64");
	pgf_buf_clear(&sig);
	pgf_ssh_put_cstring(&sig, "ssh-rsa");
	pgf_ssh_put_string(&sig, sb, 64);
	set_field(&f, 4, sig.ptr, sig.len);
	expect_blob_error(&f, NULL, 0, "ssh-rsa signature from an ssh-ed25519 key");
	pgf_buf_clear(&sig);
	pgf_ssh_put_cstring(&sig, "ssh-ed25519");
	pgf_ssh_put_string(&sig, sb, 64);
	pgf_buf_put(&sig, "x", 1);
	set_field(&f, 4, sig.ptr, sig.len);
	expect_blob_error(&f, NULL, 0, "1 unexpected bytes after the signature");
	pgf_buf_clear(&sig);
	pgf_ssh_put_u32(&sig, 0xffffffffu);
	set_field(&f, 4, sig.ptr, sig.len);
	expect_blob_error(&f, NULL, 0, "field \"signature type\" is 4294967295 bytes, over the limit of 64");
	set_field(&f, 4, g.f[4].ptr, g.f[4].len);
	pgf_buf_free(&sig);
	fields_free(&g);

	/* length fields that overflow, at each position */
	for (int i = 0; i < 5; i++) {
		static const char *const names[] = { "publickey", "namespace", "reserved", "hash_algorithm", "signature" };
		static const uint32_t lens[] = { 0xffffffffu, 0x80000000u, 0x7fffffffu };
		for (size_t j = 0; j < 3; j++) {
			pgf_buf x = PGF_BUF_INIT;
			pgf_buf_put(&x, "SSHSIG", 6);
			pgf_ssh_put_u32(&x, 1);
			for (int k = 0; k < i; k++)
				pgf_ssh_put_string(&x, f.f[k].ptr, f.f[k].len);
			pgf_ssh_put_u32(&x, lens[j]);
			pgf_buf_put(&x, "abcdefgh", 8);
			const char *m = NULL;
			assert_int_equal(parse_verify(&x, &m), -1);
			assert_contains(m, names[i]);
			assert_contains(m, "over the limit");
			pgf_buf_free(&x);
		}
		/* a length just past the end */
		pgf_buf x = PGF_BUF_INIT;
		pgf_buf_put(&x, "SSHSIG", 6);
		pgf_ssh_put_u32(&x, 1);
		for (int k = 0; k < i; k++)
			pgf_ssh_put_string(&x, f.f[k].ptr, f.f[k].len);
		pgf_ssh_put_u32(&x, 9);
		pgf_buf_put(&x, "abcdefgh", 8);
		const char *m = NULL;
		assert_int_equal(parse_verify(&x, &m), -1);
		assert_contains(m, "truncated field");
		assert_contains(m, names[i]);
		pgf_buf_free(&x);
	}
	fields_free(&f);
}

static void expect_key_error(const pgf_buf *key, const char *want)
{
	fields f;
	fields_from(&f, ED_SIG);
	set_field(&f, 0, key->ptr, key->len);
	expect_blob_error(&f, NULL, 0, want);
	fields_free(&f);
}

static void test_blob_keys(void **state)
{
	(void)state;
	pgf_buf k = PGF_BUF_INIT;
	static const unsigned char zero[200];

	pgf_ssh_put_cstring(&k, "ssh-ed25519");
	pgf_ssh_put_string(&k, RFC_PUB, 31);
	expect_key_error(&k, "ed25519 public key is 31 bytes, not 32");
	pgf_buf_clear(&k);
	pgf_ssh_put_cstring(&k, "ssh-ed25519");
	pgf_ssh_put_string(&k, RFC_PUB, 32);
	pgf_buf_put(&k, "", 1);
	expect_key_error(&k, "1 unexpected bytes after the public key");
	pgf_buf_clear(&k);
	pgf_ssh_put_cstring(&k, "ssh-ed25519");
	pgf_ssh_put_string(&k, RFC_PUB, 32);
	expect_key_error(&k, "signature does not match the message (ssh-ed25519 key");

	static const struct {
		const char *type;
		const char *want;
	} types[] = {
		{ "ssh-ed25519-cert-v01@openssh.com", "OpenSSH certificates (ssh-ed25519-cert-v01@openssh.com) are not supported" },
		{ "ecdsa-sha2-nistp256-cert-v01@openssh.com", "certificates" },
		{ "sk-ssh-ed25519@openssh.com", "key type sk-ssh-ed25519@openssh.com is not supported" },
		{ "ssh-dss", "key type ssh-dss is not supported" },
		{ "ssh-ed448", "unknown key type \"ssh-ed448\"" },
		{ "", "unknown key type \"\"" },
	};
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		pgf_buf_clear(&k);
		pgf_ssh_put_cstring(&k, types[i].type);
		pgf_ssh_put_string(&k, RFC_PUB, 32);
		expect_key_error(&k, types[i].want);
	}
	pgf_buf_clear(&k);
	pgf_ssh_put_string(&k, "ssh-ed25519\0x", 13);
	expect_key_error(&k, "field \"key type\" contains a NUL byte");

	/* ecdsa: curve name, point format, point on the curve */
	fields ec;
	fields_from(&ec, EC_SIG);
	pgf_buf eb = PGF_BUF_INIT;
	build(&eb, &ec, NULL, 0);
	assert_int_equal(parse_verify(&eb, NULL), 0);
	pgf_ssh_reader r = { (const unsigned char *)ec.f[0].ptr, ec.f[0].len };
	const unsigned char *t, *c, *q;
	size_t tn, cn, qn;
	assert_int_equal(pgf_ssh_get_string(&r, &t, &tn, 64), 0);
	assert_int_equal(pgf_ssh_get_string(&r, &c, &cn, 64), 0);
	assert_int_equal(pgf_ssh_get_string(&r, &q, &qn, 200), 0);
	assert_int_equal(qn, 65);
	unsigned char ktype[64], point[65];  /* copies: set_field overwrites ec.f[0] */
	memcpy(ktype, t, tn);
	memcpy(point, q, 65);
	t = ktype;
	q = point;
	(void)c;
	(void)cn;
	static const struct {
		const char *curve;
		int change;  /* 0 none, 1 compressed prefix, 2 off the curve, 3 short, 4 infinity */
		const char *want;
	} ecs[] = {
		{ "nistp384", 0, "ecdsa-sha2-nistp256 key names another curve" },
		{ "nistp256", 1, "is not an uncompressed nistp256 point" },
		{ "nistp256", 2, "ssh signature: ecdsa public key is not a valid nistp256 point" },
		{ "nistp256", 3, "is not an uncompressed nistp256 point" },
		{ "nistp256", 4, "is not an uncompressed nistp256 point" },
	};
	for (size_t i = 0; i < sizeof(ecs) / sizeof(ecs[0]); i++) {
		unsigned char pt[65];
		memcpy(pt, q, 65);
		size_t ptn = 65;
		if (ecs[i].change == 1)
			pt[0] = 0x02;
		if (ecs[i].change == 2)
			pt[64] ^= 1;
		if (ecs[i].change == 3)
			ptn = 64;
		if (ecs[i].change == 4)
			ptn = 1, pt[0] = 0;
		pgf_buf_clear(&k);
		pgf_ssh_put_string(&k, t, tn);
		pgf_ssh_put_cstring(&k, ecs[i].curve);
		pgf_ssh_put_string(&k, pt, ptn);
		set_field(&ec, 0, k.ptr, k.len);
		expect_blob_error(&ec, NULL, 0, ecs[i].want);
	}
	fields_free(&ec);

	/* ecdsa signatures: r and s as mpints */
	fields_from(&ec, EC_SIG);
	r = (pgf_ssh_reader){ (const unsigned char *)ec.f[4].ptr, ec.f[4].len };
	const unsigned char *inner, *rp, *sp;
	size_t innern, rn, sn;
	assert_int_equal(pgf_ssh_get_string(&r, &t, &tn, 64), 0);
	assert_int_equal(pgf_ssh_get_string(&r, &inner, &innern, 200), 0);
	pgf_ssh_reader ir = { inner, innern };
	assert_int_equal(pgf_ssh_get_string(&ir, &rp, &rn, 40), 0);
	assert_int_equal(pgf_ssh_get_string(&ir, &sp, &sn, 40), 0);
	/* copies: set_field below overwrites the buffer they point into */
	unsigned char tcopy[64], rcopy[40], scopy[40];
	memcpy(tcopy, t, tn);
	memcpy(rcopy, rp, rn);
	memcpy(scopy, sp, sn);
	t = tcopy;
	rp = rcopy;
	sp = scopy;
	static const struct {
		int change;  /* 1 negative r, 2 and 6 r too long, 3 trailing, 4 zero r, 5 s with a needless leading zero */
		const char *want;
	} sigs[] = {
		{ 1, "ecdsa signature: r is negative" },
		{ 2, "ecdsa signature: r is 33 bytes, over the limit of 32" },
		{ 6, "ecdsa signature: field \"r\" is 34 bytes, over the limit of 33" },
		{ 3, "ecdsa signature: 1 unexpected bytes after the s value" },
		{ 4, "signature does not match the message (ecdsa-sha2-nistp256 key " },
		{ 5, NULL },  /* accepted: OpenSSH skips leading zeros too */
	};
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		pgf_buf in = PGF_BUF_INIT, out = PGF_BUF_INIT;
		unsigned char rr[64];
		size_t rrn = 0;
		if (sigs[i].change == 1) {
			rr[0] = 0x80;
			memcpy(rr + 1, rp + (rn - 32), 32);
			rrn = 33;
		} else if (sigs[i].change == 2) {
			rr[0] = 0x01;
			memcpy(rr + 1, zero, 32);
			rrn = 33;
		} else if (sigs[i].change == 6) {
			rr[0] = 0x01;
			memcpy(rr + 1, zero, 33);
			rrn = 34;
		} else if (sigs[i].change != 4) {
			memcpy(rr, rp, rn);
			rrn = rn;
		}
		pgf_ssh_put_string(&in, rr, rrn);
		if (sigs[i].change == 5) {
			/* s (32 bytes, high bit clear) with a needless leading zero */
			assert_int_equal(sn, 32);
			unsigned char ss[33] = { 0 };
			memcpy(ss + 1, sp, sn);
			pgf_ssh_put_string(&in, ss, 33);
		} else {
			pgf_ssh_put_string(&in, sp, sn);
		}
		if (sigs[i].change == 3)
			pgf_buf_put(&in, "", 1);
		pgf_ssh_put_string(&out, t, tn);
		pgf_ssh_put_string(&out, in.ptr, in.len);
		set_field(&ec, 4, out.ptr, out.len);
		if (sigs[i].want != NULL) {
			expect_blob_error(&ec, NULL, 0, sigs[i].want);
		} else {
			build(&eb, &ec, NULL, 0);
			assert_int_equal(parse_verify(&eb, NULL), 0);
		}
		pgf_buf_free(&in);
		pgf_buf_free(&out);
	}
	fields_free(&ec);
	pgf_buf_free(&eb);

	/* rsa: exponent, modulus size, negative numbers */
	pgf_buf_clear(&k);
	pgf_ssh_put_cstring(&k, "ssh-rsa");
	pgf_ssh_put_string(&k, "\x01\x00\x01", 3);
	unsigned char n[129];
	memset(n, 0xc5, sizeof(n));
	n[0] = 0;
	pgf_ssh_put_string(&k, n, 65);  /* 512 bits */
	expect_key_error(&k, "rsa key of 512 bits is too small (the minimum is 1024)");
	pgf_buf_clear(&k);
	pgf_ssh_put_cstring(&k, "ssh-rsa");
	pgf_ssh_put_string(&k, "\x01\x00\x00", 3);
	pgf_ssh_put_string(&k, n, 129);
	expect_key_error(&k, "rsa exponent is not odd");
	pgf_buf_clear(&k);
	pgf_ssh_put_cstring(&k, "ssh-rsa");
	pgf_ssh_put_string(&k, "\x81", 1);
	pgf_ssh_put_string(&k, n, 129);
	expect_key_error(&k, "rsa exponent is negative");
	pgf_buf_clear(&k);
	pgf_ssh_put_cstring(&k, "ssh-rsa");
	pgf_ssh_put_string(&k, "\x01\x00\x01", 3);
	pgf_ssh_put_u32(&k, 2050);
	pgf_buf_put(&k, zero, 100);
	expect_key_error(&k, "field \"rsa modulus\" is 2050 bytes, over the limit of 2049");
	pgf_buf_free(&k);
}

/* ---- patterns ---- */

static void test_patterns(void **state)
{
	(void)state;
	static const struct {
		const char *s, *p;
		bool want;
	} pat[] = {
		{ "alice@example.com", "alice@example.com", true },
		{ "alice@example.com", "Alice@example.com", false },  /* case-sensitive */
		{ "alice@example.com", "*@example.com", true },
		{ "alice@example.com", "*", true },
		{ "", "*", true },
		{ "", "", true },
		{ "a", "", false },
		{ "", "?", false },
		{ "alice@example.com", "al?ce@example.com", true },
		{ "alce@example.com", "al?ce@example.com", false },
		{ "alice@example.com", "*@*.com", true },
		{ "alice@example.org", "*@*.com", false },
		{ "alice@example.com", "a*e*e*e*m", true },
		{ "alice@example.com", "*com*", true },
		{ "alice@example.com", "alice@example.co", false },
		{ "alice@example.co", "alice@example.com", false },
		{ "abc", "a**c", true },
		{ "abc", "???", true },
		{ "abc", "????", false },
		{ "a*c", "a\\*c", false },  /* no escapes: '\' is a plain character */
		{ "pgfleet-approval", "pgfleet-*", true },
		{ "pgfleet", "pgfleet-*", false },
	};
	for (size_t i = 0; i < sizeof(pat) / sizeof(pat[0]); i++)
		if (pgf_ssh_match_pattern(pat[i].s, pat[i].p, strlen(pat[i].p)) != pat[i].want)
			fail_msg("\"%s\" against \"%s\": expected %d", pat[i].s, pat[i].p, pat[i].want);

	static const struct {
		const char *s, *list;
		int want;
	} lists[] = {
		{ "alice@example.com", "bob@example.com,alice@example.com", 1 },
		{ "carol@example.com", "bob@example.com,alice@example.com", 0 },
		{ "alice@example.com", "*@example.com,!alice@example.com", -1 },
		{ "alice@example.com", "!alice@example.com,*@example.com", -1 },
		{ "bob@example.com", "*@example.com,!alice@example.com", 1 },
		{ "bob@example.com", "!alice@example.com", 0 },  /* negation alone never matches */
		{ "git", "git,pgfleet-*", 1 },
		{ "pgfleet-ledger", "git,pgfleet-*", 1 },
		{ "file", "git,pgfleet-*", 0 },
		{ "git", "*,!git", -1 },
		{ "git", "", 0 },
		{ "", "", 1 },  /* an empty pattern matches the empty string only */
		{ "a", ",a", 1 },
		{ "!x", "!x", 0 },  /* "!x" is the negation of "x" */
		{ "x", "!x", -1 },
	};
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		if (pgf_ssh_match_list(lists[i].s, lists[i].list) != lists[i].want)
			fail_msg("\"%s\" against list \"%s\": expected %d", lists[i].s, lists[i].list, lists[i].want);

	/* no exponential backtracking */
	char s[4001], p[64];
	memset(s, 'a', 4000);
	s[4000] = '\0';
	strcpy(p, "*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b");
	assert_false(pgf_ssh_match_pattern(s, p, strlen(p)));
	s[3999] = 'b';
	assert_true(pgf_ssh_match_pattern(s, p, strlen(p)));
}

/* ---- times ---- */

static void test_times(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		int64_t want;
	} ok[] = {
		{ "20200101Z", 1577836800 },
		{ "20200101z", 1577836800 },
		{ "20200101UTC", 1577836800 },
		{ "20200101utc", 1577836800 },
		{ "202001011230Z", 1577881800 },
		{ "20200101123059Z", 1577881859 },
		{ "20200229Z", 1582934400 },  /* a leap day */
		{ "20000229Z", 951782400 },   /* 2000 is a leap year */
		{ "19700101000001Z", 1 },
		{ "20991231235959Z", 4102444799 },
		{ "99991231Z", 253402214400 },
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		int64_t t = 0;
		if (pgf_ssh_parse_time(&t, ok[i].s) != 0)
			fail_msg("\"%s\" refused", ok[i].s);
		if (t != ok[i].want)
			fail_msg("\"%s\": %lld, expected %lld", ok[i].s, (long long)t, (long long)ok[i].want);
	}
	static const char *const bad[] = {
		"", "Z", "UTC", "2020", "2020010", "202001011", "2020010112", "20200101123", "202001011230591",
		"20200101 ", " 20200101", "2020-01-01", "2020010aZ", "20201301Z", "20200001Z", "20200100Z", "20200132Z",
		"20200230Z", "20210229Z", "19000229Z", "20200431Z", "202001012400Z", "202001011260Z", "20200101123060Z",
		"19691231Z", "19700101Z", /* the epoch itself: OpenSSH refuses time 0 */
		"20200101ZZ", "20200101GMT", "+0200101",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int64_t t = 0;
		if (pgf_ssh_parse_time(&t, bad[i]) != -1)
			fail_msg("\"%s\" accepted as %lld", bad[i], (long long)t);
	}
	/* without Z: local time (a POSIX TZ rule: no tz database needed) */
	char *old = getenv("TZ") ? pgf_strdup(getenv("TZ")) : NULL;
	setenv("TZ", "XST5", 1);
	tzset();
	int64_t t = 0;
	assert_int_equal(pgf_ssh_parse_time(&t, "20200101"), 0);
	assert_int_equal(t, 1577836800 + 5 * 3600);
	assert_int_equal(pgf_ssh_parse_time(&t, "20200101Z"), 0);
	assert_int_equal(t, 1577836800);
	if (old != NULL)
		setenv("TZ", old, 1);
	else
		unsetenv("TZ");
	tzset();
	free(old);
}

/* ---- private keys ---- */

static char tmpdir[64];

static int make_tmpdir(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/pgfleet-sshsig.XXXXXX");
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int remove_tmpdir(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static char *write_file(const char *name, const void *data, size_t len, mode_t mode)
{
	char *path = pgf_asprintf("%s/%s", tmpdir, name);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
	return path;
}

typedef struct keyopts {
	const char *cipher;
	uint32_t nkeys;
	uint32_t check2;    /* 0: equal to check1 */
	bool bad_header_pub;
	bool bad_seed;      /* a seed that does not give the public key */
	int pad_change;     /* 1: wrong padding byte, 2: section not a multiple of 8 */
	const char *type;
} keyopts;

/* An openssh-key-v1 file for the RFC 8032 key, as ssh-keygen writes it. */
static void openssh_key(pgf_buf *out, const keyopts *o)
{
	pgf_buf pub = PGF_BUF_INIT, priv = PGF_BUF_INIT, raw = PGF_BUF_INIT;
	const char *type = o->type ? o->type : "ssh-ed25519";
	pgf_ssh_put_cstring(&pub, type);
	unsigned char pk[32];
	memcpy(pk, RFC_PUB, 32);
	if (o->bad_header_pub)
		pk[0] ^= 1;
	pgf_ssh_put_string(&pub, pk, 32);

	pgf_ssh_put_u32(&priv, 0x12345678);
	pgf_ssh_put_u32(&priv, o->check2 ? o->check2 : 0x12345678);
	pgf_ssh_put_cstring(&priv, type);
	pgf_ssh_put_string(&priv, RFC_PUB, 32);
	unsigned char sk[64];
	memcpy(sk, RFC_SEED, 32);
	if (o->bad_seed)
		sk[5] ^= 1;
	memcpy(sk + 32, RFC_PUB, 32);
	pgf_ssh_put_string(&priv, sk, 64);
	pgf_ssh_put_cstring(&priv, "test@example.com");
	for (unsigned char i = 1; priv.len % 8 != 0; i++) {
		unsigned char c = o->pad_change == 1 && i == 2 ? 9 : i;
		pgf_buf_put(&priv, &c, 1);
	}
	if (o->pad_change == 2)
		pgf_buf_put(&priv, "\x01", 1);

	pgf_buf_put(&raw, "openssh-key-v1", 15);
	pgf_ssh_put_cstring(&raw, o->cipher ? o->cipher : "none");
	pgf_ssh_put_cstring(&raw, o->cipher ? "bcrypt" : "none");
	if (o->cipher) {
		pgf_buf opts = PGF_BUF_INIT;
		pgf_ssh_put_string(&opts, "saltsaltsaltsalt", 16);
		pgf_ssh_put_u32(&opts, 16);
		pgf_ssh_put_string(&raw, opts.ptr, opts.len);
		pgf_buf_free(&opts);
	} else {
		pgf_ssh_put_string(&raw, "", 0);
	}
	pgf_ssh_put_u32(&raw, o->nkeys ? o->nkeys : 1);
	pgf_ssh_put_string(&raw, pub.ptr, pub.len);
	pgf_ssh_put_string(&raw, priv.ptr, priv.len);

	pgf_buf_clear(out);
	pgf_ssh_armor(out, (const unsigned char *)raw.ptr, raw.len, "OPENSSH PRIVATE KEY");
	pgf_buf_free(&pub);
	pgf_buf_free(&priv);
	pgf_buf_free(&raw);
}

static void pkcs8_key(pgf_buf *out, const char *trailing)
{
	/* RFC 8410 section 10.3 layout: SEQUENCE { 0, { id-Ed25519 }, OCTET STRING { OCTET STRING seed } } */
	static const unsigned char prefix[] = { 0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b,
		                                0x65, 0x70, 0x04, 0x22, 0x04, 0x20 };
	pgf_buf der = PGF_BUF_INIT;
	pgf_buf_put(&der, prefix, sizeof(prefix));
	pgf_buf_put(&der, RFC_SEED, 32);
	if (trailing != NULL)
		pgf_buf_puts(&der, trailing);
	pgf_buf_clear(out);
	pgf_ssh_armor(out, (const unsigned char *)der.ptr, der.len, "PRIVATE KEY");
	pgf_buf_free(&der);
}

static void expect_key_file(const char *name, const pgf_buf *text, mode_t mode, const char *want)
{
	char *path = write_file(name, text->ptr, text->len, mode);
	pgf_error *err = NULL;
	pgf_signer *k = NULL;
	int rc = pgf_signer_load(&k, path, &err);
	if (want == NULL) {
		if (rc != 0)
			fail_msg("%s refused: %s", name, first_message(err));
	} else {
		if (rc != -1)
			fail_msg("%s accepted", name);
		assert_null(k);
		assert_contains(first_message(err), want);
	}
	pgf_signer_free(k);
	pgf_error_free(err);
	free(path);
}

static void test_signer(void **state)
{
	(void)state;
	/* the RFC 8032 key, in both formats: same public key, same signatures */
	char pubb64[PGF_B64_ENCODED_MAX(64)];
	pgf_buf blob = PGF_BUF_INIT;
	pgf_ssh_put_cstring(&blob, "ssh-ed25519");
	pgf_ssh_put_string(&blob, RFC_PUB, 32);
	pgf_ssh_b64_encode(pubb64, (const unsigned char *)blob.ptr, blob.len, true);
	char *want_line = pgf_asprintf("ssh-ed25519 %s", pubb64);
	char want_fp[PGF_FINGERPRINT_LEN];
	pgf_ssh_fingerprint((const unsigned char *)blob.ptr, blob.len, want_fp);
	pgf_buf_free(&blob);

	pgf_buf text = PGF_BUF_INIT;
	keyopts o = { 0 };
	openssh_key(&text, &o);
	char *p1 = write_file("openssh", text.ptr, text.len, 0600);
	pkcs8_key(&text, NULL);
	char *p2 = write_file("pkcs8.pem", text.ptr, text.len, 0400);
	char *sigs[2] = { NULL, NULL };
	const char *paths[2] = { p1, p2 };
	for (int i = 0; i < 2; i++) {
		pgf_error *err = NULL;
		pgf_signer *k = NULL;
		if (pgf_signer_load(&k, paths[i], &err) != 0)
			fail_msg("%s: %s", paths[i], first_message(err));
		char *line = pgf_signer_public_line(k);
		assert_string_equal(line, want_line);
		free(line);
		char fp[PGF_FINGERPRINT_LEN];
		pgf_signer_fingerprint(k, fp);
		assert_string_equal(fp, want_fp);
		assert_int_equal(pgf_signer_sign(&sigs[i], k, MSG, MSG_LEN, "pgfleet-ledger", &err), 0);
		assert_int_equal(pgf_signer_sign(&line, k, MSG, MSG_LEN, "", &err), -1);
		assert_null(line);
		assert_int_equal(pgf_signer_sign(&line, k, MSG, MSG_LEN, "a\nb", &err), -1);
		pgf_error_free(err);
		pgf_signer_free(k);
	}
	/* Ed25519 is deterministic: both files sign alike */
	assert_string_equal(sigs[0], sigs[1]);
	pgf_error *err = NULL;
	pgf_sshsig *s = NULL;
	assert_int_equal(pgf_sshsig_parse(&s, sigs[0], strlen(sigs[0]), &err), 0);
	assert_int_equal(pgf_sshsig_verify(s, MSG, MSG_LEN, "pgfleet-ledger", &err), 0);
	assert_string_equal(pgf_sshsig_hash_algorithm(s), "sha512");
	char fp[PGF_FINGERPRINT_LEN];
	pgf_sshsig_fingerprint(s, fp);
	assert_string_equal(fp, want_fp);
	pgf_sshsig_free(s);
	/* 70-column lines */
	for (const char *l = strchr(sigs[0], '\n') + 1; *l != '-'; l = strchr(l, '\n') + 1)
		assert_true(strcspn(l, "\n") <= 70);
	free(sigs[0]);
	free(sigs[1]);
	free(p1);
	free(p2);
	free(want_line);

	/* refused files */
	openssh_key(&text, &o);
	expect_key_file("mode644", &text, 0644, "permissions 0644 are too open");
	expect_key_file("mode640", &text, 0640, "permissions 0640 are too open");
	expect_key_file("mode602", &text, 0602, "permissions 0602 are too open");
	expect_key_file("mode700", &text, 0700, NULL);
	keyopts enc = { .cipher = "aes256-ctr" };
	openssh_key(&text, &enc);
	expect_key_file("encrypted", &text, 0600, "the private key is encrypted (aes256-ctr)");
	keyopts two = { .nkeys = 2 };
	openssh_key(&text, &two);
	expect_key_file("two", &text, 0600, "holds 2 keys");
	keyopts check = { .check2 = 1 };
	openssh_key(&text, &check);
	expect_key_file("check", &text, 0600, "check bytes differ");
	keyopts hdr = { .bad_header_pub = true };
	openssh_key(&text, &hdr);
	expect_key_file("header", &text, 0600, "its public halves differ");
	keyopts seed = { .bad_seed = true };
	openssh_key(&text, &seed);
	expect_key_file("seed", &text, 0600, "it does not match its public key");
	keyopts pad = { .pad_change = 1 };
	openssh_key(&text, &pad);
	expect_key_file("pad", &text, 0600, "(padding)");
	keyopts pad8 = { .pad_change = 2 };
	openssh_key(&text, &pad8);
	expect_key_file("pad8", &text, 0600, "(section length)");
	keyopts rsa = { .type = "ssh-rsa" };
	openssh_key(&text, &rsa);
	expect_key_file("rsa", &text, 0600, "ssh-rsa key: only ed25519 keys can sign");
	pkcs8_key(&text, "x");
	expect_key_file("pkcs8-trailing", &text, 0600, "unexpected bytes after the PKCS#8 private key");

	static const struct {
		const char *text;
		const char *want;
	} bad[] = {
		{ "", "not an ed25519 private key in OpenSSH or PKCS#8 PEM format" },
		{ "hello", "not an ed25519 private key" },
		{ "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n",
		  "the private key is encrypted (PKCS#8)" },
		{ "-----BEGIN RSA PRIVATE KEY-----\n", "an rsa key: only ed25519 keys can sign" },
		{ "-----BEGIN EC PRIVATE KEY-----\n", "an ecdsa key" },
		{ "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOhW7vLyCGzo9M980MUI8J4meGfO2dkdDXR8V6QyBjJd\n", "is a public key" },
		{ "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEA\n", "truncated armor" },
		{ "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEA\n-----END OPENSSH PRIVATE KEY-----\n",
		  "truncated field \"ciphername\"" },
		{ "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjE=\n-----END OPENSSH PRIVATE KEY-----\n",
		  "not an openssh-key-v1 private key" },
		{ "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n", "not a PKCS#8 private key" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		pgf_buf t = PGF_BUF_INIT;
		pgf_buf_puts(&t, bad[i].text);
		if (t.ptr == NULL)
			pgf_buf_put(&t, "", 0);
		expect_key_file("bad", &t, 0600, bad[i].want);
		pgf_buf_free(&t);
	}

	/* every truncation of a good key file is refused without a crash */
	openssh_key(&text, &o);
	for (size_t i = 0; i < text.len - 1; i += 7) {
		pgf_buf t = PGF_BUF_INIT;
		pgf_buf_put(&t, text.ptr, i);
		char *path = write_file("trunc", t.ptr, t.len, 0600);
		pgf_signer *k = NULL;
		assert_int_equal(pgf_signer_load(&k, path, NULL), -1);
		free(path);
		pgf_buf_free(&t);
	}
	pgf_buf_free(&text);

	pgf_signer *k = NULL;
	char *missing = pgf_asprintf("%s/missing", tmpdir);
	assert_int_equal(pgf_signer_load(&k, missing, &err), -1);
	assert_int_equal(err->code, PGF_ERR_NOTFOUND);
	pgf_error_free(err);
	free(missing);
}

/* ---- allowed_signers ---- */

static int as_parse(pgf_allowed_signers **as, const char *text, pgf_error **err)
{
	return pgf_allowed_signers_parse(as, text, strlen(text), "trust", err);
}

static void expect_as_error(const char *text, const char *want)
{
	pgf_allowed_signers *as = NULL;
	pgf_error *err = NULL;
	if (as_parse(&as, text, &err) != -1)
		fail_msg("accepted: %s", text);
	assert_null(as);
	assert_contains(first_message(err), want);
	pgf_error_free(err);
}

/* find() with ED_SIG for namespace "ns" */
static int find(const char *text, int64_t when, const char *principal, const char **who, const char **msg)
{
	pgf_allowed_signers *as = NULL;
	pgf_error *err = NULL;
	pgf_sshsig *s = NULL;
	static char whobuf[256];
	assert_int_equal(pgf_sshsig_parse(&s, ED_SIG, strlen(ED_SIG), &err), 0);
	if (as_parse(&as, text, &err) != 0)
		fail_msg("%s: %s", text, first_message(err));
	const char *w = NULL;
	int rc = pgf_allowed_signers_find(&w, as, s, "ns", when, principal, &err);
	snprintf(whobuf, sizeof(whobuf), "%s", w ? w : "(null)");
	if (who != NULL)
		*who = whobuf;
	if (msg != NULL)
		*msg = first_message(err);
	pgf_allowed_signers_free(as);
	pgf_sshsig_free(s);
	pgf_error_free(err);
	return rc;
}

static void test_allowed_signers_parse(void **state)
{
	(void)state;
	pgf_allowed_signers *as = NULL;
	pgf_error *err = NULL;
	char *text = pgf_asprintf("# comment\n"
	                          "\n"
	                          "   \t\n"
	                          "  # indented comment\r\n"
	                          "a@example.com %s\r\n"
	                          "b@example.com,c@example.com namespaces=\"git,pgfleet-*\" %s a comment with spaces\n"
	                          "\"d e@example.com\" Valid-After=\"20200101\",valid-before=\"20300101Z\" %s\n"
	                          "f@example.com namespaces=\"a b,\\\"c\" %s",
	                          ED_PUB, ED_PUB, ED_PUB, ED_PUB);
	assert_int_equal(as_parse(&as, text, &err), 0);
	assert_int_equal(pgf_allowed_signers_count(as), 4);
	pgf_allowed_signers_free(as);
	free(text);
	assert_int_equal(as_parse(&as, "", &err), 0);
	assert_int_equal(pgf_allowed_signers_count(as), 0);
	pgf_allowed_signers_free(as);

	char *l;
#define BAD(fmt, want)                                       \
	do {                                                 \
		l = pgf_asprintf(fmt, ED_PUB);               \
		expect_as_error(l, want);                    \
		free(l);                                     \
	} while (0)
	BAD("a@example.com cert-authority %s", "trust:1: cert-authority is not supported");
	BAD("# x\na@example.com cert-authority,namespaces=\"git\" %s", "trust:2: cert-authority is not supported");
	BAD("a@example.com namespaces=git %s", "trust:1: the value of namespaces must be quoted");
	BAD("a@example.com namespaces=\"git %s", "trust:1: the value of namespaces has no closing quote");
	BAD("a@example.com namespaces=\"git\",namespaces=\"x\" %s", "namespaces appears twice");
	BAD("a@example.com valid-after=\"20200101\",valid-after=\"20200101\" %s", "valid-after appears twice");
	BAD("a@example.com valid-after=\"20200101\",valid-before=\"20200101\" %s", "valid-before is not after valid-after");
	BAD("a@example.com valid-before=\"2020-01-01\" %s", "valid-before=\"2020-01-01\" is not a time");
	BAD("a@example.com restrict %s", "unknown option \"restrict\"");
	BAD("a@example.com namespaces=\"git\", %s", "the options end with a comma");
	BAD("a@example.com namespaces=\"git\"x %s", "unexpected \"x\" in the options");
	BAD("a@example.com,,b@example.com %s", "empty principal");
	BAD("a@example.com,! %s", "empty principal");
	BAD("\"a@example.com %s", "the principals have no closing quote");
	BAD("a\"b\"@example.com %s", "unexpected quote in the principals");
	BAD("a@example.com %.11s", "missing base64 key after ssh-ed25519");
	BAD("a@example.com %.11s AAAA@AAA", "invalid base64 character at character 5");
	BAD("a@example.com %.11s AAAAC3NzaC1lZDI1NTE5AAAAIOhW7vLyCGzo9M980MUI8J4meGfO2dkdDXR8V6QyBjJ",
	    "truncated base64");
	BAD("a@example.com %.11s AAAAB3NzaC1yc2E=", "the key is ssh-rsa, not ssh-ed25519");
	BAD("a@example.com %.11s AAAAC3NzaC1lZDI1NTE5AAAAH+hW7vLyCGzo9M980MUI8J4meGfO2dkdDXR8V6QyBg==",
	    "trust:1: the ssh-ed25519 key: truncated field \"ed25519 public key\"");
	BAD("a@example.com ssh-ed25519-cert-v01@openssh.com AAAA%.0s", "certificates (ssh-ed25519-cert-v01@openssh.com) are not supported");
	BAD("a@example.com%.0s", "trust:1: missing key");
	BAD("a@example.com namespaces=\"git\"%.0s", "trust:1: missing key");
#undef BAD
	pgf_allowed_signers *nul = NULL;
	assert_int_equal(pgf_allowed_signers_parse(&nul, "a\0b", 3, "trust", &err), -1);
	assert_contains(first_message(err), "trust: contains a NUL byte");
	pgf_error_free(err);
	err = NULL;

	/* every bad line is reported */
	text = pgf_asprintf("a@example.com bogus %s\nb@example.com %s\nc@example.com cert-authority %s\n", ED_PUB, ED_PUB,
	                    ED_PUB);
	assert_int_equal(as_parse(&as, text, &err), -1);
	assert_int_equal(pgf_error_count(err), 2);
	assert_contains(err->message, "trust:1: unknown option \"bogus\"");
	assert_contains(err->next->message, "trust:3: cert-authority is not supported");
	pgf_error_free(err);
	free(text);

	/* a DSA key line loads (its signatures are refused when parsed) */
	assert_int_equal(as_parse(&as, "a@example.com ssh-dss AAAAB3NzaC1kc3MAAAAA", &err), 0);
	assert_int_equal(pgf_allowed_signers_count(as), 1);
	pgf_allowed_signers_free(as);
}

static void test_allowed_signers_find(void **state)
{
	(void)state;
	const char *who = NULL, *msg = NULL;
	char *t;
	int64_t now = 1767225600; /* 2026-01-01T00:00:00Z */

	t = pgf_asprintf("a@example.com %s", ED_PUB);
	assert_int_equal(find(t, now, "a@example.com", &who, &msg), 0);
	assert_string_equal(who, "a@example.com");
	assert_int_equal(find(t, now, NULL, &who, &msg), 0);
	assert_string_equal(who, "a@example.com");
	assert_int_equal(find(t, now, "b@example.com", &who, &msg), -1);
	assert_string_equal(msg, "key " "SHA256:3/e9Et9U5WXTDrnwT1UqxQo2g6fLjpMMGq0JE8ppxq4"
	                         " is not trusted for principal \"b@example.com\" in trust");
	free(t);

	/* another key only */
	t = pgf_asprintf("a@example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINdamAGCsQq31Uv+08lkBzoO4XLz2qYjJa8CGmj3B1Ea");
	assert_int_equal(find(t, now, "a@example.com", &who, &msg), -1);
	assert_contains(msg, "key SHA256:3/e9Et9U5WXTDrnwT1UqxQo2g6fLjpMMGq0JE8ppxq4 (ssh-ed25519) is not in trust");
	free(t);

	/* wildcards and negation; the first non-negated principal */
	t = pgf_asprintf("!x@example.com,*@example.com,a@example.com %s", ED_PUB);
	assert_int_equal(find(t, now, "q@example.com", &who, &msg), 0);
	assert_int_equal(find(t, now, "x@example.com", &who, &msg), -1);
	assert_int_equal(find(t, now, "q@example.org", &who, &msg), -1);
	assert_int_equal(find(t, now, NULL, &who, &msg), 0);
	assert_string_equal(who, "*@example.com");
	free(t);
	t = pgf_asprintf("!x@example.com %s", ED_PUB);
	assert_int_equal(find(t, now, NULL, &who, &msg), -1);
	free(t);

	/* namespaces; later lines are tried after a refusal */
	t = pgf_asprintf("a@example.com namespaces=\"git\" %s", ED_PUB);
	assert_int_equal(find(t, now, "a@example.com", &who, &msg), -1);
	assert_contains(msg, "trust:1: key SHA256:3/e9Et9U5WXTDrnwT1UqxQo2g6fLjpMMGq0JE8ppxq4 of a@example.com may not "
	                     "sign namespace \"ns\" (namespaces=\"git\")");
	free(t);
	t = pgf_asprintf("a@example.com namespaces=\"git\" %s\nb@example.com namespaces=\"n?\" %s", ED_PUB, ED_PUB);
	assert_int_equal(find(t, now, NULL, &who, &msg), 0);
	assert_string_equal(who, "b@example.com");
	free(t);

	/* validity: inclusive at both ends, as OpenSSH */
	t = pgf_asprintf("a@example.com valid-after=\"20250101Z\",valid-before=\"20260101Z\" %s", ED_PUB);
	assert_int_equal(find(t, 1735689600 - 1, NULL, &who, &msg), -1);
	assert_contains(msg, "trust:1: key SHA256:3/e9Et9U5WXTDrnwT1UqxQo2g6fLjpMMGq0JE8ppxq4 of a@example.com is not "
	                     "valid yet at 2024-12-31T23:59:59Z (valid-after 2025-01-01T00:00:00Z)");
	assert_int_equal(find(t, 1735689600, NULL, &who, &msg), 0);
	assert_int_equal(find(t, now, NULL, &who, &msg), 0);
	assert_int_equal(find(t, now + 1, NULL, &who, &msg), -1);
	assert_contains(msg, "has expired at 2026-01-01T00:00:01Z (valid-before 2026-01-01T00:00:00Z)");
	free(t);

	/* the signature's namespace must be the one asked for */
	pgf_allowed_signers *as = NULL;
	pgf_sshsig *s = NULL;
	pgf_error *err = NULL;
	t = pgf_asprintf("a@example.com %s", ED_PUB);
	assert_int_equal(as_parse(&as, t, &err), 0);
	assert_int_equal(pgf_sshsig_parse(&s, ED_SIG, strlen(ED_SIG), &err), 0);
	assert_int_equal(pgf_allowed_signers_find(&who, as, s, "git", now, NULL, &err), -1);
	assert_null(who);
	assert_string_equal(first_message(err), "ssh signature: namespace is \"ns\", expected \"git\"");
	pgf_error_free(err);
	pgf_sshsig_free(s);
	pgf_allowed_signers_free(as);
	free(t);

	/* ecdsa: keys compare by blob */
	assert_int_equal(pgf_sshsig_parse(&s, EC_SIG, strlen(EC_SIG), NULL), 0);
	char fp[PGF_FINGERPRINT_LEN];
	pgf_sshsig_fingerprint(s, fp);
	assert_string_equal(fp, EC_FP);
	assert_int_equal(pgf_sshsig_verify(s, MSG, MSG_LEN, "ns", NULL), 0);
	pgf_sshsig_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base64_vectors),
		cmocka_unit_test(test_base64_errors),
		cmocka_unit_test(test_armor),
		cmocka_unit_test(test_blob_malformed),
		cmocka_unit_test(test_blob_keys),
		cmocka_unit_test(test_patterns),
		cmocka_unit_test(test_times),
		cmocka_unit_test_setup_teardown(test_signer, make_tmpdir, remove_tmpdir),
		cmocka_unit_test(test_allowed_signers_parse),
		cmocka_unit_test(test_allowed_signers_find),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
