-- Backfill wells.operator_email, step 2 of 3: give every existing well a
-- placeholder address derived from its API number, in the reserved .invalid
-- domain (RFC 2606) so nothing can ever be mailed to it, until operators
-- enter the real one.
--
-- Why a file of its own: data changes are kept apart from DDL. Here the UPDATE
-- takes only row locks, not the ACCESS EXCLUSIVE lock that 0004's ALTER holds
-- until its commit; a failed backfill is retried alone, while 0004 stays
-- applied; and review sees the data change on its own.
--
-- Idempotent: only rows still NULL are touched, so a re-run changes nothing.
-- Not batched: a tenant has thousands of wells, not millions, so one UPDATE
-- in one short transaction is fine. Rows written by the application after
-- this runs must carry operator_email themselves (see 0006).
UPDATE wells
   SET operator_email = 'unknown+'
                        || lower(regexp_replace(api_number, '[^A-Za-z0-9]', '', 'g'))
                        || '@operators.invalid'
 WHERE operator_email IS NULL;
