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
                      [--no-ledger] [--ledger-share] [--drift-share]

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
  --ledger-share
                also run pgfleet-nl@J (the same with --no-ledger) next to
                pgfleet@J, and report the ledger's share of each phase:
                (pgfleet - pgfleet-nl) / pgfleet
  --drift-share also run pgfleet-nd@J (the same with a policy of
                {"on_drift": "off"}: no schema fingerprint checked or recorded)
                next to pgfleet@J, and report drift's share of each phase:
                (pgfleet - pgfleet-nd) / pgfleet
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

# shellcheck source=SCRIPTDIR/lib.sh
. "$root/bench/lib.sh"

tenants=1000 runs=1 jobs_list="1 8 16" keep=0 only="pgfleet,node,floor" ledger=1 share=0 dshare=0
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
        --ledger-share) share=1; shift ;;
        --drift-share) dshare=1; shift ;;
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

# --- setup (bench/lib.sh) ---------------------------------------------------
bench_require
[ "$want_pgfleet" = 1 ] && bench_require_pgfleet
[ "$want_node" = 1 ] && bench_require_node
bench_work fleet
if [ "$want_pgfleet" = 1 ]; then
    bench_pgfleet_copy
    # reconcile signs ledger entries with --key (or is told --no-ledger).
    nl_args=(--no-ledger "${reconcile_args[@]}")
    if [ "$ledger" = 0 ]; then
        reconcile_args=(--no-ledger "${reconcile_args[@]}")
        ledger_note="--no-ledger"
    else
        bench_ledger_key
        reconcile_args=(--key "$ledger_key" "${reconcile_args[@]}")
        ledger_note="signed ledger, --key (throwaway Ed25519)"
    fi
fi
bench_floor
bench_cluster
bench_tenants
bench_migrations
[ "$want_pgfleet" = 1 ] && bench_repo
results=$work/results.tsv
printf '{"on_drift": "off"}\n' >"$work/drift-off.json"
: >"$results"

run_tool() {
    local tool=$1 jobs=$2 run=$3 t0 label="$1@$2"
    printf '[run %s] %-12s' "$run" "$label" >&2
    t0=$(now)
    fresh_master "$tool"
    reset_tenants
    printf ' reset %ss' "$(secs "$t0" "$(now)")" >&2
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$tool" "$jobs" reset "$run" "$(secs "$t0" "$(now)")" 0 >>"$results"
    case $tool in
        pgfleet | pgfleet-nl | pgfleet-nd)
            local pg=("$PGFLEET" --repo "$repo" --master "$master_conninfo")
            local rec=(reconcile --jobs "$jobs" --quiet "${reconcile_args[@]}")
            [ "$tool" = pgfleet-nl ] && rec=(reconcile --jobs "$jobs" --quiet "${nl_args[@]}")
            [ "$tool" = pgfleet-nd ] && rec+=(--policy "$work/drift-off.json")
            timed "$tool" "$jobs" a "$run" "${pg[@]}" --commit "$commit1" "${rec[@]}"
            check "$tool" "$label (a)" "$fp10" 10
            timed "$tool" "$jobs" b "$run" "${pg[@]}" --commit "$commit1" "${rec[@]}"
            check "$tool" "$label (b)" "$fp10" 10
            timed "$tool" "$jobs" c "$run" "${pg[@]}" --commit "$commit2" "${rec[@]}"
            check "$tool" "$label (c)" "$fp11" 11
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
    [ "$want_pgfleet" = 1 ] && [ "$share" = 1 ] && [ "$ledger" = 1 ] && combos+=("pgfleet-nl $j")
    [ "$want_pgfleet" = 1 ] && [ "$dshare" = 1 ] && combos+=("pgfleet-nd $j")
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
    -v wp="$want_pgfleet" -v wn="$want_node" -v wf="$want_floor" -v ws="$((share * ledger))" -v wd="$((dshare * want_pgfleet))" '
function median(key,   n, i, j, t, v) {
    n = cnt[key]; if (!n) return -1
    for (i = 1; i <= n; i++) v[i] = val[key, i]
    for (i = 2; i <= n; i++) { t = v[i]; for (j = i - 1; j >= 1 && v[j] > t; j--) v[j + 1] = v[j]; v[j + 1] = t }
    return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
}
function cell(x) { return x < 0 ? sprintf("%15s", "-") : sprintf("%13.2f s", x) }
# what the difference between tool t and the same without one part (w) is
# of t, per phase
function share_row(label, t, w,   p) {
    printf "%-22s", label
    for (p = 1; p <= 3; p++)
        printf " %14.0f%%", (m[t, p] > 0 && m[w, p] >= 0) ? 100 * (m[t, p] - m[w, p]) / m[t, p] : -1
    printf "\n"
}
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
        if (wp && ws) row[++nr] = "pgfleet-nl@" J[i]
        if (wd) row[++nr] = "pgfleet-nd@" J[i]
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
    if (wp && ws)
        for (i = 1; i <= nj; i++) share_row("ledger share @" J[i], "pgfleet@" J[i], "pgfleet-nl@" J[i])
    if (wd) {
        for (i = 1; i <= nj; i++) share_row("drift share @" J[i], "pgfleet@" J[i], "pgfleet-nd@" J[i])
        if (wf)
            for (i = 1; i <= nj; i++) {
                p1 = "pgfleet-nd@" J[i]; f1 = "floor@" J[i]
                printf "%-22s %s %s %s\n", p1 " / " f1, ratio(m[p1, 1], m[f1, 1]), ratio(m[p1, 2], m[f1, 2]), ratio(m[p1, 3], m[f1, 3])
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
