#!/bin/sh
# Checks a pgfleet ledger export with plain tools only: jq, sha256sum and
# ssh-keygen (plus POSIX sh, awk, base64 and xargs). Auditors need not trust
# pgfleet to check pgfleet.
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
#
# One jq pass reads the export (the body and signature travel base64-encoded
# so that their exact bytes survive), one sha256sum hashes every body; the
# signatures take two ssh-keygen runs per entry.
set -eu
[ $# -eq 1 ] || { echo "usage: $0 ALLOWED_SIGNERS < export.jsonl" >&2; exit 2; }
allowed=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
mkdir "$tmp/b"

# one line per entry, six tab-separated fields (@tsv escapes tabs and
# newlines inside them), each prefixed with "x" so
# that an empty one cannot merge with its neighbour when read
jq -r '[.seq, .hash, .prev_hash,
        ((.body | try fromjson catch null) as $b
         | if ($b | type) == "object" then (($b.seq | tostring) + ":" + ($b.prev | tostring)) else "-" end),
        (.body | @base64), (.signature | @base64)] | map("x" + (. // "" | tostring)) | @tsv' >"$tmp/entries"

prev=0000000000000000000000000000000000000000000000000000000000000000
expect=1
n=0
: >"$tmp/problems"
: >"$tmp/hashes"
while IFS="$(printf '\t')" read -r seq hash prevh own body sig; do
	seq=${seq#x} hash=${hash#x} prevh=${prevh#x} own=${own#x} body=${body#x} sig=${sig#x}
	{
		if [ "$seq" != "$expect" ]; then echo "entry $seq: expected entry $expect"; fi
		if [ "$prevh" != "$prev" ]; then echo "entry $seq: prev_hash does not link to entry $((seq - 1))"; fi
		if [ "$own" != "$seq:$prevh" ]; then echo "entry $seq: the body's own seq/prev do not match"; fi
	} >>"$tmp/problems"
	n=$((n + 1))
	printf '%s' "$body" | base64 -d >"$tmp/b/$n"
	printf '%s' "$sig" | base64 -d >"$tmp/sig"
	printf '%s %s %s\n' "$n" "$seq" "$hash" >>"$tmp/hashes"
	principal=$(ssh-keygen -Y find-principals -s "$tmp/sig" -f "$allowed" -n pgfleet-ledger 2>/dev/null | head -n 1 || true)
	if [ -z "$principal" ] ||
		! ssh-keygen -Y verify -f "$allowed" -I "$principal" -n pgfleet-ledger -s "$tmp/sig" <"$tmp/b/$n" >/dev/null 2>&1; then
		echo "entry $seq: signature does not verify for a key of $allowed" >>"$tmp/problems"
	fi
	prev=$hash
	expect=$((seq + 1))
done <"$tmp/entries"

# every body's sha256 against its recorded hash, in entry order
if [ "$n" -gt 0 ]; then (cd "$tmp/b" && ls | xargs sha256sum) >"$tmp/sums"; else : >"$tmp/sums"; fi
awk 'NR == FNR { sum[$2] = $1; next }
     sum[$1] != $3 { print "entry " $2 ": hash is not sha256 of the body" }' "$tmp/sums" "$tmp/hashes" >>"$tmp/problems"

# problems in entry order, as they would have been found one entry at a time
sort -s -t ' ' -k2,2n "$tmp/problems"
echo "ledger-verify: $n entries, head ${prev}"
[ ! -s "$tmp/problems" ]
