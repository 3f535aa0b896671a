-- readings_well_fk was added NOT VALID by an earlier file (constraint-missing-not-valid.ok.sql)
ALTER TABLE readings VALIDATE CONSTRAINT readings_well_fk;
