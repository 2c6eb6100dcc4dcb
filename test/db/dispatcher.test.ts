import http from "node:http";
import type { AddressInfo } from "node:net";
import { inArray } from "drizzle-orm";
import { Api } from "grammy";
import { renderOutboxButton } from "../../src/bot/outbox-buttons";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Database, type DatabaseHandle, openDatabase } from "../../src/db/client";
import { outbox, users } from "../../src/db/schema";
import { Dispatcher, type DispatcherOptions } from "../../src/delivery/dispatcher";
import { at, enqueue } from "../../src/db/outbox";
import { createI18n, type I18n } from "../../src/i18n";
import { createLogger } from "../../src/logger";
import { testDatabases } from "../support/db";
import { addUsers, outboxStates, waitFor } from "../support/delivery-fixtures";
import { describeOnPostgres } from "../support/postgres-only";
import { BotApiEmulator } from "../support/fake-telegram";

const TRICKY = `<b>Ayan & "Co"</b>`;
const silent = createLogger((process.env.TEST_LOG_LEVEL ?? "silent") as "silent");
/** These tests send no direct replies: the dispatcher may use the whole rate. */
const noReplies = { perSecond: () => 0 };

function makeDispatcher(
  db: Database,
  apiRoot: string,
  token: string,
  i18n: I18n,
  options: Partial<DispatcherOptions> = {},
) {
  return new Dispatcher({
    db,
    api: new Api(token, { apiRoot, timeoutSeconds: 5 }),
    i18n,
    logger: silent,
    buttons: renderOutboxButton,
    idlePollMs: 100,
    ...options,
  });
}

/** Runs a dispatcher until nothing is due, then stops it. */
async function runUntilIdle(dispatcher: Dispatcher): Promise<Dispatcher> {
  dispatcher.start();
  await dispatcher.idle();
  await dispatcher.stop();
  return dispatcher;
}

const rowsByKey = async (db: Database) =>
  Object.fromEntries((await db.select().from(outbox)).map((row) => [row.idempotencyKey, row]));
const sendsTo = (emulator: BotApiEmulator, chatId: number) =>
  emulator.calls.filter((c) => c.method !== "getUpdates" && Number(c.params.chat_id) === chatId);

