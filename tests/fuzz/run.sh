#!/usr/bin/env bash
# tests/fuzz/run.sh — runs one libFuzzer target for a while, in a scratch
# directory, never writing into the committed seed corpus.
#
# usage: tests/fuzz/run.sh BUILD_DIR TARGET SECONDS [libFuzzer options...]
#   TARGET   sshsig | allowed_signers | manifest | config
#   env OUT  scratch directory (default /tmp/pgfleet-fuzz/TARGET): corpus/
#            (grown from the seeds), artifacts/ (crash-*, leak-*, timeout-*),
#            fuzz.log (libFuzzer's output, with -print_final_stats=1)
#
# UBSan reports are made fatal (halt_on_error=1), so undefined behaviour is a
# crash like an ASan report or a broken invariant. Extra options go to
# libFuzzer, e.g. -fork=1 -ignore_crashes=1 to keep going after a crash.
set -euo pipefail

[ $# -ge 3 ] || { echo "usage: $0 BUILD_DIR TARGET SECONDS [libFuzzer options...]" >&2; exit 2; }
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
build=$1 target=$2 seconds=$3
shift 3
exe=$build/tests/fuzz/fuzz_$target
[ -x "$exe" ] || { echo "$0: $exe not built (meson setup -Dfuzz=true ...; see tests/fuzz/README.md)" >&2; exit 2; }
[ -d "$here/corpus/$target" ] || { echo "$0: no seed corpus $here/corpus/$target" >&2; exit 2; }

out=${OUT:-/tmp/pgfleet-fuzz/$target}
mkdir -p "$out/corpus" "$out/artifacts"
max_len=4096
[ "$target" = sshsig ] && max_len=8192  # an RSA-16384 signature, armored, is ~3.6 KB

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
# The first directory receives new inputs; the seeds are only read.
set +e +o pipefail
"$exe" -max_total_time="$seconds" -print_final_stats=1 -timeout=25 -max_len="$max_len" \
    -dict="$here/$target.dict" -artifact_prefix="$out/artifacts/" "$@" \
    "$out/corpus" "$here/corpus/$target" 2>&1 | tee "$out/fuzz.log" |
    grep -E '^(#[0-9]+[[:space:]]+(INITED|DONE)|stat::|INFO: (fuzzed|exiting|Done)|==[0-9]+==|SUMMARY|fuzz invariant)'
rc=${PIPESTATUS[0]}
set -e
printf '%s: exit %d; corpus %s files; %s artifacts in %s\n' "$target" "$rc" "$(find "$out/corpus" -type f | wc -l)" \
    "$(find "$out/artifacts" -type f | wc -l)" "$out/artifacts"
exit "$rc"
