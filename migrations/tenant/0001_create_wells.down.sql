-- Reverse 0001_create_wells: drop wells. Every table that references it is
-- dropped by the later down migrations first.
DROP TABLE wells;
