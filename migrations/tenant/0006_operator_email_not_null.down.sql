-- Reverse 0006_operator_email_not_null: allow NULL again. Catalog-only, no
-- scan; the temporary CHECK constraint was already dropped by the up file.
ALTER TABLE wells ALTER COLUMN operator_email DROP NOT NULL;
