#!/usr/bin/env bash
# Integration: the audit ledger in master (pgfleet.ledger) after a real
# reconcile of a small fleet: ledger verify and the plain-tools checker
# (deploy/ledger-verify.sh) are clean; the entries (run_started, intent,
# applied, failed, skipped, run_finished) carry what happened, canonical,
# ASCII, without credentials; every applied_migrations row names the intent
# that announced it. The table refuses UPDATE/DELETE/TRUNCATE even from a
# superuser. Tampering (a body, a signature, a hash, a deleted, forged or
# moved entry, a truncated tail against a saved checkpoint, a foreign key) is
# found by ledger verify naming the entry, and by the plain-tools checker.
# Crash consistency under SIGKILL: ledger_crash.sh.
set -euo pipefail
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/fleet_test.sh"

fleet_init lg
fleet_new main
T=migrations/tenant
W=$(tmpdir_new)
ledger_trust "$W/trust" "$FLEET_KEY"
TRUST=$W/trust

# initech has drifted: a trigger on its settings table refuses inserts with a
# message that is not ASCII (and has quotes, a tab and a backslash; pgfleet
# shows the tab as a space), so 0003 fails there only; its database_url
# carries a password (unused: trust auth), as does the unreachable tenant's.
fleet_write $T/0001_settings.sql $'CREATE TABLE IF NOT EXISTS settings (key text PRIMARY KEY, value text NOT NULL);\n'
fleet_write $T/0002_wells.sql $'CREATE TABLE wells (id bigint PRIMARY KEY, name text NOT NULL);\n'
fleet_write $T/0003_flags.sql $'CREATE TABLE flags (name text PRIMARY KEY);\n-- flags are on by default\nINSERT INTO settings (key, value) VALUES (\'flags\', \'on\');\n'
C1=$(fleet_commit "tenant 0001-0003")

t_begin "a reconcile of master + 3 tenants (one failing, one skipped, one unreachable) leaves a clean, complete ledger"
fleet_master_up
for s in acme globex; do fleet_tenant "$s"; done
idb=$(fleet_db main_initech)
fleet_tenant initech "postgresql://$PGUSER:s3cretpw@/$idb?host=$PGHOST&port=$PGPORT"
sqlx "$idb" "CREATE TABLE settings (key text PRIMARY KEY, value text NOT NULL);
CREATE FUNCTION no_flags() RETURNS trigger LANGUAGE plpgsql AS \$\$
BEGIN RAISE EXCEPTION E'St\u00f6rung: \"flags\" gesperrt\t(\\\\) \u20ac'; END \$\$;
CREATE TRIGGER no_flags BEFORE INSERT ON settings FOR EACH ROW EXECUTE FUNCTION no_flags();"
fleet_tenant umbrella-mysql "mysql://app:s3cretmy@db.invalid/umbrella" MYSQL
fleet_tenant gone "host=127.0.0.1 port=1 dbname=x user=app password=s3cretkv connect_timeout=2"
pgf reconcile --jobs 4
assert_rc 1
assert_out_contains "acme tenant: applied 3 (none -> 0003)"
assert_out_contains "initech tenant: failed after applying 0002"
assert_out_contains "2 applied, 1 up to date, 1 skipped, 0 busy, 0 refused, 2 failed"
assert_out_not_contains s3cret
assert_err_not_contains s3cret
lg verify --trust "$TRUST"
assert_rc 0
assert_out_contains ", 0 findings"
ledger_export_to "$W/exp"
E=$(wc -l <"$W/exp")
assert_out_contains "ledger: $E entries, head $(jq -r .hash "$W/exp" | tail -n 1 | cut -c1-12), 0 findings"
run sh "$SRCROOT/deploy/ledger-verify.sh" "$TRUST" <"$W/exp"
assert_rc 0
assert_out_contains "ledger-verify: $E entries"
t_done

