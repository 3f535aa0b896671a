#!/usr/bin/env bash
# Integration: `pgfleet hash` and `pgfleet verify` on real git repositories made
# with the git CLI (bare and not), including every bad input of the foundation.
set -euo pipefail
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/assert.sh"
. "$here/../lib/gitrepo.sh"
PGFLEET=${PGFLEET:?PGFLEET must point at the pgfleet binary}
FIXTURES=${FIXTURES:-$here/../fixtures}

config='{"version": 1, "scopes": [{"name": "tenant", "folder": "migrations/tenant", "target": "tenants"}]}'

# A fresh repository with two migrations, a down file, a manifest, one commit.
new_repo() {
	local d
	d=$(tmpdir_new)
	repo_init "$d"
	repo_write "$d" pgfleet.json "$config"
	repo_write "$d" migrations/tenant/0001_create_wells.sql $'create table wells (id int primary key);\n'
	repo_write "$d" migrations/tenant/0001_create_wells.down.sql $'drop table wells;\n'
	repo_write "$d" migrations/tenant/0002_wells_name_idx.sql \
		$'-- pgfleet:no-transaction\ncreate index concurrently wells_id_idx on wells (id);\n'
	"$PGFLEET" --quiet --repo "$d" hash >/dev/null
	repo_commit "$d" "first migrations" >/dev/null
	echo "$d"
}

pg() { run "$PGFLEET" "$@"; }

t_begin "clean repository verifies, in a working tree and in a bare clone"
r=$(new_repo)
pg --repo "$r" verify
assert_rc 0
assert_err_contains "verify end: 1 scopes, 0 findings"
b=$(tmpdir_new)/bare.git
repo_clone_bare "$r" "$b"
pg verify --repo "$b" --commit main
assert_rc 0
t_done

t_begin "manifest format is sha256sum-compatible and its chain is the documented formula"
sum="$r/migrations/tenant/pgfleet.sum"
assert_eq "pgfleet.sum 1" "$(head -n1 "$sum")" "header"
(cd "$r/migrations/tenant" && grep -E '^[0-9a-f]{64}  ' pgfleet.sum | sha256sum -c --quiet) || fail "sha256sum -c rejected the manifest"
c=$(printf '%064d' 0)
while IFS= read -r line; do
	c=$(printf '%s\n%s\n' "$c" "$line" | sha256sum | cut -c1-64)
done < <(grep -E '^[0-9a-f]{64}  ' "$sum")
assert_eq "chain $c" "$(tail -n1 "$sum")" "chain line"
t_done

t_begin "--commit takes any revision; --pinned takes only a full commit id"
head=$(repo_head "$r")
git -C "$r" tag v1
for rev in HEAD main v1 "${head:0:10}" "$head"; do
	pg --repo "$r" verify --commit "$rev" --quiet
	assert_rc 0
done
pg --repo "$r" verify --pinned --commit main
assert_rc 2
assert_err_contains "pinned mode needs a full 40-hex commit id"
pg --repo "$r" verify --pinned --commit "${head:0:12}"
assert_rc 2
pg --repo "$r" verify --pinned --commit "$head"
assert_rc 2
assert_err_contains "--pinned needs --policy and --trust"
d=$(tmpdir_new)
printf '{"require_signed_commit": false, "min_approvals": 0}\n' >"$d/policy.json"
printf '# nobody: nothing is required by this policy\n' >"$d/allowed_signers"
pg --repo "$r" verify --pinned --commit "$head" --policy "$d/policy.json" --trust "$d/allowed_signers"
assert_rc 0
pg --repo "$r" verify --pinned --commit 0123456789012345678901234567890123456789 --policy "$d/policy.json" --trust "$d/allowed_signers"
assert_rc 2
assert_err_contains "commit 0123456789012345678901234567890123456789 not found"
pg --repo "$r" verify --commit no-such-branch
assert_rc 2
assert_err_contains "revision 'no-such-branch' not found"
t_done

t_begin "files are read from the commit, never the working tree"
echo '{ broken' >"$r/pgfleet.json"
echo 'drop table everything;' >>"$r/migrations/tenant/0001_create_wells.sql"
echo 'x' >"$r/migrations/tenant/0003_uncommitted.sql"
pg --repo "$r" verify
assert_rc 0
git -C "$r" checkout -q -- . && rm "$r/migrations/tenant/0003_uncommitted.sql"
t_done

