ALTER TABLE wells ADD CONSTRAINT wells_code_key UNIQUE (code);
