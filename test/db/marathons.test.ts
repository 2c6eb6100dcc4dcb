import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../../src/db/client";
import { marathons } from "../../src/db/schema";
import {
  joinMarathon,
  leaderboard,
  listActiveMarathons,
  openMarathon,
  parseDeedHours,
  progress,
  regionRanking,
  reportDeed,
} from "../../src/domain/marathons";
import { completeOnboarding, touchUser, withdrawConsent } from "../../src/domain/users";
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
  const report = (
    userId: number,
    text = "Помог соседке",
    extra: { hours?: number; when?: Date; marathonId?: number } = {},
  ) =>
    reportDeed(
      database.db,
      { marathonId: extra.marathonId ?? ids.national, userId, text, hours: extra.hours },
      extra.when ?? now,
    );
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

  it("validates deeds: participants only, text 1–1000 characters, hours 0.5–24, running marathons", async () => {
    await volunteer(110, "almaty");
    expect(await refusal(report(110))).toBe("not_participant");
    await joinMarathon(database.db, ids.national, 110, now);
    expect(await refusal(report(110, "   \n "))).toBe("text_empty");
    expect(await refusal(report(110, "a".repeat(1001)))).toBe("text_too_long");
    for (const hours of [0.4, 24.5, 1.25, Number.NaN])
      expect(await refusal(report(110, "ok", { hours }))).toBe("hours_invalid");
    expect(await refusal(report(110, "ok", { when: new Date(now.getTime() + 21 * DAY) }))).toBe("unavailable");
    expect(await refusal(report(110, "ok", { marathonId: ids.past }))).toBe("unavailable");
    // 1000 emoji are 2,000 UTF-16 units but 1,000 characters for PostgreSQL.
    expect((await report(110, "🌳".repeat(1000), { hours: 24 })).deeds).toBe(1);
    expect(await progress(database.db, ids.national, 110)).toMatchObject({ deeds: 1, hours: 24 });
    await withdrawConsent(database.db, 110);
    expect(await refusal(report(110))).toBe("consent_required");
    expect(parseDeedHours("1,5")).toBe(1.5);
    expect(parseDeedHours(" 2 ")).toBe(2);
    for (const bad of ["0", "0,4", "25", "1.25", "abc", "-1", ""]) expect(parseDeedHours(bad)).toBeUndefined();
  });

  it("awards each badge once, at its milestone", async () => {
    await volunteer(120, "astana");
    await joinMarathon(database.db, ids.national, 120, now);
    const badges: Array<number | null> = [];
    for (let i = 1; i <= 10; i++) badges.push((await report(120, `Дело ${i}`, { hours: 1.5 })).badge);
    expect(badges).toEqual([1, null, null, null, 5, null, null, null, null, 10]);
    expect(await progress(database.db, ids.national, 120)).toEqual({
      deeds: 10,
      hours: 15,
      badges: [1, 5, 10],
      nextBadge: 25,
    });
  });

  it("counts concurrent reports of one user in turn", async () => {
    await volunteer(130, "astana");
    await joinMarathon(database.db, ids.national, 130, now);
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => report(130, `Параллельно ${i}`)));
    expect(results.map((r) => r.deeds).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(
      results
        .map((r) => r.badge)
        .filter((b) => b !== null)
        .sort((a, b) => a! - b!),
    ).toEqual([1, 5]);
  });

  it("ranks by deeds, then hours, then who got there first; shows the user's own rank outside the top", async () => {
    // A marathon of its own, so the earlier tests' deeds do not count.
    const [own] = await database.db
      .insert(marathons)
      .values({
        code: "ranking",
        titleKk: "Рейтинг",
        titleRu: "Рейтинг",
        startsAt: new Date(now.getTime() - DAY),
        endsAt: new Date(now.getTime() + DAY),
      })
      .returning({ id: marathons.id });
    const marathonId = own!.id;
    const users = Array.from({ length: 13 }, (_, i) => 200 + i);
    for (const id of users) {
      await volunteer(id, id % 2 === 0 ? "almaty" : "shymkent", true, `<b>V${id} & co</b>`);
      await joinMarathon(database.db, marathonId, id, now);
    }
    // 200..209: 10 − (id − 200) deeds; 210: 1 deed, 211: 1 deed with more hours, 212: no deeds.
    let minute = 0;
    for (const id of users.slice(0, 10)) {
      for (let n = 0; n < 10 - (id - 200); n++) await report(id, "x", { marathonId, when: at(minute++) });
    }
    await report(211, "x", { marathonId, hours: 2, when: at(minute++) });
    await report(210, "x", { marathonId, when: at(minute++) });
    await report(209, "x", { marathonId, when: at(minute++) }); // 2 deeds like 208, but reached later
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
    await withdrawConsent(database.db, 200);
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
    const [own] = await database.db
      .insert(marathons)
      .values({
        code: "tie",
        titleKk: "Тең",
        titleRu: "Ничья",
        startsAt: new Date(now.getTime() - DAY),
        endsAt: new Date(now.getTime() + DAY),
      })
      .returning({ id: marathons.id });
    for (const id of [301, 302]) {
      await volunteer(id, "almaty");
      await joinMarathon(database.db, own!.id, id, now);
    }
    await report(302, "x", { marathonId: own!.id, hours: 1, when: at(1) });
    await report(301, "x", { marathonId: own!.id, hours: 1, when: at(2) });
    const board = await leaderboard(database.db, own!.id, 301);
    expect(board.top.map((e) => e.userId)).toEqual([302, 301]);
    expect(await regionRanking(database.db, own!.id)).toEqual([
      { rank: 1, regionCode: "almaty", deeds: 2, hours: 2, volunteers: 2 },
    ]);
  });
});
