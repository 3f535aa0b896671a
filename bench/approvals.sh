#!/usr/bin/env bash
# bench/approvals.sh — cost of checking reviewer approvals in `pgfleet verify`,
# per signature, against one `ssh-keygen -Y verify` process per signature,
# measured in the same run.
#
# Builds, in a temporary directory, a git repository with N small migration
# files in migrations/tenant/, each approved once by alice (an Ed25519 SSHSIG
# in migrations/tenant/approvals/<file>.alice@example.com.sig), commits it,
# then times R interleaved repetitions of:
#   (a) pgfleet verify --policy P --trust T   manifest, history and N approvals
#   (b) pgfleet verify                        manifest and history only
#   (c) ssh-keygen -Y verify, one process per signature, over a sample of S
#       signatures spread over the N (extrapolated per signature)
#
# usage: bench/approvals.sh [--approvals N] [--runs R] [--sample S] [--keep]
# env:   PGFLEET  path of the pgfleet binary (default: <repo>/build/pgfleet)
set -euo pipefail

prog=bench/approvals.sh
root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)

usage() {
    cat <<EOF
usage: $prog [--approvals N] [--runs R] [--sample S] [--keep]

Times \`pgfleet verify --policy P --trust T\` on a commit carrying N Ed25519
approvals (one per migration file, signer alice) against one \`ssh-keygen -Y
verify\` process per signature, and against \`pgfleet verify\` without a
policy (manifest and history only), in the same run; prints time per
signature, the ratio, and peak RSS.

  --approvals N  migration files, one approval each (default 10000)
  --runs R       timed repetitions of each command, interleaved (default 3)
  --sample S     signatures checked by ssh-keygen per run (default 500;
                 at most N); its time is extrapolated per signature
  --keep         keep the temporary repository and print its path
  -h, --help     this help

environment:
  PGFLEET        pgfleet binary (default: $root/build/pgfleet); copied into
                 the work directory at start, so a rebuild during the run
                 changes nothing
  TMPDIR         where the temporary repository is made (default /tmp)
EOF
}

die() { printf '%s: %s\n' "$prog" "$*" >&2; exit 2; }

n=10000 runs=3 sample=500 keep=0
while [ $# -gt 0 ]; do
    case $1 in
        --approvals) [ $# -ge 2 ] || die "--approvals needs a value"; n=$2; shift 2 ;;
        --approvals=*) n=${1#*=}; shift ;;
        --runs) [ $# -ge 2 ] || die "--runs needs a value"; runs=$2; shift 2 ;;
        --runs=*) runs=${1#*=}; shift ;;
        --sample) [ $# -ge 2 ] || die "--sample needs a value"; sample=$2; shift 2 ;;
        --sample=*) sample=${1#*=}; shift ;;
        --keep) keep=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; die "unknown argument: $1" ;;
    esac
done
[[ $n =~ ^[1-9][0-9]*$ ]] || die "--approvals must be a positive integer, got '$n'"
[[ $runs =~ ^[1-9][0-9]*$ ]] || die "--runs must be a positive integer, got '$runs'"
[[ $sample =~ ^[1-9][0-9]*$ ]] || die "--sample must be a positive integer, got '$sample'"
[ "$n" -le 999999 ] || die "--approvals: at most 999999"
[ "$sample" -le "$n" ] || sample=$n

PGFLEET=${PGFLEET:-$root/build/pgfleet}
case $PGFLEET in /*) ;; */*) PGFLEET=$PWD/$PGFLEET ;; esac
if [ ! -f "$PGFLEET" ] || [ ! -x "$PGFLEET" ]; then
    die "pgfleet binary '$PGFLEET' is missing or not executable; build it
  (meson setup build && meson compile -C build) or set PGFLEET=/path/to/pgfleet"
fi
for tool in git ssh-keygen sha256sum awk xargs cmp; do
    command -v "$tool" >/dev/null || die "$tool not found"
done
timebin=
[ -x /usr/bin/time ] && timebin=/usr/bin/time

work=$(mktemp -d "${TMPDIR:-/tmp}/pgfleet-bench-approvals.XXXXXX")
cleanup() {
    if [ "$keep" = 1 ]; then
        printf 'kept: %s\n' "$work" >&2
    else
        rm -rf -- "$work"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A private copy: another engineer's rebuild of build/pgfleet mid-run must not
# change what is timed.
cp -- "$PGFLEET" "$work/pgfleet"
pgfleet=$work/pgfleet

repo=$work/repo
dir=migrations/tenant
# The approver part of a signature's file name must be a principal of the
# signing key in the trust root (src/verify/approvals.c): the full one here.
approver=alice@example.com
mkdir -p "$work/home" "$work/msgs" "$repo/$dir/approvals"

# git (and ssh-keygen, which reads ~/.ssh) isolated from the machine's and the
# user's configuration.
export GIT_CONFIG_NOSYSTEM=1 HOME=$work/home XDG_CONFIG_HOME=$work/home/.config
export GIT_AUTHOR_NAME='pgfleet bench' GIT_AUTHOR_EMAIL=bench@example.com
export GIT_COMMITTER_NAME='pgfleet bench' GIT_COMMITTER_EMAIL=bench@example.com
export GIT_AUTHOR_DATE='2025-01-01T00:00:00Z' GIT_COMMITTER_DATE='2025-01-01T00:00:00Z'
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_OBJECT_DIRECTORY SSH_AUTH_SOCK
export LC_ALL=C

ns() { date +%s%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f s", (b - a) / 1e9 }'; }
setup_t0=$(ns)

# --- repository, files, manifest ---------------------------------------------
t0=$(ns)
cat >"$repo/pgfleet.json" <<'EOF'
{
  "version": 1,
  "scopes": [
    {"name": "tenant", "folder": "migrations/tenant", "target": "tenants"}
  ]
}
EOF
# Small files (~150 bytes): what is measured is the signatures, not the SQL.
awk -v n="$n" -v dir="$repo/$dir" 'BEGIN {
    w = length(n "") < 4 ? 4 : length(n "")
    for (i = 1; i <= n; i++) {
        f = sprintf("%s/%0" w "d_create_t_%d.sql", dir, i, i)
        printf "-- bench/approvals.sh: migration %d\nCREATE TABLE t_%d (id bigint PRIMARY KEY, v_%d integer NOT NULL DEFAULT %d);\n", i, i, i, i * 7919 % 104729 > f
        close(f)
    }
}'
git init -q -b main "$repo"
# No automatic gc: 2N new loose objects exceed gc.auto (6700), and `git commit`
# would pack them in a detached background gc while runs are timed.
git -C "$repo" config gc.auto 0
git -C "$repo" config maintenance.auto false
if ! "$pgfleet" --repo "$repo" hash >"$work/hash.out" 2>&1; then
    cat "$work/hash.out" >&2
    die "'pgfleet --repo DIR hash' failed"
fi
[ -f "$repo/$dir/pgfleet.sum" ] || die "'pgfleet hash' did not write $dir/pgfleet.sum"
gen_time=$(secs "$t0" "$(ns)")

# --- key, trust root, policy -------------------------------------------------
ssh-keygen -q -t ed25519 -N '' -C alice@example.com -f "$work/alice"
printf 'alice@example.com namespaces="pgfleet-approval" %s\n' "$(cut -d' ' -f1,2 "$work/alice.pub")" \
    >"$work/allowed_signers"
printf '{"require_signed_commit": false, "min_approvals": 1}\n' >"$work/policy.json"

# --- approval messages ---------------------------------------------------------
# The message of each file is what `pgfleet approve migrations/tenant/FILE`
# prints (include/pgfleet/approvals.h); made here from sha256sum in one pass,
# then held byte for byte against `pgfleet approve` for the first, the middle
# and the last file (N pgfleet processes would add minutes of setup).
t0=$(ns)
(cd "$repo/$dir" && find . -maxdepth 1 -name '*.sql' -printf '%f\n' | sort | xargs -r sha256sum) |
    awk -v out="$work/msgs" -v who="$approver" '{
        f = out "/" $2 "." who
        printf "pgfleet approval v1\nscope tenant\nfile %s\nsha256 %s\n", $2, $1 > f
        close(f)
    }'
find "$work/msgs" -maxdepth 1 -type f -printf '%f\n' | sort | sed "s/\\.$approver\$//" >"$work/files"
[ "$(wc -l <"$work/files")" -eq "$n" ] || die "expected $n messages, made $(wc -l <"$work/files")"
for i in 1 $(( (n + 1) / 2 )) "$n"; do
    f=$(sed -n "${i}p" "$work/files")
    "$pgfleet" --repo "$repo" approve "$dir/$f" >"$work/approve.out" 2>"$work/approve.err" ||
        { cat "$work/approve.err" >&2; die "'pgfleet approve $dir/$f' failed"; }
    cmp -s "$work/approve.out" "$work/msgs/$f.$approver" ||
        die "the message made for $f differs from what 'pgfleet approve' prints"
done
msg_time=$(secs "$t0" "$(ns)")

# --- signatures ----------------------------------------------------------------
# ssh-keygen -Y sign signs every file it is given in one process (FILE ->
# FILE.sig, so msgs/<file>.<approver> gives the approval's own name); 2
# processes in parallel, 500 files each, then one mv per 10,000 or so. Ed25519
# signatures are deterministic, so these are byte for byte what `pgfleet
# approve FILE --key KEY --as alice@example.com` writes (it runs the same
# ssh-keygen): checked below on the first file.
t0=$(ns)
(cd "$work/msgs" && find . -maxdepth 1 -type f -printf '%f\0' |
    xargs -0 -n 500 -P 2 ssh-keygen -q -Y sign -n pgfleet-approval -f "$work/alice")
nsig=$(find "$work/msgs" -name '*.sig' | wc -l)
[ "$nsig" -eq "$n" ] || die "ssh-keygen made $nsig signatures, expected $n"
find "$work/msgs" -name '*.sig' -exec mv -t "$repo/$dir/approvals/" -- {} +
f=$(head -n 1 "$work/files")
cp -- "$repo/$dir/approvals/$f.$approver.sig" "$work/first.sig"
"$pgfleet" --repo "$repo" approve "$dir/$f" --key "$work/alice" --as "$approver" >/dev/null 2>"$work/approve.err" ||
    { cat "$work/approve.err" >&2; die "'pgfleet approve $dir/$f --key KEY --as $approver' failed"; }
cmp -s "$work/first.sig" "$repo/$dir/approvals/$f.$approver.sig" ||
    die "pgfleet approve --key made a different signature than ssh-keygen for $f"
sign_time=$(secs "$t0" "$(ns)")

t0=$(ns)
git -C "$repo" add -A
git -C "$repo" commit -q -m "bench: $n migrations, $n approvals"
commit=$(git -C "$repo" rev-parse HEAD)
commit_time=$(secs "$t0" "$(ns)")
setup_time=$(secs "$setup_t0" "$(ns)")

# The ssh-keygen sample: S files spread evenly over the N.
awk -v n="$n" -v s="$sample" '{ f[NR] = $0 } END { for (k = 0; k < s; k++) print f[1 + int(k * n / s)] }' \
    "$work/files" >"$work/sample"

printf 'approvals bench: %d migration files, %d approvals (ed25519, one per file, signer alice), %d runs each, interleaved\n' \
    "$n" "$n" "$runs"
printf 'pgfleet: %s (copied)\ncommit:  %s\n' "$PGFLEET" "$commit"
printf 'setup:   %s: files + pgfleet hash %s, messages %s, ssh-keygen -Y sign (xargs -P2) %s, git add+commit %s\n' \
    "$setup_time" "$gen_time" "$msg_time" "$sign_time" "$commit_time"

# --- the three commands --------------------------------------------------------
# shellcheck disable=SC2016  # expanded by the inner bash, from its arguments
cmd_a='exec "$1" --repo "$2" verify --commit "$3" --policy "$4/policy.json" --trust "$4/allowed_signers" >"$4/a.out"'
# shellcheck disable=SC2016
cmd_b='exec "$1" --repo "$2" verify --commit "$3" >"$4/b.out"'
# One process per signature, as a shell script or CI job would do it.
# shellcheck disable=SC2016
cmd_c='while IFS= read -r f; do
    ssh-keygen -Y verify -f "$4/allowed_signers" -I alice@example.com -n pgfleet-approval \
        -s "$2/migrations/tenant/approvals/$f.alice@example.com.sig" <"$4/msgs/$f.alice@example.com" >/dev/null || exit 1
done <"$4/sample"'

run() {  # run KEY: one timed run; appends "wall_ns cpu_s rss_kib" to $work/KEY.times
    local k=$1 cmd t0 t1 cpu=-1 rss=-1
    case $k in a) cmd=$cmd_a ;; b) cmd=$cmd_b ;; c) cmd=$cmd_c ;; esac
    t0=$(ns)
    if [ -n "$timebin" ]; then
        # user + system CPU of the command and every process it waited for
        # (for (c), the ssh-keygen processes), and the largest one's peak RSS
        "$timebin" -f '%U %S %M' -o "$work/rusage" bash -c "$cmd" "$k" "$pgfleet" "$repo" "$commit" "$work" \
            2>>"$work/$k.err" || return 1
        t1=$(ns)
        read -r cpu rss < <(tail -n 1 "$work/rusage" | awk '{ print $1 + $2, $3 }')
    else
        bash -c "$cmd" "$k" "$pgfleet" "$repo" "$commit" "$work" 2>>"$work/$k.err" || return 1
        t1=$(ns)
    fi
    echo "$(( t1 - t0 )) $cpu $rss" >>"$work/$k.times"
}

