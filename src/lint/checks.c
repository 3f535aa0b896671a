/* The statement rules, over libpg_query's parse tree (PostgreSQL 15 nodes,
 * in the protobuf-c structs of its protobuf format: tree.c). A rule that is about locking an
 * existing table does not fire for a table (or index) created earlier in the
 * same file: it is empty (CREATE ... IF NOT EXISTS does not count: the table
 * may already exist). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lint_internal.h"
#include "pgfleet/common.h"

/* ---- the parse tree ---- */

/* Shorthands for the generated names. */
#define NODE(x) PG_QUERY__NODE__NODE_##x
#define CONSTR(x) PG_QUERY__CONSTR_TYPE__CONSTR_##x
#define AT(x) PG_QUERY__ALTER_TABLE_TYPE__AT_##x
#define OBJECT(x) PG_QUERY__OBJECT_TYPE__OBJECT_##x

/* The trees come from libpg_query's JSON (tree.c), which leaves out an
 * Integer node's value unless it is positive: no rule reads one.
 * protobuf has no absent string: "" stands for NULL (as JSON left it out). */
static const char *str(const char *s)
{
	return s && *s ? s : NULL;
}

/* A location, or the statement's start when unknown (0 or -1: libpg_query's
 * JSON left 0 out, and the rules kept that). */
static size_t loc(pgf_lint_run *run, int32_t location)
{
	return location > 0 ? run->base + (size_t)location : run->stmts[run->cur].start;
}

static size_t stmt_start(pgf_lint_run *run)
{
	return run->stmts[run->cur].start;
}

static const char *string_node(const PgQuery__Node *n)
{
	return n && n->node_case == NODE(STRING) ? str(n->string->sval) : NULL;
}

/* The last String of a list of String nodes (a qualified name). */
static const char *last_name(PgQuery__Node *const *list, size_t n)
{
	return n ? string_node(list[n - 1]) : NULL;
}

/* ---- names created in this file ---- */

static void remember(pgf_name_list *l, const char *schema, const char *name)
{
	if (name == NULL)
		return;
	PGF_ARRAY_GROW(l->items, l->count, l->cap);
	l->items[l->count++] = (pgf_lint_name){ schema ? pgf_strdup(schema) : NULL, pgf_strdup(name) };
}

static bool known(const pgf_name_list *l, const char *schema, const char *name)
{
	for (size_t i = 0; i < l->count; i++)
		if (pgf_lint_name_match(l->items[i].schema, l->items[i].name, schema, name))
			return true;
	return false;
}

void pgf_name_list_free(pgf_name_list *l)
{
	for (size_t i = 0; i < l->count; i++) {
		free(l->items[i].schema);
		free(l->items[i].name);
	}
	free(l->items);
	memset(l, 0, sizeof(*l));
}

/* Whether a RangeVar names a table that existed before this file. */
static bool existing(pgf_lint_run *run, const PgQuery__RangeVar *rv)
{
	return rv == NULL || !known(&run->tables, str(rv->schemaname), str(rv->relname));
}

