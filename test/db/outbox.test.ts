import { spawn } from "node:child_process";
import { sql } from "drizzle-orm";
import { Api } from "grammy";
import { renderOutboxButton } from "../../src/bot/outbox-buttons";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DatabaseHandle, openDatabase } from "../../src/db/client";
import { outbox } from "../../src/db/schema";
import { Dispatcher } from "../../src/delivery/dispatcher";
import { at, batchProgress, enqueue, type OutboxMessage, purgeOutbox } from "../../src/db/outbox";
import { RenderError, render } from "../../src/delivery/render";
import { rowsOf } from "../../src/db/client";
import { createI18n, type I18n, translateDynamic } from "../../src/i18n";
import { createLogger } from "../../src/logger";
import { testDatabases } from "../support/db";
import { outboxStates, waitFor } from "../support/delivery-fixtures";
import { describeOnPostgres } from "../support/postgres-only";
import { BotApiEmulator, parseTelegramHtml } from "../support/fake-telegram";

const TRICKY = `<b>Ayan & "Co"</b>`;

describe.each(testDatabases)("outbox on $name", (kind) => {
  let database: DatabaseHandle;
  beforeAll(async () => {
    database = await kind.open();
  });
  afterAll(() => database.close());

  it("enqueues each idempotency key once, in chunks, inside a caller's transaction", async () => {
    const { db } = database;
    const items: OutboxMessage[] = Array.from({ length: 2500 }, (_, i) => ({
      chatId: 1000 + i,
      idempotencyKey: `bulk:${i}`,
      batch: "b1",
      content: { text: `hello ${i}` },
    }));
    expect(await enqueue(db, items)).toBe(2500);
    expect(await enqueue(db, items.slice(0, 10))).toBe(0);
    await db.transaction(async (tx) => {
      expect(await enqueue(tx, { chatId: 1, idempotencyKey: "tx:1", content: { text: "in a transaction" } })).toBe(1);
    });
    await expect(
      db.transaction(async (tx) => {
        await enqueue(tx, { chatId: 1, idempotencyKey: "tx:2", content: { text: "rolled back" } });
        throw new Error("rollback");
      }),
    ).rejects.toThrow("rollback");
    const keys = await db
      .select({ key: outbox.idempotencyKey })
      .from(outbox)
      .where(sql`${outbox.idempotencyKey} like 'tx:%'`);
    expect(keys.map((k) => k.key)).toEqual(["tx:1"]);
    expect(await batchProgress(db, "b1")).toEqual({ pending: 2500, sending: 0, sent: 0, dead: 0 });
  });

  it("stores the kind, the priority and the expiry of each message", async () => {
    const { db } = database;
    const expiresAt = new Date("2030-01-01T10:00:00Z");
    await enqueue(db, [
      {
        chatId: 5,
        idempotencyKey: "k:copy",
        priority: "urgent",
        content: { copy: { fromChatId: -100, messageId: 7 } },
      },
      { chatId: 5, idempotencyKey: "k:doc", content: { document: "BQAC123", caption: "file" }, expiresAt },
    ]);
    const rows = await db
      .select()
      .from(outbox)
      .where(sql`${outbox.idempotencyKey} in ('k:copy', 'k:doc')`)
      .orderBy(outbox.id);
    expect(rows.map((r) => [r.kind, r.priority])).toEqual([
      ["copy", 0],
      ["document", 1],
    ]);
    expect(rows[1]!.payload).toMatchObject({ document: "BQAC123", expiresAt: expiresAt.toISOString() });
  });

  it("purges sent and dead rows past their retention, a slice at a time", async () => {
    const { db } = database;
    const old = new Date(Date.now() - 40 * 86_400_000);
    await enqueue(
      db,
      Array.from({ length: 30 }, (_, i) => ({ chatId: 9, idempotencyKey: `purge:${i}`, content: { text: "x" } })),
    );
    const ids = (
      await db.select({ id: outbox.id }).from(outbox).where(sql`${outbox.idempotencyKey} like 'purge:%'`)
    ).map((r) => r.id);
    await db
      .update(outbox)
      .set({ state: "sent", updatedAt: old })
      .where(sql`${outbox.id} in ${ids.slice(0, 20)}`);
    await db
      .update(outbox)
      .set({ state: "dead", updatedAt: old })
      .where(sql`${outbox.id} in ${ids.slice(20, 25)}`);
    await db
      .update(outbox)
      .set({ state: "sent" })
      .where(sql`${outbox.id} in ${ids.slice(25, 28)}`); // recent: kept
    const cutoff = new Date(Date.now() - 14 * 86_400_000);
    expect(await purgeOutbox(db, { sentBefore: cutoff, deadBefore: cutoff }, 7)).toBe(25);
    const left = await db
      .select({ state: outbox.state })
      .from(outbox)
      .where(sql`${outbox.idempotencyKey} like 'purge:%'`);
    expect(left.map((r) => r.state).sort()).toEqual(["pending", "pending", "sent", "sent", "sent"]);
  });
});

