CLUSTER readings USING readings_pkey;
