-- pgfleet:no-transaction
CREATE INDEX CONCURRENTLY readings_metric_idx ON readings (metric);
