#!/usr/bin/env bash
# Integration: commit signatures, reviewer approvals and the trust root, with
# real tools only. Keys are made by ssh-keygen (ed25519, ecdsa-sha2-nistp256,
# rsa), commits are signed by git itself (gpg.format=ssh, commit -S),
# approvals by `pgfleet approve --key` (ssh-keygen -Y sign underneath). The
# oracles are `git verify-commit` (gpg.ssh.allowedSignersFile) for commits
# and `ssh-keygen -Y verify` for approvals: wherever they rule on the same
# input, pgfleet must agree with them (one deliberate exception, documented
# in the valid-before case: the time a signature is judged at).
#
# An approval is migrations/<scope>/approvals/<file>.<principal>.sig: the
# principal in its name must be one of the signing key's principals in the
# trust root, and each file needs that many distinct principals (one key, or
# one principal's keys, count once).
#
# The last cases run `reconcile --pinned` and `rollback --pinned` on a
# throwaway PostgreSQL (master and one tenant, tests/lib/fleet.sh): a commit
# that fails verify touches no database; a signed and approved one is applied.
#
# Needs: git (>= 2.34, SSH signing), ssh-keygen (OpenSSH >= 8.9), PostgreSQL.
set -euo pipefail
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/fleet_test.sh"

for p in git ssh-keygen; do
	command -v "$p" >/dev/null || { echo "signatures.sh: $p is not installed" >&2; exit 1; }
done

K=$(tmpdir_new) # keys, trust roots and policies: the operator's side, outside every repository

# keygen NAME TYPE [BITS]: an unencrypted key pair $K/NAME, $K/NAME.pub
keygen() {
	ssh-keygen -q -t "$2" ${3:+-b "$3"} -N '' -C "$1@example.com" -f "$K/$1"
}
keygen alice ed25519
keygen bob ecdsa 256
keygen carol rsa 3072
keygen mallory ed25519 # never trusted by the operator
keygen dave ed25519    # trusted for approvals only (namespaces="pgfleet-approval")
keygen erin ed25519    # trusted until valid-before="20200101"
keygen frank ed25519   # trusted from valid-after="29990101"
keygen alice_laptop ed25519 # alice's second key (only in $K/allowed_signers_2keys)

pub() { cut -d' ' -f1,2 "$K/$1.pub"; }
fp() { ssh-keygen -lf "$K/$1.pub" | cut -d' ' -f2; }

# The operator's trust root, in git's allowed_signers format.
T=$K/allowed_signers
{
	echo "# the operator's trust root"
	echo "alice@example.com $(pub alice)"
	echo "bob@example.com $(pub bob)"
	echo "carol@example.com $(pub carol)"
	echo "dave@example.com namespaces=\"pgfleet-approval\" $(pub dave)"
	echo "erin@example.com valid-before=\"20200101\" $(pub erin)"
	echo "frank@example.com valid-after=\"29990101\" $(pub frank)"
} >"$T"

# policy NAME JSON: write $K/NAME.json
policy() { printf '%s\n' "$2" >"$K/$1.json"; }
policy signed '{"require_signed_commit": true, "min_approvals": 0}'
policy two '{"require_signed_commit": false, "min_approvals": 2}'

config=$REPO_TWO_SCOPES

# new_repo: print a fresh repository with migrations and manifests, nothing committed.
#   master: 0001_accounts.sql; tenant: 0001_wells.sql, 0002_readings.sql (+ its down file)
new_repo() {
	local r
	r=$(tmpdir_new)/repo
	repo_init "$r"
	repo_write "$r" pgfleet.json "$config"
	repo_write "$r" migrations/master/0001_accounts.sql $'create table accounts (id int primary key);\n'
	repo_write "$r" migrations/tenant/0001_wells.sql $'create table wells (id int primary key);\n'
	repo_write "$r" migrations/tenant/0002_readings.sql $'create table readings (id int primary key);\n'
	repo_write "$r" migrations/tenant/0002_readings.down.sql $'drop table readings;\n'
	"$PGFLEET" --quiet --repo "$r" hash >/dev/null
	echo "$r"
}

# commit_as REPO KEY MSG [git-commit-args]: pgfleet hash, add everything, commit
# signed by KEY (a name under $K; "-" for unsigned); print the full SHA.
commit_as() {
	local r=$1 key=$2 msg=$3
	shift 3
	"$PGFLEET" --quiet --repo "$r" hash >/dev/null
	git -C "$r" add -A
	if [[ $key == - ]]; then
		git -C "$r" commit -q --allow-empty -m "$msg" "$@"
	else
		git -C "$r" -c gpg.format=ssh -c user.signingkey="$K/$key" commit -q -S --allow-empty -m "$msg" "$@"
	fi
	git -C "$r" rev-parse HEAD
}

# pverify REPO POLICY [ARGS]: pgfleet verify with the operator's trust root; $OUT/$ERR/$RC
pverify() {
	local r=$1 pol=$2
	shift 2
	run "$PGFLEET" --repo "$r" verify --policy "$K/$pol.json" --trust "$T" "$@"
}

# gverify REPO REV [ALLOWED]: the oracle, git verify-commit; $OUT/$ERR/$RC
gverify() {
	run git -C "$1" -c gpg.ssh.allowedSignersFile="${3:-$T}" verify-commit "$2"
}

# approve REPO FILE KEY [AS]: pgfleet approve FILE --key $K/KEY --as AS (asserts exit 0).
# AS, the approver part of the signature's file name, is the principal the
# signature claims (it must be one of the key's principals in the trust root);
# default KEY@example.com.
approve() {
	run "$PGFLEET" --repo "$1" approve "$2" --key "$K/$3" --as "${4:-$3@example.com}"
	assert_rc 0
}

# ------------------------------------------------------------------ commits

