ALTER TABLE meters ADD CONSTRAINT meters_reading_ck CHECK (reading >= 0) NOT VALID;
ALTER TABLE meters VALIDATE CONSTRAINT meters_reading_ck;
