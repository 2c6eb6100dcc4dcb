import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DatabaseHandle, rowsOf } from "../../src/db/client";
import { broadcasts, organizationMutes } from "../../src/db/schema";
import { staffOf } from "../../src/domain/access";
import {
  audienceSize,
  broadcastProgress,
  broadcastState,
  createBroadcast,
  stopBroadcast,
} from "../../src/domain/broadcasts";
import { testDatabases } from "../support/db";
import { addOrganization, addOrganizationAction, addVolunteers, join } from "../support/broadcast-fixtures";

describe.each(testDatabases)("broadcasts on $name", (kind) => {
  let database: DatabaseHandle;
  beforeAll(async () => {
    database = await kind.open();
  });
  afterAll(() => database.close());

  it("enqueues each reachable person once: no muted, blocked or consentless recipients", async () => {
    const { db } = database;
    const organizer = 1;
    await addVolunteers(db, [organizer, 2, 10, 11, 12, 13, 14, 15]);
    await addVolunteers(db, [16], { consent: false });
    await addVolunteers(db, [17], { blocked: true });
    const org = await addOrganization(db, { nameKk: "Жасыл ел", nameRu: "Зелёная страна", members: [organizer] });
    const other = await addOrganization(db, { nameRu: "Другие", members: [2] });
    const a1 = await addOrganizationAction(db, org);
    const a2 = await addOrganizationAction(db, org, { startsAt: new Date(Date.now() + 5 * 86_400_000) });
    const foreign = await addOrganizationAction(db, other);
    await join(db, a1, [10, 11, 12, 16, 17]);
    await join(db, a1, [13], { status: "waitlisted" });
    await join(db, a2, [10, 11, 14]);
    await join(db, foreign, [15]);
    await db.insert(organizationMutes).values({ userId: 12, organizationId: org });
    const now = new Date();

    expect(await audienceSize(db, org, { kind: "action", actionId: a1, withWaitlist: false }, now)).toBe(2);
    expect(await audienceSize(db, org, { kind: "action", actionId: a1, withWaitlist: true }, now)).toBe(3);
    // Another organization's action is never an audience, whatever id is given.
    expect(await audienceSize(db, org, { kind: "action", actionId: foreign, withWaitlist: true }, now)).toBe(0);
    expect(await audienceSize(db, org, { kind: "recent", months: 1 }, now)).toBe(3); // 10, 11, 14: each once

    const input = {
      organizationId: org,
      createdBy: organizer,
      audience: { kind: "recent", months: 3 } as const,
      text: "Сәлем <b>&",
      progressChatId: organizer,
      progressMessageId: 500,
      locale: "kk" as const,
    };
    const made = await createBroadcast(db, input, now);
    expect(made.total).toBe(3);
    const rows = rowsOf<{ chat_id: string | number; kind: string; payload: Record<string, unknown>; batch: string }>(
      await db.execute(
        sql`select chat_id, kind, payload, batch from outbox where batch = ${`bc:${made.id}`} order by chat_id`,
      ),
    );
    expect(rows.map((r) => Number(r.chat_id))).toEqual([10, 11, 14]);
    expect(rows[0]).toMatchObject({
      kind: "broadcast",
      payload: {
        template: "broadcasts.message",
        broadcast: made.id,
        locale: "kk",
        buttons: [[{ kind: "org.mute", organizationId: org, name: "Жасыл ел" }]],
      },
    });
    // The text is stored once, in the broadcast.
    expect(JSON.stringify(rows[0]!.payload)).not.toContain("Сәлем");

    // A replay of the same confirm (same progress message) finds the broadcast and adds nothing.
    const again = await createBroadcast(db, input, now);
    expect(again).toEqual(made);
    expect(await db.select().from(broadcasts)).toHaveLength(1);

    // With the conversation's key: a confirm replayed after a crash sends a new progress message, and still finds
    // the broadcast made the first time (no second one to everybody).
    const keyed = { ...input, progressMessageId: 600, key: "k-1" };
    const first = await createBroadcast(db, keyed, now);
    expect(first.id).not.toBe(made.id);
    expect(await createBroadcast(db, { ...keyed, progressMessageId: 601 }, now)).toEqual(first);
    expect(await db.select().from(broadcasts)).toHaveLength(2);
    // Another person's same key is theirs alone.
    expect((await createBroadcast(db, { ...keyed, createdBy: 11, progressMessageId: 602 }, now)).id).not.toBe(first.id);
  });

  it("counts progress, stops only for a member, and finishes with a report edit", async () => {
    const { db } = database;
    await addVolunteers(db, [30, 31, 32, 33, 34]);
    const org = await addOrganization(db, { nameRu: "Фонд", members: [30] });
    const stranger = await addOrganization(db, { nameRu: "Чужие", members: [31] });
    expect(stranger).toBeGreaterThan(0);
    const action = await addOrganizationAction(db, org);
    await join(db, action, [32, 33, 34]);
    const { id } = await createBroadcast(
      db,
      {
        organizationId: org,
        createdBy: 30,
        audience: { kind: "action", actionId: action, withWaitlist: false },
        text: "Ертең кездесеміз",
        progressChatId: 30,
        progressMessageId: 77,
        locale: "ru",
      },
      new Date(),
    );
    await db.execute(sql`update outbox set state = 'sent' where batch = ${`bc:${id}`} and chat_id = 32`);
    await db.execute(
      sql`update outbox set state = 'dead', last_error = '403: Forbidden: bot was blocked by the user' where batch = ${`bc:${id}`} and chat_id = 33`,
    );
    expect((await broadcastState(db, id))!.counts).toEqual({
      total: 3,
      sent: 1,
      pending: 1,
      blocked: 1,
      failed: 0,
      stopped: 0,
    });
    expect(await broadcastProgress(db, new Date())).toBe(1);
    // An edit still waiting: no second one.
    await db.execute(sql`update outbox set state = 'sent' where batch = ${`bc:${id}`} and chat_id = 34`);
    expect(await broadcastProgress(db, new Date())).toBe(1); // the final report goes anyway
    const [row] = await db.select().from(broadcasts).where(eq(broadcasts.id, id));
    expect(row).toMatchObject({ status: "done" });
    expect(row!.finishedAt).not.toBeNull();

    // Stop: a member of another organization with the real id is refused, nothing changes.
    const second = await createBroadcast(
      db,
      {
        organizationId: org,
        createdBy: 30,
        audience: { kind: "action", actionId: action, withWaitlist: false },
        text: "Тағы бір хабар",
        progressChatId: 30,
        progressMessageId: 78,
        locale: "ru",
      },
      new Date(),
    );
    const outsider = await staffOf(db, 31, new Set());
    expect(await stopBroadcast(db, outsider, second.id, new Date())).toEqual({
      ok: false,
      reason: "forbidden",
      announcement: false,
    });
    expect((await broadcastState(db, second.id))!.counts.pending).toBe(3);
    const member = await staffOf(db, 30, new Set());
    const stopped = await stopBroadcast(db, member, second.id, new Date());
    expect(stopped.ok && stopped.state.counts).toMatchObject({ pending: 0, stopped: 3, sent: 0 });
    expect(await stopBroadcast(db, member, second.id, new Date())).toEqual({ ok: false, reason: "finished" });
    await broadcastProgress(db, new Date());
    const [done] = await db.select().from(broadcasts).where(eq(broadcasts.id, second.id));
    expect(done).toMatchObject({ status: "stopped" });
    expect(done!.finishedAt).not.toBeNull();
  });
});
