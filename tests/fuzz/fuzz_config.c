/* fuzz_config: pgf_config_parse (pgfleet.json) on arbitrary text.
 *
 * Invariants on success: at least one scope; every name is
 * [a-z][a-z0-9_-]{0,62}; every folder is relative, non-empty, without a
 * trailing '/', a backslash or a "." / ".." / empty component; names and
 * folders are unique (pgf_config_scope finds each scope by its name);
 * max_file_bytes is 1..256 MiB; a tenants_query is non-empty. */
#include <string.h>

#include "fuzz.h"
#include "pgfleet/config.h"

static void check_folder(const char *f)
{
	size_t n = strlen(f);
	FUZZ_CHECK(n > 0 && f[0] != '/' && f[n - 1] != '/' && strchr(f, '\\') == NULL, "folder \"%s\"", f);
	const char *p = f;
	for (;;) {
		size_t k = strcspn(p, "/");
		FUZZ_CHECK(k > 0 && !(k == 1 && p[0] == '.') && !(k == 2 && p[0] == '.' && p[1] == '.'),
		           "folder \"%s\" has an empty, . or .. component", f);
		if (p[k] == '\0')
			break;
		p += k + 1;
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pgf_config *cfg = NULL;
	pgf_error *err = NULL;
	if (pgf_config_parse(&cfg, (const char *)data, size, PGF_CONFIG_FILE, &err) != 0) {
		FUZZ_CHECK(err != NULL && err->message != NULL && err->message[0] != '\0', "refusal without a message");
		pgf_error_free(err);
		return 0;
	}
	FUZZ_CHECK(cfg != NULL && err == NULL, "success with an error set");
	FUZZ_CHECK(cfg->nscopes > 0, "no scopes");
	FUZZ_CHECK(cfg->max_file_bytes >= 1 && cfg->max_file_bytes <= 256u * 1024 * 1024, "max_file_bytes %zu",
	           cfg->max_file_bytes);
	FUZZ_CHECK(cfg->tenants_query == NULL || cfg->tenants_query[0] != '\0', "empty tenants_query");
	for (size_t i = 0; i < cfg->nscopes; i++) {
		const pgf_scope *s = &cfg->scopes[i];
		size_t n = strlen(s->name);
		FUZZ_CHECK(n >= 1 && n <= 63 && s->name[0] >= 'a' && s->name[0] <= 'z' &&
		                   strspn(s->name, "abcdefghijklmnopqrstuvwxyz0123456789_-") == n,
		           "scope name \"%s\"", s->name);
		check_folder(s->folder);
		FUZZ_CHECK(pgf_config_scope(cfg, s->name) == s, "scope \"%s\" is not found by its name", s->name);
		FUZZ_CHECK(s->target == PGF_TARGET_MASTER || s->target == PGF_TARGET_TENANTS, "target %d", (int)s->target);
		const char *tn = pgf_target_name(s->target);
		FUZZ_CHECK(strcmp(tn, "master") == 0 || strcmp(tn, "tenants") == 0, "target name %s", tn);
		for (size_t j = 0; j < i; j++)
			FUZZ_CHECK(strcmp(cfg->scopes[j].folder, s->folder) != 0, "folder \"%s\" used twice", s->folder);
	}
	pgf_config_free(cfg);
	return 0;
}
