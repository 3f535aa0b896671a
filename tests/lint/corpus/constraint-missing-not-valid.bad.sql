ALTER TABLE readings ADD CONSTRAINT readings_well_fk FOREIGN KEY (well_id) REFERENCES wells (id);
ALTER TABLE readings ADD CONSTRAINT readings_value_ck CHECK (value >= 0);
ALTER TABLE readings ADD COLUMN sensor_id bigint REFERENCES sensors (id);
