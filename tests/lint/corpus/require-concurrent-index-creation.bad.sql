CREATE INDEX readings_metric_idx ON readings (metric);
