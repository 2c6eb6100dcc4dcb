import { isNull, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../../src/db/client";
import { users } from "../../src/db/schema";
import { testDatabases } from "../support/db";
import { waitFor } from "../support/delivery-fixtures";
import { BotApiEmulator } from "../support/fake-telegram";
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
    const buttons = (id: number) =>
      emulator.botMessages(id).flatMap((m) => (m.reply_markup?.inline_keyboard ?? []).flat().map((b: any) => ({ id: m.message_id, data: String(b.callback_data) })));
    /** Waits for the button with that data, then presses it. */
    const press = async (id: number, data: string) => {
      await waitFor(() => buttons(id).some((b) => b.data === data), 250_000, `${data} for ${id}`);
      const button = buttons(id).findLast((b) => b.data === data)!;
      emulator.pressButton(id, button.id, data);
    };
    const onboard = async (id: number) => {
      emulator.sendText(id, "/start");
      await press(id, "ob:r:almaty");
      await press(id, "ob:idone");
      await press(id, "ob:consent:yes");
      await waitFor(() => emulator.botMessages(id).some((m) => m.reply_markup?.keyboard?.[0]?.[0]?.request_location), 250_000, `location prompt for ${id}`);
      emulator.sendLocation(id, 43.25, 76.95);
    };
    await Promise.all(ids.map(onboard));
    await waitFor(
      async () => (await database.db.select({ n: sql<number>`count(*)::int` }).from(users).where(isNull(users.onboardedAt)))[0]!.n === 0 &&
        (await database.db.select({ n: sql<number>`count(*)::int` }).from(users))[0]!.n === USERS &&
        ids.every((id) => emulator.lastBotMessage(id)?.text?.includes("Басты мәзір")),
      250_000,
      "every onboarding finished",
    );
    // Nothing failed but for Telegram's "too many requests" (retried); no one got an apology.
    expect(emulator.failed().filter((c) => c.error?.error_code !== 429)).toEqual([]);
    for (const id of ids) expect(emulator.botMessages(id).some((m) => m.text?.includes("Кешіріңіз"))).toBe(false);
    const sends = emulator.calls.filter((c) => c.method === "sendMessage" && c.ok);
    expect(sends.length).toBeGreaterThanOrEqual(USERS * 6);
  }, 300_000);
});
