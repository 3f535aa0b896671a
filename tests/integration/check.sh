#!/usr/bin/env bash
# Integration: `pgfleet check`, the pull-request gate, on real git repositories
# made with the git CLI: verify + lint + policy in one report, --base (lint
# only what the branch added or changed; merged files immutable), GitHub
# workflow commands compared line by line, SARIF 2.1.0 checked structurally
# with jq, approvals and commit signatures made by ssh-keygen.
set -euo pipefail
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/assert.sh"
. "$here/../lib/gitrepo.sh"
PGFLEET=${PGFLEET:?PGFLEET must point at the pgfleet binary}

for p in git ssh-keygen jq; do
	command -v "$p" >/dev/null || { echo "check.sh: $p is not installed" >&2; exit 1; }
done

# The scope folder has a comma and a colon: GitHub property escaping is exercised.
F='migrations/ten,ant:1'
config='{"version": 1, "scopes": [{"name": "tenant", "folder": "migrations/ten,ant:1", "target": "tenants"}]}'

# main: 0001 creates wells, 0002 (merged before lint) drops a legacy table.
# branch pr: edits 0001, adds 0003 with findings (one waived).
new_repo() {
	local r
	r=$(tmpdir_new)/repo
	repo_init "$r"
	repo_write "$r" pgfleet.json "$config"
	repo_write "$r" "$F/0001_wells.sql" $'create table wells (id bigint primary key, code text);\n'
	repo_write "$r" "$F/0002_legacy.sql" $'drop table legacy;\n'
	"$PGFLEET" --quiet --repo "$r" hash >/dev/null
	repo_commit "$r" "main" >/dev/null
	repo_branch "$r" pr
	echo "$r"
}

pr_changes() {
	local r=$1
	printf -- '-- a comment added after merge\n' >>"$r/$F/0001_wells.sql"
	repo_write "$r" "$F/0003_pr.sql" $'alter table wells drop column code; -- pgfleet:allow ban-drop-column unused since v41\n'\
$'create index wells_id on wells (id);\ndrop table "100%,a:b\nc";\nupdate wells set id = id;\n'
	"$PGFLEET" --quiet --repo "$r" hash >/dev/null
	repo_commit "$r" "pr" >/dev/null
}

t_begin "--format github: one exact workflow command per finding, properties and data escaped"
r=$(new_repo)
main_commit=$(git -C "$r" rev-parse main)
merged_blob=$(git -C "$r" rev-parse "main:$F/0001_wells.sql")
pr_changes "$r"
run "$PGFLEET" --repo "$r" check --base main --format github
assert_rc 1
P='migrations/ten%2Cant%3A1'
expected=$(cat <<EOF
::error file=$P/0001_wells.sql,title=verify-history::changed after it was merged (introduced in commit ${main_commit:0:12}, merged blob ${merged_blob:0:12}); add a new migration instead
::notice file=$P/0003_pr.sql,line=1,col=1,title=ban-drop-column (waived)::column wells.code is dropped%0Awaiver: unused since v41
::error file=$P/0003_pr.sql,line=2,col=1,title=require-concurrent-index-creation::index wells_id on wells is built while writes to the table are blocked%0Awhy: blocks every write to the table for as long as the index takes to build%0Ainstead: CREATE INDEX CONCURRENTLY in a file marked -- pgfleet:no-transaction
::error file=$P/0003_pr.sql,line=3,col=1,title=ban-drop-table::table 100%25,a:b%0Ac is dropped%0Awhy: running code that still reads the table fails, and the data is gone for good%0Ainstead: expand/contract: stop using the table in one release, drop it in a later migration with an approved waiver
::warning file=$P/0003_pr.sql,line=5,col=1,title=update-delete-without-where::UPDATE of every row of wells%0Awhy: touches every row in one transaction: long row locks, bloat, a huge WAL burst on every tenant%0Ainstead: backfill in batches (WHERE id BETWEEN ...) from a no-transaction file or a job, or waive it for a small table
EOF
)
diff <(printf '%s\n' "$OUT") <(printf '%s\n' "$expected") >&2 || fail "github annotations differ"
assert_err_contains "3 errors, 1 warnings, 1 waived, 0 input errors"
t_done

