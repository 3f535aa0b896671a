DROP DATABASE tenant_acme;
