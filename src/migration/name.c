#include <string.h>

#include "pgfleet/common.h"
#include "pgfleet/migration.h"

#define MAX_VERSION_DIGITS 32

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

pgf_name_result pgf_migration_name_parse(const char *file, pgf_migration_name *out)
{
	size_t n = strlen(file);
	if (!pgf_str_has_suffix(file, ".sql"))
		return PGF_NAME_NOT_SQL;
	n -= 4;
	bool down = n >= 5 && memcmp(file + n - 5, ".down", 5) == 0;
	if (down)
		n -= 5;

	size_t v = 0;
	while (v < n && file[v] >= '0' && file[v] <= '9')
		v++;
	if (v == 0 || v > MAX_VERSION_DIGITS || v + 1 >= n || file[v] != '_')
		return PGF_NAME_INVALID;
	for (size_t i = v + 1; i < n; i++)
		if (!name_char(file[i]))
			return PGF_NAME_INVALID;

	out->version = file;
	out->version_len = v;
	out->name = file + v + 1;
	out->name_len = n - v - 1;
	out->down = down;
	return PGF_NAME_OK;
}

int pgf_version_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	while (alen > 1 && *a == '0') {
		a++;
		alen--;
	}
	while (blen > 1 && *b == '0') {
		b++;
		blen--;
	}
	if (alen != blen)
		return alen < blen ? -1 : 1;
	int c = memcmp(a, b, alen);
	return c < 0 ? -1 : c > 0 ? 1 : 0;
}

int pgf_version_cmp_str(const char *a, const char *b)
{
	return pgf_version_cmp(a, strlen(a), b, strlen(b));
}
