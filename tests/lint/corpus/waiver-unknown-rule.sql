-- pgfleet:allow ban-drop-tabel archived
DROP TABLE readings_old;
