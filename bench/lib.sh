#!/usr/bin/env bash
# bench/lib.sh — what bench/fleet.sh and bench/remote.sh share: prerequisites,
# the work directory, one throwaway cluster with N tenant databases, the
# drizzle-kit migrations (10, then an 11th), the pgfleet repository (two
# commits), the libpq floor, and the per-tool steps (fresh master, reset,
# schema check, a timed command). Sourced, never run; functions read and set
# the caller's globals (documented at each), the caller sets: prog, root,
# tenants, keep, and for the pgfleet parts PGFLEET.
# shellcheck shell=bash disable=SC2154  # globals come from the sourcing script

die() { printf '%s: %s\n' "$prog" "$*" >&2; exit 2; }
fail() { printf '%s: FAILED: %s\n' "$prog" "$*" >&2; exit 1; }
note() { printf '%s\n' "$*" >&2; }
now() { date +%s%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b - a) / 1e9 }'; }

# bench_require: the tools every fleet bench needs; sets fixture.
bench_require() {
    for tool in cc pkg-config psql awk sort; do
        command -v "$tool" >/dev/null || die "$tool not found (deploy/install-deps.sh installs the build and PostgreSQL tools)"
    done
    [ -x /usr/bin/time ] || die "/usr/bin/time not found: peak RSS comes from GNU time (Debian: apt-get install time)"
    pkg-config --exists libpq || die "libpq development files not found (Debian: libpq-dev)"

    fixture=$root/tests/fixtures/drizzle-kit-tenant
    [ -f "$fixture/meta/_journal.json" ] || fixture=$root/../shared/fixtures/drizzle-kit-tenant
    [ -f "$fixture/meta/_journal.json" ] ||
        die "drizzle-kit fixture not found at $root/tests/fixtures/drizzle-kit-tenant"
}

# bench_require_pgfleet: PGFLEET exists and has reconcile; sets reconcile_args
# from PGFLEET_ARGS.
bench_require_pgfleet() {
    PGFLEET=${PGFLEET:-$root/build/pgfleet}
    case $PGFLEET in /*) ;; */*) PGFLEET=$PWD/$PGFLEET ;; esac
    # shellcheck disable=SC2206  # word-split on purpose
    reconcile_args=(${PGFLEET_ARGS:-})
    if [ ! -f "$PGFLEET" ] || [ ! -x "$PGFLEET" ]; then
        die "pgfleet binary '$PGFLEET' is missing or not executable; build it
  (meson setup build && ninja -C build) or set PGFLEET=/path/to/pgfleet"
    fi
    if ! "$PGFLEET" reconcile --help >/dev/null 2>&1; then
        die "'$PGFLEET reconcile --help' fails: this build has no reconcile yet
  (pgfleet --help lists it as planned); time the others with --only node,floor"
    fi
    command -v git >/dev/null || die "git not found"
}

# bench_require_node: node, and drizzle-orm + pg in bench/node; sets nodedir.
bench_require_node() {
    nodedir=$root/bench/node
    command -v node >/dev/null || die "node not found (Debian: apt-get install nodejs npm)"
    if [ ! -d "$nodedir/node_modules/drizzle-orm" ] || [ ! -d "$nodedir/node_modules/pg" ]; then
        command -v npm >/dev/null || die "npm not found (Debian: apt-get install npm)"
        note "installing drizzle-orm and pg into bench/node/node_modules (npm install)"
        (cd "$nodedir" && npm install --no-audit --no-fund --loglevel=error) >&2 ||
            die "npm install in bench/node failed"
    fi
}

# The cleanup registry of pgcluster.sh owns the EXIT/INT/TERM traps: everything
# is registered with cleanup_add (run last-in, first-out).
# shellcheck source=SCRIPTDIR/../tests/lib/pgcluster.sh
. "$root/tests/lib/pgcluster.sh"

# bench_work NAME: the work directory ($work, removed at exit unless --keep).
bench_work() {
    work=$(mktemp -d "${TMPDIR:-/tmp}/pgfleet-bench-$1.XXXXXX")
    remove_work() {
        if [ "$keep" = 1 ]; then
            printf 'kept: %s\n' "$work" >&2
        else
            rm -rf -- "$work"
        fi
    }
    cleanup_add remove_work
    mkdir -p "$work/log" "$work/sql"
}

# bench_pgfleet_copy: run a private copy of PGFLEET (sets PGFLEET, pgfleet_src).
bench_pgfleet_copy() {
    # A private copy: a rebuild of build/pgfleet during the run (ninja replaces
    # the file) must neither fail a phase nor change the binary being timed.
    pgfleet_src=$PGFLEET
    cp -- "$PGFLEET" "$work/pgfleet" || die "cannot copy $PGFLEET"
    PGFLEET=$work/pgfleet
}

# bench_ledger_key: a throwaway Ed25519 key for reconcile --key (sets ledger_key).
bench_ledger_key() {
    command -v ssh-keygen >/dev/null || die "ssh-keygen not found (Debian: openssh-client); or use --no-ledger"
    ssh-keygen -q -t ed25519 -N '' -C pgfleet-bench -f "$work/ledger_key" ||
        die "ssh-keygen could not make a ledger key"
    ledger_key=$work/ledger_key
}

# bench_floor: compile bench/floor.c to $work/floor.
bench_floor() {
    # shellcheck disable=SC2046  # pkg-config prints several words
    cc -std=c11 -O2 -Wall -Wextra "$root/bench/floor.c" $(pkg-config --cflags --libs libpq) \
        -lpthread -o "$work/floor" 2>"$work/log/cc.err" ||
        { cat "$work/log/cc.err" >&2; die "compiling bench/floor.c failed"; }
}

# bench_cluster: start the cluster, connect as role bench (sets pg_version, max_conn).
bench_cluster() {
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
}

# bench_tenants: create t0001..tNNNN; tenants.txt lists their direct URLs (sets
# width, master_db, master_conninfo, master_url, create_time).
bench_tenants() {
    local t0
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
}

# bench_migrations: the 10 and 11 drizzle-kit folders, the floor's SQL and the
# expected fingerprints (sets mig10, mig11, new_tag, n10, fp10, fp11).
bench_migrations() {
    local last_when tag
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
}

# bench_repo: the pgfleet repository with two commits (sets repo, commit1, commit2).
bench_repo() {
    repo=$work/repo
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
}

# fresh_master TOOL: a new master database with the tenants table (made by
# pgfleet itself for pgfleet runs, so its ledger starts empty; by psql
# otherwise) and one row per tenant database.
fresh_master() {
    pgc_psql -d postgres -c "DROP DATABASE IF EXISTS $master_db WITH (FORCE)" \
        -c "CREATE DATABASE $master_db" >/dev/null 2>"$work/log/master.err" ||
        { cat "$work/log/master.err" >&2; die "recreating the master database failed"; }
    if [ "${1%%-*}" = pgfleet ]; then
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
        pgfleet*) track="(SELECT count(*) FROM pgfleet.applied_migrations)" ;;
        node*) track="(SELECT count(*) FROM drizzle.__drizzle_migrations)" ;;
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

# timed TOOL JOBS PHASE RUN CMD...: run CMD under /usr/bin/time; append to
# $results (set by the caller) a line TOOL JOBS PHASE RUN SECONDS RSS_KIB; record wall
# time (ns clock) and peak RSS; a failing command fails the bench.
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
