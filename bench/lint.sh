#!/usr/bin/env bash
# bench/lint.sh — `pgfleet lint` against squawk on the same 1,000 realistic
# migration files, in the same run, then where the two disagree, rule by rule.
#
#   1. bench/lint/gen.py writes N files (seeded, deterministic) into a
#      temporary directory;
#   2. squawk-cli (pinned in bench/lint/package.json and package-lock.json)
#      is installed with `npm ci` into bench/.cache/squawk (git-ignored) when
#      missing; its native binary is timed, not the node wrapper;
#   3. R rounds, the order rotating: one `pgfleet lint --json FILE...` process
#      and one `squawk --reporter json --assume-in-transaction FILE...`
#      process over all N files each; median wall time, files/s, peak RSS;
#   4. untimed: squawk again without --assume-in-transaction over the
#      `-- pgfleet:no-transaction` files, then, with the last timed run's
#      `pgfleet lint --json` output, bench/lint/compare.py with bench/lint/rulemap.tsv writes the
#      disagreement report and prints its summary.
#
# usage: bench/lint.sh [--files N] [--runs R] [--seed S] [--report FILE] [--only squawk] [--keep]
# env:   PGFLEET  path of the pgfleet binary (default: <repo>/build/pgfleet)
set -euo pipefail

prog=bench/lint.sh
root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)

