#!/usr/bin/env bash
# Integration: the ledger's crash recovery, deterministically. The reconciler
# is killed with SIGKILL while a migration (up or down) sleeps in the server;
# the server then either finishes the one-query transaction on its own (it
# took effect) or the test terminates that backend (it did not). The next run
# must close the dead run's intent with "recovered" in the first case and
# "abandoned" in the second, agree with the database, apply nothing twice and
# leave ledger verify --with-state clean. Also: a live reconciler's intent is
# not "recovered" by a second reconciler that takes the same tenant's lock
# after it. Random kills at scale: ledger_crash.sh.
set -euo pipefail
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/fleet_test.sh"

fleet_init lgr
fleet_new rec
T=migrations/tenant
W=$(tmpdir_new)
ledger_trust "$W/trust" "$FLEET_KEY"
SLEEP=2

fleet_write $T/0001_settings.sql $'CREATE TABLE settings (key text PRIMARY KEY, value text NOT NULL);\n'
fleet_write $T/0001_settings.down.sql $'DROP TABLE settings;\n'
fleet_commit "0001" >/dev/null
fleet_master_up
for s in acme globex initech hooli; do fleet_tenant "$s"; done
pgf reconcile --jobs 4
assert_rc 0
fleet_write $T/0002_slow.sql $'CREATE TABLE slow (id int);\nSELECT pg_sleep('$SLEEP$');\n'
fleet_write $T/0002_slow.down.sql $'SELECT pg_sleep('$SLEEP$');\nDROP TABLE slow;\n'
fleet_commit "0002, slow both ways" >/dev/null
# initech and hooli at 0002 (for the rollback cases), acme and globex at 0001
pgf reconcile --tenant initech --tenant hooli --jobs 2
assert_rc 0

