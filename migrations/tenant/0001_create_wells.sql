-- Create wells: the tenant's wells, one row per wellbore, identified outside
-- this system by its API number (unique within a tenant). Everything else in
-- the tenant schema hangs off this table.
CREATE TABLE wells (
    id         uuid          NOT NULL DEFAULT gen_random_uuid(),
    name       text          NOT NULL,
    api_number text          NOT NULL,
    field_name text          NULL,
    latitude   numeric(9, 6) NULL,
    longitude  numeric(9, 6) NULL,
    status     text          NOT NULL DEFAULT 'active',
    created_at timestamptz   NOT NULL DEFAULT now(),
    CONSTRAINT wells_pkey PRIMARY KEY (id),
    CONSTRAINT wells_api_number_key UNIQUE (api_number),
    CONSTRAINT wells_status_check
        CHECK (status IN ('planned', 'drilling', 'active', 'shut_in', 'plugged')),
    CONSTRAINT wells_latitude_check CHECK (latitude BETWEEN -90 AND 90),
    CONSTRAINT wells_longitude_check CHECK (longitude BETWEEN -180 AND 180)
);

COMMENT ON COLUMN wells.api_number IS 'API well number as issued by the regulator, e.g. 42-501-20130.';
