DROP TABLE maintenance_logs;
