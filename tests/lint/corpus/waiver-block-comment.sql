/* pgfleet:allow renaming-column nothing reads it yet (feature flag off) */ ALTER TABLE wells RENAME COLUMN fld TO field;