describe.each(testDatabases)("dispatcher on $name", (kind) => {
  let database: DatabaseHandle;
  let emulator: BotApiEmulator;
  let i18n: I18n;
  const dispatcher = (options: Partial<DispatcherOptions> = {}) =>
    makeDispatcher(database.db, emulator.apiRoot, emulator.token, i18n, options);

  beforeAll(async () => {
    database = await kind.open();
    emulator = await BotApiEmulator.start();
    i18n = await createI18n();
  });
  afterAll(async () => {
    await emulator.close();
    await database.close();
  });
  beforeEach(async () => {
    await database.db.delete(outbox);
  });

  it("sends texts, templates in each recipient's language, copies and documents, then marks them sent", async () => {
    const { db } = database;
    for (const id of [101, 102, 103]) emulator.addUser({ id, first_name: "Әлия" });
    await addUsers(db, [101], { language: "kk" });
    await addUsers(db, [102, 103], { language: "ru" });
    const original = emulator.sendText(103, "Сообщение для копии");
    const when = new Date("2026-12-01T05:30:00Z");
    await enqueue(db, [
      ...[101, 102].map((chatId) => ({
        chatId,
        idempotencyKey: `tpl:${chatId}`,
        content: {
          template: "reminders.action_24h",
          locale: chatId === 101 ? ("kk" as const) : ("ru" as const),
          params: { title: TRICKY, when: at.datetime(when), address: "A & B" },
          buttons: [[{ kind: "reminder.coming" as const, actionId: 1 }]],
        },
      })),
      { chatId: 101, idempotencyKey: "text", content: { text: "<b>Сәлем</b> &amp; hi" } },
      {
        chatId: 102,
        idempotencyKey: "copy",
        content: { copy: { fromChatId: 103, messageId: original.message!.message_id } },
      },
      {
        chatId: 102,
        idempotencyKey: "doc",
        content: { document: "https://example.kz/book.pdf", caption: "<i>Кітап</i>" },
      },
    ]);
    const d = await runUntilIdle(dispatcher({ perChatIntervalMs: 0 }));
    expect(d.stats).toMatchObject({ sent: 5, dead: 0, rateLimited: 0 });
    expect(emulator.failed()).toEqual([]);
    expect(emulator.botMessages(101).map((m) => m.text)).toEqual([
      expect.stringContaining("Еске саламыз: &lt;b&gt;Ayan &amp; &quot;Co&quot;&lt;/b&gt;"),
      "<b>Сәлем</b> &amp; hi",
    ]);
    const ru = emulator.botMessages(102);
    expect(ru[0]!.text).toContain("Напоминаем");
    expect(ru[0]!.text).toContain("10:30");
    expect(ru[0]!.reply_markup.inline_keyboard[0][0]).toEqual({ text: "✅ Приду", callback_data: "rem:yes:1" });
    expect(ru[1]!.text).toBe("Сообщение для копии");
    expect(ru[2]!.document?.file_name).toBe("book.pdf");
    const rows = await rowsByKey(db);
    expect(
      Object.values(rows).every((r) => r.state === "sent" && r.sentAt && r.lockedUntil === null && r.attempts === 1),
    ).toBe(true);
  });

  it("dead-letters 403s without retrying and marks blocked, deactivated and never-started users", async () => {
    const { db } = database;
    emulator.addUser({ id: 201, first_name: "A" });
    emulator.addUser({ id: 202, first_name: "B" });
    emulator.addUser({ id: 203, first_name: "C", started: false });
    emulator.blockBot(201);
    emulator.deactivate(202);
    await addUsers(db, [201, 202, 203]);
    await enqueue(
      db,
      [201, 202, 203].map((chatId) => ({ chatId, idempotencyKey: `b:${chatId}`, content: { text: "hi" } })),
    );
    const d = await runUntilIdle(dispatcher());
    expect(d.stats).toMatchObject({ sent: 0, blocked: 3, dead: 3, retried: 0 });
    for (const id of [201, 202, 203]) expect(sendsTo(emulator, id)).toHaveLength(1);
    const rows = await rowsByKey(db);
    expect(rows["b:201"]!.lastError).toBe("403: Forbidden: bot was blocked by the user");
    expect(rows["b:202"]!.lastError).toBe("403: Forbidden: user is deactivated");
    expect(rows["b:203"]!.lastError).toBe("403: Forbidden: bot can't initiate conversation with a user");
    const marked = await db
      .select({ id: users.id, blockedAt: users.blockedAt })
      .from(users)
      .where(inArray(users.id, [201, 202, 203]));
    expect(marked.every((u) => u.blockedAt !== null)).toBe(true);

    // Later messages to a user marked blocked are dead-lettered without asking Telegram again.
    await enqueue(db, { chatId: 201, idempotencyKey: "b:201:again", content: { text: "hi again" } });
    await runUntilIdle(dispatcher());
    expect(sendsTo(emulator, 201)).toHaveLength(1);
    expect((await rowsByKey(db))["b:201:again"]).toMatchObject({
      state: "dead",
      lastError: "recipient has blocked the bot",
    });
  });

  it("dead-letters other 4xx with Telegram's reason", async () => {
    const { db } = database;
    emulator.addUser({ id: 301, first_name: "D" });
    await addUsers(db, [301]);
    await enqueue(db, [
      { chatId: 301, idempotencyKey: "bad-html", content: { text: "<b>not closed" } },
      { chatId: 999_999_301, idempotencyKey: "no-chat", content: { text: "hello" } },
      { chatId: 301, idempotencyKey: "no-key", content: { template: "reminders.missing", locale: "kk" } },
    ]);
    const d = await runUntilIdle(dispatcher({ perChatIntervalMs: 0 }));
    expect(d.stats).toMatchObject({ sent: 0, dead: 3, retried: 0 });
    const rows = await rowsByKey(db);
    expect(rows["bad-html"]!.lastError).toMatch(/^400: Bad Request: can't parse entities/);
    expect(rows["no-chat"]!.lastError).toBe("400: Bad Request: chat not found");
    expect(rows["no-key"]!.lastError).toBe("render: missing locale key reminders.missing");
    expect(sendsTo(emulator, 301)).toHaveLength(1);
  });

  it("retries network errors and 5xx with exponential backoff, then gives up", async () => {
    const { db } = database;
    let hits = 0;
    const flaky = http.createServer((req, res) => {
      hits++;
      req.resume();
      res.writeHead(502, { "content-type": "application/json" });
      res.end(JSON.stringify({ ok: false, error_code: 502, description: "Bad Gateway" }));
    });
    await new Promise<void>((resolve) => flaky.listen(0, "127.0.0.1", resolve));
    const root = `http://127.0.0.1:${(flaky.address() as AddressInfo).port}`;
    await addUsers(db, [401]);
    await enqueue(db, { chatId: 401, idempotencyKey: "flaky", content: { text: "hi" } });
    const started = Date.now();
    const first = makeDispatcher(db, root, emulator.token, i18n, { backoffBaseMs: 60_000, maxAttempts: 3 });
    await runUntilIdle(first);
    let row = (await rowsByKey(db)).flaky!;
    expect(row).toMatchObject({ state: "pending", attempts: 1, lastError: "502: Bad Gateway" });
    const delay = row.notBefore.getTime() - started;
    expect(delay).toBeGreaterThan(0.8 * 60_000 - 1000);
    expect(delay).toBeLessThan(1.2 * 60_000 + 5000);

    // The next attempts come when due (the clock moved on); the third failure is final.
    const shift = { by: 80_000 };
    const clock = () => Date.now() + shift.by;
    await runUntilIdle(
      makeDispatcher(db, root, emulator.token, i18n, { backoffBaseMs: 60_000, maxAttempts: 3, clock }),
    );
    row = (await rowsByKey(db)).flaky!;
    expect(row).toMatchObject({ state: "pending", attempts: 2 });
    expect(row.notBefore.getTime() - clock()).toBeGreaterThan(0.8 * 120_000 - 2000);
    shift.by += 200_000;
    await new Promise<void>((resolve) => flaky.close(() => resolve()));
    // Now nothing listens there: a network error.
    await runUntilIdle(
      makeDispatcher(db, root, emulator.token, i18n, { backoffBaseMs: 60_000, maxAttempts: 3, clock }),
    );
    row = (await rowsByKey(db)).flaky!;
    expect(row.state).toBe("dead");
    expect(row.attempts).toBe(3);
    expect(row.lastError).toMatch(/^gave up: network: /);
    expect(hits).toBe(2);
  });

  it("waits retry_after on 429 and still delivers every message exactly once", async () => {
    const { db } = database;
    const limited = await BotApiEmulator.start({ rateLimit: { globalPerSecond: 5 } });
    const ids = Array.from({ length: 12 }, (_, i) => 500 + i);
    for (const id of ids) limited.addUser({ id, first_name: "E" });
    await addUsers(db, ids);
    await enqueue(
      db,
      ids.map((chatId) => ({ chatId, idempotencyKey: `rl:${chatId}`, content: { text: `m${chatId}` } })),
    );
    // Configured far above what this "Telegram" allows, to provoke 429s.
    const d = await runUntilIdle(makeDispatcher(db, limited.apiRoot, limited.token, i18n, { ratePerSecond: 100 }));
    expect(d.stats.rateLimited).toBeGreaterThan(0);
    expect(d.stats.floodPauses).toBeGreaterThan(0); // many chats at once: the whole bot paused
    expect(d.stats.sent).toBe(12);
    const delivered = limited.calls.filter((c) => c.method === "sendMessage" && c.ok).map((c) => c.params.text);
    expect(delivered.sort()).toEqual(ids.map((id) => `m${id}`).sort());
    // After each 429 nothing is sent until retry_after has passed.
    const calls = limited.calls.filter((c) => c.method === "sendMessage");
    for (const [i, call] of calls.entries()) {
      if (call.ok || !call.error?.parameters?.retry_after) continue;
      const resumed = calls.slice(i + 1).find((c) => c.ok);
      if (resumed) expect(resumed.at - call.at).toBeGreaterThanOrEqual(call.error.parameters.retry_after * 1000 - 50);
    }
    expect(await outboxStates(db)).toEqual({ sent: 12 });
    await limited.close();
  });

  it("delays only the chat a 429 was about; the others go on", async () => {
    const { db } = database;
    const paced = await BotApiEmulator.start({ rateLimit: { perChatPerSecond: 1 } });
    const busy = 650;
    const others = Array.from({ length: 10 }, (_, i) => 651 + i);
    for (const id of [busy, ...others]) paced.addUser({ id, first_name: "K" });
    await addUsers(db, [busy, ...others]);
    await enqueue(
      db,
      [busy, ...others].map((chatId) => ({
        chatId,
        idempotencyKey: `one:${chatId}`,
        content: { text: `one ${chatId}` },
      })),
    );
    // A direct reply to the busy chat a moment ago (the outbox does not know of it): Telegram answers 429 for it.
    await new Api(paced.token, { apiRoot: paced.apiRoot }).sendMessage(busy, "a reply");
    const d = await runUntilIdle(
      makeDispatcher(db, paced.apiRoot, paced.token, i18n, { ratePerSecond: 30, replies: noReplies }),
    );
    expect(d.stats).toMatchObject({ sent: 11, rateLimited: 1, floodPauses: 0 });
    const sent = paced.calls.filter((c) => c.method === "sendMessage" && c.params.text !== "a reply");
    const limited = sent.find((c) => !c.ok)!;
    expect(Number(limited.params.chat_id)).toBe(busy);
    const delivered = sent.filter((c) => c.ok);
    const retried = delivered.find((c) => Number(c.params.chat_id) === busy)!;
    expect(retried.at - limited.at).toBeGreaterThanOrEqual(limited.error!.parameters!.retry_after! * 1000);
    // Every other chat got its message before the busy chat's retry_after had run out: nothing else waited.
    for (const call of delivered.filter((c) => c !== retried)) expect(call.at).toBeLessThan(retried.at);
    expect(await outboxStates(db)).toEqual({ sent: 11 });
    await paced.close();
  });

  it("leaves the rate the direct replies use to them, keeping a tenth for the outbox", async () => {
    const { db } = database;
    for (const [replies, gap, first] of [
      [20, 1000 / 10, 670], // 30/s less 20/s of replies
      [100, 1000 / 3, 680], // replies over the whole rate: the outbox keeps 10%
    ] as const) {
      const ids = Array.from({ length: 8 }, (_, i) => first + i);
      for (const id of ids) emulator.addUser({ id, first_name: "M" });
      await addUsers(db, ids);
      await enqueue(
        db,
        ids.map((chatId) => ({ chatId, idempotencyKey: `share:${replies}:${chatId}`, content: { text: "hi" } })),
      );
      const slots: number[] = [];
      await runUntilIdle(
        dispatcher({
          ratePerSecond: 30,
          replies: { perSecond: () => replies },
          onClaimed: (claimed) => slots.push(...claimed.map((c) => c.slot)),
        }),
      );
      expect(slots).toHaveLength(ids.length);
      for (let i = 1; i < slots.length; i++) expect(slots[i]! - slots[i - 1]!).toBeGreaterThanOrEqual(gap);
    }
  });

  it("defers normal messages inside the recipient's quiet hours to their end; urgent ones go at once", async () => {
    const { db } = database;
    for (const id of [601, 602]) emulator.addUser({ id, first_name: "F" });
    await addUsers(db, [601], { quiet: { start: 22 * 60, end: 8 * 60 } });
    await addUsers(db, [602], { quiet: false });
    // 23:00 in Almaty (18:00 UTC) of a coming night: the shifted clock stays ahead of the send slots that earlier
    // tests stored at the real time (a clock behind them would wait for those slots).
    const [HOUR, DAY] = [3_600_000, 86_400_000];
    const night = new Date(Math.ceil((Date.now() - 18 * HOUR) / DAY) * DAY + 18 * HOUR + DAY);
    const later = (hours: number, ms = 0) => new Date(night.getTime() + hours * HOUR + ms);
    await enqueue(db, [
      { chatId: 601, idempotencyKey: "q:normal", content: { text: "normal" }, notBefore: night },
      { chatId: 601, idempotencyKey: "q:urgent", priority: "urgent", content: { text: "urgent" }, notBefore: night },
      { chatId: 602, idempotencyKey: "q:no-quiet", content: { text: "no quiet hours" }, notBefore: night },
      { chatId: 601, idempotencyKey: "q:expired", content: { text: "too late" }, notBefore: night, expiresAt: night },
      // A reminder reached late: it would expire (06:00) before quiet hours end (08:00), so it goes now.
      {
        chatId: 601,
        idempotencyKey: "q:late-reminder",
        content: { text: "reminder" },
        notBefore: night,
        expiresAt: later(7), // 06:00
      },
      // An alert about an action that starts before the morning: dropped rather than sent at night.
      {
        chatId: 601,
        idempotencyKey: "q:alert",
        content: { text: "new action" },
        notBefore: night,
        expiresAt: later(7), // 06:00
        dropInQuietHours: true,
      },
    ]);
    // The clock runs (send slots are spaced in time), shifted to the moment wanted.
    const shifted = (to: Date) => {
      const offset = to.getTime() - Date.now();
      return () => Date.now() + offset;
    };
    const d = await runUntilIdle(dispatcher({ clock: shifted(new Date(night.getTime() + 60_000)) }));
    expect(d.stats).toMatchObject({ sent: 3, deferred: 1, dead: 2 });
    expect(emulator.botMessages(601).map((m) => m.text)).toEqual(["urgent", "reminder"]);
    expect(emulator.botMessages(602).map((m) => m.text)).toEqual(["no quiet hours"]);
    let rows = await rowsByKey(db);
    expect(rows["q:normal"]).toMatchObject({ state: "pending", notBefore: later(9) }); // 08:00
    expect(rows["q:expired"]).toMatchObject({ state: "dead", lastError: "expired" });
    expect(rows["q:alert"]).toMatchObject({ state: "dead", lastError: "would arrive in quiet hours" });

    await runUntilIdle(dispatcher({ clock: shifted(later(9, -60_000)) }));
    expect(emulator.botMessages(601)).toHaveLength(2);
    await runUntilIdle(dispatcher({ clock: shifted(later(9, 1000)) }));
    expect(emulator.botMessages(601).map((m) => m.text)).toEqual(["urgent", "reminder", "normal"]);
    rows = await rowsByKey(db);
    expect(rows["q:normal"]!.state).toBe("sent");
  });

  it("keeps about a second between messages to one chat and three seconds in a group", async () => {
    const { db } = database;
    const paced = await BotApiEmulator.start({ rateLimit: { perChatPerSecond: 1, perGroupPerMinute: 20 } });
    paced.addUser({ id: 701, first_name: "G" });
    paced.addChat({ id: -100_701, type: "supergroup", title: "Еріктілер" });
    await addUsers(db, [701]);
    await enqueue(db, [
      ...[1, 2, 3].map((n) => ({ chatId: 701, idempotencyKey: `chat:${n}`, content: { text: `chat ${n}` } })),
      ...[1, 2].map((n) => ({ chatId: -100_701, idempotencyKey: `group:${n}`, content: { text: `group ${n}` } })),
    ]);
    const d = makeDispatcher(db, paced.apiRoot, paced.token, i18n);
    d.start();
    while ((await outboxStates(db)).sent !== 5) await new Promise((resolve) => setTimeout(resolve, 50));
    await d.stop();
    expect(paced.failed()).toEqual([]);
    const times = (chatId: number) => paced.calls.filter((c) => Number(c.params.chat_id) === chatId).map((c) => c.at);
    const chat = times(701);
    expect(chat[1]! - chat[0]!).toBeGreaterThanOrEqual(1000);
    expect(chat[2]! - chat[1]!).toBeGreaterThanOrEqual(1000);
    const group = times(-100_701);
    expect(group[1]! - group[0]!).toBeGreaterThanOrEqual(3000);
    await paced.close();
  });
});

describeOnPostgres("two dispatchers on one PostgreSQL", (fresh) => {
  let first: DatabaseHandle;
  let second: DatabaseHandle;
  let emulator: BotApiEmulator;
  beforeAll(async () => {
    first = await openDatabase({ url: fresh.url, max: 3 });
    second = await openDatabase({ url: fresh.url, max: 3 });
    emulator = await BotApiEmulator.start({ rateLimit: { globalPerSecond: 40 } });
  });
  afterAll(async () => {
    await first?.close();
    await second?.close();
    await emulator?.close();
  });

  it("share the work and one global rate, sending each message once", async () => {
    const i18n = await createI18n();
    const ids = Array.from({ length: 160 }, (_, i) => 800_000 + i);
    for (const id of ids) emulator.addUser({ id, first_name: "H" });
    await addUsers(first.db, ids);
    await enqueue(
      first.db,
      ids.map((chatId) => ({ chatId, idempotencyKey: `two:${chatId}`, content: { text: `two ${chatId}` } })),
    );
    const slots = { a: [] as number[], b: [] as number[] };
    const options = (name: "a" | "b") => ({
      ratePerSecond: 40,
      idlePollMs: 100,
      replies: noReplies,
      onClaimed: (claimed: Array<{ slot: number }>) => slots[name].push(...claimed.map((c) => c.slot)),
    });
    const a = makeDispatcher(first.db, emulator.apiRoot, emulator.token, i18n, options("a"));
    const b = makeDispatcher(second.db, emulator.apiRoot, emulator.token, i18n, options("b"));
    a.start();
    b.start();
    await waitFor(async () => (await outboxStates(first.db)).sent === ids.length, 30_000, "every message sent");
    await Promise.all([a.stop(), b.stop()]);
    const texts = emulator.calls.filter((c) => c.method === "sendMessage" && c.ok).map((c) => c.params.text);
    expect(texts).toHaveLength(ids.length);
    expect(new Set(texts).size).toBe(ids.length);
    // Both took turns: each was handed a good share of the send slots.
    expect(slots.a.length).toBeGreaterThan(20);
    expect(slots.b.length).toBeGreaterThan(20);
    // The schedule the two handed out together keeps to the one rate: never more than 40 slots in a second, so
    // 160 messages span about 4 s. (When each send reaches the server depends on the machine's load; a 429 that
    // jitter causes is retried, which the exactly-once checks above cover.)
    const all = [...slots.a, ...slots.b].sort((x, y) => x - y);
    expect(all.length).toBeGreaterThanOrEqual(ids.length);
    for (let i = 40; i < all.length; i++) expect(all[i]! - all[i - 40]!).toBeGreaterThanOrEqual(1000);
    expect(all.at(-1)! - all[0]!).toBeGreaterThan(3900);
  });

  it("keep one chat to 1 message/s and one group to 20/min between them: no 429", async () => {
    await first.db.delete(outbox);
    const i18n = await createI18n();
    const paced = await BotApiEmulator.start({ rateLimit: { perChatPerSecond: 1, perGroupPerMinute: 20 } });
    const busy = 810_000;
    const group = -100_810_000;
    const others = Array.from({ length: 78 }, (_, i) => 810_001 + i);
    for (const id of [busy, ...others]) paced.addUser({ id, first_name: "J" });
    paced.addChat({ id: group, type: "supergroup", title: "Еріктілер" });
    await addUsers(first.db, [busy, ...others]);
    // The busy chat's and the group's rows are spread among the others, so they fall into different claims.
    const messages = others.map((chatId) => ({
      chatId,
      idempotencyKey: `pc:${chatId}`,
      content: { text: `to ${chatId}` },
    }));
    for (let n = 0; n < 6; n++)
      messages.splice(n * 13, 0, { chatId: busy, idempotencyKey: `pc:busy:${n}`, content: { text: `busy ${n}` } });
    for (let n = 0; n < 3; n++)
      messages.splice(n * 29 + 5, 0, {
        chatId: group,
        idempotencyKey: `pc:group:${n}`,
        content: { text: `group ${n}` },
      });
    await enqueue(first.db, messages);
    const options = { ratePerSecond: 40, idlePollMs: 100, replies: noReplies };
    const a = makeDispatcher(first.db, paced.apiRoot, paced.token, i18n, options);
    const b = makeDispatcher(second.db, paced.apiRoot, paced.token, i18n, options);
    a.start();
    b.start();
    await waitFor(async () => (await outboxStates(first.db)).sent === messages.length, 40_000, "every message sent");
    await Promise.all([a.stop(), b.stop()]);
    await paced.close();

    expect(paced.failed()).toEqual([]);
    expect(a.stats.rateLimited + b.stats.rateLimited).toBe(0);
    const sends = (chatId: number) =>
      paced.calls.filter((c) => c.method === "sendMessage" && Number(c.params.chat_id) === chatId);
    // In order, a second (three in a group) apart, whichever dispatcher sent each.
    expect(sends(busy).map((c) => c.params.text)).toEqual([0, 1, 2, 3, 4, 5].map((n) => `busy ${n}`));
    expect(sends(group).map((c) => c.params.text)).toEqual([0, 1, 2].map((n) => `group ${n}`));
    const gaps = (chatId: number) =>
      sends(chatId)
        .slice(1)
        .map((c, i) => c.at - sends(chatId)[i]!.at);
    for (const gap of gaps(busy)) expect(gap).toBeGreaterThanOrEqual(1000);
    for (const gap of gaps(group)) expect(gap).toBeGreaterThanOrEqual(3000);
    expect(a.stats.sent).toBeGreaterThan(0);
    expect(b.stats.sent).toBeGreaterThan(0);
  }, 60_000);
});
