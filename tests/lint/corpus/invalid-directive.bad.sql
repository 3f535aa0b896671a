-- pgfleet:allow ban-drop-table
DROP TABLE readings_old;
