TRUNCATE readings;
