-- alone in its file: committed before anything uses it
ALTER TYPE well_type ADD VALUE IF NOT EXISTS 'offshore';
