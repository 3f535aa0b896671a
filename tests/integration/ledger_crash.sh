#!/usr/bin/env bash
# Integration: crash consistency of ledger and tenants. A reconcile of 50
# tenant databases (--jobs 8) is killed with SIGKILL at a random moment, then
# a second reconcile runs to completion. After each trial: the second run
# exits 0, every tenant is at the last version, pgfleet.history has exactly
# one apply row per version per tenant (nothing applied twice), ledger verify
# is clean (and --with-state: every database against it),
# pgfleet.ledger_open_intents is empty, every intent has exactly one
# closing entry (the intents the killed run left open: recovered or abandoned,
# written by the second run and agreeing with the databases), and every
# applied_migrations row names the intent that announced it.
#
#   LEDGER_CRASH_TRIALS=N        trials (default 20; ledger_crash_long.sh: 200)
#   LEDGER_CRASH_KILL_MS=MS      kill after a random 0..MS ms (default: 400, or 3/4 of the
#                                timed full apply in the setup when that is longer, so that
#                                kills land anywhere in the apply on a slow machine)
#   LEDGER_CRASH_SEED=N          RANDOM's seed (default: random; printed, to replay)
#   LEDGER_CRASH_VERIFY_EVERY=K  ledger verify after every K-th trial (default 1: every
#                                trial; it checks the whole ledger, which grows ~300 a trial)
#   LEDGER_CRASH_STATE_EVERY=K   ledger verify --with-state instead after every K-th trial
#                                and the last (default 5: its cost grows with the square of
#                                the ledger; the per-trial window check covers the same
#                                agreement for the trial's own entries)
# Prints a summary ("# crash: ...") with the recovered/abandoned counts.
set -euo pipefail
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/fleet_test.sh"

TRIALS=${LEDGER_CRASH_TRIALS:-20}
KILL_MS=${LEDGER_CRASH_KILL_MS:-400}
VERIFY_EVERY=${LEDGER_CRASH_VERIFY_EVERY:-1}
STATE_EVERY=${LEDGER_CRASH_STATE_EVERY:-5}
SEED=${LEDGER_CRASH_SEED:-$((RANDOM * 32768 + RANDOM))}
RANDOM=$SEED
NT=50
echo "# crash: $TRIALS trials, seed $SEED (LEDGER_CRASH_SEED=$SEED replays the kill times)"

fleet_init lgc
fleet_new crash
T=migrations/tenant
W=$(tmpdir_new)
ledger_trust "$W/trust" "$FLEET_KEY"
TRUST=$W/trust

