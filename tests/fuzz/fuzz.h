/* Shared by the libFuzzer targets of tests/fuzz (see tests/fuzz/README.md). */
#ifndef PGFLEET_FUZZ_H
#define PGFLEET_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* The message every seed signature in corpus/sshsig signs (namespace
 * pgfleet-approval): an approval of migrations/tenant/0001_create_wells.sql.
 * Must match tests/fuzz/make-seeds.sh. */
#define FUZZ_MESSAGE                                                                                                   \
	"pgfleet approval v1\n"                                                                                        \
	"scope tenant\n"                                                                                               \
	"file 0001_create_wells.sql\n"                                                                                 \
	"sha256 ab39a15ef4be08c245b8dbb77d06301972454aca9dcb72adb4a4799d9ee4eac5\n"
#define FUZZ_NAMESPACE "pgfleet-approval"

/* An invariant the target checks does not hold: print it and abort, which
 * libFuzzer reports as a crash (and saves the input). */
#define FUZZ_CHECK(cond, ...)                                                                                          \
	do {                                                                                                           \
		if (!(cond)) {                                                                                         \
			fprintf(stderr, "fuzz invariant failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__);             \
			fprintf(stderr, __VA_ARGS__);                                                                  \
			fputc('\n', stderr);                                                                           \
			abort();                                                                                       \
		}                                                                                                      \
	} while (0)

/* s with control bytes, '"', '\\' and bytes >= 0x7f as \xHH, cut to fit out
 * (for messages about file names and the like). Returns out. */
static inline const char *fuzz_escape(char *out, size_t size, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	for (; *s != '\0' && o + 5 < size; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		} else {
			out[o++] = (char)c;
		}
	}
	out[o] = '\0';
	return out;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
