#!/usr/bin/env bash
# bench/lint/apply-check.sh — how realistic is the lint corpus: apply each
# generated project's files in order to its own database of a throwaway
# PostgreSQL cluster (tests/lib/pgcluster.sh), each file in one transaction
# (psql -1) or, when its leading comment is -- pgfleet:no-transaction, outside
# one, as pgfleet would; count the files that apply and print each failure.
# A project goes on after a failed file, so one failure can cascade.
#
# usage: bench/lint/apply-check.sh CORPUS_DIR      (made by bench/lint/gen.py)
set -uo pipefail
root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd)
[ $# -eq 1 ] && [ -d "$1" ] || { echo "usage: bench/lint/apply-check.sh CORPUS_DIR" >&2; exit 2; }
corpus=$(cd -- "$1" && pwd)
# shellcheck source=tests/lib/pgcluster.sh
. "$root/tests/lib/pgcluster.sh"
pgc_start >/dev/null || exit 2
ok=0 bad=0
for p in $(ls "$corpus" | cut -d_ -f1 | sort -u); do
    pgc_createdb "$p" >/dev/null 2>&1 || { echo "createdb $p failed" >&2; exit 2; }
    pgc_psql -d "$p" -c 'CREATE EXTENSION IF NOT EXISTS "uuid-ossp"' >/dev/null
    for f in "$corpus/$p"_*.sql; do
        one=-1
        head -n 1 "$f" | grep -q '^-- pgfleet:no-transaction' && one=
        if out=$(pgc_psql $one -d "$p" -f "$f" 2>&1 >/dev/null); then
            ok=$((ok + 1))
        else
            bad=$((bad + 1))
            printf '%s: %s\n' "${f##*/}" "$(printf '%s\n' "$out" | grep -m1 ERROR | sed 's/^psql:[^:]*://')"
        fi
    done
done
printf 'applied %d, failed %d\n' "$ok" "$bad"
