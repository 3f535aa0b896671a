-- pgfleet:allow ban-truncate staging is refilled by the nightly job
TRUNCATE staging;
