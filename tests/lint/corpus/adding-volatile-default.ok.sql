-- now() is stable: evaluated once, stored in the catalog
ALTER TABLE wells ADD COLUMN created_at timestamptz NOT NULL DEFAULT now();
ALTER TABLE wells ADD COLUMN tags jsonb DEFAULT '{}'::jsonb;