t_begin "ledger verify --with-state: the databases agree with the ledger; the unreachable tenant is the only finding"
lg verify --trust "$TRUST" --with-state
assert_rc 1
assert_out_contains ", 1 findings"
assert_eq "$(grep -vc '^ledger: ' <<<"$OUT")" 1 "finding lines"
assert_out_contains "target gone: unreachable"
assert_out_not_contains s3cret
t_done

t_begin "bodies are canonical JSON (keys sorted, compact, ASCII with \\u escapes, strings and integers), self-linked"
jq -r .body "$W/exp" >"$W/bodies"
assert_eq "$(wc -l <"$W/bodies")" "$E" "one body a line"
# jq -a writes \u escapes with lowercase hex, pgfleet (jansson) with uppercase: the
# case of the hex digits is not part of what is compared; everything else is.
jq -cSa . "$W/bodies" >"$W/canon" || fail "a body is not JSON"
lower_u() { sed -E 's/\\u([0-9A-Fa-f]{4})/\\u\L\1/g' "$1"; }
cmp -s <(lower_u "$W/bodies") <(lower_u "$W/canon") ||
	fail "bodies not canonical:"$'\n'"$(diff <(lower_u "$W/bodies") <(lower_u "$W/canon") | head -n 6)"
assert_eq "$(LC_ALL=C grep -c $'[^\x20-\x7e]' "$W/bodies" || true)" 0 "bodies with bytes outside printable ASCII"
grep -qiF 'St\u00f6rung' "$W/bodies" || fail "the non-ASCII error is not \\u-escaped in the body"
assert_eq "$(jq -c 'select([.[] | type] - ["string", "number"] != [] or ([.[] | numbers | select(. != floor)] != []))' "$W/bodies")" "" \
	"bodies with values other than strings and integers"
assert_eq "$(jq -c 'select((.body | fromjson) as $b | $b.seq != .seq or $b.prev != .prev_hash)' "$W/exp")" "" \
	"bodies whose own seq/prev differ from the row's"
assert_eq "$(jq -r .seq "$W/exp" | tr '\n' ' ')" "$(seq -s ' ' 1 "$E") " "seqs are 1..$E, gapless"
assert_eq "$(jq -r 'select(.seq == 1) | .prev_hash' "$W/exp")" "$(printf '%064d' 0)" "genesis prev_hash"
fp=$(ssh-keygen -l -E sha256 -f "$FLEET_KEY.pub" | cut -d' ' -f2)
assert_eq "$(jq -r .key_fingerprint "$W/exp" | sort -u)" "$fp" "every entry's key_fingerprint is the reconciler key's"
# every entry's signature verifies with plain ssh-keygen (what the checker does, spot-checked here directly)
jq -r 'select(.seq == 2) | .signature' "$W/exp" >"$W/sig2"
jq -j 'select(.seq == 2) | .body' "$W/exp" >"$W/body2"
ssh-keygen -Y verify -f "$TRUST" -I reconciler@example.com -n pgfleet-ledger -s "$W/sig2" <"$W/body2" >/dev/null 2>&1 ||
	fail "entry 2 does not verify with ssh-keygen -Y verify"
t_done

t_begin "the entries record the run: run_started, intents, applied, failed (sanitized), skipped, run_finished"
jq -c '.body | fromjson' "$W/exp" >"$W/b"
# the second run (the first one was fleet_master_up)
R=$(jq -r 'select(.kind == "run_started") | .seq' "$W/b" | tail -n 1)
jq -c --argjson r "$R" 'select(.seq >= $r)' "$W/b" >"$W/run"
assert_eq "$(jq -c 'select(.kind == "run_started") | [.command, .commit, .verified, .pgfleet != "", (.by | test("@"))]' "$W/run")" \
	"[\"reconcile\",\"$C1\",\"no\",true,true]" "run_started"