t_begin "--base: files merged on the base are not linted, but are without --base"
run "$PGFLEET" --repo "$r" check --base main --json
assert_rc 1
assert_eq "$(printf '%s' "$OUT" | jq -r '[.results[].file] | unique | join(" ")')" "$F/0001_wells.sql $F/0003_pr.sql"
assert_eq "$(printf '%s' "$OUT" | jq -r '.base')" main
run "$PGFLEET" --repo "$r" check --json
assert_rc 1
assert_eq "$(printf '%s' "$OUT" | jq -c '[.results[] | select(.file == "'"$F"'/0002_legacy.sql") | [.rule, .line, .column]]')" \
	'[["ban-drop-table",1,1]]'
# without --base, history is the commit's own first parents: the edit of 0001 on the branch is
# still an edit of the merged file
assert_eq "$(printf '%s' "$OUT" | jq -r '[.results[] | select(.rule == "verify-history")] | length')" 1
t_done

t_begin "--format sarif: SARIF 2.1.0 with rules and results, checked with jq"
run "$PGFLEET" --repo "$r" check --base main --format sarif
assert_rc 1
S=$OUT
jq -e '."$schema" == "https://json.schemastore.org/sarif-2.1.0.json" and .version == "2.1.0"' <<<"$S" >/dev/null ||
	fail "schema or version"
jq -e '.runs | length == 1' <<<"$S" >/dev/null || fail "one run"
jq -e '.runs[0].tool.driver | .name == "pgfleet" and (.version | test("^[0-9]+\\.[0-9]+\\.[0-9]+")) and
  (.informationUri | test("^https?://"))' <<<"$S" >/dev/null || fail "driver"
jq -e '.runs[0].tool.driver.rules | length >= 30 and all(.id != "" and .shortDescription.text != "" and .help.text != ""
  and (.defaultConfiguration.level | IN("error", "warning")))' <<<"$S" >/dev/null || fail "rules"
jq -e '[.runs[0].tool.driver.rules[].id] | (index("verify-history") != null) and (index("ban-drop-table") != null)
  and (length == (unique | length))' <<<"$S" >/dev/null || fail "rule ids"
jq -e '.runs[0] as $run | $run.results | length == 5 and all(
  ($run.tool.driver.rules[.ruleIndex].id == .ruleId) and (.level | IN("error", "warning", "note")) and .message.text != ""
  and (.locations[0].physicalLocation.artifactLocation.uri | startswith("migrations/ten,ant:1/"))
  and .locations[0].physicalLocation.region.startLine >= 1)' <<<"$S" >/dev/null || fail "results"
assert_eq "$(jq -c '[.runs[0].results[] | select(.ruleId == "ban-drop-table") | .locations[0].physicalLocation.region]' <<<"$S")" \
	'[{"startLine":3,"startColumn":1}]'
assert_eq "$(jq -c '[.runs[0].results[] | select(.suppressions) | [.ruleId, .suppressions[0].kind, .suppressions[0].justification]]' <<<"$S")" \
	'[["ban-drop-column","inSource","unused since v41"]]'
assert_eq "$(jq -c '[.runs[0].results[] | select(.ruleId == "update-delete-without-where") | .level]' <<<"$S")" '["warning"]'
jq -e '.runs[0].invocations[0].executionSuccessful == true' <<<"$S" >/dev/null || fail "invocation"
t_done

K=$(tmpdir_new)
ssh-keygen -q -t ed25519 -N '' -C alice@example.com -f "$K/alice"
T=$K/allowed_signers
printf 'alice@example.com %s\n' "$(cut -d' ' -f1,2 "$K/alice.pub")" >"$T"
printf '{"require_signed_commit": true, "min_approvals": 1, "approval_baseline": "0002"}\n' >"$K/policy.json"

