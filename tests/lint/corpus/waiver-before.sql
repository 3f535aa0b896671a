-- the archive moved to cold storage in 2025 (ticket OPS-12)
-- pgfleet:allow ban-drop-table archived to s3://backups/2025/readings_old
DROP TABLE readings_old;
