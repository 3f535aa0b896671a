#include "pgfleet/config.h"

#include <jansson.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "json_keys.h"
#include "pgfleet/common.h"

static bool valid_scope_name(const char *s)
{
	if (!(*s >= 'a' && *s <= 'z'))
		return false;
	size_t n = 0;
	for (; *s; s++, n++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
			return false;
	return n <= 63;
}

/* A folder is relative, has no empty, "." or ".." component, and no
 * backslash. A trailing '/' is dropped. */
static char *normalize_folder(const char *s)
{
	size_t n = strlen(s);
	while (n > 0 && s[n - 1] == '/')
		n--;
	if (n == 0 || s[0] == '/' || memchr(s, '\\', n) != NULL)
		return NULL;
	const char *p = s, *end = s + n;
	while (p < end) {
		const char *q = memchr(p, '/', (size_t)(end - p));
		if (q == NULL)
			q = end;
		size_t len = (size_t)(q - p);
		if (len == 0 || (len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.'))
			return NULL;
		p = q + 1;
	}
	return pgf_strndup(s, n);
}

static int parse_scope(pgf_scope *sc, json_t *js, size_t i, const char *label, pgf_error **err)
{
	static const char *const keys[] = { "name", "folder", "target", NULL };
	char where[32];
	snprintf(where, sizeof(where), "scopes[%zu]", i);
	if (!json_is_object(js))
		return pgf_error_set(err, PGF_ERR_CONFIG, "%s: %s: expected an object", label, where);
	if (pgf_json_check_keys(js, keys, label, where, err) != 0)
		return -1;

	const char *name = json_string_value(json_object_get(js, "name"));
	const char *folder = json_string_value(json_object_get(js, "folder"));
	const char *target = json_string_value(json_object_get(js, "target"));
	if (name == NULL || !valid_scope_name(name))
		return pgf_error_set(err, PGF_ERR_CONFIG,
		                     "%s: %s.name: expected a name of lower-case letters, digits, '_' and '-'", label,
		                     where);
	if (folder == NULL)
		return pgf_error_set(err, PGF_ERR_CONFIG, "%s: %s.folder: expected a string", label, where);
	if (target == NULL || (strcmp(target, "master") != 0 && strcmp(target, "tenants") != 0))
		return pgf_error_set(err, PGF_ERR_CONFIG, "%s: %s.target: expected \"master\" or \"tenants\"", label,
		                     where);
	sc->folder = normalize_folder(folder);
	if (sc->folder == NULL)
		return pgf_error_set(err, PGF_ERR_CONFIG,
		                     "%s: %s.folder: \"%s\" must be a relative path inside the repository", label,
		                     where, folder);
	sc->name = pgf_strdup(name);
	sc->target = strcmp(target, "master") == 0 ? PGF_TARGET_MASTER : PGF_TARGET_TENANTS;
	return 0;
}

static int parse_root(pgf_config *cfg, json_t *root, const char *label, pgf_error **err)
{
	static const char *const keys[] = { "version", "scopes", "tenants_query", "max_file_bytes", NULL };
	if (!json_is_object(root))
		return pgf_error_set(err, PGF_ERR_CONFIG, "%s: expected a JSON object at the top", label);
	if (pgf_json_check_keys(root, keys, label, "top level", err) != 0)
		return -1;

	json_t *version = json_object_get(root, "version");
	if (version != NULL && (!json_is_integer(version) || json_integer_value(version) != 1))
		return pgf_error_set(err, PGF_ERR_CONFIG, "%s: version: this pgfleet reads version 1", label);

	json_t *q = json_object_get(root, "tenants_query");
	if (q != NULL) {
		if (!json_is_string(q) || json_string_length(q) == 0)
			return pgf_error_set(err, PGF_ERR_CONFIG, "%s: tenants_query: expected a non-empty string", label);
		cfg->tenants_query = pgf_strdup(json_string_value(q));
	}

	json_t *mx = json_object_get(root, "max_file_bytes");
	if (mx != NULL) {
		if (!json_is_integer(mx) || json_integer_value(mx) < 1 || json_integer_value(mx) > 256 * 1024 * 1024)
			return pgf_error_set(err, PGF_ERR_CONFIG,
			                     "%s: max_file_bytes: expected an integer from 1 to 268435456", label);
		cfg->max_file_bytes = (size_t)json_integer_value(mx);
	}

	json_t *scopes = json_object_get(root, "scopes");
	if (!json_is_array(scopes) || json_array_size(scopes) == 0)
		return pgf_error_set(err, PGF_ERR_CONFIG, "%s: scopes: expected a non-empty array", label);
	cfg->nscopes = json_array_size(scopes);
	cfg->scopes = pgf_calloc(cfg->nscopes, sizeof(pgf_scope));
	for (size_t i = 0; i < cfg->nscopes; i++) {
		if (parse_scope(&cfg->scopes[i], json_array_get(scopes, i), i, label, err) != 0)
			return -1;
		for (size_t j = 0; j < i; j++) {
			if (strcmp(cfg->scopes[j].name, cfg->scopes[i].name) == 0)
				return pgf_error_set(err, PGF_ERR_CONFIG, "%s: scopes[%zu]: scope \"%s\" is declared twice",
				                     label, i, cfg->scopes[i].name);
			if (strcmp(cfg->scopes[j].folder, cfg->scopes[i].folder) == 0)
				return pgf_error_set(err, PGF_ERR_CONFIG,
				                     "%s: scopes[%zu]: folder \"%s\" is already used by scope \"%s\"", label,
				                     i, cfg->scopes[i].folder, cfg->scopes[j].name);
		}
	}
	return 0;
}

int pgf_config_parse(pgf_config **out, const char *text, size_t len, const char *label, pgf_error **err)
{
	json_error_t jerr;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL)
		return pgf_error_set(err, PGF_ERR_CONFIG, "%s:%d:%d: %s", label, jerr.line, jerr.column, jerr.text);

	pgf_config *cfg = pgf_calloc(1, sizeof(*cfg));
	cfg->max_file_bytes = PGF_DEFAULT_MAX_FILE_BYTES;
	int rc = parse_root(cfg, root, label, err);
	json_decref(root);
	if (rc != 0) {
		pgf_config_free(cfg);
		return -1;
	}
	*out = cfg;
	return 0;
}

const pgf_scope *pgf_config_scope(const pgf_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->nscopes; i++)
		if (strcmp(cfg->scopes[i].name, name) == 0)
			return &cfg->scopes[i];
	return NULL;
}

const char *pgf_target_name(pgf_target target)
{
	return target == PGF_TARGET_MASTER ? "master" : "tenants";
}

void pgf_config_free(pgf_config *cfg)
{
	if (cfg == NULL)
		return;
	for (size_t i = 0; i < cfg->nscopes; i++) {
		free(cfg->scopes[i].name);
		free(cfg->scopes[i].folder);
	}
	free(cfg->scopes);
	free(cfg->tenants_query);
	free(cfg);
}
