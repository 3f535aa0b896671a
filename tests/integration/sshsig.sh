#!/usr/bin/env bash
# Integration: pgfleet's native SSHSIG code (src/sig) against the real
# ssh-keygen and openssl. Keys are made here with ssh-keygen / openssl genpkey
# and thrown away at exit. Every verdict pgfleet gives on a signature is
# compared with ssh-keygen's own verdict on the same files.
#
# Needs: ssh-keygen (OpenSSH >= 8.9), openssl, python3 (to craft malformed
# blobs), and the test tool build/tests/unit/pgfleet-sshsig-tool
# (PGFLEET_SSHSIG_TOOL, else found next to $PGFLEET).
set -euo pipefail
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/assert.sh"
. "$here/../lib/gitrepo.sh"
PGFLEET=${PGFLEET:?PGFLEET must point at the pgfleet binary}
SRCROOT=${SRCROOT:-$here/../..}
TOOL=${PGFLEET_SSHSIG_TOOL:-$(dirname -- "$PGFLEET")/tests/unit/pgfleet-sshsig-tool}

t_begin "the test tool and the real tools are present"
[[ -x $TOOL ]] || fail "no test tool at $TOOL (build it: ninja -C build)"
for p in ssh-keygen openssl python3; do
	command -v "$p" >/dev/null || fail "$p is not installed"
done
t_done

d=$(tmpdir_new)
msg=$d/msg
printf 'scope=tenant\nfile=0001_create_wells.sql\nsha256=%064d\n' 0 >"$msg"
printf 'scope=tenant\nfile=0001_create_wells.sql\nsha256=%064d\n' 1 >"$d/tampered"

# keygen NAME TYPE [BITS]: an unencrypted key pair $d/NAME, $d/NAME.pub
keygen() {
	ssh-keygen -q -t "$2" ${3:+-b "$3"} -N '' -C "$1@example.com" -f "$d/$1"
}
# sshsign KEY NS FILE OUT: ssh-keygen -Y sign -n NS -f KEY FILE, signature moved to OUT
sshsign() {
	rm -f "$3.sig"
	ssh-keygen -Y sign -n "$2" -f "$1" "$3" 2>/dev/null
	mv "$3.sig" "$4"
}
# sshverify ALLOWED PRINCIPAL NS SIG MSG: ssh-keygen -Y verify; sets RC/OUT/ERR
sshverify() {
	run ssh-keygen -Y verify -f "$1" -I "$2" -n "$3" -s "$4" <"$5"
}
# One error line (plus optional "hint: " lines) on stderr.
assert_one_error() {
	local n
	n=$(printf '%s\n' "$ERR" | grep -vc '^hint: ' || true)
	[[ $n == 1 ]] || fail "expected one error line on stderr, got $n"
}
# fp_of PUBFILE: the fingerprint as ssh-keygen -l prints it
fp_of() { ssh-keygen -l -f "$1" | awk '{print $2}'; }

# Blob surgery on armored signatures, in Python: see the usage lines below.
cat >"$d/blob.py" <<'EOF'
import base64, struct, subprocess, sys

def dearmor(path):
    lines = open(path).read().strip().split("\n")
    assert lines[0] == "-----BEGIN SSH SIGNATURE-----" and lines[-1] == "-----END SSH SIGNATURE-----"
    return base64.b64decode("".join(lines[1:-1]))

def armor(blob):
    b = base64.b64encode(blob).decode()
    body = "\n".join(b[i:i + 70] for i in range(0, len(b), 70))
    return "-----BEGIN SSH SIGNATURE-----\n" + body + "\n-----END SSH SIGNATURE-----\n"

def string(b):
    return struct.pack(">I", len(b)) + b

def fields(blob):
    assert blob[:6] == b"SSHSIG"
    version, = struct.unpack(">I", blob[6:10])
    p, out = 10, []
    for _ in range(5):
        n, = struct.unpack(">I", blob[p:p + 4])
        out.append(blob[p + 4:p + 4 + n])
        p += 4 + n
    return version, out, blob[p:]

