INSERT INTO notes (body) VALUES ('DROP TABLE wells; ALTER TABLE x RENAME TO y;');
-- DROP TABLE wells;
/* outer /* nested: TRUNCATE wells; */ still a comment: VACUUM FULL; */
INSERT INTO notes (body) VALUES (E'it\'s; DROP TABLE wells');
CREATE TABLE "drop table wells" (id bigint PRIMARY KEY);
SELECT 1 AS "CLUSTER";
