import { sql } from "drizzle-orm";
import { Api } from "grammy";
import { afterAll, beforeAll, expect, it } from "vitest";
import { renderOutboxButton } from "../../src/bot/outbox-buttons";
import { type DatabaseHandle, openDatabase, rowsOf } from "../../src/db/client";
import { Dispatcher } from "../../src/delivery/dispatcher";
import { calloutTally, launchCallout } from "../../src/domain/callouts";
import { localMinuteOfDay } from "../../src/core/time";
import { createI18n } from "../../src/i18n";
import { createLogger } from "../../src/logger";
import { BotApiEmulator } from "../support/fake-telegram";
import { type Harness, startHarness } from "../support/harness";
import { describeOnPostgres } from "../support/postgres-only";

const silent = createLogger("silent");
const VOLUNTEERS = 5000;
const BROADCAST = 20_000;
const FIRST = 7_100_000_000;
const BROADCAST_FIRST = 7_200_000_000;

/** `count` onboarded, consenting volunteers ready for call-outs (first aid), in quiet hours right now. */
async function addReadyVolunteers(db: DatabaseHandle["db"], first: number, count: number, region: string) {
  const minute = localMinuteOfDay(new Date());
  await db.execute(sql`
    insert into users (id, first_name, language, region_code, consent_at, onboarded_at, quiet_start_minute, quiet_end_minute)
    select g, 'Ерікті ' || g, case when g % 2 = 0 then 'kk' else 'ru' end, ${region}, now(), now(),
           ${(minute + 1380) % 1440}, ${(minute + 120) % 1440}
    from generate_series(${first}::bigint, ${first + count - 1}::bigint) g`);
  await db.execute(sql`
    insert into emergency_profiles (user_id, skills)
    select g, '{first_aid}' from generate_series(${first}::bigint, ${first + count - 1}::bigint) g`);
}

const draft = (regionCode: string, needed: number) => ({
  regionCode,
  skills: ["first_aid" as const],
  needed,
  meeting: { latitude: 43.24, longitude: 76.89 },
  meetAt: new Date(Date.now() + 3 * 3_600_000),
  text: "Су тасқыны",
});

describeOnPostgres("call-outs on PostgreSQL: 5,000 urgent rows ahead of a broadcast", (pg) => {
  let database: DatabaseHandle;
  let emulator: BotApiEmulator;
  beforeAll(async () => {
    database = await openDatabase({ url: pg.url, max: 10 });
    emulator = await BotApiEmulator.start();
  });
  afterAll(async () => {
    await emulator?.close();
    await database?.close();
  });

  it("enqueues a call-out to 5,000 matching volunteers in one statement, and claims every urgent row before any pending row of a running broadcast", async () => {
    const db = database.db;
    await addReadyVolunteers(db, FIRST, VOLUNTEERS, "almaty");
    // Someone who does not match: another region, a paused readiness, no consent.
    await addReadyVolunteers(db, FIRST + VOLUNTEERS, 3, "astana");
    await addReadyVolunteers(db, FIRST + VOLUNTEERS + 3, 2, "almaty");
    await db.execute(sql`update emergency_profiles set paused_at = now() where user_id = ${FIRST + VOLUNTEERS + 3}`);
    await db.execute(sql`update users set consent_at = null where id = ${FIRST + VOLUNTEERS + 4}`);
    for (let i = 0; i < VOLUNTEERS; i++) emulator.addUser({ id: FIRST + i, first_name: "Ерікті" });
    // A large broadcast already waiting in the outbox (normal priority).
    await db.execute(sql`
      insert into outbox (chat_id, kind, payload, priority, idempotency_key, batch)
      select g, 'message', '{"text": "news"}'::jsonb, 1, 'bench-bc:' || g, 'bc:test'
      from generate_series(${BROADCAST_FIRST}::bigint, ${BROADCAST_FIRST + BROADCAST - 1}::bigint) g`);

    const { callout, invited } = await launchCallout(db, draft("almaty", 30), 1);
    expect(invited).toBe(VOLUNTEERS);
    const [counts] = rowsOf<{ n: string; urgent: string; kk: string; ids: string }>(
      await db.execute(sql`
        select count(*) as n, count(*) filter (where priority = 0) as urgent,
               count(*) filter (where payload ->> 'locale' = 'kk') as kk,
               count(distinct chat_id) filter (where chat_id between ${FIRST} and ${FIRST + VOLUNTEERS - 1}) as ids
        from outbox where batch = ${`co:${callout.id}`}`),
    );
    expect(counts).toEqual({
      n: String(VOLUNTEERS),
      urgent: String(VOLUNTEERS),
      kk: String(VOLUNTEERS / 2),
      ids: String(VOLUNTEERS),
    });

    const claimed: number[] = [];
    const dispatcher = new Dispatcher({
      db,
      api: new Api(emulator.token, { apiRoot: emulator.apiRoot, timeoutSeconds: 5 }),
      i18n: await createI18n(),
      logger: silent,
      buttons: renderOutboxButton,
      ratePerSecond: 1000,
      paidBroadcast: true,
      replies: { perSecond: () => 0 },
      onClaimed: (slots) => claimed.push(...slots.map((s) => s.chatId)),
    });
    dispatcher.start();
    const deadline = Date.now() + 60_000;
    while (claimed.filter((id) => id < BROADCAST_FIRST).length < VOLUNTEERS && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 50));
    await dispatcher.stop();
    const lastUrgent = claimed.findLastIndex((id) => id < BROADCAST_FIRST);
    const firstNormal = claimed.findIndex((id) => id >= BROADCAST_FIRST);
    expect(claimed.filter((id) => id < BROADCAST_FIRST)).toHaveLength(VOLUNTEERS);
    expect(firstNormal === -1 || firstNormal > lastUrgent).toBe(true);
    // None was held for the quiet hours every one of them is in.
    expect(dispatcher.stats.deferred).toBe(0);
    const tally = await calloutTally(db, callout.id);
    expect(tally.invited).toBe(VOLUNTEERS);
  }, 120_000);
});

