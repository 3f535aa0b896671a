ALTER TABLE readings ADD COLUMN id bigserial PRIMARY KEY;
