import { eq, like } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database, DatabaseHandle } from "../../src/db/client";
import { broadcasts, coordinators, outbox, users } from "../../src/db/schema";
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

  it("announces to exactly the matching volunteers, once per key, only in the sender's region", async () => {
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
    const audience = { regionCode: "almaty", interests: ["social"] };
    expect(await audienceSize(db(), audience)).toBe(2);
    await expect(
      announce(db(), {
        senderId: coordinator,
        adminIds: ADMINS,
        audience: { ...audience, regionCode: "astana" },
        text: "x",
        key: "k0",
      }),
    ).rejects.toThrow("forbidden");
    const first = await announce(db(), { senderId: coordinator, adminIds: ADMINS, audience, text: "Сәлем", key: "k1" });
    const again = await announce(db(), { senderId: coordinator, adminIds: ADMINS, audience, text: "Сәлем", key: "k1" });
    expect(again).toEqual(first);
    expect(first.total).toBe(2);
    const rows = await db().select().from(outbox).where(eq(outbox.batch, first.batch));
    expect(rows.map((r) => Number(r.chatId)).sort()).toEqual([base + 1, base + 2]);
    expect(rows[0]!.payload).toMatchObject({ template: "front_office.announcement", params: { text: "Сәлем" } });
    expect(await db().select().from(broadcasts)).toHaveLength(1);
    // Everyone of the region: no interests chosen.
    expect(await audienceSize(db(), { regionCode: "almaty", interests: [] })).toBe(5); // 1, 2, 3, the coordinator and "other"
  });
});
