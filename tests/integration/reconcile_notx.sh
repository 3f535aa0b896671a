#!/usr/bin/env bash
# Integration: how files run. `-- pgfleet:no-transaction` files (CREATE INDEX
# CONCURRENTLY) run statement by statement; one failing half way is recorded
# as partial and the next reconcile resumes at the failed statement. A
# transactional file that commits or begins a transaction itself is refused.
set -euo pipefail
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/fleet_test.sh"

fleet_init rcnt
T=migrations/tenant

# "version status statements_done" of one version
row() { sqlv "$1" "select version || ' ' || status || ' ' || coalesce(statements_done::text, 'null')
	from pgfleet.applied_migrations where scope = 'tenant' and version = '$2'"; }
index_valid() { sqlv "$1" "select coalesce((select case when indisvalid then 't' else 'f' end from pg_index where indexrelid = to_regclass('public.$2')), 'absent')"; }

fleet_new nt
fleet_write $T/0001_items.sql $'CREATE TABLE settings (key text PRIMARY KEY, value text NOT NULL);\nCREATE TABLE items (id int PRIMARY KEY, name text NOT NULL);\nINSERT INTO items SELECT g, \'item \' || g FROM generate_series(1, 500) g;\n'
fleet_write $T/0002_items_name_idx.sql $'-- pgfleet:no-transaction\n-- built without blocking writes\nCREATE INDEX CONCURRENTLY items_name_idx ON items (name);\n'
C1=$(fleet_commit "items and a concurrent index")
fleet_master_up
fleet_tenant alpha
adb=$FLEET_DB
fleet_tenant beta
bdb=$FLEET_DB

t_begin "a no-transaction file with CREATE INDEX CONCURRENTLY is applied and the index is valid"
pgf reconcile --jobs 4
assert_rc 0
for db in "$adb" "$bdb"; do
	assert_eq "$(index_valid "$db" items_name_idx)" t "items_name_idx valid in $db"
	assert_eq "$(applied "$db")" "0001:applied 0002:applied" "applied in $db"
	assert_eq "$(sqlv "$db" "select sha256 || ' ' || commit from pgfleet.applied_migrations where version = '0002'")" \
		"$(sha_of "$FLEET_REPO/$T/0002_items_name_idx.sql") $C1" "0002's sha256 and commit in $db"
	assert_eq "$(sqlv "$db" "select count(*) from pgfleet.history where action = 'apply' and version = '0002'")" 1 "0002's history in $db"
done
assert_out_contains "alpha tenant: applied 2 (none -> 0002)"
t_done

t_begin "a no-transaction file failing at statement 2 of 3 is partial and resumes at statement 2"
# beta's settings table drifted (column val): statement 2 fails there only.
# Statement 1 has no IF NOT EXISTS: running it again would fail differently.
sqlx "$bdb" "ALTER TABLE settings RENAME COLUMN value TO val"
fleet_write $T/0003_parts.sql $'-- pgfleet:no-transaction\nCREATE TABLE parts (id int PRIMARY KEY, code text NOT NULL);\nINSERT INTO settings (key, value) VALUES (\'parts\', \'on\');\nCREATE INDEX CONCURRENTLY parts_code_idx ON parts (code);\n'
C2=$(fleet_commit "parts, in three statements")
pgf reconcile --jobs 4
assert_rc 1
assert_out_contains "alpha tenant: applied 1 (0002 -> 0003)"
assert_out_contains "beta tenant: failed"
assert_out_contains "migrations/tenant/0003_parts.sql:3: ERROR: column \"value\" of relation \"settings\" does not exist"
assert_out_contains "statement 2 of 3 failed"
assert_eq "$(row "$adb" 0003)" "0003 applied 3" "alpha's row"
assert_eq "$(index_valid "$adb" parts_code_idx)" t "parts_code_idx in alpha"
assert_eq "$(row "$bdb" 0003)" "0003 partial 1" "beta's row after statement 2 failed"
assert_eq "$(has_table "$bdb" parts)" t "statement 1 took effect in beta"
assert_eq "$(sqlv "$bdb" "select commit from pgfleet.applied_migrations where version = '0003'")" "$C2" "partial row's commit"
assert_eq "$(sqlv "$bdb" "select count(*) || ' ' || bool_and(error like '%0003_parts.sql:3:%') from pgfleet.history where action = 'failed' and version = '0003'")" "1 true" "beta's failure in history"
pgf plan
assert_out_contains "beta tenant: 1 pending after 0002: 0003_parts.sql"
assert_out_contains "resume at statement 2"
pgf status
assert_out_contains "beta tenant: version 0002"
assert_out_contains "1 pending, last failure: 0003_parts at "
# not fixed yet: the rerun fails at statement 2 again (not at statement 1, which would say "already exists")
pgf reconcile --jobs 4
assert_rc 1
assert_out_contains "migrations/tenant/0003_parts.sql:3: ERROR: column \"value\" of relation \"settings\" does not exist"
assert_out_not_contains "already exists"
assert_eq "$(row "$bdb" 0003)" "0003 partial 1" "beta's row after a second failure"
# fixed: resumes at statement 2 and completes
sqlx "$bdb" "ALTER TABLE settings RENAME COLUMN val TO value"
pgf reconcile --jobs 4
assert_rc 0
assert_out_contains "beta tenant: applied 1 (0002 -> 0003)"
assert_out_contains "alpha tenant: up to date at 0003"
assert_eq "$(row "$bdb" 0003)" "0003 applied 3" "beta's row after the resume"
assert_eq "$(sqlv "$bdb" "select count(*) from settings where key = 'parts'")" 1 "statement 2 ran once"
assert_eq "$(index_valid "$bdb" parts_code_idx)" t "statement 3's index in beta"
assert_eq "$(sqlv "$bdb" "select string_agg(action, ',' order by id) from pgfleet.history where version = '0003'")" "failed,failed,apply" "beta's history of 0003"
assert_eq "$(applied "$bdb")" "0001:applied 0002:applied 0003:applied" "beta converged"
t_done

t_begin "a transactional file with COMMIT/BEGIN is refused, naming file and line, nothing of it runs"
fleet_write $T/0004_bad_tx.sql $'CREATE TABLE t4 (id int);\nCOMMIT;\nBEGIN;\nCREATE TABLE t4b (id int);\n'
fleet_commit "a file that commits by itself" >/dev/null
h=$(history_count "$adb")
pgf reconcile --jobs 4
[[ $RC == 1 ]] || fail "exit $RC, expected 1"
assert_out_contains "migrations/tenant/0004_bad_tx.sql:2: transaction control"
for db in "$adb" "$bdb"; do
	assert_eq "$(has_table "$db" t4)$(has_table "$db" t4b)" ff "nothing of 0004 ran in $db"
	assert_eq "$(applied "$db")" "0001:applied 0002:applied 0003:applied" "$db stays at 0003"
done
t_done

t_begin "a misspelt directive stops the run before any database is touched (exit 2, did you mean)"
fleet_write $T/0005_typo_idx.sql $'-- pgfleet:no-transation\nCREATE INDEX CONCURRENTLY items_id_name_idx ON items (id, name);\n'
# pgfleet hash refuses it too: committed with the manifest as it was
repo_commit "$FLEET_REPO" "a typo in a directive" >/dev/null
h=$(history_count "$adb")
pgf reconcile --jobs 4
assert_rc 2
assert_err_contains "0005_typo_idx.sql"
assert_err_contains "no-transaction"
assert_eq "$(history_count "$adb")" "$h" "alpha's history"
assert_eq "$(index_valid "$adb" items_id_name_idx)" absent "the index"
t_done

# The README's own recovery story: a CREATE UNIQUE INDEX CONCURRENTLY fails on
# duplicates (the server gives no error position) and leaves an INVALID index;
# the operator fixes the data, drops the index and reruns.
t_begin "a failed CREATE UNIQUE INDEX CONCURRENTLY is partial at statement 1; after the fix it completes"
fleet_new np
fleet_write $T/0001_codes.sql $'CREATE TABLE codes (id int PRIMARY KEY, code text NOT NULL);\n'
fleet_commit "codes" >/dev/null
fleet_master_up
fleet_tenant gamma
gdb=$FLEET_DB
pgf reconcile
assert_rc 0
sqlx "$gdb" "INSERT INTO codes VALUES (1, 'a'), (2, 'b'), (3, 'a')"
fleet_write $T/0002_codes_unique.sql $'-- pgfleet:no-transaction\n-- unique without blocking writes\nCREATE UNIQUE INDEX CONCURRENTLY codes_code_key ON codes (code);\nALTER TABLE codes ADD CONSTRAINT codes_code_unique UNIQUE USING INDEX codes_code_key;\n'
fleet_commit "codes unique" >/dev/null
pgf reconcile
assert_rc 1
np_out=$OUT # its line number is checked last
assert_out_contains "gamma tenant: failed"
assert_out_contains "0002_codes_unique.sql"
assert_out_contains "could not create unique index \"codes_code_key\""
assert_out_contains "statement 1 of 2 failed"
assert_eq "$(row "$gdb" 0002)" "0002 partial 0" "gamma's row"
assert_eq "$(index_valid "$gdb" codes_code_key)" f "the INVALID index left behind"
sqlx "$gdb" "DELETE FROM codes WHERE id = 3; DROP INDEX codes_code_key"
pgf reconcile
assert_rc 0
assert_out_contains "gamma tenant: applied 1 (0001 -> 0002)"
assert_eq "$(row "$gdb" 0002)" "0002 applied 2" "gamma's row after the fix"
assert_eq "$(sqlv "$gdb" "select count(*) from pg_constraint where conname = 'codes_code_unique'")" 1 "the constraint"
t_done

np_report() {
	# pgfleet split the file itself: it knows statement 1 starts on line 3. The
	# server's DETAIL says which key is duplicated: the operator needs it.
	local problems=""
	[[ $np_out == *"migrations/tenant/0002_codes_unique.sql:3: ERROR: could not create unique index"* ]] ||
		problems+=$'\n#   expected "migrations/tenant/0002_codes_unique.sql:3: ERROR: could not create unique index ..." (file:line)'
	[[ $np_out == *"Key (code)=(a) is duplicated."* ]] ||
		problems+=$'\n#   expected the server\'s detail "Key (code)=(a) is duplicated." (replaced by pgfleet\'s own detail)'
	[[ $np_out == *"statement 1 of 2 failed"* ]] || problems+=$'\n#   expected "statement 1 of 2 failed"'
	[[ -z $problems ]] || fail "reconcile's report of the failed CREATE UNIQUE INDEX CONCURRENTLY:$problems"$'\n'"$np_out"
	t_done
}
t_leaf "a no-transaction statement failing without a server position is reported at its line, with the server's detail" np_report

t_leaf_finish
