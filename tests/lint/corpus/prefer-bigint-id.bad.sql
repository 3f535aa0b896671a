CREATE TABLE wells (
  id serial PRIMARY KEY,
  operator_id integer
);