assert_eq "$(jq -c --argjson r "$R" 'select(.seq > $r and .run != $r)' "$W/run")" "" "entries of the run without run = $R"
assert_eq "$(grep -c s3cret "$W/exp" || true)" 0 "a password in the ledger"
# intents: 3 versions in acme and globex, 3 in initech (0003 fails), none for gone
for s in acme globex initech; do
	for f in 0001_settings.sql 0002_wells.sql 0003_flags.sql; do
		v=${f%%_*}
		assert_eq "$(jq -c --arg t "$s" --arg v "$v" 'select(.kind == "intent" and .target == $t and .version == $v)
			| [.action, .scope, .file, .sha256]' "$W/run")" \
			"[\"apply\",\"tenant\",\"$f\",\"$(sha_of "$FLEET_REPO/$T/$f")\"]" "intent for $s $v"
	done
done
assert_eq "$(jq -r 'select(.kind == "intent") | .target' "$W/run" | sort | uniq -c | awk '{printf "%s:%s ", $2, $1}')" \
	"acme:3 globex:3 initech:3 " "intents per target"
# results name their intent: applied for everything but initech 0003
jq -c 'select(.kind == "intent") | {key: (.seq | tostring), value: [.target, .scope, .version]}' "$W/run" | jq -s from_entries >"$W/intents"
assert_eq "$(jq -c --slurpfile i "$W/intents" 'select(.kind == "applied") | select($i[0][.intent | tostring] != [.target, .scope, .version])' "$W/run")" "" \
	"applied entries whose intent is another version"
assert_eq "$(jq -r 'select(.kind == "applied") | .target + ":" + .version' "$W/run" | sort | tr '\n' ' ')" \
	"acme:0001 acme:0002 acme:0003 globex:0001 globex:0002 globex:0003 initech:0001 initech:0002 " "applied entries"
assert_eq "$(jq -r 'select(.kind == "applied") | .duration_ms | type' "$W/run" | sort -u)" number "applied duration_ms"
# the failed version, with the server's (non-ASCII) message, and the failed targets
vf=$(jq -c 'select(.kind == "failed" and .version != null)' "$W/run")
assert_eq "$(jq -c --slurpfile i "$W/intents" '[.target, .scope, .version, $i[0][.intent | tostring] == [.target, .scope, .version]]' <<<"$vf")" \
	'["initech","tenant","0003",true]' "the failed version entry"
err=$(jq -r .error <<<"$vf")
[[ $err == *"0003_flags.sql"* && $err == *$'St\xc3\xb6rung: "flags" gesperrt'?$'(\\) \xe2\x82\xac'* ]] ||
	fail "the failed entry's error does not name the file and the server's message: $err"
assert_eq "$(jq -r 'select(.kind == "failed" and .version == null) | .target' "$W/run" | sort | tr '\n' ' ')" "gone initech " "failed targets"
gerr=$(jq -r 'select(.kind == "failed" and .target == "gone") | .error' "$W/run")
[[ $gerr == *"host=127.0.0.1 port=1 dbname=x"* && $gerr != *s3cret* && $gerr != *password* ]] ||
	fail "the unreachable tenant's error is not sanitized: $gerr"
assert_eq "$(jq -c 'select(.kind == "skipped") | [.target, (.reason | test("MYSQL"))]' "$W/run")" '["umbrella-mysql",true]' "skipped entry"
assert_eq "$(jq -c 'select(.kind == "run_finished") | [.up_to_date, .changed, .skipped, .busy, .refused, .failed]' "$W/run")" \
	"[1,2,1,0,0,2]" "run_finished counts (master up to date; acme, globex changed; mysql skipped; initech, gone failed)"
assert_eq "$(jq -r 'select(.kind == "run_finished") | .seq' "$W/run")" "$E" "run_finished is the last entry"
assert_eq "$(sqlv "$FLEET_MASTER_DB" "select count(*) from pgfleet.ledger_open_intents")" 0 "open intents after the run"
t_done

