-- pgfleet:no-transaction
-- Index readings by (well_id, measured_at) for "latest readings of a well"
-- and for the ON DELETE CASCADE from wells. readings is large and written
-- continuously, so the index is built CONCURRENTLY: no lock that blocks
-- writes, at the price of running outside a transaction. IF NOT EXISTS makes
-- a re-run after a crash before pgfleet recorded it a no-op.
-- If the build itself fails, PostgreSQL leaves an INVALID index of this name
-- behind, which IF NOT EXISTS would then keep; drop it first with
-- DROP INDEX CONCURRENTLY readings_well_time_idx and retry.
CREATE INDEX CONCURRENTLY IF NOT EXISTS readings_well_time_idx
    ON readings (well_id, measured_at);
