import { and, eq, inArray, like } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../../src/db/client";
import { actions, organizations, outbox, participations } from "../../src/db/schema";
import {
  type ActionDraft,
  cancelAction,
  changeAction,
  duplicateAction,
  nextWeekStart,
  publishDraft,
} from "../../src/domain/authoring";
import { joinAction } from "../../src/domain/participation";
import { completeOnboarding, touchUser } from "../../src/domain/users";
import { testDatabases } from "../support/db";

const NOW = new Date("2026-12-02T06:00:00Z");
const DAY = 86_400_000;

/**
 * Publishing, changing and cancelling are replayed after a crash between the commit and the conversation's state
 * write: the replay finds what the first run wrote (one action, one notice per person and change).
 */
describe.each(testDatabases)("action authoring in the database on $name", (kind) => {
  let database: DatabaseHandle;
  const organizer = 7_400_000_001;
  const volunteer = 7_400_000_002;
  let draft: ActionDraft;

  async function person(id: number, language: "kk" | "ru" = "ru") {
    await touchUser(database.db, id, false);
    await completeOnboarding(database.db, id, {
      language,
      regionCode: "almaty",
      interests: [],
      consent: true,
      profile: { firstName: "Ая" },
    });
  }

  /** A new published action (its own conversation key), with some fields of the draft changed. */
  async function published(key: number, change: Partial<ActionDraft> = {}): Promise<number> {
    const result = await publishDraft(database.db, { ...draft, ...change }, organizer, new Date(key), NOW);
    if (result.status !== "published") throw new Error("not published");
    return result.id;
  }

  beforeAll(async () => {
    database = await kind.open();
    for (const id of [organizer, volunteer]) await person(id);
    const [org] = await database.db
      .insert(organizations)
      .values({ status: "approved", nameRu: "Орг", ownerId: organizer })
      .returning();
    draft = {
      organizationId: org!.id,
      titleKk: null,
      titleRu: "Субботник",
      descriptionKk: null,
      descriptionRu: null,
      addressKk: null,
      addressRu: "Абая 1",
      category: "ecology",
      regionCode: "almaty",
      startsAt: new Date(NOW.getTime() + DAY).toISOString(),
      endsAt: new Date(NOW.getTime() + DAY + 3 * 3_600_000).toISOString(),
      latitude: 43.238,
      longitude: 76.9452,
      hasPin: false,
      capacity: 10,
      hours: 3,
      marathonId: null,
      walkIns: false,
    };
  });
  afterAll(() => database.close());

  it("publishes a draft once per conversation key", async () => {
    const key = new Date(NOW.getTime() - 60_000);
    const first = await publishDraft(database.db, draft, organizer, key, NOW);
    const replay = await publishDraft(database.db, draft, organizer, key, NOW);
    expect(first).toMatchObject({ status: "published", replayed: false });
    expect(replay).toEqual({ status: "published", id: (first as { id: number }).id, replayed: true });
    const other = await publishDraft(database.db, draft, organizer, new Date(key.getTime() + 1), NOW);
    expect(other).toMatchObject({ status: "published", replayed: false });
    expect(await database.db.select().from(actions).where(eq(actions.createdBy, organizer))).toHaveLength(2);
    // A draft whose start has passed is not published.
    expect(await publishDraft(database.db, draft, organizer, new Date(0), new Date(NOW.getTime() + 2 * DAY))).toEqual({
      status: "refused",
      reason: "past",
    });
  });

  it("tells participants of a change once per change key, and keeps the duration when the start moves", async () => {
    const id = await published(NOW.getTime() - 1);
    await joinAction(database.db, id, volunteer, NOW);
    const startsAt = new Date(NOW.getTime() + 2 * DAY).toISOString();
    const first = await changeAction(database.db, id, { startsAt }, NOW, "k1");
    const replay = await changeAction(database.db, id, { startsAt }, NOW, "k1");
    expect(first).toEqual({ status: "updated", notified: 1, promoted: 0 });
    expect(replay).toEqual({ status: "updated", notified: 0, promoted: 0 });
    const [row] = await database.db.select().from(actions).where(eq(actions.id, id));
    expect(row!.endsAt.getTime() - row!.startsAt.getTime()).toBe(3 * 3_600_000);
    // Not a time or place: nobody is told.
    expect(await changeAction(database.db, id, { hours: 2 }, NOW, "k2")).toEqual({
      status: "updated",
      notified: 0,
      promoted: 0,
    });
    // Rules: no title at all, fewer places than joined, a past start.
    expect(await changeAction(database.db, id, { titleRu: null }, NOW)).toMatchObject({ reason: "no_title" });
    expect(await changeAction(database.db, id, { startsAt: new Date(0).toISOString() }, NOW)).toMatchObject({
      reason: "past",
    });
  });

  it("more places promote the waitlist in order, and the promoted are told", async () => {
    const id = await published(NOW.getTime() - 3, { capacity: 1 });
    await joinAction(database.db, id, organizer, NOW);
    expect((await joinAction(database.db, id, volunteer, NOW)).status).toBe("waitlisted");
    expect(await changeAction(database.db, id, { capacity: 0 + 1 }, NOW)).toMatchObject({ promoted: 0 });
    expect(await changeAction(database.db, id, { capacity: 5 }, NOW)).toMatchObject({ promoted: 1 });
    const [row] = await database.db.select().from(actions).where(eq(actions.id, id));
    expect(row!.participantsCount).toBe(2);
    const notice = await database.db
      .select()
      .from(outbox)
      .where(like(outbox.idempotencyKey, `promoted:${id}:${volunteer}:%`));
    expect(notice).toHaveLength(1);
    expect(await changeAction(database.db, id, { capacity: 1 }, NOW)).toEqual({
      status: "refused",
      reason: "capacity",
    });
  });

  it("cancels once, and copies next week once", async () => {
    const id = await published(NOW.getTime() - 2);
    await joinAction(database.db, id, volunteer, NOW);
    expect(await cancelAction(database.db, id, "Дождь", NOW)).toEqual({ status: "cancelled", notified: 1 });
    expect(await cancelAction(database.db, id, "Дождь", NOW)).toEqual({ status: "refused", reason: "cancelled" });
    const notices = await database.db
      .select()
      .from(outbox)
      .where(eq(outbox.idempotencyKey, `acnl:${id}:${volunteer}`));
    expect(notices).toHaveLength(1);

    const start = nextWeekStart(new Date(draft.startsAt), NOW);
    expect(start.getTime() - new Date(draft.startsAt).getTime()).toBe(7 * DAY);
    const copy = await duplicateAction(database.db, id, organizer, start, NOW);
    const again = await duplicateAction(database.db, id, organizer, start, NOW);
    expect(copy).toMatchObject({ status: "published", replayed: false });
    expect(again).toEqual({ ...copy, replayed: true });
    // A past action's copy goes to the first week still ahead.
    expect(nextWeekStart(new Date(NOW.getTime() - 20 * DAY), NOW).getTime()).toBe(NOW.getTime() + DAY);
  });

  it("a cancel racing with joins tells exactly those who got in (row lock; several connections on PostgreSQL)", async () => {
    const crowd = Array.from({ length: 12 }, (_, i) => 7_400_000_100 + i);
    for (const id of crowd) await person(id, id % 2 ? "kk" : "ru");
    const id = await published(NOW.getTime() - 4, { capacity: 4 });
    const joins = crowd.map((user) => joinAction(database.db, id, user, NOW));
    const results = await Promise.all([
      ...joins.slice(0, 6),
      cancelAction(database.db, id, "Буря", NOW),
      ...joins.slice(6),
    ]);
    expect(results[6]).toMatchObject({ status: "cancelled" });
    const inside = await database.db
      .select({ userId: participations.userId })
      .from(participations)
      .where(and(eq(participations.actionId, id), inArray(participations.status, ["joined", "waitlisted"])));
    const told = await database.db
      .select({ chatId: outbox.chatId })
      .from(outbox)
      .where(like(outbox.idempotencyKey, `acnl:${id}:%`));
    expect(told.map((r) => r.chatId).sort()).toEqual(inside.map((r) => r.userId).sort());
  });
});
