/* The tenants, read from master. */
#ifndef PGFLEET_REGISTRY_H
#define PGFLEET_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>

#include "pgfleet/error.h"
#include "pgfleet/pg.h"

/* The default query; a custom one (pgfleet.json "tenants_query") returns the
 * same four columns in this order. */
#define PGF_DEFAULT_TENANTS_QUERY                                                                          \
	"SELECT slug, database_url, database_type, deleted_at IS NOT NULL FROM tenants ORDER BY slug"

typedef struct pgf_tenant {
	char *slug;
	char *conninfo;    /* secret: never printed */
	char *type;
	bool deleted;
} pgf_tenant;

typedef struct pgf_tenant_list {
	pgf_tenant *items;
	size_t count;
} pgf_tenant_list;

int pgf_registry_load(pgf_tenant_list *out, pgf_pg *master, const char *query, pgf_error **err);
const pgf_tenant *pgf_registry_find(const pgf_tenant_list *list, const char *slug);
void pgf_registry_free(pgf_tenant_list *list);

#endif
