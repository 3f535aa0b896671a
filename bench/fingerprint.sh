#!/usr/bin/env bash
# bench/fingerprint.sh — what drift detection costs one tenant database that
# gets one new migration, in server time, taken apart. pgfleet applies the
# drizzle-kit fixture's 10 migrations to two tenants (recording their
# fingerprints), then the 11th to the first one with log_statement = all; the
# two statements it sent that tenant (the lock with its state and drift check,
# and the apply transaction with its fingerprint recording) are replayed as
# pgfleet sent them, each as one simple-query message, by bench/floor.c's exec
# mode (a new connection, so a fresh backend, per replay) against the second
# tenant, the COMMIT turned into ROLLBACK so every replay starts from the same
# schema:
#
#   connect     connect and SELECT 1 (the floor's per-tenant minimum)
#   catalogs    connect and count(*) over each catalog the fingerprint reads
#               (what touching them at all costs a fresh backend)
#   apply       the lock and state, and the apply transaction, without drift
#               detection (what on_drift: off sends)
#   +check      apply, with the check before applying (pgfleet.drift_check)
#   +record     apply, with the recording after the migration
#   +both       apply, with both (what pgfleet sends by default)
#
# Each line is replayed --count times per round, the lines interleaved, for
# --rounds rounds, the database vacuumed before each (the rolled-back replays
# leave dead catalog rows); the median round's mean time per replay is
# printed, and each line's ratio to "apply" and to "connect" from the same
# invocation.
#
# usage: bench/fingerprint.sh [--count N] [--rounds R] [--keep]
# env:   PGFLEET  pgfleet binary (default: <repo>/build/pgfleet)
set -euo pipefail
prog=bench/fingerprint.sh
root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=SCRIPTDIR/lib.sh
. "$root/bench/lib.sh"

# shellcheck disable=SC2034  # keep, tenants and reconcile_args are read by lib.sh
count=200 rounds=5 keep=0 tenants=2
while (($#)); do
    case $1 in
    --count) count=${2:?--count needs a number}; shift 2 ;;
    --rounds) rounds=${2:?--rounds needs a number}; shift 2 ;;
    --keep) keep=1; shift ;;
    -h | --help) sed -n '2,26s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
    esac
done
[[ $count =~ ^[1-9][0-9]*$ && $rounds =~ ^[1-9][0-9]*$ ]] || die "--count and --rounds take positive integers"

bench_require
bench_require_pgfleet
bench_work fingerprint
bench_pgfleet_copy
bench_floor
bench_cluster
bench_tenants
bench_migrations
bench_repo
# shellcheck disable=SC2034  # read by fresh_master
reconcile_args=(--no-ledger) # no ledger: this bench times the tenant side
fresh_master pgfleet

pgf() { "$PGFLEET" --repo "$repo" --master "$master_conninfo" "$@" >>"$work/log/pgfleet.out" 2>&1 ||
    { tail -n 20 "$work/log/pgfleet.out" >&2; fail "pgfleet $*"; }; }
# set_logging all|none: log_statement, once a new session sees it (a reload
# is asynchronous)
set_logging() {
    local want=$1 tries=0
    pgc_psql -d postgres -c "ALTER SYSTEM SET log_statement = '$want'" -c "SELECT pg_reload_conf()" >/dev/null
    until [[ $(pgc_psql -d postgres -Atc "SHOW log_statement") == "$want" ]]; do
        ((++tries < 100)) || die "log_statement did not become '$want'"
        sleep 0.05
    done
}
pgf --commit "$commit1" reconcile --no-ledger --quiet
# the second run, statement by statement, in the server log
set_logging all
pgf --commit "$commit2" reconcile --no-ledger --quiet --tenant t0001
set_logging none

# The lock (the query that calls pgfleet.drift_check) and the query after it
# from the same backend (the apply), as sent: the log continues a query on
# lines that start with a tab.
awk -v out="$work/sql" '
    /^[0-9][0-9][0-9][0-9]-/ {
        if (cur != "") { stmt[++n] = cur; pid[n] = curpid }
        cur = ""; curpid = ""
        if (match($0, /LOG:  statement: /)) {
            match($0, /\[[0-9]+\]/); curpid = substr($0, RSTART, RLENGTH)
            line = $0; sub(/.*LOG:  statement: /, "", line); cur = line
        }
        next
    }
    /^\t/ && cur != "" { line = $0; sub(/^\t/, "", line); cur = cur "\n" line; next }
    END {
        if (cur != "") { stmt[++n] = cur; pid[n] = curpid }
        for (i = n; i > 0 && index(stmt[i], "pgfleet.drift_check(") == 0; i--) ;
        if (i == 0) exit 1
        for (j = i + 1; j <= n && pid[j] != pid[i]; j++) ;
        if (j > n) exit 1
        print stmt[i] > (out "/lock.sql")
        print stmt[j] > (out "/apply.sql")
    }' "$PGC_DIR/log" || fail "the lock and apply statements are not in the server log"