def build(version, f, trailing=b""):
    return b"SSHSIG" + struct.pack(">I", version) + b"".join(string(x) for x in f) + trailing

def signed_data(ns, hashalg, msg):
    import hashlib
    h = hashlib.new(hashalg, msg).digest()
    return b"SSHSIG" + string(ns) + string(b"") + string(hashalg.encode()) + string(h)

def rsa_sign(keypem, md, data):
    return subprocess.run(["openssl", "dgst", "-" + md, "-sign", keypem], input=data,
                          stdout=subprocess.PIPE, check=True).stdout

op, src = sys.argv[1], sys.argv[2]
if op == "rsa":
    # rsa KEYPEM PUBFILE NS HASHALG SIGTYPE MSG: an SSHSIG made with openssl
    pub, ns, hashalg, sigtype, msgfile = sys.argv[3:8]
    key = base64.b64decode(open(pub).read().split()[1])
    md = {"ssh-rsa": "sha1", "rsa-sha2-256": "sha256", "rsa-sha2-512": "sha512"}[sigtype]
    sig = rsa_sign(src, md, signed_data(ns.encode(), hashalg, open(msgfile, "rb").read()))
    sys.stdout.write(armor(build(1, [key, ns.encode(), b"", hashalg.encode(),
                                     string(sigtype.encode()) + string(sig)])))
    sys.exit(0)
if op == "rsa-short":
    # rsa-short KEYPEM PUBFILE NS MSGOUT: a message whose rsa-sha2-512 signature
    # starts with a zero byte, and that signature without it
    pub, ns, msgout = sys.argv[3:6]
    key = base64.b64decode(open(pub).read().split()[1])
    for i in range(5000):
        m = b"ledger entry %d\n" % i
        sig = rsa_sign(src, "sha512", signed_data(ns.encode(), "sha512", m))
        if sig[0] == 0:
            open(msgout, "wb").write(m)
            sys.stdout.write(armor(build(1, [key, ns.encode(), b"", b"sha512",
                                             string(b"rsa-sha2-512") + string(sig[1:])])))
            sys.exit(0)
    sys.exit("no signature with a leading zero byte in 5000 tries")

version, f, trailing = fields(dearmor(src))
if op == "flip":          # flip one bit of the last byte of the signature
    f[4] = f[4][:-1] + bytes([f[4][-1] ^ 1])
elif op == "swap-key":    # the public key of another signature
    f[0] = fields(dearmor(sys.argv[3]))[1][0]
elif op == "reserved":
    f[2] = sys.argv[3].encode()
elif op == "trailing":
    trailing += b"\0"
elif op == "version":
    version = int(sys.argv[3])
elif op == "hashalg":
    f[3] = sys.argv[3].encode()
elif op == "huge-namespace":  # a length field far beyond the blob
    blob = build(version, f)
    p = 10 + 4 + len(f[0])
    blob = blob[:p] + b"\xff\xff\xff\xf0" + blob[p + 4:]
    sys.stdout.write(armor(blob))
    sys.exit(0)
else:
    sys.exit("unknown op " + op)
sys.stdout.write(armor(build(version, f, trailing)))
EOF
blob() { python3 "$d/blob.py" "$@"; }

keygen alice ed25519
keygen bob ecdsa 256
keygen carol rsa 3072
keygen dave ecdsa 384
keygen erin ecdsa 521
{
	echo "# test trust root"
	for who in alice bob carol dave erin; do
		echo "$who@example.com $(cut -d' ' -f1,2 "$d/$who.pub")"
	done
} >"$d/allowed"

