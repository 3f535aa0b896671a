ALTER TABLE wells ADD CONSTRAINT wells_code_key UNIQUE USING INDEX wells_code_idx;
