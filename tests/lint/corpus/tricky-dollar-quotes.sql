-- DDL inside function bodies and DO blocks is data to the parser
CREATE FUNCTION purge() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  DROP TABLE readings;
  TRUNCATE alarms;
END $$;
DO $body$ BEGIN EXECUTE 'ALTER TABLE wells DROP COLUMN x'; END $body$;
CREATE FUNCTION f() RETURNS text LANGUAGE sql AS $q$ SELECT '$$; DROP TABLE wells; $$' $q$;
