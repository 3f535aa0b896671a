#!/usr/bin/env bash
# Integration: plan, reconcile and status on a real fleet (a master and tenant
# databases on a throwaway PostgreSQL, migrations from real git commits):
# fresh apply, no-op rerun, a new commit, a failing tenant, checksum mismatch,
# unknown and out-of-order versions, skipped/deleted/unreachable tenants,
# credentials never shown, master errors and exit codes, status --json.
# Each outcome is checked in the databases themselves, not only in the output.
# Transactions, locks, rollback and drizzle adoption: reconcile_*.sh.
set -euo pipefail
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/fleet_test.sh"

fleet_init rc
fleet_new main
R=$FLEET_REPO
T=migrations/tenant

# "version sha256 commit status" of each applied tenant version, one a line.
rows() {
	sqlv "$1" "select version || ' ' || sha256 || ' ' || commit || ' ' || status
		from pgfleet.applied_migrations where scope = '${2:-tenant}' order by version"
}
row_of() { # FILE COMMIT -> the row expected for a transactional file
	local f=$1 v
	v=$(basename "$f")
	echo "${v%%_*} $(sha_of "$f") $2 applied"
}

fleet_write $T/0001_settings.sql $'-- per-tenant settings\nCREATE TABLE IF NOT EXISTS settings (key text PRIMARY KEY, value text NOT NULL);\n'
fleet_write $T/0002_wells.sql $'CREATE TABLE wells (\n  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n  name text NOT NULL\n);\n'
C1=$(fleet_commit "tenant 0001 and 0002")

t_begin "plan lists pending files and changes nothing; reconcile applies master and 3 tenants"
fleet_master_up
assert_out_contains "master master: applied 1 (none -> 0001)"
assert_eq "$(rows "$FLEET_MASTER_DB" master)" "$(row_of "$R/migrations/master/0001_create_tenants.sql" "$C1")" "master's row"
tenants=(acme globex initech)
for s in "${tenants[@]}"; do fleet_tenant "$s"; done
pgf plan --jobs 4
assert_rc 0
for s in "${tenants[@]}"; do
	assert_out_contains "$s tenant: 2 pending after none: 0001_settings.sql 0002_wells.sql"
	db=$(fleet_tenant_db "$s")
	assert_eq "$(sqlv "$db" "select count(*) from pg_namespace where nspname = 'pgfleet'")" 0 "plan created schema pgfleet in $s"
	assert_eq "$(has_table "$db" settings)" f "plan created settings in $s"
done
assert_out_contains "master master: up to date at 0001"
pgf status --jobs 4
assert_rc 0
for s in "${tenants[@]}"; do
	assert_out_contains "$s tenant: version none, last applied never, 2 pending"
	assert_eq "$(sqlv "$(fleet_tenant_db "$s")" "select count(*) from pg_namespace where nspname = 'pgfleet'")" 0 "status created schema pgfleet in $s"
done
pgf reconcile --jobs 4
assert_rc 0
assert_out_contains "reconcile: 4 targets: 3 applied, 1 up to date, 0 skipped, 0 busy, 0 refused, 0 failed"
want=$(row_of "$R/$T/0001_settings.sql" "$C1")$'\n'$(row_of "$R/$T/0002_wells.sql" "$C1")
for s in "${tenants[@]}"; do
	assert_out_contains "$s tenant: applied 2 (none -> 0002)"
	db=$(fleet_tenant_db "$s")
	assert_eq "$(has_table "$db" settings)$(has_table "$db" wells)" tt "tables in $s"
	assert_eq "$(rows "$db")" "$want" "applied_migrations in $s (version, sha256sum, full commit, status)"
	assert_eq "$(history_count "$db" apply)" 2 "history apply rows in $s"
	assert_eq "$(sqlv "$db" "select value from pgfleet.meta where key = 'schema_version'")" 4 "schema_version in $s"
	assert_eq "$(sqlv "$db" "select count(*) from pgfleet.applied_migrations where scope = 'master'")" 0 "master rows in tenant $s"
