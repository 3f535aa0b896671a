/* --shard I/N: a stable partition of the tenants by a hash of their id.
 *
 * A tenant belongs to shard (key(id) mod N), where key(id) is the first 8
 * bytes of SHA-256 of the id's text, read as a big-endian unsigned 64-bit
 * integer. The partition depends on the id alone, so adding or removing
 * tenants never moves the others; I is 0-based, as Kubernetes'
 * JOB_COMPLETION_INDEX. */
#ifndef PGFLEET_SHARD_H
#define PGFLEET_SHARD_H

#include <stdbool.h>
#include <stdint.h>

#define PGF_SHARD_MAX 65536

typedef struct pgf_shard {
	uint32_t index;  /* I, 0 <= I < N */
	uint32_t count;  /* N; 0: no sharding, every tenant */
} pgf_shard;

/* Parses "I/N" (decimal, 0 <= I < N <= PGF_SHARD_MAX). Returns 0, or -1 with
 * a one-line reason in why (a static string). */
int pgf_shard_parse(pgf_shard *out, const char *text, const char **why);
/* The first 8 bytes of sha256(id) as a big-endian integer. */
uint64_t pgf_shard_key(const char *id);
/* The shard (0..count-1) of an id. */
uint32_t pgf_shard_of(const char *id, uint32_t count);
/* True when the id belongs to s (always, when s->count is 0). */
bool pgf_shard_contains(const pgf_shard *s, const char *id);

#endif
