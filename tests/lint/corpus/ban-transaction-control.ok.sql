-- pgfleet:no-transaction
BEGIN;
CREATE TABLE t (id bigint PRIMARY KEY);
COMMIT;
