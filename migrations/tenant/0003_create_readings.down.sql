-- Reverse 0003_create_readings: drop readings and all measurements in it.
DROP TABLE readings;
