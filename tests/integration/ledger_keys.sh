#!/usr/bin/env bash
# Integration: key rotation. A reconciler key's validity window in the trust
# file (valid-after / valid-before) is judged at each entry's own time, as git
# judges a commit signature at the commit's time: retiring a key keeps what it
# signed verifiable, and a key is not trusted for entries made before its window.
set -euo pipefail
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/fleet_test.sh"

fleet_init lkeys
W=$(tmpdir_new)
fleet_new keys
fleet_write migrations/tenant/0001_wells.sql $'CREATE TABLE wells (id int PRIMARY KEY);\n'
fleet_commit "wells" >/dev/null
fleet_master_up
fleet_tenant t1
pgf reconcile
assert_rc 0
entries=$(sqlv "$FLEET_MASTER_DB" "select count(*) from pgfleet.ledger")
# a moment after the last entry, and now strictly later than it
cut=$(date -u -d '+1 second' +%Y%m%d%H%M%SZ)
sleep 2
pub=$(cut -d' ' -f1,2 "$FLEET_KEY.pub")

t_begin "a key retired (valid-before) after it signed: its entries still verify"
printf 'reconciler@example.com namespaces="pgfleet-ledger",valid-before="%s" %s\n' "$cut" "$pub" >"$W/retired"
lg verify --trust "$W/retired"
assert_rc 0
assert_out_contains "ledger: $entries entries"
t_done

t_begin "a key valid only from after the entries were made: every entry is a finding"
printf 'reconciler@example.com namespaces="pgfleet-ledger",valid-after="%s" %s\n' "$cut" "$pub" >"$W/later"
lg verify --trust "$W/later"
assert_rc 1
assert_eq "$(grep -c '^entry [0-9]*: signature: ' <<<"$OUT")" "$entries" "signature findings"
assert_out_contains "is not valid yet at"
t_done