describe("rendering outbox payloads", () => {
  let i18n: I18n;
  beforeAll(async () => {
    i18n = await createI18n();
  });

  it("renders templates in the recipient's language, escaping values and localizing dates", () => {
    const when = new Date("2026-12-01T05:30:00Z"); // 10:30 in Almaty
    for (const [locale, word] of [
      ["kk", "Басталуы"],
      ["ru", "Начало"],
    ] as const) {
      const rendered = render(i18n, {
        template: "reminders.action_24h",
        locale,
        params: { title: TRICKY, when: at.datetime(when), address: "a < b & c" },
        buttons: [[{ textKey: "reminders.btn_coming", data: "rem:yes:1" }]],
      });
      expect(rendered.method).toBe("sendMessage");
      if (rendered.method !== "sendMessage") return;
      expect(rendered.params.text).toContain(word);
      expect(rendered.params.text).toContain("&lt;b&gt;Ayan &amp; &quot;Co&quot;&lt;/b&gt;");
      expect(rendered.params.text).toContain("10:30");
      expect(() => parseTelegramHtml(rendered.params.text)).not.toThrow();
      expect(rendered.params.reply_markup?.inline_keyboard[0]?.[0]).toMatchObject({ callback_data: "rem:yes:1" });
    }
  });

  it("renders outbox buttons through the bot's renderer, and buttons stored in the older shape as they are", () => {
    const payload = {
      template: "reminders.club_meeting",
      locale: "ru" as const,
      params: { club: "Клуб", date: "1 декабря", time: "10:00", place: "—" },
    };
    const rendered = render(
      i18n,
      {
        ...payload,
        buttons: [
          [
            { kind: "reminder.coming", actionId: 7 },
            { kind: "reminder.cant", actionId: 7 },
          ],
          [{ kind: "club.coming", meetingId: 3, date: "20261209" }],
          [{ kind: "open.hours" }],
          [{ textKey: "reminders.btn_coming", data: "rem:yes:1" }],
        ],
      },
      renderOutboxButton,
    );
    if (rendered.method !== "sendMessage") throw new Error(rendered.method);
    expect(rendered.params.reply_markup?.inline_keyboard).toEqual([
      [
        { text: "✅ Приду", callback_data: "rem:yes:7" },
        { text: i18n.t("ru")("reminders.btn_cant"), callback_data: "rem:no:7" },
      ],
      [{ text: i18n.t("ru")("reminders.btn_club_coming"), callback_data: "rem:club:3:20261209" }],
      [{ text: i18n.t("ru")("hours.btn_to_hours"), callback_data: "m:hours" }],
      [{ text: "✅ Приду", callback_data: "rem:yes:1" }],
    ]);
    // Without the bot's renderer, a button cannot be made: the row is dead-lettered, never sent without it.
    expect(() => render(i18n, { ...payload, buttons: [[{ kind: "open.hours" }]] })).toThrow(RenderError);
  });

  it("renders a photo with the text as its caption, and edits of an earlier message", () => {
    const photo = render(
      i18n,
      {
        template: "broadcasts.message",
        locale: "kk",
        params: { text: TRICKY },
        photo: "AgAC",
        buttons: [[{ kind: "org.mute", organizationId: 3, name: "Ұйым & Co" }]],
      },
      renderOutboxButton,
    );
    expect(photo).toMatchObject({
      method: "sendPhoto",
      params: { photo: "AgAC", caption: "&lt;b&gt;Ayan &amp; &quot;Co&quot;&lt;/b&gt;" },
    });
    expect(photo.params.reply_markup?.inline_keyboard[0]?.[0]).toMatchObject({ callback_data: "bc:mute:3" });
    // An edit without buttons takes the old keyboard away (Telegram would keep it).
    expect(render(i18n, { text: "<b>done</b>", edit: { messageId: 9 } })).toEqual({
      method: "editMessageText",
      params: { message_id: 9, text: "<b>done</b>", reply_markup: { inline_keyboard: [] } },
    });
    const edit = render(
      i18n,
      {
        template: "broadcasts.progress",
        locale: "ru",
        params: { total: 3, sent: 1, pending: 2, blocked: 0, failed: 0 },
        edit: { messageId: 10 },
        buttons: [[{ kind: "broadcast.stop", broadcastId: 4 }]],
      },
      renderOutboxButton,
    );
    expect(edit).toMatchObject({ method: "editMessageText", params: { message_id: 10 } });
    expect(edit.params.reply_markup?.inline_keyboard[0]?.[0]).toMatchObject({ callback_data: "bc:stop:4" });
  });

  it("renders copies, documents and ready text, and refuses unknown templates", () => {
    expect(render(i18n, { copy: { fromChatId: -1, messageId: 2 } })).toEqual({
      method: "copyMessage",
      params: { from_chat_id: -1, message_id: 2, reply_markup: undefined },
    });
    expect(render(i18n, { document: "BQ", caption: "c" }).method).toBe("sendDocument");
    expect(render(i18n, { text: "<b>hi</b>" })).toMatchObject({ params: { text: "<b>hi</b>" } });
    expect(() => render(i18n, { template: "reminders.nope", locale: "kk" })).toThrow(RenderError);
    expect(() =>
      render(i18n, { template: "reminders.action_24h", locale: "kk", params: { when: { $datetime: "soon" } } }),
    ).toThrow(RenderError);
  });

  it("has the same reminder keys in Kazakh and Russian, all valid Telegram HTML", async () => {
    const { readLocaleResources } = await import("../../src/i18n");
    const resources = readLocaleResources();
    const base = (keys: string[]) => [...new Set(keys.map((k) => k.replace(/_(one|few|many|other)$/, "")))].sort();
    const kk = resources.kk.reminders as Record<string, string>;
    const ru = resources.ru.reminders as Record<string, string>;
    expect(base(Object.keys(kk))).toEqual(base(Object.keys(ru)));
    for (const locale of ["kk", "ru"] as const) {
      const t = i18n.t(locale);
      for (const key of base(Object.keys(resources[locale].reminders as object))) {
        const text = translateDynamic(t, `reminders.${key}`, {
          count: 3,
          title: TRICKY,
          club: TRICKY,
          name: TRICKY,
          place: "<>&",
          address: "&",
        });
        expect(() => parseTelegramHtml(text), `${locale}:${key}`).not.toThrow();
      }
    }
    expect(i18n.t("ru")("reminders.digest", { count: 1 })).toContain("1 доброе дело");
    expect(i18n.t("ru")("reminders.digest", { count: 3 })).toContain("3 добрых дела");
    expect(i18n.t("ru")("reminders.digest", { count: 5 })).toContain("5 добрых дел");
  });
});

