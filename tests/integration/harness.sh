#!/usr/bin/env bash
# Self-test of the test harness (tests/lib): a real PostgreSQL cluster reached
# over a private unix socket, real git repositories, and the assertions.
# Standalone: bash tests/integration/harness.sh (starts and stops its own cluster).
set -euo pipefail

lib=$(cd "$(dirname "${BASH_SOURCE[0]}")/../lib" && pwd)
# shellcheck source=tests/lib/assert.sh
source "$lib/assert.sh"
# shellcheck source=tests/lib/pgcluster.sh
source "$lib/pgcluster.sh"
# shellcheck source=tests/lib/gitrepo.sh
source "$lib/gitrepo.sh"

t_begin "assertions really fail"
OUT=abc ERR=def RC=3
for check in "assert_rc 0" "assert_out_contains zzz" "assert_err_contains zzz" \
  "assert_out_not_contains b" "assert_err_not_contains e" "assert_eq a b" "fail x"; do
  # A failing assertion exits its (sub)shell with status 1.
  if (eval "$check") >/dev/null 2>&1; then
    fail "'$check' passed but should have failed"
  fi
done
run sh -c 'echo out; echo err >&2; exit 7'
assert_rc 7
assert_out_contains out
assert_err_contains err
assert_out_not_contains err
assert_err_not_contains out
t_done

t_begin "cluster is reachable over a private unix socket only"
pgc_ensure
run pgc_psql -At -c 'SHOW listen_addresses'
assert_rc 0
assert_eq "$OUT" "" "listen_addresses (no TCP listener)"
run pgc_psql -At -c 'SHOW unix_socket_directories'
assert_eq "$OUT" "$PGHOST" "unix_socket_directories"
run pgc_psql -At -c "SELECT coalesce(inet_server_addr()::text, 'unix socket')"
assert_eq "$OUT" "unix socket" "connection kind"
[[ -S $PGHOST/.s.PGSQL.$PGPORT ]] || fail "no socket at $PGHOST/.s.PGSQL.$PGPORT"
[[ $PGHOST == */pgfleet-pg.* ]] || fail "PGHOST is not a pgcluster temp dir: $PGHOST"
assert_eq "$PGFLEET_TEST_PGHOST" "$PGHOST" "PGFLEET_TEST_PGHOST"
assert_eq "$PGUSER" "pgfleet" "PGUSER"
t_done

t_begin "pgc_createdb gives a fresh database; queries work"
db=harness_$$
pgc_createdb "$db"
cleanup_add "pgc_psql -d postgres -c 'DROP DATABASE IF EXISTS $db WITH (FORCE)' || true"
pgc_psql -d "$db" -c 'CREATE TABLE t (n int); INSERT INTO t VALUES (40), (2)'
run pgc_psql -d "$db" -At -c 'SELECT sum(n) FROM t'
assert_rc 0
assert_eq "$OUT" "42" "sum over inserted rows"
run pgc_psql -d "$db" -c 'SELECT * FROM no_such_table'
assert_rc 1
assert_err_contains 'relation "no_such_table" does not exist'
pgc_createdb "$db"
run pgc_psql -d "$db" -At -c "SELECT count(*) FROM pg_tables WHERE tablename = 't'"
assert_eq "$OUT" "0" "table after re-create"
run psql "$(pgc_url "$db")" -X -At -c 'SELECT current_database()'
assert_eq "$OUT" "$db" "connect through pgc_url"
run psql "$(pgc_conninfo "$db")" -X -At -c 'SELECT current_user'
assert_eq "$OUT" "pgfleet" "connect through pgc_conninfo"
t_done

t_begin "git repositories: commits, tamper, branch, bare clone"
repo=$(tmpdir_new)/repo
repo_init "$repo"
repo_write "$repo" migrations/tenant/0001_init.sql $'CREATE TABLE wells (id int);\n'
c1=$(repo_commit "$repo" "add 0001")
repo_tamper "$repo" migrations/tenant/0001_init.sql
c2=$(repo_commit "$repo" "edit 0001")
[[ $c1 =~ ^[0-9a-f]{40}$ ]] || fail "repo_commit did not print a full SHA: $c1"
assert_eq "$(repo_head "$repo")" "$c2" "repo_head"
run git -C "$repo" rev-list --count HEAD
assert_eq "$OUT" "2" "commit count"
run git -C "$repo" diff --quiet "$c1" "$c2" -- migrations/tenant/0001_init.sql
assert_rc 1
run git -C "$repo" show "$c2:migrations/tenant/0001_init.sql"
assert_out_contains "-- tampered"
run git -C "$repo" show "$c1:migrations/tenant/0001_init.sql"
assert_out_not_contains "tampered"
run git -C "$repo" log -1 --format='%an <%ae>'
assert_eq "$OUT" "pgfleet test <test@pgfleet.invalid>" "isolated identity"
repo_branch "$repo" feature
repo_write "$repo" migrations/tenant/0002_more.sql $'SELECT 1;\n'
c3=$(repo_commit "$repo" "add 0002")
repo_checkout "$repo" main
assert_eq "$(repo_head "$repo")" "$c2" "head after checkout main"
bare=$(tmpdir_new)/bare.git
repo_clone_bare "$repo" "$bare"
run git -C "$bare" rev-parse main feature
assert_eq "$OUT" "$c2"$'\n'"$c3" "bare clone refs"
t_done

t_finish