# 1. A trusted key of each type signs; pgfleet and git both accept it.
signed_by_each_type() {
	local key=$1 who=$2 r c
	r=$(new_repo)
	c=$(commit_as "$r" "$key" "signed by $key")
	git -C "$r" cat-file commit "$c" | grep -q '^gpgsig -----BEGIN SSH SIGNATURE-----$' || fail "git did not sign $c with SSH"
	pverify "$r" signed --commit "$c"
	assert_rc 0
	assert_err_contains "commit $c: signed by $who ($(fp "$key"))"
	assert_out_not_contains "commit"
	pverify "$r" signed --pinned --commit "$c"
	assert_rc 0
	assert_err_contains "signed by $who"
	pverify "$r" signed --commit "$c" --json
	assert_rc 0
	assert_out_contains '"findings": []'
	assert_out_contains "signed by $who"
	gverify "$r" "$c"
	assert_rc 0
	assert_err_contains "Good \"git\" signature for $who"
	t_done
}
t_leaf "an ed25519-signed commit by a trusted key: verify exits 0, logs its signer; git agrees" \
	signed_by_each_type alice alice@example.com
t_leaf "an ecdsa-sha2-nistp256-signed commit by a trusted key: accepted; git agrees" \
	signed_by_each_type bob bob@example.com
t_leaf "an rsa-sha2-512-signed commit by a trusted key: accepted; git agrees" \
	signed_by_each_type carol carol@example.com

# 2. Unsigned.
unsigned_commit() {
	local r c
	r=$(new_repo)
	c=$(commit_as "$r" - "unsigned")
	pverify "$r" signed --commit "$c"
	assert_rc 1
	assert_out_contains "commit $c: not signed"
	assert_err_not_contains "signed by"
	gverify "$r" "$c"
	[[ $RC != 0 ]] || fail "git verify-commit accepted an unsigned commit"
	# without a policy nothing is required, and pgfleet says so once
	run "$PGFLEET" --repo "$r" verify --commit "$c"
	assert_rc 0
	assert_err_contains "no --policy"
	# a policy that requires signatures needs a trust root
	run "$PGFLEET" --repo "$r" verify --commit "$c" --policy "$K/signed.json"
	assert_rc 2
	assert_err_contains "--trust"
	# pipeline mode needs both, whatever the commit
	run "$PGFLEET" --repo "$r" verify --pinned --commit "$c"
	assert_rc 2
	assert_err_contains "--pinned needs --policy and --trust"
	run "$PGFLEET" --repo "$r" verify --pinned --commit "$c" --trust "$T"
	assert_rc 2
	run "$PGFLEET" --repo "$r" verify --pinned --commit "$c" --policy "$K/signed.json"
	assert_rc 2
	t_done
}
t_leaf "an unsigned commit: finding \"not signed\", exit 1; git agrees; --pinned without --policy/--trust: exit 2" unsigned_commit

# 3. A key the operator does not trust.
untrusted_signer() {
	local r c
	r=$(new_repo)
	c=$(commit_as "$r" mallory "signed by an unknown key")
	pverify "$r" signed --commit "$c"
	assert_rc 1
	assert_out_contains "commit $c: signature not accepted"
	assert_err_not_contains "signed by"
	gverify "$r" "$c"
	[[ $RC != 0 ]] || fail "git verify-commit accepted a key not in allowed_signers"
	assert_err_contains "No principal matched"
	t_done
}
t_leaf "a commit signed by a key not in allowed_signers: finding, exit 1; git agrees" untrusted_signer

# 4. namespaces= restricts a key; git signs commits in namespace "git".
namespace_restricted() {
	local r c t2
	r=$(new_repo)
	c=$(commit_as "$r" dave "signed by an approvals-only key")
	pverify "$r" signed --commit "$c"
	assert_rc 1
	assert_out_contains "commit $c: signature not accepted"
	assert_out_contains 'namespace "git"'
	gverify "$r" "$c"
	[[ $RC != 0 ]] || fail "git verify-commit accepted a key limited to namespaces=pgfleet-approval"
	assert_err_contains 'signature namespace "git"'
	# the same key allowed for git (a pattern list) is accepted by both
	t2=$(tmpdir_new)/allowed_signers
	echo "dave@example.com namespaces=\"pgfleet-approval,g?t\" $(pub dave)" >"$t2"
	run "$PGFLEET" --repo "$r" verify --commit "$c" --policy "$K/signed.json" --trust "$t2"
	assert_rc 0
	assert_err_contains "signed by dave@example.com"
	gverify "$r" "$c" "$t2"
	assert_rc 0
	t_done
}
t_leaf "a key trusted with namespaces=\"pgfleet-approval\" only cannot sign commits (namespace git); git agrees" namespace_restricted

# 5. libgit2 1.5's extractor also matches a "gpgsig " line in the message.
gpgsig_in_message() {
	local r c
	r=$(new_repo)
	c=$(commit_as "$r" - $'x\n\ngpgsig -----BEGIN SSH SIGNATURE-----\n U1NIU0lH\n -----END SSH SIGNATURE-----')
	[[ -z $(git -C "$r" cat-file commit "$c" | sed '/^$/q' | grep '^gpgsig' || true) ]] || fail "git wrote a gpgsig header"
	pverify "$r" signed --commit "$c"
	assert_rc 1
	assert_out_contains "commit $c: not signed"
	gverify "$r" "$c"
	[[ $RC != 0 ]] || fail "git verify-commit accepted an unsigned commit"
	# signed, with the same line in its message: the header's signature counts
	c=$(commit_as "$r" alice $'y\n\ngpgsig -----BEGIN SSH SIGNATURE-----\n -----END SSH SIGNATURE-----')
	pverify "$r" signed --commit "$c"
	assert_rc 0
	assert_err_contains "commit $c: signed by alice@example.com"
	gverify "$r" "$c"
	assert_rc 0
	t_done
}
t_leaf "a \"gpgsig \" line in the message of an unsigned commit is not a signature; in a signed one it changes nothing" gpgsig_in_message

# craft_header REPO REV HEADER-LINES...: REV's commit object with the lines
# inserted after its committer line; prints the new object's id.
craft_header() {
	local r=$1 rev=$2 obj
	shift 2
	obj=$(git -C "$r" cat-file commit "$rev"; echo .)
	obj=${obj%.}
	# git puts gpgsig last in the header, right before the blank line
	{
		printf '%s\n' "${obj%%$'\n\n'*}"
		printf '%s\n' "$@"
		printf '\n%s' "${obj#*$'\n\n'}"
	} | git -C "$r" hash-object -t commit -w --stdin
}

