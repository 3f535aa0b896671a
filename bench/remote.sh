#!/usr/bin/env bash
# bench/remote.sh — the fleet bench with the tenant databases "across a
# network": every tenant's database_url points at ../shared/tools/latency-proxy
# (a loopback TCP proxy delaying every chunk by --delay-ms one way) in front of
# one throwaway cluster's unix socket. For each one-way delay, on tenants that
# already carry the 10 drizzle-kit migrations (applied untimed, directly),
# times (b) a no-op rerun and (c) one new migration (the 11th) for:
#   floor@J       bench/floor.c: connect + SELECT 1, or connect + the DDL in one
#                 transaction, J threads (the least any tool must do)
#   pgfleet@J     pgfleet reconcile --jobs J with its signed ledger (--key)
#   pgfleet-nl@J  the same with --no-ledger
#   pgfleet-nd@J  the same with its ledger and a policy of {"on_drift": "off"}
#                 (no schema fingerprint checked or recorded)
#   node@1        the seed's loop: drizzle-orm migrate() per tenant, sequential
#   node-pool@16  the same loop with a 16-promise pool
# and checks every tenant's schema and tracking rows after each phase.
#
# usage: bench/remote.sh [--tenants N] [--delays "2 5"] [--jobs "1 16 64"] [--quick] [--keep]
set -euo pipefail

prog=bench/remote.sh
root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)

