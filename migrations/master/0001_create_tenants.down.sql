-- Reverse 0001_create_tenants: drop the tenant registry. This loses every
-- tenant row; pgfleet requires an approved rollback for it like any other
-- migration.
DROP TABLE tenants;