t_begin "every applied_migrations row names the intent entry (same target, scope, version, sha256) that announced it"
jq -r 'select(.kind == "intent") | "\(.target) \(.scope) \(.version) \(.sha256) \(.seq)"' "$W/b" | sort >"$W/intent_keys"
jq -r 'select(.kind == "applied" or .kind == "recovered") | .intent' "$W/b" | sort >"$W/closed_ok"
nrows=0
for t in master acme globex initech; do
	db=$FLEET_MASTER_DB
	[[ $t == master ]] || db=$(fleet_tenant_db "$t")
	[[ $t != initech ]] || db=$idb
	while read -r scope version sha entry; do
		nrows=$((nrows + 1))
		grep -qxF "$t $scope $version $sha $entry" "$W/intent_keys" ||
			fail "$t: row $scope $version (sha256 $sha) names ledger entry '$entry', not its intent"
		grep -qxF "$entry" "$W/closed_ok" || fail "$t: the intent $entry of $scope $version has no applied entry"
	done < <(sqlv "$db" "select scope, version, sha256, coalesce(ledger_entry::text, 'NULL') from pgfleet.applied_migrations order by 1, 2" | tr '|' ' ')
done
assert_eq "$nrows" 9 "applied rows checked (master 1, acme 3, globex 3, initech 2)"
t_done

t_begin "pgfleet.ledger is append-only: UPDATE, DELETE and TRUNCATE are refused, even for the cluster's superuser"
before=$(sqlv "$FLEET_MASTER_DB" "select md5(string_agg(seq || body || prev_hash || hash || signature, '' order by seq)) from pgfleet.ledger")
for stmt in "UPDATE pgfleet.ledger SET body = replace(body, '0002', '0009') WHERE seq = 2" \
	"UPDATE pgfleet.ledger SET signature = signature" \
	"DELETE FROM pgfleet.ledger WHERE seq = $E" \
	"DELETE FROM pgfleet.ledger" \
	"TRUNCATE pgfleet.ledger"; do
	run env PGUSER="$FLEET_ADMIN" "$(command -v psql)" -X -v ON_ERROR_STOP=1 -q -d "$FLEET_MASTER_DB" -c "$stmt"
	[[ $RC != 0 ]] || fail "the superuser's '$stmt' succeeded"
	assert_err_contains "pgfleet.ledger is append-only"
done
assert_eq "$(sqlv "$FLEET_MASTER_DB" "select rolsuper from pg_roles where rolname = '$FLEET_ADMIN'")" t "the cluster's user is a superuser"
assert_eq "$(sqlv "$FLEET_MASTER_DB" "select md5(string_agg(seq || body || prev_hash || hash || signature, '' order by seq)) from pgfleet.ledger")" \
	"$before" "the ledger after refused statements"
lg verify --trust "$TRUST"
assert_rc 0
t_done

# ---- tampering: each case on a fresh copy of the ledger (restored first) ----

ledger_backup
ledger_export_to "$W/exp"
E=$(wc -l <"$W/exp")
# N: an entry in the middle of the chain (acme's intent for 0002 in the main run)
N=$(jq -r '.body | fromjson | select(.kind == "intent" and .target == "acme" and .version == "0002") | .seq' "$W/exp")
M=$(jq -r '.body | fromjson | select(.kind == "intent" and .target == "globex" and .version == "0002") | .seq' "$W/exp")
((N > 2 && N + 3 < E && M != N)) || fail "unexpected ledger shape: N=$N M=$M E=$E"
head_hash=$(jq -r .hash "$W/exp" | tail -n 1)
ledger_checkpoint_to "$W/cp_full"