for who in alice bob carol dave erin; do
	t_begin "$who's $(cut -d' ' -f1 "$d/$who.pub") signature: verifies, fingerprint as ssh-keygen -l, tampering refused"
	sshsign "$d/$who" pgfleet-approval "$msg" "$d/$who.sig"
	run "$TOOL" verify "$d/$who.sig" "$msg" pgfleet-approval
	assert_rc 0
	assert_out_contains "good $(cut -d' ' -f1 "$d/$who.pub") $(fp_of "$d/$who.pub")"
	run "$TOOL" fingerprint "$d/$who.sig"
	assert_rc 0
	assert_eq "$OUT" "$(fp_of "$d/$who.pub")" "fingerprint"
	run "$TOOL" find "$d/allowed" "$d/$who.sig" pgfleet-approval "$who@example.com"
	assert_rc 0
	assert_eq "$OUT" "$who@example.com"
	sshverify "$d/allowed" "$who@example.com" pgfleet-approval "$d/$who.sig" "$msg"
	assert_rc 0
	# tampered message
	run "$TOOL" verify "$d/$who.sig" "$d/tampered" pgfleet-approval
	assert_rc 1
	assert_err_contains "signature does not match the message"
	assert_one_error
	sshverify "$d/allowed" "$who@example.com" pgfleet-approval "$d/$who.sig" "$d/tampered"
	assert_rc 255
	# wrong namespace
	run "$TOOL" verify "$d/$who.sig" "$msg" git
	assert_rc 1
	assert_err_contains 'namespace is "pgfleet-approval", expected "git"'
	assert_one_error
	sshverify "$d/allowed" "$who@example.com" git "$d/$who.sig" "$msg"
	assert_rc 255
	# forged: one bit of the signature flipped
	blob flip "$d/$who.sig" >"$d/$who.forged.sig"
	run "$TOOL" verify "$d/$who.forged.sig" "$msg" pgfleet-approval
	assert_rc 1
	assert_err_contains "signature does not match the message"
	assert_one_error
	sshverify "$d/allowed" "$who@example.com" pgfleet-approval "$d/$who.forged.sig" "$msg"
	assert_rc 255
	t_done
done

t_begin "a signature whose public key was replaced by another signer's is refused"
blob swap-key "$d/alice.sig" "$d/bob.sig" >"$d/swapped.sig"
run "$TOOL" verify "$d/swapped.sig" "$msg" pgfleet-approval
assert_rc 1
assert_err_contains "ssh-ed25519 signature from an ecdsa-sha2-nistp256 key"
assert_one_error
keygen alice2 ed25519
sshsign "$d/alice2" pgfleet-approval "$msg" "$d/alice2.sig"
blob swap-key "$d/alice.sig" "$d/alice2.sig" >"$d/swapped.sig"
run "$TOOL" verify "$d/swapped.sig" "$msg" pgfleet-approval
assert_rc 1
assert_err_contains "signature does not match the message (ssh-ed25519 key $(fp_of "$d/alice2.pub"))"
sshverify "$d/allowed" "alice@example.com" pgfleet-approval "$d/swapped.sig" "$msg"
assert_rc 255
t_done

t_begin "a signature by a key that is not in allowed_signers: verifies, but no signer is found"
run "$TOOL" verify "$d/alice2.sig" "$msg" pgfleet-approval
assert_rc 0
run "$TOOL" find "$d/allowed" "$d/alice2.sig" pgfleet-approval alice@example.com
assert_rc 1
assert_err_contains "key $(fp_of "$d/alice2.pub") (ssh-ed25519) is not in $d/allowed"
assert_one_error
run "$TOOL" find "$d/allowed" "$d/alice2.sig" pgfleet-approval
assert_rc 1
assert_err_contains "is not in"
sshverify "$d/allowed" "alice@example.com" pgfleet-approval "$d/alice2.sig" "$msg"
assert_rc 255
# alice's key, claimed for bob
run "$TOOL" find "$d/allowed" "$d/alice.sig" pgfleet-approval bob@example.com
assert_rc 1
assert_err_contains "is not trusted for principal \"bob@example.com\""
sshverify "$d/allowed" "bob@example.com" pgfleet-approval "$d/alice.sig" "$msg"
assert_rc 255
t_done

