#!/usr/bin/env bash
# Install everything pgfleet needs to build and test on Debian 12 (bookworm).
#
#   deploy/install-deps.sh           install what is missing (no-op when complete)
#   deploy/install-deps.sh --check   list missing packages; exit 1 if any
#
# Runs apt only when a package is missing, so a second run is instant.
# Uses sudo when not run as root.
set -euo pipefail

packages=(
  meson ninja-build gcc pkg-config git openssh-client
  postgresql postgresql-client libpq-dev
  libgit2-dev libssl-dev libjansson-dev libcmocka-dev libpg-query-dev libprotobuf-c-dev
  python3 python3-yaml ca-certificates jq
)

check_only=0
case "${1:-}" in
  "") ;;
  --check) check_only=1 ;;
  -h | --help) sed -n '2,8s/^# \{0,1\}//p' "$0"; exit 0 ;;
  *) echo "install-deps: unknown option: $1" >&2; exit 2 ;;
esac

if ! command -v dpkg-query >/dev/null || ! command -v apt-get >/dev/null; then
  echo "install-deps: this script supports Debian 12 (apt/dpkg) only." >&2
  echo "install-deps: install these packages by other means: ${packages[*]}" >&2
  exit 1
fi

as_root() {
  if ((EUID == 0)); then
    "$@"
  elif command -v sudo >/dev/null; then
    sudo "$@"
  else
    echo "install-deps: need root (or sudo) to run: $*" >&2
    return 1
  fi
}

# One dpkg-query call; unknown packages are simply absent from its output.
installed=$(dpkg-query -W -f='${Package} ${Status}\n' "${packages[@]}" 2>/dev/null || true)
missing=()
for pkg in "${packages[@]}"; do
  if ! grep -qE "^${pkg} [a-z]+ ok installed$" <<<"$installed"; then
    missing+=("$pkg")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages already installed"
  exit 0
fi
echo "install-deps: missing: ${missing[*]}"
if ((check_only)); then
  exit 1
fi

# Installing postgresql creates a default cluster and tries to start it; pgfleet
# never uses it. Forbid service starts during this apt run (only if no
# policy-rc.d is in place yet, and only remove the one we created).
policy=/usr/sbin/policy-rc.d
created_policy=0
remove_policy() {
  if ((created_policy)); then
    as_root rm -f "$policy"
  fi
}
trap remove_policy EXIT
if [[ ! -e $policy ]]; then
  printf '#!/bin/sh\n# temporary, from pgfleet deploy/install-deps.sh\nexit 101\n' |
    as_root tee "$policy" >/dev/null
  created_policy=1
  as_root chmod 0755 "$policy"
fi

as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
as_root env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -q --no-install-recommends "${missing[@]}"
echo "install-deps: done"
