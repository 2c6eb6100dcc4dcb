import { eq, inArray, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DatabaseHandle, rowsOf } from "../../src/db/client";
import { actions, browseStates, organizations } from "../../src/db/schema";
import {
  forgetStaleSearchOrigins,
  findNearbyActions,
  getActionCard,
  getBrowse,
  nearbyActionsQuery,
  periodWindow,
  takeLocationRequest,
  countNearbyActions,
  COUNT_CAP,
  updateBrowse,
} from "../../src/domain/actions";
import { buildIcs } from "../../src/domain/ics";
import { touchUser } from "../../src/domain/users";
import { testDatabases } from "../support/db";

const ALMATY = { latitude: 43.238, longitude: 76.9452 };
/** Wednesday 11 March 2026, 10:00 in Almaty (UTC+5). */
const NOW = new Date("2026-03-11T05:00:00Z");
const local = (iso: string) => new Date(`${iso}+05:00`);

describe("periods in Asia/Almaty", () => {
  it("cut today, this weekend, this week and this month at local midnight", () => {
    expect(periodWindow("all", NOW)).toEqual({ from: NOW });
    expect(periodWindow("today", NOW).until).toEqual(local("2026-03-12T00:00"));
    expect(periodWindow("weekend", NOW)).toEqual({ from: local("2026-03-14T00:00"), until: local("2026-03-16T00:00") });
    expect(periodWindow("week", NOW).until).toEqual(local("2026-03-16T00:00"));
    expect(periodWindow("month", NOW).until).toEqual(local("2026-04-01T00:00"));
    // At 01:00 on Sunday in Almaty it is still Saturday in UTC: the weekend must not jump to the next one.
    const sundayNight = local("2026-03-15T01:00");
    expect(periodWindow("weekend", sundayNight)).toEqual({ from: sundayNight, until: local("2026-03-16T00:00") });
    expect(periodWindow("week", sundayNight).until).toEqual(local("2026-03-16T00:00"));
    expect(periodWindow("today", sundayNight).until).toEqual(local("2026-03-16T00:00"));
    const saturday = local("2026-03-14T12:00");
    expect(periodWindow("weekend", saturday)).toEqual({ from: saturday, until: local("2026-03-16T00:00") });
    const mondayEarly = local("2026-03-16T00:30"); // still Sunday in UTC
    expect(periodWindow("weekend", mondayEarly)).toEqual({
      from: local("2026-03-21T00:00"),
      until: local("2026-03-23T00:00"),
    });
    expect(periodWindow("month", local("2026-12-31T23:00")).until).toEqual(local("2027-01-01T00:00"));
  });
});

describe("calendar file (RFC 5545)", () => {
  it("has UTC times, escaped text and lines folded at 75 octets without splitting a letter", () => {
    const ics = buildIcs(
      {
        id: 42,
        title: 'Сенбілік; <Таза>, & "Көк" — '.repeat(4),
        description: "Line one\nLine two",
        address: "Алматы, Абай 10",
        latitude: 43.238,
        longitude: 76.9452,
        startsAt: local("2026-03-14T10:00"),
        endsAt: local("2026-03-14T13:30"),
        organizer: "Жасыл Ел",
      },
      NOW,
    );
    expect(ics.endsWith("END:VCALENDAR\r\n")).toBe(true);
    expect(ics).toContain("DTSTART:20260314T050000Z\r\n");
    expect(ics).toContain("DTEND:20260314T083000Z\r\n");
    expect(ics).toContain("DTSTAMP:20260311T050000Z\r\n");
    expect(ics).toContain("GEO:43.238000;76.945200\r\n");
    expect(ics).toContain("LOCATION:Алматы\\, Абай 10\r\n");
    const lines = ics.split("\r\n");
    expect(lines.every((line) => Buffer.byteLength(line) <= 75)).toBe(true);
    expect(lines.some((line) => line.startsWith(" "))).toBe(true);
    const unfolded = ics.replace(/\r\n /g, "");
    expect(unfolded).toContain(`SUMMARY:${'Сенбілік\\; <Таза>\\, & "Көк" — '.repeat(4)}\r\n`);
    expect(unfolded).toContain("DESCRIPTION:Line one\\nLine two\\n\\nЖасыл Ел\r\n");
    expect(ics).not.toContain("\uFFFD");
  });
});

