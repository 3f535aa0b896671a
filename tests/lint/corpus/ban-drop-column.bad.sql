ALTER TABLE wells DROP COLUMN legacy_code;
