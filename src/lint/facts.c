/* Constraint facts a scope's files establish, in version order: which
 * constraints were added NOT VALID (and in which file), and which validated
 * CHECK (col IS NOT NULL) constraints let SET NOT NULL skip its scan. */
#include <stdlib.h>
#include <string.h>

#include "lint_internal.h"
#include "pgfleet/common.h"

pgf_lint_facts *pgf_lint_facts_new(void)
{
	return pgf_calloc(1, sizeof(pgf_lint_facts));
}

static void fact_free(pgf_lint_fact *f)
{
	free(f->schema);
	free(f->table);
	free(f->conname);
	free(f->column);
}

void pgf_lint_facts_clear(pgf_lint_facts *facts)
{
	for (size_t i = 0; i < facts->count; i++)
		fact_free(&facts->items[i]);
	free(facts->items);
	memset(facts, 0, sizeof(*facts));
}

void pgf_lint_facts_free(pgf_lint_facts *facts)
{
	if (facts == NULL)
		return;
	pgf_lint_facts_clear(facts);
	free(facts);
}

bool pgf_lint_name_match(const char *schema_a, const char *name_a, const char *schema_b, const char *name_b)
{
	return name_a != NULL && name_b != NULL && strcmp(name_a, name_b) == 0 &&
	       (schema_a == NULL || schema_b == NULL || strcmp(schema_a, schema_b) == 0);
}

static bool on_table(const pgf_lint_fact *f, const char *schema, const char *table)
{
	return pgf_lint_name_match(f->schema, f->table, schema, table);
}

pgf_lint_fact *pgf_lint_fact_find(pgf_lint_facts *facts, const char *schema, const char *table, const char *conname)
{
	for (size_t i = facts->count; conname != NULL && i-- > 0;)
		if (facts->items[i].conname != NULL && strcmp(facts->items[i].conname, conname) == 0 &&
		    on_table(&facts->items[i], schema, table))
			return &facts->items[i];
	return NULL;
}

void pgf_lint_fact_add(pgf_lint_facts *facts, const char *schema, const char *table, const char *conname,
                       const char *column, bool validated)
{
	if (table == NULL)
		return;
	PGF_ARRAY_GROW(facts->items, facts->count, facts->cap);
	facts->items[facts->count++] = (pgf_lint_fact){
		schema ? pgf_strdup(schema) : NULL, pgf_strdup(table),        conname ? pgf_strdup(conname) : NULL,
		column ? pgf_strdup(column) : NULL, validated,                facts->files,
	};
}

void pgf_lint_fact_drop(pgf_lint_facts *facts, const char *schema, const char *table, const char *conname)
{
	pgf_lint_fact *f;
	while ((f = pgf_lint_fact_find(facts, schema, table, conname)) != NULL) {
		fact_free(f);
		*f = facts->items[--facts->count];
	}
}

bool pgf_lint_fact_not_null(const pgf_lint_facts *facts, const char *schema, const char *table, const char *column)
{
	for (size_t i = 0; column != NULL && i < facts->count; i++) {
		const pgf_lint_fact *f = &facts->items[i];
		if (f->validated && f->column != NULL && strcmp(f->column, column) == 0 && on_table(f, schema, table))
			return true;
	}
	return false;
}
