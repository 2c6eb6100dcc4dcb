import { isNotNull, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../../src/db/client";
import { users } from "../../src/db/schema";
import { testDatabases } from "../support/db";
import { BotApiEmulator, type StoredMessage } from "../support/fake-telegram";
import { localized } from "../support/chat";
import { type Harness, startHarness } from "../support/harness";

const USERS = Number(process.env.BURST_USERS ?? 200);
const FIRST = 5_000_300_000;

// One database kind is enough here (the test is about Telegram's rate, not the database): PostgreSQL when there is one.
const kind = testDatabases.at(-1)!;

describe(`a burst of new users against Telegram's 30 messages/s (${kind.name})`, () => {
  let database: DatabaseHandle;
  let emulator: BotApiEmulator;
  let h: Harness;
  beforeAll(async () => {
    database = await kind.open();
    emulator = await BotApiEmulator.start({ rateLimit: { globalPerSecond: 30 } });
    h = await startHarness(database, { emulator });
  });
  afterAll(async () => {
    await h?.stop();
    await emulator?.close();
    await database?.close();
  });

  // Slow by nature: 200 × 7 replies at Telegram's 30/s take at least 50 s, more on a busy machine.
  it("200 people pressing Start at once all finish onboarding: replies are slowed, never lost", async () => {
    const ids = Array.from({ length: USERS }, (_, i) => FIRST + i);
    for (const id of ids) emulator.addUser({ id, first_name: "Айгерім", language_code: "kk" });
    /** Resolves with the bot's message to `id` that matches, as soon as it is there (event-driven: 200 users). */
    const botMessage = (id: number, match: (m: StoredMessage) => boolean) =>
      new Promise<StoredMessage>((resolve) => {
        const found = emulator.botMessages(id).findLast(match);
        if (found) return resolve(found);
        const listener = (m: StoredMessage) => {
          if (m.chat_id !== id || !match(m)) return;
          emulator.off("message", listener);
          resolve(m);
        };
        emulator.on("message", listener);
      });
    const hasButton = (data: string) => (m: StoredMessage) =>
      (m.reply_markup?.inline_keyboard ?? []).flat().some((b: { callback_data?: string }) => b.callback_data === data);
    const press = async (id: number, data: string) => {
      const message = await botMessage(id, hasButton(data));
      emulator.pressButton(id, message.message_id, data);
    };
    const onboard = async (id: number) => {
      emulator.sendText(id, "/start");
      await press(id, "ob:r:almaty");
      await press(id, "ob:idone");
      await press(id, "ob:consent:yes");
      await botMessage(id, (m) => Boolean(m.reply_markup?.keyboard?.[0]?.[0]?.request_location));
      emulator.sendLocation(id, 43.25, 76.95);
      await botMessage(id, (m) => Boolean(m.text?.includes("Басты мәзір")));
    };
    emulator.setMaxListeners(USERS + 100);
    h.allowRejected("Too Many Requests"); // Telegram's answer to a collision: retried after retry_after
    await Promise.all(ids.map(onboard));
    expect(
      (await database.db.select({ n: sql<number>`count(*)::int` }).from(users).where(isNotNull(users.onboardedAt)))[0]!
        .n,
    ).toBe(USERS);
    // Nothing failed but for Telegram's "too many requests" (retried); no one got an apology.
    expect(emulator.failed().filter((c) => c.error?.error_code !== 429)).toEqual([]);
    const apology = await localized("kk", "common.apology");
    for (const id of ids) expect(emulator.botMessages(id).some((m) => m.text === apology)).toBe(false);
    const sends = emulator.calls.filter((c) => c.method === "sendMessage" && c.ok);
    expect(sends.length).toBeGreaterThanOrEqual(USERS * 6);
  }, 300_000);
});
