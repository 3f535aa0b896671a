-- Create readings: time-stamped measurements (pressure, rate, temperature)
-- per well and, when known, per piece of equipment. This is the table that
-- grows: by the time a tenant has history it holds millions of rows, which
-- is why its (well_id, measured_at) index is not created here but later, in
-- 0007, concurrently, as it would be for a table already in production.
CREATE TABLE readings (
    id           bigint           GENERATED ALWAYS AS IDENTITY,
    well_id      uuid             NOT NULL,
    equipment_id uuid             NULL,
    measured_at  timestamptz      NOT NULL,
    metric       text             NOT NULL,
    value        double precision NOT NULL,
    CONSTRAINT readings_pkey PRIMARY KEY (id),
    CONSTRAINT readings_well_id_fkey
        FOREIGN KEY (well_id) REFERENCES wells (id) ON DELETE CASCADE,
    CONSTRAINT readings_equipment_id_fkey
        FOREIGN KEY (equipment_id) REFERENCES equipment (id) ON DELETE SET NULL
);
