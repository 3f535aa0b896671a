ALTER TABLE readings ADD COLUMN value_v2 numeric(12,3);
