CREATE TABLE sites (id bigint PRIMARY KEY);
CREATE VIEW wells_v AS SELECT id FROM sites;
