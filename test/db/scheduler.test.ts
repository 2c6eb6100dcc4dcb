import { sql } from "drizzle-orm";
import { Api } from "grammy";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Database, type DatabaseHandle, openDatabase } from "../../src/db/client";
import {
  actions,
  chatLimits,
  clubAnswers,
  clubCoordinators,
  clubMeetingExceptions,
  clubMeetings,
  clubMembers,
  clubs,
  marathonDeeds,
  marathonParticipants,
  marathons,
  outbox,
  participations,
  replyRates,
  users,
} from "../../src/db/schema";
import { renderOutboxButton } from "../../src/bot/outbox-buttons";
import { Dispatcher } from "../../src/delivery/dispatcher";
import { rowsOf } from "../../src/db/client";
import { createI18n } from "../../src/i18n";
import { createLogger } from "../../src/logger";
import { defaultJobs, type Job, jobLockKey, Scheduler } from "../../src/scheduler";
import { actionReminders, clubMeetingReminders, marathonDigest, outboxHousekeeping } from "../../src/scheduler/jobs";
import { testDatabases } from "../support/db";
import { addAction, addParticipants, addUsers, outboxStates, waitFor } from "../support/delivery-fixtures";
import { describeOnPostgres } from "../support/postgres-only";
import { BotApiEmulator } from "../support/fake-telegram";

const TRICKY = `<b>Ayan & "Co"</b>`;
const HOUR = 3_600_000;
const silent = createLogger("silent");

async function wipe(db: Database): Promise<void> {
  for (const table of [
    outbox,
    chatLimits,
    replyRates,
    participations,
    actions,
    marathonDeeds,
    marathonParticipants,
    marathons,
    clubMembers,
    clubAnswers,
    clubMeetingExceptions,
    clubCoordinators,
    clubMeetings,
    clubs,
  ]) {
    await db.delete(table);
  }
  await db.delete(users);
}

async function keys(db: Database): Promise<string[]> {
  return (await db.select({ key: outbox.idempotencyKey }).from(outbox).orderBy(outbox.idempotencyKey)).map(
    (r) => r.key,
  );
}

const payloadOf = async (db: Database, key: string) =>
  (await db.select({ payload: outbox.payload }).from(outbox).where(sql`${outbox.idempotencyKey} = ${key}`))[0]
    ?.payload as Record<string, any> | undefined;

