-- pgfleet:no-transaction
REINDEX (CONCURRENTLY) INDEX readings_metric_idx;
