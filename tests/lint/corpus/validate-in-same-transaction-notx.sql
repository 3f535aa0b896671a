-- pgfleet:no-transaction
-- each statement commits on its own: the ADD's lock is gone before the scan
ALTER TABLE meters ADD CONSTRAINT meters_serial_ck CHECK (serial <> '') NOT VALID;
ALTER TABLE meters VALIDATE CONSTRAINT meters_serial_ck;
