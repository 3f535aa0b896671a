// bench/node/migrate.mjs — the approach pgfleet replaces, as bench/fleet.sh
// times it: read the active tenants from the master database, then for each
// tenant, one after another, open a node-postgres client, call drizzle-orm's
// migrate() on it and close it.
//
// usage: node migrate.mjs MIGRATIONS_FOLDER
// env:   MASTER_DATABASE_URL  postgresql:// URL of the master database (its
//                             tenants table names each tenant's database_url)
//
// Exit 0 when every tenant migrated, 1 when one failed (the others are still
// tried, as a fleet loop would), 2 on usage errors. Errors name the tenant's
// slug, never its URL (it may carry a password).
import pg from "pg";
import { drizzle } from "drizzle-orm/node-postgres";
import { migrate } from "drizzle-orm/node-postgres/migrator";

const [migrationsFolder] = process.argv.slice(2);
const masterUrl = process.env.MASTER_DATABASE_URL;
if (!migrationsFolder || !masterUrl || process.argv.length > 3) {
    console.error("usage: MASTER_DATABASE_URL=URL node migrate.mjs MIGRATIONS_FOLDER");
    process.exit(2);
}

const master = new pg.Client({ connectionString: masterUrl });
await master.connect();
const { rows: tenants } = await master.query(
    `SELECT slug, database_url FROM tenants
      WHERE deleted_at IS NULL AND database_type = 'POSTGRESQL'
      ORDER BY slug`,
);
await master.end();

let failed = 0;
for (const tenant of tenants) {
    const client = new pg.Client({ connectionString: tenant.database_url });
    try {
        await client.connect();
        await migrate(drizzle(client), { migrationsFolder });
    } catch (err) {
        failed++;
        console.error(`migrate.mjs: tenant ${tenant.slug}: ${err.message}`);
    } finally {
        await client.end().catch(() => {});
    }
}
if (failed) {
    console.error(`migrate.mjs: ${failed} of ${tenants.length} tenants failed`);
    process.exit(1);
}
