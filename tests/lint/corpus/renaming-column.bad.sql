ALTER TABLE wells RENAME COLUMN field_name TO field;
