-- expand: a new column beside the old one
ALTER TABLE wells ADD COLUMN field text;