done
assert_eq "$(sqlv "$FLEET_MASTER_DB" "select count(*) from pgfleet.applied_migrations where scope = 'tenant'")" 0 "tenant rows in master"
t_done

t_begin "a rerun at the same commit is a no-op"
declare -A hist
for s in "${tenants[@]}"; do hist[$s]=$(history_count "$(fleet_tenant_db "$s")"); done
mhist=$(history_count "$FLEET_MASTER_DB")
pgf reconcile --jobs 4
assert_rc 0
assert_out_contains "master master: up to date at 0001"
for s in "${tenants[@]}"; do
	assert_out_contains "$s tenant: up to date at 0002"
	assert_eq "$(history_count "$(fleet_tenant_db "$s")")" "${hist[$s]}" "history rows in $s after a no-op"
done
assert_eq "$(history_count "$FLEET_MASTER_DB")" "$mhist" "history rows in master after a no-op"
assert_out_contains "0 applied, 4 up to date"
t_done

t_begin "a migration added by a second commit is applied everywhere"
fleet_write $T/0004_equipment.sql $'CREATE TABLE equipment (\n  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n  well_id bigint NOT NULL REFERENCES wells (id),\n  kind text NOT NULL\n);\n'
C2=$(fleet_commit "tenant 0004")
pgf reconcile --jobs 4
assert_rc 0
want+=$'\n'$(row_of "$R/$T/0004_equipment.sql" "$C2")
for s in "${tenants[@]}"; do
	assert_out_contains "$s tenant: applied 1 (0002 -> 0004)"
	db=$(fleet_tenant_db "$s")
	assert_eq "$(has_table "$db" equipment)" t "equipment in $s"
	assert_eq "$(rows "$db")" "$want" "applied_migrations in $s"
	assert_eq "$(history_count "$db" apply)" 3 "history apply rows in $s"
done
t_done

t_begin "a migration failing in one tenant rolls back there, names file:line, others converge"
# umbrella's settings table drifted (column val, not value): 0001's CREATE IF
# NOT EXISTS passes, 0005's INSERT on line 3 fails there only.
fleet_tenant umbrella
udb=$FLEET_DB
sqlx "$udb" "CREATE TABLE settings (key text PRIMARY KEY, val text)"
fleet_write $T/0005_gadgets.sql $'CREATE TABLE gadgets (id bigint PRIMARY KEY, name text NOT NULL);\n-- gadgets are on by default\nINSERT INTO settings (key, value) VALUES (\'gadgets\', \'on\');\n'
C3=$(fleet_commit "tenant 0005")
pgf reconcile --jobs 4
assert_rc 1
assert_out_contains "umbrella tenant: failed after applying 0004"
assert_out_contains "migrations/tenant/0005_gadgets.sql:3: ERROR: column \"value\" of relation \"settings\" does not exist"
assert_out_contains "3 applied, 1 up to date, 0 skipped, 0 busy, 0 refused, 1 failed"
assert_eq "$(applied "$udb")" "0001:applied 0002:applied 0004:applied" "umbrella stays at its previous version"
assert_eq "$(has_table "$udb" gadgets)" f "gadgets (0005's first statement) rolled back in umbrella"
assert_eq "$(has_table "$udb" equipment)" t "umbrella's earlier files applied"
assert_eq "$(history_count "$udb" failed)" 1 "failure recorded in umbrella's history"
assert_eq "$(sqlv "$udb" "select version || ' ' || (error like '%0005_gadgets.sql:3:%') from pgfleet.history where action = 'failed'")" "0005 true" "failure row"
for s in "${tenants[@]}"; do
	db=$(fleet_tenant_db "$s")
	assert_out_contains "$s tenant: applied 1 (0004 -> 0005)"
	assert_eq "$(applied "$db")" "0001:applied 0002:applied 0004:applied 0005:applied" "$s at the new version"
	assert_eq "$(sqlv "$db" "select value from settings where key = 'gadgets'")$(has_table "$db" gadgets)" "ont" "0005 took effect in $s"
