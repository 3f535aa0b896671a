#!/bin/sh
# Checks a pgfleet ledger export with plain tools only: sha256sum, jq and
# ssh-keygen. Auditors need not trust pgfleet to check pgfleet.
#
#   pgfleet ledger export > ledger.jsonl
#   deploy/ledger-verify.sh allowed_signers < ledger.jsonl
#
# allowed_signers names the reconcilers' keys with namespaces="pgfleet-ledger".
# For every entry (a JSON line: seq, body, prev_hash, hash, signature,
# key_fingerprint) it checks: seq follows the previous one; prev_hash is the
# previous entry's hash (64 zeros for entry 1); hash is sha256 of the body's
# exact bytes; the body itself carries the same seq and prev; the signature
# over the body verifies with ssh-keygen -Y verify for a principal of
# allowed_signers. One line per problem naming the entry; exit 1 if any.
set -eu
[ $# -eq 1 ] || { echo "usage: $0 ALLOWED_SIGNERS < export.jsonl" >&2; exit 2; }
allowed=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
prev=0000000000000000000000000000000000000000000000000000000000000000
expect=1
bad=0
n=0
while IFS= read -r line; do
	printf '%s' "$line" >"$tmp/line"
	seq=$(jq -r .seq "$tmp/line")
	hash=$(jq -r .hash "$tmp/line")
	prevh=$(jq -r .prev_hash "$tmp/line")
	jq -j .body "$tmp/line" >"$tmp/body"
	jq -j .signature "$tmp/line" >"$tmp/sig"
	if [ "$seq" != "$expect" ]; then echo "entry $seq: expected entry $expect"; bad=1; fi
	if [ "$prevh" != "$prev" ]; then echo "entry $seq: prev_hash does not link to entry $((seq - 1))"; bad=1; fi
	calc=$(sha256sum <"$tmp/body" | cut -c1-64)
	if [ "$calc" != "$hash" ]; then echo "entry $seq: hash is not sha256 of the body"; bad=1; fi
	if ! jq -e --argjson s "$seq" --arg p "$prevh" '.seq == $s and .prev == $p' "$tmp/body" >/dev/null; then
		echo "entry $seq: the body's own seq/prev do not match"
		bad=1
	fi
	principal=$(ssh-keygen -Y find-principals -s "$tmp/sig" -f "$allowed" -n pgfleet-ledger 2>/dev/null | head -n 1 || true)
	if [ -z "$principal" ] ||
		! ssh-keygen -Y verify -f "$allowed" -I "$principal" -n pgfleet-ledger -s "$tmp/sig" <"$tmp/body" >/dev/null 2>&1; then
		echo "entry $seq: signature does not verify for a key of $allowed"
		bad=1
	fi
	prev=$hash
	expect=$((seq + 1))
	n=$((n + 1))
done
echo "ledger-verify: $n entries, head ${prev}"
exit "$bad"
