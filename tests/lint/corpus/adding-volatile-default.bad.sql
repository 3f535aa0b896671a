ALTER TABLE wells
  ADD COLUMN token uuid DEFAULT gen_random_uuid();
ALTER TABLE wells ADD COLUMN seen_at timestamptz DEFAULT clock_timestamp();
ALTER TABLE wells ADD COLUMN n bigserial;
