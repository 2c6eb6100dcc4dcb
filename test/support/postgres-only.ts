import { afterAll, beforeAll, describe } from "vitest";
import { type DatabaseHandle, openDatabase } from "../../src/db/client";
import { postgresUrl } from "./db";
import { freshPostgresUrl } from "./delivery-fixtures";

/** The block's own database on the real server (filled in before the block's tests). */
export interface SharedPostgres {
  url: string;
}

/**
 * A describe block that needs the real PostgreSQL server (several connections or processes on one database):
 * skipped with a visible reason without TEST_DATABASE_URL. The block gets a fresh migrated database, created before
 * its own beforeAll hooks run and dropped after its afterAll hooks.
 */
export function describeOnPostgres(title: string, body: (database: SharedPostgres) => void): void {
  const reason = postgresUrl ? "" : " (skipped: needs TEST_DATABASE_URL, several connections to one server)";
  (postgresUrl ? describe : describe.skip)(`${title}${reason}`, () => {
    const database: SharedPostgres = { url: "" };
    let fresh: Awaited<ReturnType<typeof freshPostgresUrl>> | undefined;
    beforeAll(async () => {
      fresh = await freshPostgresUrl(postgresUrl!);
      database.url = fresh.url;
    });
    afterAll(() => fresh?.drop());
    body(database);
  });
}

/**
 * Two handles (two pools) on the block's database, migrated, closed after the block: for races between two bot
 * instances. Read `first` and `second` inside the tests (they are opened in beforeAll).
 */
export function twoConnections(database: SharedPostgres): { first: DatabaseHandle; second: DatabaseHandle } {
  const handles = {} as { first: DatabaseHandle; second: DatabaseHandle };
  beforeAll(async () => {
    handles.first = await openDatabase({ url: database.url, max: 3 });
    handles.second = await openDatabase({ url: database.url, max: 3 });
    await handles.first.migrate();
  });
  afterAll(async () => {
    await handles.first?.close();
    await handles.second?.close();
  });
  return handles;
}