done
t_done

t_begin "status shows versions, pending counts and the last failure (text and --json)"
pgf status --jobs 4
[[ $RC == 0 || $RC == 1 ]] || fail "status exit $RC"
assert_out_contains "umbrella tenant: version 0004, last applied "
assert_out_contains ", 1 pending, last failure: 0005_gadgets at "
assert_out_contains "migrations/tenant/0005_gadgets.sql:3: ERROR: column \"value\""
assert_out_contains "acme tenant: version 0005, last applied "
pgf status --json --jobs 4
[[ $RC == 0 || $RC == 1 ]] || fail "status --json exit $RC"
python3 -c '
import json, sys
r = json.load(sys.stdin)
assert r["command"] == "status", r["command"]
assert r["commit"] == sys.argv[1], r["commit"]
t = {x["target"]: x for x in r["targets"]}
assert sorted(t) == ["acme", "globex", "initech", "master", "umbrella"], sorted(t)
for name, version, pending in [("master", "0001", 0), ("acme", "0005", 0), ("globex", "0005", 0),
                               ("initech", "0005", 0), ("umbrella", "0004", 1)]:
    s = t[name]["scopes"]
    assert len(s) == 1, s
    assert (s[0]["version"], s[0]["pending"]) == (version, pending), (name, s[0])
u = t["umbrella"]["scopes"][0]
assert "0005_gadgets.sql:3:" in u.get("last_failure", ""), u
assert "last_failure" not in t["acme"]["scopes"][0], t["acme"]
assert t["umbrella"]["master"] is False and t["master"]["master"] is True
' "$C3" <<<"$OUT" || fail "status --json"
# fixed by hand, the next run converges it and the failure is history
sqlx "$udb" "ALTER TABLE settings RENAME COLUMN val TO value"
pgf reconcile --jobs 4
assert_rc 0
assert_out_contains "umbrella tenant: applied 1 (0004 -> 0005)"
assert_eq "$(applied "$udb")" "0001:applied 0002:applied 0004:applied 0005:applied" "umbrella converged"
pgf status --jobs 4
assert_rc 0
assert_out_contains "umbrella tenant: version 0005, last applied "
assert_out_not_contains "last failure"
t_done

t_begin "a checksum mismatch refuses that tenant, the others are fine"
gdb=$(fleet_tenant_db globex)
good=$(sqlv "$gdb" "select sha256 from pgfleet.applied_migrations where scope = 'tenant' and version = '0002'")
sqlx "$gdb" "UPDATE pgfleet.applied_migrations SET sha256 = repeat('0', 64) WHERE scope = 'tenant' AND version = '0002'"
h=$(history_count "$gdb")
pgf reconcile --jobs 4
assert_rc 1
assert_out_contains "globex tenant: refused"
assert_out_contains "migrations/tenant/0002_wells.sql: checksum mismatch"
assert_out_contains "0 applied, 4 up to date, 0 skipped, 0 busy, 1 refused, 0 failed"
assert_out_contains "acme tenant: up to date at 0005"
assert_eq "$(history_count "$gdb")" "$h" "history of the refused tenant"
pgf plan
assert_rc 1
assert_out_contains "globex tenant: refused"
sqlx "$gdb" "UPDATE pgfleet.applied_migrations SET sha256 = '$good' WHERE scope = 'tenant' AND version = '0002'"
pgf reconcile --jobs 4
assert_rc 0
t_done

t_begin "an unknown applied version is refused; --allow-unknown proceeds"
idb=$(fleet_tenant_db initech)
sqlx "$idb" "INSERT INTO pgfleet.applied_migrations (scope, version, name, sha256, commit)
	VALUES ('tenant', '0099', 'from_the_future', repeat('a', 64), repeat('b', 40))"
