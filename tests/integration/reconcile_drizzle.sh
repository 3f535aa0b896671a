#!/usr/bin/env bash
# Integration: a drizzle-kit folder (tests/fixtures/drizzle-kit-tenant, real
# drizzle-kit output) as the tenant scope. Databases migrated by drizzle-orm's
# migrator (reproduced exactly: drizzle.__drizzle_migrations, hash = sha256 of
# the file's text, created_at = the journal's `when`) are adopted with
# `adopt --from-drizzle` without running anything; a mismatching hash refuses
# the database and baselines nothing; a fresh database is reconciled from the
# same folder.
set -euo pipefail
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/fleet_test.sh"
FIXTURES=${FIXTURES:-$here/../fixtures}

fleet_init rcdz
T=migrations/tenant
DZ=$FIXTURES/drizzle-kit-tenant

# "tag when" of each journal entry, in order
mapfile -t journal < <(python3 -c '
import json, sys
for e in json.load(open(sys.argv[1]))["entries"]:
    print(e["tag"], e["when"])
' "$DZ/meta/_journal.json")
assert_eq "${#journal[@]}" 10 "journal entries in the fixture"

# What drizzle-orm's migrator leaves behind after its first N migrations.
drizzle_migrate() { # DB N
	local db=$1 n=$2 i tag when
	sqlx "$db" "CREATE SCHEMA drizzle; CREATE TABLE drizzle.__drizzle_migrations (id serial PRIMARY KEY, hash text NOT NULL, created_at bigint)"
	for ((i = 0; i < n; i++)); do
		read -r tag when <<<"${journal[i]}"
		pgc_psql -d "$db" -1 -f "$DZ/$tag.sql" >/dev/null 2>&1 || fail "drizzle_migrate: $tag.sql in $db"
		sqlx "$db" "INSERT INTO drizzle.__drizzle_migrations (hash, created_at) VALUES ('$(sha_of "$DZ/$tag.sql")', $when)"
	done
}
schema_of() { # columns, types and indexes of public
	sqlv "$1" "select (select string_agg(table_name || '.' || column_name || ':' || udt_name || ':' || is_nullable, ',' order by table_name, column_name)
		from information_schema.columns where table_schema = 'public')
		|| ' ' || (select string_agg(indexname, ',' order by indexname) from pg_indexes where schemaname = 'public')
		|| ' ' || (select string_agg(typname, ',' order by typname) from pg_type t join pg_namespace n on n.oid = t.typnamespace
		           where n.nspname = 'public' and t.typtype = 'e')"
}
versions_all=""
for e in "${journal[@]}"; do versions_all+="${e:0:4}:baselined "; done
versions_all=${versions_all% }

fleet_new dz
cp -R "$DZ/." "$FLEET_REPO/$T/"
chmod -R u+w "$FLEET_REPO/$T"
fleet_commit "the drizzle-kit folder" >/dev/null
fleet_master_up

t_begin "adopt --from-drizzle baselines a database migrated by drizzle; reconcile then runs nothing"
fleet_tenant legacy
ldb=$FLEET_DB
drizzle_migrate "$ldb" 10
before=$(schema_of "$ldb")
pgf adopt --from-drizzle --scope tenant --jobs 4
assert_rc 0
assert_out_contains "legacy tenant: baselined 10"
assert_eq "$(applied "$ldb")" "$versions_all" "legacy's rows"
assert_eq "$(sqlv "$ldb" "select count(*) from pgfleet.applied_migrations a join (values $(
	for e in "${journal[@]}"; do read -r tag _ <<<"$e"; printf "('%s', '%s')," "${tag:0:4}" "$(sha_of "$DZ/$tag.sql")"; done | sed 's/,$//'
)) f (version, sha) on f.version = a.version and f.sha = a.sha256")" 10 "every baselined sha256 is the file's"
assert_eq "$(history_count "$ldb" baseline)" 10 "legacy's baseline history"
h=$(history_count "$ldb")
pgf reconcile --jobs 4
assert_rc 0
assert_out_contains "legacy tenant: up to date at 0009"
assert_eq "$(history_count "$ldb")" "$h" "history after reconcile"
assert_eq "$(history_count "$ldb" apply)" 0 "nothing applied"
assert_eq "$(schema_of "$ldb")" "$before" "legacy's schema untouched"
pgf adopt --from-drizzle --scope tenant --jobs 4
assert_rc 0
assert_out_not_contains "baselined 1"
assert_eq "$(history_count "$ldb")" "$h" "history after adopting again"
t_done

t_begin "a database drizzle migrated part way is baselined that far and reconciled the rest"
fleet_tenant behind
bdb=$FLEET_DB
drizzle_migrate "$bdb" 6
pgf adopt --from-drizzle --tenant behind
assert_rc 0
assert_out_contains "behind tenant: baselined 6"
pgf reconcile --jobs 4
assert_rc 0
assert_out_contains "behind tenant: applied 4 (0005 -> 0009)"
assert_eq "$(schema_of "$bdb")" "$(schema_of "$ldb")" "behind's schema against legacy's"
assert_eq "$(history_count "$bdb" apply)" 4 "behind's apply history"
t_done

t_begin "a mismatching drizzle hash refuses the database and baselines nothing"
fleet_tenant tampered
tdb=$FLEET_DB
drizzle_migrate "$tdb" 10
sqlx "$tdb" "UPDATE drizzle.__drizzle_migrations SET hash = repeat('e', 64) WHERE created_at = ${journal[3]#* }"
pgf adopt --from-drizzle --scope tenant --jobs 4
assert_rc 1
assert_out_contains "tampered tenant: refused"
assert_out_contains "0003_equipment_status.sql"
assert_out_contains "legacy tenant: "
assert_eq "$(applied "$tdb")" "" "tampered's rows"
assert_eq "$(history_count "$tdb" baseline)" 0 "tampered's baseline history"
t_done

t_begin "a fresh database is reconciled from the drizzle-kit folder"
fleet_tenant fresh
fdb=$FLEET_DB
pgf reconcile --tenant fresh
assert_rc 0
assert_out_contains "fresh tenant: applied 10 (none -> 0009)"
assert_eq "$(schema_of "$fdb")" "$(schema_of "$ldb")" "fresh's schema against drizzle's"
assert_eq "$(applied "$fdb")" "${versions_all//baselined/applied}" "fresh's rows"
t_done

adopt_all_scopes() {
	# README: "pgfleet adopt --from-drizzle"; the master scope here is a plain folder
	pgf adopt --from-drizzle --jobs 4
	local problems=""
	[[ $OUT != *"master master: refused"* ]] || problems+=$'\n#   the master scope (not a drizzle-kit folder) is refused instead of left alone'
	[[ $OUT == *"legacy tenant: up to date at 0009"* ]] || problems+=$'\n#   expected "legacy tenant: up to date at 0009" (an adopted database is at 0009, not "none")'
	[[ $OUT == *"tampered tenant: refused"* ]] || problems+=$'\n#   expected "tampered tenant: refused"'
	[[ $OUT == *"1 refused, 0 failed"* ]] || problems+=$'\n#   expected only tampered to be refused'
	[[ -z $problems ]] || fail "adopt --from-drizzle:$problems"
	t_done
}
t_leaf "adopt --from-drizzle without --scope adopts the drizzle-kit scopes only; adopted databases report their version" adopt_all_scopes

t_leaf_finish
