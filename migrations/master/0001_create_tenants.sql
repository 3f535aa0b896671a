-- Create the tenant registry: one row per tenant database. pgfleet reads it
-- to find the databases the "tenant" scope applies to; rows with deleted_at
-- set are skipped, and rows whose database_type is not POSTGRESQL are skipped
-- and reported (so database_type is deliberately not CHECK-constrained).
--
-- slug is unique over all rows, deleted ones included: logs, plans and the
-- audit ledger name tenants by slug, so a slug must never come to mean a
-- different database later. A partial unique index (WHERE deleted_at IS NULL)
-- would allow reuse and make old ledger entries ambiguous.
--
-- database_url may carry a password; pgfleet never prints it. Prefer URLs
-- without one (passfile, service file or a secrets-manager lookup).
CREATE TABLE tenants (
    id            uuid        NOT NULL DEFAULT gen_random_uuid(),
    slug          text        NOT NULL,
    name          text        NOT NULL,
    database_url  text        NOT NULL,
    database_type text        NOT NULL DEFAULT 'POSTGRESQL',
    created_at    timestamptz NOT NULL DEFAULT now(),
    deleted_at    timestamptz NULL,
    CONSTRAINT tenants_pkey PRIMARY KEY (id),
    CONSTRAINT tenants_slug_key UNIQUE (slug),
    CONSTRAINT tenants_slug_not_blank CHECK (btrim(slug) <> '')
);

COMMENT ON TABLE tenants IS 'Tenant registry read by pgfleet; soft-delete with deleted_at.';
COMMENT ON COLUMN tenants.database_url IS 'libpq conninfo or URL of the tenant database; avoid embedding passwords.';
