# shellcheck shell=bash
# The exit cleanup registry shared by the test libraries. Source it; do not
# execute it. Sourcing twice is harmless.
#
#   cleanup_add CMD   run CMD at exit (last registered first), also on INT/TERM.
#                     Callers must NOT set their own EXIT/INT/TERM trap, and must
#                     not call it from a subshell (it refuses: CMD would never run).
if ! declare -F cleanup_add >/dev/null; then
  _CLEANUP_CMDS=()
  _CLEANUP_PID=""
  _cleanup_run() {
    local i
    for ((i = ${#_CLEANUP_CMDS[@]} - 1; i >= 0; i--)); do
      eval "${_CLEANUP_CMDS[i]}" || true
    done
    _CLEANUP_CMDS=()
  }
  cleanup_add() {
    if [[ -n $_CLEANUP_PID && $_CLEANUP_PID != "$BASHPID" ]]; then
      echo "cleanup_add: called in a subshell; '$1' would never run" >&2
      return 1
    fi
    _CLEANUP_CMDS+=("$1")
    if [[ -z $_CLEANUP_PID ]]; then
      _CLEANUP_PID=$BASHPID
      trap _cleanup_run EXIT
      trap 'exit 130' INT
      trap 'exit 143' TERM
    fi
  }
fi