# Starts pgfleet ARGS... in the background, waits until SLUG's database runs
# the sleeping migration, kills pgfleet with SIGKILL; sets SLEEPER (the
# backend's pid).
kill_in_sleep() {
	local slug=$1 db pid i
	shift
	db=$(fleet_tenant_db "$slug")
	"$PGFLEET" --quiet --repo "$FLEET_REPO" --master "$FLEET_MASTER" "$@" --key "$FLEET_KEY" >"$W/killed.out" 2>&1 &
	pid=$!
	SLEEPER=""
	for ((i = 0; i < 200; i++)); do
		SLEEPER=$(sqlv "$db" "select pid from pg_stat_activity where datname = current_database()
			and state = 'active' and query like '%pg_sleep($SLEEP)%' and pid <> pg_backend_pid()")
		[[ -z $SLEEPER ]] || break
		sleep 0.05
	done
	[[ -n $SLEEPER ]] || { kill -9 "$pid" 2>/dev/null; fail "$slug: the migration never started: $(cat "$W/killed.out")"; }
	kill -9 "$pid"
	{ wait "$pid"; } 2>/dev/null || true
}

# The entry closing intent $1 ("kind run" of each, one a line)
closures() {
	ledger_export_to "$W/exp"
	jq -r --argjson i "$1" '.body | fromjson | select(.intent == $i) | "\(.kind) \(.run)"' "$W/exp"
}
last_run() {
	jq -r '.body | fromjson | select(.kind == "run_started") | .seq' "$W/exp" | tail -n 1
}
intent_of() { # SLUG ACTION VERSION -> the newest such intent's seq
	ledger_export_to "$W/exp"
	jq -r --arg t "$1" --arg a "$2" --arg v "$3" \
		'.body | fromjson | select(.kind == "intent" and .target == $t and .action == $a and .version == $v) | .seq' "$W/exp" | tail -n 1
}
clean() {
	assert_eq "$(sqlv "$FLEET_MASTER_DB" "select count(*) from pgfleet.ledger_open_intents")" 0 "open intents"
	lg verify --trust "$W/trust" --with-state
	assert_rc 0
	assert_out_contains ", 0 findings"
}

apply_recovered() {
	kill_in_sleep acme reconcile --tenant acme
	db=$(fleet_tenant_db acme)
	I=$(intent_of acme apply 0002)
	[[ -n $I ]] || fail "no intent for acme 0002"
	assert_eq "$(sqlv "$FLEET_MASTER_DB" "select count(*) from pgfleet.ledger_open_intents where seq = $I")" 1 "the intent is open after the kill"
	pgf reconcile --tenant acme
	assert_rc 0
	assert_out_contains "acme tenant: up to date at 0002"
	assert_eq "$(closures "$I")" "recovered $(last_run)" "the closing entry of intent $I"
	assert_eq "$(sqlv "$db" "select ledger_entry from pgfleet.applied_migrations where version = '0002'")" "$I" "0002's ledger_entry"
	assert_eq "$(sqlv "$db" "select count(*) from pgfleet.history where action = 'apply' and version = '0002'")" 1 "0002 applies"
	clean
	t_done
}

apply_abandoned() {
	kill_in_sleep globex reconcile --tenant globex
	db=$(fleet_tenant_db globex)
	sqlv "$db" "select pg_terminate_backend($SLEEPER)" >/dev/null
	I=$(intent_of globex apply 0002)
	pgf reconcile --tenant globex
	assert_rc 0
	assert_out_contains "globex tenant: applied 1 (0001 -> 0002)"
	assert_eq "$(closures "$I")" "abandoned $(last_run)" "the closing entry of intent $I"
	I2=$(intent_of globex apply 0002)
	((I2 > I)) || fail "no new intent for globex 0002 ($I2)"
	assert_eq "$(closures "$I2")" "applied $(last_run)" "the closing entry of the new intent $I2"
	assert_eq "$(sqlv "$db" "select ledger_entry from pgfleet.applied_migrations where version = '0002'")" "$I2" "0002's ledger_entry"
	assert_eq "$(sqlv "$db" "select count(*) from pgfleet.history where action = 'apply' and version = '0002'")" 1 "0002 applies"
	clean
	t_done
}

rollback_recovered() {
	kill_in_sleep initech rollback --scope tenant --to 0001 --tenant initech
	db=$(fleet_tenant_db initech)
	I=$(intent_of initech rollback 0002)
	[[ -n $I ]] || fail "no rollback intent for initech 0002"
	# the operator retries the rollback: nothing left to do, the dead run's intent is closed
	pgf rollback --scope tenant --to 0001 --tenant initech
	assert_rc 0
	assert_eq "$(applied "$db")" "0001:applied" "initech after the rollback"
	# the rollback took effect: its history row names the intent
	assert_eq "$(sqlv "$db" "select count(*) from pgfleet.history where action = 'rollback' and version = '0002' and ledger_entry = $I")" 1 \
		"initech's rollback history row naming intent $I"
	local closing run ws_rc ws_out
	closing=$(closures "$I")
	run=$(last_run)
	lg verify --trust "$W/trust" --with-state
	ws_rc=$RC ws_out=$OUT
	# back to 0002 before asserting, so that a failure here leaves the others a consistent fleet
	pgf reconcile --tenant initech
	assert_rc 0
	assert_out_contains "initech tenant: applied 1 (0001 -> 0002)"
	assert_eq "$closing" "recovered $run" "the closing entry of rollback intent $I (the rollback took effect)"
	[[ $ws_rc == 0 ]] || fail "ledger verify --with-state after the retried rollback exited $ws_rc:"$'\n'"$ws_out"
	clean
	t_done
}

rollback_abandoned() {
	kill_in_sleep hooli rollback --scope tenant --to 0001 --tenant hooli
	db=$(fleet_tenant_db hooli)
	sqlv "$db" "select pg_terminate_backend($SLEEPER)" >/dev/null
	I=$(intent_of hooli rollback 0002)
	pgf reconcile --tenant hooli
	assert_rc 0
	assert_out_contains "hooli tenant: up to date at 0002"
	assert_eq "$(closures "$I")" "abandoned $(last_run)" "the closing entry of rollback intent $I"
	assert_eq "$(sqlv "$db" "select count(*) from pgfleet.history where action = 'rollback'")" 0 "hooli's rollback rows"
	clean
	t_done
}

# While reconciler A waits for one tenant's lock, the tenant it just finished
# is reconciled by B: A is alive, its intent there is not a crash's. B must
# not close it ("recovered"); A's own result closes it, once.
LOCK_APP=lgr_$$_holder
release_lock() {
	PGUSER=$FLEET_ADMIN pgc_psql -d postgres -At \
		-c "select pg_terminate_backend(pid) from pg_stat_activity where application_name = '$LOCK_APP'" >/dev/null 2>&1 || true
}
cleanup_add release_lock
live_intent() {
	local gdb adb pid i held="" rc=0
	fleet_write $T/0003_more.sql $'CREATE TABLE more (id int);\n'
	fleet_commit "0003" >/dev/null
	gdb=$(fleet_tenant_db globex)
	adb=$(fleet_tenant_db acme)
	PGAPPNAME=$LOCK_APP pgc_psql -d "$gdb" -c "select pg_advisory_lock(1885824628, 1), pg_sleep(60)" >/dev/null 2>&1 &
	for ((i = 0; i < 100; i++)); do
		held=$(sqlv "$gdb" "select count(*) from pg_stat_activity where application_name = '$LOCK_APP' and wait_event = 'PgSleep'")
		[[ $held == 1 ]] && break
		sleep 0.05
	done
	assert_eq "$held" 1 "the test's session holds globex's lock"
	"$PGFLEET" --quiet --repo "$FLEET_REPO" --master "$FLEET_MASTER" reconcile --key "$FLEET_KEY" --jobs 1 \
		--tenant acme --tenant globex >"$W/a.out" 2>&1 &
	pid=$!
	for ((i = 0; i < 200; i++)); do
		[[ $(applied "$adb") == *0003:applied* ]] && break
		sleep 0.05
	done
	[[ $(applied "$adb") == *0003:applied* ]] || fail "A did not apply 0003 to acme: $(cat "$W/a.out")"
	sleep 0.5 # A now waits for globex's lock
	I=$(intent_of acme apply 0003)
	pgf reconcile --tenant acme
	assert_rc 0
	assert_out_contains "acme tenant: up to date at 0003"
	release_lock
	wait "$pid" || rc=$?
	assert_eq "$rc" 0 "A's exit status ($(cat "$W/a.out"))"
	closures "$I" >"$W/closures" # exports to $W/exp
	ra=$(jq -r --argjson i "$I" '.body | fromjson | select(.seq == $i) | .run' "$W/exp")
	rb=$(last_run)
	assert_eq "$(cat "$W/closures")" "applied $ra" "the closing entries of A's intent $I for acme 0003 (A alive throughout)"
	assert_eq "$(jq -c --argjson a "$ra" --argjson b "$rb" '.body | fromjson
		| select((.kind == "recovered" or .kind == "abandoned") and (.run == $a or .run == $b))' "$W/exp")" "" \
		"recovery entries written by A or B (nothing crashed)"
	clean
	t_done
}

# independent cases: one failing does not stop the others
t_leaf "killed while an apply runs, the server commits it: the next run writes 'recovered', applies nothing twice" apply_recovered
t_leaf "killed while an apply runs, the transaction dies too: 'abandoned', then applied once under a new intent" apply_abandoned
t_leaf "killed while a rollback runs, the server commits it: the next run writes 'recovered' for the rollback intent" rollback_recovered
t_leaf "killed while a rollback runs, the transaction dies too: 'abandoned', the version stays applied" rollback_abandoned
t_leaf "a live reconciler's intent is not recovered by another that reconciles the same tenant meanwhile" live_intent
t_leaf_finish