pgf reconcile --jobs 4
assert_rc 1
assert_out_contains "initech tenant: refused"
assert_out_contains "version 0099 (from_the_future) is applied but absent from the commit"
assert_out_contains "acme tenant: up to date at 0005"
pgf reconcile --jobs 4 --allow-unknown
assert_rc 0
assert_out_contains "initech tenant: up to date"
assert_out_contains "0 refused, 0 failed"
sqlx "$idb" "DELETE FROM pgfleet.applied_migrations WHERE version = '0099'"
t_done

t_begin "a version below the highest applied is refused as out of order; the policy allows it"
fleet_write $T/0003_wells_name_idx.sql $'CREATE INDEX wells_name_idx ON wells (name);\n'
C4=$(fleet_commit "tenant 0003, late")
pgf reconcile --jobs 4
assert_rc 1
for s in "${tenants[@]}" umbrella; do
	assert_out_contains "$s tenant: refused"
	assert_eq "$(applied "$(fleet_tenant_db "$s")")" "0001:applied 0002:applied 0004:applied 0005:applied" "$s unchanged"
done
assert_out_contains "migrations/tenant/0003_wells_name_idx.sql: out of order: version 0003 is pending below applied version 0005"
policy=$(tmpdir_new)/policy.json
echo '{"allow_out_of_order": true}' >"$policy"
pgf reconcile --jobs 4 --policy "$policy" --json
assert_rc 0
ooo_json=$OUT # checked at the end: the version it reports
python3 -c '
import json, sys
r = json.load(sys.stdin)
t = {x["target"]: x["scopes"][0] for x in r["targets"]}
for name in ["acme", "globex", "initech", "umbrella"]:
    assert (t[name]["outcome"], t[name]["done"], t[name]["files"] if "files" in t[name] else None) in \
        [("changed", 1, None), ("changed", 1, "0003_wells_name_idx.sql")], t[name]
' <<<"$OUT" || fail "reconcile --json with allow_out_of_order"
for s in "${tenants[@]}" umbrella; do
	db=$(fleet_tenant_db "$s")
	assert_eq "$(applied "$db")" "0001:applied 0002:applied 0003:applied 0004:applied 0005:applied" "$s with 0003"
	assert_eq "$(sqlv "$db" "select to_regclass('public.wells_name_idx') is not null")" t "wells_name_idx in $s"
	assert_eq "$(sqlv "$db" "select commit from pgfleet.applied_migrations where version = '0003'")" "$C4" "0003's commit in $s"
done
pgf reconcile --jobs 4
assert_rc 0
assert_out_contains "0 applied, 5 up to date"
t_done

t_begin "deleted tenants are skipped silently, non-PostgreSQL ones are reported as skipped"
fleet_tenant hooli "" POSTGRESQL 1
hdb=$FLEET_DB
fleet_tenant umbrella-mysql "mysql://app@db.invalid/umbrella" MYSQL
pgf reconcile --jobs 4
assert_rc 0
assert_out_not_contains "hooli"
assert_out_contains "umbrella-mysql tenant: skipped (database_type MYSQL)"
assert_out_contains "0 applied, 5 up to date, 1 skipped, 0 busy, 0 refused, 0 failed"
assert_eq "$(sqlv "$hdb" "select count(*) from pg_namespace where nspname = 'pgfleet'")" 0 "schema pgfleet in the deleted tenant"
pgf reconcile --jobs 4 --json
assert_rc 0
python3 -c '
import json, sys
r = json.load(sys.stdin)
t = {x["target"]: x for x in r["targets"]}
assert "hooli" not in t, t.keys()
assert t["umbrella-mysql"]["outcome"] == "skipped", t["umbrella-mysql"]
assert r["summary"]["skipped"] == 1 and r["exit_code"] == 0, r["summary"]
' <<<"$OUT" || fail "reconcile --json with skipped tenants"
pgf plan --jobs 4
assert_out_not_contains "hooli"
assert_out_contains "umbrella-mysql tenant: skipped"
pgf reconcile --tenant hooli
assert_rc 0
assert_out_contains "hooli tenant: skipped (deleted)"
assert_eq "$(sqlv "$hdb" "select count(*) from pg_namespace where nspname = 'pgfleet'")" 0 "schema pgfleet in the deleted tenant named by --tenant"
t_done