t_begin "damaged armor: truncated, missing header, garbage base64, trailing text"
head -n -1 "$d/alice.sig" >"$d/bad.sig"
run "$TOOL" verify "$d/bad.sig" "$msg" pgfleet-approval
assert_rc 1
assert_err_contains 'truncated armor: no "-----END SSH SIGNATURE-----" line'
assert_one_error
sed '3d' "$d/alice.sig" >"$d/bad.sig" # a whole base64 line gone
run "$TOOL" verify "$d/bad.sig" "$msg" pgfleet-approval
assert_rc 1
assert_err_contains "ssh signature:"
assert_one_error
tail -n +2 "$d/alice.sig" >"$d/bad.sig"
run "$TOOL" verify "$d/bad.sig" "$msg" pgfleet-approval
assert_rc 1
assert_err_contains 'does not start with "-----BEGIN SSH SIGNATURE-----"'
sed '2s/^\(.\{9\}\)./\1!/' "$d/alice.sig" >"$d/bad.sig"
run "$TOOL" verify "$d/bad.sig" "$msg" pgfleet-approval
assert_rc 1
assert_err_contains "invalid base64 character at line 2, column 10"
assert_one_error
sshverify "$d/allowed" "alice@example.com" pgfleet-approval "$d/bad.sig" "$msg"
assert_rc 255
sed '2s/^\(.\{20\}\)./\1=/' "$d/alice.sig" >"$d/bad.sig"
run "$TOOL" verify "$d/bad.sig" "$msg" pgfleet-approval
assert_rc 1
assert_err_contains "padding"
{ cat "$d/alice.sig"; echo "trailing words"; } >"$d/bad.sig"
run "$TOOL" verify "$d/bad.sig" "$msg" pgfleet-approval
assert_rc 1
assert_err_contains 'unexpected text after "-----END SSH SIGNATURE-----"'
: >"$d/bad.sig"
run "$TOOL" verify "$d/bad.sig" "$msg" pgfleet-approval
assert_rc 1
assert_one_error
# CRLF line endings are accepted
sed 's/$/\r/' "$d/alice.sig" >"$d/crlf.sig"
run "$TOOL" verify "$d/crlf.sig" "$msg" pgfleet-approval
assert_rc 0
t_done

t_begin "malformed blobs: trailing bytes, version 2, unknown hash, huge length field"
blob trailing "$d/alice.sig" >"$d/bad.sig"
run "$TOOL" verify "$d/bad.sig" "$msg" pgfleet-approval
assert_rc 1
assert_err_contains "1 unexpected bytes after the signature"
sshverify "$d/allowed" "alice@example.com" pgfleet-approval "$d/bad.sig" "$msg"
assert_rc 255
blob version "$d/alice.sig" 2 >"$d/bad.sig"
run "$TOOL" verify "$d/bad.sig" "$msg" pgfleet-approval
assert_rc 1
assert_err_contains "unsupported version 2"
blob hashalg "$d/alice.sig" sha1 >"$d/bad.sig"
run "$TOOL" verify "$d/bad.sig" "$msg" pgfleet-approval
assert_rc 1
assert_err_contains 'unsupported hash algorithm "sha1"'
blob huge-namespace "$d/alice.sig" >"$d/bad.sig"
run "$TOOL" verify "$d/bad.sig" "$msg" pgfleet-approval
assert_rc 1
assert_err_contains 'field "namespace" is 4294967280 bytes, over the limit of 256'
assert_one_error
t_done

t_begin "a non-empty reserved field is ignored, as by ssh-keygen"
blob reserved "$d/alice.sig" "future-tag" >"$d/reserved.sig"
run "$TOOL" verify "$d/reserved.sig" "$msg" pgfleet-approval
assert_rc 0
sshverify "$d/allowed" "alice@example.com" pgfleet-approval "$d/reserved.sig" "$msg"
assert_rc 0
t_done

