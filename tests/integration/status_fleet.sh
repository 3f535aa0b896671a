#!/usr/bin/env bash
# Integration: status's fleet summary. Per scope, databases per version,
# pending, skipped, failed (with the last failure), and the last run from the
# ledger; --json under "fleet", and a text block.
set -euo pipefail
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/fleet_test.sh"

fleet_init stfl
T=migrations/tenant

t_begin "status --json: per-scope versions, pending, skipped and failed, and the ledger's last run"
fleet_new st
fleet_write $T/0001_wells.sql $'CREATE TABLE wells (id int PRIMARY KEY);\n'
fleet_commit "wells" >/dev/null
fleet_master_up
for s in t1 t2 t3 t4; do fleet_tenant "$s"; done
fleet_tenant legacy "host=/nonexistent dbname=legacy" MYSQL
pgf reconcile --jobs 4
assert_rc 0
fleet_write $T/0002_equipment.sql $'CREATE TABLE equipment (id int PRIMARY KEY);\n'
sha2=$(fleet_commit "equipment")
sqlx "$(fleet_tenant_db t3)" "CREATE TABLE equipment (x int)"
pgf reconcile --jobs 4
assert_rc 1
fleet_tenant t5
pgf status --json
assert_rc 0
j=$OUT
tenant='.fleet.scopes[] | select(.scope == "tenant")'
assert_eq "$(jq -c "$tenant | .versions" <<<"$j")" '{"0002":3,"0001":1,"none":1}' "databases per version, highest first"
assert_eq "$(jq -c "$tenant | [.databases, .pending, .pending_migrations, .skipped]" <<<"$j")" '[5,2,3,1]' \
	"databases, with pending, pending migrations, skipped"
assert_eq "$(jq -c "[$tenant | .failed[] | .target]" <<<"$j")" '["t3"]' "failed"
[[ $(jq -r "$tenant | .failed[0].last_failure" <<<"$j") == *'relation "equipment" already exists'* ]] ||
	fail "t3's last failure: $(jq -c "$tenant | .failed" <<<"$j")"
assert_eq "$(jq -c '.fleet.scopes[] | select(.scope == "master") | [.databases, .versions, .failed]' <<<"$j")" \
	'[1,{"0001":1},[]]' "master scope"
assert_eq "$(jq -c '.fleet.last_run | [.command, .commit, .outcome, .counts.changed, .counts.up_to_date, .counts.failed, .counts.skipped]' <<<"$j")" \
	"[\"reconcile\",\"$sha2\",\"incomplete\",3,1,1,1]" "the last run"
entry=$(jq -r '.fleet.last_run.entry' <<<"$j")
assert_eq "$(sqlv "$FLEET_MASTER_DB" "select body::json->>'kind' || ' ' || (body::json->>'time') from pgfleet.ledger where seq = $entry")" \
	"run_started $(jq -r '.fleet.last_run.started_at' <<<"$j")" "last_run.entry is the run's run_started entry"
[[ $(jq -r '.fleet.last_run.finished_at' <<<"$j") > $(jq -r '.fleet.last_run.started_at' <<<"$j") ]] ||
	fail "finished_at after started_at"
# the text block
pgf status
assert_rc 0
assert_out_contains "fleet tenant: 5 databases: 0002 x3, 0001 x1, none x1; 2 with pending (3 migrations); 1 skipped; 1 failed: t3"
assert_out_contains "fleet master: 1 database: 0001 x1; 0 with pending (0 migrations); 0 failed"
assert_out_contains "fleet last run: reconcile of ${sha2:0:12} (ledger entry $entry) finished "
assert_out_contains ": incomplete; 3 changed, 1 up to date, 1 skipped, 0 busy, 0 refused, 1 failed"
# with --shard, the summary covers the shard: the two halves add up
a=$(pgf status --shard 0/2 --json && jq "$tenant | .databases" <<<"$OUT")
b=$(pgf status --shard 1/2 --json && jq "$tenant | .databases" <<<"$OUT")
assert_eq "$((a + b))" 5 "databases over shards 0/2 and 1/2"
t_done

t_begin "status without a ledger: last_run is null"
fleet_new nl
fleet_write $T/0001_wells.sql $'CREATE TABLE wells (id int PRIMARY KEY);\n'
fleet_commit "wells" >/dev/null
run "$PGFLEET" --repo "$FLEET_REPO" --master "$FLEET_MASTER" reconcile --no-ledger
assert_rc 0
fleet_tenant n1
pgf status --json
assert_rc 0
assert_eq "$(jq -c '.fleet.last_run' <<<"$OUT")" null "no ledger, no last run"
assert_eq "$(jq -c '.fleet.scopes[] | select(.scope == "tenant") | .versions' <<<"$OUT")" '{"none":1}' "n1 has nothing applied"
pgf status
assert_out_contains "fleet last run: none recorded in pgfleet.ledger"
t_done

t_finish
