/* The tenants, read from master. */
#ifndef PGFLEET_REGISTRY_H
#define PGFLEET_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>

#include "pgfleet/error.h"
#include "pgfleet/pg.h"

/* The default query; a custom one (pgfleet.json "tenants_query") returns the
 * same first four columns in this order, and may return the tenant's stable
 * id as a fifth (what --shard hashes; --shard needs it). */
#define PGF_DEFAULT_TENANTS_COLUMNS "slug, database_url, database_type, deleted_at IS NOT NULL, id::text"
#define PGF_DEFAULT_TENANTS_QUERY "SELECT " PGF_DEFAULT_TENANTS_COLUMNS " FROM tenants ORDER BY slug"

typedef struct pgf_tenant {
	char *slug;
	char *conninfo;    /* secret: never printed */
	char *type;
	bool deleted;
	char *id;          /* the stable id (NULL: the query returns none) */
	char *column;      /* the value of the extra column asked for (NULL: SQL NULL or none) */
} pgf_tenant;

typedef struct pgf_tenant_list {
	pgf_tenant *items;
	size_t count;
} pgf_tenant_list;

int pgf_registry_load(pgf_tenant_list *out, pgf_pg *master, const char *query, pgf_error **err);
/* The same, also reading column (a plain lower-case SQL name, checked by the
 * caller) of the tenants table, or of the custom query's result, as text
 * into each tenant's column. A column that does not exist is PGF_ERR_CONFIG
 * naming it. */
int pgf_registry_load_column(pgf_tenant_list *out, pgf_pg *master, const char *query, const char *column,
                             pgf_error **err);
const pgf_tenant *pgf_registry_find(const pgf_tenant_list *list, const char *slug);
void pgf_registry_free(pgf_tenant_list *list);

#endif
