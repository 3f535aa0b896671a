-- gauges_unit_nn was dropped: nothing proves unit non-null any more
ALTER TABLE gauges ALTER COLUMN unit DROP NOT NULL;
ALTER TABLE gauges ALTER COLUMN unit SET NOT NULL;
