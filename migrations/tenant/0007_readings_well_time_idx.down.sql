-- pgfleet:no-transaction
-- Reverse 0007_readings_well_time_idx: drop the index without blocking
-- writes to readings; DROP INDEX CONCURRENTLY cannot run in a transaction.
DROP INDEX CONCURRENTLY IF EXISTS readings_well_time_idx;
