import { and, eq, isNull } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderOutboxButton } from "../../src/bot/outbox-buttons";
import type { DatabaseHandle } from "../../src/db/client";
import type { OutboxPayload } from "../../src/db/outbox";
import { actionAlerts, type AlertMode, organizationMutes, outbox, users } from "../../src/db/schema";
import { type Rendered, render } from "../../src/delivery/render";
import { INSTANT_ALERTS_PER_DAY } from "../../src/domain/action-events";
import { createI18n } from "../../src/i18n";
import { alertDigest } from "../../src/scheduler/jobs";
import { addOrganization, cancelAction, publishAction } from "../support/channel-fixtures";
import { testDatabases } from "../support/db";
import { plain } from "../support/chat";
import { describeOnPostgres, twoConnections } from "../support/postgres-only";

/** 2030-03-10 14:00 Almaty; the digest is due from 19:00 local (14:00 UTC). */
const MORNING = new Date("2030-03-10T04:00:00Z");
const EVENING = new Date("2030-03-10T14:05:00Z");

function asMessage(rendered: Rendered) {
  if (rendered.method !== "sendMessage") throw new Error(`expected a message, got ${rendered.method}`);
  return rendered;
}

interface Volunteer {
  id: number;
  language?: "kk" | "ru";
  region?: string;
  interests?: string[];
  mode?: AlertMode;
  location?: { latitude: number; longitude: number };
  radiusKm?: number;
  paused?: boolean;
  consent?: boolean;
}

describe.each(testDatabases)("alerts to matching volunteers on $name", (kind) => {
  let database: DatabaseHandle;
  let organizationId: number;
  let mutedOrg: number;
  const db = () => database.db;

  beforeAll(async () => {
    database = await kind.open();
    await add([{ id: 1 }, { id: 2, mode: "off" }]);
    organizationId = await addOrganization(db(), { ownerId: 1 });
    mutedOrg = await addOrganization(db(), { ownerId: 2 });
  });
  afterAll(() => database?.close());

  async function add(list: Volunteer[]) {
    await db()
      .insert(users)
      .values(
        list.map((v) => ({
          id: v.id,
          language: v.language ?? "kk",
          regionCode: v.region ?? "almaty",
          interests: v.interests ?? ["ecology"],
          alertMode: v.mode ?? "instant",
          latitude: v.location?.latitude ?? null,
          longitude: v.location?.longitude ?? null,
          locationAt: v.location ? new Date() : null,
          alertRadiusKm: v.radiusKm ?? 30,
          consentAt: v.consent === false ? null : new Date(),
          onboardedAt: new Date(),
          pausedAt: v.paused ? new Date() : null,
          quietStartMinute: 0,
          quietEndMinute: 0,
        })),
      );
  }

  const alertsOf = (actionId: number) => db().select().from(actionAlerts).where(eq(actionAlerts.actionId, actionId));
  const alertMessages = async (userId: number) =>
    (await db().select().from(outbox).where(eq(outbox.chatId, userId))).filter((r) =>
      r.idempotencyKey.startsWith("alert:"),
    );

  it("alerts the matching volunteers only, at once in their language with the card's buttons", async () => {
    await add([
      { id: 101, language: "kk" }, // matches, at once
      { id: 102, language: "ru", mode: "digest" }, // matches, digest
      { id: 103, interests: [] }, // no interests: every category
      { id: 104, region: "astana" }, // another region
      { id: 105, interests: ["animals"] }, // other interests
      { id: 106, mode: "off" },
      { id: 107 }, // muted the organization
      { id: 108, paused: true },
      { id: 109, consent: false },
      { id: 110, region: "astana", location: { latitude: 43.3, longitude: 76.9 }, radiusKm: 30 }, // near, other region
      { id: 111, location: { latitude: 45.0, longitude: 78.4 }, radiusKm: 30 }, // same region, too far
      { id: 112, location: { latitude: 45.0, longitude: 78.4 }, radiusKm: 100 }, // ~230 km: still too far
    ]);
    await db().insert(organizationMutes).values({ userId: 107, organizationId });
    await db().insert(organizationMutes).values({ userId: 101, organizationId: mutedOrg }); // another org: no effect
    const actionId = await publishAction(db(), { organizationId, createdBy: 1 }, MORNING);

    const alerted = (await alertsOf(actionId)).map((a) => a.userId).sort((a, b) => a - b);
    expect(alerted).toEqual([101, 102, 103, 110]);
    expect((await alertsOf(actionId)).find((a) => a.userId === 102)!.sentAt).toBeNull();
    expect(await alertMessages(102)).toEqual([]);
    const [message] = await alertMessages(101);
    const rendered = asMessage(
      render(await createI18n(), message!.payload as OutboxPayload, renderOutboxButton, undefined, "erikti_bot"),
    );
    expect(rendered.method).toBe("sendMessage");
    const text = plain(rendered.params.text);
    expect(text).toContain("Саябақты тазалау");
    expect(text).toContain("Абай даңғылы");
    expect(text).toContain("Жасыл қала");
    const data = rendered.params
      .reply_markup!.inline_keyboard.flat()
      .map((b) => ("callback_data" in b ? b.callback_data : ""));
    expect(data).toEqual([`a:o:${actionId}:m`, `a:j:${actionId}:n`]);
    // Published again (a retry of the same transaction's effects): nobody is alerted twice.
    await db().transaction(async (tx) => {
      const { enqueueAlerts } = await import("../../src/domain/action-events");
      expect(await enqueueAlerts(tx, actionId, MORNING)).toBe(0);
    });
  });

  it(`sends at most ${INSTANT_ALERTS_PER_DAY} at once a day; the rest wait for the evening digest`, async () => {
    await add([{ id: 201, language: "ru" }]);
    const ids: number[] = [];
    for (let i = 0; i < INSTANT_ALERTS_PER_DAY + 2; i++) {
      ids.push(await publishAction(db(), { organizationId, titleKk: null, titleRu: `Акция ${i + 1}` }, MORNING));
    }
    expect(await alertMessages(201)).toHaveLength(INSTANT_ALERTS_PER_DAY);
    const waiting = await db()
      .select()
      .from(actionAlerts)
      .where(and(eq(actionAlerts.userId, 201), isNull(actionAlerts.sentAt)));
    expect(waiting.map((a) => a.actionId).sort()).toEqual(ids.slice(INSTANT_ALERTS_PER_DAY).sort());
  });

  it("builds one evening digest per volunteer from 19:00, skips cancelled actions, and only once", async () => {
    await add([{ id: 301, language: "ru", mode: "digest" }]);
    const ids: number[] = [];
    for (let i = 0; i < 7; i++) {
      ids.push(await publishAction(db(), { organizationId, titleKk: null, titleRu: `Субботник ${i + 1}` }, MORNING));
    }
    await cancelAction(db(), ids[0]!, MORNING);
    // Before 19:00 local: nothing.
    expect(await alertDigest(db(), new Date("2030-03-10T13:00:00Z"))).toBe(0);
    expect(await alertDigest(db(), EVENING)).toBeGreaterThan(0);
    const [digest] = (await db().select().from(outbox).where(eq(outbox.chatId, 301))).filter((r) =>
      r.idempotencyKey.startsWith("alertdigest:"),
    );
    const rendered = asMessage(render(await createI18n(), digest!.payload as OutboxPayload, renderOutboxButton));
    const text = plain(rendered.params.text);
    expect(text).not.toContain("Субботник 1");
    for (const n of [2, 3, 4, 5, 6]) expect(text).toContain(`Субботник ${n}`);
    expect(text).not.toContain("Субботник 7");
    expect(text).toContain("и ещё 1 акция");
    const data = rendered.params
      .reply_markup!.inline_keyboard.flat()
      .map((b) => ("callback_data" in b ? b.callback_data : ""));
    expect(data).toEqual(ids.slice(1, 6).map((id) => `a:o:${id}:n`));
    const unsent = await db()
      .select()
      .from(actionAlerts)
      .where(and(eq(actionAlerts.userId, 301), isNull(actionAlerts.sentAt)));
    expect(unsent).toEqual([]);
    // The instant user's overflow from the test before went into a digest too; a second run sends nothing.
    expect(
      (await db().select().from(outbox).where(eq(outbox.chatId, 201))).some((r) =>
        r.idempotencyKey.startsWith("alertdigest:"),
      ),
    ).toBe(true);
    expect(await alertDigest(db(), new Date(EVENING.getTime() + 3_600_000))).toBe(0);
  });

  it(`keeps the cap of ${INSTANT_ALERTS_PER_DAY} when actions are published at once`, async () => {
    await add([{ id: 401 }]);
    const nextDay = new Date(MORNING.getTime() + 86_400_000);
    await Promise.all(
      Array.from({ length: INSTANT_ALERTS_PER_DAY + 3 }, (_, i) =>
        publishAction(db(), { organizationId, titleKk: null, titleRu: `Вместе ${i + 1}` }, nextDay),
      ),
    );
    expect(await alertMessages(401)).toHaveLength(INSTANT_ALERTS_PER_DAY);
    const waiting = await db()
      .select()
      .from(actionAlerts)
      .where(and(eq(actionAlerts.userId, 401), isNull(actionAlerts.sentAt)));
    expect(waiting).toHaveLength(3);
  });
});

