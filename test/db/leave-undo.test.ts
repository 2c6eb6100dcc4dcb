import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../../src/db/client";
import { actions, participations, users } from "../../src/db/schema";
import { joinAction, lastLeave, leaveAction, standingIn, undoLeave } from "../../src/domain/participation";
import { openFreshPostgres, postgresUrl, testDatabases } from "../support/db";
import { addAction as addActionWith, counts } from "../support/participation-fixtures";

const NOW = new Date("2026-03-11T05:00:00Z");
const HOUR = 3600_000;

const addAction = (database: DatabaseHandle, capacity: number | null, startsAt?: Date) =>
  addActionWith(database, { capacity, ...(startsAt ? { startsAt } : {}) });

async function leave(database: DatabaseHandle, actionId: number, userId: number) {
  const result = await leaveAction(database.db, actionId, userId, NOW);
  if (result.status !== "left") throw new Error(`not left: ${JSON.stringify(result)}`);
  return result;
}

describe.each(testDatabases)("undoing a leave on $name", (kind) => {
  let database: DatabaseHandle;
  beforeAll(async () => {
    database = await kind.open();
    await database.db.insert(users).values([1, 2, 3, 4, 5].map((id) => ({ id, language: "kk" as const })));
  });
  afterAll(() => database.close());

  it("gives the seat back while nobody waits; a second press changes nothing; an old or foreign button is stale", async () => {
    const id = await addAction(database, 2);
    await joinAction(database.db, id, 1, NOW);
    await joinAction(database.db, id, 2, NOW);
    const left = await leave(database, id, 1);
    expect(left).toMatchObject({ from: "joined", seq: expect.any(Number) });
    expect(left.promotedUserId).toBeUndefined();
    expect(await lastLeave(database.db, id, 1)).toEqual({ from: "joined", seq: left.seq, undoable: true });

    // Another user pressing the same button has nothing of theirs to undo.
    expect(await undoLeave(database.db, id, 3, left.seq, NOW)).toEqual({ status: "refused", reason: "stale" });
    expect(await undoLeave(database.db, id, 1, left.seq + 1000, NOW)).toEqual({ status: "refused", reason: "stale" });

    const restored = { status: "restored", standing: { status: "joined" } };
    expect(await undoLeave(database.db, id, 1, left.seq, NOW)).toEqual(restored);
    expect(await undoLeave(database.db, id, 1, left.seq, NOW)).toEqual(restored);
    expect(await counts(database, id)).toEqual({ participantsCount: 2, joined: 2, waitlisted: 0 });
    expect(await lastLeave(database.db, id, 1)).toBeUndefined();

    // Leave, re-join, leave again: the first leave's button no longer undoes anything.
    const first = await leave(database, id, 1);
    await joinAction(database.db, id, 1, NOW);
    const second = await leave(database, id, 1);
    expect(second.seq).not.toBe(first.seq);
    expect(await undoLeave(database.db, id, 1, first.seq, NOW)).toEqual({ status: "refused", reason: "stale" });
    expect(await undoLeave(database.db, id, 1, second.seq, NOW)).toEqual(restored);
  });

  it("refuses once the seat went to the first on the waitlist, or to a new join; never overbooks", async () => {
    const id = await addAction(database, 1);
    await joinAction(database.db, id, 1, NOW);
    await joinAction(database.db, id, 2, NOW);
    const left = await leave(database, id, 1);
    expect(left.promotedUserId).toBe(2);
    expect(await lastLeave(database.db, id, 1)).toMatchObject({ undoable: false });
    expect(await undoLeave(database.db, id, 1, left.seq, NOW)).toEqual({ status: "refused", reason: "taken" });
    expect(await counts(database, id)).toEqual({ participantsCount: 1, joined: 1, waitlisted: 0 });
    expect(await standingIn(database.db, id, 1)).toBeUndefined();

    // Nobody waiting: the seat is free until a new join takes it.
    const left2 = await leave(database, id, 2);
    expect(left2.promotedUserId).toBeUndefined();
    expect(await joinAction(database.db, id, 3, NOW)).toEqual({ status: "joined" });
    expect(await undoLeave(database.db, id, 2, left2.seq, NOW)).toEqual({ status: "refused", reason: "taken" });
    expect(await counts(database, id)).toEqual({ participantsCount: 1, joined: 1, waitlisted: 0 });
    // The refused user may still join the waitlist.
    expect(await joinAction(database.db, id, 2, NOW)).toEqual({ status: "waitlisted", position: 1 });
  });

  it("puts a user who left the waitlist back at their former place", async () => {
    const id = await addAction(database, 1);
    for (const user of [1, 2, 3, 4]) await joinAction(database.db, id, user, NOW);
    // Waitlist: 2, 3, 4. User 3 leaves it; 5 joins at the back.
    const left = await leave(database, id, 3);
    expect(left).toMatchObject({ from: "waitlisted" });
    expect(await lastLeave(database.db, id, 3)).toEqual({ from: "waitlisted", seq: left.seq, undoable: true });
    expect(await standingIn(database.db, id, 4)).toEqual({ status: "waitlisted", position: 2 });
    await joinAction(database.db, id, 5, NOW);
    expect(await undoLeave(database.db, id, 3, left.seq, NOW)).toEqual({
      status: "restored",
      standing: { status: "waitlisted", position: 2 },
    });
    expect(await standingIn(database.db, id, 4)).toEqual({ status: "waitlisted", position: 3 });
    expect(await standingIn(database.db, id, 5)).toEqual({ status: "waitlisted", position: 4 });
    expect(await counts(database, id)).toEqual({ participantsCount: 1, joined: 1, waitlisted: 4 });
  });

  it("refuses after the action started, when it was cancelled, or while the user is paused", async () => {
    const soon = await addAction(database, 5, new Date(NOW.getTime() + HOUR));
    await joinAction(database.db, soon, 1, NOW);
    const left = await leave(database, soon, 1);
    const later = new Date(NOW.getTime() + 2 * HOUR);
    expect(await undoLeave(database.db, soon, 1, left.seq, later)).toEqual({ status: "refused", reason: "started" });

    const cancelled = await addAction(database, 5);
    await joinAction(database.db, cancelled, 1, NOW);
    const left2 = await leave(database, cancelled, 1);
    await database.db.update(actions).set({ status: "cancelled" }).where(eq(actions.id, cancelled));
    expect(await undoLeave(database.db, cancelled, 1, left2.seq, NOW)).toEqual({
      status: "refused",
      reason: "cancelled",
    });

    const open = await addAction(database, 5);
    await joinAction(database.db, open, 4, NOW);
    const left3 = await leave(database, open, 4);
    await database.db.update(users).set({ pausedAt: NOW }).where(eq(users.id, 4));
    expect(await undoLeave(database.db, open, 4, left3.seq, NOW)).toEqual({ status: "refused", reason: "paused" });
    await database.db.update(users).set({ pausedAt: null }).where(eq(users.id, 4));
    expect(await undoLeave(database.db, 999_999, 4, left3.seq, NOW)).toEqual({
      status: "refused",
      reason: "not_found",
    });
  });

  it("an undo racing a join for the last seat: exactly one gets it, never overbooked", async () => {
    for (let round = 0; round < 10; round++) {
      const id = await addAction(database, 2, new Date(Date.now() + 48 * HOUR));
      await joinAction(database.db, id, 1);
      await joinAction(database.db, id, 2);
      const left = await leaveAction(database.db, id, 1);
      if (left.status !== "left") throw new Error("not left");
      const [undo, join] = await Promise.all([undoLeave(database.db, id, 1, left.seq), joinAction(database.db, id, 3)]);
      const undone = undo.status === "restored";
      expect(undone ? join : undo).toEqual(
        undone ? { status: "waitlisted", position: 1 } : { status: "refused", reason: "taken" },
      );
      if (!undone) expect(join).toEqual({ status: "joined" });
      expect(await counts(database, id)).toMatchObject({ participantsCount: 2, joined: 2 });
      const [row] = await database.db
        .select({ status: participations.status })
        .from(participations)
        .where(and(eq(participations.actionId, id), eq(participations.userId, 1)));
      expect(row!.status).toBe(undone ? "joined" : "left");
    }
  });
});

