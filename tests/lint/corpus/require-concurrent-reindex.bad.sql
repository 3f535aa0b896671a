REINDEX INDEX readings_metric_idx;
