import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import postgres from "postgres";
import { type DatabaseHandle, openDatabase } from "../../src/db/client";
import { pgliteTemplateFile, postgresTemplateName } from "./db-template";

export interface TestDatabaseKind {
  name: "pglite" | "postgres";
  /** A fresh, migrated database of its own; close() also drops it. */
  open(options?: FreshDatabaseOptions): Promise<DatabaseHandle>;
}

const serverUrl = process.env.TEST_DATABASE_URL;

/** `onQuery` is told of every SQL statement sent (statement counts in the benchmark and tests). */
export interface FreshDatabaseOptions {
  onQuery?: (query: string) => void;
  /** PostgreSQL's pool size (default 20: tests run many connections at once). */
  max?: number;
}

export async function openFreshPostgres(
  url: string,
  { onQuery, max = 20 }: FreshDatabaseOptions = {},
): Promise<DatabaseHandle> {
  const name = `erikti_t_${randomBytes(6).toString("hex")}`;
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  const template = postgresTemplateName();
  const [hasTemplate] = await admin`select 1 from pg_database where datname = ${template}`;
  // From the run's migrated template when globalSetup made it (benchmarks run without it)
  await admin.unsafe(hasTemplate ? `create database ${name} template ${template}` : `create database ${name}`);
  const target = new URL(url);
  target.pathname = `/${name}`;
  const handle = await openDatabase({ url: target.toString(), max, onQuery });
  if (!hasTemplate) await handle.migrate();
  let closed = false;
  return {
    ...handle,
    async close() {
      if (closed) return;
      closed = true;
      await handle.close();
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end({ timeout: 5 });
    },
  };
}

/** PGlite always; the real PostgreSQL too when TEST_DATABASE_URL is set (CI sets it). */
export async function openFreshPglite({ onQuery }: FreshDatabaseOptions = {}): Promise<DatabaseHandle> {
  const template = pgliteTemplateFile();
  if (!existsSync(template)) {
    const handle = await openDatabase({ onQuery });
    await handle.migrate();
    return handle;
  }
  return openDatabase({ onQuery, loadDataDir: new Blob([readFileSync(template)]) });
}

export const testDatabases: TestDatabaseKind[] = [
  { name: "pglite", open: openFreshPglite },
  ...(serverUrl
    ? [{ name: "postgres" as const, open: (options?: FreshDatabaseOptions) => openFreshPostgres(serverUrl, options) }]
    : []),
];

export const postgresUrl = serverUrl;
