/* The lint rule table: id, default severity, why, and the safe alternative.
 * Pure: no parser here (the policy module reads it to check rule ids). The
 * order is src/lint/rules.h's; ids are a contract (policies and waivers). */
#include <string.h>

#include "pgfleet/common.h"

#include "pgfleet/lint.h"
#include "rules.h"

#define E PGF_LINT_ERROR
#define W PGF_LINT_WARNING

static const pgf_lint_rule rules[R_NRULES] = {
	[R_SYNTAX_ERROR] = { "syntax-error", E, true, "a file the PostgreSQL parser rejects",
	                     "PostgreSQL would refuse the file at apply time, half-way through a fleet",
	                     "fix the SQL; `psql -f FILE` on a scratch database shows the same error" },
	[R_INVALID_DIRECTIVE] = { "invalid-directive", E, true,
	                          "a `-- pgfleet:` comment that is malformed, unknown or in the wrong place",
	                          "a typo in a waiver or directive must not silently change what is allowed",
	                          "`-- pgfleet:allow RULE reason` directly before or inside the statement; "
	                          "file directives only in the leading comment block" },
	[R_UNUSED_WAIVER] = { "unused-waiver", W, true, "a waiver that waives nothing",
	                      "a stale waiver would silently allow a later edit of the statement",
	                      "remove the waiver, or move it directly before the statement it is for" },
	[R_ADDING_REQUIRED_COLUMN] = { "adding-required-column", E, false, "ADD COLUMN ... NOT NULL without a DEFAULT",
	                               "fails on any table that has rows, and breaks running code that inserts without it",
	                               "add it nullable (or with a non-volatile DEFAULT), backfill in batches, then "
	                               "SET NOT NULL the safe way (see setting-not-null)" },
	[R_ADDING_VOLATILE_DEFAULT] = { "adding-volatile-default", E, false,
	                                "ADD COLUMN whose default is volatile (random(), clock_timestamp(), "
	                                "gen_random_uuid(), nextval()/serial, identity, STORED generated)",
	                                "since PostgreSQL 11 a non-volatile default (a constant, now()) is stored once "
	                                "in the catalog, but a volatile one rewrites the whole table under an ACCESS "
	                                "EXCLUSIVE lock",
	                                "add the column without a default, set the default with ALTER COLUMN ... SET "
	                                "DEFAULT (new rows only), and backfill existing rows in batches" },
	[R_ADDING_SERIAL_PRIMARY_KEY] = { "adding-serial-primary-key", E, false,
	                                  "ADD COLUMN serial/identity PRIMARY KEY on an existing table",
	                                  "rewrites the table and builds the primary key index under an ACCESS "
	                                  "EXCLUSIVE lock",
	                                  "add a nullable column, backfill it, CREATE UNIQUE INDEX CONCURRENTLY, then "
	                                  "ADD PRIMARY KEY USING INDEX" },
	[R_SETTING_NOT_NULL] = { "setting-not-null", E, false,
	                         "ALTER COLUMN ... SET NOT NULL on an existing table, without a validated "
	                         "CHECK (col IS NOT NULL) from this or an earlier file",
	                         "scans the whole table under an ACCESS EXCLUSIVE lock, blocking reads and writes",
	                         "ADD CONSTRAINT c CHECK (col IS NOT NULL) NOT VALID; VALIDATE CONSTRAINT c (in a "
	                         "later file); then SET NOT NULL (PostgreSQL 12+ skips the scan) and DROP CONSTRAINT c" },
	[R_REQUIRE_CONCURRENT_INDEX_CREATION] = { "require-concurrent-index-creation", E, false,
	                                          "CREATE INDEX without CONCURRENTLY on a table this file did not "
	                                          "create",
	                                          "blocks every write to the table for as long as the index takes to "
	                                          "build",
	                                          "CREATE INDEX CONCURRENTLY in a file marked -- pgfleet:no-transaction" },
	[R_REQUIRE_CONCURRENT_INDEX_DELETION] = { "require-concurrent-index-deletion", E, false,
	                                          "DROP INDEX without CONCURRENTLY (of an index this file did not "
	                                          "create)",
	                                          "takes an ACCESS EXCLUSIVE lock on the index's table, queueing every "
	                                          "query behind it",
	                                          "DROP INDEX CONCURRENTLY in a file marked -- pgfleet:no-transaction" },
	[R_REQUIRE_CONCURRENT_REINDEX] = { "require-concurrent-reindex", E, false, "REINDEX without CONCURRENTLY",
	                                   "locks out writes (and reads that use the index) until the rebuild ends",
	                                   "REINDEX (CONCURRENTLY) in a file marked -- pgfleet:no-transaction" },
	[R_BAN_CONCURRENT_IN_TRANSACTION] = { "ban-concurrent-in-transaction", E, false,
	                                      "CONCURRENTLY in a file that runs in a transaction",
	                                      "PostgreSQL refuses CONCURRENTLY inside a transaction block: the "
	                                      "migration fails on every database",
	                                      "put it in its own file whose leading comment is -- pgfleet:no-transaction" },
	[R_BAN_TRANSACTION_CONTROL] = { "ban-transaction-control", E, false,
	                                "BEGIN, COMMIT, ROLLBACK or SAVEPOINT in a file that runs in a transaction",
	                                "would commit the migration without the row that records it, or abort it",
	                                "remove it: pgfleet wraps each file in one transaction (or mark the file "
	                                "-- pgfleet:no-transaction)" },
	[R_BAN_DROP_TABLE] = { "ban-drop-table", E, false, "DROP TABLE",
	                       "running code that still reads the table fails, and the data is gone for good",
	                       "expand/contract: stop using the table in one release, drop it in a later migration "
	                       "with an approved waiver" },
	[R_BAN_DROP_COLUMN] = { "ban-drop-column", E, false, "ALTER TABLE ... DROP COLUMN",
	                        "running code (and ORMs that select every column) fails, and the data is gone",
	                        "expand/contract: deploy code that no longer uses the column, then drop it in a later "
	                        "migration with an approved waiver" },
	[R_BAN_DROP_DATABASE] = { "ban-drop-database", E, false, "DROP DATABASE", "destroys a whole database",
	                          "never from a migration; tenants are removed by the operator" },
	[R_RENAMING_TABLE] = { "renaming-table", E, false, "ALTER TABLE ... RENAME TO",
	                       "code deployed before the migration still uses the old name and fails at once",
	                       "expand/contract: create the new table (or a view with the new name), write to both, "
	                       "backfill, move readers, then drop the old one" },
	[R_RENAMING_COLUMN] = { "renaming-column", E, false, "ALTER TABLE ... RENAME COLUMN",
	                        "code deployed before the migration still uses the old name and fails at once",
	                        "expand/contract: add the new column, write to both, backfill, move readers, drop "
	                        "the old column in a later release" },
	[R_CHANGING_COLUMN_TYPE] = { "changing-column-type", E, false, "ALTER COLUMN ... TYPE on an existing table",
	                             "most type changes rewrite the table and its indexes under an ACCESS EXCLUSIVE "
	                             "lock (varchar(n) to text or a larger n does not)",
	                             "add a column of the new type, backfill it in batches, switch readers, drop the "
	                             "old one; waive only a known binary-compatible change" },
	[R_CONSTRAINT_MISSING_NOT_VALID] = { "constraint-missing-not-valid", E, false,
	                                     "ADD CONSTRAINT FOREIGN KEY or CHECK, or ADD COLUMN ... REFERENCES, "
	                                     "without NOT VALID on an existing table",
	                                     "validates every row while holding a lock that blocks writes (a foreign "
	                                     "key locks the referenced table too)",
	                                     "ADD CONSTRAINT ... NOT VALID (for a new column: add the column, then "
	                                     "ADD CONSTRAINT ... FOREIGN KEY ... NOT VALID), then VALIDATE CONSTRAINT "
	                                     "in a later file (it takes only a SHARE UPDATE EXCLUSIVE lock)" },
	[R_VALIDATE_IN_SAME_TRANSACTION] = { "validate-in-same-transaction", W, false,
	                                     "VALIDATE CONSTRAINT of a constraint added NOT VALID earlier in the same "
	                                     "transactional file",
	                                     "the ADD's lock that blocks writes is held through the validation scan, "
	                                     "as if NOT VALID had not been written",
	                                     "VALIDATE CONSTRAINT in a later file (or a -- pgfleet:no-transaction "
	                                     "file), where it takes only a SHARE UPDATE EXCLUSIVE lock" },
	[R_DISALLOWED_UNIQUE_CONSTRAINT] = { "disallowed-unique-constraint", E, false,
	                                     "UNIQUE or PRIMARY KEY added to an existing table without USING INDEX",
	                                     "builds the index under an ACCESS EXCLUSIVE lock, blocking reads and "
	                                     "writes for the whole build",
	                                     "CREATE UNIQUE INDEX CONCURRENTLY (no-transaction file), then ADD "
	                                     "CONSTRAINT ... UNIQUE USING INDEX / PRIMARY KEY USING INDEX" },
	[R_BAN_ADD_EXCLUDE_CONSTRAINT] = { "ban-add-exclude-constraint", E, false,
	                                   "ADD CONSTRAINT ... EXCLUDE on an existing table",
	                                   "builds its index and checks every row under an ACCESS EXCLUSIVE lock; it "
	                                   "can be neither NOT VALID nor USING INDEX",
	                                   "add it while the table is new or small, in a maintenance window, with an "
	                                   "approved waiver" },
	[R_BAN_TRUNCATE] = { "ban-truncate", E, false, "TRUNCATE of a table this file did not create",
	                     "deletes every row (CASCADE: of other tables too) under an ACCESS EXCLUSIVE lock",
	                     "delete in batches with a WHERE clause, or waive it for a table known to be disposable" },
	[R_UPDATE_DELETE_WITHOUT_WHERE] = { "update-delete-without-where", W, false,
	                                    "UPDATE or DELETE without WHERE",
	                                    "touches every row in one transaction: long row locks, bloat, a huge WAL "
	                                    "burst on every tenant",
	                                    "backfill in batches (WHERE id BETWEEN ...) from a no-transaction file or "
	                                    "a job, or waive it for a small table" },
	[R_BAN_VACUUM_FULL] = { "ban-vacuum-full", E, false, "VACUUM FULL",
	                        "rewrites the table under an ACCESS EXCLUSIVE lock (and cannot run in a transaction)",
	                        "plain VACUUM, or pg_repack / pg_squeeze outside migrations" },
	[R_BAN_CLUSTER] = { "ban-cluster", E, false, "CLUSTER",
	                    "rewrites the table under an ACCESS EXCLUSIVE lock for the whole sort",
	                    "pg_repack outside migrations, or accept the physical order" },
	[R_BAN_LOCK_TABLE] = { "ban-lock-table", W, false, "LOCK TABLE",
	                       "holds a heavy lock until the migration commits, queueing every query behind it",
	                       "rely on the locks statements take, bounded by the policy's lock_timeout" },
	[R_ADDING_ENUM_VALUE] = { "adding-enum-value", W, false,
	                          "ALTER TYPE ... ADD VALUE followed by more statements in a transactional file",
	                          "the new value cannot be used until the transaction commits, and an enum value "
	                          "can never be removed",
	                          "add the value in its own file (or last in it) and use it in a later migration" },
	[R_PREFER_TIMESTAMPTZ] = { "prefer-timestamptz", W, false, "a column of type timestamp (without time zone)",
	                           "the value's time zone is lost; mixed-zone writers store wrong instants",
	                           "timestamptz (timestamp with time zone)" },
	[R_BAN_CHAR_FIELD] = { "ban-char-field", W, false, "a column of type char(n)",
	                       "pads with spaces, is no faster than text, and changing its length rewrites the table",
	                       "text, or varchar(n), or text with a CHECK (length(col) <= n)" },
	[R_PREFER_BIGINT_ID] = { "prefer-bigint-id", W, false,
	                         "an integer/smallint/serial id or primary key column",
	                         "a 32-bit id runs out at 2,147,483,647 rows, and widening it later rewrites the table "
	                         "and every referencing one",
	                         "bigint (bigint GENERATED ALWAYS AS IDENTITY, or bigserial)" },
};

const pgf_lint_rule *pgf_lint_rules(size_t *n)
{
	*n = R_NRULES;
	return rules;
}

const pgf_lint_rule *pgf_lint_rule_find(const char *id, size_t *index)
{
	for (size_t i = 0; i < R_NRULES; i++) {
		if (strcmp(rules[i].id, id) == 0) {
			if (index != NULL)
				*index = i;
			return &rules[i];
		}
	}
	return NULL;
}

const char *pgf_lint_rule_suggest(const char *id)
{
	const char *ids[R_NRULES];
	for (size_t i = 0; i < R_NRULES; i++)
		ids[i] = rules[i].id;
	return pgf_suggest(id, ids, R_NRULES);
}

int pgf_lint_severity_parse(const char *s)
{
	if (strcmp(s, "off") == 0)
		return PGF_LINT_OFF;
	if (strcmp(s, "warning") == 0)
		return PGF_LINT_WARNING;
	if (strcmp(s, "error") == 0)
		return PGF_LINT_ERROR;
	return -1;
}

const char *pgf_lint_severity_name(pgf_lint_severity s)
{
	return s == PGF_LINT_ERROR ? "error" : s == PGF_LINT_WARNING ? "warning" : "off";
}
