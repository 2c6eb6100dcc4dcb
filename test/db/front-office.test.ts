import { eq, like, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database, DatabaseHandle } from "../../src/db/client";
import { broadcasts, coordinators, outbox, PRIORITY, users } from "../../src/db/schema";
import { staffOf } from "../../src/domain/access";
import { broadcastProgress, broadcastState, stopBroadcast } from "../../src/domain/broadcasts";
import {
  acceptCoordinatorInvite,
  announce,
  appointCoordinator,
  audienceSize,
  createCoordinatorInvite,
  INVITE_TTL_MS,
  removeCoordinator,
} from "../../src/domain/front-office";
import { completeOnboarding, touchUser } from "../../src/domain/users";
import { addOrganization } from "../support/broadcast-fixtures";
import { testDatabases } from "../support/db";

const ADMIN = 9_800_000_001;
const ADMINS = new Set([ADMIN]);

async function person(
  db: Database,
  id: number,
  regionCode: string,
  interests: Array<"ecology" | "social" | "health"> = ["ecology"],
  consent = true,
) {
  await touchUser(db, id, false);
  await completeOnboarding(db, id, { language: "kk", regionCode, interests, consent, profile: { firstName: "P" } });
}

describe.each(testDatabases)("front offices in the database on $name", (kind) => {
  let database: DatabaseHandle;
  const db = () => database.db;
  const coordinator = 9_800_000_010;
  const other = 9_800_000_011;

  beforeAll(async () => {
    database = await kind.open();
    await person(db(), ADMIN, "astana");
    await person(db(), coordinator, "almaty");
    await person(db(), other, "almaty");
  });
  afterAll(() => database.close());

  it("only an admin appoints and removes; only onboarded people; twice is once", async () => {
    const input = { adminId: coordinator, adminIds: ADMINS, userId: other, regionCode: "almaty" };
    await expect(appointCoordinator(db(), input)).rejects.toThrow("forbidden");
    await expect(appointCoordinator(db(), { ...input, adminId: ADMIN, userId: 9_800_000_099 })).rejects.toThrow(
      "not_user",
    );
    expect(await appointCoordinator(db(), { ...input, adminId: ADMIN, userId: coordinator })).toBe(true);
    expect(await appointCoordinator(db(), { ...input, adminId: ADMIN, userId: coordinator })).toBe(false);
    await expect(removeCoordinator(db(), { ...input, userId: coordinator })).rejects.toThrow("forbidden");
    const notices = await db().select().from(outbox).where(like(outbox.idempotencyKey, "fo:appointed:%"));
    expect(notices.map((n) => Number(n.chatId)).sort()).toEqual([ADMIN, coordinator].sort());
  });

  it("an invite is used once and expires after a week", async () => {
    const now = new Date("2026-06-01T10:00:00Z");
    const token = await createCoordinatorInvite(db(), { adminId: ADMIN, adminIds: ADMINS, regionCode: "abai" }, now);
    await expect(
      createCoordinatorInvite(db(), { adminId: coordinator, adminIds: ADMINS, regionCode: "abai" }),
    ).rejects.toThrow("forbidden");
    const late = new Date(now.getTime() + INVITE_TTL_MS + 1000);
    await expect(acceptCoordinatorInvite(db(), token, other, late)).rejects.toThrow("invite_invalid");
    expect(await acceptCoordinatorInvite(db(), token, other, now)).toEqual({ regionCode: "abai" });
    await expect(acceptCoordinatorInvite(db(), token, coordinator, now)).rejects.toThrow("invite_invalid");
    const rows = await db().select().from(coordinators).where(eq(coordinators.regionCode, "abai"));
    expect(rows.map((r) => r.userId)).toEqual([other]);
  });

  it("announces to exactly the matching volunteers, once per progress message, only in the sender's region", async () => {
    const base = 9_800_001_000;
    await person(db(), base + 1, "almaty", ["ecology", "social"]);
    await person(db(), base + 2, "almaty", ["social"]);
    await person(db(), base + 3, "almaty", ["health"]);
    await person(db(), base + 4, "almaty", ["social"]);
    await db()
      .update(users)
      .set({ blockedAt: new Date() })
      .where(eq(users.id, base + 4));
    await person(db(), base + 5, "almaty", ["social"], false);
    await person(db(), base + 6, "astana", ["social"]);
    await db()
      .update(users)
      .set({ language: "ru" })
      .where(eq(users.id, base + 2));
    const audience = { regionCode: "almaty", interests: ["social"] };
    expect(await audienceSize(db(), audience)).toBe(2);
    const send = (senderId: number, messageId: number, regionCode = "almaty") =>
      announce(db(), {
        senderId,
        adminIds: ADMINS,
        audience: { ...audience, regionCode },
        text: "Сәлем <b>",
        progressChatId: senderId,
        progressMessageId: messageId,
        locale: "kk",
      });
    await expect(send(coordinator, 1, "astana")).rejects.toThrow("forbidden");
    const first = await send(coordinator, 2);
    const again = await send(coordinator, 2); // the confirm step replayed: the same progress message
    expect(again).toEqual(first);
    expect(first.total).toBe(2);
    const rows = await db()
      .select()
      .from(outbox)
      .where(eq(outbox.batch, `bc:${first.id}`));
    expect(rows.map((r) => Number(r.chatId)).sort()).toEqual([base + 1, base + 2]);
    // Normal priority: behind every urgent call-out; the region in each reader's language, the text stored once.
    expect(rows.map((r) => r.priority)).toEqual([PRIORITY.normal, PRIORITY.normal]);
    const payloads = Object.fromEntries(rows.map((r) => [Number(r.chatId), r.payload]));
    expect(payloads[base + 1]).toEqual({
      template: "front_office.announcement",
      broadcast: first.id,
      locale: "kk",
      params: { region: "Алматы" },
    });
    expect(payloads[base + 2]).toMatchObject({ locale: "ru", params: { region: "Алматы" } });
    const made = await db().select().from(broadcasts);
    expect(made).toHaveLength(1);
    expect(made[0]).toMatchObject({
      organizationId: null,
      createdBy: coordinator,
      status: "sending",
      total: 2,
      progressChatId: coordinator,
      progressMessageId: 2,
      audience: { kind: "region", regionCode: "almaty", interests: ["social"] },
    });
    // Everyone of the region: no interests chosen.
    expect(await audienceSize(db(), { regionCode: "almaty", interests: [] })).toBe(5); // 1, 2, 3, the coordinator and "other"
    // Someone who chose no interests (every category) is in a chosen-interests audience too.
    const before = await audienceSize(db(), audience);
    await person(db(), base + 7, "almaty", []);
    expect(await audienceSize(db(), audience)).toBe(before + 1);
  });

  it("an announcement's progress and report come from the broadcasts job; its coordinator or an admin stops it", async () => {
    const base = 9_800_002_000;
    for (let i = 1; i <= 3; i++) await person(db(), base + i, "abai", ["health"]);
    const chief = base + 10;
    await person(db(), chief, "abai");
    await appointCoordinator(db(), { adminId: ADMIN, adminIds: ADMINS, userId: chief, regionCode: "abai" });
    const send = (messageId: number) =>
      announce(db(), {
        senderId: chief,
        adminIds: ADMINS,
        audience: { regionCode: "abai", interests: ["health"] },
        text: "Ертең жиналамыз",
        progressChatId: chief,
        progressMessageId: messageId,
        locale: "kk",
      });
    const first = await send(10);
    expect(first.total).toBe(3);
    const batch = `bc:${first.id}`;
    await db().execute(sql`update outbox set state = 'sent' where batch = ${batch} and chat_id = ${base + 1}`);
    expect(await broadcastProgress(db(), new Date())).toBe(1);
    const edits = () =>
      db()
        .select()
        .from(outbox)
        .where(eq(outbox.batch, `bcp:${first.id}`))
        .orderBy(outbox.id);
    const [progress] = await edits();
    expect(progress).toMatchObject({ chatId: chief, priority: PRIORITY.urgent, kind: "edit" });
    expect(progress!.payload).toMatchObject({
      template: "broadcasts.progress",
      params: { total: 3, sent: 1, pending: 2 },
      edit: { messageId: 10 },
      buttons: [[{ kind: "broadcast.stop", broadcastId: first.id }]],
    });
    await db().execute(sql`update outbox set state = 'sent' where batch in (${batch}, ${`bcp:${first.id}`})`);
    expect(await broadcastProgress(db(), new Date())).toBe(1);
    const report = (await edits()).at(-1)!;
    expect(report.payload).toMatchObject({ template: "broadcasts.report_done", params: { total: 3, sent: 3 } });
    expect(report.payload).not.toHaveProperty("buttons");
    expect((await broadcastState(db(), first.id))!.status).toBe("done");

    // Stop: an organizer, a volunteer and another region's coordinator are refused; the coordinator may.
    const second = await send(11);
    await addOrganization(db(), { nameKk: "Ұйым", members: [base + 1] }); // an organizer
    for (const who of [base + 1, base + 2, coordinator]) {
      const staff = await staffOf(db(), who, ADMINS);
      expect(await stopBroadcast(db(), staff, second.id, new Date())).toEqual({
        ok: false,
        reason: "forbidden",
        announcement: true,
      });
    }
    expect((await broadcastState(db(), second.id))!.counts.pending).toBe(3);
    const stopped = await stopBroadcast(db(), await staffOf(db(), chief, ADMINS), second.id, new Date());
    expect(stopped.ok && stopped.state.counts).toMatchObject({ pending: 0, stopped: 3 });
    await broadcastProgress(db(), new Date());
    expect((await broadcastState(db(), second.id))!.status).toBe("stopped");
    const last = (
      await db()
        .select()
        .from(outbox)
        .where(eq(outbox.batch, `bcp:${second.id}`))
    ).at(-1)!;
    expect(last.payload).toMatchObject({ template: "broadcasts.report_stopped", params: { stopped: 3 } });
    // An admin may stop any region's announcement.
    const third = await send(12);
    const byAdmin = await stopBroadcast(db(), await staffOf(db(), ADMIN, ADMINS), third.id, new Date());
    expect(byAdmin.ok).toBe(true);
  });
});