t_begin "a file edited without refreshing the manifest is named"
r=$(new_repo)
echo '-- edited' >>"$r/migrations/tenant/0002_wells_name_idx.sql"
repo_commit "$r" "edit" >/dev/null
pg --repo "$r" verify
assert_rc 1
assert_out_contains "migrations/tenant/0002_wells_name_idx.sql: sha256"
assert_out_contains "listed in pgfleet.sum line 4"
t_done

t_begin "unlisted, absent and reordered entries, a hand-edited chain, a missing manifest"
r=$(new_repo)
repo_write "$r" migrations/tenant/0003_more.sql $'create table more (id int);\n'
repo_commit "$r" "unlisted" >/dev/null
pg --repo "$r" verify
assert_rc 1
assert_out_contains "migrations/tenant/0003_more.sql: not listed in pgfleet.sum"

r=$(new_repo)
sed -i '/0002_wells_name_idx.sql/d' "$r/migrations/tenant/pgfleet.sum"
python3 - "$r/migrations/tenant/pgfleet.sum" <<'PY'
import sys
p = sys.argv[1]
lines = open(p).read().splitlines()
lines.insert(len(lines) - 1, "ab" * 32 + "  0009_ghost.sql")
open(p, "w").write("\n".join(lines) + "\n")
PY
repo_commit "$r" "absent" >/dev/null
pg --repo "$r" verify
assert_rc 1
assert_out_contains "0002_wells_name_idx.sql: not listed in pgfleet.sum"
assert_out_contains "0009_ghost.sql: listed in pgfleet.sum line 4 but absent at this commit"
assert_out_contains "pgfleet.sum: chain"

r=$(new_repo)
python3 - "$r/migrations/tenant/pgfleet.sum" <<'PY'
import sys
p = sys.argv[1]
lines = open(p).read().splitlines()
lines[1], lines[2] = lines[2], lines[1]
open(p, "w").write("\n".join(lines) + "\n")
PY
repo_commit "$r" "reorder" >/dev/null
pg --repo "$r" verify
assert_rc 1
assert_out_contains "out of apply order"
assert_out_contains "does not match its entries"

r=$(new_repo)
sed -i 's/^chain .*/chain '"$(printf '0%.0s' $(seq 64))"'/' "$r/migrations/tenant/pgfleet.sum"
repo_commit "$r" "chain" >/dev/null
pg --repo "$r" verify
assert_rc 1
assert_out_contains "migrations/tenant/pgfleet.sum: chain 000000000000 does not match its entries"

r=$(new_repo)
git -C "$r" rm -q migrations/tenant/pgfleet.sum
repo_commit "$r" "no manifest" >/dev/null
pg --repo "$r" verify
assert_rc 1
assert_out_contains "migrations/tenant/pgfleet.sum: missing"
t_done

t_begin "a malformed manifest is bad input (exit 2) naming file and line"
r=$(new_repo)
sed -i '2s/^/zz/' "$r/migrations/tenant/pgfleet.sum"
repo_commit "$r" "garbage" >/dev/null
pg --repo "$r" verify
assert_rc 2
assert_err_contains "migrations/tenant/pgfleet.sum:2:"
t_done

t_begin "history: an edit, a deletion and a rename of merged migrations name the introducing commit"
r=$(new_repo)
first=$(repo_head "$r")
repo_write "$r" migrations/tenant/0003_more.sql $'create table more (id int);\n'
"$PGFLEET" --quiet --repo "$r" hash >/dev/null
repo_commit "$r" "more" >/dev/null
second=$(repo_head "$r")
repo_tamper "$r" migrations/tenant/0001_create_wells.sql
git -C "$r" rm -q migrations/tenant/0001_create_wells.down.sql
git -C "$r" mv migrations/tenant/0003_more.sql migrations/tenant/0004_more.sql
"$PGFLEET" --quiet --repo "$r" hash >/dev/null
repo_commit "$r" "rewrite history" >/dev/null
pg --repo "$r" verify
assert_rc 1
assert_out_contains "migrations/tenant/0001_create_wells.sql: changed after it was merged (introduced in commit ${first:0:12}"
assert_out_contains "migrations/tenant/0001_create_wells.down.sql: removed after it was merged (introduced in commit ${first:0:12})"
assert_out_contains "migrations/tenant/0003_more.sql: renamed to 0004_more.sql after it was merged (introduced in commit ${second:0:12})"
assert_out_not_contains "0002_wells_name_idx.sql"
t_done

