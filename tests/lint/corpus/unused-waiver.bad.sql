-- pgfleet:allow ban-truncate not needed any more
DELETE FROM readings WHERE id < 100;
