-- pgfleet:allow ban-drop-table forgotten

DROP TABLE readings_old;
