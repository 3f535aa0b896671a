#!/usr/bin/env bash
# Integration: schema drift ("no db:push"). A reconciled fleet (master + 4
# tenants) is clean; by-hand changes on one tenant (a column added, an index
# dropped, a column's type changed) are named by `pgfleet drift`, which
# exits 1 and leaves the untouched tenants clean; databases whose pgfleet
# schema predates fingerprints (the previous layout, made by hand) have no
# baseline but a difference among them is still found across databases;
# reconcile upgrades that layout; on_drift warn records a drift_found ledger
# entry and applies, on_drift refuse refuses the drifted tenant while the
# others converge; ledger verify --with-state stays clean throughout.
set -euo pipefail
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/fleet_test.sh"

fleet_init dr
fleet_new main
T=migrations/tenant
W=$(tmpdir_new)
ledger_trust "$W/trust" "$FLEET_KEY"
TRUST=$W/trust

# example-style migrations: identity keys, an index, a view, a function and
# its trigger, an enum type, a no-transaction index
fleet_write $T/0001_users.sql $'CREATE TYPE user_role AS ENUM (\'admin\', \'member\');\nCREATE TABLE users (\n  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n  email text NOT NULL,\n  age integer,\n  role user_role NOT NULL DEFAULT \'member\',\n  updated_at timestamptz NOT NULL DEFAULT now()\n);\nCREATE INDEX users_email_idx ON users (email);\n'
fleet_write $T/0002_touch.sql $'CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN NEW.updated_at := now(); RETURN NEW; END $$;\nCREATE TRIGGER users_touch BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION touch();\nCREATE VIEW adults AS SELECT id, email FROM users WHERE age >= 18;\n'
fleet_write $T/0003_age_idx.sql $'-- pgfleet:no-transaction\nCREATE INDEX CONCURRENTLY users_age_idx ON users (age);\n'
C1=$(fleet_commit "tenant 0001-0003")
fleet_master_up
for s in acme globex initech hooli; do fleet_tenant "$s"; done
ACME=$(fleet_tenant_db acme)
GLOBEX=$(fleet_tenant_db globex)
INITECH=$(fleet_tenant_db initech)
HOOLI=$(fleet_tenant_db hooli)
pgf reconcile --jobs 4
assert_rc 0
assert_out_contains "4 applied"

t_begin "the run's last version records the schema fingerprint; identical schemas give identical fingerprints"
for db in "$ACME" "$GLOBEX" "$INITECH" "$HOOLI"; do
	assert_eq "$(sqlv "$db" "select string_agg(version || ':' || coalesce(schema_fingerprint ~ '^[0-9a-f]{64}\$', false), ' ' order by version) from pgfleet.applied_migrations")" \
		"0001:false 0002:false 0003:true" "fingerprinted rows in $db"
	assert_eq "$(sqlv "$db" "select value from pgfleet.meta where key = 'schema_version'")" 4 "schema_version in $db"
done
fp=$(sqlv "$ACME" "select schema_fingerprint from pgfleet.applied_migrations where version = '0003'")
for db in "$GLOBEX" "$INITECH" "$HOOLI"; do
	assert_eq "$(sqlv "$db" "select schema_fingerprint from pgfleet.applied_migrations where version = '0003'")" "$fp" "fingerprint of $db"
done
# the fingerprint is the SHA-256 of the recorded lines; nothing volatile in them
assert_eq "$(sqlv "$ACME" "select fingerprint from pgfleet.schema_snapshot")" "$fp" "snapshot fingerprint"
objs=$(sqlv "$ACME" "select objects from pgfleet.schema_snapshot")
assert_eq "$(printf '%s' "$objs" | sha256sum | cut -c1-64)" "$fp" "fingerprint = sha256 of the lines"
grep -q $'^column\tpublic.users.age\ttype integer\tnullable yes$' <<<"$objs" || fail "no age column line in: $objs"
grep -q $'^index\tpublic.users_email_idx\t' <<<"$objs" || fail "no index line"
grep -q $'^trigger\tpublic.users.users_touch\t' <<<"$objs" || fail "no trigger line"
grep -q $'^view\tpublic.adults\t' <<<"$objs" || fail "no view line"
grep -q $'^function\tpublic.touch()\tdefinition md5:' <<<"$objs" || fail "no function line"
grep -q $'^type\tpublic.user_role\tenum \'admin\', \'member\'$' <<<"$objs" || fail "no enum line"
grep -q $'^sequence\tpublic.users_id_seq\ttype bigint' <<<"$objs" || fail "no sequence line"
! grep -q pgfleet <<<"$objs" || fail "pgfleet's own schema is fingerprinted"
t_done