t_begin "an unreachable tenant fails while the others converge; passwords are never shown"
fleet_tenant offline "host=127.0.0.1 port=1 dbname=x connect_timeout=2"
fleet_tenant secret-url "postgresql://pgfleet:s3cretpw@127.0.0.1:1/x?connect_timeout=2"
fleet_tenant secret-kv "host=127.0.0.1 port=1 dbname=x user=app password=s3cretkv connect_timeout=2"
fleet_tenant secret-bad "postgresql://app:s3cretbad@[::1"
fleet_write $T/0006_notes.sql $'CREATE TABLE notes (id bigint PRIMARY KEY, body text);\n'
C5=$(fleet_commit "tenant 0006")
pgf reconcile --jobs 4
assert_rc 1
assert_out_contains "offline tenant: failed"
assert_out_contains "host=127.0.0.1 port=1 dbname=x"
assert_out_contains "secret-url tenant: failed"
assert_out_contains "secret-kv tenant: failed"
assert_out_contains "secret-bad tenant: failed"
for s in "${tenants[@]}" umbrella; do
	assert_out_contains "$s tenant: applied 1 (0005 -> 0006)"
	assert_eq "$(has_table "$(fleet_tenant_db "$s")" notes)" t "notes in $s"
done
assert_out_contains "4 applied, 1 up to date, 1 skipped, 0 busy, 0 refused, 4 failed"
check_secrets() {
	local w
	for w in s3cretpw s3cretkv s3cretbad; do
		assert_out_not_contains "$w"
		assert_err_not_contains "$w"
	done
}
check_secrets
for args in "reconcile --json" "reconcile --verbose" "plan" "plan --json" "status" "status --json --verbose" \
	"rollback --scope tenant --to 0005 --tenant secret-url --tenant secret-kv --tenant secret-bad --verbose" \
	"adopt --from-drizzle --scope tenant --tenant secret-url --tenant secret-kv --tenant secret-bad --json"; do
	# shellcheck disable=SC2086
	pgf $args
	[[ $RC == 0 || $RC == 1 ]] || fail "$args: exit $RC"
	check_secrets
done
sqlx "$FLEET_MASTER_DB" "UPDATE tenants SET deleted_at = now() WHERE slug IN ('offline', 'secret-url', 'secret-kv', 'secret-bad')"
t_done

t_begin "master unreachable exits 3; no master exits 2; MASTER_DATABASE_URL works"
run "$PGFLEET" --repo "$R" --master "host=127.0.0.1 port=1 dbname=x connect_timeout=2" reconcile --key "$FLEET_KEY"
assert_rc 3
run "$PGFLEET" --repo "$R" --master "postgresql://pgfleet:m4sterpw@127.0.0.1:1/x?connect_timeout=2" reconcile --key "$FLEET_KEY" --json
assert_rc 3
assert_out_not_contains m4sterpw
assert_err_not_contains m4sterpw
run "$PGFLEET" --repo "$R" --master "postgresql://pgfleet:m4sterpw@127.0.0.1:1/x?connect_timeout=2" status
assert_rc 3
assert_err_not_contains m4sterpw
run env -u MASTER_DATABASE_URL "$PGFLEET" --repo "$R" reconcile
assert_rc 2
assert_err_contains "MASTER_DATABASE_URL"
run env MASTER_DATABASE_URL= "$PGFLEET" --repo "$R" status
assert_rc 2
run env MASTER_DATABASE_URL="$(pgc_url "$FLEET_MASTER_DB")" "$PGFLEET" --repo "$R" reconcile --key "$FLEET_KEY" --jobs 4
assert_rc 0
assert_out_contains "0 applied, 5 up to date"
run env MASTER_DATABASE_URL="$(pgc_url "$FLEET_MASTER_DB")" "$PGFLEET" --repo "$R" status
assert_rc 0
assert_out_contains "acme tenant: version 0006"
t_done

