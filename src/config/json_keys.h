/* Strict JSON objects: an unknown key is an error with a "did you mean". */
#ifndef PGFLEET_JSON_KEYS_H
#define PGFLEET_JSON_KEYS_H

#include <jansson.h>

#include "pgfleet/error.h"

/* known is NULL-terminated; errors read "<label>: <where>: unknown key". */
int pgf_json_check_keys(json_t *obj, const char *const *known, const char *label, const char *where,
                        pgf_error **err);

#endif