t_begin "drift on a freshly reconciled fleet is clean (exit 0)"
pgf drift
assert_rc 0
assert_out_contains "master: clean at master=0001"
assert_out_contains "acme: clean at tenant=0003 (fingerprint ${fp:0:12})"
assert_out_contains "drift: 5 targets: 0 drifted, 5 clean, 0 no baseline, 0 skipped, 0 failed"
# the sequence's current value is not part of the schema
sqlx "$HOOLI" "INSERT INTO users (email) VALUES ('a@example.com'), ('b@example.com')"
pgf drift --tenant hooli
assert_rc 0
assert_out_contains "hooli: clean at tenant=0003"
t_done

t_begin "by-hand changes on one tenant: drift exits 1 and names each object and the tenant; the others stay clean"
sqlx "$ACME" "ALTER TABLE users ADD COLUMN nickname text; DROP INDEX users_email_idx;
  DROP VIEW adults; ALTER TABLE users ALTER COLUMN age TYPE bigint;
  CREATE VIEW adults AS SELECT id, email FROM users WHERE age >= 18"
pgf drift
assert_rc 1
assert_out_contains "acme: drift: 3 objects differ from the schema recorded after tenant 0003"
assert_out_contains "  column public.users.nickname added"
assert_out_contains "  index public.users_email_idx dropped"
assert_out_contains "  column public.users.age type changed: integer -> bigint"
assert_out_contains "globex: clean at tenant=0003"
assert_out_contains "initech: clean at tenant=0003"
assert_out_contains "hooli: clean at tenant=0003"
assert_out_contains "drift: 5 targets: 1 drifted, 4 clean"
pgf drift --json
assert_rc 1
assert_eq "$(jq -r '.targets[] | select(.target == "acme") | .drift.drifted' <<<"$OUT")" true "acme drifted (json)"
assert_eq "$(jq -r '.targets[] | select(.target == "acme") | .drift.changes | length' <<<"$OUT")" 3 "acme changes (json)"
assert_eq "$(jq -r '[.targets[] | select(.drift.drifted)] | length' <<<"$OUT")" 1 "drifted targets (json)"
assert_eq "$(jq -r '.exit_code' <<<"$OUT")" 1 "exit_code (json)"
t_done

t_begin "databases from before fingerprints (the previous pgfleet layout): no baseline, but a difference among peers is found"
for db in "$GLOBEX" "$INITECH"; do
	sqlx "$db" "DROP TABLE pgfleet.schema_snapshot; ALTER TABLE pgfleet.applied_migrations DROP COLUMN schema_fingerprint;
	  UPDATE pgfleet.meta SET value = '1' WHERE key = 'schema_version'"
done
sqlx "$INITECH" "ALTER TABLE users ADD COLUMN legacy_flag boolean NOT NULL DEFAULT false"
pgf drift
assert_rc 1
assert_out_contains "globex: no baseline: no fingerprint recorded yet at tenant=0003 (fingerprint ${fp:0:12}, same as 2 of 4 databases)"
assert_out_contains "initech: drift: no baseline, but 1 object differs from 2 of 4 databases at tenant=0003 (compared with hooli)"
assert_out_contains "  column public.users.legacy_flag added"
assert_out_contains "hooli: clean at tenant=0003"
assert_out_contains "drift: 5 targets: 2 drifted, 2 clean, 1 no baseline"
t_done

