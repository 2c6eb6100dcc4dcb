import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database, DatabaseHandle } from "../../src/db/client";
import { clubMeetings } from "../../src/db/schema";
import { addMeeting, createClub, MAX_MEETINGS_PER_CLUB } from "../../src/domain/clubs";
import { testDatabases } from "../support/db";
import { describeOnPostgres, twoConnections } from "../support/postgres-only";

const newClub = (db: Database) =>
  createClub(db, {
    nameKk: "Күміс жас",
    nameRu: null,
    regionCode: "almaty",
    address: "Абай к-сі 10",
    latitude: null,
    longitude: null,
  });

const activeCount = async (db: Database, clubId: number) =>
  (
    await db
      .select()
      .from(clubMeetings)
      .where(and(eq(clubMeetings.clubId, clubId), eq(clubMeetings.active, true)))
  ).length;

describe.each(testDatabases)("club meetings in the database on $name", (kind) => {
  let database: DatabaseHandle;
  const db = () => database.db;
  beforeAll(async () => {
    database = await kind.open();
  });
  afterAll(() => database.close());

  it(`never passes ${MAX_MEETINGS_PER_CLUB} active meetings, however many adds run at once`, async () => {
    const club = await newClub(db());
    const added = await Promise.all(
      Array.from({ length: MAX_MEETINGS_PER_CLUB + 6 }, (_, i) => addMeeting(db(), club.id, (i % 7) + 1, 600 + i)),
    );
    expect(added.filter(Boolean)).toHaveLength(MAX_MEETINGS_PER_CLUB);
    expect(await activeCount(db(), club.id)).toBe(MAX_MEETINGS_PER_CLUB);
    expect(await addMeeting(db(), club.id, 1, 600)).toBeUndefined();
    expect(await addMeeting(db(), 2_000_000_000, 1, 600)).toBeUndefined(); // no such club
  });
});

describeOnPostgres("two coordinators adding a club's last meeting on two connections", (fresh) => {
  const handles = twoConnections(fresh);

  it("exactly one of them gets the last place, however often they race", async () => {
    for (let round = 0; round < 5; round++) {
      const club = await newClub(handles.first.db);
      for (let i = 0; i < MAX_MEETINGS_PER_CLUB - 1; i++)
        await addMeeting(handles.first.db, club.id, (i % 7) + 1, 480 + i);
      const outcomes = await Promise.all([
        addMeeting(handles.first.db, club.id, 2, 900),
        addMeeting(handles.second.db, club.id, 3, 900),
      ]);
      expect(outcomes.filter(Boolean)).toHaveLength(1);
      expect(await activeCount(handles.first.db, club.id)).toBe(MAX_MEETINGS_PER_CLUB);
    }
  });
});