describe.each(testDatabases)("scheduler jobs on $name", (kind) => {
  let database: DatabaseHandle;
  beforeAll(async () => {
    database = await kind.open();
  });
  afterAll(() => database.close());
  beforeEach(() => wipe(database.db));

  const T = new Date("2026-12-10T06:00:00Z"); // 11:00 in Almaty

  it("enqueues the 24 h and 2 h reminders once each, in their windows, to those who want them", async () => {
    const { db } = database;
    await addUsers(db, [1, 4, 5], { language: "kk" });
    await addUsers(db, [2], { language: "ru", reminder24h: false });
    await addUsers(db, [3], { paused: true });
    await addUsers(db, [6]);
    await db.update(users).set({ blockedAt: new Date() }).where(sql`${users.id} = 6`);
    const action = await addAction(db, { title: TRICKY, startsAt: T });
    const cancelled = await addAction(db, { startsAt: T, status: "cancelled" });
    const early = new Date(T.getTime() - 72 * HOUR);
    await addParticipants(db, action, [1, 2, 3, 6], { joinedAt: early });
    await addParticipants(db, action, [4], { joinedAt: new Date(T.getTime() - 10 * HOUR) });
    await addParticipants(db, action, [5], { status: "waitlisted", joinedAt: early });
    await addParticipants(db, cancelled, [1], { joinedAt: early });

    expect(await actionReminders(db, new Date(T.getTime() - 25 * HOUR))).toBe(0);
    const dayBefore = new Date(T.getTime() - 24 * HOUR + 60_000);
    expect(await actionReminders(db, dayBefore)).toBe(1);
    expect(await actionReminders(db, dayBefore)).toBe(0);
    expect(await keys(db)).toEqual([`rem24:${action}:1`]);

    const twoHoursBefore = new Date(T.getTime() - 2 * HOUR + 60_000);
    expect(await actionReminders(db, twoHoursBefore)).toBe(3);
    expect(await actionReminders(db, new Date(T.getTime() - HOUR))).toBe(0);
    expect(await actionReminders(db, new Date(T.getTime() + 60_000))).toBe(0);
    expect(await keys(db)).toEqual(
      [`rem24:${action}:1`, `rem2:${action}:1`, `rem2:${action}:2`, `rem2:${action}:4`].sort(),
    );

    expect(await payloadOf(db, `rem2:${action}:2`)).toEqual({
      template: "reminders.action_2h",
      locale: "ru",
      params: { title: TRICKY, when: { $datetime: expect.any(String) }, address: "Алматы, Абай даңғылы 1" },
      buttons: [
        [
          { kind: "reminder.coming", actionId: action },
          { kind: "reminder.cant", actionId: action },
        ],
        [
          { kind: "action.open", actionId: action },
          { kind: "map", latitude: expect.any(Number), longitude: expect.any(Number) },
        ],
      ],
      expiresAt: expect.any(String),
    });
    const payload = (await payloadOf(db, `rem24:${action}:1`))!;
    expect(new Date(payload.expiresAt).getTime()).toBe(T.getTime());
    expect(new Date(payload.params.when.$datetime).getTime()).toBe(T.getTime());
  });

  it("moves a 2 h reminder that would fall in quiet hours to before they begin, so it is not lost", async () => {
    const { db } = database;
    const local = (iso: string) => new Date(`${iso}+05:00`);
    await addUsers(db, [31], { language: "ru", quiet: { start: 22 * 60, end: 8 * 60 } });
    await addUsers(db, [32], { quiet: false });
    await addUsers(db, [33], { quiet: { start: 8 * 60, end: 7 * 60 } }); // quiet all day but 07:00–08:00
    const action = await addAction(db, { startsAt: local("2026-12-11T08:00:00") });
    await addParticipants(db, action, [31, 32, 33], { joinedAt: local("2026-12-01T12:00:00") });

    expect(await actionReminders(db, local("2026-12-10T08:00:00"))).toBe(3); // the 24 h ones
    expect(await actionReminders(db, local("2026-12-10T21:49:00"))).toBe(0);
    // 06:00 is inside 22:00–08:00: the 2 h reminder goes at 21:50 the evening before, not at 08:00 (expired).
    expect(await actionReminders(db, local("2026-12-10T21:50:00"))).toBe(1);
    expect(await keys(db)).toContain(`rem2:${action}:31`);
    expect(await actionReminders(db, local("2026-12-11T05:59:00"))).toBe(0);
    // No quiet hours: at 06:00 as always. The user quiet from 08:00 the day before: the 24 h reminder stands for both.
    expect(await actionReminders(db, local("2026-12-11T06:00:00"))).toBe(1);
    expect(await actionReminders(db, local("2026-12-11T07:59:00"))).toBe(0);
    expect((await keys(db)).filter((key) => key.startsWith("rem2:"))).toEqual([
      `rem2:${action}:31`,
      `rem2:${action}:32`,
    ]);

    // Delivered at 21:50 (the dispatcher finds it outside quiet hours), before the action starts.
    const emulator = await BotApiEmulator.start();
    emulator.addUser({ id: 31, first_name: "L" });
    await db
      .update(outbox)
      .set({ state: "sent" })
      .where(sql`${outbox.idempotencyKey} <> ${`rem2:${action}:31`}`);
    const offset = local("2026-12-10T21:50:30").getTime() - Date.now();
    const dispatcher = new Dispatcher({
      db,
      api: new Api(emulator.token, { apiRoot: emulator.apiRoot }),
      buttons: renderOutboxButton,
      i18n: await createI18n(),
      logger: silent,
      idlePollMs: 100,
      clock: () => Date.now() + offset,
    });
    dispatcher.start();
    await dispatcher.idle();
    await dispatcher.stop();
    expect(dispatcher.stats).toMatchObject({ sent: 1, deferred: 0, dead: 0 });
    expect(emulator.botMessages(31)[0]!.text).toContain("Скоро начало");
    await emulator.close();
  });

  it("catches up after downtime with what is still due, once", async () => {
    const { db } = database;
    await addUsers(db, [1]);
    const soon = await addAction(db, { startsAt: T });
    const later = await addAction(db, { startsAt: new Date(T.getTime() + 10 * HOUR) });
    await addParticipants(db, soon, [1], { joinedAt: new Date(T.getTime() - 72 * HOUR) });
    await addParticipants(db, later, [1], { joinedAt: new Date(T.getTime() - 72 * HOUR) });
    // No instance ran from 30 h before `soon` until 1 h before it.
    const restart = new Date(T.getTime() - HOUR);
    for (let run = 0; run < 2; run++) {
      const scheduler = new Scheduler({ db, logger: silent, clock: () => restart });
      await scheduler.start();
      await scheduler.stop();
    }
    // `soon` is past its 24 h window (only the 2 h one is due); `later` still gets its (late) 24 h reminder.
    expect(await keys(db)).toEqual([`rem24:${later}:1`, `rem2:${soon}:1`].sort());
  });

  it("reminds club members before each weekly meeting, once per occurrence", async () => {
    const { db } = database;
    await addUsers(db, [10], { language: "ru", firstName: "Координатор" });
    await addUsers(db, [11], { language: "kk" });
    await addUsers(db, [12], { language: "ru" });
    const [club] = await db.insert(clubs).values({ nameKk: TRICKY, address: "Абай к-сі 10" }).returning();
    await db.insert(clubCoordinators).values({ clubId: club!.id, userId: 10 });
    const [meeting] = await db
      .insert(clubMeetings)
      .values({ clubId: club!.id, weekday: 3, startMinute: 10 * 60, place: "" }) // Wednesdays 10:00
      .returning();
    await db.insert(clubMeetings).values({ clubId: club!.id, weekday: 2, startMinute: 12 * 60, active: false });
    await db.insert(clubMembers).values([11, 12].map((userId) => ({ clubId: club!.id, userId })));

    const local = (iso: string) => new Date(`${iso}+05:00`);
    expect(await clubMeetingReminders(db, local("2026-12-08T09:00:00"))).toBe(0); // 25 h before
    expect(await clubMeetingReminders(db, local("2026-12-08T10:30:00"))).toBe(2);
    expect(await clubMeetingReminders(db, local("2026-12-09T07:30:00"))).toBe(0); // before the morning one
    expect(await clubMeetingReminders(db, local("2026-12-09T09:00:00"))).toBe(2); // the morning reminder
    expect(await clubMeetingReminders(db, local("2026-12-09T09:30:00"))).toBe(0);
    expect(await clubMeetingReminders(db, local("2026-12-09T10:30:00"))).toBe(0); // after it; the next is a week on
    // A cancelled date gets no reminder; the week after is reminded again.
    await db.insert(clubMeetingExceptions).values({ meetingId: meeting!.id, date: "2026-12-16", reason: "" });
    expect(await clubMeetingReminders(db, local("2026-12-15T10:30:00"))).toBe(0);
    expect(await clubMeetingReminders(db, local("2026-12-16T09:00:00"))).toBe(0);
    expect(await clubMeetingReminders(db, local("2026-12-22T10:30:00"))).toBe(2);
    // A member who said "I can't" gets no morning reminder.
    await db.insert(clubAnswers).values({ meetingId: meeting!.id, date: "2026-12-23", userId: 12, answer: "no" });
    expect(await clubMeetingReminders(db, local("2026-12-23T08:30:00"))).toBe(1);
    expect(await keys(db)).toEqual(
      [
        ...[11, 12].flatMap((u) => [
          `club:${meeting!.id}:20261209:${u}`,
          `club-am:${meeting!.id}:20261209:${u}`,
          `club:${meeting!.id}:20261223:${u}`,
        ]),
        `club-am:${meeting!.id}:20261223:11`,
      ].sort(),
    );
    const payload = (await payloadOf(db, `club:${meeting!.id}:20261209:11`))!;
    expect(payload).toMatchObject({
      template: "reminders.club_meeting",
      locale: "kk",
      params: { club: TRICKY, place: "Абай к-сі 10" },
      buttons: [
        [
          { kind: "club.coming", meetingId: meeting!.id, date: "20261209" },
          { kind: "club.cant", meetingId: meeting!.id, date: "20261209" },
        ],
      ],
    });
    expect(new Date(payload.expiresAt).getTime()).toBe(local("2026-12-09T10:00:00").getTime());
  });

  it("sends the weekly marathon digest from Monday 10:00, once a week, with ranks", async () => {
    const { db } = database;
    await addUsers(db, [21], { language: "ru" });
    await addUsers(db, [22, 23], { language: "kk" });
    const [marathon] = await db
      .insert(marathons)
      .values({
        code: "good-deeds",
        titleKk: "Игі істер марафоны",
        titleRu: "Марафон добрых дел",
        startsAt: new Date("2026-11-01T00:00:00Z"),
        endsAt: new Date("2027-01-31T00:00:00Z"),
      })
      .returning();
    await db.insert(marathonParticipants).values([21, 22, 23].map((userId) => ({ marathonId: marathon!.id, userId })));
    const deed = (userId: number, at: string, hours = 1) => ({
      marathonId: marathon!.id,
      userId,
      text: "Көмектестім",
      hours,
      createdAt: new Date(`${at}+05:00`),
    });
    await db.insert(marathonDeeds).values([
      deed(21, "2026-11-20T12:00:00"),
      deed(21, "2026-11-30T12:00:00", 2),
      deed(21, "2026-12-03T12:00:00"),
      deed(21, "2026-12-06T23:00:00"),
      deed(22, "2026-12-01T09:00:00"),
      deed(22, "2026-12-07T11:00:00"), // this week: counted next Monday
    ]);
    const local = (iso: string) => new Date(`${iso}+05:00`);
    expect(await marathonDigest(db, local("2026-12-07T09:00:00"))).toBe(0);
    expect(await marathonDigest(db, local("2026-12-07T10:05:00"))).toBe(3);
    expect(await marathonDigest(db, local("2026-12-09T15:00:00"))).toBe(0);
    expect((await payloadOf(db, `digest:${marathon!.id}:20261207:21`))!).toMatchObject({
      template: "reminders.digest",
      locale: "ru",
      params: { title: "Марафон добрых дел", count: 3, total: 4, hours: "5", rank: 1, participants: 2 },
    });
    expect((await payloadOf(db, `digest:${marathon!.id}:20261207:22`))!.params).toMatchObject({
      count: 1,
      total: 1,
      rank: 2,
    });
    // No counted deed: not ranked (the leaderboard does not list them either).
    expect((await payloadOf(db, `digest:${marathon!.id}:20261207:23`))!).toMatchObject({
      template: "reminders.digest_unranked",
      params: { title: "Игі істер марафоны", count: 0, total: 0, rank: null },
    });
    expect(await marathonDigest(db, local("2026-12-14T10:00:00"))).toBe(3);
  });

  it("deletes sent rows after the retention period in housekeeping", async () => {
    const { db } = database;
    const now = new Date();
    await db.insert(outbox).values([
      {
        chatId: 1,
        payload: { text: "a" },
        idempotencyKey: "old",
        state: "sent",
        updatedAt: new Date(now.getTime() - 20 * 24 * HOUR),
      },
      {
        chatId: 1,
        payload: { text: "b" },
        idempotencyKey: "new",
        state: "sent",
        updatedAt: new Date(now.getTime() - 2 * 24 * HOUR),
      },
      {
        chatId: 1,
        payload: { text: "c" },
        idempotencyKey: "dead",
        state: "dead",
        updatedAt: new Date(now.getTime() - 20 * 24 * HOUR),
      },
    ]);
    expect(await outboxHousekeeping(14)(db, now)).toBe(1);
    expect(await keys(db)).toEqual(["dead", "new"]);
  });

  it("purges in slices, each in a short transaction of its own, under a lock named after the job", async () => {
    const { db } = database;
    const old = new Date(Date.now() - 40 * 24 * HOUR);
    await db.insert(outbox).values(
      Array.from({ length: 25 }, (_, i) => ({
        chatId: 1,
        payload: { text: "x" },
        idempotencyKey: `old:${i}`,
        state: "sent" as const,
        updatedAt: old,
      })),
    );
    const transactions = new Set<string>();
    const purge = outboxHousekeeping(14, 7);
    const job: Job = {
      name: "outbox-housekeeping",
      cron: "30 3 * * *",
      slice: 7,
      run: async (tx, now) => {
        transactions.add(
          String(rowsOf<{ id: string | number }>(await tx.execute(sql`select txid_current() as id`))[0]!.id),
        );
        return purge(tx, now);
      },
    };
    expect(await new Scheduler({ db, logger: silent, jobs: [job] }).runJob(job)).toBe(25);
    expect(transactions.size).toBe(4); // 7 + 7 + 7 + 4
    expect(await keys(db)).toEqual([]);
    // Keys depend on the name only: the same on every instance, whatever the order of the list.
    expect(jobLockKey("outbox-housekeeping")).toEqual(jobLockKey("outbox-housekeeping"));
    expect(jobLockKey("action-reminders")).not.toEqual(jobLockKey("club-reminders"));
  });

  it("runs every job under its lock and reports what each enqueued", async () => {
    const { db } = database;
    const scheduler = new Scheduler({ db, logger: silent, clock: () => T });
    expect(await scheduler.runAll()).toEqual({
      "action-reminders": 0,
      "club-reminders": 0,
      "marathon-digest": 0,
      "alert-digest": 0,
      "outbox-housekeeping": 0,
      "forget-search-origins": 0,
      "forget-conversations": 0,
      "broadcast-progress": 0,
      "attendance-ask": 0,
      "command-menus": 0,
    });
  });
});

