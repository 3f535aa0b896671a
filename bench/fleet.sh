#!/usr/bin/env bash
# bench/fleet.sh — `pgfleet reconcile` on a fleet of N tenant databases in one
# local cluster, against the approach it replaces (a node loop calling
# drizzle-orm's migrate() per tenant, one after another) and against a floor
# measured in the same run (bench/floor.c: libpq connect + the same DDL in one
# transaction, or connect + one query, per tenant, at the same concurrency).
#
# For each tool (floor@J and pgfleet@J for every J of --jobs, and node), on
# freshly reset tenant databases, times:
#   (a) first apply of 10 drizzle-kit migrations
#   (b) a no-op rerun
#   (c) one new migration (the 11th)
# and checks after each phase, untimed, that every tenant has exactly the
# expected schema (and, for pgfleet and node, 10 then 11 tracking rows).
#
# usage: bench/fleet.sh [--tenants N] [--runs R] [--jobs "1 8 16"] [--keep]
#                       [--only pgfleet|node|floor[,...]]
# env:   PGFLEET       pgfleet binary (default: <repo>/build/pgfleet)
#        PGFLEET_ARGS  extra options for every `pgfleet reconcile` (word-split)
set -euo pipefail

prog=bench/fleet.sh
root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)

usage() {
    cat <<EOF
usage: $prog [--tenants N] [--runs R] [--jobs "1 8 16"] [--keep] [--only TOOLS]
                      [--no-ledger]

Times, on one throwaway PostgreSQL cluster with N tenant databases, (a) first
apply of 10 drizzle-kit migrations, (b) a no-op rerun, (c) one new migration,
for pgfleet reconcile at each --jobs, for the node loop it replaces (drizzle-orm
migrate() per tenant, sequential) and for a libpq floor at each --jobs; prints
median wall time, ratios and peak RSS.

  --tenants N   tenant databases (default 1000)
  --runs R      full a/b/c sequences per tool, interleaved (default 1)
  --jobs LIST   concurrencies for pgfleet and the floor (default "1 8 16")
  --only TOOLS  pgfleet, node, floor or a comma list of them (default all)
  --no-ledger   run pgfleet with --no-ledger (default: a throwaway Ed25519
                key, so every apply writes its signed ledger entries)
  --keep        keep the work directory (repository, logs, server log)
  -h, --help    this help

environment:
  PGFLEET       pgfleet binary (default: $root/build/pgfleet)
  PGFLEET_ARGS  extra options for each \`pgfleet reconcile\` (word-split)
  TMPDIR        where the work directory and the cluster are made (default /tmp)

The node baseline needs node and npm; the first run installs drizzle-orm and pg
(pinned in bench/node/package-lock.json) into bench/node/node_modules.
Exit: 0 measured (whether or not the aims were met), 1 a tool failed or left
a wrong schema, 2 usage or setup error.
EOF
}

die() { printf '%s: %s\n' "$prog" "$*" >&2; exit 2; }
fail() { printf '%s: FAILED: %s\n' "$prog" "$*" >&2; exit 1; }
note() { printf '%s\n' "$*" >&2; }

tenants=1000 runs=1 jobs_list="1 8 16" keep=0 only="pgfleet,node,floor" ledger=1
while [ $# -gt 0 ]; do
    case $1 in
        --tenants) [ $# -ge 2 ] || die "--tenants needs a value"; tenants=$2; shift 2 ;;
        --tenants=*) tenants=${1#*=}; shift ;;
        --runs) [ $# -ge 2 ] || die "--runs needs a value"; runs=$2; shift 2 ;;
        --runs=*) runs=${1#*=}; shift ;;
        --jobs) [ $# -ge 2 ] || die "--jobs needs a value"; jobs_list=$2; shift 2 ;;
        --jobs=*) jobs_list=${1#*=}; shift ;;
        --only) [ $# -ge 2 ] || die "--only needs a value"; only=$2; shift 2 ;;
        --only=*) only=${1#*=}; shift ;;
        --keep) keep=1; shift ;;
        --no-ledger) ledger=0; shift ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; die "unknown argument: $1" ;;
    esac
done
[[ $tenants =~ ^[1-9][0-9]*$ ]] || die "--tenants must be a positive integer, got '$tenants'"
[[ $runs =~ ^[1-9][0-9]*$ ]] || die "--runs must be a positive integer, got '$runs'"
read -ra jobs_arr <<<"${jobs_list//,/ }"
[ "${#jobs_arr[@]}" -gt 0 ] || die "--jobs needs at least one value"
jobs_list=
for j in "${jobs_arr[@]}"; do
    if ! [[ $j =~ ^[1-9][0-9]*$ ]] || ((j > 150)); then
        die "--jobs values must be integers 1..150 (the cluster allows 200 connections), got '$j'"
    fi
    case " $jobs_list " in *" $j "*) ;; *) jobs_list+="${jobs_list:+ }$j" ;; esac
done
want_pgfleet=0 want_node=0 want_floor=0
for t in ${only//,/ }; do
    case $t in
        pgfleet) want_pgfleet=1 ;;
        node) want_node=1 ;;
        floor) want_floor=1 ;;
        *) die "--only takes pgfleet, node, floor or a comma list of them, got '$t'" ;;
    esac
done

# --- prerequisites ------------------------------------------------------------
for tool in cc pkg-config psql awk sort; do
    command -v "$tool" >/dev/null || die "$tool not found (deploy/install-deps.sh installs the build and PostgreSQL tools)"
done
[ -x /usr/bin/time ] || die "/usr/bin/time not found: peak RSS comes from GNU time (Debian: apt-get install time)"
pkg-config --exists libpq || die "libpq development files not found (Debian: libpq-dev)"

fixture=$root/tests/fixtures/drizzle-kit-tenant
[ -f "$fixture/meta/_journal.json" ] || fixture=$root/../shared/fixtures/drizzle-kit-tenant
[ -f "$fixture/meta/_journal.json" ] ||
    die "drizzle-kit fixture not found at $root/tests/fixtures/drizzle-kit-tenant"

PGFLEET=${PGFLEET:-$root/build/pgfleet}
case $PGFLEET in /*) ;; */*) PGFLEET=$PWD/$PGFLEET ;; esac
# shellcheck disable=SC2206  # word-split on purpose
reconcile_args=(${PGFLEET_ARGS:-})
if [ "$want_pgfleet" = 1 ]; then
    if [ ! -f "$PGFLEET" ] || [ ! -x "$PGFLEET" ]; then
        die "pgfleet binary '$PGFLEET' is missing or not executable; build it
  (meson setup build && ninja -C build) or set PGFLEET=/path/to/pgfleet"
    fi
    if ! "$PGFLEET" reconcile --help >/dev/null 2>&1; then
        die "'$PGFLEET reconcile --help' fails: this build has no reconcile yet
  (pgfleet --help lists it as planned); time the others with --only node,floor"
    fi
    command -v git >/dev/null || die "git not found"
fi

nodedir=$root/bench/node
if [ "$want_node" = 1 ]; then
    command -v node >/dev/null || die "node not found (Debian: apt-get install nodejs npm)"
    if [ ! -d "$nodedir/node_modules/drizzle-orm" ] || [ ! -d "$nodedir/node_modules/pg" ]; then
        command -v npm >/dev/null || die "npm not found (Debian: apt-get install npm)"
        note "installing drizzle-orm and pg into bench/node/node_modules (npm install)"
        (cd "$nodedir" && npm install --no-audit --no-fund --loglevel=error) >&2 ||
            die "npm install in bench/node failed"
    fi
fi

# --- work directory and cluster ----------------------------------------------
# The cleanup registry of pgcluster.sh owns the EXIT/INT/TERM traps: everything
# is registered with cleanup_add (run last-in, first-out).
# shellcheck source=SCRIPTDIR/../tests/lib/pgcluster.sh
. "$root/tests/lib/pgcluster.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/pgfleet-bench-fleet.XXXXXX")
remove_work() {
    if [ "$keep" = 1 ]; then
        printf 'kept: %s\n' "$work" >&2
    else
        rm -rf -- "$work"
    fi
}
cleanup_add remove_work
mkdir -p "$work/log" "$work/sql"
if [ "$want_pgfleet" = 1 ]; then
    # A private copy: a rebuild of build/pgfleet during the run (ninja replaces
    # the file) must neither fail a phase nor change the binary being timed.
    pgfleet_src=$PGFLEET
    cp -- "$PGFLEET" "$work/pgfleet" || die "cannot copy $PGFLEET"
    PGFLEET=$work/pgfleet
    # reconcile signs ledger entries with --key (or is told --no-ledger).
    ledger_note="no ledger (reconcile has no --key)"
    if [ "$ledger" = 0 ]; then
        reconcile_args=(--no-ledger "${reconcile_args[@]}")
        ledger_note="--no-ledger"
    elif "$PGFLEET" reconcile --help 2>&1 | grep -q -- '--key FILE'; then
        command -v ssh-keygen >/dev/null || die "ssh-keygen not found (Debian: openssh-client); or use --no-ledger"
        ssh-keygen -q -t ed25519 -N '' -C pgfleet-bench -f "$work/ledger_key" ||
            die "ssh-keygen could not make a ledger key"
        reconcile_args=(--key "$work/ledger_key" "${reconcile_args[@]}")
        ledger_note="signed ledger, --key (throwaway Ed25519)"
    fi
fi

# shellcheck disable=SC2046  # pkg-config prints several words
cc -std=c11 -O2 -Wall -Wextra "$root/bench/floor.c" $(pkg-config --cflags --libs libpq) \
    -lpthread -o "$work/floor" 2>"$work/log/cc.err" ||
    { cat "$work/log/cc.err" >&2; die "compiling bench/floor.c failed"; }

now() { date +%s%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b - a) / 1e9 }'; }

# A fresh cluster of our own (never one named by PGFLEET_TEST_PGHOST).
unset PGFLEET_TEST_PGHOST
pgc_start || die "could not start a PostgreSQL cluster (see above)"
keep_server_log() { [ "$keep" = 1 ] && [ -n "${PGC_DIR:-}" ] && cp -- "$PGC_DIR/log" "$work/server.log" 2>/dev/null; return 0; }
cleanup_add keep_server_log
# Autovacuum off: with N databases its launcher starts a worker every
# naptime/N (>= 100 ms) whatever the tools do, which is noise on 2 cores.
pgc_psql -d postgres -c "ALTER SYSTEM SET autovacuum = off" \
    -c "ALTER SYSTEM SET max_wal_size = '4GB'" -c "SELECT pg_reload_conf()" >/dev/null
# Every tool connects as role "bench", not as the cluster's "pgfleet": with
# the default search_path ("$user", public), a role named like pgfleet's own
# schema would send unqualified CREATE TABLEs into schema pgfleet once pgfleet
# has created it. (pgc_conninfo, pgc_url and pgc_psql follow PGUSER.)
pgc_psql -d postgres -c "CREATE ROLE bench LOGIN SUPERUSER" >/dev/null
export PGUSER=bench
pg_version=$(pgc_psql -d postgres -Atc "SHOW server_version")
max_conn=$(pgc_psql -d postgres -Atc "SHOW max_connections")
t0=$(now)

width=${#tenants}; ((width < 4)) && width=4
master_db=fleet_master
master_conninfo=$(pgc_conninfo "$master_db")
master_url=$(pgc_url "$master_db")

# Tenant databases t0001.. : CREATE DATABASE ... STRATEGY FILE_COPY (cheapest
# here) from 4 psql sessions. Their URLs go to tenants.txt (for the floor) and
# to the tenants table (for pgfleet and node).
seq 1 "$tenants" | awk -v w="$width" '{ printf "t%0" w "d\n", $1 }' >"$work/dbnames"
awk -v h="$PGHOST" -v p="$PGPORT" -v u="$PGUSER" \
    '{ printf "postgresql://%s@/%s?host=%s&port=%s\n", u, $1, h, p }' \
    "$work/dbnames" >"$work/tenants.txt"
# shellcheck disable=SC2016
if ! xargs -P 4 -n $(((tenants + 3) / 4)) <"$work/dbnames" bash -c '
    for d; do printf "CREATE DATABASE \"%s\" STRATEGY FILE_COPY;\n" "$d"; done |
        "$0" -X -q -v ON_ERROR_STOP=1 -d postgres' "$(command -v psql)" \
    2>"$work/log/createdb.err"; then
    tail -n 20 "$work/log/createdb.err" >&2
    die "creating $tenants databases failed"
fi
create_time=$(secs "$t0" "$(now)")

# --- migrations -----------------------------------------------------------------
# d10: the fixture's 10 drizzle-kit migrations as drizzle-kit wrote them;
# d11: the same plus 0010_well_tests, written in drizzle-kit's format.
mig10=$work/drizzle10 mig11=$work/drizzle11
mkdir -p "$mig10/meta"
cp -- "$fixture"/*.sql "$mig10/"
cp -- "$fixture"/meta/*.json "$mig10/meta/"
chmod -R u+w "$mig10"
n10=$(grep -c '"tag"' "$mig10/meta/_journal.json")
[ "$n10" = 10 ] || die "$fixture/meta/_journal.json lists $n10 migrations, expected 10"
cp -R -- "$mig10" "$mig11"
new_tag=0010_well_tests
cat >"$mig11/$new_tag.sql" <<'EOF'
CREATE TABLE "well_tests" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"well_id" uuid NOT NULL,
	"tested_at" timestamp with time zone NOT NULL,
	"oil_rate_bpd" double precision,
	"gas_rate_mcfd" double precision,
	"water_rate_bpd" double precision,
	"notes" text
);
--> statement-breakpoint
ALTER TABLE "well_tests" ADD CONSTRAINT "well_tests_well_id_wells_id_fk" FOREIGN KEY ("well_id") REFERENCES "public"."wells"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "well_tests_well_time_idx" ON "well_tests" USING btree ("well_id","tested_at");
EOF
# Append the journal entry (drizzle applies entries whose "when" is later than
# the newest one recorded, so it must be later than 0009's).
last_when=$(grep -o '"when": *[0-9]*' "$mig10/meta/_journal.json" | tail -n 1 | grep -o '[0-9]*$')
awk -v tag="$new_tag" -v when="$((last_when + 500))" '
    { lines[NR] = $0 }
    END {
        for (e = NR; e > 0 && lines[e] !~ /^[ \t]*\][ \t]*$/; e--) ;
        if (e == 0) exit 1
        for (i = 1; i < e; i++) {
            if (i == e - 1) sub(/[ \t]*$/, ",", lines[i])
            print lines[i]
        }
        printf "    {\n      \"idx\": 10,\n      \"version\": \"7\",\n      \"when\": %s,\n", when
        printf "      \"tag\": \"%s\",\n      \"breakpoints\": true\n    }\n", tag
        for (i = e; i <= NR; i++) print lines[i]
    }' "$mig10/meta/_journal.json" >"$mig11/meta/_journal.json" ||
    die "could not extend meta/_journal.json"
[ "$(grep -c '"tag"' "$mig11/meta/_journal.json")" = 11 ] || die "extending meta/_journal.json failed"

# The floor's DDL: the same files in journal order (drizzle's breakpoint
# marker "--> statement-breakpoint" is an SQL comment).
grep -o '"tag": *"[^"]*"' "$mig10/meta/_journal.json" | sed 's/.*"\([^"]*\)"$/\1/' >"$work/tags10"
while IFS= read -r tag; do cat -- "$mig10/$tag.sql"; printf '\n'; done <"$work/tags10" >"$work/sql/ddl10.sql"
{ cat -- "$mig11/$new_tag.sql"; printf '\n'; } >"$work/sql/ddl11.sql"
cat >"$work/sql/reset.sql" <<'EOF'
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS public, pgfleet, drizzle CASCADE;
CREATE SCHEMA public;
EOF
# Fingerprint of the public schema: columns, constraints, indexes, types.
cat >"$work/sql/fingerprint.sql" <<'EOF'
SELECT count(*) FILTER (WHERE k = 'r') || ':' || md5(coalesce(string_agg(x, E'\n' ORDER BY x), ''))
FROM (
  SELECT 'r' AS k, c.relname AS x FROM pg_class c
   WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
  UNION ALL
  SELECT 'c', c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
              || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
              || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '')
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
   WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
     AND a.attnum > 0 AND NOT a.attisdropped
  UNION ALL
  SELECT 'k', conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid)
    FROM pg_constraint WHERE connamespace = 'public'::regnamespace
  UNION ALL
  SELECT 'i', indexdef FROM pg_indexes WHERE schemaname = 'public'
  UNION ALL
  SELECT 't', t.typname || ' ' || string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder)
    FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid
   WHERE t.typnamespace = 'public'::regnamespace GROUP BY t.typname
) s
EOF

# Expected fingerprints, from a reference database migrated with psql.
pgc_psql -d postgres -c "CREATE DATABASE fleet_ref" >/dev/null
pgc_psql -d fleet_ref -1 -f "$work/sql/ddl10.sql" >/dev/null 2>"$work/log/ref.err" ||
    { cat "$work/log/ref.err" >&2; die "the 10 migrations fail on a reference database"; }
fp10=$(pgc_psql -d fleet_ref -At -f "$work/sql/fingerprint.sql")
pgc_psql -d fleet_ref -1 -f "$work/sql/ddl11.sql" >/dev/null 2>"$work/log/ref.err" ||
    { cat "$work/log/ref.err" >&2; die "$new_tag fails on a reference database"; }
fp11=$(pgc_psql -d fleet_ref -At -f "$work/sql/fingerprint.sql")
pgc_psql -d postgres -c "DROP DATABASE fleet_ref" >/dev/null

# --- pgfleet repository (two commits) ---------------------------------------
repo=$work/repo
if [ "$want_pgfleet" = 1 ]; then
    # git (and libgit2 in pgfleet) isolated from the machine's and user's config.
    mkdir -p "$work/home"
    export GIT_CONFIG_NOSYSTEM=1 HOME=$work/home XDG_CONFIG_HOME=$work/home/.config
    export GIT_AUTHOR_NAME='pgfleet bench' GIT_AUTHOR_EMAIL=bench@example.com
    export GIT_COMMITTER_NAME='pgfleet bench' GIT_COMMITTER_EMAIL=bench@example.com
    export GIT_AUTHOR_DATE='2025-01-01T00:00:00Z' GIT_COMMITTER_DATE='2025-01-01T00:00:00Z'
    unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_OBJECT_DIRECTORY

    mkdir -p "$repo/migrations/master"
    git init -q -b main "$repo"
    git -C "$repo" config gc.auto 0
    git -C "$repo" config maintenance.auto false
    cat >"$repo/pgfleet.json" <<'EOF'
{
  "version": 1,
  "scopes": [
    {"name": "master", "folder": "migrations/master", "target": "master"},
    {"name": "tenant", "folder": "migrations/tenant", "target": "tenants"}
  ]
}
EOF
    cp -- "$root"/migrations/master/*.sql "$repo/migrations/master/"
    cp -R -- "$mig10" "$repo/migrations/tenant"
    pgfleet_commit() { # MESSAGE: hash, commit, print the commit id
        "$PGFLEET" --repo "$repo" hash >"$work/log/hash.out" 2>&1 ||
            { cat "$work/log/hash.out" >&2; die "'pgfleet --repo DIR hash' failed"; }
        git -C "$repo" add -A
        git -C "$repo" commit -q -m "$1"
        git -C "$repo" rev-parse HEAD
    }
    commit1=$(pgfleet_commit "tenant: 10 drizzle-kit migrations")
    cp -- "$mig11/$new_tag.sql" "$repo/migrations/tenant/"
    cp -- "$mig11/meta/_journal.json" "$repo/migrations/tenant/meta/"
    commit2=$(pgfleet_commit "tenant: $new_tag")
    "$PGFLEET" --repo "$repo" verify --commit "$commit2" \
        >"$work/log/verify.out" 2>&1 ||
        { cat "$work/log/verify.out" >&2; die "'pgfleet verify' fails on the generated repository"; }
fi

# --- fleet state ---------------------------------------------------------------
# fresh_master TOOL: a new master database with the tenants table (made by
# pgfleet itself for pgfleet runs, so its ledger starts empty; by psql
# otherwise) and one row per tenant database.
fresh_master() {
    pgc_psql -d postgres -c "DROP DATABASE IF EXISTS $master_db WITH (FORCE)" \
        -c "CREATE DATABASE $master_db" >/dev/null 2>"$work/log/master.err" ||
        { cat "$work/log/master.err" >&2; die "recreating the master database failed"; }
    if [ "$1" = pgfleet ]; then
        "$PGFLEET" --repo "$repo" --commit "$commit1" --master "$master_conninfo" \
            reconcile --scope master --quiet "${reconcile_args[@]}" \
            >"$work/log/master.out" 2>&1 ||
            { tail -n 20 "$work/log/master.out" >&2; fail "pgfleet reconcile --scope master failed"; }
    else
        pgc_psql -d "$master_db" -1 -f "$root/migrations/master/0001_create_tenants.sql" \
            >/dev/null 2>"$work/log/master.err" ||
            { cat "$work/log/master.err" >&2; die "creating the tenants table failed"; }
    fi
    pgc_psql -d "$master_db" -v n="$tenants" -v w="$width" -v h="$PGHOST" -v p="$PGPORT" \
        -v u="$PGUSER" >/dev/null 2>"$work/log/master.err" <<'EOF' ||
INSERT INTO tenants (slug, name, database_url)
SELECT s, 'Tenant ' || s, format('postgresql://%s@/%s?host=%s&port=%s', :'u', s, :'h', :'p')
  FROM (SELECT 't' || lpad(i::text, :w, '0') AS s FROM generate_series(1, :n) i) g
 ORDER BY s;
EOF
        { cat "$work/log/master.err" >&2; die "inserting the tenant rows failed"; }
}

# reset_tenants: every tenant database back to an empty public schema, with
# neither pgfleet's nor drizzle's tracking schema.
reset_tenants() {
    "$work/floor" --jobs 8 --mode ddl --sql "$work/sql/reset.sql" "$work/tenants.txt" \
        2>"$work/log/reset.err" || { tail -n 10 "$work/log/reset.err" >&2; die "resetting the tenant databases failed"; }
}

# check TOOL LABEL EXPECTED_FP EXPECTED_ROWS: every tenant has the expected
# public schema and tracking rows (pgfleet.applied_migrations, or drizzle's
# __drizzle_migrations; none for the floor).
check() {
    local tool=$1 label=$2 want_fp=$3 want_rows=$4 q=$work/sql/check.sql bad track
    case $tool in
        pgfleet) track="(SELECT count(*) FROM pgfleet.applied_migrations)" ;;
        node) track="(SELECT count(*) FROM drizzle.__drizzle_migrations)" ;;
        *) track="'-'" want_rows=- ;;
    esac
    { printf 'WITH f(fp) AS (\n'; cat "$work/sql/fingerprint.sql"; printf ')\n'
      printf "SELECT fp || ' rows=' || %s FROM f;\n" "$track"; } >"$q"
    if ! "$work/floor" --jobs 8 --mode query --sql "$q" "$work/tenants.txt" \
        >"$work/log/check.out" 2>"$work/log/check.err"; then
        tail -n 10 "$work/log/check.err" >&2
        fail "$label: checking the tenant databases failed"
    fi
    bad=$(awk -F'\t' -v want="$want_fp rows=$want_rows" -v n="$tenants" '
        $2 != want { b++; if (!first) first = "tenant " $1 " has " $2 }
        END { if (NR != n) print NR " of " n " tenants answered"; else if (b) print b " tenants differ, e.g. " first }' \
        "$work/log/check.out")
    [ -z "$bad" ] || fail "$label: wrong state after it: $bad (expected $want_fp rows=$want_rows)"
}

# timed TOOL JOBS PHASE RUN CMD...: run CMD under /usr/bin/time; record wall
# time (ns clock) and peak RSS; a failing command fails the bench.
results=$work/results.tsv
: >"$results"
timed() {
    local tool=$1 jobs=$2 phase=$3 run=$4 t0 t1 rc=0 rss
    shift 4
    local base=$work/log/$tool@$jobs.$phase.$run
    t0=$(now)
    /usr/bin/time -f '%e %M' -o "$base.time" "$@" >"$base.out" 2>"$base.err" || rc=$?
    t1=$(now)
    if [ "$rc" != 0 ]; then
        printf '%s@%s (%s) exited %s; last lines of its stdout:\n' "$tool" "$jobs" "$phase" "$rc" >&2
        tail -n 10 "$base.out" >&2
        printf -- '--- and of its stderr:\n' >&2
        tail -n 20 "$base.err" >&2
        printf 'command: %s\n' "$*" >&2
        fail "$tool@$jobs ($phase) exited $rc"
    fi
    rss=$(tail -n 1 "$base.time" | awk '{ print $2 }')
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$tool" "$jobs" "$phase" "$run" "$(secs "$t0" "$t1")" "$rss" >>"$results"
    printf ' (%s) %ss' "$phase" "$(secs "$t0" "$t1")" >&2
    local entries
    if [ "$tool" = pgfleet ] &&
        entries=$(pgc_psql -d "$master_db" -Atc "SELECT count(*) FROM pgfleet.ledger" 2>/dev/null); then
        printf ' [ledger %s]' "$entries" >&2    # entries in master so far (untimed)
    fi
}

# run_tool TOOL JOBS RUN: reset, then (a), (b), (c), each checked.
run_tool() {
    local tool=$1 jobs=$2 run=$3 t0 label="$1@$2"
    printf '[run %s] %-12s' "$run" "$label" >&2
    t0=$(now)
    fresh_master "$tool"
    reset_tenants
    printf ' reset %ss' "$(secs "$t0" "$(now)")" >&2
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$tool" "$jobs" reset "$run" "$(secs "$t0" "$(now)")" 0 >>"$results"
    case $tool in
        pgfleet)
            local pg=("$PGFLEET" --repo "$repo" --master "$master_conninfo")
            local rec=(reconcile --jobs "$jobs" --quiet "${reconcile_args[@]}")
            timed pgfleet "$jobs" a "$run" "${pg[@]}" --commit "$commit1" "${rec[@]}"
            check pgfleet "$label (a)" "$fp10" 10
            timed pgfleet "$jobs" b "$run" "${pg[@]}" --commit "$commit1" "${rec[@]}"
            check pgfleet "$label (b)" "$fp10" 10
            timed pgfleet "$jobs" c "$run" "${pg[@]}" --commit "$commit2" "${rec[@]}"
            check pgfleet "$label (c)" "$fp11" 11
            ;;
        node)
            local nd=(env MASTER_DATABASE_URL="$master_url" node "$nodedir/migrate.mjs")
            timed node "$jobs" a "$run" "${nd[@]}" "$mig10"
            check node "$label (a)" "$fp10" 10
            timed node "$jobs" b "$run" "${nd[@]}" "$mig10"
            check node "$label (b)" "$fp10" 10
            timed node "$jobs" c "$run" "${nd[@]}" "$mig11"
            check node "$label (c)" "$fp11" 11
            ;;
        floor)
            local fl=("$work/floor" --jobs "$jobs")
            timed floor "$jobs" a "$run" "${fl[@]}" --mode ddl --sql "$work/sql/ddl10.sql" "$work/tenants.txt"
            check floor "$label (a)" "$fp10" -
            timed floor "$jobs" b "$run" "${fl[@]}" --mode noop "$work/tenants.txt"
            check floor "$label (b)" "$fp10" -
            timed floor "$jobs" c "$run" "${fl[@]}" --mode ddl --sql "$work/sql/ddl11.sql" "$work/tenants.txt"
            check floor "$label (c)" "$fp11" -
            ;;
    esac
    printf '\n' >&2
}

# --- timing -------------------------------------------------------------------
combos=()
for j in $jobs_list; do
    [ "$want_floor" = 1 ] && combos+=("floor $j")
    [ "$want_pgfleet" = 1 ] && combos+=("pgfleet $j")
done
[ "$want_node" = 1 ] && combos+=("node 1")

printf 'fleet bench: %d tenant databases, %d drizzle-kit migrations then 1 more, %d run(s), interleaved\n' \
    "$tenants" "$n10" "$runs"
printf 'cluster:  PostgreSQL %s, unix socket, fsync off, autovacuum off, max_connections %s, %s CPUs\n' \
    "$pg_version" "$max_conn" "$(nproc 2>/dev/null || echo '?')"
[ "$want_pgfleet" = 1 ] && printf 'pgfleet:  %s (%s, copied at start), %s\n' "$pgfleet_src" \
    "$("$PGFLEET" --version 2>/dev/null | head -n 1)" "$ledger_note"
[ "$want_node" = 1 ] && printf 'node:     %s, drizzle-orm %s, pg %s\n' "$(node --version)" \
    "$(node -p "require('$nodedir/node_modules/drizzle-orm/package.json').version")" \
    "$(node -p "require('$nodedir/node_modules/pg/package.json').version")"
printf 'setup:    %d databases created in %s s\n\n' "$tenants" "$create_time"

for ((r = 1; r <= runs; r++)); do
    # Odd runs in list order, even runs reversed: each pair floor@J/pgfleet@J
    # stays adjacent, and no tool always goes first.
    if ((r % 2)); then order=("${combos[@]}"); else
        order=(); for ((i = ${#combos[@]} - 1; i >= 0; i--)); do order+=("${combos[i]}"); done
    fi
    for c in "${order[@]}"; do
        # shellcheck disable=SC2086
        run_tool $c "$r"
    done
done
note ""

# --- report ---------------------------------------------------------------------
awk -F'\t' -v jl="$jobs_list" -v runs="$runs" \
    -v wp="$want_pgfleet" -v wn="$want_node" -v wf="$want_floor" '
function median(key,   n, i, j, t, v) {
    n = cnt[key]; if (!n) return -1
    for (i = 1; i <= n; i++) v[i] = val[key, i]
    for (i = 2; i <= n; i++) { t = v[i]; for (j = i - 1; j >= 1 && v[j] > t; j--) v[j + 1] = v[j]; v[j + 1] = t }
    return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
}
function cell(x) { return x < 0 ? sprintf("%15s", "-") : sprintf("%13.2f s", x) }
function ratio(a, b) { return (a < 0 || b <= 0) ? sprintf("%15s", "-") : sprintf("%14.2fx", a / b) }
{
    key = $1 "@" $2 SUBSEP $3
    val[key, ++cnt[key]] = $5
    if ($3 != "reset" && $6 > rss[$1 "@" $2]) rss[$1 "@" $2] = $6
}
END {
    nj = split(jl, J, " ")
    nr = 0
    for (i = 1; i <= nj; i++) {
        if (wf) row[++nr] = "floor@" J[i]
        if (wp) row[++nr] = "pgfleet@" J[i]
    }
    if (wn) row[++nr] = "node@1"
    printf "%-22s %15s %15s %15s %12s\n", "tool@jobs", "(a) first apply", "(b) no-op rerun", "(c) one new", "peak RSS"
    for (i = 1; i <= nr; i++) {
        t = row[i]
        for (p = 1; p <= 3; p++) m[t, p] = median(t SUBSEP substr("abc", p, 1))
        printf "%-22s %s %s %s %8.1f MiB\n", (t == "node@1" ? "node (drizzle loop)" : t),
            cell(m[t, 1]), cell(m[t, 2]), cell(m[t, 3]), rss[t] / 1024
    }
    printf "(median wall time of %d run(s); peak RSS: largest process, any phase and run)\n", runs
    if ((wp && wf) || (wn && (wp || wf)))
        printf "\n%-22s %15s %15s %15s\n", "ratio (median wall)", "(a)", "(b)", "(c)"
    if (wp && wf) {
        for (i = 1; i <= nj; i++) {
            p1 = "pgfleet@" J[i]; f1 = "floor@" J[i]
            printf "%-22s %s %s %s\n", p1 " / " f1, ratio(m[p1, 1], m[f1, 1]), ratio(m[p1, 2], m[f1, 2]), ratio(m[p1, 3], m[f1, 3])
            for (p = 1; p <= 3; p++) if (m[p1, p] > 1.25 * m[f1, p]) miss = miss sprintf(" %s(%s)=%.2fx", p1, substr("abc", p, 1), m[p1, p] / m[f1, p])
        }
    }
    if (wp && wn) {
        printf "%-22s %s %s %s\n", "node / pgfleet@1", ratio(m["node@1", 1], m["pgfleet@1", 1]),
            ratio(m["node@1", 2], m["pgfleet@1", 2]), ratio(m["node@1", 3], m["pgfleet@1", 3])
    }
    if (wn && wf) {
        printf "%-22s %s %s %s\n", "node / floor@1", ratio(m["node@1", 1], m["floor@1", 1]),
            ratio(m["node@1", 2], m["floor@1", 2]), ratio(m["node@1", 3], m["floor@1", 3])
    }
    if (wp) {
        printf "\n"
        if (wf) printf "aim: pgfleet@J within 1.25x of floor@J in every phase: %s\n", miss == "" ? "met" : "MISSED:" miss
        for (i = 1; i <= nj; i++) if (rss["pgfleet@" J[i]] > mr) mr = rss["pgfleet@" J[i]]
        printf "aim: pgfleet peak RSS under 32 MiB: %s (%.1f MiB)\n", mr < 32 * 1024 ? "met" : "MISSED", mr / 1024
    }
    for (k in cnt) { split(k, kk, SUBSEP); if (kk[2] == "reset") for (i = 1; i <= cnt[k]; i++) { rs += val[k, i]; rn++ } }
    if (rn) printf "\n(untimed between tools: fresh master + tenant reset, %.2f s on average; schema checked after every phase)\n", rs / rn
}' "$results"
