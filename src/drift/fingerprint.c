/* The schema fingerprint: one catalog query, computed by the server, and
 * the SQL that records it next to a version (see drift.h). */
#include "pgfleet/drift.h"

#include <stdlib.h>
#include <string.h>

#include "pgfleet/common.h"


/* Values go on one line: tabs, newlines and carriage returns become spaces,
 * so tabs separate fields and newlines separate lines (translate: a regular
 * expression per value costs more than the rest of the query). */
#define ONE_LINE(x) "translate(" x ", E'\\t\\n\\r', '   ')"
#define QNAME(nsp, rel) ONE_LINE(nsp ".nspname || '.' || " rel)
/* Not a member of an extension (those are the extension's, not the schema's),
 * against one scan of pg_depend (ext): planning an anti-join against
 * pg_depend in every branch cost a fresh backend a quarter of the query. */
#define NOT_EXT(cls, oid) oid " NOT IN (SELECT objid FROM ext WHERE classid = '" cls "'::regclass)"

/* The managed schemas, and one line per object in them. */
static const char lines_sql[] =
	"WITH ext AS MATERIALIZED (SELECT classid, objid FROM pg_depend WHERE deptype = 'e'),\n"
	"ns AS (SELECT oid, nspname FROM pg_namespace WHERE nspname NOT IN ('pg_catalog', "
	"'information_schema', 'pgfleet') AND nspname !~ '^pg_(toast|temp_)' AND " NOT_EXT("pg_namespace", "oid") "),\n"
	"lines AS (\n"
	/* schemas */
	" SELECT concat_ws(chr(9), 'schema', " ONE_LINE("n.nspname") ") AS line FROM ns n\n"
	/* extensions (database-wide) */
	" UNION ALL SELECT concat_ws(chr(9), 'extension', e.extname, 'version ' || e.extversion, 'schema ' || "
	"x.nspname) FROM pg_extension e JOIN pg_namespace x ON x.oid = e.extnamespace\n"
	/* tables, views, sequences, composite types */
	" UNION ALL SELECT concat_ws(chr(9), CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' "
	"WHEN 'S' THEN 'sequence' WHEN 'c' THEN 'type' WHEN 'f' THEN 'foreign table' ELSE 'table' END, " QNAME("n", "c.relname") ",\n"
	"   CASE WHEN c.relkind IN ('r', 'p') THEN 'kind ' || CASE c.relkind WHEN 'p' THEN 'partitioned' ELSE 'plain' END END,\n"
	"   CASE WHEN c.relkind IN ('r', 'p', 'm') THEN 'persistence ' || CASE c.relpersistence WHEN 'u' THEN 'unlogged' ELSE 'logged' END END,\n"
	"   CASE WHEN c.relrowsecurity THEN 'rowsecurity on' END,\n"
	"   CASE WHEN c.relforcerowsecurity THEN 'forcerowsecurity on' END,\n"
	"   'partitionkey ' || " ONE_LINE("pg_get_partkeydef(c.oid)") ",\n"
	"   'bound ' || " ONE_LINE("pg_get_expr(c.relpartbound, c.oid)") ",\n"
	"   'inherits ' || (SELECT string_agg(" ONE_LINE("pn.nspname || '.' || pc.relname") ", ', ' ORDER BY i.inhseqno) "
	"FROM pg_inherits i JOIN pg_class pc ON pc.oid = i.inhparent JOIN pg_namespace pn ON pn.oid = pc.relnamespace "
	"WHERE i.inhrelid = c.oid),\n"
	"   'options ' || array_to_string(c.reloptions, ','),\n"
	"   CASE WHEN c.relkind IN ('v', 'm') THEN 'definition ' || " ONE_LINE("pg_get_viewdef(c.oid)") " END,\n"
	"   CASE WHEN c.relkind = 'c' THEN 'composite yes' END,\n"
	"   CASE WHEN c.relkind = 'S' THEN (SELECT concat_ws(chr(9), 'type ' || format_type(s.seqtypid, NULL), "
	"'start ' || s.seqstart, 'increment ' || s.seqincrement, 'min ' || s.seqmin, 'max ' || s.seqmax, 'cache ' || "
	"s.seqcache, 'cycle ' || CASE WHEN s.seqcycle THEN 'yes' ELSE 'no' END) FROM pg_sequence s WHERE s.seqrelid = "
	"c.oid) END)\n"
	"  FROM pg_class c JOIN ns n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p', 'f', 'v', 'm', 'S', 'c') "
	"AND " NOT_EXT("pg_class", "c.oid") "\n"
	/* columns (and composite types' attributes) */
	" UNION ALL SELECT concat_ws(chr(9), 'column', " QNAME("n", "c.relname || '.' || a.attname") ",\n"
	"   'type ' || format_type(a.atttypid, a.atttypmod),\n"
	"   'nullable ' || CASE WHEN a.attnotnull THEN 'no' ELSE 'yes' END,\n"
	"   CASE WHEN a.attgenerated = '' THEN 'default ' || " ONE_LINE("pg_get_expr(ad.adbin, ad.adrelid)") " END,\n"
	"   CASE WHEN a.attgenerated <> '' THEN 'generated ' || " ONE_LINE("pg_get_expr(ad.adbin, ad.adrelid)") " END,\n"
	"   CASE a.attidentity WHEN 'a' THEN 'identity always' WHEN 'd' THEN 'identity by default' END,\n"
	"   CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation THEN 'collation ' || "
	"(SELECT collname FROM pg_collation WHERE oid = a.attcollation) END)\n"
	"  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN ns n ON n.oid = c.relnamespace "
	"JOIN pg_type t ON t.oid = a.atttypid LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum\n"
	"  WHERE c.relkind IN ('r', 'p', 'f', 'c') AND a.attnum > 0 AND NOT a.attisdropped AND " NOT_EXT("pg_class", "c.oid") "\n"
	/* constraints of tables and of domains */
	" UNION ALL SELECT concat_ws(chr(9), 'constraint', " QNAME("n", "coalesce(c.relname, t.typname) || '.' || co.conname") ", "
	"'definition ' || " ONE_LINE("pg_get_constraintdef(co.oid)") ")\n"
	"  FROM pg_constraint co LEFT JOIN pg_class c ON c.oid = co.conrelid LEFT JOIN pg_type t ON t.oid = co.contypid "
	"JOIN ns n ON n.oid = coalesce(c.relnamespace, t.typnamespace)\n"
	"  WHERE (c.oid IS NOT NULL OR t.oid IS NOT NULL) AND " NOT_EXT("pg_class", "coalesce(c.oid, 0)") " AND "
	NOT_EXT("pg_type", "coalesce(t.oid, 0)") "\n"
	/* indexes */
	" UNION ALL SELECT concat_ws(chr(9), 'index', " QNAME("n", "ic.relname") ", 'definition ' || "
	ONE_LINE("pg_get_indexdef(i.indexrelid)") ")\n"
	"  FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN ns n ON n.oid = ic.relnamespace "
	"WHERE " NOT_EXT("pg_class", "i.indrelid") "\n"
	/* functions and procedures: their whole definition, as a digest */
	" UNION ALL SELECT concat_ws(chr(9), CASE p.prokind WHEN 'p' THEN 'procedure' ELSE 'function' END, "
	QNAME("n", "p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')'") ", "
	"'definition md5:' || md5(pg_get_functiondef(p.oid)))\n"
	"  FROM pg_proc p JOIN ns n ON n.oid = p.pronamespace WHERE p.prokind IN ('f', 'p', 'w') AND "
	NOT_EXT("pg_proc", "p.oid") "\n"
	/* triggers */
	" UNION ALL SELECT concat_ws(chr(9), 'trigger', " QNAME("n", "c.relname || '.' || tg.tgname") ", 'definition ' || "
	ONE_LINE("pg_get_triggerdef(tg.oid)") ", CASE tg.tgenabled WHEN 'O' THEN NULL WHEN 'D' THEN 'enabled no' "
	"ELSE 'enabled ' || tg.tgenabled::text END)\n"
	"  FROM pg_trigger tg JOIN pg_class c ON c.oid = tg.tgrelid JOIN ns n ON n.oid = c.relnamespace "
	"WHERE NOT tg.tgisinternal AND " NOT_EXT("pg_class", "c.oid") "\n"
	/* row-level security policies */
	" UNION ALL SELECT concat_ws(chr(9), 'policy', " QNAME("n", "c.relname || '.' || po.polname") ", "
	"'command ' || po.polcmd::text, 'permissive ' || CASE WHEN po.polpermissive THEN 'yes' ELSE 'no' END, "
	"'roles ' || (SELECT string_agg(CASE WHEN r = 0 THEN 'public' ELSE pg_get_userbyid(r) END, ',' ORDER BY 1) "
	"FROM unnest(po.polroles) r), "
	"'using ' || " ONE_LINE("pg_get_expr(po.polqual, po.polrelid)") ", "
	"'check ' || " ONE_LINE("pg_get_expr(po.polwithcheck, po.polrelid)") ")\n"
	"  FROM pg_policy po JOIN pg_class c ON c.oid = po.polrelid JOIN ns n ON n.oid = c.relnamespace\n"
	/* enum, domain and range types (composite types are relations above) */
	" UNION ALL SELECT concat_ws(chr(9), CASE t.typtype WHEN 'd' THEN 'domain' ELSE 'type' END, " QNAME("n", "t.typname") ",\n"
	"   CASE t.typtype WHEN 'e' THEN 'enum ' || (SELECT " ONE_LINE("string_agg(quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder)")
	" FROM pg_enum e WHERE e.enumtypid = t.oid)\n"
	"     WHEN 'r' THEN 'range ' || (SELECT format_type(r.rngsubtype, NULL) FROM pg_range r WHERE r.rngtypid = t.oid)\n"
	"     WHEN 'd' THEN 'type ' || format_type(t.typbasetype, t.typtypmod) END,\n"
	"   CASE WHEN t.typtype = 'd' THEN 'nullable ' || CASE WHEN t.typnotnull THEN 'no' ELSE 'yes' END END,\n"
	"   CASE WHEN t.typtype = 'd' THEN 'default ' || " ONE_LINE("t.typdefault") " END)\n"
	"  FROM pg_type t JOIN ns n ON n.oid = t.typnamespace WHERE t.typtype IN ('e', 'r', 'd') AND "
	NOT_EXT("pg_type", "t.oid") "\n"
	")\n";

