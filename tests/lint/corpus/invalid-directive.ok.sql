-- pgfleet:allow ban-drop-table archived to cold storage (OPS-12)
DROP TABLE readings_old;
