import { and, eq, like } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../../src/db/client";
import { actions, outbox, participations, users } from "../../src/db/schema";
import { joinAction, leaveAction, myActions, standingIn } from "../../src/domain/participation";
import { openFreshPostgres, postgresUrl, testDatabases } from "../support/db";
import { addAction, counts } from "../support/participation-fixtures";

const NOW = new Date("2026-03-11T05:00:00Z");
const HOUR = 3600_000;

async function addUsers(database: DatabaseHandle, ids: number[], language: "kk" | "ru" | null = null) {
  await database.db.insert(users).values(ids.map((id) => ({ id, language })));
}

async function promotionNotices(database: DatabaseHandle, actionId: number) {
  return database.db
    .select()
    .from(outbox)
    .where(like(outbox.idempotencyKey, `promoted:${actionId}:%`));
}

describe.each(testDatabases)("joining, leaving and waitlists on $name", (kind) => {
  let database: DatabaseHandle;
  beforeAll(async () => {
    database = await kind.open();
    await addUsers(database, [1, 2, 3, 4, 5], "kk");
    await addUsers(database, [6], "ru");
    await addUsers(database, [7]);
  });
  afterAll(() => database.close());

  it("joins up to capacity, then waitlists in order; refuses repeats", async () => {
    const id = await addAction(database);
    expect(await joinAction(database.db, id, 1, NOW)).toEqual({ status: "joined" });
    expect(await joinAction(database.db, id, 2, NOW)).toEqual({ status: "joined" });
    expect(await joinAction(database.db, id, 3, NOW)).toEqual({ status: "waitlisted", position: 1 });
    expect(await joinAction(database.db, id, 6, NOW)).toEqual({ status: "waitlisted", position: 2 });
    expect(await joinAction(database.db, id, 1, NOW)).toEqual({ status: "refused", reason: "already_joined" });
    expect(await joinAction(database.db, id, 6, NOW)).toEqual({ status: "refused", reason: "already_waitlisted" });
    expect(await counts(database, id)).toEqual({ participantsCount: 2, joined: 2, waitlisted: 2 });
    expect(await standingIn(database.db, id, 6)).toEqual({ status: "waitlisted", position: 2 });
    expect(await standingIn(database.db, id, 1)).toEqual({ status: "joined" });
    expect(await standingIn(database.db, id, 4)).toBeUndefined();
  });

  it("refuses cancelled, past, started, draft, unknown actions and paused users", async () => {
    const cancelled = await addAction(database, { status: "cancelled" });
    const past = await addAction(database, { startsAt: new Date(NOW.getTime() - 48 * HOUR) });
    const started = await addAction(database, { startsAt: new Date(NOW.getTime() - HOUR) });
    const draft = await addAction(database, { status: "draft" });
    const open = await addAction(database);
    expect(await joinAction(database.db, cancelled, 1, NOW)).toEqual({ status: "refused", reason: "cancelled" });
    expect(await joinAction(database.db, past, 1, NOW)).toEqual({ status: "refused", reason: "past" });
    expect(await joinAction(database.db, started, 1, NOW)).toEqual({ status: "refused", reason: "past" });
    expect(await joinAction(database.db, draft, 1, NOW)).toEqual({ status: "refused", reason: "not_found" });
    expect(await joinAction(database.db, 999_999, 1, NOW)).toEqual({ status: "refused", reason: "not_found" });
    expect(await joinAction(database.db, -5, 1, NOW)).toEqual({ status: "refused", reason: "not_found" });
    expect(await joinAction(database.db, 2 ** 40, 1, NOW)).toEqual({ status: "refused", reason: "not_found" });
    await database.db.update(users).set({ pausedAt: NOW }).where(eq(users.id, 5));
    expect(await joinAction(database.db, open, 5, NOW)).toEqual({ status: "refused", reason: "paused" });
    await database.db.update(users).set({ pausedAt: null }).where(eq(users.id, 5));
    expect(await joinAction(database.db, open, 5, NOW)).toEqual({ status: "joined" });
    expect(await leaveAction(database.db, started, 1, NOW)).toEqual({ status: "refused", reason: "started" });
    expect(await leaveAction(database.db, open, 1, NOW)).toEqual({ status: "refused", reason: "not_joined" });
    expect(await leaveAction(database.db, 999_999, 1, NOW)).toEqual({ status: "refused", reason: "not_found" });
  });

  it("a joined user's leave promotes the first waitlisted user and enqueues the notice in their language", async () => {
    const id = await addAction(database, { capacity: 1, titleKk: "Ағаш отырғызу <Сарыарқа> & co", titleRu: null });
    await joinAction(database.db, id, 1, NOW);
    await joinAction(database.db, id, 6, NOW); // ru, waitlist 1
    await joinAction(database.db, id, 7, NOW); // no language: kk, waitlist 2
    expect(await leaveAction(database.db, id, 1, NOW)).toMatchObject({
      status: "left",
      from: "joined",
      promotedUserId: 6,
    });
    expect(await counts(database, id)).toEqual({ participantsCount: 1, joined: 1, waitlisted: 1 });
    expect(await standingIn(database.db, id, 6)).toEqual({ status: "joined" });
    expect(await standingIn(database.db, id, 7)).toEqual({ status: "waitlisted", position: 1 });
    const [notice] = await promotionNotices(database, id);
    expect(notice).toMatchObject({
      chatId: 6,
      state: "pending",
      payload: {
        template: "actions.promoted_notice",
        // What, when (rendered at sending) and where: a pin without an address names the town it is in.
        params: { title: "Ағаш отырғызу <Сарыарқа> & co", when: { $datetime: expect.any(String) }, address: "Алматы" },
        locale: "ru",
      },
    });
    expect(notice!.idempotencyKey).toMatch(new RegExp(`^promoted:${id}:6:\\d+$`));

    expect(await leaveAction(database.db, id, 6, NOW)).toMatchObject({
      status: "left",
      from: "joined",
      promotedUserId: 7,
    });
    const notices = await promotionNotices(database, id);
    // Kazakh and Russian spell this town alike.
    expect(notices.map((n) => (n.payload as { params: { address: string } }).params.address)).toEqual([
      "Алматы",
      "Алматы",
    ]);
    expect(notices.map((n) => [n.chatId, (n.payload as { locale: string }).locale])).toEqual([
      [6, "ru"],
      [7, "kk"],
    ]);
    // The last joined user leaves with nobody waiting: the spot is simply free.
    expect(await leaveAction(database.db, id, 7, NOW)).toMatchObject({ status: "left", from: "joined" });
    expect(await counts(database, id)).toEqual({ participantsCount: 0, joined: 0, waitlisted: 0 });
  });

  it("a waitlisted user's leave only leaves the waitlist; a re-join goes to the back of the queue", async () => {
    const id = await addAction(database, { capacity: 1 });
    await joinAction(database.db, id, 1, NOW);
    await joinAction(database.db, id, 2, NOW);
    await joinAction(database.db, id, 3, NOW);
    await joinAction(database.db, id, 4, NOW);
    expect(await leaveAction(database.db, id, 2, NOW)).toMatchObject({ status: "left", from: "waitlisted" });
    expect(await standingIn(database.db, id, 3)).toEqual({ status: "waitlisted", position: 1 });
    expect(await joinAction(database.db, id, 2, NOW)).toEqual({ status: "waitlisted", position: 3 });
    expect(await promotionNotices(database, id)).toEqual([]);
    // A joined user who leaves and comes back while the action is full waits behind everyone.
    expect(await leaveAction(database.db, id, 1, NOW)).toMatchObject({
      status: "left",
      from: "joined",
      promotedUserId: 3,
    });
    expect(await joinAction(database.db, id, 1, NOW)).toEqual({ status: "waitlisted", position: 3 });
    expect(await counts(database, id)).toEqual({ participantsCount: 1, joined: 1, waitlisted: 3 });
  });

  it("no promotion into a cancelled action", async () => {
    const id = await addAction(database, { capacity: 1 });
    await joinAction(database.db, id, 1, NOW);
    await joinAction(database.db, id, 2, NOW);
    await database.db.update(actions).set({ status: "cancelled" }).where(eq(actions.id, id));
    expect(await leaveAction(database.db, id, 1, NOW)).toMatchObject({ status: "left", from: "joined" });
    expect(await standingIn(database.db, id, 2)).toEqual({ status: "waitlisted", position: 1 });
    expect(await counts(database, id)).toMatchObject({ participantsCount: 0 });
  });

  it("lists my actions: upcoming with waitlist positions, past joined ones", async () => {
    const me = 4;
    const soon = await addAction(database, {
      titleRu: "soon",
      capacity: 5,
      startsAt: new Date(NOW.getTime() + 2 * HOUR),
    });
    const later = await addAction(database, {
      titleRu: "later",
      capacity: 1,
      startsAt: new Date(NOW.getTime() + 100 * HOUR),
    });
    const gone = await addAction(database, {
      titleRu: "gone",
      capacity: 5,
      startsAt: new Date(NOW.getTime() - 100 * HOUR),
    });
    const cancelled = await addAction(database, {
      titleRu: "cancelled later",
      capacity: 5,
      startsAt: new Date(NOW.getTime() + 50 * HOUR),
    });
    const left = await addAction(database, { titleRu: "left", capacity: 5 });
    await joinAction(database.db, soon, me, NOW);
    await joinAction(database.db, later, 1, NOW);
    await joinAction(database.db, later, 2, NOW);
    await joinAction(database.db, later, me, NOW);
    await joinAction(database.db, cancelled, me, NOW);
    await database.db.update(actions).set({ status: "cancelled" }).where(eq(actions.id, cancelled));
    await joinAction(database.db, left, me, NOW);
    await leaveAction(database.db, left, me, NOW);
    // Joined before it took place (written directly: joining a past action is refused).
    await database.db.insert(participations).values({ actionId: gone, userId: me, status: "joined" });

    const mine = await myActions(database.db, me, "ru", NOW);
    const upcoming = mine.upcoming.filter((a) => [soon, later, cancelled].includes(a.id));
    expect(upcoming.map((a) => [a.title, a.status, a.position, a.actionStatus])).toEqual([
      ["soon", "joined", undefined, "published"],
      ["cancelled later", "joined", undefined, "cancelled"],
      ["later", "waitlisted", 2, "published"],
    ]);
    expect(mine.upcoming.map((a) => a.title)).not.toContain("left");
    expect(mine.past.map((a) => a.title)).toEqual(["gone"]);
    expect(mine.upcoming[0]!.startsAt).toBeInstanceOf(Date);
    // An action in progress is still upcoming until it ends.
    const during = await myActions(database.db, me, "ru", new Date(NOW.getTime() + 3 * HOUR));
    expect(during.upcoming.map((a) => a.title)).toContain("soon");
  });
});

