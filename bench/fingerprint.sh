#!/usr/bin/env bash
# bench/fingerprint.sh — what drift detection costs one tenant database that
# gets one new migration, in server time, taken apart. pgfleet applies the
# drizzle-kit fixture's 10 migrations to two tenants (recording their
# fingerprints), then the 11th to the first one with log_statement = all; the
# two statements it sent that tenant (the lock with its state and drift check,
# and the apply transaction with its fingerprint recording) are replayed with
# `pgbench -C` (a new connection, so a fresh backend, per replay) against the
# second tenant, its COMMIT turned into ROLLBACK so every replay starts from the
# same schema:
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
# leave dead catalog rows); the median round's mean latency is printed, and each line's
# ratio to "apply" and to "connect" from the same invocation.
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
command -v pgbench >/dev/null || die "pgbench not found (Debian: postgresql-15 or postgresql-client)"
bench_work fingerprint
bench_pgfleet_copy
bench_cluster
bench_tenants
bench_migrations
bench_repo
# shellcheck disable=SC2034  # read by fresh_master
reconcile_args=(--no-ledger) # no ledger: this bench times the tenant side
fresh_master pgfleet

pgf() { "$PGFLEET" --repo "$repo" --master "$master_conninfo" "$@" >>"$work/log/pgfleet.out" 2>&1 ||
    { tail -n 20 "$work/log/pgfleet.out" >&2; fail "pgfleet $*"; }; }
pgf --commit "$commit1" reconcile --no-ledger --quiet
# the second run, statement by statement, in the server log
pgc_psql -d postgres -c "ALTER SYSTEM SET log_statement = 'all'" -c "SELECT pg_reload_conf()" >/dev/null
pgf --commit "$commit2" reconcile --no-ledger --quiet --tenant t0001
pgc_psql -d postgres -c "ALTER SYSTEM RESET log_statement" -c "SELECT pg_reload_conf()" >/dev/null

# The lock (the statement that calls pgfleet.drift_check) and the statement
# after it from the same backend (the apply), each made one line: the log
# continues a statement on lines that start with a tab; drizzle's
# "--> statement-breakpoint" comments go (a line comment would swallow the
# rest of the joined line).
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
    /^\t/ && cur != "" { line = $0; sub(/^\t/, "", line); cur = cur " " line; next }
    END {
        if (cur != "") { stmt[++n] = cur; pid[n] = curpid }
        for (i = n; i > 0 && index(stmt[i], "pgfleet.drift_check(") == 0; i--) ;
        if (i == 0) exit 1
        for (j = i + 1; j <= n && pid[j] != pid[i]; j++) ;
        if (j > n) exit 1
        gsub(/--> statement-breakpoint/, "", stmt[j])
        for (k = i; k; k = (k == i ? j : 0)) sub(/;?[ \t]*$/, ";", stmt[k])
        print stmt[i] > (out "/lock.sql")
        print stmt[j] > (out "/apply.sql")
    }' "$PGC_DIR/log" || fail "the lock and apply statements are not in the server log"
grep -q "pgfleet.schema_snapshot" "$work/sql/apply.sql" || fail "the apply statement records no fingerprint"
grep -q 'COMMIT;$' "$work/sql/apply.sql" || fail "the apply statement does not end in COMMIT"

# the variants: the check is the lock's last statement; the recording starts
# at the WITH that reads pgfleet.schema_objects() and runs to the COMMIT
sed 's/COMMIT;$/ROLLBACK;/' "$work/sql/apply.sql" >"$work/sql/apply_rec.sql"
sed 's/ WITH lines AS (SELECT line FROM pgfleet\.schema_objects().*$/ ROLLBACK;/' "$work/sql/apply_rec.sql" \
    >"$work/sql/apply_norec.sql"
sed 's/; SELECT \* FROM pgfleet\.drift_check(.*$/;/' "$work/sql/lock.sql" >"$work/sql/lock_nocheck.sql"
cmp -s "$work/sql/apply_rec.sql" "$work/sql/apply_norec.sql" && fail "could not take the recording out"
cmp -s "$work/sql/lock.sql" "$work/sql/lock_nocheck.sql" && fail "could not take the check out"
s=$work/sql
printf 'SELECT 1;\n' >"$s/v_connect"
catalogs="pg_namespace pg_extension pg_depend pg_class pg_attribute pg_attrdef pg_type pg_collation pg_constraint
  pg_index pg_proc pg_trigger pg_policy pg_enum pg_range pg_sequence pg_inherits"
{ printf 'SELECT 1'; for c in $catalogs; do printf ', (SELECT count(*) FROM %s)' "$c"; done; printf ';\n'; } >"$s/v_catalogs"
cat "$s/lock_nocheck.sql" "$s/apply_norec.sql" >"$s/v_apply"
cat "$s/lock.sql" "$s/apply_norec.sql" >"$s/v_check"
cat "$s/lock_nocheck.sql" "$s/apply_rec.sql" >"$s/v_record"
cat "$s/lock.sql" "$s/apply_rec.sql" >"$s/v_both"
lines="connect catalogs apply check record both"
for v in $lines; do # every replay leaves the schema as it was
    pgc_psql -d t0002 -f "$s/v_$v" >/dev/null 2>"$work/log/$v.err" || { cat "$work/log/$v.err" >&2; fail "$v fails"; }
done
[[ $(pgc_psql -d t0002 -Atc "SELECT max(version) FROM pgfleet.applied_migrations") == 0009 ]] ||
    fail "a replay left a version behind"

note "$prog: $count fresh backends per line and round, $rounds rounds, load average $(cut -d' ' -f1-3 /proc/loadavg)"
for ((r = 1; r <= rounds; r++)); do
    for v in $lines; do
        # a rolled-back replay leaves dead catalog rows (autovacuum is off)
        pgc_psql -d t0002 -c "VACUUM" >/dev/null
        pgbench -n -C -c 1 -t "$count" -f "$s/v_$v" t0002 >"$work/log/pgbench.$v.$r" 2>&1 ||
            { cat "$work/log/pgbench.$v.$r" >&2; fail "pgbench $v"; }
        ms=$(sed -n 's/^latency average = \([0-9.]*\) ms$/\1/p' "$work/log/pgbench.$v.$r")
        [[ -n $ms ]] || { cat "$work/log/pgbench.$v.$r" >&2; fail "no latency from pgbench ($v)"; }
        printf '%s\t%s\n' "$v" "$ms" >>"$work/results.tsv"
    done
done

printf 'fingerprint bench: %s, %s fresh backends x %s rounds per line (pgbench -C, unix socket)\n' \
    "PostgreSQL $pg_version" "$count" "$rounds"
sort -t $'\t' -k1,1 -k2,2n "$work/results.tsv" | awk -F '\t' -v order="$lines" '
    { v[$1, ++n[$1]] = $2 }
    END {
        split(order, names, " ")
        for (i in names) { k = names[i]; med[k] = v[k, int((n[k] + 1) / 2)] }
        printf "%-10s %12s %12s %12s\n", "line", "ms/tenant", "/ apply", "/ connect"
        for (i = 1; i <= length(names); i++) {
            k = names[i]
            printf "%-10s %12.2f %11.2fx %11.2fx\n", (k == "check" || k == "record" || k == "both") ? "+" k : k,
                med[k], med[k] / med["apply"], med[k] / med["connect"]
        }
        printf "(median of the rounds; each line connects, so a fresh backend, every time)\n"
    }'
