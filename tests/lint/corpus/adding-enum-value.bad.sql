ALTER TYPE well_type ADD VALUE 'offshore';
UPDATE wells SET kind = 'offshore' WHERE id = 7;
