#!/usr/bin/env bash
# Integration: pgfleet's advisory lock. A database whose lock another session
# holds past advisory_lock_wait is reported busy while the others converge;
# two reconcilers started at once apply each version exactly once.
set -euo pipefail
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/fleet_test.sh"

fleet_init rclk
T=migrations/tenant
LOCK_APP=rclk_$$_holder
policy=$(tmpdir_new)
echo '{"timeouts": {"advisory_lock_wait": "1s"}}' >"$policy/wait1s.json"
echo '{"timeouts": {"advisory_lock_wait": "30s"}}' >"$policy/wait30s.json"

# Ends the session holding the lock (its psql then exits by itself).
release_lock() {
	PGUSER=$FLEET_ADMIN pgc_psql -d postgres -At \
		-c "select pg_terminate_backend(pid) from pg_stat_activity where application_name = '$LOCK_APP'" >/dev/null 2>&1 || true
}

t_begin "a tenant whose lock is held elsewhere is reported busy after advisory_lock_wait; the others converge"
fleet_new lk
fleet_write $T/0001_wells.sql $'CREATE TABLE wells (id int PRIMARY KEY);\n'
fleet_commit "wells" >/dev/null
fleet_master_up
for s in t1 t2 t3; do fleet_tenant "$s"; done
t2db=$(fleet_tenant_db t2)
cleanup_add release_lock
PGAPPNAME=$LOCK_APP pgc_psql -d "$t2db" -c "select pg_advisory_lock(1885824628, 1), pg_sleep(30)" >/dev/null 2>&1 &
holder=$!
cleanup_add "kill $holder 2>/dev/null || true"
for _ in $(seq 1 100); do
	held=$(sqlv "$t2db" "select count(*) from pg_locks l join pg_database d on d.oid = l.database
		where l.locktype = 'advisory' and l.classid = 1885824628 and l.objid = 1 and l.objsubid = 2
		and l.granted and d.datname = current_database()")
	[[ $held == 1 ]] && break
	sleep 0.1
done
assert_eq "$held" 1 "the other session holds pgfleet's lock on t2"
start=$SECONDS
pgf reconcile --jobs 4 --policy "$policy/wait1s.json"
elapsed=$((SECONDS - start))
assert_rc 1
assert_out_contains "t2 tenant: busy"
assert_out_contains "t1 tenant: applied 1 (none -> 0001)"
assert_out_contains "t3 tenant: applied 1 (none -> 0001)"
assert_out_contains "2 applied, 1 up to date, 0 skipped, 1 busy, 0 refused, 0 failed"
((elapsed < 15)) || fail "busy took ${elapsed}s with advisory_lock_wait 1s"
assert_eq "$(applied "$t2db")" "" "nothing applied in the busy tenant"
assert_eq "$(has_table "$t2db" wells)" f "wells in the busy tenant"
for s in t1 t3; do assert_eq "$(applied "$(fleet_tenant_db "$s")")" "0001:applied" "$s"; done
pgf reconcile --jobs 4 --policy "$policy/wait1s.json" --json
assert_rc 1
python3 -c '
import json, sys
r = json.load(sys.stdin)
t = {x["target"]: x for x in r["targets"]}
assert t["t2"]["outcome"] == "busy", t["t2"]
assert r["summary"]["busy"] == 1 and r["exit_code"] == 1, r["summary"]
' <<<"$OUT" || fail "reconcile --json reports t2 busy"
release_lock
wait "$holder" 2>/dev/null || true
pgf reconcile --jobs 4 --policy "$policy/wait1s.json"
assert_rc 0
assert_out_contains "t2 tenant: applied 1 (none -> 0001)"
assert_eq "$(applied "$t2db")" "0001:applied" "t2 after the lock is released"
t_done

t_begin "two reconcilers at once apply each version exactly once per database"
fleet_new cc
fleet_write $T/0001_wells.sql $'CREATE TABLE wells (id int PRIMARY KEY);\n'
fleet_write $T/0002_slow.sql $'CREATE TABLE equipment (id int PRIMARY KEY);\nSELECT pg_sleep(0.3);\n'
fleet_write $T/0003_readings.sql $'CREATE TABLE readings (id int PRIMARY KEY);\n'
fleet_commit "three migrations, one slow" >/dev/null
fleet_master_up
cc=(c1 c2 c3 c4 c5)
for s in "${cc[@]}"; do fleet_tenant "$s"; done
outs=$(tmpdir_new)
"$PGFLEET" --repo "$FLEET_REPO" --master "$FLEET_MASTER" reconcile --key "$FLEET_KEY" --jobs 4 --policy "$policy/wait30s.json" >"$outs/a.out" 2>"$outs/a.err" &
pa=$!
"$PGFLEET" --repo "$FLEET_REPO" --master "$FLEET_MASTER" reconcile --key "$FLEET_KEY" --jobs 4 --policy "$policy/wait30s.json" >"$outs/b.out" 2>"$outs/b.err" &
pb=$!
ra=0 rb=0
wait "$pa" || ra=$?
wait "$pb" || rb=$?
OUT=$(cat "$outs/a.out" "$outs/b.out")
# shellcheck disable=SC2034 # ERR and RC are shown by fail
{
	ERR=$(cat "$outs/a.err" "$outs/b.err")
	RC="$ra,$rb"
}
assert_eq "$ra,$rb" "0,0" "exit codes of the two reconcilers"
for s in "${cc[@]}"; do
	db=$(fleet_tenant_db "$s")
	assert_eq "$(sqlv "$db" "select string_agg(version || 'x' || n, ' ' order by version) from
		(select version, count(*) n from pgfleet.history where action = 'apply' group by version) h")" \
		"0001x1 0002x1 0003x1" "apply rows per version in $s"
	assert_eq "$(history_count "$db" failed)" 0 "failures in $s"
	assert_eq "$(applied "$db")" "0001:applied 0002:applied 0003:applied" "$s"
	assert_eq "$(grep -c "^$s tenant: applied 3 (none -> 0003)" <<<"$OUT")" 1 "$s applied by exactly one reconciler"
	assert_eq "$(grep -c "^$s tenant: up to date at 0003" <<<"$OUT")" 1 "$s up to date for the other"
done
assert_eq "$(sqlv "$FLEET_MASTER_DB" "select count(*) from pgfleet.history where action = 'apply'")" 1 "master's apply rows"
# both wrote one linear chain (each checks the head it signed against and
# re-reads it when the other moved it): one applied entry per version and
# database, and the ledger agrees with every database
assert_eq "$(sqlv "$FLEET_MASTER_DB" "select count(*) from pgfleet.ledger where body::json->>'kind' = 'applied'")" \
	16 "applied entries (5 tenants x 3 versions + master)"
assert_eq "$(sqlv "$FLEET_MASTER_DB" "select count(*) from (select 1 from pgfleet.ledger
	where body::json->>'kind' = 'applied' group by body::json->>'target', body::json->>'version' having count(*) > 1) d")" \
	0 "versions recorded applied twice"
assert_eq "$(sqlv "$FLEET_MASTER_DB" "select count(*) from pgfleet.ledger_open_intents")" 0 "open intents"
ledger_trust "$outs/trust" "$FLEET_KEY"
lg verify --trust "$outs/trust" --with-state
assert_rc 0
t_done

t_begin "the policy's lock_timeout and statement_timeout bound each migration"
fleet_new to
fleet_write $T/0001_wells.sql $'CREATE TABLE wells (id int PRIMARY KEY);\n'
fleet_commit "wells" >/dev/null
fleet_master_up
fleet_tenant t1
t1db=$FLEET_DB
fleet_tenant t2
t2db=$FLEET_DB
pgf reconcile --jobs 4
assert_rc 0
echo '{"timeouts": {"lock_timeout": "500ms", "statement_timeout": "1s"}}' >"$policy/short.json"
PGAPPNAME=$LOCK_APP pgc_psql -d "$t1db" -c "begin; lock table wells in access share mode; select pg_sleep(30)" >/dev/null 2>&1 &
holder=$!
cleanup_add "kill $holder 2>/dev/null || true"
for _ in $(seq 1 100); do
	held=$(sqlv "$t1db" "select count(*) from pg_locks where relation = 'wells'::regclass and mode = 'AccessShareLock' and granted and pid <> pg_backend_pid()")
	[[ $held == 1 ]] && break
	sleep 0.1
done
assert_eq "$held" 1 "another session holds a lock on t1's wells"
fleet_write $T/0002_wells_depth.sql $'ALTER TABLE wells ADD COLUMN depth int;\n'
fleet_commit "depth" >/dev/null
start=$SECONDS
pgf reconcile --jobs 4 --policy "$policy/short.json"
elapsed=$((SECONDS - start))
assert_rc 1
assert_out_contains "t1 tenant: failed"
assert_out_contains "canceling statement due to lock timeout"
assert_out_contains "t2 tenant: applied 1 (0001 -> 0002)"
((elapsed < 5)) || fail "a lock_timeout of 500ms took ${elapsed}s (the default is 5s)"
assert_eq "$(applied "$t1db")" "0001:applied" "t1 stays at 0001"
release_lock
wait "$holder" 2>/dev/null || true
fleet_write $T/0003_slow.sql $'SELECT pg_sleep(5);\nCREATE TABLE after_sleep (id int);\n'
fleet_commit "slow" >/dev/null
pgf reconcile --jobs 4 --policy "$policy/short.json"
assert_rc 1
assert_out_contains "t1 tenant: failed after applying 0002"
assert_out_contains "t2 tenant: failed"
assert_out_contains "migrations/tenant/0003_slow.sql"
assert_out_contains "canceling statement due to statement timeout"
for db in "$t1db" "$t2db"; do
	assert_eq "$(applied "$db")" "0001:applied 0002:applied" "$db at 0002"
	assert_eq "$(has_table "$db" after_sleep)" f "0003 rolled back in $db"
done
t_done

t_finish
