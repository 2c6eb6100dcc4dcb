import { and, eq, like } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../../src/db/client";
import {
  actions,
  hourEntries,
  organizationMembers,
  organizations,
  outbox,
  participations,
  users,
} from "../../src/db/schema";
import {
  actionsOfToday,
  askToConfirmAttendance,
  checkIn,
  checkinTokenOf,
  confirmAttendance,
  participantsForExport,
} from "../../src/domain/attendance";
import { confirmAllClaims, countPendingClaims, pendingClaims, queuedClaim } from "../../src/domain/claims";
import { decideHours, hoursSummary, localDay, reportHours } from "../../src/domain/hours";
import { testDatabases } from "../support/db";

const NOW = new Date("2026-03-11T05:00:00Z");
const HOUR = 3_600_000;
const MINUTE = 60_000;

describe.each(testDatabases)("check-in, attendance and the claims queue on $name", (kind) => {
  let database: DatabaseHandle;
  let org: number;
  let otherOrg: number;
  const organizer = 9_100_000_001;
  const member = 9_100_000_002; // an organizer the owner invited: may manage every action of the organization
  const outsider = 9_100_000_003;
  const volunteers = [9_100_000_011, 9_100_000_012, 9_100_000_013, 9_100_000_014];

  async function addAction(values: Partial<typeof actions.$inferInsert> = {}) {
    const startsAt = values.startsAt ?? new Date(NOW.getTime() + 30 * MINUTE);
    const [row] = await database.db
      .insert(actions)
      .values({
        organizationId: org,
        titleKk: "Тазалық",
        titleRu: "Уборка",
        category: "ecology",
        latitude: 43.2,
        longitude: 76.9,
        hours: 2,
        createdBy: organizer,
        ...values,
        startsAt,
        endsAt: values.endsAt ?? new Date(startsAt.getTime() + 2 * HOUR),
      })
      .returning({ id: actions.id });
    return row!.id;
  }

  async function join(actionId: number, userIds: number[]) {
    await database.db
      .insert(participations)
      .values(userIds.map((userId) => ({ actionId, userId, status: "joined" as const })));
    await database.db.update(actions).set({ participantsCount: userIds.length }).where(eq(actions.id, actionId));
  }

  beforeAll(async () => {
    database = await kind.open();
    const now = new Date();
    await database.db.insert(users).values(
      [organizer, member, outsider, ...volunteers].map((id, i) => ({
        id,
        language: i % 2 === 0 ? ("kk" as const) : ("ru" as const),
        firstName: `P${i}`,
        consentAt: id === volunteers[3] ? null : now,
        onboardedAt: now,
      })),
    );
    const [a, b] = await database.db
      .insert(organizations)
      .values([
        { status: "approved", nameKk: "Ұйым", ownerId: organizer },
        { status: "approved", nameRu: "Другая", ownerId: outsider },
      ])
      .returning({ id: organizations.id });
    org = a!.id;
    otherOrg = b!.id;
    await database.db.insert(organizationMembers).values([
      { organizationId: org, userId: organizer, role: "owner" },
      { organizationId: org, userId: member, role: "organizer" },
      { organizationId: otherOrg, userId: outsider, role: "owner" },
    ]);
  });
  afterAll(() => database.close());

  it("checks in from an hour before the start until the end, exactly", async () => {
    const id = await addAction();
    await join(id, [volunteers[0]!]);
    const token = await checkinTokenOf(database.db, id);
    expect(await checkinTokenOf(database.db, id)).toBe(token);
    const [action] = await database.db.select().from(actions).where(eq(actions.id, id));
    const opens = new Date(action!.startsAt.getTime() - HOUR);
    expect((await checkIn(database.db, token, volunteers[0]!, new Date(opens.getTime() - 1))).status).toBe("too_early");
    expect((await checkIn(database.db, token, volunteers[0]!, new Date(action!.endsAt.getTime() + 1))).status).toBe(
      "ended",
    );
    expect((await checkIn(database.db, token, volunteers[0]!, opens)).status).toBe("checked_in");
    expect((await checkIn(database.db, token, volunteers[0]!, action!.endsAt)).status).toBe("already");
    expect((await checkIn(database.db, token, volunteers[1]!, opens)).status).toBe("not_joined");
    expect((await checkIn(database.db, "x".repeat(24), volunteers[0]!, opens)).status).toBe("invalid");
    expect((await checkIn(database.db, "'; drop table", volunteers[0]!, opens)).status).toBe("invalid");
  });

  it("lists for /checkin the actions of the Almaty day and, near midnight, those whose check-in is already open", async () => {
    const [own] = await database.db
      .insert(organizations)
      .values({ status: "approved", nameKk: "Түнгі", ownerId: organizer })
      .returning({ id: organizations.id });
    const at = (iso: string) => new Date(iso);
    const add = (title: string, startsAt: string, endsAt: string, status: "published" | "cancelled" = "published") =>
      addAction({ organizationId: own!.id, titleRu: title, status, startsAt: at(startsAt), endsAt: at(endsAt) });
    // 23:50 on 11 March in Almaty (UTC+5)
    const now = at("2026-03-11T18:50:00Z");
    await add("morning, ended", "2026-03-11T04:00:00Z", "2026-03-11T06:00:00Z");
    await add("over midnight", "2026-03-11T17:00:00Z", "2026-03-11T20:00:00Z");
    await add("00:30 tomorrow", "2026-03-11T19:30:00Z", "2026-03-11T21:00:00Z");
    await add("02:00 tomorrow", "2026-03-11T21:00:00Z", "2026-03-11T23:00:00Z");
    await add("yesterday", "2026-03-10T04:00:00Z", "2026-03-10T06:00:00Z");
    await add("cancelled", "2026-03-11T18:00:00Z", "2026-03-11T20:00:00Z", "cancelled");
    const titles = async (when: Date) => (await actionsOfToday(database.db, [own!.id], "ru", when)).map((a) => a.title);
    expect(await titles(now)).toEqual(["morning, ended", "over midnight", "00:30 tomorrow"]);
    // Ten minutes later it is 12 March: yesterday's morning action has gone, the night ones stay
    expect(await titles(at("2026-03-11T19:00:00Z"))).toEqual(["over midnight", "00:30 tomorrow", "02:00 tomorrow"]);
    expect(await actionsOfToday(database.db, [], "ru", now)).toEqual([]);
  });

  it("gives the last place to one walk-in of two arriving at once", async () => {
    const id = await addAction({ walkIns: true, capacity: 2 });
    await join(id, [volunteers[0]!]);
    const token = await checkinTokenOf(database.db, id);
    const results = await Promise.all(
      [volunteers[1]!, volunteers[2]!].map((userId) => checkIn(database.db, token, userId, NOW)),
    );
    expect(results.map((r) => r.status).sort()).toEqual(["checked_in", "full"]);
    const [action] = await database.db.select().from(actions).where(eq(actions.id, id));
    expect(action!.participantsCount).toBe(2);
    const joined = await database.db
      .select()
      .from(participations)
      .where(and(eq(participations.actionId, id), eq(participations.status, "joined")));
    expect(joined).toHaveLength(2);
  });

  it("credits each attendee once when two organizers confirm at the same time, and tells each once", async () => {
    const id = await addAction({ startsAt: new Date(NOW.getTime() - 3 * HOUR) });
    await join(id, volunteers.slice(0, 3));
    await database.db
      .update(participations)
      .set({ checkedInAt: NOW })
      .where(and(eq(participations.actionId, id), eq(participations.userId, volunteers[0]!)));
    await database.db
      .update(participations)
      .set({ attendance: "attended" })
      .where(and(eq(participations.actionId, id), eq(participations.userId, volunteers[1]!)));
    const results = await Promise.all([
      confirmAttendance(database.db, id, organizer, NOW),
      confirmAttendance(database.db, id, member, NOW),
    ]);
    const credited = results.reduce((sum, r) => sum + (r.status === "confirmed" ? r.credited : 0), 0);
    expect(credited).toBe(2);
    const entries = await database.db
      .select()
      .from(hourEntries)
      .where(and(eq(hourEntries.actionId, id), eq(hourEntries.source, "attendance")));
    expect(entries.map((e) => e.userId).sort()).toEqual([volunteers[0], volunteers[1]]);
    for (const entry of entries) {
      const notices = await database.db
        .select()
        .from(outbox)
        .where(eq(outbox.idempotencyKey, `hours-attended:${entry.id}`));
      expect(notices).toHaveLength(1);
    }
    const [noShow] = await database.db
      .select()
      .from(participations)
      .where(and(eq(participations.actionId, id), eq(participations.userId, volunteers[2]!)));
    expect(noShow!.attendance).toBe("no_show");
    // Someone outside the organization: refused by the domain too
    await database.db
      .update(participations)
      .set({ attendance: null })
      .where(and(eq(participations.actionId, id), eq(participations.userId, volunteers[2]!)));
    await database.db
      .update(participations)
      .set({ checkedInAt: NOW })
      .where(and(eq(participations.actionId, id), eq(participations.userId, volunteers[2]!)));
    expect(await confirmAttendance(database.db, id, outsider, NOW)).toEqual({
      status: "refused",
      reason: "not_allowed",
    });
    expect(await database.db.select().from(hourEntries).where(eq(hourEntries.actionId, id))).toHaveLength(2);
  });

  it("asks the organization's members once when an action has ended, and not after confirmation", async () => {
    const ended = await addAction({ startsAt: new Date(NOW.getTime() - 5 * HOUR) });
    const old = await addAction({ startsAt: new Date(NOW.getTime() - 5 * 24 * HOUR) });
    const cancelled = await addAction({ startsAt: new Date(NOW.getTime() - 5 * HOUR), status: "cancelled" });
    const empty = await addAction({ startsAt: new Date(NOW.getTime() - 5 * HOUR) });
    for (const id of [ended, old, cancelled]) await join(id, [volunteers[0]!]);
    await database.db.delete(outbox);
    await askToConfirmAttendance(database.db, NOW);
    const asked = async () =>
      (await database.db.select().from(outbox).where(like(outbox.idempotencyKey, "att-ask:%"))).map(
        (r) => r.idempotencyKey,
      );
    expect(
      (await asked()).filter((k) => [ended, old, cancelled, empty].some((id) => k.startsWith(`att-ask:${id}:`))).sort(),
    ).toEqual([`att-ask:${ended}:${organizer}`, `att-ask:${ended}:${member}`].sort());
    expect(await askToConfirmAttendance(database.db, NOW)).toBe(0);
  });

  it("lists only the organization's pending claims, oldest first; rejects with a reason; confirms all", async () => {
    const past = await addAction({ startsAt: new Date(Date.now() - 26 * HOUR) });
    const foreign = await addAction({ startsAt: new Date(Date.now() - 26 * HOUR), organizationId: otherOrg });
    await join(past, volunteers.slice(0, 3));
    await join(foreign, [volunteers[0]!]);
    const day = localDay(new Date(Date.now() - 26 * HOUR));
    const claims = [];
    for (const userId of volunteers.slice(0, 3))
      claims.push(await reportHours(database.db, { userId, actionId: past, date: day, hours: 1 }));
    const foreignClaim = await reportHours(database.db, {
      userId: volunteers[0]!,
      actionId: foreign,
      date: day,
      hours: 1,
    });
    await reportHours(database.db, { userId: volunteers[0]!, organizationName: "Қор", date: day, hours: 2 });
    expect((await hoursSummary(database.db, volunteers[0]!)).pendingOutside).toBe(2);

    expect(await countPendingClaims(database.db, [org])).toBe(3);
    expect((await pendingClaims(database.db, [org], "ru")).map((c) => c.id)).toEqual(claims.map((c) => c.id));
    expect(await queuedClaim(database.db, [org], foreignClaim.id)).toBeUndefined();
    expect(await queuedClaim(database.db, [otherOrg], foreignClaim.id)).toBeDefined();

    // A member of the organization (not the owner, not the author) decides too
    const rejected = await decideHours(database.db, claims[0]!.id, member, "rejected", new Date(), "Не было в списке");
    expect(rejected).toMatchObject({ status: "rejected", rejectReason: "Не было в списке" });
    const [notice] = await database.db
      .select()
      .from(outbox)
      .where(eq(outbox.idempotencyKey, `hours-decided:${claims[0]!.id}`));
    expect(notice!.payload).toMatchObject({
      template: "hours.notify_rejected_reason",
      params: { reason: "Не было в списке" },
    });
    await expect(decideHours(database.db, foreignClaim.id, member, "confirmed")).rejects.toThrow("not_allowed");

    expect(await confirmAllClaims(database.db, [org], organizer)).toBe(2);
    expect(await countPendingClaims(database.db, [org])).toBe(0);
    expect(await countPendingClaims(database.db, [otherOrg])).toBe(1);
  });

  it("exports only participants who consented", async () => {
    const id = await addAction();
    await join(id, volunteers);
    const rows = await participantsForExport(database.db, id);
    expect(rows.map((r) => r.name).sort()).toEqual(["P3", "P4", "P5"]); // P6 gave no consent
  });
});
