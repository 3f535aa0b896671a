// bench/node/migrate.mjs — the approach pgfleet replaces, as bench/fleet.sh
// times it: read the active tenants from the master database, then for each
// tenant, one after another, open a node-postgres client, call drizzle-orm's
// migrate() on it and close it.
//
// usage: node migrate.mjs [--pool N] MIGRATIONS_FOLDER
//   --pool N  N tenants at once (a pool of N promises taking tenants from a
//             shared index: what a capable user writes); default 1, the
//             sequential loop
// env:   MASTER_DATABASE_URL  postgresql:// URL of the master database (its
//                             tenants table names each tenant's database_url)
//
// Exit 0 when every tenant migrated, 1 when one failed (the others are still
// tried, as a fleet loop would), 2 on usage errors. Errors name the tenant's
// slug, never its URL (it may carry a password).
import pg from "pg";
import { drizzle } from "drizzle-orm/node-postgres";
import { migrate } from "drizzle-orm/node-postgres/migrator";

const args = process.argv.slice(2);
let pool = 1;
if (args[0] === "--pool") {
    pool = Number(args[1]);
    args.splice(0, 2);
}
const [migrationsFolder] = args;
const masterUrl = process.env.MASTER_DATABASE_URL;
if (!migrationsFolder || !masterUrl || args.length > 1 || !Number.isInteger(pool) || pool < 1) {
    console.error("usage: MASTER_DATABASE_URL=URL node migrate.mjs [--pool N] MIGRATIONS_FOLDER");
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
async function migrateTenant(tenant) {
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
// pool workers, each taking the next tenant until none is left (with --pool 1:
// one after another, the seed's loop)
let next = 0;
async function worker() {
    while (next < tenants.length) await migrateTenant(tenants[next++]);
}
await Promise.all(Array.from({ length: Math.min(pool, tenants.length) }, worker));
if (failed) {
    console.error(`migrate.mjs: ${failed} of ${tenants.length} tenants failed`);
    process.exit(1);
}
