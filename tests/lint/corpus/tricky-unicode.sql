COMMENT ON TABLE wells IS 'Brunnen — Übersicht'; DROP TABLE old;