# 6. Not SSH: pgfleet names the kind and refuses.
other_signature_types() {
	local r c pgp x509
	r=$(new_repo)
	c=$(commit_as "$r" - "to be dressed up")
	pgp=$(craft_header "$r" "$c" "gpgsig -----BEGIN PGP SIGNATURE-----" " " \
		" iHUEABYKAB0WIQTz2S1XUCbXc2dOWrvLRmbz6EyDtwUCZ0M6qwAKCRDLRmbz6EyD" \
		" twAAAQDa0n5m1bZ3wQ5dKqvH4gJcHq5B0aA8vQy2b9xN1x2Y3QD/Xo8k0nQ2" \
		" =AbCd" " -----END PGP SIGNATURE-----")
	git -C "$r" branch pgp "$pgp"
	[[ $(git -C "$r" cat-file commit pgp | grep -c '^gpgsig -----BEGIN PGP SIGNATURE-----$') == 1 ]] ||
		fail "the crafted commit has no PGP gpgsig header"
	pverify "$r" signed --commit pgp
	assert_rc 1
	assert_out_contains "commit $pgp: unsupported signature type (OpenPGP)"
	x509=$(craft_header "$r" "$c" "gpgsig -----BEGIN SIGNED MESSAGE-----" " MIIGbQYJKoZIhvcNAQcCoIIGXjCCBloCAQExDTALBglghkgBZQMEAgEw" \
		" -----END SIGNED MESSAGE-----")
	pverify "$r" signed --commit "$x509"
	assert_rc 1
	assert_out_contains "commit $x509: unsupported signature type (not SSH"
	t_done
}
t_leaf "a commit carrying an OpenPGP (or X.509) signature: \"unsupported signature type (OpenPGP)\", exit 1" other_signature_types

# A valid signature moved onto other content.
tampered_commit() {
	local r c forged
	r=$(new_repo)
	c=$(commit_as "$r" alice "the reviewed message")
	forged=$(git -C "$r" cat-file commit "$c" | sed 's/^the reviewed message$/a different message/' |
		git -C "$r" hash-object -t commit -w --stdin)
	[[ $forged != "$c" ]] || fail "the forged commit is the same object"
	pverify "$r" signed --commit "$forged"
	assert_rc 1
	assert_out_contains "commit $forged: signature not accepted"
	gverify "$r" "$forged"
	[[ $RC != 0 ]] || fail "git verify-commit accepted a commit whose message changed after signing"
	t_done
}
t_leaf "a signed commit whose message was changed afterwards: signature not accepted; git agrees" tampered_commit

# 7. The time a signature is judged at.
#    pgfleet judges a commit signature at the verification time (now), not at
#    the committer date, which the committer chooses and the signature covers
#    only as a claim. git verify-commit (2.35+) passes -Overify-time=<committer
#    date> to ssh-keygen, so a commit back-dated before valid-before is "Good"
#    for git while its key has long expired: on the commit below, git
#    verify-commit exits 0, pgfleet refuses. Only pgfleet's verdict is asserted.
validity_window() {
	local r c
	r=$(new_repo)
	c=$(GIT_COMMITTER_DATE="2019-06-01T00:00:00Z" GIT_AUTHOR_DATE="2019-06-01T00:00:00Z" \
		commit_as "$r" erin "back-dated into the key's validity")
	pverify "$r" signed --commit "$c"
	assert_rc 1
	assert_out_contains "commit $c: signature not accepted"
	assert_out_contains "has expired"
	assert_out_contains 'valid-before'
	gverify "$r" "$c"
	echo "# note: git verify-commit on the back-dated commit exits $RC (git judges at the committer date)"
	# signed now, with the same key: both refuse
	c=$(commit_as "$r" erin "signed today")
	pverify "$r" signed --commit "$c"
	assert_rc 1
	assert_out_contains "has expired"
	gverify "$r" "$c"
	[[ $RC != 0 ]] || fail "git verify-commit accepted a key past valid-before at the committer date"
	# valid-after in the future: not valid yet
	c=$(commit_as "$r" frank "not yet")
	pverify "$r" signed --commit "$c"
	assert_rc 1
	assert_out_contains "not valid yet"
	t_done
}
t_leaf "valid-before in the past refuses the key at verification time, even on a back-dated commit; valid-after in the future too" \
	validity_window

# ---------------------------------------------------------------- approvals

A=migrations/tenant/approvals
M=migrations/master/approvals

# approve_all REPO KEY [AS]: approve every migration file of new_repo
approve_all() {
	local f
	for f in migrations/master/0001_accounts.sql migrations/tenant/0001_wells.sql migrations/tenant/0002_readings.sql \
		migrations/tenant/0002_readings.down.sql; do
		approve "$1" "$f" "$2" ${3:+"$3"}
	done
}

