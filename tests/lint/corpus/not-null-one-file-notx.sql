-- pgfleet:no-transaction
-- all three steps in one no-transaction file, as migrations/tenant/0006 does
ALTER TABLE valves DROP CONSTRAINT IF EXISTS valves_kind_nn;
ALTER TABLE valves ADD CONSTRAINT valves_kind_nn CHECK (kind IS NOT NULL) NOT VALID;
ALTER TABLE valves VALIDATE CONSTRAINT valves_kind_nn;
ALTER TABLE valves ALTER COLUMN kind SET NOT NULL;
ALTER TABLE valves DROP CONSTRAINT valves_kind_nn;
