#!/usr/bin/env bash
# Integration: the policy's "forbid_author_approval" (the author of the commit
# that added a migration file cannot approve it), with real tools only: keys
# made by ssh-keygen, commits signed by git itself (gpg.format=ssh, commit -S),
# approvals by `pgfleet approve --key` (ssh-keygen -Y sign underneath).
#
# The adding commit: walking the first-parent chain from the verified commit,
# the oldest commit of the newest unbroken stretch in which the file exists.
# Its author: the principal of its trusted SSH signature, and its author email.
#
# Needs: git (>= 2.34, SSH signing), ssh-keygen (OpenSSH >= 8.9), PostgreSQL
# (the last case: reconcile --pinned refuses before touching the master).
set -euo pipefail
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/fleet_test.sh"

command -v ssh-keygen >/dev/null || { echo "approvals_author.sh: ssh-keygen is not installed" >&2; exit 1; }

K=$(tmpdir_new) # keys, trust root and policies: the operator's side
keygen() { ssh-keygen -q -t ed25519 -N '' -C "$1@example.com" -f "$K/$1"; }
for k in alice alice_laptop bob carol; do keygen "$k"; done
pub() { cut -d' ' -f1,2 "$K/$1.pub"; }
T=$K/allowed_signers
{
	echo "alice@example.com $(pub alice)"
	echo "alice@example.com namespaces=\"pgfleet-approval\" $(pub alice_laptop)"
	echo "bob@example.com $(pub bob)"
	echo "carol@example.com $(pub carol)"
} >"$T"
policy() { printf '%s\n' "$2" >"$K/$1.json"; }
policy plain '{"min_approvals": 2}'
policy forbid '{"min_approvals": 2, "forbid_author_approval": true}'
policy scope_off '{"min_approvals": 2, "forbid_author_approval": true, "scopes": {"tenant": {"forbid_author_approval": false}}}'
policy scope_on '{"min_approvals": 2, "scopes": {"tenant": {"forbid_author_approval": true}}}'

# commit_as REPO KEY EMAIL MSG: pgfleet hash, add everything, commit with
# author EMAIL, signed by KEY ("-": unsigned); print the full SHA.
commit_as() {
	local r=$1 key=$2 email=$3 msg=$4
	"$PGFLEET" --quiet --repo "$r" hash >/dev/null
	git -C "$r" add -A
	if [[ $key == - ]]; then
		GIT_AUTHOR_EMAIL=$email git -C "$r" commit -q --allow-empty -m "$msg"
	else
		GIT_AUTHOR_EMAIL=$email git -C "$r" -c gpg.format=ssh -c user.signingkey="$K/$key" commit -q -S \
			--allow-empty -m "$msg"
	fi
	git -C "$r" rev-parse HEAD
}
# approve REPO FILE KEY AS
approve() {
	run "$PGFLEET" --repo "$1" approve "$2" --key "$K/$3" --as "$4"
	assert_rc 0
}
pverify() { # REPO POLICY [ARGS]
	local r=$1 pol=$2
	shift 2
	run "$PGFLEET" --repo "$r" verify --policy "$K/$pol.json" --trust "$T" "$@"
}

# The history (first parent, oldest first):
#   C1 carol (signed by carol)            adds 0001_wells.sql and 0004_pumps.sql
#   C2 ci-bot@example.com, signed by alice adds 0002_readings.sql and its down file
#   C3 Bob@Example.com, unsigned           adds 0003_valves.sql
#   C4 carol (signed by carol)            removes 0004_pumps.sql
#   C5 alice@example.com, unsigned         adds 0004_pumps.sql again (same bytes)
#   C6 carol (signed by carol)            adds the approvals: alice and bob approve every file
#                                          (0002's up file by alice's second key)
#   C7 carol (signed by carol)            adds 0005_meters.sql and its approvals by alice and bob
r=$(tmpdir_new)/repo
repo_init "$r"
repo_write "$r" pgfleet.json '{"version": 1, "scopes": [{"name": "tenant", "folder": "migrations/tenant", "target": "tenants"}]}'
d=migrations/tenant
pumps=$'create table pumps (id int primary key);\n'
repo_write "$r" $d/0001_wells.sql $'create table wells (id int primary key);\n'
repo_write "$r" $d/0004_pumps.sql "$pumps"
C1=$(commit_as "$r" carol carol@example.com "carol adds wells and pumps")
repo_write "$r" $d/0002_readings.sql $'create table readings (id int primary key);\n'
repo_write "$r" $d/0002_readings.down.sql $'drop table readings;\n'
C2=$(commit_as "$r" alice ci-bot@example.com "readings, signed by alice")
repo_write "$r" $d/0003_valves.sql $'create table valves (id int primary key);\n'
C3=$(commit_as "$r" - Bob@Example.com "valves, unsigned, by bob")
rm "$r/$d/0004_pumps.sql"
C4=$(commit_as "$r" carol carol@example.com "carol removes pumps")
repo_write "$r" $d/0004_pumps.sql "$pumps"
C5=$(commit_as "$r" - alice@example.com "alice adds pumps back")
for f in 0001_wells.sql 0002_readings.down.sql 0003_valves.sql 0004_pumps.sql; do
	approve "$r" $d/$f alice alice@example.com
	approve "$r" $d/$f bob bob@example.com