fleet_write $T/0004_notes.sql $'CREATE TABLE notes (id bigint PRIMARY KEY, body text NOT NULL);\n'
C2=$(fleet_commit "tenant 0004")

t_begin "reconcile with on_drift warn (the default): a drift_found ledger entry, applied anyway; old layouts upgraded"
pgf reconcile --jobs 4
assert_rc 0
assert_out_contains "acme tenant: applied 1 (0003 -> 0004)"
assert_out_contains "globex tenant: applied 1 (0003 -> 0004)"
assert_err_contains "acme tenant: schema drift since tenant 0003: 3 objects differ (on_drift warn: applying)"
ledger_export_to "$W/exp"
assert_eq "$(jq -r .body "$W/exp" | jq -r 'select(.kind == "drift_found") | .target' | tr '\n' ' ')" "acme " "drift_found entries"
body=$(jq -r .body "$W/exp" | jq -c 'select(.kind == "drift_found")')
assert_eq "$(jq -r .expected <<<"$body")" "$fp" "expected fingerprint"
[[ $(jq -r .actual <<<"$body") =~ ^[0-9a-f]{64}$ && $(jq -r .actual <<<"$body") != "$fp" ]] || fail "actual fingerprint: $body"
assert_eq "$(jq -r '[.scope, .version, .policy, .objects_total] | join(" ")' <<<"$body")" "tenant 0003 warn 3" "drift_found fields"
jq -r .objects <<<"$body" | grep -q "column public.users.nickname added" || fail "objects: $body"
for db in "$GLOBEX" "$INITECH"; do
	assert_eq "$(sqlv "$db" "select value from pgfleet.meta where key = 'schema_version'")" 4 "upgraded $db"
	assert_eq "$(sqlv "$db" "select string_agg(version || ':' || (schema_fingerprint is not null), ' ' order by version) from pgfleet.applied_migrations")" \
		"0001:false 0002:false 0003:false 0004:true" "fingerprints recorded in $db"
done
lg verify --trust "$TRUST" --with-state
assert_rc 0
assert_out_contains ", 0 findings"
t_done

t_begin "after warn, the drift is in acme's recording, but drift still finds acme and initech differ from their peers"
pgf drift
assert_rc 1
assert_out_contains "acme: drift: 3 objects differ from 2 of 4 databases at tenant=0004 (compared with"
assert_out_contains "  column public.users.age type changed: integer -> bigint"
assert_out_contains "initech: drift: 1 object differs from 2 of 4 databases at tenant=0004"
assert_out_contains "globex: clean at tenant=0004"
t_done

fleet_write $T/0005_tags.sql $'CREATE TABLE tags (name text PRIMARY KEY);\n'
fleet_write $T/0005_tags.down.sql $'DROP TABLE tags;\n'
C3=$(fleet_commit "tenant 0005")
printf '{"on_drift": "refuse"}\n' >"$W/refuse.json"

t_begin "on_drift refuse: the drifted tenant is refused (a drift_found and a refused entry), the others converge"
sqlx "$GLOBEX" "CREATE TABLE stray (id int); ALTER TABLE notes ALTER COLUMN body DROP NOT NULL"
pgf reconcile --jobs 4 --policy "$W/refuse.json" --verbose
assert_rc 1
# the check came with the lock and the state, in one round trip
assert_err_contains "globex tenant: schema checked for drift in the lock's round trip"
assert_out_contains "globex tenant: refused"
assert_out_contains "schema drift since tenant 0004 (apply): 3 objects differ; on_drift is refuse"
assert_out_contains "acme tenant: applied 1 (0004 -> 0005)"
assert_out_contains "initech tenant: applied 1 (0004 -> 0005)"
assert_out_contains "hooli tenant: applied 1 (0004 -> 0005)"
assert_eq "$(applied "$GLOBEX" | tr ' ' '\n' | tail -n 1)" "0004:applied" "globex stays at 0004"
ledger_export_to "$W/exp2"
assert_eq "$(jq -r .body "$W/exp2" | jq -r 'select(.kind == "drift_found" and .policy == "refuse") | .target')" globex "refuse entry"
jq -r .body "$W/exp2" | jq -r 'select(.kind == "drift_found" and .policy == "refuse") | .objects' | grep -q "table public.stray added" || fail "stray not named"
assert_eq "$(jq -r .body "$W/exp2" | jq -r 'select(.kind == "refused") | .target')" globex "refused entry"
lg verify --trust "$TRUST" --with-state
assert_rc 0
pgf drift --tenant globex
assert_rc 1
assert_out_contains "  column public.notes.body nullable changed: no -> yes"
assert_out_contains "  table public.stray added"
assert_out_contains "  column public.stray.id added"
t_done