describeOnPostgres("two bot instances on one PostgreSQL", (fresh) => {
  let first: DatabaseHandle;
  let second: DatabaseHandle;
  beforeAll(async () => {
    first = await openDatabase({ url: fresh.url, max: 3 });
    second = await openDatabase({ url: fresh.url, max: 3 });
  });
  afterAll(async () => {
    await first?.close();
    await second?.close();
  });

  it("runs a job on one instance at a time: the other skips the tick", async () => {
    const [job] = defaultJobs();
    const other = new Scheduler({ db: second.db, logger: silent });
    await first.db.transaction(async (tx) => {
      const [lockClass, lockKey] = jobLockKey(job!.name); // what the first instance holds mid-run
      await tx.execute(sql`select pg_advisory_xact_lock(${lockClass}::int, ${lockKey}::int)`);
      expect(await other.runJob(job!)).toBe("skipped");
    });
    expect(await other.runJob(job!)).toBe(0);
  });

  it("delivers each reminder once with two dispatcher + scheduler instances running", async () => {
    const emulator = await BotApiEmulator.start({ rateLimit: { globalPerSecond: 30, perChatPerSecond: 1 } });
    const i18n = await createI18n();
    const ids = Array.from({ length: 40 }, (_, i) => 900_000 + i);
    for (const id of ids) emulator.addUser({ id, first_name: "I" });
    await addUsers(first.db, ids.slice(0, 20), { language: "kk" });
    await addUsers(first.db, ids.slice(20), { language: "ru" });
    const now = new Date();
    const action = await addAction(first.db, { title: TRICKY, startsAt: new Date(now.getTime() + 23 * HOUR) });
    const soon = await addAction(first.db, { startsAt: new Date(now.getTime() + HOUR) });
    await addParticipants(first.db, action, ids, { joinedAt: new Date(now.getTime() - 72 * HOUR) });
    await addParticipants(first.db, soon, ids.slice(0, 10), { joinedAt: new Date(now.getTime() - 72 * HOUR) });

    const instances = [first, second].map((handle) => ({
      scheduler: new Scheduler({ db: handle.db, logger: silent }),
      dispatcher: new Dispatcher({
        db: handle.db,
        api: new Api(emulator.token, { apiRoot: emulator.apiRoot }),
        i18n,
        logger: silent,
        buttons: renderOutboxButton,
        idlePollMs: 100,
      }),
    }));
    for (const { dispatcher } of instances) dispatcher.start();
    // Both start at once (each catching up), then both tick again: doubled and concurrent runs.
    await Promise.all(instances.map(({ scheduler }) => scheduler.start()));
    await Promise.all(instances.map(({ scheduler }) => scheduler.runAll()));
    await waitFor(async () => (await outboxStates(first.db)).sent === 50, 20_000, "50 reminders sent");
    await Promise.all(instances.flatMap(({ scheduler, dispatcher }) => [scheduler.stop(), dispatcher.stop()]));

    const sent = emulator.calls.filter((c) => c.method === "sendMessage" && c.ok);
    expect(sent).toHaveLength(50);
    const perChat = new Map<number, number>();
    for (const call of sent)
      perChat.set(Number(call.params.chat_id), (perChat.get(Number(call.params.chat_id)) ?? 0) + 1);
    for (const [i, id] of ids.entries()) expect(perChat.get(id)).toBe(i < 10 ? 2 : 1);
    expect(emulator.botMessages(ids[0]!)[0]!.text).toContain(
      "Еске саламыз: &lt;b&gt;Ayan &amp; &quot;Co&quot;&lt;/b&gt;",
    );
    expect(emulator.botMessages(ids[39]!)[0]!.text).toContain("Напоминаем");
    const [counts] = rowsOf<{ n: string | number }>(await first.db.execute(sql`select count(*) as n from outbox`));
    expect(Number(counts!.n)).toBe(50);
    // Per-chat gaps are shared, so no chat is ever over its limit; a global 429 from two senders' network jitter at
    // exactly Telegram's rate may happen and is retried (the exactly-once checks above cover it).
    expect(emulator.failed().filter((c) => c.error?.error_code !== 429)).toEqual([]);
    await emulator.close();
  });
});
