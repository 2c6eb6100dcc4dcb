import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { btree_gist } from "@electric-sql/pglite/contrib/btree_gist";
import { cube } from "@electric-sql/pglite/contrib/cube";
import { earthdistance } from "@electric-sql/pglite/contrib/earthdistance";
import { sql } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import * as schema from "./schema";

/** One drizzle type for both drivers: domain code never knows which one it talks to. */
export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;

/** A database or an open transaction: domain functions that may join a caller's transaction take this. */
export type Executor = Database | Parameters<Parameters<Database["transaction"]>[0]>[0];

/** Rows of `db.execute(sql...)`: PGlite answers `{ rows }`, postgres-js an array. */
export function rowsOf<T>(result: unknown): T[] {
  if (Array.isArray(result)) return result as T[];
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}

/**
 * A query prepared once per database (drizzle's `.prepare()`, values as `sql.placeholder`): for the statements of
 * every update, whose SQL drizzle would otherwise build again each time (building costs more CPU than PostgreSQL
 * spends answering them). Only for a Database, not a transaction.
 */
export function preparedPerDatabase<Q>(prepare: (db: Database) => Q): (db: Database) => Q {
  const prepared = new WeakMap<Database, Q>();
  return (db) => {
    let query = prepared.get(db);
    if (!query) prepared.set(db, (query = prepare(db)));
    return query;
  };
}

export interface DatabaseHandle {
  db: Database;
  kind: "pglite" | "postgres";
  /** Applies the migrations in drizzle/ (idempotent; safe with several instances starting at once). */
  migrate(): Promise<void>;
  /** True when the database answers a trivial query. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
  /** PGlite only: the data directory as a tarball (the tests make their migrated template with it). */
  dumpDataDir?: () => Promise<Blob>;
}

type QueryLogger = { logQuery(query: string, params: unknown[]): void };

export const MIGRATIONS_FOLDER = fileURLToPath(new URL("../../drizzle", import.meta.url));
/** PostgreSQL connections per process when `max` is not given (what `npm start` runs with). */
export const DEFAULT_POOL_SIZE = 10;
const MIGRATION_LOCK = 7_203_118_001; // arbitrary advisory-lock key for migrations

export interface OpenDatabaseOptions {
  /** postgres:// URL; without it the embedded PGlite is used. */
  url?: string;
  /** PGlite data directory; "memory" (or undefined) keeps it in memory. */
  dataDir?: string;
  /** Pool size for PostgreSQL (DEFAULT_POOL_SIZE). */
  max?: number;
  /** Called with every SQL statement drizzle sends (the benchmark counts statements per update). */
  onQuery?: (query: string) => void;
  /** PGlite only: start from a data directory dumped by `dumpDataDir` (the tests' migrated template). */
  loadDataDir?: Blob;
}

export async function openDatabase(options: OpenDatabaseOptions): Promise<DatabaseHandle> {
  const logger = options.onQuery ? { logQuery: (query: string) => options.onQuery?.(query) } : undefined;
  if (options.url) return openPostgres(options.url, options.max ?? DEFAULT_POOL_SIZE, logger);
  return openPglite(options.dataDir, logger, options.loadDataDir);
}

async function openPglite(dataDir?: string, logger?: QueryLogger, loadDataDir?: Blob): Promise<DatabaseHandle> {
  const inMemory = !dataDir || dataDir === "memory";
  if (!inMemory) mkdirSync(dataDir, { recursive: true });
  const client = await PGlite.create(inMemory ? undefined : dataDir, {
    extensions: { cube, earthdistance, btree_gist },
    loadDataDir,
  });
  const db = drizzlePglite(client, { schema, logger }) as unknown as Database;
  return {
    db,
    kind: "pglite",
    migrate: () => migratePglite(db as never, { migrationsFolder: MIGRATIONS_FOLDER }),
    ping: () => ping(db),
    close: async () => {
      if (!client.closed) await client.close();
    },
    dumpDataDir: () => client.dumpDataDir("none"),
  };
}

function openPostgres(url: string, max: number, logger?: QueryLogger): DatabaseHandle {
  const client = postgres(url, { max, onnotice: () => {} });
  const db = drizzlePostgres(client, { schema, logger }) as unknown as Database;
  return {
    db,
    kind: "postgres",
    async migrate() {
      // One connection holds the advisory lock for the whole run, so instances starting together take turns.
      const single = postgres(url, { max: 1, onnotice: () => {} });
      try {
        await single`select pg_advisory_lock(${MIGRATION_LOCK})`;
        await migratePostgres(drizzlePostgres(single), { migrationsFolder: MIGRATIONS_FOLDER });
        await single`select pg_advisory_unlock(${MIGRATION_LOCK})`;
      } finally {
        await single.end({ timeout: 5 });
      }
    },
    ping: () => ping(db),
    close: () => client.end({ timeout: 5 }),
  };
}

async function ping(db: Database): Promise<boolean> {
  try {
    await db.execute(sql`select 1`);
    return true;
  } catch {
    return false;
  }
}