# 8. Two trusted principals approve each file.
approvals_two() {
	local r c f sha
	r=$(new_repo)
	# the message: four documented lines over the file's bytes in the working tree
	run "$PGFLEET" --repo "$r" approve migrations/tenant/0001_wells.sql
	assert_rc 0
	sha=$(sha_of "$r/migrations/tenant/0001_wells.sql")
	assert_eq "$OUT" "$(printf 'pgfleet approval v1\nscope tenant\nfile 0001_wells.sql\nsha256 %s' "$sha")" "approval message"
	approve_all "$r" alice
	[[ -f $r/$M/0001_accounts.sql.alice@example.com.sig ]] || fail "no $M/0001_accounts.sql.alice@example.com.sig"
	approve "$r" migrations/tenant/0001_wells.sql alice
	assert_eq "$OUT" "$A/0001_wells.sql.alice@example.com.sig" "approve prints the signature's path"
	approve_all "$r" bob
	c=$(commit_as "$r" - "migrations, approved by alice and bob")
	[[ -z $(git -C "$r" status --porcelain) ]] || fail "approve left files behind: $(git -C "$r" status --porcelain)"
	pverify "$r" two --commit "$c"
	assert_rc 0
	for f in migrations/master/0001_accounts.sql migrations/tenant/0001_wells.sql migrations/tenant/0002_readings.sql \
		migrations/tenant/0002_readings.down.sql; do
		assert_err_contains "$f: approved by"
	done
	assert_err_contains "approved by alice@example.com, bob@example.com"
	# the oracle: ssh-keygen -Y verify on the message pgfleet prints
	for f in 0001_wells.sql:alice 0001_wells.sql:bob 0002_readings.down.sql:bob; do
		local who=${f#*:}@example.com file=${f%:*}
		run bash -c "set -o pipefail; '$PGFLEET' --repo '$r' approve migrations/tenant/$file |
			ssh-keygen -Y verify -f '$T' -I $who -n pgfleet-approval -s '$r/$A/$file.$who.sig'"
		assert_rc 0
		assert_out_contains "Good \"pgfleet-approval\" signature for $who"
	done
	# and the namespace is part of it: the same signature is not a git signature
	run bash -c "'$PGFLEET' --repo '$r' approve migrations/tenant/0001_wells.sql |
		ssh-keygen -Y verify -f '$T' -I alice@example.com -n git -s '$r/$A/0001_wells.sql.alice@example.com.sig'"
	[[ $RC != 0 ]] || fail "ssh-keygen accepted an approval in namespace git"
	# an ecdsa and an rsa reviewer count the same way
	r=$(new_repo)
	approve_all "$r" bob
	approve_all "$r" carol
	c=$(commit_as "$r" - "approved by bob and carol")
	pverify "$r" two --commit "$c"
	assert_rc 0
	assert_err_contains "migrations/tenant/0002_readings.down.sql: approved by bob@example.com, carol@example.com"
	t_done
}
t_leaf "min_approvals 2, each file approved by alice and bob (pgfleet approve): exit 0, \"approved by\"; ssh-keygen -Y verify agrees" \
	approvals_two

approvals_short() {
	local r c
	r=$(new_repo)
	approve_all "$r" alice
	# alice's key again, under a name that is not one of its principals
	approve "$r" migrations/tenant/0001_wells.sql alice alice2@example.com
	# alice's key, claiming to be bob
	approve "$r" migrations/tenant/0002_readings.sql alice bob@example.com
	c=$(commit_as "$r" - "approved by alice only")
	pverify "$r" two --commit "$c"
	assert_rc 1
	assert_out_contains "migrations/tenant/0002_readings.sql: 1 of 2 approvals (by alice@example.com); 0002_readings.sql.bob@example.com.sig: "
	assert_out_contains "migrations/master/0001_accounts.sql: 1 of 2 approvals (by alice@example.com)"
	assert_out_contains "migrations/tenant/0002_readings.down.sql: 1 of 2 approvals (by alice@example.com)"
	assert_out_contains "migrations/tenant/0001_wells.sql: 1 of 2 approvals (by alice@example.com); 0001_wells.sql.alice2@example.com.sig: "
	assert_out_not_contains "alice@example.com, "
	assert_out_not_contains ", bob@example.com"
	assert_err_not_contains "approved by"
	# ssh-keygen agrees: the key is not bob's
	run bash -c "'$PGFLEET' --repo '$r' approve migrations/tenant/0002_readings.sql |
		ssh-keygen -Y verify -f '$T' -I bob@example.com -n pgfleet-approval -s '$r/$A/0002_readings.sql.bob@example.com.sig'"
	[[ $RC != 0 ]] || fail "ssh-keygen accepted alice's key as bob"
	t_done
}
t_leaf "one approver: \"1 of 2 approvals\"; a key approving under a name not its principal (alice2, bob) is not counted" approvals_short

approvals_stale_hash() {
	local r c
	r=$(new_repo)
	approve_all "$r" alice
	approve_all "$r" bob
	# the file changes after review; its manifest is refreshed, the approvals are not
	printf 'create table readings (id bigint primary key);\n' >"$r/migrations/tenant/0002_readings.sql"
	c=$(commit_as "$r" - "edited after approval")
	pverify "$r" two --commit "$c"
	assert_rc 1
	assert_out_contains "migrations/tenant/0002_readings.sql: 0 of 2 approvals"
	assert_out_contains "0002_readings.sql.alice@example.com.sig"
	assert_out_contains "0002_readings.sql.bob@example.com.sig"
	assert_out_not_contains "0001_wells.sql:"
	assert_out_not_contains "0002_readings.down.sql:"
	assert_err_contains "migrations/tenant/0001_wells.sql: approved by"
	# ssh-keygen agrees: the signature is not over the file as committed
	run bash -c "'$PGFLEET' --repo '$r' approve migrations/tenant/0002_readings.sql |
		ssh-keygen -Y verify -f '$T' -I alice@example.com -n pgfleet-approval -s '$r/$A/0002_readings.sql.alice@example.com.sig'"
	[[ $RC != 0 ]] || fail "ssh-keygen accepted an approval of other bytes"
	t_done
}
t_leaf "an approval of other bytes (file edited and rehashed after approval): finding naming the file" approvals_stale_hash

approvals_untrusted() {
	local r c
	r=$(new_repo)
	approve_all "$r" alice
	approve_all "$r" mallory
	# an approvals-only key is a fine reviewer
	approve "$r" migrations/master/0001_accounts.sql dave
	c=$(commit_as "$r" - "approved by alice and an unknown key")
	pverify "$r" two --commit "$c"
	assert_rc 1
	assert_out_contains "migrations/tenant/0001_wells.sql: 1 of 2 approvals (by alice@example.com)"
	assert_out_contains "0001_wells.sql.mallory@example.com.sig"
	assert_out_not_contains ", mallory@example.com"
	assert_out_not_contains "migrations/master/0001_accounts.sql:"
	assert_err_contains "migrations/master/0001_accounts.sql: approved by alice@example.com, dave@example.com"
	# expired keys do not approve either
	approve "$r" migrations/tenant/0001_wells.sql erin
	c=$(commit_as "$r" - "and erin, whose key expired")
	pverify "$r" two --commit "$c"
	assert_rc 1
	assert_out_contains "migrations/tenant/0001_wells.sql: 1 of 2 approvals (by alice@example.com)"
	assert_out_contains "0001_wells.sql.erin@example.com.sig"
	t_done
}
t_leaf "an approval by an untrusted (or expired) key is not counted; an approvals-only key is" approvals_untrusted

approvals_replayed() {
	local r c sha f
	r=$(new_repo)
	# the same file name and bytes in both scopes: an approval names its scope
	rm "$r/migrations/master/0001_accounts.sql"
	cp "$r/migrations/tenant/0001_wells.sql" "$r/migrations/master/0001_wells.sql"
	"$PGFLEET" --quiet --repo "$r" hash >/dev/null
	for f in migrations/master/0001_wells.sql migrations/tenant/0001_wells.sql migrations/tenant/0002_readings.sql \
		migrations/tenant/0002_readings.down.sql; do
		approve "$r" "$f" alice
		approve "$r" "$f" bob
	done
	approve "$r" migrations/tenant/0001_wells.sql carol
	mv "$r/$A/0001_wells.sql.carol@example.com.sig" "$r/$M/0001_wells.sql.carol@example.com.sig"
	# an up file's approval renamed for its down file
	approve "$r" migrations/tenant/0002_readings.sql carol
	mv "$r/$A/0002_readings.sql.carol@example.com.sig" "$r/$A/0002_readings.down.sql.carol@example.com.sig"
	# a signature by a trusted key over the right message, but in namespace git
	sha=$(sha_of "$r/migrations/tenant/0002_readings.sql")
	printf 'pgfleet approval v1\nscope tenant\nfile 0002_readings.sql\nsha256 %s\n' "$sha" >"$K/msg"
	rm -f "$K/msg.sig"
	ssh-keygen -q -Y sign -n git -f "$K/carol" "$K/msg"
	mv "$K/msg.sig" "$r/$A/0002_readings.sql.carol@example.com.sig"
	policy three '{"min_approvals": 3}'
	c=$(commit_as "$r" - "replayed approvals")
	pverify "$r" three --commit "$c"
	assert_rc 1
	assert_out_contains "migrations/master/0001_wells.sql: 2 of 3 approvals"
	assert_out_contains "migrations/tenant/0002_readings.sql: 2 of 3 approvals"
	assert_out_contains "migrations/tenant/0002_readings.down.sql: 2 of 3 approvals"
	assert_out_not_contains ", carol@example.com"
	# ssh-keygen agrees on the scope replay
	run bash -c "'$PGFLEET' --repo '$r' approve migrations/master/0001_wells.sql |
		ssh-keygen -Y verify -f '$T' -I carol@example.com -n pgfleet-approval -s '$r/$M/0001_wells.sql.carol@example.com.sig'"
	[[ $RC != 0 ]] || fail "ssh-keygen accepted a tenant approval for a master file"
	t_done
}
t_leaf "an approval replayed for another scope, another file, or signed in namespace git does not count" approvals_replayed

approvals_scopes() {
	local r c
	r=$(new_repo)
	approve_all "$r" alice
	approve_all "$r" bob
	rm "$r/$M/0001_accounts.sql.bob@example.com.sig"
	c=$(commit_as "$r" - "master approved by alice only")
	pverify "$r" two --commit "$c"
	assert_rc 1
	assert_out_contains "migrations/master/0001_accounts.sql: 1 of 2 approvals"
	policy master1 '{"min_approvals": 2, "scopes": {"master": {"min_approvals": 1}}}'
	pverify "$r" master1 --commit "$c"
	assert_rc 0
	assert_err_contains "migrations/master/0001_accounts.sql: approved by alice@example.com"
	policy tenant3 '{"min_approvals": 2, "scopes": {"tenant": {"min_approvals": 3}, "master": {"min_approvals": 1}}}'
	pverify "$r" tenant3 --commit "$c"
	assert_rc 1
	assert_out_contains "migrations/tenant/0001_wells.sql: 2 of 3 approvals (by alice@example.com, bob@example.com)"
	assert_out_not_contains "migrations/master/"
	policy master0 '{"min_approvals": 2, "scopes": {"master": {"min_approvals": 0}}}'
	pverify "$r" master0 --commit "$c"
	assert_rc 0
	assert_err_not_contains "migrations/master/0001_accounts.sql: approved by"
	# --scope narrows verify to a scope, approvals included
	pverify "$r" tenant3 --commit "$c" --scope master
	assert_rc 0
	t_done
}
t_leaf "per-scope scopes.<name>.min_approvals overrides min_approvals for that scope only" approvals_scopes

approvals_baseline() {
	local r c
	r=$(new_repo)
	approve "$r" migrations/tenant/0002_readings.sql alice
	c=$(commit_as "$r" - "0002 approved once; 0001 predates approvals")
	policy base '{"min_approvals": 1, "approval_baseline": "0001"}'
	pverify "$r" base --commit "$c"
	assert_rc 1
	assert_out_not_contains "0001_wells.sql:"
	assert_out_not_contains "0001_accounts.sql:"
	assert_out_contains "migrations/tenant/0002_readings.down.sql: 0 of 1 approvals"
	assert_out_not_contains "migrations/tenant/0002_readings.sql:"
	assert_err_contains "migrations/tenant/0002_readings.sql: approved by alice@example.com"
	# versions compare numerically: "1" is 0001
	policy base1 '{"min_approvals": 1, "approval_baseline": "1"}'
	pverify "$r" base1 --commit "$c"
	assert_rc 1
	assert_out_not_contains "0001_wells.sql:"
	assert_out_contains "0002_readings.down.sql: 0 of 1 approvals"
	# per scope: tenant baselined through 0002, master (no baseline) still needs its approval
	policy base2 '{"min_approvals": 1, "scopes": {"tenant": {"approval_baseline": "0002"}}}'
	pverify "$r" base2 --commit "$c"
	assert_rc 1
	assert_out_contains "migrations/master/0001_accounts.sql: 0 of 1 approvals"
	assert_out_not_contains "migrations/tenant/"
	t_done
}
t_leaf "approval_baseline \"0001\": 0001 needs no approval, 0002 does; per-scope baseline" approvals_baseline

approvals_bad_names() {
	local r c
	r=$(new_repo)
	approve_all "$r" alice
	approve_all "$r" bob
	cp "$r/$A/0001_wells.sql.alice@example.com.sig" "$r/$A/0009_gone.sql.alice@example.com.sig"
	printf 'who reviews what\n' >"$r/$A/README.md"
	cp "$r/$A/0001_wells.sql.bob@example.com.sig" "$r/$A/0001_wells.sql.bob@example.com.sig.bak"
	ln -s 0001_wells.sql.alice@example.com.sig "$r/$A/0002_readings.sql.carol@example.com.sig"
	mkdir "$r/$A/0002_readings.sql.dave@example.com.sig"
	cp "$r/$A/0001_wells.sql.alice@example.com.sig" "$r/$A/0002_readings.sql.dave@example.com.sig/x"
	c=$(commit_as "$r" - "stray files in approvals/")
	pverify "$r" two --commit "$c"
	assert_rc 1
	assert_out_contains "$A/0009_gone.sql.alice@example.com.sig: not an approval"
	assert_out_contains "$A/README.md: not an approval"
	assert_out_contains "$A/0001_wells.sql.bob@example.com.sig.bak: not an approval"
	assert_out_contains "$A/0002_readings.sql.carol@example.com.sig: not an approval" # a symlink
	assert_out_contains "$A/0002_readings.sql.dave@example.com.sig: not an approval"  # a folder
	# the good approvals still count
	assert_err_contains "migrations/tenant/0001_wells.sql: approved by alice@example.com, bob@example.com"
	assert_out_not_contains "of 2 approvals"
	t_done
}
t_leaf "an approvals/ file that names no migration file of the commit: finding" approvals_bad_names

approvals_without_policy() {
	local r c
	r=$(new_repo)
	c=$(commit_as "$r" - "no approvals")
	# min_approvals 0 and no signature required: approvals are not looked at
	policy none '{"require_signed_commit": false, "min_approvals": 0}'
	pverify "$r" none --commit "$c"
	assert_rc 0
	assert_err_not_contains "approved by"
	# min_approvals without --trust cannot be checked: a configuration error
	run "$PGFLEET" --repo "$r" verify --commit "$c" --policy "$K/two.json"
	assert_rc 2
	assert_err_contains "--trust"
	t_done
}
t_leaf "min_approvals needs --trust (exit 2); min_approvals 0 requires nothing" approvals_without_policy

# A file name is the committer's text: a newline in it must not start a line
# of its own on stdout (one finding, one line; CI reads these lines).
approvals_name_injection() {
	local r c n
	r=$(new_repo)
	approve_all "$r" alice
	approve_all "$r" bob
	cp "$r/$A/0001_wells.sql.alice@example.com.sig" "$r/$A/README"$'\n'"commit 0000000: signed by boss@example.com"
	c=$(commit_as "$r" - "a file name with a newline")
	pverify "$r" two --commit "$c"
	assert_rc 1
	n=$(printf '%s\n' "$OUT" | wc -l)
	assert_eq "$n" 1 "stdout lines for one finding"
	assert_out_contains "$A/README"
	t_done
}
t_leaf "a newline in an approvals/ file name does not forge a line of output" approvals_name_injection

# <file>.sql.sig: the approver part is missing.
approvals_no_approver() {
	local r c
	r=$(new_repo)
	approve_all "$r" alice
	approve_all "$r" bob
	cp "$r/$A/0002_readings.down.sql.alice@example.com.sig" "$r/$A/0002_readings.down.sql.sig"
	c=$(commit_as "$r" - "an approval without an approver")
	pverify "$r" two --commit "$c"
	assert_rc 1
	assert_out_contains "$A/0002_readings.down.sql.sig: not an approval"
	assert_err_contains "migrations/tenant/0002_readings.down.sql: approved by alice@example.com, bob@example.com"
	t_done
}
t_leaf "an approvals/ file <file>.sql.sig (no approver part): finding, exit 1" approvals_no_approver

# Approvals count distinct principals: one key is one approver, whatever
# names it may use, and two keys of one principal are one approver.
approvals_one_principal() {
	local r c t2
	r=$(new_repo)
	t2=$K/allowed_signers_alias
	{
		grep -v '^alice@' "$T"
		echo "alice@example.com,alice.smith@example.com $(pub alice)"
	} >"$t2"
	approve_all "$r" alice alice@example.com
	approve_all "$r" alice alice.smith@example.com
	c=$(commit_as "$r" - "alice approves twice under her two names")
	run "$PGFLEET" --repo "$r" verify --commit "$c" --policy "$K/two.json" --trust "$t2"
	assert_rc 1
	assert_out_contains "migrations/tenant/0001_wells.sql: 1 of 2 approvals (by alice"
	assert_out_not_contains "alice.smith@example.com, alice@example.com"
	assert_out_not_contains "alice@example.com, alice.smith@example.com"
	# ssh-keygen holds both for good signatures of their names: only the count differs
	run bash -c "'$PGFLEET' --repo '$r' approve migrations/tenant/0001_wells.sql |
		ssh-keygen -Y verify -f '$t2' -I alice.smith@example.com -n pgfleet-approval -s '$r/$A/0001_wells.sql.alice.smith@example.com.sig'"
	assert_rc 0
	approve_all "$r" bob
	c=$(commit_as "$r" - "and bob")
	run "$PGFLEET" --repo "$r" verify --commit "$c" --policy "$K/two.json" --trust "$t2"
	assert_rc 0
	t_done
}
t_leaf "one key approving under two of its principals' names counts once" approvals_one_principal

approvals_one_principal_two_keys() {
	local r c t2
	r=$(new_repo)
	# alice.smith has two keys: her main key (also known as alice) and her laptop's
	t2=$K/allowed_signers_2keys
	{
		grep -v '^alice@' "$T"
		echo "alice@example.com,alice.smith@example.com $(pub alice)"
		echo "alice.smith@example.com $(pub alice_laptop)"
	} >"$t2"
	approve_all "$r" alice alice@example.com
	approve_all "$r" alice_laptop alice.smith@example.com
	c=$(commit_as "$r" - "alice.smith approves with both her keys")
	run "$PGFLEET" --repo "$r" verify --commit "$c" --policy "$K/two.json" --trust "$t2"
	assert_rc 1
	assert_out_contains "migrations/tenant/0001_wells.sql: 1 of 2 approvals"
	t_done
}
t_leaf "one principal (alice.smith) with two keys approving under two names counts once" approvals_one_principal_two_keys

# Garbage where a signature belongs is a finding (exit 1), never a crash or an error exit.
garbage_signatures() {
	local r c bad
	r=$(new_repo)
	approve_all "$r" alice
	approve_all "$r" bob
	printf -- '-----BEGIN SSH SIGNATURE-----\nAAAA\n-----END SSH SIGNATURE-----\n' >"$r/$A/0001_wells.sql.bob@example.com.sig"
	: >"$r/$A/0002_readings.sql.bob@example.com.sig"
	head -c 3000 /dev/urandom | base64 >"$r/$A/0002_readings.down.sql.bob@example.com.sig"
	c=$(commit_as "$r" - "broken approvals")
	pverify "$r" two --commit "$c"
	assert_rc 1
	assert_out_contains "migrations/tenant/0001_wells.sql: 1 of 2 approvals (by alice@example.com); 0001_wells.sql.bob@example.com.sig: "
	assert_out_contains "migrations/tenant/0002_readings.sql: 1 of 2 approvals (by alice@example.com); 0002_readings.sql.bob@example.com.sig: "
	assert_out_contains "migrations/tenant/0002_readings.down.sql: 1 of 2 approvals (by alice@example.com); 0002_readings.down.sql.bob@example.com.sig: "
	# an SSH gpgsig header that is not a signature
	bad=$(craft_header "$r" "$c" "gpgsig -----BEGIN SSH SIGNATURE-----" " U1NIU0lHAAAAAQ==" " -----END SSH SIGNATURE-----")
	pverify "$r" signed --commit "$bad"
	assert_rc 1
	assert_out_contains "commit $bad: signature not accepted"
	gverify "$r" "$bad"
	[[ $RC != 0 ]] || fail "git verify-commit accepted a truncated signature"
	t_done
}
t_leaf "malformed approval files and a malformed commit signature are findings (exit 1)" garbage_signatures

# A signed merge of a signed tag: git adds a mergetag header holding the tag's
# own SSH signature; only the gpgsig header is the commit's signature.
signed_merge_of_signed_tag() {
	local r c
	r=$(new_repo)
	commit_as "$r" alice "base" >/dev/null
	repo_branch "$r" feature
	printf 'create table pumps (id int primary key);\n' >"$r/migrations/tenant/0003_pumps.sql"
	commit_as "$r" bob "pumps" >/dev/null
	git -C "$r" -c gpg.format=ssh -c user.signingkey="$K/bob" tag -s -m "release 3" v3
	repo_checkout "$r" main
	git -C "$r" -c gpg.format=ssh -c user.signingkey="$K/carol" merge -q -S --no-ff -m "merge v3" v3
	c=$(repo_head "$r")
	git -C "$r" cat-file commit "$c" | grep -q '^mergetag object ' || fail "git wrote no mergetag header"
	pverify "$r" signed --commit "$c"
	assert_rc 0
	assert_err_contains "commit $c: signed by carol@example.com ($(fp carol))"
	gverify "$r" "$c"
	assert_rc 0
	assert_err_contains "Good \"git\" signature for carol@example.com"
	t_done
}
t_leaf "a signed merge commit carrying a signed tag (mergetag header): the commit's own signature counts; git agrees" \
	signed_merge_of_signed_tag

# ------------------------------------------------------------- trust root

# 9. A commit that trusts itself gains nothing.
self_trust() {
	local r c
	r=$(new_repo)
	mkdir -p "$r/policies"
	{
		echo "mallory@example.com $(pub mallory)"
	} >"$r/policies/allowed_signers"
	printf '{"require_signed_commit": true, "min_approvals": 1}\n' >"$r/policies/policy.json"
	approve_all "$r" mallory
	c=$(commit_as "$r" mallory "I trust myself")
	# the operator's trust root: neither the signature nor the approvals count
	run "$PGFLEET" --repo "$r" verify --commit "$c" --policy "$K/signed.json" --trust "$T"
	assert_rc 1
	assert_out_contains "commit $c: signature not accepted"
	policy sig1 '{"require_signed_commit": true, "min_approvals": 1}'
	run "$PGFLEET" --repo "$r" verify --pinned --commit "$c" --policy "$K/sig1.json" --trust "$T"
	assert_rc 1
	assert_out_contains "commit $c: signature not accepted"
	assert_out_contains "migrations/tenant/0001_wells.sql: 0 of 1 approvals"
	assert_err_not_contains "signed by"
	gverify "$r" "$c"
	[[ $RC != 0 ]] || fail "git verify-commit accepted mallory against the operator's trust root"
	# the control: pointed at the commit's own file, the same commit would pass,
	# so the refusal above comes from where the trust root is read
	run "$PGFLEET" --repo "$r" verify --pinned --commit "$c" --policy "$r/policies/policy.json" \
		--trust "$r/policies/allowed_signers"
	assert_rc 0
	assert_err_contains "signed by mallory@example.com"
	# a trusted signer's commit that adds mallory to the repo's file changes nothing either
	printf 'create table pumps (id int primary key);\n' >"$r/migrations/tenant/0003_pumps.sql"
	approve "$r" migrations/tenant/0003_pumps.sql mallory
	c=$(commit_as "$r" alice "alice merges mallory's migration")
	run "$PGFLEET" --repo "$r" verify --commit "$c" --policy "$K/sig1.json" --trust "$T"
	assert_rc 1
	assert_err_contains "commit $c: signed by alice@example.com"
	assert_out_contains "migrations/tenant/0003_pumps.sql: 0 of 1 approvals"
	t_done
}
t_leaf "a commit adding its own key to the repo's policies/allowed_signers gains nothing against the operator's --trust" self_trust

# ------------------------------------------------------- reconcile --pinned

# 10. Pipeline mode verifies before touching any database.
fleet_init sigs
fleet_new sg
R=$FLEET_REPO
fleet_commit "master's tenants table" >/dev/null
fleet_master_up
fleet_tenant acme
TDB=$FLEET_DB
policy pin '{"require_signed_commit": true, "min_approvals": 1}'
repo_write "$R" migrations/tenant/0001_wells.sql $'CREATE TABLE wells (id bigint PRIMARY KEY, name text NOT NULL);\n'

# master_state: applied rows and history rows of master, to prove nothing changed
master_state() {
	echo "$(applied "$FLEET_MASTER_DB" master)|$(history_count "$FLEET_MASTER_DB")"
}
schema_absent() { # DB: asserts no schema pgfleet and no wells table
	assert_eq "$(sqlv "$1" "select count(*) from pg_namespace where nspname = 'pgfleet'")" 0 "schema pgfleet in $1"
	assert_eq "$(has_table "$1" wells)" f "table wells in $1"
}

t_begin "reconcile --pinned without --policy or --trust: exit 2, nothing touched"
C1=$(commit_as "$R" - "tenant 0001, unsigned")
before=$(master_state)
pgf reconcile --pinned --commit "$C1"
assert_rc 2
assert_err_contains "--pinned needs --policy and --trust"
pgf reconcile --pinned --commit "$C1" --policy "$K/pin.json"
assert_rc 2
schema_absent "$TDB"
assert_eq "$(master_state)" "$before" "master changed"
t_done

t_begin "reconcile --pinned of an unsigned commit: exit 1, no database touched"
pgf reconcile --pinned --commit "$C1" --policy "$K/pin.json" --trust "$T"
assert_rc 1
assert_out_contains "commit $C1: not signed"
assert_err_contains "no database was touched"
schema_absent "$TDB"
assert_eq "$(master_state)" "$before" "master changed"
t_done

t_begin "reconcile --pinned of a signed commit lacking approvals: exit 1, no database touched"
C2=$(commit_as "$R" alice "signed, not approved")
pgf reconcile --pinned --commit "$C2" --policy "$K/pin.json" --trust "$T"
assert_rc 1
assert_out_contains "migrations/tenant/0001_wells.sql: 0 of 1 approvals"
assert_err_contains "commit $C2: signed by alice@example.com"
schema_absent "$TDB"
assert_eq "$(master_state)" "$before" "master changed"
t_done

t_begin "reconcile --pinned of a signed commit approved by an untrusted key: exit 1, no database touched"
for f in migrations/master/0001_create_tenants.sql migrations/master/0001_create_tenants.down.sql \
	migrations/tenant/0001_wells.sql; do
	approve "$R" "$f" mallory
done
C3=$(commit_as "$R" alice "approved by mallory")
pgf reconcile --pinned --commit "$C3" --policy "$K/pin.json" --trust "$T"
assert_rc 1
assert_out_contains "migrations/tenant/0001_wells.sql: 0 of 1 approvals"
schema_absent "$TDB"
assert_eq "$(master_state)" "$before" "master changed"
t_done

t_begin "reconcile --pinned of a signed and approved commit applies it (exit 0)"
for f in migrations/master/0001_create_tenants.sql migrations/master/0001_create_tenants.down.sql \
	migrations/tenant/0001_wells.sql; do
	approve "$R" "$f" bob
done
C4=$(commit_as "$R" carol "approved by bob, signed by carol")
gverify "$R" "$C4"
assert_rc 0
pgf reconcile --pinned --commit "$C4" --policy "$K/pin.json" --trust "$T"
assert_rc 0
assert_err_contains "commit $C4: signed by carol@example.com"
assert_err_contains "migrations/tenant/0001_wells.sql: approved by bob@example.com"
assert_eq "$(applied "$TDB")" "0001:applied" "tenant's applied versions"
assert_eq "$(has_table "$TDB" wells)" t "table wells in the tenant"
assert_eq "$(sqlv "$TDB" "select commit from pgfleet.applied_migrations where version = '0001'")" "$C4" "recorded commit"
t_done

t_begin "rollback --pinned verifies too: an unsigned commit is refused untouched, a signed and approved one rolls back"
repo_write "$R" migrations/tenant/0002_pumps.sql $'CREATE TABLE pumps (id bigint PRIMARY KEY);\n'
repo_write "$R" migrations/tenant/0002_pumps.down.sql $'DROP TABLE pumps;\n'
for f in migrations/tenant/0002_pumps.sql migrations/tenant/0002_pumps.down.sql; do
	approve "$R" "$f" bob
done
C5=$(commit_as "$R" alice "tenant 0002, signed and approved")
pgf reconcile --pinned --commit "$C5" --policy "$K/pin.json" --trust "$T"
assert_rc 0
assert_eq "$(applied "$TDB")" "0001:applied 0002:applied" "tenant's applied versions"
C6=$(commit_as "$R" - "an unsigned commit on top")
h=$(history_count "$TDB")
pgf rollback --pinned --commit "$C6" --policy "$K/pin.json" --trust "$T" --scope tenant --to 0001
assert_rc 1
assert_out_contains "commit $C6: not signed"
assert_eq "$(has_table "$TDB" pumps)" t "table pumps after a refused rollback"
assert_eq "$(history_count "$TDB")" "$h" "tenant's history after a refused rollback"
pgf rollback --pinned --commit "$C5" --policy "$K/pin.json" --trust "$T" --scope tenant --to 0001
assert_rc 0
assert_eq "$(has_table "$TDB" pumps)" f "table pumps after the rollback"
assert_eq "$(applied "$TDB")" "0001:applied" "tenant's applied versions after the rollback"
t_done

t_leaf_finish