/* The fingerprint and the lines, sorted byte-wise, from a relation "lines"
 * with a text column "line". The hash is of the lines in UTF-8, so peers in
 * other encodings compare; a SQL_ASCII database's names may hold any byte,
 * which no conversion takes: there the bytes as they are (its names outside
 * ASCII then match a peer's only byte for byte). */
#define CURRENT_SQL                                                                                        \
	"SELECT encode(sha256(convert_to(objects, CASE getdatabaseencoding() WHEN 'SQL_ASCII' THEN "            \
	"'SQL_ASCII' ELSE 'UTF8' END)), 'hex') AS fingerprint, objects FROM (SELECT "                           \
	"coalesce(string_agg(line, E'\\n' ORDER BY line COLLATE \"C\"), '') AS objects FROM lines) agg"

/* In databases pgfleet manages, the query is a function in schema pgfleet:
 * PL/pgSQL keeps its plan for the session, and planning the query costs
 * more than running it. Changing lines_sql needs a new PGF_SCHEMA_VERSION
 * (apply.h), which replaces the function everywhere. */
#define FROM_FUNCTION "WITH lines AS (SELECT line FROM pgfleet.schema_objects() AS o(line)), cur AS (" CURRENT_SQL ")\n"

/* The current schema against the recording; %s: whether the two object
 * lists come always, or only when the fingerprints differ. */