describe.skipIf(!postgresUrl)("200 concurrent joins on the real PostgreSQL (set TEST_DATABASE_URL to run)", () => {
  let database: DatabaseHandle;
  const CAPACITY = 50;
  const USERS = Array.from({ length: 200 }, (_, i) => 10_000 + i);
  beforeAll(async () => {
    database = await openFreshPostgres(postgresUrl!);
    await addUsers(database, USERS, "ru");
  });
  afterAll(() => database.close());

  it("exactly fills the capacity, waitlists the rest in order, and promotes in order under concurrent leaves", async () => {
    const id = await addAction(database, { capacity: CAPACITY, startsAt: new Date(Date.now() + 48 * HOUR) });
    const results = await Promise.all(USERS.map((user) => joinAction(database.db, id, user)));
    const joined = USERS.filter((_, i) => results[i]!.status === "joined");
    const positions = results.flatMap((r) => (r.status === "waitlisted" ? [r.position] : []));
    expect(joined).toHaveLength(CAPACITY);
    expect(positions.sort((a, b) => a - b)).toEqual(Array.from({ length: 150 }, (_, i) => i + 1));
    expect(await counts(database, id)).toEqual({ participantsCount: CAPACITY, joined: CAPACITY, waitlisted: 150 });

    // The waitlist order (queued_seq) is the order in which the joins were decided: it matches the positions returned.
    const queue = (
      await database.db
        .select({ userId: participations.userId, queuedSeq: participations.queuedSeq })
        .from(participations)
        .where(and(eq(participations.actionId, id), eq(participations.status, "waitlisted")))
    ).sort((a, b) => a.queuedSeq - b.queuedSeq);
    const positionOf = new Map(
      USERS.map((u, i) => [u, results[i]!.status === "waitlisted" ? (results[i] as { position: number }).position : 0]),
    );
    expect(queue.map((q) => positionOf.get(q.userId))).toEqual(Array.from({ length: 150 }, (_, i) => i + 1));

    // 30 joined users and 20 users from the back of the waitlist leave at once, interleaved.
    const joinedLeavers = joined.slice(0, 30);
    const waitlistLeavers = queue.slice(130).map((q) => q.userId);
    const leavers = joinedLeavers.flatMap((u, i) => (i < 20 ? [u, waitlistLeavers[i]!] : [u]));
    const leaves = await Promise.all(leavers.map((user) => leaveAction(database.db, id, user)));
    expect(leaves.every((l) => l.status === "left")).toBe(true);
    const promoted = leaves.flatMap((l) => (l.status === "left" && l.promotedUserId ? [l.promotedUserId] : []));
    expect(promoted).toHaveLength(30);
    expect(new Set(promoted).size).toBe(30);
    // Promoted exactly the first 30 of the waitlist.
    expect([...promoted].sort()).toEqual(
      queue
        .slice(0, 30)
        .map((q) => q.userId)
        .sort(),
    );
    expect(await counts(database, id)).toEqual({ participantsCount: CAPACITY, joined: CAPACITY, waitlisted: 100 });

    const notices = await promotionNotices(database, id);
    expect(notices).toHaveLength(30);
    expect(new Set(notices.map((n) => n.chatId))).toEqual(new Set(promoted));
    expect(notices.every((n) => (n.payload as { template: string }).template === "actions.promoted_notice")).toBe(true);

    // Everyone left still waits in the same relative order, positions 1..100.
    const rest = queue.slice(30, 130).map((q) => q.userId);
    const standings = await Promise.all(rest.map((u) => standingIn(database.db, id, u)));
    expect(standings.map((s) => (s?.status === "waitlisted" ? s.position : 0))).toEqual(
      Array.from({ length: 100 }, (_, i) => i + 1),
    );
  });
});
