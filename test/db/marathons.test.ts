import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../../src/db/client";
import { eq } from "drizzle-orm";
import { marathonDeeds, marathons, outbox } from "../../src/db/schema";
import {
  DEEDS_COUNTED_PER_DAY,
  joinMarathon,
  leaderboard,
  leaveMarathon,
  listActiveMarathons,
  openMarathon,
  progress,
  regionRanking,
  reportDeed,
} from "../../src/domain/marathons";
import { completeOnboarding, touchUser, withdrawConsent } from "../../src/domain/users";
import { marathonDigest } from "../../src/scheduler/jobs";
import { testDatabases } from "../support/db";

const DAY = 86_400_000;
const now = new Date("2026-05-10T08:00:00Z");
const at = (minutes: number) => new Date(now.getTime() + minutes * 60_000);

describe.each(testDatabases)("marathons on $name", (kind) => {
  let database: DatabaseHandle;
  const ids: Record<"national" | "almaty" | "astana" | "past" | "future", number> = {} as never;

  beforeAll(async () => {
    database = await kind.open();
    const rows = await database.db
      .insert(marathons)
      .values([
        {
          code: "good-deeds",
          titleKk: "Игі істер марафоны",
          titleRu: "Марафон добрых дел",
          regionCode: null,
          startsAt: new Date(now.getTime() - 10 * DAY),
          endsAt: new Date(now.getTime() + 20 * DAY),
        },
        {
          code: "almaty-green",
          titleKk: "Жасыл Алматы",
          titleRu: "Зелёный Алматы",
          regionCode: "almaty",
          startsAt: new Date(now.getTime() - DAY),
          endsAt: new Date(now.getTime() + DAY),
        },
        {
          code: "astana-snow",
          titleKk: "Қарлы Астана",
          titleRu: "Снежная Астана",
          regionCode: "astana",
          startsAt: new Date(now.getTime() - DAY),
          endsAt: new Date(now.getTime() + DAY),
        },
        {
          code: "past",
          titleKk: "Өткен",
          titleRu: "Прошедший",
          regionCode: null,
          startsAt: new Date(now.getTime() - 30 * DAY),
          endsAt: new Date(now.getTime() - DAY),
        },
        {
          code: "future",
          titleKk: "Келешек",
          titleRu: "Будущий",
          regionCode: null,
          startsAt: new Date(now.getTime() + DAY),
          endsAt: new Date(now.getTime() + 30 * DAY),
        },
      ])
      .returning({ id: marathons.id, code: marathons.code });
    const byCode = Object.fromEntries(rows.map((r) => [r.code, r.id]));
    Object.assign(ids, {
      national: byCode["good-deeds"],
      almaty: byCode["almaty-green"],
      astana: byCode["astana-snow"],
      past: byCode.past,
      future: byCode.future,
    });
  });
  afterAll(() => database.close());

  async function volunteer(id: number, regionCode: string, consent = true, firstName = `User${id}`) {
    await touchUser(database.db, id, false);
    await completeOnboarding(database.db, id, {
      language: "ru",
      regionCode,
      interests: [],
      consent,
      profile: { firstName },
    });
  }
  const report = (userId: number, text = "Помог соседке", extra: { when?: Date; marathonId?: number } = {}) =>
    reportDeed(database.db, { marathonId: extra.marathonId ?? ids.national, userId, text }, extra.when ?? now);
  /** A deed stored before deeds stopped carrying hours: its hours stay readable. */
  const olderDeed = (userId: number, marathonId: number, hours: number, createdAt: Date) =>
    database.db.insert(marathonDeeds).values({ marathonId, userId, text: "x", hours, createdAt });
  /** A marathon of its own (so other tests' deeds do not count), running from 20 days before `now`. */
  async function ownMarathon(code: string, regionCode: string | null = null): Promise<number> {
    const [own] = await database.db
      .insert(marathons)
      .values({
        code,
        titleKk: code,
        titleRu: code,
        regionCode,
        startsAt: new Date(now.getTime() - 20 * DAY),
        endsAt: new Date(now.getTime() + 5 * DAY),
      })
      .returning({ id: marathons.id });
    return own!.id;
  }
  /** The n-th day of a marathon from ownMarathon, plus some minutes. */
  const onDay = (n: number, minutes = 0) => new Date(now.getTime() - 19 * DAY + n * DAY + minutes * 60_000);
  const refusal = (promise: Promise<unknown>) =>
    promise.then(
      () => "ok",
      (e: Error) => e.message,
    );

  it("lists running marathons: national ones and the user's region's", async () => {
    await volunteer(100, "almaty");
    await joinMarathon(database.db, ids.national, 100, now);
    const almaty = await listActiveMarathons(database.db, "almaty", now);
    expect(almaty.map((m) => m.marathon.code)).toEqual(["good-deeds", "almaty-green"]);
    expect(almaty[0]!.participants).toBe(1);
    expect((await listActiveMarathons(database.db, null, now)).map((m) => m.marathon.code)).toEqual(["good-deeds"]);
    expect(await listActiveMarathons(database.db, "astana", new Date(now.getTime() + 40 * DAY))).toEqual([]);
  });

  it("joins idempotently, only with consent and only marathons the user may see", async () => {
    await volunteer(101, "almaty");
    await volunteer(102, "almaty", false);
    expect(await joinMarathon(database.db, ids.almaty, 101, now)).toBe(true);
    expect(await joinMarathon(database.db, ids.almaty, 101, now)).toBe(false);
    expect(await refusal(joinMarathon(database.db, ids.national, 102, now))).toBe("consent_required");
    expect(await refusal(joinMarathon(database.db, ids.astana, 101, now))).toBe("unavailable");
    expect(await refusal(joinMarathon(database.db, ids.past, 101, now))).toBe("unavailable");
    expect(await refusal(joinMarathon(database.db, ids.future, 101, now))).toBe("unavailable");
    for (const bad of [999_999, 1.5, Number.NaN, -1, 2 ** 40])
      expect(await refusal(joinMarathon(database.db, bad, 101, now))).toBe("unavailable");
    expect(await openMarathon(database.db, Number.NaN, 101, now)).toBeUndefined();
    expect(await openMarathon(database.db, ids.astana, 101, now)).toBeUndefined();
    expect(await openMarathon(database.db, ids.almaty, 101, now)).toMatchObject({ joined: true, participants: 1 });
    expect(await openMarathon(database.db, ids.national, 102, now)).toMatchObject({ joined: false });
  });

  it("validates deeds: participants only, text 1–1000 characters, running marathons", async () => {
    await volunteer(110, "almaty");
    expect(await refusal(report(110))).toBe("not_participant");
    await joinMarathon(database.db, ids.national, 110, now);
    expect(await refusal(report(110, "   \n "))).toBe("text_empty");
    expect(await refusal(report(110, "a".repeat(1001)))).toBe("text_too_long");
    expect(await refusal(report(110, "ok", { when: new Date(now.getTime() + 21 * DAY) }))).toBe("unavailable");
    expect(await refusal(report(110, "ok", { marathonId: ids.past }))).toBe("unavailable");
    // 1000 emoji are 2,000 UTF-16 units but 1,000 characters for PostgreSQL.
    expect((await report(110, "🌳".repeat(1000))).deeds).toBe(1);
    expect(await progress(database.db, ids.national, 110)).toMatchObject({ deeds: 1, hours: 0 });
    await withdrawConsent(database.db, 110, new Set());
    expect(await refusal(report(110))).toBe("consent_required");
  });

  it("awards each badge once, at its milestone", async () => {
    await volunteer(120, "astana");
    await joinMarathon(database.db, ids.national, 120, now);
    const badges: Array<number | null> = [];
    // Two a day, within the daily limit.
    for (let i = 1; i <= 10; i++) {
      const when = new Date(now.getTime() - (9 - Math.floor(i / 2)) * DAY + i * 60_000);
      badges.push((await report(120, `Дело ${i}`, { when })).badge);
    }
    expect(badges).toEqual([1, null, null, null, 5, null, null, null, null, 10]);
    expect(await progress(database.db, ids.national, 120)).toEqual({
      deeds: 10,
      hours: 0,
      badges: [1, 5, 10],
      nextBadge: 25,
    });
  });

  it("counts concurrent reports of one user in turn", async () => {
    await volunteer(130, "astana");
    await joinMarathon(database.db, ids.national, 130, now);
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => report(130, `Параллельно ${i}`)));
    // One day: the first three count, in turn; the others are kept without counting.
    expect(
      results
        .filter((r) => r.counted)
        .map((r) => r.deeds)
        .sort((a, b) => a - b),
    ).toEqual([1, 2, 3]);
    expect(results.filter((r) => !r.counted).map((r) => [r.deeds, r.badge])).toEqual([
      [3, null],
      [3, null],
      [3, null],
    ]);
    expect(results.map((r) => r.badge).filter((b) => b !== null)).toEqual([1]);
  });

  it("ranks by deeds, then hours, then who got there first; shows the user's own rank outside the top", async () => {
    const marathonId = await ownMarathon("ranking");
    const users = Array.from({ length: 13 }, (_, i) => 200 + i);
    for (const id of users) {
      await volunteer(id, id % 2 === 0 ? "almaty" : "shymkent", true, `<b>V${id} & co</b>`);
      await joinMarathon(database.db, marathonId, id, now);
    }
    // 200..209: 10 − (id − 200) deeds, one a day; 210: 1 deed, 211: 1 older deed with hours, 212: no deeds.
    let minute = 0;
    for (const id of users.slice(0, 10)) {
      for (let n = 0; n < 10 - (id - 200); n++) await report(id, "x", { marathonId, when: onDay(n, minute++) });
    }
    await olderDeed(211, marathonId, 2, onDay(1, minute++));
    await report(210, "x", { marathonId, when: onDay(1, minute++) });
    await report(209, "x", { marathonId, when: onDay(1, minute++) }); // 2 deeds like 208, but reached later
    const board = await leaderboard(database.db, marathonId, 210);
    expect(board.ranked).toBe(12);
    expect(board.top.map((e) => e.userId)).toEqual([200, 201, 202, 203, 204, 205, 206, 207, 208, 209]);
    expect(board.top[8]).toMatchObject({ rank: 9, deeds: 2, hours: 0 });
    expect(board.top[0]).toMatchObject({ rank: 1, deeds: 10, firstName: "<b>V200 & co</b>" });
    expect(board.me).toMatchObject({ rank: 12, userId: 210, deeds: 1, hours: 0 });
    expect((await leaderboard(database.db, marathonId, 211)).me).toMatchObject({ rank: 11, hours: 2 });
    expect((await leaderboard(database.db, marathonId, 203)).me).toBeNull();
    expect((await leaderboard(database.db, marathonId, 212)).me).toBeNull();

    // Withdrawn consent: still ranked, but without a name; and no longer counted for a region.
    await withdrawConsent(database.db, 200, new Set());
    const anonymous = await leaderboard(database.db, marathonId, 200, 3);
    expect(anonymous.top.map((e) => [e.rank, e.firstName])).toEqual([
      [1, null],
      [2, "<b>V201 & co</b>"],
      [3, "<b>V202 & co</b>"],
    ]);

    const regions = await regionRanking(database.db, marathonId);
    // shymkent: 201,203,205,207,209,211 → 9+7+5+3+2+1 = 27 deeds; almaty without 200: 202,204,206,208,210 → 8+6+4+2+1 = 21.
    expect(regions).toEqual([
      { rank: 1, regionCode: "shymkent", deeds: 27, hours: 2, volunteers: 6 },
      { rank: 2, regionCode: "almaty", deeds: 21, hours: 0, volunteers: 5 },
    ]);
  });

  it("breaks a full tie by who reached the score first", async () => {
    const own = { id: await ownMarathon("tie") };
    for (const id of [301, 302]) {
      await volunteer(id, "almaty");
      await joinMarathon(database.db, own.id, id, now);
    }
    await report(302, "x", { marathonId: own.id, when: at(1) });
    await report(301, "x", { marathonId: own.id, when: at(2) });
    const board = await leaderboard(database.db, own.id, 301);
    expect(board.top.map((e) => e.userId)).toEqual([302, 301]);
    expect(await regionRanking(database.db, own.id)).toEqual([
      { rank: 1, regionCode: "almaty", deeds: 2, hours: 0, volunteers: 2 },
    ]);
  });

  it(`counts at most ${DEEDS_COUNTED_PER_DAY} deeds a local day; the others are kept`, async () => {
    const marathonId = await ownMarathon("daily");
    await volunteer(400, "almaty");
    await volunteer(401, "almaty");
    for (const id of [400, 401]) await joinMarathon(database.db, marathonId, id, now);
    // Day 1 in Almaty runs from 19:00 UTC of the day before: 5 deeds from 00:05 to 23:55 local time.
    const localDay1 = new Date(Date.UTC(2026, 3, 25) - 5 * 3_600_000);
    const minutes = [5, 60, 600, 1000, 1435];
    const results = [];
    for (const m of minutes)
      results.push(await report(400, "x", { marathonId, when: new Date(localDay1.getTime() + m * 60_000) }));
    expect(results.map((r) => [r.counted, r.deeds])).toEqual([
      [true, 1],
      [true, 2],
      [true, 3],
      [false, 3],
      [false, 3],
    ]);
    // 00:05 the next local day counts again.
    const next = await report(400, "x", { marathonId, when: new Date(localDay1.getTime() + (1440 + 5) * 60_000) });
    expect(next).toMatchObject({ counted: true, deeds: 4 });
    expect(await database.db.$count(marathonDeeds, eq(marathonDeeds.userId, 400))).toBe(6);
    expect(await progress(database.db, marathonId, 400)).toMatchObject({ deeds: 4, badges: [1] });
    // 401 has 5 deeds on five days: ahead of 400's 6 stored ones by what counts.
    for (let n = 0; n < 5; n++) await report(401, "x", { marathonId, when: onDay(n + 10) });
    const board = await leaderboard(database.db, marathonId, 400);
    expect(board.top.map((e) => [e.userId, e.deeds])).toEqual([
      [401, 5],
      [400, 4],
    ]);
    expect(await regionRanking(database.db, marathonId)).toMatchObject([{ regionCode: "almaty", deeds: 9 }]);
  });

  it("lets a volunteer leave (deeds kept, out of the rankings) and rejoin", async () => {
    const marathonId = await ownMarathon("leave");
    for (const id of [500, 501]) {
      await volunteer(id, id === 500 ? "almaty" : "shymkent");
      await joinMarathon(database.db, marathonId, id, now);
    }
    await report(500, "x", { marathonId, when: onDay(1) });
    await report(500, "x", { marathonId, when: onDay(2) });
    await report(501, "x", { marathonId, when: onDay(2) });
    expect(await leaveMarathon(database.db, marathonId, 500)).toBe(true);
    expect(await leaveMarathon(database.db, marathonId, 500)).toBe(false);
    expect(await leaveMarathon(database.db, Number.NaN, 500)).toBe(false);
    expect(await openMarathon(database.db, marathonId, 500, now)).toMatchObject({
      joined: false,
      participants: 1,
      progress: { deeds: 2 },
    });
    expect((await leaderboard(database.db, marathonId, 500)).top.map((e) => e.userId)).toEqual([501]);
    expect(await regionRanking(database.db, marathonId)).toMatchObject([{ regionCode: "shymkent", deeds: 1 }]);
    expect(await refusal(report(500, "x", { marathonId }))).toBe("not_participant");
    expect(await database.db.$count(marathonDeeds, eq(marathonDeeds.userId, 500))).toBe(2);

    expect(await joinMarathon(database.db, marathonId, 500, now)).toBe(true);
    expect((await leaderboard(database.db, marathonId, 500)).top.map((e) => [e.userId, e.deeds])).toEqual([
      [500, 2],
      [501, 1],
    ]);
  });

  it("sends in the weekly digest what the progress screen and the leaderboard show", async () => {
    const marathonId = await ownMarathon("digest");
    const users = [600, 601, 602, 603];
    for (const id of users) {
      await volunteer(id, "almaty");
      await joinMarathon(database.db, marathonId, id, now);
    }
    // 600: five deeds on one day last week (3 count), one this Monday morning; 601: an older deed with hours last
    // week, one the week before, one this Monday morning; 602: none; 603: a deed, then left (no digest).
    const monday = new Date("2026-05-11T05:00:00Z"); // 10:00 in Almaty
    const lastWeek = (day: number, minute: number) => new Date(monday.getTime() - (7 - day) * DAY + minute * 60_000);
    for (let m = 0; m < 5; m++) await report(600, "x", { marathonId, when: lastWeek(2, m) });
    await report(600, "x", { marathonId, when: new Date(monday.getTime() - 4 * 3_600_000) });
    await olderDeed(601, marathonId, 1.5, lastWeek(3, 0));
    await report(601, "x", { marathonId, when: lastWeek(-3, 0) });
    await report(601, "x", { marathonId, when: new Date(monday.getTime() - 3 * 3_600_000) });
    await report(603, "x", { marathonId, when: lastWeek(1, 0) });
    await leaveMarathon(database.db, marathonId, 603);

    const run = new Date(monday.getTime() + 30 * 60_000);
    expect(await marathonDigest(database.db, run)).toBeGreaterThanOrEqual(3);
    const digest = async (userId: number) => {
      const [row] = await database.db
        .select({ payload: outbox.payload })
        .from(outbox)
        .where(eq(outbox.idempotencyKey, `digest:${marathonId}:20260511:${userId}`));
      return row?.payload as { template: string; params: Record<string, unknown> } | undefined;
    };
    const board = await leaderboard(database.db, marathonId, 600);
    for (const id of [600, 601]) {
      const shown = await progress(database.db, marathonId, id);
      const entry = board.top.find((e) => e.userId === id)!;
      expect((await digest(id))!.params).toMatchObject({
        total: shown.deeds,
        rank: entry.rank,
        participants: board.ranked,
      });
    }
    expect((await digest(600))!.params).toMatchObject({ count: 3, total: 4, hours: "0", rank: 1, participants: 2 });
    expect((await digest(601))!.params).toMatchObject({ count: 1, total: 3, hours: "1,5", rank: 2 });
    expect(await digest(602)).toMatchObject({
      template: "reminders.digest_unranked",
      params: { total: 0, rank: null },
    });
    expect(await digest(603)).toBeUndefined();
  });
});