done
approve "$r" $d/0002_readings.sql alice_laptop alice@example.com
approve "$r" $d/0002_readings.sql bob bob@example.com
C6=$(commit_as "$r" carol carol@example.com "approvals")
: "$C1" "$C4"

t_begin "without forbid_author_approval, authors' approvals count: verify exits 0"
pverify "$r" plain --commit "$C6"
assert_rc 0
assert_err_contains "$d/0002_readings.sql: approved by alice@example.com, bob@example.com"
t_done

t_begin "forbid_author_approval: the signer's and the author email's approvals are refused, named in the findings"
pverify "$r" forbid --commit "$C6"
assert_rc 1
# C2 is signed by alice: her approvals, by the same key or by her other key, do not count
assert_out_contains "$d/0002_readings.sql: 1 of 2 approvals (by bob@example.com); alice@example.com: authored the commit that added the file (${C2:0:12}, forbid_author_approval)"
assert_out_contains "$d/0002_readings.down.sql: 1 of 2 approvals (by bob@example.com); alice@example.com: authored the commit that added the file (${C2:0:12}, forbid_author_approval)"
# C3 is unsigned; its author email is bob's principal (compared case-insensitively)
assert_out_contains "$d/0003_valves.sql: 1 of 2 approvals (by alice@example.com); bob@example.com: authored the commit that added the file (${C3:0:12}, forbid_author_approval)"
# 0004 was added by carol, removed, and added again by alice: alice added it
assert_out_contains "$d/0004_pumps.sql: 1 of 2 approvals (by bob@example.com); alice@example.com: authored the commit that added the file (${C5:0:12}, forbid_author_approval)"
# carol's file, approved by alice and bob
assert_out_not_contains "0001_wells.sql"
assert_err_contains "$d/0001_wells.sql: approved by alice@example.com, bob@example.com"
t_done

t_begin "forbid_author_approval per scope: the scope's value wins over the global one"
pverify "$r" scope_off --commit "$C6"
assert_rc 0
pverify "$r" scope_on --commit "$C6"
assert_rc 1
assert_out_contains "$d/0003_valves.sql: 1 of 2 approvals (by alice@example.com); bob@example.com: authored the commit"
t_done

t_begin "a file added by the verified commit itself; older files' adding commits further down the history"
repo_write "$r" $d/0005_meters.sql $'create table meters (id int primary key);\n'
approve "$r" $d/0005_meters.sql alice alice@example.com
approve "$r" $d/0005_meters.sql bob bob@example.com
C7=$(commit_as "$r" carol carol@example.com "carol adds meters, approved by alice and bob")
pverify "$r" forbid --commit "$C7"
assert_rc 1
assert_err_contains "$d/0005_meters.sql: approved by alice@example.com, bob@example.com"
assert_out_not_contains "0005_meters.sql"
assert_out_contains "$d/0003_valves.sql: 1 of 2 approvals (by alice@example.com); bob@example.com: authored the commit that added the file (${C3:0:12}, forbid_author_approval)"
t_done

t_begin "forbid_author_approval with a non-boolean value: exit 2 naming the policy file"
policy bad '{"min_approvals": 2, "forbid_author_approval": "yes"}'
pverify "$r" bad --commit "$C6"
assert_rc 2
assert_err_contains "$K/bad.json: forbid_author_approval: expected true or false"
policy bad_scope '{"min_approvals": 2, "scopes": {"tenant": {"forbid_author_approval": 1}}}'
pverify "$r" bad_scope --commit "$C6"
assert_rc 2
assert_err_contains "$K/bad_scope.json: scopes.tenant.forbid_author_approval: expected true or false"
t_done

t_begin "check and reconcile --pinned go through the same verify: refused, no database touched"
run "$PGFLEET" --repo "$r" check --commit "$C6" --policy "$K/forbid.json" --trust "$T"
assert_rc 1
assert_out_contains "bob@example.com: authored the commit that added the file (${C3:0:12}, forbid_author_approval)"
fleet_init author
master_db=$(fleet_db master)
run "$PGFLEET" --repo "$r" --master "$(pgc_conninfo "$master_db")" reconcile --key "$FLEET_KEY" --pinned \
	--commit "$C6" --policy "$K/forbid.json" --trust "$T"
assert_rc 1
assert_out_contains "$d/0003_valves.sql: 1 of 2 approvals (by alice@example.com); bob@example.com: authored the commit"
assert_err_contains "no database was touched"
assert_eq "$(sqlv "$master_db" "select count(*) from pg_namespace where nspname = 'pgfleet'")" 0 "schema pgfleet in master"
t_done

t_finish
