/* SHA-256, through OpenSSL (src/sig is the only OpenSSL user). */
#ifndef PGFLEET_DIGEST_H
#define PGFLEET_DIGEST_H

#include <stddef.h>

#define PGF_SHA256_LEN 32
#define PGF_SHA256_HEX_LEN 64

/* out_hex receives 64 lower-case hex digits and a NUL. */
void pgf_sha256_hex(const void *data, size_t len, char out_hex[PGF_SHA256_HEX_LEN + 1]);
void pgf_sha256(const void *data, size_t len, unsigned char out[PGF_SHA256_LEN]);
void pgf_hex_encode(const unsigned char *data, size_t len, char *out);

#endif