t_begin "an OpenSSH certificate's signature is refused as not supported"
ssh-keygen -q -t ed25519 -N '' -C ca -f "$d/ca"
keygen frank ed25519
ssh-keygen -q -s "$d/ca" -I frank -n frank@example.com "$d/frank.pub"
ssh-keygen -Y sign -n pgfleet-approval -f "$d/frank-cert.pub" <"$msg" >"$d/cert.sig" 2>/dev/null
run "$TOOL" verify "$d/cert.sig" "$msg" pgfleet-approval
assert_rc 1
assert_err_contains "OpenSSH certificates (ssh-ed25519-cert-v01@openssh.com) are not supported"
t_done

t_begin "rsa: rsa-sha2-256 accepted, ssh-rsa (SHA-1) refused, a short signature left-padded"
ssh-keygen -q -t rsa -b 2048 -m PEM -N '' -C grace -f "$d/grace"
echo "grace@example.com $(cut -d' ' -f1,2 "$d/grace.pub")" >"$d/allowed.rsa"
blob rsa "$d/grace" "$d/grace.pub" pgfleet-approval sha256 rsa-sha2-256 "$msg" >"$d/rsa256.sig"
run "$TOOL" verify "$d/rsa256.sig" "$msg" pgfleet-approval
assert_rc 0
sshverify "$d/allowed.rsa" grace@example.com pgfleet-approval "$d/rsa256.sig" "$msg"
assert_rc 0
blob rsa "$d/grace" "$d/grace.pub" pgfleet-approval sha512 ssh-rsa "$msg" >"$d/rsa1.sig"
run "$TOOL" verify "$d/rsa1.sig" "$msg" pgfleet-approval
assert_rc 1
assert_err_contains "ssh-rsa (SHA-1) signatures are not accepted"
assert_one_error
sshverify "$d/allowed.rsa" grace@example.com pgfleet-approval "$d/rsa1.sig" "$msg"
assert_rc 255
blob rsa-short "$d/grace" "$d/grace.pub" pgfleet-ledger "$d/short.msg" >"$d/short.sig"
run "$TOOL" verify "$d/short.sig" "$d/short.msg" pgfleet-ledger
assert_rc 0
sshverify "$d/allowed.rsa" grace@example.com pgfleet-ledger "$d/short.sig" "$d/short.msg"
assert_rc 0
t_done

t_begin "pgfleet signs with an ssh-keygen ed25519 key: identical to ssh-keygen -Y sign, accepted by it"
chmod 600 "$d/alice"
run "$TOOL" sign "$d/alice" "$msg" pgfleet-ledger
assert_rc 0
printf '%s\n' "$OUT" >"$d/pg.sig"
ssh-keygen -Y sign -n pgfleet-ledger -f "$d/alice" <"$msg" >"$d/ssh.sig" 2>/dev/null
cmp -s "$d/pg.sig" "$d/ssh.sig" || fail "pgfleet's signature differs from ssh-keygen's"
awk 'NR > 1 && !/^-----END/ && length($0) > 70 { bad = 1 } END { exit bad }' "$d/pg.sig" || fail "line over 70 columns"
sshverify "$d/allowed" alice@example.com pgfleet-ledger "$d/pg.sig" "$msg"
assert_rc 0
assert_out_contains 'Good "pgfleet-ledger" signature for alice@example.com'
run "$TOOL" key-fingerprint "$d/alice"
assert_eq "$OUT" "$(fp_of "$d/alice.pub")" "key fingerprint"
run "$TOOL" public "$d/alice"
assert_eq "$OUT" "$(cut -d' ' -f1,2 "$d/alice.pub")" "public line"
# an empty message and a large one
: >"$d/empty"
run "$TOOL" sign "$d/alice" "$d/empty" pgfleet-ledger
printf '%s\n' "$OUT" >"$d/empty.sig"
sshverify "$d/allowed" alice@example.com pgfleet-ledger "$d/empty.sig" "$d/empty"
assert_rc 0
head -c 3000000 /dev/urandom >"$d/large"
run "$TOOL" sign "$d/alice" "$d/large" pgfleet-ledger
printf '%s\n' "$OUT" >"$d/large.sig"
sshverify "$d/allowed" alice@example.com pgfleet-ledger "$d/large.sig" "$d/large"
assert_rc 0
run "$TOOL" verify "$d/large.sig" "$d/large" pgfleet-ledger
assert_rc 0
t_done

