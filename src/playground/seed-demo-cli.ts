/** npm run seed:demo — fills the configured database (DATABASE_URL, else PGlite under DATA_DIR) with demo data. */
import { join } from "node:path";
import { ConfigError, loadConfig } from "../config";
import { openDatabase } from "../db/client";
import { seedDemo } from "./seed-demo";

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const database = await openDatabase({
    url: config.databaseUrl,
    dataDir: config.databaseUrl ? undefined : join(config.dataDir, "pglite"),
  });
  try {
    await database.migrate();
    const result = await seedDemo(database.db);
    const where = config.databaseUrl ? "PostgreSQL" : join(config.dataDir, "pglite");
    console.log(
      result.seeded
        ? `Demo data seeded in ${where}: ${result.actions} actions, ${result.organizations} organizations, ${result.marathons} marathons, ${result.clubs} longevity clubs.`
        : `Demo data already present in ${where}: nothing to do.`,
    );
  } finally {
    await database.close();
  }
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError)
    for (const problem of error.problems) console.error(`Configuration error: ${problem}`);
  else console.error(`Seeding failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
