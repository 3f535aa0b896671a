#!/usr/bin/env bash
# Integration: `pgfleet lint` on the corpus (tests/lint/corpus: one file that
# must trip each rule, one that must not, tricky parsing and waiver cases;
# tests/lint/expected.txt holds every finding's path:line:column, severity
# and rule), on files at a commit of a real git repository, with policy
# severities, and with waivers whose approvals are real SSH signatures made
# by ssh-keygen (through `pgfleet approve --key`).
set -euo pipefail
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/assert.sh"
. "$here/../lib/gitrepo.sh"
PGFLEET=${PGFLEET:?PGFLEET must point at the pgfleet binary}
SRCROOT=${SRCROOT:-$here/../..}
LINTDIR=$SRCROOT/tests/lint

for p in git ssh-keygen jq; do
	command -v "$p" >/dev/null || { echo "lint.sh: $p is not installed" >&2; exit 1; }
done

# first lines only, cut after the rule id: "path:line:column: severity: rule"
heads() { grep -v '^  ' | sed -E 's/^([^:]+:[0-9]+:[0-9]+: [a-z]+: [a-z-]+):.*/\1/'; }

t_begin "corpus: every finding at its exact line:column, severity and rule"
cd "$LINTDIR"
run "$PGFLEET" --quiet lint corpus/*.sql
assert_rc 1
got=$(printf '%s\n' "$OUT" | heads)
diff <(printf '%s\n' "$got") expected.txt >&2 || fail "findings differ from tests/lint/expected.txt"
# every finding has its two hint lines
assert_eq "$(printf '%s\n' "$OUT" | grep -c '^  why: ')" "$(printf '%s\n' "$OUT" | grep -vc '^  \|: waived: ')" "why lines"
assert_eq "$(printf '%s\n' "$OUT" | grep -c '^  instead: ')" "$(printf '%s\n' "$OUT" | grep -c '^  why: ')" "instead lines"
t_done

t_begin "--jobs: files read, parsed and rendered on several threads, the same bytes in the same order"
J=$(tmpdir_new)
for j in 1 2 4; do
	"$PGFLEET" --quiet lint --jobs "$j" --json corpus/*.sql corpus/*.sql corpus/*.sql >"$J/$j.json" || [ $? -eq 1 ]
	"$PGFLEET" --quiet lint --jobs "$j" corpus/*.sql corpus/*.sql corpus/*.sql >"$J/$j.txt" || [ $? -eq 1 ]
done
for j in 2 4; do
	cmp "$J/1.json" "$J/$j.json" >&2 || fail "--jobs $j --json differs from --jobs 1"
	cmp "$J/1.txt" "$J/$j.txt" >&2 || fail "--jobs $j text differs from --jobs 1"
done
one=$(cat "$J/1.json")
assert_eq "$(jq -r '.findings[0].file' "$J/1.json")" "$(ls corpus/*.sql | head -n 1)" "first finding's file"
assert_eq "$(printf '%s' "$one" | jq '.files')" "$(( 3 * $(ls corpus/*.sql | wc -l) ))" "files"
run "$PGFLEET" lint --jobs 0 corpus/ban-cluster.ok.sql
assert_rc 2
t_done

t_begin "corpus: each rule has a file it trips and a file it does not"
run "$PGFLEET" lint --rules --json
assert_rc 0
rules=$(printf '%s' "$OUT" | jq -r '.[].id')
[[ $(wc -l <<<"$rules") -ge 28 ]] || fail "too few rules: $rules"
for id in $rules; do
	[[ -f corpus/$id.bad.sql && -f corpus/$id.ok.sql ]] || fail "corpus/$id.bad.sql or .ok.sql is missing"
	run "$PGFLEET" --quiet lint --json "corpus/$id.bad.sql"
	[[ $(printf '%s' "$OUT" | jq --arg id "$id" '[.findings[] | select(.rule == $id and .waived == false)] | length') -ge 1 ]] ||
		fail "corpus/$id.bad.sql: no $id finding"
	run "$PGFLEET" --quiet lint --json "corpus/$id.ok.sql"
	assert_rc 0
	assert_eq "$(printf '%s' "$OUT" | jq '[.findings[] | select(.waived == false)] | length')" 0 "corpus/$id.ok.sql"
done
t_done

t_begin "tricky parsing: dollar quotes, strings, comments, several statements per line, UTF-8 columns"
run "$PGFLEET" --quiet lint corpus/tricky-dollar-quotes.sql corpus/tricky-strings-comments.sql corpus/tricky-empty.sql
assert_rc 0
assert_eq "$OUT" "" "no finding in DDL-looking data"
run "$PGFLEET" --quiet lint corpus/tricky-unicode.sql
assert_rc 1
assert_out_contains "corpus/tricky-unicode.sql:1:50: error: ban-drop-table: table old is dropped"
t_done

t_begin "--json: one object per finding with file, line, column, rule, severity, message, why, fix, waived"
run "$PGFLEET" --quiet lint --json corpus/waiver-trailing.sql corpus/syntax-error.bad.sql
assert_rc 1
assert_eq "$(printf '%s' "$OUT" | jq -c '[.files, (.findings | length), .exit_code]')" '[2,3,1]'
assert_eq "$(printf '%s' "$OUT" | jq -c '.findings[0] | [.file, .line, .column, .rule, .severity, .waived, .waiver_reason]')" \
	'["corpus/waiver-trailing.sql",1,1,"ban-drop-table","error",true,"one-off import table"]'
assert_eq "$(printf '%s' "$OUT" | jq -c '.findings[2] | [.line, .column, .rule, .message]')" \
	'[3,13,"syntax-error","syntax error at or near \",\""]'
printf '%s' "$OUT" | jq -e '.findings | all(.why != "" and .fix != "" and .message != "")' >/dev/null || fail "empty why/fix"
t_done

t_begin "--rules and --explain"
run "$PGFLEET" lint --explain setting-not-null
assert_rc 0
assert_out_contains "setting-not-null (error): "
assert_out_contains "  instead: ADD CONSTRAINT c CHECK (col IS NOT NULL) NOT VALID"
run "$PGFLEET" lint --explain seting-not-null
assert_rc 2
assert_err_contains "unknown rule (did you mean 'setting-not-null'?)"
run "$PGFLEET" lint --rules
assert_rc 0
assert_out_contains "adding-volatile-default (error): "
t_done

K=$(tmpdir_new)
policy() { printf '%s\n' "$2" >"$K/$1.json"; }

t_begin "policy: severities, off, per scope"
policy sev '{"lint": {"rules": {"ban-drop-table": "warning", "update-delete-without-where": "error",
  "ban-truncate": "off"}, "scopes": {"master": {"rules": {"ban-drop-table": "off"}}}}}'
run "$PGFLEET" --quiet lint --policy "$K/sev.json" corpus/ban-drop-table.bad.sql corpus/ban-truncate.bad.sql
assert_rc 0
assert_eq "$(printf '%s\n' "$OUT" | heads)" "corpus/ban-drop-table.bad.sql:1:1: warning: ban-drop-table"
run "$PGFLEET" --quiet lint --policy "$K/sev.json" corpus/update-delete-without-where.bad.sql
assert_rc 1
assert_out_contains "1:1: error: update-delete-without-where"
run "$PGFLEET" --quiet lint --policy "$K/sev.json" --scope master corpus/ban-drop-table.bad.sql
assert_rc 0
assert_eq "$OUT" "" "off in scope master"
t_done

t_begin "policy: an unknown rule or severity is a configuration error naming file and key"
policy typo '{"lint": {"rules": {"ban-drop-tabel": "off"}}}'
run "$PGFLEET" lint --policy "$K/typo.json" corpus/ban-drop-table.bad.sql
assert_rc 2
assert_err_contains "$K/typo.json: lint.rules.ban-drop-tabel: unknown lint rule"
assert_err_contains "did you mean 'ban-drop-table'?"
policy typo2 '{"lint": {"scopes": {"tenant": {"rules": {"ban-truncate": "fatal"}}}}}'
run "$PGFLEET" lint --policy "$K/typo2.json" corpus/ban-truncate.bad.sql
assert_rc 2
assert_err_contains "lint.scopes.tenant.rules.ban-truncate: expected \"error\", \"warning\" or \"off\""
policy typo3 '{"lint": {"rule": {}}}'
run "$PGFLEET" lint --policy "$K/typo3.json" corpus/ban-truncate.bad.sql
assert_rc 2
assert_err_contains "unknown key \"rule\""
policy fixed '{"lint": {"rules": {"syntax-error": "off"}}}'
run "$PGFLEET" lint --policy "$K/fixed.json" corpus/ban-truncate.bad.sql
assert_rc 2
assert_err_contains "lint.rules.syntax-error: this rule cannot be configured"
t_done

t_begin "bad input: a missing file, a bad leading directive, FILE with --commit: exit 2"
run "$PGFLEET" lint corpus/no-such-file.sql
assert_rc 2
assert_err_contains "no-such-file.sql"
printf -- '-- pgfleet:no-transacton\nselect 1;\n' >"$K/typo.sql"
run "$PGFLEET" lint "$K/typo.sql"
assert_rc 2
assert_err_contains "$K/typo.sql:1: unknown directive 'pgfleet:no-transacton'"
run "$PGFLEET" lint --commit HEAD corpus/ban-truncate.bad.sql
assert_rc 2
t_done

t_begin "bad input among good files, on any --jobs: each error in the files' order, the others linted, exit 2"
mkdir -p "$K/dir.sql"
bad=(corpus/*.sql corpus/no-such-file.sql corpus/*.sql "$K/typo.sql" "$K/dir.sql" corpus/ban-truncate.bad.sql)
errors='["corpus/no-such-file.sql: No such file or directory",'
errors+="\"$K/typo.sql:1: unknown directive 'pgfleet:no-transacton'\","
errors+="\"$K/dir.sql: not a regular file\"]"
for j in 1 2 4; do
	run "$PGFLEET" --quiet lint --jobs "$j" --json "${bad[@]}"
	assert_rc 2
	printf '%s\n' "$OUT" >"$J/bad$j.json"
	assert_eq "$(jq -c .errors "$J/bad$j.json")" "$(jq -c . <<<"$errors")" "--jobs $j errors"
	assert_eq "$(jq .files "$J/bad$j.json")" "$(( 2 * $(ls corpus/*.sql | wc -l) + 1 ))" "--jobs $j files linted"
	assert_eq "$(jq .exit_code "$J/bad$j.json")" 2 "--jobs $j exit_code"
	assert_eq "$(printf '%s\n' "$ERR" | grep -c 'error: ')" 3 "--jobs $j errors on stderr"
	run "$PGFLEET" --quiet lint --jobs "$j" "${bad[@]}"
	assert_rc 2
	printf '%s\n' "$OUT" >"$J/bad$j.txt"
	assert_err_contains "error: corpus/no-such-file.sql: No such file or directory"
	assert_err_contains "error: $K/dir.sql: not a regular file"
done
for j in 2 4; do
	cmp "$J/bad1.json" "$J/bad$j.json" >&2 || fail "--jobs $j --json differs from --jobs 1"
	cmp "$J/bad1.txt" "$J/bad$j.txt" >&2 || fail "--jobs $j text differs from --jobs 1"
done
t_done
cd - >/dev/null

# ------------------------------------------------------------ at a commit

config=$REPO_TWO_SCOPES

new_repo() {
	local r
	r=$(tmpdir_new)/repo
	repo_init "$r"
	repo_write "$r" pgfleet.json "$config"
	repo_write "$r" migrations/master/0001_accounts.sql $'create table accounts (id bigint primary key);\n'
	repo_write "$r" migrations/tenant/0001_wells.sql $'create table wells (id bigint primary key, code text);\n'
	repo_write "$r" migrations/tenant/0002_code_idx.sql \
		$'-- pgfleet:no-transaction\ncreate index concurrently wells_code_idx on wells (code);\n'
	repo_write "$r" migrations/tenant/0003_drop_code.sql \
		$'-- pgfleet:allow ban-drop-column nothing reads code since release 12\nalter table wells drop column code;\n'
	repo_write "$r" migrations/tenant/0003_drop_code.down.sql $'alter table wells add column code text;\n'
	"$PGFLEET" --quiet --repo "$r" hash >/dev/null
	repo_commit "$r" "migrations" >/dev/null
	echo "$r"
}

t_begin "a commit: every scope's up files, paths from the repository top, directives honoured"
r=$(new_repo)
run "$PGFLEET" --repo "$r" lint
assert_rc 0
assert_eq "$(printf '%s\n' "$OUT" | heads)" "migrations/tenant/0003_drop_code.sql:2:1: waived: ban-drop-column"
assert_err_contains "no --policy"
assert_err_contains "4 files, 0 errors, 0 warnings, 1 waived"
# the working tree is not read; --commit picks the revision
repo_write "$r" migrations/tenant/0004_trunc.sql $'truncate wells;\n'
run "$PGFLEET" --repo "$r" lint
assert_rc 0
"$PGFLEET" --quiet --repo "$r" hash >/dev/null
repo_commit "$r" "truncate" >/dev/null
run "$PGFLEET" --repo "$r" lint --json
assert_rc 1
assert_eq "$(printf '%s' "$OUT" | jq -c '[.findings[] | select(.waived == false) | [.file, .line, .column, .rule]]')" \
	'[["migrations/tenant/0004_trunc.sql",1,10,"ban-truncate"]]'
run "$PGFLEET" --repo "$r" lint --commit HEAD~1
assert_rc 0
run "$PGFLEET" --repo "$r" lint --scope master
assert_rc 0
assert_err_contains "1 files, 0 errors"
t_done

t_begin "a commit: each scope's files in version order carry validated NOT NULL checks forward"
r=$(new_repo)
repo_write "$r" migrations/tenant/0004_code_nn.sql \
	$'alter table wells add constraint wells_code_nn check (code is not null) not valid;\n'
repo_write "$r" migrations/tenant/0005_validate.sql $'alter table wells validate constraint wells_code_nn;\n'
repo_write "$r" migrations/tenant/0006_set.sql $'alter table wells alter column code set not null;\n'
# another scope does not see the tenant scope's constraints
repo_write "$r" migrations/master/0002_set.sql $'alter table wells alter column code set not null;\n'
"$PGFLEET" --quiet --repo "$r" hash >/dev/null
repo_commit "$r" "three-step not null" >/dev/null
run "$PGFLEET" --repo "$r" lint
assert_rc 1
assert_eq "$(printf '%s\n' "$OUT" | heads | grep -v waived)" "migrations/master/0002_set.sql:1:1: error: setting-not-null"
# the same SET NOT NULL before the VALIDATE is flagged
repo_write "$r" migrations/master/0002_set.sql $'select 1;\n'
git -C "$r" mv migrations/tenant/0005_validate.sql migrations/tenant/0007_validate.sql
"$PGFLEET" --quiet --repo "$r" hash >/dev/null
repo_commit "$r" "set before validate" >/dev/null
run "$PGFLEET" --repo "$r" lint
assert_rc 1
assert_eq "$(printf '%s\n' "$OUT" | heads | grep -v waived)" "migrations/tenant/0006_set.sql:1:1: error: setting-not-null"
t_done

keygen() { ssh-keygen -q -t ed25519 -N '' -C "$1@example.com" -f "$K/$1"; }
keygen alice
keygen bob
T=$K/allowed_signers
printf 'alice@example.com %s\nbob@example.com %s\n' "$(cut -d' ' -f1,2 "$K/alice.pub")" "$(cut -d' ' -f1,2 "$K/bob.pub")" >"$T"
policy one '{"min_approvals": 1, "approval_baseline": "0002"}'

t_begin "waivers count only in files that meet the approval policy (real SSH approvals)"
r=$(new_repo)
run "$PGFLEET" --repo "$r" lint --policy "$K/one.json" --trust "$T"
assert_rc 1
assert_out_contains "migrations/tenant/0003_drop_code.sql:2:1: error: ban-drop-column: column wells.code is dropped (waiver needs 1 approval)"
assert_err_not_contains "no --policy"
# files at or below the baseline need no approval: nothing else is reported
assert_eq "$(printf '%s\n' "$OUT" | heads)" "migrations/tenant/0003_drop_code.sql:2:1: error: ban-drop-column"
run "$PGFLEET" --repo "$r" lint --policy "$K/one.json" --trust "$T" --json
assert_eq "$(printf '%s' "$OUT" | jq -c '.findings[0] | [.waived, .note, .waiver_reason]')" \
	'[false,"waiver needs 1 approval","nothing reads code since release 12"]'
# alice approves the file (ssh-keygen -Y sign underneath): the waiver counts
run "$PGFLEET" --repo "$r" approve migrations/tenant/0003_drop_code.sql --key "$K/alice" --as alice@example.com
assert_rc 0
repo_commit "$r" "approved by alice" >/dev/null
run "$PGFLEET" --repo "$r" lint --policy "$K/one.json" --trust "$T"
assert_rc 0
assert_out_contains "migrations/tenant/0003_drop_code.sql:2:1: waived: ban-drop-column"
# an edit after the approval: the approval no longer covers the file's hash
repo_tamper "$r" migrations/tenant/0003_drop_code.sql
"$PGFLEET" --quiet --repo "$r" hash >/dev/null
repo_commit "$r" "edited after approval" >/dev/null
run "$PGFLEET" --repo "$r" lint --policy "$K/one.json" --trust "$T"
assert_rc 1
assert_out_contains "(waiver needs 1 approval)"
t_done

t_begin "waivers in files from disk: counted without a policy, not when the policy wants approvals"
run "$PGFLEET" --quiet lint "$LINTDIR/corpus/waiver-before.sql"
assert_rc 0
run "$PGFLEET" --quiet lint --policy "$K/one.json" --trust "$T" "$LINTDIR/corpus/waiver-before.sql"
assert_rc 1
assert_out_contains "(waiver needs 1 approval (a file from disk has none))"
t_done

t_begin "a commit with a bad file name is an input error (exit 2), other scopes still linted"
r=$(new_repo)
repo_write "$r" migrations/master/bad-name.sql $'drop table accounts;\n'
repo_write "$r" migrations/tenant/0004_drop.sql $'drop table wells;\n'
repo_commit "$r" "bad name" >/dev/null
run "$PGFLEET" --repo "$r" lint
assert_rc 2
assert_err_contains "migrations/master/bad-name.sql"
assert_out_contains "migrations/tenant/0004_drop.sql:1:1: error: ban-drop-table"
t_done


t_begin "text that is not UTF-8 (a file name, a quoted string) still gives its findings in --json, bytes as \\xNN"
d=$(mktemp -d)
printf 'ALTER TABLE t DROP COLUMN c;\n' >"$d/0001_caf$(printf '\xe9').sql"
printf "UPDATE t SET a = '\xff';\n" >"$d/0002_x.sql"
run "$PGFLEET" --quiet lint --json "$d"/*.sql
assert_rc 1
assert_eq "$(jq -r '[.findings[] | .file + " " + .rule] | join("|")' <<<"$OUT")" \
	"$d/0001_caf\\xe9.sql ban-drop-column|$d/0002_x.sql update-delete-without-where" "findings of non-UTF-8 files"
# and an error naming such a file stays in "errors"
run "$PGFLEET" --quiet lint --json "$d/missing$(printf '\xff').sql"
assert_rc 2
assert_eq "$(jq -r '.errors[0]' <<<"$OUT")" "$d/missing\\xff.sql: No such file or directory" "error of a non-UTF-8 name"
rm -rf "$d"
t_done

t_finish