t_begin "pgfleet signs with a PKCS#8 key from openssl genpkey; ssh-keygen verifies it"
openssl genpkey -algorithm ed25519 -out "$d/ledger.pem" 2>/dev/null
chmod 600 "$d/ledger.pem"
run "$TOOL" public "$d/ledger.pem"
assert_rc 0
assert_out_contains "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI"
echo "reconciler@example.com namespaces=\"pgfleet-ledger\" $OUT reconciler" >"$d/allowed.ledger"
echo "reconciler@example.com $OUT" >"$d/ledger.pub"
run "$TOOL" sign "$d/ledger.pem" "$msg" pgfleet-ledger
assert_rc 0
printf '%s\n' "$OUT" >"$d/ledger.sig"
sshverify "$d/allowed.ledger" reconciler@example.com pgfleet-ledger "$d/ledger.sig" "$msg"
assert_rc 0
run "$TOOL" find "$d/allowed.ledger" "$d/ledger.sig" pgfleet-ledger
assert_rc 0
assert_eq "$OUT" "reconciler@example.com"
run "$TOOL" key-fingerprint "$d/ledger.pem"
assert_eq "$OUT" "$(ssh-keygen -l -f <(cut -d' ' -f2,3 "$d/ledger.pub") | awk '{print $2}')" "pkcs8 fingerprint"
t_done

t_begin "private key files: too-open modes, encrypted, wrong type, public key refused"
for mode in 644 640 604 660 601 610; do
	chmod "$mode" "$d/alice"
	run "$TOOL" sign "$d/alice" "$msg" pgfleet-ledger
	assert_rc 1
	assert_err_contains "permissions 0$mode are too open"
	assert_err_contains "hint: chmod 600 $d/alice"
done
chmod 400 "$d/alice"
run "$TOOL" sign "$d/alice" "$msg" pgfleet-ledger
assert_rc 0
ssh-keygen -q -t ed25519 -N 'secret words' -f "$d/locked"
run "$TOOL" sign "$d/locked" "$msg" pgfleet-ledger
assert_rc 1
assert_err_contains "the private key is encrypted (aes256-ctr)"
assert_err_contains "ssh-agent is not supported for the ledger"
openssl genpkey -algorithm ed25519 -aes256 -pass pass:secret -out "$d/locked.pem" 2>/dev/null
chmod 600 "$d/locked.pem"
run "$TOOL" sign "$d/locked.pem" "$msg" pgfleet-ledger
assert_rc 1
assert_err_contains "the private key is encrypted (PKCS#8)"
chmod 600 "$d/bob"
run "$TOOL" sign "$d/bob" "$msg" pgfleet-ledger
assert_rc 1
assert_err_contains "ecdsa-sha2-nistp256 key: only ed25519 keys can sign"
openssl genpkey -algorithm ec -pkeyopt ec_paramgen_curve:P-256 -out "$d/ec.pem" 2>/dev/null
chmod 600 "$d/ec.pem"
run "$TOOL" sign "$d/ec.pem" "$msg" pgfleet-ledger
assert_rc 1
assert_err_contains "only ed25519 keys can sign"
chmod 600 "$d/alice.pub"
run "$TOOL" sign "$d/alice.pub" "$msg" pgfleet-ledger
assert_rc 1
assert_err_contains "is a public key"
run "$TOOL" sign "$d/no-such-key" "$msg" pgfleet-ledger
assert_rc 1
assert_err_contains "No such file or directory"
t_done

# ---- allowed_signers ----

akey=$(cut -d' ' -f1,2 "$d/alice.pub")
sshsign "$d/alice" git "$msg" "$d/alice.git.sig"
sshsign "$d/alice" file "$msg" "$d/alice.file.sig"

