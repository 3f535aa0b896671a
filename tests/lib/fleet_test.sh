# shellcheck shell=bash
# The start every fleet integration test shares. After
#     set -euo pipefail
#     here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
#     . "$here/../lib/fleet_test.sh"
# a test has assert.sh, pgcluster.sh, gitrepo.sh, fleet.sh and ledger.sh,
# PGFLEET (required, from meson) and SRCROOT (default: the repository).
_fleet_lib=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
. "$_fleet_lib/assert.sh"
. "$_fleet_lib/pgcluster.sh"
. "$_fleet_lib/gitrepo.sh"
PGFLEET=${PGFLEET:?PGFLEET must point at the pgfleet binary}
SRCROOT=${SRCROOT:-$_fleet_lib/../..}
. "$_fleet_lib/fleet.sh"
. "$_fleet_lib/ledger.sh"
