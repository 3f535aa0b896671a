-- pgfleet:allow ban-drop-table only the first one
DROP TABLE a;
DROP TABLE b;
