#!/usr/bin/env bash
# Integration: --shard I/N. A stable partition of the tenants by a hash of
# their id (the one README documents, recomputed here in SQL); four
# reconcilers over 200 tenants, sharded and then unsharded, apply each
# version exactly once and keep one linear, verifiable ledger.
set -euo pipefail
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/fleet_test.sh"

fleet_init shrd
T=migrations/tenant
N=200
work=$(tmpdir_new)
echo '{"timeouts": {"advisory_lock_wait": "120s"}}' >"$work/policy.json"
ledger_trust "$work/allowed_signers" "$FLEET_KEY"

# The shard of each tenant as README says to compute it in SQL.
shard_sql="select slug from tenants where deleted_at is null and
	(('x' || left(encode(sha256(convert_to(id::text, 'UTF8')), 'hex'), 16))::bit(64)::bigint::numeric
	 + 18446744073709551616) % 18446744073709551616 % 4 = :k order by slug"

# Starts pgfleet ARGS... in the background 4 times, the k-th with ARGS where
# {k} becomes k; waits; sets OUT (all stdouts), ERR, RC ("r0,r1,r2,r3").
run4() {
	local pids=() k rcs=() r
	for k in 0 1 2 3; do
		"$PGFLEET" --repo "$FLEET_REPO" --master "$FLEET_MASTER" "${@//\{k\}/$k}" \
			>"$work/out$k" 2>"$work/err$k" &
		pids+=($!)
	done
	for k in 0 1 2 3; do
		r=0
		wait "${pids[$k]}" || r=$?
		rcs+=("$r")
	done
	OUT=$(cat "$work"/out[0-3])
	# shellcheck disable=SC2034 # ERR is shown by fail
	ERR=$(cat "$work"/err[0-3])
	RC=$(IFS=,; echo "${rcs[*]}")
}

t_begin "bad --shard values are usage errors (exit 2, one line)"
fleet_new bad
fleet_commit "master only" >/dev/null
for v in 3/3 -1/2 a/b 1/0 4 2/3/4 ''; do
	pgf plan --shard "$v"
	assert_rc 2
	assert_err_contains "--shard '$v':"
	assert_eq "$(wc -l <<<"$ERR")" 1 "one line for --shard '$v'"
done
pgf plan --shard 0/2 --tenant acme
assert_rc 2
assert_err_contains "--shard and --tenant exclude each other"
t_done

t_begin "200 tenants: 4 sharded reconcilers partition them and apply each version once"
fleet_new sh
fleet_write $T/0001_wells.sql $'CREATE TABLE wells (id int PRIMARY KEY);\n'
fleet_commit "wells" >/dev/null
fleet_master_up
# 200 databases from 4 psql sessions (dropped the same way at exit: one
# DROP DATABASE per psql process is what makes a fleet test slow)
seq -f "${FLEET_PREFIX}sh_t%03g" 1 $N >"$work/dbs"
split -n r/4 "$work/dbs" "$work/dbs."
each_db_session() { # SQL-TEMPLATE (& = the database): one psql session per quarter
	local f pids=() rc=0
	for f in "$work"/dbs.a?; do
		sed "s/.*/$1/" "$f" | pgc_psql -X -q -v ON_ERROR_STOP=1 -d postgres >/dev/null &
		pids+=($!)
	done
	for f in "${pids[@]}"; do wait "$f" || rc=1; done
	return $rc
}
cleanup_add "PGUSER=$FLEET_ADMIN each_db_session 'DROP DATABASE IF EXISTS \"&\" WITH (FORCE);' || true"
each_db_session 'CREATE DATABASE "&";' || fail "creating $N databases"
pgc_psql -X -q -v ON_ERROR_STOP=1 -d "$FLEET_MASTER_DB" -v prefix="${FLEET_PREFIX}sh_" \
	-v h="$PGHOST" -v p="$PGPORT" -v u="$PGUSER" -v n=$N <<'EOF_SQL' || fail "inserting $N tenants"
INSERT INTO tenants (slug, name, database_url)
SELECT s, 'Tenant ' || s, format('host=%s port=%s user=%s dbname=%s', :'h', :'p', :'u', :'prefix' || s)
  FROM (SELECT 't' || lpad(i::text, 3, '0') AS s FROM generate_series(1, :n) i) g;
