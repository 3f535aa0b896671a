#!/usr/bin/env bash
# The demo: everything on a fresh Debian 12 machine, on a local throwaway default.
#
# Installs what is missing, builds pgfleet, and verifies this repository's own
# example fleet (pgfleet.json, migrations/master, migrations/tenant) at HEAD:
# manifests, chained digests and the immutability of merged migrations. Then it
# shows what verify reports when a merged migration is edited, in a scratch
# clone that is removed at exit. (Reconcile against a throwaway PostgreSQL joins
# this demo with the reconcile engine.)
set -euo pipefail
root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

step() { printf '\n== %s\n' "$*"; }

step "dependencies"
deploy/install-deps.sh

step "build"
[ -d build ] || meson setup build >/dev/null
ninja -C build >/dev/null
pgfleet=$root/build/pgfleet
"$pgfleet" --version

if ! git -C "$root" rev-parse --verify -q HEAD >/dev/null; then
	echo "demo: $root is not a git clone with commits; pgfleet reads migrations from commits" >&2
	exit 2
fi
head=$(git -C "$root" rev-parse HEAD)

step "verify the example fleet at $head (pipeline mode: full commit id)"
"$pgfleet" --repo "$root" verify --pinned --commit "$head"

step "what an edited, already-merged migration looks like"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
git clone -q "$root" "$scratch/fleet"
(
	cd "$scratch/fleet"
	printf -- '-- a quiet fix, made after the merge\n' >>migrations/tenant/0002_create_equipment.sql
	"$pgfleet" --quiet hash >/dev/null
	git -c user.name=demo -c user.email=demo@example.invalid commit -q -am "edit a merged migration"
)
set +e
"$pgfleet" --repo "$scratch/fleet" verify
rc=$?
set -e
echo "verify exit code: $rc (1 = findings)"
[ "$rc" -eq 1 ] || { echo "demo: expected verify to report the edit" >&2; exit 1; }

step "done: the example fleet at HEAD is verified; an edit of merged history is caught"
