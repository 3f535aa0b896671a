-- pgfleet:no-transaction
-- Make wells.operator_email NOT NULL, step 3 of 3, without holding an
-- ACCESS EXCLUSIVE lock while the table is scanned:
--   1. add a CHECK (operator_email IS NOT NULL) constraint NOT VALID:
--      brief exclusive lock, no scan;
--   2. VALIDATE it: scans the table under SHARE UPDATE EXCLUSIVE, which
--      lets reads and writes go on;
--   3. SET NOT NULL: PostgreSQL 12+ sees the validated CHECK and skips the
--      scan, so the exclusive lock is brief again;
--   4. drop the CHECK, now redundant.
-- This only helps if each statement commits on its own: in one transaction
-- the lock taken by step 1 would be held through the scan of step 2. Hence
-- no-transaction, and each statement is safe to re-run, so a run that
-- stopped half-way (or before pgfleet recorded it) is simply applied again.
-- If step 2 fails, some row is still NULL (written by an application that
-- does not yet set the column): fix the writer, re-run 0005's UPDATE, retry.
ALTER TABLE wells DROP CONSTRAINT IF EXISTS wells_operator_email_not_null;
ALTER TABLE wells
    ADD CONSTRAINT wells_operator_email_not_null
    CHECK (operator_email IS NOT NULL) NOT VALID;
ALTER TABLE wells VALIDATE CONSTRAINT wells_operator_email_not_null;
ALTER TABLE wells ALTER COLUMN operator_email SET NOT NULL;
ALTER TABLE wells DROP CONSTRAINT wells_operator_email_not_null;
