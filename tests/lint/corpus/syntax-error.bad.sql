CREATE TABLE wells (
  id bigint PRIMARY KEY,
  name text,,
);
