DROP TABLE tmp_import; -- pgfleet:allow ban-drop-table one-off import table
DROP TABLE tmp_export;
