#include "pgfleet/digest.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static EVP_MD *sha256_md;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void sha256_fetch(void)
{
	/* An explicit fetch once, instead of an implicit fetch on every call. */
	sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

void pgf_sha256(const void *data, size_t len, unsigned char out[PGF_SHA256_LEN])
{
	pthread_once(&sha256_once, sha256_fetch);
	unsigned int n = 0;
	if (sha256_md == NULL || !EVP_Digest(data, len, out, &n, sha256_md, NULL) || n != PGF_SHA256_LEN) {
		/* Only a broken OpenSSL installation gets here. */
		fprintf(stderr, "pgfleet: fatal: sha-256 unavailable from openssl\n");
		abort();
	}
}

void pgf_hex_encode(const unsigned char *data, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[data[i] >> 4];
		out[2 * i + 1] = digits[data[i] & 15];
	}
	out[2 * len] = '\0';
}

void pgf_sha256_hex(const void *data, size_t len, char out_hex[PGF_SHA256_HEX_LEN + 1])
{
	unsigned char md[PGF_SHA256_LEN];
	pgf_sha256(data, len, md);
	pgf_hex_encode(md, sizeof(md), out_hex);
}
