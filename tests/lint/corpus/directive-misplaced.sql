CREATE TABLE t (id bigint PRIMARY KEY);
-- pgfleet:no-transaction
-- pgfleet:alow ban-drop-table typo
/* pgfleet:no-transaction */
