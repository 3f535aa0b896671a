# shellcheck shell=bash
# A fleet for reconcile tests: a git repository with pgfleet.json (scope
# "master" -> migrations/master, target master; scope "tenant" ->
# migrations/tenant, target tenants), a master database holding the project's
# tenants table, and tenant databases. Source it after assert.sh, pgcluster.sh
# and gitrepo.sh; do not execute it. Needs PGFLEET and SRCROOT.
#
#   fleet_init PREFIX [own-role|cluster-user]
#                              pgc_ensure; every database is named "PREFIX_<pid>_NAME" and
#                              all of them are dropped at exit (call once, not in $(...)).
#                              own-role (default): a superuser role PREFIX_<pid>_app is
#                              created (dropped at exit) and exported as PGUSER, so pgfleet,
#                              pgc_psql, pgc_conninfo and pgc_url all connect as it. The
#                              cluster's own user is named pgfleet, and its default
#                              search_path ("$user", public) would resolve to pgfleet's own
#                              schema; reconcile_search_path.sh tests that case on purpose.
#   fleet_new NAME             a fresh fleet: repository $FLEET_REPO (pgfleet.json and the
#                              project's master migrations, not committed yet) and an empty
#                              master database; sets FLEET_MASTER_DB, FLEET_MASTER (conninfo)
#   fleet_write RELPATH TEXT   write a file in $FLEET_REPO (TEXT verbatim)
#   fleet_commit MSG           pgfleet hash, then commit everything; prints the full SHA
#   fleet_master_up            reconcile --scope master (asserts exit 0: the tenants table)
#   fleet_db NAME              (re)create database PREFIX_<pid>_NAME; prints its name
#   fleet_tenant SLUG [URL [TYPE [DELETED]]]
#                              insert a tenants row in master; without URL a database
#                              PREFIX_<pid>_<fleet>_SLUG is created and its conninfo used;
#                              DELETED=1 sets deleted_at. Sets FLEET_DB (the database)
#   fleet_tenant_db SLUG       print the database name fleet_tenant made for SLUG
#   pgf ARGS...                run pgfleet --repo $FLEET_REPO --master $FLEET_MASTER ARGS
#                              (through `run`: $OUT, $ERR, $RC)
#   sqlv DB SQL                print the result of SQL in DB (psql -At), fails the test on error
#   sqlx DB SQL                run SQL in DB, fails the test on error
#   applied DB [SCOPE]         "version:status" of pgfleet.applied_migrations, space-separated
#                              in version order ("" when the table does not exist)
#   history_count DB [ACTION]  rows of pgfleet.history (of ACTION); 0 when absent
#   has_table DB NAME          prints t or f: public.NAME exists
#   sha_of FILE                sha256 of FILE, hex

FLEET_PREFIX=""
FLEET_REPO=""
FLEET_NAME=""
FLEET_MASTER=""
FLEET_MASTER_DB=""
FLEET_DB=""
FLEET_ADMIN=""
FLEET_ROLE=""

_fleet_dropall() {
	local db
	[[ -n $FLEET_PREFIX ]] || return 0
	for db in $(PGUSER=${FLEET_ADMIN:-$PGUSER} pgc_psql -d postgres -At \
		-c "select datname from pg_database where left(datname, length('$FLEET_PREFIX')) = '$FLEET_PREFIX'" 2>/dev/null); do
		PGUSER=${FLEET_ADMIN:-$PGUSER} pgc_psql -d postgres -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1 || true
	done
}

_fleet_droprole() {
	[[ -n $FLEET_ROLE ]] || return 0
	PGUSER=$FLEET_ADMIN pgc_psql -d postgres -c "DROP ROLE IF EXISTS \"$FLEET_ROLE\"" >/dev/null 2>&1 || true
}

fleet_init() {
	FLEET_PREFIX="${1:?usage: fleet_init PREFIX [own-role|cluster-user]}_$$_"
	pgc_ensure
	FLEET_ADMIN=$PGUSER
	if [[ ${2:-own-role} == own-role ]]; then
		FLEET_ROLE=${FLEET_PREFIX}app
		cleanup_add _fleet_droprole
		pgc_psql -d postgres -c "CREATE ROLE \"$FLEET_ROLE\" LOGIN SUPERUSER" >/dev/null
		export PGUSER=$FLEET_ROLE
	fi
	cleanup_add _fleet_dropall
	fleet_key
}

fleet_db() {
	local name="$FLEET_PREFIX${1:?usage: fleet_db NAME}"
	pgc_createdb "$name" >/dev/null
	echo "$name"
}

fleet_new() {
	FLEET_NAME=${1:?usage: fleet_new NAME}
	FLEET_REPO=$(tmpdir_new)/$FLEET_NAME
	repo_init "$FLEET_REPO"
	repo_write "$FLEET_REPO" pgfleet.json "$REPO_TWO_SCOPES"
	mkdir -p "$FLEET_REPO/migrations/master" "$FLEET_REPO/migrations/tenant"
	cp "$SRCROOT/migrations/master/0001_create_tenants.sql" "$SRCROOT/migrations/master/0001_create_tenants.down.sql" \
		"$FLEET_REPO/migrations/master/"
	FLEET_MASTER_DB=$(fleet_db "${FLEET_NAME}_master")
	FLEET_MASTER=$(pgc_conninfo "$FLEET_MASTER_DB")
}

