#!/usr/bin/env bash
# Integration: rollback runs down files newest first back to --to, in one
# tenant, deleting the rows and writing history; a missing down file refuses
# the database before anything runs.
set -euo pipefail
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/fleet_test.sh"

fleet_init rcrb
T=migrations/tenant
tables() { sqlv "$1" "select coalesce(string_agg(tablename, ',' order by tablename), '') from pg_tables where schemaname = 'public'"; }

fleet_new rb
fleet_write $T/0001_wells.sql $'CREATE TABLE wells (id int PRIMARY KEY, name text NOT NULL);\n'
fleet_write $T/0001_wells.down.sql $'DROP TABLE wells;\n'
fleet_write $T/0002_equipment.sql $'CREATE TABLE equipment (id int PRIMARY KEY, well_id int NOT NULL REFERENCES wells (id));\n'
fleet_write $T/0002_equipment.down.sql $'DROP TABLE equipment;\n'
fleet_write $T/0003_readings.sql $'CREATE TABLE readings (id bigint PRIMARY KEY, well_id int NOT NULL REFERENCES wells (id), value float8);\nCREATE INDEX readings_well_idx ON readings (well_id);\n'
fleet_write $T/0003_readings.down.sql $'-- pgfleet:no-transaction\nDROP INDEX CONCURRENTLY IF EXISTS readings_well_idx;\nDROP TABLE readings;\n'
C1=$(fleet_commit "three migrations with down files")
fleet_master_up
fleet_tenant acme
adb=$FLEET_DB
fleet_tenant globex
gdb=$FLEET_DB
pgf reconcile --jobs 4
assert_rc 0

t_begin "rollback --scope tenant --to 0001 --tenant acme runs the down files newest first"
pgf rollback --scope tenant --to 0001 --tenant acme
assert_rc 0
assert_out_contains "acme tenant: rolled back 2 (0003 -> 0001): 0003_readings.down.sql 0002_equipment.down.sql"
assert_out_not_contains "globex"
assert_out_not_contains "master"
assert_eq "$(tables "$adb")" "wells" "acme's tables after the rollback"
assert_eq "$(applied "$adb")" "0001:applied" "acme's applied rows"
assert_eq "$(sqlv "$adb" "select string_agg(version || ' ' || sha256 || ' ' || commit, ',' order by id) from pgfleet.history where action = 'rollback'")" \
	"0003 $(sha_of "$FLEET_REPO/$T/0003_readings.down.sql") $C1,0002 $(sha_of "$FLEET_REPO/$T/0002_equipment.down.sql") $C1" "acme's rollback history"
assert_eq "$(tables "$gdb")" "equipment,readings,wells" "globex untouched"
assert_eq "$(applied "$gdb")" "0001:applied 0002:applied 0003:applied" "globex's rows untouched"
assert_eq "$(history_count "$gdb" rollback)" 0 "globex's history"
pgf status --tenant acme
assert_out_contains "acme tenant: version 0001"
assert_out_contains "2 pending"
pgf reconcile --jobs 4
assert_rc 0
assert_out_contains "acme tenant: applied 2 (0001 -> 0003)"
assert_out_contains "globex tenant: up to date at 0003"
assert_eq "$(tables "$adb")" "equipment,readings,wells" "acme after reconciling again"
t_done

t_begin "rollback is refused before anything runs when a down file is missing"
fleet_write $T/0004_alarms.sql $'CREATE TABLE alarms (id int PRIMARY KEY);\n'
fleet_commit "0004 without a down file" >/dev/null
pgf reconcile --jobs 4
assert_rc 0
h=$(history_count "$gdb")
pgf rollback --scope tenant --to 0002 --tenant globex
assert_rc 1
assert_out_contains "globex tenant: refused"
assert_out_contains "0004_alarms.sql: no down file"
assert_eq "$(tables "$gdb")" "alarms,equipment,readings,wells" "globex's tables after the refused rollback"
assert_eq "$(applied "$gdb")" "0001:applied 0002:applied 0003:applied 0004:applied" "globex's rows after the refused rollback"
assert_eq "$(history_count "$gdb")" "$h" "globex's history after the refused rollback"
pgf rollback --scope tenant --to 0003
assert_rc 1
assert_out_contains "acme tenant: refused"
assert_out_contains "globex tenant: refused"
assert_eq "$(tables "$adb")" "alarms,equipment,readings,wells" "acme's tables"
t_done

t_begin "rollback needs exactly one --scope and a --to version"
pgf rollback --to 0001 --tenant acme
assert_rc 2
pgf rollback --scope tenant --tenant acme
assert_rc 2
pgf rollback --scope tenant --to abc --tenant acme
assert_rc 2
assert_eq "$(applied "$adb")" "0001:applied 0002:applied 0003:applied 0004:applied" "acme untouched by usage errors"
t_done

t_finish