EOF_SQL
# plan: the four shards partition the tenants, as the SQL computes them
for k in 0 1 2 3; do
	pgf plan --shard $k/4 --json
	assert_rc 0
	jq -r '.targets[] | select(.master | not) | .target' <<<"$OUT" | sort >"$work/plan$k"
	pgc_psql -X -At -d "$FLEET_MASTER_DB" -v k=$k <<<"$shard_sql" >"$work/sql$k"
	assert_eq "$(cat "$work/plan$k")" "$(cat "$work/sql$k")" "shard $k/4 is the tenants whose sha256(id) prefix mod 4 is $k"
	count=$(wc -l <"$work/plan$k")
	((count > 20 && count < 80)) || fail "shard $k/4 holds $count of $N tenants"
	assert_eq "$(jq -r '[.targets[] | select(.master)] | length' <<<"$OUT")" 1 "shard $k/4 plans master too"
done
assert_eq "$(cat "$work"/plan[0-3] | sort | uniq -d)" "" "no tenant in two shards"
assert_eq "$(cat "$work"/plan[0-3] | sort -u | wc -l)" $N "every tenant in a shard"

run4 reconcile --key "$FLEET_KEY" --shard "{k}/4" --jobs 3 --policy "$work/policy.json"
assert_eq "$RC" "0,0,0,0" "exit codes of the 4 sharded reconcilers"
for k in 0 1 2 3; do
	assert_eq "$(grep -o '^t[0-9]* tenant: applied 1' "$work/out$k" | cut -d' ' -f1 | sort)" "$(cat "$work/plan$k")" \
		"reconciler $k/4 applied exactly its shard"
done
assert_eq "$(sqlv "$FLEET_MASTER_DB" "select count(*) from (select body::json->>'target' t,
	body::json->>'scope' s, body::json->>'version' v from pgfleet.ledger
	where body::json->>'kind' = 'applied' group by 1, 2, 3 having count(*) = 1) x")" $((N + 1)) \
	"one applied entry per tenant and master"
assert_eq "$(sqlv "$FLEET_MASTER_DB" "select count(*) from pgfleet.ledger where body::json->>'kind' = 'applied'")" \
	$((N + 1)) "applied entries in all"
assert_eq "$(sqlv "$FLEET_MASTER_DB" "select string_agg(body::json->>'shard', ' ' order by body::json->>'shard')
	from pgfleet.ledger where body::json->>'kind' = 'run_started' and body::json->>'shard' is not null")" \
	"0/4 1/4 2/4 3/4" "each sharded run_started names its shard"
for i in 001 077 200; do
	assert_eq "$(applied "${FLEET_PREFIX}sh_t$i")" "0001:applied" "t$i"
done

t_end_shard=ok
t_done

t_begin "4 unsharded reconcilers at once: each version once per tenant, one linear ledger"
[[ ${t_end_shard:-} == ok ]] || fail "needs the sharded fleet"
fleet_write $T/0002_depth.sql $'ALTER TABLE wells ADD COLUMN depth int;\n'
fleet_commit "depth" >/dev/null
run4 reconcile --key "$FLEET_KEY" --jobs 3 --policy "$work/policy.json"
assert_eq "$RC" "0,0,0,0" "exit codes of the 4 unsharded reconcilers"
assert_eq "$(grep -c '^t[0-9]* tenant: applied 1 (0001 -> 0002)' <<<"$OUT")" $N "each tenant applied by one reconciler"
assert_eq "$(grep -c '^t[0-9]* tenant: up to date at 0002' <<<"$OUT")" $((3 * N)) "and up to date for the other three"
assert_eq "$(sqlv "$FLEET_MASTER_DB" "select count(*) from (select 1 from pgfleet.ledger
	where body::json->>'kind' = 'applied' group by body::json->>'target', body::json->>'scope',
	body::json->>'version' having count(*) > 1) x")" 0 "no (target, scope, version) applied twice"
assert_eq "$(sqlv "$FLEET_MASTER_DB" "select count(*) from pgfleet.ledger
	where body::json->>'kind' = 'applied' and body::json->>'version' = '0002'")" $N "0002 applied entries"
bad=0
for i in $(seq -f '%03g' 1 $N); do
	got=$(pgc_psql -X -At -d "${FLEET_PREFIX}sh_t$i" -c "select string_agg(version || 'x' || n, ' ' order by version) from
		(select version, count(*) n from pgfleet.history where action = 'apply' group by version) h")
	[[ $got == "0001x1 0002x1" ]] || { echo "t$i: $got" >&2; bad=$((bad + 1)); }
done
assert_eq "$bad" 0 "tenants whose history is not one apply of 0001 and of 0002"
lg verify --trust "$work/allowed_signers" --with-state
assert_rc 0
assert_out_contains "0 findings"
t_done

t_finish
