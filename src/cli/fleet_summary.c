/* status: the fleet at a glance. Per scope, how many databases are at each
 * version, how many have pending migrations, which failed; and the last run
 * recorded in the ledger. Built as JSON (status --json's "fleet"); the text
 * block is printed from the same object. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "pgfleet/common.h"
#include "pgfleet/engine.h"
#include "pgfleet/ledger.h"
#include "pgfleet/log.h"
#include "pgfleet/migration.h"
#include "pgfleet/pg.h"

#define NO_VERSION "none"

static void add_count(json_t *obj, const char *key, json_int_t n)
{
	json_t *v = json_object_get(obj, key);
	json_object_set_new(obj, key, json_integer((v ? json_integer_value(v) : 0) + n));
}

static int version_desc(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	bool nx = strcmp(x, NO_VERSION) == 0, ny = strcmp(y, NO_VERSION) == 0;
	if (nx || ny)
		return nx - ny; /* "none" last */
	return -pgf_version_cmp_str(x, y);
}

/* The versions object with its keys from the highest version down. */
static json_t *sorted_versions(json_t *versions)
{
	size_t n = json_object_size(versions), k = 0;
	const char **keys = pgf_calloc(n ? n : 1, sizeof(*keys));
	const char *key;
	json_t *v;
	json_object_foreach(versions, key, v) keys[k++] = key;
	qsort(keys, n, sizeof(*keys), version_desc);
	json_t *out = json_object();
	for (size_t i = 0; i < n; i++)
		json_object_set(out, keys[i], json_object_get(versions, keys[i]));
	free(keys);
	return out;
}

static json_t *scope_entry(json_t *scopes, const char *name)
{
	size_t i;
	json_t *s;
	json_array_foreach(scopes, i, s) if (strcmp(json_string_value(json_object_get(s, "scope")), name) == 0) return s;
	s = json_pack("{s:s, s:i, s:o, s:i, s:i, s:i, s:o}", "scope", name, "databases", 0, "versions", json_object(),
	              "pending", 0, "pending_migrations", 0, "skipped", 0, "failed", json_array());
	json_array_append_new(scopes, s);
	return s;
}

static void add_target(json_t *scopes, const pgf_target_report *t)
{
	for (size_t k = 0; k < t->nscopes; k++) {
		const pgf_scope_report *s = &t->scopes[k];
		json_t *e = scope_entry(scopes, s->scope);
		if (s->outcome == PGF_OUTCOME_SKIPPED) {
			add_count(e, "skipped", 1);
			continue;
		}
		add_count(e, "databases", 1);
		add_count(json_object_get(e, "versions"), s->after ? s->after : NO_VERSION, 1);
		if (s->pending > 0) {
			add_count(e, "pending", 1);
			add_count(e, "pending_migrations", (json_int_t)s->pending);
		}
		json_t *f = NULL;
		if (s->outcome >= PGF_OUTCOME_BUSY) {
			f = json_pack("{s:s, s:s}", "target", t->name, "outcome", pgf_outcome_name(s->outcome));
			if (s->err != NULL)
				json_object_set_new(f, "error", pgf_json_text(s->err->message));
		} else if (s->last_failure != NULL) {
			f = json_pack("{s:s, s:s, s:o}", "target", t->name, "outcome", pgf_outcome_name(s->outcome),
			              "last_failure", pgf_json_text(s->last_failure));
		}
		if (f != NULL)
			json_array_append_new(json_object_get(e, "failed"), f);
	}
}

static json_t *body_json(const char *body)
{
	return body ? json_loads(body, 0, NULL) : NULL;
}

