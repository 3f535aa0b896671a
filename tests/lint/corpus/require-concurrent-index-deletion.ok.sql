-- pgfleet:no-transaction
DROP INDEX CONCURRENTLY readings_metric_idx;
