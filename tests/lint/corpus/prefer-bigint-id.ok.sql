CREATE TABLE wells (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  operator_id bigint,
  depth integer
);