#define READ_SQL                                                                                              \
	FROM_FUNCTION "SELECT cur.fingerprint, CASE WHEN %s OR s.fingerprint IS DISTINCT FROM cur.fingerprint "    \
	              "THEN cur.objects END, s.fingerprint, CASE WHEN %s OR s.fingerprint IS DISTINCT FROM "        \
	              "cur.fingerprint THEN s.objects END, s.scope, s.version, s.action, EXISTS (SELECT 1 FROM "     \
	              "pgfleet.applied_migrations m WHERE m.applied_at > s.recorded_at) FROM cur LEFT JOIN "         \
	              "pgfleet.schema_snapshot s ON true"

char *pgf_drift_schema_sql(void)
{
	/* drift_check: the read, run only when pending (its caller's statement
	 * stays cheap to parse when nothing is) */
	return pgf_asprintf("CREATE OR REPLACE FUNCTION pgfleet.schema_objects() RETURNS SETOF text LANGUAGE plpgsql "
	                    "STABLE SET search_path = pg_catalog AS $pgf$\nBEGIN\nRETURN QUERY %s SELECT line FROM lines;\n"
	                    "END\n$pgf$;\n"
	                    "CREATE OR REPLACE FUNCTION pgfleet.drift_check(pending boolean, with_objects boolean) RETURNS "
	                    "TABLE (cur_fingerprint text, cur_objects text, rec_fingerprint text, rec_objects text, "
	                    "rec_scope text, rec_version text, rec_action text, rec_stale boolean) LANGUAGE plpgsql "
	                    "STABLE SET search_path = pg_catalog AS $pgf$\nBEGIN\nIF pending THEN\nRETURN QUERY "
	                    READ_SQL ";\nEND IF;\nEND\n$pgf$;\n",
	                    lines_sql, "with_objects", "with_objects");
}