describe.skipIf(!postgresUrl)("50 undos racing 50 joins on the real PostgreSQL (set TEST_DATABASE_URL to run)", () => {
  let database: DatabaseHandle;
  const LEAVERS = Array.from({ length: 50 }, (_, i) => 20_000 + i);
  const JOINERS = Array.from({ length: 50 }, (_, i) => 30_000 + i);
  beforeAll(async () => {
    database = await openFreshPostgres(postgresUrl!);
    await database.db.insert(users).values([...LEAVERS, ...JOINERS].map((id) => ({ id, language: "ru" as const })));
  });
  afterAll(() => database.close());

  it("fills the freed seats exactly once each", async () => {
    const id = await addAction(database, 60, new Date(Date.now() + 48 * HOUR));
    for (const user of LEAVERS) await joinAction(database.db, id, user);
    const seqs = new Map<number, number>();
    for (const user of LEAVERS) {
      const left = await leaveAction(database.db, id, user);
      if (left.status === "left") seqs.set(user, left.seq);
    }
    // 60 seats, none taken: 50 undos and 50 joins race for them.
    const results = await Promise.all([
      ...LEAVERS.map((user) => undoLeave(database.db, id, user, seqs.get(user)!)),
      ...JOINERS.map((user) => joinAction(database.db, id, user)),
    ]);
    const seated = results.filter(
      (r) => r.status === "joined" || (r.status === "restored" && r.standing.status === "joined"),
    );
    expect(seated).toHaveLength(60);
    expect(await counts(database, id)).toEqual({
      participantsCount: 60,
      joined: 60,
      waitlisted: 40 - results.filter((r) => r.status === "refused").length,
    });
    expect(
      results.filter((r) => r.status === "refused").every((r) => r.status === "refused" && r.reason === "taken"),
    ).toBe(true);
  });
});
