#!/usr/bin/env bash
# The demo: everything on a fresh Debian 12 machine, on a local throwaway default.
#
# Installs what is missing, builds pgfleet, verifies this repository's own
# example fleet (pgfleet.json, migrations/master, migrations/tenant) at HEAD,
# then starts a throwaway PostgreSQL (unix socket in a temporary folder, no
# TCP), creates a master and a few tenants (one deleted, one not PostgreSQL),
# plans, reconciles the example migrations at HEAD, reruns (a no-op), and shows
# status, and verifies the signed audit ledger (with pgfleet, and with plain
# sha256sum/jq/ssh-keygen). Last, it shows what verify reports when a merged migration is edited,
# in a scratch clone. Everything it starts or makes is removed at exit.
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

step "verify the example fleet at $head"
"$pgfleet" --repo "$root" verify --commit "$head"

step "lint the example fleet's SQL at $head (the PostgreSQL parser, safety rules)"
"$pgfleet" --repo "$root" lint --commit "$head"

step "a throwaway PostgreSQL with a master and four tenants"
. "$root/tests/lib/pgcluster.sh"
pgc_start
cleanup_add pgc_stop
for db in demo_master demo_acme demo_globex demo_initech; do pgc_createdb "$db"; done
master=$(pgc_conninfo demo_master)
# the reconciler's ledger key (a throwaway one; in a pipeline it comes from a secret)
keydir=$(mktemp -d)
cleanup_add "rm -rf '$keydir'"
ssh-keygen -q -t ed25519 -N '' -C pgfleet-demo-reconciler -f "$keydir/reconciler"
key=$keydir/reconciler
"$pgfleet" --repo "$root" --commit "$head" --master "$master" reconcile --key "$key" --scope master
pgc_psql -d demo_master <<SQL
INSERT INTO tenants (slug, name, database_url) VALUES
  ('acme', 'Acme Oil', '$(pgc_url demo_acme)'),
  ('globex', 'Globex Gas', '$(pgc_conninfo demo_globex)'),
  ('initech', 'Initech Water', '$(pgc_conninfo demo_initech)');
INSERT INTO tenants (slug, name, database_url, deleted_at) VALUES ('hooli', 'Hooli', 'dbname=gone', now());
INSERT INTO tenants (slug, name, database_url, database_type) VALUES ('umbrella', 'Umbrella', 'mysql://x', 'MYSQL');
SQL

step "plan: what would be applied where (changes nothing)"
"$pgfleet" --repo "$root" --commit "$head" --master "$master" plan

step "reconcile the fleet at $head"
"$pgfleet" --repo "$root" --commit "$head" --master "$master" reconcile --key "$key" --jobs 4

step "reconcile again: nothing to do"
"$pgfleet" --repo "$root" --commit "$head" --master "$master" reconcile --key "$key" --jobs 4

step "status"
"$pgfleet" --repo "$root" --commit "$head" --master "$master" status

step "drift: every schema is what its version says (no db:push)"
"$pgfleet" --repo "$root" --commit "$head" --master "$master" drift

step "a column added by hand on globex: drift names it"
pgc_psql -d demo_globex -q -c "ALTER TABLE wells ADD COLUMN nickname text"
set +e
"$pgfleet" --repo "$root" --commit "$head" --master "$master" drift
rc=$?
set -e
echo "drift exit code: $rc (1 = drift)"
[ "$rc" -eq 1 ] || { echo "demo: expected drift to report the hand-made column" >&2; exit 1; }
pgc_psql -d demo_globex -q -c "ALTER TABLE wells DROP COLUMN nickname"

step "the audit ledger: verified with only the reconciler's public key"
printf 'demo-reconciler namespaces="pgfleet-ledger,pgfleet-checkpoint" %s\n' "$(cat "$key.pub")" >"$keydir/allowed_signers"
"$pgfleet" --master "$master" ledger verify --trust "$keydir/allowed_signers" --with-state
"$pgfleet" --master "$master" ledger export >"$keydir/ledger.jsonl"
"$root/deploy/ledger-verify.sh" "$keydir/allowed_signers" <"$keydir/ledger.jsonl" | tail -n 1

step "what an edited, already-merged migration looks like"
scratch=$(mktemp -d)
cleanup_add "rm -rf '$scratch'"
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

step "done: verified, linted, reconciled, converged, drift caught, ledger verified; an edit of merged history is caught"
