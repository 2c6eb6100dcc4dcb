import { ensurePgliteTemplate, ensurePostgresTemplate } from "./db-template";

/** Runs once before the test files: the migrated templates every test database starts from. */
export default async function setup(): Promise<void> {
  await ensurePgliteTemplate();
  if (process.env.TEST_DATABASE_URL) await ensurePostgresTemplate(process.env.TEST_DATABASE_URL);
}
