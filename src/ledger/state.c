/* ledger verify --with-state: the ledger and every database's
 * applied_migrations must tell the same story, both ways. */
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgfleet/common.h"
#include "pgfleet/ledger.h"
#include "pgfleet/registry.h"

typedef struct intent {
	int64_t seq;
	char *target, *scope, *version, *sha256, *action;
	const char *result;  /* static string: the result kind, NULL: none */
	bool in_effect;      /* see mark_in_effect */
} intent;

typedef struct story {
	intent *items;
	size_t count, cap;
} story;

static const char *result_kind(const char *kind)
{
	static const char *const kinds[] = { "applied", "failed", "rolled_back", "adopted", "recovered", "abandoned" };
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(kind, kinds[i]) == 0)
			return kinds[i];
	return NULL;
}

static intent *find_intent(story *s, int64_t seq)
{
	size_t lo = 0, hi = s->count;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (s->items[mid].seq < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < s->count && s->items[lo].seq == seq ? &s->items[lo] : NULL;
}

static const char *str(json_t *o, const char *k)
{
	const char *v = json_string_value(json_object_get(o, k));
	return v ? v : "";
}

static void story_entry(void *ctx, const pgf_ledger_entry *e)
{
	story *s = ctx;
	json_t *b = json_loads(e->body, 0, NULL);
	if (b == NULL)
		return; /* reported by the chain check */
	const char *kind = str(b, "kind");
	if (strcmp(kind, "intent") == 0) {
		PGF_ARRAY_GROW(s->items, s->count, s->cap);
		s->items[s->count++] = (intent){ e->seq, pgf_strdup(str(b, "target")), pgf_strdup(str(b, "scope")),
			                         pgf_strdup(str(b, "version")), pgf_strdup(str(b, "sha256")),
			                         pgf_strdup(str(b, "action")), NULL, false };
	} else if (result_kind(kind) != NULL && json_is_integer(json_object_get(b, "intent"))) {
		intent *in = find_intent(s, json_integer_value(json_object_get(b, "intent")));
		if (in != NULL)
			in->result = result_kind(kind);
	}
	json_decref(b);
}

static int read_story(story *s, pgf_pg *master, pgf_error **err)
{
	return pgf_ledger_each(master, 0, story_entry, s, NULL, err);
}

static bool took_effect(const intent *in)
{
	return in->result != NULL && (strcmp(in->result, "applied") == 0 || strcmp(in->result, "adopted") == 0 ||
	                              strcmp(in->result, "rolled_back") == 0 || strcmp(in->result, "recovered") == 0);
}

static int by_key_then_seq(const void *a, const void *b)
{
	const intent *x = *(const intent *const *)a, *y = *(const intent *const *)b;
	int c = strcmp(x->target, y->target);
	if (c == 0)
		c = strcmp(x->scope, y->scope);
	if (c == 0)
		c = strcmp(x->version, y->version);
	return c != 0 ? c : (x->seq > y->seq) - (x->seq < y->seq);
}

static bool same_key(const intent *x, const intent *y)
{
	return strcmp(x->target, y->target) == 0 && strcmp(x->scope, y->scope) == 0 && strcmp(x->version, y->version) == 0;
}

/* Marks, for every (target, scope, version), the last intent that took
 * effect when it was an apply or a baseline: what the ledger says is in
 * effect. One sort instead of a scan per intent. */
static void mark_in_effect(story *s)
{
	intent **idx = pgf_calloc(s->count ? s->count : 1, sizeof(*idx));
	for (size_t i = 0; i < s->count; i++) {
		idx[i] = &s->items[i];
		idx[i]->in_effect = false;
	}
	if (s->count > 1)
		qsort(idx, s->count, sizeof(*idx), by_key_then_seq);
	for (size_t i = 0; i < s->count;) {
		size_t j = i;
		intent *last = NULL;
		for (; j < s->count && same_key(idx[i], idx[j]); j++)
			if (took_effect(idx[j]))
				last = idx[j];
		if (last != NULL && strcmp(last->action, "rollback") != 0)
			last->in_effect = true;
		i = j;
	}
	free(idx);
}

static void check_target(story *s, pgf_pg *conn, const char *target, pgf_ledger_finding_cb cb, void *ctx,
                         int64_t *findings)
{
	pgf_pg_result *r = NULL;
	pgf_error *e = NULL;
	if (pgf_pg_query(conn, &r,
	                 "SELECT scope, version, sha256, status, ledger_entry FROM pgfleet.applied_migrations ORDER BY 1, 2", 0,
	                 NULL, &e) != 0) {
		bool absent = pgf_pg_error_is_absent(e);
		pgf_error_free(e);
		if (!absent) {
			char *m = pgf_asprintf("target %s: applied_migrations unreadable", target);
			cb(ctx, 0, m);
			free(m);
			(*findings)++;
			return;
		}
	}
	size_t n = r ? pgf_pg_result_rows(r) : 0;
	/* database -> ledger */
	for (size_t i = 0; i < n; i++) {
		const char *scope = pgf_pg_result_value(r, i, 0), *version = pgf_pg_result_value(r, i, 1),
		           *sha = pgf_pg_result_value(r, i, 2), *status = pgf_pg_result_value(r, i, 3),
		           *entry = pgf_pg_result_value(r, i, 4);
		intent *in = entry ? find_intent(s, atoll(entry)) : NULL;
		char *m = NULL;
		if (entry == NULL)
			m = pgf_asprintf("target %s: %s version %s is applied without a ledger entry", target, scope, version);
		else if (in == NULL)
			m = pgf_asprintf("target %s: %s version %s names entry %s, which is not an intent", target, scope, version,
			                 entry);
		else if (strcmp(in->target, target) != 0 || strcmp(in->scope, scope) != 0 || strcmp(in->version, version) != 0 ||
		         strcmp(in->sha256, sha) != 0)
			m = pgf_asprintf("target %s: %s version %s names entry %s, an intent for something else", target, scope,
			                 version, entry);
		else if (strcmp(status, "partial") != 0 && in->result == NULL)
			m = pgf_asprintf("target %s: %s version %s: intent %s has no result yet (the next reconcile records it)",
			                 target, scope, version, entry);
		if (m != NULL) {
			cb(ctx, in ? in->seq : 0, m);
			(*findings)++;
			free(m);
		}
	}
	/* ledger -> database */
	for (size_t i = 0; i < s->count; i++) {
		const intent *in = &s->items[i];
		if (!in->in_effect || strcmp(in->target, target) != 0)
			continue;
		bool found = false;
		for (size_t k = 0; k < n && !found; k++)
			found = strcmp(pgf_pg_result_value(r, k, 0), in->scope) == 0 &&
			        strcmp(pgf_pg_result_value(r, k, 1), in->version) == 0;
		if (!found) {
			char *m = pgf_asprintf("target %s: the ledger says %s version %s is applied; the database has no row",
			                       target, in->scope, in->version);
			cb(ctx, in->seq, m);
			(*findings)++;
			free(m);
		}
	}
	pgf_pg_result_free(r);
}

int pgf_ledger_check_state(pgf_pg *master, const char *tenants_query, pgf_ledger_finding_cb cb, void *ctx,
                           int64_t *findings, pgf_error **err)
{
	story s = { 0 };
	int rc = read_story(&s, master, err);
	if (rc == 0)
		mark_in_effect(&s);
	pgf_tenant_list tenants = { 0 };
	if (rc == 0) {
		check_target(&s, master, "master", cb, ctx, findings);
		pgf_error *e = NULL;
		if (pgf_registry_load(&tenants, master, tenants_query, &e) != 0)
			pgf_error_free(e); /* no tenants table: master alone */
	}
	for (size_t i = 0; rc == 0 && i < tenants.count; i++) {
		const pgf_tenant *t = &tenants.items[i];
		if (t->deleted || strcmp(t->type, "POSTGRESQL") != 0)
			continue;
		pgf_pg *conn = NULL;
		pgf_error *e = NULL;
		if (pgf_pg_connect(&conn, t->conninfo, 10, &e) != 0) {
			char *m = pgf_asprintf("target %s: unreachable: %s", t->slug, e->message);
			cb(ctx, 0, m);
			(*findings)++;
			free(m);
			pgf_error_free(e);
			continue;
		}
		check_target(&s, conn, t->slug, cb, ctx, findings);
		pgf_pg_close(conn);
	}
	pgf_registry_free(&tenants);
	for (size_t i = 0; i < s.count; i++) {
		free(s.items[i].target);
		free(s.items[i].scope);
		free(s.items[i].version);
		free(s.items[i].sha256);
		free(s.items[i].action);
	}
	free(s.items);
	return rc;
}
