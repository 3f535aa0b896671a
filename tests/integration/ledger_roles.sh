#!/usr/bin/env bash
# Integration: the README's role setup for the ledger. An administrator owns
# schema pgfleet in master; a reconciler role with only the documented grants
# (SELECT and INSERT on the ledger, the head, the open intents, the head check)
# reconciles and appends, and can neither rewrite nor delete the ledger.
set -euo pipefail
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/fleet_test.sh"

fleet_init lrole
RECONCILER=${FLEET_PREFIX}reconciler
drop_reconciler() {
	pgc_psql -d "$FLEET_MASTER_DB" -c "DROP OWNED BY \"$RECONCILER\"" >/dev/null 2>&1 || true
	pgc_psql -d postgres -c "DROP ROLE IF EXISTS \"$RECONCILER\"" >/dev/null 2>&1 || true
}
W=$(tmpdir_new)

t_begin "a reconciler with the documented grants only appends; it cannot rewrite the ledger"
fleet_new roles
fleet_write migrations/tenant/0001_wells.sql $'CREATE TABLE wells (id int PRIMARY KEY);\n'
fleet_commit "wells" >/dev/null
# the administrator's first reconcile creates schema pgfleet and the ledger
fleet_master_up
for s in t1 t2; do fleet_tenant "$s"; done
cleanup_add drop_reconciler
# The README's grants, verbatim between its ```sql fence and the closing fence
# of the role setup, plus reading the tenants table.
grants=$(awk '/^  GRANT USAGE ON SCHEMA pgfleet TO reconciler;/, /^  ```$/' "$SRCROOT/README.md" | grep GRANT)
[[ $(grep -c GRANT <<<"$grants") -ge 5 ]] || fail "the README's role setup was not found: $grants"
pgc_psql -d "$FLEET_MASTER_DB" -v ON_ERROR_STOP=1 >/dev/null <<SQL || fail "role setup"
CREATE ROLE "$RECONCILER" LOGIN;
${grants//reconciler/\"$RECONCILER\"}
GRANT SELECT ON public.tenants TO "$RECONCILER";
SQL
master_as_reconciler="host=$PGHOST port=$PGPORT user=$RECONCILER dbname=$FLEET_MASTER_DB"
# tenants are reached with their own database_url (the administrator's role here);
# master's own scope needs what its migrations need, so only the tenant scope runs
run "$PGFLEET" --repo "$FLEET_REPO" --master "$master_as_reconciler" reconcile --key "$FLEET_KEY" --jobs 2 --scope tenant
assert_rc 0
assert_out_contains "t1 tenant: applied 1 (none -> 0001)"
assert_out_contains "t2 tenant: applied 1 (none -> 0001)"
ledger_trust "$W/trust" "$FLEET_KEY"
lg verify --trust "$W/trust" --with-state
assert_rc 0
for sql in "UPDATE pgfleet.ledger SET body = body WHERE seq = 1" "DELETE FROM pgfleet.ledger WHERE seq = 1" \
	"TRUNCATE pgfleet.ledger" "UPDATE pgfleet.ledger_meta SET value = '1'"; do
	rc=0
	out=$(PGUSER=$RECONCILER pgc_psql -d "$FLEET_MASTER_DB" -v ON_ERROR_STOP=1 -c "$sql" 2>&1) || rc=$?
	[[ $rc != 0 && $out == *"permission denied"* ]] || fail "as the reconciler, '$sql' was not refused: $out"
done
# the owner is refused too, by the triggers
rc=0
out=$(pgc_psql -d "$FLEET_MASTER_DB" -v ON_ERROR_STOP=1 -c "DELETE FROM pgfleet.ledger WHERE seq = 1" 2>&1) || rc=$?
[[ $rc != 0 && $out == *"append-only"* ]] || fail "as the owner, DELETE was not refused: $out"
t_done