describe.each(testDatabases)("nearby actions on $name", (kind) => {
  let database: DatabaseHandle;
  let orgId: number;
  const ids: Record<string, number> = {};

  async function add(key: string, values: Partial<typeof actions.$inferInsert> & { km?: number }) {
    const { km = 1, ...rest } = values;
    const startsAt = rest.startsAt ?? local("2026-03-20T10:00");
    const [row] = await database.db
      .insert(actions)
      .values({
        organizationId: orgId,
        titleRu: key,
        category: "ecology",
        addressRu: `Address ${key}`,
        // Due north of the origin: one degree of latitude is about 111.2 km.
        latitude: ALMATY.latitude + km / 111.2,
        longitude: ALMATY.longitude,
        capacity: 10,
        ...rest,
        startsAt,
        endsAt: new Date(startsAt.getTime() + 3 * 3600_000),
      })
      .returning({ id: actions.id });
    ids[key] = row!.id;
  }

  beforeAll(async () => {
    database = await kind.open();
    const [org] = await database.db
      .insert(organizations)
      .values({ status: "approved", nameRu: "Жасыл Ел & <Co>" })
      .returning();
    orgId = org!.id;
    await add("near", { km: 0.5 });
    await add("mid", { km: 3, category: "animals", participantsCount: 10 });
    await add("far", { km: 12 });
    await add("farther", { km: 40, category: "animals" });
    await add("cancelled", { km: 0.1, status: "cancelled" });
    await add("draft", { km: 0.2, status: "draft" });
    await add("past", { km: 0.3, startsAt: local("2026-03-10T10:00") });
    await add("started", { km: 0.4, startsAt: local("2026-03-11T09:00") });
    // Period boundaries around the weekend of 14–15 March 2026 (all 20 km away).
    await add("today_evening", { km: 20, startsAt: local("2026-03-11T18:00") });
    await add("friday_late", { km: 20, startsAt: local("2026-03-13T23:30") });
    await add("saturday_early", { km: 20, startsAt: local("2026-03-14T00:30") });
    await add("sunday_late", { km: 20, startsAt: local("2026-03-15T23:30") });
    await add("monday_early", { km: 20, startsAt: local("2026-03-16T00:30") });
    await add("march_last", { km: 20, startsAt: local("2026-03-31T23:00") });
    await add("april_first", { km: 20, startsAt: local("2026-04-01T00:30") });
  });
  afterAll(() => database.close());

  const titles = (rows: Array<{ title: string }>) => rows.map((r) => r.title);
  const search = (extra: Partial<Parameters<typeof findNearbyActions>[1]> = {}) =>
    findNearbyActions(database.db, { ...ALMATY, limit: 50, offset: 0, now: NOW, locale: "ru", ...extra });

  it("lists upcoming published actions nearest first, full ones included, with distance and organizer", async () => {
    const rows = await search();
    expect(titles(rows).slice(0, 4)).toEqual(["near", "mid", "far", "today_evening"]);
    expect(titles(rows)).not.toContain("cancelled");
    expect(titles(rows)).not.toContain("draft");
    expect(titles(rows)).not.toContain("past");
    expect(titles(rows)).not.toContain("started");
    expect(titles(rows).at(-1)).toBe("farther");
    expect(rows).toHaveLength(11);
    const near = rows[0]!;
    expect(near.distanceMeters).toBeGreaterThan(450);
    expect(near.distanceMeters).toBeLessThan(550);
    expect(near).toMatchObject({
      organizationName: "Жасыл Ел & <Co>",
      spotsLeft: 10,
      capacity: 10,
      address: "Address near",
    });
    expect(near.startsAt).toBeInstanceOf(Date);
    expect(rows[1]).toMatchObject({ title: "mid", spotsLeft: 0, participantsCount: 10 });
  });

  it("filters by category", async () => {
    expect(titles(await search({ categories: ["animals"] }))).toEqual(["mid", "farther"]);
    expect(await search({ categories: ["health"] })).toEqual([]);
  });

  it("filters by several categories at once, within a radius, and counts what the list holds", async () => {
    await add("health_near", { km: 2, category: "health" });
    try {
      expect(titles(await search({ categories: ["animals", "health"] }))).toEqual(["health_near", "mid", "farther"]);
      // 10 km: only the first two; 50 km: also the one 40 km away; none of the 20 km period rows are animals.
      expect(titles(await search({ categories: ["animals", "health"], radiusKm: 10 }))).toEqual(["health_near", "mid"]);
      expect(titles(await search({ categories: ["animals"], radiusKm: 50 }))).toEqual(["mid", "farther"]);
      expect(titles(await search({ radiusKm: 5 }))).toEqual(["near", "health_near", "mid"]);
      expect(await search({ radiusKm: 5, latitude: ALMATY.latitude - 1 })).toEqual([]);
      const count = (extra: Partial<Parameters<typeof countNearbyActions>[1]>) =>
        countNearbyActions(database.db, { ...ALMATY, now: NOW, ...extra });
      expect(await count({ radiusKm: 5 })).toBe(3);
      expect(await count({ categories: ["animals", "health"], radiusKm: 10 })).toBe(2);
      expect(await count({ categories: ["animals", "health"] })).toBe(3);
      expect(await count({ radiusKm: 5, latitude: ALMATY.latitude - 1 })).toBe(0);
      // The same filters as the list: as many rows as the count says.
      const all = await search({ radiusKm: 50 });
      expect(await count({ radiusKm: 50 })).toBe(all.length);
      expect(all.every((a) => a.distanceMeters <= 50_000)).toBe(true);
    } finally {
      await database.db.delete(actions).where(eq(actions.id, ids.health_near!));
    }
  });

  it("stops counting past COUNT_CAP", async () => {
    const at = { latitude: 47.1, longitude: 51.9 }; // Atyrau: none of the other rows
    const many = Array.from({ length: COUNT_CAP + 5 }, (_, i) => ({
      organizationId: orgId,
      titleRu: `crowd ${i}`,
      category: "social",
      latitude: at.latitude + i / 10_000,
      longitude: at.longitude,
      startsAt: local("2026-03-20T10:00"),
      endsAt: local("2026-03-20T12:00"),
    }));
    const inserted = await database.db.insert(actions).values(many).returning({ id: actions.id });
    try {
      expect(await countNearbyActions(database.db, { ...at, now: NOW, radiusKm: 50 })).toBe(COUNT_CAP + 1);
      expect(await countNearbyActions(database.db, { ...at, now: NOW, radiusKm: 50, categories: ["health"] })).toBe(0);
    } finally {
      await database.db.delete(actions).where(
        inArray(
          actions.id,
          inserted.map((r) => r.id),
        ),
      );
    }
  });

  it("filters by period, with weekend boundaries in Asia/Almaty", async () => {
    const boundaryTitles = async (period: "today" | "weekend" | "week" | "month") =>
      titles(await search({ period, latitude: ALMATY.latitude + 20 / 111.2 })).filter(
        (t) => t !== "far" && t !== "near" && t !== "mid",
      );
    expect(await boundaryTitles("today")).toEqual(["today_evening"]);
    expect((await boundaryTitles("weekend")).sort()).toEqual(["saturday_early", "sunday_late"]);
    expect((await boundaryTitles("week")).sort()).toEqual([
      "friday_late",
      "saturday_early",
      "sunday_late",
      "today_evening",
    ]);
    const month = await boundaryTitles("month");
    expect(month).toContain("march_last");
    expect(month).toContain("monday_early");
    expect(month).not.toContain("april_first");
    // Seen from Sunday 01:00 local (still Saturday in UTC), the weekend is the current one.
    const sunday = await search({ period: "weekend", now: local("2026-03-15T01:00") });
    expect(titles(sunday)).toEqual(["sunday_late"]);
  });

  it("pages without gaps or repeats", async () => {
    const all = titles(await search());
    const pages = [];
    for (let offset = 0; offset < all.length + 5; offset += 5)
      pages.push(...titles(await search({ limit: 5, offset })));
    expect(pages).toEqual(all);
    expect(await search({ limit: 5, offset: 100 })).toEqual([]);
  });

  it("reads a card with its organizer; drafts and bad ids are not found", async () => {
    expect(await getActionCard(database.db, ids.mid!, "ru")).toMatchObject({
      title: "mid",
      organizationName: "Жасыл Ел & <Co>",
      spotsLeft: 0,
    });
    expect(await getActionCard(database.db, ids.cancelled!, "kk")).toMatchObject({ status: "cancelled" });
    expect(await getActionCard(database.db, ids.draft!, "kk")).toBeUndefined();
    expect(await getActionCard(database.db, 987_654, "kk")).toBeUndefined();
    expect(await getActionCard(database.db, 2 ** 40, "kk")).toBeUndefined();
  });

  it("picks each text in the reader's language, else the other one, in the list and on the card", async () => {
    const [bilingual] = await database.db
      .insert(actions)
      .values({
        organizationId: orgId,
        titleKk: "Ағаш отырғызу",
        titleRu: "Посадка деревьев",
        descriptionRu: "Только по-русски",
        addressKk: "Абай даңғылы, 10",
        category: "ecology",
        latitude: ALMATY.latitude + 0.5,
        longitude: ALMATY.longitude,
        capacity: null,
        startsAt: new Date(NOW.getTime() + 86_400_000),
        endsAt: new Date(NOW.getTime() + 90_000_000),
      })
      .returning({ id: actions.id });
    const kk = await getActionCard(database.db, bilingual!.id, "kk");
    const ru = await getActionCard(database.db, bilingual!.id, "ru");
    expect(kk).toMatchObject({ title: "Ағаш отырғызу", description: "Только по-русски", address: "Абай даңғылы, 10" });
    expect(ru).toMatchObject({
      title: "Посадка деревьев",
      description: "Только по-русски",
      address: "Абай даңғылы, 10",
    });
    expect(ru!.spotsLeft).toBeNull();
    const listed = async (locale: "kk" | "ru") =>
      (await search({ locale, limit: 50 })).find((a) => a.id === bilingual!.id);
    expect(await listed("kk")).toMatchObject({ title: "Ағаш отырғызу", address: "Абай даңғылы, 10", spotsLeft: null });
    expect(await listed("ru")).toMatchObject({ title: "Посадка деревьев" });
    await database.db.delete(actions).where(eq(actions.id, bilingual!.id));
  });

  it("uses a GiST index in KNN order (with the radius and period as its conditions), never a scan and sort", async () => {
    const spread = Array.from({ length: 3000 }, (_, i) => ({
      organizationId: orgId,
      titleRu: `filler ${i}`,
      category: i % 2 ? "social" : "education",
      latitude: 40.5 + ((i * 37) % 1000) / 200,
      longitude: 51 + ((i * 53) % 1000) / 40,
      capacity: 20,
      startsAt: new Date(NOW.getTime() + (1 + (i % 60)) * 86_400_000),
      endsAt: new Date(NOW.getTime() + (1 + (i % 60)) * 86_400_000 + 7_200_000),
    }));
    for (let i = 0; i < spread.length; i += 500) await database.db.insert(actions).values(spread.slice(i, i + 500));
    await database.db.execute(sql`analyze actions`);
    for (const q of [
      { ...ALMATY, limit: 6, offset: 0, now: NOW, locale: "kk" as const },
      {
        ...ALMATY,
        limit: 6,
        offset: 5,
        now: NOW,
        locale: "kk" as const,
        categories: ["social" as const],
        period: "month" as const,
      },
      {
        ...ALMATY,
        limit: 6,
        offset: 5,
        now: NOW,
        locale: "kk" as const,
        categories: ["social" as const, "education" as const],
        period: "week" as const,
        radiusKm: 50,
      },
    ]) {
      const query = nearbyActionsQuery(database.db, q);
      const plan = rowsOf<Record<string, unknown>>(await database.db.execute(sql`explain select * from ${query} as q`))
        .map((r) => String(Object.values(r)[0]))
        .join("\n");
      expect(plan, plan).toMatch(
        /Index Scan using actions_(geo|published_geo_start)_idx[^\n]*\n\s*(Index Cond: [^\n]*\n\s*)?Order By: .*<->/,
      );
      expect(plan, plan).not.toMatch(/Seq Scan on actions/);
    }
    expect(titles(await search({ limit: 2 }))).toEqual(["near", "mid"]);
  });

  it("keeps the browse session: origin, filters, page and a short-lived location request", async () => {
    const userId = 3_000_000_001;
    await touchUser(database.db, userId, false);
    expect(await getBrowse(database.db, userId)).toEqual({
      categories: null,
      radiusKm: 50,
      period: "all",
      page: 0,
      awaitingLocation: false,
    });
    expect(await takeLocationRequest(database.db, userId)).toBeUndefined();
    await updateBrowse(database.db, userId, { awaitingLocation: true, categories: ["animals"], period: "week" }, NOW);
    expect(await takeLocationRequest(database.db, userId, new Date(NOW.getTime() + 11 * 60_000))).toBeUndefined();
    await updateBrowse(database.db, userId, { awaitingLocation: true }, NOW);
    expect(await takeLocationRequest(database.db, userId, new Date(NOW.getTime() + 60_000))).toBe("search");
    expect(await takeLocationRequest(database.db, userId, new Date(NOW.getTime() + 61_000))).toBeUndefined();
    await updateBrowse(database.db, userId, { awaitingLocation: "save" }, NOW);
    expect(await takeLocationRequest(database.db, userId, new Date(NOW.getTime() + 60_000))).toBe("save");
    const browse = await updateBrowse(database.db, userId, { origin: ALMATY, page: 2, radiusKm: 300 }, NOW);
    expect(browse).toEqual({
      origin: ALMATY,
      categories: ["animals"],
      radiusKm: 300,
      period: "week",
      page: 2,
      awaitingLocation: false,
    });
    expect((await getBrowse(database.db, userId, new Date(NOW.getTime() + 7 * 3600_000))).origin).toBeUndefined();
    await updateBrowse(database.db, userId, { categories: [], radiusKm: null }, NOW);
    expect(await getBrowse(database.db, userId, NOW)).toMatchObject({ categories: [], radiusKm: null });
    // The hourly job erases the point once the session is over; the filters stay.
    expect(await forgetStaleSearchOrigins(database.db, new Date(NOW.getTime() + 5 * 3600_000))).toBe(0);
    expect(await forgetStaleSearchOrigins(database.db, new Date(NOW.getTime() + 7 * 3600_000))).toBe(1);
    const [row] = await database.db.select().from(browseStates).where(eq(browseStates.userId, userId));
    expect(row).toMatchObject({ latitude: null, longitude: null, originAt: null, period: "week" });
  });
});