/**
 * The crash test: a dispatcher in a child process sends a 10,000-message broadcast and is killed with SIGKILL half
 * way; a new dispatcher finishes it. Nothing may be lost, and only rows claimed at the moment of the kill may be
 * sent twice.
 */
describeOnPostgres("crash safety on PostgreSQL", (fresh) => {
  const TOTAL = 10_000;
  let emulator: BotApiEmulator;
  let database: DatabaseHandle;

  beforeAll(async () => {
    emulator = await BotApiEmulator.start();
    database = await openDatabase({ url: fresh.url, max: 4 });
  });
  afterAll(async () => {
    await database?.close();
    await emulator?.close();
  });

  it("delivers every message of a broadcast after a SIGKILL, duplicating at most the rows in flight", async () => {
    const { db } = database;
    const chats = Array.from({ length: TOTAL }, (_, i) => 10_000_000 + i);
    for (const id of chats) emulator.addUser({ id, first_name: "V" });
    await enqueue(
      db,
      chats.map((chatId, i) => ({
        chatId,
        idempotencyKey: `bc:${i}`,
        batch: "crash",
        content: { text: `Broadcast #${i}` },
      })),
    );

    const child = spawn(process.execPath, ["--import", "tsx", "test/support/delivery-child.ts"], {
      env: {
        ...process.env,
        DATABASE_URL: fresh.url,
        API_ROOT: emulator.apiRoot,
        BOT_TOKEN: emulator.token,
        DELIVERY_RATE: "2000",
        CLAIM_TTL_MS: "5000",
      },
      stdio: ["ignore", "pipe", "inherit"],
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.once("exit", (_code, signal) => resolve(signal)),
    );
    const sent = () => emulator.calls.filter((c) => c.method === "sendMessage" && c.ok).length;
    await waitFor(() => sent() >= TOTAL * 0.4, 25_000, "the child to send 40%");
    child.kill("SIGKILL");
    expect(await exited).toBe("SIGKILL");
    const atKill = sent();
    const inFlight = (await outboxStates(db)).sending ?? 0;
    expect(atKill).toBeLessThan(TOTAL);

    const dispatcher = new Dispatcher({
      db,
      api: new Api(emulator.token, { apiRoot: emulator.apiRoot }),
      i18n: await createI18n(),
      logger: createLogger("silent"),
      buttons: renderOutboxButton,
      ratePerSecond: 2000,
      perChatIntervalMs: 0,
    });
    dispatcher.start();
    await waitFor(async () => (await batchProgress(db, "crash")).sent === TOTAL, 25_000, "the broadcast to finish");
    await dispatcher.stop();

    const texts = emulator.calls.filter((c) => c.method === "sendMessage" && c.ok).map((c) => String(c.params.text));
    const distinct = new Set(texts);
    expect(distinct.size).toBe(TOTAL);
    const duplicates = texts.length - distinct.size;
    expect(duplicates).toBeLessThanOrEqual(inFlight);
    expect(emulator.failed()).toEqual([]);
    const [stuck] = rowsOf<{ n: string | number }>(
      await db.execute(sql`select count(*) as n from outbox where state <> 'sent'`),
    );
    expect(Number(stuck!.n)).toBe(0);
    console.log(
      `crash test: ${atKill} sent before SIGKILL, ${inFlight} rows in flight at the kill, ${duplicates} sent twice, ${TOTAL} delivered`,
    );
  }, 60_000);
});