t_begin "verify findings are results too: an unsigned commit and an unapproved migration"
r=$(new_repo)
repo_write "$r" "$F/0003_add.sql" $'alter table wells add column note text;\n'
"$PGFLEET" --quiet --repo "$r" hash >/dev/null
c=$(repo_commit "$r" "unsigned, unapproved")
run "$PGFLEET" --repo "$r" check --base main --policy "$K/policy.json" --trust "$T" --format github
assert_rc 1
expected=$(printf '%s\n' "::error title=verify-commit-signature::commit $c: not signed (the policy requires a signed commit)" \
	"::error file=$P/0003_add.sql,title=verify-approvals::0 of 1 approvals")
diff <(printf '%s\n' "$OUT") <(printf '%s\n' "$expected") >&2 || fail "verify annotations differ"
run "$PGFLEET" --repo "$r" check --base main --policy "$K/policy.json" --trust "$T" --format sarif
assert_eq "$(jq -c '[.runs[0].results[] | [.ruleId, .locations[0].physicalLocation.artifactLocation.uri]]' <<<"$OUT")" \
	'[["verify-commit-signature","pgfleet.json"],["verify-approvals","migrations/ten,ant:1/0003_add.sql"]]'
# approved and signed: the gate passes
run "$PGFLEET" --repo "$r" approve "$F/0003_add.sql" --key "$K/alice" --as alice@example.com
assert_rc 0
git -C "$r" add -A
git -C "$r" -c gpg.format=ssh -c user.signingkey="$K/alice" commit -q -S -m "approved, signed"
run "$PGFLEET" --repo "$r" check --base main --policy "$K/policy.json" --trust "$T"
assert_rc 0
assert_eq "$OUT" "" "a clean gate prints no result"
assert_err_contains "signed by alice@example.com"
t_done

t_begin "bad input: exit 2 (unknown format, unknown base, a bad file name in the commit)"
run "$PGFLEET" --repo "$r" check --format sarf
assert_rc 2
assert_err_contains "did you mean 'sarif'?"
run "$PGFLEET" --repo "$r" check --json --format github
assert_rc 2
run "$PGFLEET" --repo "$r" check --base no-such-branch --format github
assert_rc 2
assert_out_contains "::error title=pgfleet::"
repo_write "$r" "$F/bad-name.sql" $'select 1;\n'
repo_commit "$r" "bad name" >/dev/null
run "$PGFLEET" --repo "$r" check --format sarif
assert_rc 2
jq -e '.runs[0].invocations[0].executionSuccessful == false and
  (.runs[0].invocations[0].toolExecutionNotifications[0].message.text | contains("bad-name.sql"))' <<<"$OUT" >/dev/null ||
	fail "sarif notification"
t_done


t_begin "a finding quoting bytes that are not UTF-8 is in every format, the bytes as \\xNN"
r=$(new_repo)
printf 'DROP TABLE "caf\xe9";\n' >"$r/$F/0003_latin1.sql"
"$PGFLEET" --quiet --repo "$r" hash >/dev/null
repo_commit "$r" "latin-1 name" >/dev/null
run "$PGFLEET" --quiet --repo "$r" check --base main --json
assert_rc 1
assert_eq "$(jq -r '.results[] | select(.file | endswith("0003_latin1.sql")) | .message' <<<"$OUT")" 'table caf\xe9 is dropped' "json message"
run "$PGFLEET" --quiet --repo "$r" check --base main --format sarif
assert_rc 1
assert_eq "$(jq -r '.runs[0].results[] | select(.locations[0].physicalLocation.artifactLocation.uri | endswith("0003_latin1.sql")) | .message.text' <<<"$OUT")" 'table caf\xe9 is dropped' "sarif message"
t_done

t_finish
