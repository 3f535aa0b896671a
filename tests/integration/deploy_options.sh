#!/usr/bin/env bash
# Integration: every `pgfleet` invocation in deploy/ (workflow steps, the
# Kubernetes containers' args, the systemd unit's Exec lines) names a command
# that src/cli/main.c implements, and only long options that command's
# *_opts[] array accepts (or the global --quiet/--verbose/--help).
#
# NOT registered in tests/meson.build yet: deploy/ uses `check --base --format`,
# `drift` and `reconcile --shard`, which land from other branches. Register it
# (add 'deploy_options' to the integration list) once they are merged.
set -euo pipefail
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/assert.sh"
SRCROOT=${SRCROOT:-$here/../..}

python3 -c 'import yaml' 2>/dev/null || { echo "python3 with PyYAML is required (Debian: python3-yaml)" >&2; exit 1; }

t_begin "pgfleet commands and options used in deploy/ exist in src/cli/main.c"
run python3 "$here/../lib/deploy_check.py" options "$SRCROOT"
assert_rc 0
assert_out_contains "pgfleet invocations checked"
t_done
t_finish
