CREATE TABLE codes (code text PRIMARY KEY CHECK (length(code) = 3), flag "char");
