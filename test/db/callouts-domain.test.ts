import { eq, like, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../../src/db/client";
import { callouts, coordinators, emergencyProfiles, outbox, users } from "../../src/db/schema";
import {
  answerCallout,
  calloutTally,
  closeCallout,
  allowedDraft,
  type CalloutDraft,
  countMatching,
  launchCallout,
  manageableCallout,
  parseMeetTime,
  scheduleTallyEdit,
  setTallyMessage,
} from "../../src/domain/callouts";
import { staffOf } from "../../src/domain/access";
import { setEmergencyPaused, toggleEmergencySkill } from "../../src/domain/emergency";
import { removeCoordinator } from "../../src/domain/front-office";
import { completeOnboarding, touchUser, withdrawConsent } from "../../src/domain/users";
import { testDatabases } from "../support/db";

const ALMATY = { latitude: 43.2389, longitude: 76.8897 };
const staff = (userId: number, regions: string[], admin = false) => ({ userId, admin, regions, organizations: [] });
const NO_ADMINS: ReadonlySet<number> = new Set();

describe("parseMeetTime (Asia/Almaty)", () => {
  const now = new Date("2026-12-02T10:00:00Z"); // 15:00 in Almaty
  it("reads 18:30 as today, a passed time as tomorrow, and tomorrow's words in both languages", () => {
    expect(parseMeetTime("18:30", now)?.toISOString()).toBe("2026-12-02T13:30:00.000Z");
    expect(parseMeetTime("09:00", now)?.toISOString()).toBe("2026-12-03T04:00:00.000Z");
    expect(parseMeetTime("ертең 09:00", now)?.toISOString()).toBe("2026-12-03T04:00:00.000Z");
    expect(parseMeetTime("Завтра 9.15", now)?.toISOString()).toBe("2026-12-03T04:15:00.000Z");
    expect(parseMeetTime("сегодня 16:00", now)?.toISOString()).toBe("2026-12-02T11:00:00.000Z");
  });
  it("refuses what is not a time, or a time of today already past", () => {
    for (const text of ["25:00", "18:75", "soon", "бүгін 09:00", "18 30", ""])
      expect(parseMeetTime(text, now), text).toBeUndefined();
  });
});

describe.each(testDatabases)("call-outs in the domain on $name", (kind) => {
  let database: DatabaseHandle;
  const base = 9_100_000_000;
  const db = () => database.db;
  async function volunteer(id: number, regionCode: string, location?: { latitude: number; longitude: number }) {
    await touchUser(db(), id, false);
    await completeOnboarding(db(), id, {
      language: "ru",
      regionCode,
      interests: ["ecology"],
      consent: true,
      profile: { firstName: `V${id}` },
      location,
    });
  }
  beforeAll(async () => {
    database = await kind.open();
  });
  afterAll(() => database.close());

  it("matches region or radius, the skills (or any), and only ready, consenting, reachable volunteers", async () => {
    const near = base + 1; // Astana region, but living in Almaty with a saved location
    const almaty = base + 2;
    const paused = base + 3;
    const withdrawn = base + 4;
    const blocked = base + 5;
    const noProfile = base + 6;
    const driver = base + 7;
    await volunteer(near, "astana", { latitude: 43.25, longitude: 76.9 });
    for (const id of [almaty, paused, withdrawn, blocked, noProfile, driver]) await volunteer(id, "almaty");
    for (const id of [near, almaty, paused, withdrawn, blocked]) await toggleEmergencySkill(db(), id, "first_aid");
    await toggleEmergencySkill(db(), driver, "driver");
    await setEmergencyPaused(db(), paused, true);
    await withdrawConsent(db(), withdrawn, NO_ADMINS);
    await db().update(users).set({ blockedAt: new Date() }).where(eq(users.id, blocked));

    const common = { needed: 3, meeting: ALMATY, meetAt: new Date(Date.now() + 3_600_000), text: "x" };
    expect(await countMatching(db(), { ...common, regionCode: "almaty", skills: ["first_aid"] })).toBe(1);
    expect(await countMatching(db(), { ...common, regionCode: "almaty", skills: [] })).toBe(2);
    expect(await countMatching(db(), { ...common, regionCode: "almaty", skills: ["first_aid", "driver"] })).toBe(2);
    expect(await countMatching(db(), { ...common, center: ALMATY, radiusKm: 10, skills: ["first_aid"] })).toBe(1);
    expect(
      await countMatching(db(), { ...common, center: { latitude: 51.1, longitude: 71.4 }, radiusKm: 50, skills: [] }),
    ).toBe(0);
    // A coordinator's circle reaches only the regions they coordinate; an admin's reaches everyone in it.
    const circle: CalloutDraft = { ...common, center: ALMATY, radiusKm: 10, skills: ["first_aid"] };
    const ofAstana = allowedDraft(staff(base + 95, ["astana"]), circle)!;
    expect(ofAstana.withinRegions).toEqual(["astana"]);
    expect(await countMatching(db(), ofAstana)).toBe(1); // `near` lives in Almaty but is of the Astana region
    const ofAlmaty = allowedDraft(staff(base + 95, ["almaty"]), circle)!;
    expect(await countMatching(db(), ofAlmaty)).toBe(0);
    expect(allowedDraft(staff(base + 95, [], true), circle)!.withinRegions).toBeUndefined();
    // A region's call-out only by its coordinators (and admins); nobody else launches at all.
    expect(allowedDraft(staff(base + 95, ["astana"]), { ...common, regionCode: "almaty", skills: [] })).toBeUndefined();
    expect(allowedDraft(staff(base + 95, []), circle)).toBeUndefined();
    // Withdrawing consent erased the readiness row too.
    expect(await db().select().from(emergencyProfiles).where(eq(emergencyProfiles.userId, withdrawn))).toEqual([]);

    const { callout, invited } = await launchCallout(
      db(),
      { ...common, center: ALMATY, radiusKm: 10, skills: [] },
      base + 99,
    );
    expect(invited).toBe(1);
    expect(callout.regionCode).toBeNull();
    // A radius call-out is managed by its author and admins only.
    expect(await manageableCallout(db(), staff(base + 99, ["almaty"]), callout.id)).toBeDefined();
    expect(await manageableCallout(db(), staff(base + 98, ["almaty"]), callout.id)).toBeUndefined();
    expect(await manageableCallout(db(), staff(base + 97, [], true), callout.id)).toBeDefined();
    expect(await manageableCallout(db(), staff(base + 96, []), callout.id)).toBeUndefined();
  });

  it("answers once per person, refuses people it was not sent to, and coalesces tally edits per 3-second window", async () => {
    const a = base + 11;
    const b = base + 12;
    const coordinator = base + 13;
    for (const id of [a, b, coordinator]) await volunteer(id, "pavlodar");
    await db().insert(coordinators).values({ userId: coordinator, regionCode: "pavlodar" });
    for (const id of [a, b]) await toggleEmergencySkill(db(), id, "flood");
    const meetAt = new Date(Date.now() + 3_600_000);
    const { callout } = await launchCallout(
      db(),
      { regionCode: "pavlodar", skills: ["flood"], needed: 2, meeting: ALMATY, meetAt, text: "Су" },
      coordinator,
    );
    await setTallyMessage(db(), callout.id, coordinator, 555);
    const now = new Date(Math.floor(Date.now() / 3000) * 3000 + 100);
    expect((await answerCallout(db(), callout.id, a, "coming", NO_ADMINS, now)).status).toBe("recorded");
    expect((await answerCallout(db(), callout.id, a, "coming", NO_ADMINS, now)).status).toBe("unchanged");
    expect((await answerCallout(db(), callout.id, b, "cant", NO_ADMINS, now)).status).toBe("recorded");
    expect((await answerCallout(db(), callout.id, coordinator, "coming", NO_ADMINS, now)).status).toBe("unknown");
    expect((await answerCallout(db(), 2_000_000_000, a, "coming", NO_ADMINS, now)).status).toBe("unknown");

    const edits = await db()
      .select()
      .from(outbox)
      .where(like(outbox.idempotencyKey, `cot:${callout.id}:%`));
    expect(edits).toHaveLength(1);
    expect(edits[0]).toMatchObject({ kind: "edit", chatId: coordinator, priority: 0 });
    expect(edits[0]!.notBefore.getTime() % 3000).toBe(0);
    expect((edits[0]!.payload as { params: { cant: number; coming: number } }).params).toMatchObject({
      coming: 1,
      cant: 1,
    });
    // The window's edit already on its way: the next answer goes into the next window.
    await db().update(outbox).set({ state: "sent" }).where(eq(outbox.id, edits[0]!.id));
    await scheduleTallyEdit(db(), callout.id, NO_ADMINS, now);
    expect(
      await db()
        .select()
        .from(outbox)
        .where(like(outbox.idempotencyKey, `cot:${callout.id}:%`)),
    ).toHaveLength(2);

    await db().execute(sql`update outbox set state = 'dead' where idempotency_key = ${`co:${callout.id}:${b}`}`);
    const tally = await calloutTally(db(), callout.id);
    expect(tally).toMatchObject({ invited: 2, coming: 1, cant: 1, waiting: 0, notDelivered: 0 });
    expect(tally.comingPeople.map((p) => p.userId)).toEqual([a]);
  });

  it("stops the tally and the buttons for a launcher who lost the region; the call-out stays open for admins", async () => {
    const admin = base + 20;
    const launcher = base + 21;
    const other = base + 22; // another coordinator of the same region
    const [a, b, c] = [base + 23, base + 24, base + 25];
    const admins: ReadonlySet<number> = new Set([admin]);
    for (const id of [admin, launcher, other, a, b, c]) await volunteer(id, "kostanay");
    for (const id of [a, b, c]) await toggleEmergencySkill(db(), id, "rescue");
    await db()
      .insert(coordinators)
      .values([
        { userId: launcher, regionCode: "kostanay" },
        { userId: other, regionCode: "kostanay" },
      ]);
    const meetAt = new Date(Date.now() + 3_600_000);
    const { callout } = await launchCallout(
      db(),
      { regionCode: "kostanay", skills: ["rescue"], needed: 3, meeting: ALMATY, meetAt, text: "Іздеу" },
      launcher,
    );
    await setTallyMessage(db(), callout.id, launcher, 777);
    const tallyEdits = () =>
      db()
        .select()
        .from(outbox)
        .where(like(outbox.idempotencyKey, `cot:${callout.id}:%`))
        .orderBy(outbox.id);
    const now = new Date(Math.floor(Date.now() / 3000) * 3000 + 100);
    expect((await answerCallout(db(), callout.id, a, "coming", admins, now)).status).toBe("recorded");
    expect(await tallyEdits()).toHaveLength(1); // the launcher's tally, while they coordinate the region

    expect(
      await removeCoordinator(db(), { adminId: admin, adminIds: admins, userId: launcher, regionCode: "kostanay" }),
    ).toBe(true);
    // At once: the waiting tally edit is dropped and one line replaces the tally (no figures, names or buttons).
    const [left] = await tallyEdits();
    expect(left).toMatchObject({ chatId: launcher, kind: "edit" });
    expect(left!.idempotencyKey.startsWith(`cot:${callout.id}:left:`)).toBe(true);
    expect(left!.payload).toEqual({
      template: "callouts.tally_left",
      params: { id: callout.id },
      locale: "ru",
      edit: { messageId: 777 },
    });
    // Later answers are counted but never reach the former coordinator.
    expect((await answerCallout(db(), callout.id, b, "coming", admins, now)).status).toBe("recorded");
    expect((await answerCallout(db(), callout.id, c, "cant", admins, new Date(now.getTime() + 9000))).status).toBe(
      "recorded",
    );
    expect((await tallyEdits()).map((e) => e.idempotencyKey)).toEqual([left!.idempotencyKey]);
    expect(await calloutTally(db(), callout.id)).toMatchObject({ coming: 2, cant: 1 });

    // The buttons: the former coordinator is refused; the region's coordinator and an admin manage it, still open.
    expect(await manageableCallout(db(), await staffOf(db(), launcher, admins), callout.id)).toBeUndefined();
    expect(await manageableCallout(db(), await staffOf(db(), other, admins), callout.id)).toBeDefined();
    const byAdmin = await manageableCallout(db(), await staffOf(db(), admin, admins), callout.id);
    expect(byAdmin).toMatchObject({ status: "open" });
    expect(await closeCallout(db(), callout.id, "Рахмет", admins)).toEqual({ told: 2 });
    const [closed] = await db().select().from(callouts).where(eq(callouts.id, callout.id));
    expect(closed).toMatchObject({ status: "closed" });
    expect((await tallyEdits()).map((e) => e.idempotencyKey)).toEqual([left!.idempotencyKey]);

    // An admin's own tally: no longer an admin (ADMIN_IDS changed), no more figures either.
    const { callout: second } = await launchCallout(
      db(),
      { regionCode: "kostanay", skills: ["rescue"], needed: 1, meeting: ALMATY, meetAt, text: "Екінші" },
      admin,
    );
    await setTallyMessage(db(), second.id, admin, 778);
    await answerCallout(db(), second.id, a, "coming", admins, now);
    await db().execute(sql`update outbox set state = 'sent' where idempotency_key like ${`cot:${second.id}:%`}`);
    await answerCallout(db(), second.id, b, "coming", NO_ADMINS, new Date(now.getTime() + 9000));
    const secondEdits = await db()
      .select()
      .from(outbox)
      .where(like(outbox.idempotencyKey, `cot:${second.id}:%`))
      .orderBy(outbox.id);
    expect(secondEdits.map((e) => e.payload)).toMatchObject([
      { template: "callouts.tally" },
      { template: "callouts.tally_left" },
    ]);
  });
});