# agree WANT PRINCIPAL NS SIG LINE...: the allowed_signers LINEs give the same
# verdict (0 accepted, 1 refused) in pgfleet and in ssh-keygen -Y verify
agree() {
	local want=$1 principal=$2 ns=$3 sig=$4
	shift 4
	printf '%s\n' "$@" >"$d/as"
	sshverify "$d/as" "$principal" "$ns" "$sig" "$msg"
	local ssh_rc=$RC
	run "$TOOL" find "$d/as" "$sig" "$ns" "$principal"
	if [[ $want == 0 ]]; then
		[[ $RC == 0 && $ssh_rc == 0 ]] || fail "expected acceptance: pgfleet $RC, ssh-keygen $ssh_rc"
		assert_eq "$OUT" "$principal"
	else
		[[ $RC == 1 && $ssh_rc != 0 ]] || fail "expected refusal: pgfleet $RC, ssh-keygen $ssh_rc"
		assert_one_error
	fi
}

t_begin "allowed_signers: principal wildcards, '?', negation, quoted principals"
agree 0 alice@example.com git "$d/alice.git.sig" "*@example.com $akey"
agree 0 alice@example.com git "$d/alice.git.sig" "al?ce@example.com $akey"
agree 1 alice@example.com git "$d/alice.git.sig" "a?ice@example.org $akey"
agree 0 alice@example.com git "$d/alice.git.sig" "bob@example.com,alice@example.com $akey"
agree 1 alice@example.com git "$d/alice.git.sig" "*@example.com,!alice@example.com $akey"
assert_err_contains "not trusted for principal"
agree 0 alice@example.com git "$d/alice.git.sig" "*@example.com,!mallory@example.com $akey"
agree 0 alice@example.com git "$d/alice.git.sig" "\"alice@example.com\" $akey"
agree 0 alice@example.com git "$d/alice.git.sig" "   # comment" "" "alice@example.com $akey alice's laptop"
# the first matching line wins, later lines are looked at when earlier ones refuse
agree 0 alice@example.com git "$d/alice.git.sig" "alice@example.com namespaces=\"file\" $akey" \
	"alice@example.com namespaces=\"git\" $akey"
t_done

t_begin "allowed_signers: without a principal, the first matching line's first non-negated principal"
printf '%s\n' "bob@example.com $(cut -d' ' -f1,2 "$d/bob.pub")" \
	"!nobody@example.com,*@example.com,alice@example.com $akey" >"$d/as"
run "$TOOL" find "$d/as" "$d/alice.git.sig" git
assert_rc 0
assert_eq "$OUT" "*@example.com"
t_done

t_begin "allowed_signers: namespaces"
agree 0 alice@example.com git "$d/alice.git.sig" "alice@example.com namespaces=\"git,pgfleet-approval\" $akey"
agree 0 alice@example.com git "$d/alice.git.sig" "alice@example.com NAMESPACES=\"g?t\" $akey"
agree 1 alice@example.com file "$d/alice.file.sig" "alice@example.com namespaces=\"git,pgfleet-*\" $akey"
assert_err_contains "$d/as:1: key $(fp_of "$d/alice.pub") of alice@example.com may not sign namespace \"file\""
agree 1 alice@example.com git "$d/alice.git.sig" "alice@example.com namespaces=\"*,!git\" $akey"
# the signature's own namespace must be the one asked for
run "$TOOL" find "$d/allowed" "$d/alice.git.sig" file alice@example.com
assert_rc 1
assert_err_contains 'namespace is "git", expected "file"'
t_done

