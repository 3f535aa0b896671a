#!/usr/bin/env bash
# Integration: the policy's staged rollout. Canaries (a slug list or a column
# value) run after master and before the rest; a canary that does not
# converge holds the rest; on_error stop starts nothing after a failure,
# on_error continue (the default) goes on.
set -euo pipefail
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/fleet_test.sh"

fleet_init roll
T=migrations/tenant
pol=$(tmpdir_new)
echo '{"rollout": {"canary": {"slugs": ["a1", "a2"]}}}' >"$pol/slugs.json"
echo '{"rollout": {"on_error": "stop"}}' >"$pol/stop.json"
echo '{"rollout": {"on_error": "continue"}}' >"$pol/continue.json"
echo '{"rollout": {"canary": {"column": "tier", "value": "canary"}, "on_error": "continue"}}' >"$pol/tier.json"
echo '{"rollout": {"canary": {"column": "ring", "value": "0"}}}' >"$pol/nocolumn.json"

# A fleet at 0001 with tenants a1 a2 b1 b2 b3 b4, and 0002 (equipment) committed.
setup() {
	fleet_new "$1"
	fleet_write $T/0001_wells.sql $'CREATE TABLE wells (id int PRIMARY KEY);\n'
	fleet_commit "wells" >/dev/null
	fleet_master_up
	for s in a1 a2 b1 b2 b3 b4; do fleet_tenant "$s"; done
	pgf reconcile --jobs 4
	assert_rc 0
	fleet_write $T/0002_equipment.sql $'CREATE TABLE equipment (id int PRIMARY KEY);\n'
	fleet_commit "equipment" >/dev/null
}

# Makes 0002 fail in SLUG: the table already exists there.
breaks() {
	sqlx "$(fleet_tenant_db "$1")" "CREATE TABLE equipment (x int)"
}

mends() {
	sqlx "$(fleet_tenant_db "$1")" "DROP TABLE equipment"
}

ledger_q() {
	sqlv "$FLEET_MASTER_DB" "$1"
}

canary_fails_holds_the_rest() {
	setup cf
	breaks a1
	pgf reconcile --jobs 4 --policy "$pol/slugs.json"
	assert_rc 1
	assert_out_contains "a1 tenant: failed"
	assert_out_contains "a2 tenant: applied 1 (0001 -> 0002)"
	for s in b1 b2 b3 b4; do
		assert_out_contains "$s tenant: not started (held: canary a1 failed)"
		assert_eq "$(applied "$(fleet_tenant_db "$s")")" "0001:applied" "$s held at 0001"
	done
	assert_out_contains "reconcile: 4 held by the rollout (not started)"
	assert_eq "$(ledger_q "select string_agg(body::json->>'target' || '=' || (body::json->>'reason'), ' '
		order by body::json->>'target') from pgfleet.ledger where body::json->>'kind' = 'skipped' and
		body::json->>'reason' like 'held:%'")" \
		"b1=held: canary a1 failed b2=held: canary a1 failed b3=held: canary a1 failed b4=held: canary a1 failed" \
		"the ledger records each held tenant as skipped, with the reason"
	pgf reconcile --jobs 4 --policy "$pol/slugs.json" --json
	assert_rc 1
	assert_eq "$(jq -c '[.targets[] | select(.outcome == "held") | .target]' <<<"$OUT")" '["b1","b2","b3","b4"]' "held in --json"
	assert_eq "$(jq -c '[.targets[] | select(.canary) | .target]' <<<"$OUT")" '["a1","a2"]' "canaries in --json"
	assert_eq "$(jq -r '.targets[] | select(.target == "b1") | .held' <<<"$OUT")" "held: canary a1 failed" "reason in --json"
	assert_eq "$(jq -r '.summary.held, .exit_code' <<<"$OUT" | paste -sd,)" "4,1" "summary.held and exit code"
	# the canary mended: it converges first, then the rest
	mends a1
	pgf reconcile --jobs 4 --policy "$pol/slugs.json"
	assert_rc 0
	for s in a1 b1 b2 b3 b4; do
		assert_out_contains "$s tenant: applied 1 (0001 -> 0002)"
	done
	assert_eq "$(ledger_q "select max(seq) filter (where body::json->>'target' in ('a1', 'a2'))
		< min(seq) filter (where body::json->>'target' like 'b%') from pgfleet.ledger
		where body::json->>'kind' = 'intent' and body::json->>'version' = '0002'")" t \
		"every canary's intent before any other tenant's"
}

