#!/usr/bin/env bash
# bench/drift.sh — what recording schema fingerprints costs reconcile:
# bench/fleet.sh's phases (a) first apply of 10 migrations, (b) no-op rerun and
# (c) one new migration, for a pgfleet that does not record them (--baseline,
# e.g. main's binary built in another build directory) and for this build, in
# the same invocation, interleaved run by run, each also against the libpq
# floor of its own fleet.sh run.
#
# usage: bench/drift.sh --baseline BIN [--tenants N] [--runs R] [--jobs J]
set -euo pipefail
prog=bench/drift.sh
root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
baseline="" tenants=200 runs=3 jobs=8
while (($#)); do
    case $1 in
    --baseline) baseline=${2:?--baseline needs a binary}; shift 2 ;;
    --tenants) tenants=${2:?}; shift 2 ;;
    --runs) runs=${2:?}; shift 2 ;;
    --jobs) jobs=${2:?}; shift 2 ;;
    -h | --help) sed -n '2,9s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) printf '%s: unknown option %s\n' "$prog" "$1" >&2; exit 2 ;;
    esac
done
[[ -x $baseline ]] || { printf '%s: --baseline BIN (a pgfleet without fingerprints) is required\n' "$prog" >&2; exit 2; }
current=${PGFLEET:-$root/build/pgfleet}
[[ -x $current ]] || { printf '%s: %s: not built\n' "$prog" "$current" >&2; exit 2; }
out=$(mktemp -d "${TMPDIR:-/tmp}/pgfleet-drift-bench.XXXXXX")
trap 'rm -rf "$out"' EXIT

# one fleet.sh run per binary and round, alternating, so both see the same machine
for ((r = 1; r <= runs; r++)); do
    for which in baseline current; do
        bin=$baseline
        [[ $which == current ]] && bin=$current
        printf '%s: round %d/%d, %s (%s)\n' "$prog" "$r" "$runs" "$which" "$bin" >&2
        PGFLEET=$bin "$root/bench/fleet.sh" --only pgfleet,floor --jobs "$jobs" --tenants "$tenants" --runs 1 \
            >"$out/$which.$r" 2>"$out/$which.$r.err" || {
            printf '%s: fleet.sh failed for %s:\n' "$prog" "$which" >&2
            tr "\r" "\n" <"$out/$which.$r.err" | tail -n 30 >&2
            exit 1
        }
    done
done

# the table rows: "pgfleet@J  A s  B s  C s  RSS MiB" and "floor@J ..."
for which in baseline current; do
    cat "$out/$which".[0-9]* | awk -v w="$which" -v p="pgfleet@$jobs" -v f="floor@$jobs" \
        '$1 == p { print w, "pgfleet", $2, $4, $6 } $1 == f { print w, "floor", $2, $4, $6 }'
done | awk -v tenants="$tenants" -v runs="$runs" -v jobs="$jobs" '
function median(key,   n, i, j, t, a) {
    n = cnt[key]
    for (i = 1; i <= n; i++) a[i] = v[key, i]
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{ for (p = 1; p <= 3; p++) { k = $1 SUBSEP $2 SUBSEP p; v[k, ++cnt[k]] = $(p + 2) } }
END {
    printf "drift bench: %d tenants, --jobs %d, median of %d interleaved run(s) of bench/fleet.sh each\n\n", tenants, jobs, runs
    printf "%-30s %12s %12s %12s\n", "", "(a) first", "(b) no-op", "(c) one new"
    split("baseline current", ws, " ")
    for (w = 1; w <= 2; w++) for (t = 1; t <= 2; t++) {
        tool = t == 1 ? "pgfleet" : "floor"
        printf "%-30s", ws[w] " " tool "@" jobs
        for (p = 1; p <= 3; p++) { m[ws[w], tool, p] = median(ws[w] SUBSEP tool SUBSEP p); printf " %10.2f s", m[ws[w], tool, p] }
        printf "\n"
    }
    printf "\n%-30s", "current / baseline (pgfleet)"
    for (p = 1; p <= 3; p++) printf " %11.2fx", m["current", "pgfleet", p] / m["baseline", "pgfleet", p]
    printf "\n%-30s", "same, each over its own floor"
    for (p = 1; p <= 3; p++) printf " %11.2fx", (m["current", "pgfleet", p] / m["current", "floor", p]) / (m["baseline", "pgfleet", p] / m["baseline", "floor", p])
    printf "\n"
}'
