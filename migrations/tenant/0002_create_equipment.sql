-- Create equipment: pumps, separators, meters and sensors installed on a
-- well. Deleting a well deletes its equipment. The index on well_id serves
-- "equipment of this well" and the cascade; it is built in this transaction
-- because the table is new and empty, so nothing waits on it.
CREATE TABLE equipment (
    id           uuid        NOT NULL DEFAULT gen_random_uuid(),
    well_id      uuid        NOT NULL,
    kind         text        NOT NULL,
    serial_no    text        NULL,
    installed_at timestamptz NULL,
    CONSTRAINT equipment_pkey PRIMARY KEY (id),
    CONSTRAINT equipment_well_id_fkey
        FOREIGN KEY (well_id) REFERENCES wells (id) ON DELETE CASCADE,
    CONSTRAINT equipment_kind_not_blank CHECK (btrim(kind) <> '')
);

CREATE INDEX equipment_well_idx ON equipment (well_id);
