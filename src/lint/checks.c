/* The statement rules, over libpg_query's JSON parse tree (PostgreSQL 15
 * node names). A rule that is about locking an existing table does not fire
 * for a table (or index) created earlier in the same file: it is empty
 * (CREATE ... IF NOT EXISTS does not count: the table may already exist). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lint_internal.h"
#include "pgfleet/common.h"

/* ---- the parse tree ---- */

/* The inner object of {"type": {...}}, or NULL when n is another node. */
static json_t *as(json_t *n, const char *type)
{
	return json_is_object(n) ? json_object_get(n, type) : NULL;
}

static const char *str(json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

static bool flag(json_t *obj, const char *key)
{
	return json_is_true(json_object_get(obj, key));
}

static size_t loc(pgf_lint_run *run, json_t *obj)
{
	json_t *l = json_object_get(obj, "location");
	if (json_is_integer(l) && json_integer_value(l) >= 0)
		return (size_t)json_integer_value(l);
	return run->stmts[run->cur].start;
}

static size_t stmt_start(pgf_lint_run *run)
{
	return run->stmts[run->cur].start;
}

/* The last String of a list of {"String": {"sval": ...}} (a qualified name). */
static const char *last_name(json_t *list)
{
	size_t n = json_array_size(list);
	return n ? str(as(json_array_get(list, n - 1), "String"), "sval") : NULL;
}

/* ---- names created in this file ---- */

static char *qualified(const char *schema, const char *name)
{
	return schema ? pgf_asprintf("%s.%s", schema, name) : pgf_strdup(name);
}

static void remember(pgf_name_list *l, const char *schema, const char *name)
{
	if (name == NULL)
		return;
	PGF_ARRAY_GROW(l->items, l->count, l->cap);
	l->items[l->count++] = qualified(schema, name);
}

/* An unqualified name on either side matches any schema. */
static bool known(const pgf_name_list *l, const char *schema, const char *name)
{
	if (name == NULL)
		return false;
	for (size_t i = 0; i < l->count; i++) {
		const char *item = l->items[i], *dot = strrchr(item, '.');
		const char *bare = dot ? dot + 1 : item;
		if (strcmp(bare, name) != 0)
			continue;
		if (dot == NULL || schema == NULL ||
		    (strlen(schema) == (size_t)(dot - item) && memcmp(schema, item, (size_t)(dot - item)) == 0))
			return true;
	}
	return false;
}

void pgf_name_list_free(pgf_name_list *l)
{
	for (size_t i = 0; i < l->count; i++)
		free(l->items[i]);
	free(l->items);
	memset(l, 0, sizeof(*l));
}

/* Whether a RangeVar names a table that existed before this file. */
static bool existing(pgf_lint_run *run, json_t *rangevar)
{
	return !known(&run->tables, str(rangevar, "schemaname"), str(rangevar, "relname"));
}

static const char *relname(json_t *rangevar)
{
	const char *n = str(rangevar, "relname");
	return n ? n : "?";
}

/* ---- column types ---- */

static bool is_serial(const char *t)
{
	return t && (strcmp(t, "serial") == 0 || strcmp(t, "serial4") == 0 || strcmp(t, "bigserial") == 0 ||
	             strcmp(t, "serial8") == 0 || strcmp(t, "smallserial") == 0 || strcmp(t, "serial2") == 0);
}

static bool is_small_serial(const char *t)
{
	return is_serial(t) && strcmp(t, "bigserial") != 0 && strcmp(t, "serial8") != 0;
}

static bool has_suffix_id(const char *col)
{
	size_t n = col ? strlen(col) : 0;
	return n > 0 && (strcmp(col, "id") == 0 || (n > 3 && strcmp(col + n - 3, "_id") == 0));
}

static bool has_contype(json_t *coldef, const char *contype)
{
	json_t *c;
	size_t i;
	json_array_foreach(json_object_get(coldef, "constraints"), i, c) {
		const char *t = str(as(c, "Constraint"), "contype");
		if (t && strcmp(t, contype) == 0)
			return true;
	}
	return false;
}

/* The type rules, for any column a file defines or retypes. */
static void check_type(pgf_lint_run *run, json_t *typename, const char *col, bool pk)
{
	json_t *names = json_object_get(typename, "names");
	const char *t = last_name(names);
	bool catalog = json_array_size(names) == 2; /* pg_catalog.x: a built-in spelled by the grammar */
	if (t == NULL)
		return;
	size_t at = loc(run, typename);
	if (catalog && strcmp(t, "timestamp") == 0)
		pgf_lint_report(run, R_PREFER_TIMESTAMPTZ, at, "column %s is timestamp without time zone",
		                col ? col : "?");
	else if (catalog && strcmp(t, "bpchar") == 0)
		pgf_lint_report(run, R_BAN_CHAR_FIELD, at, "column %s is char(n)", col ? col : "?");
	else if ((catalog && (strcmp(t, "int4") == 0 || strcmp(t, "int2") == 0) && (pk || has_suffix_id(col))) ||
	         (!catalog && is_small_serial(t)))
		pgf_lint_report(run, R_PREFER_BIGINT_ID, at, "column %s is %s", col ? col : "?",
		                strcmp(t, "int4") == 0 ? "integer" : strcmp(t, "int2") == 0 ? "smallint" : t);
}

/* ---- defaults ---- */

static const char *const volatile_funcs[] = { "random", "random_normal", "clock_timestamp", "timeofday",
	                                      "gen_random_uuid", "uuid_generate_v1", "uuid_generate_v1mc",
	                                      "uuid_generate_v4", "nextval", "setseed", NULL };
/* Built-ins that are immutable or stable: a default calling only these is
 * stored once (PostgreSQL 11+ "fast default"). */
static const char *const stable_funcs[] = { "now", "statement_timestamp", "transaction_timestamp", "lower", "upper",
	                                    "btrim", "trim", "length", "md5", "to_jsonb", "to_json",
	                                    "jsonb_build_object", "json_build_object", "jsonb_build_array",
	                                    "json_build_array", "make_interval", "make_date", "date_trunc",
	                                    "to_timestamp", "to_date", "to_char", "current_setting", "concat",
	                                    "array_fill", "abs", "round", "coalesce", "nullif", "greatest", "least",
	                                    NULL };

static bool in_list(const char *const *list, const char *s)
{
	for (; *list; list++)
		if (strcmp(*list, s) == 0)
			return true;
	return false;
}

/* The first function in an expression that may be volatile, or NULL. */
static const char *volatile_call(json_t *n)
{
	if (json_is_array(n)) {
		size_t i;
		json_t *v;
		json_array_foreach(n, i, v) {
			const char *f = volatile_call(v);
			if (f)
				return f;
		}
		return NULL;
	}
	if (!json_is_object(n))
		return NULL;
	json_t *fc = json_object_get(n, "FuncCall");
	if (fc != NULL) {
		const char *f = last_name(json_object_get(fc, "funcname"));
		if (f && (in_list(volatile_funcs, f) || !in_list(stable_funcs, f)))
			return f;
	}
	const char *key;
	json_t *v;
	json_object_foreach(n, key, v) {
		const char *f = volatile_call(v);
		if (f)
			return f;
	}
	return NULL;
}

/* ---- ALTER TABLE ---- */

static void add_column(pgf_lint_run *run, json_t *coldef, json_t *rel)
{
	const char *col = str(coldef, "colname");
	json_t *typename = json_object_get(coldef, "typeName");
	const char *t = last_name(json_object_get(typename, "names"));
	bool pk = has_contype(coldef, "CONSTR_PRIMARY");
	check_type(run, typename, col, pk);
	if (!existing(run, rel))
		return;
	bool serial = json_array_size(json_object_get(typename, "names")) == 1 && is_serial(t);
	bool identity = has_contype(coldef, "CONSTR_IDENTITY");
	size_t at = loc(run, coldef);
	if ((serial || identity) && pk) {
		pgf_lint_report(run, R_ADDING_SERIAL_PRIMARY_KEY, at, "column %s.%s is a %s primary key", relname(rel),
		                col, serial ? t : "identity");
		return;
	}
	json_t *c, *deflt = NULL;
	size_t i;
	bool notnull = pk, generated = false;
	json_array_foreach(json_object_get(coldef, "constraints"), i, c) {
		json_t *con = as(c, "Constraint");
		const char *ct = str(con, "contype");
		if (ct == NULL)
			continue;
		if (strcmp(ct, "CONSTR_NOTNULL") == 0)
			notnull = true;
		else if (strcmp(ct, "CONSTR_DEFAULT") == 0)
			deflt = json_object_get(con, "raw_expr");
		else if (strcmp(ct, "CONSTR_GENERATED") == 0)
			generated = true;
		else if (strcmp(ct, "CONSTR_UNIQUE") == 0 || strcmp(ct, "CONSTR_PRIMARY") == 0)
			pgf_lint_report(run, R_DISALLOWED_UNIQUE_CONSTRAINT, loc(run, con),
			                "%s column %s.%s builds its index while the table is locked",
			                strcmp(ct, "CONSTR_UNIQUE") == 0 ? "unique" : "primary key", relname(rel), col);
	}
	const char *vf = deflt ? volatile_call(deflt) : NULL;
	if (serial)
		pgf_lint_report(run, R_ADDING_VOLATILE_DEFAULT, at,
		                "column %s.%s is %s: its nextval() default rewrites the table", relname(rel), col, t);
	else if (identity)
		pgf_lint_report(run, R_ADDING_VOLATILE_DEFAULT, at,
		                "identity column %s.%s: filling existing rows rewrites the table", relname(rel), col);
	else if (generated)
		pgf_lint_report(run, R_ADDING_VOLATILE_DEFAULT, at,
		                "stored generated column %s.%s: computing existing rows rewrites the table", relname(rel),
		                col);
	else if (vf != NULL)
		pgf_lint_report(run, R_ADDING_VOLATILE_DEFAULT, at,
		                in_list(volatile_funcs, vf)
		                        ? "column %s.%s defaults to volatile %s(): the table is rewritten"
		                        : "column %s.%s defaults to %s(), which pgfleet cannot tell is non-volatile: "
		                          "if it is volatile the table is rewritten",
		                relname(rel), col, vf);
	else if (notnull && deflt == NULL)
		pgf_lint_report(run, R_ADDING_REQUIRED_COLUMN, at, "column %s.%s is NOT NULL without a default",
		                relname(rel), col);
}

static void add_constraint(pgf_lint_run *run, json_t *con, json_t *rel)
{
	const char *ct = str(con, "contype");
	if (ct == NULL || !existing(run, rel))
		return;
	const char *name = str(con, "conname");
	size_t at = loc(run, con);
	if (strcmp(ct, "CONSTR_FOREIGN") == 0 || strcmp(ct, "CONSTR_CHECK") == 0) {
		if (!flag(con, "skip_validation"))
			pgf_lint_report(run, R_CONSTRAINT_MISSING_NOT_VALID, at,
			                "%s %s on %s is validated while the table is locked",
			                ct[7] == 'F' ? "foreign key" : "check constraint", name ? name : "(unnamed)",
			                relname(rel));
	} else if (strcmp(ct, "CONSTR_UNIQUE") == 0 || strcmp(ct, "CONSTR_PRIMARY") == 0) {
		if (str(con, "indexname") == NULL)
			pgf_lint_report(run, R_DISALLOWED_UNIQUE_CONSTRAINT, at,
			                "%s %s on %s builds its index while the table is locked",
			                ct[7] == 'U' ? "unique constraint" : "primary key", name ? name : "(unnamed)",
			                relname(rel));
	} else if (strcmp(ct, "CONSTR_EXCLUSION") == 0)
		pgf_lint_report(run, R_BAN_ADD_EXCLUDE_CONSTRAINT, at, "exclusion constraint %s on %s",
		                name ? name : "(unnamed)", relname(rel));
}

static void concurrently(pgf_lint_run *run, size_t at, const char *what)
{
	if (run->opts->transactional)
		pgf_lint_report(run, R_BAN_CONCURRENT_IN_TRANSACTION, at, "%s in a file that runs in a transaction", what);
}

static void alter_table(pgf_lint_run *run, json_t *s)
{
	json_t *rel = json_object_get(s, "relation");
	const char *objtype = str(s, "objtype");
	if (objtype && strcmp(objtype, "OBJECT_TABLE") != 0)
		return;
	size_t i;
	json_t *c;
	json_array_foreach(json_object_get(s, "cmds"), i, c) {
		json_t *cmd = as(c, "AlterTableCmd");
		const char *sub = str(cmd, "subtype");
		json_t *def = json_object_get(cmd, "def");
		const char *col = str(cmd, "name");
		if (sub == NULL)
			continue;
		if (strcmp(sub, "AT_AddColumn") == 0 && as(def, "ColumnDef"))
			add_column(run, as(def, "ColumnDef"), rel);
		else if (strcmp(sub, "AT_AddConstraint") == 0 && as(def, "Constraint"))
			add_constraint(run, as(def, "Constraint"), rel);
		else if (strcmp(sub, "AT_AlterColumnType") == 0) {
			check_type(run, json_object_get(as(def, "ColumnDef"), "typeName"), col, false);
			if (existing(run, rel))
				pgf_lint_report(run, R_CHANGING_COLUMN_TYPE, stmt_start(run), "column %s.%s changes type",
				                relname(rel), col ? col : "?");
		} else if (strcmp(sub, "AT_SetNotNull") == 0 && existing(run, rel))
			pgf_lint_report(run, R_SETTING_NOT_NULL, stmt_start(run), "column %s.%s is set NOT NULL",
			                relname(rel), col ? col : "?");
		else if (strcmp(sub, "AT_DropColumn") == 0 && existing(run, rel))
			pgf_lint_report(run, R_BAN_DROP_COLUMN, stmt_start(run), "column %s.%s is dropped", relname(rel),
			                col ? col : "?");
		else if (strcmp(sub, "AT_DetachPartition") == 0 && flag(as(def, "PartitionCmd"), "concurrent"))
			concurrently(run, stmt_start(run), "DETACH PARTITION CONCURRENTLY");
	}
}

/* ---- other statements ---- */

static void create_table(pgf_lint_run *run, json_t *s)
{
	json_t *rel = json_object_get(s, "relation");
	/* primary key columns named by a table constraint */
	json_t *elts = json_object_get(s, "tableElts"), *e, *pkeys = NULL;
	size_t i;
	json_array_foreach(elts, i, e) {
		json_t *con = as(e, "Constraint");
		if (con && str(con, "contype") && strcmp(str(con, "contype"), "CONSTR_PRIMARY") == 0)
			pkeys = json_object_get(con, "keys");
	}
	json_array_foreach(elts, i, e) {
		json_t *cd = as(e, "ColumnDef");
		if (cd == NULL)
			continue;
		const char *col = str(cd, "colname");
		bool pk = has_contype(cd, "CONSTR_PRIMARY");
		size_t k;
		json_t *key;
		json_array_foreach(pkeys, k, key) {
			const char *kn = str(as(key, "String"), "sval");
			pk = pk || (kn && col && strcmp(kn, col) == 0);
		}
		check_type(run, json_object_get(cd, "typeName"), col, pk);
	}
	/* IF NOT EXISTS may leave an existing (full) table in place */
	if (!flag(s, "if_not_exists"))
		remember(&run->tables, str(rel, "schemaname"), str(rel, "relname"));
}

static void create_index(pgf_lint_run *run, json_t *s)
{
	json_t *rel = json_object_get(s, "relation");
	if (flag(s, "concurrent"))
		concurrently(run, stmt_start(run), "CREATE INDEX CONCURRENTLY");
	else if (existing(run, rel))
		pgf_lint_report(run, R_REQUIRE_CONCURRENT_INDEX_CREATION, stmt_start(run),
		                "index %s on %s is built while writes to the table are blocked",
		                str(s, "idxname") ? str(s, "idxname") : "(unnamed)", relname(rel));
	if (!flag(s, "if_not_exists"))
		remember(&run->indexes, str(rel, "schemaname"), str(s, "idxname"));
}

static void drop(pgf_lint_run *run, json_t *s)
{
	const char *type = str(s, "removeType");
	if (type == NULL)
		return;
	bool table = strcmp(type, "OBJECT_TABLE") == 0, index = strcmp(type, "OBJECT_INDEX") == 0;
	if (index && flag(s, "concurrent")) {
		concurrently(run, stmt_start(run), "DROP INDEX CONCURRENTLY");
		return;
	}
	size_t i;
	json_t *o;
	json_array_foreach(json_object_get(s, "objects"), i, o) {
		json_t *items = json_object_get(as(o, "List"), "items");
		size_t n = json_array_size(items);
		const char *name = last_name(items);
		const char *schema = n >= 2 ? str(as(json_array_get(items, n - 2), "String"), "sval") : NULL;
		if (table && !known(&run->tables, schema, name))
			pgf_lint_report(run, R_BAN_DROP_TABLE, stmt_start(run), "table %s is dropped", name ? name : "?");
		else if (index && !known(&run->indexes, schema, name))
			pgf_lint_report(run, R_REQUIRE_CONCURRENT_INDEX_DELETION, stmt_start(run),
			                "index %s is dropped while its table is locked", name ? name : "?");
	}
}

static bool has_option(json_t *options, const char *name)
{
	size_t i;
	json_t *o;
	json_array_foreach(options, i, o) {
		const char *d = str(as(o, "DefElem"), "defname");
		if (d && strcmp(d, name) == 0)
			return true;
	}
	return false;
}

static void rename_stmt(pgf_lint_run *run, json_t *s)
{
	const char *type = str(s, "renameType");
	json_t *rel = json_object_get(s, "relation");
	if (type == NULL || rel == NULL || !existing(run, rel))
		return;
	if (strcmp(type, "OBJECT_TABLE") == 0)
		pgf_lint_report(run, R_RENAMING_TABLE, stmt_start(run), "table %s is renamed to %s", relname(rel),
		                str(s, "newname") ? str(s, "newname") : "?");
	else if (strcmp(type, "OBJECT_COLUMN") == 0)
		pgf_lint_report(run, R_RENAMING_COLUMN, stmt_start(run), "column %s.%s is renamed to %s", relname(rel),
		                str(s, "subname") ? str(s, "subname") : "?", str(s, "newname") ? str(s, "newname") : "?");
}

static void dml(pgf_lint_run *run, json_t *s, const char *verb)
{
	json_t *rel = json_object_get(s, "relation");
	if (json_object_get(s, "whereClause") == NULL && existing(run, rel))
		pgf_lint_report(run, R_UPDATE_DELETE_WITHOUT_WHERE, stmt_start(run), "%s of every row of %s", verb,
		                relname(rel));
}

void pgf_lint_check_stmt(pgf_lint_run *run, json_t *stmt)
{
	const char *type = NULL;
	json_t *s = NULL;
	json_object_foreach(stmt, type, s) {
		break;
	}
	if (type == NULL)
		return;
	size_t at = stmt_start(run);
	json_t *v;
	size_t i;
	if (strcmp(type, "CreateStmt") == 0)
		create_table(run, s);
	else if (strcmp(type, "CreateTableAsStmt") == 0) {
		json_t *rel = json_object_get(json_object_get(s, "into"), "rel");
		if (!flag(s, "if_not_exists"))
			remember(&run->tables, str(rel, "schemaname"), str(rel, "relname"));
	} else if (strcmp(type, "AlterTableStmt") == 0)
		alter_table(run, s);
	else if (strcmp(type, "IndexStmt") == 0)
		create_index(run, s);
	else if (strcmp(type, "DropStmt") == 0)
		drop(run, s);
	else if (strcmp(type, "DropdbStmt") == 0)
		pgf_lint_report(run, R_BAN_DROP_DATABASE, at, "database %s is dropped", str(s, "dbname") ? str(s, "dbname") : "?");
	else if (strcmp(type, "ReindexStmt") == 0) {
		if (has_option(json_object_get(s, "params"), "concurrently"))
			concurrently(run, at, "REINDEX CONCURRENTLY");
		else
			pgf_lint_report(run, R_REQUIRE_CONCURRENT_REINDEX, at, "REINDEX without CONCURRENTLY");
	} else if (strcmp(type, "TransactionStmt") == 0) {
		if (run->opts->transactional)
			pgf_lint_report(run, R_BAN_TRANSACTION_CONTROL, at, "transaction control in a file that runs in "
			                                                    "a transaction");
	} else if (strcmp(type, "RenameStmt") == 0)
		rename_stmt(run, s);
	else if (strcmp(type, "TruncateStmt") == 0) {
		json_array_foreach(json_object_get(s, "relations"), i, v) {
			json_t *rel = as(v, "RangeVar");
			if (existing(run, rel))
				pgf_lint_report(run, R_BAN_TRUNCATE, loc(run, rel), "table %s is truncated%s", relname(rel),
				                strcmp(str(s, "behavior") ? str(s, "behavior") : "", "DROP_CASCADE") == 0
				                        ? " (CASCADE)"
				                        : "");
		}
	} else if (strcmp(type, "UpdateStmt") == 0)
		dml(run, s, "UPDATE");
	else if (strcmp(type, "DeleteStmt") == 0)
		dml(run, s, "DELETE");
	else if (strcmp(type, "VacuumStmt") == 0) {
		if (flag(s, "is_vacuumcmd") && has_option(json_object_get(s, "options"), "full"))
			pgf_lint_report(run, R_BAN_VACUUM_FULL, at, "VACUUM FULL");
	} else if (strcmp(type, "ClusterStmt") == 0)
		pgf_lint_report(run, R_BAN_CLUSTER, at, "CLUSTER");
	else if (strcmp(type, "LockStmt") == 0)
		pgf_lint_report(run, R_BAN_LOCK_TABLE, at, "explicit LOCK TABLE");
	else if (strcmp(type, "AlterEnumStmt") == 0) {
		if (str(s, "oldVal") == NULL && run->opts->transactional && run->cur + 1 < run->nstmts)
			pgf_lint_report(run, R_ADDING_ENUM_VALUE, at,
			                "enum value '%s' is added before more statements of the same transaction",
			                str(s, "newVal") ? str(s, "newVal") : "?");
	}
}
