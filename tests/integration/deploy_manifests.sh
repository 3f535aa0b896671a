#!/usr/bin/env bash
# Integration: deploy/ is well-formed. Every YAML parses with a real parser
# (PyYAML); the Kubernetes Job, Indexed Job and CronJob carry what a Job needs
# and reference only Secrets, ConfigMaps and keys the examples define; the
# GitHub workflows have triggers, steps, the SARIF upload and the checkpoint;
# the systemd unit is sandboxed and passes `systemd-analyze verify` (where
# installed); the Containerfile is multi-stage and its runtime stage installs
# the Debian package of every shared library the built binary needs. Each
# check is also shown to catch a broken copy. (The check that every pgfleet
# command and option used in deploy/ exists is tests/integration/deploy_options.sh.)
set -euo pipefail
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/assert.sh"
. "$here/../lib/cleanup.sh"
PGFLEET=${PGFLEET:?PGFLEET must point at the pgfleet binary}
SRCROOT=${SRCROOT:-$here/../..}
check=$here/../lib/deploy_check.py

python3 -c 'import yaml' 2>/dev/null || { echo "python3 with PyYAML is required (Debian: python3-yaml)" >&2; exit 1; }

t_begin "deploy/ manifests, workflows, units and Containerfile pass the checks"
run python3 "$check" manifests "$SRCROOT"
assert_rc 0
assert_out_contains "1 CronJob, 1 Indexed Job, 1 Job"
assert_out_contains "github: 2 workflows"
t_done

# A broken copy of deploy/ must fail with the right message.
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pgfleet-deploy.XXXXXX")
cleanup_add "rm -rf -- '$tmp'"
broken() { # NAME FILE SED-SCRIPT EXPECTED-MESSAGE
	t_begin "a broken copy is caught: $1"
	rm -rf -- "$tmp/root" && mkdir -p "$tmp/root" && cp -R -- "$SRCROOT/deploy" "$tmp/root/"
	sed -i -e "$3" "$tmp/root/deploy/$2"
	if cmp -s "$SRCROOT/deploy/$2" "$tmp/root/deploy/$2"; then fail "sed '$3' changed nothing in deploy/$2"; fi
	run python3 "$check" manifests "$tmp/root"
	assert_rc 1
	assert_out_contains "$4"
	t_done
}
broken "completions differ from --shard N" kubernetes/job-reconcile-sharded.yaml \
	's/^  completions: 4$/  completions: 3/' "must both equal the N of --shard I/4"
broken "a secretKeyRef to an undefined Secret" kubernetes/job-reconcile.yaml \
	's/{name: pgfleet-master, key: url}/{name: pgfleet-db, key: url}/' "names Secret 'pgfleet-db', not defined"
broken "a configMapKeyRef to a missing key" kubernetes/cronjob-drift.yaml \
	's/{name: pgfleet-release, key: commit}/{name: pgfleet-release, key: sha}/' "has no key 'sha'"
broken "restartPolicy Always" kubernetes/job-reconcile.yaml \
	's/restartPolicy: Never/restartPolicy: Always/' "restartPolicy must be Never or OnFailure"
broken "an undeclared \$(VAR) in args" kubernetes/job-reconcile.yaml \
	's/\$(PGFLEET_COMMIT)$/$(PGFLEET_SHA)/' "\$(PGFLEET_SHA) in its arguments is not declared"
broken "a YAML syntax error" kubernetes/configmaps.yaml \
	's/^data:$/data: [/' "does not parse"
broken "no SARIF upload" github/pr.yml \
	's#github/codeql-action/upload-sarif@v3#actions/upload-artifact@v4#' "no github/codeql-action/upload-sarif step"
broken "no concurrency guard" github/reconcile.yml \
	's/cancel-in-progress: false/cancel-in-progress: true/' "concurrency group with cancel-in-progress: false"
broken "no DynamicUser" systemd/pgfleet-reconcile.service \
	's/^DynamicUser=yes$/DynamicUser=no/' "needs DynamicUser=yes"
broken "a root runtime image" Containerfile \
	's/^USER 10001:10001$/USER root/' "must end as a non-root USER"

t_begin "the runtime stage installs every shared library pgfleet needs"
if command -v objdump >/dev/null && command -v ldd >/dev/null && command -v dpkg >/dev/null; then
	run python3 "$check" runtime-packages "$SRCROOT" "$PGFLEET"
	assert_rc 0
	assert_out_contains "libpq5"
	echo "$OUT" | grep '^#' || true
else
	echo "# skipped: objdump, ldd or dpkg not installed"
fi
t_done

t_begin "systemd-analyze verify: the service and the timer"
if command -v systemd-analyze >/dev/null; then
	# The unit names the installed binary; verify checks that ExecStart
	# programs exist, so a copy names the one just built.
	mkdir -p "$tmp/units"
	sed "s#/usr/local/bin/pgfleet#$PGFLEET#g" "$SRCROOT/deploy/systemd/pgfleet-reconcile.service" \
		>"$tmp/units/pgfleet-reconcile.service"
	cp -- "$SRCROOT/deploy/systemd/pgfleet-reconcile.timer" "$tmp/units/"
	run systemd-analyze verify "$tmp/units/pgfleet-reconcile.service" "$tmp/units/pgfleet-reconcile.timer"
	assert_rc 0
	assert_eq "$OUT$ERR" "" "systemd-analyze verify printed warnings"
	# and it does catch a bad setting
	printf 'ProtectSystem=bogus\n' >>"$tmp/units/pgfleet-reconcile.service"
	run systemd-analyze verify "$tmp/units/pgfleet-reconcile.service"
	assert_err_contains "protect system"
else
	echo "# skipped: systemd-analyze not installed"
fi
t_done

t_finish