# Runs ledger verify on the tampered ledger: exit 1, PATTERN in its output,
# findings naming only the entries listed (output kept in $VOUT too). With
# CHECKER-PATTERN, the tampered ledger is exported to $W/checker/ for the
# plain-tools checker, which runs on all of them at once in its own case
# below (it is slow: nine processes an entry) and must find the same.
#   expect_findings "N [N...]" PATTERN [CHECKER-PATTERN]
expect_findings() {
	local pattern=$2 checker=${3:-}
	lg verify --trust "$TRUST" ${CHECKPOINT:+--checkpoint "$CHECKPOINT"}
	assert_rc 1
	assert_out_contains "$pattern"
	only_entries "$1"
	assert_out_not_contains ", 0 findings"
	VOUT=$OUT
	if [[ -n $checker ]]; then
		ledger_export_to "$W/checker/$T_N.jsonl"
		printf '%s\n%s\n%s\n' "$checker" "$T_NAME" "$1" >"$W/checker/$T_N.expect"
	fi
}

# Every "entry N: " line of $OUT names one of the entries listed ("N [N...]").
only_entries() {
	local allowed=" $1 " n
	while read -r n; do
		[[ $allowed == *" $n "* ]] || fail "a finding names entry $n, expected only entries$allowed"
	done < <(grep -E '^entry [0-9]+: ' <<<"$OUT" | sed -E 's/^entry ([0-9]+): .*/\1/' | sort -u)
}

