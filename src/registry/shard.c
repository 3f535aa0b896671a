#include "pgfleet/shard.h"

#include <string.h>

#include "pgfleet/common.h"
#include "pgfleet/digest.h"

/* A decimal number of digits only (no sign, no space); -1 otherwise. */
static long long parse_count(const char *s, size_t len)
{
	if (len > 6 || !pgf_str_is_digits(s, len))
		return -1;
	long long v = 0;
	for (size_t i = 0; i < len; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

int pgf_shard_parse(pgf_shard *out, const char *text, const char **why)
{
	const char *slash = text ? strchr(text, '/') : NULL;
	if (slash == NULL) {
		*why = "expected I/N, e.g. 0/4";
		return -1;
	}
	long long i = parse_count(text, (size_t)(slash - text));
	long long n = parse_count(slash + 1, strlen(slash + 1));
	if (i < 0 || n < 0) {
		*why = "expected I/N with I and N decimal numbers, e.g. 0/4";
		return -1;
	}
	if (n < 1 || n > PGF_SHARD_MAX) {
		*why = "N must be from 1 to 65536";
		return -1;
	}
	if (i >= n) {
		*why = "I must be from 0 to N-1 (shards are numbered from 0)";
		return -1;
	}
	out->index = (uint32_t)i;
	out->count = (uint32_t)n;
	return 0;
}

uint64_t pgf_shard_key(const char *id)
{
	unsigned char d[PGF_SHA256_LEN];
	pgf_sha256(id, strlen(id), d);
	uint64_t k = 0;
	for (int i = 0; i < 8; i++)
		k = (k << 8) | d[i];
	return k;
}

uint32_t pgf_shard_of(const char *id, uint32_t count)
{
	return count == 0 ? 0 : (uint32_t)(pgf_shard_key(id) % count);
}

bool pgf_shard_contains(const pgf_shard *s, const char *id)
{
	return s->count == 0 || pgf_shard_of(id, s->count) == s->index;
}
