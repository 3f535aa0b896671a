ALTER TABLE readings ADD CONSTRAINT readings_pkey PRIMARY KEY USING INDEX readings_id_idx;