fleet_write $T/0001_settings.sql $'CREATE TABLE settings (key text PRIMARY KEY, value text NOT NULL);\n'
fleet_write $T/0002_wells.sql $'CREATE TABLE wells (id bigint PRIMARY KEY, name text NOT NULL);\nSELECT pg_sleep(0.01);\n'
fleet_write $T/0003_equipment.sql $'CREATE TABLE equipment (id bigint PRIMARY KEY, well_id bigint NOT NULL REFERENCES wells (id));\nINSERT INTO settings (key, value) VALUES (\'units\', \'metric\');\n'
fleet_commit "tenant 0001-0003" >/dev/null
VERSIONS="0001 0002 0003"
shas=$(for f in "$FLEET_REPO/$T"/*.sql; do b=$(basename "$f"); printf '"%s":"%s",' "${b%%_*}" "$(sha_of "$f")"; done)
SHAS="{${shas%,}}"

ms_between() { # EPOCHREALTIME values -> milliseconds
	echo $(((10#${2/[.,]/} - 10#${1/[.,]/}) / 1000))
}

t_begin "setup: master and $NT tenant databases, one full apply"
fleet_master_up
slugs=()
for i in $(seq -w 1 "$NT"); do slugs+=("t$i"); done
{
	echo "SET client_min_messages = warning;"
	for s in "${slugs[@]}"; do echo "CREATE DATABASE \"$(fleet_tenant_db "$s")\";"; done
} | pgc_psql -d postgres >/dev/null || fail "creating $NT databases"
{
	echo "INSERT INTO tenants (slug, name, database_url, database_type) VALUES"
	sep=""
	for s in "${slugs[@]}"; do
		printf "%s('%s', '%s', '%s', 'POSTGRESQL')\n" "$sep" "$s" "$s" "$(pgc_conninfo "$(fleet_tenant_db "$s")")"
		sep=","
	done
	echo ";"
} | pgc_psql -d "$FLEET_MASTER_DB" >/dev/null || fail "inserting $NT tenants"
assert_eq "$(sqlv "$FLEET_MASTER_DB" "select count(*) from tenants")" "$NT" "tenants"
# a full apply, timed: without LEDGER_CRASH_KILL_MS the kills spread over 0..max(400 ms, 3/4 of this)
c0=$EPOCHREALTIME
pgf reconcile --jobs 8
c1=$EPOCHREALTIME
assert_rc 0
assert_out_contains "$NT applied, 1 up to date, 0 skipped, 0 busy, 0 refused, 0 failed"
FULL_MS=$(ms_between "$c0" "$c1")
# (3/4 of it: later applies run warm, and a kill after the run ended tests little)
if [[ -z ${LEDGER_CRASH_KILL_MS:-} ]] && ((FULL_MS * 3 / 4 > KILL_MS)); then KILL_MS=$((FULL_MS * 3 / 4)); fi
echo "# crash: a full $NT-tenant apply took $FULL_MS ms; kills after 0..$KILL_MS ms"
t_done

# SQL in every tenant database (:slug set), through 4 concurrent psql sessions
# that each \connect to a quarter of them; output in slug order.
each_tenant() {
	local g i rc=0 pids=()
	for ((g = 0; g < 4; g++)); do
		for ((i = g; i < NT; i += 4)); do
			printf '\\connect %s\n\\set slug %s\n%s\n' "$(fleet_tenant_db "${slugs[i]}")" "${slugs[i]}" "$1"
		done | pgc_psql -d postgres -At -F ' ' >"$W/each.$g" 2>&1 &
		pids+=($!)
	done
	for ((g = 0; g < 4; g++)); do
		wait "${pids[g]}" || { rc=1; echo "psql session $g:" >&2; cat "$W/each.$g" >&2; }
	done
	((rc == 0)) && sort -s -k1,1 "$W"/each.[0-3]
}

reset_sql="SET client_min_messages = warning; DROP SCHEMA IF EXISTS public, pgfleet CASCADE; CREATE SCHEMA public;"
# "slug version status ledger_entry apply-rows" per recorded or applied version
state_sql="SELECT :'slug', version, coalesce(a.status, '-'), coalesce(a.ledger_entry::text, '-'), coalesce(h.n, 0)
FROM pgfleet.applied_migrations a
FULL JOIN (SELECT scope, version, count(*) AS n FROM pgfleet.history WHERE action = 'apply' GROUP BY 1, 2) h
USING (scope, version) ORDER BY version;
SELECT :'slug', 'tables', count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename IN ('settings', 'wells', 'equipment');
SELECT :'slug', 'units', count(*) FROM settings WHERE key = 'units';"

# The ledger since seq $1 (the window of one trial) against the databases' state.
check_window() {
	python3 - "$W/window" "$W/state" "$SHAS" "$VERSIONS" "$1" <<'EOF'
import json, sys
window, state_file, shas, versions, prehead = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), sys.argv[4].split(), int(sys.argv[5])
entries = []
with open(window) as f:
    for line in f:
        row = json.loads(line)
        body = json.loads(row["body"])
        assert body["seq"] == row["seq"], row
        entries.append(body)
problems = []
runs = [e["seq"] for e in entries if e["kind"] == "run_started"]
if not runs:
    print("no run_started in the window"); sys.exit(1)
final = runs[-1]
killed_runs = set(runs[:-1])
intents = {e["seq"]: e for e in entries if e["kind"] == "intent"}
closing = {"applied", "failed", "recovered", "abandoned", "rolled_back", "adopted"}
closed = {}
for e in entries:
    if e["kind"] in closing:
        i = e.get("intent")
        if i is None:
            problems.append(f"entry {e['seq']}: {e['kind']} without an intent")
            continue
        closed.setdefault(i, []).append(e)
        if i <= prehead:
            problems.append(f"entry {e['seq']}: {e['kind']} closes intent {i}, from before this trial")
        elif i not in intents:
            problems.append(f"entry {e['seq']}: {e['kind']} closes {i}, not an intent")
        elif (intents[i]["target"], intents[i]["scope"], intents[i]["version"]) != (e["target"], e["scope"], e["version"]):
            problems.append(f"entry {e['seq']}: {e['kind']} names another version than its intent {i}")
        if e["kind"] == "failed":
            problems.append(f"entry {e['seq']}: a version failed: {e.get('error')}")
        if e["kind"] in ("recovered", "abandoned") and (e.get("run") != final or intents.get(i, {}).get("run") not in killed_runs):
            problems.append(f"entry {e['seq']}: {e['kind']} of intent {i} (run {intents.get(i, {}).get('run')}) written by run {e.get('run')}, final run is {final}")
for i, e in intents.items():
    c = closed.get(i, [])
    if len(c) != 1:
        problems.append(f"intent {i} ({e['target']} {e['version']}, run {e.get('run')}) has {len(c)} closing entries: {[x['kind'] for x in c]}")
    if e["sha256"] != shas.get(e["version"]):
        problems.append(f"intent {i}: sha256 of {e['version']} is not the file's")
# the databases
rows = {}
counts = {}
with open(state_file) as f:
    for line in f:
        p = line.split()
        if p[1] in ("tables", "units"):
            counts[(p[0], p[1])] = int(p[2])
            continue
        slug, version, status, entry, napply = p
        rows[(slug, version)] = (status, entry, int(napply))
slugs = sorted({s for s, _ in counts})
for s in slugs:
    got = sorted(v for (x, v) in rows if x == s)
    if got != versions:
        problems.append(f"{s}: versions {got}, expected {versions}")
    if counts.get((s, "tables")) != 3 or counts.get((s, "units")) != 1:
        problems.append(f"{s}: the migrations' effects: {counts.get((s, 'tables'))} tables, {counts.get((s, 'units'))} seed rows")
for (s, v), (status, entry, napply) in rows.items():
    if status != "applied":
        problems.append(f"{s} {v}: status {status}")
    if napply != 1:
        problems.append(f"{s} {v}: {napply} apply rows in pgfleet.history (applied {'twice' if napply > 1 else 'never'})")
    e = intents.get(int(entry)) if entry.isdigit() else None
    if e is None or (e["target"], e["scope"], e["version"], e["sha256"]) != (s, "tenant", v, shas[v]):
        problems.append(f"{s} {v}: ledger_entry {entry} is not this version's intent")
    elif [c["kind"] for c in closed.get(int(entry), [])] not in (["applied"], ["recovered"]):
        problems.append(f"{s} {v}: its intent {entry} is closed by {[c['kind'] for c in closed.get(int(entry), [])]}")
for i, cs in closed.items():
    for c in cs:
        if c["kind"] == "abandoned":
            r = rows.get((c["target"], c["version"]))
            if r is not None and r[1] == str(i):
                problems.append(f"entry {c['seq']}: intent {i} abandoned, but {c['target']} {c['version']} names it")
killed_intents = [i for i, e in intents.items() if e.get("run") in killed_runs]
kinds = [c["kind"] for i in killed_intents for c in closed.get(i, [])]
for p in problems[:20]:
    print(p)
if problems:
    sys.exit(1)
print(len(killed_runs), len(killed_intents), kinds.count("applied"), kinds.count("recovered"), kinds.count("abandoned"))
EOF
}

declare -i killed=0 finished_first=0 intents_killed=0 closed_by_killed=0 recovered=0 abandoned=0 no_run=0
start=$SECONDS
t_begin "$TRIALS trials: SIGKILL during a $NT-tenant apply, then a full reconcile: converged, nothing twice, ledger clean"
each_tenant "$reset_sql" >/dev/null || fail "resetting the tenants"
for ((trial = 1; trial <= TRIALS; trial++)); do
	prehead=$(sqlv "$FLEET_MASTER_DB" "select seq from pgfleet.ledger_head")
	ms=$((RANDOM % (KILL_MS + 1)))
	"$PGFLEET" --quiet --repo "$FLEET_REPO" --master "$FLEET_MASTER" reconcile --key "$FLEET_KEY" --jobs 8 \
		>"$W/killed.out" 2>&1 &
	pid=$!
	sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
	kill -9 "$pid" 2>/dev/null || true
	rc=0
	{ wait "$pid"; } 2>/dev/null || rc=$? # no "Killed" job notice
	if ((rc == 137)); then
		killed+=1
	elif ((rc == 0)); then
		finished_first+=1
	else
		fail "trial $trial: the reconcile to be killed exited $rc before the kill ($ms ms): $(cat "$W/killed.out")"
	fi
	t2=$EPOCHREALTIME
	pgf reconcile --jobs 8
	assert_rc 0
	assert_out_contains "0 busy, 0 refused, 0 failed"
	t3=$EPOCHREALTIME
	assert_eq "$(sqlv "$FLEET_MASTER_DB" "select count(*) from pgfleet.ledger_open_intents")" 0 \
		"trial $trial (kill after $ms ms): open intents after the second run"
	if ((trial % STATE_EVERY == 0 || trial == TRIALS)); then
		# before the reset below: it compares every database with the ledger
		lg verify --trust "$TRUST" --with-state
		assert_rc 0
		assert_out_contains ", 0 findings"
	elif ((trial % VERIFY_EVERY == 0)); then
		lg verify --trust "$TRUST"
		assert_rc 0
		assert_out_contains ", 0 findings"
	fi
	t4=$EPOCHREALTIME
	# the state, then (same sessions) the reset for the next trial
	each_tenant "$state_sql"$'\n'"$( ((trial < TRIALS)) && echo "$reset_sql")" >"$W/state" ||
		fail "trial $trial: reading the tenants' state, resetting them"
	t5=$EPOCHREALTIME
	"$PGFLEET" --master "$FLEET_MASTER" ledger export --since "$prehead" >"$W/window" || fail "trial $trial: ledger export"
	run check_window "$prehead"
	((RC == 0)) || fail "trial $trial (kill after $ms ms, exit $rc): ledger and databases disagree"
	read -r kr ki ka kr2 kab <<<"$OUT"
	((kr > 0)) || no_run+=$((rc == 137))
	intents_killed+=$ki
	closed_by_killed+=$ka
	recovered+=$kr2
	abandoned+=$kab
	echo "# trial $trial: kill after ${ms} ms, exit $rc: first run's intents $ki: applied $ka, recovered $kr2, abandoned $kab" \
		"($(ms_between "$t2" "$t3") ms second run, $(ms_between "$t3" "$t4") ms verify," \
		"$(ms_between "$t4" "$t5") ms state+reset, $(ms_between "$t5" "$EPOCHREALTIME") ms window check)"
done
echo "# crash: $TRIALS trials in $((SECONDS - start)) s: $killed killed ($no_run before run_started), $finished_first finished before the kill;" \
	"first runs' intents $intents_killed: closed by those runs $closed_by_killed, recovered $recovered, abandoned $abandoned"
((recovered + abandoned > 0 || TRIALS < 5)) || fail "no trial left an open intent to recover: the kills missed the apply window"
t_done
t_finish
