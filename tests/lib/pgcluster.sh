# shellcheck shell=bash
# Throwaway PostgreSQL cluster for tests. Source it; do not execute it.
#
#   pgc_ensure          reuse the cluster named by PGFLEET_TEST_PGHOST/PGPORT if its
#                       socket exists, else pgc_start one (stopped at exit)
#   pgc_start           initdb + start a private cluster in a fresh temp dir
#                       (unix socket only, no TCP); stopped at exit
#   pgc_stop            stop the cluster pgc_start started, delete its dir (idempotent)
#   pgc_createdb NAME   (re)create database NAME (dropped first if present)
#   pgc_psql ARGS...    psql -X -v ON_ERROR_STOP=1 -q ARGS... against the cluster
#   pgc_conninfo [DB]   print "host=... port=... user=... dbname=DB" (default postgres)
#   pgc_url [DB]        print "postgresql://USER@/DB?host=...&port=..."
#   cleanup_add CMD     run shell command CMD at exit/INT/TERM (LIFO); alias
#                       pgc_cleanup_add. Callers must NOT set their own EXIT/INT/TERM
#                       trap (it would replace this one); register with cleanup_add.
#
# After pgc_start/pgc_ensure these are exported:
#   PGHOST PGPORT PGUSER(=pgfleet) PGDATABASE(=postgres)
#   PGFLEET_TEST_PGHOST PGFLEET_TEST_PGPORT   (so nested scripts reuse the cluster)
# Inputs: PGFLEET_TEST_PGPORT (port number of the socket, default 5432),
#         CI=true (missing binaries: hard exit 1 instead of return 1).
# As root, the server runs as the "postgres" OS user (else "nobody").

# shared exit cleanup registry (cleanup_add)
# shellcheck source=tests/lib/cleanup.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/cleanup.sh"

pgc_cleanup_add() { cleanup_add "$@"; }

PGC_DIR=""    # temp dir of the cluster this shell started (empty: none)
PGC_BINDIR="" # directory holding initdb/pg_ctl/postgres
PGC_RUNAS=""  # OS user running the server when we are root (empty: ourselves)

_pgc_die_nobin() {
  local msg="pgcluster: PostgreSQL server binaries (initdb, pg_ctl, postgres) not found."
  msg+=" Run deploy/install-deps.sh (Debian: packages postgresql postgresql-client)."
  echo "$msg" >&2
  if [[ ${CI:-} == true ]]; then
    exit 1
  fi
  return 1
}

# Set PGC_BINDIR: pg_config --bindir, newest /usr/lib/postgresql/*/bin, then PATH.
_pgc_find_bindir() {
  local d candidates=()
  [[ -n $PGC_BINDIR ]] && return 0
  if command -v pg_config >/dev/null; then
    candidates+=("$(pg_config --bindir 2>/dev/null || true)")
  fi
  d=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  candidates+=("$d")
  if command -v initdb >/dev/null; then
    candidates+=("$(dirname "$(command -v initdb)")")
  fi
  for d in "${candidates[@]}"; do
    if [[ -n $d && -x $d/initdb && -x $d/pg_ctl && -x $d/postgres ]]; then
      PGC_BINDIR=$d
      return 0
    fi
  done
  _pgc_die_nobin
}

# Run a server-side command as PGC_RUNAS (or ourselves), from the cluster dir so
# an unreadable cwd (e.g. /root) does not bother initdb/postgres.
_pgc_as() {
  if [[ -z $PGC_RUNAS ]]; then
    (cd "$PGC_DIR" && "$@")
  elif command -v runuser >/dev/null; then
    (cd "$PGC_DIR" && runuser -u "$PGC_RUNAS" -- "$@")
  else
    (cd "$PGC_DIR" && su -s /bin/sh "$PGC_RUNAS" -c "$(printf '%q ' "$@")")
  fi
}

_pgc_export() {
  export PGHOST=$1 PGPORT=$2 PGUSER=pgfleet PGDATABASE=postgres
  export PGFLEET_TEST_PGHOST=$1 PGFLEET_TEST_PGPORT=$2
  # These would redirect libpq elsewhere (TCP, service files, passwords).
  unset PGHOSTADDR PGSERVICE PGSERVICEFILE PGPASSWORD PGPASSFILE PGOPTIONS
}