# Checked once before timing (and the page cache warmed for all alike): (a)
# must pass with every file approved, (b) must pass, and ssh-keygen must accept
# the sample; a failing command is not worth timing.
run a || { tail -n 5 "$work/a.out" "$work/a.err" >&2; die "'pgfleet verify --policy --trust' failed; nothing timed"; }
approved=$({ grep -c 'approved by alice@example.com' "$work/a.out" "$work/a.err" || true; } | awk -F: '{ s += $NF } END { print s + 0 }')
[ "$approved" -eq "$n" ] || die "pgfleet verify reported $approved approved files, expected $n"
run b || { tail -n 5 "$work/b.err" >&2; die "'pgfleet verify' failed; nothing timed"; }
run c || { tail -n 5 "$work/c.err" >&2; die "'ssh-keygen -Y verify' refused a signature; nothing timed"; }
rm -f "$work"/{a,b,c}.times

orders=(abc bca cab)
for ((r = 0; r < runs; r++)); do
    order=${orders[r % 3]}
    for ((i = 0; i < 3; i++)); do
        k=${order:i:1}
        run "$k" || die "run $((r + 1)) of ($k) failed (stderr in $work/$k.err; use --keep)"
    done
    printf 'run %d/%d done\n' "$((r + 1))" "$runs" >&2