s=$work/sql
grep -q "pgfleet.schema_snapshot" "$s/apply.sql" || fail "the apply statement records no fingerprint"
[[ $(tail -n 1 "$s/apply.sql") == "COMMIT;" ]] || fail "the apply statement does not end in a COMMIT line"

# The variants. The recording runs from the line that starts with the WITH
# reading pgfleet.schema_objects() to the COMMIT line; the check is the
# lock's last statement, from "; SELECT * FROM pgfleet.drift_check(" on.
sed '$ s/^COMMIT;$/ROLLBACK;/' "$s/apply.sql" >"$s/apply_rec.sql"
awk '/^WITH lines AS \(SELECT line FROM pgfleet\.schema_objects\(\)/ { skip = 1 }
     /^ROLLBACK;$/ { skip = 0 } !skip' "$s/apply_rec.sql" >"$s/apply_norec.sql"
awk '{ text = text (NR > 1 ? "\n" : "") $0 }
     END { i = index(text, "; SELECT * FROM pgfleet.drift_check(")
           if (i == 0) exit 1
           print substr(text, 1, i - 1) }' "$s/lock.sql" >"$s/lock_nocheck.sql" || fail "no drift check in the lock"
[[ $(wc -l <"$s/apply_norec.sql") -lt $(wc -l <"$s/apply_rec.sql") ]] || fail "could not take the recording out"
! grep -q "schema_objects\|schema_snapshot" "$s/apply_norec.sql" || fail "the recording is not all out"
# a line: its queries, each sent as one simple-query message (floor --mode exec)
query() { cat "$@"; printf '\\g\n'; }
printf 'SELECT 1\n' >"$s/v_connect"
catalogs="pg_namespace pg_extension pg_depend pg_class pg_attribute pg_attrdef pg_type pg_collation pg_constraint
  pg_index pg_proc pg_trigger pg_policy pg_enum pg_range pg_sequence pg_inherits"
{ printf 'SELECT 1'; for c in $catalogs; do printf ', (SELECT count(*) FROM %s)' "$c"; done; printf '\n'; } >"$s/v_catalogs"
{ query "$s/lock_nocheck.sql"; query "$s/apply_norec.sql"; } >"$s/v_apply"
{ query "$s/lock.sql"; query "$s/apply_norec.sql"; } >"$s/v_check"
{ query "$s/lock_nocheck.sql"; query "$s/apply_rec.sql"; } >"$s/v_record"
{ query "$s/lock.sql"; query "$s/apply_rec.sql"; } >"$s/v_both"
lines="connect catalogs apply check record both"
conninfo=$(pgc_conninfo t0002)
for v in $lines; do # each runs without an error and leaves the schema as it was
    printf '%s\n' "$conninfo" >"$work/once.txt"
    "$work/floor" --mode exec --sql "$s/v_$v" "$work/once.txt" 2>"$work/log/$v.err" ||
        { cat "$work/log/$v.err" >&2; fail "$v fails"; }
done
[[ $(pgc_psql -d t0002 -Atc "SELECT max(version) FROM pgfleet.applied_migrations") == 0009 ]] ||
    fail "a replay left a version behind"
for ((i = 0; i < count; i++)); do printf '%s\n' "$conninfo"; done >"$work/replays.txt"

note "$prog: $count fresh backends per line and round, $rounds rounds, load average $(cut -d' ' -f1-3 /proc/loadavg)"
for ((r = 1; r <= rounds; r++)); do
    for v in $lines; do
        # a rolled-back replay leaves dead catalog rows (autovacuum is off)
        pgc_psql -d t0002 -c "VACUUM" >/dev/null
        t0=$(now)
        "$work/floor" --mode exec --sql "$s/v_$v" "$work/replays.txt" 2>"$work/log/$v.$r.err" ||
            { tail -n 5 "$work/log/$v.$r.err" >&2; fail "replaying $v"; }
        t1=$(now)
        printf '%s\t%s\n' "$v" "$(awk -v a="$t0" -v b="$t1" -v n="$count" 'BEGIN { printf "%.3f", (b - a) / 1e6 / n }')" \
            >>"$work/results.tsv"
    done
done

printf 'fingerprint bench: %s, %s fresh backends x %s rounds per line (unix socket)\n' \
    "PostgreSQL $pg_version" "$count" "$rounds"
sort -t $'\t' -k1,1 -k2,2n "$work/results.tsv" | awk -F '\t' -v order="$lines" '
    { v[$1, ++n[$1]] = $2 }
    END {
        m = split(order, names, " ")
        for (i = 1; i <= m; i++) { k = names[i]; med[k] = v[k, int((n[k] + 1) / 2)] }
        printf "%-10s %12s %12s %12s\n", "line", "ms/tenant", "/ apply", "/ connect"
        for (i = 1; i <= m; i++) {
            k = names[i]
            printf "%-10s %12.2f %11.2fx %11.2fx\n", (k == "check" || k == "record" || k == "both") ? "+" k : k,
                med[k], med[k] / med["apply"], med[k] / med["connect"]
        }
        printf "(median of the rounds, the lower one of an even count; each replay connects: a fresh backend)\n"
    }'