t_begin "a rollback records the schema it leaves: the tenant is clean at the version it went back to"
pgf rollback --scope tenant --to 0004 --tenant hooli
assert_rc 0
assert_eq "$(sqlv "$HOOLI" "select scope || ' ' || version || ' ' || action from pgfleet.schema_snapshot")" "tenant 0005 rollback" "snapshot after rollback"
pgf drift --tenant hooli
assert_rc 0
assert_out_contains "hooli: clean at tenant=0004"
lg verify --trust "$TRUST" --with-state
assert_rc 0
t_done


fleet_write $T/0006_stray.sql $'CREATE TABLE stray (id int);\n'
fleet_write $T/0007_b7.sql $'-- pgfleet:no-transaction\nCREATE TABLE b7 (id int);\nDO $$ BEGIN IF current_setting(\'pgfleet_test.block\', true) = \'on\' THEN RAISE EXCEPTION \'blocked by the test\'; END IF; END $$;\nCREATE INDEX CONCURRENTLY b7_id_idx ON b7 (id);\n'
C4=$(fleet_commit "tenant 0006-0007")

t_begin "a run stopped by a failure records the schema it left: the versions before a rolled-back one, or a partial file"
# a database setting is not schema: it blocks acme's 0007 at its second statement
sqlx "$ACME" "ALTER DATABASE \"$ACME\" SET pgfleet_test.block = 'on'"
pgf reconcile --jobs 4
assert_rc 1
assert_out_contains "hooli tenant: applied 3 (0004 -> 0007)"
assert_eq "$(sqlv "$HOOLI" "select scope || ' ' || version || ' ' || action from pgfleet.schema_snapshot")" "tenant 0007 apply" "hooli's snapshot"
# globex has a table stray of its own: 0006 fails and rolls back, 0005 stays
assert_eq "$(applied "$GLOBEX" | tr ' ' '\n' | tail -n 1)" "0005:applied" "globex at 0005"
assert_eq "$(sqlv "$GLOBEX" "select scope || ' ' || version || ' ' || action from pgfleet.schema_snapshot")" "tenant 0005 apply" "globex's snapshot"
assert_eq "$(sqlv "$GLOBEX" "select schema_fingerprint = (select fingerprint from pgfleet.schema_snapshot) from pgfleet.applied_migrations where version = '0005'")" t "0005's row has it"
assert_eq "$(applied "$ACME" | tr ' ' '\n' | tail -n 1)" "0007:partial" "acme's 0007 is partial"
assert_eq "$(sqlv "$ACME" "select scope || ' ' || version || ' ' || action from pgfleet.schema_snapshot")" "tenant 0007 partial" "acme's snapshot"
pgf drift --tenant globex
assert_rc 0
assert_out_contains "globex: clean at tenant=0005"
t_done

t_begin "the resumed file is not taken for drift, even with on_drift refuse"
sqlx "$ACME" "ALTER DATABASE \"$ACME\" RESET pgfleet_test.block"
pgf reconcile --tenant acme --policy "$W/refuse.json"
assert_rc 0
assert_out_contains "acme tenant: applied 1"
assert_eq "$(applied "$ACME" | tr ' ' '\n' | tail -n 1)" "0007:applied" "acme's 0007 resumed"
assert_eq "$(sqlv "$ACME" "select scope || ' ' || version || ' ' || action from pgfleet.schema_snapshot")" "tenant 0007 apply" "acme's snapshot"
t_done

