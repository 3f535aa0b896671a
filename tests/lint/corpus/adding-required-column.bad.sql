-- a required column on a table that has rows
ALTER TABLE wells ADD COLUMN operator_id bigint NOT NULL;