canaries_converge_then_the_rest() {
	setup cs
	pgf reconcile --jobs 2 --policy "$pol/slugs.json"
	assert_rc 0
	assert_out_contains "0 failed"
	for s in a1 a2 b1 b2 b3 b4; do
		assert_eq "$(applied "$(fleet_tenant_db "$s")")" "0001:applied 0002:applied" "$s"
	done
	assert_eq "$(ledger_q "select max(seq) filter (where body::json->>'target' in ('a1', 'a2'))
		< min(seq) filter (where body::json->>'target' like 'b%') from pgfleet.ledger
		where body::json->>'kind' in ('intent', 'applied') and body::json->>'version' = '0002'")" t \
		"the canaries finish before any other tenant starts"
}

on_error_stop() {
	setup st
	breaks b2
	pgf reconcile --jobs 1 --policy "$pol/stop.json"
	assert_rc 1
	for s in a1 a2 b1; do assert_out_contains "$s tenant: applied 1 (0001 -> 0002)"; done
	assert_out_contains "b2 tenant: failed"
	for s in b3 b4; do
		assert_out_contains "$s tenant: not started (held: on_error stop: b2 failed)"
		assert_eq "$(applied "$(fleet_tenant_db "$s")")" "0001:applied" "$s not started"
	done
}

on_error_continue() {
	setup co
	breaks b2
	pgf reconcile --jobs 1 --policy "$pol/continue.json"
	assert_rc 1
	for s in a1 a2 b1 b3 b4; do assert_out_contains "$s tenant: applied 1 (0001 -> 0002)"; done
	assert_out_contains "b2 tenant: failed"
	assert_out_not_contains "held"
}

column_canary() {
	setup cc
	sqlx "$FLEET_MASTER_DB" "ALTER TABLE tenants ADD COLUMN tier text; UPDATE tenants SET tier = 'canary' WHERE slug = 'b3'"
	breaks b3
	pgf reconcile --jobs 4 --policy "$pol/tier.json"
	assert_rc 1
	assert_out_contains "b3 tenant: failed"
	for s in a1 a2 b1 b2 b4; do
		assert_out_contains "$s tenant: not started (held: canary b3 failed)"
	done
	mends b3
	pgf reconcile --jobs 4 --policy "$pol/tier.json" --json
	assert_rc 0
	assert_eq "$(jq -c '[.targets[] | select(.canary) | .target]' <<<"$OUT")" '["b3"]' "b3 is the canary"
	assert_eq "$(jq -r '.summary.changed' <<<"$OUT")" 6 "every tenant applied"
	# a column the tenants table lacks is a configuration error naming it
	pgf reconcile --policy "$pol/nocolumn.json"
	assert_rc 2
	assert_err_contains 'column "ring": no such column in the tenants table'
	# plan and status ignore the rollout
	pgf plan --policy "$pol/nocolumn.json"
	assert_rc 0
}

bad_policies() {
	fleet_new bp
	fleet_commit "master only" >/dev/null
	local bad=(
		'{"rollout": {"on_error": "maybe"}}|rollout.on_error: expected "stop" or "continue"'
		'{"rollout": {"canary": {"slugs": []}}}|rollout.canary.slugs: expected 1 to 64 tenant slugs'
		'{"rollout": {"canary": {"slugs": ["a"], "column": "tier", "value": "x"}}}|rollout.canary: expected either "slugs" or "column" and "value"'
		'{"rollout": {"canary": {"column": "Tier; drop", "value": "x"}}}|rollout.canary.column: expected a column name'
		'{"rollout": {"canary": {"column": "tier", "value": 1}}}|rollout.canary.value: expected a string'
		'{"rollout": {"canaries": {}}}|rollout: unknown key "canaries"'
	)
	local b
	for b in "${bad[@]}"; do
		printf '%s\n' "${b%%|*}" >"$pol/bad.json"
		pgf reconcile --policy "$pol/bad.json"
		assert_rc 2
		assert_err_contains "$pol/bad.json: ${b#*|}"
	done
}

t_leaf "a canary that fails holds the rest (recorded as skipped, held: ...); mended, the rest follow" canary_fails_holds_the_rest
t_leaf "canaries converge first, then the rest" canaries_converge_then_the_rest
t_leaf "on_error stop: nothing starts after the first failure" on_error_stop
t_leaf "on_error continue: one tenant's failure stops no other" on_error_continue
t_leaf "a column value selects the canaries; an unknown column is a configuration error" column_canary
t_leaf "bad rollout policies are configuration errors naming the key" bad_policies
t_leaf_finish
