CREATE TABLE alarms (id bigint PRIMARY KEY, well_id bigint);
CREATE INDEX alarms_well_idx ON alarms (well_id);
