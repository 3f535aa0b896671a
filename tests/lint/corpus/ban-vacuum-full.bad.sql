-- pgfleet:no-transaction
VACUUM FULL readings;
