ANALYZE readings;
