-- pgfleet:no-transaction
VACUUM (ANALYZE) readings;
