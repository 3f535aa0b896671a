CREATE TABLE codes (code char(3) PRIMARY KEY);