describeOnPostgres("call-outs on PostgreSQL: answers counted once with two bot instances", (pg) => {
  const USERS = 40;
  const first = 7_300_000_000;
  let one: DatabaseHandle;
  let two: DatabaseHandle;
  let a: Harness;
  let b: Harness;
  beforeAll(async () => {
    one = await openDatabase({ url: pg.url, max: 10 });
    two = await openDatabase({ url: pg.url, max: 10 });
    a = await startHarness(one, { delivery: false });
    b = await startHarness(two, { delivery: false });
  });
  afterAll(async () => {
    await a?.stop({ closeDatabase: true });
    await b?.stop({ closeDatabase: true });
  });

  it("two instances handling the same presses at once: every answer counted exactly once, the last change wins", async () => {
    await addReadyVolunteers(one.db, first, USERS, "almaty");
    const { callout } = await launchCallout(one.db, draft("almaty", 10), 1);
    // Each volunteer has a message of the bot in both fake Telegrams to press on.
    const menus = new Map<number, [number, number]>();
    for (let i = 0; i < USERS; i++) {
      const id = first + i;
      a.emulator.addUser({ id, first_name: "Ерікті" });
      b.emulator.addUser({ id, first_name: "Ерікті" });
      await a.send(() => a.emulator.sendText(id, "/menu"));
      await b.send(() => b.emulator.sendText(id, "/menu"));
      menus.set(id, [a.emulator.lastBotMessage(id)!.message_id, b.emulator.lastBotMessage(id)!.message_id]);
    }
    // Everyone presses "I'm coming" on both instances at once (a double press reaching two instances); the last
    // ten then change their mind, again on both at once.
    await Promise.all(
      [...menus].flatMap(([id, [ma, mb]]) => [
        a.send(() => a.emulator.pressButton(id, ma, `co:yes:${callout.id}`)),
        b.send(() => b.emulator.pressButton(id, mb, `co:yes:${callout.id}`)),
      ]),
    );
    await Promise.all(
      [...menus]
        .slice(-10)
        .flatMap(([id, [ma, mb]]) => [
          a.send(() => a.emulator.pressButton(id, ma, `co:no:${callout.id}`)),
          b.send(() => b.emulator.pressButton(id, mb, `co:no:${callout.id}`)),
        ]),
    );
    const [rows] = rowsOf<{ coming: string; cant: string; total: string }>(
      await one.db.execute(sql`
        select count(*) filter (where answer = 'coming') as coming, count(*) filter (where answer = 'cant') as cant,
               count(*) as total
        from callout_answers where callout_id = ${callout.id}`),
    );
    expect(rows).toEqual({ coming: String(USERS - 10), cant: "10", total: String(USERS) });
    const tally = await calloutTally(two.db, callout.id);
    expect({ coming: tally.coming, cant: tally.cant, waiting: tally.waiting }).toEqual({
      coming: USERS - 10,
      cant: 10,
      waiting: 0,
    });
    expect(tally.comingPeople).toHaveLength(USERS - 10);
  }, 120_000);
});
