-- with a default (stored once since PostgreSQL 11), or on a new table
ALTER TABLE wells ADD COLUMN status text NOT NULL DEFAULT 'active';
CREATE TABLE pumps (id bigint PRIMARY KEY);
ALTER TABLE pumps ADD COLUMN serial_no text NOT NULL;