/* The last finished run, from the ledger in master; null without one. */
static json_t *last_run(const char *master)
{
	pgf_pg *conn = NULL;
	pgf_error *err = NULL;
	char *sb = NULL, *fb = NULL;
	json_t *out = json_null();
	if (pgf_pg_connect(&conn, master, 10, &err) != 0 || pgf_ledger_last_run(&sb, &fb, conn, &err) != 0) {
		pgf_log_warn("status: the last run is unknown: %s", err->message);
		pgf_error_free(err);
		pgf_pg_close(conn);
		return out;
	}
	pgf_pg_close(conn);
	json_t *s = body_json(sb), *f = body_json(fb);
	if (f != NULL) {
		json_decref(out);
		out = json_object();
		static const char *const copy_started[] = { "command", "commit", "by", "verified" };
		json_object_set(out, "entry", json_object_get(f, "run") ? json_object_get(f, "run") : json_null());
		for (size_t i = 0; i < sizeof(copy_started) / sizeof(copy_started[0]); i++) {
			json_t *v = s ? json_object_get(s, copy_started[i]) : NULL;
			json_object_set(out, copy_started[i], v ? v : json_null());
		}
		json_t *st = s ? json_object_get(s, "time") : NULL;
		json_object_set(out, "started_at", st ? st : json_null());
		json_object_set(out, "finished_at", json_object_get(f, "time"));
		json_object_set(out, "outcome", json_object_get(f, "outcome"));
		static const char *const counts[] = { "up_to_date", "changed", "skipped", "busy", "refused", "failed" };
		json_t *c = json_object();
		for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
			json_t *v = json_object_get(f, counts[i]);
			json_object_set_new(c, counts[i], json_integer(v ? json_integer_value(v) : 0));
		}
		json_object_set_new(out, "counts", c);
	}
	json_decref(s);
	json_decref(f);
	free(sb);
	free(fb);
	return out;
}

json_t *pgf_fleet_summary(const pgf_run_report *r, const char *master)
{
	json_t *scopes = json_array();
	for (size_t i = 0; i < r->count; i++)
		add_target(scopes, &r->targets[i]);
	size_t i;
	json_t *s;
	json_array_foreach(scopes, i, s) json_object_set_new(s, "versions", sorted_versions(json_object_get(s, "versions")));
	return json_pack("{s:o, s:o}", "scopes", scopes, "last_run", last_run(master));
}

static json_int_t int_of(json_t *obj, const char *key)
{
	return json_integer_value(json_object_get(obj, key));
}

static const char *str_of(json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));
	return s ? s : "?";
}

void pgf_fleet_summary_print(json_t *fleet)
{
	size_t i;
	json_t *s;
	json_array_foreach(json_object_get(fleet, "scopes"), i, s) {
		printf("fleet %s: %lld database%s:", json_string_value(json_object_get(s, "scope")),
		       (long long)int_of(s, "databases"), int_of(s, "databases") == 1 ? "" : "s");
		const char *v;
		json_t *n;
		const char *sep = " ";
		json_object_foreach(json_object_get(s, "versions"), v, n) {
			printf("%s%s x%lld", sep, v, (long long)json_integer_value(n));
			sep = ", ";
		}
		printf("; %lld with pending (%lld migrations)", (long long)int_of(s, "pending"),
		       (long long)int_of(s, "pending_migrations"));
		if (int_of(s, "skipped") > 0)
			printf("; %lld skipped", (long long)int_of(s, "skipped"));
		json_t *failed = json_object_get(s, "failed");
		printf("; %zu failed", json_array_size(failed));
		size_t k;
		json_t *f;
		json_array_foreach(failed, k, f) {
			if (k == 10) {
				printf(", ...");
				break;
			}
			printf("%s%s", k ? ", " : ": ", json_string_value(json_object_get(f, "target")));
		}
		printf("\n");
	}
	json_t *lr = json_object_get(fleet, "last_run");
	if (!json_is_object(lr)) {
		printf("fleet last run: none recorded in pgfleet.ledger\n");
		return;
	}
	json_t *c = json_object_get(lr, "counts");
	printf("fleet last run: %s of %.12s (ledger entry %lld) finished %s: %s; %lld changed, %lld up to date, %lld "
	       "skipped, %lld busy, %lld refused, %lld failed\n",
	       str_of(lr, "command"), str_of(lr, "commit"), (long long)int_of(lr, "entry"), str_of(lr, "finished_at"),
	       str_of(lr, "outcome"),
	       (long long)int_of(c, "changed"), (long long)int_of(c, "up_to_date"), (long long)int_of(c, "skipped"),
	       (long long)int_of(c, "busy"), (long long)int_of(c, "refused"), (long long)int_of(c, "failed"));
}
