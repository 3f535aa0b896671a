#!/usr/bin/env bash
# Integration: anti-rollback in pipeline mode. A pinned reconcile must descend
# from the last commit a pinned run reconciled (read from the ledger), so an
# old, once-approved commit cannot be replayed; --allow-rewind is explicit and
# recorded in the ledger.
set -euo pipefail
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/fleet_test.sh"

fleet_init rw
T=migrations/tenant
d=$(tmpdir_new)
printf '{"require_signed_commit": false, "min_approvals": 0}\n' >"$d/policy.json"
printf '# nothing required by this policy\n' >"$d/allowed_signers"
pinned() { pgf "$1" --pinned --commit "$2" --policy "$d/policy.json" --trust "$d/allowed_signers" "${@:3}"; }

fleet_new rw
fleet_write $T/0001_wells.sql $'CREATE TABLE wells (id int PRIMARY KEY);\n'
A=$(fleet_commit "wells")
fleet_write $T/0002_equipment.sql $'CREATE TABLE equipment (id int PRIMARY KEY);\n'
B=$(fleet_commit "equipment")
fleet_master_up
fleet_tenant acme
adb=$FLEET_DB

t_begin "a pinned reconcile of B, then of its ancestor A, is refused as a rewind"
pinned reconcile "$B"
assert_rc 0
pinned reconcile "$A"
assert_rc 1
assert_out_contains "does not descend from $B"
assert_out_contains "refusing to rewind"
assert_eq "$(applied "$adb")" "0001:applied 0002:applied" "acme untouched"
t_done

t_begin "--allow-rewind proceeds and is recorded in the ledger"
pinned reconcile "$A" --allow-rewind --allow-unknown
assert_rc 0
assert_err_contains "--allow-rewind"
last=$(sqlv "$FLEET_MASTER_DB" "select body from pgfleet.ledger where body::json->>'kind' = 'run_started' order by seq desc limit 1")
assert_eq "$(jq -r .allow_rewind <<<"$last")" "yes" "run_started records allow_rewind"
assert_eq "$(jq -r .commit <<<"$last")" "$A" "run_started records the commit"
t_done

t_begin "moving forward again is accepted; a non-pinned run is not checked"
fleet_write $T/0003_readings.sql $'CREATE TABLE readings (id int PRIMARY KEY);\n'
C=$(fleet_commit "readings")
pinned reconcile "$C"
assert_rc 0
assert_eq "$(applied "$adb")" "0001:applied 0002:applied 0003:applied" "acme at 0003"
pgf reconcile --commit "$A" --allow-unknown
assert_rc 0
assert_out_not_contains "refusing to rewind"
assert_eq "$(applied "$adb")" "0001:applied 0002:applied 0003:applied" "nothing undone by the older commit"
t_done
t_finish
