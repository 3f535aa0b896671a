# shellcheck shell=bash
# Ledger helpers for integration tests. Source it after fleet.sh; do not
# execute it. Every function works on the current fleet's master
# ($FLEET_MASTER, $FLEET_MASTER_DB).
#
#   lg ARGS...                run pgfleet --master $FLEET_MASTER ledger ARGS (through `run`:
#                             $OUT, $ERR, $RC). `pgf` cannot be used: ledger refuses --repo.
#   ledger_trust FILE KEY     write an allowed_signers FILE naming KEY's public key as
#                             reconciler@example.com, namespaces pgfleet-ledger and
#                             pgfleet-checkpoint
#   ledger_export_to FILE     `ledger export` into FILE (fails the test on error)
#   ledger_checkpoint_to FILE `ledger checkpoint --key $FLEET_KEY` into FILE (fails on error)
#   ledger_backup             copy pgfleet.ledger and pgfleet.ledger_head into master's
#                             public.lg_ledger_backup / public.lg_head_backup
#   ledger_restore            put the backup back (user triggers disabled meanwhile)
#   ledger_tamper SQL         run SQL in master as the cluster's superuser, in one
#                             transaction, with pgfleet.ledger's user triggers disabled

lg() {
	run "$PGFLEET" --master "$FLEET_MASTER" ledger "$@"
}

ledger_trust() {
	local file=${1:?usage: ledger_trust FILE KEY} key=${2:?missing KEY}
	printf 'reconciler@example.com namespaces="pgfleet-ledger,pgfleet-checkpoint" %s\n' \
		"$(cut -d' ' -f1,2 "$key.pub")" >"$file"
}

ledger_export_to() {
	local file=${1:?usage: ledger_export_to FILE} rc=0
	"$PGFLEET" --master "$FLEET_MASTER" ledger export >"$file" 2>"$file.err" || rc=$?
	((rc == 0)) || fail "ledger export exited $rc: $(cat "$file.err")"
}

ledger_checkpoint_to() {
	local file=${1:?usage: ledger_checkpoint_to FILE} rc=0
	"$PGFLEET" --master "$FLEET_MASTER" ledger checkpoint --key "$FLEET_KEY" >"$file" 2>"$file.err" || rc=$?
	((rc == 0)) || fail "ledger checkpoint exited $rc: $(cat "$file.err")"
}

ledger_tamper() {
	local out
	out=$(PGUSER=${FLEET_ADMIN:-$PGUSER} pgc_psql -d "$FLEET_MASTER_DB" -1 \
		-c "ALTER TABLE pgfleet.ledger DISABLE TRIGGER USER" \
		-c "${1:?usage: ledger_tamper SQL}" \
		-c "ALTER TABLE pgfleet.ledger ENABLE TRIGGER USER" 2>&1) || fail "ledger_tamper: $1: $out"
}

ledger_backup() {
	sqlx "$FLEET_MASTER_DB" "DROP TABLE IF EXISTS public.lg_ledger_backup, public.lg_head_backup;
		CREATE TABLE public.lg_ledger_backup AS SELECT * FROM pgfleet.ledger;
		CREATE TABLE public.lg_head_backup AS SELECT * FROM pgfleet.ledger_head"
}

ledger_restore() {
	ledger_tamper "DELETE FROM pgfleet.ledger;
		INSERT INTO pgfleet.ledger SELECT * FROM public.lg_ledger_backup;
		UPDATE pgfleet.ledger_head h SET seq = b.seq, hash = b.hash FROM public.lg_head_backup b"
}
