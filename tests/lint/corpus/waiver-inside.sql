ALTER TABLE wells
  -- pgfleet:allow ban-drop-column unused since release 41, see ADR-7
  DROP COLUMN legacy_code;
