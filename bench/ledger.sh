#!/usr/bin/env bash
# bench/ledger.sh — `pgfleet ledger verify` on a ledger of N entries (default
# 1,000,000), against the machine's own Ed25519 verify rate from
# `openssl speed -seconds 3 ed25519`, measured in the same run. The aim: at
# least half of openssl's single-core verify rate per core pgfleet uses:
# entries per CPU second of pgfleet (user + system) against openssl's verifies
# per CPU second (openssl speed divides by user CPU time unless -elapsed).
#
# usage: bench/ledger.sh [--entries N]
# env:   PGFLEET (default build/pgfleet); the generator is built with
#        `ninja -C build ledger_gen`.
set -euo pipefail
root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
entries=1000000
while [ $# -gt 0 ]; do
	case $1 in
	--entries) entries=$2; shift 2 ;;
	-h | --help) sed -n '2,10p' "$0"; exit 0 ;;
	*) echo "bench/ledger.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done
PGFLEET=${PGFLEET:-$root/build/pgfleet}
ninja -C "$(dirname "$PGFLEET")" ledger_gen >/dev/null
gen=$(dirname "$PGFLEET")/ledger_gen

. "$root/tests/lib/pgcluster.sh"
pgc_start
cleanup_add pgc_stop
work=$(mktemp -d)
cleanup_add "rm -rf '$work'"
ssh-keygen -q -t ed25519 -N '' -C bench-reconciler -f "$work/key"
echo "reconciler@bench namespaces=\"pgfleet-ledger\" $(cat "$work/key.pub")" >"$work/allowed"
pgc_createdb bench_master
M=$(pgc_conninfo bench_master)

# pgfleet creates its ledger objects (and a few entries) ...
"$PGFLEET" --repo "$root" --master "$M" reconcile --key "$work/key" --scope master -q >/dev/null
# ... which are replaced by N generated ones
t0=$(date +%s.%N)
"$gen" "$work/key" "$entries" >"$work/rows" 2>"$work/head"
t1=$(date +%s.%N)
head_hash=$(cat "$work/head")
pgc_psql -d bench_master <<SQL
ALTER TABLE pgfleet.ledger DISABLE TRIGGER USER;
DELETE FROM pgfleet.ledger;
DELETE FROM pgfleet.ledger_open_intents;
\\copy pgfleet.ledger (seq, body, prev_hash, hash, signature, key_fingerprint) FROM '$work/rows'
UPDATE pgfleet.ledger_head SET seq = $entries, hash = '$head_hash';
ALTER TABLE pgfleet.ledger ENABLE TRIGGER USER;
SQL
t2=$(date +%s.%N)

/usr/bin/time -f '%e %M %U %S' -o "$work/time" "$PGFLEET" --master "$M" ledger verify --trust "$work/allowed" >"$work/out"
read -r secs rss usr sys <"$work/time"
tail -n 1 "$work/out"
openssl speed -seconds 3 ed25519 2>/dev/null >"$work/speed"
ossl=$(awk '/^ *253 bits EdDSA \(Ed25519\)/ {print $NF}' "$work/speed")
awk -v n="$entries" -v s="$secs" -v cpu="$(echo "$usr + $sys" | bc)" -v o="$ossl" -v rss="$rss" -v g="$(echo "$t1 - $t0" | bc)" -v l="$(echo "$t2 - $t1" | bc)" 'BEGIN {
	rate = n / s
	printf "entries              %d (generated in %.1fs, loaded in %.1fs)\n", n, g, l
	percpu = n / (cpu > 0 ? cpu : s)
	printf "pgfleet ledger verify %.2fs wall, %.2fs CPU, %.0f entries/s, peak RSS %.1f MiB\n", s, cpu, rate, rss / 1024
	printf "openssl ed25519      %.0f verify/s (per CPU second, as openssl speed counts, same run)\n", o
	printf "ratio                %.2f of openssl per core used (entries per CPU second; aim: >= 0.5)\n", percpu / o
	printf "                     %.2f by wall time (a busy machine gives the process less than a core)\n", rate / o
}'