fleet_write $T/0008_more.sql $'CREATE TABLE more8 (id int);\n'
C5=$(fleet_commit "tenant 0008")

t_begin "a recording older than versions applied since (an interrupted run) is not judged: drift says so, reconcile records afresh"
# as if a run had applied 0007 and stopped before recording it
sqlx "$HOOLI" "UPDATE pgfleet.schema_snapshot SET recorded_at = recorded_at - interval '1 hour', version = '0006'"
sqlx "$HOOLI" "ALTER TABLE notes ADD COLUMN late text"
pgf drift --tenant hooli
assert_rc 1
assert_out_contains "hooli: drift: 1 object differs from the schema recorded after tenant 0006 (versions applied since were not recorded"
pgf drift --tenant hooli --json
assert_eq "$(jq -r '.targets[] | select(.target == "hooli") | .drift.recorded_stale' <<<"$OUT")" true "recorded_stale (json)"
pgf reconcile --tenant hooli --policy "$W/refuse.json"
assert_rc 0
assert_err_contains "hooli tenant: the schema was last recorded after tenant 0006, and versions were applied since"
assert_eq "$(sqlv "$HOOLI" "select scope || ' ' || version || ' ' || action from pgfleet.schema_snapshot")" "tenant 0008 apply" "hooli recorded afresh"
t_done


t_begin "an extension's own objects are the extension's: one line for it, none for its functions, types and operators"
sqlx "$HOOLI" "CREATE EXTENSION citext SCHEMA public"
pgf drift --tenant hooli --json
assert_rc 1
assert_eq "$(jq -r '.targets[] | select(.target == "hooli") | .drift.changes | join("|")' <<<"$OUT")" "extension citext added" "changes with citext"
sqlx "$HOOLI" "DROP EXTENSION citext"
pgf drift --tenant hooli
assert_rc 0
t_done


fleet_write $T/0009_nine.sql $'CREATE TABLE nine (id int);\n'
C6=$(fleet_commit "tenant 0009")

t_begin "on_drift off: reconcile neither checks nor records; a wrong value is a config error naming the file"
printf '{"on_drift": "off"}\n' >"$W/off.json"
sqlx "$HOOLI" "CREATE TABLE by_hand (id int)"
pgf reconcile --tenant hooli --policy "$W/off.json"
assert_rc 0
assert_out_contains "hooli tenant: applied 1 (0008 -> 0009)"
assert_err_not_contains "drift"
assert_eq "$(sqlv "$HOOLI" "select scope || ' ' || version || ' ' || action from pgfleet.schema_snapshot")" "tenant 0008 apply" "no recording"
assert_eq "$(sqlv "$HOOLI" "select schema_fingerprint is null from pgfleet.applied_migrations where version = '0009'")" t "0009 has none"
printf '{"on_drift": "sometimes"}\n' >"$W/bad.json"
pgf reconcile --tenant hooli --policy "$W/bad.json"
assert_rc 2
assert_err_contains "$W/bad.json: on_drift: expected \"warn\", \"refuse\" or \"off\""
t_done

t_begin "names that are not UTF-8 (a SQL_ASCII database): escaped as \xNN in text, valid JSON in --json"
fleet_tenant ascii
ASCII=$(fleet_tenant_db ascii)
pgc_psql -d postgres -v name="$ASCII" <<'EOF'
DROP DATABASE :"name";
CREATE DATABASE :"name" ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0;
EOF
pgf reconcile --tenant ascii
assert_rc 0
sqlx "$ASCII" $'CREATE TABLE "caf\xe9" (id int)'
pgf drift --tenant ascii
assert_rc 1
assert_out_contains '  table public.caf\xe9 added'
pgf drift --tenant ascii --json
assert_rc 1
assert_eq "$(jq -r '.targets[] | select(.target == "ascii") | .drift.changes | join("|")' <<<"$OUT")" 'column public.caf\xe9.id added|table public.caf\xe9 added' "changes (json)"
# reconcile checks and records there too: the fingerprint hashes the bytes
fleet_write $T/0010_ten.sql $'CREATE TABLE ten (id int);\n'
fleet_commit "tenant 0010" >/dev/null
pgf reconcile --tenant ascii
assert_rc 0
assert_err_contains 'ascii tenant: schema drift since tenant 0009'
ledger_export_to "$W/exp"
assert_eq "$(jq -r .body "$W/exp" | jq -r 'select(.kind == "drift_found" and .target == "ascii") | .objects')" \
	'column public.caf\xe9.id added; table public.caf\xe9 added' "the drift_found entry"
