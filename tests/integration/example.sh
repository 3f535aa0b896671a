#!/usr/bin/env bash
# Integration: the project's example fleet verifies at HEAD, and every example
# migration really runs on PostgreSQL: ups in manifest order, downs in reverse
# (back to an empty schema), ups again.
set -euo pipefail
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/assert.sh"
. "$here/../lib/pgcluster.sh"
PGFLEET=${PGFLEET:?PGFLEET must point at the pgfleet binary}
SRCROOT=${SRCROOT:-$here/../..}

pgc_ensure

t_begin "the example fleet verifies at HEAD"
run "$PGFLEET" --repo "$SRCROOT" verify --commit "$(git -C "$SRCROOT" rev-parse HEAD)"
assert_rc 0
assert_err_contains "2 scopes, 0 findings, 0 errors"
run "$PGFLEET" --repo "$SRCROOT" hash --check
assert_rc 0
t_done

# Files of a scope in apply order, from its manifest: ups or downs.
files_of() { # folder, up|down
	local f
	while read -r _ f; do
		case $f in
		*.down.sql) [ "$2" = down ] && echo "$f" ;;
		*.sql) [ "$2" = up ] && echo "$f" ;;
		esac
	done < <(grep -E '^[0-9a-f]{64}  ' "$SRCROOT/$1/pgfleet.sum")
	return 0
}

apply() { # db, file
	if sed -n '1,/^[^-]/p' "$2" | grep -q '^-- pgfleet:no-transaction'; then
		run pgc_psql -d "$1" -f "$2"
	else
		run pgc_psql -d "$1" -1 -f "$2"
	fi
	assert_rc 0
}

tables() { pgc_psql -d "$1" -At -c "select string_agg(tablename, ',' order by tablename) from pg_tables where schemaname = 'public'"; }

ups() { # folder, database
	local f
	for f in $(files_of "$1" up); do
		apply "$2" "$SRCROOT/$1/$f"
		# rows that exist before the column, to exercise backfill and NOT NULL
		if [ "$f" = 0003_create_readings.sql ]; then
			run pgc_psql -d "$2" -c "insert into wells (name, api_number) values ('Ranch 1', '42-501-20130'), ('Ranch 2', '42-501-20131')"
			assert_rc 0
		fi
	done
}

roundtrip() { # scope folder, database, expected tables after the ups
	local folder=$1 db=$2 want=$3 f
	pgc_createdb "$db"
	ups "$folder" "$db"
	assert_eq "$(tables "$db")" "$want" "$folder: tables after the ups"
	for f in $(files_of "$folder" down | tac); do apply "$db" "$SRCROOT/$folder/$f"; done
	assert_eq "$(tables "$db")" "" "$folder: tables after the downs"
	ups "$folder" "$db"
	assert_eq "$(tables "$db")" "$want" "$folder: tables after the ups again"
}

t_begin "master migrations run up, down and up again"
roundtrip migrations/master "example_master_$$" "tenants"
t_done

t_begin "tenant migrations run up, down and up again; rows written before the new column are backfilled"
db="example_tenant_$$"
roundtrip migrations/tenant "$db" "equipment,readings,wells"
run pgc_psql -d "$db" -At -c "select is_nullable from information_schema.columns where table_name = 'wells' and column_name = 'operator_email'"
assert_rc 0
assert_eq "$OUT" "NO" "operator_email is NOT NULL at the end"
run pgc_psql -d "$db" -At -c "select string_agg(operator_email, ',' order by name) from wells"
assert_eq "$OUT" "unknown+4250120130@operators.invalid,unknown+4250120131@operators.invalid" "backfilled emails"
run pgc_psql -d "$db" -At -c "select indisvalid from pg_index where indexrelid = 'readings_well_time_idx'::regclass"
assert_eq "$OUT" "t" "the concurrent index is valid"
t_done
t_finish
