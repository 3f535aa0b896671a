# shellcheck shell=bash
# Build real git repositories with the git CLI for tests. Source it; do not
# execute it. Sourcing isolates git from the machine's configuration:
#   GIT_CONFIG_NOSYSTEM=1, HOME=<private temp dir> (fresh ~/.gitconfig),
#   GIT_AUTHOR_NAME/EMAIL, GIT_COMMITTER_NAME/EMAIL set;
#   GITREPO_DATE=<date> (optional, set before sourcing) fixes GIT_AUTHOR_DATE and
#   GIT_COMMITTER_DATE so commit SHAs are reproducible.
#
#   tmpdir_new                   print a fresh temp dir (removed at exit; safe in $(...))
#   repo_init DIR                git init -q -b main DIR
#   repo_write DIR RELPATH TEXT  write TEXT verbatim (printf '%s': add your own \n)
#   repo_commit DIR MSG [ARGS]   git add -A; git commit -q -m MSG ARGS; print full SHA
#   repo_branch DIR NAME [START] create branch NAME (at START, default HEAD), switch to it
#   repo_checkout DIR REV        git checkout -q REV
#   repo_tamper DIR RELPATH      append a SQL comment line to RELPATH (commit it after)
#   repo_clone_bare SRC DST      git clone -q --bare SRC DST
#   repo_head DIR                print the full SHA of HEAD
#   cleanup_add CMD              run CMD at exit (shared with pgcluster.sh). Callers
#                                must NOT set their own EXIT/INT/TERM trap.

# shared exit cleanup registry (cleanup_add)
# shellcheck source=tests/lib/cleanup.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/cleanup.sh"

# All temp dirs live under one root created (and registered) at source time, so
# tmpdir_new works inside command substitution.
GITREPO_TMPROOT=$(mktemp -d "${TMPDIR:-/tmp}/pgfleet-git.XXXXXX")
cleanup_add "rm -rf $(printf '%q' "$GITREPO_TMPROOT")"

export GIT_CONFIG_NOSYSTEM=1
export HOME=$GITREPO_TMPROOT/home
export XDG_CONFIG_HOME=$HOME/.config
export GIT_AUTHOR_NAME="pgfleet test" GIT_AUTHOR_EMAIL="test@pgfleet.invalid"
export GIT_COMMITTER_NAME="pgfleet test" GIT_COMMITTER_EMAIL="test@pgfleet.invalid"
export GIT_TERMINAL_PROMPT=0
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_OBJECT_DIRECTORY GIT_CONFIG_GLOBAL
if [[ -n ${GITREPO_DATE:-} ]]; then
  export GIT_AUTHOR_DATE=$GITREPO_DATE GIT_COMMITTER_DATE=$GITREPO_DATE
fi
mkdir -p "$HOME"
cat >"$HOME/.gitconfig" <<'EOF'
[init]
	defaultBranch = main
[commit]
	gpgsign = false
[tag]
	gpgsign = false
[core]
	autocrlf = false
[advice]
	detachedHead = false
EOF

# pgfleet.json of the usual two scopes: "master" -> migrations/master (target
# master) and "tenant" -> migrations/tenant (target tenants).
REPO_TWO_SCOPES='{"version": 1, "scopes": [
  {"name": "master", "folder": "migrations/master", "target": "master"},
  {"name": "tenant", "folder": "migrations/tenant", "target": "tenants"}]}'

tmpdir_new() {
  mktemp -d "$GITREPO_TMPROOT/t.XXXXXX"
}

repo_init() {
  git init -q -b main "${1:?usage: repo_init DIR}"
}

repo_write() {
  local file=${1:?usage: repo_write DIR RELPATH CONTENT}/${2:?missing RELPATH}
  mkdir -p "$(dirname "$file")"
  printf '%s' "${3-}" >"$file"
}

repo_commit() {
  local dir=${1:?usage: repo_commit DIR MSG [git-commit-args...]} msg=${2:?missing MSG}
  shift 2
  git -C "$dir" add -A
  git -C "$dir" commit -q -m "$msg" "$@"
  git -C "$dir" rev-parse HEAD
}

repo_branch() {
  git -C "${1:?usage: repo_branch DIR NAME [START]}" checkout -q -b "${2:?missing NAME}" ${3:+"$3"}
}

repo_checkout() {
  git -C "${1:?usage: repo_checkout DIR REV}" checkout -q "${2:?missing REV}"
}

repo_tamper() {
  local file=${1:?usage: repo_tamper DIR RELPATH}/${2:?missing RELPATH}
  [[ -f $file ]] || { echo "repo_tamper: no such file: $file" >&2; return 1; }
  printf '\n-- tampered\n' >>"$file"
}

repo_clone_bare() {
  git clone -q --bare "${1:?usage: repo_clone_bare SRC DST}" "${2:?missing DST}"
}

repo_head() {
  git -C "${1:?usage: repo_head DIR}" rev-parse HEAD
}