assert_eq "$(sqlv "$ASCII" "select version || ' ' || (fingerprint = encode(sha256(convert_to(objects, 'SQL_ASCII')), 'hex')) from pgfleet.schema_snapshot")" "0010 true" "recorded in SQL_ASCII"
# a failure whose message holds such a name: the failed entry keeps it, escaped
fleet_write $T/0011_fail.sql $'DO $$ BEGIN RAISE EXCEPTION \'no: %\', (SELECT relname FROM pg_class WHERE relname LIKE \'caf%\'); END $$;\n'
fleet_commit "tenant 0011" >/dev/null
pgf reconcile --tenant ascii
assert_rc 1
ledger_export_to "$W/exp"
assert_out_contains '  migrations/tenant/0011_fail.sql: ERROR: no: caf\xe9'
# two failed entries: the version's result and the target's end, each with the message
assert_eq "$(jq -r .body "$W/exp" | jq -r 'select(.kind == "failed" and .target == "ascii") | (.version // "-") + " " + .error')" \
	$'0011 migrations/tenant/0011_fail.sql: ERROR: no: caf\\xe9\n- migrations/tenant/0011_fail.sql: ERROR: no: caf\\xe9' "the failed entries"
lg verify --trust "$TRUST"
assert_rc 0
# status reads the failure back from the tenant's history: text and --json keep it
pgf status --tenant ascii
assert_out_contains ': migrations/tenant/0011_fail.sql: ERROR: no: caf\xe9'
assert_out_contains '1 failed: ascii'
pgf status --tenant ascii --json
assert_eq "$(jq -r '.fleet.scopes[] | select(.scope == "tenant") | .failed[] | .target + " " + (.last_failure | split(": migrations/")[1])' <<<"$OUT")" \
	'ascii tenant/0011_fail.sql: ERROR: no: caf\xe9' "status --json fleet failures"
t_done

t_begin "a tenants row whose slug does not print as itself is a config error naming the row (exit 2, nothing touched)"
pgc_psql -d "$FLEET_MASTER_DB" -c "INSERT INTO tenants (slug, name, database_url) VALUES (E'bad\\nslug', 'Bad', 'dbname=none')"
pgf reconcile
assert_rc 2
assert_err_contains "slug 'bad\x0aslug' is not printable UTF-8"
pgc_psql -d "$FLEET_MASTER_DB" -c "DELETE FROM tenants WHERE slug = E'bad\\nslug'"
t_done

t_begin "schema version 3 (the previous layout's drift_check) is upgraded to 4 by the next reconcile"
sqlx "$HOOLI" "UPDATE pgfleet.meta SET value = '3' WHERE key = 'schema_version';
  CREATE OR REPLACE FUNCTION pgfleet.drift_check(pending boolean, with_objects boolean) RETURNS TABLE (cur_fingerprint
  text, cur_objects text, rec_fingerprint text, rec_objects text, rec_scope text, rec_version text, rec_action text,
  rec_stale boolean) LANGUAGE plpgsql AS \$f\$ BEGIN END \$f\$"
pgf reconcile --tenant hooli
assert_rc 1 # 0011 fails everywhere; 0010 applies first
assert_out_contains "hooli tenant: failed after applying 0010"
assert_eq "$(sqlv "$HOOLI" "select value from pgfleet.meta where key = 'schema_version'")" 4 "upgraded"
assert_eq "$(sqlv "$HOOLI" "select pg_get_functiondef('pgfleet.drift_check'::regproc) like '%getdatabaseencoding%'")" t "drift_check replaced"
t_done

t_finish
