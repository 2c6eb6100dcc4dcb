import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { MIGRATIONS_FOLDER, openDatabase } from "../../src/db/client";

/**
 * Migrated templates, made once per test run (vitest's globalSetup) instead of once per test file: starting PGlite
 * and applying every migration costs seconds, loading a dumped data directory about half of it, and PostgreSQL copies
 * a template database in a fraction of the time the migrations take. Both are named by a hash of drizzle/ and of
 * PGlite's version, so a new migration or upgrade makes a new template and never reuses a stale one; old templates
 * are removed once no run is likely to use them.
 */
let memo: string | undefined;
function templateHash(): string {
  if (memo) return memo;
  const hash = createHash("sha256");
  const files = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true })
      .flatMap((entry) => (entry.isDirectory() ? files(join(dir, entry.name)) : [join(dir, entry.name)]))
      .sort();
  for (const file of files(MIGRATIONS_FOLDER))
    hash.update(file.slice(MIGRATIONS_FOLDER.length)).update(readFileSync(file));
  const pglite = new URL("../../node_modules/@electric-sql/pglite/package.json", import.meta.url);
  hash.update(readFileSync(pglite));
  memo = hash.digest("hex").slice(0, 16);
  return memo;
}

const PGLITE_PREFIX = "erikti-test-pglite-";
export const pgliteTemplateFile = (): string => join(tmpdir(), `${PGLITE_PREFIX}${templateHash()}.tar`);
export const postgresTemplateName = (): string => `erikti_template_${templateHash()}`;

/** Writes the migrated PGlite data directory once (atomically, so a concurrent run never reads half a file). */
export async function ensurePgliteTemplate(): Promise<void> {
  const file = pgliteTemplateFile();
  // Another checkout's template (another migration) may be in use by its run: only those a day old go.
  for (const old of readdirSync(tmpdir()).filter((name) => name.startsWith(PGLITE_PREFIX))) {
    const path = join(tmpdir(), old);
    if (path !== file && Date.now() - statSync(path).mtimeMs > 24 * 3600_000) rmSync(path, { force: true });
  }
  if (existsSync(file)) return;
  const handle = await openDatabase({});
  await handle.migrate();
  const dump = await handle.dumpDataDir!();
  await handle.close();
  const partial = `${file}.${process.pid}`;
  writeFileSync(partial, Buffer.from(await dump.arrayBuffer()));
  renameSync(partial, file);
}

/** Creates the migrated template database on the server once; other runs' stale templates are dropped. */
export async function ensurePostgresTemplate(url: string): Promise<void> {
  const name = postgresTemplateName();
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await admin`select pg_advisory_lock(7203118002)`;
    // Another checkout's template (another migration) may be in use by its run: the three newest others stay.
    const stale = await admin<{ datname: string }[]>`
      select datname from pg_database where datname like 'erikti_template_%' and datname <> ${name}
        and datname not like '%_building' order by oid desc offset 3`;
    for (const { datname } of stale) await admin.unsafe(`drop database if exists ${datname} with (force)`);
    const [exists] = await admin`select 1 from pg_database where datname = ${name}`;
    if (!exists) {
      const building = `${name}_building`;
      await admin.unsafe(`drop database if exists ${building} with (force)`);
      await admin.unsafe(`create database ${building}`);
      const target = new URL(url);
      target.pathname = `/${building}`;
      const handle = await openDatabase({ url: target.toString(), max: 1 });
      await handle.migrate();
      await handle.close();
      await admin.unsafe(`alter database ${building} rename to ${name}`);
    }
    await admin`select pg_advisory_unlock(7203118002)`;
  } finally {
    await admin.end({ timeout: 5 });
  }
}