# The plain-tools checker on every ledger expect_findings exported, in parallel.
checker_cases() {
	local f base pids=() n=0
	for f in "$W"/checker/*.jsonl; do
		base=${f%.jsonl}
		sh "$SRCROOT/deploy/ledger-verify.sh" "$TRUST" <"$f" >"$base.out" 2>&1 &
		pids+=("$!:$base")
	done
	for p in "${pids[@]}"; do
		base=${p#*:}
		RC=0
		wait "${p%%:*}" || RC=$?
		OUT=$(cat "$base.out")
		# shellcheck disable=SC2034 # ERR is read by fail
		ERR=""
		_T_CMD="sh deploy/ledger-verify.sh $TRUST < $base.jsonl  # $(sed -n 2p "$base.expect")"
		assert_rc 1
		assert_out_contains "$(sed -n 1p "$base.expect")"
		only_entries "$(sed -n 3p "$base.expect")"
		n=$((n + 1))
	done
	assert_eq "$n" 6 "tampered ledgers checked (body, signature, hash, delete, forged, swap): some case failed before its export"
	t_done
}

fresh() {
	ledger_restore
	lg verify --trust "$TRUST"
	assert_rc 0
}

case_body() {
	fresh
	ledger_tamper "UPDATE pgfleet.ledger SET body = replace(body, '\"version\":\"0002\"', '\"version\":\"0009\"') WHERE seq = $N"
	assert_eq "$(sqlv "$FLEET_MASTER_DB" "select body like '%\"version\":\"0009\"%' from pgfleet.ledger where seq = $N")" t "tampered body"
	expect_findings "$N" "entry $N: hash " "entry $N: hash is not sha256 of the body"
	[[ $VOUT == *"entry $N: signature"* ]] || fail "no signature finding for entry $N"
	t_done
}

case_signature() {
	fresh
	ledger_tamper "UPDATE pgfleet.ledger SET signature = (SELECT signature FROM pgfleet.ledger WHERE seq = $M) WHERE seq = $N"
	expect_findings "$N" "entry $N: signature" "entry $N: signature does not verify"
	t_done
}

case_hash() {
	fresh
	ledger_tamper "UPDATE pgfleet.ledger SET hash = '$(printf 'forged' | sha256sum | cut -c1-64)' WHERE seq = $N"
	expect_findings "$N $((N + 1))" "entry $N: hash " "entry $N: hash is not sha256 of the body"
	[[ $VOUT == *"entry $((N + 1)): prev_hash"* ]] || fail "no prev_hash finding for entry $((N + 1))"
	t_done
}

case_delete() {
	fresh
	ledger_tamper "DELETE FROM pgfleet.ledger WHERE seq = $N"
	expect_findings "$((N + 1))" "entry $((N + 1)): sequence gap: expected entry $N" "entry $((N + 1)): expected entry $N"
	t_done
}

case_forged() {
	fresh
	local k=$((E + 1)) body sig
	# a well-formed, canonical, correctly hashed and linked entry, signed by another key
	body=$(jq -cnS --argjson seq "$k" --arg prev "$head_hash" '{kind: "applied", target: "acme", scope: "tenant",
		version: "0004", duration_ms: 1, intent: 3, run: 1, prev: $prev, seq: $seq, time: "2030-01-01T00:00:00.000Z"}')
	printf '%s' "$body" >"$W/forged"
	rm -f "$W/forged.sig"
	ssh-keygen -q -Y sign -f "$OTHER_KEY" -n pgfleet-ledger "$W/forged" >/dev/null 2>&1 || fail "ssh-keygen -Y sign"
	sig=$(cat "$W/forged.sig")
	pgc_psql -d "$FLEET_MASTER_DB" -v body="$body" -v sig="$sig" -v seq="$k" -v prev="$head_hash" \
		-v hash="$(sha256sum <"$W/forged" | cut -c1-64)" -v fp="$(ssh-keygen -l -E sha256 -f "$FLEET_KEY.pub" | cut -d' ' -f2)" <<'EOF' ||
INSERT INTO pgfleet.ledger (seq, body, prev_hash, hash, signature, key_fingerprint)
VALUES (:seq, :'body', :'prev', :'hash', :'sig', :'fp');
UPDATE pgfleet.ledger_head SET seq = :seq, hash = :'hash';
EOF
		fail "inserting the forged entry (INSERT is allowed)"
	expect_findings "$k" "entry $k: signature" "entry $k: signature does not verify"
	t_done
}

case_swap() {
	fresh
	ledger_tamper "UPDATE pgfleet.ledger SET seq = 1000000 WHERE seq = $N;
		UPDATE pgfleet.ledger SET seq = $N WHERE seq = $((N + 1));
		UPDATE pgfleet.ledger SET seq = $((N + 1)) WHERE seq = 1000000"
	expect_findings "$N $((N + 1)) $((N + 2))" "entry $N: the body's own seq is not $N" "entry $N: the body's own seq/prev do not match"
	[[ $VOUT == *"entry $((N + 1)): the body's own seq is not $((N + 1))"* ]] || fail "no seq finding for entry $((N + 1))"
	t_done
}

case_truncate() {
	fresh
	local keep=$((E - 3))
	ledger_tamper "DELETE FROM pgfleet.ledger WHERE seq > $keep;
		UPDATE pgfleet.ledger_head SET seq = l.seq, hash = l.hash FROM pgfleet.ledger l WHERE l.seq = $keep"
	# without a checkpoint a clean tail cut is undetectable (by design)
	lg verify --trust "$TRUST"
	assert_rc 0
	assert_out_contains "ledger: $keep entries"
	CHECKPOINT=$W/cp_full expect_findings "$E" "entry $E: checkpoint: the ledger has no entry $E: truncated"
	t_done
}

case_foreign_key() {
	fresh
	lg verify --trust "$OTHER_TRUST"
	assert_rc 1
	assert_out_contains "ledger: $E entries"
	assert_out_contains ", $E findings"
	assert_eq "$(grep -E '^entry [0-9]+: signature' <<<"$OUT" | sed -E 's/^entry ([0-9]+): .*/\1/' | sort -n | uniq | tr '\n' ' ')" \
		"$(seq -s ' ' 1 "$E") " "entries with a signature finding"
	t_done
}