describeOnPostgres("two organizers publishing at once on two connections", (fresh) => {
  const handles = twoConnections(fresh);
  let organizationId: number;
  beforeAll(async () => {
    const { first } = handles;
    await first.db.insert(users).values({ id: 500, language: "ru", onboardedAt: new Date() });
    organizationId = await addOrganization(first.db, { ownerId: 500 });
  });

  it(`never send a volunteer more than ${INSTANT_ALERTS_PER_DAY} alerts a day, however often they race`, async () => {
    const { first, second } = handles;
    for (let round = 0; round < 5; round++) {
      const volunteer = 510 + round;
      const now = new Date(MORNING.getTime() + round * 86_400_000);
      await first.db.insert(users).values({
        id: volunteer,
        language: "kk",
        regionCode: "almaty",
        interests: ["ecology"],
        alertMode: "instant",
        consentAt: new Date(),
        onboardedAt: new Date(),
        quietStartMinute: 0,
        quietEndMinute: 0,
      });
      for (let i = 0; i < INSTANT_ALERTS_PER_DAY - 1; i++)
        await publishAction(first.db, { organizationId, titleKk: `Алдын ала ${i}` }, now);
      await Promise.all([
        publishAction(first.db, { organizationId, titleKk: "Бірінші" }, now),
        publishAction(second.db, { organizationId, titleKk: "Екінші" }, now),
      ]);
      const sent = (await first.db.select().from(outbox).where(eq(outbox.chatId, volunteer))).filter((r) =>
        r.idempotencyKey.startsWith("alert:"),
      );
      expect(sent).toHaveLength(INSTANT_ALERTS_PER_DAY);
    }
  });
});