usage() {
    cat <<EOF
usage: $prog [--tenants N] [--delays "2 5"] [--jobs "1 16 64"] [--quick] [--keep]

Times no-op and one-new-migration reconciles of N tenant databases reached
through a latency proxy, for pgfleet (with and without its ledger) at each
--jobs, the node drizzle-orm loop (sequential and with a 16-promise pool) and
a libpq floor at each --jobs; prints wall times, ratios and peak RSS.

  --tenants N    tenant databases (default 1000)
  --delays LIST  one-way delays in ms, one proxy each (default "2 5")
  --jobs LIST    concurrencies for pgfleet and the floor (default "1 16 64")
  --quick        --delays 5 --jobs 16 (sequential node and pooled node stay)
  --keep         keep the work directory (repository, logs, results.tsv)
  -h, --help     this help

environment:
  PGFLEET        pgfleet binary (default: $root/build/pgfleet)
  PGFLEET_ARGS   extra options for each \`pgfleet reconcile\` (word-split)
  LATENCY_PROXY  the proxy (default: $root/../shared/tools/latency-proxy)

Exit: 0 measured (whether or not the aims were met), 1 a tool failed or left a
wrong schema, 2 usage or setup error.
EOF
}

# shellcheck source=SCRIPTDIR/lib.sh
. "$root/bench/lib.sh"

tenants=1000 delays="2 5" jobs_list="1 16 64" keep=0
while [ $# -gt 0 ]; do
    case $1 in
        --tenants) [ $# -ge 2 ] || die "--tenants needs a value"; tenants=$2; shift 2 ;;
        --delays) [ $# -ge 2 ] || die "--delays needs a value"; delays=$2; shift 2 ;;
        --jobs) [ $# -ge 2 ] || die "--jobs needs a value"; jobs_list=$2; shift 2 ;;
        --quick) delays=5 jobs_list=16; shift ;;
        --keep) keep=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; die "unknown argument: $1" ;;
    esac
done
[[ $tenants =~ ^[1-9][0-9]*$ ]] || die "--tenants must be a positive integer, got '$tenants'"
for d in $delays; do [[ $d =~ ^[0-9]+$ ]] || die "--delays values must be integers (ms), got '$d'"; done
for j in $jobs_list; do
    [[ $j =~ ^[1-9][0-9]*$ ]] && ((j <= 150)) || die "--jobs values must be integers 1..150, got '$j'"
done
[ -n "$delays" ] && [ -n "$jobs_list" ] || die "--delays and --jobs need at least one value"
pool=16 # the pooled node loop's promises, and the --jobs of the untimed setup

proxy=${LATENCY_PROXY:-$root/../shared/tools/latency-proxy}
[ -x "$proxy" ] || die "latency proxy '$proxy' not found or not executable (set LATENCY_PROXY)"
command -v python3 >/dev/null || die "python3 not found (the latency proxy and a free port need it)"

# --- setup (bench/lib.sh) ---------------------------------------------------
bench_require
bench_require_pgfleet
bench_require_node
bench_work remote
bench_pgfleet_copy
bench_ledger_key
extra_args=("${reconcile_args[@]}")
bench_floor
bench_cluster
bench_tenants
bench_migrations
bench_repo
results=$work/results.tsv
: >"$results"
printf '{"on_drift": "off"}\n' >"$work/drift-off.json"
load_start=$(cut -d' ' -f1-3 /proc/loadavg)

# --- the proxy ------------------------------------------------------------------
# One proxy per delay on a free loopback port, in front of the cluster's unix
# socket; the tenants' URLs name it (sslmode=disable: the cluster has no TLS,
# and libpq would otherwise spend a round trip asking).
proxy_pid=
stop_proxy() {
    if [ -n "$proxy_pid" ]; then
        kill "$proxy_pid" 2>/dev/null || true
        wait "$proxy_pid" 2>/dev/null || true
        proxy_pid=
    fi
}
cleanup_add stop_proxy
start_proxy() { # DELAY_MS: sets proxy_port, writes tenants-proxy.txt
    local d=$1 i
    proxy_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    "$proxy" --listen "127.0.0.1:$proxy_port" --to "$PGHOST/.s.PGSQL.$PGPORT" --delay-ms "$d" \
        >"$work/log/proxy.$d.out" 2>&1 &
    proxy_pid=$!
    for ((i = 0; i < 100; i++)); do
        grep -q ready "$work/log/proxy.$d.out" 2>/dev/null && break
        kill -0 "$proxy_pid" 2>/dev/null || { cat "$work/log/proxy.$d.out" >&2; die "the latency proxy exited"; }
        sleep 0.1
    done
    grep -q ready "$work/log/proxy.$d.out" || die "the latency proxy did not print 'ready' within 10 s"
    awk -v p="$proxy_port" -v u="$PGUSER" \
        '{ printf "postgresql://%s@127.0.0.1:%s/%s?sslmode=disable\n", u, p, $1 }' \
        "$work/dbnames" >"$work/tenants-proxy.txt"
}
# point_tenants: the tenants table's URLs go through the proxy from now on.
point_tenants() {
    pgc_psql -d "$master_db" -v p="$proxy_port" -v u="$PGUSER" >/dev/null 2>"$work/log/point.err" <<'EOF' ||
UPDATE tenants SET database_url = format('postgresql://%s@127.0.0.1:%s/%s?sslmode=disable', :'u', :'p', slug);
EOF
        { cat "$work/log/point.err" >&2; die "pointing the tenants at the proxy failed"; }
}

# --- one tool -----------------------------------------------------------------
# run_tool TOOL JOBS DELAY: fresh master, reset, the 10 migrations applied
# directly (untimed, checked), then through the proxy (b) and (c), each checked.
run_tool() {
    local tool=$1 jobs=$2 d=$3 label="$1@$2" run="d$3" t0
    printf '[%s ms] %-14s' "$d" "$label" >&2
    t0=$(now)
    case $tool in
        pgfleet) reconcile_args=(--key "$ledger_key" "${extra_args[@]}") ;;
        pgfleet-nl) reconcile_args=(--no-ledger "${extra_args[@]}") ;;
        pgfleet-nd) reconcile_args=(--key "$ledger_key" --policy "$work/drift-off.json" "${extra_args[@]}") ;;
    esac
    fresh_master "$tool"
    reset_tenants
    local pg=("$PGFLEET" --repo "$repo" --master "$master_conninfo")
    local nd=(env MASTER_DATABASE_URL="$master_url" node "$nodedir/migrate.mjs")
    case $tool in
        pgfleet*) "${pg[@]}" --commit "$commit1" reconcile --jobs "$pool" --quiet "${reconcile_args[@]}" \
                      >"$work/log/setup.out" 2>&1 ;;
        node*) "${nd[@]}" --pool "$pool" "$mig10" >"$work/log/setup.out" 2>&1 ;;
        floor) "$work/floor" --jobs 8 --mode ddl --sql "$work/sql/ddl10.sql" "$work/tenants.txt" \
                   >"$work/log/setup.out" 2>&1 ;;
    esac || { tail -n 20 "$work/log/setup.out" >&2; fail "$label: applying the 10 migrations (untimed) failed"; }
    check "$tool" "$label (setup)" "$fp10" 10
    point_tenants
    printf ' setup %ss' "$(secs "$t0" "$(now)")" >&2
    case $tool in
        pgfleet*)
            local rec=(reconcile --jobs "$jobs" --quiet "${reconcile_args[@]}")
            timed "$tool" "$jobs" b "$run" "${pg[@]}" --commit "$commit1" "${rec[@]}"
            check "$tool" "$label (b)" "$fp10" 10
            timed "$tool" "$jobs" c "$run" "${pg[@]}" --commit "$commit2" "${rec[@]}"
            check "$tool" "$label (c)" "$fp11" 11
            ;;
        node*)
            timed "$tool" "$jobs" b "$run" "${nd[@]}" --pool "$jobs" "$mig10"
            check "$tool" "$label (b)" "$fp10" 10
            timed "$tool" "$jobs" c "$run" "${nd[@]}" --pool "$jobs" "$mig11"
            check "$tool" "$label (c)" "$fp11" 11
            ;;
        floor)
            local fl=("$work/floor" --jobs "$jobs")
            timed floor "$jobs" b "$run" "${fl[@]}" --mode noop "$work/tenants-proxy.txt"
            check floor "$label (b)" "$fp10" -
            timed floor "$jobs" c "$run" "${fl[@]}" --mode ddl --sql "$work/sql/ddl11.sql" "$work/tenants-proxy.txt"
            check floor "$label (c)" "$fp11" -
            ;;
    esac
    printf '\n' >&2
}

# --- timing -------------------------------------------------------------------
printf 'remote fleet bench: %d tenant databases through latency-proxy, one-way delays %s ms\n' "$tenants" "$delays"
printf 'cluster:  PostgreSQL %s, unix socket behind the proxy, fsync off, autovacuum off, max_connections %s, %s CPUs\n' \
    "$pg_version" "$max_conn" "$(nproc 2>/dev/null || echo '?')"
printf 'pgfleet:  %s (%s, copied at start); pgfleet = signed ledger (--key), pgfleet-nl = --no-ledger, pgfleet-nd = on_drift off\n' \
    "$pgfleet_src" "$("$PGFLEET" --version 2>/dev/null | head -n 1)"
printf 'node:     %s, drizzle-orm %s, pg %s; node@1 sequential, node-pool@%s a %s-promise pool\n' "$(node --version)" \
    "$(node -p "require('$nodedir/node_modules/drizzle-orm/package.json').version")" \
    "$(node -p "require('$nodedir/node_modules/pg/package.json').version")" "$pool" "$pool"
printf 'setup:    %d databases created in %s s; load average at start %s\n\n' "$tenants" "$create_time" "$load_start"

for d in $delays; do
    start_proxy "$d"
    note "proxy: 127.0.0.1:$proxy_port -> $PGHOST/.s.PGSQL.$PGPORT, $d ms one way (load average $(cut -d' ' -f1-3 /proc/loadavg))"
    for j in $jobs_list; do
        run_tool floor "$j" "$d"
        run_tool pgfleet "$j" "$d"
        run_tool pgfleet-nl "$j" "$d"
        run_tool pgfleet-nd "$j" "$d"
    done
    run_tool node-pool "$pool" "$d"
    run_tool node 1 "$d"
    stop_proxy
done
load_end=$(cut -d' ' -f1-3 /proc/loadavg)
note ""

# --- report ---------------------------------------------------------------------
awk -F'\t' -v jl="$jobs_list" -v dl="$delays" -v pool="$pool" -v l0="$load_start" -v l1="$load_end" '
function cell(x) { return x == "" ? sprintf("%9s", "-") : sprintf("%7.2f s", x) }
function ratio(a, b) { return (a == "" || b == "" || b <= 0) ? sprintf("%9s", "-") : sprintf("%8.2fx", a / b) }
{ t[$1 "@" $2, $4, $3] = $5; if ($6 > rss[$1 "@" $2]) rss[$1 "@" $2] = $6 }
END {
    nj = split(jl, J, " "); nd = split(dl, D, " ")
    for (i = 1; i <= nj; i++) { row[++nr] = "floor@" J[i]; row[++nr] = "pgfleet@" J[i]; row[++nr] = "pgfleet-nl@" J[i]; row[++nr] = "pgfleet-nd@" J[i] }
    row[++nr] = "node-pool@" pool; row[++nr] = "node@1"
    printf "%-16s", "tool@jobs"
    for (k = 1; k <= nd; k++) printf "  %9s %9s", "(b)" D[k] "ms", "(c)" D[k] "ms"
    printf "  %10s\n", "peak RSS"
    for (i = 1; i <= nr; i++) {
        printf "%-16s", row[i]
        for (k = 1; k <= nd; k++) printf "  %s %s", cell(t[row[i], "d" D[k], "b"]), cell(t[row[i], "d" D[k], "c"])
        printf "  %6.1f MiB\n", rss[row[i]] / 1024
    }
    printf "((b) no-op rerun, (c) one new migration; wall time, one run each; peak RSS: largest process)\n\n"
    printf "%-30s", "ratio"
    for (k = 1; k <= nd; k++) printf "  %9s %9s", "(b)" D[k] "ms", "(c)" D[k] "ms"
    printf "\n"
    for (i = 1; i <= nj; i++) {
        n = 0; r[++n] = "pgfleet@" J[i] " / floor@" J[i]; a[n] = "pgfleet@" J[i]; b[n] = "floor@" J[i]
        r[++n] = "pgfleet-nl@" J[i] " / floor@" J[i]; a[n] = "pgfleet-nl@" J[i]; b[n] = "floor@" J[i]
        r[++n] = "node-pool@" pool " / pgfleet@" J[i]; a[n] = "node-pool@" pool; b[n] = "pgfleet@" J[i]
        r[++n] = "node@1 / pgfleet@" J[i]; a[n] = "node@1"; b[n] = "pgfleet@" J[i]
        r[++n] = "pgfleet-nd@" J[i] " / floor@" J[i]; a[n] = "pgfleet-nd@" J[i]; b[n] = "floor@" J[i]
        r[++n] = "node-pool@" pool " / pgfleet-nd@" J[i]; a[n] = "node-pool@" pool; b[n] = "pgfleet-nd@" J[i]
        for (m = 1; m <= n; m++) {
            printf "%-30s", r[m]
            for (k = 1; k <= nd; k++) for (p = 1; p <= 2; p++) {
                ph = substr("bc", p, 1); x = t[a[m], "d" D[k], ph]; y = t[b[m], "d" D[k], ph]
                printf "  %s", ratio(x, y)
                if (m == 1 && y != "") n1++
                if (m == 1 && y != "" && x > 1.25 * y) miss1 = miss1 sprintf(" %s(%s,%sms)=%.2fx", a[m], ph, D[k], x / y)
                if (m == 3 && J[i] >= pool && x != "" && y != "") n2++
                if (m == 3 && J[i] >= pool && x != "" && y != "" && x <= y) miss2 = miss2 sprintf(" %s(%s,%sms)", b[m], ph, D[k])
                if (m == 4 && D[k] == 5 && J[i] >= pool && y != "") n3++
                if (m == 4 && D[k] == 5 && J[i] >= pool && y != "" && x < 20 * y) miss3 = miss3 sprintf(" %s(%s)=%.1fx", b[m], ph, x / y)
            }
            printf "\n"
        }
    }
    printf "\naim: pgfleet@J within 1.25x of floor@J: %s\n", !n1 ? "n/a" : miss1 == "" ? "met" : "MISSED:" miss1
    printf "aim: pgfleet@J (J >= %s) faster than node-pool@%s: %s\n", pool, pool, !n2 ? "n/a" : miss2 == "" ? "met" : "MISSED:" miss2
    printf "aim: at 5 ms, node@1 / pgfleet@J (J >= %s) at least 20x: %s\n", pool, !n3 ? "n/a" : miss3 == "" ? "met" : "MISSED:" miss3
    for (x in rss) if (x ~ /^pgfleet/ && rss[x] > mr) mr = rss[x]
    printf "pgfleet peak RSS: %.1f MiB; load average at start %s, at end %s\n", mr / 1024, l0, l1
}' "$results"
