SELECT 1;
-- pgfleet:allow syntax-error it is fine
SELECT 2;
