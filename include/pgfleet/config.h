/* pgfleet.json: the scopes of a repository, read from the pinned commit. */
#ifndef PGFLEET_CONFIG_H
#define PGFLEET_CONFIG_H

#include <stddef.h>

#include "pgfleet/error.h"

#define PGF_CONFIG_FILE "pgfleet.json"
#define PGF_CONFIG_MAX_BYTES (256 * 1024)
#define PGF_DEFAULT_MAX_FILE_BYTES (1024 * 1024)

typedef enum pgf_target {
	PGF_TARGET_MASTER,
	PGF_TARGET_TENANTS
} pgf_target;

typedef struct pgf_scope {
	char *name;     /* [a-z][a-z0-9_-]* */
	char *folder;   /* relative, '/'-separated, no trailing '/' */
	pgf_target target;
} pgf_scope;

typedef struct pgf_config {
	pgf_scope *scopes;
	size_t nscopes;
	char *tenants_query;    /* NULL: the default tenants table */
	size_t max_file_bytes;  /* cap on one migration file */
} pgf_config;

/* Parses pgfleet.json text. label names the file in errors
 * ("pgfleet.json:3:14: ..."). */
int pgf_config_parse(pgf_config **out, const char *text, size_t len, const char *label, pgf_error **err);
const pgf_scope *pgf_config_scope(const pgf_config *cfg, const char *name);
const char *pgf_target_name(pgf_target target);
void pgf_config_free(pgf_config *cfg);

#endif
