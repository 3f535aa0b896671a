ALTER TABLE readings ADD CONSTRAINT readings_well_fk FOREIGN KEY (well_id) REFERENCES wells (id) NOT VALID;
ALTER TABLE readings VALIDATE CONSTRAINT readings_well_fk;
