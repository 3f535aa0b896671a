#include "pgfleet/registry.h"

#include <stdio.h>

#include <stdlib.h>
#include <string.h>

#include "pgfleet/common.h"

int pgf_registry_load(pgf_tenant_list *out, pgf_pg *master, const char *query, pgf_error **err)
{
	return pgf_registry_load_column(out, master, query, NULL, err);
}

/* The query to run: the default or custom one, with column appended last. */
static char *tenants_sql(const char *query, const char *column)
{
	if (column == NULL)
		return pgf_strdup(query ? query : PGF_DEFAULT_TENANTS_QUERY);
	if (query == NULL)
		return pgf_asprintf("SELECT " PGF_DEFAULT_TENANTS_COLUMNS ", \"%s\"::text FROM tenants ORDER BY slug", column);
	return pgf_asprintf("SELECT q.*, q.\"%s\"::text FROM (%s) AS q", column, query);
}

int pgf_registry_load_column(pgf_tenant_list *out, pgf_pg *master, const char *query, const char *column,
                             pgf_error **err)
{
	memset(out, 0, sizeof(*out));
	pgf_pg_result *r = NULL;
	pgf_error *e = NULL;
	char *sql = tenants_sql(query, column);
	int qrc = pgf_pg_query(master, &r, sql, 0, NULL, &e);
	free(sql);
	if (qrc != 0 && column != NULL && pgf_pg_error_is(e, "42703")) {
		pgf_error_set(err, PGF_ERR_CONFIG, "column \"%s\": no such column in the tenants %s (master %s)", column,
		              query ? "query (pgfleet.json tenants_query)" : "table", pgf_pg_target(master));
		pgf_error_free(e);
		return -1;
	}
	if (qrc != 0) {
		pgf_error_set(err, PGF_ERR_CONFIG, "master %s: reading tenants: %s", pgf_pg_target(master), e->message);
		if (query == NULL)
			pgf_error_hint(err, "the master scope creates the tenants table; or set tenants_query in pgfleet.json");
		pgf_error_free(e);
		return -1;
	}
	size_t n = pgf_pg_result_rows(r);
	size_t ncols = pgf_pg_result_cols(r);
	size_t nbase = column ? ncols - 1 : ncols; /* the query's own columns */
	out->items = pgf_calloc(n ? n : 1, sizeof(pgf_tenant));
	for (size_t i = 0; i < n; i++) {
		const char *slug = pgf_pg_result_value(r, i, 0);
		const char *url = pgf_pg_result_value(r, i, 1);
		const char *type = pgf_pg_result_value(r, i, 2);
		const char *deleted = pgf_pg_result_value(r, i, 3);
		if (slug == NULL || slug[0] == '\0') {
			pgf_error_set(err, PGF_ERR_CONFIG, "master: tenants row %zu has no slug", i + 1);
			pgf_pg_result_free(r);
			pgf_registry_free(out);
			return -1;
		}
		/* a slug names the tenant in every report and ledger entry: it
		 * must print as itself (UTF-8, no control characters) */
		char *shown = pgf_str_printable(slug);
		if (strcmp(shown, slug) != 0) {
			pgf_error_set(err, PGF_ERR_CONFIG,
			              "master: tenants row %zu: slug '%s' is not printable UTF-8 (shown with \\xNN escapes)",
			              i + 1, shown);
			free(shown);
			pgf_pg_result_free(r);
			pgf_registry_free(out);
			return -1;
		}
		free(shown);
		pgf_tenant *t = &out->items[out->count++];
		t->slug = pgf_strdup(slug);
		t->conninfo = pgf_strdup(url ? url : "");
		t->type = pgf_strdup(type ? type : "");
		t->deleted = deleted != NULL && (strcmp(deleted, "t") == 0 || strcmp(deleted, "true") == 0);
		const char *id = nbase >= 5 ? pgf_pg_result_value(r, i, 4) : NULL;
		const char *cv = column ? pgf_pg_result_value(r, i, ncols - 1) : NULL;
		t->id = id ? pgf_strdup(id) : NULL;
		t->column = cv ? pgf_strdup(cv) : NULL;
	}
	pgf_pg_result_free(r);
	return 0;
}

const pgf_tenant *pgf_registry_find(const pgf_tenant_list *list, const char *slug)
{
	for (size_t i = 0; i < list->count; i++)
		if (strcmp(list->items[i].slug, slug) == 0)
			return &list->items[i];
	return NULL;
}

void pgf_registry_free(pgf_tenant_list *list)
{
	for (size_t i = 0; i < list->count; i++) {
		free(list->items[i].slug);
		/* the connection string is a secret: wipe it before freeing */
		if (list->items[i].conninfo != NULL)
			memset(list->items[i].conninfo, 0, strlen(list->items[i].conninfo));
		free(list->items[i].conninfo);
		free(list->items[i].type);
		free(list->items[i].id);
		free(list->items[i].column);
	}
	free(list->items);
	memset(list, 0, sizeof(*list));
}
