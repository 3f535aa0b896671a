#include "json_keys.h"

#include <stdbool.h>
#include <string.h>

#include "pgfleet/common.h"

int pgf_json_check_keys(json_t *obj, const char *const *known, const char *label, const char *where,
                        pgf_error **err)
{
	const char *key;
	json_t *value;
	int rc = 0;
	json_object_foreach(obj, key, value) {
		bool ok = false;
		size_t n = 0;
		for (; known[n] != NULL; n++)
			ok = ok || strcmp(key, known[n]) == 0;
		if (!ok) {
			rc = pgf_error_set(err, PGF_ERR_CONFIG, "%s: %s: unknown key \"%s\"", label, where, key);
			const char *near = pgf_suggest(key, known, n);
			if (near != NULL)
				pgf_error_hint(err, "did you mean \"%s\"?", near);
		}
	}
	return rc;
}
