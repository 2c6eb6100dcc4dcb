import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../../src/db/client";
import { actions, clubMeetings, clubs, marathons, organizations, regions } from "../../src/db/schema";
import { DEMO_MARATHON_CODE, planDemo, seedDemo } from "../../src/playground/seed-demo";
import { CATEGORIES } from "../../src/domain/categories";
import { testDatabases } from "../support/db";

// Kazakhstan's bounding box, rounded outwards.
const KZ = { south: 40.5, north: 55.5, west: 46.4, east: 87.4 };

describe.each(testDatabases)("demo data on $name", (kind) => {
  let database: DatabaseHandle;
  const startedAt = new Date();
  beforeAll(async () => {
    database = await kind.open();
  });
  afterAll(() => database.close());

  it("seeds actions in all 20 regions, every category, organizers, marathons and a longevity club", async () => {
    const result = await seedDemo(database.db);
    expect(result).toMatchObject({ seeded: true, actions: 360, marathons: 2 });
    expect(result.organizations).toBeGreaterThan(40);

    const rows = await database.db.select().from(actions);
    expect(rows).toHaveLength(360);
    const regionCodes = (await database.db.select({ code: regions.code }).from(regions)).map((r) => r.code);
    expect(regionCodes).toHaveLength(20);
    for (const code of regionCodes) {
      expect(rows.filter((a) => a.regionCode === code && a.status === "published").length, code).toBeGreaterThanOrEqual(
        10,
      );
    }
    expect(new Set(rows.map((a) => a.category))).toEqual(new Set(CATEGORIES));
    expect(rows.some((a) => a.status === "cancelled")).toBe(true);
    expect(rows.some((a) => a.capacity !== null && a.participantsCount > 0 && a.participantsCount < a.capacity)).toBe(
      true,
    );
    expect(rows.some((a) => a.participantsCount === a.capacity)).toBe(true);
    expect(rows.every((a) => a.organizationId !== null && (a.titleKk ?? a.titleRu) && a.addressKk && a.addressRu)).toBe(
      true,
    );
    expect(
      rows.every((a) => a.capacity !== null && a.capacity >= 5 && a.capacity <= 100 && a.hours >= 1 && a.hours <= 8),
    ).toBe(true);
    // Titles come in either language (each in its own column); descriptions and addresses in both.
    expect(rows.some((a) => a.titleKk && /[әғқңөұүһі]/i.test(a.titleKk))).toBe(true);
    expect(rows.some((a) => a.titleRu && /^[^әғқңөұүһі]+$/i.test(a.titleRu))).toBe(true);
    expect(rows.every((a) => a.descriptionKk && a.descriptionRu)).toBe(true);

    expect(await database.db.select().from(organizations)).toHaveLength(result.organizations);
    const marathonRows = await database.db.select().from(marathons);
    const national = marathonRows.find((m) => m.code === DEMO_MARATHON_CODE)!;
    expect(national).toMatchObject({ titleKk: "Игі істер марафоны", titleRu: "Марафон добрых дел", regionCode: null });
    for (const m of marathonRows) {
      expect(m.startsAt.getTime()).toBeLessThan(Date.now());
      expect(m.endsAt.getTime()).toBeGreaterThan(Date.now());
    }
    expect(marathonRows.some((m) => m.regionCode !== null)).toBe(true);
    expect(rows.filter((a) => a.marathonId === national.id).length).toBeGreaterThan(20);

    const clubRows = await database.db.select().from(clubs);
    expect(clubRows.length).toBeGreaterThanOrEqual(1);
    const meetings = await database.db.select().from(clubMeetings);
    for (const club of clubRows) expect(meetings.filter((m) => m.clubId === club.id).length).toBeGreaterThanOrEqual(1);
  });

  it("keeps every action inside Kazakhstan, near its region's center", async () => {
    const rows = await database.db.select().from(actions);
    const centers = new Map((await database.db.select().from(regions)).map((r) => [r.code, r]));
    for (const a of rows) {
      expect(a.latitude).toBeGreaterThan(KZ.south);
      expect(a.latitude).toBeLessThan(KZ.north);
      expect(a.longitude).toBeGreaterThan(KZ.west);
      expect(a.longitude).toBeLessThan(KZ.east);
      const center = centers.get(a.regionCode!)!;
      const km =
        111.2 *
        Math.hypot(
          a.latitude - center.latitude,
          (a.longitude - center.longitude) * Math.cos((center.latitude * Math.PI) / 180),
        );
      // Towns lie up to ~370 km from their region's center (Aral from Kyzylorda, Balkhash from Karaganda).
      expect(km, a.addressRu ?? "").toBeLessThan(400);
    }
  });

  it("schedules published actions in the future, within 46 days, at daytime local hours", async () => {
    const rows = await database.db.select().from(actions);
    const horizon = startedAt.getTime() + 46 * 86_400_000;
    for (const a of rows.filter((row) => row.status === "published")) {
      expect(a.startsAt.getTime()).toBeGreaterThan(startedAt.getTime());
      expect(a.startsAt.getTime()).toBeLessThan(horizon);
      expect(a.endsAt.getTime()).toBeGreaterThan(a.startsAt.getTime());
      const localStart = (a.startsAt.getUTCHours() + 5) % 24;
      const localEnd = (a.endsAt.getUTCHours() + 5) % 24;
      expect(localStart).toBeGreaterThanOrEqual(8);
      expect(localEnd).toBeLessThanOrEqual(21);
    }
  });

  it("is idempotent: a second run writes nothing", async () => {
    const before = (await database.db.select({ id: actions.id }).from(actions)).length;
    expect(await seedDemo(database.db)).toMatchObject({ seeded: false, actions: 0 });
    expect(await database.db.select({ id: actions.id }).from(actions)).toHaveLength(before);
    expect(await database.db.select().from(marathons)).toHaveLength(2);
    expect((await database.db.select().from(clubs)).length).toBe(2);
  });

  it.runIf(kind.name === "postgres")("seeds once when two instances start together", async () => {
    const fresh = await kind.open();
    try {
      const results = await Promise.all([seedDemo(fresh.db), seedDemo(fresh.db), seedDemo(fresh.db)]);
      expect(results.filter((r) => r.seeded)).toHaveLength(1);
      expect(await fresh.db.select({ id: actions.id }).from(actions)).toHaveLength(360);
    } finally {
      await fresh.close();
    }
  });
});

describe("demo plan", () => {
  const regionList = Array.from({ length: 20 }, (_, i) => ({
    code: `r${i}`,
    nameKk: `Өңір ${i}`,
    nameRu: `Регион ${i}`,
    centerKk: `Қала ${i}`,
    centerRu: `Город ${i}`,
    latitude: 43 + i / 2,
    longitude: 60 + i,
    position: i,
  }));

  it("is the same for the same moment and seed, and different for another seed", () => {
    const now = new Date("2026-03-01T04:00:00Z");
    expect(planDemo(regionList, { now })).toEqual(planDemo(regionList, { now }));
    expect(planDemo(regionList, { now, seed: 7 }).actions).not.toEqual(planDemo(regionList, { now }).actions);
  });

  it("never starts an action within the next hour, even late in the evening", () => {
    const now = new Date("2026-03-01T15:30:00Z"); // 20:30 in Almaty
    const plan = planDemo(regionList, { now, actions: 500 });
    expect(plan.actions).toHaveLength(500);
    for (const a of plan.actions)
      expect((a.startsAt as Date).getTime()).toBeGreaterThanOrEqual(now.getTime() + 3_600_000);
  });
});