t_begin "--since: a branch may edit its own new migrations, never those of its base"
r=$(new_repo)
repo_branch "$r" feature
repo_write "$r" migrations/tenant/0003_feature.sql $'create table feature (id int);\n'
"$PGFLEET" --quiet --repo "$r" hash >/dev/null
repo_commit "$r" "feature v1" >/dev/null
repo_tamper "$r" migrations/tenant/0003_feature.sql
"$PGFLEET" --quiet --repo "$r" hash >/dev/null
repo_commit "$r" "feature v2" >/dev/null
pg --repo "$r" verify
assert_rc 1
assert_out_contains "0003_feature.sql: changed after it was merged"
pg --repo "$r" verify --since main
assert_rc 0
repo_tamper "$r" migrations/tenant/0001_create_wells.sql
"$PGFLEET" --quiet --repo "$r" hash >/dev/null
repo_commit "$r" "edit base" >/dev/null
pg --repo "$r" verify --since main
assert_rc 1
assert_out_contains "0001_create_wells.sql: changed after it was merged"
assert_out_not_contains "0003_feature.sql"
t_done

t_begin "bad folders: each problem is a one-line error naming the file, exit 2"
bad_case() { # name, setup command; expects exit 2 and a message
	local r
	r=$(new_repo)
	(cd "$r" && eval "$1")
	git -C "$r" add -A
	git -C "$r" commit -q -m "bad" --no-verify
	pg --repo "$r" verify
	assert_rc 2
	assert_err_contains "$2"
}
bad_case "printf 'x' > migrations/tenant/1_dup.sql" \
	"migrations/tenant/1_dup.sql: duplicate version (also 0001_create_wells.sql)"
bad_case "printf 'x' > migrations/tenant/0005_orphan.down.sql" \
	"migrations/tenant/0005_orphan.down.sql: down file without its up file"
bad_case "printf 'x' > migrations/tenant/0005-bad.sql" \
	"migrations/tenant/0005-bad.sql: file name does not match"
bad_case "ln -s 0001_create_wells.sql migrations/tenant/0005_link.sql" \
	"migrations/tenant/0005_link.sql: is a symbolic link"
bad_case "mkdir migrations/tenant/nested && printf 'x' > migrations/tenant/nested/0001_x.sql" \
	"migrations/tenant/nested: unexpected folder"
bad_case "printf -- '-- pgfleet:no-transacton\nselect 1;\n' > migrations/tenant/0005_typo.sql" \
	"migrations/tenant/0005_typo.sql:1: unknown directive 'pgfleet:no-transacton'"
# two problems at once are both reported
r=$(new_repo)
printf 'x' >"$r/migrations/tenant/0005-bad.sql"
printf 'x' >"$r/migrations/tenant/0006_orphan.down.sql"
repo_commit "$r" "two problems" >/dev/null
pg --repo "$r" verify
assert_rc 2
assert_err_contains "0005-bad.sql: file name does not match"
assert_err_contains "0006_orphan.down.sql: down file without its up file"
t_done

t_begin "a submodule in a migrations folder is refused"
sub=$(tmpdir_new)
repo_init "$sub"
repo_write "$sub" README 'sub'
repo_commit "$sub" "sub" >/dev/null
r=$(new_repo)
git -C "$r" -c protocol.file.allow=always submodule --quiet add "$sub" migrations/tenant/vendor 2>/dev/null
repo_commit "$r" "submodule" >/dev/null
pg --repo "$r" verify
assert_rc 2
assert_err_contains "migrations/tenant/vendor: is a submodule"
t_done

t_begin "the file size limit is configurable and names the file"
r=$(new_repo)
pg --repo "$r" verify --max-file-size 20
assert_rc 2
assert_err_contains "migrations/tenant/0002_wells_name_idx.sql: file is"
assert_err_contains "over the limit of 20 bytes"
repo_write "$r" pgfleet.json '{"version": 1, "max_file_bytes": 30, "scopes": [{"name": "tenant", "folder": "migrations/tenant", "target": "tenants"}]}'
repo_commit "$r" "limit" >/dev/null
pg --repo "$r" verify
assert_rc 2
assert_err_contains "over the limit of 30 bytes"
pg --repo "$r" verify --max-file-size=nope
assert_rc 2
assert_err_contains "--max-file-size 'nope'"
t_done

