-- Reverse 0005_backfill_operator_email: clear exactly the placeholders the
-- backfill wrote; addresses entered since are kept. Runs after 0006's down,
-- when the column accepts NULL again.
UPDATE wells
   SET operator_email = NULL
 WHERE operator_email LIKE 'unknown+%@operators.invalid';