usage() {
    cat <<EOF
usage: $prog [--files N] [--runs R] [--seed S] [--report FILE] [--only squawk] [--keep]

Lints N generated migration files with \`pgfleet lint\` and with squawk, each
one process over all files, R times interleaved; prints median wall time,
files/s, peak RSS and the ratio squawk / pgfleet (the aim: >= 2). Then writes
a rule-by-rule disagreement report (both / pgfleet only / squawk only, with
file:line examples and why) and prints its summary.

  --files N      migration files to generate (default 1000)
  --runs R       timed runs of each tool, interleaved (default 5)
  --seed S       generator seed (default 20261124)
  --report FILE  where to write the disagreement report
                 (default bench/.cache/lint-disagreements.md)
  --only squawk  time squawk alone and print its findings per rule (for a
                 pgfleet build without lint)
  --keep         keep the work directory (corpus, outputs) and print its path
  -h, --help     this help

environment:
  PGFLEET        pgfleet binary (default: $root/build/pgfleet); copied into
                 the work directory at start
  TMPDIR         where the work directory is made (default /tmp)
EOF
}

die() { printf '%s: %s\n' "$prog" "$*" >&2; exit 2; }

files=1000 runs=5 seed=20261124 keep=0 only=
report=$root/bench/.cache/lint-disagreements.md
while [ $# -gt 0 ]; do
    case $1 in
        --files) [ $# -ge 2 ] || die "--files needs a value"; files=$2; shift 2 ;;
        --files=*) files=${1#*=}; shift ;;
        --runs) [ $# -ge 2 ] || die "--runs needs a value"; runs=$2; shift 2 ;;
        --runs=*) runs=${1#*=}; shift ;;
        --seed) [ $# -ge 2 ] || die "--seed needs a value"; seed=$2; shift 2 ;;
        --seed=*) seed=${1#*=}; shift ;;
        --report) [ $# -ge 2 ] || die "--report needs a value"; report=$2; shift 2 ;;
        --report=*) report=${1#*=}; shift ;;
        --only) [ $# -ge 2 ] || die "--only needs a value"; only=$2; shift 2 ;;
        --only=*) only=${1#*=}; shift ;;
        --keep) keep=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; die "unknown argument: $1" ;;
    esac
done
[[ $files =~ ^[1-9][0-9]*$ ]] && [ "$files" -le 99999 ] || die "--files must be 1..99999, got '$files'"
[[ $runs =~ ^[1-9][0-9]*$ ]] || die "--runs must be a positive integer, got '$runs'"
[[ $seed =~ ^[0-9]+$ ]] || die "--seed must be a non-negative integer, got '$seed'"
case $only in ''|squawk) ;; *) die "--only: only 'squawk' is supported, got '$only'" ;; esac
for tool in python3 node npm; do
    command -v "$tool" >/dev/null || die "$tool not found"
done

work=$(mktemp -d "${TMPDIR:-/tmp}/pgfleet-lintbench.XXXXXX")
cleanup() { if [ "$keep" = 1 ]; then printf 'kept: %s\n' "$work"; else rm -rf "$work"; fi; }
trap cleanup EXIT
trap 'exit 130' INT TERM
export LC_ALL=C

# --- pgfleet ----------------------------------------------------------------
if [ -z "$only" ]; then
    PGFLEET=${PGFLEET:-$root/build/pgfleet}
    case $PGFLEET in /*) ;; */*) PGFLEET=$PWD/$PGFLEET ;; esac
    [ -f "$PGFLEET" ] && [ -x "$PGFLEET" ] ||
        die "pgfleet binary '$PGFLEET' is missing or not executable; build it
  (meson setup build && meson compile -C build) or set PGFLEET=/path/to/pgfleet"
    pgfleet_src=$PGFLEET
    cp "$PGFLEET" "$work/pgfleet"
    PGFLEET=$work/pgfleet
    if ! "$PGFLEET" lint --rules >"$work/rules.txt" 2>"$work/rules.err"; then
        head -n 3 "$work/rules.err" >&2
        die "'pgfleet lint --rules' failed: this pgfleet has no lint; use --only squawk"
    fi
fi

# --- squawk -----------------------------------------------------------------
cache=$root/bench/.cache/squawk
if ! cmp -s "$root/bench/lint/package-lock.json" "$cache/.installed-from-lock" ||
   [ ! -d "$cache/node_modules/squawk-cli" ]; then
    printf 'installing squawk-cli into %s (npm ci)\n' "$cache" >&2
    rm -rf "$cache"
    mkdir -p "$cache"
    cp "$root/bench/lint/package.json" "$root/bench/lint/package-lock.json" "$cache/"
    # npm 11's `npm ci` refuses a lock file that lacks other platforms'
    # optional binary packages; `npm install` of the same pinned version
    # then resolves this platform's one
    (cd "$cache" && { npm ci --no-audit --no-fund --loglevel=error >&2 ||
        npm install --no-audit --no-fund --loglevel=error >&2; }) || die "installing squawk-cli failed"
    cp "$root/bench/lint/package-lock.json" "$cache/.installed-from-lock"
fi
# The npm package runs the platform package's native binary from a node
# script; time the binary itself, so node's start-up is not counted.
platform=$(node -p 'process.platform + "-" + process.arch')
SQUAWK=$cache/node_modules/@squawk-cli/$platform/bin/squawk
[ -x "$SQUAWK" ] || die "no squawk binary for $platform at $SQUAWK"
squawk_version=$("$SQUAWK" --version)

# --- corpus -----------------------------------------------------------------
corpus=$work/corpus
python3 "$root/bench/lint/gen.py" --files "$files" --seed "$seed" "$corpus" >/dev/null ||
    die "bench/lint/gen.py failed"
mapfile -t paths < <(cd "$work" && printf '%s\n' corpus/*.sql)
[ "${#paths[@]}" -eq "$files" ] || die "expected $files files, found ${#paths[@]}"
bytes=$(cat "$corpus"/*.sql | wc -c)
lines=$(cat "$corpus"/*.sql | wc -l)
digest=$(cd "$corpus" && cat -- *.sql | sha256sum | cut -c1-16)
mapfile -t notx < <(cd "$work" && grep -l -m1 '^-- pgfleet:no-transaction' corpus/*.sql || true)

printf 'lint bench: %d files (%d projects), %d lines, %.2f MiB, seed %s, corpus sha256 %s…\n' \
    "$files" "$(ls "$corpus" | cut -d_ -f1 | sort -u | wc -l)" "$lines" \
    "$(awk -v b="$bytes" 'BEGIN { print b / 1048576 }')" "$seed" "$digest"
printf 'squawk:  %s (%s), --reporter json --assume-in-transaction\n' "$squawk_version" "$SQUAWK"
if [ -z "$only" ]; then
    printf 'pgfleet: %s (%s), lint --json\n' "$("$PGFLEET" --version 2>/dev/null | head -n 1 || echo '?')" "$pgfleet_src"
fi
printf '%d runs each, one process over all files per run, interleaved; load average %s\n\n' \
    "$runs" "$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo n/a)"

# Everything runs from the work directory with relative paths, so both tools
# print the same names.
cd "$work"
timing_args=(--runs "$runs" --files "$files" --work "$work")
if [ -z "$only" ]; then
    timing_args+=(--aim 2 "pgfleet=$PGFLEET" lint --json "${paths[@]}" --)
fi
timing_args+=("squawk=$SQUAWK" --reporter json --assume-in-transaction "${paths[@]}")
python3 "$root/bench/lint/timing.py" "${timing_args[@]}" || exit 2

# --- disagreements (untimed) ---------------------------------------------------
cp squawk.out squawk-tx.json
: >squawk-notx.json
printf '%s\n' "${notx[@]}" >notx.list
if [ "${#notx[@]}" -gt 0 ]; then
    "$SQUAWK" --reporter json "${notx[@]}" >squawk-notx.json 2>>squawk.err || [ $? -eq 1 ] ||
        die "squawk over the no-transaction files failed"
fi
printf '\n'
if [ -n "$only" ]; then
    python3 - "$root/bench/lint" <<'PY'
import collections, sys
sys.path.insert(0, sys.argv[1])
from compare import load_squawk
v = load_squawk("squawk-tx.json", "squawk-notx.json", "notx.list")
c = collections.Counter(x[2] for x in v)
f = collections.defaultdict(set)
for x in v:
    f[x[2]].add(x[0])
print("squawk findings per rule (no-transaction files without --assume-in-transaction):")
for r, n in c.most_common():
    print("  %-44s %6d findings in %4d files" % (r, n, len(f[r])))
PY
    exit 0
fi
mkdir -p "$(dirname -- "$report")"
python3 "$root/bench/lint/compare.py" --rulemap "$root/bench/lint/rulemap.tsv" \
    --pgfleet pgfleet.out --squawk squawk-tx.json --squawk-notx squawk-notx.json --notx notx.list \
    --files "$files" --report "$report" --dump "$work/findings.tsv" \
    --header "Corpus: bench/lint/gen.py --files $files --seed $seed (sha256 of the files $digest…). $squawk_version with --assume-in-transaction, except the ${#notx[@]} files marked -- pgfleet:no-transaction." ||
    die "bench/lint/compare.py failed"
printf 'full report (examples as file:line, why per rule): %s\n' "$report"
