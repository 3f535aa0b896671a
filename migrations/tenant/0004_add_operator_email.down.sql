-- Reverse 0004_add_operator_email: drop the column and its values.
ALTER TABLE wells DROP COLUMN operator_email;
