ALTER TABLE readings ADD CONSTRAINT readings_well_fk FOREIGN KEY (well_id) REFERENCES wells (id) NOT VALID;
-- a new column and its foreign key: the column first, the key NOT VALID
ALTER TABLE readings ADD COLUMN sensor_id bigint;
ALTER TABLE readings ADD CONSTRAINT readings_sensor_fk FOREIGN KEY (sensor_id) REFERENCES sensors (id) NOT VALID;
-- a table this file creates is empty: its references need no NOT VALID
CREATE TABLE probes (id bigint PRIMARY KEY);
ALTER TABLE probes ADD COLUMN sensor_id bigint REFERENCES sensors (id);