done

awk -v n="$n" -v s="$sample" -v fa="$work/a.times" -v fb="$work/b.times" -v fc="$work/c.times" '
function load(f, w, c,   k, line, x) {
    k = 0; rss = -1
    while ((getline line < f) > 0) { split(line, x, " "); w[++k] = x[1] / 1e9; c[k] = x[2]; if (x[3] > rss) rss = x[3] }
    close(f); return k
}
function med(w, k,   i, j, t) {
    for (i = 2; i <= k; i++) { t = w[i]; for (j = i - 1; j >= 1 && w[j] > t; j--) w[j + 1] = w[j]; w[j + 1] = t }
    return k % 2 ? w[(k + 1) / 2] : (w[k / 2] + w[k / 2 + 1]) / 2
}
function mib(k) { return k < 0 ? "      n/a" : sprintf("%7.1f MiB", k / 1024) }
function sec(v) { return v < 0 ? "       n/a" : sprintf("%8.3f s", v) }
function us(v) { return v < 0 ? "      n/a" : sprintf("%9.1f", v * 1e6) }
function row(name, w, k, m, cpu, r) { printf "%-46s %s %s %s %s %s\n", name, sec(m), sec(w[1]), sec(w[k]), sec(cpu), mib(r) }
BEGIN {
    ka = load(fa, wa, ca); ra = rss; ma = med(wa, ka); pa = med(ca, ka)
    kb = load(fb, wb, cb); rb = rss; mb = med(wb, kb); pb = med(cb, kb)
    kc = load(fc, wc, cc); rc = rss; mc = med(wc, kc); pc = med(cc, kc)
    printf "\n%-46s %10s %10s %10s %10s %11s\n", "command", "wall med", "min", "max", "CPU med", "peak RSS"
    row("(a) pgfleet verify --policy --trust", wa, ka, ma, pa, ra)
    row("(b) pgfleet verify (manifest + history)", wb, kb, mb, pb, rb)
    row("(c) ssh-keygen -Y verify x " s " (sample)", wc, kc, mc, pc, rc)
    cab = pa < 0 ? -1 : (pa - pb) / n; cc1 = pc < 0 ? -1 : pc / s
    printf "\nper signature (median / count), microseconds:      wall        CPU\n"
    printf "  pgfleet, approvals only   (a-b)/%-7d      %s  %s\n", n, us((ma - mb) / n), us(cab)
    printf "  pgfleet, whole verify      a/%-7d         %s  %s\n", n, us(ma / n), us(pa < 0 ? -1 : pa / n)
    printf "  ssh-keygen, one process    c/%-7d         %s  %s\n", s, us(mc / s), us(cc1)
    printf "  (ssh-keygen timed on a sample of %d of the %d signatures, extrapolated: %.1f s wall for all)\n", s, n, mc / s * n
    if (ma - mb > 0)
        printf "ratio ssh-keygen / pgfleet per signature, wall: %.1fx (approvals only), %.1fx (whole verify)\n", (mc / s) / ((ma - mb) / n), (mc / s) / (ma / n)
    else
        printf "ratio ssh-keygen / pgfleet per signature, wall: n/a (a-b <= 0: noise above the approval cost)\n"
    if (cab > 0 && cc1 > 0)
        printf "ratio ssh-keygen / pgfleet per signature, CPU:  %.1fx (approvals only), %.1fx (whole verify)\n", cc1 / cab, cc1 / (pa / n)
    printf "(CPU: user+system of the process and all it waited for, /usr/bin/time; peak RSS: its largest single process)\n"
}'
# (a)'s stderr holds one "approved by" line per file; anything else is shown.
if grep -v -e ': approved by ' -e 'verify begin: ' -e 'verify end: ' "$work/a.err" | sort -u | head -n 5 >"$work/a.other" &&
    [ -s "$work/a.other" ]; then
    printf 'pgfleet verify --policy also wrote to stderr (first distinct lines):\n' >&2
    cat "$work/a.other" >&2
fi
grep 'verify end: ' "$work/a.err" | tail -n 1 | sed 's/^/last (a) run: /' >&2 || true