char *pgf_drift_record_sql(const char *scope, const char *version, const char *action)
{
	return pgf_asprintf(FROM_FUNCTION
	                    "INSERT INTO pgfleet.schema_snapshot (one, scope, version, action, fingerprint, objects, "
	                    "recorded_at) SELECT true, '%s', '%s', '%s', fingerprint, objects, now() FROM cur\n"
	                    "ON CONFLICT (one) DO UPDATE SET scope = EXCLUDED.scope, version = EXCLUDED.version, "
	                    "action = EXCLUDED.action, fingerprint = EXCLUDED.fingerprint, objects = EXCLUDED.objects, "
	                    "recorded_at = EXCLUDED.recorded_at;\n"
	                    "UPDATE pgfleet.applied_migrations SET schema_fingerprint = (SELECT fingerprint FROM "
	                    "pgfleet.schema_snapshot) WHERE scope = '%s' AND version = '%s';\n",
	                    scope, version, action, scope, version);
}

static char *dup_or_null(const char *s)
{
	return s ? pgf_strdup(s) : NULL;
}

char *pgf_drift_read_sql(bool objects, const char *cond)
{
	/* cond as the query's filter, not the function's argument: the server
	 * evaluates it first and, when false, never runs (nor compiles) the
	 * function — about a millisecond of a no-op's fresh backend */
	return pgf_asprintf("SELECT * FROM pgfleet.drift_check(true, %s) WHERE %s", objects ? "true" : "false",
	                    cond != NULL ? cond : "true");
}

int pgf_drift_state_from(const pgf_pg_result *r, bool with_snapshot, pgf_drift_state *out, pgf_error **err)
{
	memset(out, 0, sizeof(*out));
	bool joined = r != NULL && pgf_pg_result_rows(r) == 1 && pgf_pg_result_value(r, 0, 0) != NULL;
	if (!joined)
		return pgf_error_set(err, PGF_ERR_DB, "reading the schema fingerprint: no row");
	out->fingerprint = pgf_strdup(pgf_pg_result_value(r, 0, 0));
	out->objects = dup_or_null(pgf_pg_result_value(r, 0, 1));
	if (with_snapshot) {
		out->recorded = dup_or_null(pgf_pg_result_value(r, 0, 2));
		out->recorded_objects = dup_or_null(pgf_pg_result_value(r, 0, 3));
		out->recorded_scope = dup_or_null(pgf_pg_result_value(r, 0, 4));
		out->recorded_version = dup_or_null(pgf_pg_result_value(r, 0, 5));
		out->recorded_action = dup_or_null(pgf_pg_result_value(r, 0, 6));
		const char *stale = pgf_pg_result_value(r, 0, 7);
		out->stale = out->recorded != NULL && stale != NULL && strcmp(stale, "t") == 0;
	}
	return 0;
}

int pgf_drift_read(pgf_pg *c, bool objects, pgf_drift_state *out, pgf_error **err)
{
	memset(out, 0, sizeof(*out));
	pgf_pg_result *r = NULL;
	pgf_error *e = NULL;
	const char *always = objects ? "true" : "false";
	char *sql = pgf_asprintf(READ_SQL, always, always);
	int rc = pgf_pg_query(c, &r, sql, 0, NULL, &e);
	free(sql);
	bool with_snapshot = true;
	if (rc != 0 && pgf_drift_error_is_layout(e)) {
		/* pgfleet never recorded a fingerprint here: the query itself */
		pgf_error_free(e);
		e = NULL;
		with_snapshot = false;
		/* under the function's search_path: names print qualified whatever
		 * the session's is */
		sql = pgf_asprintf("BEGIN READ ONLY; SET LOCAL search_path = pg_catalog;\n%s, cur AS (" CURRENT_SQL
		                   ") SELECT fingerprint, objects FROM cur;\nCOMMIT",
		                   lines_sql);
		rc = pgf_pg_query_simple(c, &r, sql, &e);
		free(sql);
		if (rc != 0)
			pgf_pg_exec(c, "ROLLBACK", NULL);
	}
	if (rc != 0) {
		pgf_error_set(err, PGF_ERR_DB, "reading the schema fingerprint: %s", e->message);
		pgf_error_free(e);
		return -1;
	}
	rc = pgf_drift_state_from(r, with_snapshot, out, err);
	pgf_pg_result_free(r);
	return rc;
}

bool pgf_drift_error_is_layout(const pgf_error *e)
{
	return pgf_pg_error_is_absent(e) || pgf_pg_error_is(e, PGF_SQLSTATE_UNDEFINED_FUNCTION);
}

void pgf_drift_state_free(pgf_drift_state *s)
{
	free(s->fingerprint);
	free(s->objects);
	free(s->recorded);
	free(s->recorded_objects);
	free(s->recorded_scope);
	free(s->recorded_version);
	free(s->recorded_action);
	memset(s, 0, sizeof(*s));
}
