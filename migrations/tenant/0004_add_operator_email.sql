-- Add wells.operator_email, step 1 of 3 of introducing a required column:
-- nullable and without a default, so this is a catalog-only change (no table
-- rewrite, no scan); it needs only a brief ACCESS EXCLUSIVE lock, bounded by
-- the policy's lock_timeout. The application starts writing the column once
-- this is applied. Step 2 (0005) backfills existing rows, step 3 (0006) makes
-- the column NOT NULL without a long lock.
ALTER TABLE wells ADD COLUMN operator_email text NULL;
