# shellcheck shell=bash
# Tiny assertions for integration tests. Source it; do not execute it.
#
#   t_begin NAME                 start test case NAME (numbered from 1)
#   t_done                       print "ok N - NAME"
#   t_finish                     print the TAP plan "1..N" (call once, at the end)
#   run CMD [ARGS...]            run CMD; stdout -> $OUT, stderr -> $ERR, status -> $RC;
#                                never aborts under set -e. Stdin: run CMD <file
#   assert_rc N                  $RC == N
#   assert_out_contains STR      $OUT contains STR       (assert_out_not_contains)
#   assert_err_contains STR      $ERR contains STR       (assert_err_not_contains)
#   assert_eq A B [MSG]          A == B (exact string comparison)
#   fail MSG                     print "not ok N - NAME", MSG, the last command,
#                                $OUT and $ERR to stderr, then exit 1
#
# $OUT/$ERR lose trailing newlines (command substitution). fail exits the current
# shell: do not call assertions inside ( ... ) or $( ... ) and expect the test to stop.

T_N=0
T_NAME=""
OUT=""
ERR=""
RC=""
_T_CMD=""

t_begin() {
  T_N=$((T_N + 1))
  T_NAME=${1:?usage: t_begin NAME}
}

t_done() {
  echo "ok $T_N - $T_NAME"
}

t_finish() {
  echo "1..$T_N"
}

run() {
  local errfile wfd rfd had_e=0
  if [[ $- == *e* ]]; then had_e=1; fi
  # stderr goes to an already-unlinked file, so an interrupt cannot leave it behind.
  errfile=$(mktemp "${TMPDIR:-/tmp}/pgfleet-run.XXXXXX")
  exec {wfd}>"$errfile"
  exec {rfd}<"$errfile"
  rm -f "$errfile"
  _T_CMD=$(printf '%q ' "$@")
  set +e
  OUT=$("$@" 2>&"$wfd")
  RC=$?
  if ((had_e)); then set -e; fi
  ERR=$(cat <&"$rfd")
  exec {wfd}>&- {rfd}<&-
  return 0
}

fail() {
  echo "not ok $T_N - ${T_NAME:-(no test)}"
  {
    echo "# FAILED: $*"
    if [[ -n $_T_CMD ]]; then
      echo "# last run: $_T_CMD(exit $RC)"
    fi
    echo "# --- stdout ---"
    printf '%s\n' "$OUT"
    echo "# --- stderr ---"
    printf '%s\n' "$ERR"
    echo "# --------------"
  } >&2
  exit 1
}

assert_rc() {
  local want=${1:?usage: assert_rc N}
  [[ $RC == "$want" ]] || fail "expected exit status $want, got $RC"
}

assert_out_contains() {
  [[ $OUT == *"${1:?usage: assert_out_contains STR}"* ]] || fail "stdout does not contain: $1"
}

assert_err_contains() {
  [[ $ERR == *"${1:?usage: assert_err_contains STR}"* ]] || fail "stderr does not contain: $1"
}

assert_out_not_contains() {
  [[ $OUT != *"${1:?usage: assert_out_not_contains STR}"* ]] || fail "stdout unexpectedly contains: $1"
}

assert_err_not_contains() {
  [[ $ERR != *"${1:?usage: assert_err_not_contains STR}"* ]] || fail "stderr unexpectedly contains: $1"
}

assert_eq() {
  (($# >= 2)) || fail "usage: assert_eq A B [MSG]"
  [[ $1 == "$2" ]] || fail "${3:-assert_eq}: values differ"$'\n'"#   A: '$1'"$'\n'"#   B: '$2'"
}
