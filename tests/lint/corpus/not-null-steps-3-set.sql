-- a validated CHECK proves unit non-null: PostgreSQL 12+ skips the scan
ALTER TABLE gauges ALTER COLUMN unit SET NOT NULL;
ALTER TABLE gauges DROP CONSTRAINT gauges_unit_nn;
-- gauges_site_nn was never validated: the scan happens
ALTER TABLE gauges ALTER COLUMN site SET NOT NULL;
-- another table's column of the same name is not proven
ALTER TABLE dials ALTER COLUMN unit SET NOT NULL;