fleet_write() {
	repo_write "$FLEET_REPO" "$@"
}

fleet_commit() {
	"$PGFLEET" --quiet --repo "$FLEET_REPO" hash >/dev/null || {
		echo "fleet_commit: pgfleet hash failed" >&2
		return 1
	}
	repo_commit "$FLEET_REPO" "${1:?usage: fleet_commit MSG}"
}

# The reconciler's ledger key (commands that write need one): made once per
# test file with ssh-keygen, mode 0600 as ssh wants.
fleet_key() {
	if [[ -z ${FLEET_KEY:-} ]]; then
		FLEET_KEY=$(tmpdir_new)/ledger_key
		ssh-keygen -q -t ed25519 -N '' -C pgfleet-test-reconciler -f "$FLEET_KEY"
	fi
}

pgf() {
	case ${1:-} in
	reconcile | rollback | adopt)
		fleet_key
		run "$PGFLEET" --repo "$FLEET_REPO" --master "$FLEET_MASTER" "$1" --key "$FLEET_KEY" "${@:2}"
		;;
	*) run "$PGFLEET" --repo "$FLEET_REPO" --master "$FLEET_MASTER" "$@" ;;
	esac
}

fleet_master_up() {
	pgf reconcile --scope master
	assert_rc 0
	[[ $(has_table "$FLEET_MASTER_DB" tenants) == t ]] || fail "no tenants table in master after reconcile --scope master"
}

fleet_tenant_db() {
	echo "$FLEET_PREFIX${FLEET_NAME}_${1:?usage: fleet_tenant_db SLUG}"
}

fleet_tenant() {
	local slug=${1:?usage: fleet_tenant SLUG [URL [TYPE [DELETED]]]} url=${2:-} type=${3:-POSTGRESQL} deleted=${4:-0}
	FLEET_DB=""
	if [[ -z $url ]]; then
		FLEET_DB=$(fleet_db "${FLEET_NAME}_$slug")
		url=$(pgc_conninfo "$FLEET_DB")
	fi
	pgc_psql -d "$FLEET_MASTER_DB" -v slug="$slug" -v url="$url" -v type="$type" -v deleted="$deleted" <<'EOF' ||
INSERT INTO tenants (slug, name, database_url, database_type, deleted_at)
VALUES (:'slug', initcap(:'slug'), :'url', :'type', CASE WHEN :'deleted' = '1' THEN now() END);
EOF
		fail "fleet_tenant: inserting tenant $slug"
}

sqlv() {
	local db=${1:?usage: sqlv DB SQL} out
	out=$(pgc_psql -d "$db" -At -c "${2:?missing SQL}" 2>&1) || fail "sqlv $db: $2: $out"
	printf '%s\n' "$out"
}

sqlx() {
	local db=${1:?usage: sqlx DB SQL} out
	out=$(pgc_psql -d "$db" -c "${2:?missing SQL}" 2>&1) || fail "sqlx $db: $2: $out"
}

applied() {
	local db=${1:?usage: applied DB [SCOPE]} scope=${2:-tenant}
	if [[ $(pgc_psql -d "$db" -At -c "select to_regclass('pgfleet.applied_migrations') is not null") != t ]]; then
		echo ""
		return 0
	fi
	pgc_psql -d "$db" -At -c "select coalesce(string_agg(version || ':' || status, ' ' order by version::numeric), '')
		from pgfleet.applied_migrations where scope = '$scope'"
}

history_count() {
	local db=${1:?usage: history_count DB [ACTION]} action=${2:-}
	if [[ $(pgc_psql -d "$db" -At -c "select to_regclass('pgfleet.history') is not null") != t ]]; then
		echo 0
		return 0
	fi
	pgc_psql -d "$db" -At -c "select count(*) from pgfleet.history${action:+ where action = '$action'}"
}

has_table() {
	pgc_psql -d "${1:?usage: has_table DB NAME}" -At -c "select to_regclass('public.${2:?missing NAME}') is not null"
}

sha_of() {
	sha256sum "${1:?usage: sha_of FILE}" | cut -c1-64
}

# Independent test cases: a failing assertion (which exits its shell) ends
# only that case, so later cases still run; the file still fails at the end.
#   t_leaf NAME FUNC [ARGS...]   run FUNC as test case NAME in a subshell; nothing
#                                it sets is kept (no cleanup_add inside)
#   t_leaf_finish                t_finish, then exit 1 if a t_leaf case failed
T_LEAF_FAILED=0
t_leaf() {
	local name=${1:?usage: t_leaf NAME FUNC [ARGS...]}
	shift
	t_begin "$name"
	if ! ("$@"); then
		T_LEAF_FAILED=1
	fi
}

t_leaf_finish() {
	t_finish
	if ((T_LEAF_FAILED)); then
		exit 1
	fi
}
