DROP INDEX readings_metric_idx;