t_begin "allowed_signers: valid-after and valid-before"
agree 0 alice@example.com git "$d/alice.git.sig" "alice@example.com valid-after=\"20200101\",valid-before=\"20990101Z\" $akey"
agree 1 alice@example.com git "$d/alice.git.sig" "alice@example.com valid-before=\"20200101\" $akey"
assert_err_contains "has expired at"
agree 1 alice@example.com git "$d/alice.git.sig" "alice@example.com valid-after=\"20990101120000Z\" $akey"
assert_err_contains "is not valid yet at"
assert_err_contains "(valid-after 2099-01-01T12:00:00Z)"
# at a given time (as git passes the commit time)
printf '%s\n' "alice@example.com valid-after=\"20240101Z\",valid-before=\"202501011200Z\" $akey" >"$d/as"
run "$TOOL" find --at 1704067199 "$d/as" "$d/alice.git.sig" git alice@example.com # 2023-12-31T23:59:59Z
assert_rc 1
run "$TOOL" find --at 1704067200 "$d/as" "$d/alice.git.sig" git alice@example.com # 2024-01-01T00:00:00Z
assert_rc 0
run "$TOOL" find --at 1735732800 "$d/as" "$d/alice.git.sig" git alice@example.com # 2025-01-01T12:00:00Z
assert_rc 0
run "$TOOL" find --at 1735732801 "$d/as" "$d/alice.git.sig" git alice@example.com
assert_rc 1
t_done

# bad_line EXPECTED-ERROR LINE: pgfleet refuses the file naming file:line; so does ssh-keygen
bad_line() {
	printf '%s\n' "# header" "$2" >"$d/as"
	run "$TOOL" check-allowed "$d/as"
	assert_rc 1
	assert_err_contains "$d/as:2: $1"
	assert_one_error
	sshverify "$d/as" alice@example.com git "$d/alice.git.sig" "$msg"
	[[ $RC != 0 ]] || fail "ssh-keygen accepted the line"
}

t_begin "allowed_signers: cert-authority and bad lines are errors naming file:line"
bad_line "cert-authority is not supported" "alice@example.com cert-authority $akey"
run "$TOOL" check-allowed "$d/as"
assert_err_contains "hint: list each signer's own public key"
bad_line "cert-authority is not supported" "alice@example.com namespaces=\"git\",CERT-AUTHORITY $akey"
bad_line 'the value of namespaces must be quoted, like namespaces="..."' "alice@example.com namespaces=git $akey"
bad_line 'unknown option "no-touch-required"' "alice@example.com no-touch-required $akey"
bad_line "namespaces appears twice" "alice@example.com namespaces=\"git\",namespaces=\"git\" $akey"
bad_line 'valid-after="2020010" is not a time' "alice@example.com valid-after=\"2020010\" $akey"
bad_line 'valid-after="20201301" is not a time' "alice@example.com valid-after=\"20201301\" $akey"
bad_line "valid-before is not after valid-after" "alice@example.com valid-after=\"20250101\",valid-before=\"20240101\" $akey"
bad_line "missing key" "alice@example.com"
bad_line "missing base64 key after ssh-ed25519" "alice@example.com ssh-ed25519"
bad_line "the ssh-ed25519 key: invalid base64 character at character 5" "alice@example.com ssh-ed25519 AAAA*AAA"
bad_line "the key is ecdsa-sha2-nistp256, not ssh-ed25519" \
	"alice@example.com ssh-ed25519 $(cut -d' ' -f2 "$d/bob.pub")"
bad_line "certificates (ssh-ed25519-cert-v01@openssh.com) are not supported" \
	"frank@example.com $(cut -d' ' -f1,2 "$d/frank-cert.pub")"
# several bad lines: each is reported
printf '%s\n' "a@example.com bogus=\"1\" $akey" "a@example.com $akey" "a@example.com cert-authority $akey" >"$d/as"
run "$TOOL" check-allowed "$d/as"
assert_rc 1
assert_err_contains "$d/as:1: unknown option"
assert_err_contains "$d/as:3: cert-authority"
t_done

t_begin "allowed_signers: the project's example trust file loads"
run "$TOOL" check-allowed "$SRCROOT/policies/allowed_signers.example"
assert_rc 0
assert_eq "$OUT" "4"
t_done

t_finish
