#!/usr/bin/env bash
# Integration: migrations create their objects where they would without
# pgfleet, even when the role pgfleet connects as is named "pgfleet" (as in the
# README's MASTER_DATABASE_URL example and this test cluster): PostgreSQL's
# default search_path is "$user", public, so once pgfleet has created its own
# schema "pgfleet", unqualified CREATE TABLEs of a migration must not land in it.
set -euo pipefail
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/fleet_test.sh"

fleet_init rcsp cluster-user
T=migrations/tenant
# relations of a schema, by kind r (tables)
tables_in() { sqlv "$1" "select coalesce(string_agg(c.relname, ',' order by c.relname), '') from pg_class c
	join pg_namespace n on n.oid = c.relnamespace where n.nspname = '$2' and c.relkind = 'r'"; }

fleet_new sp
fleet_write $T/0001_wells.sql $'CREATE TABLE wells (id int PRIMARY KEY);\n'
fleet_write $T/0002_equipment.sql $'CREATE TABLE equipment (id int PRIMARY KEY, well_id int REFERENCES wells (id));\n'
fleet_commit "tenant migrations" >/dev/null

t_begin "connected as a role named pgfleet, migrations still create their tables in public"
assert_eq "$(sqlv "$FLEET_MASTER_DB" "select current_user || ' ' || current_setting('search_path')")" 'pgfleet "$user", public' "the role and its default search_path"
pgf reconcile --scope master
assert_rc 0
fleet_tenant acme
adb=$FLEET_DB
pgf reconcile
assert_rc 0
assert_out_contains "acme tenant: applied 2 (none -> 0002)"
problems=""
[[ $(tables_in "$FLEET_MASTER_DB" public) == tenants ]] ||
	problems+=$'\n#   master: public has "'"$(tables_in "$FLEET_MASTER_DB" public)"'", expected "tenants"'
[[ $(tables_in "$FLEET_MASTER_DB" pgfleet) == applied_migrations,history,ledger,ledger_head,ledger_meta,ledger_open_intents,meta,schema_snapshot ]] ||
	problems+=$'\n#   master: schema pgfleet has "'"$(tables_in "$FLEET_MASTER_DB" pgfleet)"'", expected only pgfleet tables, ledger included'
[[ $(tables_in "$adb" public) == equipment,wells ]] ||
	problems+=$'\n#   acme: public has "'"$(tables_in "$adb" public)"'", expected "equipment,wells"'
[[ $(tables_in "$adb" pgfleet) == applied_migrations,history,meta,schema_snapshot ]] ||
	problems+=$'\n#   acme: schema pgfleet has "'"$(tables_in "$adb" pgfleet)"'", expected only applied_migrations,history,meta,schema_snapshot'
[[ -z $problems ]] || fail "migrations' tables landed in pgfleet's schema:$problems"
t_done

t_finish