t_begin "status --json counts what a new commit leaves pending; an unknown --tenant exits 2"
fleet_write $T/0007_alarms.sql $'CREATE TABLE alarms (id bigint PRIMARY KEY);\n'
C6=$(fleet_commit "tenant 0007")
pgf status --json
assert_rc 0
python3 -c '
import json, sys
r = json.load(sys.stdin)
assert r["commit"] == sys.argv[1], r["commit"]
t = {x["target"]: x for x in r["targets"]}
assert sorted(t) == ["acme", "globex", "initech", "master", "umbrella", "umbrella-mysql"], sorted(t)
for name in ["acme", "globex", "initech", "umbrella"]:
    s = t[name]["scopes"][0]
    assert (s["version"], s["pending"]) == ("0006", 1), (name, s)
    assert "last_failure" not in s, s
    assert s["last_applied_at"], s
m = t["master"]["scopes"][0]
assert (m["scope"], m["version"], m["pending"]) == ("master", "0001", 0), m
assert r["summary"]["changed"] == 4 and r["summary"]["skipped"] == 1, r["summary"]
' "$C6" <<<"$OUT" || fail "status --json after a new commit"
# status and plan at the earlier commit: nothing pending
pgf status --commit "$C5"
assert_rc 0
assert_out_contains "acme tenant: version 0006, last applied "
assert_out_contains ", 0 pending"
pgf status --tenant globex --json
assert_rc 0
python3 -c '
import json, sys
r = json.load(sys.stdin)
assert [x["target"] for x in r["targets"]] == ["globex"], r["targets"]
' <<<"$OUT" || fail "status --tenant globex --json"
for cmd in status reconcile plan; do
	pgf $cmd --tenant acmee
	assert_rc 2
	assert_err_contains "acmee"
	assert_err_contains "did you mean 'acme'"
done
assert_eq "$(applied "$(fleet_tenant_db acme)")" "0001:applied 0002:applied 0003:applied 0004:applied 0005:applied 0006:applied" "acme untouched by the refused --tenant"
t_done

# Independent checks last: each fails alone (t_leaf).
out_of_order_version() {
	python3 -c '
import json, sys
r = json.load(sys.stdin)
t = {x["target"]: x["scopes"][0] for x in r["targets"]}
for name in ["acme", "globex", "initech", "umbrella"]:
    got = (t[name]["version_before"], t[name]["version"])
    if got != ("0005", "0005"):
        sys.exit("%s: version_before, version = %s, expected (0005, 0005): the database is at 0005 (status says so)" % (name, got))
' <<<"$ooo_json" || fail "reconcile --json after an out-of-order apply (the text says \"applied 1 (0005 -> 0003)\")"
	t_done
}
t_leaf "the version reported after an out-of-order apply is the one in effect (0005), not the one applied" out_of_order_version

empty_url() {
	# libpq fills an empty conninfo from its environment and defaults: here
	# PGDATABASE names a decoy database that must stay untouched.
	sqlx "$FLEET_MASTER_DB" "INSERT INTO tenants (slug, name, database_url) VALUES ('empty-url', 'Empty', ''), ('blank-url', 'Blank', '   ')"
	local decoy problems=""
	decoy=$(fleet_db decoy_default)
	run env PGDATABASE="$decoy" "$PGFLEET" --repo "$R" --master "$FLEET_MASTER" reconcile --key "$FLEET_KEY" --tenant empty-url --tenant blank-url
	[[ $RC == 1 ]] || problems+=$'\n#   exit '"$RC"', expected 1 (two tenants did not converge)'
	[[ $OUT != *"empty-url tenant: applied"* && $OUT != *"blank-url tenant: applied"* ]] || problems+=$'\n#   reported as applied'
	[[ $(applied "$decoy") == "" ]] || problems+=$'\n#   tenant migrations were applied to the default database (PGDATABASE): '"$(applied "$decoy")"
	[[ -z $problems ]] || fail "tenants with an empty database_url:$problems"
	t_done
}
t_leaf "a tenant with an empty database_url fails; nothing runs on libpq's default database" empty_url

t_leaf_finish