t_begin "pgfleet.json errors name line and column, keys and scopes"
r=$(new_repo)
repo_write "$r" pgfleet.json $'{\n  "version": 1,\n  "scopes": [\n    {"name": "tenant",, }\n  ]\n}\n'
repo_commit "$r" "bad json" >/dev/null
pg --repo "$r" verify
assert_rc 2
assert_err_contains "pgfleet.json:4:"
repo_write "$r" pgfleet.json '{"version": 1, "scopes": [{"name": "tenant", "folder": "migrations/tenant", "targte": "tenants"}]}'
repo_commit "$r" "bad key" >/dev/null
pg --repo "$r" verify
assert_rc 2
assert_err_contains "pgfleet.json: scopes[0]: unknown key \"targte\""
assert_err_contains "did you mean \"target\"?"
repo_write "$r" pgfleet.json '{"version": 1, "scopes": [{"name": "tenant", "folder": "migrations/missing", "target": "tenants"}]}'
repo_commit "$r" "missing folder" >/dev/null
pg --repo "$r" verify
assert_rc 2
assert_err_contains "scope \"tenant\": folder migrations/missing not found at commit"
git -C "$r" rm -q pgfleet.json
repo_commit "$r" "no config" >/dev/null
pg --repo "$r" verify
assert_rc 2
assert_err_contains "pgfleet.json: not found at commit"
t_done

t_begin "drizzle-kit folders are accepted as they are"
r=$(tmpdir_new)
repo_init "$r"
repo_write "$r" pgfleet.json '{"version": 1, "scopes": [{"name": "tenant", "folder": "drizzle", "target": "tenants"}]}'
mkdir -p "$r/drizzle"
cp -R "$FIXTURES/drizzle-kit-tenant/." "$r/drizzle/"
pg --repo "$r" hash
assert_rc 0
assert_out_contains "drizzle/pgfleet.sum: 11 files"
assert_eq "meta/_journal.json" "$(sed -n 2p "$r/drizzle/pgfleet.sum" | cut -c67-)" "journal listed first"
assert_eq "$(sha256sum <"$r/drizzle/0003_equipment_status.sql" | cut -c1-64)  0003_equipment_status.sql" \
	"$(grep 0003_equipment_status "$r/drizzle/pgfleet.sum")" "drizzle's own sha256 of the file text"
repo_commit "$r" "drizzle" >/dev/null
pg --repo "$r" verify --json
assert_rc 0
python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["scopes"][0]["migrations"] == 10, d; assert d["findings"] == [], d' <<<"$OUT" \
	|| fail "verify --json did not describe 10 drizzle migrations"
# a file the journal does not list, and a journal entry without its file
printf 'select 1;\n' >"$r/drizzle/0010_unlisted.sql"
git -C "$r" rm -q drizzle/0009_well_depth_status_idx.sql
repo_commit "$r" "journal mismatch" >/dev/null
pg --repo "$r" verify
assert_rc 2
assert_err_contains "drizzle/0010_unlisted.sql: not listed in meta/_journal.json"
assert_err_contains "drizzle/0009_well_depth_status_idx.sql: listed in meta/_journal.json but missing"
t_done

t_begin "hash: --check, --scope, and a bare repository"
r=$(new_repo)
pg --repo "$r" hash --check
assert_rc 0
assert_out_contains "unchanged"
repo_write "$r" migrations/tenant/0003_more.sql 'select 1;'
pg --repo "$r" hash --check
assert_rc 1
assert_out_contains "out of date"
pg --repo "$r" hash --scope tenant
assert_rc 0
assert_out_contains "migrations/tenant/pgfleet.sum: 4 files"
pg --repo "$r" hash --scope tenants
assert_rc 2
assert_err_contains "--scope tenants: no such scope"
assert_err_contains "did you mean 'tenant'?"
b=$(tmpdir_new)/bare.git
repo_clone_bare "$r" "$b"
pg --repo "$b" hash
assert_rc 2
assert_err_contains "a bare repository has no working tree"
t_done

t_begin "command line: help, version, unknown commands and options, unbuilt commands"
pg --help
assert_rc 0
assert_out_contains "verify"
assert_out_contains "planned, not in this version yet"
pg --version
assert_rc 0
assert_out_contains "pgfleet 0."
pg verify --help
assert_rc 0
assert_out_contains "--pinned"
pg verfy
assert_rc 2
assert_err_contains "unknown command 'verfy' (did you mean 'verify'?)"
pg verify --comit HEAD
assert_rc 2
assert_err_contains "unknown option '--comit' (did you mean '--commit'?)"
pg hash --commit HEAD
assert_rc 2
assert_err_contains "option '--commit' does not apply here"
pg
assert_rc 2
pg --repo /nonexistent/path verify
assert_rc 2
assert_err_contains "/nonexistent/path: not a git repository"
t_done
t_finish
