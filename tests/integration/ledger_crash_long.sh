#!/usr/bin/env bash
# The long crash-consistency run (not registered in meson: minutes): 200
# SIGKILL trials of ledger_crash.sh, ledger verify after every 10th trial,
# --with-state after every 50th and the last (the whole ledger is checked
# each time, and it grows by ~300 entries a trial). Every variable of
# ledger_crash.sh can be overridden:
#   PGFLEET=$PWD/build/pgfleet SRCROOT=$PWD bash tests/integration/ledger_crash_long.sh
#   LEDGER_CRASH_TRIALS=500 LEDGER_CRASH_SEED=42 bash tests/integration/ledger_crash_long.sh
set -euo pipefail
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
export LEDGER_CRASH_TRIALS=${LEDGER_CRASH_TRIALS:-200}
export LEDGER_CRASH_VERIFY_EVERY=${LEDGER_CRASH_VERIFY_EVERY:-10}
export LEDGER_CRASH_STATE_EVERY=${LEDGER_CRASH_STATE_EVERY:-50}
exec bash "$here/ledger_crash.sh"
