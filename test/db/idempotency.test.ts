import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../../src/db/client";
import { hourEntries, marathonDeeds, marathons } from "../../src/db/schema";
import { reportHours } from "../../src/domain/hours";
import { joinMarathon, reportDeed } from "../../src/domain/marathons";
import { completeOnboarding, touchUser } from "../../src/domain/users";
import { testDatabases } from "../support/db";

const NOW = new Date("2026-03-15T06:00:00Z");
const DAY = 86_400_000;

/**
 * A conversation step that writes (a self-reported hours claim, a marathon deed) carries a key made at the start of
 * the conversation. A crash between the commit and the write of the conversation's state replays the step with the
 * same key: the second call must find the first row, not insert another.
 */
describe.each(testDatabases)("idempotent conversation writes on $name", (kind) => {
  let database: DatabaseHandle;
  const user = 7_300_000_001;
  let marathonId: number;

  beforeAll(async () => {
    database = await kind.open();
    await touchUser(database.db, user, false);
    await completeOnboarding(database.db, user, {
      language: "ru",
      regionCode: "almaty",
      interests: [],
      consent: true,
      profile: { firstName: "Ая" },
    });
    const [row] = await database.db
      .insert(marathons)
      .values({
        code: "idem",
        titleKk: "Марафон",
        titleRu: "Марафон",
        regionCode: null,
        startsAt: new Date(NOW.getTime() - DAY),
        endsAt: new Date(NOW.getTime() + DAY),
      })
      .returning({ id: marathons.id });
    marathonId = row!.id;
    await joinMarathon(database.db, marathonId, user, NOW);
  });
  afterAll(() => database.close());

  it("a self-reported hours claim written twice with one key is one row", async () => {
    const report = {
      userId: user,
      organizationName: "Фонд",
      date: "2026-03-14",
      hours: 2,
      note: "уборка",
      idempotencyKey: "hl-key-1",
    };
    const first = await reportHours(database.db, report, NOW);
    const second = await reportHours(database.db, report, NOW);
    expect(second.id).toBe(first.id);
    const rows = await database.db.select().from(hourEntries).where(eq(hourEntries.userId, user));
    expect(rows).toHaveLength(1);
    // Without a key (or with another one) it is a new claim.
    await reportHours(database.db, { ...report, idempotencyKey: "hl-key-2" }, NOW);
    expect(await database.db.select().from(hourEntries).where(eq(hourEntries.userId, user))).toHaveLength(2);
  });

  it("a marathon deed written twice with one key is one row", async () => {
    const input = { marathonId, userId: user, text: "Помог соседке", idempotencyKey: "mrd-key-1" };
    const first = await reportDeed(database.db, input, NOW);
    const second = await reportDeed(database.db, input, NOW);
    expect(second).toEqual(first);
    expect(await database.db.select().from(marathonDeeds).where(eq(marathonDeeds.userId, user))).toHaveLength(1);
  });

  it("stores no control characters: NUL and direction overrides are removed, an invisible text is refused", async () => {
    const entry = await reportHours(
      database.db,
      {
        userId: user,
        organizationName: "Фонд\u0000 \u202eДобро",
        date: "2026-03-13",
        hours: 1,
        note: "строка\u0000\nвторая",
      },
      NOW,
    );
    expect(entry.organizationName).toBe("Фонд Добро");
    expect(entry.note).toBe("строка\nвторая");
    await expect(
      reportHours(
        database.db,
        { userId: user, organizationName: "\u200b\u200d\u202e", date: "2026-03-13", hours: 1 },
        NOW,
      ),
    ).rejects.toMatchObject({ code: "organization_required" });
  });
});