case_checkpoint() {
	fresh
	local size hash
	# format: origin, size, head hash, then an SSHSIG (namespace pgfleet-checkpoint) over those lines
	size=$(sed -n 2p "$W/cp_full")
	hash=$(sed -n 3p "$W/cp_full")
	assert_eq "$size $hash" "$E $head_hash" "checkpoint size and hash"
	head -n 3 "$W/cp_full" >"$W/cp_note"
	sed -n '/^-----BEGIN SSH SIGNATURE-----$/,$p' "$W/cp_full" >"$W/cp_sig"
	ssh-keygen -Y verify -f "$TRUST" -I reconciler@example.com -n pgfleet-checkpoint -s "$W/cp_sig" <"$W/cp_note" >/dev/null 2>&1 ||
		fail "the checkpoint does not verify with ssh-keygen"
	lg verify --trust "$TRUST" --checkpoint "$W/cp_full"
	assert_rc 0
	# the ledger grows: an older checkpoint is still a prefix
	pgf reconcile --scope master
	assert_rc 0
	lg verify --trust "$TRUST" --checkpoint "$W/cp_full"
	assert_rc 0
	assert_out_contains ", 0 findings"
	# a checkpoint whose size was edited: its signature fails
	{ sed -n 1p "$W/cp_full"; echo $((E - 1)); sed -n '3,$p' "$W/cp_full"; } >"$W/cp_edit"
	CHECKPOINT=$W/cp_edit expect_findings "$((E - 1))" "checkpoint signature"
	t_done
}

case_with_state() {
	fresh
	local adb
	adb=$(fleet_tenant_db acme)
	sqlx "$adb" "CREATE TABLE public.lg_saved AS SELECT * FROM pgfleet.applied_migrations WHERE version = '0002';
		DELETE FROM pgfleet.applied_migrations WHERE version = '0002';
		UPDATE pgfleet.applied_migrations SET ledger_entry = NULL WHERE version = '0003'"
	lg verify --trust "$TRUST" --with-state
	assert_rc 1
	assert_out_contains "target acme: tenant version 0003 is applied without a ledger entry"
	assert_out_contains "target acme: the ledger says tenant version 0002 is applied; the database has no row (entry $N)"
	assert_out_contains ", 3 findings" # and gone, unreachable
	sqlx "$adb" "INSERT INTO pgfleet.applied_migrations SELECT * FROM public.lg_saved; DROP TABLE public.lg_saved;
		UPDATE pgfleet.applied_migrations SET ledger_entry = 1 WHERE version = '0003'" # entry 1: run_started
	lg verify --trust "$TRUST" --with-state
	assert_rc 1
	assert_out_contains "target acme: tenant version 0003 names entry 1, which is not an intent"
	t_done
}

mkdir "$W/checker"
OTHER_KEY=$W/other_key
ssh-keygen -q -t ed25519 -N '' -C forger -f "$OTHER_KEY"
OTHER_TRUST=$W/other_trust
ledger_trust "$OTHER_TRUST" "$OTHER_KEY"

t_leaf "tamper: a body modified (a version string) -> entry N: hash, signature" case_body
t_leaf "tamper: a signature swapped for another entry's -> entry N: signature" case_signature
t_leaf "tamper: a hash modified -> entry N: hash, entry N+1: prev_hash" case_hash
t_leaf "tamper: an entry deleted in the middle -> entry N+1: sequence gap" case_delete
t_leaf "tamper: a forged entry (canonical, hashed, linked, signed by another key) -> entry K: signature" case_forged
t_leaf "tamper: two entries' seq swapped -> entry N: the body's own seq" case_swap
t_leaf "tamper: the last 3 entries removed and the head reset -> found only with a checkpoint" case_truncate
t_leaf "a ledger signed by a key not in the trust file -> a finding for every entry" case_foreign_key
t_leaf "checkpoints: signed note (ssh-keygen verifies it), a prefix of a growing ledger, an edited one refused" case_checkpoint
t_leaf "ledger verify --with-state: a row deleted, a row without its entry, a row naming a non-intent" case_with_state
t_leaf "deploy/ledger-verify.sh (sha256sum, jq, ssh-keygen) finds the body, signature, hash, delete, forged and swap cases" checker_cases
t_leaf_finish
