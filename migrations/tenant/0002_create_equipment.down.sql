-- Reverse 0002_create_equipment: drop equipment and its index. readings
-- references equipment and is dropped first by 0003's down migration.
DROP TABLE equipment;