_pgc_log_tail() {
  echo "pgcluster: $1; server log ($PGC_DIR/log):" >&2
  tail -n 40 "$PGC_DIR/log" >&2 2>/dev/null || echo "  (no log)" >&2
}

pgc_start() {
  local port=${PGFLEET_TEST_PGPORT:-5432} data
  if [[ -n $PGC_DIR ]]; then
    echo "pgcluster: a cluster is already running in $PGC_DIR" >&2
    return 1
  fi
  _pgc_find_bindir || return 1
  PGC_RUNAS=""
  if ((EUID == 0)); then
    PGC_RUNAS=nobody
    if getent passwd postgres >/dev/null; then PGC_RUNAS=postgres; fi
  fi

  PGC_DIR=$(mktemp -d "${TMPDIR:-/tmp}/pgfleet-pg.XXXXXX") || return 1
  cleanup_add pgc_stop || { rm -rf "$PGC_DIR"; PGC_DIR=""; return 1; }
  # The server user must own the dir; 0755 lets root's clients reach the socket.
  if [[ -n $PGC_RUNAS ]] && ! { chown "$PGC_RUNAS:" "$PGC_DIR" && chmod 0755 "$PGC_DIR"; }; then
    pgc_stop
    return 1
  fi
  data=$PGC_DIR/data

  if ! _pgc_as "$PGC_BINDIR/initdb" -D "$data" -A trust -U pgfleet --no-sync \
    -E UTF8 --locale=C >"$PGC_DIR/initdb.log" 2>&1; then
    echo "pgcluster: initdb failed:" >&2
    tail -n 40 "$PGC_DIR/initdb.log" >&2
    pgc_stop
    return 1
  fi
  cat >>"$data/postgresql.conf" <<EOF

# pgfleet test cluster
listen_addresses = ''
unix_socket_directories = '$PGC_DIR'
port = $port
fsync = off
max_connections = 200
shared_buffers = 32MB
EOF
  if ! _pgc_as "$PGC_BINDIR/pg_ctl" -D "$data" -w -t 60 -l "$PGC_DIR/log" \
    start >/dev/null; then
    _pgc_log_tail "server did not start"
    pgc_stop
    return 1
  fi
  _pgc_export "$PGC_DIR" "$port"
}

pgc_stop() {
  local dir=$PGC_DIR data
  [[ -n $dir ]] || return 0
  data=$dir/data
  if [[ -f $data/postmaster.pid ]]; then
    if ! _pgc_as "$PGC_BINDIR/pg_ctl" -D "$data" -m fast -w -t 60 stop >/dev/null 2>&1; then
      _pgc_log_tail "fast shutdown failed, trying immediate"
      _pgc_as "$PGC_BINDIR/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
  fi
  rm -rf "$dir"
  PGC_DIR=""
  if [[ ${PGFLEET_TEST_PGHOST:-} == "$dir" ]]; then
    unset PGFLEET_TEST_PGHOST PGFLEET_TEST_PGPORT
  fi
}

pgc_ensure() {
  local host=${PGFLEET_TEST_PGHOST:-} port=${PGFLEET_TEST_PGPORT:-5432}
  if [[ -n $host && -S $host/.s.PGSQL.$port ]]; then
    _pgc_export "$host" "$port"
    return 0
  fi
  pgc_start
}

pgc_psql() {
  local psql=psql
  if [[ -n $PGC_BINDIR && -x $PGC_BINDIR/psql ]]; then psql=$PGC_BINDIR/psql; fi
  "$psql" -X -v ON_ERROR_STOP=1 -q "$@"
}

pgc_createdb() {
  local name=${1:?usage: pgc_createdb NAME}
  # psql variables (:"name") quote the identifier; they need stdin, not -c.
  pgc_psql -d postgres -v name="$name" <<'EOF'
SET client_min_messages = warning;
DROP DATABASE IF EXISTS :"name" WITH (FORCE);
CREATE DATABASE :"name";
EOF
}

pgc_conninfo() {
  printf 'host=%s port=%s user=%s dbname=%s\n' "$PGHOST" "$PGPORT" "$PGUSER" "${1:-postgres}"
}

pgc_url() {
  printf 'postgresql://%s@/%s?host=%s&port=%s\n' "$PGUSER" "${1:-postgres}" "$PGHOST" "$PGPORT"
}
