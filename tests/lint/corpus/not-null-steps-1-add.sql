-- the three-step NOT NULL across files (the corpus is linted in name order)
ALTER TABLE gauges ADD CONSTRAINT gauges_unit_nn CHECK (unit IS NOT NULL) NOT VALID;
ALTER TABLE gauges ADD CONSTRAINT gauges_site_nn CHECK (site IS NOT NULL) NOT VALID;