static const char *relname(const PgQuery__RangeVar *rv)
{
	const char *n = rv ? str(rv->relname) : NULL;
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

static PgQuery__Constraint *as_constraint(const PgQuery__Node *n)
{
	return n && n->node_case == NODE(CONSTRAINT) ? n->constraint : NULL;
}

static bool has_contype(const PgQuery__ColumnDef *cd, PgQuery__ConstrType contype)
{
	for (size_t i = 0; i < cd->n_constraints; i++) {
		const PgQuery__Constraint *c = as_constraint(cd->constraints[i]);
		if (c && c->contype == contype)
			return true;
	}
	return false;
}

/* The type rules, for any column a file defines or retypes. */
static void check_type(pgf_lint_run *run, const PgQuery__TypeName *tn, const char *col, bool pk)
{
	if (tn == NULL)
		return;
	const char *t = last_name(tn->names, tn->n_names);
	bool catalog = tn->n_names == 2; /* pg_catalog.x: a built-in spelled by the grammar */
	if (t == NULL)
		return;
	size_t at = loc(run, tn->location);
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

/* The first function in an expression that may be volatile, or NULL: walks
 * every message field through the protobuf-c descriptors, so any node type
 * is covered (a Node follows only its set oneof member). */
static const char *volatile_call(const ProtobufCMessage *m)
{
	if (m == NULL)
		return NULL;
	const ProtobufCMessageDescriptor *d = m->descriptor;
	if (d == &pg_query__func_call__descriptor) {
		const PgQuery__FuncCall *fc = (const PgQuery__FuncCall *)m;
		const char *f = last_name(fc->funcname, fc->n_funcname);
		if (f && (in_list(volatile_funcs, f) || !in_list(stable_funcs, f)))
			return f;
	}
	const char *base = (const char *)m;
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *fd = &d->fields[i];
		if (fd->type != PROTOBUF_C_TYPE_MESSAGE)
			continue;
		if (fd->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
			uint32_t set;
			memcpy(&set, base + fd->quantifier_offset, sizeof(set));
			if (set != fd->id)
				continue;
		}
		if (fd->label == PROTOBUF_C_LABEL_REPEATED) {
			size_t n;
			ProtobufCMessage *const *items;
			memcpy(&n, base + fd->quantifier_offset, sizeof(n));
			memcpy(&items, base + fd->offset, sizeof(items));
			for (size_t k = 0; k < n; k++) {
				const char *f = volatile_call(items[k]);
				if (f)
					return f;
			}
		} else {
			const ProtobufCMessage *sub;
			memcpy(&sub, base + fd->offset, sizeof(sub));
			const char *f = volatile_call(sub);
			if (f)
				return f;
		}
	}
	return NULL;
}

/* ---- ALTER TABLE ---- */

static void add_column(pgf_lint_run *run, const PgQuery__ColumnDef *cd, const PgQuery__RangeVar *rel)
{
	const char *col = str(cd->colname);
	const PgQuery__TypeName *tn = cd->type_name;
	const char *t = tn ? last_name(tn->names, tn->n_names) : NULL;
	bool pk = has_contype(cd, CONSTR(PRIMARY));
	check_type(run, tn, col, pk);
	if (!existing(run, rel))
		return;
	bool serial = tn && tn->n_names == 1 && is_serial(t);
	bool identity = has_contype(cd, CONSTR(IDENTITY));
	size_t at = loc(run, cd->location);
	if ((serial || identity) && pk) {
		pgf_lint_report(run, R_ADDING_SERIAL_PRIMARY_KEY, at, "column %s.%s is a %s primary key", relname(rel),
		                col, serial ? t : "identity");
		return;
	}
	const PgQuery__Node *deflt = NULL;
	bool notnull = pk, generated = false;
	for (size_t i = 0; i < cd->n_constraints; i++) {
		const PgQuery__Constraint *con = as_constraint(cd->constraints[i]);
		if (con == NULL)
			continue;
		if (con->contype == CONSTR(NOTNULL))
			notnull = true;
		else if (con->contype == CONSTR(DEFAULT))
			deflt = con->raw_expr;
		else if (con->contype == CONSTR(GENERATED))
			generated = true;
		else if (con->contype == CONSTR(FOREIGN))
			pgf_lint_report(run, R_CONSTRAINT_MISSING_NOT_VALID, loc(run, con->location),
			                "column %s.%s references %s: the foreign key is validated while both tables are "
			                "locked",
			                relname(rel), col, relname(con->pktable));
		else if (con->contype == CONSTR(UNIQUE) || con->contype == CONSTR(PRIMARY))
			pgf_lint_report(run, R_DISALLOWED_UNIQUE_CONSTRAINT, loc(run, con->location),
			                "%s column %s.%s builds its index while the table is locked",
			                con->contype == CONSTR(UNIQUE) ? "unique" : "primary key", relname(rel), col);
	}
	const char *vf = deflt ? volatile_call(&deflt->base) : NULL;
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

/* The column of a CHECK (column IS NOT NULL), or NULL. */
static const char *not_null_check(const PgQuery__Constraint *con)
{
	const PgQuery__Node *e = con->raw_expr;
	if (con->contype != CONSTR(CHECK) || e == NULL || e->node_case != NODE(NULL_TEST) ||
	    e->null_test->nulltesttype != PG_QUERY__NULL_TEST_TYPE__IS_NOT_NULL || e->null_test->arg == NULL ||
	    e->null_test->arg->node_case != NODE(COLUMN_REF))
		return NULL;
	const PgQuery__ColumnRef *cr = e->null_test->arg->column_ref;
	return last_name(cr->fields, cr->n_fields);
}

static void add_constraint(pgf_lint_run *run, const PgQuery__Constraint *con, const PgQuery__RangeVar *rel)
{
	if (rel != NULL && (con->contype == CONSTR(CHECK) || con->contype == CONSTR(FOREIGN)))
		pgf_lint_fact_add(run->facts, str(rel->schemaname), str(rel->relname), str(con->conname),
		                  not_null_check(con), !con->skip_validation);
	if (con->contype == PG_QUERY__CONSTR_TYPE__CONSTR_TYPE_UNDEFINED || !existing(run, rel))
		return;
	const char *name = str(con->conname);
	size_t at = loc(run, con->location);
	if (con->contype == CONSTR(FOREIGN) || con->contype == CONSTR(CHECK)) {
		if (!con->skip_validation)
			pgf_lint_report(run, R_CONSTRAINT_MISSING_NOT_VALID, at,
			                "%s %s on %s is validated while the table is locked",
			                con->contype == CONSTR(FOREIGN) ? "foreign key" : "check constraint",
			                name ? name : "(unnamed)", relname(rel));
	} else if (con->contype == CONSTR(UNIQUE) || con->contype == CONSTR(PRIMARY)) {
		if (str(con->indexname) == NULL)
			pgf_lint_report(run, R_DISALLOWED_UNIQUE_CONSTRAINT, at,
			                "%s %s on %s builds its index while the table is locked",
			                con->contype == CONSTR(UNIQUE) ? "unique constraint" : "primary key",
			                name ? name : "(unnamed)", relname(rel));
	} else if (con->contype == CONSTR(EXCLUSION))
		pgf_lint_report(run, R_BAN_ADD_EXCLUDE_CONSTRAINT, at, "exclusion constraint %s on %s",
		                name ? name : "(unnamed)", relname(rel));
}

static void concurrently(pgf_lint_run *run, size_t at, const char *what)
{
	if (run->opts->transactional)
		pgf_lint_report(run, R_BAN_CONCURRENT_IN_TRANSACTION, at, "%s in a file that runs in a transaction", what);
}

/* VALIDATE CONSTRAINT: the constraint is now validated; in the transaction
 * that added it NOT VALID, the ADD's lock is still held. */
static void validate(pgf_lint_run *run, const PgQuery__RangeVar *rel, const char *conname)
{
	pgf_lint_fact *f = pgf_lint_fact_find(run->facts, str(rel->schemaname), str(rel->relname), conname);
	if (f == NULL || f->validated)
		return;
	f->validated = true;
	if (f->file == run->facts->files && run->opts->transactional && existing(run, rel))
		pgf_lint_report(run, R_VALIDATE_IN_SAME_TRANSACTION, stmt_start(run),
		                "constraint %s on %s is validated in the transaction that added it NOT VALID", conname,
		                relname(rel));
}

static void alter_table(pgf_lint_run *run, const PgQuery__AlterTableStmt *s)
{
	const PgQuery__RangeVar *rel = s->relation;
	if (s->objtype != PG_QUERY__OBJECT_TYPE__OBJECT_TYPE_UNDEFINED && s->objtype != OBJECT(TABLE))
		return;
	for (size_t i = 0; i < s->n_cmds; i++) {
		if (s->cmds[i]->node_case != NODE(ALTER_TABLE_CMD))
			continue;
		const PgQuery__AlterTableCmd *cmd = s->cmds[i]->alter_table_cmd;
		const PgQuery__Node *def = cmd->def;
		const char *col = str(cmd->name);
		PgQuery__Node__NodeCase dc = def ? def->node_case : PG_QUERY__NODE__NODE__NOT_SET;
		if (cmd->subtype == AT(AddColumn) && dc == NODE(COLUMN_DEF))
			add_column(run, def->column_def, rel);
		else if (cmd->subtype == AT(AddConstraint) && dc == NODE(CONSTRAINT))
			add_constraint(run, def->constraint, rel);
		else if (cmd->subtype == AT(AlterColumnType)) {
			check_type(run, dc == NODE(COLUMN_DEF) ? def->column_def->type_name : NULL, col, false);
			if (existing(run, rel))
				pgf_lint_report(run, R_CHANGING_COLUMN_TYPE, stmt_start(run), "column %s.%s changes type",
				                relname(rel), col ? col : "?");
		} else if (cmd->subtype == AT(SetNotNull) && existing(run, rel) &&
		           !(rel && pgf_lint_fact_not_null(run->facts, str(rel->schemaname), str(rel->relname), col)))
			pgf_lint_report(run, R_SETTING_NOT_NULL, stmt_start(run), "column %s.%s is set NOT NULL",
			                relname(rel), col ? col : "?");
		else if (cmd->subtype == AT(ValidateConstraint) && rel != NULL)
			validate(run, rel, col);
		else if (cmd->subtype == AT(DropConstraint) && rel != NULL)
			pgf_lint_fact_drop(run->facts, str(rel->schemaname), str(rel->relname), col);
		else if (cmd->subtype == AT(DropColumn) && existing(run, rel))
			pgf_lint_report(run, R_BAN_DROP_COLUMN, stmt_start(run), "column %s.%s is dropped", relname(rel),
			                col ? col : "?");
		else if (cmd->subtype == AT(DetachPartition) && dc == NODE(PARTITION_CMD) && def->partition_cmd->concurrent)
			concurrently(run, stmt_start(run), "DETACH PARTITION CONCURRENTLY");
	}
}

/* ---- other statements ---- */

static void create_table(pgf_lint_run *run, const PgQuery__CreateStmt *s)
{
	const PgQuery__RangeVar *rel = s->relation;
	/* primary key columns named by a table constraint */
	const PgQuery__Constraint *pkc = NULL;
	for (size_t i = 0; i < s->n_table_elts; i++) {
		const PgQuery__Constraint *con = as_constraint(s->table_elts[i]);
		if (con && con->contype == CONSTR(PRIMARY))
			pkc = con;
	}
	for (size_t i = 0; i < s->n_table_elts; i++) {
		if (s->table_elts[i]->node_case != NODE(COLUMN_DEF))
			continue;
		const PgQuery__ColumnDef *cd = s->table_elts[i]->column_def;
		const char *col = str(cd->colname);
		bool pk = has_contype(cd, CONSTR(PRIMARY));
		for (size_t k = 0; pkc && k < pkc->n_keys; k++) {
			const char *kn = string_node(pkc->keys[k]);
			pk = pk || (kn && col && strcmp(kn, col) == 0);
		}
		check_type(run, cd->type_name, col, pk);
	}
	/* IF NOT EXISTS may leave an existing (full) table in place */
	if (!s->if_not_exists && rel)
		remember(&run->tables, str(rel->schemaname), str(rel->relname));
}

static void create_index(pgf_lint_run *run, const PgQuery__IndexStmt *s)
{
	const PgQuery__RangeVar *rel = s->relation;
	if (s->concurrent)
		concurrently(run, stmt_start(run), "CREATE INDEX CONCURRENTLY");
	else if (existing(run, rel))
		pgf_lint_report(run, R_REQUIRE_CONCURRENT_INDEX_CREATION, stmt_start(run),
		                "index %s on %s is built while writes to the table are blocked",
		                str(s->idxname) ? s->idxname : "(unnamed)", relname(rel));
	if (!s->if_not_exists)
		remember(&run->indexes, rel ? str(rel->schemaname) : NULL, str(s->idxname));
}

static void drop(pgf_lint_run *run, const PgQuery__DropStmt *s)
{
	bool table = s->remove_type == OBJECT(TABLE), index = s->remove_type == OBJECT(INDEX);
	if (index && s->concurrent) {
		concurrently(run, stmt_start(run), "DROP INDEX CONCURRENTLY");
		return;
	}
	for (size_t i = 0; i < s->n_objects; i++) {
		const PgQuery__Node *o = s->objects[i];
		PgQuery__Node *const *items = o->node_case == NODE(LIST) ? o->list->items : NULL;
		size_t n = o->node_case == NODE(LIST) ? o->list->n_items : 0;
		const char *name = last_name(items, n);
		const char *schema = n >= 2 ? string_node(items[n - 2]) : NULL;
		if (table && !known(&run->tables, schema, name))
			pgf_lint_report(run, R_BAN_DROP_TABLE, stmt_start(run), "table %s is dropped", name ? name : "?");
		else if (index && !known(&run->indexes, schema, name))
			pgf_lint_report(run, R_REQUIRE_CONCURRENT_INDEX_DELETION, stmt_start(run),
			                "index %s is dropped while its table is locked", name ? name : "?");
	}
}

static bool has_option(PgQuery__Node *const *options, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++) {
		const char *d = options[i]->node_case == NODE(DEF_ELEM) ? str(options[i]->def_elem->defname) : NULL;
		if (d && strcmp(d, name) == 0)
			return true;
	}
	return false;
}

static void rename_stmt(pgf_lint_run *run, const PgQuery__RenameStmt *s)
{
	const PgQuery__RangeVar *rel = s->relation;
	if (rel == NULL || !existing(run, rel))
		return;
	const char *newname = str(s->newname) ? s->newname : "?";
	if (s->rename_type == OBJECT(TABLE))
		pgf_lint_report(run, R_RENAMING_TABLE, stmt_start(run), "table %s is renamed to %s", relname(rel),
		                newname);
	else if (s->rename_type == OBJECT(COLUMN))
		pgf_lint_report(run, R_RENAMING_COLUMN, stmt_start(run), "column %s.%s is renamed to %s", relname(rel),
		                str(s->subname) ? s->subname : "?", newname);
}

static void dml(pgf_lint_run *run, const PgQuery__RangeVar *rel, const PgQuery__Node *where, const char *verb)
{
	if (where == NULL && existing(run, rel))
		pgf_lint_report(run, R_UPDATE_DELETE_WITHOUT_WHERE, stmt_start(run), "%s of every row of %s", verb,
		                relname(rel));
}

void pgf_lint_check_stmt(pgf_lint_run *run, const PgQuery__Node *n)
{
	if (n == NULL)
		return;
	size_t at = stmt_start(run);
	switch (n->node_case) {
	case NODE(CREATE_STMT):
		create_table(run, n->create_stmt);
		break;
	case NODE(CREATE_TABLE_AS_STMT): {
		const PgQuery__RangeVar *rel = n->create_table_as_stmt->into ? n->create_table_as_stmt->into->rel : NULL;
		if (!n->create_table_as_stmt->if_not_exists && rel)
			remember(&run->tables, str(rel->schemaname), str(rel->relname));
		break;
	}
	case NODE(ALTER_TABLE_STMT):
		alter_table(run, n->alter_table_stmt);
		break;
	case NODE(INDEX_STMT):
		create_index(run, n->index_stmt);
		break;
	case NODE(DROP_STMT):
		drop(run, n->drop_stmt);
		break;
	case NODE(DROPDB_STMT):
		pgf_lint_report(run, R_BAN_DROP_DATABASE, at, "database %s is dropped",
		                str(n->dropdb_stmt->dbname) ? n->dropdb_stmt->dbname : "?");
		break;
	case NODE(REINDEX_STMT):
		if (has_option(n->reindex_stmt->params, n->reindex_stmt->n_params, "concurrently"))
			concurrently(run, at, "REINDEX CONCURRENTLY");
		else
			pgf_lint_report(run, R_REQUIRE_CONCURRENT_REINDEX, at, "REINDEX without CONCURRENTLY");
		break;
	case NODE(TRANSACTION_STMT):
		if (run->opts->transactional)
			pgf_lint_report(run, R_BAN_TRANSACTION_CONTROL, at, "transaction control in a file that runs in "
			                                                    "a transaction");
		break;
	case NODE(RENAME_STMT):
		rename_stmt(run, n->rename_stmt);
		break;
	case NODE(TRUNCATE_STMT): {
		const PgQuery__TruncateStmt *s = n->truncate_stmt;
		for (size_t i = 0; i < s->n_relations; i++) {
			const PgQuery__RangeVar *rel =
			        s->relations[i]->node_case == NODE(RANGE_VAR) ? s->relations[i]->range_var : NULL;
			if (existing(run, rel))
				pgf_lint_report(run, R_BAN_TRUNCATE, rel ? loc(run, rel->location) : at,
				                "table %s is truncated%s", relname(rel),
				                s->behavior == PG_QUERY__DROP_BEHAVIOR__DROP_CASCADE ? " (CASCADE)" : "");
		}
		break;
	}
	case NODE(UPDATE_STMT):
		dml(run, n->update_stmt->relation, n->update_stmt->where_clause, "UPDATE");
		break;
	case NODE(DELETE_STMT):
		dml(run, n->delete_stmt->relation, n->delete_stmt->where_clause, "DELETE");
		break;
	case NODE(VACUUM_STMT):
		if (n->vacuum_stmt->is_vacuumcmd && has_option(n->vacuum_stmt->options, n->vacuum_stmt->n_options, "full"))
			pgf_lint_report(run, R_BAN_VACUUM_FULL, at, "VACUUM FULL");
		break;
	case NODE(CLUSTER_STMT):
		pgf_lint_report(run, R_BAN_CLUSTER, at, "CLUSTER");
		break;
	case NODE(LOCK_STMT):
		pgf_lint_report(run, R_BAN_LOCK_TABLE, at, "explicit LOCK TABLE");
		break;
	case NODE(ALTER_ENUM_STMT):
		if (str(n->alter_enum_stmt->old_val) == NULL && run->opts->transactional && run->cur + 1 < run->nstmts)
			pgf_lint_report(run, R_ADDING_ENUM_VALUE, at,
			                "enum value '%s' is added before more statements of the same transaction",
			                str(n->alter_enum_stmt->new_val) ? n->alter_enum_stmt->new_val : "?");
		break;
	default:
		break;
	}
}

bool pgf_lint_reads(int node_case)
{
	switch (node_case) { /* the cases of pgf_lint_check_stmt */
	case NODE(CREATE_STMT):
	case NODE(CREATE_TABLE_AS_STMT):
	case NODE(ALTER_TABLE_STMT):
	case NODE(INDEX_STMT):
	case NODE(DROP_STMT):
	case NODE(DROPDB_STMT):
	case NODE(REINDEX_STMT):
	case NODE(TRANSACTION_STMT):
	case NODE(RENAME_STMT):
	case NODE(TRUNCATE_STMT):
	case NODE(UPDATE_STMT):
	case NODE(DELETE_STMT):
	case NODE(VACUUM_STMT):
	case NODE(CLUSTER_STMT):
	case NODE(LOCK_STMT):
	case NODE(ALTER_ENUM_STMT):
		return true;
	default:
		return false;
	}
}
